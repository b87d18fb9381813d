"""Review and validity dates: when a routine is next due for evaluation (utvärdering)."""

from __future__ import annotations

import calendar
import datetime as dt

from builder.model import MONTHS, Document
from builder.text.dates import add_months


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def review_basis(document: Document, evaluated: dt.date | None = None) -> dt.date | None:
    """The last time the routine was decided on or evaluated: the later of the approval date
    (else the newest revision) and ``evaluated``, the newest evaluation without change."""
    basis = document.approval_date
    if basis is None:
        dates = [r.date for r in document.revisions]
        basis = max(dates) if dates else None
    if evaluated is not None and (basis is None or evaluated > basis):
        return evaluated
    return basis


def next_review(document: Document, evaluated: dt.date | None = None) -> dt.date | None:
    """The last day by which the next evaluation must have happened.

    With months (the Södra Älvsborg seed: "en gång per halvår, dvs. januari och augusti") it
    is the end of the first listed month after the basis date; with an interval it is the basis
    plus that many months. An evaluation without change (``evaluated``) moves the basis.
    """
    basis = review_basis(document, evaluated)
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
