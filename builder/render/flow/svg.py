"""The swimlane map as SVG: real text in the document fonts, a title and a description.

The SVG is written by hand (string building, fixed number formats) so the same routine gives
the same bytes. It carries its text alternative itself (<title>, <desc>, role="img"); the
documents embed it as an image whose alt text is the same summary.
"""

from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr

from builder.process import Process, summary
from builder.render.flow.layout import (
    GATE_SIZE,
    Arrow,
    BoxShape,
    Line,
    MapLayout,
    layout_map,
    plain,
)

INK = "#1b1f23"
ACCENT = "#1d4f7a"
LANE_FILL = ("#f4f7fa", "#ffffff")
NOT_STATED_FILL = "#fbeeed"
NOTE_FILL = "#fbf7ee"
NOTE_RULE = "#c08a1e"
FONT = "DejaVu Sans"


def _n(value: float) -> str:
    """A coordinate with at most two decimals and no trailing zeros (stable bytes)."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _text(line: Line, fill: str = INK) -> str:
    attributes = [f'x="{_n(line.x)}"', f'y="{_n(line.y)}"', f'font-size="{_n(line.size)}"']
    if line.bold:
        attributes.append('font-weight="bold"')
    if line.italic:
        attributes.append('font-style="italic"')
    if fill != INK:
        attributes.append(f'fill="{fill}"')
    return f"<text {' '.join(attributes)}>{escape(line.text)}</text>"


def _arrow(arrow: Arrow) -> str:
    points = " ".join(f"{_n(x)},{_n(y)}" for x, y in arrow.points)
    style = 'stroke="#1d4f7a" stroke-width="1.2"' if arrow.hand_off else \
        'stroke="#4a5560" stroke-width="0.7"'
    dash = ' stroke-dasharray="3 2"' if arrow.dashed else ""
    return (f'<polyline points="{points}" fill="none" {style}{dash} '
            f'marker-end="url(#{"pil-overlamning" if arrow.hand_off else "pil"})"/>')


def _box(shape: BoxShape) -> list[str]:
    task, box = shape.task, shape.box
    not_stated = task.party.kind == "not_stated"
    parts = [(f'<g class="steg" data-steg="{escape(task.number)}"'
              f' data-part={quoteattr(task.party.key)}>'),
             f'<rect x="{_n(box.x)}" y="{_n(box.y)}" width="{_n(box.w)}" height="{_n(box.h)}"'
             f' rx="2" fill="{NOT_STATED_FILL if not_stated else "#ffffff"}"'
             f' stroke="{"#b3261e" if not_stated else ACCENT}" stroke-width="0.8"'
             + (' stroke-dasharray="3 2"' if not_stated else "") + "/>"]
    parts += [_text(line, "#4a5560" if line.size < 7 and line.italic and not task.condition
                    else INK) for line in shape.lines]
    parts += [f'<line x1="{_n(box.x + 2)}" y1="{_n(y)}" x2="{_n(box.right - 2)}" y2="{_n(y)}"'
              f' stroke="#c3c9cf" stroke-width="0.5"/>' for y in shape.separators]
    if shape.note is not None:
        note = shape.note
        parts.append(f'<line x1="{_n(box.x + box.w / 2)}" y1="{_n(box.y + box.h)}"'
                     f' x2="{_n(box.x + box.w / 2)}" y2="{_n(note.y)}" stroke="{NOTE_RULE}"'
                     ' stroke-width="0.7" stroke-dasharray="1.5 1.5"/>')
        parts.append(f'<rect class="not" x="{_n(note.x)}" y="{_n(note.y)}" width="{_n(note.w)}"'
                     f' height="{_n(note.h)}" fill="{NOTE_FILL}" stroke="{NOTE_RULE}"'
                     ' stroke-width="0.6"/>')
        parts += [_text(line) for line in shape.note_lines]
    parts.append("</g>")
    return parts


def map_svg(process: Process, layout: MapLayout | None = None) -> str:
    """The map of one routine's steps as an SVG document."""
    layout = layout or layout_map(process)
    title = summary(process)
    desc = " ".join(f"Steg {t.number}: {t.party.label}." for t in process.tasks)
    width, height = layout.width + 1, layout.height + 1  # strokes on the far edges
    out = [
        ('<svg xmlns="http://www.w3.org/2000/svg" version="1.1"'
         f' width="{_n(width)}pt" height="{_n(height)}pt" viewBox="0 0 {_n(width)} {_n(height)}"'
         f' role="img" aria-labelledby="flode-titel flode-beskrivning" font-family="{FONT}"'
         f' fill="{INK}">'),
        f'<title id="flode-titel">{escape(title)}</title>',
        f'<desc id="flode-beskrivning">{escape(desc)}</desc>',
        "<defs>",
        ('<marker id="pil" viewBox="0 0 6 6" refX="6" refY="3" markerWidth="6" markerHeight="6"'
         ' orient="auto"><path d="M0,0 L6,3 L0,6 z" fill="#4a5560"/></marker>'),
        ('<marker id="pil-overlamning" viewBox="0 0 6 6" refX="6" refY="3" markerWidth="5"'
         ' markerHeight="5" orient="auto"><path d="M0,0 L6,3 L0,6 z" fill="#1d4f7a"/></marker>'),
        "</defs>",
    ]
    for index, lane in enumerate(layout.lanes):
        rect = lane.rect
        fill = NOT_STATED_FILL if lane.party.kind == "not_stated" else LANE_FILL[index % 2]
        out.append(f'<g class="bana" data-part={quoteattr(lane.party.key)}>')
        out.append(f'<rect x="{_n(rect.x)}" y="{_n(rect.y)}" width="{_n(rect.w)}"'
                   f' height="{_n(rect.h)}" fill="{fill}" stroke="#9aa3ad" stroke-width="0.5"/>')
        out.append(f'<line x1="{_n(rect.x + layout.head_w)}" y1="{_n(rect.y)}"'
                   f' x2="{_n(rect.x + layout.head_w)}" y2="{_n(rect.y + rect.h)}"'
                   ' stroke="#9aa3ad" stroke-width="0.5"/>')
        out += [_text(line, ACCENT if lane.party.kind != "not_stated" else "#7a1a15")
                for line in lane.lines]
        out.append("</g>")
    for arrow in layout.arrows:
        out.append(_arrow(arrow))
    half = GATE_SIZE / 2
    for gate in layout.gates:
        cx, cy = gate.cx, gate.cy
        out.append(f'<g class="val" data-steg="{escape(gate.number)}"><path d="M{_n(cx)},'
                   f'{_n(cy - half)} L{_n(cx + half)},{_n(cy)} L{_n(cx)},{_n(cy + half)}'
                   f' L{_n(cx - half)},{_n(cy)} z" fill="#ffffff" stroke="{ACCENT}"'
                   ' stroke-width="0.8"/>'
                   f'<text x="{_n(cx)}" y="{_n(cy + 2.2)}" font-size="6" text-anchor="middle"'
                   f' font-weight="bold">{escape(gate.number)}</text></g>')
    for shape in layout.boxes:
        out += _box(shape)
    out += [_text(label, "#4a5560" if label.italic else INK) for label in layout.labels]
    out.append("</svg>")
    return "\n".join(out) + "\n"


__all__ = ["map_svg", "plain"]
