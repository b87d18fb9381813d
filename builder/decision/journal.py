"""The approval journal: what a decision still has to write, so a killed approve is finished.

``rutin approve`` writes ``routines/.rutin-beslut.json`` (atomically) before touching anything
else: the ledger entry, the archive copy's text and the routine's new text. Then it writes the
archive copy, the ledger and the YAML, and removes the journal. A process killed at any step
leaves the journal behind; the next ``approve``, ``check`` or ``build`` replays it under the
library lock. Every step is idempotent (an existing copy, an entry already in the ledger, a
YAML that already has the new text are left alone), so replaying is always safe. Only when the
ledger has moved on in between (a hand edit) is the decision rolled back instead: the archive
copy it wrote is removed and the note says so.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from builder.governance.ledger import (
    ENTRY_KEYS,
    OPTIONAL_ENTRY_KEYS,
    LedgerEntry,
    last_digest,
    ledger_text_with,
    load_ledger,
    sha256_text,
)
from builder.load.library import display_path
from builder.load.safe_yaml import UTF8_BOM
from builder.locking import kill_point, library_lock
from builder.write import stale_temporaries, write_atomic, write_new

JOURNAL_FILE = ".rutin-beslut.json"


@dataclass(frozen=True)
class Journal:
    """Everything a decision still has to write, with the bytes to write."""
    entry: dict[str, str] | None  # None: the ledger already holds the decision
    ledger: Path
    routine: Path
    routine_before: str  # SHA-256 of the routine's text before the decision
    routine_after: str  # the routine's full new text
    updates: dict[str, str]
    snapshot: Path | None
    snapshot_text: str | None


class _LedgerMovedOn(Exception):
    """The ledger no longer ends where the journaled entry was chained to."""


class RoutineChanged(Exception):
    """The routine's text is neither the one the decision was made on nor its new text: the
    ledger holds the decision, the YAML was left alone. The message says what to do."""


def read_routine_text(path: Path) -> tuple[str, bytes]:
    """A routine's text exactly as the loader reads it (line endings kept: Path.read_text
    would turn CRLF into LF, so the text would never match the one the decision was made on),
    and the UTF-8 byte order mark it starts with (b"" without one), to write back with it."""
    raw = path.read_bytes()
    bom = UTF8_BOM if raw.startswith(UTF8_BOM) else b""
    return raw[len(bom):].decode("utf-8"), bom


def _routine_changed(journal: Journal) -> RoutineChanged:
    fields = ", ".join(f"{key}: {value}" for key, value in journal.updates.items())
    return RoutineChanged(
        f"{display_path(journal.routine)} har ändrats sedan beslutet fattades och uppdaterades "
        f"inte; beslutet finns i liggaren. Sätt {fields} i filen för hand (eller återställ "
        "innehållet som beslutades) och kör 'rutin check'")


def journal_path(root: Path) -> Path:
    """Where the journal of an unfinished decision lies."""
    return root / JOURNAL_FILE


def latest_as_raw(entry: LedgerEntry) -> dict[str, str]:
    """A ledger entry as the text values written to the file."""
    values = (entry.document, entry.version, entry.decision, entry.body, entry.date.isoformat(),
              entry.protocol, entry.summary, entry.content_sha256, entry.previous_sha256,
              entry.digest)
    raw = dict(zip(ENTRY_KEYS, values, strict=True))
    if entry.parent_version is not None and entry.team_part_sha256 is not None:
        raw["samverkansrutin_version"] = entry.parent_version
        raw["teamdel_sha256"] = entry.team_part_sha256
        raw["post_sha256"] = raw.pop("post_sha256")  # last, as make_entry writes it
    return raw


def write_journal(root: Path, journal: Journal) -> None:
    """Write the journal atomically, paths relative to the library root."""
    def rel(path: Path | None) -> str | None:
        return None if path is None else path.relative_to(root).as_posix()

    payload = {"version": 1, "entry": journal.entry, "ledger": rel(journal.ledger),
               "routine": rel(journal.routine), "routine_before": journal.routine_before,
               "routine_after": journal.routine_after, "updates": journal.updates,
               "snapshot": rel(journal.snapshot), "snapshot_text": journal.snapshot_text}
    write_atomic(journal_path(root), json.dumps(payload, ensure_ascii=False).encode("utf-8"))


def _inside(root: Path, relative: Any) -> Path:
    """A journaled path, refused unless it stays inside routines/ (the journal is a file too)."""
    if not isinstance(relative, str) or not relative:
        raise ValueError("sökväg saknas")
    path = root / relative
    if ".." in Path(relative).parts or Path(relative).is_absolute():
        raise ValueError(f"sökvägen '{relative}' ligger utanför rutinmappen")
    return path


def read_journal(root: Path) -> Journal:
    """The journal left by an unfinished decision (ValueError if it is damaged)."""
    raw = json.loads(journal_path(root).read_text(encoding="utf-8"))
    if not isinstance(raw, dict) or raw.get("version") != 1:
        raise ValueError("okänt format")
    entry = raw["entry"]
    allowed = ({*ENTRY_KEYS}, {*ENTRY_KEYS, *OPTIONAL_ENTRY_KEYS})
    if entry is not None and (not isinstance(entry, dict) or set(entry) not in allowed):
        raise ValueError("posten är skadad")
    snapshot = raw["snapshot"]
    return Journal(
        entry=entry, ledger=_inside(root, raw["ledger"]), routine=_inside(root, raw["routine"]),
        routine_before=str(raw["routine_before"]), routine_after=str(raw["routine_after"]),
        updates={str(k): str(v) for k, v in dict(raw["updates"]).items()},
        snapshot=None if snapshot is None else _inside(root, snapshot),
        snapshot_text=None if raw["snapshot_text"] is None else str(raw["snapshot_text"]))


def apply_journal(journal: Journal) -> list[Path]:
    """Archive copy, ledger entry, routine YAML: each written only if not already there."""
    written: list[Path] = []
    kill_point("approve:archive")
    if journal.snapshot is not None and journal.snapshot_text is not None \
            and not journal.snapshot.exists():
        write_new(journal.snapshot, journal.snapshot_text.encode("utf-8"))
        written.append(journal.snapshot)
    kill_point("approve:ledger")
    if journal.entry is not None:
        entries, _ = load_ledger(journal.ledger.parent)
        if not any(e.digest == journal.entry["post_sha256"] for e in entries):
            if last_digest(entries) != journal.entry["föregående_sha256"]:
                raise _LedgerMovedOn
            existing = journal.ledger.read_text(encoding="utf-8") \
                if journal.ledger.exists() else None
            write_atomic(journal.ledger, ledger_text_with(existing, journal.entry)
                         .encode("utf-8"))
            written.append(journal.ledger)
    kill_point("approve:routine")
    try:
        current, bom = read_routine_text(journal.routine)
    except (OSError, UnicodeDecodeError):
        raise _routine_changed(journal) from None
    if current == journal.routine_after:
        return written
    if sha256_text(current) != journal.routine_before:
        raise _routine_changed(journal)
    write_atomic(journal.routine, bom + journal.routine_after.encode("utf-8"))
    written.append(journal.routine)
    return written


def _roll_back(journal: Journal) -> None:
    """Remove the archive copy this decision wrote (only if it is byte for byte ours)."""
    snapshot = journal.snapshot
    if snapshot is not None and journal.snapshot_text is not None and snapshot.is_file() \
            and snapshot.read_bytes() == journal.snapshot_text.encode("utf-8"):
        snapshot.unlink()


def remove_stale_temporaries(root: Path) -> list[str]:
    """Remove the temporary files a killed write left in routines/ (the caller holds the
    library lock, so no approve is writing one now); a note says how many."""
    removed = 0
    for stale in stale_temporaries(root):
        try:
            stale.unlink()
            removed += 1
        except OSError:
            continue
    return [(f"Tog bort {removed} tillfälliga filer som ett avbrutet 'rutin approve' lämnade "
             f"i {display_path(root)}/")] if removed else []


def recover_unlocked(root: Path) -> list[str]:
    """Finish (or, if impossible, roll back) a decision a killed approve left half-done, and
    remove the temporary files it left.

    The caller holds the library lock. Returns Swedish notes for the user."""
    cleaned = remove_stale_temporaries(root)
    return cleaned + _recover_journal(root)


def _recover_journal(root: Path) -> list[str]:
    path = journal_path(root)
    if not path.is_file():
        return []
    shown = display_path(path)
    try:
        journal = read_journal(root)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        path.unlink()
        return [(f"{shown} kunde inte läsas ({exc}) och togs bort; kör 'rutin check' och "
                 "registrera beslutet igen om det saknas")]
    what = (f"{journal.entry['dokument']} version {journal.entry['version']} "
            f"({journal.entry['beslut']} {journal.entry['datum']})"
            if journal.entry else display_path(journal.routine))
    try:
        apply_journal(journal)
        note = f"Slutförde ett avbrutet beslut: {what}"
    except RoutineChanged as exc:
        note = f"Ett avbrutet beslut ({what}) kunde inte slutföras: {exc}"
    except _LedgerMovedOn:
        _roll_back(journal)
        note = (f"Ett avbrutet beslut ({what}) kunde inte slutföras eftersom liggaren har "
                "ändrats sedan; det rullades tillbaka. Registrera beslutet igen.")
    path.unlink()
    return [note]


def recover_pending(root: Path) -> list[str]:
    """``recover_unlocked`` under the library lock; nothing is locked when there is nothing
    to recover."""
    if not journal_path(root).is_file() and not stale_temporaries(root):
        return []
    with library_lock(root):
        return recover_unlocked(root)
