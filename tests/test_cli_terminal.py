"""The terminal as a user meets it, for every command of `rutin`: exit codes exactly as the
README's table says, plain output with NO_COLOR or --no-color, Swedish counted words and progress
text, and no Python warning from another package.

Every command in the click group must have a row in SCENARIOS (and in the README's table): a new
command is covered by adding its scenarios, and the tests fail until it is.
"""

from __future__ import annotations

import os
import pty
import re
import select
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from builder.cli import cli
from builder.diagnostics import Diagnostic, summary_sv
from builder.text.plural import count

ROOT = Path(__file__).resolve().parents[1]
KUNGALV = "kungalv-insatser-i-hemmet"
ESCAPE = re.compile(r"\x1b[\[\]()#;?0-9A-Za-z]")


def command_paths(group: click.Group = cli, prefix: tuple[str, ...] = ()) -> list[str]:
    """Every command of the group, subcommands included ("new arbetsrutin"), by name; an alias
    (the same command under a name without å/ä/ö) counts once, under the command's own name."""
    ctx = click.Context(group)
    found: list[str] = []
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        assert command is not None
        if command.name != name:
            continue
        path = (*prefix, name)
        if isinstance(command, click.Group):
            found += command_paths(command, path)
        else:
            found.append(" ".join(path))
    return found


def bump_kungalv_to_1_1(work: Path) -> None:
    """The author's part of a new version: 1.1 with its change summary."""
    path = work / "routines" / KUNGALV / "samverkansrutin.yaml"
    text = path.read_text(encoding="utf-8").replace('version: "1.0"', 'version: "1.1"', 1)
    text = text.replace("ändringar:\n", 'ändringar:\n  - {version: "1.1", datum: 2026-09-01, '
                        "beskrivning: Förtydligat steg 4.}\n", 1)
    path.write_text(text.replace("giltig_från: 2026-06-01\n", ""), encoding="utf-8")


def break_a_routine(work: Path) -> None:
    path = work / "bas" / "bas" / "samverkansrutin.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("titel:", "titl:", 1), encoding="utf-8")


def write_import_sources(work: Path) -> None:
    (work / "rutin.html").write_text(
        "<html><body><h1>Rutin för test</h1><p>Syftet är att testa.</p>"
        "<ol><li>Ring patienten.</li></ol></body></html>", encoding="utf-8")
    (work / "trasig.docx").write_bytes(b"PK\x03\x04inget riktigt zip-arkiv")


def write_unsigned_pdf(work: Path) -> None:
    (work / "osignerad.pdf").write_bytes(b"inte en PDF")


@dataclass(frozen=True)
class Case:
    """A command line and what to prepare in the working folder first."""

    args: tuple[str, ...]
    prepare: Callable[[Path], None] | None = None


@dataclass(frozen=True)
class Scenarios:
    """What gives 0, what gives 1 (None: the command has no findings to fail on) and what
    names a library or file that does not exist (None: the command reads none)."""

    clean: Case | None
    findings: Case | None
    missing: Case | None
    needs: tuple[str, ...] = field(default=())  # fixtures the case uses ("signed_pdf")


SCENARIOS: dict[str, Scenarios] = {
    "approve": Scenarios(
        clean=Case(("approve", KUNGALV, "--av", "Samordningsgruppen", "--datum", "2026-09-01",
                    "--protokoll", "2026-09-01 § 2", "--idag", "2026-09-02"),
                   bump_kungalv_to_1_1),
        findings=Case(("approve", KUNGALV, "--av", "Samordningsgruppen", "--datum",
                       "2026-09-01", "--protokoll", "2026-09-01 § 2", "--idag", "2026-09-02")),
        missing=Case(("approve", KUNGALV, "--av", "x", "--datum", "2026-09-01", "--protokoll",
                      "x", "--routines", "finns-inte"))),
    "build": Scenarios(
        clean=Case(("build", "bas", "--format", "html", "-o", "ut", "--quiet")),
        findings=Case(("build", "bas", "--format", "html", "-o", "ut", "--quiet"),
                      break_a_routine),
        missing=Case(("build", "finns-inte", "-o", "ut"))),
    "check": Scenarios(
        clean=Case(("check", "bas")),
        findings=Case(("check", "--routines", "bas"), break_a_routine),
        missing=Case(("check", "finns-inte"))),
    "diff": Scenarios(
        clean=Case(("diff", KUNGALV)),
        findings=None,
        missing=Case(("diff", KUNGALV, "--routines", "finns-inte"))),
    "export": Scenarios(
        clean=Case(("export", KUNGALV, "--mermaid", "-o", "karta.mmd")),
        # The SÄS samverkansrutin has no steps of its own: nothing to draw as BPMN.
        findings=Case(("export", "sas-mobil-narvard", "--bpmn", "-o", "karta.bpmn")),
        missing=Case(("export", KUNGALV, "--bpmn", "--routines", "finns-inte"))),
    "import": Scenarios(
        clean=Case(("import", "rutin.html", "--till", "routines/ny/"), write_import_sources),
        findings=Case(("import", "trasig.docx"), write_import_sources),
        missing=Case(("import", "finns-inte.docx"))),
    "new arbetsrutin": Scenarios(
        clean=Case(("new", "arbetsrutin", "testteam", "bas", "--samverkansrutin",
                    "bas-samverkan")),
        findings=None,
        missing=Case(("new", "arbetsrutin", "testteam", "--samverkansrutin", "bas-samverkan",
                      "--routines", "finns-inte"))),
    "review": Scenarios(
        clean=Case(("review", KUNGALV, "-o", "granskning.pdf")),
        findings=None,
        missing=Case(("review", KUNGALV, "--routines", "finns-inte"))),
    "schema": Scenarios(clean=Case(("schema", "-o", "schema/rutin.schema.json")),
                        findings=None, missing=None),
    "serve": Scenarios(clean=None, findings=None, missing=Case(("serve", "finns-inte"))),
    "status": Scenarios(
        clean=Case(("status", "tillstand", "--idag", "2026-03-01", "--fail-on-overdue")),
        findings=Case(("status", "tillstand", "--idag", "2027-03-01", "--fail-on-overdue")),
        missing=Case(("status", "finns-inte"))),
    "utvärdera": Scenarios(
        clean=Case(("utvärdera", KUNGALV, "--av", "Samordningsgruppen", "--datum", "2026-09-01",
                    "--protokoll", "2026-09-01 § 3", "--idag", "2026-09-02")),
        findings=Case(("utvärdera", KUNGALV, "--av", "Samordningsgruppen", "--datum",
                       "2026-09-01", "--protokoll", "2026-09-01 § 3", "--idag", "2026-09-02"),
                      bump_kungalv_to_1_1),
        missing=Case(("utvärdera", KUNGALV, "--av", "x", "--datum", "2026-09-01", "--protokoll",
                      "x", "--routines", "finns-inte"))),
    "verify": Scenarios(
        clean=Case(("verify", "signerad.pdf")),
        findings=Case(("verify", "osignerad.pdf"), write_unsigned_pdf),
        missing=Case(("verify", "finns-inte.pdf")),
        needs=("signed_pdf",)),
}
EXPECTED = {"clean": 0, "findings": 1, "missing": 2}


def test_every_command_has_its_scenarios() -> None:
    assert sorted(SCENARIOS) == sorted(command_paths())


@pytest.fixture(scope="module")
def signed_pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Kungälv's approved PDF, built and signed (with the test key) from a one-routine library."""
    work = tmp_path_factory.mktemp("signerad")
    library = work / "routines"
    library.mkdir()
    shutil.copy(ROOT / "routines" / "organisation.yaml", library)
    shutil.copytree(ROOT / "routines" / KUNGALV, library / KUNGALV)
    result = CliRunner().invoke(cli, ["build", str(library), "-o", str(work / "ut"),
                                      "--format", "pdf", "--quiet"])
    assert result.exit_code == 0, result.output
    (pdf,) = (work / "ut").rglob(f"{KUNGALV}-v1.0.pdf")
    return pdf


@pytest.fixture
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> Path:
    """A working folder with the shipped library (routines/), the small case library (bas/) and
    the status tests' library (tillstand/, with overdue reviews in 2027)."""
    shutil.copytree(ROOT / "routines", tmp_path / "routines")
    shutil.copytree(ROOT / "tests" / "cases" / "_base", tmp_path / "bas")
    shutil.copytree(ROOT / "tests" / "fixtures" / "status-library", tmp_path / "tillstand")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path


def _cases() -> list[tuple[str, str]]:
    return [(command, kind) for command, scenarios in SCENARIOS.items()
            for kind in ("usage", *EXPECTED) if kind == "usage" or getattr(scenarios, kind)]


@pytest.mark.parametrize(("command", "kind"), _cases())
def test_exit_codes_are_as_the_readme_says(command: str, kind: str, work: Path,
                                          request: pytest.FixtureRequest) -> None:
    if kind == "usage":
        result = CliRunner().invoke(cli, [*command.split(), "--finns-inte"])
        assert result.exit_code == 2, result.output
        assert "Flaggan '--finns-inte' finns inte." in result.output
        return
    scenarios = SCENARIOS[command]
    case = getattr(scenarios, kind)
    if "signed_pdf" in scenarios.needs:
        shutil.copy(request.getfixturevalue("signed_pdf"), work / "signerad.pdf")
    if case.prepare is not None:
        case.prepare(work)
    result = CliRunner().invoke(cli, list(case.args))
    assert result.exit_code == EXPECTED[kind], (case.args, result.output)
    assert "Traceback" not in result.output


def readme_exit_table() -> dict[str, str]:
    """The README's "Slutkoder" table: command → what exit code 1 means ("–": never 1)."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("### Slutkoder", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| `rutin ([a-zåäö ]+)[^`]*` \| (.+?) \|$", section, re.MULTILINE)
    return {command.strip(): meaning.strip() for command, meaning in rows}


def test_the_readme_exit_code_table_names_every_command_and_when_it_fails() -> None:
    table = readme_exit_table()
    assert sorted(table) == sorted(command_paths())
    for command, scenarios in SCENARIOS.items():
        assert (table[command] == "–") == (scenarios.findings is None), command


def test_environment_errors_exit_2_from_the_installed_command(tmp_path: Path) -> None:
    """As `rutin` (main(), not CliRunner): a lock held by another process is exit 2."""
    shutil.copytree(ROOT / "tests" / "cases" / "_base", tmp_path / "bas")
    from filelock import FileLock

    with FileLock(str(tmp_path / "bas" / ".rutin.lock")):
        done = subprocess.run(
            [sys.executable, "-m", "builder", "approve", "bas-samverkan", "--av",
             "Samordningsgruppen", "--datum", "2026-05-02", "--protokoll", "§ 1",
             "--routines", "bas"], cwd=tmp_path, capture_output=True, text=True, check=False,
            env={**os.environ, "RUTIN_LOCK_TIMEOUT": "0.2"})
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stderr.startswith("Fel: ") and "Traceback" not in done.stderr


# --- colour ------------------------------------------------------------------------------------


def run_in_terminal(args: list[str], cwd: Path, env: dict[str, str]) -> tuple[int, str]:
    """`rutin args` on a pseudo-terminal (stdout and stderr are a TTY, as for a person)."""
    pid, fd = pty.fork()
    if pid == 0:  # the child: become `rutin`
        os.chdir(cwd)
        os.execve(sys.executable, [sys.executable, "-m", "builder", *args], env)
    chunks = []
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 1)
        if ready:
            try:
                data = os.read(fd, 65536)
            except OSError:  # the child closed the terminal
                break
            if not data:
                break
            chunks.append(data)
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    return os.waitstatus_to_exitcode(status), b"".join(chunks).decode("utf-8", "replace")


def _colour_cases() -> list[str]:
    return [command for command, s in SCENARIOS.items() if s.findings or s.clean]


@pytest.mark.parametrize("command", _colour_cases())
def test_no_color_output_of_every_command_has_no_escape_sequences(
    command: str, work: Path, request: pytest.FixtureRequest
) -> None:
    scenarios = SCENARIOS[command]
    case = scenarios.findings or scenarios.clean
    assert case is not None
    if "signed_pdf" in scenarios.needs:
        shutil.copy(request.getfixturevalue("signed_pdf"), work / "signerad.pdf")
    if case.prepare is not None:
        case.prepare(work)
    env = {**os.environ, "NO_COLOR": "1", "XDG_CACHE_HOME": str(work / "cache"),
           "COLUMNS": "120"}
    code, output = run_in_terminal(list(case.args), work, env)
    assert code == (1 if scenarios.findings else 0), output
    assert output.strip(), "the command printed nothing to judge"
    assert not ESCAPE.search(output), repr(output[:400])


def test_a_terminal_gets_colour_and_no_color_or_the_flag_take_it_away(work: Path) -> None:
    break_a_routine(work)
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    env["XDG_CACHE_HOME"] = str(work / "cache")
    for args in (["check", "bas"], ["diff", KUNGALV, "--from", "1.0"]):
        _, coloured = run_in_terminal(args, work, env)
        if args[0] == "check":  # the summary line is red on a terminal
            assert ESCAPE.search(coloured), coloured
        _, flag = run_in_terminal([*args, "--no-color"], work, env)
        _, group_flag = run_in_terminal(["--no-color", *args], work, env)
        assert not ESCAPE.search(flag) and not ESCAPE.search(group_flag)
        assert flag.replace("\r", "") == group_flag.replace("\r", "")


# --- Swedish words and times -------------------------------------------------------------------


@pytest.mark.parametrize(("number", "expected"), [
    (0, "0 varningar"), (1, "1 varning"), (2, "2 varningar"), (21, "21 varningar")])
def test_counted_words_take_the_singular_only_for_one(number: int, expected: str) -> None:
    assert count(number, "varning", "varningar") == expected


def test_the_check_summary_says_1_varning_and_1_dokument_but_2_varningar() -> None:
    warning = Diagnostic("a.yaml", 1, 1, "R202", "warning", "m")
    other = Diagnostic("a.yaml", 2, 1, "R202", "warning", "m")
    assert summary_sv([warning], 1) == "0 fel, 1 varning i 1 dokument"
    assert summary_sv([warning, other], 2) == "0 fel, 2 varningar i 2 dokument"


def test_the_build_summary_counts_files_in_swedish(work: Path) -> None:
    result = CliRunner().invoke(cli, ["build", "bas", "--format", "html", "-o", "ut"])
    assert result.exit_code == 0, result.output
    again = CliRunner().invoke(cli, ["build", "bas", "--format", "html", "-o", "ut"])
    assert re.search(r"Byggde 1 utdata, skrev \d+ filer", result.output), result.output
    assert "Inget att göra: allt är aktuellt (1 fil," in again.output, again.output


def test_the_progress_bar_says_how_long_so_far_and_about_how_long_is_left() -> None:
    from rich.console import Console

    from builder.cli.progress import SwedishTimeColumn, build_progress, clock

    progress = build_progress(Console(file=open(os.devnull, "w"), force_terminal=False))  # noqa: SIM115
    task_id = progress.add_task("bygger", total=None)
    task = progress.tasks[0]
    column = SwedishTimeColumn()
    assert str(column.render(task)) == "0:00 hittills"  # no pace yet: no guess
    progress.start_task(task_id)
    progress.update(task_id, total=40)
    for done in (4, 8):
        progress.update(task_id, completed=done)
        time.sleep(0.05)
    shown = str(column.render(task))
    assert re.fullmatch(r"\d:\d\d hittills, cirka \d+:\d\d kvar", shown), shown
    assert clock(19) == "0:19" and clock(125) == "2:05" and clock(3725) == "1:02:05"
    progress.update(task_id, completed=40)
    assert str(column.render(task)).startswith("klart på ")


# --- Python warnings -----------------------------------------------------------------------------


def test_a_warning_from_another_package_never_reaches_the_user(tmp_path: Path) -> None:
    """pyHanko importing DSA from cryptography 51 warned on every signing command; the command
    line shows no Python warning (PYTHONWARNINGS still does, for developers)."""
    code = ("import sys, warnings\n"
            "from builder.cli import cli, main\n"
            "@cli.command('varna')\n"
            "def varna():\n"
            "    warnings.warn_explicit('DSA is deprecated', UserWarning, 'pdf_cms.py', 20,\n"
            "                           module='pyhanko.sign.signers.pdf_cms')\n"
            "    warnings.warn('deprecated here', DeprecationWarning, stacklevel=1)\n"
            "sys.argv = ['rutin', 'varna']\n"
            "main()\n")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONWARNINGS"}
    quiet = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           env=env, check=False)
    assert quiet.returncode == 0 and quiet.stderr == "", quiet.stderr
    loud = subprocess.run([sys.executable, "-W", "default", "-c", code], capture_output=True,
                          text=True, env=env, check=False)
    assert "DSA is deprecated" in loud.stderr


def test_the_lock_holds_cryptography_below_51() -> None:
    lock = (ROOT / "requirements.txt").read_text(encoding="utf-8")
    major = int(re.search(r"^cryptography==(\d+)\.", lock, re.MULTILINE).group(1))  # type: ignore[union-attr]
    assert 42 <= major < 51
    assert '"cryptography>=42,<51"' in (ROOT / "pyproject.toml").read_text(encoding="utf-8")
