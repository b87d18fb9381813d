"""`rutin build`: check, render what changed (in parallel), sign, then write everything atomically.

The order is linear and visible: check → plan (manifest) → render (process pool) → sign →
write → index → manifest. Nothing is written before every job has rendered, and a document
with errors keeps its previous outputs untouched.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import shutil
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from builder.build.card_cache import read_card_cache, write_card_cache
from builder.build.manifest import (
    BuildReport,
    Manifest,
    ManifestEntry,
    fingerprint,
    is_current,
    library_stamp,
    outputs_exist,
    read_manifest,
    templates_digest,
    write_manifest,
)
from builder.check import CheckResult, run_check
from builder.diagnostics import Diagnostic, sort_diagnostics
from builder.load.library import Library, RoutineFile, find_library_root
from builder.options import BuildOptions
from builder.render import (
    RENDERERS,
    Artifact,
    DocumentOutputs,
    RenderContext,
    get_renderer,
    output_folder,
)
from builder.rules import CheckOptions
from builder.write import write_atomic

PRUNE_DIR = ".borttaget"
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class JobResult:
    """What one render job returned: its files, or the error that stopped it."""

    doc_id: str
    fmt: str
    artifacts: tuple[Artifact, ...]
    error: str | None = None


@dataclass
class BuildResult:
    """What a build did, for the command's report."""

    documents: int
    diagnostics: list[Diagnostic]
    check: CheckResult | None = None  # None when nothing changed and the check was replayed
    rendered: list[tuple[str, str]] = field(default_factory=list)  # (document id, format)
    up_to_date: int = 0
    written: list[Path] = field(default_factory=list)
    not_built: list[str] = field(default_factory=list)  # documents refused for their errors
    orphaned: list[str] = field(default_factory=list)  # outputs whose routine is gone
    pruned: list[Path] = field(default_factory=list)

    @property
    def nothing_to_do(self) -> bool:
        """Nothing was rendered and nothing written: everything was current."""
        return not self.rendered and not self.written


# Worker state: set before the pool forks, so workers inherit the loaded library and modules.
_LIBRARY: Library | None = None
_OPTIONS: BuildOptions | None = None


def _render_job(job: tuple[str, str]) -> JobResult:
    doc_id, fmt = job
    assert _LIBRARY is not None and _OPTIONS is not None
    routine = _LIBRARY.by_id(doc_id)
    assert routine is not None
    ctx = RenderContext(routine, _LIBRARY, _OPTIONS)
    try:
        artifacts = get_renderer(fmt)(ctx)
        if _OPTIONS.sign and routine.document.is_approved and RENDERERS[fmt].signed:
            from builder.signing.sign import sign_artifacts

            artifacts = sign_artifacts(ctx, artifacts)
    except Exception as exc:  # noqa: BLE001 - one failing document must not stop the others
        return JobResult(doc_id, fmt, (), f"{type(exc).__name__}: {exc}")
    return JobResult(doc_id, fmt, tuple(artifacts))


def _warm_up(formats: set[str]) -> None:
    """Import renderers (and WeasyPrint, ~1 s) once in the parent so forked workers share it."""
    for fmt in formats:
        get_renderer(fmt)


def _run_jobs(jobs: list[tuple[str, str]], options: BuildOptions,
              progress: Progress | None) -> list[JobResult]:
    results: list[JobResult] = []
    _warm_up({fmt for _, fmt in jobs})
    workers = min(options.jobs, len(jobs))
    if workers <= 1:
        for job in jobs:
            results.append(_render_job(job))
            if progress:
                progress(len(results), len(jobs))
        return results
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        for result in pool.map(_render_job, jobs, chunksize=1):
            results.append(result)
            if progress:
                progress(len(results), len(jobs))
    return results


def signer_fingerprint() -> str:
    """Identifies the signing key so a new key re-signs approved documents."""
    from builder.signing.sign import signer_fingerprint as describe  # cryptography: ~0.1 s

    return describe()


def _failure(routine: RoutineFile, fmt: str, error: str) -> Diagnostic:
    pos = routine.source.position(("id",))
    return Diagnostic(routine.display, pos.line, pos.column, "R601", "error",
                      f"kunde inte bygga formatet '{fmt}': {error}")


def _prune(output: Path, files: list[str]) -> list[Path]:
    """Move outputs of removed routines aside; never delete them outright."""
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    moved = []
    for relative in files:
        source = output / relative
        if source.is_file():
            target = output / PRUNE_DIR / stamp / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(source, target)
            moved.append(target)
    return moved


def run_build(path: Path, options: BuildOptions, progress: Progress | None = None,
              prune: bool = False) -> BuildResult:
    """Build every routine under ``path`` that has no errors into ``options.output``."""
    global _LIBRARY, _OPTIONS
    output = options.output
    previous = read_manifest(output)
    templates, signer = templates_digest(), signer_fingerprint()
    stamp = library_stamp(find_library_root(path), path, options, templates, signer)
    if not prune and stamp == previous.stamp and outputs_exist(previous, output):
        # Byte-identical inputs, tool, options and date: the last build's result stands.
        report = previous.report
        return BuildResult(report.documents, list(report.diagnostics),
                           up_to_date=len(previous.entries), not_built=list(report.not_built),
                           orphaned=list(report.orphaned))
    check = run_check(path, CheckOptions(today=options.today), read_card_cache())
    write_card_cache(check.layout)
    library = check.library
    result = BuildResult(check.documents, list(check.diagnostics), check)
    failing = {d.file for d in check.diagnostics if d.is_error}
    buildable = [r for r in library.routines if r.display not in failing]
    result.not_built = sorted(r.document.id for r in library.routines if r.display in failing)
    formats = [f for f in options.formats if f in RENDERERS]

    # Plan: what is already current according to the manifest.
    old = previous.entries
    new: dict[str, ManifestEntry] = {}
    jobs: list[tuple[str, str]] = []
    prints: dict[tuple[str, str], str] = {}
    for routine in buildable:
        for fmt in formats:
            key = f"{routine.document.id}:{fmt}"
            prints[(routine.document.id, fmt)] = fingerprint(
                routine, library, fmt, options, templates, signer)
            if is_current(old.get(key), prints[(routine.document.id, fmt)], output):
                new[key] = old[key]
                result.up_to_date += 1
            else:
                jobs.append((routine.document.id, fmt))
    # Keep entries of documents refused this time: their old outputs stay valid on disk.
    for key, entry in old.items():
        if key.split(":")[0] in result.not_built:
            new[key] = entry

    # Render everything before writing anything.
    _LIBRARY, _OPTIONS = library, options
    try:
        results = _run_jobs(jobs, options, progress) if jobs else []
    finally:
        _LIBRARY, _OPTIONS = None, None
    folders = {r.document.id: output_folder(r.document) for r in library.routines}
    pending: list[tuple[Path, bytes]] = []
    for job in results:
        job_routine = library.by_id(job.doc_id)
        assert job_routine is not None
        if job.error is not None:
            result.diagnostics.append(_failure(job_routine, job.fmt, job.error))
            continue
        result.rendered.append((job.doc_id, job.fmt))
        files = tuple(f"{folders[job.doc_id]}/{a.filename}" for a in job.artifacts)
        new[f"{job.doc_id}:{job.fmt}"] = ManifestEntry(prints[(job.doc_id, job.fmt)], files)
        pending.extend((output / f, a.data) for f, a in zip(files, job.artifacts, strict=True))

    # Outputs whose routine no longer exists: reported, moved aside only with --prune.
    known = {r.document.id for r in library.routines}
    orphan_files: list[str] = []
    for key, entry in old.items():
        doc_id = key.split(":")[0]
        if doc_id not in known:
            result.orphaned.append(doc_id)
            orphan_files.extend(entry.files)
            if not prune:
                new[key] = entry
    result.orphaned = sorted(set(result.orphaned))

    for target, data in pending:
        write_atomic(target, data)
        result.written.append(target)
    if prune and orphan_files:
        result.pruned = _prune(output, orphan_files)
    # The index is rendered every time (it shows today's overdue and expired marks; ~0.1 s
    # for 200 routines) but written only when its bytes changed.
    for artifact in _render_index(library, _document_outputs(library, new), options):
        target = output / artifact.filename
        if not target.is_file() or target.read_bytes() != artifact.data:
            write_atomic(target, artifact.data)
            result.written.append(target)
    result.diagnostics = sort_diagnostics(result.diagnostics)
    report = BuildReport(result.documents, tuple(result.diagnostics), tuple(result.not_built),
                         tuple(result.orphaned))
    # A render failure (R601) must be retried next time, so such a build records no stamp.
    failed = any(d.rule == "R601" for d in result.diagnostics)
    write_manifest(output, Manifest(new, "" if failed else stamp, report))
    return result


def _document_outputs(library: Library,
                      entries: dict[str, ManifestEntry]) -> list[DocumentOutputs]:
    outputs = []
    for routine in library.routines:
        files = {key.split(":")[1]: entry.files for key, entry in entries.items()
                 if key.split(":")[0] == routine.document.id}
        if files:
            outputs.append(DocumentOutputs(routine, output_folder(routine.document), files))
    return outputs


def _render_index(library: Library, outputs: list[DocumentOutputs],
                  options: BuildOptions) -> list[Artifact]:
    from builder.render.index import render_index

    return render_index(library, outputs, options)
