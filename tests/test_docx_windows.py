"""The DOCX survives Word on a regional Windows PC (issue 26, 5): every font it names ships
with Windows, its running header keeps title and version on one line, and it has no empty
numbered paragraph, no double label and no spacer paragraph."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import docx
import pytest

from builder.load.library import Library, load_library
from builder.options import BuildOptions
from builder.render import RenderContext
from builder.render.word.document import render_docx

ROOT = Path(__file__).resolve().parents[1]
# Fonts every Windows 10 and 11 installs (Microsoft's "Windows 10 font list", fonts present
# in every edition and language; not the optional Features on Demand).
WINDOWS_FONTS = frozenset({
    "Arial", "Arial Black", "Bahnschrift", "Calibri", "Cambria", "Cambria Math", "Candara",
    "Comic Sans MS", "Consolas", "Constantia", "Corbel", "Courier New", "Ebrima",
    "Franklin Gothic Medium", "Gabriola", "Gadugi", "Georgia", "Impact", "Ink Free",
    "Javanese Text", "Leelawadee UI", "Lucida Console", "Lucida Sans Unicode", "Malgun Gothic",
    "Marlett", "Microsoft Himalaya", "Microsoft JhengHei", "Microsoft New Tai Lue",
    "Microsoft PhagsPa", "Microsoft Sans Serif", "Microsoft Tai Le", "Microsoft YaHei",
    "Microsoft Yi Baiti", "MingLiU-ExtB", "Mongolian Baiti", "MS Gothic", "MV Boli",
    "Myanmar Text", "Nirmala UI", "Palatino Linotype", "Segoe MDL2 Assets", "Segoe Print",
    "Segoe Script", "Segoe UI", "Segoe UI Emoji", "Segoe UI Historic", "Segoe UI Symbol",
    "SimSun", "Sitka Text", "Sylfaen", "Symbol", "Tahoma", "Times New Roman", "Trebuchet MS",
    "Verdana", "Webdings", "Wingdings", "Yu Gothic",
})
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
FONT_ATTRIBUTES = ("ascii", "hAnsi", "cs", "eastAsia")


@pytest.fixture(scope="module")
def library() -> Library:
    lib, _ = load_library(ROOT / "routines")
    return lib


@pytest.fixture(scope="module")
def packages(library: Library) -> dict[str, bytes]:
    return {r.document.id: render_docx(RenderContext(r, library, BuildOptions()))[0].data
            for r in library.routines}


def named_fonts(data: bytes) -> set[str]:
    """Every font name the package gives: font table entries and their alternatives, run and
    style fonts in every XML part, the theme's typefaces."""
    names: set[str] = set()
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        for name in package.namelist():
            if not name.endswith(".xml"):
                continue
            root = ElementTree.fromstring(package.read(name))
            for element in root.iter():
                tag = element.tag.rsplit("}", 1)[-1]
                if tag == "font" and element.get(f"{W}name"):
                    names.add(element.get(f"{W}name", ""))
                elif tag == "altName":
                    names.add(element.get(f"{W}val", ""))
                elif tag == "rFonts":
                    names.update(v for a in FONT_ATTRIBUTES if (v := element.get(f"{W}{a}")))
                elif tag in ("latin", "ea", "cs", "font") and element.get("typeface"):
                    names.add(element.get("typeface", ""))
    return names


def test_every_font_the_docx_names_ships_with_windows(packages: dict[str, bytes]) -> None:
    for doc_id, data in packages.items():
        fonts = named_fonts(data)
        assert {"Georgia", "Verdana"} <= fonts, doc_id
        assert fonts <= WINDOWS_FONTS, (doc_id, sorted(fonts - WINDOWS_FONTS))
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            assert not any(n.endswith(".odttf") for n in package.namelist())  # none embedded


def test_no_empty_numbered_line_no_double_label_no_spacer(packages: dict[str, bytes]) -> None:
    for doc_id, data in packages.items():
        document = docx.Document(io.BytesIO(data))
        for paragraph in document.paragraphs:
            numbered = paragraph._p.pPr is not None and paragraph._p.pPr.numPr is not None
            assert not (numbered and not paragraph.text.strip()), doc_id
            assert not paragraph.text.startswith("Observera: Utkast:"), doc_id
            # A section break (the map's landscape page) lives in a paragraph's w:sectPr;
            # after a table Word needs a paragraph of its own for it: that one may be empty.
            assert (paragraph.text.strip() or paragraph._p.xpath(".//w:drawing")
                    or paragraph._p.xpath("./w:pPr/w:sectPr")), (
                doc_id, "an empty paragraph in the body")


def test_a_drafts_note_keeps_its_own_label(packages: dict[str, bytes]) -> None:
    document = docx.Document(io.BytesIO(packages["narsjukvardsteam"]))
    notes = [p.text for p in document.paragraphs if p.style.name == "Observera"]
    assert notes and all(n.startswith("Utkast: ") for n in notes)


def test_responsibility_lines_are_body_size_and_not_grey(packages: dict[str, bytes]) -> None:
    document = docx.Document(io.BytesIO(packages["kungalv-insatser-i-hemmet"]))
    detail = document.styles["Stegdetalj"].font
    assert detail.size is None and not detail.italic and detail.color.rgb is None
    assert any("Ansvarig: NSVT" in p.text for p in document.paragraphs)


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (scripts/test.sh)")
def test_libreoffice_sets_the_header_on_one_line(packages: dict[str, bytes],
                                                  tmp_path: Path) -> None:
    """Converted by LibreOffice, every page's header is one line: the whole title and
    "Version 1.0 · Fastställd" on one baseline, nothing wrapped under it."""
    source = tmp_path / "kungalv.docx"
    source.write_bytes(packages["kungalv-insatser-i-hemmet"])
    subprocess.run(
        ["soffice", f"-env:UserInstallation=file://{tmp_path / 'profil'}", "--headless",
         "--convert-to", "pdf", "--outdir", str(tmp_path), str(source)],
        capture_output=True, timeout=300, check=True, env={**os.environ, "HOME": str(tmp_path)})
    out = subprocess.run(["pdftotext", "-bbox", str(tmp_path / "kungalv.pdf"), "-"],
                         capture_output=True, text=True, check=True).stdout
    xhtml = "{http://www.w3.org/1999/xhtml}"
    pages = list(ElementTree.fromstring(out).iter(f"{xhtml}page"))
    assert len(pages) >= 2
    for page in pages:
        words = [(float(w.get("yMax", 0)), float(w.get("xMin", 0)), w.text or "")
                 for w in page.iter(f"{xhtml}word")]
        top = min(y for y, _, _ in words)
        # The header: every word within the first line's height of the page's top text.
        header = sorted((x, t) for y, x, t in words if y - top < 4)
        below = min(y for y, _, _ in words if y - top >= 4)
        text = " ".join(t for _, t in header)
        assert text == ("Samverkansrutin vid insatser i hemmet både från primärvården och "
                        "specialistvården Version 1.0 · Fastställd"), text
        assert below - top > 12  # the next text is the body, not a wrapped header line
        assert not re.search(r"specialistvården", " ".join(
            t for y, _, t in words if 0 < y - top < 20))
