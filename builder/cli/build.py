"""`rutin build`: render every routine without errors into output/, incrementally."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import TYPE_CHECKING

import click

from builder.cli import cli, library_option, parse_today
from builder.cli.recovery import finish_interrupted_decisions
from builder.cli.terminal import console, live_display_allowed, say
from builder.diagnostics import has_failures, summary_sv
from builder.options import ALL_FORMATS, BuildOptions
from builder.publish.noop import build_if_nothing_changed
from builder.render import RENDERERS, format_named
from builder.text.plural import count

if TYPE_CHECKING:
    from rich.console import Console

    from builder.publish.result import BuildResult
    from builder.publish.workers import EarlyWorkers

# Only what a no-op build needs is imported above: the pipeline (model, rules, renderers) and
# rich are imported when there is something to build.


def parse_formats(value: str | None) -> tuple[str, ...]:
    """The formats named in ``--format`` (aliases allowed), all when none are given."""
    if not value:
        return ALL_FORMATS
    chosen = []
    for name in (v.strip().lower() for v in value.split(",") if v.strip()):
        fmt = format_named(name)
        if fmt is None:
            raise click.BadParameter(
                f"okänt format '{name}'; välj bland {', '.join(RENDERERS)}")
        chosen.append(fmt)
    return tuple(dict.fromkeys(chosen))


def build_with_bar(path: Path, options: BuildOptions, prune: bool,
                   console: Console, early: EarlyWorkers | None = None) -> BuildResult:
    """Build with a progress bar that says how long is left (rich estimates from the pace)."""
    from builder.cli.progress import build_progress  # only a build on a terminal needs rich

    with build_progress(console) as bar:
        task = bar.add_task("bygger", total=None)

        def advance(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        from builder.publish.run import run_build

        return run_build(path, options, progress=advance, prune=prune, early=early)


def build_all(path: Path, options: BuildOptions, prune: bool) -> BuildResult:
    """The last build's result if nothing changed since, else a build (with a bar on a
    terminal). A PKCS#11 PIN is tried at most once in the whole build (login_scope)."""
    from builder.signing.login_scope import login_scope

    with login_scope():
        return _build_all(path, options, prune)


def _build_all(path: Path, options: BuildOptions, prune: bool) -> BuildResult:
    result, recovered, rebuild = build_if_nothing_changed(path, options, prune)
    if result is not None:
        return result
    # A rebuild's render workers start now, importing the renderers (~0.6 s of CPU) on the
    # other core while this process imports the rest of the build and loads the library. The
    # model (~0.15 s) is imported first, so they share it instead of importing it again.
    import builder.model  # noqa: F401
    from builder.publish.workers import start_early_workers

    early = start_early_workers(options, rebuild)
    if not options.quiet and live_display_allowed():
        result = build_with_bar(path, options, prune, console(err=True), early)
    else:
        from builder.publish.run import run_build

        result = run_build(path, options, prune=prune, early=early)
    result.recovered = recovered + result.recovered
    return result


@cli.command()
@library_option(positional=True)
@click.option("-o", "--output", type=click.Path(path_type=Path, file_okay=False),
              default=Path("output"), show_default=True, help="Mapp för de byggda filerna.")
@click.option("--format", "formats", default=None, metavar="LISTA",
              help=f"Kommaseparerade format (standard: {','.join(ALL_FORMATS)}; "
                   f"även {','.join(f for f in RENDERERS if f not in ALL_FORMATS)}).")
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
def build(ctx: click.Context, root: Path, output: Path, formats: str | None, ifyllbar: bool,
          jobs: int | None, prune: bool, quiet: bool, strict: bool, today: str | None) -> int:
    """Kontrollera och bygg alla rutiner i biblioteket till PDF, DOCX, checklistor och fickkort."""
    path = root
    options = BuildOptions(output=output, formats=parse_formats(formats), fillable=ifyllbar,
                           jobs=jobs or os.cpu_count() or 1, quiet=quiet,
                           today=parse_today(today))
    finish_interrupted_decisions(path)
    started = time.perf_counter()
    result = build_all(path, options, prune)
    for note in result.recovered:
        say(note, "yellow")
    for diagnostic in result.diagnostics:
        click.echo(diagnostic.format_text())
    elapsed = time.perf_counter() - started
    for doc_id in result.not_built:
        say(f"Byggdes inte (fel i rutinen): {doc_id}", "red")
    for doc_id in result.orphaned:
        verb = "flyttade till output/.borttaget/" if prune else "finns kvar; ta bort med --prune"
        say(f"Rutinen '{doc_id}' finns inte längre: utdata {verb}", "yellow")
    if result.nothing_to_do:
        say(f"Inget att göra: allt är aktuellt ({count(result.up_to_date, 'fil', 'filer')}, "
            f"{elapsed:.2f} s).")
    else:
        say(f"Byggde {len(result.rendered)} utdata, skrev {count(len(result.written), 'fil', 'filer')} "
            f"till {output}/ ({result.up_to_date} redan aktuella, {elapsed:.1f} s).")
    failed = has_failures(result.diagnostics, strict)
    style = "bold red" if failed else ("yellow" if result.diagnostics else "green")
    say(summary_sv(result.diagnostics, result.documents), style)
    code = 1 if failed else 0
    ctx.exit(code)
    return code
