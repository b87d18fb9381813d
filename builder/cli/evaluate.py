"""`rutin utvärdera`: record an evaluation without change in the ledger (no new version)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from builder.cli import cli, library_option
from builder.cli.approve import echo_written, exit_if_refused, ledger_entry_options, today_option
from builder.decision.evaluate import EvaluationRequest, evaluate


@cli.command("utvärdera")
@ledger_entry_options("Organet som utvärderade (id eller namn).", "Datum för utvärderingen.",
                      "2027-01-20 § 3")
@click.option("--sammanfattning", "summary", default=None, metavar="SLUTSATS",
              help="Vad utvärderingen kom fram till (standard: 'Utvärderad utan ändring.').")
@today_option("Dagens datum (standard: systemets).")
@library_option()
@click.pass_context
def utvardera(ctx: click.Context, doc_id: str, body: str, date: dt.date, protocol: str,
              summary: str | None, today: dt.date | None, root: Path) -> int:
    """Registrera att rutinen ID har utvärderats utan ändring (ingen ny version)."""
    outcome = evaluate(root, EvaluationRequest(doc_id, body, date, protocol, summary, today))
    exit_if_refused(ctx, outcome, "Utvärderingen registrerades inte:")
    assert outcome.entry is not None
    entry = outcome.entry
    click.echo(f"{doc_id} version {entry['version']} utvärderad utan ändring av {entry['organ']} "
               f"{entry['datum']} ({entry['protokoll']}): {entry['sammanfattning']}")
    echo_written(outcome)
    ctx.exit(0)
    return 0


cli.add_command(utvardera, "utvardera")  # the same command typed without å/ä/ö
