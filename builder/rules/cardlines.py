"""R503–R505: a pocket-card line that names its step or note is tied to it and kept current.

Plain-text lines (the older form) stay valid and unflagged: routines written before issue 14
keep checking clean. The review packet shows which lines name no step.
"""

from __future__ import annotations

from collections.abc import Iterator

from builder.derived import resolve
from builder.diagnostics import Diagnostic
from builder.load.library import Library, RoutineFile
from builder.model import CardPoint
from builder.rules import CheckOptions, finding, rule


def _points(library: Library) -> Iterator[tuple[RoutineFile, int, str | CardPoint]]:
    for routine in library.routines:
        card = routine.document.pocket_card
        for index, point in enumerate(card.points if card else []):
            yield routine, index, point


def _where(point: CardPoint) -> str:
    parts = [f"steg {point.step}"] if point.step else []
    if point.section:
        parts.append(f"avsnittet '{point.section}'")
    return " i ".join(parts) or "ingen källa"


@rule("R503", "error", "Fickkortets rad pekar på ett steg eller avsnitt som finns")
def check_card_point_source(library: Library, options: CheckOptions) -> Iterator[Diagnostic]:
    """A card line with ``steg``/``avsnitt`` names a step, note or section the routine has."""
    for routine, index, point in _points(library):
        if not isinstance(point, CardPoint):
            continue
        if point.step is None and point.section is None:
            yield finding(routine, ("fickkort", "punkter", index), "R503",
                          "fickkortets rad anger varken 'steg' eller 'avsnitt'; skriv vilket "
                          "steg (t.ex. steg: \"2a\") eller avsnitt raden kommer från")
        elif resolve(routine.document, point) is None:
            yield finding(routine, ("fickkort", "punkter", index), "R503",
                          f"fickkortets rad pekar på {_where(point)}, som inte finns i rutinen")


@rule("R504", "error", "Fickkortets rad har inte ändrats sedan dess steg ändrades")
def check_card_point_current(library: Library, options: CheckOptions) -> Iterator[Diagnostic]:
    """The fingerprint stored with a card line still matches its step's text."""
    for routine, index, point in _points(library):
        if not isinstance(point, CardPoint) or point.fingerprint is None:
            continue
        source = resolve(routine.document, point)
        if source is not None and source.fingerprint != point.fingerprint:
            yield finding(
                routine, ("fickkort", "punkter", index, "avtryck"), "R504",
                f"{source.label} har ändrats sedan fickkortets rad skrevs (avtryck "
                f"{point.fingerprint}, nu {source.fingerprint}); läs steget, skriv om raden så "
                f"att den säger samma sak och sätt sedan avtryck: {source.fingerprint}")


@rule("R505", "warning", "Fickkortets rad har ett avtryck av sitt steg")
def check_card_point_fingerprint(library: Library, options: CheckOptions) -> Iterator[Diagnostic]:
    """A tied card line carries a fingerprint; the finding gives the value to write."""
    for routine, index, point in _points(library):
        if not isinstance(point, CardPoint) or point.fingerprint is not None:
            continue
        source = resolve(routine.document, point)
        if source is not None:
            yield finding(routine, ("fickkort", "punkter", index), "R505",
                          f"fickkortets rad för {source.label} saknar avtryck; när raden säger "
                          f"samma sak som steget, skriv avtryck: {source.fingerprint}")
