"""`rutin approve`: ledger entry, archive copy, status edit that keeps comments, and refusals."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from builder.check import run_check
from builder.cli import cli
from builder.governance.ledger import content_hash, latest_approval, load_ledger
from builder.load.library import load_library

REPO_ROUTINES = Path(__file__).resolve().parents[1] / "routines"
DRAFT = "palliativt-team"
GROUP = "sas-mobil-narvard"


@pytest.fixture()
def routines(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the shipped library; the draft's example follow-up is accepted by the team."""
    root = tmp_path / "routines"
    shutil.copytree(REPO_ROUTINES, root)
    draft = root / GROUP / f"{DRAFT}.yaml"
    draft.write_text(draft.read_text(encoding="utf-8").replace("  exempel: true\n", ""),
                     encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return root


TODAY = "2027-06-30"  # the tests' clock: decisions after it are refused as in the future


def approve(root: Path, *extra: str, doc: str = DRAFT, datum: str = "2026-12-01") -> Result:
    args = ["approve", doc, "--av", "Samordningsgruppen", "--datum", datum,
            "--protokoll", "2026-12-01 § 3", "--routines", str(root), "--idag", TODAY, *extra]
    return CliRunner().invoke(cli, args)


def comments(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.lstrip().startswith("#")]


def test_approve_draft_writes_entry_snapshot_and_status(routines: Path) -> None:
    path = routines / GROUP / f"{DRAFT}.yaml"
    before = path.read_text(encoding="utf-8")
    result = approve(routines)
    assert result.exit_code == 0, result.output
    after = path.read_text(encoding="utf-8")
    assert comments(after) == comments(before)
    # Only the approval lines changed: every other line is kept byte for byte.
    removed = [line for line in before.splitlines() if line not in after.splitlines()]
    added = [line for line in after.splitlines() if line not in before.splitlines()]
    assert removed == ["status: utkast"]
    assert sorted(added) == sorted(["status: fastställd", "godkänt_av: Samordningsgruppen",
                                    "datum_för_godkännande: 2026-12-01",
                                    "giltig_från: 2026-12-01"])
    entries, problems = load_ledger(routines / GROUP)
    assert problems == []
    [entry] = entries
    assert (entry.document, entry.version, entry.decision, entry.body, entry.protocol) == (
        DRAFT, "0.1", "fastställd", "Samordningsgruppen", "2026-12-01 § 3")
    assert entry.summary == "Utkast med det som samverkansrutinen säger om teamet."
    library, _ = load_library(routines)
    routine = library.by_id(DRAFT)
    assert routine is not None and routine.document.status == "fastställd"
    assert latest_approval(library, DRAFT) == entry
    assert entry.content_sha256 == content_hash(routine.document)
    snapshot = routines / GROUP / "arkiv" / f"{DRAFT}-v0.1.yaml"
    assert snapshot.is_file()
    assert [d for d in run_check(routines).diagnostics if d.is_error] == []


def test_approving_twice_refuses(routines: Path) -> None:
    assert approve(routines).exit_code == 0
    ledger = (routines / GROUP / "godkannanden.yaml").read_bytes()
    again = approve(routines)
    assert again.exit_code == 1
    assert "redan fastställd" in again.output
    assert (routines / GROUP / "godkannanden.yaml").read_bytes() == ledger


def test_approving_with_errors_refuses(routines: Path) -> None:
    path = routines / GROUP / f"{DRAFT}.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("  ansvarig: Det palliativa teamets enhetschef\n", ""),
                    encoding="utf-8")
    result = approve(routines)
    assert result.exit_code == 1
    assert "'rutin check' hittar" in result.output and "R201" in result.output
    assert not (routines / GROUP / "godkannanden.yaml").exists()
    assert not (routines / GROUP / "arkiv").exists()


def test_approving_without_change_summary_refuses(routines: Path) -> None:
    path = routines / GROUP / f"{DRAFT}.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace('version: "0.1"', 'version: "0.2"', 1),
                    encoding="utf-8")
    result = approve(routines)
    assert result.exit_code == 1
    assert "ändringssammanfattning saknas för version 0.2" in result.output
    assert not (routines / GROUP / "godkannanden.yaml").exists()


def test_lower_version_refuses(routines: Path) -> None:
    assert approve(routines).exit_code == 0
    path = routines / GROUP / f"{DRAFT}.yaml"
    text = path.read_text(encoding="utf-8").replace('version: "0.1"', 'version: "0.0"', 1)
    text = text.replace("ändringar:\n", 'ändringar:\n  - {version: "0.0", datum: 2026-12-02, '
                        "beskrivning: Bakåt}\n", 1)
    path.write_text(text, encoding="utf-8")
    result = approve(routines, datum="2026-12-02")
    assert result.exit_code == 1
    assert "inte högre än senast fastställda version 0.1" in result.output


def test_example_follow_up_and_unknown_body_refuse(routines: Path) -> None:
    path = routines / GROUP / "narsjukvardsteam.yaml"
    assert "exempel: true" in path.read_text(encoding="utf-8")
    result = CliRunner().invoke(cli, ["approve", "narsjukvardsteam", "--av", "Styrelsen",
                                      "--datum", "2026-12-01", "--protokoll", "§ 1",
                                      "--routines", str(routines)])
    assert result.exit_code == 1
    assert "'Styrelsen' är inget godkännande organ" in result.output
    assert "markerad som exempel" in result.output


def test_withdraw_appends_upphavd_entry(routines: Path) -> None:
    assert approve(routines).exit_code == 0
    result = approve(routines, "--upphäv", datum="2027-01-15")
    assert result.exit_code == 0, result.output
    entries, problems = load_ledger(routines / GROUP)
    assert problems == [] and [e.decision for e in entries] == ["fastställd", "upphävd"]
    assert entries[1].previous_sha256 == entries[0].digest
    text = (routines / GROUP / f"{DRAFT}.yaml").read_text(encoding="utf-8")
    assert "status: upphävd" in text
    library, _ = load_library(routines)
    assert latest_approval(library, DRAFT) is None
    assert [d for d in run_check(routines).diagnostics if d.is_error] == []


def test_shipped_kungalv_decision_is_recorded() -> None:
    library, _ = load_library(REPO_ROUTINES)
    entry = latest_approval(library, "kungalv-insatser-i-hemmet")
    assert entry is not None
    assert (entry.body, entry.date.isoformat(), entry.version) == (
        "Samordningsgruppen", "2026-05-29", "1.0")
    assert entry.protocol == "ej angivet"  # the seed records no protocol paragraph
    routine = library.by_id("kungalv-insatser-i-hemmet")
    assert routine is not None and entry.content_sha256 == content_hash(routine.document)


def test_recording_an_existing_decision_leaves_the_yaml_untouched(routines: Path) -> None:
    folder = routines / "kungalv-insatser-i-hemmet"
    (folder / "godkannanden.yaml").unlink()
    shutil.rmtree(folder / "arkiv")
    before = (folder / "samverkansrutin.yaml").read_bytes()
    result = approve(routines, doc="kungalv-insatser-i-hemmet", datum="2026-05-29")
    assert result.exit_code == 0, result.output
    assert (folder / "samverkansrutin.yaml").read_bytes() == before
    assert [d for d in run_check(routines).diagnostics if d.is_error] == []


def test_interrupted_approval_reuses_its_archive_copy(routines: Path) -> None:
    assert approve(routines).exit_code == 0
    folder = routines / GROUP
    path = folder / f"{DRAFT}.yaml"
    text = path.read_text(encoding="utf-8").replace('version: "0.1"', 'version: "0.2"', 1)
    text = text.replace("ändringar:\n", 'ändringar:\n  - {version: "0.2", datum: 2026-12-05, '
                        "beskrivning: Nytt steg.}\n", 1)
    path.write_text(text.replace("giltig_från: 2026-12-01\n", ""), encoding="utf-8")
    ledger_before = (folder / "godkannanden.yaml").read_bytes()
    assert approve(routines, datum="2026-12-05").exit_code == 0
    # Simulate a crash after the archive copy was written but before the ledger was.
    (folder / "godkannanden.yaml").write_bytes(ledger_before)
    path.write_text(text.replace("giltig_från: 2026-12-01\n", ""), encoding="utf-8")
    result = approve(routines, datum="2026-12-05")
    assert result.exit_code == 0, result.output
    assert [d for d in run_check(routines).diagnostics if d.is_error] == []
    changed = (folder / "arkiv" / f"{DRAFT}-v0.2.yaml")
    changed.write_text(changed.read_text(encoding="utf-8").replace("Nytt steg", "Annat"),
                       encoding="utf-8")
    assert any(d.rule == "R409" for d in run_check(routines).diagnostics)
