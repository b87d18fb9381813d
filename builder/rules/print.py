"""R5xx rules: what is printed must fit its paper — pocket card faces and checklist steps.

The rules judge measurements, they do not lay anything out: check.py asks the renderers how
tall each card face and each long checklist row comes out and passes that in
``options.layout`` (so `rutin check` on a library without cards never loads WeasyPrint).
"""

from __future__ import annotations

from collections.abc import Iterator

from builder.diagnostics import Diagnostic
from builder.load.library import Library, RoutineFile
from builder.load.safe_yaml import YamlPath
from builder.rules import CheckOptions, finding, rule


def _mm(value: float) -> str:
    return f"{value:.1f}".replace(".", ",")


def _card_location(routine: RoutineFile) -> YamlPath:
    # Without a fickkort block the card shows the steps: point at the body instead.
    return ("fickkort",) if routine.document.pocket_card is not None else ("avsnitt",)


@rule("R501", "error", "Fickkortets innehåll får plats på kortet (85 × 55 mm)")
def check_pocket_card_fits(library: Library, options: CheckOptions) -> Iterator[Diagnostic]:
    """Every measured card face that is taller than the card."""
    for face in options.layout.card_faces:
        routine = library.by_id(face.doc_id)
        if face.overflow_mm <= 0.05 or routine is None:
            continue
        lines = max(1, round(face.overflow_mm / face.line_mm))
        yield finding(routine, _card_location(routine), "R501",
                      f"fickkortets {face.side} får inte plats: innehållet är "
                      f"{_mm(face.height_mm)} mm högt men kortet är {face.card_mm:g} mm, "
                      f"{_mm(face.overflow_mm)} mm (ungefär {lines} rader) för mycket; "
                      f"{_what_to_shorten(routine, library, face.side)}")


# As many points as the front holds before they continue on the back (pocketcard.FRONT_POINTS).
FRONT_POINTS = 4


def _what_to_shorten(routine: RoutineFile, library: Library, side: str) -> str:
    """Name what actually is on the face that overflows (never "kontakterna" on a card that
    has none)."""
    doc = routine.document
    card = doc.pocket_card
    points = len(card.points) if card is not None and card.points else None
    if side == "framsida":
        return "korta punkterna eller ta bort några"
    parts = []
    if points is None or points > FRONT_POINTS:
        parts.append("punkterna som fortsätter på baksidan")
    if (card is not None and card.contacts) or doc.contacts:
        parts.append("kontakterna")
    if not parts:
        parts.append("titeln")
    advice = f"korta {' eller '.join(parts)}"
    organisation = library.organisation
    if organisation is not None and organisation.publication_url:
        advice += " (QR-koden för publiceringsadressen tar 17,5 mm av bredden uppe till höger)"
    return advice


@rule("R502", "error", "Varje steg i checklistan får plats på en sida")
def check_checklist_steps_fit(library: Library, options: CheckOptions) -> Iterator[Diagnostic]:
    """Every checklist row the layout had to split over two pages."""
    for row in options.layout.tall_rows:
        routine = library.by_id(row.doc_id)
        if routine is None:
            continue
        yield finding(routine, row.path, "R502",
                      f"steg {row.number} i '{row.section}' är för långt för checklistan: "
                      f"raden blir {_mm(row.height_mm)} mm hög men en sida rymmer "
                      f"{_mm(row.page_mm)} mm; dela upp steget i flera steg eller korta texten")
