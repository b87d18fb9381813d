"""A routine's life on a given day: the version in force, a coming one, earlier ones, the draft.

Read from the ledger (godkannanden.yaml) and the frozen archive copies (arkiv/), never from the
working copy's own status fields: a draft of 1.1 does not stop 1.0 being in force, and 1.1
approved to start on 1 March 2027 is only *coming* until that day (ISO 9001:2015 7.5.3: the
relevant version available at the point of use, obsolete and unapproved ones kept apart).

- *in force*: the newest fastställd version whose ``giltig_från`` (from its archive copy; the
  decision date when the copy has none) has come, unless a later upphävd decision withdrew it;
- *coming*: fastställd versions newer than the one in force whose ``giltig_från`` lies ahead;
- *earlier*: fastställd versions replaced by a newer one in force (ersatt), or withdrawn (upphävd);
- *working copy*: the YAML, which differs from the version in force when its version or its
  content hash does (then both are published: the in-force one from its archive copy).
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

from builder.governance.ledger import (
    LedgerEntry,
    archive_path,
    content_hash,
    entries_for,
    read_archived,
    version_key,
)
from builder.load.library import UNIT_SEPARATOR, Library, RoutineFile, display_path
from builder.load.safe_yaml import load_yaml
from builder.model import Document

VersionState = Literal["gällande", "kommande", "ersatt", "upphävd"]


@dataclass(frozen=True)
class Version:
    """One approved version of a routine as the ledger and its archive copy record it."""

    entry: LedgerEntry  # the fastställd decision
    archive: Path
    document: Document | None  # the archive copy; None when it is missing or unreadable
    valid_from: dt.date
    state: VersionState
    withdrawal: LedgerEntry | None = None  # the upphävd decision, for a withdrawn version

    @property
    def version(self) -> str:
        """The version label ("1.0")."""
        return self.entry.version


@dataclass(frozen=True)
class Lifecycle:
    """Every version of one routine on one day, and its working copy."""

    doc_id: str
    working: RoutineFile | None
    in_force: Version | None
    coming: tuple[Version, ...]
    earlier: tuple[Version, ...]  # newest first
    withdrawal: LedgerEntry | None  # the routine is upphävd: its newest decision withdrew it
    working_hash: str | None = None  # the working copy's content hash, when a version exists

    @property
    def working_is_in_force(self) -> bool:
        """Whether the working copy is exactly the version in force (same version and hash)."""
        return self.in_force is not None and self._same(self.in_force)

    def _same(self, version: Version) -> bool:
        return (self.working is not None and self.working.document.version == version.version
                and self.working_hash == version.entry.content_sha256)

    @property
    def under_revision(self) -> bool:
        """Whether the working copy is a version of its own beside the version in force
        (a draft of the next version, or an approved coming one)."""
        return (self.in_force is not None and self.working is not None
                and not self.working_is_in_force)

    @property
    def working_is_coming(self) -> bool:
        """Whether the working copy is an approved version that has not yet taken effect."""
        return any(self._same(v) for v in self.coming)

    @property
    def draft(self) -> Document | None:
        """The working copy when it is a draft (utkast or granskning) of a next version."""
        working = self.working.document if self.working is not None else None
        return working if working is not None and working.is_draft else None


@lru_cache(maxsize=512)
def _archived(path_text: str, stamp: tuple[int, int]) -> tuple[Document | None, RoutineFile | None]:
    path = Path(path_text)
    source, _ = load_yaml(path, display_path(path))
    if source is None:
        return None, None
    document = read_archived(path)
    return document, (RoutineFile(path, source, document) if document is not None else None)


def archived_routine(path: Path) -> RoutineFile | None:
    """An archive copy as a routine file (read once per content; None when unreadable)."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    return _archived(str(path), (info.st_mtime_ns, info.st_size))[1]


def _archived_document(path: Path) -> Document | None:
    routine = archived_routine(path)
    return routine.document if routine is not None else None


def lifecycle(library: Library, doc_id: str, today: dt.date) -> Lifecycle:
    """The routine's versions on ``today`` (see the module docstring)."""
    working = library.by_id(doc_id)
    folder = working.path.parent if working is not None else None
    entries = entries_for(folder, doc_id) if folder is not None else []
    approvals: dict[str, Version] = {}
    withdrawn: dict[str, LedgerEntry] = {}
    for entry in entries:
        assert folder is not None
        if entry.is_approval:
            path = archive_path(folder, doc_id, entry.version)
            document = _archived_document(path)
            valid_from = (document.valid_from if document is not None and document.valid_from
                          else entry.date)
            approvals[entry.version] = Version(entry, path, document, valid_from, "ersatt")
        else:
            withdrawn[entry.version] = entry
    latest = entries[-1] if entries else None
    withdrawal = latest if latest is not None and not latest.is_approval else None
    ordered = sorted(approvals.values(), key=lambda v: version_key(v.version), reverse=True)
    in_force: Version | None = None
    coming: list[Version] = []
    earlier: list[Version] = []
    for version in ordered:
        if version.version in withdrawn:
            earlier.append(_with(version, "upphävd", withdrawn[version.version]))
        elif withdrawal is not None:
            earlier.append(version)  # withdrawn with the routine's newest version
        elif version.valid_from > today and in_force is None:
            coming.append(_with(version, "kommande"))
        elif in_force is None:
            in_force = _with(version, "gällande")
        else:
            earlier.append(version)
    working_hash = (content_hash(working.document) if working is not None and approvals
                    else None)
    return Lifecycle(doc_id, working, in_force, tuple(reversed(coming)), tuple(earlier),
                     withdrawal, working_hash)


def _with(version: Version, state: VersionState,
          withdrawal: LedgerEntry | None = None) -> Version:
    return Version(version.entry, version.archive, version.document, version.valid_from, state,
                   withdrawal)


def library_lifecycles(library: Library, today: dt.date) -> dict[str, Lifecycle]:
    """Every routine's lifecycle, by document id."""
    return {r.document.id: lifecycle(library, r.document.id, today) for r in library.routines}


def unit_key(doc_id: str, version: str) -> str:
    """The build's key for a version built from its archive copy: ``<id>@v<version>``."""
    return f"{doc_id}{UNIT_SEPARATOR}{version}"


def unit_document_id(key: str) -> str:
    """The document id of a build key (a working copy's key is its id)."""
    return key.split(UNIT_SEPARATOR, 1)[0]


def in_force_units(library: Library, today: dt.date) -> tuple[RoutineFile, ...]:
    """Archive copies of versions in force that their working copy no longer is: the build
    publishes them beside the working copy."""
    units = []
    for routine in library.routines:
        life = lifecycle(library, routine.document.id, today)
        if life.under_revision and life.in_force is not None:
            frozen = archived_routine(life.in_force.archive)
            if frozen is not None and frozen.document.id == routine.document.id:
                units.append(frozen)
    return tuple(units)


def in_force_marker(library: Library, doc_id: str, today: dt.date) -> list[str] | None:
    """What a draft says of the version in force (version, decision date): part of its
    outputs' fingerprint."""
    life = lifecycle(library, doc_id, today)
    if life.in_force is None:
        return None
    return [life.in_force.version, life.in_force.entry.date.isoformat()]


def in_force_line(library: Library, doc_id: str, today: dt.date) -> str:
    """"Gällande version: 1.0, fastställd 29 maj 2026" for a draft's metadata; or that there
    is none (a draft never shows an earlier decision as its own)."""
    from builder.text.dates import format_date_sv

    life = lifecycle(library, doc_id, today)
    if life.in_force is not None:
        return (f"{life.in_force.version}, fastställd {format_date_sv(life.in_force.entry.date)}")
    if life.withdrawal is not None:
        return f"ingen (upphävd {format_date_sv(life.withdrawal.date)})"
    return "ingen"


def decided_dates(library: Library, doc_id: str, today: dt.date) -> set[dt.date]:
    """Every start date and decision date of the routine's approved versions: a draft that
    still carries one of them carries an earlier decision, never its own."""
    life = lifecycle(library, doc_id, today)
    versions = [v for v in (life.in_force, *life.coming, *life.earlier) if v is not None]
    return {v.valid_from for v in versions} | {v.entry.date for v in versions}
