"""The swimlane map's deterministic grid: lanes as rows, steps as columns, text wrapped to boxes.

No graph layout: each task is a column (a choice is a narrow gateway column, then one column
with its alternatives stacked by lane), lanes are rows as tall as their tallest cell, and every
arrow runs from one column to the next through the gutter between them, so no line crosses a
box. Long flows wrap into bands (the lanes repeated under each other); the number of columns per
band is chosen to print largest on an A4 landscape page. Text is measured with the DejaVu Sans
advances the pocket-card bound reads (the widest of the four faces, so bold and italic fit too).
Units are PostScript points; the same process gives the same numbers on every run.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

from builder.process import Choice, Flow, Party, Process, Task, node_id
from builder.render.printables.cardfit import font_metrics
from builder.text.typography import swedish_quotes

PT_PER_MM = 72 / 25.4
TEXT_PT = 7.0
SMALL_PT = 6.5
LEADING = 1.25
BOX_W = 38 * PT_PER_MM
PAD = 4.0
GUTTER = 24.0
GATE_W = 24.0
GATE_SIZE = 16.0
LANE_HEAD_W = 20 * PT_PER_MM
LANE_PAD = 4.0
STACK_GAP = 6.0
NOTE_GAP = 5.0
BAND_GAP = 10.0
TITLE_H = 14.0
# Room for the map on an A4 page of the document: the text area (templates/base.css margins)
# less the heading above the map and the caption under it (28 mm together).
LANDSCAPE = ((297 - 42) * PT_PER_MM, (210 - 47 - 28) * PT_PER_MM)
PORTRAIT = ((210 - 42) * PT_PER_MM, (297 - 47 - 28) * PT_PER_MM)
FALLBACK_EM = 1.0  # a character the fonts lack (or no fontconfig): wider than any DejaVu glyph
KERN_SLACK = 0.01  # em per character: DejaVu's few positive kerning pairs stay below it


_ADVANCES: dict[int, dict[str, float]] = {}  # face index → character → em (with slack)


def text_width(text: str, size: float, bold: bool = False, italic: bool = False) -> float:
    """A line's width in pt in its face (cardfit's DejaVu Sans advances), with kerning slack."""
    metrics = font_metrics()
    if metrics is None:
        return len(text) * FALLBACK_EM * size
    index = (1 if bold else 0) + (2 if italic else 0)
    advances = _ADVANCES.setdefault(index, {})
    total = 0.0
    for char in text:
        em = advances.get(char)
        if em is None:
            advance = metrics.faces[index].advance(ord(char))
            em = advances[char] = FALLBACK_EM if advance is None else advance + KERN_SLACK
        total += em
    return total * size


_TAG = re.compile(r"<[^>]+>")
_MARKDOWN = re.compile(r"[\\`*_\[\]!<&\n\r]")


def plain(text: str) -> str:
    """A routine text as the document reads it, without markup (Swedish quotes, one space)."""
    if _MARKDOWN.search(text) is not None:
        from builder.text.markdown import render_inline

        text = html.unescape(_TAG.sub("", str(render_inline(text))))
    return re.sub(r"\s+", " ", swedish_quotes(text)).strip()


def wrap(text: str, size: float, width: float, bold: bool = False,
         italic: bool = False) -> list[str]:
    """Greedy line filling at spaces; a word wider than the line is cut where it must be."""

    def measure(part: str) -> float:
        return text_width(part, size, bold, italic)

    lines: list[str] = []
    current = ""
    used = 0.0  # width of current (widths add up: no kerning across characters is modelled)
    space = measure(" ")
    for word in text.split(" "):
        word_w = measure(word)
        if word_w <= width:
            if current and used + space + word_w > width:
                lines.append(current)
                current, used = word, word_w
            elif current:
                current, used = f"{current} {word}", used + space + word_w
            else:
                current, used = word, word_w
            continue
        while measure(word) > width:  # a long word: as many characters as fit
            room = width - (measure(current + " ") if current else 0.0)
            cut = _fitting(word, measure, room)
            if current and cut < 1:
                lines.append(current)
                current = ""
                continue
            cut = max(cut, 1)
            lines.append((current + " " if current else "") + word[:cut])
            current, word = "", word[cut:]
        candidate = f"{current} {word}" if current else word
        if current and measure(candidate) > width:
            lines.append(current)
            current = word
        else:
            current = candidate
        used = measure(current)
    if current:
        lines.append(current)
    return lines or [""]


def _fitting(word: str, measure: Callable[[str], float], width: float) -> int:
    count = 0
    while count < len(word) and measure(word[:count + 1]) <= width:
        count += 1
    return count


@dataclass(frozen=True)
class Line:
    """One line of text: its left end, baseline, size and face."""

    text: str
    x: float
    y: float
    size: float
    bold: bool = False
    italic: bool = False


@dataclass(frozen=True)
class Rect:
    """A rectangle in points (y downwards, as in SVG)."""

    x: float
    y: float
    w: float
    h: float

    @property
    def right(self) -> float:
        """Its right edge."""
        return self.x + self.w

    @property
    def middle(self) -> float:
        """Its vertical middle, where arrows meet it."""
        return self.y + self.h / 2


@dataclass(frozen=True)
class Block:
    """Lines stacked in a rectangle with padding, before it is placed."""

    kind: str  # "text", "condition", "when", "note"
    lines: tuple[tuple[str, float, bool, bool], ...]  # text, size, bold, italic


@dataclass(frozen=True)
class BoxShape:
    """A task's box (and its note below it) placed on the map."""

    task: Task
    box: Rect
    lines: tuple[Line, ...]
    separators: tuple[float, ...]  # y of a rule under the condition
    note: Rect | None
    note_lines: tuple[Line, ...]


@dataclass(frozen=True)
class GateShape:
    """A gateway (the route splits), centred on (cx, cy) in its lane."""

    number: str
    cx: float
    cy: float
    lane: str
    id: str


@dataclass(frozen=True)
class Arrow:
    """A sequence flow drawn as an orthogonal polyline ending in an arrowhead."""

    points: tuple[tuple[float, float], ...]
    hand_off: bool  # between two lanes
    dashed: bool = False  # to or from a band's continuation
    source: str = ""  # node ids (process.node_id); "" at a band's continuation
    target: str = ""


@dataclass(frozen=True)
class LaneShape:
    """One lane of one band: its rectangle and its label."""

    party: Party
    rect: Rect
    lines: tuple[Line, ...]


@dataclass(frozen=True)
class MapLayout:
    """Everything the SVG draws, in points."""

    width: float
    height: float
    lanes: tuple[LaneShape, ...]
    boxes: tuple[BoxShape, ...]
    gates: tuple[GateShape, ...]
    arrows: tuple[Arrow, ...]
    labels: tuple[Line, ...]
    columns_per_band: int
    head_w: float
    bands: int = 1

    def scale_on(self, page: tuple[float, float]) -> float:
        """How much the map must shrink to fit ``page`` (1.0: printed at full size)."""
        return min(1.0, page[0] / self.width, page[1] / self.height)


# --- measuring ---------------------------------------------------------------------------



def _when_text(when: str) -> str:
    # "När: När uppdraget påbörjas" would stutter (document_view.when_label).
    return when if when.casefold().startswith("när ") else f"När: {when}"


def _box_blocks(task: Task, inner: float) -> list[tuple[str, list[str], float, bool, bool]]:
    blocks: list[tuple[str, list[str], float, bool, bool]] = []
    if task.condition:
        blocks.append(("condition", wrap(f"{task.number}) {plain(task.condition)}", SMALL_PT,
                                         inner, italic=True), SMALL_PT, False, True))
        blocks.append(("text", wrap(plain(task.text), TEXT_PT, inner), TEXT_PT, False, False))
    else:
        prefix = f"{task.number}) " if task.kind == "alternativ" else f"{task.number}. "
        blocks.append(("text", wrap(prefix + plain(task.text), TEXT_PT, inner), TEXT_PT,
                       False, False))
    if task.when:
        blocks.append(("when", wrap(_when_text(plain(task.when)), SMALL_PT, inner, italic=True),
                       SMALL_PT, False, True))
    return blocks


def _block_height(blocks: list[tuple[str, list[str], float, bool, bool]]) -> float:
    height = 2 * PAD
    for index, (_kind, lines, size, _b, _i) in enumerate(blocks):
        height += len(lines) * size * LEADING + (3.0 if index else 0.0)
    return height


def _note_lines(task: Task, inner: float) -> list[str]:
    lines: list[str] = []
    for note in task.notes:
        text = plain(note)
        lines += wrap(text if text.casefold().startswith(("observera", "obs")) else
                      f"Observera: {text}", SMALL_PT, inner)
    return lines


@dataclass
class _Item:
    """A task measured: its box height and its note's height (0 without one)."""

    task: Task
    blocks: list[tuple[str, list[str], float, bool, bool]]
    box_h: float
    note: list[str]
    note_h: float
    width: float

    @property
    def height(self) -> float:
        return self.box_h + (NOTE_GAP + self.note_h if self.note else 0.0)


def _measure(task: Task, box_w: float) -> _Item:
    blocks = _box_blocks(task, box_w - 2 * PAD)
    note = _note_lines(task, box_w - 2 * PAD)
    note_h = len(note) * SMALL_PT * LEADING + 2 * PAD if note else 0.0
    return _Item(task, blocks, _block_height(blocks), note, note_h, box_w)


@dataclass
class _Column:
    """A column of the grid: one task, a gateway, or a choice's alternatives."""

    kind: str  # "task", "gate", "alternatives"
    width: float
    cells: dict[str, list[_Item]] = field(default_factory=dict)  # lane key → items
    gate: Choice | None = None
    gate_lane: str = ""


def _columns(flow: Flow, box_w: float = BOX_W) -> list[list[_Column]]:
    """The flow's columns, grouped so a gateway never parts from its alternatives."""
    units: list[list[_Column]] = []
    previous_lane: str | None = None
    for node in flow.nodes:
        if isinstance(node, Task):
            column = _Column("task", box_w, {node.party.key: [_measure(node, box_w)]})
            units.append([column])
            previous_lane = node.party.key
            continue
        lanes = [t.party.key for t in node.tasks]
        lane = (lanes[0] if len(set(lanes)) == 1 else previous_lane or lanes[0])
        gate = _Column("gate", GATE_W, gate=node, gate_lane=lane)
        alternatives = _Column("alternatives", box_w)
        for task in node.tasks:
            alternatives.cells.setdefault(task.party.key, []).append(_measure(task, box_w))
        units.append([gate, alternatives])
        previous_lane = None
    return units


# --- placing -------------------------------------------------------------------------------


@dataclass
class _Placed:
    boxes: list[BoxShape] = field(default_factory=list)
    gates: list[GateShape] = field(default_factory=list)
    arrows: list[Arrow] = field(default_factory=list)
    lanes: list[LaneShape] = field(default_factory=list)
    labels: list[Line] = field(default_factory=list)
    head_w: float = LANE_HEAD_W
    dry: bool = False  # only the size matters (choosing the band width): no shapes


def lane_head_width(lanes: list[Party]) -> float:
    """Wide enough for each label's longest word (a name is never cut), within 20–34 mm."""
    widest = 0.0
    for lane in lanes:
        italic = lane.kind == "not_stated"
        words = [(w, TEXT_PT, True, italic) for w in lane.label.split()]
        words += [(w, SMALL_PT, False, False) for w in f"({lane.team_name or ''})".split()]
        widest = max([widest] + [text_width(w, size, b, i) for w, size, b, i in words])
    return min(max(LANE_HEAD_W, widest + 2 * PAD + 1.0), 34 * PT_PER_MM)


@lru_cache(maxsize=256)
def _lane_label(party: Party, head_w: float) -> list[tuple[str, float, bool, bool]]:
    width = head_w - 2 * PAD
    italic = party.kind == "not_stated"
    lines = [(line, TEXT_PT, True, italic)
             for line in wrap(party.label, TEXT_PT, width, bold=True, italic=italic)]
    if party.team_name and party.team_name.casefold() != party.label.casefold():
        lines += [(line, SMALL_PT, False, False)
                  for line in wrap(f"({party.team_name})", SMALL_PT, width)]
    return lines


def _lines_height(lines: list[tuple[str, float, bool, bool]]) -> float:
    return sum(size * LEADING for _, size, _, _ in lines)


def _place_text(lines: list[tuple[str, float, bool, bool]], x: float, top: float) -> list[Line]:
    placed: list[Line] = []
    y = top
    for text, size, bold, italic in lines:
        # Baseline at ~80 % of the line box: DejaVu's ascent is 0.93 em, leading 1.25.
        placed.append(Line(text, x, round(y + size * 1.0, 2), size, bold, italic))
        y += size * LEADING
    return placed


@dataclass(frozen=True)
class _End:
    """Where an arrow leaves or enters a node: the node, the edge's x, the middle y, lane."""

    node: Task | Choice | None  # None: the band above (a continuation)
    x: float
    y: float
    lane: str
    previous: Task | None = None  # for a continuation: the task it comes from


End = _End


def _lane_heights(columns: list[_Column], lanes: list[Party], head_w: float) -> dict[str, float]:
    """Each lane as tall as its tallest cell (or its label), in the band's lane order."""
    heights: dict[str, float] = {}
    for lane in lanes:
        label = _lines_height(_lane_label(lane, head_w)) + 2 * LANE_PAD
        stacks = [sum(item.height for item in column.cells.get(lane.key, []))
                  + STACK_GAP * max(0, len(column.cells.get(lane.key, [])) - 1)
                  for column in columns]
        heights[lane.key] = max([label, GATE_SIZE + 2 * LANE_PAD]
                                + [s + 2 * LANE_PAD for s in stacks])
    return heights


def _place_lanes(lanes: list[Party], heights: dict[str, float], top: float, width: float,
                 out: _Placed) -> dict[str, float]:
    """Lane rectangles and labels; returns each lane's top."""
    lane_top: dict[str, float] = {}
    y = top
    for lane in lanes:
        lane_top[lane.key] = y
        if out.dry:
            y += heights[lane.key]
            continue
        label = _lane_label(lane, out.head_w)
        label_top = y + (heights[lane.key] - _lines_height(label)) / 2
        out.lanes.append(LaneShape(lane, Rect(0.0, y, width, heights[lane.key]),
                                   tuple(_place_text(label, PAD, label_top))))
        y += heights[lane.key]
    return lane_top


def _place_column(column: _Column, x0: float, lane_top: dict[str, float],
                  heights: dict[str, float], ends: list[End], out: _Placed) -> list[End]:
    """A gateway or the boxes of one column, joined to the column before; returns the new
    ends the next column joins."""
    if column.gate is not None:
        cy = lane_top[column.gate_lane] + heights[column.gate_lane] / 2
        cx = x0 + column.width / 2
        if not out.dry:
            out.gates.append(GateShape(column.gate.number, cx, cy, column.gate_lane,
                                       node_id(column.gate)))
            _connect(ends, [End(column.gate, cx - GATE_SIZE / 2, cy, column.gate_lane)], out)
        return [End(column.gate, cx + GATE_SIZE / 2, cy, column.gate_lane)]
    starts: list[End] = []
    for lane_key, items in column.cells.items():
        total = sum(i.height for i in items) + STACK_GAP * (len(items) - 1)
        cursor = lane_top[lane_key] + (heights[lane_key] - total) / 2
        for item in items:
            if not out.dry:
                out.boxes.append(_box(item, x0, cursor))
            starts.append(End(item.task, x0, cursor + item.box_h / 2, lane_key))
            cursor += item.height + STACK_GAP
    if not out.dry:
        _connect(ends, starts, out)
    return [End(start.node, x0 + column.width, start.y, start.lane) for start in starts]


def _place_band(units: list[list[_Column]], lanes: list[Party], top: float, out: _Placed,
                incoming: Task | None, outgoing: Task | None) -> tuple[float, float, list[Task]]:
    """Place one band; returns its width, height and the tasks it ends with."""
    columns = [column for unit in units for column in unit]
    used = {key for column in columns for key in column.cells}
    used |= {column.gate_lane for column in columns if column.gate is not None}
    band_lanes = [lane for lane in lanes if lane.key in used]
    heights = _lane_heights(columns, band_lanes, out.head_w)
    x = out.head_w + GUTTER / 2
    if incoming is not None:  # room for "från steg 6" over the arrow in
        x += max(GUTTER, text_width(f"från steg {incoming.number}", SMALL_PT, italic=True) + 8)
    xs: list[float] = []
    for column in columns:
        xs.append(x)
        x += column.width + GUTTER
    tail = 0.0
    if outgoing is not None:  # room for "till steg 7" after the arrow out
        tail = GUTTER + text_width(f"till steg {outgoing.number}", SMALL_PT, italic=True) + 4
    width = x - GUTTER / 2 + tail
    lane_top = _place_lanes(band_lanes, heights, top, width, out)
    # Boxes centred in their lane cell; arrows from each column's tasks to the next ones.
    ends = [End(None, out.head_w + 2.0, 0.0, "", incoming)] if incoming is not None else []
    for column, x0 in zip(columns, xs, strict=True):
        if column.kind == "break":  # the next step list: not joined to this one
            ends = []
            continue
        ends = _place_column(column, x0, lane_top, heights, ends, out)
    if outgoing is not None:
        edge = width - tail + GUTTER / 2
        for end in ends:
            out.arrows.append(Arrow(((end.x, end.y), (edge, end.y)), False, dashed=True,
                                    source=_id(end.node)))
        out.labels.append(Line(f"till steg {outgoing.number}", edge + 2.0,
                               min(end.y for end in ends) + 2.0, SMALL_PT, italic=True))
    height = sum(heights.values())
    return width, height, [e.node for e in ends if isinstance(e.node, Task)]


def _id(node: Task | Choice | None) -> str:
    return "" if node is None else node_id(node)


def _connect(ends: list[End], starts: list[End], out: _Placed) -> None:
    for end in ends:
        for start in starts:
            if end.node is None:  # continued from the band above
                out.arrows.append(Arrow(((end.x, start.y), (start.x, start.y)), False,
                                        dashed=True, target=_id(start.node)))
                if end.previous is not None:
                    out.labels.append(Line(f"från steg {end.previous.number}", end.x + 1.0,
                                           start.y - 3.0, SMALL_PT, italic=True))
                continue
            middle = start.x - GUTTER / 2
            points = ((end.x, end.y), (middle, end.y), (middle, start.y), (start.x, start.y)) \
                if end.y != start.y else ((end.x, end.y), (start.x, start.y))
            out.arrows.append(Arrow(points, end.lane != start.lane, source=_id(end.node),
                                    target=_id(start.node)))


def _box(item: _Item, x: float, top: float) -> BoxShape:
    lines: list[Line] = []
    separators: list[float] = []
    y = top + PAD
    for index, (kind, texts, size, bold, italic) in enumerate(item.blocks):
        if index:
            y += 3.0
            if item.blocks[index - 1][0] == "condition":
                separators.append(round(y - 1.5, 2))
        lines += _place_text([(t, size, bold, italic) for t in texts], x + PAD, y)
        y += len(texts) * size * LEADING
        del kind
    box = Rect(x, top, item.width, item.box_h)
    note = None
    note_lines: list[Line] = []
    if item.note:
        note = Rect(x, top + item.box_h + NOTE_GAP, item.width, item.note_h)
        note_lines = _place_text([(t, SMALL_PT, False, False) for t in item.note], x + PAD,
                                 note.y + PAD)
    return BoxShape(item.task, box, tuple(lines), tuple(separators), note, tuple(note_lines))


def _bands(units: list[list[_Column]], per_band: int) -> list[list[list[_Column]]]:
    bands: list[list[list[_Column]]] = []
    current: list[list[_Column]] = []
    count = 0
    for unit in units:
        boxes = sum(1 for c in unit if c.kind != "gate")
        if current and count + boxes > per_band:
            bands.append(current)
            current, count = [], 0
        current.append(unit)
        count += boxes
    if current:
        bands.append(current)
    return bands


def _first_task(unit: list[_Column]) -> Task:
    for column in unit:
        if column.gate is not None:
            return column.gate.tasks[0]
        for items in column.cells.values():
            return items[0].task
    raise ValueError("empty unit")


def layout_one_row(process: Process) -> MapLayout:
    """Every step list side by side in one band, each lane drawn once (BPMN's diagram)."""
    units: list[list[_Column]] = []
    for index, flow in enumerate(process.flows):
        if index:
            units.append([_Column("break", 0.0)])
        units += _columns(flow)
    return _layout(process, [units], len(units) + 1, one_row=True)


def _layout(process: Process, measured: list[list[list[_Column]]], per_band: int,
            one_row: bool = False, dry: bool = False) -> MapLayout:
    lanes = list(process.lanes)
    out = _Placed(head_w=lane_head_width(lanes), dry=dry)
    top, width, count = 0.0, 0.0, 0
    titled = len(process.flows) > 1 and not one_row
    flows = [process.flows[0]] if one_row else process.flows
    for flow, units in zip(flows, measured, strict=True):
        bands = _bands(units, per_band)
        if titled:
            out.labels.append(Line(plain(flow.section), 0.0, top + TEXT_PT + 1, TEXT_PT,
                                   bold=True))
            top += TITLE_H
        previous: list[Task] = []
        for index, band in enumerate(bands):
            incoming = previous[0] if index and previous else None
            outgoing = _first_task(bands[index + 1][0]) if index + 1 < len(bands) else None
            band_w, band_h, previous = _place_band(band, lanes, top, out, incoming, outgoing)
            count += 1
            width = max(width, band_w)
            top += band_h + BAND_GAP
    height = max(top - BAND_GAP, 1.0)
    # Lanes of a band span the widest band, so rows line up band under band.
    lanes_out = tuple(LaneShape(lane.party, Rect(0.0, lane.rect.y, width, lane.rect.h),
                                lane.lines) for lane in out.lanes)
    return MapLayout(round(width, 2), round(height, 2), lanes_out, tuple(out.boxes),
                     tuple(out.gates), tuple(out.arrows), tuple(out.labels), per_band,
                     out.head_w, count)


# Wider boxes are tried only when the map must shrink: fewer lines make lower lanes.
WIDER_BOXES = (46 * PT_PER_MM, 56 * PT_PER_MM)


NEAR_BEST = 0.97  # a layout printing this close to the largest is as good: fewer bands win


def layout_map(process: Process) -> MapLayout:
    """The map at the box and band width that prints largest on an A4 landscape page; of the
    layouts within 3 % of that, the one with the fewest bands (then the narrowest boxes)."""
    candidates: list[tuple[MapLayout, list[list[list[_Column]]]]] = []
    longest = max(max((len(flow.nodes) for flow in process.flows), default=1), 1)
    for box_w in (BOX_W, *WIDER_BOXES):
        if any(c.scale_on(LANDSCAPE) >= 1.0 and c.bands == len(process.flows)
               for c, _ in candidates):
            break  # full size in one band per step list: nothing to gain
        measured = [_columns(flow, box_w) for flow in process.flows]
        # One candidate per number of bands, with the bands as even as it allows.
        for per_band in sorted({-(-longest // bands) for bands in range(1, longest + 1)},
                               reverse=True):
            candidates.append((_layout(process, measured, per_band, dry=True), measured))
    best = max(c.scale_on(LANDSCAPE) for c, _ in candidates)
    near = [(c, m) for c, m in candidates if c.scale_on(LANDSCAPE) >= best * NEAR_BEST - 1e-9]
    chosen, measured = min(near, key=lambda cm: (cm[0].bands, -cm[0].scale_on(LANDSCAPE)))
    return _layout(process, measured, chosen.columns_per_band)


def needs_landscape(layout: MapLayout) -> bool:
    """Whether the map prints larger on a landscape page than in the portrait text column."""
    return layout.scale_on(LANDSCAPE) > layout.scale_on(PORTRAIT) + 1e-6


