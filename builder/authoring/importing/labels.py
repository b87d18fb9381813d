"""The header table's vocabulary: which label means which YAML key, and how a value is read."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from builder.model import MONTHS
from builder.text.wording import VALIDITY_NOT_SET

NOT_STATED = "ej_angivet"
# VALIDITY_NOT_SET: our own draft's "Giltigt från och med: ej fastställt" (no date yet).
MISSING_VALUES = {"", "-", "–", "—", "saknas", "?", VALIDITY_NOT_SET}
VERSION = re.compile(r"^\d+(\.\d+){0,2}$")
ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
SWEDISH_DATE = re.compile(r"^(\d{1,2})\s+([a-zåäö]+)\s+(\d{4})$", re.IGNORECASE)


@dataclass(frozen=True)
class Field:
    """The YAML key a header label fills and how its value is read."""

    key: str  # top-level YAML key; "källa.uppdaterad" for a nested one
    kind: str  # text | list | date | version | title | status | months | parent


_FIELDS: dict[Field, tuple[str, ...]] = {
    Field("dokumenttyp", "text"): ("dokumenttyp", "typ av dokument"),
    Field("titel", "title"): ("dokumentnamn", "dokumentets namn", "titel"),
    Field("upprättat_av", "text"): ("upprättat av", "upprättad av", "framtagen av",
                                    "framtaget av", "författare"),
    Field("godkänt_av", "text"): ("godkänt av", "godkänd av"),
    Field("fastställare", "text"): ("fastställt av", "fastställd av", "fastställare"),
    Field("datum_för_godkännande", "date"): (
        "datum för godkännande", "godkänt datum", "godkännandedatum", "beslutsdatum",
        "datum för fastställande", "fastställt datum", "fastställd datum"),
    Field("giltig_från", "date"): ("giltigt från och med", "giltig från och med", "giltigt från",
                                   "giltig från", "gäller från", "gäller från och med"),
    Field("giltig_till", "date"): ("giltigt till och med", "giltig till och med", "giltigt till",
                                   "giltig till", "gäller till", "gäller till och med"),
    Field("diarienummer", "text"): ("diarienr", "diarienummer", "dnr", "dokumentnr",
                                    "dokumentnummer", "dokument-id", "dokumentid", "id-nr"),
    Field("version", "version"): ("version", "versionsnummer", "utgåva"),
    Field("processägare", "text"): ("processägare",),
    Field("granskare", "list"): ("granskare", "granskad av", "granskat av"),
    Field("gäller_för", "list"): ("gäller för",),
    Field("källa.uppdaterad", "text"): ("senast uppdaterad", "uppdaterad", "senast ändrad",
                                        "uppdaterad i källan",
                                        "sidan uppdaterades", "senast uppdaterat"),
    Field("källa.version", "text"): ("version i källan",),
    Field("källa.datum", "text"): ("datum i källan",),
    Field("källa.referens", "text"): ("källa", "referens", "källans adress"),
    Field("uppdrag", "text"): ("uppdrag",),
    Field("ägare", "text"): ("ägare", "dokumentägare"),
    Field("målgrupp", "text"): ("målgrupp",),
    Field("kontaktperson", "text"): ("kontaktperson",),
    Field("ansvarig_för_revidering", "text"): ("ansvarig för revidering",),
    Field("beslutande_organ", "text"): ("beslutande organ", "beslutsinstans"),
    Field("organisation", "text"): ("organisation", "förvaltning"),
    Field("status", "status"): ("status",),
    Field("utvärdering", "months"): ("utvärderas",),
    Field("samverkansrutin", "parent"): ("samverkansrutin",),
}
LABELS: dict[str, Field] = {label: f for f, labels in _FIELDS.items() for label in labels}
# Longest first, so "giltigt från och med" wins over "giltigt från" in a flattened line.
_ALTERNATION = "|".join(re.escape(label) for label in sorted(LABELS, key=len, reverse=True))
FLATTENED = re.compile(rf"(?<![\wåäö])({_ALTERNATION})\s*:\s*", re.IGNORECASE)
LEADING = re.compile(rf"^({_ALTERNATION})\s*:?\s+(.+)$", re.IGNORECASE | re.DOTALL)


def normalise(label: str) -> str:
    """A label as compared: lower case, no colon, no bold, single spaces."""
    text = label.replace("**", "").replace("*", "").strip().rstrip(":").strip().lower()
    return " ".join(text.split())


def field_for(label: str) -> Field | None:
    """The field a header label means, or None."""
    return LABELS.get(normalise(label))


def is_label(text: str) -> bool:
    """Whether the text is one of the known header labels."""
    return field_for(text) is not None


def clean_value(value: str) -> str | None:
    """The value as written, or None when the cell says nothing ("–", empty)."""
    text = " ".join(value.replace("**", "").split())
    return None if text.lower() in MISSING_VALUES else text


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
