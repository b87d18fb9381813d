"""Recording an evaluation without change ("utvärderad utan ändring") in the ledger.

Regions evaluate every routine on a cycle, and most evaluations end without a change. Such an
evaluation approves no new version, so it is not a decision: it is a ledger entry of its own
kind (``beslut: utvärderad``), chained like the others, bound to the content hash of the
version in force, and written on the same journaled, locked path as ``rutin approve``. The
routine's YAML is not touched. The next evaluation is then counted from its date, and the
documents show "Senast utvärderad". A routine whose content changed since its decision is
refused: that is a new version, to be approved.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from builder.decision.approve import (
    ApprovalOutcome,
    ApprovalRequest,
    _common_refusals,
    _date_refusals,
    _Plan,
    _subject,
    find_body,
    record_locked,
)
from builder.governance.ledger import (
    EVALUATED,
    content_hash,
    last_digest,
    make_entry,
)
from builder.governance.teampart import recorded_team_part, team_part_drift
from builder.load.library import RoutineFile

DEFAULT_SUMMARY = "Utvärderad utan ändring."
# What the evaluation itself settles: a changed samverkansrutin part (R415) is cleared by it.
SETTLED = frozenset({"R404", "R407", "R415"})


@dataclass(frozen=True)
class EvaluationRequest:
    """An evaluation to record: which routine, by whom, when, under which protocol."""

    doc_id: str
    body: str
    date: dt.date
    protocol: str
    summary: str | None = None  # default: "Utvärderad utan ändring." (or the samverkansrutin)
    today: dt.date | None = None  # the day it is recorded (None: the system date)


def _summary(request: EvaluationRequest, routine: RoutineFile, drift_version: str | None) -> str:
    if request.summary and request.summary.strip():
        return request.summary.strip()
    if drift_version is not None:
        return f"Granskad mot samverkansrutin {drift_version}, ingen ändring."
    return DEFAULT_SUMMARY


def _content_refusals(routine: RoutineFile, approved_version: str | None,
                      approved_hash: str | None, approved_on: dt.date | None) -> list[str]:
    doc = routine.document
    if approved_version is None or approved_hash is None or approved_on is None:
        return [(f"'{doc.id}' har ingen gällande fastställd version i liggaren att utvärdera; "
                 "fastställ rutinen med 'rutin approve' först")]
    if doc.version != approved_version or content_hash(doc) != approved_hash:
        return [(f"innehållet i '{doc.id}' har ändrats sedan version {approved_version} "
                 f"fastställdes ({approved_on.isoformat()}); en utvärdering utan ändring kan "
                 "inte registreras. Höj versionen, beskriv ändringen i 'ändringar' och begär "
                 "nytt godkännande med 'rutin approve'")]
    return []


def plan_evaluation(root: Path, request: EvaluationRequest
                    ) -> tuple[_Plan | None, ApprovalOutcome]:
    """Every refusal before anything is written; (plan, empty outcome) when all pass."""
    subject = _subject(root, request.doc_id)
    if isinstance(subject, ApprovalOutcome):
        return None, subject
    result, routine, entries, mine, snapshot = subject
    doc = routine.document
    decisions = [e for e in mine if not e.is_evaluation]
    latest = decisions[-1] if decisions and decisions[-1].is_approval else None
    as_approval = ApprovalRequest(request.doc_id, request.body, request.date, request.protocol,
                                  today=request.today)
    refusals, blocking = _common_refusals(result, routine, as_approval, True, snapshot,
                                          SETTLED)
    refusals += _content_refusals(routine, latest.version if latest else None,
                                  latest.content_sha256 if latest else None,
                                  latest.date if latest else None)
    refusals += _date_refusals(as_approval, mine)
    if refusals:
        return None, ApprovalOutcome(refusals, blocking=blocking)
    body = find_body(result.library.organisation, request.body)
    drift = team_part_drift(result.library, routine, request.date)
    entry = make_entry(last_digest(entries), document=doc.id, version=doc.version,
                       decision=EVALUATED, body=body.name if body else request.body,
                       date=request.date, protocol=request.protocol.strip(),
                       summary=_summary(request, routine, drift.current_version if drift
                                        else None),
                       content=content_hash(doc),
                       team_part=recorded_team_part(result.library, routine))
    return _Plan(routine, entry, routine.source.text, None, {}), ApprovalOutcome()


def evaluate(root: Path, request: EvaluationRequest) -> ApprovalOutcome:
    """Record the evaluation: the ledger entry is appended (journaled, like a decision) only if
    every check passes (record_locked)."""
    return record_locked(root, lambda: plan_evaluation(root, request))
