"""Review and validity dates: when a routine is next due for evaluation (utvärdering)."""

from __future__ import annotations

import calendar
import datetime as dt

from builder.model import MONTHS, Document
from builder.text.dates import add_months


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def review_basis(document: Document) -> dt.date | None:
    """The last time the routine was decided on: approval date, else the newest revision."""
    if document.approval_date is not None:
        return document.approval_date
    dates = [r.date for r in document.revisions]
    return max(dates) if dates else None


def next_review(document: Document) -> dt.date | None:
    """The last day by which the next evaluation must have happened.

    With months (the Södra Älvsborg seed: "en gång per halvår, dvs. januari och augusti") it
    is the end of the first listed month after the basis date; with an interval it is the basis
    plus that many months.
    """
    basis = review_basis(document)
    evaluation = document.evaluation
    if basis is None or evaluation is None:
        return None
    if evaluation.months:
        wanted = sorted(MONTHS.index(m) + 1 for m in evaluation.months)
        for offset in range(1, 13):
            candidate = add_months(basis.replace(day=1), offset)
            if candidate.month in wanted:
                return _month_end(candidate.year, candidate.month)
    if evaluation.interval_months:
        return add_months(basis, evaluation.interval_months)
    return None
