"""`rutin import`: a Word file or web page becomes a draft routine, with an import report."""

from __future__ import annotations

from pathlib import Path

import click

from builder.authoring.importing import (
    ImportRefused,
    ImportResult,
    import_source,
    parent_of,
    parent_titled,
    target_path,
)
from builder.cli import cli
from builder.write import write_new


def _needs_parent(result: ImportResult) -> bool:
    return (result.mapping.get("typ") == "arbetsrutin"
            and result.mapping.get("samverkansrutin") == "ej_angivet")


@cli.command("import")
@click.argument("source", metavar="FIL",
                type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.option("--till", "folder", type=click.Path(path_type=Path, file_okay=False),
              default=None, metavar="routines/<grupp>/",
              help="Mappen utkastet skrivs till (standard: routines/<id>/).")
@click.option("--typ", "kind", type=click.Choice(["samverkansrutin", "arbetsrutin"]),
              default=None, help="Rutinens typ (standard: gissas från källan).")
@click.option("--bas-url", "base_url", default=None, metavar="ADRESS",
              help="Sidans adress (https://…): relativa länkar görs fullständiga mot den "
                   "(standard: sidans <base> eller kanoniska adress).")
@click.pass_context
def import_(ctx: click.Context, source: Path, folder: Path | None, kind: str | None,
            base_url: str | None) -> int:
    """Importera en rutin från FIL (.docx eller .html) till ett YAML-utkast."""
    try:
        result = import_source(source, kind=kind, base_url=base_url,
                               parent=parent_of(folder) if folder is not None else None)
        if folder is None and _needs_parent(result):
            # The source names its samverkansrutin: found in routines/ by its title, the
            # draft goes beside it; otherwise it cannot pass `rutin check` yet (R101, R301).
            folder = parent_titled(result.parent_title, Path("routines"))
            if folder is None:
                named = f" ”{result.parent_title}”" if result.parent_title else ""
                raise ImportRefused(
                    f"arbetsrutinen hör till samverkansrutinen{named}, som inte finns i "
                    "routines/; importera den först, eller ange dess mapp med --till "
                    "routines/<grupp>/")
            result = import_source(source, kind=kind, base_url=base_url,
                                   parent=parent_of(folder))
    except ImportRefused as exc:
        click.echo(f"fel: {exc}", err=True)
        ctx.exit(1)
        return 1
    try:
        target = target_path(result.mapping, folder)
    except ImportRefused as exc:
        click.echo(f"fel: {exc}", err=True)
        ctx.exit(1)
        return 1
    try:
        write_new(target, result.yaml_text.encode("utf-8"))
    except FileExistsError:
        raise click.UsageError(f"{target} finns redan; ingenting skrevs över") from None
    click.echo(result.report_text(str(target)), nl=False)
    click.echo(f"Skrev {target}. Granska utkastet och kör 'rutin check {target}'.")
    ctx.exit(0)
    return 0
