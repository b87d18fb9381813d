"""Routine text as Markdown (markdown-it-py, raw HTML off) and the checks that need its tokens."""

from __future__ import annotations

import re
from functools import lru_cache

from markdown_it import MarkdownIt
from markupsafe import Markup

from builder.typography import keep_together_html, swedish_quotes

# The pattern authors use for abbreviations: NSVT, SAMSA, SIP, MALT (rule R405).
ABBREVIATION = re.compile(r"(?<![\w-])[A-ZÅÄÖ]{2,}(?![\w-])")
# Words that look like abbreviations but are ordinary Swedish in capitals.
NOT_ABBREVIATIONS = frozenset({"OBS", "OCH", "ELLER", "EJ", "ID"})


@lru_cache(maxsize=1)
def _renderer() -> MarkdownIt:
    # html=False: raw HTML in routine text is shown as text, never passed to the PDF engine.
    return MarkdownIt("commonmark", {"html": False, "typographer": False})


@lru_cache(maxsize=1)
def _detector() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": True})


def render_markdown(text: str) -> Markup:
    """Markdown to safe HTML, with Swedish typography (builder.typography)."""
    return keep_together_html(_renderer().render(swedish_quotes(text)))


def render_inline(text: str) -> Markup:
    """Markdown for a single line (no surrounding paragraph), with Swedish typography."""
    return keep_together_html(_renderer().renderInline(swedish_quotes(text)))


def find_raw_html(text: str) -> str | None:
    """The first raw HTML fragment in ``text``, if any (rule R106)."""
    if "<" not in text:  # no tag without '<': skips markdown-it for almost every string
        return None
    for token in _detector().parse(text):
        if token.type == "html_block":
            return token.content.strip()
        for child in token.children or []:
            if child.type == "html_inline":
                return child.content
    return None


def abbreviations(text: str) -> set[str]:
    """Words in ``text`` that look like abbreviations (two or more capitals)."""
    return {m for m in ABBREVIATION.findall(text) if m not in NOT_ABBREVIATIONS}
