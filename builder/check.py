"""`rutin check`: load → validate → measure the print layout → rules. Nothing is written."""

from __future__ import annotations

import dataclasses
import gc
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from builder.diagnostics import Diagnostic, sort_diagnostics
from builder.layout import FaceMeasure, PrintLayout, TallRow
from builder.load.library import Library, display_path, find_library_root, load_library
from builder.model import Arbetsrutin, Document
from builder.rules import CheckOptions, check_library
from builder.rules.text_limits import beyond_limits, limit_findings

# A checklist row with fewer characters than this cannot fill an A4 page: its narrowest text
# column (När, 27 mm) holds ~14 characters a line and a page ~60 lines, so 600 characters make
# at most ~45 lines. Shorter rows are not laid out; longer ones are measured, never guessed.
LONG_ROW_CHARS = 600

KnownFaces = Mapping[str, tuple[FaceMeasure, ...]]


@dataclass(frozen=True)
class CheckResult:
    """The library as loaded, every finding, and the print measurements the rules judged."""

    library: Library
    diagnostics: list[Diagnostic]
    layout: PrintLayout = field(default_factory=PrintLayout)

    @property
    def documents(self) -> int:
        """How many routine files were read."""
        return self.library.files_seen


def _card_faces(library: Library, known: KnownFaces,
                skip: frozenset[str] = frozenset()) -> dict[str, tuple[FaceMeasure, ...]]:
    """Pocket card face heights: ``known`` ones reused, the others laid out by WeasyPrint
    (never those of the routines in ``skip``: R112 refuses them).

    A card whose faces provably fit (cardfit's upper bound) is not laid out and has no entry:
    R501 judges only the faces measured, and a card that fits has nothing to report.
    """
    routines = [r for r in library.routines if r.document.id not in skip and (
        r.document.pocket_card is not None or isinstance(r.document, Arbetsrutin))]
    if not routines:
        return {}  # WeasyPrint (~1 s to import) stays unloaded
    from builder.render.printables.cardfit import surely_fits
    from builder.render.printables.pocketcard import card_content, measure_cards

    # Measured as they will print once in force (no draft mark; issue 21).
    cards = {card.key: card for r in routines
             if (card := card_content(r, library, once_in_force=True)) is not None}
    cards = {key: card for key, card in cards.items() if key in known or not surely_fits(card)}
    missing = [card for key, card in cards.items() if key not in known]
    fresh: dict[str, list[FaceMeasure]] = {}
    by_id = {card.doc_id: key for key, card in cards.items()}
    for face in measure_cards(missing):
        fresh.setdefault(by_id[face.doc_id], []).append(face)
    return {key: tuple(fresh[key]) if key in fresh else known[key] for key in cards}


def _longest_row(document: Document) -> int:
    """Characters in the checklist's longest row (text, condition, who and when)."""
    from builder.render.printables.common import checklist_rows

    return max((len(r.text) + len(r.condition or "") + len(r.responsible) + len(r.when)
                for r in checklist_rows(document)), default=0)


def _tall_rows(library: Library, skip: frozenset[str] = frozenset()) -> tuple[TallRow, ...]:
    """Checklist rows long enough to possibly overflow a page, laid out and kept if they do."""
    long_ones = [r for r in library.routines
                 if r.document.id not in skip and _longest_row(r.document) >= LONG_ROW_CHARS]
    if not long_ones:
        return ()
    from builder.options import BuildOptions
    from builder.render import RenderContext
    from builder.render.printables.checklist import rows_taller_than_page

    found: list[TallRow] = []
    for routine in long_ones:
        ctx = RenderContext(routine, library, BuildOptions())
        found += [TallRow(routine.document.id, row.path, row.number, row.section, height, page)
                  for row, height, page in rows_taller_than_page(ctx)]
    return tuple(found)


def measure_print_layout(library: Library, known_faces: KnownFaces | None = None,
                         skip: frozenset[str] = frozenset()) -> PrintLayout:
    """Ask the renderers how large pocket cards and long checklist steps come out (R501, R502),
    for every routine but those in ``skip`` (beyond R112's limits: nothing of them is laid out)."""
    return PrintLayout(_card_faces(library, known_faces or {}, skip), _tall_rows(library, skip))


def set_aside(library: Library, refused: frozenset[str]) -> Library:
    """The library the rules judge: routines beyond R112's limits are set aside as files that
    failed validation (their ids still answer references), so a 5,000-step routine gets its
    one R112 finding instead of thousands of others and seconds of rules (issue 25)."""
    if not refused:
        return library
    return dataclasses.replace(
        library, routines=tuple(r for r in library.routines if r.document.id not in refused),
        invalid_sources=library.invalid_sources + tuple(
            r.source for r in library.routines if r.document.id in refused))


def run_check(path: Path, options: CheckOptions | None = None,
              known_faces: KnownFaces | None = None,
              after_load: Callable[[Library, list[Diagnostic]], None] | None = None
              ) -> CheckResult:
    """Load the library that ``path`` belongs to and run every rule; nothing is written.

    A single file or a sub-folder is checked in the context of its whole library
    (cross-references need it), but only the findings inside it are returned. Card faces in
    ``known_faces`` (the build's measurement cache) are not laid out again. ``after_load``
    is called with the library and the loading's findings before the layout and the rules
    (a build starts rendering there); it must not change them.
    """
    root = find_library_root(path)
    # Loading and the rules make many small objects and few reference cycles: the cyclic
    # collector would rescan the growing heap again and again (~15 % of a check's CPU).
    collecting = gc.isenabled()
    gc.disable()
    try:
        library, diagnostics = load_library(root)
        if after_load is not None:
            after_load(library, list(diagnostics))
        refused = beyond_limits(library)
        layout = measure_print_layout(library, known_faces, refused)
        options = dataclasses.replace(options or CheckOptions(), layout=layout)
        diagnostics.extend(check_library(set_aside(library, refused), options))
        diagnostics.extend(d for r in library.routines if r.document.id in refused
                           for d in limit_findings(r))
    finally:
        if collecting:
            gc.enable()
    if path.is_file():
        wanted = display_path(path)
        diagnostics = [d for d in diagnostics if d.file == wanted]
    elif path.resolve() != root.resolve():
        folder = path.resolve()
        diagnostics = [d for d in diagnostics if Path(d.file).resolve().is_relative_to(folder)]
    return CheckResult(library, sort_diagnostics(diagnostics), layout)
