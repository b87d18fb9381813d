"""The main document's view model: a routine turned into plain values for the Jinja template."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from markupsafe import Markup

from builder.derived import NOT_STATED, as_text
from builder.governance.ledger import latest_evaluation
from builder.model import (
    IN_USE_AT_SOURCE,
    Arbetsrutin,
    Bullet,
    BulletItem,
    Criteria,
    Document,
    NotStated,
    Revision,
    Samverkansrutin,
    Section,
    Step,
    TeamEntry,
    shown,
    stated,
)
from builder.render import RenderContext
from builder.render.opening import not_stated_markdown, preamble_markdown
from builder.text.dates import format_date_sv, has_expired
from builder.text.markdown import render_inline, render_markdown
from builder.text.phone import format_phone_sv
from builder.text.wording import (
    DECISION_NOT_STATED,
    DRAFT_MARK,
    LETTERS,
    STATUS_LABELS,
    protocol_phrase,
)

WATERMARK_DRAFT = DRAFT_MARK
WATERMARK_REVOKED = "UPPHÄVD"
EXPIRED_BANNER = "OBS: giltighetstiden har passerat"
REVOKED_BANNER = "UPPHÄVD – rutinen gäller inte längre och ska inte användas"
# The body is the document's own (godkänt_av, beslutande_organ, fastställare); never assumed.
DRAFT_BANNER = f"{DRAFT_MARK}. Rutinen gäller inte förrän {{body}} fastställt den."
DRAFT_BANNER_NO_BODY = f"{DRAFT_MARK}. Rutinen gäller inte förrän den har fastställts."
EMPTY_IN_SOURCE = "Avsnittet är tomt i källan."
FIRST_VERSION_HEADING = "Versionshistorik"
CHANGES_HEADING = "Ändringar sedan föregående version"
EXAMPLE_MARK = "Exempel – ska fastställas av teamet"
COPY_NOTICE = "Utskriven kopia – kontrollera att du har den aktuella versionen"
MISSING = "–"
NOT_STATED_AT_SOURCE = "Ej angivet i källan"
NOT_APPROVED = "Ej fastställd"
# Id of the reserved area where the signing step places the visible signature stamp, and of
# the zero-size marker in its lower right corner: both become PDF named destinations.
APPROVAL_BOX_ID = "godkannande"
APPROVAL_BOX_END_ID = "godkannande-slut"
NOTE_PREFIXES = ("observera", "obs")


def _w3c(epoch: int) -> str:
    return dt.datetime.fromtimestamp(epoch, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _months(document: Document) -> str | None:
    evaluation = document.evaluation
    if evaluation is None:
        return None
    if evaluation.months:
        names = list(evaluation.months)
        return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " och " + names[-1]
    if evaluation.interval_months:
        return f"var {evaluation.interval_months}:e månad"
    return None


def _list(values: list[str] | list[str | NotStated]) -> str | None:
    return ", ".join(str(v) for v in values) or None


def _optional(label: str, value: str | NotStated | None) -> list[tuple[str, str]]:
    return [] if value is None else [(label, shown(value))]


def governance_rows(doc: Document) -> list[tuple[str, str]]:
    """The header-table roles real routines carry (Diarienummer … Beslutande organ), when set."""
    rows: list[tuple[str, str]] = []
    rows += _optional("Diarienummer", doc.registration_number)
    rows += _optional("Processägare", doc.process_owner)
    rows += _optional("Ägare", doc.owner)
    rows += _optional("Granskare", _list(doc.reviewers))
    rows += _optional("Fastställare", doc.approver)
    rows += _optional("Beslutande organ", doc.decision_body)
    rows += _optional("Gäller för", _list(doc.applies_to))
    rows += _optional("Målgrupp", doc.audience)
    rows += _optional("Kontaktperson", doc.contact_person)
    rows += _optional("Ansvarig för revidering", doc.revision_responsible)
    return rows


def source_rows(doc: Document) -> list[tuple[str, str]]:
    """Provenance as the source writes it, beside the tool's own version."""
    source = doc.source
    if source is None:
        return []
    return (_optional("Version i källan", source.version)
            + _optional("Datum i källan", source.date)
            + _optional("Uppdaterad i källan", source.updated)
            + _optional("Källa", source.reference))


def _approval(doc: Document) -> tuple[str, str]:
    """Godkänt av and its date: our body's decision, or the other body's as it writes it."""
    elsewhere = doc.approved_elsewhere
    if doc.approved_by is None and elsewhere is not None:
        return elsewhere.body, elsewhere.date or format_date_sv(doc.approval_date_stated, MISSING)
    if doc.status == IN_USE_AT_SOURCE and not doc.has_decision:
        # In use at the source, its decision not stated there: say so, claim nothing.
        return (shown(doc.approved_by, NOT_STATED_AT_SOURCE),
                format_date_sv(doc.approval_date_stated, NOT_STATED_AT_SOURCE))
    return shown(doc.approved_by, MISSING), format_date_sv(doc.approval_date_stated, MISSING)


def metadata_rows(ctx: RenderContext) -> list[dict[str, str]]:
    """The header block, in the seed's order (Dokumenttyp … Giltigt från och med), then more."""
    doc: Document = ctx.document
    approved_by, approved_on = _approval(doc)
    valid_from = format_date_sv(doc.valid_from_stated, MISSING)
    if doc.is_draft:
        # A draft never wears an earlier version's decision as its own (issue 21); a start
        # date of its own (planned, not yet decided) is shown as such.
        from builder.governance.lifecycle import decided_dates

        body = doc.approving_body
        approved_by = f"{NOT_APPROVED} (beslutas av {body})" if body else NOT_APPROVED
        approved_on = NOT_APPROVED
        inherited = decided_dates(ctx.library, doc.id, ctx.options.today)
        valid_from = (f"{valid_from} (planerat, {NOT_APPROVED.lower()})"
                      if doc.valid_from is not None and doc.valid_from not in inherited
                      else NOT_APPROVED)
    rows = [
        ("Dokumenttyp", shown(doc.document_type)),
        ("Upprättat av", shown(doc.prepared_by)),
        ("Godkänt av", approved_by),
        ("Uppdrag", shown(doc.assignment, MISSING)),
        ("Datum för godkännande", approved_on),
        ("Giltigt från och med", valid_from),
    ]
    if doc.valid_to_stated is not None:
        rows.append(("Giltigt till och med", format_date_sv(doc.valid_to_stated)))
    if doc.approved_elsewhere is not None and doc.approved_elsewhere.reference:
        rows.append(("Beslutsreferens", doc.approved_elsewhere.reference))
    rows += governance_rows(doc)
    rows += [("Version", doc.version)] + source_rows(doc)
    rows.append(("Status", STATUS_LABELS[doc.status]))
    if doc.is_draft:
        from builder.governance.lifecycle import in_force_line

        rows.append(("Gällande version", in_force_line(ctx.library, doc.id, ctx.options.today)))
    months = _months(doc)
    if months:
        rows.append(("Utvärderas", months))
    evaluated = evaluated_on(ctx)
    if evaluated is not None:
        rows.append(("Senast utvärderad", format_date_sv(evaluated)))
    if isinstance(doc, Arbetsrutin):
        parent = ctx.library.by_id(doc.parent)
        rows.append(("Samverkansrutin", parent.document.title if parent else doc.parent))
    rows += [(d.label, shown(d.value)) for d in doc.other_details]
    return [{"label": label, "value": value, "key": _css_key(label)} for label, value in rows]


def evaluated_on(ctx: RenderContext) -> dt.date | None:
    """The newest evaluation without change of this approved version (rutin utvärdera)."""
    doc: Document = ctx.document
    if not doc.is_approved:
        return None
    entry = latest_evaluation(ctx.routine.path.parent, doc.id)
    return entry.date if entry is not None and entry.version == doc.version else None


def _css_key(label: str) -> str:
    return label.lower().replace(" ", "-").translate(str.maketrans("åäö", "aao"))


def when_label(when: str | None) -> str | None:
    """"När:" unless the value already says it ("När uppdraget påbörjas"): no "När: När …"."""
    if not when or when.strip().casefold().startswith("när "):
        return None
    return "När:"


def _who(responsible: object, when: object) -> dict[str, str | None]:
    owner, moment = as_text(responsible), as_text(when)
    return {"responsible": owner, "when": moment, "when_label": when_label(moment)}


def bullet_view(item: BulletItem) -> dict[str, Any]:
    """A bullet with its nested bullets (the template walks them with a recursive loop)."""
    if isinstance(item, Bullet):
        return {"html": render_inline(item.text), "children": [bullet_view(b) for b in item.bullets]}
    return {"html": render_inline(item), "children": []}


def criteria_rule(criteria: Criteria) -> str | None:
    """The k-of-n rule in words, stated once: the source's own sentence when it has one."""
    if criteria.text:
        return None
    if criteria.at_least is None:
        return None
    count = len(criteria.items)
    if criteria.at_least == count:
        return f"Samtliga {count} kriterier ska vara uppfyllda."
    return f"Minst {criteria.at_least} av följande {count} kriterier ska vara uppfyllda."


def criteria_view(criteria: Criteria | None) -> dict[str, Any] | None:
    """Kriterier for the template: the generated rule (lead), the list, the source's rule."""
    if criteria is None:
        return None
    source = render_markdown(criteria.text) if criteria.text else None
    return {  # the rule where it stands in the source, the same in every output
        "lead": criteria_rule(criteria) or (source if criteria.rule_leads else None),
        "items": [render_inline(c) for c in criteria.items],
        "after": None if criteria.rule_leads else source,
        "at_least": criteria.at_least,
        "count": len(criteria.items),
    }


def step_view(number: int, step: Step) -> dict[str, Any]:
    """One numbered step and its lettered alternatives, with who and when."""
    alternatives = [
        {
            "letter": LETTERS[i],
            "label": f"{number}{LETTERS[i]}",  # "2a": one label in PDF, DOCX and checklist
            "condition": render_inline(alt.condition) if alt.condition else None,
            "text": render_inline(alt.text),
            **_who(alt.responsible or (NOT_STATED if not step.responsible else None),
                   alt.when),
        }
        for i, alt in enumerate(step.alternatives or [])
    ]
    # A step's own text names who does it; unstated, it says so (the alternatives name theirs).
    owner = step.responsible or (NOT_STATED if step.text else None)
    return {
        "number": number,
        "text": render_inline(step.text) if step.text else None,
        "alternatives": alternatives,
        **_who(owner, step.when),
    }


def note_view(note: str | None) -> dict[str, Any] | None:
    """A note set apart; the "Observera" label is left out when the text already begins so."""
    if not note:
        return None
    # A note with a label of its own ("Utkast: …") gets no second one ("Observera: Utkast:").
    starts_with_label = note.lstrip().lower().startswith(NOTE_PREFIXES) \
        or OWN_LABEL.match(note) is not None
    return {"label": None if starts_with_label else "Observera", "html": render_markdown(note)}


def flatten_sections(sections: list[Section], level: int = 2) -> list[dict[str, Any]]:
    """Sections as a flat list with heading levels (h2, h3, h4): templates need no recursion."""
    flat: list[dict[str, Any]] = []
    for section in sections:
        flat.append({
            "level": min(level, 4),
            "heading": section.heading,
            "text": keep_last_words(render_markdown(section.text)) if section.text else None,
            "bullets": [bullet_view(b) for b in section.bullets or []],
            "criteria": criteria_view(section.criteria),
            "steps": [step_view(i, s) for i, s in enumerate(section.steps or [], start=1)],
            "text_after": keep_last_words(render_markdown(section.text_after))
            if section.text_after else None,
            "empty_in_source": EMPTY_IN_SOURCE if section.empty_in_source else None,
            "not_stated": _markdown_or_none(not_stated_markdown(section.not_stated)),
            "note": note_view(section.note),
        })
        flat.extend(flatten_sections(section.subsections or [], level + 1))
    return flat


def _markdown_or_none(text: str | None) -> Markup | None:
    return render_markdown(text) if text else None


OWN_LABEL = re.compile(r"^\s*[A-ZÅÄÖ][\w ]{0,24}:\s")  # "Utkast: …", "Obs: …"
_LAST_SPACE = re.compile(r" ([^\s<>]{1,20}</p>)")


def keep_last_words(html: Markup) -> Markup:
    """A no-break space before each body paragraph's last word, so no paragraph ends with
    one word alone on its line ("remiss.", "augusti."); CSS `text-wrap: pretty` would say
    the same, but WeasyPrint does not support it."""
    return Markup(_LAST_SPACE.sub("\u00a0\\1", str(html)))


def pdf_link(doc: Document, publication_url: str | None = None) -> str:
    """Link from one document's output folder to another's stable page (output layout:
    output/<samverkansrutin-id>/<document-id>/index.html), which always links the current
    version: a Bilaga link never goes stale when the other document is revised. With
    `publicerings_url` the link is absolute, so it still works in a PDF sent by e-mail."""
    if publication_url:
        group = doc.parent if isinstance(doc, Arbetsrutin) else doc.id
        return f"{publication_url.rstrip('/')}/{group}/{doc.id}/"
    return f"../{doc.id}/index.html"


def _publication_url(ctx: RenderContext) -> str | None:
    organisation = ctx.library.organisation
    return organisation.publication_url if organisation is not None else None


def team_rows(ctx: RenderContext) -> list[dict[str, Any]]:
    """The Team table of a samverkansrutin (empty for an arbetsrutin)."""
    doc = ctx.document
    if not isinstance(doc, Samverkansrutin):
        return []
    return [
        {"name": t.name, "abbreviation": t.abbreviation or MISSING,
         "based_at": (shown(t.based_at) if isinstance(t.based_at, NotStated)
                      else ", ".join(t.origins) or MISSING),
         "own_routine": None if t.own_routine is True else (
             "Ingen egen arbetsrutin" if t.own_routine is False
             else f"Egen arbetsrutin: {shown(t.own_routine)}")}
        for t in doc.teams
    ]


# Who (name, role, unit stacked in one cell), then how and when to reach them.
CONTACT_COLUMNS = (("phone", "Telefon"), ("email", "E-post"), ("hours", "Tider"),
                   ("area", "Område"))


def contacts_view(doc: Document) -> dict[str, Any] | None:
    """Kontakter as a table: one "Kontakt" cell (namn, roll, enhet) and only the columns some
    contact fills; phones in the one house format. Cells are lists of lines."""
    if not doc.contacts:
        return None
    columns = [(key, label) for key, label in CONTACT_COLUMNS
               if any(getattr(c, key) is not None for c in doc.contacts)]
    rows = []
    for contact in doc.contacts:
        who = [shown(v) for v in (contact.name, contact.role, contact.unit) if v is not None]
        cells = [who]
        for key, _ in columns:
            value = getattr(contact, key)
            if key == "phone" and isinstance(value, str):
                value = format_phone_sv(value)
            cells.append([shown(value)] if value is not None else [])
        rows.append(cells)
    return {"headers": ["Kontakt"] + [label for _, label in columns],
            "keys": ["who"] + [key for key, _ in columns], "rows": rows}


def related_view(doc: Document) -> list[dict[str, str | None]]:
    """Relaterade dokument: title and optional link."""
    return [{"title": d.title, "url": d.url} for d in doc.related_documents]


def team_routine_title(team: TeamEntry, routine: Document | None) -> str:
    """The team's arbetsrutin as Bilagor lists it; "ej angivet" said with the team's name."""
    if isinstance(team.routine_title, NotStated):
        return f"Arbetsrutin för {team.name}: {shown(team.routine_title)}"
    return team.routine_title or (routine.title if routine else team.name)


def appendix_rows(ctx: RenderContext) -> list[dict[str, Any]]:
    """Bilagor: each team's arbetsrutin (linked PDF) or the parent routine, then attachments."""
    doc = ctx.document
    rows: list[dict[str, Any]] = []
    if isinstance(doc, Samverkansrutin):
        for team in doc.teams:
            routine = next((r.document for r in ctx.library.arbetsrutiner
                            if r.document.team == team.id  # type: ignore[attr-defined]
                            and r.document.parent == doc.id), None)  # type: ignore[attr-defined]
            if routine is None and team.routine_title is None:
                continue  # the team keeps no arbetsrutin of its own (the Kungälv seed)
            title = team_routine_title(team, routine)
            rows.append({
                "title": title,
                "href": pdf_link(routine, _publication_url(ctx)) if routine else None,
                "detail": _appendix_detail(routine),
            })
    elif isinstance(doc, Arbetsrutin):
        parent = ctx.library.by_id(doc.parent)
        if parent is not None:
            rows.append({"title": f"Samverkansrutin: {parent.document.title}",
                         "href": pdf_link(parent.document, _publication_url(ctx)),
                         "detail": _appendix_detail(parent.document)})
    for attachment in doc.attachments:
        rows.append({"title": attachment.title, "href": None, "detail": f"fil: {attachment.file}"})
    return rows


def _appendix_detail(doc: Document | None) -> str:
    if doc is None:
        return "arbetsrutinen saknas ännu"
    return f"version {doc.version}, {STATUS_LABELS[doc.status].lower()}"


def _revision_row(revision: Revision) -> dict[str, Any]:
    return {"version": revision.version, "date": format_date_sv(revision.date),
            "description": render_inline(revision.description)}


def revision_view(doc: Document) -> dict[str, Any] | None:
    """The newest entry answers "Ändringar sedan föregående version"; older ones follow."""
    if not doc.revisions:
        return None
    newest, *older = doc.revisions
    # A first version has no previous one to differ from (issue 12, point 3).
    heading = CHANGES_HEADING if older else FIRST_VERSION_HEADING
    return {"heading": heading, "latest": _revision_row(newest),
            "older": [_revision_row(r) for r in older]}


def follow_up_view(doc: Document) -> dict[str, Any] | None:
    """The follow-up block: who, how and when, marked when only an example."""
    follow_up = doc.follow_up
    if follow_up is None:
        return None
    how = follow_up.how
    return {
        "responsible": shown(follow_up.responsible or None, MISSING),
        "how": render_inline(how) if isinstance(how, str) and how else shown(how or None, MISSING),
        "when": shown(follow_up.when or None, MISSING),
        "example": EXAMPLE_MARK if follow_up.example else None,
    }


def status_view(ctx: RenderContext) -> dict[str, Any]:
    """Banners and watermark for the document's status and validity."""
    doc: Document = ctx.document
    expired = has_expired(doc.valid_to, ctx.options.today)
    banners = []
    if doc.status == "upphävd":
        banners.append(REVOKED_BANNER)
    elif doc.is_draft:
        body = doc.approving_body
        banners.append(DRAFT_BANNER.format(body=body) if body else DRAFT_BANNER_NO_BODY)
    if expired:
        banners.append(EXPIRED_BANNER)
    watermark = WATERMARK_REVOKED if doc.status == "upphävd" else (
        WATERMARK_DRAFT if doc.is_draft else None)
    return {"status": doc.status, "watermark": watermark, "banners": banners, "expired": expired}


def approval_statement(ctx: RenderContext) -> str:
    """"Fastställd av Samordningsgruppen 29 maj 2026, § 4" from the ledger entry for this
    version; for drafts the absence of a decision. The PDF shows it under its approval box,
    the DOCX under its header table."""
    from builder.governance.ledger import approval_of

    doc: Document = ctx.document
    if not doc.is_approved:
        return approval_hint(doc) or STATUS_LABELS[doc.status]
    entry = approval_of(ctx.library, doc.id, doc.version)
    if entry is not None:
        return (f"Fastställd av {entry.body} {format_date_sv(entry.date)}, "
                f"{protocol_phrase(entry.protocol)}")
    if doc.approved_by and doc.approval_date:
        return f"Fastställd av {doc.approved_by} {format_date_sv(doc.approval_date)}"
    return STATUS_LABELS[doc.status]


def head_view(ctx: RenderContext) -> dict[str, Any]:
    """What becomes PDF document metadata (title, author, subject, keywords, dates)."""
    doc: Document = ctx.document
    # Only stated values: "Ej angivet" never becomes an Author, Subject or Keyword.
    kind = "Samverkansrutin" if isinstance(doc, Samverkansrutin) else "Arbetsrutin"
    document_type = stated(doc.document_type) or kind
    assignment = stated(doc.assignment)
    subject = document_type + (f" – {assignment}" if assignment else "")
    keywords = [document_type, doc.id, f"version {doc.version}", STATUS_LABELS[doc.status]]
    keywords += list(doc.glossary)
    stamp = _w3c(ctx.options.epoch)
    return {
        "lang": "sv-SE",
        "title": doc.title,
        "author": stated(doc.prepared_by) or "",
        "description": subject,
        "keywords": ", ".join(k.replace(",", " ") for k in keywords),
        "created": stamp,
        "modified": stamp,
        "generator": "Rutinbyggaren",
    }


def approval_hint(doc: Document) -> str | None:
    """What the signature box says when our body has not signed the document."""
    if doc.is_draft:
        return "Ej fastställd – underskrift saknas"
    if doc.status == IN_USE_AT_SOURCE:
        return DECISION_NOT_STATED
    elsewhere = doc.approved_elsewhere
    if doc.status == "fastställd_annan_instans" and elsewhere is not None:
        when = f" ({elsewhere.date})" if elsewhere.date else ""
        return f"Fastställd av {elsewhere.body}{when} – ingen elektronisk underskrift"
    return None


def issuer_text(doc: Document, library_name: str | None) -> str | None:
    """The issuer every document shows: its own, "Utfärdare: Ej angivet" when the source names
    none (issue 23: never the library's name in its place), else the library's."""
    if isinstance(doc.organisation, NotStated):
        return f"Utfärdare: {shown(doc.organisation)}"
    return doc.organisation or library_name


def document_view(ctx: RenderContext, *, for_pdf: bool, css: Markup) -> dict[str, Any]:
    """Everything the document template shows, prepared so the template only loops and tests."""
    doc: Document = ctx.document
    organisation = ctx.library.organisation
    return {
        "for_pdf": for_pdf,
        "css": css,
        "head": head_view(ctx),
        # The issuing organisation is shown on every document: its own, else the library's.
        "organisation": issuer_text(doc, organisation.name if organisation else None),
        "kind": "Samverkansrutin" if isinstance(doc, Samverkansrutin) else "Arbetsrutin",
        "title": doc.title,
        "version": doc.version,
        "status_label": STATUS_LABELS[doc.status],
        "metadata": metadata_rows(ctx),
        "approval_box_id": APPROVAL_BOX_ID,
        "approval_box_end_id": APPROVAL_BOX_END_ID,
        "approval_hint": approval_hint(doc),
        # A signed PDF's stamp says it; unsigned outputs say it in words under the box.
        "approval_statement": approval_statement(ctx)
        if doc.is_approved and not (for_pdf and ctx.options.sign) else None,
        "state": status_view(ctx),
        "follow_up": follow_up_view(doc),
        "preamble": keep_last_words(render_markdown(preamble)) if (
            preamble := preamble_markdown(doc)) else None,
        "sections": flatten_sections(doc.sections),
        "contacts": contacts_view(doc),
        "related": related_view(doc),
        "teams": team_rows(ctx),
        "glossary": [{"term": k, "meaning": v} for k, v in doc.glossary.items()],
        "appendices": appendix_rows(ctx),
        "revisions": revision_view(doc),
        "copy_notice": COPY_NOTICE,
    }
