"""A routine's whole life (issue 21): the version in force stays in force while the next one is
drafted, approved to start later, takes effect, and is finally withdrawn.

Every step builds the shipped library (a copy) and reads what staff would open: the index, the
group page, the document's fixed page (the QR and Bilaga target) and the PDFs' text.
"""

from __future__ import annotations

import html
import os
import re
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from pypdf import PdfReader

from builder.cli import cli
from tests.approval_helpers import shipped_workspace

ROOT = Path(__file__).resolve().parents[1]
DOC = "kungalv-insatser-i-hemmet"
FOLDER = Path(DOC) / DOC  # output/<group>/<document>/
PURPOSE = "klargöra hur ansvaret fördelas"


def record(text: str) -> None:
    """Quote what staff see at each step into $RUTIN_LIFECYCLE_LOG (for the issue's note)."""
    log = os.environ.get("RUTIN_LIFECYCLE_LOG")
    if log:
        with open(log, "a", encoding="utf-8") as handle:
            handle.write(text + "\n")


def rutin(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def page_text(path: Path) -> str:
    """The visible text of an HTML page, one line per block, whitespace collapsed."""
    text = path.read_text(encoding="utf-8")
    text = re.sub(r"(?s)<(head|script)\b.*?</\1>", "", text)
    text = re.sub(r"<(?:br|/p|/li|/h\d|/tr|/span|/section)\b[^>]*>", "\n", text)
    text = html.unescape(re.sub(r"<[^>]+>", " ", text))
    lines = (re.sub(r"\s+", " ", line).strip() for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def row_text(index: Path, doc_id: str = DOC) -> str:
    """The text of one document's row in an index page."""
    text = index.read_text(encoding="utf-8")
    match = re.search(rf'(?s)<tr class="dokument[^"]*" id="dok-{doc_id}".*?</tr>', text)
    assert match is not None, f"no row for {doc_id} in {index}"
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", match[0]))).strip()


def pdf_text(path: Path) -> str:
    return re.sub(r"\s+", " ", " ".join(p.extract_text() or "" for p in PdfReader(path).pages))


def is_signed(path: Path) -> bool:
    fields = PdfReader(path).get_fields() or {}
    return any(field.get("/FT") == "/Sig" for field in fields.values())


def build(output: str, *extra: str) -> None:
    result = rutin("build", "routines", "-o", output, "--format", "pdf,html", "-j", "1", "-q",
                   *extra)
    assert result.exit_code == 0, result.output


@pytest.fixture()
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return shipped_workspace(tmp_path, monkeypatch)


def draft_next_version(workspace: Path) -> Path:
    """What an author does: raise the version, mark it a draft, record the change. The old
    decision's fields are left as they were (the case issue 21 was filed on)."""
    path = workspace / "routines" / DOC / "samverkansrutin.yaml"
    text = path.read_text(encoding="utf-8")
    assert 'version: "1.0"' in text and "status: fastställd" in text
    text = text.replace('version: "1.0"', 'version: "1.1"', 1)
    text = text.replace("status: fastställd", "status: utkast", 1)
    text = text.replace("ändringar:\n", 'ändringar:\n  - {version: "1.1", datum: 2026-11-30, '
                        "beskrivning: Syftet förtydligat.}\n", 1)
    assert PURPOSE in text
    text = text.replace(PURPOSE, "klargöra hur ansvaret är fördelat", 1)
    path.write_text(text, encoding="utf-8")
    return path


def fixed_page(output: Path) -> str:
    return page_text(output / FOLDER / "index.html")


def test_version_in_force_stays_in_force_through_a_routines_life(workspace: Path) -> None:
    routines = workspace / "routines"
    out, empty = workspace / "output", workspace / "tom"
    # Step 0: the shipped 1.0 is fastställd in the ledger with its archive copy.
    assert (routines / DOC / "arkiv" / f"{DOC}-v1.0.yaml").is_file()
    build("output", "--idag", "2026-12-01")

    # Step 1: a draft of 1.1, built into the same output and into an empty one.
    draft_next_version(workspace)
    checked = rutin("check", "routines", "--idag", "2026-12-01")
    assert checked.exit_code == 0, checked.output
    build("output", "--idag", "2026-12-01")
    build("tom", "--idag", "2026-12-01")
    for output in (out, empty):
        v10, v11 = output / FOLDER / f"{DOC}-v1.0.pdf", output / FOLDER / f"{DOC}-v1.1.pdf"
        assert is_signed(v10) and not is_signed(v11)
        row = row_text(output / "index.html")
        record(f"\nSTEG 1 ({output.name}) indexrad: {row}")
        assert " 1.0 " in row and "Fastställd" in row and "1 juni 2026" in row
        assert "Under revidering: utkast 1.1 (gäller inte)" in row
        raw = (output / "index.html").read_text(encoding="utf-8")
        assert raw.index(f"{DOC}-v1.0.pdf") < raw.index("Under revidering") < raw.index(
            f"{DOC}-v1.1.pdf")
        group = row_text(output / DOC / "index.html")
        assert "Under revidering: utkast 1.1 (gäller inte)" in group and " 1.0 " in group
        page = fixed_page(output)
        record(f"STEG 1 ({output.name}) fasta sidan:\n" + "\n".join(page.splitlines()[:8]))
        first = page.splitlines()[2]
        assert first.startswith("Gällande version: 1.0 · fastställd 29 maj 2026")
        links = (output / FOLDER / "index.html").read_text(encoding="utf-8")
        assert links.index(f"{DOC}-v1.0.pdf") < links.index("Under revidering") < links.index(
            f"{DOC}-v1.1.pdf")
        draft = pdf_text(v11)
        assert "Datum för godkännande Ej fastställd" in draft
        assert "Giltigt från och med Ej fastställd" in draft
        assert "Gällande version 1.0, fastställd 29 maj 2026" in draft
        assert "Giltigt från och med 1 juni 2026" not in draft
        assert "Godkänt av Samordningsgruppen" not in draft
        in_force = pdf_text(v10)
        assert "Giltigt från och med 1 juni 2026" in in_force and "UTKAST" not in in_force

    status = rutin("status", "routines", "--idag", "2026-12-01", "--format", "json")
    assert '"version": "1.0"' in status.output and '"under_revidering": true' in status.output

    # Step 2: 1.1 approved to take effect on 1 March 2027.
    path = routines / DOC / "samverkansrutin.yaml"
    text = path.read_text(encoding="utf-8").replace("giltig_från: 2026-06-01", "giltig_från: "
                                                    "2027-03-01")
    path.write_text(text, encoding="utf-8")
    approved = rutin("approve", DOC, "--av", "Samordningsgruppen", "--datum", "2026-12-03",
                     "--protokoll", "2026-12-03 § 5", "--idag", "2026-12-04",
                     "--routines", "routines")
    assert approved.exit_code == 0, approved.output
    build("output", "--idag", "2026-12-04")
    row = row_text(out / "index.html")
    record(f"\nSTEG 2 indexrad: {row}")
    assert " 1.0 " in row and "Kommande version 1.1 gäller från 1 mars 2027" in row
    page = fixed_page(out)
    record("STEG 2 fasta sidan:\n" + "\n".join(page.splitlines()[:8]))
    assert page.splitlines()[2].startswith("Gällande version: 1.0")
    assert "Kommande version 1.1 gäller från 1 mars 2027" in page
    assert is_signed(out / FOLDER / f"{DOC}-v1.1.pdf")
    assert is_signed(out / FOLDER / f"{DOC}-v1.0.pdf")

    # Step 3: the day comes: 1.1 is in force, 1.0 is an earlier version.
    build("output", "--idag", "2027-03-02")
    row = row_text(out / "index.html")
    record(f"\nSTEG 3 indexrad: {row}")
    assert " 1.1 " in row and "1 mars 2027" in row and "Kommande" not in row
    assert "Under revidering" not in row
    page = fixed_page(out)
    record("STEG 3 fasta sidan:\n" + "\n".join(page.splitlines()[:10]))
    assert page.splitlines()[2].startswith("Gällande version: 1.1 · fastställd 3 december 2026")
    assert "Tidigare versioner" in page
    assert "Version 1.0 – ersatt (fastställd 29 maj 2026" in page
    in_force = pdf_text(out / FOLDER / f"{DOC}-v1.1.pdf")
    assert "Giltigt från och med 1 mars 2027" in in_force

    # Step 4: the routine is withdrawn.
    withdrawn = rutin("approve", DOC, "--upphäv", "--av", "Samordningsgruppen", "--datum",
                      "2027-03-05", "--protokoll", "2027-03-05 § 9", "--idag", "2027-03-06",
                      "--routines", "routines")
    assert withdrawn.exit_code == 0, withdrawn.output
    build("output", "--idag", "2027-03-06")
    index = page_text(out / "index.html")
    row = row_text(out / "index.html")
    record(f"\nSTEG 4 indexrad: {row}")
    assert "Upphävd 5 mars 2027 av Samordningsgruppen, § 9" in row
    assert index.index("Upphävda") < index.index("Upphävd 5 mars 2027")
    staff = index[:index.index("Upphävda")]
    assert "Samverkansrutin vid insatser i hemmet" not in staff
    page = fixed_page(out)
    record("STEG 4 fasta sidan:\n" + "\n".join(page.splitlines()[:10]))
    assert page.splitlines()[2].startswith("Rutinen är upphävd och gäller inte längre")
    assert "Version 1.1 – upphävd 5 mars 2027" in page
    assert "Version 1.0 – ersatt" in page


def raise_to_next_draft(path: Path) -> str:
    """The routine file as a draft of its next version: version raised, status utkast, a line
    in ändringar; the last decision's fields are left as an author would leave them."""
    text = path.read_text(encoding="utf-8")
    match = re.search(r'^version: "(\d+)\.(\d+)"$', text, re.MULTILINE)
    assert match is not None, path
    new = f"{match[1]}.{int(match[2]) + 1}"
    text = text.replace(match[0], f'version: "{new}"', 1)
    text = re.sub(r"^status: \S+$", "status: utkast", text, count=1, flags=re.MULTILINE)
    text = text.replace("ändringar:\n", f'ändringar:\n  - {{version: "{new}", datum: 2026-11-30, '
                        "beskrivning: Nästa version.}\n", 1)
    path.write_text(text, encoding="utf-8")
    return new


def test_every_shipped_routine_as_a_draft_of_its_next_version_passes_check(
        workspace: Path) -> None:
    """The draft marking takes no room on the card (R501 judges the card once in force)."""
    raised = {f"{path.parent.name}/{path.stem}": raise_to_next_draft(path)
              for path in sorted((workspace / "routines").glob("*/*.yaml"))
              if path.name != "godkannanden.yaml"}
    assert len(raised) == 7 and raised[f"{DOC}/samverkansrutin"] == "1.1"
    checked = rutin("check", "routines", "--idag", "2026-12-01")
    assert checked.exit_code == 0, checked.output
    assert "R501" not in checked.output


def test_a_draft_card_lays_out_exactly_as_the_card_in_force() -> None:
    """Drawn across the face out of the flow, the draft mark moves no line of text."""
    import dataclasses

    from builder.load.library import load_library
    from builder.render.printables.pocketcard import card_content, measure_cards

    library, _ = load_library(ROOT / "routines")
    cards = [card for r in library.routines
             if (card := card_content(r, library)) is not None]
    assert len(cards) >= 3
    as_drafts = [dataclasses.replace(card, draft=True) for card in cards]
    assert [(f.side, f.height_mm) for f in measure_cards(as_drafts)] == [
        (f.side, f.height_mm) for f in measure_cards(cards)]


def test_every_shipped_routine_builds_with_a_publication_url(workspace: Path) -> None:
    """The QR code floats beside the text: no routine is refused for printing it (issue 21,
    point 4: the Kungälv card back overflowed and the routine was not built)."""
    organisation = workspace / "routines" / "organisation.yaml"
    text = organisation.read_text(encoding="utf-8")
    assert "# publicerings_url: https://rutiner.region.se/" in text
    organisation.write_text(text.replace("# publicerings_url:", "publicerings_url:"),
                            encoding="utf-8")
    checked = rutin("check", "routines")
    assert checked.exit_code == 0 and "R501" not in checked.output, checked.output
    result = rutin("build", "routines", "--format", "pdf,fickkort", "-j", "2", "-q")
    assert result.exit_code == 0, result.output
    index = (workspace / "output" / "index.html").read_text(encoding="utf-8")
    assert "Inga filer byggda" not in index
    cards = sorted((workspace / "output").glob("*/*/*-fickkort.pdf"))
    assert len(cards) >= 6
    for card in cards:
        back = PdfReader(card).pages[1]
        images = back["/Resources"].get("/XObject") or {}
        assert images, f"no QR code on the back of {card.name}"


def test_the_version_in_force_renders_once_and_a_draft_change_renders_only_the_draft(
        workspace: Path) -> None:
    """Publishing two versions does not cost two builds: the day the draft begins, the
    version in force keeps the outputs it had; a change to the draft renders only the draft."""
    import datetime as dt

    from builder.options import BuildOptions
    from builder.publish.run import run_build

    options = BuildOptions(output=workspace / "output", formats=("pdf", "html"), jobs=1,
                           quiet=True, today=dt.date(2026, 12, 1))
    run_build(workspace / "routines", options)
    path = draft_next_version(workspace)
    first = run_build(workspace / "routines", options)
    assert sorted(first.rendered) == [(DOC, "html"), (DOC, "pdf")]  # 1.0 kept as built
    assert (workspace / "output" / FOLDER / f"{DOC}-v1.0.pdf").is_file()
    path.write_text(path.read_text(encoding="utf-8").replace(
        "klargöra hur ansvaret är fördelat", "tydliggöra hur ansvaret är fördelat", 1),
        encoding="utf-8")
    second = run_build(workspace / "routines", options)
    assert sorted(second.rendered) == [(DOC, "html"), (DOC, "pdf")]
    assert is_signed(workspace / "output" / FOLDER / f"{DOC}-v1.0.pdf")
    links = (workspace / "output" / FOLDER / "index.html").read_text(encoding="utf-8")
    assert f"{DOC}-v1.0.pdf" in links and f"{DOC}-v1.1.pdf" in links
