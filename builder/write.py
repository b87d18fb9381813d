"""Atomic file writes: a temporary file in the same folder, fsync, then rename over the target."""

from __future__ import annotations

import os
import re
import tempfile
import time
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


# What _write_through_temporary names its file (mkstemp: the prefix, 8 random characters, .tmp).
TEMPORARY = re.compile(r"^\.(.+)\.[A-Za-z0-9_]{8}\.tmp$")
STALE_AFTER_S = 10.0  # a write lives for milliseconds; one this old was killed mid-write


def stale_temporaries(root: Path, now: float | None = None) -> list[Path]:
    """Temporary files a killed write left in ``root`` and two folder levels below it (hidden
    folders and links skipped), older than STALE_AFTER_S. Only the standard library: `rutin check` calls it on every run."""
    limit = (time.time() if now is None else now) - STALE_AFTER_S
    found: list[Path] = []
    depth = len(root.parts)
    for dirpath, dirnames, filenames in os.walk(root):
        # routines/, a group and its arkiv/: never deeper (root may be any folder)
        dirnames[:] = [] if len(Path(dirpath).parts) - depth >= 2 else [
            d for d in dirnames if not d.startswith(".")
            and not os.path.islink(os.path.join(dirpath, d))]
        for name in filenames:
            if name.endswith(".tmp") and TEMPORARY.match(name):
                path = Path(dirpath) / name
                try:
                    info = path.lstat()
                except OSError:
                    continue
                if info.st_mtime < limit:
                    found.append(path)
    return found
