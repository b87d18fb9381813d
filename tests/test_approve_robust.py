"""`rutin approve` under concurrency and kills: nothing lost, nothing stuck, dates that never run
backwards. Processes are real (`python -m builder`) and synchronised with files, never sleeps."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from filelock import FileLock

from builder.check import run_check
from builder.governance.ledger import load_ledger
from builder.load.library import load_library
from builder.locking import ENV_KILL_AT, LIBRARY_LOCK

REPO_ROUTINES = Path(__file__).resolve().parents[1] / "routines"
GROUP = "sas-mobil-narvard"
DRAFTS = ("palliativt-team", "narsjukvardsteam")
TODAY = "2027-06-30"
# Starts `rutin` only when the test creates the go-file, after every process said it is ready.
STARTER = textwrap.dedent("""
    import os, sys
    from pathlib import Path
    ready, go = Path(sys.argv[1]), Path(sys.argv[2])
    ready.touch()
    while not go.exists():
        os.sched_yield()
    from builder.cli import main
    sys.argv = ["rutin", *sys.argv[3:]]
    main()
""")


@pytest.fixture()
def routines(tmp_path: Path) -> Path:
    root = tmp_path / "routines"
    shutil.copytree(REPO_ROUTINES, root)
    for doc in DRAFTS:
        path = root / GROUP / f"{doc}.yaml"
        path.write_text(path.read_text(encoding="utf-8").replace("  exempel: true\n", ""),
                        encoding="utf-8")
    return root


def approve_args(root: Path, doc: str, datum: str = "2026-12-01") -> list[str]:
    return ["approve", doc, "--av", "Samordningsgruppen", "--datum", datum,
            "--protokoll", f"{datum} § 3", "--routines", str(root), "--idag", TODAY]


def rutin(*args: str, env: dict[str, str] | None = None,
          cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "builder", *args], check=False, capture_output=True,
                          text=True, timeout=120, env={**os.environ, **(env or {})}, cwd=cwd)


def start_together(runs: list[list[str]], folder: Path) -> list[subprocess.CompletedProcess[str]]:
    """Start every command, wait until each is ready, then release them at the same moment."""
    go = folder / "go"
    go.unlink(missing_ok=True)
    procs = []
    for index, args in enumerate(runs):
        ready = folder / f"ready-{index}"
        ready.unlink(missing_ok=True)
        procs.append((ready, subprocess.Popen(
            [sys.executable, "-c", STARTER, str(ready), str(go), *args],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)))
    for ready, proc in procs:
        while not ready.exists():
            assert proc.poll() is None, proc.communicate()
            os.sched_yield()
    go.touch()
    results = []
    for _, proc in procs:
        out, err = proc.communicate(timeout=180)
        results.append(subprocess.CompletedProcess(proc.args, proc.returncode, out, err))
    return results


def errors(root: Path) -> list[str]:
    return [d.format_text() for d in run_check(root).diagnostics if d.is_error]


def status_of(root: Path, doc: str) -> str:
    routine = load_library(root)[0].by_id(doc)
    assert routine is not None
    return str(routine.document.status)


def test_two_approves_of_different_routines_started_together_keep_every_decision(
        tmp_path: Path) -> None:
    for attempt in range(5):
        root = tmp_path / f"run{attempt}" / "routines"
        shutil.copytree(REPO_ROUTINES, root)
        for doc in DRAFTS:
            path = root / GROUP / f"{doc}.yaml"
            path.write_text(path.read_text(encoding="utf-8").replace("  exempel: true\n", ""),
                            encoding="utf-8")
        results = start_together([approve_args(root, doc) for doc in DRAFTS], root.parent)
        assert [r.returncode for r in results] == [0, 0], [r.stderr for r in results]
        entries, problems = load_ledger(root / GROUP)
        assert problems == []
        assert sorted(e.document for e in entries) == sorted(DRAFTS)
        assert entries[1].previous_sha256 == entries[0].digest
        for doc in DRAFTS:
            assert status_of(root, doc) == "fastställd"
            assert (root / GROUP / "arkiv" / f"{doc}-v0.1.yaml").is_file()
        assert errors(root) == []


def test_two_approves_of_the_same_version_one_wins_the_other_says_already_approved(
        routines: Path) -> None:
    for attempt in range(3):
        if attempt:  # back to the draft, with a fresh ledger and archive
            shutil.rmtree(routines)
            shutil.copytree(REPO_ROUTINES, routines)
            path = routines / GROUP / f"{DRAFTS[0]}.yaml"
            path.write_text(path.read_text(encoding="utf-8").replace("  exempel: true\n", ""),
                            encoding="utf-8")
        results = start_together([approve_args(routines, DRAFTS[0])] * 2, routines.parent)
        assert sorted(r.returncode for r in results) == [0, 1]
        loser = next(r for r in results if r.returncode == 1)
        assert "redan fastställd med samma innehåll" in loser.stderr
        assert "annat innehåll" not in loser.stderr
        entries, problems = load_ledger(routines / GROUP)
        assert problems == [] and len(entries) == 1
        assert errors(routines) == []


@pytest.mark.parametrize("step", ["approve:journal", "approve:archive", "approve:ledger",
                                  "approve:routine", "approve:done"])
def test_approve_killed_at_any_step_is_finished_by_the_next_check(
        routines: Path, step: str) -> None:
    killed = rutin(*approve_args(routines, DRAFTS[0]), env={ENV_KILL_AT: step})
    assert killed.returncode == -9, killed.stderr
    checked = rutin("check", str(routines), "--idag", TODAY)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    entries, problems = load_ledger(routines / GROUP)
    assert problems == []
    if step == "approve:journal":  # nothing was written yet: the decision is simply not made
        assert entries == [] and status_of(routines, DRAFTS[0]) == "utkast"
        assert rutin(*approve_args(routines, DRAFTS[0])).returncode == 0
    else:
        assert "avbrutet beslut" in checked.stderr or step == "approve:done"
        assert [e.document for e in entries] == [DRAFTS[0]]
        assert status_of(routines, DRAFTS[0]) == "fastställd"
        again = rutin(*approve_args(routines, DRAFTS[0]))
        assert again.returncode == 1 and "redan fastställd med samma innehåll" in again.stderr
    assert not (routines / ".rutin-beslut.json").exists()
    assert errors(routines) == []


def test_a_killed_approve_is_also_finished_by_the_next_build(routines: Path,
                                                             tmp_path: Path) -> None:
    assert rutin(*approve_args(routines, DRAFTS[0]),
                 env={ENV_KILL_AT: "approve:ledger"}).returncode == -9
    built = rutin("build", str(routines), "-o", str(tmp_path / "out"), "--format", "html",
                  "--idag", TODAY, "--quiet")
    assert "Slutförde ett avbrutet beslut" in built.stderr
    assert status_of(routines, DRAFTS[0]) == "fastställd"


def test_ledger_entry_whose_routine_is_not_fastställd_is_r410_and_approve_finishes_it(
        routines: Path) -> None:
    assert rutin(*approve_args(routines, DRAFTS[0]),
                 env={ENV_KILL_AT: "approve:routine"}).returncode == -9
    (routines / ".rutin-beslut.json").unlink()  # as a killed older version would leave it
    found = [d for d in run_check(routines).diagnostics if d.rule == "R410"]
    assert len(found) == 1
    source = (routines / GROUP / f"{DRAFTS[0]}.yaml").read_text(encoding="utf-8")
    status_line = next(i for i, line in enumerate(source.splitlines(), 1)
                       if line.startswith("status:"))
    assert (found[0].line, found[0].column) == (status_line, 1)
    assert "avbröts" in found[0].message and "rutin approve" in found[0].message
    finished = rutin(*approve_args(routines, DRAFTS[0]))
    assert finished.returncode == 0, finished.stderr
    assert "Slutförde det avbrutna beslutet" in finished.stdout
    assert status_of(routines, DRAFTS[0]) == "fastställd"
    assert len(load_ledger(routines / GROUP)[0]) == 1
    assert errors(routines) == []


def test_archive_copy_without_ledger_entry_names_the_interrupted_approve(routines: Path) -> None:
    assert rutin(*approve_args(routines, DRAFTS[0]),
                 env={ENV_KILL_AT: "approve:ledger"}).returncode == -9
    (routines / ".rutin-beslut.json").unlink()
    found = [d for d in run_check(routines).diagnostics if d.rule == "R409"]
    assert len(found) == 1
    assert "avbröts" in found[0].message and "tagits bort" not in found[0].message
    assert rutin(*approve_args(routines, DRAFTS[0])).returncode == 0  # the copy is reused
    assert errors(routines) == []


def test_decision_dated_in_the_future_is_refused(routines: Path) -> None:
    result = rutin(*approve_args(routines, DRAFTS[0], datum="2099-01-01"))
    assert result.returncode == 1
    assert "2099-01-01 ligger i framtiden" in result.stderr
    assert not (routines / GROUP / "godkannanden.yaml").exists()


def test_decision_dated_before_the_previous_one_is_refused(routines: Path) -> None:
    doc = routines / GROUP / f"{DRAFTS[0]}.yaml"
    assert rutin(*approve_args(routines, DRAFTS[0], datum="2026-12-01")).returncode == 0
    text = doc.read_text(encoding="utf-8").replace('version: "0.1"', 'version: "0.2"', 1)
    text = text.replace("ändringar:\n", 'ändringar:\n  - {version: "0.2", datum: 2026-11-01, '
                        "beskrivning: Nytt steg.}\n", 1)
    doc.write_text(text.replace("giltig_från: 2026-12-01\n", ""), encoding="utf-8")
    result = rutin(*approve_args(routines, DRAFTS[0], datum="2026-11-01"))
    assert result.returncode == 1
    assert "ligger före föregående beslut" in result.stderr and "2026-12-01" in result.stderr
    assert len(load_ledger(routines / GROUP)[0]) == 1


def test_held_library_lock_gives_a_swedish_message_and_exit_2(routines: Path) -> None:
    with FileLock(str(routines / LIBRARY_LOCK)):
        result = rutin(*approve_args(routines, DRAFTS[0]), env={"RUTIN_LOCK_TIMEOUT": "0.2"})
    assert result.returncode == 2
    assert "låst av en annan process" in result.stderr and "Traceback" not in result.stderr
    assert not (routines / GROUP / "godkannanden.yaml").exists()


def test_interrupted_decision_is_rolled_back_when_the_ledger_moved_on(routines: Path) -> None:
    import datetime as dt

    from builder.decision.journal import recover_pending
    from builder.governance.ledger import GENESIS, ledger_text_with, make_entry

    assert rutin(*approve_args(routines, DRAFTS[0]),
                 env={ENV_KILL_AT: "approve:ledger"}).returncode == -9
    archived = routines / GROUP / "arkiv" / f"{DRAFTS[0]}-v0.1.yaml"
    assert archived.is_file()
    # Someone else's decision lands first (a hand edit; the lock prevents it otherwise).
    other = make_entry(GENESIS, document=DRAFTS[1], version="0.1", decision="fastställd",
                       body="Samordningsgruppen", date=dt.date(2026, 12, 1), protocol="§ 9",
                       summary="Annan", content="0" * 64)
    (routines / GROUP / "godkannanden.yaml").write_text(ledger_text_with(None, other),
                                                         encoding="utf-8")
    notes = recover_pending(routines)
    assert len(notes) == 1 and "rullades tillbaka" in notes[0]
    assert not archived.exists() and not (routines / ".rutin-beslut.json").exists()
    assert status_of(routines, DRAFTS[0]) == "utkast"
    assert [e.document for e in load_ledger(routines / GROUP)[0]] == [DRAFTS[1]]
