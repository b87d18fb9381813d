"""A routine's whole life (issue 21): the version in force stays in force while the next one is
drafted, approved to start later, takes effect, and is finally withdrawn.

Every step builds the shipped library (a copy) and reads what staff would open: the index, the
group page, the document's fixed page (the QR and Bilaga target) and the PDFs' text.
"""

from __future__ import annotations

import html
import os
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from pypdf import PdfReader

from builder.cli import cli

ROOT = Path(__file__).resolve().parents[1]
DOC = "kungalv-insatser-i-hemmet"
FOLDER = Path(DOC) / DOC  # output/<group>/<document>/
RELOCATED_STEP = "Syftet med rutinen"


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
    shutil.copytree(ROOT / "routines", tmp_path / "routines")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("RUTIN_SIGN_P12", raising=False)
    return tmp_path


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
    text = text.replace(RELOCATED_STEP, "Syftet med den här rutinen", 1)
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
