"""The build's progress bar in Swedish: how far, how long so far and about how long is left."""

from __future__ import annotations

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, ProgressColumn, Task, TextColumn
from rich.text import Text


def clock(seconds: float) -> str:
    """0:07, 2:05, 1:02:05 (minutes and seconds; hours only when needed)."""
    whole = max(0, round(seconds))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class SwedishTimeColumn(ProgressColumn):
    """"0:19 hittills, cirka 0:24 kvar" (rich's own columns print two bare clocks side by side)."""

    def render(self, task: Task) -> Text:
        """The elapsed time and, once rich can estimate it from the pace, the time left."""
        so_far = f"{clock(task.elapsed or 0)} hittills"
        left = task.time_remaining
        if task.finished:
            return Text(f"klart på {clock(task.elapsed or 0)}")
        if left is None:
            return Text(so_far)
        return Text(f"{so_far}, cirka {clock(left)} kvar")


def build_progress(console: Console) -> Progress:
    """Bygger ━━━━━━━━ 12/40 0:19 hittills, cirka 0:24 kvar (gone when the build is done)."""
    return Progress(TextColumn("Bygger"), BarColumn(), MofNCompleteColumn(), SwedishTimeColumn(),
                    console=console, transient=True)
