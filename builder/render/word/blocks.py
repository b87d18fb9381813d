"""The DOCX blocks outside the body text: metadata header, follow-up box, tables, Bilagor."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from xml.sax.saxutils import escape

from docx.document import Document as DocxDocument
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls
from docx.shared import Mm, Pt, RGBColor
from docx.text.paragraph import Paragraph

from builder.model import Arbetsrutin, Document, FollowUp, Samverkansrutin, shown
from builder.render import RenderContext
from builder.render.document_view import (
    EXAMPLE_MARK,
    MISSING,
    metadata_rows,
    pdf_link,
    revision_view,
    team_routine_title,
    team_rows,
)
from builder.render.word.house_style import TABLE_STYLE
from builder.render.word.markdown import word_text
from builder.render.word.ooxml import shade_cell
from builder.text.dates import format_date_sv
from builder.text.wording import STATUS_LABELS

HEAD_FILL = "DCE6F2"
BOX_FILL = "EEF3F9"
EXAMPLE_COLOR = RGBColor(0x9C, 0x00, 0x06)
TEXT_WIDTH_MM = 160


def set_widths(table: Any, widths_mm: Sequence[float]) -> None:
    """Column widths in mm, for Word (cells) and LibreOffice (grid)."""
    # LibreOffice lays tables out by the grid (w:gridCol), Word by the cells (w:tcW): set both.
    table.autofit = False
    for column, width in zip(table.columns, widths_mm, strict=False):
        column.width = Mm(width)
    for row in table.rows:
        for cell, width in zip(row.cells, widths_mm, strict=False):
            cell.width = Mm(width)


def _repeat_header(row: Any) -> None:
    # Header rows repeat on each page and tell screen readers which row names the columns.
    row._tr.get_or_add_trPr().append(parse_xml(f'<w:tblHeader {nsdecls("w")}/>'))


def add_table(doc: DocxDocument, headers: Sequence[str], rows: Sequence[Sequence[str]],
              widths_mm: Sequence[float]) -> Any:
    """A grid table with a shaded, repeating header row."""
    table = doc.add_table(rows=1, cols=len(headers), style=TABLE_STYLE)
    for cell, header in zip(table.rows[0].cells, headers, strict=True):
        cell.paragraphs[0].add_run(header).bold = True
        shade_cell(cell, HEAD_FILL)
    _repeat_header(table.rows[0])
    for values in rows:
        for cell, value in zip(table.add_row().cells, values, strict=False):
            cell.paragraphs[0].add_run(word_text(value))
    set_widths(table, widths_mm)
    return table


def add_metadata_table(doc: DocxDocument, ctx: RenderContext) -> None:
    """Two columns of label-over-value cells, as in the seed's header block (rows as the PDF's)."""
    fields = [(row["label"], row["value"]) for row in metadata_rows(ctx)]
    if len(fields) % 2:
        fields.append(("", ""))
    table = doc.add_table(rows=len(fields) // 2, cols=2, style=TABLE_STYLE)
    for index, (label, value) in enumerate(fields):
        cell = table.cell(index // 2, index % 2)
        cell.paragraphs[0].style = "Etikett"
        cell.paragraphs[0].add_run(label)
        cell.add_paragraph(word_text(value), style="Metadatavärde")
    set_widths(table, (TEXT_WIDTH_MM / 2, TEXT_WIDTH_MM / 2))


def add_follow_up_box(doc: DocxDocument, follow_up: FollowUp, team: str | None = None) -> None:
    # The heading is the PDF's ("Uppföljning"); ``team`` is kept for callers that name it.
    """Ansvarig, hur and när for follow-up, shaded and headed, near the top (rule R201)."""
    table = doc.add_table(rows=4, cols=2, style=TABLE_STYLE)
    set_widths(table, (35, TEXT_WIDTH_MM - 35))
    head = table.cell(0, 0).merge(table.cell(0, 1))
    title = head.paragraphs[0].add_run(f"Uppföljning – {team}" if team else "Uppföljning")
    title.bold, title.font.size = True, Pt(13)
    if follow_up.example:
        run = head.add_paragraph().add_run(EXAMPLE_MARK)
        run.bold, run.font.color.rgb = True, EXAMPLE_COLOR
    shade_cell(head, HEAD_FILL)
    values = (("Ansvarig", follow_up.responsible), ("Hur", follow_up.how),
              ("När", follow_up.when))
    for row, (label, value) in zip(table.rows[1:], values, strict=False):
        label_cell, value_cell = row.cells
        label_cell.paragraphs[0].add_run(label).bold = True
        value_cell.paragraphs[0].add_run(word_text(shown(value)) if value else MISSING)
        shade_cell(label_cell, BOX_FILL)
        shade_cell(value_cell, BOX_FILL)


def team_routines(ctx: RenderContext, sam: Samverkansrutin) -> dict[str, Arbetsrutin]:
    """The library's arbetsrutiner under this samverkansrutin, by team id."""
    found: dict[str, Arbetsrutin] = {}
    for routine in ctx.library.arbetsrutiner:
        doc = routine.document
        if isinstance(doc, Arbetsrutin) and doc.parent == sam.id:
            found.setdefault(doc.team, doc)
    return found


def add_team_table(doc: DocxDocument, ctx: RenderContext, sam: Samverkansrutin) -> None:
    """The PDF's "Team som omfattas" table, from the same view rows (team, förkortning, utgår
    från); each team's arbetsrutin is listed under Bilagor, as in the PDF."""
    rows = [(t["name"] + (f" ({t['own_routine'].lower()})" if t["own_routine"] else ""),
             t["abbreviation"], t["based_at"]) for t in team_rows(ctx)]
    doc.add_heading("Team som omfattas", level=1)
    # Widths leave every header word whole at 9 pt ("Förkortning" broke at 25 mm, 11 pt).
    add_table(doc, ("Team", "Förkortning", "Utgår från"), rows, (70, 35, 55))


def add_hyperlink(paragraph: Paragraph, text: str, target: str) -> None:
    """A relative link to another output file; Word and LibreOffice open it beside this one."""
    r_id = paragraph.part.relate_to(target, RT.HYPERLINK, is_external=True)
    paragraph._p.append(parse_xml(
        f'<w:hyperlink {nsdecls("w", "r")} r:id="{r_id}"><w:r><w:rPr>'
        f'<w:rStyle w:val="Hyperlink"/></w:rPr><w:t xml:space="preserve">{escape(text)}</w:t>'
        f"</w:r></w:hyperlink>"
    ))


def docx_link(document: Document, publication_url: str | None = None) -> str:
    """Link to another document's stable page, which always links its current version, as
    the PDF's Bilaga links do: absolute under `publicerings_url`, else relative
    (output/<group>/<document-id>/index.html)."""
    return pdf_link(document, publication_url)


def _detail(document: Document | None) -> str:
    if document is None:
        return "arbetsrutinen saknas ännu"
    return f"version {document.version}, {STATUS_LABELS[document.status].lower()}"


def _published(ctx: RenderContext) -> str | None:
    organisation = ctx.library.organisation
    return organisation.publication_url if organisation is not None else None


def appendix_entries(ctx: RenderContext) -> list[tuple[str, str | None]]:
    """Bilagor as the PDF lists them: team arbetsrutiner or the parent, then attached files."""
    document = ctx.document
    entries: list[tuple[str, str | None]] = []
    if isinstance(document, Samverkansrutin):
        routines = team_routines(ctx, document)
        for team in document.teams:
            routine = routines.get(team.id)
            title = (team_routine_title(team, routine) if team.routine_title is not None
                     else routine.title if routine else None)
            if title is not None:
                link = docx_link(routine, _published(ctx)) if routine else None
                entries.append((f"{title} ({_detail(routine)})", link))
    elif isinstance(document, Arbetsrutin):
        parent = ctx.library.by_id(document.parent)
        if parent is not None:
            text = f"Samverkansrutin: {parent.document.title} ({_detail(parent.document)})"
            entries.append((text, docx_link(parent.document, _published(ctx))))
    entries.extend((f"{a.title} (fil: {a.file})", None) for a in document.attachments)
    return entries


def add_appendices(doc: DocxDocument, ctx: RenderContext) -> None:
    """Bilagor as the PDF lists them (document view rows), each linked to its DOCX."""
    entries = appendix_entries(ctx)
    if not entries:
        return
    doc.add_heading("Bilagor", level=1)
    for number, (text, link) in enumerate(entries, start=1):
        paragraph = doc.add_paragraph(f"{number}. ")
        if link:
            add_hyperlink(paragraph, text, link)
        else:
            paragraph.add_run(text)


def add_glossary(doc: DocxDocument, document: Document) -> None:
    """Term and meaning side by side, as the PDF's list (no header row)."""
    if not document.glossary:
        return
    doc.add_heading("Begrepp och förkortningar", level=1)
    table = doc.add_table(rows=0, cols=2, style=TABLE_STYLE)
    for term, meaning in document.glossary.items():
        term_cell, meaning_cell = table.add_row().cells
        term_cell.paragraphs[0].add_run(term).bold = True
        meaning_cell.paragraphs[0].add_run(word_text(meaning))
    set_widths(table, (40, 120))


def add_revisions(doc: DocxDocument, document: Document) -> None:
    """The newest change in a sentence, older ones in a table, as the PDF."""
    if not document.revisions:
        return
    view = revision_view(document)
    assert view is not None
    doc.add_heading(view["heading"], level=1)
    newest, *older = document.revisions
    paragraph = doc.add_paragraph()
    paragraph.add_run(f"Version {newest.version}, {format_date_sv(newest.date)}:").bold = True
    paragraph.add_run(f" {word_text(newest.description)}")
    if older:
        doc.add_paragraph("Tidigare versioner", style="Etikett")
        rows = [(r.version, format_date_sv(r.date), word_text(r.description)) for r in older]
        add_table(doc, ("Version", "Datum", "Ändring"), rows, (20, 35, 105))
