"""The ingress and a section's parts left empty, as every output shows them (issue 23).

The ingress blocks (paragraphs, bullet and numbered lists, parts the source leaves empty)
become one Markdown text that the PDF/HTML renderer (markdown-it) and the DOCX renderer
(builder.render.word.markdown: Word's list styles and numbering) turn into real lists, so both
show the same lists from one path. A part left empty reads "Telefon nattetid: Ej angivet".
"""

from __future__ import annotations

import re

from builder.derived import NOT_STATED
from builder.model import Bullet, BulletItem, Document, PreambleBlock, not_stated_labels

# A list item's text must not open a block of its own ("1. …" inside "- …" is a nested list).
_BLOCK_START = re.compile(r"^(\d{1,9})([.)])(?=\s|$)|^([#>+*-])(?=\s|$)")
_SPECIAL = re.compile(r"([\\`*_\[\]<>#])")


def not_stated_line(label: str | None) -> str:
    """One part the source leaves empty, in words: "Telefon nattetid: Ej angivet"."""
    if label is None:
        return NOT_STATED
    return f"{label.strip().rstrip(':').rstrip()}: {NOT_STATED}"


def not_stated_markdown(parts: list[str] | bool | None) -> str | None:
    """The parts as Markdown paragraphs, each label in bold; None when there are none."""
    lines = []
    for label in not_stated_labels(parts):
        if label is None:
            lines.append(f"*{NOT_STATED}*")
        else:
            name = _SPECIAL.sub(r"\\\1", label.strip().rstrip(":").rstrip())
            lines.append(f"**{name}:** *{NOT_STATED}*")
    return "\n\n".join(lines) or None


def _item_text(text: str, indent: int) -> str:
    """An item's text on its marker's line; later lines indented under it."""
    escaped = _BLOCK_START.sub(lambda m: f"{m[1]}\\{m[2]}" if m[1] else f"\\{m[3]}",
                               text.strip(), count=1)
    return escaped.replace("\n", "\n" + " " * indent)


def _list_lines(items: list[BulletItem], marker: str, depth: int = 0) -> list[str]:
    lines = []
    pad = " " * depth
    for item in items:
        text = item.text if isinstance(item, Bullet) else item
        lines.append(f"{pad}{marker} {_item_text(text, depth + len(marker) + 1)}")
        if isinstance(item, Bullet) and item.bullets:  # `punkter` under an item: bullets
            lines += _list_lines(item.bullets, "-", depth + len(marker) + 1)
    return lines


def blocks_markdown(blocks: list[PreambleBlock]) -> str | None:
    """Blocks as Markdown in their order; two lists in a row keep apart (CommonMark starts a
    new list when the bullet character or the number's delimiter changes)."""
    parts: list[str] = []
    bullet, number = "-", "1."
    for block in blocks:
        if block.text is not None:
            parts.append(block.text.strip())
        elif block.bullets is not None:
            parts.append("\n".join(_list_lines(block.bullets, bullet)))
            bullet = "*" if bullet == "-" else "-"
        elif block.numbered is not None:
            parts.append("\n".join(_list_lines(block.numbered, number)))
            number = "1)" if number == "1." else "1."
        else:
            parts.append(not_stated_markdown(block.not_stated) or "")
    text = "\n\n".join(p for p in parts if p)
    return text or None


def preamble_markdown(document: Document) -> str | None:
    """The document's ingress as Markdown (hand-written Markdown stays as written)."""
    return blocks_markdown(document.preamble_blocks)
