"""The approval ledger: canonical content hashes, the hash-chained godkannanden.yaml, the archive.

Content hash
    ``content_hash(document)`` is the SHA-256 of a canonical JSON serialisation of the parsed
    model (``model_dump(mode="json", by_alias=True, exclude_defaults=True)``, keys sorted,
    ``ensure_ascii=False``, no whitespace). Comments, quoting, key order and line wrapping in
    the YAML therefore do not change it; any change of meaning does. Values equal to the
    model's default (an absent optional key, ``begrepp: {}``) are left out so that adding a new
    optional field to the model does not change the hash of every approved routine.
    Exactly these top-level keys are outside the hash, because they are decided *by* the
    approval itself: ``status``, ``datum_för_godkännande``, ``godkänt_av``, ``giltig_från``.

Ledger
    ``routines/<group>/godkannanden.yaml`` is a YAML list written only by ``rutin approve``
    and only ever appended to. Each entry holds the keys in ``ENTRY_KEYS``; every value is
    text. ``post_sha256`` is the SHA-256 of the canonical JSON of the entry without
    ``post_sha256`` (so an edited entry is caught at its own line); ``föregående_sha256`` is
    the previous entry's ``post_sha256`` (64 zeros for the first entry), so a deleted or
    reordered entry breaks the chain at the entry that follows it.

Evaluations
    ``beslut: utvärderad`` records an evaluation that ended without a change ("utvärderad utan
    ändring", written by ``rutin utvärdera``): it is chained like a decision and bound to the
    content hash of the version in force, but it approves nothing. ``entries_for`` and
    ``latest_entry`` therefore return decisions only (fastställd, upphävd); evaluations are
    read with ``evaluations_for`` and ``latest_evaluation``.

Samverkansrutin fingerprint
    An arbetsrutin's approval (and evaluation) may carry ``samverkansrutin_version`` and
    ``teamdel_sha256``: the version of its samverkansrutin it was decided against and the
    fingerprint of its team's part there (``builder.governance.teampart``), so a later change
    of that part is found (R415). Entries written before this existed lack both keys.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from builder.diagnostics import Diagnostic
from builder.load.library import ARCHIVE_DIR, LEDGER_FILE, Library, display_path
from builder.load.safe_yaml import MAX_FILE_BYTES, load_yaml
from builder.load.to_model import validate_routine
from builder.model import Document

# Decided by the approval itself, so outside the content hash (documented in README too).
HASH_EXCLUDED: tuple[str, ...] = ("status", "datum_för_godkännande", "godkänt_av", "giltig_från")
GENESIS = "0" * 64
DECISIONS: tuple[str, ...] = ("fastställd", "upphävd")
EVALUATED = "utvärderad"  # an evaluation without change: chained, but not a decision
ENTRY_KINDS: tuple[str, ...] = (*DECISIONS, EVALUATED)
ENTRY_KEYS: tuple[str, ...] = (
    "dokument", "version", "beslut", "organ", "datum", "protokoll", "sammanfattning",
    "innehåll_sha256", "föregående_sha256", "post_sha256",
)
# Written together or not at all (entries older than the fingerprint have neither).
OPTIONAL_ENTRY_KEYS: tuple[str, ...] = ("samverkansrutin_version", "teamdel_sha256")
LEDGER_SCHEMA_FILE = "godkannanden.schema.json"  # in routines/, beside rutin.schema.json
LEDGER_HEADER = (
    f"# yaml-language-server: $schema=../{LEDGER_SCHEMA_FILE}\n"
    "# Godkännandeliggare: skrivs endast av 'rutin approve'. Ändra inte för hand.\n"
    "# Varje post är kedjad till föregående med SHA-256; en ändrad, borttagen eller flyttad\n"
    "# post rapporteras av 'rutin check' (R406).\n"
)
_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_VERSION = re.compile(r"^[0-9]+(\.[0-9]+){0,2}$")  # ASCII digits only


def canonical_json(data: Any) -> str:
    """The one serialisation every hash in the ledger is taken over."""
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def sha256_text(text: str) -> str:
    """SHA-256 (hex) of ``text`` encoded as UTF-8."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def canonical_content(document: Document) -> dict[str, Any]:
    """The document's meaning as plain data, without the fields the approval decides."""
    data = document.model_dump(mode="json", by_alias=True, exclude_defaults=True)
    for key in HASH_EXCLUDED:
        data.pop(key, None)
    return data


def content_hash(document: Document) -> str:
    """SHA-256 (hex) of the canonical content; see the module docstring for what is excluded."""
    return sha256_text(canonical_json(canonical_content(document)))


def read_archived(path: Path) -> Document | None:
    """An archived snapshot as a document; None when it cannot be read as a routine."""
    source, _ = load_yaml(path, display_path(path))
    return validate_routine(source)[0] if source is not None else None


def archived_content_hash(path: Path) -> str | None:
    """The content hash of an archived snapshot; None when it cannot be read as a routine."""
    document = read_archived(path)
    return content_hash(document) if document is not None else None


def entry_digest(raw: dict[str, str]) -> str:
    """The hash of one ledger entry: its canonical JSON without its own ``post_sha256``."""
    return sha256_text(canonical_json({k: v for k, v in raw.items() if k != "post_sha256"}))


def version_key(version: str) -> tuple[int, int, int]:
    """"1.10" > "1.9"; "1" == "1.0" == "1.0.0"."""
    parts = [int(p) for p in version.split(".")] + [0, 0, 0]
    return parts[0], parts[1], parts[2]


@dataclass(frozen=True)
class LedgerEntry:
    """One decision in the ledger, with the line it stands on in godkannanden.yaml."""

    document: str
    version: str
    decision: str  # fastställd | upphävd
    body: str
    date: dt.date
    protocol: str
    summary: str
    content_sha256: str
    previous_sha256: str
    digest: str  # post_sha256 as written (verified against the entry's content on load)
    line: int
    file: str
    parent_version: str | None = None  # samverkansrutin_version, for an arbetsrutin
    team_part_sha256: str | None = None  # teamdel_sha256: its team's part in that version

    @property
    def is_approval(self) -> bool:
        """Whether the entry approves (fastställd) rather than repeals the version."""
        return self.decision == "fastställd"

    @property
    def is_evaluation(self) -> bool:
        """Whether the entry records an evaluation without change (not a decision)."""
        return self.decision == EVALUATED


def ledger_path(group_folder: Path) -> Path:
    """The ledger file of a samverkansrutin's folder."""
    return group_folder / LEDGER_FILE


def archive_path(group_folder: Path, doc_id: str, version: str) -> Path:
    """Where the archived copy of an approved version lies."""
    return group_folder / ARCHIVE_DIR / f"{doc_id}-v{version}.yaml"


def _shape_problem(raw: dict[str, Any]) -> str | None:
    """Missing or unknown keys; the optional samverkansrutin keys come both or neither."""
    missing = [k for k in ENTRY_KEYS if k not in raw]
    optional = [k for k in OPTIONAL_ENTRY_KEYS if k in raw]
    if optional and len(optional) != len(OPTIONAL_ENTRY_KEYS):
        missing += [k for k in OPTIONAL_ENTRY_KEYS if k not in raw]
    extra = [k for k in raw if k not in ENTRY_KEYS and k not in OPTIONAL_ENTRY_KEYS]
    if not missing and not extra:
        return None
    parts = ([f"saknar {', '.join(missing)}"] if missing else []) + (
        [f"okända nycklar {', '.join(extra)}"] if extra else [])
    return f"posten {'; '.join(parts)}"


def _entry_problem(raw: Any) -> str | None:
    """What is wrong with one entry's shape, in Swedish, or None."""
    if not isinstance(raw, dict):
        return "posten ska vara ett block med nycklar"
    shape = _shape_problem(raw)
    if shape is not None:
        return shape
    if not all(isinstance(v, str) and v.strip() for v in raw.values()):
        return "alla värden i posten ska vara ifylld text"
    if raw["beslut"] not in ENTRY_KINDS:
        return f"'beslut' ska vara fastställd, upphävd eller utvärderad, inte '{raw['beslut']}'"
    for key in ("version", "samverkansrutin_version"):
        if key in raw and not _VERSION.match(raw[key]):
            return f"'{key}' är ogiltig: '{raw[key]}'"
    try:
        dt.date.fromisoformat(raw["datum"])
    except ValueError:
        return f"'datum' är inget datum: '{raw['datum']}'"
    for key in ("innehåll_sha256", "föregående_sha256", "post_sha256", "teamdel_sha256"):
        if key in raw and not _HEX64.match(raw[key]):
            return f"'{key}' är ingen SHA-256 (64 hexadecimala tecken)"
    return None


def _ledger_diag(display: str, line: int, column: int, message: str) -> Diagnostic:
    return Diagnostic(display, line, column, "R406", "error", message)


def load_ledger(group_folder: Path) -> tuple[list[LedgerEntry], list[Diagnostic]]:
    """Read and verify a group's ledger: entries in order, and R406 for every broken link.

    A missing ledger is an empty one. Entries that are malformed are reported and left out;
    entries whose hashes do not match are reported but kept, so callers still see them.
    """
    path = ledger_path(group_folder)
    if not path.exists():
        return [], []
    display = display_path(path)
    if path.is_symlink() or not path.is_file():
        return [], [_ledger_diag(display, 1, 1, "liggaren ska vara en vanlig fil, inte en länk")]
    # Rules ask for the same ledger once per routine: parse each distinct content once.
    size = path.stat().st_size
    digest = hashlib.sha256(path.read_bytes()).hexdigest() if size <= MAX_FILE_BYTES else ""
    entries, diagnostics = _load_verified(str(path), display, digest)
    return list(entries), list(diagnostics)


@lru_cache(maxsize=64)
def _load_verified(path_text: str, display: str, digest: str
                   ) -> tuple[tuple[LedgerEntry, ...], tuple[Diagnostic, ...]]:
    entries, diagnostics = _verify(Path(path_text), display)
    return tuple(entries), tuple(diagnostics)


def _verify(path: Path, display: str) -> tuple[list[LedgerEntry], list[Diagnostic]]:
    source, diagnostics = load_yaml(path, display)
    if source is None:
        return [], diagnostics
    if not isinstance(source.data, list):
        return [], diagnostics + [_ledger_diag(display, 1, 1,
                                               "liggaren ska vara en lista med poster")]
    entries: list[LedgerEntry] = []
    expected_previous = GENESIS
    previous_line = 0
    for index, raw in enumerate(source.data):
        pos = source.position((index,))
        problem = _entry_problem(raw)
        if problem is not None:
            diagnostics.append(_ledger_diag(display, pos.line, pos.column,
                                            f"post {index + 1} är skadad: {problem}"))
            expected_previous = ""  # the chain cannot be followed past a broken entry
            continue
        if entry_digest(raw) != raw["post_sha256"]:
            diagnostics.append(_ledger_diag(
                display, pos.line, pos.column,
                f"post {index + 1} ({raw['dokument']} v{raw['version']}) har ändrats efter att "
                "den skrevs: innehållet stämmer inte med 'post_sha256'"))
        if expected_previous and raw["föregående_sha256"] != expected_previous:
            where = f"posten på rad {previous_line}" if previous_line else "kedjans början"
            diagnostics.append(_ledger_diag(
                display, pos.line, pos.column,
                f"kedjan är bruten vid post {index + 1}: 'föregående_sha256' stämmer inte med "
                f"{where}; en post har tagits bort, flyttats eller ändrats"))
        expected_previous = raw["post_sha256"]
        previous_line = pos.line
        entries.append(LedgerEntry(
            raw["dokument"], raw["version"], raw["beslut"], raw["organ"],
            dt.date.fromisoformat(raw["datum"]), raw["protokoll"], raw["sammanfattning"],
            raw["innehåll_sha256"], raw["föregående_sha256"], raw["post_sha256"],
            pos.line, display, raw.get("samverkansrutin_version"), raw.get("teamdel_sha256")))
    return entries, diagnostics


def _group_folder(library_or_folder: Library | Path, doc_id: str) -> Path | None:
    if isinstance(library_or_folder, Path):
        return library_or_folder
    routine = library_or_folder.by_id(doc_id)
    return routine.path.parent if routine is not None else None


def _all_entries_for(library_or_folder: Library | Path, doc_id: str) -> list[LedgerEntry]:
    folder = _group_folder(library_or_folder, doc_id)
    if folder is None:
        return []
    entries, _ = load_ledger(folder)
    return [e for e in entries if e.document == doc_id]


def entries_for(library_or_folder: Library | Path, doc_id: str) -> list[LedgerEntry]:
    """Every decision (fastställd, upphävd) about ``doc_id``, oldest first; evaluations are
    not decisions (see ``evaluations_for``)."""
    return [e for e in _all_entries_for(library_or_folder, doc_id) if not e.is_evaluation]


def evaluations_for(library_or_folder: Library | Path, doc_id: str) -> list[LedgerEntry]:
    """The evaluations of the version approved last (entries after its approval, bound to the
    same content), oldest first; none when the newest decision is not an approval."""
    found = _all_entries_for(library_or_folder, doc_id)
    approval = next((i for i in range(len(found) - 1, -1, -1)
                     if not found[i].is_evaluation), None)
    if approval is None or not found[approval].is_approval:
        return []
    approved = found[approval]
    return [e for e in found[approval + 1:] if e.is_evaluation
            and e.version == approved.version and e.content_sha256 == approved.content_sha256]


def latest_evaluation(library_or_folder: Library | Path, doc_id: str) -> LedgerEntry | None:
    """The newest evaluation without change of the version in force, or None."""
    found = evaluations_for(library_or_folder, doc_id)
    return found[-1] if found else None


def last_evaluated(library_or_folder: Library | Path, doc_id: str) -> dt.date | None:
    """The date of the newest evaluation without change of the approved version, or None."""
    entry = latest_evaluation(library_or_folder, doc_id)
    return entry.date if entry is not None else None


def latest_entry(library_or_folder: Library | Path, doc_id: str) -> LedgerEntry | None:
    """The newest decision about ``doc_id`` (fastställd or upphävd), or None."""
    found = entries_for(library_or_folder, doc_id)
    return found[-1] if found else None


def latest_approval(library_or_folder: Library | Path, doc_id: str) -> LedgerEntry | None:
    """The decision that makes ``doc_id`` currently fastställd: its newest entry, if that
    entry is a fastställd one (a later upphävd entry means no current approval).

    This reads the ledger as it is; run ``rutin check`` (R406) to know it is intact.
    """
    entry = latest_entry(library_or_folder, doc_id)
    return entry if entry is not None and entry.is_approval else None


def approval_of(library_or_folder: Library | Path, doc_id: str,
                version: str) -> LedgerEntry | None:
    """The decision that approved ``version`` of ``doc_id`` (the newest such), or None. A
    version stays approved by its own decision while a newer version is drafted or coming."""
    return next((e for e in reversed(entries_for(library_or_folder, doc_id))
                 if e.is_approval and e.version == version), None)


def make_entry(previous: str, *, document: str, version: str, decision: str, body: str,
               date: dt.date, protocol: str, summary: str, content: str,
               team_part: tuple[str, str] | None = None) -> dict[str, str]:
    """A new ledger entry as the text values written to the file, its own hash included.

    ``team_part`` is (samverkansrutin version, fingerprint of the team's part) for an
    arbetsrutin whose samverkansrutin is known."""
    raw = {
        "dokument": document, "version": version, "beslut": decision, "organ": body,
        "datum": date.isoformat(), "protokoll": protocol, "sammanfattning": summary,
        "innehåll_sha256": content, "föregående_sha256": previous,
    }
    if team_part is not None:
        raw["samverkansrutin_version"], raw["teamdel_sha256"] = team_part
    raw["post_sha256"] = entry_digest(raw)
    return raw


def ledger_text_with(existing: str | None, entry: dict[str, str]) -> str:
    """The ledger file's new text: the old text byte for byte, with ``entry`` appended."""
    dumped: str = yaml.safe_dump([entry], allow_unicode=True, sort_keys=False, width=4096,
                            default_flow_style=False)
    if not existing:
        return LEDGER_HEADER + dumped
    return existing + ("" if existing.endswith("\n") else "\n") + dumped


def last_digest(entries: list[LedgerEntry]) -> str:
    """The hash the next entry must chain to (the genesis value for an empty ledger)."""
    return entries[-1].digest if entries else GENESIS


def ledger_schema() -> dict[str, Any]:
    """JSON Schema of godkannanden.yaml, so an editor flags a hand edit at once."""
    text = {"type": "string", "minLength": 1}
    sha = {"type": "string", "pattern": "^[0-9a-f]{64}$"}
    properties: dict[str, Any] = {key: dict(text)
                                  for key in (*ENTRY_KEYS, *OPTIONAL_ENTRY_KEYS)}
    properties["beslut"] = {"enum": list(ENTRY_KINDS)}
    properties["datum"] = {"type": "string", "format": "date"}
    for key in ("innehåll_sha256", "föregående_sha256", "post_sha256", "teamdel_sha256"):
        properties[key] = dict(sha)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "Godkännandeliggare (skrivs endast av rutin approve)",
        "type": "array",
        "items": {"type": "object", "additionalProperties": False,
                  "required": list(ENTRY_KEYS), "properties": properties},
    }


def load_archived_copy(group_folder: Path, doc_id: str, version: str) -> Document | None:
    """The archived copy of an approved version; None when it is missing or unreadable."""
    path = archive_path(group_folder, doc_id, version)
    return read_archived(path) if path.is_file() and not path.is_symlink() else None
