"""Click's own usage, help and error texts reach the user in Swedish."""

from __future__ import annotations

from click.testing import CliRunner

from builder.cli import cli


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
