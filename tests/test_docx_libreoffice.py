"""The DOCX opens in LibreOffice as Word users would open it: converted headless, it has every
heading and step, and the footer's PAGE/NUMPAGES fields come out as real page numbers."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from pypdf import PdfReader

from builder.load.library import load_library
from builder.options import BuildOptions
from builder.render import RenderContext
from builder.render.word.document import render_docx

ROOT = Path(__file__).resolve().parents[1]


def test_libreoffice_opens_the_docx_and_computes_page_fields(tmp_path: Path) -> None:
    soffice = shutil.which("soffice")
    assert soffice, "LibreOffice saknas: scripts/test.sh installerar libreoffice-writer-nogui"
    library, _ = load_library(ROOT / "routines")
    routine = library.by_id("kungalv-insatser-i-hemmet")
    assert routine is not None
    [artifact] = render_docx(RenderContext(routine, library, BuildOptions()))
    docx = tmp_path / artifact.filename
    docx.write_bytes(artifact.data)
    result = subprocess.run(
        [soffice, f"-env:UserInstallation=file://{tmp_path / 'profil'}", "--headless",
         "--convert-to", "pdf", "--outdir", str(tmp_path), str(docx)],
        capture_output=True, text=True, timeout=300, check=False,
        env={**os.environ, "HOME": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    reader = PdfReader(tmp_path / docx.with_suffix(".pdf").name)
    text = " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)
    document = routine.document
    for needle in (document.title, "Inledning", "Syfte", "Genomförande", "Informationsöverföring",
                   "Styrdokument", "29 maj 2026", "Observera"):
        assert needle in text, needle
    pages = len(reader.pages)
    assert f"Sida 1 av {pages}" in text and f"Sida {pages} av {pages}" in text
    # Table header cells keep their words whole ("Förkortni|ng" at 25 mm and 11 pt before).
    laid_out = subprocess.run(["pdftotext", "-layout", str(tmp_path / docx.with_suffix(".pdf").name),
                               "-"], capture_output=True, text=True, check=True).stdout
    header = next(line for line in laid_out.splitlines() if "Team" in line and "Utgår" in line)
    assert "Förkortning" in header and "Utgår från" in header
