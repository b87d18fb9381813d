"""The DOCX house style, set in code: the PDF's look in fonts a regional Windows PC has.

The PDF sets body text in DejaVu Serif and headings in DejaVu Sans. Word on Windows has no
DejaVu, and a font the DOCX names but does not carry is silently substituted. The DOCX names
Georgia (body) and Verdana (headings, tables, header and footer) instead: both ship with
every Windows since 98 and with macOS, and they are the faces DejaVu resembles most (Verdana
and DejaVu Sans share Bitstream Vera's wide design). On Debian LibreOffice maps them to DejaVu
itself. Embedding DejaVu (obfuscated .odttf) was the alternative: 0.4–0.7 MB a face, or a
subset per document at render time, for a difference in look readers hardly see. Every font
the package names, the theme's included, is on a list of fonts Windows ships
(tests/test_docx_windows.py). Theme fonts are removed from the styles: they would override
the names.
"""

from __future__ import annotations

from typing import Any

from docx.document import Document as DocxDocument
from docx.enum.style import WD_STYLE_TYPE
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Pt, RGBColor

BODY_FONT, BODY_ALT = "Georgia", "Times New Roman"
SANS_FONT, SANS_ALT = "Verdana", "Arial"
MONO_FONT = "Courier New"  # the template's code styles name "Courier", a raster font
INK = RGBColor(0x1B, 0x1F, 0x23)
TABLE_STYLE = "Rutintabell"
RULE_COLOR = "8A949E"
THEME_ATTRIBUTES = ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme")
HEADING_SIZES = {"Title": 17, "Heading 1": 13, "Heading 2": 11.5, "Heading 3": 10.5}
FONT_TABLE = (
    (BODY_FONT, BODY_ALT, "roman", "02040502050405020303"),
    (SANS_FONT, SANS_ALT, "swiss", "020B0604030504040204"),
)
A_NS = "http://schemas.openxmlformats.org/drawingml/2006/main"


def _drop_theme_fonts(doc: DocxDocument) -> None:
    for r_fonts in doc.styles.element.iter(qn("w:rFonts")):
        for attribute in THEME_ATTRIBUTES:
            r_fonts.attrib.pop(qn(attribute), None)


def _windows_fonts_only(doc: DocxDocument) -> None:
    """Courier (a raster font) becomes Courier New; the template's own font table entries
    for fonts no style uses (Cambria, Calibri, the Japanese faces) go; Word 2010's copy of
    the styles goes; the theme names our two fonts and no per-script fallbacks (no style of
    ours uses theme fonts)."""
    for r_fonts in doc.styles.element.iter(qn("w:rFonts")):
        for attribute in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
            if r_fonts.get(qn(attribute)) == "Courier":
                r_fonts.set(qn(attribute), MONO_FONT)
    _prune_font_table(doc)
    # Word 2013 and later, and LibreOffice, read styles.xml; stylesWithEffects.xml would keep
    # naming Courier and the theme's fonts.
    for r_id, rel in list(doc.part.rels.items()):
        if rel.reltype.endswith("/stylesWithEffects"):
            doc.part.drop_rel(r_id)
    _theme_fonts(doc)


def _part(doc: DocxDocument, kind: str) -> Any:
    return next((r.target_part for r in doc.part.rels.values() if r.reltype.endswith(kind)), None)


def _prune_font_table(doc: DocxDocument) -> None:
    from lxml import etree  # type: ignore[import-untyped]

    part = _part(doc, "/fontTable")
    root = parse_xml(part.blob)
    for font in list(root):
        if font.get(qn("w:name")) not in {"Times New Roman", "Symbol", "Arial"}:
            root.remove(font)
    root.append(parse_xml(f'<w:font {nsdecls("w")} w:name="{MONO_FONT}"><w:family '
                          'w:val="modern"/><w:pitch w:val="fixed"/></w:font>'))
    part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _theme_fonts(doc: DocxDocument) -> None:
    from lxml import etree

    theme = _part(doc, "/theme")
    if theme is None:
        return
    tree = etree.fromstring(theme.blob)
    for kind, name in (("majorFont", SANS_FONT), ("minorFont", BODY_FONT)):
        for fonts in tree.iter(f"{{{A_NS}}}{kind}"):
            for child in list(fonts):
                if child.tag == f"{{{A_NS}}}font":
                    fonts.remove(child)
                elif child.tag == f"{{{A_NS}}}latin":
                    child.set("typeface", name)
    theme._blob = etree.tostring(tree, xml_declaration=True, encoding="UTF-8", standalone=True)


def _set_font(style_element: object, name: str) -> None:
    r_pr = style_element.get_or_add_rPr()  # type: ignore[attr-defined]
    r_fonts = r_pr.get_or_add_rFonts()
    for attribute in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        r_fonts.set(qn(attribute), name)


def _font_table(doc: DocxDocument) -> None:
    """Declare the fonts with their family and an alternative for systems without DejaVu."""
    part = next(r.target_part for r in doc.part.rels.values() if r.reltype.endswith("/fontTable"))
    root = parse_xml(part.blob)
    for name, alternative, family, panose in FONT_TABLE:
        root.append(parse_xml(
            f'<w:font {nsdecls("w")} w:name="{name}"><w:altName w:val="{alternative}"/>'
            f'<w:panose1 w:val="{panose}"/><w:charset w:val="00"/>'
            f'<w:family w:val="{family}"/><w:pitch w:val="variable"/></w:font>'))
    from lxml import etree

    part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _table_style(doc: DocxDocument) -> None:
    """Thin grey rules and sans text at 9 pt, as the PDF's tables; not Word's Table Grid."""
    style = doc.styles.add_style(TABLE_STYLE, WD_STYLE_TYPE.TABLE)
    style.base_style = doc.styles["Normal Table"]
    style.font.size = Pt(9)
    _set_font(style.element, SANS_FONT)
    borders = "".join(f'<w:{edge} w:val="single" w:sz="4" w:space="0" w:color="{RULE_COLOR}"/>'
                      for edge in ("top", "left", "bottom", "right", "insideH", "insideV"))
    # tblPr follows pPr and rPr in a style (CT_Style has no accessor for it).
    style.element.append(parse_xml(
        f'<w:tblPr {nsdecls("w")}><w:tblBorders>{borders}</w:tblBorders>'
        f'<w:tblCellMar><w:left w:w="85" w:type="dxa"/><w:right w:w="85" w:type="dxa"/>'
        f'</w:tblCellMar></w:tblPr>'))


def apply_house_style(doc: DocxDocument) -> None:
    """Fonts, sizes and colours of the PDF for Normal, Title, headings, lists and tables."""
    _drop_theme_fonts(doc)
    styles = doc.styles
    normal = styles["Normal"]
    normal.font.size, normal.font.color.rgb = Pt(10), INK  # the PDF's body size
    _set_font(normal.element, BODY_FONT)
    normal.paragraph_format.space_after = Pt(5)
    for name, size in HEADING_SIZES.items():
        style = styles[name]
        style.font.size, style.font.bold, style.font.italic = Pt(size), True, False
        style.font.color.rgb = INK
        _set_font(style.element, SANS_FONT)
        style.paragraph_format.space_before = Pt(10 if name != "Title" else 4)
        style.paragraph_format.space_after = Pt(4)
    # The stock Title has a blue rule under it; the PDF's title has none.
    p_pr = styles["Title"].element.pPr
    if p_pr is not None and p_pr.find(qn("w:pBdr")) is not None:
        p_pr.remove(p_pr.find(qn("w:pBdr")))
    for name in ("Header", "Footer"):
        _set_font(styles[name].element, SANS_FONT)
    _windows_fonts_only(doc)
    _font_table(doc)
    _table_style(doc)
