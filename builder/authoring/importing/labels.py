"""The header table's vocabulary: which label means which YAML key, and how a value is read."""

from __future__ import annotations

import datetime as dt
import re

from builder.load.header_labels import IGNORED, LABELS, OTHER, Field

__all__ = ["LABELS", "Field"]
from builder.model import MONTHS
from builder.text.wording import VALIDITY_NOT_SET

NOT_STATED = "ej_angivet"
# VALIDITY_NOT_SET: our own draft's "Giltigt från och med: ej fastställt" (no date yet).
MISSING_VALUES = {"", "-", "–", "—", "saknas", "?", VALIDITY_NOT_SET}
VERSION = re.compile(r"^\d+(\.\d+){0,2}$")
ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
SWEDISH_DATE = re.compile(r"^(\d{1,2})\s+([a-zåäö]+)\s+(\d{4})$", re.IGNORECASE)


# The vocabulary is shared with R102's key suggestions (builder.load.header_labels).
# Longest first, so "giltigt från och med" wins over "giltigt från" in a flattened line.
_ALTERNATION = "|".join(re.escape(label) for label in sorted(LABELS, key=len, reverse=True))
FLATTENED = re.compile(rf"(?<![\wåäö])({_ALTERNATION})\s*:\s*", re.IGNORECASE)
LEADING = re.compile(rf"^({_ALTERNATION})\s*:?\s+(.+)$", re.IGNORECASE | re.DOTALL)


def normalise(label: str) -> str:
    """A label as compared: lower case, no colon, no bold, single spaces."""
    text = label.replace("**", "").replace("*", "").strip().rstrip(":").strip().lower()
    return " ".join(text.split())


def field_for(label: str) -> Field | None:
    """The field a header label means (None for labels kept as övriga_uppgifter)."""
    field = LABELS.get(normalise(label))
    return None if field is None or field.key == OTHER else field


def is_ignored(label: str) -> bool:
    """A label of page furniture ("Sida"): dropped on purpose, listed in the report."""
    field = LABELS.get(normalise(label))
    return field is not None and field.key == IGNORED


def is_label(text: str) -> bool:
    """Whether the text is one of the known header labels (also those kept as övriga)."""
    return normalise(text) in LABELS


# Our own drafts' header: "Ej fastställd", "Ej fastställd (beslutas av X)", and a planned
# start "1 juni 2026 (planerat, ej fastställd)" (builder.render.document_view.metadata_rows).
NOT_DECIDED = re.compile(r"^ej fastställd(\s*\(beslutas av (?P<body>.+)\))?$", re.IGNORECASE)
PLANNED = re.compile(r"\s*\(planerat, ej fastställd\)$", re.IGNORECASE)


def clean_value(value: str) -> str | None:
    """The value as written, or None when the cell says nothing ("–", empty, our draft's
    "Ej fastställd")."""
    text = PLANNED.sub("", " ".join(value.replace("**", "").split()))
    if NOT_DECIDED.match(text):
        return None
    return None if text.lower() in MISSING_VALUES else text


def planned_body(value: str) -> str | None:
    """The body named in our draft's "Ej fastställd (beslutas av X)", else None."""
    found = NOT_DECIDED.match(" ".join(value.replace("**", "").split()))
    return found["body"] if found and found["body"] else None


def parse_date(text: str) -> dt.date | None:
    """ISO dates and long Swedish dates ("29 maj 2026"); a month or year alone is no date."""
    iso = ISO_DATE.match(text)
    if iso:
        try:
            return dt.date(int(iso[1]), int(iso[2]), int(iso[3]))
        except ValueError:
            return None
    swedish = SWEDISH_DATE.match(text)
    if swedish and swedish[2].lower() in MONTHS:
        try:
            return dt.date(int(swedish[3]), MONTHS.index(swedish[2].lower()) + 1, int(swedish[1]))
        except ValueError:
            return None
    return None


def parse_months(text: str) -> list[str] | None:
    """'januari och augusti' as a list of months; None if anything else is said."""
    words = re.findall(r"[a-zåäö]+", text.lower())
    months = [w for w in words if w in MONTHS]
    rest = [w for w in words if w not in MONTHS and w not in ("och", "i", "samt")]
    return months if months and not rest else None


def split_list(text: str) -> list[str]:
    """A list value as written with commas, semicolons or line breaks."""
    return [part.strip() for part in re.split(r"[;,\n]", text) if part.strip()]


def split_flattened(text: str) -> list[tuple[str, str]]:
    """'Dokumenttyp: Rutin Version: 2 Giltigt från: 2024-01-01' as (label, value) pairs."""
    matches = list(FLATTENED.finditer(text))
    if not matches or matches[0].start() != 0:
        return []
    pairs = []
    for here, after in zip(matches, matches[1:] + [None], strict=False):
        end = after.start() if after else len(text)
        pairs.append((here[1], text[here.end():end].strip(" ;,|")))
    return pairs
