"""Command line: the `rutin` group. The cli package is the only place that prints.

A new command is a module here that registers itself with ``@cli.command()`` (and is named in
COMMAND_MODULES). It then gets, without doing anything: Swedish help and errors (the catalogue,
builder/cli/swedish.py), Swedish placeholders, ``[FLAGGOR]`` and ``--no-color`` (SwedishCommand),
and exit code 2 for usage and environment errors (RutinGroup, main). It names the library with
``@library_option()`` (``--routines``, passed as ``root``), prints through
builder/cli/terminal.py (``say``, ``console``), returns 0 or 1 with ``ctx.exit``, and has a row
in tests/test_cli_terminal.py's SCENARIOS and in the README's "Slutkoder" table.
"""

from __future__ import annotations

import datetime as dt
import functools
import importlib
import sys
import warnings
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

import click

from builder import __version__
from builder.cli.swedish import TYPE_METAVARS
from builder.cli.swedish import install as install_swedish_messages
from builder.cli.terminal import ask_no_colour
from builder.errors import RutinError

install_swedish_messages()  # before the decorators below, which read Click's help texts

F = TypeVar("F", bound=Callable[..., Any])


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
    "utvardera": "evaluate",
    "utvärdera": "evaluate",
    "verify": "verify",
}


class EnvironmentFailure(click.ClickException):
    """A broken environment (a key that cannot be read, a lock held by another process): exit 2,
    as the README's table says, whether the command runs as `rutin` or under CliRunner."""

    exit_code = 2


def no_colour_option() -> click.Option:
    """``--no-color``, which every command and the group take (see builder.cli.terminal)."""
    return click.Option(["--no-color"], is_flag=True, expose_value=False,
                        is_eager=True, callback=ask_no_colour,
                        help="Skriv utan färger och styrkoder (som med NO_COLOR=1).")


class SwedishCommand(click.Command):
    """A command whose help is Swedish where Click's strings are not gettext-marked: value
    placeholders (TEXT, INTEGER … become VÄRDE, HELTAL …) and ``[OPTIONS]``; and which takes
    ``--no-color``. Every command of ``rutin`` is one (RutinGroup.command_class)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("options_metavar", "[FLAGGOR]")
        super().__init__(*args, **kwargs)
        swedish_params(self)


def swedish_params(command: click.Command) -> None:
    """Swedish placeholders for the command's values, and ``--no-color``."""
    for param in command.params:
        if param.metavar is None and param.type.name in TYPE_METAVARS:
            param.metavar = TYPE_METAVARS[param.type.name]
    if not any(p.name == "no_color" for p in command.params):
        command.params.append(no_colour_option())


class RutinGroup(click.Group):
    """Turns the errors of builder.errors into Click's: a message and an exit code, no traceback.

    Commands are imported on first use (see COMMAND_MODULES); each is a SwedishCommand.
    """

    command_class = SwedishCommand
    group_class = type  # a subgroup (rutin new) is a RutinGroup too

    def __init__(self, *args: Any, modules: dict[str, str] | None = None,
                 **kwargs: Any) -> None:
        kwargs.setdefault("options_metavar", "[FLAGGOR]")
        kwargs.setdefault("subcommand_metavar", "KOMMANDO [ARGUMENT]...")
        super().__init__(*args, **kwargs)
        self.modules = modules or {}
        swedish_params(self)

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Every command's name, without importing the commands."""
        return sorted(set(super().list_commands(ctx)) | set(self.modules))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """The command called ``cmd_name``, importing its module the first time."""
        if cmd_name not in self.commands and cmd_name in self.modules:
            importlib.import_module(f"builder.cli.{self.modules[cmd_name]}")
        return super().get_command(ctx, cmd_name)

    def invoke(self, ctx: click.Context) -> object:
        """Run the command; a RutinError becomes a usage or an environment error (both exit 2)."""
        try:
            return super().invoke(ctx)
        except RutinError as exc:
            if exc.usage:
                raise click.UsageError(str(exc)) from None
            raise EnvironmentFailure(str(exc)) from None


@click.group(cls=RutinGroup, modules=COMMAND_MODULES,
             context_settings={"help_option_names": ["-h", "--help"]})
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


def library_option(*, positional: bool = False, must_exist: bool = True) -> Callable[[F], F]:
    """The routine library, named the same way in every command: ``--routines MAPP`` (standard
    routines/), passed to the command as ``root``. With ``positional`` the command also takes
    it as its first argument (``rutin check routines/``, which may name one routine file).
    A library that does not exist is a usage error (exit 2) unless ``must_exist`` is False."""

    def decorate(function: F) -> F:
        @functools.wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            given = kwargs.pop("given_path", None)
            option = kwargs.pop("given_routines", None)
            if given is not None and option is not None and given != option:
                raise click.UsageError(f"ange biblioteket en gång: '{given}' eller '{option}'")
            library = given or option or Path("routines")
            if must_exist and not library.exists():
                raise click.UsageError(f"'{library}' finns inte")
            return function(*args, root=library, **kwargs)

        alias = "; eller som SÖKVÄG" if positional else ""
        decorated = click.option(
            "--routines", "given_routines", default=None, metavar="MAPP",
            type=click.Path(path_type=Path),
            help=f"Rutinbiblioteket: mappen med organisation.yaml (standard: routines/{alias}).",
        )(wrapper)
        if positional:
            decorated = click.argument("given_path", metavar="[SÖKVÄG]", required=False,
                                       type=click.Path(path_type=Path))(decorated)
        return decorated  # type: ignore[return-value]

    return decorate


def echo_err(prefix: str, lines: Iterable[object]) -> None:
    """Each line on stderr after ``prefix`` (refusals, findings, renderer warnings)."""
    for line in lines:
        click.echo(f"{prefix}{line}", err=True)


def hide_third_party_warnings() -> None:
    """Python warnings (pyHanko importing DSA from cryptography 51, say) are English notes for
    developers, not something a routine author can act on; what the author must know is a
    finding or an error. The command line shows none; PYTHONWARNINGS (or -W) shows them."""
    if not sys.warnoptions:
        warnings.simplefilter("ignore")


def main() -> None:
    """Entry point: exceptions from a broken environment are caught here, once (exit 2)."""
    hide_third_party_warnings()
    try:
        code = cli.main(standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Avbrutet.", err=True)
        sys.exit(2)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except OSError as exc:
        click.echo(f"Miljöfel: {exc.strerror or exc} ({exc.filename or ''})", err=True)
        sys.exit(2)
    sys.exit(code if isinstance(code, int) else 0)

