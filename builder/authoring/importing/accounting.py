"""Import never loses a part: every paragraph, list item and table cell of the source is placed,
listed under "Kunde inte placeras" with its text and place, or dropped as page chrome."""

from __future__ import annotations

from builder.authoring.importing.blocks import ReadResult
from builder.authoring.importing.report import ImportReport, Unplaced


def source_parts(read: ReadResult) -> dict[str, str]:
    """The source's non-empty parts by place, in reading order (a cell of a definition list
    shares its row's place: label and value are read together)."""
    parts: dict[str, str] = {}
    for block in read.blocks:
        if block.kind == "table":
            for row, places in zip(block.rows, block.cell_where, strict=False):
                for cell, where in zip(row, places, strict=False):
                    if cell.strip():
                        parts[where] = (parts[where] + " | " + cell) if where in parts else cell
        elif block.text.strip():
            parts[block.where] = block.text
    for dropped in read.dropped:
        parts.setdefault(dropped.where, dropped.text)
    return parts


def _within(where: str, places: set[str]) -> bool:
    """A part is covered by its own place or by its table's ("tabell 2" holds its cells)."""
    if where in places:
        return True
    head = where.split(",", 1)[0]
    return head != where and head in places


def account(read: ReadResult, report: ImportReport) -> None:
    """Sort every part into placed, not placed or dropped; a part nothing took is listed as not
    placed, with its text and place, so the report's counts add up to the source's parts."""
    parts = source_parts(read)
    placed = {p.where for p in report.placed} | report.covered
    unplaced = {u.where for u in report.unplaced}
    dropped = {d.where for d in report.dropped}
    counts = [0, 0, 0]
    for where, text in parts.items():
        if _within(where, placed):
            counts[0] += 1
        elif _within(where, unplaced):
            counts[1] += 1
        elif _within(where, dropped):
            counts[2] += 1
        else:
            report.unplaced.append(Unplaced(where, text, "ingen plats hittades i modellen"))
            counts[1] += 1
    report.source_parts = len(parts)
    report.tally = (counts[0], counts[1], counts[2])
