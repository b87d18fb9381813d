"""Render workers, and how they start: before the check when a build has little to render.

A build that renders a handful of outputs (one routine changed) would otherwise spend its
first second checking the library and only then import WeasyPrint and the other renderers
(~0.45 s of CPU) before forking its pool. ``EarlyWorkers`` fork before the check and import
the renderers while the build process loads and checks the library on the other core; each
job then travels to them with the part of the library its routine shows (itself, its
samverkansrutin and that group's arbetsrutiner: what fingerprint.dependency_view hashes).

Every worker dies with the build (Linux: the kernel's parent-death signal), ignores Ctrl-C
(the build stops its workers itself), and a worker that dies mid-job fails only that job.
Jobs of a routine the rules refuse are cancelled (``EarlyWorkers.cancel``): those not yet sent
are dropped, and a worker rendering one is killed (issue 25: a routine the rules refuse must
not keep the build rendering for minutes).
"""

from __future__ import annotations

import contextlib
import ctypes
import dataclasses
import multiprocessing
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from typing import TYPE_CHECKING

from builder.render import RENDERERS, Artifact, RenderContext, get_renderer, group_id

# The model is imported where used: the build command forks the early workers before it
# imports the model (see EarlyWorkers), so importing this module stays cheap (~0.05 s).
if TYPE_CHECKING:
    from builder.load.library import Library
    from builder.options import BuildOptions

Job = tuple[str, str]  # (document id, format)
Progress = Callable[[int, int], None]
PR_SET_PDEATHSIG = 1
STOP_TIMEOUT_S = 5.0  # for idle workers to see their pipe close and exit
CANCELLED = "avbröts: regelkontrollen stoppade rutinen"
NO_WORKER = "arbetsprocessen avslutades oväntat"


@dataclass(frozen=True)
class WorkerStarted:
    """A worker's first message: its process id, so that a job can be cancelled by ending
    the worker that renders it."""

    pid: int


@dataclass(frozen=True)
class JobResult:
    """What one render job returned: its files, or the error that stopped it."""

    doc_id: str
    fmt: str
    artifacts: tuple[Artifact, ...]
    error: str | None = None
    stops_build: bool = False  # the error stops the whole build (RutinError.stops_build)


def die_with_parent(parent: int) -> None:
    """Linux: the kernel SIGKILLs this worker when the build process dies, however it dies."""
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent:  # the build died before prctl took effect: as the kernel would
        os.kill(os.getpid(), signal.SIGKILL)


@contextlib.contextmanager
def libraries_found_by_ldconfig() -> Iterator[None]:
    """While WeasyPrint loads its C libraries, ``ctypes.util.find_library`` asks only the
    linker cache (``ldconfig -p``).

    WeasyPrint tries each library under several platforms' names (``libgobject-2.0-0``,
    ``gobject-2.0-0``, … ``libgobject-2.0.so.0``), and cffi passes every name that does not
    open to find_library, which on Linux falls back to running gcc and ld: ~50 processes,
    ~0.3 s of wall time per import. The cache answers the names that exist exactly as
    find_library's first step would; the names of other platforms then fail at once. Used
    only on Linux when that first step exists; an import that fails is retried without it.
    """
    import ctypes.util

    lookup = getattr(ctypes.util, "_findSoname_ldconfig", None)
    if not sys.platform.startswith("linux") or lookup is None:
        yield
        return
    original = ctypes.util.find_library

    def find_library(name: str) -> str | None:
        found = lookup(name)
        return found if isinstance(found, str) else None

    ctypes.util.find_library = find_library
    try:
        yield
    finally:
        ctypes.util.find_library = original


def warm_up(formats: set[str]) -> None:
    """Import the renderers of ``formats`` (WeasyPrint among them: ~0.45 s of CPU)."""
    try:
        with libraries_found_by_ldconfig():
            for fmt in sorted(formats):
                get_renderer(fmt)
    except OSError:  # a library only gcc or ld could find: WeasyPrint's own search
        for fmt in sorted(formats):
            get_renderer(fmt)


def render_job(ctx: RenderContext, fmt: str) -> JobResult:
    """Render and sign one output; an exception becomes the job's error."""
    doc_id = ctx.library.unit_key(ctx.routine)
    try:
        artifacts = list(get_renderer(fmt)(ctx))
        if ctx.options.sign and ctx.document.is_approved and RENDERERS[fmt].signed:
            from builder.signing.sign import sign_artifacts

            artifacts = sign_artifacts(ctx, artifacts)
    except Exception as exc:  # noqa: BLE001 - one failing document must not stop the others
        if getattr(exc, "stops_build", False):  # unless it stops them all (a refused PIN)
            return JobResult(doc_id, fmt, (), str(exc), stops_build=True)
        return JobResult(doc_id, fmt, (), f"{type(exc).__name__}: {exc}")
    return JobResult(doc_id, fmt, tuple(artifacts))


def raise_if_stopped(result: JobResult) -> JobResult:
    """``result``, unless its error stops the whole build: then that error, in this process."""
    if result.stops_build:
        from builder.errors import BuildStopped

        raise BuildStopped(result.error or "")
    return result


def shown_library(library: Library, doc_id: str) -> Library:
    """The part of ``library`` a document's outputs show: its group (the samverkansrutin and
    its arbetsrutiner), in library order, with the organisation."""
    from builder.model import Arbetsrutin

    routine = library.unit(doc_id)
    assert routine is not None
    group = group_id(routine.document)
    kept = tuple(r for r in library.routines
                 if r.document.id == group
                 or (isinstance(r.document, Arbetsrutin) and r.document.parent == group))
    versions = tuple(v for v in library.versions if v is routine)
    return dataclasses.replace(library, routines=kept, versions=versions)


def _serve(connection: Connection) -> None:
    """Render each job sent until the pipe closes."""
    while True:
        try:
            ctx, fmt = connection.recv()
        except (EOFError, OSError):
            return
        connection.send(render_job(ctx, fmt))


def _importer(connections: list[Connection], builds: list[Connection], formats: set[str],
              parent: int) -> None:
    """Import the renderers once, then fork every worker from here: they share the import
    instead of each repeating it (~0.35 s of CPU a worker). It renders nothing itself, so a
    worker that dies takes only its own job with it; it lives as long as they do.

    The build's ends of the pipes (``builds``) are closed here first, so a worker reads the
    end of its pipe when the build closes it, and everyone exits (and is waited for)."""
    for build in builds:
        build.close()
    die_with_parent(parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    warm_up(formats)
    context = multiprocessing.get_context("fork")
    started = []
    for index, connection in enumerate(connections):
        others = [c for i, c in enumerate(connections) if i != index]
        process = context.Process(target=_forked_worker, args=(connection, others, os.getpid()),
                                  daemon=True, name="rutin-render")
        process.start()
        started.append(process)
        connection.close()  # theirs alone now: its end of the pipe closes with it
    for process in started:
        process.join()


def _forked_worker(connection: Connection, others: list[Connection], parent: int) -> None:
    """A worker: it keeps no other worker's pipe open (so the build sees a pipe close when
    its worker dies), dies with the importer (which dies with the build), serves its pipe."""
    for other in others:
        other.close()
    die_with_parent(parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        connection.send(WorkerStarted(os.getpid()))
    except OSError:
        return
    _serve(connection)


def start_early_workers(options: BuildOptions, has_built: bool) -> EarlyWorkers | None:
    """Workers that import the renderers while the build loads and checks, for a rebuild (the
    last build's manifest has entries: most outputs are likely current) with more than one
    process."""
    formats = {f for f in options.formats if f in RENDERERS}
    if options.jobs <= 1 or not has_built or not formats:
        return None
    return EarlyWorkers(min(options.jobs, len(formats)), formats)


class EarlyWorkers:
    """Workers forked now, importing the renderers while the build checks the library.

    The build forks an importer; it imports the renderers and forks the workers, which die
    with it as it dies with the build. The build talks to each worker through its own pipe.
    """

    def __init__(self, count: int, formats: set[str]) -> None:
        context = multiprocessing.get_context("fork")
        pipes = [context.Pipe() for _ in range(count)]
        # Not a daemon: it starts workers of its own. close() stops it; so does the kernel
        # when the build dies (die_with_parent).
        self.process = context.Process(target=_importer,
                                       args=([theirs for _, theirs in pipes],
                                             [ours for ours, _ in pipes], formats,
                                             os.getpid()), daemon=False, name="rutin-render")
        self.process.start()
        for _, theirs in pipes:
            theirs.close()
        self.connections = [ours for ours, _ in pipes]
        self.used = False
        # Shared with the thread that renders (RenderAhead) and the one that cancels.
        self.lock = threading.Lock()
        self.pids: dict[Connection, int] = {}
        self.busy: dict[Connection, Job] = {}
        self.cancelled: set[str] = set()
        self.killed = 0  # workers ended by cancel(): the jobs left need another pool

    def cancel(self, doc_ids: set[str]) -> None:
        """Render nothing more of ``doc_ids``: their jobs not yet sent are dropped, and each
        worker rendering one is killed (its job ends as cancelled, never as a failure)."""
        with self.lock:
            self.cancelled |= doc_ids
            for connection, job in self.busy.items():
                pid = self.pids.get(connection)
                if job[0] in doc_ids and pid is not None:
                    with contextlib.suppress(OSError):
                        os.kill(pid, signal.SIGKILL)
                    self.killed += 1

    def render(self, jobs: list[Job], library: Library, options: BuildOptions,
               progress: Progress | None, meanwhile: Callable[[], None] | None = None,
               after_each: Callable[[], None] | None = None) -> dict[Job, JobResult]:
        """Render ``jobs`` in this order, each on the next free worker; ``meanwhile`` runs once
        the first jobs are sent, ``after_each`` after each result."""
        self.used = True
        run = _Run(list(jobs), list(self.connections), progress, after_each, len(jobs), self)
        try:
            while run.pending or run.busy:
                run.dispatch(library, options)
                if meanwhile is not None:
                    meanwhile()
                    meanwhile = None
                run.collect()
        except BaseException:
            self.process.terminate()  # the workers die with it: nothing more renders
            raise
        return run.done

    def close(self) -> None:
        """Stop every worker. After rendering, closing the pipes ends them (each is waited
        for); unused ones may still be importing, so the importer is stopped by SIGTERM and
        its workers with it (their parent-death signal), as after a timeout."""
        for connection in self.connections:
            connection.close()
        self.connections = []
        if self.used:
            self.process.join(timeout=STOP_TIMEOUT_S)
        if self.process.is_alive():
            self.process.terminate()
        self.process.join()


@dataclass
class _Run:
    """One render's bookkeeping: jobs not yet sent, jobs on a worker, results."""

    pending: list[Job]
    idle: list[Connection]
    progress: Progress | None
    after_each: Callable[[], None] | None
    total: int
    workers: EarlyWorkers
    done: dict[Job, JobResult] = field(default_factory=dict)

    @property
    def busy(self) -> dict[Connection, Job]:
        """Jobs on a worker (shared with ``EarlyWorkers.cancel``: changed under its lock)."""
        return self.workers.busy

    def finish(self, job: Job, result: JobResult) -> None:
        self.done[job] = raise_if_stopped(result)
        if self.after_each is not None:
            self.after_each()
        if self.progress is not None:
            self.progress(len(self.done), self.total)

    def dispatch(self, library: Library, options: BuildOptions) -> None:
        """Send the next jobs to idle workers; with no worker left, the rest fail."""
        while self.idle and self.pending:
            job = self.pending.pop(0)
            if job[0] in self.workers.cancelled:
                self.finish(job, JobResult(job[0], job[1], (), CANCELLED))
                continue
            connection = self.idle.pop()
            shown = shown_library(library, job[0])
            routine = shown.unit(job[0])
            assert routine is not None
            try:
                with self.workers.lock:
                    self.busy[connection] = job
                connection.send((RenderContext(routine, shown, options), job[1]))
            except OSError:
                with self.workers.lock:
                    self.busy.pop(connection, None)
                self.finish(job, _died(job))  # this worker is gone: not put back to work
        if not self.busy:
            for job in self.pending:
                self.finish(job, _died(job))
            self.pending.clear()

    def collect(self) -> None:
        """Wait for at least one result and take every result that is ready."""
        if not self.busy:
            return
        for ready in wait(list(self.busy)):
            assert isinstance(ready, Connection)
            try:
                result = ready.recv()
            except (EOFError, OSError):
                with self.workers.lock:
                    job = self.busy.pop(ready)
                cancelled = job[0] in self.workers.cancelled
                # this worker is gone: not put back to work
                self.finish(job, JobResult(job[0], job[1], (), CANCELLED) if cancelled
                            else _died(job))
                continue
            if isinstance(result, WorkerStarted):  # its first message: the job is still on
                with self.workers.lock:
                    self.workers.pids[ready] = result.pid
                continue
            with self.workers.lock:
                job = self.busy.pop(ready)
            self.idle.append(ready)
            self.finish(job, result)


def _died(job: Job) -> JobResult:
    return JobResult(job[0], job[1], (), NO_WORKER)
