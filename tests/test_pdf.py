"""The main document PDF, inspected by facts: text in order, A4, PDF/A-3a, tags, fonts, safety."""

from __future__ import annotations

import datetime as dt
import html
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

pypdf = pytest.importorskip("pypdf")
pytest.importorskip("weasyprint")

from builder.load.library import Library, RoutineFile, load_library
from builder.model import Document, stated
from builder.options import BuildOptions
from builder.render import RenderContext, get_renderer
from builder.render.document_view import (
    COPY_NOTICE,
    EXPIRED_BANNER,
    WATERMARK_DRAFT,
    flatten_sections,
    metadata_rows,
)
from builder.render.html import document_html, render_html
from builder.render.pdf import approval_box, document_pdf
from builder.render.weasy import html_to_pdf

ROOT = Path(__file__).resolve().parents[1]
ROUTINES = ROOT / "routines"
TODAY = dt.date(2026, 6, 15)
OPTIONS = BuildOptions(today=TODAY, epoch=1_780_000_000)
MM = 72 / 25.4


@pytest.fixture(scope="module")
def library() -> Library:
    lib, _ = load_library(ROUTINES)
    assert lib.routines, "no shipped routines found"
    return lib


@pytest.fixture(scope="module")
def rendered(library: Library) -> dict[str, tuple[RenderContext, bytes]]:
    """Every shipped routine rendered once, through the real renderer (warnings would raise)."""
    out = {}
    for routine in library.routines:
        ctx = RenderContext(routine, library, OPTIONS)
        result = document_pdf(ctx)
        assert result.warnings == () and result.refused_urls == ()
        out[routine.document.id] = (ctx, result.data)
    return out


def shipped_ids() -> list[str]:
    lib, _ = load_library(ROUTINES)
    return sorted(r.document.id for r in lib.routines)


def reader(data: bytes) -> Any:
    import io
    return pypdf.PdfReader(io.BytesIO(data))


def plain(markup: str) -> str:
    """Rendered Markdown as the reader sees it: no tags, entities decoded, spaces collapsed."""
    return normalise(html.unescape(re.sub(r"<[^>]+>", "", str(markup))))


def normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def page_texts(data: bytes) -> list[str]:
    return [page.extract_text() or "" for page in reader(data).pages]


def body_text(ctx: RenderContext, data: bytes) -> str:
    """All pages' text with the running header and footer removed, whitespace collapsed."""
    doc = ctx.document
    running = [COPY_NOTICE, f"{doc.title} Version {doc.version}"]
    pages = []
    for text in page_texts(data):
        text = normalise(text)
        text = re.sub(r"Sida \d+ av \d+", " ", text)
        for item in running:
            text = text.replace(item, " ")
        pages.append(text)
    return normalise(" ".join(pages))


def expected_in_order(ctx: RenderContext) -> list[str]:
    """Every metadata value, the title, every heading and every step, in document order."""
    doc: Document = ctx.document
    items = [value for row in metadata_rows(ctx) for value in (row["label"], row["value"])]
    items.append(doc.title)
    for section in flatten_sections(doc.sections):
        items.append(section["heading"])
        for step in section["steps"]:
            if step["text"]:
                items.append(plain(step["text"]))
            for alt in step["alternatives"]:
                items.append(alt["label"])  # "2a", as the DOCX and the checklist
                if alt["condition"]:
                    items.append(plain(alt["condition"]))
                items.append(plain(alt["text"]))
                if alt["responsible"]:
                    items.append(alt["responsible"])
            if step["responsible"]:
                items.append(f"Ansvarig: {step['responsible']}")
            if step["when"]:
                # "När:" only where the value does not itself begin "När …" (no "När: När").
                label = f"{step['when_label']} " if step["when_label"] else ""
                items.append(f"{label}{step['when']}")
    return [normalise(item) for item in items]


@pytest.mark.parametrize("doc_id", shipped_ids())
def test_text_in_order(rendered: dict[str, Any], doc_id: str) -> None:
    ctx, data = rendered[doc_id]
    text = body_text(ctx, data)
    position = 0
    for item in expected_in_order(ctx):
        found = text.find(item, position)
        assert found >= 0, f"{doc_id}: {item!r} missing after position {position}"
        position = found + len(item)


@pytest.mark.parametrize("doc_id", shipped_ids())
def test_archival_and_accessible(rendered: dict[str, Any], doc_id: str, tmp_path: Path) -> None:
    ctx, data = rendered[doc_id]
    pdf = reader(data)
    for page in pdf.pages:
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        # A4; landscape only for the swimlane map's page(s) (issue 22).
        portrait = abs(width - 595.28) <= 1 and abs(height - 841.89) <= 1
        landscape = abs(width - 841.89) <= 1 and abs(height - 595.28) <= 1
        text = " ".join(page.extract_text().split())
        assert portrait or (landscape and ("Vem gör vad och när" in text
                                           or "Steg Vem Vad När" in text))
    root = pdf.trailer["/Root"]
    assert "/StructTreeRoot" in root and root["/MarkInfo"]["/Marked"] in (True, "true")
    assert str(root["/Lang"]).startswith("sv")
    assert root["/ViewerPreferences"]["/DisplayDocTitle"] in (True, "true")
    xmp = root["/Metadata"].get_object().get_data().decode("utf-8")
    assert re.search(r'pdfaid:part(="|>)3', xmp)
    assert re.search(r'pdfaid:conformance(="|>)A', xmp)
    assert "/OutputIntents" in root
    info = pdf.metadata
    doc = ctx.document
    # An author the source does not state ("ej_angivet") is no Author in the metadata.
    assert info["/Title"] == doc.title
    assert info.get("/Author", "") == (stated(doc.prepared_by) or "")
    assert info["/Subject"].startswith(doc.document_type)
    assert doc.id in info["/Keywords"]
    assert (info["/RutinId"], info["/RutinVersion"], info["/RutinStatus"]) == (
        doc.id, doc.version, doc.status)
    assert info["/CreationDate"].startswith("D:20260528")
    assert_fonts_embedded(pdf)
    if shutil.which("qpdf"):
        path = tmp_path / "doc.pdf"
        path.write_bytes(data)
        check = subprocess.run(["qpdf", "--check", str(path)], capture_output=True, text=True,
                               check=False)
        assert check.returncode == 0, check.stdout + check.stderr


def iter_fonts(pdf: Any) -> Iterator[Any]:
    """Every font dictionary that should carry a descriptor (Type0 fonts: their descendants)."""
    for page in pdf.pages:
        for ref in page["/Resources"].get("/Font", {}).values():
            font = ref.get_object()
            if "/DescendantFonts" in font:
                yield from (d.get_object() for d in font["/DescendantFonts"])
            else:
                yield font


def assert_fonts_embedded(pdf: Any) -> None:
    seen = 0
    for font in iter_fonts(pdf):
        descriptor = font["/FontDescriptor"].get_object()
        assert any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")), font
        seen += 1
    assert seen > 0


def test_draft_watermark(rendered: dict[str, Any]) -> None:
    drafts = [(c, d) for c, d in rendered.values() if c.document.is_draft]
    approved = [(c, d) for c, d in rendered.values() if c.document.is_approved]
    assert drafts and approved
    for _, data in drafts:
        assert all(WATERMARK_DRAFT in t for t in page_texts(data))  # on every page
    for _, data in approved:
        assert "UTKAST" not in " ".join(page_texts(data))


def test_follow_up_example_marked(rendered: dict[str, Any]) -> None:
    for ctx, data in rendered.values():
        follow_up = ctx.document.follow_up
        text = body_text(ctx, data)
        if follow_up is not None:
            assert "Uppföljning" in text and "Ansvarig" in text
            assert ("Exempel – ska fastställas av teamet" in text) == follow_up.example


def test_appendix_links_are_relative(rendered: dict[str, Any], library: Library) -> None:
    _, data = rendered["sas-mobil-narvard"]
    uris = [annot.get_object()["/A"]["/URI"] for page in reader(data).pages
            for annot in page.get("/Annots", [])]
    # Each Bilaga links the other document's stable page, which links its current version.
    expected = [f"../{r.document.id}/index.html"
                for r in library.arbetsrutiner if r.document.parent == "sas-mobil-narvard"]
    assert sorted(uris) == sorted(expected)


def test_approval_box(rendered: dict[str, Any]) -> None:
    for _ctx, data in rendered.values():
        page, (x1, y1, x2, y2) = approval_box(data)
        assert page == 0
        assert 0 < x1 < x2 <= 595 and 421 < y1 < y2 <= 842  # upper half of page 1
        assert abs((x2 - x1) - 62 * MM) < 2 and abs((y2 - y1) - 28 * MM) < 2
    _, data = rendered["kungalv-insatser-i-hemmet"]
    assert "underskrift saknas" not in page_texts(data)[0]  # approved: the area is empty


def with_document(ctx: RenderContext, **update: Any) -> RenderContext:
    document = ctx.document.model_copy(update=update)
    routine = RoutineFile(ctx.routine.path, ctx.routine.source, document)
    return replace(ctx, routine=routine)


def test_expired_banner(rendered: dict[str, Any]) -> None:
    ctx, data = rendered["kungalv-insatser-i-hemmet"]
    assert EXPIRED_BANNER not in body_text(ctx, data)
    expired = with_document(ctx, valid_to_stated=TODAY - dt.timedelta(days=1))
    text = body_text(expired, document_pdf(expired).data)
    assert EXPIRED_BANNER in text and "Giltigt till och med" in text


def test_revoked_mark(rendered: dict[str, Any]) -> None:
    ctx, _ = rendered["kungalv-insatser-i-hemmet"]
    revoked = with_document(ctx, status="upphävd")
    texts = page_texts(document_pdf(revoked).data)
    assert all("UPPHÄVD" in t for t in texts)


def test_reproducible(rendered: dict[str, Any]) -> None:
    ctx, data = rendered["kungalv-insatser-i-hemmet"]
    assert get_renderer("pdf")(ctx)[0].data == data


def test_markdown_image_url_is_never_emitted(rendered: dict[str, Any]) -> None:
    """`rutin check` refuses it (R110); a renderer called anyway shows it as text, never
    as an <img> to fetch or an href to follow."""
    ctx, _ = rendered["kungalv-insatser-i-hemmet"]
    section = ctx.document.sections[0].model_copy(
        update={"text": "Se bilden ![karta](http://example.invalid/karta.png)."})
    hostile = with_document(ctx, sections=[section])
    page = document_html(hostile, for_pdf=True)
    assert "<img" not in page.split("<main>", 1)[-1] and 'href="http://example' not in page
    assert "http://example.invalid/karta.png" in " ".join(page_texts(document_pdf(hostile).data))


def test_template_url_outside_templates_refused(rendered: dict[str, Any]) -> None:
    ctx, _ = rendered["kungalv-insatser-i-hemmet"]
    page = document_html(ctx, for_pdf=True).replace(
        "<main>", '<main><img src="file:///etc/passwd" alt="x"><img src="../routines/'
        'organisation.yaml" alt="y">', 1)
    result = html_to_pdf(page)
    assert len(result.refused_urls) == 2
    assert result.pages >= 1


def test_html_page(rendered: dict[str, Any]) -> None:
    ctx, _ = rendered["sas-mobil-narvard"]
    (artifact,) = render_html(ctx)
    page = artifact.data.decode("utf-8")
    assert artifact.filename == "sas-mobil-narvard-v0.9.html"
    assert '<html lang="sv-SE"' in page and "<base" not in page
    assert "@page" in page and "<link" not in page  # CSS inline: works offline
    assert 'href="../narsjukvardsteam/index.html"' in page
    assert "<script" not in page


_BBOX_PAGE = re.compile(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', re.DOTALL)
_BBOX_LINE = re.compile(r'<line xMin="[\d.]+" yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">'
                        r"(.*?)</line>", re.DOTALL)


@pytest.mark.parametrize("doc_id", shipped_ids())
def test_running_text_keeps_a_readable_measure_of_at_most_80_characters(
        rendered: dict[str, Any], doc_id: str, tmp_path: Path) -> None:
    """Issue 26: 90–95 characters a line read badly. Every line between the running header
    and footer of a portrait page (the map's landscape page is a figure) has at most 80."""
    pdf = tmp_path / "doc.pdf"
    pdf.write_bytes(rendered[doc_id][1])
    boxes = subprocess.run(["pdftotext", "-bbox-layout", str(pdf), "-"], check=True,
                           capture_output=True, text=True).stdout
    lines = []
    for page in _BBOX_PAGE.finditer(boxes):
        width, height = float(page[1]), float(page[2])
        if width > height:
            continue
        for line in _BBOX_LINE.finditer(page[3]):
            if float(line[1]) < 25 * MM or float(line[2]) > height - 22 * MM:
                continue  # the running header and footer
            words = re.findall(r">([^<]*)</word>", line[3])
            lines.append(html.unescape(" ".join(words)))
    assert len(lines) > 20
    assert [line for line in lines if len(line) > 80] == []
