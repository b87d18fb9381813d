"""Imposition of pocket cards on A4: card rectangles, mirrored backs and crop marks, in mm."""

from __future__ import annotations

from dataclasses import dataclass

A4 = (210.0, 297.0)
CARD = (85.0, 55.0)  # ID-1 / credit-card size, rounded as the issue asks


@dataclass(frozen=True)
class Rect:
    """A rectangle on a page, in mm from the top left corner."""

    x: float  # left edge, mm from the page's left
    y: float  # top edge, mm from the page's top
    w: float
    h: float

    @property
    def right(self) -> float:
        """The right edge, mm from the page's left."""
        return self.x + self.w

    @property
    def bottom(self) -> float:
        """The bottom edge, mm from the page's top."""
        return self.y + self.h


@dataclass(frozen=True)
class Mark:
    """A crop-mark segment from (x1, y1) to (x2, y2), mm."""

    x1: float
    y1: float
    x2: float
    y2: float

    def touches(self, rect: Rect) -> bool:
        """True if the segment enters the inside of ``rect`` (its edge does not count)."""
        low_x, high_x = sorted((self.x1, self.x2))
        low_y, high_y = sorted((self.y1, self.y2))
        return low_x < rect.right and high_x > rect.x and low_y < rect.bottom and high_y > rect.y


@dataclass(frozen=True)
class SheetLayout:
    """Where the cards of one A4 sheet go: fronts on page 1, backs on page 2."""

    page: tuple[float, float]
    fronts: tuple[Rect, ...]
    backs: tuple[Rect, ...]  # backs[i] lies behind fronts[i] after a long-edge flip
    front_marks: tuple[Mark, ...]
    back_marks: tuple[Mark, ...]

    @property
    def capacity(self) -> int:
        """How many cards fit on one sheet."""
        return len(self.fronts)


def mirror(rect: Rect, page_width: float) -> Rect:
    """The rectangle's place on the back: duplex with a long-edge flip mirrors left and right."""
    return Rect(page_width - rect.right, rect.y, rect.w, rect.h)


def _crop_marks(cards: list[Rect], gap: float, length: float) -> list[Mark]:
    """Short lines on every cut line, outside the card block, ``gap`` mm away from it."""
    left = min(c.x for c in cards)
    right = max(c.right for c in cards)
    top = min(c.y for c in cards)
    bottom = max(c.bottom for c in cards)
    xs = sorted({round(v, 3) for c in cards for v in (c.x, c.right)})
    ys = sorted({round(v, 3) for c in cards for v in (c.y, c.bottom)})
    marks = [Mark(x, top - gap - length, x, top - gap) for x in xs]
    marks += [Mark(x, bottom + gap, x, bottom + gap + length) for x in xs]
    marks += [Mark(left - gap - length, y, left - gap, y) for y in ys]
    marks += [Mark(right + gap, y, right + gap + length, y) for y in ys]
    return marks


def impose(columns: int = 2, rows: int = 5, card: tuple[float, float] = CARD,
           page: tuple[float, float] = A4, gap: float = 2.0, length: float = 6.0) -> SheetLayout:
    """A grid of butted cards centred on the page (2 × 5 on A4: 20 mm and 11 mm margins).

    Butted cards share their cut lines, so one cut separates two cards and the marks can sit
    in the margins, outside every card.
    """
    width, height = card
    left = (page[0] - columns * width) / 2
    top = (page[1] - rows * height) / 2
    if left < gap + length / 2 or top < gap + length / 2:
        raise ValueError("cards and crop marks do not fit on the page")
    fronts = [Rect(round(left + c * width, 3), round(top + r * height, 3), width, height)
              for r in range(rows) for c in range(columns)]
    backs = [mirror(f, page[0]) for f in fronts]
    front_marks = _crop_marks(fronts, gap, length)
    back_marks = [Mark(page[0] - m.x1, m.y1, page[0] - m.x2, m.y2) for m in front_marks]
    return SheetLayout(page, tuple(fronts), tuple(backs), tuple(front_marks), tuple(back_marks))
