"""The one options object passed whole through a build."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path

from builder.formats import RENDERERS

ALL_FORMATS: tuple[str, ...] = tuple(f for f, spec in RENDERERS.items() if spec.default)


def source_date_epoch() -> int:
    """SOURCE_DATE_EPOCH if set (reproducible builds), else a fixed date: same input, same bytes."""
    value = os.environ.get("SOURCE_DATE_EPOCH", "")
    return int(value) if value.isdigit() else 1_780_000_000  # 2026-05-28, near the seeds


@dataclass(frozen=True)
class BuildOptions:
    """How to build: where, which formats, how many processes, which day and epoch."""

    output: Path = Path("output")
    formats: tuple[str, ...] = ALL_FORMATS
    fillable: bool = False  # --ifyllbar: checklists also get AcroForm fields
    jobs: int = field(default_factory=lambda: os.cpu_count() or 1)
    quiet: bool = False
    today: dt.date = field(default_factory=dt.date.today)
    epoch: int = field(default_factory=source_date_epoch)
    sign: bool = True
