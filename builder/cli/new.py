"""`rutin new arbetsrutin`: scaffold a team's work routine inside its samverkansrutin folder."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from builder.cli import cli
from builder.library import load_library
from builder.model import Samverkansrutin
from builder.scaffold import scaffold_arbetsrutin
from builder.write import write_new


@cli.group()
def new() -> None:
    """Skapa en ny rutin från mall."""


@new.command("arbetsrutin")
@click.argument("team_id", metavar="TEAM-ID")
@click.option("--samverkansrutin", "parent_id", required=True, help="Id för samverkansrutinen.")
@click.option("--routines", "root", type=click.Path(path_type=Path, file_okay=False),
              default=Path("routines"), show_default=True)
def new_arbetsrutin(team_id: str, parent_id: str, root: Path) -> None:
    """Skapa en arbetsrutin för TEAM-ID under en samverkansrutin."""
    library, _ = load_library(root)
    parent = library.by_id(parent_id)
    if parent is None or not isinstance(parent.document, Samverkansrutin):
        raise click.UsageError(f"samverkansrutinen '{parent_id}' finns inte i {root}/")
    team = next((t for t in parent.document.teams if t.id == team_id), None)
    target = parent.path.parent / f"{team_id}.yaml"
    if target.exists():
        raise click.UsageError(f"{target} finns redan; ingenting skrevs över")
    text = scaffold_arbetsrutin(team_id, team, parent.document, dt.date.today())
    write_new(target, text.encode("utf-8"))
    click.echo(f"Skapade {target}")
    if team is None:
        click.echo(f"Obs: teamet '{team_id}' finns inte i samverkansrutinens teamlista.", err=True)
    click.echo("Fyll i fälten markerade TODO och kör 'rutin check'.")
