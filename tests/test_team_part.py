"""A change in the samverkansrutin reaches the teams (R415).

Each arbetsrutin's decision records the fingerprint of its team's part of the samverkansrutin
(the team entry, the steps that name the team, the contacts). The library in
tests/cases/invalid/R415-samverkansrutin-changed-for-team was made with the real commands:
samverkansrutin 1.0 and the arbetsrutiner alfa, beta and gamma approved against it; 2.0 (in
force) changed Alfateamet's step; the working copy 2.1 (a draft) changes Betateamet's step.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner, Result

from builder.check import run_check
from builder.cli import cli
from builder.decision.approve import ApprovalRequest, approve
from builder.governance.ledger import entries_for
from builder.governance.teampart import team_part_hash
from builder.load.library import load_library
from builder.model import Samverkansrutin
from builder.rules import CheckOptions

CASE = Path(__file__).parent / "cases" / "invalid" / "R415-samverkansrutin-changed-for-team"
TODAY = dt.date(2026, 6, 15)


@pytest.fixture()
def library(tmp_path: Path) -> Path:
    root = tmp_path / "routines"
    shutil.copytree(CASE, root)
    return root


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def r415(root: Path, today: dt.date = TODAY) -> dict[str, str]:
    """Document id → severity of its R415 finding."""
    result = run_check(root, CheckOptions(today=today))
    return {Path(d.file).stem: d.severity for d in result.diagnostics if d.rule == "R415"}


def test_the_decisions_record_the_teams_part_they_were_approved_against(library: Path) -> None:
    loaded, _ = load_library(library)
    for team in ("alfa", "beta", "gamma"):
        approval = entries_for(loaded, team)[-1]
        assert approval.parent_version == "1.0"
        assert approval.team_part_sha256 is not None and len(approval.team_part_sha256) == 64


def test_a_change_to_one_teams_part_flags_that_arbetsrutin_and_no_other(library: Path) -> None:
    # 2.0 is in force and changed Alfateamet's step: an error. The draft 2.1 changes
    # Betateamet's: a warning. Gammateamet's part never changed.
    assert r415(library) == {"alfa": "error", "beta": "warning"}
    result = run("check", str(library), "--idag", TODAY.isoformat())
    assert result.exit_code == 1
    assert ("samverkansrutinen har ändrats för teamet sedan arbetsrutinen fastställdes"
            in result.output)


def test_the_change_is_a_warning_until_the_new_samverkansrutin_is_in_force(
        library: Path) -> None:
    # Before 2.0 took effect (1 March 2026) the change to Alfateamet's part was not in force.
    assert r415(library, dt.date(2026, 2, 15)) == {"alfa": "warning", "beta": "warning"}


def test_a_change_elsewhere_in_the_samverkansrutin_flags_no_team(library: Path) -> None:
    path = library / "grupp" / "samverkansrutin.yaml"
    text = path.read_text(encoding="utf-8")
    # Undo the draft's change to Betateamet's step, then change only the purpose text.
    text = text.replace("BETA ringer patienten och närstående.", "BETA ringer patienten.")
    text = text.replace("de tre teamen samverkar.", "de tre teamen samverkar kring patienten.")
    path.write_text(text, encoding="utf-8")
    assert r415(library) == {"alfa": "error"}
    loaded, _ = load_library(library)
    routine = loaded.by_id("grupp-samverkan")
    assert routine is not None and isinstance(routine.document, Samverkansrutin)
    assert team_part_hash(routine.document, "beta") == entries_for(loaded, "beta")[-1] \
        .team_part_sha256


def test_status_lists_the_affected_arbetsrutiner(library: Path) -> None:
    result = run("status", str(library), "--format", "json", "--idag", TODAY.isoformat())
    assert result.exit_code == 0, result.output
    documents = {d["id"]: d for d in json.loads(result.output)["dokument"]}
    assert documents["alfa"]["samverkansrutin_ändrad"] == {
        "från_version": "1.0", "till_version": "2.0", "gäller": True}
    assert documents["beta"]["samverkansrutin_ändrad"] == {
        "från_version": "1.0", "till_version": "2.1", "gäller": False}
    assert documents["gamma"]["samverkansrutin_ändrad"] is None
    flagged = [d["id"] for d in documents.values()
               if any(f["kod"] == "samverkansrutin-andrad" for f in d["att_göra"])]
    assert sorted(flagged) == ["alfa", "beta"]
    text = run("status", str(library), "--idag", TODAY.isoformat())
    assert "2 med ändrad samverkansrutin" in text.output


def test_an_evaluation_entry_clears_it(library: Path) -> None:
    result = run("utvärdera", "alfa", "--av", "Samordningsgruppen", "--datum", "2026-06-10",
                 "--protokoll", "2026-06-10 § 5", "--idag", TODAY.isoformat(),
                 "--routines", str(library))
    assert result.exit_code == 0, result.output
    entry = yaml.safe_load((library / "grupp" / "godkannanden.yaml")
                           .read_text(encoding="utf-8"))[-1]
    assert entry["beslut"] == "utvärderad"
    assert entry["sammanfattning"] == "Granskad mot samverkansrutin 2.0, ingen ändring."
    # Recorded against the samverkansrutin as it stands (the draft 2.1, which kept Alfa's part).
    assert entry["samverkansrutin_version"] == "2.1"
    assert r415(library) == {"beta": "warning"}


def test_a_new_approval_of_the_arbetsrutin_clears_it(library: Path) -> None:
    path = library / "grupp" / "alfa.yaml"
    text = path.read_text(encoding="utf-8").replace('version: "1.0"', 'version: "1.1"', 1)
    text = text.replace("ändringar:\n", 'ändringar:\n  - {version: "1.1", datum: 2026-06-10, '
                        "beskrivning: Ringer patienten samma dag.}\n", 1)
    text = text.replace("giltig_från: 2026-01-12\n", "")
    path.write_text(text.replace("från samordnaren.", "från samordnaren och ringer "
                                 "patienten samma dag."), encoding="utf-8")
    outcome = approve(library, ApprovalRequest("alfa", "Samordningsgruppen",
                                               dt.date(2026, 6, 10), "2026-06-10 § 6",
                                               today=TODAY))
    assert outcome.refusals == [], outcome.refusals
    assert outcome.entry is not None and outcome.entry["samverkansrutin_version"] == "2.1"
    assert r415(library) == {"beta": "warning"}
