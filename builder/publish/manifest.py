"""The build manifest: what each output was built from, so a rebuild renders only what changed.

Only the standard library here: a no-op `rutin build` reads the manifest and compares stamps
without loading the model, the rules or any renderer (fingerprints are in fingerprint.py)."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from builder.diagnostics import Diagnostic
from builder.paths import PACKAGE_DIR, TEMPLATES_DIR
from builder.write import write_atomic

if TYPE_CHECKING:
    from builder.options import BuildOptions

MANIFEST_NAME = ".rutin-manifest.json"


def digest(payload: Any) -> str:
    """SHA-256 of ``payload`` as canonical JSON."""
    text = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _tree_digest(folder: Path, pattern: str) -> str:
    sha = hashlib.sha256()
    for path in sorted(folder.rglob(pattern)):
        if path.is_file() and "__pycache__" not in path.parts:
            sha.update(path.relative_to(folder).as_posix().encode())
            sha.update(path.read_bytes())
    return sha.hexdigest()


@lru_cache(maxsize=1)
def tool_digest() -> str:
    """The builder's own code: a changed renderer rebuilds everything it renders."""
    return _tree_digest(PACKAGE_DIR, "*.py")


def templates_digest() -> str:
    """The templates' content: a changed template rebuilds what uses templates."""
    return _tree_digest(TEMPLATES_DIR, "*")


@dataclass(frozen=True)
class FileStamp:
    """What an output was when it was written: a truncated or replaced file is not trusted."""

    sha256: str
    size: int
    mtime_ns: int


def stamp_file(path: Path) -> FileStamp:
    """The stamp of a file as it is on disk now."""
    data = path.read_bytes()
    info = path.stat()
    return FileStamp(hashlib.sha256(data).hexdigest(), len(data), info.st_mtime_ns)


def file_intact(path: Path, recorded: FileStamp | None) -> bool:
    """Size and mtime as recorded (cheap), else the SHA-256 as recorded (a restored cache
    changes mtimes, not bytes). No record means an old manifest: not trusted."""
    if recorded is None:
        return False
    try:
        info = path.stat()
    except OSError:
        return False
    if not path.is_file() or info.st_size != recorded.size:
        return False
    if info.st_mtime_ns == recorded.mtime_ns:
        return True
    return hashlib.sha256(path.read_bytes()).hexdigest() == recorded.sha256


@dataclass(frozen=True)
class ManifestEntry:
    """One output's fingerprint and the files it wrote."""

    fingerprint: str
    files: tuple[str, ...]  # relative to output/
    stamps: tuple[FileStamp, ...] = ()  # one per file, same order


@dataclass(frozen=True)
class BuildReport:
    """What the last build said, replayed when nothing at all has changed since."""

    documents: int = 0
    diagnostics: tuple[Diagnostic, ...] = ()
    not_built: tuple[str, ...] = ()
    orphaned: tuple[str, ...] = ()


@dataclass(frozen=True)
class Manifest:
    """The last build: its entries by ``<document id>:<format>``, stamp and report."""

    entries: dict[str, ManifestEntry] = field(default_factory=dict)
    stamp: str = ""  # library_stamp() of the build that wrote it
    report: BuildReport = BuildReport()
    index: dict[str, FileStamp] = field(default_factory=dict)  # index pages, by relative path


def library_stamp(root: Path, path: Path, options: BuildOptions, templates: str,
                  signer: str) -> str:
    """Every byte the build reads: all files under routines/, the templates, the tool, the
    options, the build date and the signer. Equal stamps mean an identical build, so a no-op
    rebuild need not even parse the YAML."""
    sha = hashlib.sha256(_tree_digest(root, "*").encode())
    sha.update(digest({
        "path": str(path.resolve()), "templates": templates, "tool": tool_digest(),
        "formats": list(options.formats), "fillable": options.fillable,
        "epoch": options.epoch, "today": options.today.isoformat(), "signer": signer,
        "sign": options.sign,
    }).encode())
    return sha.hexdigest()


def _stamp_from(raw: Any) -> FileStamp:
    return FileStamp(str(raw["sha256"]), int(raw["size"]), int(raw["mtime_ns"]))


def read_manifest(output: Path) -> Manifest:
    """The previous build's manifest; a missing or unreadable one means "rebuild all"."""
    path = output / MANIFEST_NAME
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        entries = {key: ManifestEntry(value["fingerprint"], tuple(value["files"]),
                                      tuple(_stamp_from(s) for s in value.get("stamps", [])))
                   for key, value in raw["entries"].items()}
        report = raw.get("report") or {}
        index = {str(k): _stamp_from(v) for k, v in (raw.get("index") or {}).items()}
        return Manifest(entries, str(raw.get("stamp", "")), BuildReport(
            int(report.get("documents", 0)),
            tuple(Diagnostic(**d) for d in report.get("diagnostics", [])),
            tuple(report.get("not_built", [])), tuple(report.get("orphaned", []))), index)
    except (OSError, ValueError, KeyError, TypeError):
        return Manifest()


# An absolute path in an error a renderer or signer raised (R601): the key file's, a home
# folder's. The manifest lies in output/, the staff site, so such paths never go in it.
_ABSOLUTE_PATH = re.compile(r"(?<![\w.:/])(?:[A-Za-z]:)?[/\\](?:[^\s'\"/\\]+[/\\])*[^\s'\",;)]*")


def published(diagnostic: Diagnostic) -> Diagnostic:
    """The finding as the manifest publishes it: R601's exception text without the absolute
    paths it may name (the terminal showed them in full)."""
    if diagnostic.rule != "R601":
        return diagnostic
    return dataclasses.replace(diagnostic,
                               message=_ABSOLUTE_PATH.sub("(sökväg utelämnad)", diagnostic.message))


def manifest_bytes(manifest: Manifest) -> bytes:
    """The manifest as written: entries with each file's stamp, and the index pages'."""
    payload = {
        "version": 3,
        "stamp": manifest.stamp,
        "report": {
            "documents": manifest.report.documents,
            "diagnostics": [asdict(published(d)) for d in manifest.report.diagnostics],
            "not_built": list(manifest.report.not_built),
            "orphaned": list(manifest.report.orphaned),
        },
        "entries": {key: {"fingerprint": e.fingerprint, "files": list(e.files),
                          "stamps": [asdict(s) for s in e.stamps]}
                    for key, e in sorted(manifest.entries.items())},
        "index": {key: asdict(s) for key, s in sorted(manifest.index.items())},
    }
    return json.dumps(payload, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8")


def write_manifest(output: Path, manifest: Manifest) -> None:
    """Write the manifest atomically beside the outputs."""
    write_atomic(output / MANIFEST_NAME, manifest_bytes(manifest))


def entry_intact(entry: ManifestEntry, output: Path) -> bool:
    """Every file of the entry is on disk exactly as the build that recorded it wrote it."""
    if len(entry.stamps) != len(entry.files):
        return False
    return all(file_intact(output / f, s) for f, s in zip(entry.files, entry.stamps, strict=True))


def is_current(entry: ManifestEntry | None, fingerprint_now: str, output: Path) -> bool:
    """Whether an output was built from the same inputs and its files are intact."""
    return (entry is not None and entry.fingerprint == fingerprint_now
            and entry_intact(entry, output))


def outputs_exist(manifest: Manifest, output: Path) -> bool:
    """Every output and index page is intact (the no-op rebuild's condition)."""
    return (all(entry_intact(e, output) for e in manifest.entries.values())
            and all(file_intact(output / f, s) for f, s in manifest.index.items()))
