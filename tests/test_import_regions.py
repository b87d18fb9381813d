"""Issue 23: import never loses a part, never reports as unstated what the source states, and
gives a draft that passes `rutin check` and builds.

Each fixture is written from its facts file (tests/fixtures/import-facts/): Word files made with
python-docx in Word's own styles and intranet pages, in several header shapes (pairs side by
side, labels over values, merged cells, a cell of "Label: value" lines, label|value rows). The
source's parts are counted independently (python-docx, selectolax) and compared with the
report's placed + not placed + chrome.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from builder.authoring.importing import ImportResult, import_source, target_path
from builder.check import run_check
from builder.cli import cli
from builder.options import BuildOptions
from builder.publish.run import run_build
from tests.import_region_fixtures import (
    docx_parts,
    fact_names,
    html_parts,
    load_facts,
    make_source,
)

ORGANISATION = Path(__file__).parent / "fixtures" / "regioner" / "organisation.yaml"
TODAY = dt.date(2026, 11, 20)


def _squash(text: Any) -> str:
    return re.sub(r"\s+", " ", str(text)).strip().casefold()


def _field_text(mapping: dict[str, Any], field: str) -> str:
    """Everything the draft holds under a top-level key, as one searchable text."""
    return _squash(mapping.get(field, ""))


def _section_text(mapping: dict[str, Any], heading: str) -> str:
    section = next((s for s in mapping.get("avsnitt", []) if s["rubrik"] == heading), None)
    return _squash(section) if section is not None else ""


Expectation = tuple[str, Any, str]  # (the draft's text where it belongs, the value, label)


def _header_expectations(facts: dict[str, Any], mapping: dict[str, Any]) -> list[Expectation]:
    found = [(_field_text(mapping, f["fält"]), f["värde"], f["etikett"]) for f in facts["huvud"]]
    found.append((_field_text(mapping, "titel"), facts["titel"], "titel"))
    if facts.get("sammanslagen"):
        found.append((_field_text(mapping, "ingress"), facts["sammanslagen"], "sammanslagen"))
    running = (facts.get("löpande") or {}).get("sidhuvud")
    if running and running.startswith("Region"):
        found.append((_field_text(mapping, "organisation"), running, "utfärdare i sidhuvudet"))
    if facts.get("sidtitel"):
        issuer = facts["sidtitel"].split("|")[-1].strip()
        found.append((_field_text(mapping, "organisation"), issuer, "utfärdare i sidtiteln"))
    return found


def _contact_expectations(part: dict[str, Any], contacts: str) -> list[Expectation]:
    found: list[Expectation] = []
    for contact in part.get("kontakttabell", []):
        found += [(contacts, contact["namn"], "kontakt"), (contacts, contact["roll"], "roll")]
    for line in part.get("rader", []):
        found.append((contacts, re.split(r"\s+\d", line)[0], f"kontakt {line}"))
    return found


def _section_expectations(part: dict[str, Any], mapping: dict[str, Any]) -> list[Expectation]:
    heading = part["rubrik"]
    if part.get("kontakttabell") or part.get("rader"):
        return _contact_expectations(part, _field_text(mapping, "kontakter"))
    section = _section_text(mapping, heading)
    headings = _squash([s["rubrik"] for s in mapping.get("avsnitt", [])])
    found: list[Expectation] = [(headings, heading, heading)]
    found += [(section, value, f"{heading}: {value[:30]}")
              for key in ("text", "steg", "punkter") for value in part.get(key, [])]
    if part.get("ruta"):
        note = next((s.get("not", "") for s in mapping["avsnitt"] if s["rubrik"] == heading), "")
        found.append((_squash(note), part["ruta"], f"{heading}: ruta som not"))
    if part.get("länk"):
        found.append((section, part["länk"]["text"], f"{heading}: länktext"))
    return found


def placed_facts(facts: dict[str, Any], mapping: dict[str, Any]) -> tuple[int, int, list[str]]:
    """(facts placed where they belong, facts in the source, the facts not found)."""
    expectations = _header_expectations(facts, mapping)
    for part in facts["avsnitt"]:
        expectations += _section_expectations(part, mapping)
    missing = [label for where, value, label in expectations if _squash(value) not in where]
    return len(expectations) - len(missing), len(expectations), missing


def wrongly_not_stated(facts: dict[str, Any], mapping: dict[str, Any]) -> list[str]:
    """Header fields the source states but the draft calls ej_angivet."""
    stated = {f["fält"] for f in facts["huvud"]}
    if (facts.get("löpande") or {}).get("sidhuvud", "").startswith("Region") or \
            facts.get("sidtitel"):
        stated.add("organisation")
    return sorted(key for key in stated if mapping.get(key) == "ej_angivet")


def source_part_count(path: Path) -> int:
    if path.suffix == ".docx":
        return docx_parts(path)
    inside, outside = html_parts(path)
    return inside + outside


def import_fixture(name: str, folder: Path) -> tuple[dict[str, Any], Path, ImportResult]:
    facts = load_facts(name)
    source = make_source(facts, folder, name)
    return facts, source, import_source(source, kind="samverkansrutin", today=TODAY)


@pytest.mark.parametrize("name", fact_names())
def test_every_fact_of_the_source_is_placed_by_field(name: str, tmp_path: Path) -> None:
    facts, _, result = import_fixture(name, tmp_path)
    placed, total, missing = placed_facts(facts, result.mapping)
    assert missing == [] and placed == total
    assert wrongly_not_stated(facts, result.mapping) == []
    unplaced_text = _squash([u.text for u in result.report.unplaced])
    assert not [f for f in facts["huvud"] if _squash(f["värde"]) in unplaced_text]


@pytest.mark.parametrize("name", fact_names())
def test_report_counts_add_up_to_the_sources_parts(name: str, tmp_path: Path) -> None:
    _, source, result = import_fixture(name, tmp_path)
    report = result.report
    assert report.source_parts == source_part_count(source)
    placed, unplaced, dropped = report.tally
    assert placed + unplaced + dropped == report.source_parts
    assert unplaced == len({u.where for u in report.unplaced})
    text = result.report_text("utkast.yaml")
    assert (f"Källan har {report.source_parts} delar (stycken, listpunkter och "
            f"tabellceller): {placed} placerade, {unplaced} kunde inte placeras") in text
    for item in report.unplaced:  # every part not placed is listed with its text and place
        assert f"{item.where}: ”" in text


def build_import_draft(name: str, folder: Path,
                       formats: tuple[str, ...] = ("pdf", "html")) -> tuple[dict[str, Any], Path]:
    """Import fixture ``name`` as a samverkansrutin into a library of its own in ``folder``,
    assert that `rutin check` finds no error and that it builds; (its facts, output/)."""
    (folder / "källa").mkdir()
    facts, _, result = import_fixture(name, folder / "källa")
    library = folder / "routines"
    library.mkdir()
    shutil.copy(ORGANISATION, library / "organisation.yaml")
    target = library / "importerad" / "samverkansrutin.yaml"
    target.parent.mkdir()
    target.write_text(result.yaml_text, encoding="utf-8")
    check = run_check(library)
    assert [d.format_text() for d in check.diagnostics if d.is_error] == []
    build = run_build(library, BuildOptions(output=folder / "output", jobs=1, quiet=True,
                                            today=TODAY, sign=False, formats=formats))
    assert [d.format_text() for d in build.diagnostics if d.is_error] == []
    return facts, folder / "output"


@pytest.mark.parametrize("name", fact_names())
def test_import_draft_passes_check_and_builds(name: str, tmp_path: Path) -> None:
    _, output = build_import_draft(name, tmp_path)
    assert list(output.rglob("*.pdf"))


def test_issuer_is_never_guessed(tmp_path: Path) -> None:
    _, _, result = import_fixture("etikett-over-varde", tmp_path)
    assert result.mapping["organisation"] == "ej_angivet"  # the document names no issuer
    assert "Utfärdare (organisation): källan namnger ingen" in result.report_text("u.yaml")
    _, _, named = import_fixture("par-per-rad", tmp_path)
    assert named.mapping["organisation"] == "Region Halland"  # its running header says so


def test_links_resolve_against_the_pages_address_or_become_text(tmp_path: Path) -> None:
    _, _, canonical = import_fixture("intranat-rader", tmp_path)
    syfte = _section_text(canonical.mapping, "Syfte")
    assert "https://www.vgregion.example.se/sv/vardprogram/palliativ/" in syfte
    assert "](" not in syfte
    _, source, plain = import_fixture("intranat-etiketter", tmp_path)
    assert "](" not in _section_text(plain.mapping, "Målgrupp")
    assert any("--bas-url" in note for note in plain.report.notes)
    given = import_source(source, kind="samverkansrutin", today=TODAY,
                          base_url="https://intranat.example.se/rutiner/utskrivning/")
    assert ("Blankett (https://intranat.example.se/rutiner/utskrivning/blankett.pdf)"
            in str(given.mapping["avsnitt"]))


def test_in_use_status_is_proposed_when_no_decision_is_shown(tmp_path: Path) -> None:
    _, _, none = import_fixture("intranat-rader", tmp_path)
    assert none.mapping["status"] == "i_bruk_enligt_källan"
    _, _, decided = import_fixture("par-per-rad", tmp_path)
    assert decided.mapping["status"] == "fastställd_annan_instans"
    assert decided.mapping["fastställd_annan_instans"]["organ"] == "Vårdsamverkan Halland"


def test_same_file_twice_leaves_no_duplicate_id(tmp_path: Path) -> None:
    facts = load_facts("intranat-rader")
    source = make_source(facts, tmp_path, "sida")
    folder = tmp_path / "routines" / "grupp"
    runner = CliRunner()
    first = runner.invoke(cli, ["import", str(source), "--till", str(folder)])
    assert first.exit_code == 0, first.output
    second = runner.invoke(cli, ["import", str(source), "--till", str(folder)])
    assert second.exit_code == 1
    assert "har redan id" in second.output
    assert len(list(folder.glob("*.yaml"))) == 1


def test_team_id_in_group_file_cannot_steer_the_write(tmp_path: Path) -> None:
    folder = tmp_path / "routines" / "grupp"
    folder.mkdir(parents=True)
    (folder / "samverkansrutin.yaml").write_text(
        "id: grupp\ntyp: samverkansrutin\nteam:\n  - {id: ../../utanfor, namn: Hemgång}\n",
        encoding="utf-8")
    facts = load_facts("intranat-rader")
    facts["titel"] = "Arbetsrutin Hemgång"
    source = make_source(facts, tmp_path, "arbetsrutin")
    result = CliRunner().invoke(cli, ["import", str(source), "--till", str(folder),
                                      "--typ", "arbetsrutin"])
    assert result.exit_code == 0, result.output
    written = [p for p in tmp_path.rglob("*.yaml")]
    assert all(folder in p.parents for p in written), written
    assert not (tmp_path / "utanfor.yaml").exists()


def test_fifo_is_not_called_missing(tmp_path: Path) -> None:
    fifo = tmp_path / "rutin.html"
    import os

    os.mkfifo(fifo)
    result = CliRunner().invoke(cli, ["import", str(fifo)])
    assert result.exit_code == 1
    assert "finns inte" not in result.output and "ingen vanlig fil" in result.output


def test_utf16_page_and_control_characters(tmp_path: Path) -> None:
    page = ("<html><head><title>Rutin för hemgång</title></head><body><h1>Rutin för hemgång"
            "</h1><h2>Syfte</h2><p>Trygg hemgång\x07 för äldre.\x1b</p></body></html>")
    path = tmp_path / "utf16.html"
    path.write_bytes(page.encode("utf-16"))
    result = import_source(path, kind="samverkansrutin", today=TODAY)
    assert result.mapping["titel"] == "Rutin för hemgång"
    assert "Trygg hemgång för äldre." in str(result.mapping["avsnitt"])
    assert "\x07" not in result.yaml_text and "\x1b" not in result.yaml_text


def test_suggested_next_command_works(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    facts = load_facts("intranat-rader")
    source = make_source(facts, tmp_path, "sida")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "routines").mkdir()
    shutil.copy(ORGANISATION, tmp_path / "routines" / "organisation.yaml")
    runner = CliRunner()
    result = runner.invoke(cli, ["import", str(source)])
    assert result.exit_code == 0, result.output
    command = re.search(r"kör '(rutin [^']+)'", result.output)
    assert command is not None
    args = command[1].split()[1:]
    checked = runner.invoke(cli, args)
    assert checked.exit_code == 0, checked.output
    assert target_path  # the path the report names is the one written
