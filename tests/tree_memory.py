"""The resident memory of a whole process tree (a command and every process it started),
sampled from /proc while it runs: the peak of the sum, which ru_maxrss (one process's own
peak) does not give."""

from __future__ import annotations

import threading
from pathlib import Path
from types import TracebackType
from typing import Self


def tree_pids(root: int) -> list[int]:
    """``root`` and every living descendant (Linux: /proc/PID/task/TID/children)."""
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        try:
            tasks = list(Path(f"/proc/{pid}/task").iterdir())
        except OSError:
            continue  # it ended while we looked: it holds no memory now
        for task in tasks:
            try:
                todo.extend(int(c) for c in (task / "children").read_text().split())
            except (OSError, ValueError):
                continue
    return found


def tree_rss_kb(root: int) -> int:
    """The summed VmRSS of ``root``'s tree, in kB (processes that ended count 0)."""
    total = 0
    for pid in tree_pids(root):
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        total += next((int(line.split()[1]) for line in status.splitlines()
                       if line.startswith("VmRSS:")), 0)
    return total


def thread_count(pid: int) -> int:
    """Threads of one process."""
    status = Path(f"/proc/{pid}/status").read_text()
    return next(int(line.split()[1]) for line in status.splitlines()
                if line.startswith("Threads:"))


class PeakTreeRss:
    """``with PeakTreeRss(pid) as peak:`` samples the tree every 20 ms; ``peak.kb`` after."""

    def __init__(self, root: int, interval: float = 0.02) -> None:
        self.root = root
        self.interval = interval
        self.kb = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.is_set():
            try:
                self.kb = max(self.kb, tree_rss_kb(self.root))
            except OSError:
                pass  # a process ended mid-read: the next sample counts the living
            self._stop.wait(self.interval)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self._stop.set()
        self._thread.join()
