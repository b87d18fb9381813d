"""Atomic file writes: a temporary file in the same folder, fsync, then rename over the target."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path


def _write_through_temporary(target: Path, data: bytes,
                             publish: Callable[[str, Path], None]) -> None:
    """Write ``data`` to a synced temporary file beside ``target``, then ``publish`` it there."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp_name, 0o644)
        publish(tmp_name, target)
    finally:
        Path(tmp_name).unlink(missing_ok=True)


def write_atomic(target: Path, data: bytes) -> None:
    """Write ``data`` to ``target`` so readers see the old file or the new one, never half."""
    _write_through_temporary(target, data, os.replace)


def write_new(target: Path, data: bytes) -> None:
    """Write a file that must not exist yet (archives, scaffolds): never overwrite."""
    # link() fails if the target exists, unlike replace(): the check and write are one step.
    _write_through_temporary(target, data, os.link)
