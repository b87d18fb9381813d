"""`rutin diff`: what changed between two versions, as text by section and step or a redline PDF."""

from __future__ import annotations

from pathlib import Path

import click

from builder.cli import cli, echo_err, library_option
from builder.cli.terminal import say
from builder.governance.diff import diff_routine, format_text
from builder.load.library import load_library
from builder.write import write_atomic


@cli.command()
@click.argument("doc_id", metavar="ID")
@click.option("--from", "from_version", default=None, metavar="VERSION",
              help="Arkiverad version att jämföra från (standard: senast fastställda).")
@click.option("--to", "to_version", default=None, metavar="VERSION",
              help="Arkiverad version att jämföra med (standard: arbetskopian).")
@click.option("--pdf", "pdf_path", type=click.Path(path_type=Path, dir_okay=False),
              default=None, help="Skriv också en rödmarkerad PDF (redline) hit.")
@library_option()
@click.pass_context
def diff(ctx: click.Context, doc_id: str, from_version: str | None, to_version: str | None,
         pdf_path: Path | None, root: Path) -> int:
    """Visa vad som ändrats i rutinen ID mellan två versioner."""
    library, _ = load_library(root)
    result = diff_routine(library, doc_id, from_version, to_version)
    for line in format_text(result).splitlines():
        say(line, {"+": "green", "-": "red"}.get(line[:1]), err=False)
    if pdf_path is not None:
        from builder.decision.review import redline_pdf

        out = redline_pdf(result)
        write_atomic(pdf_path, out.data)
        click.echo(f"Skrev {pdf_path}", err=True)
        echo_err("WeasyPrint: ", out.warnings)
    ctx.exit(0)
    return 0
