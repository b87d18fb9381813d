"""Issue 25 item 6: import bombs are refused while reading, within 2 s CPU and 200 MB.

Each bomb is imported by `rutin import` in its own process (as a user runs it); the process's
CPU time and peak memory come from the kernel (getrusage of the finished child), so the
figures include Python's start and the imports.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import docx
import pytest

CPU_SECONDS = 2.0
MEMORY_BYTES = 200 * 1024 * 1024
ROOT = Path(__file__).resolve().parent.parent


def large_table_docx(path: Path) -> Path:
    """A Word file under 1 MB whose table has 40 000 cells (the 87 s, 363 MB case)."""
    document = docx.Document()
    document.add_paragraph("Rutin med stor tabell")
    buffer = io.BytesIO()
    document.save(buffer)
    # Varied cell texts: the file compresses like a real one (no zip-bomb ratio to catch it).
    texts = (hashlib.sha256(str(n).encode()).hexdigest()[:12] for n in range(40_000))
    rows = ("<w:tr>" + "".join(f"<w:tc><w:p><w:r><w:t>{next(texts)}</w:t></w:r></w:p></w:tc>"
                               for _ in range(40)) + "</w:tr>" for _ in range(1000))
    table = "<w:tbl><w:tblGrid>" + "<w:gridCol/>" * 40 + "</w:tblGrid>" + "".join(rows) + \
        "</w:tbl>"
    with zipfile.ZipFile(buffer) as source, zipfile.ZipFile(path, "w",
                                                            zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "word/document.xml":
                data = data.replace(b"<w:sectPr", table.encode() + b"<w:sectPr", 1)
            target.writestr(item, data)
    return path


def deep_lists_html(path: Path) -> Path:
    """380 KB of nested lists (the page that reached 1.4 GB)."""
    nest = "<ul><li>punkt" * 400 + "</li></ul>" * 400
    body = nest * 40
    path.write_text(f"<html><body><h1>Rutin</h1>{body}</body></html>", encoding="utf-8")
    return path


def huge_page_html(path: Path) -> Path:
    """A 15 MB page (it became a 15 MB YAML that `rutin check` refuses)."""
    paragraph = "<p>" + "Text i en mycket lång rutin. " * 30 + "</p>\n"
    with path.open("w", encoding="utf-8") as handle:
        handle.write("<html><body><h1>Rutin</h1><h2>Avsnitt</h2>")
        while handle.tell() < 15 * 1024 * 1024:
            handle.write(paragraph * 100)
        handle.write("</body></html>")
    return path


def many_cells_html(path: Path) -> Path:
    """A page whose table has 50 000 cells."""
    row = "<tr>" + "<td>x</td>" * 50 + "</tr>"
    path.write_text(f"<html><body><h1>Rutin</h1><table>{row * 1000}</table></body></html>",
                    encoding="utf-8")
    return path


BOMBS: dict[str, Callable[[Path], Path]] = {
    "large-table.docx": large_table_docx,
    "deep-lists.html": deep_lists_html,
    "huge-page.html": huge_page_html,
    "many-cells.html": many_cells_html,
}


# A small Python process runs the import and reports its child's usage: a child forked from
# the (large) test process would count the test process's pages in its peak memory.
MEASURE = """
import json, resource, subprocess, sys
run = subprocess.run(sys.argv[1:], capture_output=True, text=True, check=False)
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"code": run.returncode, "out": run.stdout, "err": run.stderr,
                  "cpu": usage.ru_utime + usage.ru_stime, "rss": usage.ru_maxrss * 1024}))
"""


def _run_measured(args: list[str], cwd: Path) -> tuple[subprocess.CompletedProcess[str], float,
                                                         int]:
    """Run ``args``; its CPU seconds and peak resident memory in bytes (ru_maxrss is KB)."""
    wrapper = subprocess.run([sys.executable, "-c", MEASURE, *args], cwd=cwd,
                             capture_output=True, text=True, timeout=120, check=True,
                             env={**os.environ, "PYTHONPATH": str(ROOT)})
    found = json.loads(wrapper.stdout)
    run = subprocess.CompletedProcess(args, found["code"], found["out"], found["err"])
    return run, float(found["cpu"]), int(found["rss"])


@pytest.mark.parametrize("name", sorted(BOMBS))
def test_import_bomb_is_refused_within_two_seconds_and_200_mb(name: str, tmp_path: Path
                                                               ) -> None:
    source = BOMBS[name](tmp_path / name)
    run, cpu, peak = _run_measured([sys.executable, "-m", "builder", "import", str(source)],
                                   tmp_path)
    assert run.returncode == 1, run.stdout + run.stderr
    assert run.stderr.startswith("fel: ") and "Traceback" not in run.stderr
    assert not (tmp_path / "routines").exists()  # nothing written
    assert cpu < CPU_SECONDS, f"{name}: {cpu:.2f} s CPU"
    assert peak < MEMORY_BYTES, f"{name}: {peak / 1024 / 1024:.0f} MB"
