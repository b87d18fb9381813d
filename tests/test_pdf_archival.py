"""The archival post-processing terminates and leaves no stream ending in CR, for any data."""

from __future__ import annotations

import io
import threading
import zlib

import pikepdf

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
