"""The swimlane map in the Word file: a picture (SVG with a PNG fallback) with its alt text in
``wp:docPr descr``, then the "Vem gör vad och när" table, on a landscape page when wide."""

from __future__ import annotations

import io
from typing import Any

from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import Part
from docx.oxml.ns import qn
from docx.shared import Mm
from lxml import etree  # type: ignore[import-untyped]

from builder.derived import walk_sections
from builder.model import Document
from builder.process import summary
from builder.render import RenderContext
from builder.render.flow.formats import routine_process
from builder.render.flow.layout import layout_map, needs_landscape
from builder.render.flow.raster import map_png
from builder.render.flow.svg import map_svg
from builder.render.flow.view import CAPTION, flow_tables, printed_width_mm
from builder.render.word.blocks import add_table

SVG_EXTENSION = "{96DAC541-7B7A-43D3-8B79-37D633B846F1}"  # Office 2016+: SVG beside the PNG
ASVG = "http://schemas.microsoft.com/office/drawing/2016/SVG/main"
HEADING = "Vem gör vad och när"


def flow_top_section(document: Document) -> int | None:
    """The top-level section after which the map stands: the one holding the last steps."""
    found = None
    for index, section in enumerate(document.sections):
        if any(s.steps for s, _ in walk_sections([section])):
            found = index
    return found


def add_flow_map(doc: DocxDocument, ctx: RenderContext) -> None:
    """The map and its table, when the routine has steps."""
    process = routine_process(ctx)
    if process is None:
        return
    layout = layout_map(process)
    svg = map_svg(process, layout).encode("utf-8")
    landscape = needs_landscape(layout)
    if landscape:
        _orient(doc, landscape=True)
    doc.add_heading(HEADING, level=1)
    width_mm = min(printed_width_mm(layout, landscape), (247 if landscape else 160))
    png = map_png(svg, layout, ctx.document.id, width_mm)
    doc.add_picture(_png_stream(png), width=Mm(width_mm))
    picture = doc.paragraphs[-1]
    _describe(picture, summary(process))
    _add_svg(doc, picture, svg)
    doc.add_paragraph(CAPTION, style="Etikett")
    for table in flow_tables(process):
        _add_table(doc, table, landscape)
    if landscape:
        _orient(doc, landscape=False)


def _png_stream(data: bytes) -> io.BytesIO:
    return io.BytesIO(data)


def _describe(paragraph: object, alt: str) -> None:
    """Alt text where Word and screen readers read it: ``wp:docPr`` descr (and title)."""
    element = paragraph._p  # type: ignore[attr-defined]
    for doc_pr in element.iter(qn("wp:docPr")):
        doc_pr.set("descr", alt)
        doc_pr.set("title", "Flödeskarta")
        doc_pr.set("name", "Flödeskarta")


def _add_svg(doc: DocxDocument, paragraph: object, svg: bytes) -> None:
    """The SVG itself beside the PNG (asvg:svgBlip): Word 2016+ shows it sharp at any zoom."""
    part = Part(PackURI("/word/media/flode.svg"), "image/svg+xml", svg, doc.part.package)
    r_id = doc.part.relate_to(part, RT.IMAGE)
    element = paragraph._p  # type: ignore[attr-defined]
    for blip in element.iter(qn("a:blip")):
        ext_list = etree.SubElement(blip, qn("a:extLst"))
        ext = etree.SubElement(ext_list, qn("a:ext"), uri=SVG_EXTENSION)
        svg_blip = etree.SubElement(ext, f"{{{ASVG}}}svgBlip", nsmap={"asvg": ASVG})
        svg_blip.set(qn("r:embed"), r_id)


def _orient(doc: DocxDocument, landscape: bool) -> None:
    section = doc.add_section(WD_SECTION.NEW_PAGE)
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    long, short = Mm(297), Mm(210)
    section.page_width, section.page_height = (long, short) if landscape else (short, long)


def _add_table(doc: DocxDocument, table: dict[str, Any], landscape: bool) -> None:
    """The table in the house style (builder/render/word/blocks.add_table)."""
    doc.add_paragraph(str(table["caption"]), style="Etikett")
    rows = []
    for row in table["rows"]:
        what = f"{row['condition']}: {row['what']}" if row["condition"] else row["what"]
        what = " ".join([what, *row["notes"]])
        rows.append((row["number"], row["who"], what, row["when"]))
    add_table(doc, ("Steg", "Vem", "Vad", "När"), rows,
              (12, 45, 140, 50) if landscape else (12, 35, 78, 35))
