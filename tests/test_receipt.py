"""The läskvittens by facts: title, version, validity, and a table of 20 rows to sign."""

from __future__ import annotations

import collections
import datetime as dt
import re
from io import BytesIO
from pathlib import Path

import pytest

pypdf = pytest.importorskip("pypdf")
pikepdf = pytest.importorskip("pikepdf")
pytest.importorskip("weasyprint")

from builder.load.library import load_library
from builder.options import BuildOptions
from builder.render import RenderContext, get_renderer
from builder.render.document_view import COPY_NOTICE
from builder.render.printables.receipt import ROWS_PER_PAGE, receipt_html
from builder.render.weasy import html_to_pdf, measure_html

ROOT = Path(__file__).resolve().parents[1]
OPTIONS = BuildOptions(today=dt.date(2026, 6, 15), epoch=1_780_000_000)


def structure_counts(data: bytes) -> collections.Counter[str]:
    """How many of each tagged structure element (the PDF is tagged: TR, TH, TD …)."""
    counts: collections.Counter[str] = collections.Counter()

    def walk(node: object) -> None:
        if isinstance(node, pikepdf.Dictionary):
            if "/S" in node:
                counts[str(node.S)] += 1
            if "/K" in node:
                walk(node.K)
        elif isinstance(node, pikepdf.Array):
            for child in node:
                walk(child)

    with pikepdf.open(BytesIO(data)) as pdf:
        walk(pdf.Root.StructTreeRoot.K)
    return counts


@pytest.fixture(scope="module")
def context() -> RenderContext:
    library, _ = load_library(ROOT / "routines")
    routine = library.by_id("kungalv-insatser-i-hemmet")
    assert routine is not None
    return RenderContext(routine, library, OPTIONS)


@pytest.fixture(scope="module")
def receipt(context: RenderContext) -> bytes:
    artifacts = get_renderer("laskvittens")(context)
    assert [a.filename for a in artifacts] == [f"{context.stem}-laskvittens.pdf"]
    return artifacts[0].data


def test_title_version_and_validity(context: RenderContext, receipt: bytes) -> None:
    reader = pypdf.PdfReader(BytesIO(receipt))
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    squashed = re.sub(r"\s+", " ", text)
    assert "Läskvittens" in text or "LÄSKVITTENS" in text
    assert re.sub(r"\s+", " ", context.document.title) in squashed
    assert "Version 1.0" in text and "Giltigt från och med 1 juni 2026" in text
    assert "läst och förstått version 1.0" in squashed
    for header in ("Namn", "Yrkesroll", "Datum", "Signatur"):
        assert header in text
    assert "Sida 1 av 1" in text and COPY_NOTICE in text


def test_twenty_rows_to_sign(receipt: bytes) -> None:
    counts = structure_counts(receipt)
    assert counts["/TH"] == 4
    assert counts["/TR"] == 1 + ROWS_PER_PAGE == 21
    assert counts["/TD"] == 4 * ROWS_PER_PAGE


def test_twenty_rows_a_page(context: RenderContext) -> None:
    result = html_to_pdf(receipt_html(context, pages=2))
    assert result.warnings == () and result.pages == 2
    assert structure_counts(result.data)["/TD"] == 4 * 2 * ROWS_PER_PAGE
    layout = measure_html(receipt_html(context, pages=2))
    per_page = [sum(1 for box in page._page_box.descendants()
                    if box.element_tag == "tr" and box.element.find("td") is not None)
                for page in layout.pages]
    assert per_page == [ROWS_PER_PAGE, ROWS_PER_PAGE]
