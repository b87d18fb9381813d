"""Issue 23, item 7: text and lists before the first heading come in as structure, and a section
that is partly empty in the source says so.

The fixtures ``ingress-listor`` (a Word file made with python-docx in Word's list styles) and
``ingress-intranat`` (an intranet page) are written from their facts files in
tests/fixtures/import-facts/: paragraphs, bullet lists with a second level and numbered lists
before the first heading, "Label:" lines with nothing after them, a heading with an empty
sub-heading and a contact table with an empty Telefon cell. The tests read the draft by field,
check it and build it, then open the PDF (pypdf), the DOCX (python-docx) and the HTML page.
(tests/test_import_regions.py runs its count and check tests over these fixtures too.)
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import docx
import pytest
from pypdf import PdfReader
from selectolax.lexbor import LexborHTMLParser

from builder.authoring.importing import import_source
from builder.check import run_check
from builder.governance.diff import flatten
from builder.load.safe_yaml import parse_yaml_text
from builder.load.to_model import validate_routine
from tests.test_import_regions import (
    ORGANISATION,
    TODAY,
    build_import_draft,
    import_fixture,
    placed_facts,
    source_part_count,
)

FIXTURES = ("ingress-listor", "ingress-intranat")
NOT_STATED = "Ej angivet"


def _section(mapping: dict[str, Any], heading: str) -> dict[str, Any]:
    return next(s for s in mapping["avsnitt"] if s["rubrik"] == heading)


def _items(items: list[Any]) -> list[str]:
    """Every item text of a list, nested ones included, in order."""
    found: list[str] = []
    for item in items:
        found.append(item["text"] if isinstance(item, dict) else item)
        if isinstance(item, dict):
            found += _items(item["punkter"])
    return found


def opening_facts(facts: dict[str, Any], mapping: dict[str, Any]) -> tuple[int, int, list[str]]:
    """(facts placed, facts in the source, the facts not found) for what item 7 is about: each
    paragraph and list item before the first heading as its own block or item, each empty
    part as ej_angivet where it stands, an empty sub-heading as empty, an empty contact cell
    as ej_angivet. Text in a Markdown blob does not count as placed."""
    blocks = mapping.get("ingress")
    blocks = blocks if isinstance(blocks, list) else ([{"text": blocks}] if blocks else [])
    texts = [b["text"] for b in blocks if "text" in b]
    bullets = [i for b in blocks if "punkter" in b for i in _items(b["punkter"])]
    numbered = [i for b in blocks if "numrerad" in b for i in _items(b["numrerad"])]
    empty = [b["ej_angivet"] for b in blocks if "ej_angivet" in b]
    expected: list[tuple[bool, str]] = []
    for block in facts.get("ingress", []):
        if "text" in block:
            expected.append((block["text"] in texts, f"ingress: {block['text'][:30]}"))
        elif "punkter" in block:
            expected += [(item in bullets, f"punkt: {item}") for item in _items(block["punkter"])]
        elif "numrerad" in block:
            expected += [(item in numbered, f"numrerad: {item}")
                         for item in _items(block["numrerad"])]
        else:
            label = block["ej_angivet"]
            expected.append((label in empty, f"ingress ej_angivet: {label}"))
    for part in facts["avsnitt"]:
        expected += _part_facts(part, mapping)
    missing = [label for found, label in expected if not found]
    return len(expected) - len(missing), len(expected), missing


def _part_facts(part: dict[str, Any], mapping: dict[str, Any]) -> list[tuple[bool, str]]:
    expected: list[tuple[bool, str]] = []
    if part.get("kontakttabell"):
        contacts = {c.get("namn"): c for c in mapping.get("kontakter", [])}
        for contact in part["kontakttabell"]:
            phone = contacts.get(contact["namn"], {}).get("telefon")
            expected.append((phone == (contact["telefon"] or "ej_angivet"),
                             f"telefon för {contact['namn']}"))
        return expected
    section = next((s for s in mapping["avsnitt"] if s["rubrik"] == part["rubrik"]), {})
    expected += [(label in section.get("ej_angivet", []), f"{part['rubrik']}: {label} tom")
                 for label in part.get("tomma_delar", [])]
    children = {c["rubrik"]: c for c in section.get("underavsnitt", [])}
    for child in part.get("underavsnitt", []):
        found = children.get(child["rubrik"], {})
        if child.get("text"):
            expected += [(text in found.get("text", ""), f"{child['rubrik']}: text")
                         for text in child["text"]]
        else:
            expected.append((found.get("tomt_i_källan") is True, f"{child['rubrik']}: tomt"))
    return expected


@pytest.mark.parametrize("name", FIXTURES)
def test_text_and_lists_before_the_first_heading_come_in_as_blocks(name: str,
                                                                   tmp_path: Path) -> None:
    facts, _, result = import_fixture(name, tmp_path)
    # Paragraphs, real list items (with their second level) and empty parts, in the source's
    # order: exactly the blocks the source has, no Markdown list text.
    assert result.mapping["ingress"] == facts["ingress"]
    assert not any("\n- " in str(b.get("text", "")) for b in result.mapping["ingress"])
    # The report points at each item, not at the ingress as a whole.
    paths = {p.path for p in result.report.placed}
    for index, block in enumerate(facts["ingress"]):
        for key in ("punkter", "numrerad"):
            if key in block:
                assert ("ingress", index, key, len(block[key]) - 1) in paths


@pytest.mark.parametrize("name", FIXTURES)
def test_every_fact_is_placed_and_empty_parts_are_marked(name: str, tmp_path: Path) -> None:
    facts, source, result = import_fixture(name, tmp_path)
    placed, total, missing = opening_facts(facts, result.mapping)
    assert missing == [] and placed == total
    header_placed, header_total, header_missing = placed_facts(facts, result.mapping)
    assert header_missing == [] and header_placed == header_total
    placed_parts, unplaced, dropped = result.report.tally
    assert result.report.source_parts == source_part_count(source)
    assert placed_parts + unplaced + dropped == result.report.source_parts
    assert unplaced == 0 and result.report.unplaced == []


def test_an_empty_sub_heading_is_empty_and_a_label_line_is_not_stated(tmp_path: Path) -> None:
    _, _, result = import_fixture("ingress-listor", tmp_path)
    ansvar = _section(result.mapping, "Ansvar")
    assert ansvar == {"rubrik": "Ansvar",
                      "text": "Sjuksköterskan ansvarar för att ordinationen följs.",
                      "ej_angivet": ["Ansvarig läkare"]}  # never a guessed value
    children = _section(result.mapping, "Arbetsgång")["underavsnitt"]
    assert children[1] == {"rubrik": "Vid utebliven dos", "tomt_i_källan": True}
    contacts = result.mapping["kontakter"]
    assert contacts[1] == {"namn": "Per Sand", "roll": "Enhetschef", "telefon": "ej_angivet"}
    report = result.report_text("utkast.yaml")
    assert "del som är tom i källan (ej_angivet)" in report
    assert "Telefon för kontakten på tabell 2, rad 3" in report


def test_a_label_that_introduces_what_follows_is_not_an_empty_part(tmp_path: Path) -> None:
    _, _, result = import_fixture("ingress-listor", tmp_path)
    # "Den omfattar:" stands over a list: it is a paragraph, the list its own block.
    assert result.mapping["ingress"][1] == {"text": "Den omfattar:"}


def _build(name: str, tmp_path: Path) -> tuple[dict[str, Any], Path]:
    return build_import_draft(name, tmp_path, ("pdf", "docx", "html"))


def _one(output: Path, pattern: str) -> Path:
    found = [p for p in output.rglob("*") if re.fullmatch(pattern, p.name)]
    assert len(found) == 1, sorted(p.name for p in output.rglob("*"))
    return found[0]


def _empty_lines(facts: dict[str, Any]) -> list[str]:
    labels = [b["ej_angivet"] for b in facts["ingress"] if "ej_angivet" in b]
    labels += [label for part in facts["avsnitt"] for label in part.get("tomma_delar", [])]
    return [f"{label}: {NOT_STATED}" for label in labels]


@pytest.mark.parametrize("name", FIXTURES)
def test_draft_builds_with_lists_as_lists_and_empty_parts_as_ej_angivet(
        name: str, tmp_path: Path) -> None:
    facts, output = _build(name, tmp_path)
    bullets = [i for b in facts["ingress"] if "punkter" in b for i in _items(b["punkter"])]
    numbered = [i for b in facts["ingress"] if "numrerad" in b for i in b["numrerad"]]
    # DOCX: every item is a paragraph of its own in Word's list styles; empty parts say so.
    document = docx.Document(str(_one(output, r".*-v[\d.]+\.docx")))
    styled = {(p.style.name, p.text) for p in document.paragraphs}
    for item in bullets:
        assert any(style.startswith("List Bullet") and text == item for style, text in styled)
    assert ("List Bullet 2", "vid dosdispensering" if name == "ingress-listor"
            else "enligt sjuksköterskans bedömning") in styled
    for item in numbered:
        assert ("List Number", item) in styled
    texts = [p.text for p in document.paragraphs]
    for line in _empty_lines(facts):
        assert line in texts
    # PDF: each item on a line of its own after its list mark; "Ej angivet" in words.
    # (pdftotext -layout keeps each list mark on its item's line; pypdf reads the marks,
    # drawn as ::marker artifacts, apart from the text.)
    pdf_path = _one(output, r".*-v[\d.]+\.pdf")
    pdf = subprocess.run(["pdftotext", "-layout", str(pdf_path), "-"], check=True,
                         capture_output=True, text=True).stdout
    lines = [" ".join(line.split()) for line in pdf.splitlines()]
    assert " ".join(PdfReader(pdf_path).pages[0].extract_text().split()).count(NOT_STATED)
    for item in bullets:
        assert f"• {item}" in lines or f"◦ {item}" in lines, item
    for number, item in enumerate(numbered, start=1):
        assert f"{number}. {item}" in lines, item
    flat = " ".join(pdf.split())
    for line in _empty_lines(facts):
        assert line in flat
    # HTML: real <li> elements inside the ingress.
    page = LexborHTMLParser(_one(output, r".*-v[\d.]+\.html").read_text(encoding="utf-8"))
    preamble = page.css_first("div.preamble")
    assert preamble is not None
    listed = [li.text(deep=False).strip() for li in preamble.css("li")]
    assert set(bullets + numbered) <= set(listed)
    assert len(preamble.css("ol > li")) == len(numbered)


# --- The model: hand-written routines can say the same ---------------------------------------

ROUTINE = """id: delvis-tom
typ: samverkansrutin
titel: Delvis tom rutin
dokumenttyp: Rutin
upprättat_av: Arbetsgruppen
version: "1"
status: utkast
ändringar:
  - {version: "1", datum: 2026-01-01, beskrivning: Ny}
ingress:
  - text: Gäller i hemmet.
  - numrerad: [Ett, Två]
  - ej_angivet: true
avsnitt:
  - rubrik: Kontakt
    text: Teamet nås via växeln.
    ej_angivet: Telefon nattetid
  - rubrik: Ansvar
    ej_angivet: [Ansvarig läkare, Ansvarig sjuksköterska]
"""


def _validate(text: str) -> tuple[Any, list[str]]:
    loaded, problems = parse_yaml_text(text, "rutin.yaml")
    assert loaded is not None and not problems
    document, diagnostics = validate_routine(loaded)
    return document, [d.format_text() for d in diagnostics]


def test_ej_angivet_marks_a_part_of_a_section_and_the_diff_shows_it() -> None:
    document, problems = _validate(ROUTINE)
    assert problems == []
    assert document.sections[0].not_stated == ["Telefon nattetid"]
    assert document.preamble_blocks[2].not_stated is True
    blocks = dict(flatten(document))
    assert blocks["Kontakt"] == ["Teamet nås via växeln.", "Telefon nattetid: Ej angivet"]
    assert blocks["Ingress"] == ["Gäller i hemmet.", "1. Ett", "2. Två", NOT_STATED]


@pytest.mark.parametrize(("change", "message"), [
    ("  - text: Gäller i hemmet.\n", "  - {text: A, punkter: [B]}\n"),
    ("    ej_angivet: Telefon nattetid\n", "    ej_angivet: false\n"),
])
def test_a_block_with_two_kinds_or_a_false_marker_is_refused(change: str, message: str) -> None:
    _, problems = _validate(ROUTINE.replace(change, message))
    assert len(problems) == 1 and "R101" in problems[0]
    assert ("en av 'text', 'punkter', 'numrerad'" in problems[0]
            or "skriv true, en etikett" in problems[0])


def test_a_section_of_named_empty_parts_is_not_only_a_heading(tmp_path: Path) -> None:
    library = tmp_path / "routines"
    (library / "delvis-tom").mkdir(parents=True)
    shutil.copy(ORGANISATION, library / "organisation.yaml")
    (library / "delvis-tom" / "samverkansrutin.yaml").write_text(ROUTINE, encoding="utf-8")
    check = run_check(library)
    assert [d.format_text() for d in check.diagnostics if d.code == "R107"] == []
    assert [d.format_text() for d in check.diagnostics if d.is_error] == []


@pytest.mark.parametrize("kind", ["docx", "html"])
def test_our_own_output_imports_back_to_the_same_blocks_and_parts(kind: str,
                                                                  tmp_path: Path) -> None:
    """The built DOCX and web page of an imported draft give back its ingress blocks, its
    empty parts and its unstated phone: "X: Ej angivet" is read as the marker, not as text."""
    facts, output = _build("ingress-listor", tmp_path)
    built = _one(output, rf".*-v[\d.]+\.{kind}")
    again = import_source(built, kind="samverkansrutin", today=TODAY).mapping
    assert again["ingress"] == facts["ingress"]
    assert _section(again, "Ansvar").get("ej_angivet") == ["Ansvarig läkare"]
    children = _section(again, "Arbetsgång")["underavsnitt"]
    assert children[1] == {"rubrik": "Vid utebliven dos", "tomt_i_källan": True}
    phones = {c.get("namn"): c.get("telefon") for c in again["kontakter"]}
    assert phones["Per Sand"] == "ej_angivet"
