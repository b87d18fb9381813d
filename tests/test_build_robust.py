"""`rutin build` under kills and concurrency: a generation is published whole or not at all,
a killed build's leftovers are finished or cleaned, outputs are trusted only as written, and
pool workers die with the build. Builds are real processes; nothing sleeps to wait for a race."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from filelock import FileLock
from pypdf import PdfReader

from builder.locking import ENV_KILL_AT, output_lock_path
from builder.publish.manifest import MANIFEST_NAME

BASE = Path(__file__).resolve().parent / "cases" / "_base"
ROUTINE = Path("bas") / "samverkansrutin.yaml"
STEPS = ["build:render", "build:write", "build:index", "build:manifest",
         "build:publish-record", "build:publish"]


def rutin(*args: str, env: dict[str, str] | None = None,
          new_session: bool = False) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "builder", *args], check=False,
                          capture_output=True, text=True, timeout=300,
                          env={**os.environ, **(env or {})}, start_new_session=new_session)


def build(routines: Path, output: Path, *extra: str,
          env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return rutin("build", str(routines), "-o", str(output), "--format", "pdf,html",
                 "--quiet", "--idag", "2026-06-15", *extra, env=env)


@pytest.fixture()
def library(tmp_path: Path) -> Path:
    root = tmp_path / "routines"
    shutil.copytree(BASE, root)
    return root


def snapshot(output: Path) -> dict[str, str]:
    """Every file under output/ (the build's lock lies beside it) with its SHA-256."""
    return {p.relative_to(output).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(output.rglob("*")) if p.is_file()}


def assert_consistent(output: Path) -> None:
    """No leftovers, and every file the manifest names is exactly as it recorded."""
    leftovers = [p.name for p in output.rglob("*") if p.name.endswith(".tmp")
                 or p.name in (".rutin-staging", ".rutin-publish.json")]
    assert leftovers == []
    manifest = json.loads((output / MANIFEST_NAME).read_text(encoding="utf-8"))
    for entry in manifest["entries"].values():
        for name, stamp in zip(entry["files"], entry["stamps"], strict=True):
            assert hashlib.sha256((output / name).read_bytes()).hexdigest() == stamp["sha256"]
    for name, stamp in manifest["index"].items():
        assert hashlib.sha256((output / name).read_bytes()).hexdigest() == stamp["sha256"]


def bump_title(routines: Path, title: str) -> None:
    path = routines / ROUTINE
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("titel: Samverkansrutin för testfallen", f"titel: {title}", 1)
                    .replace("titel: Samverkansrutin", f"titel: {title}", 1), encoding="utf-8")


def pdf_text(output: Path) -> str:
    pdf = next(output.rglob("*.pdf"))
    return "\n".join(page.extract_text() for page in PdfReader(pdf).pages)


@pytest.mark.parametrize("step", STEPS)
def test_build_killed_at_a_write_step_publishes_all_or_nothing_and_recovers(
        library: Path, tmp_path: Path, step: str) -> None:
    output = tmp_path / "output"
    assert build(library, output).returncode == 0
    before = snapshot(output)
    bump_title(library, "Ny titel efter ändring")
    killed = build(library, output, "--jobs", "1", env={ENV_KILL_AT: step})
    assert killed.returncode == -9, killed.stdout + killed.stderr
    if step != "build:publish":  # nothing of the new generation is visible yet
        after = {k: v for k, v in snapshot(output).items()
                 if not k.startswith((".rutin-staging/", ".rutin-publish"))}
        assert after == before
    again = build(library, output)
    assert again.returncode == 0, again.stdout + again.stderr
    assert_consistent(output)
    assert "Ny titel efter ändring" in pdf_text(output)
    assert "Ny titel efter ändring" in (output / "index.html").read_text(encoding="utf-8") \
        or "Ny titel efter ändring" in next(output.rglob("*/index.html")).read_text(
            encoding="utf-8")


def test_stale_temporary_files_of_a_killed_build_are_removed(library: Path,
                                                             tmp_path: Path) -> None:
    output = tmp_path / "output"
    assert build(library, output).returncode == 0
    pdf = next(output.rglob("*.pdf"))
    stale = [output / ".index.html.k3j9x_2q.tmp", pdf.parent / f".{pdf.name}.a8b7c6d5.tmp"]
    for path in stale:
        path.write_bytes(b"")
    result = build(library, output)
    assert result.returncode == 0
    assert not any(path.exists() for path in stale)
    assert "tillfälliga filer" in result.stderr


def test_truncated_output_is_rebuilt_not_trusted(library: Path, tmp_path: Path) -> None:
    output = tmp_path / "output"
    assert build(library, output).returncode == 0
    pdf = next(output.rglob("*.pdf"))
    whole = pdf.stat().st_size
    with pdf.open("r+b") as handle:
        handle.truncate(whole // 2)
    result = build(library, output)
    assert result.returncode == 0
    assert "Inget att göra" not in result.stderr
    assert pdf.stat().st_size == whole and len(PdfReader(pdf).pages) >= 1
    assert_consistent(output)


def test_same_size_corruption_with_a_new_mtime_is_caught_by_the_hash(library: Path,
                                                                     tmp_path: Path) -> None:
    output = tmp_path / "output"
    assert build(library, output).returncode == 0
    pdf = next(output.rglob("*.pdf"))
    data = bytearray(pdf.read_bytes())
    data[len(data) // 2] ^= 0xFF
    pdf.write_bytes(bytes(data))
    assert "Inget att göra" not in build(library, output).stderr
    assert_consistent(output)


def _session_members(session: int) -> list[int]:
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[3]) == session and fields[0] != "Z":  # field 6: session id
            members.append(int(entry.name))
    return members


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_pool_workers_die_with_a_killed_build(library: Path, tmp_path: Path) -> None:
    for attempt in range(3):
        output = tmp_path / f"output{attempt}"
        proc = subprocess.Popen(
            [sys.executable, "-m", "builder", "build", str(library), "-o", str(output),
             "--format", "pdf,html", "--jobs", "2", "--quiet"],
            env={**os.environ, ENV_KILL_AT: "build:render"}, start_new_session=True,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        assert proc.wait(timeout=300) == -9
        deadline = time.monotonic() + 10  # the kernel's signal, not a race: bounded wait
        while _session_members(proc.pid) and time.monotonic() < deadline:
            os.sched_yield()
        assert _session_members(proc.pid) == []


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_early_workers_die_with_a_build_killed_while_they_render(library: Path,
                                                                 tmp_path: Path) -> None:
    output = tmp_path / "output"
    args = ["build", str(library), "-o", str(output), "--format", "pdf,html", "--jobs", "2",
            "--quiet", "--idag", "2026-06-15"]
    assert rutin(*args).returncode == 0
    bump_title(library, "Ny titel")  # a rebuild of one routine: workers start before the check
    proc = subprocess.Popen([sys.executable, "-m", "builder", *args],
                            env={**os.environ, ENV_KILL_AT: "build:render"},
                            start_new_session=True, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    assert proc.wait(timeout=300) == -9
    deadline = time.monotonic() + 10  # the kernel's signal, not a race: bounded wait
    while _session_members(proc.pid) and time.monotonic() < deadline:
        os.sched_yield()
    assert _session_members(proc.pid) == []
    assert rutin(*args).returncode == 0  # the next build finishes the job
    assert_consistent(output)
    assert "Ny titel" in pdf_text(output)


def test_two_builds_of_one_output_started_together_both_succeed_consistently(
        library: Path, tmp_path: Path) -> None:
    output = tmp_path / "output"
    go = tmp_path / "go"
    starter = ("import os,sys;from pathlib import Path;Path(sys.argv[1]).touch()\n"
               "while not Path(sys.argv[2]).exists(): os.sched_yield()\n"
               "from builder.cli import main;sys.argv=['rutin',*sys.argv[3:]];main()")
    args = ["build", str(library), "-o", str(output), "--format", "pdf,html", "--quiet"]
    procs = [subprocess.Popen([sys.executable, "-c", starter, str(tmp_path / f"r{i}"), str(go),
                               *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
             for i in range(2)]
    for i in range(2):
        while not (tmp_path / f"r{i}").exists():
            os.sched_yield()
    go.touch()
    assert [p.wait(timeout=300) for p in procs] == [0, 0]
    assert_consistent(output)


def test_held_output_lock_gives_a_swedish_message_and_exit_2(library: Path,
                                                             tmp_path: Path) -> None:
    output = tmp_path / "output"
    output.mkdir()
    with FileLock(str(output_lock_path(output))):
        result = build(library, output, env={"RUTIN_LOCK_TIMEOUT": "0.2"})
    assert result.returncode == 2
    assert "Utdatamappen är låst av en annan process" in result.stderr
    assert "Traceback" not in result.stderr
