"""`rutin check`: print every finding, sorted, in text, JSON or SARIF."""

from __future__ import annotations

from pathlib import Path

import click

from builder.check import run_check
from builder.cli import cli, library_option, parse_today
from builder.cli.recovery import finish_interrupted_decisions
from builder.cli.terminal import say
from builder.diagnostics import format_json, format_sarif, has_failures, summary_sv
from builder.load.library import find_library_root
from builder.publish.card_cache import read_card_cache
from builder.rules import LOAD_RULES, RULES, CheckOptions, rule_summaries


def rule_levels() -> dict[str, str]:
    """Each rule's SARIF level: loader findings are errors, registered rules say their own."""
    return {**dict.fromkeys(LOAD_RULES, "error"), **{c: r.severity for c, r in RULES.items()}}


@cli.command()
@library_option(positional=True)
@click.option("--format", "fmt", type=click.Choice(["text", "json", "sarif"]), default="text",
              help="Utdataformat (sarif för kodgranskning i CI).")
@click.option("--strict", is_flag=True, help="Varningar ger också felkod.")
@click.option("--idag", "today", default=None, metavar="ÅÅÅÅ-MM-DD",
              help="Räkna förfallodatum som om det vore detta datum.")
@click.pass_context
def check(ctx: click.Context, root: Path, fmt: str, strict: bool, today: str | None) -> int:
    """Läs in och validera alla rutiner i biblioteket (eller en rutinfil, SÖKVÄG)."""
    path = root
    finish_interrupted_decisions(path)
    result = run_check(path, CheckOptions(today=parse_today(today)), read_card_cache())
    if fmt == "json":
        click.echo(format_json(result.diagnostics))
    elif fmt == "sarif":
        click.echo(format_sarif(result.diagnostics, rule_summaries(),
                                library_root=find_library_root(path), rule_levels=rule_levels()))
    else:
        for diagnostic in result.diagnostics:
            click.echo(diagnostic.format_text())
        failed = has_failures(result.diagnostics, strict)
        style = "bold red" if failed else ("yellow" if result.diagnostics else "green")
        # One file is checked in its library's context but is the only document reported on.
        documents = 1 if path.is_file() else result.documents
        say(summary_sv(result.diagnostics, documents), style)
    code = 1 if has_failures(result.diagnostics, strict) else 0
    ctx.exit(code)
    return code
