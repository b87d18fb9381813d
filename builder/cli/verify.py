"""`rutin verify FILE…`: a short Swedish report per file; exit 1 unless every check passes."""

from __future__ import annotations

from pathlib import Path

import click

from builder.cli import cli, library_option
from builder.load.library import display_path, find_library_root, load_library
from builder.text.plural import count


@cli.command()
@click.argument("files", nargs=-1, required=True, metavar="FIL...",
                type=click.Path(path_type=Path, exists=True, dir_okay=False))
@library_option(must_exist=False)
@click.pass_context
def verify(ctx: click.Context, files: tuple[Path, ...], root: Path) -> int:
    """Kontrollera signaturer i PDF- och DOCX-filer och att innehållet stämmer med liggaren."""
    from builder.signing.verify import verify_files

    library = load_library(find_library_root(root))[0] if root.is_dir() else None
    reports = verify_files(files, library)
    for report in reports:
        verdict = "godkänd" if report.ok else "UNDERKÄND"
        click.echo(f"{display_path(report.path)}: {verdict}")
        for finding in report.findings:
            mark = "·" if finding.ok is None else ("✓" if finding.ok else "✗")
            click.echo(f"  {mark} {finding.text}")
    failed = sum(not r.ok for r in reports)
    if failed:
        click.echo(f"{failed} av {count(len(reports), 'fil', 'filer')} klarade inte "
                   "kontrollen.", err=True)
    else:
        click.echo("Alla kontroller klarade: signerat, oförändrat och fastställt.", err=True)
    code = 1 if failed else 0
    ctx.exit(code)
    return code
