"""Click's own usage, help and error texts reach the user in Swedish."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from builder.cli import cli
from builder.cli.swedish import catalogue


def test_help_is_swedish() -> None:
    result = CliRunner().invoke(cli, ["build", "--help"])
    assert result.exit_code == 0
    assert "Användning: cli build" in result.output  # CliRunner names the program "cli"
    assert "Visa den här hjälpen och avsluta." in result.output
    assert "Show this message" not in result.output and "Usage:" not in result.output


def test_usage_errors_are_swedish_with_exit_2() -> None:
    missing = CliRunner().invoke(cli, ["approve", "x"])
    assert missing.exit_code == 2
    assert "Fel: Flagga saknas '--av'." in missing.output
    unknown = CliRunner().invoke(cli, ["bygg"])
    assert unknown.exit_code == 2 and "Kommandot 'bygg' finns inte." in unknown.output
    choice = CliRunner().invoke(cli, ["check", "--format", "xml"])
    assert "'xml' är inte någon av 'text', 'json', 'sarif'" in choice.output
    assert "Error" not in missing.output + unknown.output + choice.output


# --- every command's help, and the catalogue behind it -----------------------------------------

ROOT = Path(__file__).resolve().parents[1]
CATALOGUE = ROOT / "builder" / "cli" / "locale" / "sv" / "LC_MESSAGES" / "click.po"
# Click's own words as they would appear untranslated: headings, markers and value placeholders.
ENGLISH = ("Usage:", "Options:", "Commands:", "Arguments:", "[OPTIONS]", "[required]",
           "Show this message", "Show the version", "default:", "env var:", "COMMAND", "[ARGS]",
           "TEXT", "INTEGER", "FLOAT", "BOOLEAN", "PATH", "FILE", "DIRECTORY", "FILENAME",
           "CHOICE", "RANGE")


def _commands() -> list[tuple[str, ...]]:
    """The group itself and every command in it, subcommands included, as argument lists."""
    found: list[tuple[str, ...]] = [()]

    def walk(group: click.Group, prefix: tuple[str, ...]) -> None:
        ctx = click.Context(group)
        for name in group.list_commands(ctx):
            command = group.get_command(ctx, name)
            found.append((*prefix, name))
            if isinstance(command, click.Group):
                walk(command, (*prefix, name))

    walk(cli, ())
    return found


@pytest.mark.parametrize("command", _commands(), ids=lambda c: " ".join(c) or "rutin")
def test_help_of_every_command_has_no_english_from_click(command: tuple[str, ...]) -> None:
    result = CliRunner().invoke(cli, [*command, "--help"], terminal_width=200)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Användning: ")
    english = [word for word in ENGLISH
               if re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-])", result.output)]
    assert english == [], result.output
    # Every option says what it is for.
    for param in _params(command):
        if isinstance(param, click.Option):
            assert param.help, f"{' '.join(command)} {param.opts[0]} har ingen hjälptext"


def _params(command: tuple[str, ...]) -> list[click.Parameter]:
    target: click.Command = cli
    for name in command:
        assert isinstance(target, click.Group)
        found = target.get_command(click.Context(target), name)
        assert found is not None
        target = found
    return target.params


def test_usage_errors_of_every_kind_are_swedish() -> None:
    cases = {
        ("check", "--format"): "Fel: Flaggan '--format' behöver ett värde.",
        ("build", "--jobs", "0"): "Fel: Ogiltigt värde för '--jobs' / '-j': 0 ligger inte "
                                  "inom intervallet 1<=x<=64.",
        ("build", "--jobs", "x"): "'x' är inget giltigt tal.",
        ("diff",): "Fel: Argument saknas 'ID'.",
        ("verify", "finns-inte.pdf"): "Fil 'finns-inte.pdf' finns inte.",
        ("check", "a", "b"): "Fel: Oväntat extra argument (b)",
        ("status", "--strcit"): "Fel: Flaggan '--strcit' finns inte.",
    }
    for args, expected in cases.items():
        result = CliRunner().invoke(cli, list(args))
        assert result.exit_code == 2, (args, result.output)
        assert expected in result.output, (args, result.output)
        assert "Usage" not in result.output and "Error" not in result.output


def _click_messages() -> tuple[set[str], set[tuple[str, str]]]:
    """Every string the installed Click passes to gettext (read from its source): the single
    messages and the (singular, plural) pairs."""
    single: set[str] = set()
    pairs: set[tuple[str, str]] = set()
    for source in Path(click.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                texts = [a.value for a in node.args[:2]
                         if isinstance(a, ast.Constant) and isinstance(a.value, str)]
                if node.func.id == "_" and texts:
                    single.add(texts[0])
                elif node.func.id == "ngettext" and len(texts) == 2:
                    pairs.add((texts[0], texts[1]))
    return single, pairs


def test_the_catalogue_translates_every_string_click_marks() -> None:
    entries = catalogue()._catalog  # type: ignore[attr-defined]  # msgid → Swedish
    single, pairs = _click_messages()
    assert len(single) > 50 and len(pairs) > 5  # the extraction found Click's strings
    missing = sorted(m for m in single if not entries.get(m))
    missing += sorted(f"{one} / {many}" for one, many in pairs
                      if not (entries.get((one, 0)) and entries.get((one, 1))))
    assert missing == [], "saknas i click.po: " + "; ".join(missing)
    # Gettext lookups Click makes with a value computed at run time.
    assert entries["required"] == "krävs"


def test_the_compiled_catalogue_matches_the_po_file() -> None:
    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "compile_messages.py"),
                           "--check"], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    text = CATALOGUE.read_text(encoding="utf-8")
    assert 'msgid "Usage:"\nmsgstr "Användning:"' in text
    assert catalogue().gettext("Usage:") == "Användning:"
