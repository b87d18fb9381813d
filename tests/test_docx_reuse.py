"""The DOCX renderer's per-process shortcuts (issue 16) write what the long way writes."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import docx
import pytest
from docx.enum.style import WD_STYLE_TYPE

from builder.load.library import Library, load_library
from builder.options import BuildOptions
from builder.render import RenderContext
from builder.render.word import document as word_document
from builder.render.word.document import render_docx
from builder.render.word.ooxml import memoize_style_ids

ROOT = Path(__file__).resolve().parent.parent
EPOCH = 1_780_000_000


@pytest.fixture(scope="module")
def shipped() -> Library:
    library, _ = load_library(ROOT / "routines")
    return library


def _render_all(library: Library) -> list[bytes]:
    options = BuildOptions(epoch=EPOCH, today=dt.date(2026, 6, 15))
    return [a.data for r in library.routines
            for a in render_docx(RenderContext(r, library, options))]


def test_the_shared_set_up_gives_each_document_the_bytes_of_a_fresh_one(
        shipped: Library, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every routine rendered after the others (the set-up package reused) is byte for byte
    the routine rendered first in a fresh process (the set-up made for it)."""
    reused = _render_all(shipped)
    fresh = []
    options = BuildOptions(epoch=EPOCH, today=dt.date(2026, 6, 15))
    for routine in shipped.routines:
        monkeypatch.setattr(word_document, "_SKELETON", None)
        fresh += [a.data for a in render_docx(RenderContext(routine, shipped, options))]
    assert len(reused) >= 3
    assert reused == fresh


@pytest.mark.parametrize(("name", "style_type"), [
    ("Normal", WD_STYLE_TYPE.PARAGRAPH), ("List Number", WD_STYLE_TYPE.PARAGRAPH),
    ("Heading 2", WD_STYLE_TYPE.PARAGRAPH), ("Title", WD_STYLE_TYPE.PARAGRAPH),
    ("Default Paragraph Font", WD_STYLE_TYPE.CHARACTER), ("Table Grid", WD_STYLE_TYPE.TABLE),
    ("Normal Table", WD_STYLE_TYPE.TABLE),
])
def test_memoized_style_ids_are_python_docx_s(name: str, style_type: WD_STYLE_TYPE) -> None:
    plain, memoized = docx.Document(), docx.Document()
    memoize_style_ids(memoized)
    expected = plain.part.get_style_id(name, style_type)
    assert memoized.part.get_style_id(name, style_type) == expected
    assert memoized.part.get_style_id(name, style_type) == expected  # from the memo


def test_a_style_of_the_wrong_type_is_still_refused() -> None:
    memoized = docx.Document()
    memoize_style_ids(memoized)
    with pytest.raises(ValueError):
        memoized.add_paragraph("x", style="Table Grid")


@pytest.mark.parametrize("text", [
    "", "Ring 112", " leading and trailing ", "tab\there", "line\nbreak", "cr\r\nlf",
    "\t", "åäö ”citat” – 1 december", "  ",
])
def test_run_text_fast_path_writes_what_the_state_machine_writes(text: str) -> None:
    from docx.oxml.text.run import _RunContentAppender

    from builder.render.word import ooxml

    fast, slow = docx.Document(), docx.Document()
    fast.add_paragraph().add_run(text)
    appender = _RunContentAppender
    try:
        appender.add_text = ooxml._add_text_by_char  # type: ignore[method-assign]
        slow.add_paragraph().add_run(text)
    finally:
        appender.add_text = ooxml._add_text  # type: ignore[method-assign]
    assert fast.paragraphs[-1]._p.xml == slow.paragraphs[-1]._p.xml
