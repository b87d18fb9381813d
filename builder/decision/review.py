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
    return [{"version": r.version, "date": r.date.isoformat(), "text": r.description}
            for r in rows]


def _findings(diagnostics: list[Diagnostic], routine: RoutineFile) -> list[dict[str, str]]:
    folder = routine.path.parent
    ledger = display_path(ledger_path(folder))
    archive = display_path(folder / ARCHIVE_DIR)
    mine = [d for d in diagnostics
            if d.file in (routine.display, ledger) or d.file.startswith(archive)]
    return [{"where": f"{Path(d.file).name}:{d.line}", "rule": d.rule,
             "severity": SEVERITY_SV[d.severity], "message": d.message} for d in mine]


def _packet_pdf(packet_html: str, library: Library, routine: RoutineFile) -> PdfOut:
    """Lay out the packet pages and the rendered document, then write them as one PDF."""
    from builder.render import RenderContext
    from builder.render.html import document_html
    from builder.render.pdf_archival import finalize_pdf
    from builder.render.weasy import PdfOptions, collect_warnings, measure_html

    with collect_warnings() as warnings:
        ctx = RenderContext(routine, library, BuildOptions(sign=False))
        options = PdfOptions()
        packet = measure_html(packet_html, options)
        document = measure_html(document_html(ctx, for_pdf=True), options)
        combined = packet.copy(packet.pages + document.pages)
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
              "document_note": "Det återgivna dokumentet följer efter ändringarna."}
    out = _packet_pdf(redline_html(diff, "Granskningsunderlag", packet), library, routine)
    return out
