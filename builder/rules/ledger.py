"""R406–R410, R415: the approval ledger is intact and agrees with the routines, the archive and
the samverkansrutin each arbetsrutin was approved against."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from builder.diagnostics import Diagnostic
from builder.governance.ledger import (
    LedgerEntry,
    archive_path,
    archived_content_hash,
    content_hash,
    entries_for,
    ledger_path,
    load_ledger,
)
from builder.governance.teampart import team_part_drift
from builder.load.library import ARCHIVE_DIR, LEDGER_FILE, Library, RoutineFile, display_path
from builder.rules import RULES, CheckOptions, finding, rule


def group_folders(library: Library) -> list[Path]:
    """Every folder that holds routines or a ledger (hidden folders and archives skipped)."""
    folders = {r.path.parent for r in library.routines}
    for dirpath, dirnames, filenames in os.walk(library.root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and d != ARCHIVE_DIR)
        if LEDGER_FILE in filenames:
            folders.add(Path(dirpath))
    return sorted(folders)


def _at(entry: LedgerEntry, code: str, message: str) -> Diagnostic:
    return Diagnostic(entry.file, entry.line, 3, code, RULES[code].severity, message)


@rule("R406", "error", "Godkännandeliggaren är obruten (ingen post ändrad, borttagen eller flyttad)")
def check_ledger_chain(library: Library, options: CheckOptions) -> Iterator[Diagnostic]:
    """Every break in a ledger's hash chain, and every malformed entry."""
    for folder in group_folders(library):
        _, diagnostics = load_ledger(folder)
        yield from diagnostics


def _approval_state(routine: RoutineFile) -> Diagnostic | None:
    """R407/R408 for one fastställd routine, comparing it with its newest ledger entry."""
    doc = routine.document
    ledger = display_path(ledger_path(routine.path.parent))
    entries = entries_for(routine.path.parent, doc.id)
    latest = entries[-1] if entries else None
    command = (f"registrera beslutet med 'rutin approve {doc.id} --av … --datum … "
               "--protokoll …'")
    if latest is None:
        return finding(routine, ("status",), "R408",
                       f"status är 'fastställd' men {ledger} har inget beslut om "
                       f"'{doc.id}'; {command}")
    if latest.version != doc.version:
        return finding(routine, ("status",), "R408",
                       f"status är 'fastställd' men version {doc.version} har inget beslut i "
                       f"{ledger} (senaste beslutet gäller version {latest.version}); {command}")
    if not latest.is_approval:
        return finding(routine, ("status",), "R408",
                       f"status är 'fastställd' men {ledger} säger att version {doc.version} "
                       f"är upphävd ({latest.date.isoformat()}, rad {latest.line})")
    if latest.content_sha256 != content_hash(doc):
        return finding(routine, ("version",), "R407",
                       "ändrad efter fastställande – höj versionen och begär nytt godkännande "
                       f"(version {doc.version} fastställdes {latest.date.isoformat()}, "
                       f"{ledger} rad {latest.line})")
    return None


def _approval_findings(library: Library, code: str) -> Iterator[Diagnostic]:
    """The ``code`` findings (R407 or R408) of every fastställd routine."""
    for routine in library.routines:
        if routine.document.is_approved:
            found = _approval_state(routine)
            if found is not None and found.rule == code:
                yield found


@rule("R407", "error", "Fastställt innehåll är oförändrat sedan beslutet i liggaren")
def check_unchanged_since_approval(library: Library,
                                   options: CheckOptions) -> Iterator[Diagnostic]:
    """A fastställd routine whose content differs from the hash its decision recorded."""
    return _approval_findings(library, "R407")


@rule("R408", "error", "En fastställd version har ett beslut i godkännandeliggaren")
def check_approval_recorded(library: Library, options: CheckOptions) -> Iterator[Diagnostic]:
    """A fastställd routine whose version has no approving decision in the ledger."""
    return _approval_findings(library, "R408")


@rule("R409", "error", "Varje fastställd version har en oförändrad kopia i arkiv/")
def check_archive(library: Library, options: CheckOptions) -> Iterator[Diagnostic]:
    """An approved version without an unchanged archive copy, or a copy without a decision."""
    for folder in group_folders(library):
        entries, _ = load_ledger(folder)
        archived: set[str] = set()
        for entry in entries:
            if not entry.is_approval:
                continue
            path = archive_path(folder, entry.document, entry.version)
            archived.add(path.name)
            shown = display_path(path)
            if not path.is_file() or path.is_symlink():
                yield _at(entry, "R409",
                          f"arkivkopian {shown} för {entry.document} v{entry.version} saknas; "
                          "det fastställda innehållet kan inte styrkas")
            elif archived_content_hash(path) != entry.content_sha256:
                yield Diagnostic(shown, 1, 1, "R409", "error",
                                 f"arkivkopian har ändrats: innehållet stämmer inte med "
                                 f"beslutet i {entry.file} rad {entry.line}")
        archive = folder / ARCHIVE_DIR
        if not archive.is_dir():
            continue
        _, chain_problems = load_ledger(folder)
        for path in sorted(archive.glob("*.yaml")):
            if path.name not in archived:
                yield Diagnostic(display_path(path), 1, 1, "R409", "error",
                                 _unrecorded_archive(folder, path, bool(chain_problems)))


def _unrecorded_archive(folder: Path, path: Path, chain_broken: bool) -> str:
    """Why an archive copy has no decision: an intact chain means the entry was never written
    (an approve stopped after the archive copy), a broken one that an entry may be gone."""
    ledger = display_path(ledger_path(folder))
    if chain_broken:
        return (f"arkivkopian har inget beslut i {ledger}, och liggarens kedja är bruten "
                "(R406): en post kan ha tagits bort ur liggaren")
    return (f"arkivkopian har inget beslut i {ledger}, vars kedja är obruten: ett 'rutin "
            "approve' avbröts troligen efter att kopian skrevs men innan beslutet "
            "registrerades. Kör samma 'rutin approve' igen (kopian återanvänds), eller ta bort "
            "kopian om beslutet inte fattades")


@rule("R410", "error", "Ett beslut i liggaren syns i rutinens status")
def check_decision_applied(library: Library, options: CheckOptions) -> Iterator[Diagnostic]:
    """R410 for a routine whose status contradicts its ledger decision."""
    for routine in library.routines:
        doc = routine.document
        entries = entries_for(routine.path.parent, doc.id)
        latest = entries[-1] if entries else None
        if latest is None or latest.version != doc.version:
            continue
        decided = "fastställd" if latest.is_approval else "upphävd"
        if doc.status == decided or (decided == "upphävd" and doc.status != "fastställd"):
            continue  # R408 covers fastställd in the YAML against upphävd in the ledger
        where = f"{latest.file} rad {latest.line}"
        if latest.is_approval and latest.content_sha256 == content_hash(doc):
            hint = (f"ett 'rutin approve' avbröts troligen innan rutinfilen uppdaterades; kör "
                    f"'rutin approve {doc.id} --av {latest.body} --datum "
                    f"{latest.date.isoformat()} --protokoll …' igen för att slutföra beslutet")
        else:
            hint = "höj versionen om rutinen har ändrats, annars sätt status enligt beslutet"
        yield finding(routine, ("status",), "R410",
                      f"liggaren säger att version {doc.version} är {decided} "
                      f"({latest.date.isoformat()}, {where}) men status är '{doc.status}'; "
                      + hint)


@rule("R415", "warning",
      "Samverkansrutinen har inte ändrats för teamet sedan arbetsrutinen fastställdes")
def check_team_part_unchanged(library: Library, options: CheckOptions) -> Iterator[Diagnostic]:
    """An approved arbetsrutin whose team's part of the samverkansrutin changed afterwards: a
    warning while the change is a draft, an error once that samverkansrutin is in force."""
    for routine in library.arbetsrutiner:
        drift = team_part_drift(library, routine, options.today)
        if drift is None:
            continue
        state = ("som nu gäller; arbetsrutinen bygger på en samverkansrutin som inte längre "
                 "gäller" if drift.in_force else "som ännu inte gäller")
        yield finding(
            routine, ("samverkansrutin",), "R415",
            f"samverkansrutinen har ändrats för teamet sedan arbetsrutinen fastställdes: "
            f"teamets del (teamet, stegen som nämner det, kontakterna) är en annan i version "
            f"{drift.current_version} än i version {drift.recorded_version}, {state}. Anpassa "
            f"och fastställ arbetsrutinen på nytt, eller registrera 'rutin utvärdera "
            f"{routine.document.id} …' om den granskats utan ändring",
            severity="error" if drift.in_force else "warning")
