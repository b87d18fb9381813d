"""Recording a decision: validate the request, append to the ledger, archive, update the YAML."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from builder.check import run_check
from builder.diagnostics import Diagnostic
from builder.governance.ledger import (
    LedgerEntry,
    archive_path,
    archived_content_hash,
    content_hash,
    last_digest,
    ledger_path,
    ledger_text_with,
    load_ledger,
    make_entry,
    version_key,
)
from builder.load.library import ARCHIVE_DIR, RoutineFile, display_path
from builder.load.safe_yaml import parse_yaml_text
from builder.model import ApprovingBody, Organisation
from builder.rules.stated import accountability_gaps
from builder.write import write_atomic, write_new

WITHDRAWAL_SUMMARY = "Rutinen upphävs."
# R408 (fastställd without a ledger entry) is exactly what recording the decision repairs.
NOT_BLOCKING = {"R408"}


@dataclass(frozen=True)
class ApprovalRequest:
    """A decision to record: which routine, by whom, when, under which protocol."""

    doc_id: str
    body: str
    date: dt.date
    protocol: str
    withdraw: bool = False
    summary: str | None = None  # only for withdrawal; approval takes it from ändringar


@dataclass(frozen=True)
class ApprovalOutcome:
    """What happened: refusals (Swedish, nothing written) or the entry and files written."""

    refusals: list[str] = field(default_factory=list)
    entry: dict[str, str] | None = None
    written: list[Path] = field(default_factory=list)
    blocking: list[Diagnostic] = field(default_factory=list)


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


def _blocking_errors(diagnostics: list[Diagnostic], routine: RoutineFile) -> list[Diagnostic]:
    """Errors in the document itself and in its group's ledger and archive."""
    folder = routine.path.parent
    ledger = display_path(ledger_path(folder))
    archive = display_path(folder / ARCHIVE_DIR)
    return [d for d in diagnostics if d.is_error and d.rule not in NOT_BLOCKING and (
        d.file in (routine.display, ledger) or d.file.startswith(archive))]


def _approval_refusals(routine: RoutineFile, entries: list[LedgerEntry]) -> list[str]:
    doc = routine.document
    refusals: list[str] = []
    done = next((e for e in entries if e.version == doc.version and e.is_approval), None)
    if done is not None:
        refusals.append(f"version {doc.version} av '{doc.id}' är redan fastställd "
                        f"({done.date.isoformat()}, {done.file} rad {done.line}); höj versionen "
                        "för att begära nytt godkännande")
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
    latest = entries[-1] if entries else None
    if latest is None or not latest.is_approval:
        return [f"'{doc.id}' har inget gällande beslut om fastställande i liggaren att upphäva"]
    if latest.version != doc.version:
        return [(f"liggaren har fastställt version {latest.version}, men filen har version "
                 f"{doc.version}; återställ versionen innan rutinen upphävs")]
    return []


def approve(root: Path, request: ApprovalRequest) -> ApprovalOutcome:
    """Check everything first; write the archive copy, the ledger and the YAML only if all pass."""
    result = run_check(root)
    library = result.library
    routine = library.by_id(request.doc_id)
    if routine is None:
        return ApprovalOutcome([(f"rutinen '{request.doc_id}' finns inte i {root}/ (eller "
                                 "kan inte läsas; kör 'rutin check')")])
    doc = routine.document
    folder = routine.path.parent
    entries, _ = load_ledger(folder)
    entries_doc = [e for e in entries if e.document == doc.id]
    snapshot = archive_path(folder, doc.id, doc.version)
    digest = content_hash(doc)
    # A copy left by an interrupted approval of this very content is reused, not an error.
    reusable = snapshot.exists() and archived_content_hash(snapshot) == digest
    blocking = [d for d in _blocking_errors(result.diagnostics, routine)
                if not (reusable and d.rule == "R409" and d.file == display_path(snapshot))]
    refusals = [(f"'rutin check' hittar {len(blocking)} fel i rutinen eller dess liggare; "
                 "rätta dem först")] if blocking else []
    body = find_body(library.organisation, request.body)
    if body is None:
        known = ", ".join(b.name for b in library.organisation.approving_bodies) \
            if library.organisation else "inga (organisation.yaml saknas)"
        refusals.append(f"'{request.body}' är inget godkännande organ i organisation.yaml "
                        f"(kända: {known})")
    if not request.protocol.strip():
        refusals.append("protokollhänvisningen (--protokoll) är tom")
    if request.withdraw:
        refusals += _withdrawal_refusals(routine, entries_doc)
        updates: dict[str, str | dt.date] = {"status": "upphävd"}
        summary = request.summary or WITHDRAWAL_SUMMARY
    else:
        refusals += _approval_refusals(routine, entries_doc)
        updates = {"status": "fastställd", "godkänt_av": body.name if body else request.body,
                   "datum_för_godkännande": request.date}
        if doc.valid_from is None:
            updates["giltig_från"] = request.date
        elif doc.valid_from < request.date:
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
        return ApprovalOutcome(refusals, blocking=blocking)
    assert new_text is not None and body is not None
    entry = make_entry(last_digest(entries), document=doc.id, version=doc.version,
                       decision="upphävd" if request.withdraw else "fastställd",
                       body=body.name, date=request.date, protocol=request.protocol.strip(),
                       summary=summary, content=digest)
    written: list[Path] = []
    if not request.withdraw and not snapshot.exists():
        write_new(snapshot, _snapshot_text(new_text, entry).encode("utf-8"))
        written.append(snapshot)
    ledger = ledger_path(folder)
    existing = ledger.read_text(encoding="utf-8") if ledger.exists() else None
    write_atomic(ledger, ledger_text_with(existing, entry).encode("utf-8"))
    written.append(ledger)
    if new_text != routine.source.text:
        write_atomic(routine.path, new_text.encode("utf-8"))
        written.append(routine.path)
    return ApprovalOutcome(entry=entry, written=written)


def _snapshot_text(text: str, entry: dict[str, str]) -> str:
    header = (f"# Arkivkopia: {entry['dokument']} version {entry['version']}, fastställd "
              f"{entry['datum']} av {entry['organ']}.\n"
              "# Skriven av 'rutin approve'. Ändra aldrig: innehållet styrks av liggaren.\n")
    first, _, rest = text.partition("\n")
    if first.startswith("# yaml-language-server:"):  # keep it first; arkiv/ is one level deeper
        return first.replace("$schema=../", "$schema=../../", 1) + "\n" + header + rest
    return header + text
