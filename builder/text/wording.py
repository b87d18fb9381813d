"""The words every output shares: status labels, the draft mark, step letters and team labels."""

from __future__ import annotations

import re

from builder.load.library import Library, RoutineFile
from builder.model import Arbetsrutin, Samverkansrutin

# Alternatives of a step are lettered 2a, 2b, …
LETTERS = "abcdefghijklmnopqrstuvwxyz"

STATUS_LABELS: dict[str, str] = {
    "utkast": "Utkast",
    "granskning": "Under granskning",
    "fastställd": "Fastställd",
    "upphävd": "Upphävd",
    "fastställd_annan_instans": "Fastställd av annan instans",
    "i_bruk_enligt_källan": "I bruk enligt källan",
}

# The approval box of a routine in use at the source whose decision the source does not state.
DECISION_NOT_STATED = "Beslut: ej angivet i källan"

# The decision's record when the ledger names no protocol paragraph (the Kungälv seed).
NO_PROTOCOL = "protokoll ej angivet"

# What a draft (utkast or granskning) says on every page it is printed on.
DRAFT_MARK = "UTKAST – ej fastställd"
# A draft's validity, the same words on its PDF, DOCX, checklist and card: "Giltigt från och
# med" and this, never a dash that reads as a missing value.
VALIDITY_NOT_SET = "ej fastställt"


def team_label(routine: RoutineFile, library: Library) -> str | None:
    """'Närsjukvårdsteam (NSVT)' for an arbetsrutin (the bare team id when its parent does
    not name it); for a samverkansrutin its one team so, or the names of all it covers."""
    doc = routine.document
    if isinstance(doc, Samverkansrutin):
        if len(doc.teams) == 1:
            team = doc.teams[0]
            return f"{team.name} ({team.abbreviation})" if team.abbreviation else team.name
        return ", ".join(t.name for t in doc.teams) or None
    if isinstance(doc, Arbetsrutin):
        parent = library.by_id(doc.parent)
        if parent is not None and isinstance(parent.document, Samverkansrutin):
            for entry in parent.document.teams:
                if entry.id == doc.team:
                    return f"{entry.name} ({entry.abbreviation})" if entry.abbreviation \
                        else entry.name
        return doc.team
    return None


def protocol_phrase(protocol: str | None) -> str:
    """"§ 4" from "2026-05-29 § 4" or "§ 4" (the date is said already); "protokoll …" for
    other references; "protokoll ej angivet" when the decision's record names none."""
    proto = (protocol or "").strip()
    if not proto or "ej angiv" in proto.lower():
        return NO_PROTOCOL
    proto = re.sub(r"^\d{4}-\d{2}-\d{2}[,:]?\s*", "", proto)
    if proto.startswith("§") or proto.lower().startswith("protokoll"):
        return proto
    return f"protokoll {proto}"
