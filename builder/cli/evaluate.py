"""`rutin utvärdera`: record an evaluation without change in the ledger (no new version)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from builder.cli import cli, echo_err, library_option
from builder.cli.approve import _parse_date, _parse_optional_date
from builder.cli.terminal import say
from builder.decision.evaluate import EvaluationRequest, evaluate
from builder.load.library import display_path


@cli.command("utvärdera")
@click.argument("doc_id", metavar="ID")
@click.option("--av", "body", required=True, metavar="ORGAN", help="Organet som utvärderade (id eller namn).")
@click.option("--datum", "date", required=True, callback=_parse_date, metavar="ÅÅÅÅ-MM-DD",
              help="Datum för utvärderingen.")
@click.option("--protokoll", "protocol", required=True, metavar="HÄNVISNING",
              help='Protokollhänvisning, t.ex. "2027-01-20 § 3".')
@click.option("--sammanfattning", "summary", default=None, metavar="SLUTSATS",
              help="Vad utvärderingen kom fram till (standard: 'Utvärderad utan ändring.').")
@click.option("--idag", "today", default=None, callback=_parse_optional_date,
              metavar="ÅÅÅÅ-MM-DD", help="Dagens datum (standard: systemets).")
@library_option()
@click.pass_context
def utvardera(ctx: click.Context, doc_id: str, body: str, date: dt.date, protocol: str,
              summary: str | None, today: dt.date | None, root: Path) -> int:
    """Registrera att rutinen ID har utvärderats utan ändring (ingen ny version)."""
    outcome = evaluate(root, EvaluationRequest(doc_id, body, date, protocol, summary, today))
    for note in outcome.notes:
        click.echo(note, err=True)
    if outcome.refusals:
        say("Utvärderingen registrerades inte:", "red")
        echo_err("  – ", outcome.refusals)
        echo_err("    ", (d.format_text() for d in outcome.blocking))
        ctx.exit(1)
        return 1
    assert outcome.entry is not None
    entry = outcome.entry
    click.echo(f"{doc_id} version {entry['version']} utvärderad utan ändring av {entry['organ']} "
               f"{entry['datum']} ({entry['protokoll']}): {entry['sammanfattning']}")
    for path in outcome.written:
        click.echo(f"  skrev {display_path(path)}")
    ctx.exit(0)
    return 0


cli.add_command(utvardera, "utvardera")  # the same command typed without å/ä/ö
