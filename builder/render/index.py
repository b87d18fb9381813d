"""The staff index: output/index.html and one page per samverkansrutin, working offline from disk."""

from __future__ import annotations

import datetime as dt
import posixpath
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from builder.derived import all_sources, walk_sections
from builder.governance.lifecycle import Lifecycle, Version
from builder.governance.schedule import next_review
from builder.governance.status import DocumentStatus, library_status
from builder.load.library import ARCHIVE_DIR, Library
from builder.model import Document, NotStated, Samverkansrutin, shown
from builder.options import BuildOptions
from builder.render import RENDERERS, Artifact, DocumentOutputs
from builder.render.html import inline_files, template_env
from builder.render.printables.common import find_team
from builder.text.dates import format_date_sv
from builder.text.wording import STATUS_LABELS, protocol_phrase

MISSING = "–"
ORPHANS = "ovriga"  # group for an arbetsrutin whose samverkansrutin is missing
WITHDRAWN = "upphavda"  # the section upphävda routines move to, after every group
NO_VERSION_IN_FORCE = "Ingen gällande version"

# Link text per output format, in the order the links are shown.
FORMAT_LABELS: dict[str, str] = {fmt: spec.label for fmt, spec in RENDERERS.items()}
# Files that are a variant of their format's main file say which variant they are.
VARIANT_LABELS: dict[str, str] = {
    "-fickkort-ark.pdf": "Fickkort, A4-ark",
    "-checklista-ifyllbar.pdf": "Checklista, ifyllbar",
}


@dataclass(frozen=True)
class Link:
    """A link to one output file."""

    label: str
    href: str
    kind: str  # file extension, shown to say what opens


@dataclass(frozen=True)
class Beside:
    """A version shown beside the one in force: a draft under revision or a coming version."""

    text: str  # "Under revidering: utkast 1.1 (gäller inte)", "Kommande version 1.1 gäller …"
    links: tuple[Link, ...]


@dataclass(frozen=True)
class Row:
    """One routine's row in the index."""

    id: str
    title: str
    kind: str  # "Samverkansrutin" | "Arbetsrutin"
    team: str
    status: str
    version: str
    valid_from: str
    valid_to: str
    next_review: str
    issuer: str | None  # the issuing organisation, or the body that approved it elsewhere
    scope: str | None  # gäller för, målgrupp
    marks: tuple[str, ...]  # visible text markers: "Utkast", "Utgången", ...
    notes: tuple[str, ...]  # what is due, in words
    links: tuple[Link, ...]
    search: str  # lower-case text the search box matches against
    inactive: bool  # draft, expired or upphävd: styled apart, and marked in text
    beside: tuple[Beside, ...] = ()  # the next version, shown beside the one in force
    withdrawn: str | None = None  # "Upphävd 3 april 2027 av Samordningsgruppen, § 7"


@dataclass(frozen=True)
class Group:
    """A samverkansrutin with its arbetsrutiner, as the index groups them."""

    id: str
    title: str
    href: str  # the group's own page, relative to the page showing it
    rows: tuple[Row, ...]


def _day(value: dt.date | NotStated | None) -> str:
    """Long Swedish dates, as every document says them (ISO only where machines read)."""
    return format_date_sv(value)


def fold(text: str) -> str:
    """Lower case without diacritics: "Kungälv" and "kungalv" match alike (index.js folds
    the typed words the same way)."""
    decomposed = unicodedata.normalize("NFD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def document_words(doc: Document) -> str:
    """Every word of the document's text, folded, each once: headings, steps, alternatives,
    notes, section text and bullets, and the glossary ("samtycke" and "SAMSA" find the
    routines that use them; issue 26)."""
    texts: list[str] = [f"{term} {meaning}" for term, meaning in doc.glossary.items()]
    texts += [f"{s.condition or ''} {s.text} {s.responsible or ''} {s.when or ''}"
              for s in all_sources(doc)]
    for section, _ in walk_sections(doc.sections):
        texts.append(section.heading)
        texts += _bullet_texts(section.bullets or [])
    return search_words(" ".join(texts))


def search_words(text: str) -> str:
    """The folded words of ``text`` longer than one letter, each once, in order."""
    seen: dict[str, None] = {}
    for raw in dict.fromkeys(text.split()):  # each written form is folded once
        word = _search_word(raw)
        if len(word) > 1:
            seen.setdefault(word, None)
    return " ".join(seen)


_PUNCTUATION = ".,:;!?()[]\"'”“*_→–-"


@lru_cache(maxsize=1 << 16)
def _search_word(raw: str) -> str:
    """One whitespace-separated word folded and stripped of punctuation. Folding never makes
    or removes white space, so word by word gives what folding the whole text gave, at a
    fraction of the cost: the index of 201 routines folded ~2 s of text on every build."""
    folded = raw.lower() if raw.isascii() else fold(raw)
    return folded.strip(_PUNCTUATION)


def _bullet_texts(bullets: list[Any]) -> list[str]:
    found = []
    for item in bullets:
        if isinstance(item, str):
            found.append(item)
        else:
            found.append(item.text)
            found += _bullet_texts(item.bullets)
    return found


def _team_and_origin(status: DocumentStatus, library: Library) -> tuple[str, tuple[str, ...]]:
    """"Närsjukvårdsteam (NSVT), Kungälvs sjukhus": the team, its abbreviation and where it
    works from, so two teams of the same name tell apart; plus words for the search."""
    routine = status.routine
    team = find_team(routine, library)
    doc = routine.document
    words: list[str] = list(doc.glossary)
    if team is None:
        if isinstance(doc, Samverkansrutin):
            words += [w for t in doc.teams for w in (t.abbreviation or "", *t.origins)]
        return status.team or "–", tuple(words)
    label = f"{team.name} ({team.abbreviation})" if team.abbreviation else team.name
    if team.origins:
        label += f", {', '.join(team.origins)}"
    words += [team.abbreviation or "", *team.origins]
    return label, tuple(words)


def _links(outputs: DocumentOutputs | None, prefix: str) -> tuple[Link, ...]:
    """Links to every file the build produced, relative to the page (prefix is "" or "../")."""
    if outputs is None:
        return ()
    links: list[Link] = []
    order = [f for f in FORMAT_LABELS if f in outputs.files]
    order += sorted(f for f in outputs.files if f not in FORMAT_LABELS)
    for fmt in order:
        files = outputs.files[fmt]
        # A detached signature (.p7s) sits beside its document; only real siblings are numbered.
        documents = [f for f in files if not f.endswith((".p7s", *VARIANT_LABELS))]
        for name in files:
            if name.endswith(".p7s"):
                continue  # a verification file for `rutin verify`, not for staff
            label = FORMAT_LABELS.get(fmt, fmt)
            variant = next((v for suffix, v in VARIANT_LABELS.items() if name.endswith(suffix)),
                           None)
            if variant is not None:
                label = variant
            elif len(documents) > 1:
                label += f" {documents.index(name) + 1}"
            extension = posixpath.splitext(name)[1].lstrip(".").upper()
            links.append(Link(label, prefix + name, extension))
    return tuple(links)


def _marks(status: DocumentStatus, doc: Document) -> tuple[str, ...]:
    marks = []
    if doc.is_draft or doc.status == "upphävd":
        marks.append(STATUS_LABELS[doc.status])
    life = status.life
    if (doc.is_draft and life is not None and life.in_force is None and not life.coming
            and life.withdrawal is None):
        marks.append(NO_VERSION_IN_FORCE)
    if status.expired:
        marks.append("Utgången")
    if status.has("utvardering-forsenad"):
        marks.append("Utvärdering försenad")
    return tuple(marks)


def issuer_and_scope(doc: Document) -> tuple[str | None, str | None]:
    """Who issues the document and whom it covers, as the index shows them."""
    issuers = [shown(doc.organisation)] if doc.organisation is not None else []
    if doc.approved_elsewhere is not None:
        issuers.append(f"fastställd av {doc.approved_elsewhere.body}")
    scope = [", ".join(map(str, doc.applies_to))] if doc.applies_to else []
    if doc.audience is not None:
        scope.append(f"målgrupp: {shown(doc.audience)}")
    return (", ".join(issuers) or None), ("; ".join(scope) or None)


def beside_text(life: Lifecycle, working: Document) -> str | None:
    """What the working copy is beside the version in force, in words staff cannot misread."""
    if life.working_is_coming:
        return coming_text(working.version, working.valid_from)
    if working.is_draft and life.in_force is not None:
        return (f"Under revidering: {STATUS_LABELS[working.status].lower()} {working.version} "
                "(gäller inte)")
    return None


def coming_text(version: str, valid_from: dt.date | None) -> str:
    """"Kommande version 1.1 gäller från 1 mars 2027"."""
    return f"Kommande version {version} gäller från {_day(valid_from)}"


def withdrawal_text(life: Lifecycle) -> str | None:
    """"Upphävd 3 april 2027 av Samordningsgruppen, § 7" from the ledger's decision."""
    entry = life.withdrawal
    if entry is None:
        return None
    return f"Upphävd {_day(entry.date)} av {entry.body}, {protocol_phrase(entry.protocol)}"


@dataclass(frozen=True)
class Shown:
    """What a routine's row and page lead with: the version in force (or the working copy
    when there is none), its outputs, and what stands beside it."""

    document: Document
    outputs: DocumentOutputs | None
    beside: tuple[tuple[str, DocumentOutputs | None], ...]
    earlier: tuple[tuple[Version, DocumentOutputs | None], ...]


def shown_versions(status: DocumentStatus, by_unit: dict[str, DocumentOutputs]) -> Shown:
    """The lead version and the versions beside and before it, with their outputs."""
    working = status.routine.document
    life = status.life
    own = by_unit.get(working.id)
    if life is None:
        return Shown(working, own, (), ())
    earlier = tuple((v, by_unit.get(f"{working.id}@v{v.version}")) for v in life.earlier)
    lead: Document = working
    outputs = own
    beside: list[tuple[str, DocumentOutputs | None]] = []
    if life.under_revision and life.in_force is not None:
        frozen = by_unit.get(f"{working.id}@v{life.in_force.version}")
        lead = life.in_force.document or working
        outputs = frozen
        text = beside_text(life, working)
        if text is not None:
            beside.append((text, own))
    for version in life.coming:
        if not (life.working_is_coming and version.version == working.version):
            beside.append((coming_text(version.version, version.valid_from), None))
    return Shown(lead, outputs, tuple(beside), earlier)


def _row(status: DocumentStatus, by_unit: dict[str, DocumentOutputs], prefix: str,
         library: Library, group_title: str) -> Row:
    shown_ = shown_versions(status, by_unit)
    doc = shown_.document
    kind = "Samverkansrutin" if isinstance(doc, Samverkansrutin) else "Arbetsrutin"
    marks = _marks(status, doc)
    team, words = _team_and_origin(status, library)
    issuer, scope = issuer_and_scope(doc)
    organisation = shown(doc.organisation) if doc.organisation is not None else (
        library.organisation.name if library.organisation else "")
    beside = tuple(Beside(text, _links(outputs, prefix)) for text, outputs in shown_.beside)
    withdrawn = withdrawal_text(status.life) if status.life is not None else None
    search = fold(" ".join([doc.title, doc.id, team, kind, STATUS_LABELS[doc.status], *marks,
                            *words, group_title, organisation, issuer or "", scope or "",
                            *(b.text for b in beside)]))
    search += " " + document_words(doc)
    # A draft has no validity and no decision of its own: never the previous version's dates.
    return Row(
        id=doc.id, title=doc.title, kind=kind, team=team, status=STATUS_LABELS[doc.status],
        version=doc.version, valid_from=MISSING if doc.is_draft else _day(doc.valid_from_stated),
        valid_to=_day(doc.valid_to_stated),
        next_review=_day(status.next_review if doc is status.routine.document
                         else next_review(doc)), issuer=issuer, scope=scope, marks=marks,
        notes=tuple(f.text for f in status.flags if f.code not in ("utkast", "granskning")),
        links=_links(shown_.outputs, prefix), search=search,
        inactive=doc.is_draft or status.expired or doc.status == "upphävd",
        beside=beside, withdrawn=withdrawn,
    )


def _by_unit(outputs: list[DocumentOutputs]) -> dict[str, DocumentOutputs]:
    """Outputs by build key: a working copy's id, ``<id>@v<version>`` for other versions."""
    found: dict[str, DocumentOutputs] = {}
    for output in outputs:
        doc = output.routine.document
        if output.earlier is not None:
            found[f"{doc.id}@v{output.earlier}"] = output
        elif output.routine.path.parent.name == ARCHIVE_DIR:
            found[f"{doc.id}@v{doc.version}"] = output
        else:
            found[doc.id] = output
    return found


def _group_titles(library: Library) -> dict[str, str]:
    return {r.document.id: r.document.title for r in library.samverkansrutiner}


def build_groups(library: Library, statuses: list[DocumentStatus],
                 outputs: list[DocumentOutputs], prefix: str,
                 only: str | None = None) -> list[Group]:
    """Rows grouped by samverkansrutin (the samverkansrutin first, then its arbetsrutiner)."""
    by_unit = _by_unit(outputs)
    titles = _group_titles(library)
    grouped: dict[str, list[Row]] = {}
    withdrawn: list[Row] = []
    for status in statuses:
        group = status.group if status.group in titles else ORPHANS
        if only is not None and group != only:
            continue
        row = _row(status, by_unit, prefix, library, titles.get(group, ""))
        if row.withdrawn is not None:
            withdrawn.append(row)  # out of the staff list, into "Upphävda"
        else:
            grouped.setdefault(group, []).append(row)
    approved = {s.group for s in statuses if s.routine.document.is_approved
                or (s.life is not None and s.life.in_force is not None)}
    # Groups with a routine in force first: what staff may act on leads, drafts follow.
    order = sorted(grouped, key=lambda g: (g == ORPHANS, g not in approved,
                                           titles.get(g, "").casefold(), g))
    here = "" if only is None else "../"
    groups = [Group(g, titles.get(g, "Övriga rutiner"),
                    here + f"{g}/index.html" if g != ORPHANS else "", tuple(grouped[g]))
              for g in order]
    if withdrawn:
        groups.append(Group(WITHDRAWN, "Upphävda", "", tuple(withdrawn)))
    return groups


def _page(title: str, heading: str, groups: list[Group], home: str | None, organisation: str,
          today: dt.date) -> bytes:
    template = template_env().get_template("index.html.j2")
    html = template.render(
        title=title, heading=heading, groups=groups, home=home, organisation=organisation,
        today=format_date_sv(today), css=inline_files(("index.css",)), script=inline_files(("index.js",)),
        total=sum(len(g.rows) for g in groups), own_page=home is not None,
    )
    return html.encode("utf-8")


def render_index(library: Library, outputs: list[DocumentOutputs],
                 options: BuildOptions) -> list[Artifact]:
    """index.html for everything, plus <samverkansrutin-id>/index.html for each group."""
    organisation = library.organisation.name if library.organisation else "Rutiner"
    statuses = library_status(library, options.today)
    all_groups = build_groups(library, statuses, outputs, prefix="")
    artifacts = [Artifact("index.html", _page(f"Rutiner – {organisation}", "Rutiner", all_groups,
                                              None, organisation, options.today))]
    artifacts += landing_pages(library, statuses, outputs, organisation)
    for group in all_groups:
        if group.id == ORPHANS:
            continue
        # Links on a group page start one folder down, hence the "../" prefix.
        own = build_groups(library, statuses, outputs, prefix="../", only=group.id)
        artifacts.append(Artifact(f"{group.id}/index.html", _page(
            f"{group.title} – {organisation}", group.title, own, "../index.html",
            organisation, options.today)))
    return artifacts


@dataclass(frozen=True)
class EarlierView:
    """One earlier version on a document's fixed page."""

    text: str  # "Version 1.0 – ersatt (fastställd 29 maj 2026, gällde från 1 juni 2026)"
    links: tuple[Link, ...]


def _relative(links: tuple[Link, ...], folder: str) -> list[Link]:
    return [Link(link.label, posixpath.relpath(link.href, folder), link.kind) for link in links]


def earlier_text(version: Version) -> str:
    """An earlier version as its fixed page lists it, marked ersatt or upphävd."""
    entry = version.entry
    mark = "upphävd" if version.state == "upphävd" else "ersatt"
    if version.withdrawal is not None:
        mark += f" {_day(version.withdrawal.date)}"
    return (f"Version {version.version} – {mark} (fastställd {_day(entry.date)} av "
            f"{entry.body}, gällde från {_day(version.valid_from)})")


def _lead_text(doc: Document, life: Lifecycle | None) -> str:
    """The fixed page's first line: the version in force, or that there is none."""
    if life is not None and life.withdrawal is not None:
        return (f"Rutinen är upphävd och gäller inte längre: {withdrawal_text(life)}. "
                "Ingen version gäller.")
    if life is not None and life.in_force is not None:
        entry = life.in_force.entry
        return (f"Gällande version: {life.in_force.version} · fastställd {_day(entry.date)} av "
                f"{entry.body} · giltigt från och med {_day(life.in_force.valid_from)}")
    if doc.status == "fastställd_annan_instans":
        return (f"Gällande version: {doc.version} · {STATUS_LABELS[doc.status]} · giltigt "
                f"från och med {_day(doc.valid_from_stated)}")
    if doc.is_in_force and not doc.has_decision:  # i_bruk_enligt_källan: in use, no decision
        return (f"Gällande version: {doc.version} · {STATUS_LABELS[doc.status]} (beslut ej "
                f"angivet i källan) · giltigt från och med {_day(doc.valid_from_stated)}")
    if life is not None and life.coming:
        return f"{NO_VERSION_IN_FORCE} ännu."
    return f"{NO_VERSION_IN_FORCE}: rutinen är inte fastställd."


def landing_pages(library: Library, statuses: list[DocumentStatus],
                  outputs: list[DocumentOutputs], organisation: str) -> list[Artifact]:
    """``<group>/<id>/index.html``: one stable address per document that always leads with
    the version in force (pocket-card QR codes and Bilaga links point here, never at a file
    name that carries a version), with a draft or coming version beside it and earlier
    versions below."""
    template = template_env().get_template("landing.html.j2")
    by_unit = _by_unit(outputs)
    folders = {o.routine.document.id: o.folder for o in outputs}
    pages = []
    for status in statuses:
        working = status.routine.document
        folder = folders.get(working.id)
        if folder is None:
            continue  # nothing built for it
        shown_ = shown_versions(status, by_unit)
        doc = shown_.document
        lead_in_force = (status.life is not None and status.life.in_force is not None) or (
            doc.is_in_force and status.life is not None and not status.life.coming)
        beside = [Beside(text, tuple(_relative(_links(o, ""), folder)))
                  for text, o in shown_.beside]
        earlier = [EarlierView(earlier_text(v), tuple(_relative(_links(o, ""), folder)))
                   for v, o in shown_.earlier]
        withdrawn = status.life is not None and status.life.withdrawal is not None
        links = _relative(_links(shown_.outputs, ""), folder)
        html = template.render(doc=doc, lead=_lead_text(doc, status.life), links=links,
                               lead_in_force=lead_in_force and not withdrawn,
                               draft_only=doc.is_draft, beside=beside, earlier=earlier,
                               withdrawn=withdrawn, organisation=organisation,
                               css=inline_files(("index.css",)))
        pages.append(Artifact(f"{folder}/index.html", html.encode("utf-8")))
    return pages
