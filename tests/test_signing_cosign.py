"""A joint body's decision is co-signed: each party adds its own signature and stamp to the
same PDF as an incremental update, every earlier signature stays valid, and `rutin verify`
reports every signer."""

from __future__ import annotations

import io
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pikepdf
import pytest
from asn1crypto import x509 as asn1_x509
from click.testing import CliRunner
from cryptography.hazmat.primitives.serialization import (
    BestAvailableEncryption,
    Encoding,
    pkcs12,
)
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext
from pypdf import PdfReader

from builder.cli import cli
from builder.load.library import Library, load_library
from builder.options import BuildOptions
from builder.render import RenderContext, get_renderer
from builder.signing.keys import ENV_P12, ENV_PASSWORD
from builder.signing.sign import sign_artifacts
from tests.libreoffice_signatures import libreoffice_signatures
from tests.pki_helpers import Issued, issue, root_ca

ROOT = Path(__file__).resolve().parents[1]
APPROVED = "kungalv-insatser-i-hemmet"
PARTIES = {"sjukhuset": "Kungälvs sjukhus", "kommunen": "Kungälvs kommun"}


@pytest.fixture(scope="module")
def ca() -> Issued:
    return root_ca("Region Testland rot-CA")


@pytest.fixture(scope="module")
def library(ca: Issued, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Library]:
    """Samordningsgruppen is a joint body; each party's key is a PKCS#12 named in YAML."""
    folder = tmp_path_factory.mktemp("cosign")
    root = folder / "routines"
    shutil.copytree(ROOT / "routines", root)
    (root / "rot.pem").write_bytes(ca.pem)
    organisation = (root / "organisation.yaml").read_text(encoding="utf-8")
    start = organisation.index("godkännande_organ:")
    # The block ends at the first line after it that is neither indented nor a list item.
    end = next(m.start() for m in re.finditer(r"\n(?![ -])", organisation) if m.start() > start)
    bodies = ["godkännande_organ:", "  - id: samordningsgruppen", "    namn: Samordningsgruppen",
              f"    parter: [{', '.join(PARTIES)}]"]
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("XDG_CACHE_HOME", str(folder / "cache"))
        mp.delenv(ENV_P12, raising=False)
        mp.delenv(ENV_PASSWORD, raising=False)
        for body_id, name in PARTIES.items():
            issued = issue(ca, name)
            p12 = folder / f"{body_id}.p12"
            p12.write_bytes(pkcs12.serialize_key_and_certificates(
                body_id.encode(), issued.key, issued.certificate, [ca.certificate],
                BestAvailableEncryption(f"lösen-{body_id}".encode())))
            bodies += [f"  - id: {body_id}", f"    namn: {name}", f"    nyckel: {{pkcs12: {p12}}}"]
            mp.setenv(f"RUTIN_SIGN_PASSWORD_{body_id.upper()}", f"lösen-{body_id}")
        (root / "organisation.yaml").write_text(
            organisation[:start] + "\n".join(bodies) + organisation[end:]
            + "betrodda_certifikat: [rot.pem]\n", encoding="utf-8")
        library, diagnostics = load_library(root)
        assert library.organisation is not None, diagnostics
        yield library


@pytest.fixture(scope="module")
def signed_pdf(library: Library, tmp_path_factory: pytest.TempPathFactory) -> Path:
    routine = library.by_id(APPROVED)
    assert routine is not None
    ctx = RenderContext(routine, library, BuildOptions())
    [pdf] = [a for a in sign_artifacts(ctx, get_renderer("pdf")(ctx))
             if a.filename.endswith(".pdf")]
    path = tmp_path_factory.mktemp("ut") / pdf.filename
    path.write_bytes(pdf.data)
    return path


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
    routine = library.by_id(APPROVED)
    assert routine is not None
    ctx = RenderContext(routine, library, BuildOptions())
    folder = tmp_path_factory.mktemp("docx")
    for artifact in sign_artifacts(ctx, get_renderer("docx")(ctx)):
        (folder / artifact.filename).write_bytes(artifact.data)
    return folder / f"{ctx.stem}.docx"


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
