"""Recording a decision: validate the request, append to the ledger, archive, update the YAML."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import NamedTuple

import yaml

from builder.check import CheckResult, run_check
from builder.decision.journal import (
    Journal,
    RoutineChanged,
    apply_journal,
    journal_path,
    latest_as_raw,
    recover_unlocked,
    write_journal,
)
from builder.diagnostics import Diagnostic
from builder.governance.ledger import (
    LedgerEntry,
    archive_path,
    archived_content_hash,
    content_hash,
    entries_for,
    last_digest,
    ledger_path,
    load_ledger,
    make_entry,
    sha256_text,
    version_key,
)
from builder.governance.teampart import recorded_team_part
from builder.load.library import ARCHIVE_DIR, RoutineFile, display_path, find_library_root
from builder.load.safe_yaml import parse_yaml_text
from builder.locking import kill_point, library_lock
from builder.model import ApprovingBody, Organisation
from builder.rules.stated import accountability_gaps

WITHDRAWAL_SUMMARY = "Rutinen upphävs."
# R408 (fastställd without a ledger entry) is exactly what recording the decision repairs, and
# R415 (the samverkansrutin changed the team's part) is what a new approval clears.
NOT_BLOCKING = {"R408", "R415"}


@dataclass(frozen=True)
class ApprovalRequest:
    """A decision to record: which routine, by whom, when, under which protocol."""

    doc_id: str
    body: str
    date: dt.date
    protocol: str
    withdraw: bool = False
    summary: str | None = None  # only for withdrawal; approval takes it from ändringar
    today: dt.date | None = None  # the day the decision is recorded (None: the system date)


@dataclass(frozen=True)
class ApprovalOutcome:
    """What happened: refusals (Swedish, nothing written) or the entry and files written."""

    refusals: list[str] = field(default_factory=list)
    entry: dict[str, str] | None = None
    written: list[Path] = field(default_factory=list)
    blocking: list[Diagnostic] = field(default_factory=list)
    completed: bool = False  # the ledger already had the entry; only the YAML was updated
    notes: list[str] = field(default_factory=list)  # interrupted decisions finished first


def find_body(organisation: Organisation | None, wanted: str) -> ApprovingBody | None:
    """The approving body whose id or name is ``wanted`` (case does not matter)."""
    if organisation is None:
        return None
    key = wanted.strip().casefold()
    return next((b for b in organisation.approving_bodies
                 if key in (b.id.casefold(), b.name.casefold())), None)


def _render_scalar(value: str | dt.date) -> str:
    dumped: str = yaml.safe_dump(value, allow_unicode=True, width=4096)
    return dumped.removesuffix("\n...\n").rstrip("\n")


def _set_key(text: str, key: str, value: str | dt.date, after: tuple[str, ...]) -> str:
    """Set one top-level scalar by splicing only its value's characters (comments and
    layout elsewhere stay byte for byte); a missing key goes on a new line after ``after``."""
    root = yaml.compose(text, Loader=yaml.SafeLoader)  # the file already passed the safe loader
    assert isinstance(root, yaml.MappingNode)
    rendered = _render_scalar(value)
    nodes = {k.value: (k, v) for k, v in root.value}
    if key in nodes and not (isinstance(nodes[key][1], yaml.ScalarNode)
                             and nodes[key][1].tag.endswith(":null")):
        node = nodes[key][1]
        start, end = node.start_mark.index, node.end_mark.index
        span = text[start:end]
        trailing = span[len(span.rstrip("\r\n")):]  # block scalars own their line breaks
        return text[:start] + rendered + trailing + text[end:]
    if key in nodes:  # "key:" with no value
        key_node = nodes[key][0]
        colon = text.index(":", key_node.end_mark.index)
        return text[:colon + 1] + " " + rendered + text[nodes[key][1].end_mark.index:]
    newline = "\r\n" if "\r\n" in text else "\n"
    anchor = next((a for a in after if a in nodes), None)
    if anchor is None:
        position = 0
    else:
        end = nodes[anchor][1].end_mark.index
        if text[end - 1:end] == "\n":
            position = end
        else:
            line_end = text.find("\n", end)
            position = len(text) if line_end < 0 else line_end + 1
    prefix = "" if position == 0 or text[position - 1:position] == "\n" else newline
    return text[:position] + prefix + f"{key}: {rendered}{newline}" + text[position:]


def update_routine_text(text: str, updates: dict[str, str | dt.date],
                        display: str) -> tuple[str | None, str | None]:
    """Apply ``updates`` to the routine's top level; (new text, None) or (None, reason).

    We splice values in place instead of a ruamel.yaml round trip: ruamel keeps comments but
    re-flows multi-line plain scalars (measured on the Kungälv routine: two wrapped bullets
    become single long lines), and PyYAML's dump drops every comment. The result is re-parsed
    and must equal the old data with exactly these keys changed, or nothing is written.
    """
    after = {"godkänt_av": ("upprättat_av", "dokumenttyp", "titel"),
             "datum_för_godkännande": ("status",),
             "giltig_från": ("datum_för_godkännande", "status")}
    old, _ = parse_yaml_text(text, display)
    new_text = text
    for key, value in updates.items():
        new_text = _set_key(new_text, key, value, after.get(key, ("status",)))
    new, problems = parse_yaml_text(new_text, display)
    expected = dict(old.data) if old is not None and isinstance(old.data, dict) else None
    if expected is not None:
        expected.update({k: v.isoformat() if isinstance(v, dt.date) else v
                         for k, v in updates.items()})
    if new is None or problems or expected is None or new.data != expected:
        return None, (f"kunde inte uppdatera {display} automatiskt utan att ändra annat; "
                      "ändra status och godkännandefälten för hand och försök igen")
    return new_text, None


def _blocking_errors(diagnostics: list[Diagnostic], routine: RoutineFile,
                     settled: frozenset[str] = frozenset()) -> list[Diagnostic]:
    """Errors in the document itself and in its group's ledger and archive, but for what
    the decision repairs (NOT_BLOCKING) and what the caller's entry ``settled``."""
    folder = routine.path.parent
    ledger = display_path(ledger_path(folder))
    archive = display_path(folder / ARCHIVE_DIR)
    return [d for d in diagnostics if d.is_error and d.rule not in NOT_BLOCKING | settled and (
        d.file in (routine.display, ledger) or d.file.startswith(archive))]


def _approval_refusals(routine: RoutineFile, entries: list[LedgerEntry],
                       digest: str) -> list[str]:
    doc = routine.document
    refusals: list[str] = []
    done = next((e for e in entries if e.version == doc.version and e.is_approval), None)
    if done is not None and done.content_sha256 == digest:
        refusals.append(f"version {doc.version} av '{doc.id}' är redan fastställd med samma "
                        f"innehåll ({done.date.isoformat()} av {done.body}, {done.file} rad "
                        f"{done.line}); det finns inget nytt beslut att registrera")
    elif done is not None:
        refusals.append(f"version {doc.version} av '{doc.id}' är redan fastställd "
                        f"({done.date.isoformat()}, {done.file} rad {done.line}) med annat "
                        "innehåll; höj versionen för att begära nytt godkännande")
    revision = next((r for r in doc.revisions if r.version == doc.version), None)
    if revision is None or revision.description.strip().upper().startswith("TODO"):
        refusals.append(f"ändringssammanfattning saknas för version {doc.version}: lägg till en "
                        "rad i 'ändringar' som beskriver vad som ändrats före godkännandet")
    approved = [e.version for e in entries if e.is_approval]
    if approved:
        highest = max(approved, key=version_key)
        if done is None and version_key(doc.version) <= version_key(highest):
            refusals.append(f"version {doc.version} är inte högre än senast fastställda "
                            f"version {highest}; höj versionen")
    gaps = accountability_gaps(doc)
    if gaps:
        refusals.append(f"{', '.join(gaps)} är markerat ej_angivet; en fastställd rutin ska ange "
                        "vem som följer upp, hur och när, och vem som utför varje steg")
    if doc.follow_up is not None and doc.follow_up.example:
        refusals.append("uppföljningen är markerad som exempel ('exempel: true'); teamet ska "
                        "besluta sina egna värden och ta bort markeringen före fastställandet")
    return refusals


def _withdrawal_refusals(routine: RoutineFile, entries: list[LedgerEntry]) -> list[str]:
    doc = routine.document
    decisions = [e for e in entries if not e.is_evaluation]
    latest = decisions[-1] if decisions else None
    if latest is None or not latest.is_approval:
        return [f"'{doc.id}' har inget gällande beslut om fastställande i liggaren att upphäva"]
    if latest.version != doc.version:
        return [(f"liggaren har fastställt version {latest.version}, men filen har version "
                 f"{doc.version}; återställ versionen innan rutinen upphävs")]
    return []


def _date_refusals(request: ApprovalRequest, entries: list[LedgerEntry]) -> list[str]:
    """The ledger's dates never run backwards and never lie ahead of the day it is written."""
    refusals: list[str] = []
    today = request.today or dt.date.today()
    if request.date > today:
        refusals.append(f"beslutsdatumet {request.date.isoformat()} ligger i framtiden (i dag "
                        f"är {today.isoformat()}); registrera beslutet när det har fattats")
    latest = max(entries, key=lambda e: e.date, default=None)
    if latest is not None and request.date < latest.date:
        refusals.append(f"beslutsdatumet {request.date.isoformat()} ligger före föregående "
                        f"beslut om '{latest.document}' (version {latest.version}, "
                        f"{latest.date.isoformat()}, {latest.file} rad {latest.line}); "
                        "liggarens datum får inte gå bakåt")
    return refusals


@dataclass(frozen=True)
class _Plan:
    """A decision that passed every refusal: what will be written, in which order."""

    routine: RoutineFile
    entry: dict[str, str] | None  # None: the ledger already holds it (completing a decision)
    new_text: str
    snapshot: Path | None  # the archive copy to write, if it does not exist yet
    updates: dict[str, str | dt.date]


class _Subject(NamedTuple):
    """The routine a ledger entry is about, as the check found it, with its group's ledger."""

    result: CheckResult
    routine: RoutineFile
    ledger: list[LedgerEntry]  # the group's whole ledger: a new entry chains to its last
    entries: list[LedgerEntry]  # this document's entries
    snapshot: Path  # the archive copy of the routine's version


def _subject(root: Path, doc_id: str) -> _Subject | ApprovalOutcome:
    """Check the library and find the routine ``doc_id`` and its ledger; the refusal when
    there is no such routine (or it cannot be read)."""
    result = run_check(root)
    routine = result.library.by_id(doc_id)
    if routine is None:
        return ApprovalOutcome([(f"rutinen '{doc_id}' finns inte i {root}/ "
                                 "(eller kan inte läsas; kör 'rutin check')")])
    doc = routine.document
    folder = routine.path.parent
    ledger, _ = load_ledger(folder)
    return _Subject(result, routine, ledger, [e for e in ledger if e.document == doc.id],
                    archive_path(folder, doc.id, doc.version))


def _common_refusals(result: CheckResult, routine: RoutineFile, request: ApprovalRequest,
                     reusable: bool, snapshot: Path, settled: frozenset[str] = frozenset()
                     ) -> tuple[list[str], list[Diagnostic]]:
    """Refusals every ledger entry shares: errors `rutin check` finds in the routine or its
    ledger (but for the rules in ``settled``, which the entry itself settles), an unknown
    body, an empty protocol reference."""
    blocking = [d for d in _blocking_errors(result.diagnostics, routine, settled)
                if not (reusable and d.rule == "R409" and d.file == display_path(snapshot))]
    refusals = [(f"'rutin check' hittar {len(blocking)} fel i rutinen eller dess liggare; "
                 "rätta dem först")] if blocking else []
    if find_body(result.library.organisation, request.body) is None:
        organisation = result.library.organisation
        known = ", ".join(b.name for b in organisation.approving_bodies) \
            if organisation else "inga (organisation.yaml saknas)"
        refusals.append(f"'{request.body}' är inget godkännande organ i organisation.yaml "
                        f"(kända: {known})")
    if not request.protocol.strip():
        refusals.append("protokollhänvisningen (--protokoll) är tom")
    return refusals, blocking


def _interrupted(routine: RoutineFile, entries: list[LedgerEntry],
                 digest: str) -> LedgerEntry | None:
    """The ledger's approval of exactly this content whose YAML update never happened."""
    doc = routine.document
    latest = entries[-1] if entries else None
    if (latest is not None and latest.is_approval and latest.version == doc.version
            and latest.content_sha256 == digest and not doc.is_approved):
        return latest
    return None


def plan_decision(root: Path, request: ApprovalRequest) -> tuple[_Plan | None, ApprovalOutcome]:
    """Every refusal, before anything is written; (plan, empty outcome) when all pass."""
    subject = _subject(root, request.doc_id)
    if isinstance(subject, ApprovalOutcome):
        return None, subject
    result, routine, entries, entries_doc, snapshot = subject
    doc = routine.document
    digest = content_hash(doc)
    # A copy left by an interrupted approval of this very content is reused, not an error.
    reusable = snapshot.is_file() and archived_content_hash(snapshot) == digest
    pending = None if request.withdraw else _interrupted(routine, entries_doc, digest)
    if pending is not None:  # finish it: the decision is in the ledger, the YAML lags behind
        finish = _approval_updates(doc.valid_from, pending.body, pending.date)
        new_text, problem = update_routine_text(routine.source.text, finish, routine.display)
        if problem is not None:
            return None, ApprovalOutcome([problem])
        assert new_text is not None
        return _Plan(routine, None, new_text, None if reusable else snapshot, finish), \
            ApprovalOutcome()
    refusals, blocking = _common_refusals(result, routine, request, reusable, snapshot)
    refusals += _date_refusals(request, entries_doc)
    body = find_body(result.library.organisation, request.body)
    body_name = body.name if body else request.body
    if request.withdraw:
        refusals += _withdrawal_refusals(routine, entries_doc)
        updates: dict[str, str | dt.date] = {"status": "upphävd"}
        summary = request.summary or WITHDRAWAL_SUMMARY
    else:
        refusals += _approval_refusals(routine, entries_doc, digest)
        updates = _approval_updates(doc.valid_from, body_name, request.date)
        if doc.valid_from is not None and doc.valid_from < request.date:
            refusals.append(f"'giltig_från' ({doc.valid_from}) ligger före beslutsdatumet "
                            f"({request.date}); ändra eller ta bort 'giltig_från'")
        revision = next((r for r in doc.revisions if r.version == doc.version), None)
        summary = revision.description if revision else ""
    new_text, problem = update_routine_text(routine.source.text, updates, routine.display)
    if problem is not None:
        refusals.append(problem)
    if not request.withdraw and snapshot.exists() and not reusable:
        refusals.append(f"{display_path(snapshot)} finns redan med annat innehåll; "
                        "arkivkopior skrivs aldrig över")
    if refusals:
        return None, ApprovalOutcome(refusals, blocking=blocking)
    assert new_text is not None
    entry = make_entry(last_digest(entries), document=doc.id, version=doc.version,
                       decision="upphävd" if request.withdraw else "fastställd",
                       body=body_name, date=request.date, protocol=request.protocol.strip(),
                       summary=summary, content=digest,
                       team_part=None if request.withdraw
                       else recorded_team_part(result.library, routine))
    write_snapshot = None if request.withdraw or snapshot.exists() else snapshot
    return _Plan(routine, entry, new_text, write_snapshot, updates), ApprovalOutcome()


def _approval_updates(valid_from: dt.date | None, body: str,
                      date: dt.date) -> dict[str, str | dt.date]:
    updates: dict[str, str | dt.date] = {"status": "fastställd", "godkänt_av": body,
                                         "datum_för_godkännande": date}
    if valid_from is None:
        updates["giltig_från"] = date
    return updates


def record_decision(root: Path, plan: _Plan) -> ApprovalOutcome:
    """Write the journal, then the archive copy, the ledger entry and the YAML, in that order.

    The journal holds every byte still to be written, so a process killed at any step leaves
    a state that the next approve, check or build finishes (``recover_pending``).
    """
    routine = plan.routine
    folder = routine.path.parent
    ledger = ledger_path(folder)
    entry = plan.entry
    if entry is None:  # completing an interrupted decision: the ledger entry exists
        latest = entries_for(folder, routine.document.id)[-1]
        entry = latest_as_raw(latest)
    snapshot_text = _snapshot_text(plan.new_text, entry) if plan.snapshot else None
    journal = Journal(
        entry=entry if plan.entry is not None else None,
        ledger=ledger, routine=routine.path,
        routine_before=sha256_text(routine.source.text), routine_after=plan.new_text,
        updates={k: v.isoformat() if isinstance(v, dt.date) else v
                 for k, v in plan.updates.items()},
        snapshot=plan.snapshot, snapshot_text=snapshot_text)
    kill_point("approve:journal")
    write_journal(root, journal)
    try:
        written = apply_journal(journal)
    except RoutineChanged as exc:  # the ledger holds the decision; the YAML was left alone
        journal_path(root).unlink()
        return ApprovalOutcome([str(exc)], entry=entry)
    kill_point("approve:done")
    journal_path(root).unlink()
    return ApprovalOutcome(entry=entry, written=written, completed=plan.entry is None)


def record_locked(root: Path,
                  plan_entry: Callable[[], tuple[_Plan | None, ApprovalOutcome]]
                  ) -> ApprovalOutcome:
    """Under the library lock: finish any interrupted decision, plan the entry (every check,
    nothing written), then record it (journaled) only if every check passed."""
    library_root = find_library_root(root)
    with library_lock(library_root):
        notes = recover_unlocked(library_root)
        plan, outcome = plan_entry()
        if plan is not None:
            outcome = record_decision(library_root, plan)
    return replace(outcome, notes=notes + outcome.notes)


def approve(root: Path, request: ApprovalRequest) -> ApprovalOutcome:
    """Record the decision: the archive copy, the ledger and the YAML are written only if every
    check passes (record_locked)."""
    return record_locked(root, lambda: plan_decision(root, request))


def _snapshot_text(text: str, entry: dict[str, str]) -> str:
    newline = "\r\n" if "\r\n" in text else "\n"  # the copy keeps the file's line endings
    header = (f"# Arkivkopia: {entry['dokument']} version {entry['version']}, fastställd "
              f"{entry['datum']} av {entry['organ']}.{newline}"
              f"# Skriven av 'rutin approve'. Ändra aldrig: innehållet styrks av liggaren.{newline}")
    first, _, rest = text.partition("\n")
    if first.startswith("# yaml-language-server:"):  # keep it first; arkiv/ is one level deeper
        return first.replace("$schema=../", "$schema=../../", 1) + "\n" + header + rest
    return header + text
