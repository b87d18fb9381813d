"""A sound upper bound of a pocket card face's height, so `rutin check` lays out only the cards
that might not fit (R501).

Laying a card out needs WeasyPrint (~1 s to import, then ~30 ms a card). Most cards are far
from full: for them an estimate that can only be too high proves the fit without a layout, as
R502 does for checklist rows (check.LONG_ROW_CHARS). Every card whose bound exceeds the card is
laid out and judged exactly as before.

Why the bound is never below the real height:
- every character is as wide as its widest advance in any of the four DejaVu Sans faces the
  card may use (regular, bold, oblique, bold oblique; read from the files fontconfig resolves),
  plus KERN_SLACK for kerning;
- lines break only at a space followed by a letter or digit (and not after an opening bracket);
  every such place is also a break opportunity for the real layout (Unicode line breaking),
  which may break in more places. With wider characters and fewer places to break, greedy
  line filling ends each line no later than the real layout, so it needs at least as many lines;
- a block of several inline boxes (abbreviation and team, contact and phone, emphasis): each box
  counts as if it began a line, plus one line per boundary, because WeasyPrint may break the
  text before an overflowing box earlier than greedy filling (unless all fits on one line);
- a word wider than its line (broken anywhere by overflow-wrap), a character missing from a face
  (another font would draw it), Markdown beyond emphasis (links, code, breaks), or fonts other
  than DejaVu Sans: no bound, the card is laid out;
- margins are added without collapsing; the QR code's float narrows every line it could stand
  beside; the draft mark is drawn along the right edge, out of the flow, and takes no line; a line mixing sizes is as tall as the largest ascent plus largest descent.
The CSS values used are in CSS_ASSUMED; a test fails when templates/pocketcard.css changes them,
and another lays out random cards near the limit and checks the bound against WeasyPrint.
"""

from __future__ import annotations

import bisect
import html
import re
import shutil
import struct
import subprocess
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from builder.render.document_view import EXAMPLE_MARK
from builder.text.markdown import render_inline
from builder.text.typography import SUSPENDED_HYPHEN, swedish_quotes

if TYPE_CHECKING:
    from builder.render.printables.pocketcard import CardContent

PT_PER_MM = 72 / 25.4
CARD_W_MM, CARD_H_MM = 85.0, 55.0
# Declarations of templates/pocketcard.css this bound is computed from (tests pin them).
CSS_ASSUMED = (
    "width: 85mm; height: 55mm; padding: 3mm 3.5mm;",
    "font-size: 8pt; line-height: 1.22; overflow-wrap: break-word;",
    ".band { border-bottom: 0.8pt solid #000;",
    "padding-bottom: 1mm; margin-bottom: 1.2mm; }",
    ".band .abbr { font-size: 13pt; font-weight: bold; line-height: 1.1; margin-right: 1.5mm; }",
    ".band .team { font-size: 8pt; font-weight: bold; }",
    ".draft-mark { position: absolute; left: 85mm; top: 0; width: 55mm; height: 3.5mm; margin: 0;",
    ".band .issuer { margin: 0.3mm 0 0 0; font-size: 7pt; line-height: 1.22; }",
    "ul.points { margin: 0; padding: 0 0 0 3mm; }",
    "ul.points li { margin: 0 0 1mm 0; }",
    ".owner { margin-top: 1mm; padding-top: 1mm; font-size: 7.5pt; border-top: 0.5pt solid #000; }",
    ".owner .how { margin: 0.4mm 0 0 0; }",
    ".back ul.terms { list-style: none; margin: 1mm 0 0 0; padding: 0; font-size: 7pt; }",
    ".back ul.terms li { margin: 0 0 0.3mm 0; }",
    ".more { margin: 0.5mm 0 0 0; font-size: 7pt; font-style: italic; text-align: right; }",
    ".back .title { font-size: 7.5pt; font-weight: bold; margin: 0 0 1.2mm 0; line-height: 1.2; }",
    ".back h2 { font-size: 7.5pt; margin: 0 0 0.6mm 0; text-transform: uppercase;",
    "letter-spacing: 0.05em; }",
    ".back ul.contacts-list { list-style: none; margin: 0; padding: 0; }",
    ".back ul.contacts-list li { margin: 0 0 0.6mm 0; }",
    ".back .phone { font-weight: bold; white-space: nowrap; }",
    ".back figure { float: right; margin: 0 0 0.5mm 2.5mm; width: 15mm; text-align: center;",
    "font-size: 7pt; }",
    ".back figure img { width: 15mm; height: 15mm; display: block;",
    ".back .version { clear: both; margin-top: 1mm; padding-top: 1mm; font-size: 7pt;",
    "border-top: 0.5pt solid #000; }",
)
FACES = ("DejaVu Sans", "DejaVu Sans:bold", "DejaVu Sans:italic", "DejaVu Sans:bold:italic")
KERN_SLACK = 0.04  # of the font size, per character (DejaVu's positive kerning is far smaller)
LINE_SLACK_PT = 0.05  # per line, for rounding in the layout
OPENING = frozenset("([{¡¿„‚«‹")  # no break after these and a space (UAX #14, LB14)
_TAG = re.compile(r"<(/?)([a-z]+)([^>]*)>")
_ALLOWED_TAGS = {("strong", ""), ("em", ""), ("span", ' class="nowrap"')}

Run = tuple[str, float, bool]  # text, font size in pt, may break at its spaces


class _Face:
    """The few tables of a TrueType file the bound needs, read directly (cmap format 12 or 4,
    hmtx, head, hhea, OS/2): a font library would cost a tenth of a second per check."""

    def __init__(self, data: bytes) -> None:
        tables = {data[12 + 16 * i:16 + 16 * i].decode("latin-1"):
                  struct.unpack_from(">I", data, 20 + 16 * i)[0]
                  for i in range(struct.unpack_from(">H", data, 4)[0])}
        head, hhea, os2 = tables["head"], tables["hhea"], tables["OS/2"]
        self.upm = float(struct.unpack_from(">H", data, head + 18)[0])
        ascent, descent = struct.unpack_from(">hh", data, hhea + 4)
        typo_ascent, typo_descent = struct.unpack_from(">hh", data, os2 + 68)
        win_ascent, win_descent = struct.unpack_from(">HH", data, os2 + 74)
        self.ascent: float = max(ascent, typo_ascent, win_ascent) / self.upm
        self.descent: float = max(-descent, -typo_descent, win_descent) / self.upm
        metrics = struct.unpack_from(">H", data, hhea + 34)[0]
        self.advances: tuple[int, ...] = struct.unpack_from(f">{2 * metrics}H", data,
                                                            tables["hmtx"])[0::2]
        self.data = data
        # (first code, last code, glyph or delta, where the glyph array is: 12 = format 12,
        # -1 = format 4 by delta, else the offset of the segment's glyph array)
        self.groups: list[tuple[int, int, int, int]] = []
        cmap = tables["cmap"]
        records = {struct.unpack_from(">HH", data, cmap + 4 + 8 * i):
                   cmap + struct.unpack_from(">I", data, cmap + 8 + 8 * i)[0]
                   for i in range(struct.unpack_from(">H", data, cmap + 2)[0])}
        if (3, 10) in records and struct.unpack_from(">H", data, records[3, 10])[0] == 12:
            at = records[3, 10]
            for i in range(struct.unpack_from(">I", data, at + 12)[0]):
                start, end, glyph = struct.unpack_from(">III", data, at + 16 + 12 * i)
                self.groups.append((start, end, glyph, 12))
        elif (3, 1) in records and struct.unpack_from(">H", data, records[3, 1])[0] == 4:
            at = records[3, 1]
            segments = struct.unpack_from(">H", data, at + 6)[0] // 2
            ends = struct.unpack_from(f">{segments}H", data, at + 14)
            starts = struct.unpack_from(f">{segments}H", data, at + 16 + 2 * segments)
            deltas = struct.unpack_from(f">{segments}H", data, at + 16 + 4 * segments)
            ranges = at + 16 + 6 * segments
            for i in range(segments):
                offset = struct.unpack_from(">H", data, ranges + 2 * i)[0]
                self.groups.append((starts[i], ends[i], deltas[i],
                                    ranges + 2 * i + offset if offset else -1))
        else:
            raise ValueError("no Unicode cmap")
        self.starts = [group[0] for group in self.groups]

    def glyph(self, code: int) -> int:
        """The glyph index of a code point, 0 (.notdef) when the font lacks it."""
        index = bisect.bisect_right(self.starts, code) - 1
        if index < 0 or code > self.groups[index][1]:
            return 0
        start, _, value, where = self.groups[index]
        if where == 12:
            return value + code - start
        if where == -1:
            return (code + value) & 0xFFFF
        glyph: int = struct.unpack_from(">H", self.data, where + 2 * (code - start))[0]
        return (glyph + value) & 0xFFFF if glyph else 0

    def advance(self, code: int) -> float | None:
        """The advance width in em, None when the font lacks the character."""
        glyph = self.glyph(code)
        if glyph == 0:
            return None
        return self.advances[min(glyph, len(self.advances) - 1)] / self.upm


class Metrics:
    """Widest advance of each character over the four faces, in em, and the largest ascent
    and descent any of their tables gives."""

    def __init__(self, faces: list[_Face]) -> None:
        self.faces = faces
        self.ascent = max(face.ascent for face in faces)
        self.descent = max(face.descent for face in faces)
        self._advance: dict[str, float | None] = {}
        self.widths: dict[str, float] = {}  # bound per character, see _drawable

    def advance(self, char: str) -> float | None:
        """The widest advance of ``char`` in any face, None when a face lacks it."""
        if char not in self._advance:
            widths = [face.advance(ord(char)) for face in self.faces]
            self._advance[char] = None if None in widths else max(w or 0.0 for w in widths)
        return self._advance[char]


def _resolve(pattern: str) -> str | None:
    fc_match = shutil.which("fc-match")
    if fc_match is None:
        return None
    try:
        out = subprocess.run([fc_match, "-f", "%{family}|%{file}", pattern], capture_output=True,
                             text=True, timeout=10, check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    families, _, path = out.partition("|")
    return path if "DejaVu Sans" in families.split(",") and path else None


@lru_cache(maxsize=1)
def font_metrics() -> Metrics | None:
    """The metrics of the fonts fontconfig gives the card's CSS, or None (then every card is
    laid out)."""
    paths = [_resolve(face) for face in FACES]
    if any(path is None for path in paths):
        return None
    try:
        return Metrics([_Face(Path(str(path)).read_bytes()) for path in paths])
    except (OSError, ValueError, KeyError, IndexError, struct.error):
        return None  # an unreadable font only means laying the cards out


@lru_cache(maxsize=1)
def regular_metrics() -> Metrics | None:
    """The regular face alone, for text the card sets only in it (how, when, the terms): its
    advances bound that text as soundly and far less generously than the widest of four
    faces. Line heights still come from all four faces (font_metrics)."""
    metrics = font_metrics()
    return Metrics(metrics.faces[:1]) if metrics is not None else None


class NoBound(Exception):
    """The content is outside what the bound models: lay the card out."""


def _drawable(char: str, metrics: Metrics) -> float:
    """The character's width bound in em (advance plus kerning slack); NoBound when a face
    lacks it or it is a control, format or combining character."""
    width = metrics.widths.get(char)
    if width is None:
        advance = metrics.advance(char)
        if advance is None or not (char == " " or unicodedata.category(char)[0] in "LNPS"):
            raise NoBound(char)
        width = metrics.widths[char] = advance + KERN_SLACK
    return width


def _words(run: Run, metrics: Metrics) -> list[tuple[float, float]]:
    """(width of the space before, width) of each unbreakable piece of one run, in pt."""
    text, size, breakable = run
    chars = re.sub(r"\s+", " ", text)
    words: list[tuple[float, float]] = []
    space, width, previous = 0.0, 0.0, ""
    for index, char in enumerate(chars):
        w = _drawable(char, metrics) * size
        nxt = chars[index + 1] if index + 1 < len(chars) else ""
        if (char == " " and breakable and nxt.isalnum() and width > 0
                and previous not in OPENING):
            words.append((space, width))
            space, width = w, 0.0
            continue
        width += w
        if char != " ":
            previous = char
    if width:
        words.append((space, width))
    return words


def _greedy(run: Run, width_pt: float, metrics: Metrics) -> int:
    count, used = 0, 0.0
    for space, word in _words(run, metrics):
        if word > width_pt:
            raise NoBound("word wider than the line")
        if count and used + space + word <= width_pt:
            used += space + word
        else:
            count, used = count + 1, word
    return count


def lines(runs: list[Run], width_pt: float, metrics: Metrics) -> int:
    """How many lines a block of inline boxes (one run each) takes at most.

    Each box is counted as if it began a line, and each boundary between boxes may cost one
    line more: when a box overflows, WeasyPrint may break the text before it at an earlier
    opportunity than greedy filling would (layout.inline._break_waiting_children).
    """
    if len(runs) > 1 and sum(space + w for run in runs
                             for space, w in _words(run, metrics)) <= width_pt:
        return 1  # all on one line with room to spare: nothing overflows, nothing re-breaks
    boxes = [run for run in runs if run[0].strip()]  # a space alone holds nothing to move
    return sum(_greedy(run, width_pt, metrics) for run in boxes) + max(0, len(boxes) - 1)


def line_height(metrics: Metrics, *boxes: tuple[float, float]) -> float:
    """Height of a line holding inline boxes of (font size, line height) on one baseline."""
    shift = metrics.ascent - metrics.descent
    above = max(lh / 2 + size * shift / 2 for size, lh in boxes)
    below = max(lh / 2 - size * shift / 2 for size, lh in boxes)
    return above + below + LINE_SLACK_PT


# Characters Markdown may act on in a line (escapes, code, emphasis, links, images, autolinks,
# entities, breaks); a text without them renders as itself (quotes made Swedish).
_MARKDOWN = re.compile(r"[\\`*_\[\]!<&\n\r]")


def _inline_runs(markdown: str, size: float) -> list[Run]:
    """A point's Markdown as runs of text; only emphasis and no-wrap spans are modelled."""
    if _MARKDOWN.search(markdown) is None:  # plain text: what render_inline makes, unparsed
        text = swedish_quotes(markdown)
        runs: list[Run] = []
        position = 0
        for together in SUSPENDED_HYPHEN.finditer(text):
            if together.start() > position:
                runs.append((text[position:together.start()], size, True))
            runs.append((together.group(0), size, False))
            position = together.end()
        if position < len(text):
            runs.append((text[position:], size, True))
        return runs
    rendered = str(render_inline(markdown))
    runs = []
    nowrap, position = 0, 0
    for tag in _TAG.finditer(rendered):
        if tag.start() > position:
            runs.append((html.unescape(rendered[position:tag.start()]), size, not nowrap))
        closing, name, attrs = tag.groups()
        if (name, attrs) not in _ALLOWED_TAGS and not (closing and name in ("strong", "em", "span")):
            raise NoBound(name)
        if name == "span":
            nowrap += -1 if closing else 1
        position = tag.end()
    if position < len(rendered):
        runs.append((html.unescape(rendered[position:]), size, True))
    return runs


def _mm(pt: float) -> float:
    return pt / PT_PER_MM


def _text_width(text: str, size: float, metrics: Metrics) -> float:
    return sum(_drawable(c, metrics) * size for c in text)


def face_bounds(card: CardContent) -> tuple[float, float] | None:
    """Upper bounds of the front's and the back's height in mm, or None when not modelled."""
    metrics = font_metrics()
    if metrics is None:
        return None
    try:
        return _front(card, metrics), _back(card, metrics)
    except NoBound:
        return None


def _points(points: tuple[str, ...], width: float, metrics: Metrics) -> float:
    body = line_height(metrics, (8, 8 * 1.22))
    return sum(lines(_inline_runs(p, 8), width, metrics) * body + 1 * PT_PER_MM
               for p in points)


def _owner(card: CardContent, width: float, metrics: Metrics) -> float:
    runs: list[Run] = [("Uppföljning:", 7.5, True), (f" {card.follow_up_owner} ", 7.5, True)]
    # An example's mark follows the owner, or has a line of its own when how or when is shown.
    apart = card.follow_up_example and bool(card.follow_up_how or card.follow_up_when)
    if card.follow_up_example and not apart:
        runs.append((f"({EXAMPLE_MARK})", 7.5, True))
    body = line_height(metrics, (7.5, 7.5 * 1.22))
    height = 2 * PT_PER_MM + 0.5 + lines(runs, width, metrics) * body
    # How and when, each a paragraph of its own under the owner: one run, label and text, in
    # the regular face only.
    for label, value in (("Hur:", card.follow_up_how), ("När:", card.follow_up_when)):
        if value:
            text = f"{label} {value}"
            height += 0.4 * PT_PER_MM + lines(_inline_runs(text, 7.5), width,
                                              _face_for(text, metrics)) * body
    if apart:  # bold: the widest of the faces
        height += 0.4 * PT_PER_MM + lines([(f"({EXAMPLE_MARK})", 7.5, True)], width,
                                          metrics) * body
    return height


def _terms(card: CardContent, width: float, metrics: Metrics) -> float:
    """The abbreviations list: 1 mm above, each term a 7 pt item with 0.3 mm below."""
    if not card.terms:
        return 0.0
    small = line_height(metrics, (7, 7 * 1.22))
    return 1 * PT_PER_MM + sum(
        lines(_inline_runs(f"{term}: {meaning}", 7), width,
              _face_for(f"{term}: {meaning}", metrics)) * small + 0.3 * PT_PER_MM
        for term, meaning in card.terms)


def _face_for(markdown: str, metrics: Metrics) -> Metrics:
    """The regular face's metrics for text without Markdown (set in that face alone), else
    the widest of the four faces (emphasis may make it bold or oblique)."""
    if _MARKDOWN.search(markdown) is None:
        return regular_metrics() or metrics
    return metrics


def _front(card: CardContent, metrics: Metrics) -> float:
    inner = (CARD_W_MM - 7) * PT_PER_MM
    height = 6 * PT_PER_MM
    # The band: an optional 13 pt abbreviation and the team (or title), beside the draft mark.
    band_width = inner
    runs: list[Run] = []  # the draft mark runs along the right edge: it moves no text
    boxes = [(8.0, 8 * 1.22)]
    small = line_height(metrics, (7, 7 * 1.22))
    if card.abbreviation:
        runs.append((card.abbreviation, 13, True))
        runs.append((" ", 8, True))
        boxes.append((13.0, 13 * 1.1))
        band_width -= 1.5 * PT_PER_MM  # the abbreviation's right margin
    runs.append((card.team_name or card.title, 8, True))
    band_lines = lines(runs, band_width, metrics) * line_height(metrics, *boxes)
    if card.issuer:  # whose card it is, under the heading (issue 26)
        band_lines += 0.3 * PT_PER_MM + lines([(card.issuer, 7, True)], inner, metrics) * (
            small)
    band_below = 1 * PT_PER_MM + 0.8 + 1.5 * PT_PER_MM
    height += band_lines + band_below
    points_width = inner - 3 * PT_PER_MM
    height += _points(card.front_points, points_width, metrics)
    if card.back_points:
        more = lines([("Fortsättning på baksidan →", 7, True)], inner, metrics)
        height += 0.5 * PT_PER_MM + more * small
    return _mm(height)


def _back(card: CardContent, metrics: Metrics) -> float:
    inner = (CARD_W_MM - 7) * PT_PER_MM
    # The QR code floats at the top right; bounding every line by the width beside it
    # over-estimates the text below it, never under-estimates (this is an upper bound).
    qr = card.qr_url is not None
    width = inner - (17.5 * PT_PER_MM if qr else 0)
    text = 0.0
    title = lines([(card.title, 7.5, True)], width, metrics)
    text += title * line_height(metrics, (7.5, 7.5 * 1.2)) + 1.2 * PT_PER_MM
    if card.back_points:
        text += _points(card.back_points, width - 3 * PT_PER_MM, metrics)
    if card.follow_up_owner:  # on the back of every card that names one (never dropped)
        text += _owner(card, width, metrics)
    if card.contacts:
        heading = _text_width("KONTAKTER", 7.5, metrics) + 9 * 0.05 * 7.5
        if heading > width:
            raise NoBound("heading")
        text += line_height(metrics, (7.5, 7.5 * 1.22)) + 0.6 * PT_PER_MM
        body = line_height(metrics, (8, 8 * 1.22))
        for contact in card.contacts:
            runs: list[Run] = [(contact.name + (f", {contact.role}" if contact.role else "")
                                + " ", 8, True)]
            if contact.phone:
                runs.append((contact.phone, 8, False))
            text += lines(runs, width, metrics) * body + 0.6 * PT_PER_MM
    text += _terms(card, width, metrics)
    figure = 0.0
    if qr:
        caption = lines([("Aktuell version", 7, True)], 15 * PT_PER_MM, metrics)
        figure = 15.5 * PT_PER_MM + caption * line_height(metrics, (7, 7 * 1.22))
    height = 6 * PT_PER_MM + max(text, figure)
    # The draft mark is turned along the right edge, out of the flow: it takes no line here.
    version: list[Run] = [(f"Version {card.version} · {card.validity} · Utskriven kopia", 7, True)]
    rows = lines(version, inner, metrics)
    height += 2 * PT_PER_MM + 0.5 + rows * line_height(metrics, (7, 7 * 1.22))
    return _mm(height)


def surely_fits(card: CardContent) -> bool:
    """True when both faces provably fit the card; False means: lay it out and see."""
    bounds = face_bounds(card)
    return bounds is not None and max(bounds) <= CARD_H_MM
