"""Before check and build: finish a decision a killed `rutin approve` left half-written, and
remove the temporary files it left in routines/."""

from __future__ import annotations

from pathlib import Path

import click

from builder.publish.noop import library_root
from builder.write import stale_temporaries

JOURNAL_FILE = ".rutin-beslut.json"  # as builder.decision.journal names it (a test checks)


def finish_interrupted_decisions(path: Path) -> None:
    """Replay the approval journal, if any, and say so on stderr."""
    root = library_root(path)
    if not (root / JOURNAL_FILE).is_file() and not stale_temporaries(root):
        return  # the usual case: the ledger code (and the model) stays unloaded
    from builder.decision.journal import recover_pending

    notes = recover_pending(root)  # a held lock: LockHeldError, exit 2
    for note in notes:
        click.echo(note, err=True)
