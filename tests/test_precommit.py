"""The pre-commit hook definition: valid YAML naming the `rutin check` entry point."""

from __future__ import annotations

import re
import shlex
import tomllib
from pathlib import Path

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
    assert command in cli.commands  # type: ignore[attr-defined]


def test_hook_command_line_checks_the_shipped_routines(monkeypatch: pytest.MonkeyPatch) -> None:
    (hook,) = load_hooks()
    monkeypatch.chdir(ROOT)
    assert isinstance(hook["args"], list)
    args = shlex.split(str(hook["entry"]))[1:] + [str(a) for a in hook["args"]]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code in (0, 1), result.output  # a verdict, never a usage error
