"""`rutin status`: versions, approvals, reviews and validity that are due, as a table or JSON."""

from __future__ import annotations

from pathlib import Path

import click
from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from builder.cli import cli, library_option, parse_today
from builder.cli.terminal import console as terminal_console
from builder.governance.status import (
    LEAD_MONTHS,
    DocumentStatus,
    format_status_json,
    library_status,
)
from builder.load.library import find_library_root, load_library
from builder.text.plural import count
from builder.text.wording import STATUS_LABELS

STATUS_SHORT: dict[str, str] = {**STATUS_LABELS, "granskning": "Granskning"}
WIDE_TABLE = 110  # columns needed to show "Att göra" inside the table
FLAG_STYLE: dict[str, str] = {
    "utvardering-forsenad": "bold red",
    "giltighet-utgangen": "bold red",
    "utvardering-snart": "yellow",
    "giltighet-upphor": "yellow",
    "andrad-efter-godkannande": "magenta",
    "samverkansrutin-andrad": "magenta",
    "utkast": "cyan",
    "granskning": "cyan",
}


def _date(value: object) -> str:
    if value is not None and not hasattr(value, "isoformat"):
        return str(value)  # ej_angivet: "Ej angivet"
    return value.isoformat() if hasattr(value, "isoformat") else "–"


def flag_text(status: DocumentStatus) -> Text:
    """What is due for a routine, coloured by urgency."""
    todo = Text()
    for index, flag in enumerate(status.flags):
        if index:
            todo.append("\n")
        todo.append(flag.text, style=FLAG_STYLE.get(flag.code, ""))
    if not status.flags:
        todo.append("–", style="dim")
    return todo


def status_table(statuses: list[DocumentStatus], with_todo: bool) -> Table:
    """The status table: one row per routine, with what is due when there is room."""
    table = Table(title="Rutinernas status", title_justify="left", box=box.SIMPLE_HEAD,
                  pad_edge=False)
    table.add_column("Dokument", overflow="fold", ratio=3, min_width=12)
    table.add_column("Status", no_wrap=True)
    table.add_column("Version", justify="right", no_wrap=True)
    table.add_column("Godkänd", no_wrap=True)
    table.add_column("Giltig till", no_wrap=True)
    if with_todo:  # wide terminal: the newest evaluation without change has a column
        table.add_column("Utvärderad", no_wrap=True)
    table.add_column("Utvärdering", no_wrap=True)
    if with_todo:
        table.add_column("Att göra", overflow="fold", ratio=2, min_width=12)
    for status in statuses:
        doc = status.routine.document
        # A draft shows no decision of its own; the version in force is named beside it.
        name = Text(doc.id)
        if status.versions:
            name.append(f"\n{status.versions}", style="dim")
        cells: list[str | Text] = [name, STATUS_SHORT[doc.status], doc.version,
                                   "–" if doc.is_draft else _date(doc.approval_date_stated),
                                   _date(doc.valid_to_stated)]
        if with_todo:
            cells.append(_date(status.last_evaluated))
        cells.append(_date(status.next_review))
        if with_todo:
            cells.append(flag_text(status))
        table.add_row(*cells)
    return table


def print_todo_list(console: Console, statuses: list[DocumentStatus]) -> None:
    """On a narrow terminal the due items (and the newest evaluations without change) are
    listed under the table instead of in columns."""
    evaluated = [s for s in statuses if s.last_evaluated is not None]
    if evaluated:
        console.print("Senast utvärderad utan ändring", style="bold")
    for status in evaluated:
        console.print(f"  {status.routine.document.id}: {_date(status.last_evaluated)}")
    flagged = [s for s in statuses if s.flags]
    if flagged:
        console.print("Att göra", style="bold")
    for status in flagged:
        line = Text(f"  {status.routine.document.id}: ")
        line.append_text(Text(", ").join(
            Text(f.text, style=FLAG_STYLE.get(f.code, "")) for f in status.flags))
        console.print(line)


def summary_sv(statuses: list[DocumentStatus]) -> tuple[str, str]:
    """(summary line, style): how many routines are overdue, due soon or drafts."""
    overdue = sum(s.overdue for s in statuses)
    soon = sum(s.has("utvardering-snart") or s.has("giltighet-upphor") for s in statuses)
    drafts = sum(s.has("utkast") or s.has("granskning") for s in statuses)
    changed = sum(s.has("andrad-efter-godkannande") for s in statuses)
    drifted = sum(s.has("samverkansrutin-andrad") for s in statuses)
    parts = [f"{len(statuses)} dokument", count(overdue, "försenat", "försenade"),
             f"{soon} att åtgärda inom {LEAD_MONTHS} månader",
             count(drafts, "ej fastställt", "ej fastställda")]
    if changed:
        parts.append(count(changed, "ändrat efter godkännande", "ändrade efter godkännande"))
    if drifted:
        parts.append(f"{drifted} med ändrad samverkansrutin")
    style = "bold red" if overdue else ("yellow" if soon or changed or drifted else "green")
    return ", ".join(parts) + ".", style


@cli.command()
@library_option(positional=True)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              help="Utdataformat.")
@click.option("--idag", "today", default=None, metavar="ÅÅÅÅ-MM-DD",
              help="Räkna förfallodatum som om det vore detta datum.")
@click.option("--fail-on-overdue", is_flag=True,
              help="Slutkod 1 om någon utvärdering är försenad eller giltighet har gått ut.")
@click.pass_context
def status(ctx: click.Context, root: Path, fmt: str, today: str | None,
           fail_on_overdue: bool) -> int:
    """Visa versioner, godkännanden och vad som förfaller för alla rutiner i biblioteket."""
    path = root
    day = parse_today(today)
    library, _ = load_library(find_library_root(path))
    statuses = library_status(library, day)
    if fmt == "json":
        click.echo(format_status_json(statuses, day))
    else:
        console = terminal_console()
        wide = console.width >= WIDE_TABLE
        console.print(status_table(statuses, with_todo=wide))
        if not wide:
            print_todo_list(console, statuses)
        text, style = summary_sv(statuses)
        console.print(f"Per {day.isoformat()}: {text}", style=style)
        if len(library.routines) < library.files_seen:
            console.print("Obs: några filer kunde inte läsas in; kör 'rutin check'.",
                          style="yellow")
    code = 1 if fail_on_overdue and any(s.overdue for s in statuses) else 0
    ctx.exit(code)
    return code
