"""`rutin build`: check, then plan → render → sign → write → index → manifest, as one generation.

Each step is its own function and ``run_build`` calls them in order. Nothing is written before
every job has rendered, and a document with errors keeps its previous outputs untouched.

The generation is published as a whole (publish.py): every new file goes to a staging folder,
a publish record lists them, then each is renamed into place, the manifest last. A build that
has nothing to do is answered by noop.py before any of this is imported. The whole build holds
the output lock (``.output.rutin-build.lock`` beside output/: never published with it).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import gc
import multiprocessing
import os
import shutil
import threading
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

from builder.check import CheckResult, run_check
from builder.diagnostics import Diagnostic, sort_diagnostics
from builder.governance.lifecycle import in_force_units, unit_document_id
from builder.load.library import Library, RoutineFile
from builder.locking import kill_point, output_lock
from builder.options import BuildOptions
from builder.publish.card_cache import read_card_cache, write_card_cache
from builder.publish.fingerprint import Fingerprints
from builder.publish.manifest import (
    MANIFEST_NAME,
    BuildReport,
    FileStamp,
    Manifest,
    ManifestEntry,
    is_current,
    manifest_bytes,
    stamp_file,
)
from builder.publish.noop import BuildInputs, read_inputs, replayed
from builder.publish.publish import Staging, recover_output
from builder.publish.result import BuildResult
from builder.publish.workers import (
    NO_WORKER,
    EarlyWorkers,
    JobResult,
    die_with_parent,
    raise_if_stopped,
    render_job,
    start_early_workers,
    warm_up,
)
from builder.render import (
    RENDERERS,
    Artifact,
    DocumentOutputs,
    RenderContext,
    output_folder,
)
from builder.rules import CheckOptions
from builder.rules.text_limits import beyond_limits

PRUNE_DIR = ".borttaget"
Progress = Callable[[int, int], None]
Job = tuple[str, str]  # (build key: document id, or "<id>@v<version>" of an archive copy; format)


@dataclass
class BuildPlan:
    """The plan step's answer: jobs to render, and entries kept as they are."""
    jobs: list[Job]
    prints: dict[Job, str]
    entries: dict[str, ManifestEntry]  # outputs kept as they are (current or refused)
    up_to_date: int


# --- worker state: handed to each pool worker by its initializer ----------------------------

@dataclass(frozen=True)
class _WorkerState:
    library: Library
    options: BuildOptions


_STATE: _WorkerState | None = None


def _init_worker(state: _WorkerState, parent: int) -> None:
    global _STATE
    die_with_parent(parent)
    _STATE = state


def _run_job(state: _WorkerState, job: Job) -> JobResult:
    routine = state.library.unit(job[0])
    assert routine is not None
    return render_job(RenderContext(routine, state.library, state.options), job[1])


def _worker_job(job: Job) -> JobResult:
    assert _STATE is not None, "the pool initializer sets the worker state"
    return _run_job(_STATE, job)


# --- the steps ----------------------------------------------------------------------------------

def plan_build(check: CheckResult, buildable: list[RoutineFile], not_built: list[str],
               previous: Manifest, options: BuildOptions, templates: str,
               signer: str, prints: Fingerprints | None = None) -> BuildPlan:
    """Which (document, format) jobs must render; the rest stay as the manifest records.
    ``prints`` (of this library, options, templates and signer) saves hashing it again."""
    if prints is None:
        prints = Fingerprints(check.library, options, templates, signer)
    library = prints.library
    formats = [f for f in options.formats if f in RENDERERS]
    plan = BuildPlan([], {}, {}, 0)
    for routine in [*buildable, *library.versions]:
        unit = library.unit_key(routine)
        for fmt in formats:
            job = (unit, fmt)
            key = f"{unit}:{fmt}"
            plan.prints[job] = prints.of(routine, fmt)
            kept = _kept_entry(previous, key, plan.prints[job], options)
            if kept is not None:
                plan.entries[key] = kept
                plan.up_to_date += 1
            else:
                plan.jobs.append(job)
    # Keep entries of documents refused this time: their old outputs stay valid on disk.
    for key, entry in previous.entries.items():
        if key.split(":")[0] in not_built:
            plan.entries[key] = entry
    return plan


def _kept_entry(previous: Manifest, key: str, print_: str,
                options: BuildOptions) -> ManifestEntry | None:
    """The previous entry still current for ``key``; for the archive copy of a version in
    force, also the working copy's entry when that rendered exactly this version (the day a
    draft of the next version begins, the version in force is not rendered again)."""
    entry = previous.entries.get(key)
    if is_current(entry, print_, options.output):
        return entry
    unit, fmt = key.split(":")
    doc_id = unit_document_id(unit)
    if doc_id != unit:
        entry = previous.entries.get(f"{doc_id}:{fmt}")
        if is_current(entry, print_, options.output):
            return entry
    return None


# CPU per routine of each format relative to the main PDF (measured with `python -m builder.bench`:
# PDF ~0.35 s, checklist ~0.3 s, DOCX and läskvittens ~0.13 s, card ~0.07 s, web page less).
FORMAT_WEIGHT = {"pdf": 1.0, "checklista": 0.85, "docx": 0.4, "laskvittens": 0.35,
                 "fickkort": 0.2, "html": 0.1, "flode": 0.05, "bpmn": 0.05, "fhir": 0.05}
SIGNED_WEIGHT = 0.3  # signing adds about a third of a PDF render


def expected_cost(job: Job, library: Library, options: BuildOptions) -> float:
    """A job's expected render time, in arbitrary units: format weight × source size."""
    doc_id, fmt = job
    routine = library.unit(doc_id)
    size = len(routine.source.text) if routine is not None else 0
    signed = (routine is not None and options.sign and routine.document.is_approved
              and RENDERERS[fmt].signed)
    return (FORMAT_WEIGHT.get(fmt, 1.0) + (SIGNED_WEIGHT if signed else 0.0)) * (2000 + size)


def schedule(jobs: list[Job], library: Library, options: BuildOptions) -> list[Job]:
    """Longest first, so the pool's last jobs are short ones and no worker idles at the end."""
    return sorted(jobs, key=lambda job: (-expected_cost(job, library, options), job))


def render_all(jobs: list[Job], library: Library, options: BuildOptions,
               progress: Progress | None, early: EarlyWorkers | None = None,
               meanwhile: Callable[[], None] | None = None) -> list[JobResult]:
    """Render and sign every job, longest first, in a pool whose workers die with this process:
    the ``early`` workers when given, else a pool forked now. ``meanwhile`` runs while the
    workers render (or before rendering, without a pool).

    Results come back in the order of ``jobs`` whatever order they ran in.
    """
    if not jobs:
        return []
    if early is not None:
        finished = early.render(schedule(jobs, library, options), library, options, progress,
                                meanwhile, lambda: kill_point("build:render"))
        return [finished[job] for job in jobs]
    warm_up({fmt for _, fmt in jobs})
    state = _WorkerState(library, options)
    results: list[JobResult] = []
    workers = min(options.jobs, len(jobs))
    if workers <= 1:
        if meanwhile is not None:
            meanwhile()
        for job in jobs:
            results.append(raise_if_stopped(_run_job(state, job)))
            kill_point("build:render")
            if progress:
                progress(len(results), len(jobs))
        return results
    # fork: the state reaches the workers through the initializer without pickling.
    context = multiprocessing.get_context("fork")
    ordered = schedule(jobs, library, options)
    done: dict[Job, JobResult] = {}
    with ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_init_worker,
                             initargs=(state, os.getpid())) as pool:
        futures = {pool.submit(_worker_job, job): job for job in ordered}
        if meanwhile is not None:
            meanwhile()
        for future in as_completed(futures):
            done[futures[future]] = _stop_pool_if_stopped(pool, future.result())
            kill_point("build:render")
            if progress:
                progress(len(done), len(jobs))
    return [done[job] for job in jobs]


def _stop_pool_if_stopped(pool: ProcessPoolExecutor, result: JobResult) -> JobResult:
    """``result``; if its error stops the build, the pool's workers are ended first (nothing
    more renders) and the error is raised here."""
    if result.stops_build:
        # The executor has no public way to end jobs already running: its processes are ended.
        for process in list(getattr(pool, "_processes", {}).values()):
            process.terminate()
        pool.shutdown(wait=False, cancel_futures=True)
    return raise_if_stopped(result)


def collect(results: list[JobResult], library: Library, plan: BuildPlan,
            result: BuildResult) -> list[tuple[str, bytes]]:
    """Failures become R601; successes become manifest entries and files to write."""
    folders = {r.document.id: output_folder(r.document) for r in library.routines}
    pending: list[tuple[str, bytes]] = []
    for job in results:
        routine = library.unit(job.doc_id)
        assert routine is not None
        if job.error is not None:
            result.diagnostics.append(_failure(routine, job.fmt, job.error))
            continue
        result.rendered.append((job.doc_id, job.fmt))
        folder = folders[unit_document_id(job.doc_id)]
        files = tuple(f"{folder}/{a.filename}" for a in job.artifacts)
        plan.entries[f"{job.doc_id}:{job.fmt}"] = ManifestEntry(plan.prints[(job.doc_id,
                                                                            job.fmt)], files)
        pending.extend(zip(files, (a.data for a in job.artifacts), strict=True))
    return pending


def orphans(previous: Manifest, library: Library, plan: BuildPlan, prune: bool,
            result: BuildResult) -> list[str]:
    """Outputs whose routine no longer exists: reported, moved aside only with --prune.
    Earlier versions of a routine that exists are kept (its page lists them)."""
    known = {r.document.id for r in library.routines}
    files: list[str] = []
    for key, entry in previous.entries.items():
        doc_id = unit_document_id(key.split(":")[0])
        if key in plan.entries:
            continue
        unit = key.split(":")[0]
        if doc_id in known:
            if unit != doc_id and library.unit(unit) is None:
                plan.entries[key] = entry  # an earlier version's files, still on disk
        else:
            result.orphaned.append(doc_id)
            files.extend(entry.files)
            if not prune:
                plan.entries[key] = entry
    result.orphaned = sorted(set(result.orphaned))
    return files


def write_outputs(staging: Staging, pending: list[tuple[str, bytes]], plan: BuildPlan,
                  result: BuildResult) -> None:
    """Stage every rendered file and record its stamp in its manifest entry."""
    stamps: dict[str, FileStamp] = {}
    for relative, data in pending:
        kill_point("build:write")
        stamps[relative] = staging.write(relative, data)
        result.written.append(staging.output / relative)
    for key, entry in plan.entries.items():
        if entry.files and all(f in stamps for f in entry.files):
            plan.entries[key] = ManifestEntry(entry.fingerprint, entry.files,
                                              tuple(stamps[f] for f in entry.files))


def write_index(staging: Staging, library: Library, plan: BuildPlan, options: BuildOptions,
                previous: Manifest, result: BuildResult,
                early: EarlyIndex | None = None) -> dict[str, FileStamp]:
    """Render the index pages every time (today's overdue marks; ~0.2 s for 200 routines),
    unless ``early`` rendered them for exactly these outputs while the workers rendered;
    stage only those whose bytes changed."""
    stamps: dict[str, FileStamp] = {}
    outputs = _document_outputs(library, plan.entries)
    pages = (early.pages if early is not None and early.links == _links(outputs)
             else _render_index(library, outputs, options))
    for artifact in pages:
        kill_point("build:index")
        target = options.output / artifact.filename
        if target.is_file() and target.read_bytes() == artifact.data:
            kept = previous.index.get(artifact.filename)
            stamps[artifact.filename] = kept if kept is not None else stamp_file(target)
            continue
        stamps[artifact.filename] = staging.write(artifact.filename, artifact.data)
        result.written.append(target)
    return stamps


@dataclass(frozen=True)
class EarlyIndex:
    """Index pages rendered while the workers render, for the files the outputs are expected
    to have (the last build's); used only if the outputs have exactly those files."""

    links: list[tuple[str, list[tuple[str, tuple[str, ...]]]]]
    pages: list[Artifact]


def _links(outputs: list[DocumentOutputs]) -> list[tuple[str, list[tuple[str, tuple[str, ...]]]]]:
    """What the index pages show of the outputs: each document's folder and files, in order."""
    return [(o.folder, list(o.files.items())) for o in outputs]


def render_index_early(library: Library, plan: BuildPlan, previous: Manifest,
                       options: BuildOptions) -> EarlyIndex | None:
    """The index pages as they will be if every job writes the files it wrote last time."""
    keys = [f"{doc_id}:{fmt}" for doc_id, fmt in plan.jobs]
    if not all(key in previous.entries for key in keys):
        return None
    expected = {**plan.entries, **{key: previous.entries[key] for key in keys}}
    outputs = _document_outputs(library, expected)
    return EarlyIndex(_links(outputs), _render_index(library, outputs, options))


def write_manifest_last(staging: Staging, plan: BuildPlan, stamp: str, index: dict[str, FileStamp],
                        result: BuildResult) -> None:
    """Stage the manifest, then publish the whole generation."""
    result.diagnostics = sort_diagnostics(result.diagnostics)
    report = BuildReport(result.documents, tuple(result.diagnostics), tuple(result.not_built),
                         tuple(result.orphaned))
    # A render failure (R601) must be retried next time, so such a build records no stamp.
    failed = any(d.rule == "R601" for d in result.diagnostics)
    manifest = Manifest(plan.entries, "" if failed else stamp, report, index)
    kill_point("build:manifest")
    staging.write(MANIFEST_NAME, manifest_bytes(manifest))
    staging.publish()


def run_build(path: Path, options: BuildOptions, progress: Progress | None = None,
              prune: bool = False, early: EarlyWorkers | None = None) -> BuildResult:
    """Build every routine under ``path`` that has no errors into ``options.output``.

    ``early``: workers the caller started (start_early_workers) before importing the build;
    this build uses them if it still wants early workers, and stops them in any case."""
    try:
        with output_lock(options.output):
            recovered = recover_output(options.output)
            inputs = read_inputs(path, options)
            # Byte-identical inputs, tool, options and date: the last build's result stands.
            result = replayed(inputs, options, prune)
            if result is None:
                frozen_by_caller = gc.get_freeze_count() > 0
                try:
                    result = _build_locked(path, options, progress, prune, inputs, early)
                finally:
                    if not frozen_by_caller:
                        gc.unfreeze()  # a long-lived caller (tests, a server) frees it later
                early = None  # the build stopped them
    finally:
        if early is not None:
            early.close()
    result.recovered = recovered
    return result


# A build with at most this many jobs sends them to workers started before the check, each with
# its routine's part of the library (~5 ms a job); a larger one forks its pool after the check,
# sharing the whole library without copying it.
EARLY_MAX_JOBS = 48


class RenderAhead:
    """Jobs rendered on the early workers, in a thread, from the library as loaded while the
    build runs the layout and the rules: those of every routine that loaded without errors.

    The build takes only the results of the jobs its plan has after the rules; a routine the
    rules refuse has its results dropped here, never staged or published.
    """

    def __init__(self, early: EarlyWorkers, jobs: list[Job], library: Library,
                 options: BuildOptions, progress: Progress | None) -> None:
        self.early = early
        self.jobs = jobs
        self.done: dict[Job, JobResult] = {}
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._render, name="rutin-render-ahead",
                                       args=(schedule(jobs, library, options), library,
                                             options, progress), daemon=True)
        self.thread.start()

    def _render(self, jobs: list[Job], library: Library, options: BuildOptions,
                progress: Progress | None) -> None:
        try:
            self.done = self.early.render(jobs, library, options, progress, None,
                                          lambda: kill_point("build:render"))
        except BaseException as exc:  # noqa: BLE001 - raised again by results()
            self.error = exc

    def results(self, jobs: list[Job], library: Library, options: BuildOptions,
                progress: Progress | None) -> list[JobResult]:
        """The results of ``jobs``, in their order; any not rendered ahead render now."""
        self.thread.join()
        if self.error is not None:
            raise self.error
        missing = [job for job in jobs if job not in self.done]
        if self.early.killed:  # cancel() ended workers: jobs left without one render again
            missing += [job for job in jobs if job in self.done
                        and self.done[job].error == NO_WORKER]
            if missing:
                self.done.update(zip(missing, render_all(missing, library, options, progress),
                                     strict=True))
        elif missing:
            self.done.update(self.early.render(schedule(missing, library, options), library,
                                               options, progress, None,
                                               lambda: kill_point("build:render")))
        return [self.done[job] for job in jobs]

    def cancel(self, doc_ids: set[str]) -> None:
        """The rules refused ``doc_ids``: stop rendering them now (see EarlyWorkers.cancel)."""
        self.early.cancel(doc_ids)

    def stop(self) -> None:
        """After a failure: stop the workers (their pipes close), then the thread ends."""
        if self.thread.is_alive():
            self.early.process.terminate()
        self.thread.join()


def _early_workers(started: EarlyWorkers | None, options: BuildOptions,
                   previous: Manifest) -> EarlyWorkers | None:
    """The caller's early workers, else ones started now, if this build wants them."""
    if started is None:
        return start_early_workers(options, bool(previous.entries))
    if not previous.entries:  # another build changed the output since the caller looked
        started.close()
        return None
    return started


@dataclass
class _Ahead:
    """The build's hook after loading: plans from the library as loaded and starts rendering
    on the early workers (RenderAhead) if the plan is small enough for them."""

    early: EarlyWorkers | None
    previous: Manifest
    options: BuildOptions
    templates: str
    signer: str
    progress: Progress | None
    prints: Fingerprints | None = None
    render: RenderAhead | None = None

    def __call__(self, library: Library, loaded: list[Diagnostic]) -> None:
        if self.early is None:
            return
        failing = {d.file for d in loaded if d.is_error}
        refused = beyond_limits(library)  # R112: never sent to a worker, not even ahead
        library = _with_versions(library, self.options)
        self.prints = Fingerprints(library, self.options, self.templates, self.signer)
        likely = plan_build(CheckResult(library, loaded),
                            [r for r in library.routines
                             if r.display not in failing and r.document.id not in refused], [],
                            self.previous, self.options, self.templates, self.signer,
                            self.prints)
        if 0 < len(likely.jobs) <= EARLY_MAX_JOBS:
            self.render = RenderAhead(self.early, likely.jobs, library, self.options,
                                      self.progress)


def _build_locked(path: Path, options: BuildOptions, progress: Progress | None,
                  prune: bool, inputs: BuildInputs,
                  started: EarlyWorkers | None = None) -> BuildResult:
    output = options.output
    previous, templates, signer, stamp = (inputs.previous, inputs.templates, inputs.signer,
                                          inputs.stamp)
    early = _early_workers(started, options, previous)
    ahead = _Ahead(early, previous, options, templates, signer, progress)
    try:
        check = run_check(path, CheckOptions(today=options.today), read_card_cache(), ahead)
        write_card_cache(check.layout)
        # The loaded library and the imports live until the build ends: the cyclic collector
        # need not scan them again at every full collection while the index renders and the
        # results come in (one change in 200 routines: ~0.2 s of CPU). Later garbage is
        # collected as before; run_build unfreezes when the build ends.
        if gc.get_freeze_count() == 0:
            gc.freeze()
        library = _with_versions(check.library, options)
        result = BuildResult(check.documents, list(check.diagnostics), check)
        failing = {d.file for d in check.diagnostics if d.is_error}
        buildable = [r for r in library.routines if r.display not in failing]
        result.not_built = sorted(r.document.id for r in library.routines
                                  if r.display in failing)
        if ahead.render is not None and result.not_built:
            ahead.render.cancel(set(result.not_built))

        prints = ahead.prints if ahead.prints is not None else Fingerprints(
            library, options, templates, signer)
        plan = plan_build(check, buildable, result.not_built, previous, options, templates,
                          signer, prints)
        result.up_to_date = plan.up_to_date
        index_pages: list[EarlyIndex | None] = []
        if ahead.render is not None:
            # The index renders here while the workers finish what they began during the rules.
            index_pages.append(render_index_early(library, plan, previous, options))
            results = ahead.render.results(plan.jobs, library, options, progress)
            ahead.render = None
        else:
            if early is not None and not 0 < len(plan.jobs) <= EARLY_MAX_JOBS:
                early.close()  # nothing to render, or enough that forking after the check pays
                early = None
            results = render_all(plan.jobs, library, options, progress, early, lambda: (
                index_pages.append(render_index_early(library, plan, previous, options))))
    finally:
        if ahead.render is not None:
            ahead.render.stop()
        if early is not None:
            early.close()
    pending = collect(results, library, plan, result)
    orphan_files = orphans(previous, library, plan, prune, result)
    staging = Staging(output)
    write_outputs(staging, pending, plan, result)
    index = write_index(staging, library, plan, options, previous, result,
                        index_pages[0] if index_pages else None)
    write_manifest_last(staging, plan, stamp, index, result)
    if prune and orphan_files:
        result.pruned = _prune(output, orphan_files)
    return result


# --- helpers ------------------------------------------------------------------------------------

def _with_versions(library: Library, options: BuildOptions) -> Library:
    """The library with the archive copies of versions in force that their working copy no
    longer is: both are published (a routine under revision stays in force for staff)."""
    return dataclasses.replace(library, versions=in_force_units(library, options.today))


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


def _document_outputs(library: Library,
                      entries: dict[str, ManifestEntry]) -> list[DocumentOutputs]:
    # One pass over the entries (a build of 200 routines has ~1,200), not one per routine.
    by_document: dict[str, dict[str, tuple[str, ...]]] = {}
    for key, entry in entries.items():
        parts = key.split(":")
        by_document.setdefault(parts[0], {})[parts[1]] = entry.files
    outputs = []
    for routine in library.units:
        files = by_document.get(library.unit_key(routine))
        if files:
            outputs.append(DocumentOutputs(routine, output_folder(routine.document), files))
    # Earlier versions' files still on disk (kept entries without a routine of their own).
    for unit, files in by_document.items():
        doc_id = unit_document_id(unit)
        working = library.by_id(doc_id)
        if unit != doc_id and library.unit(unit) is None and working is not None:
            outputs.append(DocumentOutputs(working, output_folder(working.document), files,
                                           unit.split("@v", 1)[1]))
    return outputs


def _render_index(library: Library, outputs: list[DocumentOutputs],
                  options: BuildOptions) -> list[Artifact]:
    from builder.render.index import render_index

    return render_index(library, outputs, options)
