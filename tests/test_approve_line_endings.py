"""`rutin approve` of a routine saved on Windows (CRLF line endings, a UTF-8 byte order mark):
the decision updates the file and keeps its line endings and mark; a decision stranded by an
older version is finished by running approve again; what cannot be finished is said exactly;
temporary files a killed approve left behind are removed by the next approve, check or build."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from builder.check import run_check
from builder.governance.ledger import load_ledger
from builder.locking import ENV_KILL_AT

REPO_ROUTINES = Path(__file__).resolve().parents[1] / "routines"
GROUP = "sas-mobil-narvard"
DOC = "palliativt-team"
TODAY = "2027-06-30"
BOM = b"\xef\xbb\xbf"


def rutin(*args: str, env: dict[str, str] | None = None,
          cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "builder", *args], check=False,
                          capture_output=True, text=True, timeout=300,
                          env={**os.environ, **(env or {})}, cwd=cwd)


def approve_args(root: Path) -> list[str]:
    return ["approve", DOC, "--av", "Samordningsgruppen", "--datum", "2026-12-01",
            "--protokoll", "2026-12-01 § 3", "--routines", str(root), "--idag", TODAY]


def windows_library(tmp_path: Path, crlf: bool, bom: bool) -> tuple[Path, Path]:
    """The shipped library with the draft made approvable and saved as Windows would."""
    root = tmp_path / "routines"
    shutil.copytree(REPO_ROUTINES, root)
    path = root / GROUP / f"{DOC}.yaml"
    text = path.read_text(encoding="utf-8").replace("  exempel: true\n", "")
    data = text.replace("\n", "\r\n" if crlf else "\n").encode("utf-8")
    path.write_bytes((BOM if bom else b"") + data)
    return root, path


def assert_saved_as_before(path: Path, crlf: bool, bom: bool) -> str:
    raw = path.read_bytes()
    assert raw.startswith(BOM) == bom
    if crlf:
        assert raw.count(b"\n") == raw.count(b"\r\n"), "a line lost its CR"
    else:
        assert b"\r" not in raw
    return raw.removeprefix(BOM).decode("utf-8")


def findings_for(root: Path, path: Path) -> list[str]:
    result = run_check(root)
    return [f"{d.rule} {d.message}" for d in result.diagnostics
            if d.is_error and Path(d.file).resolve() == path.resolve()]


@pytest.mark.parametrize(("crlf", "bom"), [(True, False), (False, True), (True, True)],
                         ids=["crlf", "bom", "crlf-bom"])
def test_approve_updates_a_windows_file_and_keeps_its_line_endings(
        tmp_path: Path, crlf: bool, bom: bool) -> None:
    root, path = windows_library(tmp_path, crlf, bom)
    done = rutin(*approve_args(root))
    assert done.returncode == 0, done.stderr
    text = assert_saved_as_before(path, crlf, bom)
    assert "status: fastställd" in text and "godkänt_av: Samordningsgruppen" in text
    assert "datum_för_godkännande: 2026-12-01" in text
    assert findings_for(root, path) == []  # no R410: the YAML says what the ledger says
    entries, _ = load_ledger(root / GROUP)
    assert [(e.document, e.version) for e in entries if e.document == DOC]
    archived = next((root / GROUP / "arkiv").glob(f"{DOC}*"))
    assert archived.read_bytes().count(b"\n") == archived.read_bytes().count(b"\r\n") or not crlf
    built = rutin("check", str(root))
    assert built.returncode == 0, built.stdout + built.stderr


def test_a_stranded_decision_is_finished_by_running_approve_again(tmp_path: Path) -> None:
    """The state an earlier version left: ledger and archive written, the CRLF file still
    'granskning', check gives R410. The same approve finishes it and says so."""
    root, path = windows_library(tmp_path, crlf=True, bom=False)
    before = path.read_bytes()
    assert rutin(*approve_args(root)).returncode == 0
    path.write_bytes(before)  # as the old approve left it
    assert any(f.startswith("R410") for f in findings_for(root, path))
    again = rutin(*approve_args(root))
    assert again.returncode == 0, again.stderr
    assert "Slutförde det avbrutna beslutet" in again.stdout
    text = assert_saved_as_before(path, crlf=True, bom=False)
    assert "status: fastställd" in text
    assert findings_for(root, path) == []


def test_a_decision_whose_file_changed_meanwhile_says_exactly_what_to_do(
        tmp_path: Path) -> None:
    """Killed before the YAML was written, then the file is edited: the next check cannot
    finish the decision and names the file and the values to set by hand."""
    root, path = windows_library(tmp_path, crlf=True, bom=False)
    killed = rutin(*approve_args(root), env={ENV_KILL_AT: "approve:routine"})
    assert killed.returncode == -9
    path.write_bytes(path.read_bytes().replace(b"Palliativt team", b"Palliativa teamet", 1))
    checked = rutin("check", str(root), cwd=tmp_path)
    assert "kunde inte slutföras" in checked.stderr
    assert f"routines/{GROUP}/{DOC}.yaml har ändrats sedan beslutet fattades" in checked.stderr
    assert "status: fastställd" in checked.stderr and "godkänt_av: Samordningsgruppen" \
        in checked.stderr
    assert "Traceback" not in checked.stderr
    assert not (root / ".rutin-beslut.json").exists()


@pytest.mark.parametrize("command", ["approve", "check", "build"])
def test_temporary_files_of_a_killed_approve_are_removed(tmp_path: Path, command: str) -> None:
    root, path = windows_library(tmp_path, crlf=False, bom=False)
    left = []
    for folder, name in ((path.parent, path.name), (path.parent, "godkannanden.yaml"),
                         (root, ".rutin-beslut.json")):
        fd, name_left = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=folder)
        os.write(fd, b"halvskriven")
        os.close(fd)
        os.utime(name_left, (time.time() - 3600, time.time() - 3600))  # killed an hour ago
        left.append(Path(name_left))
    fresh_fd, fresh = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fresh_fd)  # being written right now by another process: left alone
    args = {"approve": approve_args(root),
            "check": ["check", str(root)],
            "build": ["build", str(root), "-o", str(tmp_path / "output"), "--format", "html"]}
    done = rutin(*args[command], cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert [p for p in left if p.exists()] == []
    assert "Tog bort 3 tillfälliga filer" in done.stderr
    assert Path(fresh).exists()
