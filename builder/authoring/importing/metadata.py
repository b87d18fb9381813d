"""Recognise the header block in its common shapes and turn it into top-level YAML values."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from builder.authoring.importing import labels as L
from builder.authoring.importing.blocks import Block, Dropped
from builder.authoring.importing.report import ImportReport


@dataclass
class Metadata:
    """The header values found so far, the source's own labels and the empty cells."""

    values: dict[str, Any] = field(default_factory=dict)
    source: dict[str, str] = field(default_factory=dict)  # källa
    other: list[dict[str, str]] = field(default_factory=list)  # övriga_uppgifter
    parent_title: str | None = None
    empty: set[str] = field(default_factory=set)  # keys whose cell is there but empty ("–")
    # Header-table cells that hold no label and no value (a merged row of text): the ingress.
    leftover: list[tuple[str, str]] = field(default_factory=list)
    source_status: str | None = None  # the source's own status label ("Utkast", "Gällande")


@dataclass(frozen=True)
class Pair:
    """A label and its value, and where the value stands in the source."""

    label: str
    value: str
    where: str
    label_where: str = ""  # the label's own cell, when it is not the value's


def table_pairs(block: Block) -> list[Pair]:
    """Label/value pairs of a header table: label/value rows, a label row over a value row,
    label and value inside one cell, or "Label: value" cells. Empty when it is no header."""
    rows, places = block.rows, block.cell_where
    pairs: list[Pair] = []
    r = 0
    while r < len(rows):
        row = rows[r]
        labels = [is_cell_label(cell) for cell in row]
        if _pairs_row(row, labels):  # "Label | value | Label | value": a value may be a word
            pairs += [Pair(row[c], row[c + 1], places[r][c + 1], places[r][c])
                      for c in range(0, len(row), 2) if row[c].strip()]
            r += 1
            continue
        filled = [cell for cell in row if cell.strip()]
        following = rows[r + 1] if r + 1 < len(rows) else None
        if (following is not None and len(following) == len(row) and filled
                and all(labels[c] or not row[c].strip() for c in range(len(row)))
                and not any(is_cell_label(cell) for cell in following)):
            for c, cell in enumerate(row):  # a row of labels over a row of values
                if cell.strip():
                    pairs.append(Pair(cell, following[c], places[r + 1][c], places[r][c]))
            r += 2
            continue
        c = 0
        while c < len(row):
            cell = row[c]
            inside = _pairs_in_cell(cell)
            if inside:
                pairs += [Pair(label, value, places[r][c]) for label, value in inside]
                c += 1
            elif ((labels[c] or _unknown_label(row, c)) and c + 1 < len(row)
                  and (not labels[c + 1] or len(row) == 2)):
                # In a label|value row the value may be a word that is also a label
                # ("Status | Fastställd", "Samverkansrutin | …").
                pairs.append(Pair(cell, row[c + 1], places[r][c + 1], places[r][c]))
                c += 2
            else:
                c += 1
        r += 1
    known = sum(1 for p in pairs if L.is_label(p.label))
    return pairs if known >= 2 else []


def _pairs_row(row: list[str], labels: list[bool]) -> bool:
    """A row of label/value pairs side by side: every even cell a label (or empty)."""
    return (len(row) >= 4 and len(row) % 2 == 0 and any(labels[0::2])
            and not all(labels[1::2])  # a row of labels only stands over its values
            and all(labels[c] or not row[c].strip() for c in range(0, len(row), 2)))


def leftover_cells(block: Block, pairs: list[Pair]) -> list[tuple[str, str]]:
    """Cells of a header table no pair read (a merged row of text), with their places."""
    used = {p.where for p in pairs} | {p.label_where for p in pairs}
    return [(where, cell) for row, places in zip(block.rows, block.cell_where, strict=False)
            for cell, where in zip(row, places, strict=False)
            if cell.strip() and where not in used and not is_cell_label(cell)]


def _unknown_label(row: list[str], c: int) -> bool:
    """The first of two cells, short and on one line: a label we do not know ("Kvalitetsgranskad")."""
    cell = row[c].replace("**", "").strip()
    return len(row) == 2 and c == 0 and 0 < len(cell) <= 40 and "\n" not in cell


def is_cell_label(cell: str) -> bool:
    """A cell that holds only a known label."""
    return L.is_label(cell) and "\n" not in cell.strip()


def _pairs_in_cell(cell: str) -> list[tuple[str, str]]:
    """One cell's pairs: "Label" over its value, or one or several "Label: value" lines."""
    lines = [line.replace("**", "").strip() for line in cell.split("\n") if line.strip()]
    if len(lines) >= 2:
        found = [L.LEADING.match(line) for line in lines]
        if all(found) and all(":" in line for line in lines):
            return [(m[1], m[2]) for m in found if m is not None]
    single = _pair_in_cell(cell)
    return [single] if single is not None else []


def _pair_in_cell(cell: str) -> tuple[str, str] | None:
    lines = [line for line in cell.split("\n") if line.strip()]
    if len(lines) == 1 and L.is_label(lines[0]):
        return None  # a label alone ("Giltigt till och med:"): its value is in the next cell
    if len(lines) >= 2 and L.is_label(lines[0]):
        return lines[0], "\n".join(lines[1:])
    if len(lines) == 2 and len(lines[0]) <= 40:
        # A label we do not know over its value ("Kvalitetsgranskad" / "Ja"); it counts only
        # in a table that has known labels too (see table_pairs).
        return lines[0], lines[1]
    if len(lines) == 1:
        found = L.LEADING.match(lines[0].replace("**", ""))
        if found and ":" in lines[0]:
            return found[1], found[2]
    return None


def line_pairs(block: Block, *, colon_needed: bool) -> list[Pair]:
    """Pairs written in a paragraph: 'Version: 2 Giltigt från: 2024-01-01' or 'Senast
    uppdaterad 2024-05-02' (without a colon only in chrome, a footer, and the front matter)."""
    text = block.text.replace("**", "").strip()
    flattened = L.split_flattened(text)
    if flattened:
        return [Pair(label, value, block.where) for label, value in flattened]
    if colon_needed:
        return []
    found = L.LEADING.match(text)
    if found and len(text) < 120:
        # A footer line goes on after the value: "Senast uppdaterad 2022-11-05 · Sida 1 av 1".
        value = re.split(r"\s+[·|•]\s+", found[2])[0]
        return [Pair(found[1], value, block.where)]
    return []


def apply_pairs(pairs: list[Pair], meta: Metadata, report: ImportReport) -> None:
    """Put each pair where it belongs; unknown labels become övriga_uppgifter."""
    for pair in pairs:
        if pair.label_where:  # the label cell is read together with its value
            report.covered.add(pair.label_where)
        if L.is_ignored(pair.label):  # page furniture in the header ("Sida 1 av 2")
            report.dropped.append(Dropped("sidkrom i huvudtabellen",
                                          f"{pair.label}: {pair.value}", pair.where))
            continue
        field_ = L.field_for(pair.label)
        value = L.clean_value(pair.value)
        label = L.normalise(pair.label).capitalize()
        if field_ is None:
            if value is not None:
                meta.other.append({"etikett": " ".join(pair.label.split()).rstrip(":"),
                                   "värde": value})
                report.place(pair.where, f"övrig uppgift ”{label}”",
                             ("övriga_uppgifter", len(meta.other) - 1))
            continue
        body = L.planned_body(pair.value)
        if body is not None and field_.key not in meta.values:
            # Our draft's "Ej fastställd (beslutas av X)": no decision stated; X is the
            # approving body as the library resolves it, not necessarily the routine's own.
            meta.values[field_.key] = L.NOT_STATED
            report.place(pair.where, f"{label} (ej fastställd, beslutas av {body})",
                         (field_.key,))
            continue
        if value is None:
            meta.empty.add(field_.key)  # an empty cell: the field stays absent
            report.covered.add(pair.where)
            continue
        if field_.key in meta.values or field_.key.removeprefix("källa.") in meta.source:
            if meta.values.get(field_.key) != value:
                # Kept with its own label rather than lost: the source says it twice.
                _as_other(" ".join(pair.label.split()).rstrip(":"), value, pair, meta, report,
                          " (fältet fanns redan med ett annat värde)")
            else:
                report.covered.add(pair.where)  # the same value again (a repeated header)
            continue
        _apply(field_, label, value, pair, meta, report)


def _apply(field_: L.Field, label: str, value: str, pair: Pair, meta: Metadata,
           report: ImportReport) -> None:
    if value.lower() in ("ej angivet", "ej_angivet"):
        meta.values[field_.key] = L.NOT_STATED
        report.place(pair.where, f"{label} (ej angivet)", (field_.key,))
        return
    _APPLY.get(field_.kind, _apply_text)(field_.key, label, value, pair, meta, report)


def _as_other(label: str, value: str, pair: Pair, meta: Metadata, report: ImportReport,
              why: str = "") -> None:
    meta.other.append({"etikett": label, "värde": value})
    report.place(pair.where, label + why, ("övriga_uppgifter", len(meta.other) - 1))


def _apply_text(key: str, label: str, value: str, pair: Pair, meta: Metadata,
                report: ImportReport) -> None:
    if key.startswith("källa."):
        meta.source[key.removeprefix("källa.")] = value
        report.place(pair.where, label, ("källa", key.removeprefix("källa.")))
        return
    meta.values[key] = value
    report.place(pair.where, label, (key,))


def _apply_list(key: str, label: str, value: str, pair: Pair, meta: Metadata,
                report: ImportReport) -> None:
    meta.values[key] = L.split_list(value)
    report.place(pair.where, label, (key,))


def _apply_date(key: str, label: str, value: str, pair: Pair, meta: Metadata,
                report: ImportReport) -> None:
    date = L.parse_date(value)
    if date is None:  # a month or a year alone is no date: kept as written, never completed
        _as_other(label, value, pair, meta, report, " (inget fullständigt datum, kvar som text)")
        return
    meta.values[key] = date
    report.place(pair.where, label, (key,))


def _apply_version(key: str, label: str, value: str, pair: Pair, meta: Metadata,
                   report: ImportReport) -> None:
    if L.VERSION.match(value):
        meta.values[key] = value
        report.place(pair.where, label, (key,))
    else:  # "B.2", "Utgåva 3": kept as written; the draft gets a version of its own
        meta.source["version"] = value
        report.place(pair.where, label, ("källa", "version"))


def _apply_status(key: str, label: str, value: str, pair: Pair, meta: Metadata,
                  report: ImportReport) -> None:
    meta.source_status = value  # read by emit._status: a draft stays a draft
    report.place(pair.where, f"{label} ”{value}” (avgör status)", ("status",))


def _apply_months(key: str, label: str, value: str, pair: Pair, meta: Metadata,
                  report: ImportReport) -> None:
    months = L.parse_months(value)
    if months is None:
        _as_other(label, value, pair, meta, report)
        return
    meta.values[key] = {"månader": months}
    report.place(pair.where, label, (key,))


def _apply_parent(key: str, label: str, value: str, pair: Pair, meta: Metadata,
                  report: ImportReport) -> None:
    meta.parent_title = L.clean_value(value.split("\n")[0]) or value
    report.covered.add(pair.where)  # said in the notes: the id is set with --till
    report.notes.append(f"{pair.where}: samverkansrutin ”{value}” (ange id i "
                        "'samverkansrutin')")


_Apply = Callable[[str, str, str, Pair, Metadata, ImportReport], None]
_APPLY: dict[str, _Apply] = {
    "date": _apply_date, "version": _apply_version, "list": _apply_list,
    "status": _apply_status, "months": _apply_months, "parent": _apply_parent,
}
