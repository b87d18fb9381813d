"""The main document's view model: a routine turned into plain values for the Jinja template."""

from __future__ import annotations

import datetime as dt
from typing import Any

from markupsafe import Markup

from builder.dates import format_date_sv, has_expired
from builder.derived import NOT_STATED, as_text
from builder.markdown import render_inline, render_markdown
from builder.model import Arbetsrutin, Document, Revision, Samverkansrutin, Section, Step
from builder.render import RenderContext
from builder.wording import DRAFT_MARK, LETTERS, STATUS_LABELS, protocol_phrase

WATERMARK_DRAFT = DRAFT_MARK
WATERMARK_REVOKED = "UPPHÄVD"
EXPIRED_BANNER = "OBS: giltighetstiden har passerat"
REVOKED_BANNER = "UPPHÄVD – rutinen gäller inte längre och ska inte användas"
DRAFT_BANNER = f"{DRAFT_MARK}. Rutinen gäller inte förrän samordningsgruppen fastställt den."
EXAMPLE_MARK = "Exempel – ska fastställas av teamet"
APPROVAL_MISSING = "Ej fastställd – underskrift saknas"
COPY_NOTICE = "Utskriven kopia – kontrollera att du har den aktuella versionen"
MISSING = "–"
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


def metadata_rows(ctx: RenderContext) -> list[dict[str, str]]:
    """The header block, in the seed's order (Dokumenttyp … Giltigt från och med), then more."""
    doc: Document = ctx.document
    rows = [
        ("Dokumenttyp", doc.document_type),
        ("Upprättat av", doc.prepared_by),
        ("Godkänt av", doc.approved_by or MISSING),
        ("Uppdrag", doc.assignment or MISSING),
        ("Datum för godkännande", format_date_sv(doc.approval_date, MISSING)),
        ("Giltigt från och med", format_date_sv(doc.valid_from, MISSING)),
    ]
    if doc.valid_to is not None:
        rows.append(("Giltigt till och med", format_date_sv(doc.valid_to)))
    rows += [("Version", doc.version), ("Status", STATUS_LABELS[doc.status])]
    months = _months(doc)
    if months:
        rows.append(("Utvärderas", months))
    if isinstance(doc, Arbetsrutin):
        parent = ctx.library.by_id(doc.parent)
        rows.append(("Samverkansrutin", parent.document.title if parent else doc.parent))
    return [{"label": label, "value": value, "key": _css_key(label)} for label, value in rows]


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


def step_view(number: int, step: Step) -> dict[str, Any]:
    """One numbered step and its lettered alternatives, with who and when."""
    alternatives = [
        {
            "letter": LETTERS[i],
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
    starts_with_label = note.lstrip().lower().startswith(NOTE_PREFIXES)
    return {"label": None if starts_with_label else "Observera", "html": render_markdown(note)}


def flatten_sections(sections: list[Section], level: int = 2) -> list[dict[str, Any]]:
    """Sections as a flat list with heading levels (h2, h3, h4): templates need no recursion."""
    flat: list[dict[str, Any]] = []
    for section in sections:
        flat.append({
            "level": min(level, 4),
            "heading": section.heading,
            "text": render_markdown(section.text) if section.text else None,
            "bullets": [render_inline(b) for b in section.bullets or []],
            "steps": [step_view(i, s) for i, s in enumerate(section.steps or [], start=1)],
            "note": note_view(section.note),
        })
        flat.extend(flatten_sections(section.subsections or [], level + 1))
    return flat


def pdf_link(doc: Document) -> str:
    """Relative link from one document's output folder to another's stable page (output
    layout: output/<samverkansrutin-id>/<document-id>/index.html), which always links the
    current version: a Bilaga link never goes stale when the other document is revised."""
    return f"../{doc.id}/index.html"


def team_rows(ctx: RenderContext) -> list[dict[str, Any]]:
    """The Team table of a samverkansrutin (empty for an arbetsrutin)."""
    doc = ctx.document
    if not isinstance(doc, Samverkansrutin):
        return []
    return [
        {"name": t.name, "abbreviation": t.abbreviation or MISSING, "based_at": t.based_at or MISSING}
        for t in doc.teams
    ]


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
            title = team.routine_title or routine.title  # type: ignore[union-attr]
            rows.append({
                "title": title,
                "href": pdf_link(routine) if routine else None,
                "detail": _appendix_detail(routine),
            })
    elif isinstance(doc, Arbetsrutin):
        parent = ctx.library.by_id(doc.parent)
        if parent is not None:
            rows.append({"title": f"Samverkansrutin: {parent.document.title}",
                         "href": pdf_link(parent.document),
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
    return {"latest": _revision_row(newest), "older": [_revision_row(r) for r in older]}


def follow_up_view(doc: Document) -> dict[str, Any] | None:
    """The follow-up block: who, how and when, marked when only an example."""
    follow_up = doc.follow_up
    if follow_up is None:
        return None
    return {
        "responsible": follow_up.responsible or MISSING,
        "how": render_inline(follow_up.how) if follow_up.how else MISSING,
        "when": follow_up.when or MISSING,
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
        banners.append(DRAFT_BANNER)
    if expired:
        banners.append(EXPIRED_BANNER)
    watermark = WATERMARK_REVOKED if doc.status == "upphävd" else (
        WATERMARK_DRAFT if doc.is_draft else None)
    return {"status": doc.status, "watermark": watermark, "banners": banners, "expired": expired}


def approval_statement(ctx: RenderContext) -> str:
    """"Fastställd av Samordningsgruppen 29 maj 2026, § 4" from the ledger entry for this
    version; for drafts the absence of a decision. The PDF shows it under its approval box,
    the DOCX under its header table."""
    from builder.governance.ledger import latest_approval

    doc: Document = ctx.document
    if not doc.is_approved:
        return APPROVAL_MISSING
    entry = latest_approval(ctx.library, doc.id)
    if entry is not None and entry.version == doc.version:
        return (f"Fastställd av {entry.body} {format_date_sv(entry.date)}, "
                f"{protocol_phrase(entry.protocol)}")
    if doc.approved_by and doc.approval_date:
        return f"Fastställd av {doc.approved_by} {format_date_sv(doc.approval_date)}"
    return STATUS_LABELS[doc.status]


def head_view(ctx: RenderContext) -> dict[str, Any]:
    """What becomes PDF document metadata (title, author, subject, keywords, dates)."""
    doc: Document = ctx.document
    subject = doc.document_type + (f" – {doc.assignment}" if doc.assignment else "")
    keywords = [doc.document_type, doc.id, f"version {doc.version}", STATUS_LABELS[doc.status]]
    keywords += list(doc.glossary)
    stamp = _w3c(ctx.options.epoch)
    return {
        "lang": "sv-SE",
        "title": doc.title,
        "author": doc.prepared_by,
        "description": subject,
        "keywords": ", ".join(k.replace(",", " ") for k in keywords),
        "created": stamp,
        "modified": stamp,
        "generator": "Rutinbyggaren",
    }


def document_view(ctx: RenderContext, *, for_pdf: bool, css: Markup) -> dict[str, Any]:
    """Everything the document template shows, prepared so the template only loops and tests."""
    doc: Document = ctx.document
    organisation = ctx.library.organisation
    return {
        "for_pdf": for_pdf,
        "css": css,
        "head": head_view(ctx),
        "organisation": organisation.name if organisation else None,
        "kind": "Samverkansrutin" if isinstance(doc, Samverkansrutin) else "Arbetsrutin",
        "title": doc.title,
        "version": doc.version,
        "status_label": STATUS_LABELS[doc.status],
        "metadata": metadata_rows(ctx),
        "approval_box_id": APPROVAL_BOX_ID,
        "approval_box_end_id": APPROVAL_BOX_END_ID,
        "approval_hint": APPROVAL_MISSING if doc.is_draft else None,
        # A signed PDF's stamp says it; unsigned outputs say it in words under the box.
        "approval_statement": None if doc.is_draft or (for_pdf and ctx.options.sign)
        else approval_statement(ctx),
        "state": status_view(ctx),
        "follow_up": follow_up_view(doc),
        "sections": flatten_sections(doc.sections),
        "teams": team_rows(ctx),
        "glossary": [{"term": k, "meaning": v} for k, v in doc.glossary.items()],
        "appendices": appendix_rows(ctx),
        "revisions": revision_view(doc),
        "copy_notice": COPY_NOTICE,
    }
