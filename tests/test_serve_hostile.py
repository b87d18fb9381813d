"""`rutin serve` against a web page the author visits and a flood of connections: only its own
Host (DNS rebinding), no other origin for anything but GET, a bounded pool of threads for
connections, one bounded render queue (503 beyond it), and links out of routines/ shown as
findings on the index page. Network tests use 127.0.0.1 only."""

from __future__ import annotations

import http.client
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from tree_memory import PeakTreeRss, thread_count

from builder.authoring.preview import POOL_THREADS
from tests.serve_helpers import running_preview

ROOT = Path(__file__).resolve().parent.parent
ROUTINE = "sas-mobil-narvard/palliativt-team.yaml"
MAX_TREE_RSS_KB = 300 * 1024


@pytest.fixture()
def preview(tmp_path: Path) -> Iterator[tuple[int, Path, subprocess.Popen[str]]]:
    """`rutin serve` on a copy of the shipped library; (port, library, process)."""
    with running_preview(tmp_path) as (url, library, process):
        yield int(url.removeprefix("http://127.0.0.1:").rstrip("/")), library, process


def request(port: int, method: str, path: str, headers: dict[str, str] | None = None,
            host: str | None = None, body: bytes | None = None,
            timeout: float = 120) -> tuple[int, bytes]:
    """One request with exactly these headers (Host as given; the real one when None)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    connection.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
    connection.putheader("Host", host if host is not None else f"127.0.0.1:{port}")
    for name, value in (headers or {}).items():
        connection.putheader(name, value)
    if body is not None:
        connection.putheader("Content-Length", str(len(body)))
    connection.endheaders(body)
    response = connection.getresponse()
    data = response.read()
    connection.close()
    return response.status, data


@pytest.mark.parametrize("path", ["/", "/rutin/" + ROUTINE, "/pdf/" + ROUTINE, "/andringar"])
@pytest.mark.parametrize("host", ["attacker.example", "attacker.example:{port}",
                                  "127.0.0.1", "localhost:1", "127.0.0.1.nip.io:{port}"])
def test_a_foreign_host_header_is_refused(preview: tuple[int, Path, subprocess.Popen[str]],
                                          path: str, host: str) -> None:
    """A page on a rebinding domain reaches 127.0.0.1 with its own name in Host: 421."""
    port, _, _ = preview
    status, body = request(port, "GET", path, host=host.format(port=port))
    assert status in (421, 400), (host, path, status)
    assert b"%PDF" not in body and b"palliativ" not in body.lower()
    assert "Förhandsvisningen svarar bara på adressen".encode() in body


@pytest.mark.parametrize("host", ["127.0.0.1:{port}", "localhost:{port}", "[::1]:{port}",
                                  "LOCALHOST:{port}"])
def test_the_local_names_with_the_port_are_served(
        preview: tuple[int, Path, subprocess.Popen[str]], host: str) -> None:
    port, _, _ = preview
    status, body = request(port, "GET", "/", host=host.format(port=port))
    assert status == 200 and "<h1>Förhandsvisning</h1>".encode() in body
    assert f'href="/rutin/{ROUTINE}"'.encode() in body


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH"])
@pytest.mark.parametrize("origin", ["http://attacker.example", "null",
                                    "http://127.0.0.1.attacker.example"])
def test_a_request_other_than_get_from_another_origin_is_refused(
        preview: tuple[int, Path, subprocess.Popen[str]], method: str, origin: str) -> None:
    port, _, _ = preview
    status, body = request(port, method, "/rutin/" + ROUTINE, {"Origin": origin},
                           body=b"status=fastst%C3%A4lld")
    assert status == 403, (method, origin, status)
    assert "från andra webbplatser".encode() in body
    # The same method from the preview's own page is still not a way to change anything.
    status, _ = request(port, method, "/rutin/" + ROUTINE, {"Origin": f"http://127.0.0.1:{port}"},
                        body=b"x")
    assert status == 405


def test_a_yaml_link_out_of_routines_is_a_finding_on_the_index(
        preview: tuple[int, Path, subprocess.Popen[str]], tmp_path: Path) -> None:
    port, library, process = preview
    outside = tmp_path / "hemlig.yaml"
    outside.write_text("id: hemlig\nlösenord: hunter2\n", encoding="utf-8")
    (library / "sas-mobil-narvard" / "extern.yaml").symlink_to(outside)
    (library / "sas-mobil-narvard" / "slinga.yaml").symlink_to(
        library / "sas-mobil-narvard" / "slinga.yaml")
    for _ in range(3):
        status, body = request(port, "GET", "/")
        assert status == 200
    page = body.decode("utf-8")
    assert "Filer som inte visas" in page
    assert "sas-mobil-narvard/extern.yaml: R303" in page and "utanför routines/" in page
    assert "sas-mobil-narvard/slinga.yaml: R100" in page
    assert 'href="/rutin/sas-mobil-narvard/extern.yaml"' not in page
    assert f'href="/rutin/{ROUTINE}"' in page  # the others are still listed
    status, body = request(port, "GET", "/rutin/sas-mobil-narvard/extern.yaml")
    assert status == 404 and b"hunter2" not in body
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=10)
    assert "Traceback" not in err


def test_idle_connections_hold_a_bounded_number_of_threads(
        preview: tuple[int, Path, subprocess.Popen[str]]) -> None:
    """1,500 connections that send nothing: the server keeps its pool of threads, turns the
    surplus away, closes the idle ones after its timeout, and answers a real request."""
    port, _, process = preview
    assert request(port, "GET", "/")[0] == 200
    before = thread_count(process.pid)
    idle = []
    for _ in range(1500):
        connection = socket.create_connection(("127.0.0.1", port), timeout=10)
        idle.append(connection)
    time.sleep(1.0)
    during = thread_count(process.pid)
    sys.stderr.write(f"1 500 tomma anslutningar: {before} trådar före, {during} under\n")
    assert during <= before + POOL_THREADS, (before, during)
    assert during < 40, during
    # A real request gets an answer while the flood lasts or right after the idle timeout.
    deadline = time.monotonic() + 30
    status = 0
    while time.monotonic() < deadline:
        try:
            status, _ = request(port, "GET", "/", timeout=15)
        except OSError:
            status = 0
        if status == 200:
            break
        time.sleep(0.5)
    assert status == 200
    closed_by_server = 0
    for connection in idle:
        connection.settimeout(0.01)
        try:
            closed_by_server += connection.recv(1) == b""
        except TimeoutError:
            pass
        except OSError:
            closed_by_server += 1
        connection.close()
    assert closed_by_server > 1400, closed_by_server  # idle timeout or 503: none kept forever
    assert thread_count(process.pid) <= before + POOL_THREADS


def test_a_hundred_concurrent_pdf_requests_stay_bounded(
        preview: tuple[int, Path, subprocess.Popen[str]], library_routines: list[str]) -> None:
    """Every request gets a PDF (200) or a Swedish 503; none is reset or hangs, and the whole
    server stays under 300 MB."""
    port, _, process = preview
    assert request(port, "GET", "/")[0] == 200
    answers: list[tuple[int, bytes] | BaseException] = []
    lock = threading.Lock()
    start = threading.Event()

    def one(index: int) -> None:
        start.wait()
        try:
            answer: tuple[int, bytes] | BaseException = request(
                port, "GET", "/pdf/" + library_routines[index % len(library_routines)],
                timeout=240)
        except BaseException as exc:  # noqa: BLE001 - recorded and asserted below
            answer = exc
        with lock:
            answers.append(answer)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(100)]
    for thread in threads:
        thread.start()
    started = time.monotonic()
    with PeakTreeRss(process.pid) as peak:
        start.set()
        for thread in threads:
            thread.join(timeout=300)
    seconds = time.monotonic() - started
    failures = [a for a in answers if isinstance(a, BaseException)]
    assert not failures, failures[:3]
    statuses = [a[0] for a in answers if not isinstance(a, BaseException)]
    assert len(statuses) == 100 and set(statuses) <= {200, 503}, statuses
    assert statuses.count(200) >= len(library_routines)
    for answer in answers:
        assert not isinstance(answer, BaseException)
        if answer[0] == 200:
            assert answer[1].startswith(b"%PDF-")
        else:
            assert "försök igen om en stund".encode() in answer[1]
    sys.stderr.write(f"100 PDF-förfrågningar: {statuses.count(200)} × 200, "
                     f"{statuses.count(503)} × 503, {seconds:.1f} s, "
                     f"högst {peak.kb / 1024:.0f} MB\n")
    assert peak.kb < MAX_TREE_RSS_KB, f"{peak.kb / 1024:.0f} MB"
    _, err = process.communicate(timeout=1) if process.poll() is not None else ("", "")
    assert "Traceback" not in err and "GLib" not in err


@pytest.fixture()
def library_routines() -> list[str]:
    return sorted(p.relative_to(ROOT / "routines").as_posix()
                  for p in (ROOT / "routines").glob("*/*.yaml")
                  if p.name not in ("godkannanden.yaml",))
