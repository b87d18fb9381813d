"""`rutin serve` started as an author starts it, on a copy of the shipped library."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@contextmanager
def running_preview(folder: Path) -> Iterator[tuple[str, Path, subprocess.Popen[str]]]:
    """(its address, the library, the process); stopped with Ctrl-C afterwards (killed if it
    does not stop within 10 s)."""
    library = folder / "routines"
    shutil.copytree(ROOT / "routines", library)
    process = subprocess.Popen([sys.executable, "-m", "builder", "serve", str(library)],
                               cwd=folder, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        url = first.rsplit(" ", 1)[-1].strip()
        assert url.startswith("http://127.0.0.1:"), first
        yield url, library, process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.communicate(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.communicate(timeout=10)
