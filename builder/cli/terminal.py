"""Everything a command writes to the terminal goes through here: colour or plain, one decision.

Plain (no escape sequences at all, not even bold) when NO_COLOR is set (https://no-color.org),
when the command was given ``--no-color`` (or ``rutin --no-color …``), and when the stream is not
a terminal. ``say`` uses Click only, so a no-op build never imports rich; ``console`` is the one
rich Console factory for tables and progress bars.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from rich.console import Console

NO_COLOUR_KEY = "rutin.no_colour"
COLOURS = ("red", "green", "yellow", "blue", "magenta", "cyan")


def colour_allowed() -> bool:
    """False when NO_COLOR or --no-color ask for plain text; else the stream decides (TTY)."""
    if os.environ.get("NO_COLOR"):
        return False
    ctx = click.get_current_context(silent=True)
    return not (ctx is not None and ctx.find_root().meta.get(NO_COLOUR_KEY))


def ask_no_colour(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    """Callback of ``--no-color``: the whole invocation (group and command) prints plain."""
    if value:
        ctx.find_root().meta[NO_COLOUR_KEY] = True


def say(message: str, style: str | None = None, *, err: bool = True) -> None:
    """One line, in ``style`` ("bold red", "yellow" …) on a terminal that may show colour."""
    words = (style or "").split()
    colour = next((w for w in words if w in COLOURS), None)
    click.secho(message, err=err, fg=colour, bold=True if "bold" in words else None,
                color=None if colour_allowed() else False)


def console(*, err: bool = False) -> Console:
    """A rich Console that follows the same decision (no styles or cursor codes when plain)."""
    from rich.console import Console

    stream = sys.stderr if err else sys.stdout
    plain = not colour_allowed() or not stream.isatty()
    return Console(stderr=err, highlight=False, markup=False, emoji=False,
                   color_system=None if plain else "auto", no_color=plain,
                   force_terminal=False if plain else None)


def live_display_allowed(*, err: bool = True) -> bool:
    """Whether a progress bar may redraw itself: only on a terminal that may show colour
    (NO_COLOR users, screen readers and logs get the plain summary lines instead)."""
    stream = sys.stderr if err else sys.stdout
    return colour_allowed() and stream.isatty()
