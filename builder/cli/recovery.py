"""Before check and build: finish a decision a killed `rutin approve` left half-written."""

from __future__ import annotations

from pathlib import Path

import click

from builder.decision.journal import recover_pending
from builder.load.library import find_library_root


def finish_interrupted_decisions(path: Path) -> None:
    """Replay the approval journal, if any, and say so on stderr."""
    notes = recover_pending(find_library_root(path))  # a held lock: LockHeldError, exit 2
    for note in notes:
        click.echo(note, err=True)
