"""Hostile files given to `rutin import`: each is refused with a Swedish message and exit 1,
within 2 s and 200 MB, fetching nothing and writing nothing."""

from __future__ import annotations

import http.server
import os
import shutil
import subprocess
import sys
import threading
import time
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import docx
import pytest
from docx.opc.constants import RELATIONSHIP_TYPE as RT

ATTACHED_TEMPLATE = ("http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
                     "attachedTemplate")
ROOT = Path(__file__).resolve().parent.parent
MAX_SECONDS = 2.0  # CPU seconds of the whole command, interpreter start included
MAX_RSS_KB = 200 * 1024
# The command runs as a grandchild of a small launcher: a child forked from pytest would
# report pytest's own peak memory as its ru_maxrss (Linux keeps it across exec).
MEASURE = (
    "import os, subprocess, sys\n"
    "child = subprocess.Popen(sys.argv[1:])\n"
    "_, status, usage = os.wait4(child.pid, 0)\n"
    "sys.stderr.write(f'\\n{usage.ru_utime + usage.ru_stime} {usage.ru_maxrss}\\n')\n"
    "sys.exit(os.waitstatus_to_exitcode(status))\n"
)


@pytest.fixture()
def trap() -> Iterator[tuple[str, list[str]]]:
    """A local web server that records every request: proof that nothing was fetched."""
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.append(self.path)
            self.send_response(404)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            return

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", hits
    server.shutdown()
    server.server_close()


def _plain_docx(path: Path) -> Path:
    document = docx.Document()
    document.add_heading("Rutin", level=1)
    document.add_paragraph("Text.")
    document.save(str(path))
    return path


def zip_bomb(folder: Path, _: str) -> Path:
    """A Word file whose document.xml unpacks from about 0.2 MB to 200 MB."""
    path = _plain_docx(folder / "bomb.docx")
    with zipfile.ZipFile(path) as source:
        parts = {name: source.read(name) for name in source.namelist()}
    padding = b" " * (200 * 1024 * 1024)
    parts["word/document.xml"] = parts["word/document.xml"].replace(
        b"</w:body>", b"</w:body>" + padding)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as out:
        for name, data in parts.items():
            out.writestr(name, data)
    return path


def external_relationships(folder: Path, url: str) -> Path:
    """A remote image in the body and an attached template on a web server."""
    path = folder / "extern.docx"
    document = docx.Document()
    document.add_paragraph("Text.")
    document.part.relate_to(f"{url}/bild.png", RT.IMAGE, is_external=True)
    document.part._settings_part.relate_to(f"{url}/mall.dotm", ATTACHED_TEMPLATE,
                                           is_external=True)
    document.save(str(path))
    return path


def attached_template_only(folder: Path, url: str) -> Path:
    path = folder / "mall.docx"
    document = docx.Document()
    document.add_paragraph("Text.")
    document.part._settings_part.relate_to(f"{url}/mall.dotm", ATTACHED_TEMPLATE,
                                           is_external=True)
    document.save(str(path))
    return path


def macro_renamed(folder: Path, _: str) -> Path:
    """A .docm (macros, macro-enabled content type) renamed to .docx."""
    path = _plain_docx(folder / "makro.docx")
    with zipfile.ZipFile(path) as source:
        parts = {name: source.read(name) for name in source.namelist()}
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
        b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
        b"application/vnd.ms-word.document.macroEnabled.main+xml")
    parts["word/vbaProject.bin"] = b"\xd0\xcf\x11\xe0" + b"\0" * 1020
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for name, data in parts.items():
            out.writestr(name, data)
    return path


def corrupt_zip(folder: Path, _: str) -> Path:
    path = _plain_docx(folder / "trasig.docx")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


def huge_file(folder: Path, _: str) -> Path:
    path = folder / "stor.docx"
    with path.open("wb") as handle:
        handle.truncate(50 * 1024 * 1024)
    return path


def huge_html(folder: Path, _: str) -> Path:
    path = folder / "stor.html"
    with path.open("wb") as handle:
        handle.write(b"<p>" + b"x" * (50 * 1024 * 1024))
    return path


def deeply_nested_html(folder: Path, _: str) -> Path:
    """100 000 nested <div>: the HTML parser's time grows with the square of the depth."""
    path = folder / "djup.html"
    path.write_text("<div>" * 100_000 + "x" + "</div>" * 100_000, encoding="utf-8")
    return path


CASES: dict[str, tuple[Callable[[Path, str], Path], str]] = {
    "zip-bomb": (zip_bomb, "zip-bomb"),
    "external-image-and-template": (external_relationships, "hämtas från nätet"),
    "attached-template": (attached_template_only, "dokumentmall som hämtas utifrån"),
    "macro-enabled-renamed": (macro_renamed, "makro"),
    "corrupt-zip": (corrupt_zip, "trasigt"),
    "50-mb-docx": (huge_file, "högst 20 MB"),
    "50-mb-html": (huge_html, "högst 20 MB"),
    "deeply-nested-html": (deeply_nested_html, "för djupt nästlad"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_hostile_file_is_refused_quickly_and_nothing_is_written(
        case: str, tmp_path: Path, trap: tuple[str, list[str]]) -> None:
    url, hits = trap
    make, expected = CASES[case]
    source_dir = tmp_path / "in"
    source_dir.mkdir()
    source = make(source_dir, url)
    work = tmp_path / "work"
    work.mkdir()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    started = time.monotonic()
    process = subprocess.run(
        [sys.executable, "-c", MEASURE, sys.executable, "-m", "builder", "import", str(source),
         "--till", "routines/grupp/"],
        cwd=work, capture_output=True, env=env, timeout=30, check=False)
    elapsed = time.monotonic() - started
    err = process.stderr.rsplit(b"\n", 2)[0]
    cpu_seconds, peak_kb = float(process.stderr.split()[-2]), int(process.stderr.split()[-1])
    stderr = err.decode("utf-8")
    assert process.returncode == 1, (process.stdout, stderr)
    assert expected in stderr, stderr
    assert "Traceback" not in stderr and stderr.startswith("fel: ")
    # CPU time is the measure on a shared machine (eight engineers, two cores: the wall clock
    # mostly measures the queue); the wall clock only has to stay sane.
    assert cpu_seconds < MAX_SECONDS, f"{case}: {cpu_seconds:.2f} s CPU"
    assert elapsed < 10 * MAX_SECONDS, f"{case}: {elapsed:.2f} s"
    assert peak_kb < MAX_RSS_KB, f"{case}: {peak_kb} kB"
    assert list(work.iterdir()) == [], "ingenting får skrivas"
    assert hits == [], "ingenting får hämtas"
    shutil.rmtree(source_dir)
