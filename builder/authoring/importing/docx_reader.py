"""Read a Word file: mammoth turns the body into HTML (Word numbering as real lists, heading
styles as headings), python-docx lists the running headers and footers that are dropped."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import mammoth  # type: ignore[import-untyped]
from docx import Document as open_docx

from builder.authoring.importing.blocks import Dropped, ReadResult
from builder.authoring.importing.html_reader import read_html

# Word styles that carry meaning beyond mammoth's defaults (headings, Word numbering).
STYLE_MAP = """
p[style-name='Title'] => h1.title:fresh
p[style-name='Rubrik'] => h1.title:fresh
p[style-name='Subtitle'] => p:fresh
p[style-name='Observera'] => aside.note > p:fresh
p[style-name='List Number 2'] => ol|ul > li > ol > li:fresh
p[style-name='List Number 3'] => ol|ul > li > ol|ul > li > ol > li:fresh
p[style-name='List Bullet 2'] => ul|ol > li > ul > li:fresh
p[style-name='List Bullet 3'] => ul|ol > li > ul|ol > li > ul > li:fresh
p[style-name^='TOC'] => p.toc:fresh
p[style-name^='toc'] => p.toc:fresh
p[style-name^='Innehåll'] => p.toc:fresh
p[style-name='TOC Heading'] => p.toc:fresh
p[style-name='Header'] =>
p[style-name='Footer'] =>
"""


def _image_placeholder(image: Any) -> dict[str, str]:
    # Images are listed in the report, never embedded or fetched: an empty src, alt kept.
    return {"src": "", "alt": image.alt_text or f"bild ({image.content_type})"}


def read_docx(path: Path) -> ReadResult:
    """Blocks of the Word body (paragraph numbers count the body's paragraphs)."""
    with path.open("rb") as handle:
        result = mammoth.convert_to_html(
            handle, style_map=STYLE_MAP, ignore_empty_paragraphs=False,
            convert_image=mammoth.images.img_element(_image_placeholder))
    read = read_html(f"<html><body>{result.value}</body></html>")
    read.page_title = read.page_title_full = None
    read.dropped.extend(_running_texts(path))
    return read


def _running_texts(path: Path) -> list[Dropped]:
    """Running headers and footers: page chrome, reported as dropped."""
    found: list[Dropped] = []
    seen: set[tuple[str, str]] = set()
    document = open_docx(str(path))
    for number, section in enumerate(document.sections, start=1):
        for part, label in ((section.header, "sidhuvud"), (section.footer, "sidfot")):
            if part.is_linked_to_previous and number > 1:
                continue
            text = " ".join(p.text.strip() for p in part.paragraphs if p.text.strip())
            if text and (label, text) not in seen:
                seen.add((label, text))
                found.append(Dropped(f"{label} (löpande)", text, f"avsnitt {number}, {label}"))
    return found
