"""`rutin approve`: record samordningsgruppen's decision in the ledger and archive the version."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from builder.cli import cli, echo_err, library_option
from builder.cli.terminal import say
from builder.decision.approve import ApprovalRequest
from builder.decision.approve import approve as record_decision
from builder.load.library import display_path


def _parse_date(ctx: click.Context, param: click.Parameter, value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"'{value}' är inget datum (ÅÅÅÅ-MM-DD)") from None


def _parse_optional_date(ctx: click.Context, param: click.Parameter,
                         value: str | None) -> dt.date | None:
    return None if value is None else _parse_date(ctx, param, value)


@cli.command()
@click.argument("doc_id", metavar="ID")
@click.option("--av", "body", required=True, metavar="ORGAN", help="Godkännande organ (id eller namn).")
@click.option("--datum", "date", required=True, callback=_parse_date, metavar="ÅÅÅÅ-MM-DD",
              help="Beslutsdatum.")
@click.option("--protokoll", "protocol", required=True, metavar="HÄNVISNING",
              help='Protokollhänvisning, t.ex. "2026-05-29 § 4".')
@click.option("--upphäv", "--upphav", "withdraw", is_flag=True,
              help="Upphäv rutinen i stället för att fastställa den.")
@click.option("--sammanfattning", "summary", default=None, metavar="MOTIVERING",
              help="Motivering vid upphävande (standard: 'Rutinen upphävs.').")
@click.option("--idag", "today", default=None, callback=_parse_optional_date, metavar="ÅÅÅÅ-MM-DD",
              help="Dagens datum (standard: systemets); beslutsdatum efter det vägras.")
@library_option()
@click.pass_context
def approve(ctx: click.Context, doc_id: str, body: str, date: dt.date, protocol: str,
            withdraw: bool, summary: str | None, today: dt.date | None, root: Path) -> int:
    """Registrera ett beslut om att fastställa (eller upphäva) rutinen ID."""
    outcome = record_decision(root, ApprovalRequest(doc_id, body, date, protocol, withdraw,
                                                    summary, today))
    for note in outcome.notes:
        click.echo(note, err=True)
    if outcome.refusals:
        say("Beslutet finns i liggaren men rutinfilen uppdaterades inte:"
            if outcome.entry is not None else "Beslutet registrerades inte:", "red")
        echo_err("  – ", outcome.refusals)
        echo_err("    ", (d.format_text() for d in outcome.blocking))
        ctx.exit(1)
        return 1
    assert outcome.entry is not None
    verb = "upphävd" if withdraw else "fastställd"
    if outcome.completed:
        click.echo(f"Slutförde det avbrutna beslutet i liggaren: {doc_id} version "
                   f"{outcome.entry['version']} fastställd av {outcome.entry['organ']} "
                   f"{outcome.entry['datum']}; rutinfilen är nu uppdaterad.")
        ctx.exit(0)
        return 0
    click.echo(f"{doc_id} version {outcome.entry['version']} {verb} av {outcome.entry['organ']} "
               f"{outcome.entry['datum']} ({outcome.entry['protokoll']}).")
    for path in outcome.written:
        click.echo(f"  skrev {display_path(path)}")
    ctx.exit(0)
    return 0
