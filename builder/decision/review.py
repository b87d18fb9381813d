"""Redline PDF and the review packet for samordningsgruppen (summary, findings, redline, document)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from builder.check import run_check
from builder.diagnostics import SEVERITY_SV, Diagnostic
from builder.governance.diff import DocumentDiff, diff_routine, last_approved_version
from builder.governance.ledger import ledger_path, version_key
from builder.load.library import ARCHIVE_DIR, Library, RoutineFile, display_path
from builder.options import BuildOptions
from builder.render.html import template_env
from builder.text.dates import format_date_sv

REDLINE_TEMPLATE = "redline.html.j2"


def redline_html(diff: DocumentDiff, heading: str = "Ändringar",
                 packet: dict[str, Any] | None = None) -> str:
    """The redline (and, given ``packet``, the review packet's pages) as HTML."""
    return template_env().get_template(REDLINE_TEMPLATE).render(diff=diff, heading=heading,
                                                         packet=packet)


@dataclass(frozen=True)
class PdfOut:
    """A PDF and WeasyPrint's warnings while laying it out."""

    data: bytes
    warnings: tuple[str, ...] = ()


def redline_pdf(diff: DocumentDiff) -> PdfOut:
    """The redline alone: added text green and underlined, removed red and struck through."""
    from builder.render.weasy import PdfOptions, html_to_pdf

    result = html_to_pdf(redline_html(diff), PdfOptions())
    return PdfOut(result.data, result.warnings)


def _summary_rows(routine: RoutineFile) -> list[dict[str, str]]:
    """Revision lines newer than the last approved version (all of them if none is)."""
    doc = routine.document
    since = last_approved_version(routine)
    rows = [r for r in doc.revisions if since is None or r.version == doc.version
            or version_key(r.version) > version_key(since)]
    return [{"version": r.version, "date": format_date_sv(r.date), "text": r.description}
            for r in rows]


def _findings(diagnostics: list[Diagnostic], routine: RoutineFile) -> list[dict[str, str]]:
    folder = routine.path.parent
    ledger = display_path(ledger_path(folder))
    archive = display_path(folder / ARCHIVE_DIR)
    mine = [d for d in diagnostics
            if d.file in (routine.display, ledger) or d.file.startswith(archive)]
    return [{"where": f"{Path(d.file).name}:{d.line}", "rule": d.rule,
             "severity": SEVERITY_SV[d.severity], "message": d.message} for d in mine]


def printout_rows(routine: RoutineFile, library: Library) -> list[dict[str, str]]:
    """Each step, alternative and note beside its pocket-card line and checklist row, so the
    group approves what staff carry (issue 14). A step no card line names shows "–"."""
    from builder.derived import resolve, step_sources
    from builder.model import CardPoint
    from builder.render.printables.common import checklist_items, find_team
    from builder.render.printables.pocketcard import card_content

    document = routine.document
    card = card_content(routine, library)
    points = document.pocket_card.points if document.pocket_card else []
    by_path: dict[object, list[str]] = {}
    for point in points:
        if isinstance(point, CardPoint) and (source := resolve(document, point)) is not None:
            by_path.setdefault(source.path, []).append(point.text)
    derived = card is not None and not points
    items = checklist_items(_rows(document), find_team(routine, library))
    performed = {row.path: other for item in items
                 for row, other in zip(item.rows, item.others, strict=True)}
    rows = []
    for index, source in enumerate(step_sources(document)):
        on_card = by_path.get(source.path) or by_path.get(source.path[:-2]) or []
        if derived and card is not None and index < len(card.points):
            on_card = [card.points[index]]
        checklist = f"{source.condition} → {source.text}" if source.condition else source.text
        other = performed.get(source.path)
        rows.append({
            "number": source.number or "Observera",
            "step": f"{source.condition} {source.text}" if source.condition else source.text,
            "who": source.responsible or ("" if source.kind == "not" else "Ej angivet"),
            "card": " / ".join(on_card) or "–",
            "checklist": checklist + (f" (utförs av {other})" if other else ""),
        })
    return rows


def _rows(document: Any) -> list[Any]:
    from builder.render.printables.common import checklist_rows

    return checklist_rows(document)


# A part after the first continues the packet's page numbers and names the packet's total:
# WeasyPrint sets `pages` per document, so the total is written in; `counter-set` on the
# first page (which then skips the automatic increment) starts the part where the last ended.
PAGE_NUMBERS = """<style>
@page :first {{ counter-set: page {start}; }}
@page {{ @bottom-right {{ content: "Sida " counter(page) " av {total}"; }} }}
.page-footer .pagecount::after {{ content: "{total}"; }}
</style>
</head>"""
REDLINE_ANCHOR = "andringar"


@dataclass(frozen=True)
class _Part:
    """One part of the packet as HTML, and whether its pages carry page numbers."""

    key: str
    title: str
    html: str
    numbered: bool = True


def _printout_parts(library: Library, routine: RoutineFile) -> list[_Part]:
    """The checklist and the pocket card as they will print, when the routine has them."""
    from builder.render import RenderContext
    from builder.render.printables.checklist import checklist_html
    from builder.render.printables.common import checklist_rows, document_head
    from builder.render.printables.pocketcard import card_content, cards_html

    ctx = RenderContext(routine, library, BuildOptions(sign=False))
    parts: list[_Part] = []
    rows = checklist_rows(routine.document)
    if rows:
        parts.append(_Part("checklista", "Checklistan", checklist_html(ctx, rows,
                                                                       fillable=False)))
    card = card_content(routine, library)
    if card is not None:
        meta = document_head(routine.document, "Fickkort", ctx.options.epoch)
        # A card has no room for a page number; its pages still count in the packet's total.
        parts.append(_Part("fickkort", "Fickkortet, fram- och baksida",
                           cards_html([card], "single", meta), numbered=False))
    return parts


def _numbered(part: _Part, start: int, total: int) -> str:
    if not part.numbered:
        return part.html
    return part.html.replace("</head>", PAGE_NUMBERS.format(start=start, total=total), 1)


def _lay_out(parts: list[_Part], options: Any,
             counts: list[int] | None) -> list[Any]:
    """Lay every part out; with ``counts`` (pages per part), numbered as one packet."""
    from builder.render.weasy import measure_html

    if counts is None:
        return [measure_html(part.html, options) for part in parts]
    total = sum(counts)
    starts = [1 + sum(counts[:i]) for i in range(len(parts))]
    return [measure_html(_numbered(part, start, total), options)
            for part, start in zip(parts, starts, strict=True)]


def packet_parts(parts: list[_Part], counts: list[int],
                 redline_page: int | None) -> list[dict[str, str]]:
    """The packet's table of contents: only the parts it has, with their pages."""
    contents: list[dict[str, str]] = []
    first = 1
    for part, count in zip(parts, counts, strict=True):
        last = first + count - 1
        if part.key == "underlag" and redline_page is not None and redline_page > 1:
            contents.append({"title": part.title, "pages": _pages(1, redline_page - 1)})
            contents.append({"title": "Ändringarna, rödmarkerade",
                             "pages": _pages(redline_page, last)})
        else:
            contents.append({"title": part.title, "pages": _pages(first, last)})
        first = last + 1
    return contents


def _pages(first: int, last: int) -> str:
    return f"sida {first}" if first >= last else f"sidorna {first}–{last}"


def _redline_page(document: Any) -> int | None:
    return next((i + 1 for i, page in enumerate(document.pages)
                 if REDLINE_ANCHOR in page.anchors), None)


def _packet_pdf(diff: DocumentDiff, packet: dict[str, Any], library: Library,
                routine: RoutineFile) -> PdfOut:
    """Lay out the packet pages, the rendered document and the printouts, numbered as one
    document (laid out twice: the first pass counts each part's pages), then write one PDF."""
    from builder.render import RenderContext
    from builder.render.html import document_html
    from builder.render.pdf_archival import finalize_pdf
    from builder.render.weasy import PdfOptions, collect_warnings

    with collect_warnings() as warnings:
        ctx = RenderContext(routine, library, BuildOptions(sign=False))
        options = PdfOptions()
        printouts = _printout_parts(library, routine)
        document_part = _Part("dokument", f"Dokumentet, version {routine.document.version}",
                              document_html(ctx, for_pdf=True))

        def parts_with(contents: list[dict[str, str]]) -> list[_Part]:
            packet_html = redline_html(diff, "Granskningsunderlag", {
                **packet, "contents": contents,
                "has_checklist": any(p.key == "checklista" for p in printouts),
                "has_card": any(p.key == "fickkort" for p in printouts)})
            return [_Part("underlag", "Sammanfattning och granskningsresultat", packet_html),
                    document_part, *printouts]

        parts = parts_with([{"title": "", "pages": ""}])
        counts: list[int] | None = None
        laid: list[Any] = []
        for _ in range(3):  # the contents' page numbers may move a page; settle in ≤ 3 passes
            laid = _lay_out(parts, options, counts)
            found = [len(d.pages) for d in laid]
            contents = packet_parts(parts, found, _redline_page(laid[0]))
            if counts == found and parts[0].html == parts_with(contents)[0].html:
                break
            counts, parts = found, parts_with(contents)
        first = laid[0]
        combined = first.copy([page for d in laid for page in d.pages])
        data = finalize_pdf(combined.write_pdf(pdf_variant=options.variant, pdf_tags=True,
                                               pdf_identifier=b"rutinbyggaren-granskning"))
    return PdfOut(data, tuple(warnings))


def review_packet(root: Path, doc_id: str) -> PdfOut:
    """One PDF: change summary, `rutin check` findings, redline against the last approved
    version, and the rendered working copy. A DiffError propagates (unknown document)."""
    result = run_check(root)
    library = result.library
    diff = diff_routine(library, doc_id)
    routine = library.by_id(doc_id)
    assert routine is not None  # diff_routine raised otherwise
    packet = {"summary": _summary_rows(routine), "version": routine.document.version,
              "findings": _findings(result.diagnostics, routine),
              "printouts": printout_rows(routine, library)}
    return _packet_pdf(diff, packet, library, routine)
