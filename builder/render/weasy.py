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
from builder.render.pdf_archival import finalize_pdf

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


def _render(html: str, options: PdfOptions) -> tuple[Any, SafeFetcher, dict[str, Any]]:
    fetcher = SafeFetcher((TEMPLATES_DIR, *options.extra_roots))
    write_options: dict[str, Any] = {
        "pdf_variant": options.variant,
        "pdf_tags": True,
        "pdf_forms": options.forms,
        "custom_metadata": True,
        # A fixed identifier keeps the bytes reproducible (it is random otherwise).
        "pdf_identifier": b"rutinbyggaren-pdf",
    }
    document = weasyprint.HTML(
        string=html, base_url=TEMPLATES_DIR.as_uri() + "/", url_fetcher=fetcher
    ).render(font_config=font_configuration(), **write_options)
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
