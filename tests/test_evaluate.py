"""`rutin utvärdera`: an evaluation without change is a chained ledger entry of its own kind.

It is bound to the approved content, moves the next evaluation, shows as "Senast utvärderad" on
the document (PDF, DOCX, HTML) and in `rutin status`, is verified by `rutin verify` as part of
the chain, and is refused once the content has changed (then a new version is needed).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import shutil
from pathlib import Path

import docx
import pypdf
import pytest
import yaml
from click.testing import CliRunner, Result

from builder.cli import cli
from builder.decision.approve import ApprovalRequest, approve
from builder.governance.ledger import (
    GENESIS,
    content_hash,
    entries_for,
    latest_approval,
    ledger_path,
    load_ledger,
)
from builder.load.library import load_library

REPO_ROUTINES = Path(__file__).resolve().parents[1] / "routines"
KUNGALV = "kungalv-insatser-i-hemmet"
EVALUATE = ["utvärdera", KUNGALV, "--av", "Samordningsgruppen", "--datum", "2027-01-20",
            "--protokoll", "2027-01-20 § 3", "--idag", "2027-02-10"]


@pytest.fixture()
def routines(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The shipped library with Kungälv raised to 1.1, evaluated in January and August, and
    approved on 1 September 2026."""
    root = tmp_path / "routines"
    shutil.copytree(REPO_ROUTINES, root)
    path = root / KUNGALV / "samverkansrutin.yaml"
    text = path.read_text(encoding="utf-8").replace('version: "1.0"', 'version: "1.1"', 1)
    text = text.replace("ändringar:\n", 'ändringar:\n  - {version: "1.1", datum: 2026-09-01, '
                        "beskrivning: Utvärderas i januari och augusti.}\n", 1)
    text = text.replace("giltig_från: 2026-06-01\n", "")
    path.write_text(text + "utvärdering:\n  månader: [januari, augusti]\n", encoding="utf-8")
    outcome = approve(root, ApprovalRequest(KUNGALV, "Samordningsgruppen", dt.date(2026, 9, 1),
                                            "2026-09-01 § 2", today=dt.date(2026, 9, 1)))
    assert outcome.refusals == [], outcome.refusals
    monkeypatch.chdir(tmp_path)
    return root


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def status_json(root: Path, today: str) -> dict[str, object]:
    result = run("status", str(root), "--format", "json", "--idag", today)
    assert result.exit_code == 0, result.output
    documents = json.loads(result.output)["dokument"]
    return next(d for d in documents if d["id"] == KUNGALV)


def test_evaluation_is_a_chained_entry_bound_to_the_approved_content(routines: Path) -> None:
    folder = routines / KUNGALV
    before, _ = load_ledger(folder)
    result = run(*EVALUATE, "--routines", str(routines))
    assert result.exit_code == 0, result.output
    assert "utvärderad utan ändring av Samordningsgruppen 2027-01-20" in result.output

    entries, problems = load_ledger(folder)
    assert problems == []
    assert len(entries) == len(before) + 1
    entry = entries[-1]
    assert (entry.decision, entry.version, entry.date) == ("utvärderad", "1.1",
                                                            dt.date(2027, 1, 20))
    assert entry.protocol == "2027-01-20 § 3" and entry.summary == "Utvärderad utan ändring."
    assert entry.previous_sha256 == before[-1].digest != GENESIS
    library, _ = load_library(routines)
    routine = library.by_id(KUNGALV)
    assert routine is not None
    assert entry.content_sha256 == content_hash(routine.document)
    # An evaluation is not a decision: the approval of 1.1 stays the routine's decision.
    approval = latest_approval(library, KUNGALV)
    assert approval is not None and approval.version == "1.1" and approval.is_approval
    assert entries_for(library, KUNGALV)[-1] == approval
    # The routine's file is not touched, and `rutin check` finds the ledger intact.
    raw = yaml.safe_load(ledger_path(folder).read_text(encoding="utf-8"))
    assert raw[-1]["beslut"] == "utvärderad"
    check = run("check", str(routines), "--idag", "2027-02-10")
    assert check.exit_code == 0, check.output
    assert "R406" not in check.output and "R404" not in check.output


def test_evaluation_moves_the_next_review_and_shows_in_status(routines: Path) -> None:
    due = status_json(routines, "2027-02-10")
    assert due["nästa_utvärdering"] == "2027-01-31" and due["försenad"] is True
    assert due["senast_utvärderad"] is None
    assert run("check", str(routines), "--idag", "2027-02-10").output.count("R404") == 1

    assert run(*EVALUATE, "--routines", str(routines)).exit_code == 0
    after = status_json(routines, "2027-02-10")
    assert after["senast_utvärderad"] == "2027-01-20"
    assert after["nästa_utvärdering"] == "2027-08-31" and after["försenad"] is False
    text = run("status", str(routines), "--idag", "2027-02-10")
    assert "Senast utvärderad utan ändring" in text.output
    assert f"{KUNGALV}: 2027-01-20" in text.output
    assert "försenade" in text.output and "0 försenade" in text.output


def test_evaluation_is_refused_after_a_content_change(routines: Path) -> None:
    path = routines / KUNGALV / "samverkansrutin.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "När ett ärende kommer in bör NSVT", "När ett ärende kommer in ska NSVT", 1),
        encoding="utf-8")
    ledger = ledger_path(routines / KUNGALV)
    before = ledger.read_bytes()
    result = run(*EVALUATE, "--routines", str(routines))
    assert result.exit_code == 1
    assert "Utvärderingen registrerades inte" in result.output
    assert "har ändrats sedan version 1.1 fastställdes (2026-09-01)" in result.output
    assert "Höj versionen" in result.output
    assert ledger.read_bytes() == before


def test_evaluation_of_a_routine_never_approved_is_refused(routines: Path) -> None:
    result = run("utvardera", "narsjukvardsteam", "--av", "Samordningsgruppen", "--datum",
                 "2027-01-20", "--protokoll", "§ 3", "--idag", "2027-02-10",
                 "--routines", str(routines))
    assert result.exit_code == 1
    assert "ingen gällande fastställd version" in result.output


def test_evaluation_dated_before_the_approval_is_refused(routines: Path) -> None:
    result = run("utvärdera", KUNGALV, "--av", "Samordningsgruppen", "--datum", "2026-08-01",
                 "--protokoll", "§ 1", "--idag", "2027-02-10", "--routines", str(routines))
    assert result.exit_code == 1
    assert "liggarens datum får inte gå bakåt" in result.output


def pdf_text(path: Path) -> str:
    reader = pypdf.PdfReader(io.BytesIO(path.read_bytes()))
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


def test_evaluation_shows_on_the_documents_and_verify_checks_the_chain(
        routines: Path, tmp_path: Path) -> None:
    assert run(*EVALUATE, "--routines", str(routines)).exit_code == 0
    output = tmp_path / "output"
    build = run("build", str(routines), "-o", str(output), "--format", "pdf,docx,html",
                "--quiet")
    assert build.exit_code == 0, build.output
    folder = output / KUNGALV / KUNGALV
    pdf, word, html = (folder / f"{KUNGALV}-v1.1.{ext}" for ext in ("pdf", "docx", "html"))
    assert "Senast utvärderad 20 januari 2027" in pdf_text(pdf)
    cells = [c.text for t in docx.Document(str(word)).tables for r in t.rows for c in r.cells]
    assert "Senast utvärderad\n20 januari 2027" in cells
    assert "Senast utvärderad" in html.read_text(encoding="utf-8")

    verified = run("verify", str(pdf), "--routines", str(routines))
    assert verified.exit_code == 0, verified.output
    assert "Utvärderad utan ändring 2027-01-20 av Samordningsgruppen (2027-01-20 § 3)" \
        in verified.output

    # The evaluation is part of the chain: rewriting it is caught by verify as well as check.
    ledger = ledger_path(routines / KUNGALV)
    ledger.write_text(ledger.read_text(encoding="utf-8").replace(
        "protokoll: 2027-01-20 § 3", "protokoll: 2027-01-21 § 9"), encoding="utf-8")
    tampered = run("verify", str(pdf), "--routines", str(routines))
    assert tampered.exit_code == 1
    assert "Godkännandeliggaren är skadad" in tampered.output
    assert "R406" in run("check", str(routines)).output


@pytest.mark.parametrize("step", ["approve:ledger", "approve:routine"])
def test_an_evaluation_killed_midway_is_finished_by_the_next_check(routines: Path,
                                                                  step: str) -> None:
    # The same journaled path as `rutin approve`: killed after the journal, the entry is
    # written by the next command, once, and the routine's file is never touched.
    import os
    import subprocess
    import sys

    from builder.locking import ENV_KILL_AT

    path = routines / KUNGALV / "samverkansrutin.yaml"
    before = path.read_bytes()
    killed = subprocess.run([sys.executable, "-m", "builder", *EVALUATE, "--routines",
                             str(routines)], check=False, capture_output=True, text=True,
                            env={**os.environ, ENV_KILL_AT: step})
    assert killed.returncode == -9
    check = run("check", str(routines), "--idag", "2027-02-10")
    assert "Slutförde ett avbrutet beslut" in check.output
    assert "(utvärderad 2027-01-20)" in check.output
    entries, problems = load_ledger(routines / KUNGALV)
    assert problems == [] and [e.decision for e in entries].count("utvärderad") == 1
    assert path.read_bytes() == before
