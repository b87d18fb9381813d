"""Command line: the `rutin` group. The cli package is the only place that prints."""

from __future__ import annotations

import sys

import click

from builder import __version__
from builder.cli.swedish import install as install_swedish_messages

install_swedish_messages()  # before the decorators below, which read Click's help texts


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="rutin", message="%(prog)s %(version)s")
def cli() -> None:
    """Rutinbyggaren: samverkansrutiner och arbetsrutiner som kod."""


def main() -> None:
    """Entry point: exceptions from a broken environment are caught here, once (exit 2)."""
    try:
        code = cli.main(standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Avbrutet.", err=True)
        sys.exit(2)
    except click.ClickException as exc:
        exc.show()
        sys.exit(2)
    except OSError as exc:
        click.echo(f"Miljöfel: {exc.strerror or exc} ({exc.filename or ''})", err=True)
        sys.exit(2)
    sys.exit(code if isinstance(code, int) else 0)


# Each command lives in its own module and registers itself on `cli`.
from builder.cli import (  # noqa: F401  # noqa: E402,F401  (approval ledger, redline)
    approve,
    build,
    check,
    diff,
    import_,
    new,
    review,
    schema,
    serve,
    status,
    verify,
)
