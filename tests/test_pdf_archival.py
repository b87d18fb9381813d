"""The archival post-processing terminates and leaves no stream ending in CR, for any data."""

from __future__ import annotations

import io
import re
import threading
import zlib

import pikepdf
import pytest

from builder.render.pdf_archival import save


def _saved_within(pdf: pikepdf.Pdf, seconds: float) -> bytes | None:
    result: list[bytes] = []
    worker = threading.Thread(target=lambda: result.append(save(pdf)), daemon=True)
    worker.start()
    worker.join(seconds)
    return result[0] if result else None


def test_a_font_program_whose_checksum_ends_in_cr_is_padded_and_saved() -> None:
    # Adler-32's first sum of b"\x0c" is 1 + 12 = 13: the compressed stream ends in CR, and
    # padding with NUL bytes (which never change that sum) looped forever on a real font.
    data = b"\x0c"
    assert zlib.compress(data, 9).endswith(b"\r")
    pdf = pikepdf.new()
    font = pikepdf.Stream(pdf, data)
    font.Length1 = len(data)
    pdf.Root.FontProgram = pdf.make_indirect(font)
    saved = _saved_within(pdf, 20)
    assert saved is not None, "save() did not finish: the CR padding loops"
    with pikepdf.open(io.BytesIO(saved)) as reopened:
        stream = reopened.Root.FontProgram
        assert not stream.read_raw_bytes().endswith(b"\r")
        assert stream.read_bytes().startswith(data)
        assert int(stream.Length1) == len(stream.read_bytes())


def test_a_content_stream_whose_checksum_ends_in_cr_is_padded_and_saved() -> None:
    data = b"\x0c"
    pdf = pikepdf.new()
    pdf.Root.Other = pdf.make_indirect(pikepdf.Stream(pdf, data))
    saved = _saved_within(pdf, 20)
    assert saved is not None
    with pikepdf.open(io.BytesIO(saved)) as reopened:
        assert not reopened.Root.Other.read_raw_bytes().endswith(b"\r")


# --- margin boxes become artifacts: the byte rewrite and the parsing fallback agree ----------

def _page_with(content: bytes) -> tuple[pikepdf.Pdf, pikepdf.Page]:
    pdf = pikepdf.new()
    pdf.add_blank_page()
    page = pdf.pages[0]
    page.obj.Contents = pdf.make_stream(content)
    return pdf, page


def _marks(content: bytes) -> list[str]:
    """Each BDC's tag, and the /Type of its property list when it has one."""
    _, page = _page_with(content)
    return [str(i.operands[0]) + str(i.operands[1].get("/Type", ""))
            for i in pikepdf.parse_content_stream(page) if str(i.operator) == "BDC"]


def test_orphaned_marked_content_becomes_a_pagination_artifact() -> None:
    from builder.render.pdf_archival import _orphans_to_artifacts

    # As WeasyPrint writes it (pydyf joins operands and operators with newlines).
    _, page = _page_with(b"/P\n<</MCID 0>>\nBDC\nBT\nET\nEMC\n/Span\n<</MCID 1>>\nBDC\nEMC")
    assert _marks(_orphans_to_artifacts(page, {1})) == ["/P", "/Artifact/Pagination"]
    # Written otherwise (another key beside /MCID): parsed, with the same result.
    _, page = _page_with(b"/P <</MCID 0>> BDC EMC /Span <</MCID 1 /Lang (sv)>> BDC EMC")
    assert _marks(_orphans_to_artifacts(page, {1})) == ["/P", "/Artifact/Pagination"]


def test_finalize_rewrites_the_same_content_as_parsing_it(
        monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("weasyprint")
    from builder.render import pdf_archival
    from builder.render.weasy import PdfOptions, _render

    html = ("<html lang='sv'><head><title>T</title><style>@page { @bottom-center {"
            " content: 'Sida ' counter(page) } }</style></head><body>"
            + "<p>Text</p>" * 80 + "</body></html>")
    document, _, options = _render(html, PdfOptions())
    raw = document.write_pdf(**options)

    def contents(data: bytes) -> list[list[str]]:
        with pikepdf.open(io.BytesIO(data)) as pdf:
            return [[f"{i.operands} {i.operator}" for i in pikepdf.parse_content_stream(p)]
                    for p in pdf.pages]

    fast = contents(pdf_archival.finalize_pdf(raw))
    assert len(fast) > 1 and all("Pagination" in " ".join(page) for page in fast)
    monkeypatch.setattr(pdf_archival, "_MARKED", re.compile(rb"(?!)(\d)"))  # never matches
    assert contents(pdf_archival.finalize_pdf(raw)) == fast
