"""`rutin approve`: record samordningsgruppen's decision in the ledger and archive the version."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import click

from builder.cli import F, cli, echo_err, library_option
from builder.cli.terminal import say
from builder.decision.approve import ApprovalOutcome, ApprovalRequest
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


def ledger_entry_options(body_help: str, date_help: str, protocol_example: str
                         ) -> Callable[[F], F]:
    """What every ledger entry states, for the commands that write one (`rutin approve`,
    `rutin utvärdera`): the routine ID, and who decided (--av), when (--datum) and under
    which protocol (--protokoll), each with the command's own help."""
    params = (
        click.argument("doc_id", metavar="ID"),
        click.option("--av", "body", required=True, metavar="ORGAN", help=body_help),
        click.option("--datum", "date", required=True, callback=_parse_date,
                     metavar="ÅÅÅÅ-MM-DD", help=date_help),
        click.option("--protokoll", "protocol", required=True, metavar="HÄNVISNING",
                     help=f'Protokollhänvisning, t.ex. "{protocol_example}".'),
    )

    def decorate(function: F) -> F:
        for param in reversed(params):  # as if stacked in this order above the command
            function = param(function)
        return function

    return decorate


def today_option(help_text: str) -> Callable[[F], F]:
    """``--idag``: the day the entry is recorded (a date after it is refused)."""
    return click.option("--idag", "today", default=None, callback=_parse_optional_date,
                        metavar="ÅÅÅÅ-MM-DD", help=help_text)


def exit_if_refused(ctx: click.Context, outcome: ApprovalOutcome, heading: str) -> None:
    """Say which interrupted decisions were finished first; if the entry was refused, say
    ``heading``, each refusal and the findings behind them, and exit 1."""
    for note in outcome.notes:
        click.echo(note, err=True)
    if outcome.refusals:
        say(heading, "red")
        echo_err("  – ", outcome.refusals)
        echo_err("    ", (d.format_text() for d in outcome.blocking))
        ctx.exit(1)


def echo_written(outcome: ApprovalOutcome) -> None:
    """Each file the entry wrote."""
    for path in outcome.written:
        click.echo(f"  skrev {display_path(path)}")


@cli.command()
@ledger_entry_options("Godkännande organ (id eller namn).", "Beslutsdatum.",
                      "2026-05-29 § 4")
@click.option("--upphäv", "--upphav", "withdraw", is_flag=True,
              help="Upphäv rutinen i stället för att fastställa den.")
@click.option("--sammanfattning", "summary", default=None, metavar="MOTIVERING",
              help="Motivering vid upphävande (standard: 'Rutinen upphävs.').")
@today_option("Dagens datum (standard: systemets); beslutsdatum efter det vägras.")
@library_option()
@click.pass_context
def approve(ctx: click.Context, doc_id: str, body: str, date: dt.date, protocol: str,
            withdraw: bool, summary: str | None, today: dt.date | None, root: Path) -> int:
    """Registrera ett beslut om att fastställa (eller upphäva) rutinen ID."""
    outcome = record_decision(root, ApprovalRequest(doc_id, body, date, protocol, withdraw,
                                                    summary, today))
    exit_if_refused(ctx, outcome, "Beslutet finns i liggaren men rutinfilen uppdaterades inte:"
                    if outcome.entry is not None else "Beslutet registrerades inte:")
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
    echo_written(outcome)
    ctx.exit(0)
    return 0
