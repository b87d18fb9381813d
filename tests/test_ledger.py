"""The ledger: content hash, hash chain (R406), content changed after approval (R407/R408),
and the archive (R409)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from approval_helpers import approve_kungalv_1_1

from builder.check import run_check
from builder.diagnostics import Diagnostic
from builder.governance.ledger import GENESIS, HASH_EXCLUDED, content_hash, load_ledger
from builder.load.safe_yaml import parse_yaml_text
from builder.load.to_model import validate_routine
from builder.model import Document

REPO_ROUTINES = Path(__file__).resolve().parents[1] / "routines"
GROUP = "kungalv-insatser-i-hemmet"


@pytest.fixture()
def routines(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "routines"
    shutil.copytree(REPO_ROUTINES, root)
    monkeypatch.chdir(tmp_path)
    return root


def parse(text: str) -> Document:
    source, problems = parse_yaml_text(text, "x.yaml")
    assert source is not None and problems == []
    document, problems = validate_routine(source)
    assert document is not None, problems
    return document


def rules(root: Path, code: str) -> list[Diagnostic]:
    return [d for d in run_check(root).diagnostics if d.rule == code]


def line_of(path: Path, startswith: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, start=1) if line.startswith(startswith))


def test_hash_ignores_layout_and_approval_fields_but_not_meaning() -> None:
    text = (REPO_ROUTINES / GROUP / "samverkansrutin.yaml").read_text(encoding="utf-8")
    original = content_hash(parse(text))
    relaid = ("# en ny kommentar\n" + text.replace("titel: Samverkansrutin", "titel: 'Samverkansrutin")
              .replace("specialistvården\ndokumenttyp", "specialistvården'  # kommentar\ndokumenttyp"))
    assert content_hash(parse(relaid)) == original
    decided = (text.replace("status: fastställd", "status: utkast")
               .replace("giltig_från: 2026-06-01", "giltig_från: 2026-07-01")
               .replace("datum_för_godkännande: 2026-05-29", "datum_för_godkännande: 2026-05-30")
               .replace("godkänt_av: Samordningsgruppen", "godkänt_av: Någon annan"))
    assert content_hash(parse(decided)) == original
    assert HASH_EXCLUDED == ("status", "datum_för_godkännande", "godkänt_av", "giltig_från")
    assert content_hash(parse(text.replace("kan arbeta på uppdrag", "får arbeta på uppdrag"))) \
        != original
    assert content_hash(parse(text.replace('version: "1.0"', 'version: "1.1"', 1))) != original


def test_shipped_ledger_is_intact() -> None:
    entries, problems = load_ledger(REPO_ROUTINES / GROUP)
    assert problems == []
    assert entries[0].previous_sha256 == GENESIS
    assert [d for d in run_check(REPO_ROUTINES).diagnostics
            if d.rule in ("R406", "R407", "R408", "R409")] == []


def test_one_word_edited_after_approval_is_r407_at_version_line(routines: Path) -> None:
    path = routines / GROUP / "samverkansrutin.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("ambulanssjukvården", "ambulansen", 1), encoding="utf-8")
    [found] = rules(routines, "R407")
    assert found.line == line_of(path, "version:")
    assert "ändrad efter fastställande – höj versionen och begär nytt godkännande" in found.message


def test_edited_ledger_entry_is_r406_at_its_line(routines: Path) -> None:
    ledger = routines / GROUP / "godkannanden.yaml"
    text = ledger.read_text(encoding="utf-8")
    ledger.write_text(text.replace("sammanfattning: Ny rutin.", "sammanfattning: Ny rutin!"),
                      encoding="utf-8")
    [found] = rules(routines, "R406")
    assert found.file.endswith("godkannanden.yaml")
    assert found.line == line_of(ledger, "- dokument:")
    assert found.is_error


def test_deleted_or_moved_entry_breaks_the_chain(routines: Path) -> None:
    outcome = approve_kungalv_1_1(routines, body="samordningsgruppen")
    assert outcome.refusals == []
    ledger = routines / GROUP / "godkannanden.yaml"
    lines = ledger.read_text(encoding="utf-8").splitlines(keepends=True)
    starts = [i for i, line in enumerate(lines) if line.startswith("- ")]
    first, second = lines[starts[0]:starts[1]], lines[starts[1]:]
    ledger.write_text("".join(lines[:starts[0]] + second), encoding="utf-8")  # delete entry 1
    found = rules(routines, "R406")
    assert [d.line for d in found] == [starts[0] + 1]
    assert "kedjan är bruten" in found[0].message
    ledger.write_text("".join(lines[:starts[0]] + second + first), encoding="utf-8")  # reorder
    assert rules(routines, "R406")


def test_deleted_archive_copy_is_r409(routines: Path) -> None:
    archive = routines / GROUP / "arkiv" / f"{GROUP}-v1.0.yaml"
    archive.unlink()
    [found] = rules(routines, "R409")
    assert "saknas" in found.message and found.file.endswith("godkannanden.yaml")


def test_altered_archive_copy_is_r409(routines: Path) -> None:
    archive = routines / GROUP / "arkiv" / f"{GROUP}-v1.0.yaml"
    text = archive.read_text(encoding="utf-8")
    archive.write_text(text.replace("ambulanssjukvården", "ambulansen", 1), encoding="utf-8")
    [found] = rules(routines, "R409")
    assert found.file.endswith(f"{GROUP}-v1.0.yaml") and "har ändrats" in found.message


def test_fastställd_without_ledger_entry_is_r408(routines: Path) -> None:
    (routines / GROUP / "godkannanden.yaml").unlink()
    shutil.rmtree(routines / GROUP / "arkiv")
    path = routines / GROUP / "samverkansrutin.yaml"
    [found] = rules(routines, "R408")
    assert found.line == line_of(path, "status:")
    assert "rutin approve" in found.message


def test_hostile_ledger_is_reported_not_followed(routines: Path) -> None:
    ledger = routines / GROUP / "godkannanden.yaml"
    ledger.write_text("- &a {dokument: x}\n- *a\n", encoding="utf-8")
    found = [d for d in run_check(routines).diagnostics if d.file.endswith("godkannanden.yaml")]
    assert [d.rule for d in found] == ["R105"]
    ledger.write_text("dokument: inte en lista\n", encoding="utf-8")
    assert [d.rule for d in rules(routines, "R406")] == ["R406"]


def test_ledger_schema_is_current_and_accepts_the_shipped_ledger() -> None:
    import json

    import jsonschema
    import yaml

    from builder.governance.ledger import LEDGER_SCHEMA_FILE, ledger_schema

    shipped = json.loads((REPO_ROUTINES / LEDGER_SCHEMA_FILE).read_text(encoding="utf-8"))
    assert shipped == ledger_schema()
    ledger = REPO_ROUTINES / GROUP / "godkannanden.yaml"
    assert ledger.read_text(encoding="utf-8").startswith(
        f"# yaml-language-server: $schema=../{LEDGER_SCHEMA_FILE}\n")
    jsonschema.validate(yaml.safe_load(ledger.read_text(encoding="utf-8")), shipped)
