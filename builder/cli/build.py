"""`rutin build`: render every routine without errors into output/, incrementally."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import click
from rich.console import Console

from builder.build.run import BuildResult, run_build
from builder.cli import cli
from builder.cli.check import parse_today
from builder.cli.recovery import finish_interrupted_decisions
from builder.diagnostics import has_failures, summary_sv
from builder.options import ALL_FORMATS, BuildOptions
from builder.render import format_named


def parse_formats(value: str | None) -> tuple[str, ...]:
    """The formats named in ``--format`` (aliases allowed), all when none are given."""
    if not value:
        return ALL_FORMATS
    chosen = []
    for name in (v.strip().lower() for v in value.split(",") if v.strip()):
        fmt = format_named(name)
        if fmt is None:
            raise click.BadParameter(
                f"okänt format '{name}'; välj bland {', '.join(ALL_FORMATS)}")
        chosen.append(fmt)
    return tuple(dict.fromkeys(chosen))


def build_with_bar(path: Path, options: BuildOptions, prune: bool,
                   console: Console) -> BuildResult:
    """Build with a progress bar that says how long is left (rich estimates from the pace)."""
    from rich.progress import (  # only a build shown on a terminal needs it
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    with Progress(TextColumn("Bygger"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  TextColumn("kvar"), TimeRemainingColumn(), console=console,
                  transient=True) as bar:
        task = bar.add_task("bygger", total=None)

        def advance(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        return run_build(path, options, progress=advance, prune=prune)


@cli.command()
@click.argument("path", default="routines", type=click.Path(path_type=Path))
@click.option("-o", "--output", type=click.Path(path_type=Path, file_okay=False),
              default=Path("output"), show_default=True, help="Mapp för de byggda filerna.")
@click.option("--format", "formats", default=None, metavar="LISTA",
              help=f"Kommaseparerade format (standard: alla: {','.join(ALL_FORMATS)}).")
@click.option("--ifyllbar", is_flag=True, help="Checklistor även som ifyllbara PDF-formulär.")
@click.option("--jobs", "-j", type=click.IntRange(1, 64), default=None,
              help="Antal parallella processer (standard: antal kärnor).")
@click.option("--prune", is_flag=True,
              help="Flytta utdata för borttagna rutiner till output/.borttaget/.")
@click.option("--quiet", "-q", is_flag=True, help="Ingen förloppsindikator.")
@click.option("--strict", is_flag=True, help="Varningar ger också felkod.")
@click.option("--idag", "today", default=None, metavar="ÅÅÅÅ-MM-DD",
              help="Bygg som om det vore detta datum.")
@click.pass_context
def build(ctx: click.Context, path: Path, output: Path, formats: str | None, ifyllbar: bool,
          jobs: int | None, prune: bool, quiet: bool, strict: bool, today: str | None) -> int:
    """Kontrollera och bygg alla rutiner under PATH till PDF, DOCX, checklistor och fickkort."""
    if not path.exists():
        raise click.UsageError(f"'{path}' finns inte")
    options = BuildOptions(output=output, formats=parse_formats(formats), fillable=ifyllbar,
                           jobs=jobs or os.cpu_count() or 1, quiet=quiet,
                           today=parse_today(today))
    finish_interrupted_decisions(path)
    console = Console(stderr=True, highlight=False)
    started = time.perf_counter()
    if not quiet and sys.stderr.isatty():
        result = build_with_bar(path, options, prune, console)
    else:
        result = run_build(path, options, prune=prune)
    for note in result.recovered:
        console.print(note, style="yellow")
    for diagnostic in result.diagnostics:
        click.echo(diagnostic.format_text())
    elapsed = time.perf_counter() - started
    for doc_id in result.not_built:
        console.print(f"Byggdes inte (fel i rutinen): {doc_id}", style="red")
    for doc_id in result.orphaned:
        verb = "flyttade till output/.borttaget/" if prune else "finns kvar; ta bort med --prune"
        console.print(f"Rutinen '{doc_id}' finns inte längre: utdata {verb}", style="yellow")
    if result.nothing_to_do:
        console.print(f"Inget att göra: allt är aktuellt ({result.up_to_date} filer, "
                      f"{elapsed:.2f} s).")
    else:
        console.print(f"Byggde {len(result.rendered)} utdata, skrev {len(result.written)} filer "
                      f"till {output}/ ({result.up_to_date} redan aktuella, {elapsed:.1f} s).")
    failed = has_failures(result.diagnostics, strict)
    style = "bold red" if failed else ("yellow" if result.diagnostics else "green")
    console.print(summary_sv(result.diagnostics, result.documents), style=style)
    code = 1 if failed else 0
    ctx.exit(code)
    return code
