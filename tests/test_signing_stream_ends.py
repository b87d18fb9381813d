"""Streams written while signing end unambiguously: a stream whose stored bytes end in CR
gets CR LF before ``endstream``, so PDF/A validators read its /Length as written (a
compressed cross-reference stream ends in such a byte 1 time in 256 and failed the
archival tests now and then)."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import page as page_validation  # test extra (page-validation)
import pikepdf
import pytest
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader

from builder.render.weasy import html_to_pdf
from builder.signing import sign as signing
from builder.signing.keys import ENV_P12, ENV_PASSWORD
from tests.test_signing import SMALL_HTML

STREAM_LENGTH = "PDFA3A-STREAM-LENGTH-001"


def _update_with_stream(data: bytes, *, fixed: bool) -> tuple[bytes, generic.IndirectObject]:
    """An incremental update by pyHanko that adds one stream stored as ``abc`` + CR."""
    writer = IncrementalPdfFileWriter(io.BytesIO(data))
    ref = writer.add_object(generic.StreamObject(stream_data=b"abc\r"))
    writer.root["/RutinProv"] = ref
    writer.update_root()
    out = io.BytesIO()
    if fixed:
        with signing.unambiguous_stream_ends():
            writer.write(out)
    else:
        writer.write(out)
    return out.getvalue(), ref


@pytest.fixture(scope="module")
def base_pdf() -> bytes:
    return html_to_pdf(SMALL_HTML).data


def test_a_stream_ending_in_cr_gets_crlf_before_endstream_and_keeps_its_data(
        base_pdf: bytes) -> None:
    data, ref = _update_with_stream(base_pdf, fixed=True)
    assert b"stream\nabc\r\r\nendstream" in data
    with pikepdf.open(io.BytesIO(data)) as pdf:
        assert pdf.Root.RutinProv.read_raw_bytes() == b"abc\r"
    assert PdfFileReader(io.BytesIO(data)).get_object(ref.reference).data == b"abc\r"
    report = page_validation.validate_pdf_bytes(data, profile="3a")
    assert STREAM_LENGTH not in {f.rule_id for f in report.failures}


def test_without_the_rule_the_validator_reports_the_length_the_archival_tests_tripped_on(
        base_pdf: bytes) -> None:
    data, _ = _update_with_stream(base_pdf, fixed=False)
    assert b"stream\nabc\r\nendstream" in data
    report = page_validation.validate_pdf_bytes(data, profile="3a")
    assert STREAM_LENGTH in {f.rule_id for f in report.failures}


def test_other_streams_are_written_byte_for_byte_as_pyhanko_writes_them(
        base_pdf: bytes) -> None:
    writer = IncrementalPdfFileWriter(io.BytesIO(base_pdf))
    writer.root["/RutinProv"] = writer.add_object(generic.StreamObject(stream_data=b"abc\n\r1"))
    writer.update_root()
    plain, fixed = io.BytesIO(), io.BytesIO()
    writer.write(plain)
    with signing.unambiguous_stream_ends():
        writer.write(fixed)
    assert plain.getvalue() == fixed.getvalue()


def test_signing_writes_every_stream_through_the_rule_and_restores_pyhanko(
        base_pdf: bytes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.delenv(ENV_P12, raising=False)
    monkeypatch.delenv(ENV_PASSWORD, raising=False)
    ends: list[bytes] = []
    original = signing._CrlfBeforeEndstream.write

    def recording(self: signing._CrlfBeforeEndstream, data: bytes) -> object:
        if data.endswith(b"endstream"):
            ends.append(data)
        return original(self, data)

    monkeypatch.setattr(signing._CrlfBeforeEndstream, "write", recording)
    before = generic.StreamObject.write_to_stream
    signed = signing.sign_pdf(base_pdf, signer_name="Samordningsgruppen",
                              date=dt.date(2026, 5, 29), protocol=None)
    assert generic.StreamObject.write_to_stream is before
    new_streams = signed[len(base_pdf):].count(b"endstream")
    assert new_streams >= 2  # the stamp's appearance and the cross-reference stream at least
    assert len(ends) == new_streams
