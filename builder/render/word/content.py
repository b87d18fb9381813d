"""DOCX blocks for the content real routines carry (issue 12): ingress, nested bullets, criteria
with their k-of-n rule, text after a list, sections empty in the source, contacts and related
documents. Values come from the shared document view, so the DOCX says what the PDF says."""

from __future__ import annotations

from collections.abc import Callable

from docx.document import Document as DocxDocument

from builder.model import Bullet, BulletItem, Document, Section
from builder.render.document_view import EMPTY_IN_SOURCE, contacts_view, criteria_rule
from builder.render.opening import not_stated_markdown
from builder.render.word.blocks import add_hyperlink, add_table
from builder.render.word.markdown import add_inline, add_markdown

BULLET_STYLES = ("List Bullet", "List Bullet 2", "List Bullet 3")


def add_bullets(doc: DocxDocument, bullets: list[BulletItem], depth: int = 0) -> None:
    """Bullets with their nested bullets, one Word list level per depth (at most three)."""
    for item in bullets:
        text = item.text if isinstance(item, Bullet) else item
        add_inline(doc.add_paragraph(style=BULLET_STYLES[min(depth, 2)]), text)
        if isinstance(item, Bullet):
            add_bullets(doc, item.bullets, depth + 1)


SHORT_LIST = 8  # points; as `ul.short` in templates/document.css


def add_section_body(doc: DocxDocument, section: Section) -> None:
    """What a section holds besides text and steps: the empty-in-source mark, bullets and
    criteria (the rule stated once: the source's sentence after the list, or ours before)."""
    if section.empty_in_source:
        doc.add_paragraph().add_run(EMPTY_IN_SOURCE).italic = True
    add_bullets(doc, section.bullets or [])
    criteria = section.criteria
    if criteria is None:
        return
    lead = criteria_rule(criteria)
    if lead:
        doc.add_paragraph().add_run(lead).bold = True
    if criteria.text and criteria.rule_leads:  # the source's rule introduces its list
        rule = doc.add_paragraph()
        add_inline(rule, criteria.text)
        rule.paragraph_format.keep_with_next = True
    items = []
    for item in criteria.items:
        items.append(doc.add_paragraph(style="List Bullet"))
        add_inline(items[-1], item)
    if len(items) <= SHORT_LIST:  # a short list stays on one page, as in the PDF
        for paragraph in items[:-1]:
            paragraph.paragraph_format.keep_with_next = True
    if criteria.text and not criteria.rule_leads:
        add_inline(doc.add_paragraph(), criteria.text)


def add_text_after(doc: DocxDocument, section: Section, new_list: Callable[[], int]) -> None:
    """The section's text after its list or steps (`text_efter`), then the parts the source
    leaves empty ("Telefon nattetid: Ej angivet"), as the PDF places them."""
    if section.text_after:
        add_markdown(doc, section.text_after, new_list)
    not_stated = not_stated_markdown(section.not_stated)
    if not_stated:
        add_markdown(doc, not_stated, new_list)


def add_contacts(doc: DocxDocument, document: Document) -> None:
    """Kontakter as a table: who, then how and when to reach them (as the PDF)."""
    view = contacts_view(document)
    if view is None:
        return
    doc.add_heading("Kontakter", level=1)
    rows = [["\n".join(cell) for cell in row] for row in view["rows"]]
    rest = (160 - 50) / max(1, len(view["headers"]) - 1)
    add_table(doc, view["headers"], rows, [50] + [rest] * (len(view["headers"]) - 1))


def add_related(doc: DocxDocument, document: Document) -> None:
    """Relaterade dokument by title, linked when they have a URL."""
    if not document.related_documents:
        return
    doc.add_heading("Relaterade dokument", level=1)
    for related in document.related_documents:
        paragraph = doc.add_paragraph(style="List Bullet")
        if related.url:
            add_hyperlink(paragraph, related.title, related.url)
        else:
            paragraph.add_run(related.title)
