"""`rutin serve`: a local preview of the library that follows the author's edits.

A stdlib HTTP server on 127.0.0.1 (a free port unless one is asked for): no framework to
install, and nothing listens beyond this machine. Pages are the build's own HTML view
(builder/render/html.py) with a findings panel and a small script that polls a change counter;
a watchfiles thread bumps the counter on every save, so the open page reloads within a fraction
of a second. Only routine files found in the library are served, addressed by their path
relative to the library; every other path is refused.

A web page the author visits can reach 127.0.0.1 too, so the preview trusts no request by its
address alone (issue 25): the Host header must name 127.0.0.1, localhost or [::1] with this
port (DNS rebinding: a foreign name that resolves here gets 421), a request other than GET with
a foreign Origin is refused, connections are served by a fixed pool of threads with an idle
timeout (1,500 idle connections hold no more threads than 15 do), and every render goes through
one bounded queue: one render at a time (WeasyPrint's Pango is not thread-safe; the GIL would
serialise them anyway), a request for a routine being rendered shares that render, and beyond a
few waiting requests the answer is 503 at once.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import os
import queue
import selectors
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import unquote, urlsplit

from builder.check import run_check
from builder.diagnostics import Diagnostic
from builder.load.library import (
    Library,
    RoutineFile,
    find_library_root,
    routine_paths,
    walk_library,
)
from builder.load.safe_paths import file_problem, printable, resolve_safely
from builder.options import BuildOptions
from builder.text.plural import count

POLL_MS = 250
PAGE_PREFIX = "/rutin/"
PDF_PREFIX = "/pdf/"
CHANGES = "/andringar"
LOCAL_HOSTS = ("127.0.0.1", "localhost", "[::1]")
SAFE_METHODS = ("GET", "HEAD")
POOL_THREADS = 16  # connections served at once; the others wait in the queue below
QUEUED_CONNECTIONS = 64  # accepted but not yet served; beyond it a connection gets 503 at once
IDLE_TIMEOUT_S = 5.0  # a connection that sends nothing for this long is closed
RENDER_WAITING = 6  # requests waiting for the one render slot; beyond it 503 at once
BUSY = ("Förhandsvisningen har för många sidor och PDF:er på gång just nu; "
        "försök igen om en stund.")
PANEL_CSS = """
.rb-panel{position:fixed;right:1rem;bottom:1rem;max-width:34rem;max-height:40vh;overflow:auto;
background:#fff;border:2px solid #555;border-radius:6px;padding:.6rem .9rem;font:14px/1.4
sans-serif;box-shadow:0 2px 10px rgba(0,0,0,.2);z-index:10}
.rb-panel.rb-clean{border-color:#2e7d32}.rb-panel.rb-errors{border-color:#b00020}
.rb-panel h2{font-size:15px;margin:0 0 .4rem}.rb-panel ul{margin:0;padding-left:1.1rem}
.rb-panel code{font-size:13px}.rb-panel a{margin-right:1rem}
@media print{.rb-panel{display:none}}
"""
SCRIPT = """
<script>
(function () {
  var seen = null;
  function poll() {
    fetch('%(changes)s', {cache: 'no-store'}).then(function (r) { return r.json(); })
      .then(function (d) {
        if (seen === null) { seen = d.andringar; }
        else if (d.andringar !== seen) { location.reload(); return; }
        setTimeout(poll, %(poll)d);
      }).catch(function () { setTimeout(poll, 1000); });
  }
  poll();
})();
</script>
"""


class Busy(Exception):
    """The render queue is full: the request is answered 503 at once."""


RenderKey = tuple[str, str]  # (routine path, "sida" or "pdf")
KEPT_RENDERS = 16  # results kept for requests that come while nothing changed


@dataclass
class _InFlight:
    stamp: tuple[Any, ...]
    done: threading.Event = field(default_factory=threading.Event)


class RenderQueue:
    """Every render of the preview, one at a time, with at most ``waiting`` requests waiting.

    A request for a page or PDF whose render is under way (or just finished) with the same
    ``stamp`` (the change counter, the day and the file's stat: nothing changed since) takes
    that render's result instead of queueing one of its own, so a burst of requests for one
    routine costs one render. Other requests wait for the slot, or get ``Busy`` when
    ``waiting`` already do.
    """

    def __init__(self, waiting: int = RENDER_WAITING) -> None:
        self._lock = threading.Lock()
        self._slot = threading.Lock()
        self._admitted = 0
        self._limit = waiting + 1  # the one rendering and those waiting for it
        self._kept: dict[RenderKey, tuple[tuple[Any, ...], Any]] = {}
        self._in_flight: dict[RenderKey, _InFlight] = {}

    def run(self, key: RenderKey, stamp: tuple[Any, ...], render: Callable[[], Any]) -> Any:
        """``render()``'s result, or that of a render of ``key`` with the same ``stamp``."""
        while True:
            with self._lock:
                kept = self._kept.get(key)
                if kept is not None and kept[0] == stamp:
                    return kept[1]
                flight = self._in_flight.get(key)
                if flight is None or flight.stamp != stamp:
                    if self._admitted >= self._limit:
                        raise Busy
                    self._admitted += 1
                    flight = self._in_flight[key] = _InFlight(stamp)
                    break
            flight.done.wait()  # shared: its result is kept, or it failed and we try ourselves
        try:
            with self._slot:
                value = render()
            with self._lock:
                self._kept.pop(key, None)
                self._kept[key] = (stamp, value)
                while len(self._kept) > KEPT_RENDERS:
                    del self._kept[next(iter(self._kept))]
            return value
        finally:
            with self._lock:
                self._admitted -= 1
                if self._in_flight.get(key) is flight:
                    del self._in_flight[key]
            flight.done.set()


@dataclass
class PreviewState:
    """The library being previewed and a counter that every saved change bumps."""

    root: Path
    today: Callable[[], dt.date] = dt.date.today
    generation: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    stop: threading.Event = field(default_factory=threading.Event)
    renders: RenderQueue = field(default_factory=RenderQueue)

    def stamp(self, path: Path) -> tuple[Any, ...]:
        """What a render of ``path`` depends on that can change: the change counter (every
        save below the library), the day, and the file itself (its save may not be counted
        yet)."""
        try:
            info = os.stat(path)
            seen: tuple[int, ...] = (info.st_mtime_ns, info.st_size, info.st_ino)
        except OSError:
            seen = ()
        return (self.generation, self.today(), seen)

    def bump(self) -> None:
        """Count one more change (the open pages poll this counter)."""
        with self.lock:
            self.generation += 1

    def routine_file(self, relative: str) -> Path | None:
        """The routine file ``relative`` names inside the library, or None (never outside)."""
        text = unquote(relative)
        parts = PurePosixPath(text).parts
        if not text or "\\" in text or "\0" in text or text.startswith("/") or ".." in parts:
            return None
        root = self.root.resolve()
        candidate, _ = resolve_safely(root / text)
        if candidate is None or not candidate.is_relative_to(root):
            return None
        known = {resolved for p in routine_paths(root) if file_problem(p, root) is None
                 and (resolved := resolve_safely(p)[0]) is not None}
        return candidate if candidate in known else None

    def relative(self, path: Path) -> str:
        """The path as the preview's URLs name it: relative to the library."""
        return path.resolve().relative_to(self.root.resolve()).as_posix()


def _findings_for(path: Path, diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    wanted = path.resolve()
    return [d for d in diagnostics if resolve_safely(Path(d.file))[0] == wanted]


def panel_html(relative: str, findings: list[Diagnostic]) -> str:
    """The findings of `rutin check` for this file, and the PDF link."""
    errors = sum(1 for d in findings if d.is_error)
    css = "rb-errors" if errors else ("rb-clean" if not findings else "")
    heading = ("Inga anmärkningar från rutin check" if not findings
               else f"rutin check: {errors} fel, "
                  f"{count(len(findings) - errors, 'varning', 'varningar')}")
    items = "".join(f"<li><code>{html.escape(d.format_text())}</code></li>" for d in findings)
    return (f'<aside class="rb-panel {css}" id="rb-fynd" aria-live="polite">'
            f"<h2>{html.escape(heading)}</h2>"
            + (f"<ul>{items}</ul>" if items else "")
            + f'<p><a href="{PDF_PREFIX}{html.escape(relative)}" target="_blank">'
            "PDF av nuvarande version</a><a href=\"/\">Alla rutiner</a></p></aside>")


def _decorate(page: str, panel: str) -> str:
    extra = (f"<style>{PANEL_CSS}</style>{panel}"
             + SCRIPT % {"changes": CHANGES, "poll": POLL_MS})
    return page.replace("</body>", extra + "</body>", 1) if "</body>" in page else page + extra


def _context(state: PreviewState, path: Path) -> tuple[Library, RoutineFile | None,
                                                       list[Diagnostic]]:
    result = run_check(find_library_root(path))
    routine = next((r for r in result.library.routines if r.path.resolve() == path), None)
    return result.library, routine, _findings_for(path, result.diagnostics)


def routine_page(state: PreviewState, path: Path) -> str:
    """The routine's HTML page as the build renders it, with the panel and reload script."""
    from builder.render import RenderContext
    from builder.render.html import document_html

    library, routine, findings = _context(state, path)
    relative = state.relative(path)
    panel = panel_html(relative, findings)
    if routine is None:
        page = ("<!DOCTYPE html><html lang=\"sv\"><head><meta charset=\"utf-8\">"
                f"<title>{html.escape(relative)}</title></head><body><main>"
                f"<h1>{html.escape(relative)} kan inte visas</h1><p>Filen har fel som hindrar "
                "att den läses in; se rutan med fynd. Sidan laddas om när du sparar.</p>"
                "</main></body></html>")
        return _decorate(page, panel)
    options = BuildOptions(today=state.today(), sign=False)
    page = document_html(RenderContext(routine, library, options), for_pdf=False)
    return _decorate(page, panel)


def routine_pdf(state: PreviewState, path: Path) -> bytes | None:
    """The PDF of what the file says now (unsigned), or None when it does not load."""
    from builder.render import RenderContext
    from builder.render.pdf import render_pdf

    library, routine, _ = _context(state, path)
    if routine is None:
        return None
    options = BuildOptions(today=state.today(), sign=False)
    return render_pdf(RenderContext(routine, library, options))[0].data


def index_page(state: PreviewState) -> str:
    """Every routine file of the library, linked; files that are not served (a link outside
    routines/, a loop, a FIFO) and linked folders listed as findings, as `rutin check` has
    them."""
    root = state.root
    paths, linked = walk_library(root)
    rows: list[str] = []
    problems = [d.format_text() for d in linked]
    for path in paths:
        shown = printable(path.relative_to(root).as_posix())
        problem = file_problem(path, root)
        if problem is not None:
            problems.append(f"{shown}: {problem[0]} {problem[1]}")
            continue
        try:
            relative = state.relative(path)
        except (ValueError, OSError, RuntimeError):  # changed since it was looked at
            problems.append(f"{shown}: filen ändrades medan den lästes; ladda om sidan")
            continue
        rows.append(f'<li><a href="{PAGE_PREFIX}{html.escape(relative)}">'
                    f"{html.escape(printable(relative))}</a></li>")
    body = "".join(rows) or "<li>Inga rutiner hittades.</li>"
    found = "".join(f"<li><code>{html.escape(p)}</code></li>" for p in problems)
    findings = (f'<section id="rb-ej-visade"><h2>Filer som inte visas</h2><ul>{found}</ul>'
                "</section>") if found else ""
    return ("<!DOCTYPE html><html lang=\"sv\"><head><meta charset=\"utf-8\">"
            "<title>Förhandsvisning – Rutinbyggaren</title></head><body><main>"
            f"<h1>Förhandsvisning</h1><ul>{body}</ul>{findings}</main>"
            + SCRIPT % {"changes": CHANGES, "poll": POLL_MS} + "</body></html>")


class PreviewHandler(BaseHTTPRequestHandler):
    """GET only: the index, a routine page, its PDF, the change counter. Nothing else, and
    nothing for a Host header that does not name this server."""

    server: PreviewHTTPServer
    protocol_version = "HTTP/1.1"
    timeout = IDLE_TIMEOUT_S  # per socket operation: an idle connection is closed after it

    def do_GET(self) -> None:
        """Answer one request."""
        if not self._host_is_ours():
            return
        try:
            self._answer_get()
        except Busy:
            self._refuse(HTTPStatus.SERVICE_UNAVAILABLE, BUSY, retry_after=True)
        except Exception as exc:  # noqa: BLE001 - one failing page must not end the preview
            self._refuse(HTTPStatus.INTERNAL_SERVER_ERROR,
                         f"Sidan kunde inte visas: {type(exc).__name__}: {exc}")

    def _answer_get(self) -> None:
        state = self.server.state
        url = urlsplit(self.path)
        route = url.path
        if route == "/":
            self._send(HTTPStatus.OK, "text/html; charset=utf-8", index_page(state).encode())
        elif route == CHANGES:
            body = json.dumps({"andringar": state.generation}).encode()
            self._send(HTTPStatus.OK, "application/json", body)
        elif route.startswith((PAGE_PREFIX, PDF_PREFIX)):
            self._routine(state, route)
        else:
            self._refuse(HTTPStatus.NOT_FOUND, "Sidan finns inte.")

    def _not_get(self) -> None:
        """Any other method: refused, and first of all from another web site."""
        if not self._host_is_ours():
            return
        origin = self.headers.get("Origin")
        if origin is not None and origin.lower() not in self.server.origins:
            self._refuse(HTTPStatus.FORBIDDEN, "Förfrågningar från andra webbplatser tas inte "
                         "emot av förhandsvisningen.")
            return
        self._refuse(HTTPStatus.METHOD_NOT_ALLOWED, "Förhandsvisningen tar bara emot GET.")

    do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_HEAD = _not_get

    def _host_is_ours(self) -> bool:
        """True when the Host header names this server; else 421 (or 400 without one)."""
        hosts = self.headers.get_all("Host") or []
        if len(hosts) != 1:
            self._refuse(HTTPStatus.BAD_REQUEST, "Förfrågan saknar en (enda) Host-rad.")
            return False
        if hosts[0].strip().lower() not in self.server.hosts:
            self._refuse(HTTPStatus.MISDIRECTED_REQUEST,
                         "Förhandsvisningen svarar bara på adressen "
                         f"{self.server.url} (eller localhost med samma port).")
            return False
        return True

    def _routine(self, state: PreviewState, route: str) -> None:
        prefix = PAGE_PREFIX if route.startswith(PAGE_PREFIX) else PDF_PREFIX
        path = state.routine_file(route[len(prefix):])
        if path is None:
            self._refuse(HTTPStatus.NOT_FOUND, "Ingen rutin med den sökvägen i biblioteket.")
            return
        stamp = state.stamp(path)
        if prefix == PAGE_PREFIX:
            page = state.renders.run((str(path), "sida"), stamp,
                                     lambda: routine_page(state, path))
            self._send(HTTPStatus.OK, "text/html; charset=utf-8", page.encode("utf-8"))
            return
        pdf = state.renders.run((str(path), "pdf"), stamp, lambda: routine_pdf(state, path))
        if pdf is None:
            self._refuse(HTTPStatus.CONFLICT, "Rutinen har fel som hindrar en PDF; se fynden.")
        else:
            self._send(HTTPStatus.OK, "application/pdf", pdf)

    def _refuse(self, status: HTTPStatus, message: str, retry_after: bool = False) -> None:
        body = (f"<!DOCTYPE html><html lang=\"sv\"><meta charset=\"utf-8\"><title>{status.value}"
                f"</title><p>{html.escape(message)}</p></html>").encode()
        extra = {"Retry-After": "2"} if retry_after else {}
        if status == HTTPStatus.METHOD_NOT_ALLOWED:
            extra["Allow"] = "GET"
        self._send(status, "text/html; charset=utf-8", body, extra)

    def _send(self, status: HTTPStatus, content_type: str, body: bytes,
              extra: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        if status >= 400:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the terminal shows the URL and errors, not every poll."""
        return  # quiet: the terminal shows the URL and errors, not every poll


TURNED_AWAY = ("HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\n"
               f"Content-Length: {len(BUSY.encode())}\r\nRetry-After: 2\r\nConnection: close"
               f"\r\n\r\n{BUSY}").encode()
DOORMAN_WAIT_S = 1.0  # how long a turned-away connection may take to send its request
HEAD_END = b"\r\n\r\n"


class Doorman:
    """One thread that answers 503 to connections the pool has no room for, all at once
    through a selector: it reads each request's head first (closing a socket with unread
    data makes the kernel reset the connection, and the client would never see the 503),
    and closes one that sends nothing within DOORMAN_WAIT_S."""

    def __init__(self) -> None:
        self.selector = selectors.DefaultSelector()
        self.lock = threading.Lock()
        self.arrived: list[socket.socket] = []
        self.wake_read, self.wake_write = socket.socketpair()
        self.wake_read.setblocking(False)
        self.selector.register(self.wake_read, selectors.EVENT_READ, None)
        self.closed = False
        threading.Thread(target=self._run, daemon=True, name="rutin-serve-503").start()

    def turn_away(self, connection: socket.socket) -> None:
        """Answer ``connection`` 503 once its request has arrived (or it gave up)."""
        with self.lock:
            self.arrived.append(connection)
        self._wake()

    def close(self) -> None:
        """Stop the thread (it closes what it still holds)."""
        self.closed = True
        self._wake()

    def _wake(self) -> None:
        try:
            self.wake_write.send(b"\0")
        except OSError:
            pass

    def _run(self) -> None:
        heads: dict[socket.socket, tuple[float, bytes]] = {}
        while not self.closed:
            now = time.monotonic()
            for key, _ in self.selector.select(timeout=0.2):
                if key.fileobj is self.wake_read:
                    self._take_new(heads, now)
                    continue
                connection = key.fileobj
                assert isinstance(connection, socket.socket)
                self._read(connection, heads)
            for connection, (since, _) in list(heads.items()):
                if now - since > DOORMAN_WAIT_S:
                    self._finish(connection, heads, answer=False)
        for connection in list(heads):
            self._finish(connection, heads, answer=False)

    def _take_new(self, heads: dict[socket.socket, tuple[float, bytes]], now: float) -> None:
        try:
            while self.wake_read.recv(4096):
                pass
        except OSError:
            pass
        with self.lock:
            arrived, self.arrived = self.arrived, []
        for connection in arrived:
            try:
                connection.setblocking(False)
                self.selector.register(connection, selectors.EVENT_READ, None)
                heads[connection] = (now, b"")
            except (OSError, ValueError):
                connection.close()

    def _read(self, connection: socket.socket,
              heads: dict[socket.socket, tuple[float, bytes]]) -> None:
        since, head = heads[connection]
        try:
            data = connection.recv(8192)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:
            self._finish(connection, heads, answer=False)
            return
        head = (head + data)[-8192:]
        heads[connection] = (since, head)
        if HEAD_END in head:
            self._finish(connection, heads, answer=True)

    def _finish(self, connection: socket.socket,
                heads: dict[socket.socket, tuple[float, bytes]], answer: bool) -> None:
        heads.pop(connection, None)
        try:
            self.selector.unregister(connection)
        except (KeyError, ValueError):
            pass
        try:
            if answer:
                connection.send(TURNED_AWAY)
                connection.shutdown(socket.SHUT_WR)
                try:  # a request body still on its way: read it so close() sends no reset
                    while connection.recv(65536):
                        pass
                except OSError:
                    pass
        except OSError:
            pass
        connection.close()


class PreviewHTTPServer(HTTPServer):
    """A server bound to 127.0.0.1 that carries the preview state and serves connections with
    a fixed pool of threads: accepted connections wait in a bounded queue, and one that finds
    the queue full is answered 503 and closed without a thread of its own."""

    request_queue_size = 128  # the listen backlog: a burst is accepted, then queued or answered

    def __init__(self, state: PreviewState, port: int = 0,
                 threads: int = POOL_THREADS, queued: int = QUEUED_CONNECTIONS) -> None:
        super().__init__(("127.0.0.1", port), PreviewHandler)
        self.doorman = Doorman()
        self.state = state
        bound = self.server_address[1]
        self.hosts = frozenset(f"{host}:{bound}" for host in LOCAL_HOSTS)
        self.origins = frozenset(f"http://{host}" for host in self.hosts)
        self.waiting: queue.Queue[tuple[socket.socket, Any] | None] = queue.Queue(queued)
        self.pool = [threading.Thread(target=self._serve_waiting, daemon=True,
                                      name="rutin-serve") for _ in range(threads)]
        for thread in self.pool:
            thread.start()

    @property
    def url(self) -> str:
        """The address to open in a browser."""
        return f"http://127.0.0.1:{self.server_address[1]}/"

    def process_request(self, request: Any, client_address: Any) -> None:
        """Queue the connection for the pool, or turn it away at once when the queue is full."""
        try:
            self.waiting.put_nowait((request, client_address))
        except queue.Full:
            self.doorman.turn_away(request)

    def _serve_waiting(self) -> None:
        while True:
            item = self.waiting.get()
            if item is None:
                return
            request, client_address = item
            try:
                self.finish_request(request, client_address)
            except Exception:  # noqa: BLE001 - a reset connection; handle_error stays quiet
                self.handle_error(request, client_address)
            finally:
                self.shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A connection that broke off (reset, timed out) ends quietly: the page answers for
        itself, and a traceback per broken connection would bury the terminal."""
        return

    def server_close(self) -> None:
        """Stop listening and let every pool thread end once the queue is served."""
        super().server_close()
        self.doorman.close()
        for _ in self.pool:
            try:
                self.waiting.put_nowait(None)
            except queue.Full:
                break  # daemon threads: they end with the process


def watch_library(state: PreviewState) -> None:
    """Bump the change counter on every change below the library (until ``state.stop``)."""
    from watchfiles import watch

    for _ in watch(state.root, stop_event=state.stop, debounce=50, step=20,
                   yield_on_timeout=False, raise_interrupt=False):
        state.bump()


def warm_up() -> None:
    """Load the layout engine and its fonts now: the pocket-card rule lays out a changed card
    with WeasyPrint, whose first import and font set-up (~1-2 s) would otherwise delay the
    first reload after a save."""
    import weasyprint  # type: ignore[import-untyped]

    weasyprint.HTML(string="<p>Rutinbyggaren</p>").render()


def start_preview(root: Path, port: int = 0) -> tuple[PreviewHTTPServer, threading.Thread]:
    """A server bound to 127.0.0.1 and a started watcher thread; the caller serves."""
    state = PreviewState(root)
    server = PreviewHTTPServer(state, port)
    watcher = threading.Thread(target=watch_library, args=(state,), daemon=True)
    watcher.start()
    threading.Thread(target=warm_up, daemon=True).start()
    return server, watcher
