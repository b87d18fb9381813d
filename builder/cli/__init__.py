"""Command line: the `rutin` group. The cli package is the only place that prints."""

from __future__ import annotations

import sys
from collections.abc import Iterable

import click

from builder import __version__
from builder.cli.swedish import install as install_swedish_messages
from builder.errors import RutinError

install_swedish_messages()  # before the decorators below, which read Click's help texts


class RutinGroup(click.Group):
    """Turns the errors of builder.errors into Click's: a message and an exit code, no traceback."""

    def invoke(self, ctx: click.Context) -> object:
        """Run the command; a RutinError becomes a usage error (exit 2) or an error (exit 1)."""
        try:
            return super().invoke(ctx)
        except RutinError as exc:
            if exc.usage:
                raise click.UsageError(str(exc)) from None
            raise click.ClickException(str(exc)) from None


@click.group(cls=RutinGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="rutin", message="%(prog)s %(version)s")
def cli() -> None:
    """Rutinbyggaren: samverkansrutiner och arbetsrutiner som kod."""


def echo_err(prefix: str, lines: Iterable[object]) -> None:
    """Each line on stderr after ``prefix`` (refusals, findings, renderer warnings)."""
    for line in lines:
        click.echo(f"{prefix}{line}", err=True)


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
    new,
    review,
    schema,
    status,
    verify,
)
