"""The pre-commit hook definition: valid YAML naming the `rutin check` entry point."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import click
import pytest
import yaml
from click.testing import CliRunner

from builder.cli import cli

ROOT = Path(__file__).resolve().parents[1]
# Keys pre-commit accepts in a hook manifest (pre-commit/clientlib.py MANIFEST_HOOK_DICT).
KNOWN_KEYS = {
    "id", "name", "entry", "language", "alias", "files", "exclude", "types", "types_or",
    "exclude_types", "additional_dependencies", "args", "always_run", "fail_fast",
    "pass_filenames", "description", "language_version", "log_file", "require_serial",
    "stages", "verbose", "minimum_pre_commit_version",
}


def load_hooks() -> list[dict[str, object]]:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert isinstance(hooks, list)
    return hooks


def test_hook_runs_rutin_check_on_the_whole_library() -> None:
    (hook,) = [h for h in load_hooks() if h["id"] == "rutin-check"]
    assert set(hook) <= KNOWN_KEYS
    assert {"id", "name", "entry", "language"} <= set(hook)
    assert hook["entry"] == "rutin check"
    assert hook["language"] == "python"
    # `rutin check` takes one PATH: the hook passes the library, never the changed files.
    assert hook["pass_filenames"] is False
    assert hook["args"] == ["routines"]
    pattern = re.compile(str(hook["files"]))
    assert pattern.search("routines/sas-mobil-narvard/narsjukvardsteam.yaml")
    assert pattern.search("routines/organisation.yml")
    assert not pattern.search("README.md")
    assert not pattern.search("templates/index.html.j2")


def test_entry_point_is_the_installed_console_script() -> None:
    (hook,) = load_hooks()
    program, command = shlex.split(str(hook["entry"]))
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert project["project"]["scripts"][program] == "builder.cli:main"
    assert command in cli.list_commands(click.Context(cli))


def test_hook_command_line_checks_the_shipped_routines(monkeypatch: pytest.MonkeyPatch) -> None:
    (hook,) = load_hooks()
    monkeypatch.chdir(ROOT)
    assert isinstance(hook["args"], list)
    args = shlex.split(str(hook["entry"]))[1:] + [str(a) for a in hook["args"]]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code in (0, 1), result.output  # a verdict, never a usage error


# --- pre-commit itself runs the hook from a clone of this repository ------------------------


def _git(*args: str, cwd: Path) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True,
                          text=True, timeout=120).stdout.strip()


@pytest.fixture(scope="module")
def routine_repository(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A routine repository whose .pre-commit-config.yaml names a clone of Rutinbyggaren."""
    base = tmp_path_factory.mktemp("precommit")
    clone = base / "rutinbyggaren"
    _git("clone", "--quiet", str(ROOT), str(clone), cwd=base)
    rev = _git("rev-parse", "HEAD", cwd=clone)
    repository = base / "rutiner"
    shutil.copytree(ROOT / "routines", repository / "routines")
    (repository / ".pre-commit-config.yaml").write_text(
        "repos:\n"
        f"  - repo: {clone}\n"
        f"    rev: {rev}\n"
        "    hooks:\n"
        "      - id: rutin-check\n", encoding="utf-8")
    _git("init", "--quiet", cwd=repository)
    _git("add", ".", cwd=repository)
    return repository


def pre_commit(repository: Path) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items()
           if key not in ("PYTHONPATH", "VIRTUAL_ENV")}
    # The hook environment is cached per repository and rev (outside the repo, like a user's).
    env.setdefault("PRE_COMMIT_HOME", str(Path.home() / ".cache" / "pre-commit"))
    program = Path(sys.executable).parent / "pre-commit"
    return subprocess.run([str(program), "run", "--all-files", "--color", "never"],
                          cwd=repository, env=env, capture_output=True, text=True,
                          timeout=900, check=False)


@pytest.mark.slow
def test_pre_commit_passes_on_the_shipped_routines(routine_repository: Path) -> None:
    result = pre_commit(routine_repository)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert re.search(r"rutin check \(validera rutinerna\)\.+Passed", output), output


@pytest.mark.slow
def test_pre_commit_fails_with_the_located_finding_on_a_broken_routine(
    routine_repository: Path,
) -> None:
    target = routine_repository / "routines" / "sas-mobil-narvard" / "narsjukvardsteam.yaml"
    original = target.read_text(encoding="utf-8")
    lines = original.splitlines(keepends=True)
    line = lines.index("uppföljning:\n") + 1
    target.write_text(original.replace("\nuppföljning:\n", "\nuppfoljning:\n", 1),
                      encoding="utf-8")
    _git("add", ".", cwd=routine_repository)
    try:
        result = pre_commit(routine_repository)
    finally:
        target.write_text(original, encoding="utf-8")
        _git("add", ".", cwd=routine_repository)
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert re.search(r"rutin check \(validera rutinerna\)\.+Failed", output), output
    assert (f"routines/sas-mobil-narvard/narsjukvardsteam.yaml:{line}:1: fel R102 "
            "okänd nyckel 'uppfoljning'; menade du 'uppföljning'?") in output
