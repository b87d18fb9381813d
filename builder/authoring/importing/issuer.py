"""The issuer (`organisation`) as the document names it: in a header label, the running header
or footer, the page title or the title; never guessed, never the library's name. A document
that names none gets `ej_angivet`, and the report says so."""

from __future__ import annotations

import re

from builder.authoring.importing import labels as L
from builder.authoring.importing.blocks import ReadResult
from builder.authoring.importing.report import ImportReport
from builder.authoring.importing.structure import Draft

_NAME = r"[A-ZÅÄÖ][a-zåäöé]+(?:[ -][A-ZÅÄÖ][a-zåäöé]+)?"
# "Region Halland", "Västra Götalandsregionen", "Lerums kommun", "Göteborgsregionens
# kommunalförbund", "Region Skåne": the forms Swedish issuers sign with.
ISSUER = re.compile(
    rf"\b(Region {_NAME}|(?:[A-ZÅÄÖ][a-zåäö]+ )?[A-ZÅÄÖ][a-zåäö]+regionen|{_NAME}s? kommun|"
    rf"{_NAME}s? kommunalförbund|Landstinget i {_NAME}|{_NAME} läns landsting)\b")


def _candidates(draft: Draft, read: ReadResult, report: ImportReport) -> list[tuple[str, str]]:
    """(where, text) in the order a reader trusts them: header and footer, page title, title."""
    found = [(d.where, d.text) for d in report.dropped
             if any(word in d.why for word in ("sidhuvud", "sidfot"))]
    if read.page_title_full:
        found.append(("sidans <title>", read.page_title_full))
    if draft.title:
        found.append((draft.title_where, draft.title))
    return found


def find_issuer(draft: Draft, read: ReadResult, report: ImportReport) -> None:
    """Set `organisation` from the document, or `ej_angivet` when it names no issuer."""
    if "organisation" in draft.meta.values:
        return
    for where, text in _candidates(draft, read, report):
        match = ISSUER.search(text)
        if match:
            draft.meta.values["organisation"] = match[1]
            report.place(where, f"organisation (”{match[1]}” i källan)", ("organisation",))
            return
    draft.meta.values["organisation"] = L.NOT_STATED
    report.not_stated.append("Utfärdare (organisation): källan namnger ingen")
