"""`rutin review`: the review packet for samordningsgruppen as one PDF."""

from __future__ import annotations

from pathlib import Path

import click

from builder.cli import cli, echo_err, library_option
from builder.write import write_atomic


@cli.command()
@click.argument("doc_id", metavar="ID")
@click.option("-o", "--output", "output", type=click.Path(path_type=Path, dir_okay=False),
              default=None, help="PDF-fil att skriva (standard: <id>-granskning.pdf).")
@library_option()
@click.pass_context
def review(ctx: click.Context, doc_id: str, output: Path | None, root: Path) -> int:
    """Bygg granskningsunderlaget för rutinen ID: sammanfattning, fynd, ändringar, dokument."""
    from builder.decision.review import review_packet

    out = review_packet(root, doc_id)
    target = output or Path(f"{doc_id}-granskning.pdf")
    write_atomic(target, out.data)
    click.echo(f"Skrev {target}")
    echo_err("WeasyPrint: ", out.warnings)
    ctx.exit(0)
    return 0
