"""Print-layout measurements: what check.py asks the renderers and the print rules judge."""

from __future__ import annotations

from dataclasses import dataclass, field

from builder.load.safe_yaml import YamlPath


@dataclass(frozen=True)
class FaceMeasure:
    """How tall one face of a pocket card is laid out, against the card's height."""

    doc_id: str
    side: str  # "framsida" or "baksida"
    height_mm: float
    line_mm: float  # height of one text line on this face, to say "about N lines"
    card_mm: float = 55.0  # the card's height

    @property
    def overflow_mm(self) -> float:
        """How much taller than the card the content is (0 when it fits)."""
        return max(0.0, self.height_mm - self.card_mm)


@dataclass(frozen=True)
class TallRow:
    """A checklist row that cannot fit on one page: where it stands and how tall it is."""

    doc_id: str
    path: YamlPath  # the step or alternative in the YAML
    number: str  # "2", "2a"
    section: str  # heading of the section the step belongs to
    height_mm: float
    page_mm: float


@dataclass(frozen=True)
class PrintLayout:
    """Every measurement one check made; ``cards`` is keyed by the card's content key."""

    cards: dict[str, tuple[FaceMeasure, ...]] = field(default_factory=dict)
    tall_rows: tuple[TallRow, ...] = ()

    @property
    def card_faces(self) -> list[FaceMeasure]:
        """Every measured face, card by card."""
        return [face for faces in self.cards.values() for face in faces]
