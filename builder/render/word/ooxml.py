"""Low-level WordprocessingML that python-docx has no API for: numbering, fields, settings, zip."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from typing import Any
from xml.etree import ElementTree

from docx.document import Document as DocxDocument
from docx.opc.pkgwriter import PackageWriter
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.oxml.text.run import _RunContentAppender
from docx.text.paragraph import Paragraph

# Children of w:settings that must follow w:updateFields (ECMA-376 CT_Settings sequence).
_AFTER_UPDATE_FIELDS = (
    "w:hdrShapeDefaults", "w:footnotePr", "w:endnotePr", "w:compat", "w:docVars", "w:rsids",
    "m:mathPr", "w:attachedSchema", "w:themeFontLang", "w:clrSchemeMapping",
    "w:doNotIncludeSubdocsInStats", "w:doNotAutoCompressPictures", "w:forceUpgrade",
    "w:captions", "w:readModeInkLockDown", "w:smartTagType", "sl:schemaLibrary",
    "w:shapeDefaults", "w:doNotEmbedSmartTags", "w:decimalSymbol", "w:listSeparator",
)
# Children of w:pPr that follow w:pBdr and w:shd (CT_PPrBase sequence).
_AFTER_SHADING = (
    "w:tabs", "w:suppressAutoHyphens", "w:kinsoku", "w:wordWrap", "w:overflowPunct",
    "w:topLinePunct", "w:autoSpaceDE", "w:autoSpaceDN", "w:bidi", "w:adjustRightInd",
    "w:snapToGrid", "w:spacing", "w:ind", "w:contextualSpacing", "w:mirrorIndents",
    "w:suppressOverlap", "w:jc", "w:textDirection", "w:textAlignment", "w:textboxTightWrap",
    "w:outlineLvl", "w:divId", "w:cnfStyle", "w:rPr", "w:sectPr", "w:pPrChange",
)
# Children of w:tcPr that follow w:shd (CT_TcPr sequence).
_AFTER_CELL_SHADING = (
    "w:noWrap", "w:tcMar", "w:textDirection", "w:tcFitText", "w:vAlign", "w:hideMark",
    "w:headers", "w:cellIns", "w:cellDel", "w:cellMerge", "w:tcPrChange",
)

# Steps: level 0 "1.", level 1 "1a" (the seed's 2a/2b/2c). Indents in twentieths of a point.
_STEP_LEVELS = (("decimal", "%1.", 425), ("lowerLetter", "%1%2", 851))


def _step_abstract_num(abstract_id: int) -> Any:
    levels = "".join(
        f'<w:lvl w:ilvl="{i}"><w:start w:val="1"/><w:numFmt w:val="{fmt}"/>'
        f'<w:lvlText w:val="{text}"/><w:lvlJc w:val="left"/>'
        f'<w:pPr><w:ind w:left="{left}" w:hanging="425"/></w:pPr></w:lvl>'
        for i, (fmt, text, left) in enumerate(_STEP_LEVELS)
    )
    return parse_xml(
        f'<w:abstractNum {nsdecls("w")} w:abstractNumId="{abstract_id}">'
        f'<w:nsid w:val="{0x52550000 + abstract_id:08X}"/>'
        f'<w:multiLevelType w:val="multilevel"/>{levels}</w:abstractNum>'
    )


def add_step_numbering(doc: DocxDocument) -> int:
    """Add the steps' two-level list definition to numbering.xml; return its abstractNumId."""
    numbering = doc.part.numbering_part.element
    ids = [int(a.get(qn("w:abstractNumId"))) for a in numbering.findall(qn("w:abstractNum"))]
    abstract_id = max(ids, default=-1) + 1
    element = _step_abstract_num(abstract_id)
    # Every w:abstractNum must precede every w:num.
    first_num = numbering.find(qn("w:num"))
    if first_num is not None:
        first_num.addprevious(element)
    else:
        numbering.append(element)
    return abstract_id


def new_list(doc: DocxDocument, abstract_id: int, start: int = 1) -> int:
    """A fresh list instance that starts at ``start`` (and at a); return its numId."""
    numbering = doc.part.numbering_part.element
    num = numbering.add_num(abstract_id)
    for level in range(len(_STEP_LEVELS)):
        num.add_lvlOverride(ilvl=level).add_startOverride(start if level == 0 else 1)
    return int(num.numId)


def set_numbering(paragraph: Paragraph, num_id: int, level: int) -> None:
    """Make ``paragraph`` an item of list ``num_id`` at ``level``."""
    num_pr = paragraph._p.get_or_add_pPr().get_or_add_numPr()
    num_pr.get_or_add_ilvl().val = level
    num_pr.get_or_add_numId().val = num_id


def add_field(paragraph: Paragraph, instruction: str, placeholder: str = "1") -> None:
    """A complex field (PAGE, NUMPAGES): begin, instruction, separate, cached result, end."""
    parts = (
        '<w:fldChar w:fldCharType="begin" w:dirty="true"/>',
        f'<w:instrText xml:space="preserve"> {instruction} </w:instrText>',
        '<w:fldChar w:fldCharType="separate"/>',
        f"<w:t>{placeholder}</w:t>",
        '<w:fldChar w:fldCharType="end"/>',
    )
    for part in parts:
        paragraph._p.append(parse_xml(f"<w:r {nsdecls('w')}>{part}</w:r>"))


def shade_paragraph(p_pr: Any, fill: str, border: str | None = None) -> None:
    """Background shading and an optional left rule on a paragraph or paragraph style pPr."""
    if border:
        p_bdr = parse_xml(
            f'<w:pBdr {nsdecls("w")}><w:left w:val="single" w:sz="18" w:space="6" '
            f'w:color="{border}"/></w:pBdr>'
        )
        p_pr.insert_element_before(p_bdr, "w:shd", *_AFTER_SHADING)
    shd = parse_xml(f'<w:shd {nsdecls("w")} w:val="clear" w:color="auto" w:fill="{fill}"/>')
    p_pr.insert_element_before(shd, *_AFTER_SHADING)


def shade_cell(cell: Any, fill: str) -> None:
    """Fill a table cell with the colour ``fill`` (hex RGB)."""
    tc_pr = cell._tc.get_or_add_tcPr()
    shd = parse_xml(f'<w:shd {nsdecls("w")} w:val="clear" w:color="auto" w:fill="{fill}"/>')
    tc_pr.insert_element_before(shd, *_AFTER_CELL_SHADING)


def set_update_fields(doc: DocxDocument) -> None:
    """Ask Word to refresh fields on open: python-docx cannot compute PAGE or NUMPAGES."""
    settings = doc.settings.element
    if settings.find(qn("w:updateFields")) is None:
        element = parse_xml(f'<w:updateFields {nsdecls("w")} w:val="true"/>')
        settings.insert_element_before(element, *_AFTER_UPDATE_FIELDS)


def set_language(doc: DocxDocument, lang: str) -> None:
    """Default proofing language in styles.xml and the theme font language in settings.xml."""
    r_pr = doc.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    lang_el = r_pr.find(qn("w:lang"))
    if lang_el is None:
        lang_el = r_pr.makeelement(qn("w:lang"), {})
        r_pr.append(lang_el)
    lang_el.set(qn("w:val"), lang)
    theme_lang = doc.settings.element.find(qn("w:themeFontLang"))
    if theme_lang is not None:
        theme_lang.set(qn("w:val"), lang)


def drop_thumbnail(doc: DocxDocument) -> None:
    """The template ships a python-docx logo as the preview picture; it is not ours."""
    rels = doc.part.package.rels
    for r_id in [r for r, rel in rels.items() if rel.reltype.endswith("/thumbnail")]:
        del rels[r_id]


def _zip_time(epoch: int) -> tuple[int, int, int, int, int, int]:
    # Zip dates start in 1980 and have two-second resolution.
    moment = dt.datetime.fromtimestamp(max(epoch, 315_532_800), dt.UTC)
    return (moment.year, moment.month, moment.day, moment.hour, moment.minute,
            moment.second // 2 * 2)


class _PartCollector:
    """Stands in for python-docx's zip writer: keeps each package item's bytes by name."""

    def __init__(self) -> None:
        self.items: dict[str, bytes] = {}

    def write(self, pack_uri: Any, blob: bytes) -> None:
        self.items[pack_uri.membername] = blob


def package_items(doc: DocxDocument) -> dict[str, bytes]:
    """The package's items (parts, relationships, content types) as ``doc.save`` writes them,
    without deflating them into a zip that reproducible_zip would only inflate again."""
    package = doc.part.package
    parts = package.parts
    for part in parts:
        part.before_marshal()
    collector = _PartCollector()
    writer: Any = PackageWriter  # its write() less the zip; python-docx is pinned in the locks
    writer._write_content_types_stream(collector, parts)
    writer._write_pkg_rels(collector, package.rels)
    writer._write_parts(collector, parts)
    return collector.items


def stored_zip(items: dict[str, bytes]) -> bytes:
    """Package items as an uncompressed zip: quick to open, for a package kept in memory."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as target:
        for name, data in items.items():
            target.writestr(name, data)
    return out.getvalue()


def reproducible_zip(data: bytes | dict[str, bytes], epoch: int) -> bytes:
    """Pack OOXML items (or re-pack a zip) with fixed dates, attributes and order: same input,
    same bytes."""
    if isinstance(data, dict):
        parts = data
    else:
        with zipfile.ZipFile(io.BytesIO(data)) as source:
            parts = {name: source.read(name) for name in source.namelist()}
    # [Content_Types].xml first, as Office writes it; the rest sorted.
    names = sorted(parts, key=lambda n: (n != "[Content_Types].xml", n))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for name in names:
            info = zipfile.ZipInfo(name, date_time=_zip_time(epoch))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 0
            info.external_attr = 0o644 << 16
            target.writestr(info, parts[name], compresslevel=9)
    return out.getvalue()


def check_package(data: bytes) -> list[str]:
    """Problems that make Word or LibreOffice offer a repair: bad XML, dangling numbering ids."""
    problems: list[str] = []
    trees: dict[str, Any] = {}
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        for name in package.namelist():
            if name.endswith((".xml", ".rels")):
                try:
                    trees[name] = ElementTree.fromstring(package.read(name))
                except ElementTree.ParseError as error:
                    problems.append(f"{name}: {error}")
    numbering = trees.get("word/numbering.xml")
    nums = {} if numbering is None else {
        n.get(qn("w:numId")): n.find(qn("w:abstractNumId")).get(qn("w:val"))
        for n in numbering.iter(qn("w:num"))
    }
    abstracts = set() if numbering is None else {
        a.get(qn("w:abstractNumId")) for a in numbering.iter(qn("w:abstractNum"))
    }
    for num_id, abstract_id in nums.items():
        if abstract_id not in abstracts:
            problems.append(f"numbering.xml: w:num {num_id} names missing abstractNum {abstract_id}")
    for name in ("word/document.xml", "word/styles.xml"):
        for ref in trees[name].iter(qn("w:numId")) if name in trees else ():
            value = ref.get(qn("w:val"))
            if value != "0" and value not in nums:
                problems.append(f"{name}: numId {value} has no w:num in numbering.xml")
    return problems


def memoize_style_ids(doc: DocxDocument) -> None:
    """Look each style name up once per document, not once per paragraph.

    python-docx resolves ``style="List Number"`` by searching styles.xml for the name and then
    for the type's default style, every time: that was half of a DOCX's CPU. Call this once the
    styles are all added; a style id never changes after that, so the document is the same.
    """
    part: Any = doc.part
    lookup = part.get_style_id
    styles: Any = doc.styles
    cache: dict[tuple[str, Any], str | None] = {}
    defaults: dict[Any, Any] = {}

    def by_name(name: str, style_type: Any) -> str | None:
        # python-docx's Styles._get_style_id_from_name, with each type's default style (a
        # scan of every style) found once.
        style = styles[name]
        if style.type != style_type:
            raise ValueError(f"assigned style is type {style.type}, need type {style_type}")
        if style_type not in defaults:
            defaults[style_type] = styles.default(style_type)
        return None if style == defaults[style_type] else str(style.style_id)

    def get_style_id(style_or_name: Any, style_type: Any) -> str | None:
        if not isinstance(style_or_name, str):
            result: str | None = lookup(style_or_name, style_type)
            return result
        key = (style_or_name, style_type)
        if key not in cache:
            cache[key] = by_name(style_or_name, style_type)
        return cache[key]

    part.get_style_id = get_style_id  # header and footer parts ask the document part too


_SPECIAL_RUN_CHARS = frozenset("\t\r\n")
_add_text_by_char = _RunContentAppender.add_text


def _add_text(self: Any, text: str) -> None:
    """python-docx's run text appender, with a fast path for text without tab or line break.

    python-docx feeds a run's text through a per-character state machine (a tab becomes
    <w:tab/>, a line break <w:br/>) even when there is neither: a fifth of a DOCX's CPU. Text
    with neither is one <w:t>, exactly what the state machine makes of it.
    """
    if _SPECIAL_RUN_CHARS.isdisjoint(text):
        if text:
            self._r.add_t(text)
        return
    _add_text_by_char(self, text)


_RunContentAppender.add_text = _add_text  # type: ignore[method-assign]  # pinned in the locks
