"""`rutin new arbetsrutin`: scaffold a team's work routine inside its samverkansrutin folder."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import click

from builder.authoring.scaffold import scaffold_arbetsrutin
from builder.cli import cli, library_option
from builder.load.library import find_library_root, load_library
from builder.model import Samverkansrutin
from builder.write import write_new

SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,79}")  # as model.Slug


@cli.group()
def new() -> None:
    """Skapa en ny rutin från mall."""


@new.command("arbetsrutin")
@click.argument("team_id", metavar="TEAM-ID")
@library_option(positional=True)
@click.option("--samverkansrutin", "parent_id", required=True, metavar="ID",
              help="Id för samverkansrutinen.")
def new_arbetsrutin(team_id: str, root: Path, parent_id: str) -> None:
    """Skapa en arbetsrutin för TEAM-ID under en samverkansrutin i biblioteket."""
    root = find_library_root(root)
    # The id becomes a file name: a slug only, so '../x' cannot write outside routines/.
    if not SLUG.fullmatch(team_id):
        raise click.UsageError(f"TEAM-ID '{team_id}' får bara innehålla små bokstäver a–z, "
                               "siffror och bindestreck")
    library, _ = load_library(root)
    parent = library.by_id(parent_id)
    if parent is None or not isinstance(parent.document, Samverkansrutin):
        raise click.UsageError(f"samverkansrutinen '{parent_id}' finns inte i {root}/")
    team = next((t for t in parent.document.teams if t.id == team_id), None)
    if team is None:
        # The scaffold would fail R301 at once; the team belongs in the samverkansrutin first.
        known = ", ".join(t.id for t in parent.document.teams) or "inga team"
        raise click.UsageError(f"teamet '{team_id}' finns inte under 'team' i {parent.display} "
                               f"(där finns: {known}); lägg till det där först")
    target = parent.path.parent / f"{team_id}.yaml"
    if target.exists():
        raise click.UsageError(f"{target} finns redan; ingenting skrevs över")
    taken = library.by_id(team_id)
    if taken is not None:
        raise click.UsageError(f"id '{team_id}' används redan i {taken.display}")
    text = scaffold_arbetsrutin(team_id, team, parent.document, dt.date.today())
    try:
        write_new(target, text.encode("utf-8"))
    except FileExistsError:  # created between the check above and the write
        raise click.UsageError(f"{target} finns redan; ingenting skrevs över") from None
    click.echo(f"Skapade {target}")
    click.echo("Fyll i fälten markerade TODO och kör 'rutin check'.")
