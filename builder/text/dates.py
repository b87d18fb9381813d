"""Dates as Swedish documents write them ("29 maj 2026"), month arithmetic and expiry."""

from __future__ import annotations

import calendar
import datetime as dt
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from builder.model import NotStated


def format_date_sv(value: dt.date | NotStated | None, missing: str = "–") -> str:
    """A date in long Swedish form ("1 juni 2026"); ``missing`` when there is none, and
    "Ej angivet" for a date the source does not state (``ej_angivet``)."""
    if value is None:
        return missing
    if not isinstance(value, dt.date):
        return str(value)
    from babel.dates import format_date  # 25 ms to import: not for checks that show no date

    return str(format_date(value, format="long", locale="sv_SE"))


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` plus whole months, clamped to the month's end (31 aug + 6 → 28 feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def has_expired(valid_to: dt.date | None, today: dt.date) -> bool:
    """A validity that ended before ``today`` (the last day itself is still valid)."""
    return valid_to is not None and valid_to < today
