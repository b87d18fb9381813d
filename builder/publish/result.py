"""What a build did, for the command's report (a no-op build answers without the pipeline)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from builder.diagnostics import Diagnostic

if TYPE_CHECKING:
    from builder.check import CheckResult


@dataclass
class BuildResult:
    """What a build did, for the command's report."""

    documents: int
    diagnostics: list[Diagnostic]
    check: CheckResult | None = None  # None when nothing changed and the check was replayed
    rendered: list[tuple[str, str]] = field(default_factory=list)  # (document id, format)
    up_to_date: int = 0
    written: list[Path] = field(default_factory=list)
    not_built: list[str] = field(default_factory=list)  # documents refused for their errors
    orphaned: list[str] = field(default_factory=list)  # outputs whose routine is gone
    pruned: list[Path] = field(default_factory=list)
    recovered: list[str] = field(default_factory=list)  # what was left of a killed build

    @property
    def nothing_to_do(self) -> bool:
        """Nothing was rendered and nothing written: everything was current."""
        return not self.rendered and not self.written
