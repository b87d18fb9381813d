"""Command line: the `rutin` group. The cli package is the only place that prints."""

from __future__ import annotations

import datetime as dt
import importlib
import sys
from collections.abc import Iterable

import click

from builder import __version__
from builder.cli.swedish import install as install_swedish_messages
from builder.errors import RutinError

install_swedish_messages()  # before the decorators below, which read Click's help texts


# Each command lives in its own module (name → module under builder.cli) and registers itself
# on `cli` when imported. Only the command that runs is imported, so `rutin check` and a no-op
# `rutin build` never load what other commands need (WeasyPrint, pikepdf, signing, the server).
COMMAND_MODULES = {
    "approve": "approve",
    "build": "build",
    "check": "check",
    "diff": "diff",
    "export": "export",
    "import": "import_",
    "new": "new",
    "review": "review",
    "schema": "schema",
    "serve": "serve",
    "status": "status",
    "verify": "verify",
}


class RutinGroup(click.Group):
    """Turns the errors of builder.errors into Click's: a message and an exit code, no traceback.

    Commands are imported on first use (see COMMAND_MODULES).
    """

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Every command's name, without importing the commands."""
        return sorted(set(super().list_commands(ctx)) | set(COMMAND_MODULES))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """The command called ``cmd_name``, importing its module the first time."""
        if cmd_name not in self.commands and cmd_name in COMMAND_MODULES:
            importlib.import_module(f"builder.cli.{COMMAND_MODULES[cmd_name]}")
        return super().get_command(ctx, cmd_name)

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


def parse_today(value: str | None) -> dt.date:
    """The ``--idag`` date, or today's when the option is not given."""
    if value is None:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"'{value}' är inget datum (ÅÅÅÅ-MM-DD)") from None


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

