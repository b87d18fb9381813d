"""`rutin schema`: write the JSON Schema that editors use to autocomplete routine YAML."""

from __future__ import annotations

from pathlib import Path

import click

from builder.authoring.editor_schema import write_schema
from builder.cli import cli


@cli.command()
@click.option("-o", "--output", "target", type=click.Path(path_type=Path),
              default=Path("routines/rutin.schema.json"), show_default=True,
              help="Var schemat skrivs.")
def schema(target: Path) -> None:
    """Skriv JSON Schema för rutinfilerna (för redigerare som VS Code)."""
    for path in write_schema(target):
        click.echo(f"Skrev {path}")
