"""Cards name their routine (issue 26, 4): the issuing area on every front, the draft mark
along the right edge, out of the text (never beside the team name), follow-up on the back."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from pathlib import Path
from xml.etree import ElementTree

import pytest

pytest.importorskip("weasyprint")

from builder.load.library import Library, load_library
from builder.options import BuildOptions
from builder.render import RenderContext, get_renderer
from builder.render.printables.common import find_team
from builder.render.printables.pocketcard import card_content
from builder.text.wording import DRAFT_MARK

ROOT = Path(__file__).resolve().parents[1]
OPTIONS = BuildOptions(today=dt.date(2026, 6, 15), epoch=1_780_000_000)
XHTML = "{http://www.w3.org/1999/xhtml}"
pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler")


@pytest.fixture(scope="module")
def library() -> Library:
    lib, _ = load_library(ROOT / "routines")
    return lib


# The text flow ends at the right padding (3.5 mm): a word starting in that strip is the draft
# mark, turned along the edge (templates/pocketcard.css).
EDGE_PT = (85 - 3.5) * 72 / 25.4


def words_of_front(data: bytes) -> list[tuple[float, float, float, str]]:
    """The front page's words as (yMin, yMax, xMin, text), top to bottom."""
    out = subprocess.run(["pdftotext", "-bbox", "-l", "1", "-", "-"], input=data,
                         capture_output=True, check=True).stdout.decode("utf-8")
    return sorted((float(w.get("yMin", 0)), float(w.get("yMax", 0)), float(w.get("xMin", 0)),
                   w.text or "") for w in ElementTree.fromstring(out).iter(f"{XHTML}word"))


def edge_text(data: bytes) -> str:
    """The text drawn along the front's right edge, top to bottom (the draft mark)."""
    return " ".join(text for _, _, x, text in words_of_front(data) if x >= EDGE_PT)


def lines_of_front(data: bytes) -> list[str]:
    """The front page's text lines in the flow, top to bottom: a word whose vertical middle
    lies within the line's extent belongs to it (the 13 pt abbreviation shares the team name's
    line); the edge-drawn draft mark is left out (see edge_text)."""
    lines: list[tuple[float, float, list[tuple[float, str]]]] = []
    for top, bottom, x, text in words_of_front(data):
        if x >= EDGE_PT:
            continue
        middle = (top + bottom) / 2
        line = next((ln for ln in lines if ln[0] <= middle <= ln[1]), None)
        if line is None:
            lines.append((top, bottom, [(x, text)]))
        else:
            line[2].append((x, text))
    return [" ".join(t for _, t in sorted(ws)) for _, _, ws in sorted(lines, key=lambda l: l[0])]


def test_every_card_names_its_issuing_area_on_the_front(library: Library) -> None:
    checked = 0
    for routine in library.routines:
        card = card_content(routine, library)
        if card is None:
            continue
        team = find_team(routine, library)
        expected = ", ".join(team.origins) if team and team.origins else (
            library.organisation.name if library.organisation else None)
        assert expected and card.issuer == expected, routine.document.id
        [single, _] = get_renderer("fickkort")(RenderContext(routine, library, OPTIONS))
        lines = lines_of_front(single.data)
        heading = next(i for i, line in enumerate(lines)
                       if (card.team_name or card.title).split()[0] in line)
        # Under the team name, before the first point.
        assert lines[heading + 1] == expected, (routine.document.id, lines[:4])
        name = card.team_name or card.title
        assert name in lines[heading], (routine.document.id, lines[:3])  # whole, one line
        if card.draft:
            # The draft mark is on the card, along the edge: not on the heading's line, which
            # stays the first line of the text.
            assert edge_text(single.data) == DRAFT_MARK, routine.document.id
            assert heading == 0 and DRAFT_MARK.split()[0] not in lines[heading].split(), lines[:3]
        else:
            assert edge_text(single.data) == "", routine.document.id
        checked += 1
    assert checked >= 6
    kungalv = library.by_id("kungalv-insatser-i-hemmet")
    assert kungalv is not None and card_content(kungalv, library).issuer == "Kungälvs sjukhus"  # type: ignore[union-attr]
