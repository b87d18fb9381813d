"""The build manifest: what each output was built from, so a rebuild renders only what changed."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from builder.dates import has_expired
from builder.diagnostics import Diagnostic
from builder.load.library import Library, RoutineFile
from builder.model import Arbetsrutin, Samverkansrutin
from builder.options import BuildOptions
from builder.paths import PACKAGE_DIR, TEMPLATES_DIR
from builder.render import RENDERERS
from builder.write import write_atomic

MANIFEST_NAME = ".rutin-manifest.json"


def _digest(payload: Any) -> str:
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


def _summary(routine: RoutineFile) -> dict[str, Any]:
    doc = routine.document
    return {"id": doc.id, "titel": doc.title, "version": doc.version, "status": doc.status,
            "team": getattr(doc, "team", None)}


def dependency_view(routine: RoutineFile, library: Library) -> dict[str, Any]:
    """Everything in the library a routine's documents show: itself, plus only the parts of
    its relatives that appear in it (a child's title and version in the Bilagor list, the
    parent's glossary), so editing one arbetsrutin does not rebuild its siblings or parent."""
    doc = routine.document
    view: dict[str, Any] = {"document": doc.model_dump(mode="json", by_alias=True)}
    if isinstance(doc, Samverkansrutin):
        view["children"] = [
            _summary(r) for r in library.arbetsrutiner
            if isinstance(r.document, Arbetsrutin) and r.document.parent == doc.id
        ]
    if isinstance(doc, Arbetsrutin):
        parent = library.by_id(doc.parent)
        if parent is not None and isinstance(parent.document, Samverkansrutin):
            view["parent"] = {**_summary(parent),
                              "begrepp": parent.document.glossary,
                              "team": [t.model_dump(mode="json", by_alias=True)
                                       for t in parent.document.teams]}
    if library.organisation is not None:
        view["organisation"] = library.organisation.model_dump(mode="json", by_alias=True)
    return view


def fingerprint(routine: RoutineFile, library: Library, fmt: str, options: BuildOptions,
                templates: str, signer: str) -> str:
    """Everything one output depends on, hashed: equal prints mean the output is current."""
    doc = routine.document
    expired = has_expired(doc.valid_to, options.today)
    return _digest({
        "inputs": dependency_view(routine, library),
        "format": fmt,
        "templates": templates if RENDERERS[fmt].uses_templates else None,
        "tool": tool_digest(),
        "fillable": options.fillable if fmt == "checklista" else None,
        "expired": expired,  # the banner depends on the build date
        "epoch": options.epoch,
        "signer": signer if doc.is_approved and RENDERERS[fmt].signed else None,
    })


@dataclass(frozen=True)
class ManifestEntry:
    """One output's fingerprint and the files it wrote."""

    fingerprint: str
    files: tuple[str, ...]  # relative to output/


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


def library_stamp(root: Path, path: Path, options: BuildOptions, templates: str,
                  signer: str) -> str:
    """Every byte the build reads: all files under routines/, the templates, the tool, the
    options, the build date and the signer. Equal stamps mean an identical build, so a no-op
    rebuild need not even parse the YAML."""
    sha = hashlib.sha256(_tree_digest(root, "*").encode())
    sha.update(_digest({
        "path": str(path.resolve()), "templates": templates, "tool": tool_digest(),
        "formats": list(options.formats), "fillable": options.fillable,
        "epoch": options.epoch, "today": options.today.isoformat(), "signer": signer,
        "sign": options.sign,
    }).encode())
    return sha.hexdigest()


def read_manifest(output: Path) -> Manifest:
    """The previous build's manifest; a missing or unreadable one means "rebuild all"."""
    path = output / MANIFEST_NAME
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        entries = {key: ManifestEntry(value["fingerprint"], tuple(value["files"]))
                   for key, value in raw["entries"].items()}
        report = raw.get("report") or {}
        return Manifest(entries, str(raw.get("stamp", "")), BuildReport(
            int(report.get("documents", 0)),
            tuple(Diagnostic(**d) for d in report.get("diagnostics", [])),
            tuple(report.get("not_built", [])), tuple(report.get("orphaned", []))))
    except (OSError, ValueError, KeyError, TypeError):
        return Manifest()


def write_manifest(output: Path, manifest: Manifest) -> None:
    """Write the manifest atomically beside the outputs."""
    payload = {
        "version": 2,
        "stamp": manifest.stamp,
        "report": {
            "documents": manifest.report.documents,
            "diagnostics": [asdict(d) for d in manifest.report.diagnostics],
            "not_built": list(manifest.report.not_built),
            "orphaned": list(manifest.report.orphaned),
        },
        "entries": {key: {"fingerprint": e.fingerprint, "files": list(e.files)}
                    for key, e in sorted(manifest.entries.items())},
    }
    text = json.dumps(payload, ensure_ascii=False, indent=1, sort_keys=True)
    write_atomic(output / MANIFEST_NAME, text.encode("utf-8"))


def is_current(entry: ManifestEntry | None, fingerprint_now: str, output: Path) -> bool:
    """Whether an output was built from the same inputs and its files are still there."""
    return (entry is not None and entry.fingerprint == fingerprint_now
            and all((output / f).is_file() for f in entry.files))


def outputs_exist(manifest: Manifest, output: Path) -> bool:
    """Whether every file the manifest lists is still on disk."""
    return all((output / f).is_file() for e in manifest.entries.values() for f in e.files)
