"""The bedside checklist: one row per step and alternative, A4 PDF/A, optionally fillable."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from builder.derived import NOT_STATED
from builder.render import Artifact, RenderContext
from builder.render.document_view import COPY_NOTICE
from builder.render.printables.cardfit import font_metrics
from builder.render.printables.common import (
    ChecklistItem,
    ChecklistRow,
    checked_pdf,
    checklist_items,
    checklist_rows,
    criteria_blocks,
    document_head,
    find_team,
    render_template,
    validity_text,
)
from builder.render.weasy import PdfOptions, measure_html
from builder.text.wording import team_label

PX_PER_MM = 96 / 25.4
PT_PER_MM = 72 / 25.4
# The page's text width (A4 less print-base.css's 14 mm margins) and the fixed columns:
# the tick with the number, and date and signature: 25 mm of line to write on (README) plus the
# cell's 2 × 1.2 mm padding, which the drawn line does not reach into.
TABLE_MM = 210 - 2 * 14
CELL_PADDING_MM = 2 * 1.2
WRITE_MM = 25.5 + CELL_PADDING_MM
FIXED_MM = {"nr": 15.0, "datum": WRITE_MM, "sign": WRITE_MM}  # the tick and the number
VAD_MIN_MM = 40.0
# Vem and När are 9 pt (checklist.css); their longest word sets their least width, their
# whole text up to this many mm their wish (so "Vid start av uppdraget" needs no break).
SIDE_PT = 9.0
SIDE_WISH_MM = 36.0
# An unhyphenated mid-word break must never happen: a word's width gets this much to spare.
WORD_SLACK_MM = 0.6
HEADER_FIELDS = (("patient", "Patient (initialer/ID)"), ("datum", "Datum"),
                 ("ansvarig", "Ansvarig"))


HEADINGS = {"nr": "Klar Nr", "vad": "Vad", "vem": "Vem", "nar": "När",
            "datum": "Datum", "sign": "Signatur"}
CHOOSE_LABEL = "Välj det som gäller (kryssa för det som gjorts):"


@lru_cache(maxsize=8192)
def _width_mm(text: str, size_pt: float) -> float:
    """``text``'s width set in DejaVu Sans (regular, as Vem and När are) at ``size_pt``, in
    mm: the sum of advances, which kerning only narrows; a character the face lacks, or no
    font found, counts a full em. Cached: the same words are measured for every width tried
    and every build of the same routine."""
    metrics = font_metrics()
    regular = metrics.faces[0] if metrics else None
    em = sum((regular.advance(ord(c)) if regular else None) or 1.0 for c in text)
    return em * size_pt / PT_PER_MM


@lru_cache(maxsize=4096)
def _word_widths(text: str) -> tuple[float, ...]:
    """The 9 pt width (mm) of each of ``text``'s words."""
    return tuple(_width_mm(word, SIDE_PT) for word in text.split())


def _lines(text: str, width_mm: float) -> int:
    """Lines ``text`` takes at 9 pt in a column ``width_mm`` wide (greedy, at spaces): an
    estimate to compare widths by, not a bound."""
    room = width_mm - CELL_PADDING_MM
    space = _width_mm(" ", SIDE_PT)
    lines, used = 1, 0.0
    for width in _word_widths(text):
        if used and used + space + width > room:
            lines, used = lines + 1, width
        else:
            used += (space if used else 0.0) + width
    return lines


def column_widths(items: list[ChecklistItem]) -> tuple[tuple[str, float], ...]:
    """Every column's width in mm, from its content. Vem and När are at least as wide as
    their longest word (a word is never broken inside), at most their longest text up to
    SIDE_WISH_MM; between those, the widths that make the rows least tall (lines of the
    tallest cell of each row, summed) win, Vad at least VAD_MIN_MM and taking the rest."""
    rows: list[tuple[str, str, str]] = []
    for item in items:
        for row, _ in item.lines:
            if row.kind != "not":
                what = f"{row.condition} → {row.text}" if row.condition else row.text
                rows.append((what, row.responsible or NOT_STATED, row.when))
    least, wish = {}, {}
    for index, name in ((1, "vem"), (2, "nar")):
        values = [r[index] for r in rows] + ["Vem" if name == "vem" else "När"]
        words = [w for v in values for w in v.split()]
        least[name] = max(_width_mm(w, SIDE_PT) + WORD_SLACK_MM for w in words) \
            + CELL_PADDING_MM
        wish[name] = max(least[name], min(SIDE_WISH_MM, max(
            _width_mm(v, SIDE_PT) + WORD_SLACK_MM for v in values) + CELL_PADDING_MM))
    free = TABLE_MM - sum(FIXED_MM.values())
    best: tuple[int, float, float, float] | None = None
    # Each column's lines per row for each width tried, counted once (Vem's and När's do not
    # depend on the other columns).
    vems = {w: [_lines(b, w) for _, b, _ in rows] for w in _steps(least["vem"], wish["vem"])}
    nars = {w: [_lines(c, w) for _, _, c in rows] for w in _steps(least["nar"], wish["nar"])}
    for vem, vem_lines in vems.items():
        for nar, nar_lines in nars.items():
            vad = free - vem - nar
            if vad < VAD_MIN_MM and (vem, nar) != (least["vem"], least["nar"]):
                continue
            height = sum(max(_lines(a, vad), b, c)
                         for (a, _, _), b, c in zip(rows, vem_lines, nar_lines, strict=True))
            if best is None or (height, -vad) < (best[0], -best[1]):
                best = (height, vad, vem, nar)
    assert best is not None
    _, vad, vem, nar = best
    widths = {**FIXED_MM, "vad": vad, "vem": vem, "nar": nar}
    order = ("nr", "vad", "vem", "nar", "datum", "sign")
    return tuple((name, round(widths[name], 2)) for name in order)


def _steps(low: float, high: float) -> list[float]:
    """low, low + 2 mm, … and high."""
    count = int((high - low) // 2)
    return [low + 2 * i for i in range(count + 1)] + ([high] if high > low + 2 * count else [])


def checklist_html(ctx: RenderContext, rows: list[ChecklistRow], fillable: bool,
                   row_ids: bool = True) -> str:
    """The checklist as HTML, with form fields when ``fillable``; each row carries its
    ``field_id`` as id when ``row_ids`` (for measuring: the PDF itself does without)."""
    doc = ctx.document
    items = checklist_items(rows, find_team(ctx.routine, ctx.library))
    return render_template(
        "checklist.html.j2",
        doc=doc,
        items=items,
        columns=column_widths(items),
        headings=HEADINGS,
        choose_label=CHOOSE_LABEL,
        not_stated=NOT_STATED,
        rows=rows,
        criteria=criteria_blocks(doc),
        fillable=fillable,
        row_ids=row_ids,
        header_fields=HEADER_FIELDS,
        validity=validity_text(doc),
        team=team_label(ctx.routine, ctx.library),
        copy_notice=COPY_NOTICE,
        meta=document_head(doc, "Checklista", ctx.options.epoch),
    )


def render_checklist(ctx: RenderContext) -> list[Artifact]:
    """``<stem>-checklista.pdf`` (PDF/A), and with --ifyllbar a form-field twin.

    The fillable file is PDF/A too: the post-processing step (render.pdf_archival) gives
    WeasyPrint's form fields appearance streams in place of /NeedAppearances.
    Routines without steps get no checklist.
    """
    rows = checklist_rows(ctx.document)
    if not rows and not criteria_blocks(ctx.document):
        return []
    doc_id = ctx.document.id
    html = checklist_html(ctx, rows, fillable=False, row_ids=False)
    printable = checked_pdf(doc_id, html)
    artifacts = [Artifact(f"{ctx.stem}-checklista.pdf", printable)]
    if ctx.options.fillable:
        html = checklist_html(ctx, rows, fillable=True, row_ids=False)
        fillable = checked_pdf(doc_id, html, PdfOptions(forms=True))
        artifacts.append(Artifact(f"{ctx.stem}-checklista-ifyllbar.pdf", fillable))
    return artifacts


def _row_fragments(document: Any) -> tuple[dict[str, list[float]], float]:
    """Heights (px) of every piece of every step row, and a page's content height."""
    pieces: dict[str, list[float]] = {}
    for page in document.pages:
        for box in page._page_box.descendants():
            element = getattr(box, "element", None)
            if box.element_tag == "tr" and element is not None and element.get("id"):
                pieces.setdefault(element.get("id"), []).append(box.margin_height())
    page_height = document.pages[0]._page_box.height if document.pages else 0.0
    return pieces, page_height


@lru_cache(maxsize=16)
def _measure(html: str) -> tuple[tuple[tuple[str, float], ...], float]:
    pieces, page_height = _row_fragments(measure_html(html))
    split = tuple((key, sum(heights)) for key, heights in pieces.items() if len(heights) > 1)
    return split, page_height


def rows_taller_than_page(ctx: RenderContext) -> list[tuple[ChecklistRow, float, float]]:
    """Rows WeasyPrint had to split over pages: (row, row height mm, page height mm).

    ``break-inside: avoid`` keeps every row whole unless it is taller than a page, so a row
    that still lands on two pages is one that can never fit (rule R502).
    """
    rows = checklist_rows(ctx.document)
    split, page_height = _measure(checklist_html(ctx, rows, fillable=False))
    by_id = {row.field_id: row for row in rows}
    return [(by_id[key], height / PX_PER_MM, page_height / PX_PER_MM)
            for key, height in split if key in by_id]
