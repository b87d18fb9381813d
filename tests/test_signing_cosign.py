"""A joint body's decision is co-signed: each party adds its own signature and stamp to the
same PDF as an incremental update, every earlier signature stays valid, and `rutin verify`
reports every signer."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pikepdf
import pytest
from asn1crypto import x509 as asn1_x509
from click.testing import CliRunner
from cryptography.hazmat.primitives.serialization import Encoding
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext
from pypdf import PdfReader

from builder.cli import cli
from builder.load.library import Library
from tests.cosign_helpers import PARTIES, cosigning_library, signed_files
from tests.libreoffice_signatures import libreoffice_signatures
from tests.pki_helpers import Issued, root_ca


@pytest.fixture(scope="module")
def ca() -> Issued:
    return root_ca("Region Testland rot-CA")


@pytest.fixture(scope="module")
def library(ca: Issued, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Library]:
    """Samordningsgruppen is a joint body; each party's key is a PKCS#12 named in YAML."""
    with cosigning_library(tmp_path_factory.mktemp("cosign"), ca) as library:
        yield library


@pytest.fixture(scope="module")
def signed_pdf(library: Library, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return signed_files(library, "pdf", tmp_path_factory.mktemp("ut"))["pdf"]


def _validate(data: bytes, ca: Issued) -> list[object]:
    context = ValidationContext(trust_roots=[asn1_x509.Certificate.load(
        ca.certificate.public_bytes(Encoding.DER))])
    reader = PdfFileReader(io.BytesIO(data))
    return [validate_pdf_signature(s, context) for s in reader.embedded_signatures]


def test_both_parties_sign_and_both_signatures_validate(signed_pdf: Path, ca: Issued) -> None:
    statuses = _validate(signed_pdf.read_bytes(), ca)
    assert len(statuses) == 2
    for status in statuses:
        assert status.intact and status.valid and status.trusted  # type: ignore[attr-defined]
    names = [s.signing_cert.subject.native["common_name"] for s in statuses]  # type: ignore[attr-defined]
    assert names == list(PARTIES.values())
    assert statuses[1].coverage == SignatureCoverageLevel.ENTIRE_FILE  # type: ignore[attr-defined]


def test_removing_the_second_update_leaves_the_first_valid(signed_pdf: Path, ca: Issued) -> None:
    data = signed_pdf.read_bytes()
    first = PdfFileReader(io.BytesIO(data)).embedded_signatures[0]
    byte_range = first.sig_object["/ByteRange"]
    start, length = int(byte_range[2]), int(byte_range[3])
    truncated = data[:start + length]
    [status] = _validate(truncated, ca)
    assert status.intact and status.valid and status.trusted  # type: ignore[attr-defined]
    assert status.coverage == SignatureCoverageLevel.ENTIRE_FILE  # type: ignore[attr-defined]


def test_stamps_list_every_body(signed_pdf: Path) -> None:
    """Each co-signing party stamps its own box: "Fastställd av <party> …"."""
    pdf = pikepdf.open(signed_pdf)
    pdf.flatten_annotations("all")
    out = io.BytesIO()
    pdf.save(out)
    text = " ".join(" ".join((p.extract_text() or "").split()) for p in PdfReader(out).pages)
    for name in PARTIES.values():
        assert f"Fastställd av {name}" in text


def test_verify_reports_every_signer(library: Library, signed_pdf: Path) -> None:
    result = CliRunner().invoke(cli, ["verify", "--routines", str(library.root),
                                      str(signed_pdf)])
    assert result.exit_code == 0, result.output
    assert "Signatur 1 av 2" in result.output and "Signatur 2 av 2" in result.output
    assert f"Undertecknare (2): {', '.join(PARTIES.values())}" in result.output
    assert "bara nästa parts signaturfält fyllts i" in result.output
    assert "lösen-" not in result.output


@pytest.fixture(scope="module")
def signed_docx(library: Library, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return signed_files(library, "docx", tmp_path_factory.mktemp("docx"))["docx"]


def test_each_party_adds_its_own_signature_part_to_the_docx(
        library: Library, signed_docx: Path) -> None:
    import zipfile

    with zipfile.ZipFile(signed_docx) as package:
        assert {"_xmlsignatures/sig1.xml", "_xmlsignatures/sig2.xml"} <= set(package.namelist())
    result = CliRunner().invoke(cli, ["verify", "--routines", str(library.root),
                                      str(signed_docx)])
    assert result.exit_code == 0, result.output
    assert "Inbäddad signatur 1 av 2" in result.output
    for name in PARTIES.values():
        assert f"Signerad av: {name}" in result.output


def test_libreoffice_shows_both_co_signatures_valid_and_trusted(
        signed_docx: Path, ca: Issued, tmp_path: Path) -> None:
    (tmp_path / "rot.pem").write_bytes(ca.pem)
    infos = libreoffice_signatures(signed_docx, tmp_path / "rot.pem", tmp_path)["signatures"]
    assert [i["Signer"].split(",")[0] for i in infos] == [  # type: ignore[attr-defined]
        f"CN={name}" for name in PARTIES.values()]
    for info in infos:  # type: ignore[attr-defined]
        assert info["SignatureIsValid"] is True and info["CertificateStatusFlags"] == ["VALID"]
