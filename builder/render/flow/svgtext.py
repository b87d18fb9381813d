"""SVG text drawn a line at a time in WeasyPrint: the map's words cost a tenth of their CPU.

WeasyPrint 70 draws every SVG ``<text>`` one character at a time: each character gets its own
Pango layout (``weasyprint/svg/text.py``), because SVG allows a position or rotation per
character. The map's boxes hold a few thousand characters, so embedding it doubled the CPU of
a document's PDF and made most of the Word picture's cost. The map never positions single
characters: every line is one ``<text x= y=>`` with its own font attributes. For exactly that
case (one x and one y, no dx/dy/rotate, no letter-spacing or textLength, no child elements)
this draws the line as one Pango layout, the way WeasyPrint draws HTML text; every other
``<text>`` still goes through WeasyPrint's own function. The glyphs, fonts, fill and place are
the same; the line is kerned as a whole (layout.py's widths allow for kerning), and the PDF
holds one text run per line, so the words extract as words. The drawing stays inside the
image's marked content: the PDF's Figure, its /Alt and the tag tree do not change.

The function replaced is internal to WeasyPrint, so the patch is applied only to the pinned
release it was written against (:data:`FOR_WEASYPRINT`); another release draws as before.
builder/render/weasy.py installs it on import, so every process that draws a PDF draws its
SVG text the same way (the draft watermark is one such line too): the same input gives the
same bytes whatever the process drew before.
"""

from __future__ import annotations

from math import inf
from typing import Any

FOR_WEASYPRINT = "70.0"
_PER_CHARACTER = ("dx", "dy", "rotate", "textLength", "letter-spacing")
_installed: list[Any] = []  # the original function, once installed


def _line_at_once(node: Any) -> bool:
    """Whether the node is one plain line: WeasyPrint's per-character loop would change
    nothing but cost."""
    attributes = node.attrib
    return (node.tag == "text" and bool(node.text)
            and len(node._etree_node) == 0  # no tspan (iterating the node cascades styles)
            and not any(name in attributes for name in _PER_CHARACTER)
            and len(str(attributes.get("x", "0")).split()) == 1
            and len(str(attributes.get("y", "0")).split()) == 1)


def _style(svg: Any, node: Any, font_size: float) -> Any:
    """The text's style as WeasyPrint's own function builds it."""
    from weasyprint.css.properties import INITIAL_VALUES  # type: ignore[import-untyped]
    from weasyprint.svg.text import Style  # type: ignore[import-untyped]

    style = Style()
    style.update(INITIAL_VALUES)
    style.font_config = svg.font_config
    style["font_family"] = [font.strip("\"'") for font in
                            node.get("font-family", "sans-serif").split(",")]
    style["font_style"] = node.get("font-style", "normal")
    style["font_size"] = font_size
    if node.get("direction") in ("ltr", "rtl"):
        style["direction"] = node.get("direction")
    weight = node.get("font-weight", 400)
    try:
        style["font_weight"] = {"normal": 400, "bold": 700}.get(weight) or int(weight)
    except ValueError:
        style["font_weight"] = 400
    return style


_BEFORE_EDGE = ("text-before-edge", "before_edge", "top", "hanging", "text-top")
_AFTER_EDGE = ("text-after-edge", "after_edge", "bottom", "text-bottom")


def _y_align(node: Any, font_size: float, height: float) -> float:
    """The vertical shift WeasyPrint gives the line for its anchor or baseline attributes."""
    ascent, descent = font_size * .8, font_size * .2
    display_anchor = node.get("display-anchor")
    baseline = node.get("dominant-baseline", node.get("alignment-baseline"))
    if display_anchor in ("middle", "bottom"):
        return -height / 2 if display_anchor == "middle" else -height
    if display_anchor == "top":
        return 0.0
    if baseline in ("central", "middle"):
        return (ascent + descent) / 2 - descent
    if baseline in _BEFORE_EDGE:
        return ascent
    return -descent if baseline in _AFTER_EDGE else 0.0


def _text(svg: Any, node: Any, font_size: float) -> None:
    """``weasyprint.svg.text.text`` for one plain line; the original for anything else."""
    if not _line_at_once(node):
        _installed[0](svg, node, font_size)
        return
    from weasyprint.draw.text import (  # type: ignore[import-untyped]
        draw_emojis,
        draw_first_line,
    )
    from weasyprint.matrix import Matrix  # type: ignore[import-untyped]
    from weasyprint.svg.bounding_box import (  # type: ignore[import-untyped]
        extend_bounding_box,
    )
    from weasyprint.svg.text import TextBox
    from weasyprint.svg.utils import normalize, size  # type: ignore[import-untyped]
    from weasyprint.text.line_break import split_first_line  # type: ignore[import-untyped]

    style = _style(svg, node, font_size)
    layout, _, _, width, height, baseline = split_first_line(
        node.text, style, svg.context, inf, 0)
    x = (size(normalize(node.attrib["x"]).strip(), font_size, svg.inner_width)
         if "x" in node.attrib else svg.cursor_position[0])
    y = (size(normalize(node.attrib["y"]).strip(), font_size, svg.inner_height)
         if "y" in node.attrib else svg.cursor_position[1])
    # As the per-character loop does for its first character (a set x or y, if not 0,
    # resets the relative offset; there is no dx or dy to add).
    if "x" in node.attrib and x:
        svg.cursor_d_position[0] = 0
    if "y" in node.attrib and y:
        svg.cursor_d_position[1] = 0
    svg.cursor_position = x + width, y
    x_position = x + svg.cursor_d_position[0]
    y_position = y + svg.cursor_d_position[1] + _y_align(node, font_size, height)
    node.text_bounding_box = extend_bounding_box(node.text_bounding_box, (
        (x_position, y_position - baseline),
        (x_position + width, y_position - baseline + height)))

    svg.stream.push_state()
    fill, stroke = svg.set_graphical_state(node, font_size)
    svg.stream.begin_text()
    layout.reactivate(style)
    svg.fill_stroke(fill, stroke, text=True)
    text_box = TextBox(layout, style)
    text_box.baseline = baseline
    emojis = draw_first_line(svg.stream, text_box, "none", "none",
                             Matrix(a=1, d=-1, e=x_position, f=y_position))
    svg.stream.end_text()
    svg.stream.pop_state()
    draw_emojis(svg.stream, style, x, y, emojis)


def install() -> bool:
    """Draw plain SVG text lines at once from now on in this process (idempotent); False
    when the installed WeasyPrint is not the release this was written for."""
    if _installed:
        return True
    import weasyprint  # type: ignore[import-untyped]
    import weasyprint.svg as svg_module  # type: ignore[import-untyped]

    if weasyprint.__version__ != FOR_WEASYPRINT:
        return False
    original = svg_module.text
    _installed.append(original)
    # draw_node tells text nodes by ``TAGS.get(tag) == text``: both names change together.
    svg_module.text = _text
    for tag, function in list(svg_module.TAGS.items()):
        if function is original:
            svg_module.TAGS[tag] = _text
    return True


def installed() -> bool:
    """Whether plain SVG text lines are drawn at once in this process."""
    return bool(_installed)


def uninstall() -> None:
    """WeasyPrint's own per-character drawing again (to compare the two in tests)."""
    if not _installed:
        return
    import weasyprint.svg as svg_module

    original = _installed.pop()
    svg_module.text = original
    for tag, function in list(svg_module.TAGS.items()):
        if function is _text:
            svg_module.TAGS[tag] = original
