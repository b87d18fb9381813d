"""Dates as Swedish documents write them: "29 maj 2026" (Babel, sv_SE)."""

from __future__ import annotations

import datetime as dt

from babel.dates import format_date


def format_date_sv(value: dt.date | None, missing: str = "–") -> str:
    """A date in long Swedish form ("1 juni 2026"); ``missing`` when there is none."""
    if value is None:
        return missing
    return str(format_date(value, format="long", locale="sv_SE"))
