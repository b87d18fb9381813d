"""The build's cache of pocket card measurements, so checks and no-op builds skip WeasyPrint.

Laying a card out needs WeasyPrint (~1 s to import, plus the layout). The build keeps the face
heights it measured in a user-cache file keyed by the card's content, valid for one version
of the templates and the tool; `rutin check` and the build's own check read it. A missing or
unreadable file only means measuring again; `rutin check` never writes it.
"""

from __future__ import annotations

import json
from typing import Any

from builder.layout import FaceMeasure, PrintLayout
from builder.paths import cache_dir
from builder.publish.manifest import templates_digest, tool_digest
from builder.write import write_atomic

CACHE_FILE = "fickkort-matt.json"
MAX_CACHED = 5000


def _salt() -> str:
    return templates_digest() + tool_digest()


def _faces(rows: list[list[Any]]) -> tuple[FaceMeasure, ...]:
    return tuple(FaceMeasure(str(doc_id), str(side), float(height), float(line), float(card))
                 for doc_id, side, height, line, card in rows)


def read_card_cache() -> dict[str, tuple[FaceMeasure, ...]]:
    """Card faces measured by earlier builds with today's templates and tool, by card key."""
    try:
        raw = json.loads((cache_dir() / CACHE_FILE).read_text(encoding="utf-8"))
        if raw.get("salt") != _salt():
            return {}
        return {str(key): _faces(rows) for key, rows in raw["cards"].items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}


def write_card_cache(layout: PrintLayout) -> None:
    """Add this build's new measurements to the cache; a read-only folder is fine."""
    known = read_card_cache()
    if all(key in known for key in layout.cards):
        return
    cards = {**known, **layout.cards}
    if len(cards) > MAX_CACHED:  # keep the newest entries (dicts keep insertion order)
        cards = dict(list(cards.items())[-MAX_CACHED:])
    payload = {"salt": _salt(), "cards": {
        key: [[f.doc_id, f.side, f.height_mm, f.line_mm, f.card_mm] for f in faces]
        for key, faces in cards.items()}}
    try:
        write_atomic(cache_dir() / CACHE_FILE, json.dumps(payload).encode("utf-8"))
    except OSError:
        pass  # a read-only cache folder only costs speed
