"""A team card's back uses its room for what the routine states (issue 26, item 4): the
follow-up's owner, how and when, and what the abbreviations on the card stand for, in the
routine's own words, each only where the card surely still fits."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

pytest.importorskip("weasyprint")

from builder.load.library import Library, load_library
from builder.model import Arbetsrutin
from builder.options import BuildOptions
from builder.render import RenderContext, get_renderer
from builder.render.document_view import EXAMPLE_MARK
from builder.render.printables.cardfit import CARD_H_MM, face_bounds, font_metrics
from builder.render.printables.pocketcard import (
    card_content,
    card_terms,
    fit_back,
    measure_cards,
)
from builder.text.typography import swedish_quotes

ROOT = Path(__file__).resolve().parents[1]
OPTIONS = BuildOptions(today=dt.date(2026, 6, 15), epoch=1_780_000_000)
pytestmark = [
    pytest.mark.skipif(font_metrics() is None, reason="needs DejaVu Sans (fontconfig)"),
    pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils"),
]


@pytest.fixture(scope="module")
def library() -> Library:
    lib, _ = load_library(ROOT / "routines")
    return lib


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def bare(text: str) -> str:
    """Without spaces and hyphens: lines broken anywhere read as one."""
    return re.sub(r"[\s-]", "", text)


def back_text(library: Library, doc_id: str) -> str:
    """The text of the single card's second page (the back), as pdftotext reads it."""
    routine = library.by_id(doc_id)
    assert routine is not None
    single = next(a.data for a in get_renderer("fickkort")(RenderContext(routine, library,
                                                                         OPTIONS))
                  if a.filename.endswith("-fickkort.pdf"))
    out = subprocess.run(["pdftotext", "-f", "2", "-l", "2", "-", "-"], input=single,
                         capture_output=True, check=True).stdout.decode("utf-8")
    # The draft mark along the edge is read as single letters between the lines.
    return squash(out)


def team_routines(library: Library) -> list[str]:
    return [r.document.id for r in library.routines if isinstance(r.document, Arbetsrutin)]


def test_team_card_backs_say_who_follows_up_how_and_when(library: Library) -> None:
    """Every shipped team routine's card back prints the follow-up's owner, how and when as
    the routine states them, whole."""
    ids = team_routines(library)
    assert len(ids) == 5
    for doc_id in ids:
        routine = library.by_id(doc_id)
        assert routine is not None and routine.document.follow_up is not None
        follow_up = routine.document.follow_up
        text = back_text(library, doc_id)
        assert f"Uppföljning: {follow_up.responsible}" in text, doc_id
        for label, value in (("Hur:", follow_up.how), ("När:", follow_up.when)):
            wanted = squash(swedish_quotes(f"{label} {value}"))
            # A line may break after a hyphen ("SAMSA-|ärenden"), which pdftotext joins.
            assert bare(wanted) in bare(text), (doc_id, wanted)
        # The shipped team follow-ups are examples: the mark stands between the owner and
        # the how and when it concerns as well.
        assert follow_up.example
        mark = bare(text).index(bare(f"({EXAMPLE_MARK})"))
        owner = bare(text).index(bare(f"Uppföljning: {follow_up.responsible}"))
        assert owner < mark < bare(text).index("Hur:"), doc_id


def test_the_back_explains_the_abbreviations_the_card_uses(library: Library) -> None:
    """The terms on a back are begrepp of the routine or its samverkansrutin, used as whole
    words on the card, printed with the routine's explanation; the SÄS teams' cards say what
    SÄS is."""
    explained = 0
    for routine in library.routines:
        card = card_content(routine, library)
        if card is None:
            continue
        doc = routine.document
        glossary = dict(doc.glossary)
        if isinstance(doc, Arbetsrutin):
            parent = library.by_id(doc.parent)
            assert parent is not None
            glossary = {**parent.document.glossary, **glossary}
        used = " ".join([card.issuer or "", *card.points])
        for term, meaning in card.terms:
            assert squash(glossary[term]) == meaning, (doc.id, term)
            assert re.search(rf"(?<!\w){re.escape(term)}(?!\w)", used), (doc.id, term)
            assert bare(f"{term}: {meaning}") in bare(back_text(library, doc.id))
            explained += 1
    assert explained >= 5
    card = card_content(library.by_id("narsjukvardsteam"), library)  # type: ignore[arg-type]
    assert card is not None and ("SÄS", "Södra Älvsborgs sjukhus") in card.terms


def test_the_team_abbreviation_in_the_band_is_not_explained_again(library: Library) -> None:
    card = card_content(library.by_id("mobilt-akutlakarteam-boras"), library)  # type: ignore[arg-type]
    assert card is not None and card.abbreviation == "MALT"
    glossary = {"MALT": "Mobilt akutläkarteam", "SÄS": "Södra Älvsborgs sjukhus"}
    assert [term for term, _ in card_terms(card, glossary)] == ["SÄS"]


def test_what_does_not_surely_fit_stays_in_the_routine_whole(library: Library) -> None:
    """Nothing is shortened to fit: a how too long for the back is left out entirely, and the
    back that is printed still fits (its bound, and WeasyPrint's layout, within the card)."""
    card = card_content(library.by_id("narsjukvardsteam"), library)  # type: ignore[arg-type]
    assert card is not None
    bare = replace(card, follow_up_how=None, follow_up_when=None, terms=())
    long_how = " ".join(["Genomgång av teamets avvikelser och SAMSA-ärenden"] * 12)
    fitted = fit_back(bare, long_how, "I januari", {"SÄS": "Södra Älvsborgs sjukhus"})
    assert fitted.follow_up_how is None and fitted.follow_up_when is None
    assert fitted.terms == (("SÄS", "Södra Älvsborgs sjukhus"),)
    for shown in (fitted, card):
        bounds = face_bounds(shown)
        assert bounds is not None and bounds[1] <= CARD_H_MM
        back = measure_cards([shown])[1]
        assert back.height_mm <= bounds[1] and back.overflow_mm == 0


def test_the_dense_kungalv_back_gets_nothing_it_cannot_surely_hold(library: Library) -> None:
    """Kungälv's back is already near full with points: its long follow-up how is not added
    (and is not shortened into something the routine does not say)."""
    routine = library.by_id("kungalv-insatser-i-hemmet")
    assert routine is not None
    card = card_content(routine, library)
    assert card is not None and card.follow_up_owner == "NSVT"
    assert card.follow_up_how is None
    assert "Hur:" not in back_text(library, "kungalv-insatser-i-hemmet")
