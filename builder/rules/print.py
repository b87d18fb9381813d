"""R5xx rules: what is printed must fit its paper — pocket card faces and checklist steps."""

# Both rules measure the WeasyPrint layout, so WeasyPrint is imported only inside them, and only
# when some document has a pocket card or a long step: `rutin check` on others stays fast.

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Iterator
from typing import TYPE_CHECKING

from builder.diagnostics import Diagnostic
from builder.load.library import Library, RoutineFile
from builder.load.safe_yaml import YamlPath
from builder.model import Arbetsrutin
from builder.paths import cache_dir
from builder.rules import CheckOptions, finding, rule
from builder.write import write_atomic

if TYPE_CHECKING:
    from builder.render.printables.pocketcard import CardContent, FaceMeasure

# A checklist row with fewer characters than this cannot fill an A4 page: its narrowest text
# column (När, 27 mm) holds ~14 characters a line and a page ~60 lines, so 600 characters make
# at most ~45 lines. Shorter rows are not laid out; longer ones are measured, never guessed.
LONG_ROW_CHARS = 600


def _mm(value: float) -> str:
    return f"{value:.1f}".replace(".", ",")


def _card_location(routine: RoutineFile) -> YamlPath:
    # Without a fickkort block the card shows the steps: point at the body instead.
    return ("fickkort",) if routine.document.pocket_card is not None else ("avsnitt",)


@rule("R501", "error", "Fickkortets innehåll får plats på kortet (85 × 55 mm)")
def check_pocket_card_fits(library: Library, options: CheckOptions) -> Iterator[Diagnostic]:
    routines = [r for r in library.routines
                if r.document.pocket_card is not None or isinstance(r.document, Arbetsrutin)]
    if not routines:
        return
    from builder.render.printables.pocketcard import card_content

    cards = {r.document.id: c for r in routines if (c := card_content(r, library)) is not None}
    by_id = {r.document.id: r for r in routines}
    for face in measure_cards_cached(list(cards.values())):
        if face.overflow_mm <= 0.05:
            continue
        routine = by_id[face.doc_id]
        lines = max(1, round(face.overflow_mm / face.line_mm))
        what = "punkterna" if face.side == "framsida" else "kontakterna"
        yield finding(routine, _card_location(routine), "R501",
                      f"fickkortets {face.side} får inte plats: innehållet är "
                      f"{_mm(face.height_mm)} mm högt men kortet är 55 mm, "
                      f"{_mm(face.overflow_mm)} mm (ungefär {lines} rader) för mycket; "
                      f"korta {what} eller ta bort några")


MEASURE_CACHE = "fickkort-matt.json"
MAX_CACHED = 5000


def _card_key(card: CardContent, salt: str) -> str:
    payload = json.dumps(dataclasses.asdict(card), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256((salt + payload).encode("utf-8")).hexdigest()


def measure_cards_cached(cards: list[CardContent]) -> list[FaceMeasure]:
    """Card face heights, laid out by WeasyPrint only for cards not measured before.

    Layout needs WeasyPrint (~1 s to import, plus the layout): a user-cache file keyed by the
    card's content, the templates and the tool's code keeps repeated checks and no-op
    rebuilds fast. A missing or unreadable cache only means measuring again.
    """
    from builder.build.manifest import templates_digest, tool_digest

    salt = templates_digest() + tool_digest()
    path = cache_dir() / MEASURE_CACHE
    try:
        cached: dict[str, list[list[object]]] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        cached = {}
    keys = {card.doc_id: _card_key(card, salt) for card in cards}
    missing = [card for card in cards if keys[card.doc_id] not in cached]
    if missing:
        from builder.render.printables.pocketcard import measure_cards

        fresh: dict[str, list[list[object]]] = {}
        for face in measure_cards(missing):
            fresh.setdefault(keys[face.doc_id], []).append(
                [face.side, face.height_mm, face.line_mm])
        cached = {**cached, **fresh}
        if len(cached) > MAX_CACHED:  # keep the newest entries (dicts keep insertion order)
            cached = dict(list(cached.items())[-MAX_CACHED:])
        try:
            write_atomic(path, json.dumps(cached).encode("utf-8"))
        except OSError:
            pass  # a read-only cache folder only costs speed
    from builder.render.printables.pocketcard import FaceMeasure

    return [FaceMeasure(card.doc_id, str(side), float(height), float(line))  # type: ignore[arg-type]
            for card in cards for side, height, line in cached[keys[card.doc_id]]]


def _row_chars(routine: RoutineFile) -> int:
    from builder.render.printables.common import checklist_rows

    rows = checklist_rows(routine.document)
    return max((len(r.text) + len(r.condition or "") + len(r.responsible) + len(r.when)
                for r in rows), default=0)


@rule("R502", "error", "Varje steg i checklistan får plats på en sida")
def check_checklist_steps_fit(library: Library, options: CheckOptions) -> Iterator[Diagnostic]:
    long_ones = [r for r in library.routines if _row_chars(r) >= LONG_ROW_CHARS]
    if not long_ones:
        return
    from builder.options import BuildOptions
    from builder.render import RenderContext
    from builder.render.printables.checklist import rows_taller_than_page

    for routine in long_ones:
        ctx = RenderContext(routine, library, BuildOptions(today=options.today))
        for row, height, page in rows_taller_than_page(ctx):
            yield finding(routine, row.path, "R502",
                          f"steg {row.number} i '{row.section}' är för långt för checklistan: "
                          f"raden blir {_mm(height)} mm hög men en sida rymmer {_mm(page)} mm; "
                          "dela upp steget i flera steg eller korta texten")
