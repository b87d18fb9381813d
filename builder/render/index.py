"""The staff index: output/index.html and one page per samverkansrutin, working offline from disk."""

from __future__ import annotations

import datetime as dt
import posixpath
import unicodedata
from dataclasses import dataclass
from typing import Any

from builder.derived import all_sources, walk_sections
from builder.governance.status import DocumentStatus, library_status
from builder.load.library import Library
from builder.model import Document, Samverkansrutin, shown
from builder.options import BuildOptions
from builder.render import RENDERERS, Artifact, DocumentOutputs
from builder.render.html import inline_files, template_env
from builder.render.printables.common import find_team
from builder.text.dates import format_date_sv
from builder.text.wording import STATUS_LABELS

ORPHANS = "ovriga"  # group for an arbetsrutin whose samverkansrutin is missing

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


@dataclass(frozen=True)
class Group:
    """A samverkansrutin with its arbetsrutiner, as the index groups them."""

    id: str
    title: str
    href: str  # the group's own page, relative to the page showing it
    rows: tuple[Row, ...]


def _day(value: dt.date | None) -> str:
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
    seen: dict[str, None] = {}
    for word in fold(" ".join(texts)).split():
        word = word.strip(".,:;!?()[]\"'”“*_→–-")
        if len(word) > 1:
            seen.setdefault(word, None)
    return " ".join(seen)


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


def _marks(status: DocumentStatus) -> tuple[str, ...]:
    doc = status.routine.document
    marks = []
    if doc.is_draft or doc.status == "upphävd":
        marks.append(STATUS_LABELS[doc.status])
    if status.expired:
        marks.append("Utgången")
    if status.has("utvardering-forsenad"):
        marks.append("Utvärdering försenad")
    return tuple(marks)


def issuer_and_scope(doc: Document) -> tuple[str | None, str | None]:
    """Who issues the document and whom it covers, as the index shows them."""
    issuers = [doc.organisation] if doc.organisation else []
    if doc.approved_elsewhere is not None:
        issuers.append(f"fastställd av {doc.approved_elsewhere.body}")
    scope = [", ".join(doc.applies_to)] if doc.applies_to else []
    if doc.audience is not None:
        scope.append(f"målgrupp: {shown(doc.audience)}")
    return (", ".join(issuers) or None), ("; ".join(scope) or None)


def _row(status: DocumentStatus, outputs: DocumentOutputs | None, prefix: str,
         library: Library, group_title: str) -> Row:
    doc = status.routine.document
    kind = "Samverkansrutin" if isinstance(doc, Samverkansrutin) else "Arbetsrutin"
    marks = _marks(status)
    team, words = _team_and_origin(status, library)
    issuer, scope = issuer_and_scope(doc)
    organisation = doc.organisation or (library.organisation.name if library.organisation else "")
    search = fold(" ".join([doc.title, doc.id, team, kind, STATUS_LABELS[doc.status], *marks,
                            *words, group_title, organisation, issuer or "", scope or ""]))
    search += " " + document_words(doc)
    return Row(
        id=doc.id, title=doc.title, kind=kind, team=team, status=STATUS_LABELS[doc.status],
        version=doc.version, valid_from=_day(doc.valid_from), valid_to=_day(doc.valid_to),
        next_review=_day(status.next_review), issuer=issuer, scope=scope, marks=marks,
        notes=tuple(f.text for f in status.flags if f.code not in ("utkast", "granskning")),
        links=_links(outputs, prefix), search=search,
        inactive=doc.is_draft or status.expired or doc.status == "upphävd",
    )


def _group_titles(library: Library) -> dict[str, str]:
    return {r.document.id: r.document.title for r in library.samverkansrutiner}


def build_groups(library: Library, statuses: list[DocumentStatus],
                 outputs: list[DocumentOutputs], prefix: str,
                 only: str | None = None) -> list[Group]:
    """Rows grouped by samverkansrutin (the samverkansrutin first, then its arbetsrutiner)."""
    by_id = {o.routine.document.id: o for o in outputs}
    titles = _group_titles(library)
    grouped: dict[str, list[Row]] = {}
    for status in statuses:
        group = status.group if status.group in titles else ORPHANS
        if only is not None and group != only:
            continue
        row = _row(status, by_id.get(status.routine.document.id), prefix, library,
                   titles.get(group, ""))
        grouped.setdefault(group, []).append(row)
    approved = {s.group for s in statuses if s.routine.document.is_approved}
    # Groups with a routine in force first: what staff may act on leads, drafts follow.
    order = sorted(grouped, key=lambda g: (g == ORPHANS, g not in approved,
                                           titles.get(g, "").casefold(), g))
    here = "" if only is None else "../"
    return [Group(g, titles.get(g, "Övriga rutiner"),
                  here + f"{g}/index.html" if g != ORPHANS else "", tuple(grouped[g]))
            for g in order]


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
    artifacts += landing_pages(outputs, organisation)
    for group in all_groups:
        if group.id == ORPHANS:
            continue
        # Links on a group page start one folder down, hence the "../" prefix.
        own = build_groups(library, statuses, outputs, prefix="../", only=group.id)
        artifacts.append(Artifact(f"{group.id}/index.html", _page(
            f"{group.title} – {organisation}", group.title, own, "../index.html",
            organisation, options.today)))
    return artifacts


def landing_pages(outputs: list[DocumentOutputs], organisation: str) -> list[Artifact]:
    """``<group>/<id>/index.html``: one stable address per document that always links its
    current version (pocket-card QR codes and Bilaga links point here, never at a file name
    that carries a version)."""
    template = template_env().get_template("landing.html.j2")
    pages = []
    for output in outputs:
        doc = output.routine.document
        links = [Link(link.label, posixpath.relpath(link.href, output.folder), link.kind)
                 for link in _links(output, "")]
        html = template.render(doc=doc, status=STATUS_LABELS[doc.status], links=links,
                               valid_from=_day(doc.valid_from), organisation=organisation,
                               css=inline_files(("index.css",)))
        pages.append(Artifact(f"{output.folder}/index.html", html.encode("utf-8")))
    return pages
