"""Template stylesheets reach WeasyPrint pre-parsed, once per process, with the same result.

Every PDF template links its stylesheets in the head; :mod:`builder.render.weasy` hands them
to WeasyPrint parsed once instead of parsing the same CSS for every document. Switched off,
the same sheets are inlined as <style> in the head (the way the templates used to carry
them): both ways must write the same bytes for every kind of PDF.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest

pytest.importorskip("weasyprint")

from builder.decision.review import review_packet
from builder.load.library import Library, load_library
from builder.options import BuildOptions
from builder.render import RenderContext, get_renderer, weasy
from builder.render.html import document_html

ROOT = Path(__file__).resolve().parents[1]
ROUTINES = ROOT / "routines"
OPTIONS = BuildOptions(today=dt.date(2026, 6, 15), epoch=1_780_000_000, sign=False)
APPROVED = "kungalv-insatser-i-hemmet"  # in force, with an approved version to compare
DRAFT = "narsjukvardsteam"  # a draft: watermark, pocket card


@pytest.fixture(scope="module")
def library() -> Library:
    lib, _ = load_library(ROUTINES)
    return lib


def both_ways(make: Callable[[], list[bytes]], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(weasy, "PREPARSED_STYLESHEETS", False)
    inline = make()
    monkeypatch.setattr(weasy, "PREPARSED_STYLESHEETS", True)
    preparsed = make()
    assert inline and all(inline)
    assert preparsed == inline


# Every PDF kind each routine has (a draft gets no läskvittens: it is only for documents in force).
CASES = [(APPROVED, fmt) for fmt in ("pdf", "checklista", "fickkort", "laskvittens")] + [
    (DRAFT, fmt) for fmt in ("pdf", "checklista", "fickkort")]


@pytest.mark.parametrize(("doc_id", "fmt"), CASES)
def test_preparsed_stylesheets_write_the_same_bytes(library: Library, fmt: str, doc_id: str,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    routine = library.by_id(doc_id)
    assert routine is not None
    ctx = RenderContext(routine, library, OPTIONS)
    render = get_renderer(fmt)
    assert render(ctx), f"{doc_id} should have a {fmt}"
    both_ways(lambda: [a.data for a in render(ctx)], monkeypatch)


def test_review_packet_is_the_same_both_ways(monkeypatch: pytest.MonkeyPatch) -> None:
    both_ways(lambda: [review_packet(ROUTINES, APPROVED).data], monkeypatch)


def test_the_pdf_links_its_stylesheets_and_the_web_page_inlines_them(library: Library) -> None:
    routine = library.by_id(APPROVED)
    assert routine is not None
    ctx = RenderContext(routine, library, OPTIONS)
    pdf_html, web_html = document_html(ctx, for_pdf=True), document_html(ctx, for_pdf=False)
    assert '<link rel="stylesheet" href="base.css">' in pdf_html
    assert "<link" not in web_html and "@page" in web_html
    html, sheets = weasy.split_stylesheets(pdf_html)
    assert "<link" not in html and "@page" not in html and len(sheets) == 3  # + flow.css
    assert weasy.split_stylesheets(pdf_html)[1] == sheets  # parsed once, then reused


def test_a_changed_stylesheet_is_parsed_anew(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(weasy, "TEMPLATES_DIR", tmp_path)
    (tmp_path / "x.css").write_text("body { color: black }")
    first = weasy.stylesheet("x.css")
    assert weasy.stylesheet("x.css") is first
    (tmp_path / "x.css").write_text("body { color: navy }")
    assert weasy.stylesheet("x.css") is not first
