"""`rutin serve`: a local preview of the library that follows the author's edits.

A stdlib ThreadingHTTPServer on 127.0.0.1 (a free port unless one is asked for): no framework
to install, one thread per request, and nothing listens beyond this machine. Pages are the
build's own HTML view (builder/render/html.py) with a findings panel and a small script that
polls a change counter; a watchfiles thread bumps the counter on every save, so the open page
reloads within a fraction of a second. Only routine files found in the library are served,
addressed by their path relative to the library; every other path is refused.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

from builder.check import run_check
from builder.diagnostics import Diagnostic
from builder.load.library import Library, RoutineFile, find_library_root, routine_paths
from builder.options import BuildOptions
from builder.text.plural import count

POLL_MS = 250
PAGE_PREFIX = "/rutin/"
PDF_PREFIX = "/pdf/"
CHANGES = "/andringar"
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


@dataclass
class PreviewState:
    """The library being previewed and a counter that every saved change bumps."""

    root: Path
    today: Callable[[], dt.date] = dt.date.today
    generation: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    stop: threading.Event = field(default_factory=threading.Event)

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
        candidate = (root / text).resolve()
        if not candidate.is_relative_to(root):
            return None
        known = {p.resolve() for p in routine_paths(root)}
        return candidate if candidate in known else None

    def relative(self, path: Path) -> str:
        """The path as the preview's URLs name it: relative to the library."""
        return path.resolve().relative_to(self.root.resolve()).as_posix()


def _findings_for(path: Path, diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    wanted = path.resolve()
    return [d for d in diagnostics if Path(d.file).resolve() == wanted]


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
    """Every routine file of the library, linked."""
    rows = []
    for path in routine_paths(state.root):
        relative = state.relative(path)
        rows.append(f'<li><a href="{PAGE_PREFIX}{html.escape(relative)}">'
                    f"{html.escape(relative)}</a></li>")
    body = "".join(rows) or "<li>Inga rutiner hittades.</li>"
    return ("<!DOCTYPE html><html lang=\"sv\"><head><meta charset=\"utf-8\">"
            "<title>Förhandsvisning – Rutinbyggaren</title></head><body><main>"
            f"<h1>Förhandsvisning</h1><ul>{body}</ul></main>"
            + SCRIPT % {"changes": CHANGES, "poll": POLL_MS} + "</body></html>")


class PreviewHandler(BaseHTTPRequestHandler):
    """GET only: the index, a routine page, its PDF, the change counter. Nothing else."""

    server: PreviewHTTPServer
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        """Answer one request."""
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

    def _routine(self, state: PreviewState, route: str) -> None:
        prefix = PAGE_PREFIX if route.startswith(PAGE_PREFIX) else PDF_PREFIX
        path = state.routine_file(route[len(prefix):])
        if path is None:
            self._refuse(HTTPStatus.NOT_FOUND, "Ingen rutin med den sökvägen i biblioteket.")
            return
        if prefix == PAGE_PREFIX:
            self._send(HTTPStatus.OK, "text/html; charset=utf-8",
                       routine_page(state, path).encode("utf-8"))
            return
        pdf = routine_pdf(state, path)
        if pdf is None:
            self._refuse(HTTPStatus.CONFLICT, "Rutinen har fel som hindrar en PDF; se fynden.")
        else:
            self._send(HTTPStatus.OK, "application/pdf", pdf)

    def _refuse(self, status: HTTPStatus, message: str) -> None:
        body = (f"<!DOCTYPE html><html lang=\"sv\"><meta charset=\"utf-8\"><title>{status.value}"
                f"</title><p>{html.escape(message)}</p></html>").encode()
        self._send(status, "text/html; charset=utf-8", body)

    def _send(self, status: HTTPStatus, content_type: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the terminal shows the URL and errors, not every poll."""
        return  # quiet: the terminal shows the URL and errors, not every poll


class PreviewHTTPServer(ThreadingHTTPServer):
    """A threading server bound to 127.0.0.1 that carries the preview state."""

    daemon_threads = True

    def __init__(self, state: PreviewState, port: int = 0) -> None:
        super().__init__(("127.0.0.1", port), PreviewHandler)
        self.state = state

    @property
    def url(self) -> str:
        """The address to open in a browser."""
        return f"http://127.0.0.1:{self.server_address[1]}/"


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
