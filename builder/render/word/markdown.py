"""Routine Markdown (markdown-it-py tokens, raw HTML off) as Word paragraphs and runs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from docx.shared import Pt
from docx.text.paragraph import Paragraph
from markdown_it import MarkdownIt
from markdown_it.token import Token

from builder.render.word.ooxml import set_numbering
from builder.text.typography import keep_together_text, swedish_quotes

CODE_FONT = "Consolas"


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    # html=False: raw HTML in routine text stays visible text, as in the PDF (rule R106).
    return MarkdownIt("commonmark", {"html": False, "typographer": False})


def word_text(text: str) -> str:
    """Routine text with the typography every output shares (builder.text.typography)."""
    return keep_together_text(swedish_quotes(text))


def add_inline(paragraph: Paragraph, text: str) -> None:
    """One line of Markdown (bold, italic, code, links) as runs appended to ``paragraph``."""
    for token in _parser().parseInline(word_text(text)):
        add_runs(paragraph, token.children or [])


# One flat case per Markdown token kind: long, but not tangled.
def add_runs(paragraph: Paragraph, children: list[Token]) -> None:  # noqa: C901
    """Inline Markdown tokens as runs: bold, italic, code, links with their address."""
    bold = italic = False
    href: str | None = None
    link_text = ""
    for child in children:
        kind = child.type
        if kind in ("strong_open", "strong_close"):
            bold = kind == "strong_open"
        elif kind in ("em_open", "em_close"):
            italic = kind == "em_open"
        elif kind == "link_open":
            href, link_text = str(child.attrs.get("href", "")), ""
        elif kind == "link_close":
            if href and href != link_text:
                paragraph.add_run(f" ({href})")
            href = None
        elif kind in ("softbreak",):
            paragraph.add_run(" ")
        elif kind == "hardbreak":
            paragraph.add_run().add_break()
        elif kind == "image":
            # Never fetched (the guide's url_fetcher rule); the alt text stands in.
            paragraph.add_run(f"[bild: {child.content}]").italic = True
        elif kind in ("text", "code_inline", "html_inline"):
            run = paragraph.add_run(child.content)
            run.bold, run.italic = bold or None, italic or None
            if kind == "code_inline":
                run.font.name = CODE_FONT
            if href is not None:
                link_text += child.content
                run.underline = True


@dataclass
class _State:
    container: Any
    new_list: Callable[[], int]
    lists: list[tuple[str, int | None]] = field(default_factory=list)
    first_in_item: bool = False
    heading: bool = False
    quote: int = 0

    def style(self) -> str:
        if self.heading:
            return "Heading 3"
        if self.quote:
            return "Quote"
        if not self.lists:
            return "Normal"
        depth = min(len(self.lists), 3)
        suffix = "" if depth == 1 else f" {depth}"
        if not self.first_in_item:
            return f"List Continue{suffix}"
        kind = self.lists[-1][0]
        return f"List Bullet{suffix}" if kind == "bullet" else f"List Number{suffix}"


def _open_list(state: _State, token: Token) -> None:
    if token.type == "bullet_list_open":
        state.lists.append(("bullet", None))
    else:
        state.lists.append(("ordered", state.new_list()))


def _add_paragraph(state: _State, token: Token) -> None:
    paragraph = state.container.add_paragraph(style=state.style())
    if state.lists and state.first_in_item and state.lists[-1][1] is not None:
        set_numbering(paragraph, state.lists[-1][1] or 0, min(len(state.lists), 2) - 1)
    add_runs(paragraph, token.children or [])
    state.first_in_item = False


def _add_code(state: _State, token: Token) -> None:
    paragraph = state.container.add_paragraph(style="Normal")
    for number, line in enumerate(token.content.rstrip("\n").split("\n")):
        if number:
            paragraph.add_run().add_break()
        run = paragraph.add_run(line)
        run.font.name, run.font.size = CODE_FONT, Pt(9)


def add_markdown(container: Any, text: str, new_list: Callable[[], int]) -> None:
    """Block Markdown into ``container`` (a Document or table cell).

    ``new_list`` returns a fresh numbering instance for each ordered list, so that every
    list starts again at 1 with real Word numbering.
    """
    state = _State(container, new_list)
    for token in _parser().parse(word_text(text)):
        kind = token.type
        if kind in ("bullet_list_open", "ordered_list_open"):
            _open_list(state, token)
        elif kind in ("bullet_list_close", "ordered_list_close"):
            state.lists.pop()
        elif kind == "list_item_open":
            state.first_in_item = True
        elif kind in ("heading_open", "heading_close"):
            state.heading = kind == "heading_open"
        elif kind in ("blockquote_open", "blockquote_close"):
            state.quote += 1 if kind == "blockquote_open" else -1
        elif kind == "inline":
            _add_paragraph(state, token)
        elif kind in ("fence", "code_block"):
            _add_code(state, token)
