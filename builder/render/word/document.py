"""A routine as a Word document: real styles, Word numbering, page fields, reproducible bytes."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from typing import Any

import docx
from docx.document import Document as DocxDocument
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor
from docx.text.paragraph import Paragraph

from builder.model import Alternative, Document, Samverkansrutin, Section, Step, stated
from builder.render import Artifact, RenderContext
from builder.render.document_view import (
    COPY_NOTICE,
    EXPIRED_BANNER,
    NOTE_PREFIXES,
    OWN_LABEL,
    approval_statement,
    head_view,
    issuer_text,
    status_view,
    step_view,
)
from builder.render.opening import preamble_markdown
from builder.render.printables.common import validity_text
from builder.render.word.blocks import (
    TEXT_WIDTH_MM,
    add_appendices,
    add_follow_up_box,
    add_glossary,
    add_metadata_table,
    add_revisions,
    add_team_table,
    set_widths,
)
from builder.render.word.content import (
    add_contacts,
    add_related,
    add_section_body,
    add_text_after,
)
from builder.render.word.flow import add_flow_map, flow_top_section
from builder.render.word.house_style import apply_house_style
from builder.render.word.markdown import add_inline, add_markdown, word_text
from builder.render.word.ooxml import (
    add_field,
    add_step_numbering,
    drop_thumbnail,
    memoize_style_ids,
    new_list,
    package_items,
    reproducible_zip,
    set_language,
    set_numbering,
    shade_paragraph,
    stored_zip,
)
from builder.text.wording import STATUS_LABELS

LANGUAGE = "sv-SE"
# The running header at 7 pt holds an 80-character title and "Version 1.0 · Fastställd" on
# one line of 160 mm; Verdana's average letter at 7 pt is ~1.45 mm (DejaVu Sans' a little less).
HEADER_PT = 7
HEADER_MM_PER_CHAR = 1.5
HEADER_RIGHT_MAX_MM = 50
MARK_COLOR = RGBColor(0xC0, 0x00, 0x00)
GREY = RGBColor(0x40, 0x40, 0x40)


@dataclass(frozen=True)
class _Out:
    """The Word document being built and the id of its step list definition."""

    doc: DocxDocument
    step_numbering: int

    def new_list(self, start: int = 1) -> int:
        return new_list(self.doc, self.step_numbering, start)


def render_docx(ctx: RenderContext) -> list[Artifact]:
    """Render one routine to ``<id>-v<version>.docx``."""
    document: Document = ctx.document
    doc, step_numbering = _new_document()
    memoize_style_ids(doc)
    out = _Out(doc, step_numbering)
    _add_header_footer(doc, ctx)
    _add_front(out, ctx)
    map_after = flow_top_section(document)  # issue 22: the map after the last steps
    for index, section in enumerate(document.sections):
        _add_section(out, section, level=1)
        if index == map_after:
            add_flow_map(doc, ctx)
    if isinstance(document, Samverkansrutin) and document.teams:
        add_team_table(doc, ctx, document)
    add_contacts(doc, document)
    add_glossary(doc, document)
    add_appendices(doc, ctx)
    add_related(doc, document)
    add_revisions(doc, document)
    _readable_measure(doc)
    _set_properties(doc, ctx)
    return [Artifact(f"{ctx.stem}.docx", reproducible_zip(package_items(doc), ctx.options.epoch))]


# Running text keeps the PDF's measure (templates/document.css): at most 135 mm of the 160 mm
# text width, about 75 characters a line at 10 pt (issue 26: 90–95 read badly). Headings,
# labels, tables and the map's picture keep the full width.
MEASURE_MM = 135
_MEASURED_STYLES = {None, "ListBullet", "ListBullet2", "ListNumber", "Alternativ", "Observera"}


def _readable_measure(doc: DocxDocument) -> None:
    """A right indent on every paragraph of running text in the body (not in tables)."""
    indent = Mm(TEXT_WIDTH_MM - MEASURE_MM)
    for paragraph in doc.paragraphs:
        p = paragraph._p
        style = p.pPr.find(qn("w:pStyle")) if p.pPr is not None else None
        if (style.get(qn("w:val")) if style is not None else None) not in _MEASURED_STYLES:
            continue
        if not p.xpath("./w:r/w:drawing"):
            paragraph.paragraph_format.right_indent = indent


_SKELETON: tuple[bytes, int] | None = None  # (package, step numbering id), once per process


def _new_document() -> tuple[DocxDocument, int]:
    """A document with the A4 page, the house styles and the step list definition, and the
    id of that definition.

    The set-up is the same for every routine and cost ~15 % of a DOCX: it is done once per
    process and kept as an uncompressed package that each document opens (as docx.Document()
    opens its default template), which saves the same bytes.
    """
    global _SKELETON
    if _SKELETON is None:
        doc = docx.Document()
        _set_up_page(doc)
        _add_styles(doc)
        step_numbering = add_step_numbering(doc)
        _SKELETON = (stored_zip(package_items(doc)), step_numbering)
    return docx.Document(io.BytesIO(_SKELETON[0])), _SKELETON[1]


def _set_up_page(doc: DocxDocument) -> None:
    """A4 with Swedish office margins; the template's default is US Letter."""
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.left_margin = section.right_margin = Mm(25)
    section.top_margin = section.bottom_margin = Mm(22)
    section.header_distance = section.footer_distance = Mm(10)


def _add_styles(doc: DocxDocument) -> None:
    """Named styles for what the routine marks out, so authors can restyle them in Word."""
    styles = doc.styles
    set_language(doc, LANGUAGE)
    apply_house_style(doc)
    drop_thumbnail(doc)
    for name in ("Header", "Footer"):
        tabs = styles[name].paragraph_format.tab_stops
        tabs.clear_all()
        tabs.add_tab_stop(Mm(160), WD_TAB_ALIGNMENT.RIGHT)
        styles[name].font.size = Pt(8.5)
    label = styles.add_style("Etikett", WD_STYLE_TYPE.PARAGRAPH)
    label.base_style = styles["Normal"]
    label.font.italic, label.font.size, label.font.color.rgb = True, Pt(8.5), GREY
    label.paragraph_format.space_after = Pt(0)
    value = styles.add_style("Metadatavärde", WD_STYLE_TYPE.PARAGRAPH)
    value.style_id = "Metadatavarde"  # Word itself writes ASCII style ids
    value.base_style = styles["Normal"]
    value.paragraph_format.space_after = Pt(2)
    note = styles.add_style("Observera", WD_STYLE_TYPE.PARAGRAPH)
    note.base_style = styles["Normal"]
    note.font.italic = True
    note.paragraph_format.space_before = Pt(6)
    shade_paragraph(note.element.get_or_add_pPr(), "FFF4CE", border="E0A800")
    # Who and when at body size, as the PDF ("the point of a routine, not a grey footnote").
    styles.add_style("Stegdetalj", WD_STYLE_TYPE.CHARACTER)
    alternative = styles.add_style("Alternativ", WD_STYLE_TYPE.PARAGRAPH)
    alternative.base_style = styles["Normal"]
    alternative.paragraph_format.left_indent = Mm(15)
    alternative.paragraph_format.first_line_indent = Mm(-7.5)
    alternative.paragraph_format.tab_stops.add_tab_stop(Mm(15))
    alternative.paragraph_format.space_after = Pt(3)
    link = styles.add_style("Hyperlink", WD_STYLE_TYPE.CHARACTER)
    link.font.underline, link.font.color.rgb = True, RGBColor(0x1F, 0x4E, 0x99)


def header_marks(ctx: RenderContext) -> list[str]:
    """What every page carries in red: draft or repealed (the PDF's watermark), expired."""
    status = status_view(ctx)
    marks = [status["watermark"]] if status["watermark"] else []
    return marks + ([EXPIRED_BANNER] if status["expired"] else [])


def _add_header_footer(doc: DocxDocument, ctx: RenderContext) -> None:
    document, section = ctx.document, doc.sections[0]
    # Title and version side by side in a two-column table: a long title wraps in its own
    # cell and never pushes "Version 1.0 · Fastställd" under it (a right tab did).
    status = STATUS_LABELS[document.status]
    right = f"Version {document.version} · {status}"
    right_mm = min(HEADER_RIGHT_MAX_MM, 3 + len(right) * HEADER_MM_PER_CHAR)
    table = section.header.add_table(1, 2, Mm(TEXT_WIDTH_MM))
    set_widths(table, (TEXT_WIDTH_MM - right_mm, right_mm))
    for cell, text in zip(table.rows[0].cells, (document.title, right), strict=True):
        paragraph = cell.paragraphs[0]
        paragraph.style = "Header"
        run = paragraph.add_run(text)
        run.font.color.rgb, run.font.size = GREY, Pt(HEADER_PT)
    table.rows[0].cells[1].paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
    header = section.header.paragraphs[0]
    header._p.addprevious(table._tbl)  # the table first; the paragraph after it stays
    marks = header_marks(ctx)
    # A header ends with a paragraph (after its table): the first mark, or an empty 2 pt line.
    if not marks:
        header.paragraph_format.space_after = Pt(0)
        header.paragraph_format.line_spacing = Pt(2)
        header.add_run().font.size = Pt(2)
    for index, mark in enumerate(marks):
        paragraph = header if index == 0 else section.header.add_paragraph(style="Header")
        run = paragraph.add_run(mark)
        run.bold, run.font.size, run.font.color.rgb = True, Pt(12), MARK_COLOR
    footer = section.footer.paragraphs[0]
    validity = f" · {validity_text(document)}"
    footer.add_run(f"Version {document.version}{validity if document.valid_from_stated else ''}\tSida ")
    add_field(footer, "PAGE")
    footer.add_run(" av ")
    add_field(footer, "NUMPAGES")
    section.footer.add_paragraph(style="Footer").add_run(COPY_NOTICE).italic = True


def _add_front(out: _Out, ctx: RenderContext) -> None:
    """Metadata block, title, status banners and follow-up box: what page 1 opens with."""
    document, doc = ctx.document, out.doc
    # The issuing organisation on every document, first, as the PDF's masthead.
    organisation = issuer_text(document, ctx.library.organisation.name
                               if ctx.library.organisation else None)
    if organisation:
        doc.add_paragraph().add_run(organisation).bold = True
    add_metadata_table(doc, ctx)
    statement = approval_statement(ctx)
    paragraph = doc.add_paragraph(style="Etikett")
    paragraph.add_run("Godkännande: ").bold = True
    paragraph.add_run(statement)
    for banner in status_view(ctx)["banners"]:  # above the title, as in the PDF
        run = doc.add_paragraph().add_run(banner)
        run.bold, run.font.color.rgb = True, MARK_COLOR
    doc.add_paragraph(word_text(document.title), style="Title")
    if document.follow_up is not None:
        add_follow_up_box(doc, document.follow_up)
    preamble = preamble_markdown(document)
    if preamble:
        add_markdown(doc, preamble, out.new_list)


def _add_section(out: _Out, section: Section, level: int) -> None:
    out.doc.add_heading(section.heading, level=min(level, 3))
    if section.text:
        add_markdown(out.doc, section.text, out.new_list)
    add_section_body(out.doc, section)
    if section.steps:
        _add_steps(out, section.steps)
    add_text_after(out.doc, section, out.new_list)
    if section.note:
        _add_note(out.doc, section.note)
    for subsection in section.subsections or []:
        _add_section(out, subsection, level + 1)


def _detail(who: dict[str, Any]) -> str:
    """"Ansvarig: … · När: …" as the document view gives it to the PDF (one wording)."""
    parts = []
    if who.get("responsible"):
        parts.append(f"Ansvarig: {who['responsible']}")
    if who.get("when"):
        parts.append(f"{who['when_label']} {who['when']}" if who.get("when_label")
                     else str(who["when"]))
    return " · ".join(parts)


def _add_detail(paragraph: Paragraph, text: str) -> None:
    """Who and when, on its own line inside the step so it keeps the step's indent."""
    if not text:
        return
    if paragraph.text:
        paragraph.add_run().add_break()
    paragraph.add_run(text, style="Stegdetalj")


def _add_steps(out: _Out, steps: list[Step]) -> None:
    """Numbered steps with Word numbering; alternatives as 2a, 2b, 2c on level 1, each with
    its own owner, as the PDF shows them (builder.render.document_view.step_view)."""
    num_id = out.new_list()
    for number, step in enumerate(steps, start=1):
        view = step_view(number, step)
        if step.text:
            paragraph = out.doc.add_paragraph(style="List Number")
            set_numbering(paragraph, num_id, 0)
            add_inline(paragraph, step.text)
        elif number < len(steps):
            # A step made only of alternatives has no line of its own (an empty "2." that
            # mammoth and screen readers drop): the list resumes at the next number after it.
            num_id = out.new_list(start=number + 1)
        for alternative, alt_view in zip(step.alternatives or [], view["alternatives"], strict=True):
            _add_alternative(out, alt_view["label"], alternative, alt_view)
        if step.alternatives:
            # The step's own who/when follows its alternatives, as in the PDF.
            detail = _detail(view)
            if detail:
                _add_detail(out.doc.add_paragraph(style="List Continue"), detail)
        else:
            _add_detail(paragraph, _detail(view))


def _add_alternative(out: _Out, label: str, alternative: Alternative,
                     view: dict[str, Any]) -> None:
    """"2a", "2b" … written out, as the PDF and the checklist label them, on a hanging indent
    (Word's own numbering would need the step's empty "2." line to count from)."""
    paragraph = out.doc.add_paragraph(style="Alternativ")
    paragraph.add_run(f"{label}\t")
    if alternative.condition:
        add_inline(paragraph, alternative.condition)
        for run in paragraph.runs[1:]:
            run.italic = True
        paragraph.add_run(" → ")
    add_inline(paragraph, alternative.text)
    _add_detail(paragraph, _detail(view))


def _add_note(doc: DocxDocument, note: str) -> None:
    """A note set apart (the seed's "Observera att …"), shaded with a rule on the left."""
    paragraph = doc.add_paragraph(style="Observera")
    # A note with a label of its own ("Utkast: …") gets no second one ("Observera: Utkast:").
    if not note.lstrip().lower().startswith(NOTE_PREFIXES) and not OWN_LABEL.match(note):
        paragraph.add_run("Observera: ").bold = True
    add_inline(paragraph, note)


def _set_properties(doc: DocxDocument, ctx: RenderContext) -> None:
    """Core properties as the PDF's metadata, dated from SOURCE_DATE_EPOCH (same bytes)."""
    document, head, props = ctx.document, head_view(ctx), doc.core_properties
    moment = dt.datetime.fromtimestamp(ctx.options.epoch, dt.UTC).replace(tzinfo=None)
    kind = "samverkansrutin" if isinstance(document, Samverkansrutin) else "arbetsrutin"
    props.title = document.title
    # "Ej angivet" is not an author: core properties carry stated values only.
    props.author = props.last_modified_by = stated(document.prepared_by) or ""
    props.subject = head["description"]
    props.keywords = head["keywords"]
    props.category = stated(document.document_type) or ""
    props.content_status = document.status
    props.identifier = document.id
    props.comments = f"{kind} {document.id}, version {document.version}"
    props.version = document.version
    props.revision = max(len(document.revisions), 1)
    props.language = LANGUAGE
    props.created = props.modified = moment
