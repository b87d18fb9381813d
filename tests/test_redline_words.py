"""The redline marks words, moves and Swedish labels; the review packet is one numbered document.

Issue 21: a change from "bör" to "ska" was a struck paragraph and a new one, the redline printed
raw model data ("upprättat_av: ej_angivet", "avtryck: e09aec9d", "not: ja"), and the review
packet restarted its page numbers in every part and promised a checklist and a card that a
samverkansrutin without steps does not have.
"""

from __future__ import annotations

import io
import re
import shutil
from pathlib import Path
from typing import Any

import pypdf
import pytest

from builder.decision.review import redline_pdf, review_packet
from builder.governance.diff import diff_documents, diff_routine, format_text
from builder.load.library import load_library
from builder.model import Samverkansrutin

REPO_ROUTINES = Path(__file__).resolve().parents[1] / "routines"
KUNGALV = "kungalv-insatser-i-hemmet"
SAS = "sas-mobil-narvard"
# The redline's colours (templates/redline.html.j2): del is red and struck, ins green.
STRUCK = (0.702, 0.149, 0.118)
INSERTED = (0.039, 0.478, 0.184)
SENTENCE = "När ett ärende kommer in bör NSVT kontakta ansvarig vårdcentral"


@pytest.fixture()
def routines(tmp_path: Path) -> Path:
    root = tmp_path / "routines"
    shutil.copytree(REPO_ROUTINES, root)
    return root


def coloured_runs(data: bytes) -> list[tuple[tuple[float, ...] | None, str]]:
    """Every text run of the PDF with the fill colour it is drawn in."""
    reader = pypdf.PdfReader(io.BytesIO(data))
    runs: list[tuple[tuple[float, ...] | None, str]] = []
    colour: list[tuple[float, ...] | None] = [None]

    def before(operator: bytes, args: list[Any], cm: Any, tm: Any) -> None:
        if operator == b"rg":
            colour[0] = tuple(round(float(a), 3) for a in args)

    def text(value: str, cm: Any, tm: Any, font: Any, size: Any) -> None:
        if value.strip():
            runs.append((colour[0], value))

    for page in reader.pages:
        page.extract_text(visitor_operand_before=before, visitor_text=text)
    return runs


def pdf_pages(data: bytes) -> list[str]:
    reader = pypdf.PdfReader(io.BytesIO(data))
    return [" ".join((page.extract_text() or "").split()) for page in reader.pages]


def test_a_one_word_change_is_marked_as_one_word_in_the_pdf(routines: Path) -> None:
    path = routines / KUNGALV / "samverkansrutin.yaml"
    text = path.read_text(encoding="utf-8")
    assert SENTENCE in text
    path.write_text(text.replace(SENTENCE, SENTENCE.replace(" bör ", " ska ")),
                    encoding="utf-8")
    library, _ = load_library(routines)
    out = redline_pdf(diff_routine(library, KUNGALV))
    assert out.warnings == ()
    runs = coloured_runs(out.data)
    # Exactly one word struck and one inserted, in the document (the legend aside).
    struck = [t.strip() for c, t in runs if c == STRUCK and "borttagen text" not in t]
    inserted = [t.strip() for c, t in runs if c == INSERTED and "tillagd text" not in t]
    assert struck == ["bör"] and inserted == ["ska"]
    # The rest of the paragraph is printed once, in the body colour: not struck, not inserted.
    rest = [(c, t) for c, t in runs if "NSVT kontakta ansvarig vårdcentral" in t]
    assert len(rest) == 1 and rest[0][0] not in (STRUCK, INSERTED)
    whole = " ".join(pdf_pages(out.data))
    assert whole.count("När ett ärende kommer in") == 1
    # The text diff still reads as a removed and an added line (rutin diff in a terminal).
    lines = format_text(diff_routine(library, KUNGALV)).splitlines()
    assert any(line.startswith("- • " + SENTENCE) for line in lines)


def test_a_moved_step_is_shown_as_a_move(routines: Path) -> None:
    library, _ = load_library(routines)
    routine = library.by_id(KUNGALV)
    assert routine is not None and isinstance(routine.document, Samverkansrutin)
    old = routine.document
    new = old.model_copy(deep=True)
    section = new.sections[2].subsections[1]  # type: ignore[index]
    assert section.heading == "Informationsöverföring" and section.steps
    section.steps[0], section.steps[2] = section.steps[2], section.steps[0]
    diff = diff_documents(old, new, "version 1.0", "version 1.1")
    changed = [line for s in diff.sections for line in s.lines if line.tag != " "]
    assert {line.tag for line in changed} == {">", "<"}
    moved = [line for line in changed if line.tag == ">"]
    assert any(line.text.startswith("1. Nödvändig kommunikation")
               and line.note == "flyttat hit från steg 3" for line in moved)
    out = redline_pdf(diff)
    whole = " ".join(pdf_pages(out.data))
    assert "flyttat hit från steg 3" in whole and "flyttat till steg 1" in whole
    assert not [t for c, t in coloured_runs(out.data)
                if c == STRUCK and "borttagen text" not in t]


RAW = re.compile(r"upprättat_av|ej_angivet|avtryck|\bnot: ja\b|\b[0-9a-f]{8}\b|_")


def test_the_redline_speaks_swedish_not_model_keys(routines: Path) -> None:
    library, _ = load_library(routines)
    for doc_id in (KUNGALV, "narsjukvardsteam"):
        whole = " ".join(pdf_pages(redline_pdf(diff_routine(library, doc_id)).data))
        body = whole.split("Teckenförklaring", 1)[1]
        assert not RAW.findall(body), (doc_id, RAW.findall(body)[:5])
        assert "Upprättat av:" in body
    narsjukvard = " ".join(pdf_pages(redline_pdf(diff_routine(library, "narsjukvardsteam"))
                                     .data))
    assert "Upprättat av: Ej angivet" in narsjukvard
    # An arbetsrutin's team and samverkansrutin by name, as the document prints them.
    assert "Team: Närsjukvårdsteam" in narsjukvard
    assert "Samverkansrutin: Delregional samverkansrutin mobil närvård" in narsjukvard
    kungalv = format_text(diff_routine(library, KUNGALV, "1.0", "1.0"))
    assert "Inga ändringar" in kungalv


def test_the_review_packet_numbers_its_pages_once_and_names_its_parts(routines: Path) -> None:
    path = routines / KUNGALV / "samverkansrutin.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(
        SENTENCE, SENTENCE.replace(" bör ", " ska ")), encoding="utf-8")
    out = review_packet(routines, KUNGALV)
    assert out.warnings == ()
    pages = pdf_pages(out.data)
    total = len(pages)
    numbered = [(index, re.findall(r"Sida (\d+) av (\d+)", text))
                for index, text in enumerate(pages, start=1)]
    found = [(index, marks) for index, marks in numbered if marks]
    # The document and the checklist no longer restart at "Sida 1": every number is the
    # page's place in the whole packet, out of the packet's total.
    assert len(found) >= total - 2  # the two pocket-card pages have no room for a number
    for index, marks in found:
        assert marks == [(str(index), str(total))], (index, marks)
    contents = pages[0].split("Innehåll", 1)[1].split("Ändringssammanfattning", 1)[0]
    for part in ("Ändringarna, rödmarkerade", "Dokumentet, version 1.0", "Checklistan",
                 "Fickkortet"):
        assert part in contents
    checklist_page = int(re.search(r"Checklistan: sid(?:a|orna) (\d+)", contents)[1])  # type: ignore[index]
    # The checklist's first page: its title at the top, under the bedside patient box
    # ("Patient (initialer/ID) Datum Ansvarig"), and not yet on the page before.
    first = pages[checklist_page - 1]
    assert re.match(r"(Patient \(initialer/ID\) Datum Ansvarig )?CHECKLISTA ", first), first[:80]
    assert "CHECKLISTA" not in pages[checklist_page - 2]


def test_a_packet_without_steps_promises_no_checklist_or_card(routines: Path) -> None:
    out = review_packet(routines, SAS)
    pages = pdf_pages(out.data)
    whole = " ".join(pages)
    assert "Checklistan" not in whole and "Fickkortet" not in whole
    assert "fickkort och checklista" not in whole and "sist checklistan" not in whole
    assert "Rutinen har inga steg och inget fickkort" in whole
    assert all(f"av {len(pages)}" in page for page in pages)
