"""HTML → PDF with WeasyPrint: one safe, archival, reproducible entry point for every PDF.

Every PDF the project makes goes through :func:`html_to_pdf` so that the same guarantees hold
for documents, checklists, pocket cards and review packets: PDF/A-3a (archival, tagged for
accessibility), a URL fetcher that serves only project files, captured WeasyPrint warnings, and
byte-identical output for the same input.
"""

from __future__ import annotations

import logging
import mimetypes
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import weasyprint  # type: ignore[import-untyped]
from weasyprint.text.fonts import FontConfiguration  # type: ignore[import-untyped]
from weasyprint.urls import URLFetcher, URLFetcherResponse  # type: ignore[import-untyped]

from builder.paths import TEMPLATES_DIR
from builder.render.flow.svgtext import install as draw_svg_lines_at_once
from builder.render.pdf_archival import finalize_pdf

# Every process that draws PDFs lays plain SVG text lines out at once (the map's ~50 lines, the
# draft watermark): a PDF's bytes never depend on what the process drew before it.
draw_svg_lines_at_once()

MAX_DATA_URL = 200_000  # small inline images (QR codes) only


class RefusedURL(ValueError):
    """A URL the safe fetcher refused to fetch."""


class SafeFetcher(URLFetcher):  # type: ignore[misc]
    """Serves files under the allowed roots and small data: images; refuses everything else.

    Routine text is rendered with raw HTML off, but templates and CSS could still name a URL:
    nothing is ever fetched from the network or from outside the project.
    """

    def __init__(self, roots: tuple[Path, ...]) -> None:
        super().__init__(allowed_protocols={"file", "data"})
        self.roots = tuple(r.resolve() for r in roots)
        self.refused: list[str] = []

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        """The file or data URL's content; anything else is refused and recorded."""
        if url.startswith("data:image/") and len(url) <= MAX_DATA_URL:
            return super().fetch(url, headers)
        if url.startswith("file:"):
            path = Path(unquote(urlparse(url).path)).resolve()
            if any(path.is_relative_to(root) for root in self.roots) and path.is_file():
                mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": mime})
        self.refused.append(url)
        raise RefusedURL(f"refused to fetch {url[:80]}")


class _Collector(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@contextmanager
def collect_warnings() -> Iterator[list[str]]:
    """WeasyPrint's logged warnings during the block, for callers that lay out by hand."""
    logger = logging.getLogger("weasyprint")
    collector = _Collector()
    logger.addHandler(collector)
    try:
        yield collector.messages
    finally:
        logger.removeHandler(collector)


@dataclass(frozen=True)
class PdfOptions:
    """How to write a PDF: variant, form fields, extra readable folders, metadata."""

    variant: str | None = "pdf/a-3a"  # archival and tagged; PDF/UA-1 is added afterwards
    forms: bool = False
    extra_roots: tuple[Path, ...] = ()
    metadata: dict[str, str] = field(default_factory=dict)  # custom document-info entries


@dataclass(frozen=True)
class PdfResult:
    """A written PDF with what WeasyPrint said while writing it."""

    data: bytes
    warnings: tuple[str, ...]  # WeasyPrint's logged warnings (tests assert there are none)
    refused_urls: tuple[str, ...]
    pages: int


_FONTS: tuple[int, Any] | None = None  # (process id, FontConfiguration)


def font_configuration() -> Any:
    """This process's one FontConfiguration, made on first use (in each worker after fork).

    A fresh one per document throws away Pango's font and shaping caches: sharing it makes a
    document ~20 % cheaper and writes the same bytes (the fonts and their subsets are
    chosen per document either way).
    """
    global _FONTS
    if _FONTS is None or _FONTS[0] != os.getpid():
        _FONTS = (os.getpid(), FontConfiguration())
    return _FONTS[1]


# A template head's own stylesheet, as print-macros.html.j2 and document.html.j2 write it.
_STYLESHEET_LINK = re.compile(r'<link rel="stylesheet" href="([\w-]+\.css)">\n?')
_SHEETS: dict[tuple[int, str, str], Any] = {}  # (process id, name, text) → parsed CSS
# Off: the linked sheets are inlined as <style> in the head instead, as the templates did
# before; tests and benchmarks compare both ways (same bytes).
PREPARSED_STYLESHEETS = True


def stylesheet(name: str) -> Any:
    """templates/<name> parsed once per process and content (a changed file is parsed anew).

    Parsing the same CSS for every document cost ~15 % of a document's CPU; a parsed sheet
    holds no per-document state (its page rules and layers are its own lists).
    """
    path = TEMPLATES_DIR / name
    text = path.read_text(encoding="utf-8")
    key = (os.getpid(), name, text)
    sheet = _SHEETS.get(key)
    if sheet is None:
        if len(_SHEETS) > 32:
            _SHEETS.clear()
        sheet = _SHEETS[key] = weasyprint.CSS(
            string=text, base_url=path.as_uri(), font_config=font_configuration())
    return sheet


def split_stylesheets(html: str) -> tuple[str, list[Any]]:
    """The HTML without the head's links to template stylesheets, and those sheets parsed.

    WeasyPrint gives them the user origin instead of the author origin; every other author
    style in our templates (the watermark's page background, a card slot's position)
    concerns other properties, and no print sheet uses !important, so the cascade is the
    same: tests/test_pdf_stylesheets.py compares the bytes both ways for every kind of PDF.
    """
    head_end = html.find("</head>")
    head = html[:max(head_end, 0)]
    names = [name for name in _STYLESHEET_LINK.findall(head)
             if (TEMPLATES_DIR / name).is_file()]
    if not names:
        return html, []

    def replace(link: re.Match[str]) -> str:
        if link[1] not in names:
            return link[0]
        if PREPARSED_STYLESHEETS:
            return ""
        text = (TEMPLATES_DIR / link[1]).read_text(encoding="utf-8")
        return f"<style>\n{text}\n</style>\n"

    head = _STYLESHEET_LINK.sub(replace, head)
    sheets = [stylesheet(name) for name in names] if PREPARSED_STYLESHEETS else []
    return head + html[head_end:], sheets


def _render(html: str, options: PdfOptions) -> tuple[Any, SafeFetcher, dict[str, Any]]:
    fetcher = SafeFetcher((TEMPLATES_DIR, *options.extra_roots))
    html, sheets = split_stylesheets(html)
    write_options: dict[str, Any] = {
        "pdf_variant": options.variant,
        "pdf_tags": True,
        "pdf_forms": options.forms,
        "custom_metadata": True,
        # A fixed identifier keeps the bytes reproducible (it is random otherwise).
        "pdf_identifier": b"rutinbyggaren-pdf",
        # finalize_pdf compresses every stream itself (at the same zlib level), as it must
        # to see how each ends; compressing here too cost ~15 % of writing and finishing.
        "uncompressed_pdf": True,
    }
    document = weasyprint.HTML(
        string=html, base_url=TEMPLATES_DIR.as_uri() + "/", url_fetcher=fetcher
    ).render(font_config=font_configuration(), stylesheets=sheets, **write_options)
    return document, fetcher, write_options


def html_to_pdf(html: str, options: PdfOptions | None = None) -> PdfResult:
    """Render HTML (from our Jinja templates) to PDF bytes, collecting warnings and refusals.

    Document metadata comes from the HTML head: <title>, <html lang>, <meta name=author|
    description|keywords|dcterms.created|dcterms.modified>; WeasyPrint writes it to the
    document info and XMP.
    """
    options = options or PdfOptions()
    with collect_warnings() as warnings:
        document, fetcher, write_options = _render(html, options)
        for key, value in options.metadata.items():
            document.metadata.custom[key] = value
        data = finalize_pdf(document.write_pdf(**write_options))
    return PdfResult(data, tuple(warnings), tuple(fetcher.refused), len(document.pages))


def measure_html(html: str, options: PdfOptions | None = None) -> Any:
    """Lay out without writing, for overflow checks (pocket cards, checklist steps)."""
    options = options or PdfOptions()
    document, _, _ = _render(html, options)
    return document
