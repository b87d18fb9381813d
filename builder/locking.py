"""One writer at a time: a file lock for the routine library (ledger, archive, YAML) and one
for a build's output folder, and the test hook that kills a process at a named write step.

``filelock`` uses ``fcntl.flock`` on POSIX: the kernel releases the lock when the holder dies,
even by SIGKILL, so a killed ``rutin approve`` or ``rutin build`` never leaves a stale lock.
"""

from __future__ import annotations

import hashlib
import os
import signal
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

from builder.errors import LockHeldError
from builder.paths import cache_dir

LIBRARY_LOCK = ".rutin.lock"  # in routines/: hidden, not YAML, so never read as a routine
OUTPUT_LOCK = ".rutin-build.lock"  # beside output/, never in it: output/ is the staff site
ENV_TIMEOUT = "RUTIN_LOCK_TIMEOUT"
DEFAULT_TIMEOUT_S = 60.0
# Tests only: name a write step ("approve:ledger", "build:manifest", …) and the process
# SIGKILLs itself just before that step, exactly as a power cut or `kill -9` would.
ENV_KILL_AT = "RUTIN_TEST_KILL_AT"


def _held_message(path: Path, what: str, timeout: float) -> str:
    return (f"{what} är låst av en annan process ({path}); väntade {timeout:.0f} s. Vänta tills "
            "den andra körningen (rutin approve eller rutin build) är klar och försök igen. "
            f"Väntetiden ändras med {ENV_TIMEOUT}=sekunder.")


def lock_timeout() -> float:
    """Seconds to wait for a held lock (RUTIN_LOCK_TIMEOUT, default 60)."""
    try:
        return max(0.0, float(os.environ.get(ENV_TIMEOUT, DEFAULT_TIMEOUT_S)))
    except ValueError:
        return DEFAULT_TIMEOUT_S


@contextmanager
def _held(path: Path, what: str) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    timeout = lock_timeout()
    lock = FileLock(str(path), timeout=timeout)
    try:
        lock.acquire()
    except Timeout:
        raise LockHeldError(_held_message(path, what, timeout)) from None
    try:
        yield
    finally:
        lock.release()


def library_lock(root: Path) -> AbstractContextManager[None]:
    """Held around every write to a library's ledgers, archives and routine files."""
    return _held(root / LIBRARY_LOCK, "Rutinmappen")


def output_lock_path(output: Path) -> Path:
    """Where a build of ``output`` takes its lock: beside the folder (``.output.rutin-build
    .lock``), since everything in output/ is published as the staff site; in the user cache
    when the folder beside it cannot be written (output/ directly under a web server's root)."""
    folder = Path(os.path.abspath(output))
    beside = folder.parent / f".{folder.name}{OUTPUT_LOCK}"
    if os.access(folder.parent, os.W_OK) or beside.exists():
        return beside
    digest = hashlib.sha256(str(folder).encode("utf-8", "surrogateescape")).hexdigest()[:24]
    return cache_dir() / "locks" / f"{digest}{OUTPUT_LOCK}"


@contextmanager
def output_lock(output: Path) -> Iterator[None]:
    """Held for a whole build of ``output`` (plan, write, index, manifest). A lock file an
    earlier version left inside output/ is removed: it would be published with the site."""
    with _held(output_lock_path(output), "Utdatamappen"):
        (output / OUTPUT_LOCK).unlink(missing_ok=True)
        yield


def kill_point(step: str) -> None:
    """SIGKILL this process before ``step`` when a test asks for it (see ENV_KILL_AT)."""
    if os.environ.get(ENV_KILL_AT) == step:
        os.kill(os.getpid(), signal.SIGKILL)
