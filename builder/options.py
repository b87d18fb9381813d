"""The one options object passed whole through a build."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path

from builder.formats import RENDERERS

ALL_FORMATS: tuple[str, ...] = tuple(f for f, spec in RENDERERS.items() if spec.default)


def source_date_epoch(today: dt.date | None = None) -> int:
    """SOURCE_DATE_EPOCH if set (reproducible builds), else midnight (UTC) of the build day.

    Every file's dates (PDF CreationDate/ModDate and XMP, DOCX core properties, zip entries)
    come from this one value: a file built today says today, not a fixed day in the past,
    and the same input built on the same day (or with the same SOURCE_DATE_EPOCH) gives the
    same bytes. The day is part of the build's stamp already (validity marks depend on it).
    """
    value = os.environ.get("SOURCE_DATE_EPOCH", "")
    if value.isdigit():
        return int(value)
    day = today or dt.date.today()
    return int(dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC).timestamp())


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
