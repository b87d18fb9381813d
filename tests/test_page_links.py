"""Issue 26, 6: the published HTML page links back (index, fixed page, PDF); Bilaga links are
absolute under publicerings_url, so they work in an e-mailed PDF or DOCX; the index search
finds a routine by the words of its text; one label for alternatives; build-day dates."""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import replace
from pathlib import Path

import docx
import pytest
from pypdf import PdfReader

from builder.load.library import Library, load_library
from builder.model import Organisation
from builder.options import BuildOptions, source_date_epoch
from builder.render import RenderContext, get_renderer
from builder.render.index import document_words, fold, search_words

ROOT = Path(__file__).resolve().parents[1]
OPTIONS = BuildOptions(today=dt.date(2026, 6, 15), epoch=1_780_000_000, sign=False)
URL = "https://rutiner.example.se/"


@pytest.fixture(scope="module")
def library() -> Library:
    lib, _ = load_library(ROOT / "routines")
    return lib


def published(library: Library) -> Library:
    organisation = library.organisation
    assert organisation is not None
    with_url = Organisation.model_validate(
        {**organisation.model_dump(by_alias=True, exclude_none=True), "publicerings_url": URL})
    return replace(library, organisation=with_url)


def test_html_page_links_to_index_fixed_page_and_pdf(library: Library) -> None:
    for routine in library.routines:
        ctx = RenderContext(routine, library, OPTIONS)
        [page] = get_renderer("html")(ctx)
        html = page.data.decode("utf-8")
        nav = re.search(r'<nav class="doc-nav"[^>]*>(.*?)</nav>', html, re.DOTALL)
        assert nav, routine.document.id
        hrefs = re.findall(r'href="([^"]+)"', nav[1])
        assert hrefs == ["../../index.html", "index.html", f"{ctx.stem}.pdf"]


def test_bilaga_links_are_absolute_with_publicerings_url(library: Library) -> None:
    lib = published(library)
    routine = lib.by_id("sas-mobil-narvard")
    assert routine is not None
    ctx = RenderContext(routine, lib, OPTIONS)
    [pdf] = get_renderer("pdf")(ctx)
    uris = [str(a["/A"]["/URI"]) for page in PdfReader(io.BytesIO(pdf.data)).pages
            for a in (page.get("/Annots") or []) if "/URI" in a.get_object().get("/A", {})]
    bilagor = [u for u in uris if "/sas-mobil-narvard/" in u]
    assert f"{URL}sas-mobil-narvard/narsjukvardsteam/" in bilagor
    assert all(u.startswith(URL) for u in bilagor)
    [word] = get_renderer("docx")(ctx)
    targets = [r.target_ref for r in docx.Document(io.BytesIO(word.data)).part.rels.values()
               if r.reltype.endswith("/hyperlink")]
    assert f"{URL}sas-mobil-narvard/narsjukvardsteam/" in targets
    # Without the address they stay relative (output/ read from disk or a file server).
    plain = RenderContext(library.by_id("sas-mobil-narvard"), library, OPTIONS)  # type: ignore[arg-type]
    [word] = get_renderer("docx")(plain)
    targets = [r.target_ref for r in docx.Document(io.BytesIO(word.data)).part.rels.values()
               if r.reltype.endswith("/hyperlink")]
    assert "../narsjukvardsteam/index.html" in targets


def test_index_search_covers_the_document_text(library: Library) -> None:
    found = {r.document.id for r in library.routines
             if "samtycke" in document_words(r.document).split()}
    assert "kungalv-insatser-i-hemmet" in found
    samsa = {r.document.id for r in library.routines
             if fold("SAMSA") in document_words(r.document).split()}
    assert {"kungalv-insatser-i-hemmet", "narsjukvardsteam", "sas-mobil-narvard"} <= samsa


def test_alternatives_are_2a_2b_2c_in_the_pdf(library: Library) -> None:
    routine = library.by_id("kungalv-insatser-i-hemmet")
    assert routine is not None
    [pdf, *_] = get_renderer("pdf")(RenderContext(routine, library, OPTIONS))
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)
    assert all(label in text for label in ("2a", "2b", "2c"))
    assert not re.search(r"(?<![\w])[abc]\) Om patienten", text)


def test_files_are_dated_by_the_build_day_without_source_date_epoch(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    day = dt.datetime.fromtimestamp(source_date_epoch(), dt.UTC)
    assert day.date() == dt.datetime.now(dt.UTC).date() or day.date() == dt.date.today()
    assert (day.hour, day.minute, day.second) == (0, 0, 0)  # the same bytes all day
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1780000000")
    assert source_date_epoch() == 1_780_000_000


def test_laskvittens_names_its_unit_and_where_it_goes(library: Library) -> None:
    routine = library.by_id("kungalv-insatser-i-hemmet")
    assert routine is not None
    [receipt] = get_renderer("laskvittens")(RenderContext(routine, library, OPTIONS))
    reader = PdfReader(io.BytesIO(receipt.data))
    text = " ".join(reader.pages[0].extract_text().split())
    assert "Enhet" in text and "Lämnas till" in text
    assert "· Version 1.0" in text and "· version 1.0" not in text  # as the checklist's footer
    assert len(reader.pages) == 1


def _words_folding_the_whole_text(text: str) -> str:
    """The index's search words as first written: the whole text folded, then split."""
    seen: dict[str, None] = {}
    for word in fold(text).split():
        word = word.strip(".,:;!?()[]\"'”“*_→–-")
        if len(word) > 1:
            seen.setdefault(word, None)
    return " ".join(seen)


def test_search_words_folded_word_by_word_are_those_of_the_whole_text() -> None:
    """Folding each word once (cached) gives the same words, in the same order, as folding
    the whole text: on every shipped routine's text and on text made to trip it up."""
    texts = [path.read_text(encoding="utf-8") for path in sorted(ROOT.glob("routines/**/*.yaml"))]
    texts += ["Straße STRASSE ﬁnns İstanbul Å å ä ö Ä Ö e\u0301 \u0301x Kungälv kungalv",
              "a\u00a0b ”Meddelande” (SAMSA), SAMSA: samsa. → – -- ** __ x",
              "Ǆemal ǅ ǆ ﬀ Ωmega ΣΑΣ ß ẞ 𝔄𝔅 ١٢٣ 日本"]
    assert all(search_words(text) == _words_folding_the_whole_text(text) for text in texts)
