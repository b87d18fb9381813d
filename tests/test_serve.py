"""`rutin serve`: the preview follows edits in the browser, shows the findings of `rutin check`
for the open file, offers the PDF, refuses every path outside the library, stops on Ctrl-C."""

from __future__ import annotations

import http.client
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.serve_helpers import running_preview

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
ROUTINE = "sas-mobil-narvard/palliativt-team.yaml"
TITLE = "Arbetsrutin Palliativt team"


@pytest.fixture()
def preview(tmp_path: Path) -> Iterator[tuple[str, Path, subprocess.Popen[str]]]:
    """`rutin serve` on a copy of the shipped library, as an author starts it."""
    with running_preview(tmp_path) as started:
        yield started


def _get(url: str, raw_path: str) -> tuple[int, bytes]:
    """A request with the path exactly as written (no client-side normalising)."""
    host, port = url.removeprefix("http://").rstrip("/").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    connection.putrequest("GET", raw_path, skip_accept_encoding=True)
    connection.endheaders()
    response = connection.getresponse()
    body = response.read()
    connection.close()
    return response.status, body


@pytest.mark.parametrize("raw_path", [
    "/../../etc/passwd", "/rutin/../../etc/passwd", "/rutin/..%2f..%2fetc%2fpasswd",
    "/rutin/%2e%2e/%2e%2e/etc/passwd", "/pdf/..%2F..%2F..%2Fetc%2Fpasswd",
    "/rutin/%252e%252e%252fetc%252fpasswd", "/rutin//etc/passwd", "/rutin/..\\..\\etc\\passwd",
    "/rutin/sas-mobil-narvard/../../../../etc/passwd", "/rutin/organisation.yaml",
    "/rutin/kungalv-insatser-i-hemmet/godkannanden.yaml", "/templates/document.css",
])
def test_paths_outside_the_library_are_refused(
        preview: tuple[str, Path, subprocess.Popen[str]], raw_path: str) -> None:
    url, _, _ = preview
    status, body = _get(url, raw_path)
    assert status == 404, (raw_path, status)
    assert b"root:" not in body and b"godk" not in body.lower()[:0]


def test_routine_page_and_pdf_are_served(preview: tuple[str, Path, subprocess.Popen[str]]
                                         ) -> None:
    url, _, _ = preview
    status, body = _get(url, "/rutin/" + ROUTINE)
    assert status == 200
    assert f"<h1>{TITLE}</h1>".encode() in body
    assert b'id="rb-fynd"' in body
    status, body = _get(url, "/pdf/" + ROUTINE)
    assert status == 200 and body.startswith(b"%PDF-")
    from io import BytesIO

    from pypdf import PdfReader
    assert TITLE in PdfReader(BytesIO(body)).pages[0].extract_text()


def test_ctrl_c_stops_cleanly(preview: tuple[str, Path, subprocess.Popen[str]]) -> None:
    url, _, process = preview
    assert _get(url, "/")[0] == 200  # serving
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=10)
    assert process.returncode == 0, err
    assert "Avslutar förhandsvisningen." in out
    assert "Traceback" not in err


@pytest.mark.browser
def test_page_follows_edits_and_findings(preview: tuple[str, Path, subprocess.Popen[str]]
                                         ) -> None:
    from playwright.sync_api import sync_playwright

    url, library, _ = preview
    source = library / ROUTINE
    original = source.read_text(encoding="utf-8")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.goto(url + "rutin/" + ROUTINE)
        assert page.inner_text("h1") == TITLE
        assert "Inga anmärkningar" in page.inner_text("#rb-fynd")
        pdf_link = page.get_attribute("#rb-fynd a[href^='/pdf/']", "href")
        assert pdf_link == "/pdf/" + ROUTINE

        page.wait_for_timeout(1500)  # the page has read the change counter; warm-up done
        reloads: list[float] = []
        page.on("request", lambda request: reloads.append(time.monotonic())
                if request.url.endswith(ROUTINE) else None)
        started = time.monotonic()
        source.write_text(original.replace(f"titel: {TITLE}", "titel: Palliativt team i hemmet"),
                          encoding="utf-8")
        page.wait_for_function(
            "() => document.querySelector('h1') && "
            "document.querySelector('h1').innerText === 'Palliativt team i hemmet'",
            timeout=10000)
        # The reload starts within a second of the save (the rendering after it takes what
        # two shared cores give, so only the wait above bounds it).
        reload_seconds = reloads[0] - started
        assert reload_seconds < 1.0, reload_seconds

        # A follow-up without who is responsible: R201 appears in the panel, located.
        broken = original.replace("  ansvarig: Det palliativa teamets enhetschef\n", "")
        source.write_text(broken, encoding="utf-8")
        page.wait_for_function(
            "() => (document.querySelector('#rb-fynd') || {}).innerText.includes('R201')",
            timeout=10000)
        panel = page.inner_text("#rb-fynd")
        assert f"{ROUTINE.split('/')[-1]}:" in panel and ": fel R201 " in panel
        line = next(l for l in panel.splitlines() if "R201" in l)
        assert line.split(":")[1].isdigit() and line.split(":")[2].isdigit()

        source.write_text(original, encoding="utf-8")
        page.wait_for_function(
            "() => (document.querySelector('#rb-fynd') || {}).innerText"
            ".includes('Inga anmärkningar')", timeout=10000)
        browser.close()


def test_serving_a_file_prints_its_page(tmp_path: Path) -> None:
    library = tmp_path / "routines"
    shutil.copytree(ROOT / "routines", library)
    process = subprocess.Popen([sys.executable, "-m", "builder", "serve", f"routines/{ROUTINE}"],
                               cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)
    try:
        assert process.stdout is not None
        url = process.stdout.readline().rsplit(" ", 1)[-1].strip()
        assert url.startswith("http://127.0.0.1:") and url.endswith("/rutin/" + ROUTINE)
        status, body = _get(url.split("/rutin/")[0] + "/", "/rutin/" + ROUTINE)
        assert status == 200 and f"<h1>{TITLE}</h1>".encode() in body
    finally:
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=10)
