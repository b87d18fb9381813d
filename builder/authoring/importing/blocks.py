"""What a reader hands the recogniser: the source as a flat list of located blocks."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

BlockKind = Literal["heading", "paragraph", "item", "table", "image", "note"]


@dataclass
class Block:
    """One paragraph-like piece of the source, its text already as inline Markdown.

    ``where`` says where it stands in the source in the author's words ("stycke 12",
    "tabell 1, rad 2, cell 1"); every report line points there.
    """

    kind: BlockKind
    text: str
    where: str
    level: int = 0  # heading level (1 = top); list depth (0 = outermost)
    ordered: bool = False  # list items: numbered (steps) or bullets (points)
    bold: bool = False  # the whole paragraph is bold: a heading by look
    title: bool = False  # marked as the document title (Word's Title style, our page's h1)
    # Why the block is page chrome (outside <main>, a running header); "" for content.
    # Chrome blocks are read for metadata ("Senast uppdaterad" in a footer), never placed.
    chrome: str = ""
    # Content the model has no place for (a footnote): listed in the report, never dropped.
    unplaced: str = ""
    rows: list[list[str]] = field(default_factory=list)  # tables: cell texts
    cell_where: list[list[str]] = field(default_factory=list)  # tables: where each cell is
    step_number: int | None = None  # a typed "2a": the step (2) the alternative belongs to


@dataclass(frozen=True)
class Dropped:
    """Page chrome left out of the routine (navigation, running header, "Sida 1 av 3")."""

    why: str
    text: str
    where: str


@dataclass
class ReadResult:
    """A reader's output: the body blocks, what it dropped, images and the page title."""

    blocks: list[Block]
    dropped: list[Dropped] = field(default_factory=list)
    images: list[Dropped] = field(default_factory=list)
    page_title: str | None = None
    # The page's own address (<base href>, the canonical link or og:url): links resolve to it.
    base_url: str | None = None
    page_title_full: str | None = None  # the <title> as written, site name included
