"""Signing and `rutin verify`: PAdES with a stamp, detached CMS for DOCX, tamper detection."""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pikepdf
import pytest
from click.testing import CliRunner
from pypdf import PdfReader

from builder.cli import cli
from builder.load.library import Library, load_library
from builder.options import BuildOptions
from builder.publish import noop
from builder.render import Artifact, RenderContext, get_renderer
from builder.render.weasy import PdfOptions, html_to_pdf
from builder.signing.keys import (
    ENV_P12,
    ENV_PASSWORD,
    ensure_test_key,
    load_signing_key,
    local_key_dir,
)
from builder.signing.ooxml import sign_ooxml
from builder.signing.sign import sign_artifacts, sign_docx, sign_pdf

ROUTINES = Path(__file__).resolve().parents[1] / "routines"
APPROVED = "kungalv-insatser-i-hemmet"
SMALL_HTML = """<!doctype html><html lang="sv"><head><meta charset="utf-8">
<title>Provrutin</title><meta name="author" content="Arbetsgruppen">
<style>@page { size: A4; margin: 20mm } body { font-family: "DejaVu Sans" }</style></head>
<body><h1>Provrutin för signering</h1><p>Åtgärder i hemmet.</p></body></html>"""


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A private user cache (test CA, rescaled font) and no configured key."""
    cache = tmp_path_factory.mktemp("cache")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("XDG_CACHE_HOME", str(cache))
        mp.delenv(ENV_P12, raising=False)
        mp.delenv(ENV_PASSWORD, raising=False)
        yield cache


@pytest.fixture(scope="module")
def small_signed(env: Path) -> bytes:
    pdf = html_to_pdf(SMALL_HTML, PdfOptions(metadata={"RutinId": "provrutin"}))
    assert pdf.warnings == ()
    return sign_pdf(pdf.data, signer_name="Samordningsgruppen", date=dt.date(2026, 5, 29),
                    protocol="2026-05-29 § 4", metadata={"RutinVersion": "1.0"})


@pytest.fixture(scope="module")
def library(env: Path, tmp_path_factory: pytest.TempPathFactory) -> Library:
    root = tmp_path_factory.mktemp("lib") / "routines"
    shutil.copytree(ROUTINES, root)
    return load_library(root)[0]


@pytest.fixture(scope="module")
def built(library: Library, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The approved Kungälv routine rendered to PDF and DOCX and signed as the build does."""
    routine = library.by_id(APPROVED)
    assert routine is not None and routine.document.is_approved
    ctx = RenderContext(routine, library, BuildOptions(output=tmp_path_factory.mktemp("out")))
    artifacts = get_renderer("pdf")(ctx) + get_renderer("docx")(ctx)
    signed = sign_artifacts(ctx, artifacts)
    folder = tmp_path_factory.mktemp("signed")
    for artifact in signed:
        (folder / artifact.filename).write_bytes(artifact.data)
    return {a.filename[len(ctx.stem) + 1:]: folder / a.filename for a in signed}


def run_verify(library: Library, *files: Path) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["verify", "--routines", str(library.root),
                                      *map(str, files)])
    return result.exit_code, result.output


def validate(data: bytes, ca: Path) -> object:
    from asn1crypto import pem, x509
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    _, _, der = pem.unarmor(ca.read_bytes())
    context = ValidationContext(trust_roots=[x509.Certificate.load(der)])
    signature = PdfFileReader(io.BytesIO(data)).embedded_signatures[0]
    assert signature.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"  # PAdES
    return validate_pdf_signature(signature, context)


def stamp_text(data: bytes) -> str:
    """Flatten the signature widget into the page so pypdf can read the stamp."""
    pdf = pikepdf.open(io.BytesIO(data))
    pdf.flatten_annotations("all")
    out = io.BytesIO()
    pdf.save(out)
    return "\n".join(page.extract_text() for page in PdfReader(out).pages)


def test_test_ca_is_created_once_in_the_user_cache(env: Path) -> None:
    first, second = ensure_test_key(), ensure_test_key()
    assert local_key_dir() == env / "rutinbyggaren" / "testnyckel"
    assert first.fingerprint == second.fingerprint and first.is_test
    assert not (Path(__file__).parents[1] / "testnyckel").exists()


def test_build_fingerprints_the_key_that_signs(env: Path) -> None:
    """The manifest's signer is the signing key itself, so a new key re-signs every output."""
    assert noop.signer_fingerprint() == load_signing_key().fingerprint
    assert len(noop.signer_fingerprint()) == 64  # a SHA-256 of the certificate, not a constant
    # Read from the PEM without cryptography (a no-op build), the same fingerprint.
    assert noop.test_key_fingerprint() == load_signing_key().fingerprint


def test_small_pdf_is_pades_intact_valid_and_trusted(small_signed: bytes) -> None:
    from pyhanko.sign.validation import SignatureCoverageLevel

    status = validate(small_signed, local_key_dir() / "ca.pem")
    assert status.intact and status.valid and status.trusted  # type: ignore[attr-defined]
    assert status.coverage == SignatureCoverageLevel.ENTIRE_FILE  # type: ignore[attr-defined]


def test_stamp_says_test_signature_in_whole_words(small_signed: bytes) -> None:
    text = stamp_text(small_signed)
    assert "TESTSIGNATUR – ej giltig" in text
    pdf = pikepdf.open(io.BytesIO(small_signed))
    widget = next(a for a in pdf.pages[-1].Annots if a.get("/FT") == "/Sig")
    assert str(widget.TU).startswith("TESTSIGNATUR – ej giltig – Fastställd av")
    # Letter-spaced text (the un-rescaled font) would extract as "F a s t s t ä l l d".
    flat = " ".join(text.split())
    assert "Fastställd av Samordningsgruppen 29 maj 2026, § 4" in flat
    # The signing time, not the decision date, follows "signerad" (long date, local time).
    assert re.search(r"Elektroniskt signerad \d{1,2} \w+ \d{4} \d{2}:\d{2}", flat)
    assert "2026-05-29" not in flat


def test_test_signature_stamp_is_framed_red(small_signed: bytes) -> None:
    pdf = pikepdf.open(io.BytesIO(small_signed))
    widget = next(a for a in pdf.pages[-1].Annots if a.get("/FT") == "/Sig")
    stream = widget.AP.N.read_bytes().decode("latin-1")
    assert "0.75 0 0 RG" in stream or "0.75 0.0 0.0 RG" in stream


def test_stamp_font_is_embedded_at_1000_units_per_em(small_signed: bytes) -> None:
    pdf = pikepdf.open(io.BytesIO(small_signed))
    widget = next(a for a in pdf.pages[-1].Annots if a.get("/FT") == "/Sig")
    font = next(iter(widget.AP.N.Resources.Font.values()))
    descriptor = font.DescendantFonts[0].FontDescriptor
    assert "/FontFile2" in descriptor  # an embedded TrueType subset
    assert max(float(v) for v in descriptor.FontBBox) < 2000  # 2048-em DejaVu would exceed


def test_signing_appends_and_is_deterministic_apart_from_times(env: Path) -> None:
    original = html_to_pdf(SMALL_HTML).data

    def sign() -> bytes:
        return sign_pdf(original, signer_name="Samordningsgruppen", date="2026-05-29",
                        protocol="§ 4")

    first, second = sign(), sign()
    assert first.startswith(original)  # an incremental update: the rendered bytes stay

    def facts(data: bytes) -> tuple[object, ...]:
        pdf = pikepdf.open(io.BytesIO(data))
        widget = next(a for a in pdf.pages[-1].Annots if a.get("/FT") == "/Sig")
        font = next(iter(widget.AP.N.Resources.Font.values()))
        return (bytes(pdf.trailer.ID[1]), str(font.BaseFont), widget.AP.N.read_bytes())

    assert facts(first) == facts(second)


def test_signed_pdf_keeps_pdfa_metadata_and_tags(small_signed: bytes) -> None:
    pdf = pikepdf.open(io.BytesIO(small_signed))
    assert "/StructTreeRoot" in pdf.Root and pdf.Root.MarkInfo.Marked
    xmp = pdf.open_metadata()
    assert xmp["pdfaid:part"] == "3"
    # PDF/A: info entries must equal their XMP counterparts after pyHanko's update.
    assert str(pdf.docinfo["/Producer"]) == xmp["pdf:Producer"]
    assert str(pdf.docinfo["/RutinId"]) == "provrutin"


def test_build_signs_approved_pdf_in_the_approval_box(built: dict[str, Path]) -> None:
    data = built["pdf"].read_bytes()
    pdf = pikepdf.open(io.BytesIO(data))
    assert pdf.docinfo["/RutinSha256"] and str(pdf.docinfo["/RutinVersion"]) == "1.0"
    widget = next(a for a in pdf.pages[0].Annots if a.get("/FT") == "/Sig")
    x1, y1, x2, _ = (float(v) for v in widget.Rect)
    assert y1 > 600 and x2 - x1 > 150  # the reserved box in the header, not the fallback
    assert "protokoll ej angivet" in stamp_text(data)


def test_verify_passes_for_the_built_files(library: Library, built: dict[str, Path]) -> None:
    code, output = run_verify(library, built["pdf"], built["docx"])
    assert code == 0, output
    assert "Signaturen täcker hela filen" in output
    assert "Certifikatet är betrott (lokal test-CA)" in output
    assert "stämmer med godkännandeliggaren" in output


def test_flipped_byte_in_signed_range_fails(library: Library, built: dict[str, Path],
                                            tmp_path: Path) -> None:
    data = bytearray(built["pdf"].read_bytes())
    position = data.index(b"stream", len(data) // 4) + 40  # inside stream data, signed
    data[position] ^= 0x01
    tampered = tmp_path / built["pdf"].name
    tampered.write_bytes(bytes(data))
    code, output = run_verify(library, tampered)
    assert code == 1, output
    assert "Signaturen är bruten" in output


def test_incremental_update_changing_content_is_reported(
        library: Library, built: dict[str, Path], tmp_path: Path) -> None:
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    writer = IncrementalPdfFileWriter(io.BytesIO(built["pdf"].read_bytes()))
    stream = generic.StreamObject(stream_data=b"q 1 0 0 rg 100 100 200 50 re f Q")
    writer.add_stream_to_page(0, writer.add_object(stream))
    out = io.BytesIO()
    writer.write(out)
    tampered = tmp_path / built["pdf"].name
    tampered.write_bytes(out.getvalue())
    code, output = run_verify(library, tampered)
    assert code == 1
    assert "Ändrad efter signering" in output


def test_changed_routine_no_longer_matches(library: Library, built: dict[str, Path],
                                           tmp_path: Path) -> None:
    root = tmp_path / "routines"
    shutil.copytree(library.root, root)
    source = root / APPROVED / "samverkansrutin.yaml"
    text = source.read_text(encoding="utf-8")
    assert "rubrik: Syfte\n" in text
    source.write_text(text.replace("rubrik: Syfte\n", "rubrik: Syfte och mål\n", 1),
                      encoding="utf-8")
    changed = load_library(root)[0]
    code, output = run_verify(changed, built["pdf"])
    assert code == 1 and "har ändrats sedan filen signerades" in output


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl saknas")
def test_p7s_verifies_with_openssl_and_fails_on_change(
        library: Library, built: dict[str, Path], tmp_path: Path) -> None:
    docx, p7s = built["docx"], built["docx.p7s"]
    ca = local_key_dir() / "ca.pem"

    def openssl_verify(content: Path) -> int:
        return subprocess.run(
            ["openssl", "cms", "-verify", "-binary", "-content", str(content), "-inform", "DER",
             "-in", str(p7s), "-CAfile", str(ca), "-out", "/dev/null"],
            capture_output=True, check=False).returncode

    assert openssl_verify(docx) == 0
    changed = tmp_path / docx.name
    changed.write_bytes(docx.read_bytes() + b"\0")
    shutil.copy(p7s, tmp_path / p7s.name)
    assert openssl_verify(changed) != 0
    code, output = run_verify(library, changed)
    assert code == 1 and f"{p7s.name}: signaturen är bruten" in output


def test_drafts_are_never_signed(library: Library, tmp_path: Path) -> None:
    draft = next(r for r in library.routines if r.document.is_draft)
    ctx = RenderContext(draft, library, BuildOptions(output=tmp_path))
    artifacts = [Artifact(f"{ctx.stem}.pdf", b"%PDF-1.7"), Artifact(f"{ctx.stem}.docx", b"PK")]
    assert sign_artifacts(ctx, artifacts) == artifacts


def test_configured_key_and_trust_roots(library: Library, built: dict[str, Path],
                                        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A PKCS#12 named by the environment signs; organisation.yaml's roots are trusted."""
    from cryptography.hazmat.primitives.serialization import (
        BestAvailableEncryption,
        Encoding,
        pkcs12,
    )

    from builder.signing.keys import ensure_test_key, load_signing_key

    # A second CA in another folder stands in for the region's CA and the body's certificate.
    issued = ensure_test_key(tmp_path / "issued")
    ca = issued.chain[0]
    p12 = tmp_path / "samordningsgruppen.p12"
    p12.write_bytes(pkcs12.serialize_key_and_certificates(
        b"sg", issued.key, issued.certificate, [ca], BestAvailableEncryption(b"hemligt")))
    monkeypatch.setenv(ENV_P12, str(p12))
    monkeypatch.setenv(ENV_PASSWORD, "hemligt")
    signing_key = load_signing_key()
    assert not signing_key.is_test

    root = tmp_path / "routines"
    shutil.copytree(library.root, root)
    (root / "certifikat").mkdir()
    (root / "certifikat" / "rot.pem").write_bytes(ca.public_bytes(Encoding.PEM))
    with (root / "organisation.yaml").open("a", encoding="utf-8") as handle:
        handle.write("betrodda_certifikat: [certifikat/rot.pem]\n")
    configured = load_library(root)[0]
    assert configured.organisation is not None
    assert configured.organisation.trusted_certificates == ["certifikat/rot.pem"]

    docx = tmp_path / built["docx"].name
    docx.write_bytes(sign_ooxml(built["docx"].read_bytes(), signing_key))
    (tmp_path / f"{docx.name}.p7s").write_bytes(sign_docx(docx.read_bytes(), signing_key))
    code, output = run_verify(configured, docx)
    assert "Certifikatet är betrott (betrodda_certifikat i organisation.yaml)" in output
    assert code == 0, output
    assert f"{docx.name}.p7s (CAdES) är intakt, giltig och betrodd" in output

    pdf = html_to_pdf(SMALL_HTML).data
    signed = sign_pdf(pdf, signer_name="Samordningsgruppen", date="2026-05-29",
                      protocol=None, key=signing_key)
    assert "TESTSIGNATUR" not in stamp_text(signed)
    assert "protokoll ej angivet" in stamp_text(signed)


def _local_tsa() -> object:
    """A timestamp authority of our own (no network): a CA and a TSA certificate for it."""
    from asn1crypto import keys as asn1_keys
    from asn1crypto import x509 as asn1_x509
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
    from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper

    now = dt.datetime.now(dt.UTC)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)  # pyHanko's is RSA-only
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test-TSA")])
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=30))
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]),
                           critical=True)
            .sign(key, hashes.SHA256()))
    der_key = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    return DummyTimeStamper(
        tsa_cert=asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER)),
        tsa_key=asn1_keys.PrivateKeyInfo.load(der_key))


def test_timestamped_signature_is_pades_b_t(env: Path) -> None:
    from pyhanko.pdf_utils.reader import PdfFileReader

    pdf = html_to_pdf(SMALL_HTML, PdfOptions(metadata={"RutinId": "provrutin"}))
    signed = sign_pdf(pdf.data, signer_name="Samordningsgruppen", date=dt.date(2026, 5, 29),
                      protocol="2026-05-29 § 4", timestamper=_local_tsa())
    signature = PdfFileReader(io.BytesIO(signed)).embedded_signatures[0]
    unsigned = signature.signer_info["unsigned_attrs"]
    kinds = [attribute["type"].native for attribute in unsigned]
    assert "signature_time_stamp_token" in kinds  # B-T: the signature value is timestamped
    untimed = PdfFileReader(io.BytesIO(sign_pdf(
        pdf.data, signer_name="Samordningsgruppen", date=dt.date(2026, 5, 29),
        protocol=None))).embedded_signatures[0]
    assert not untimed.signer_info["unsigned_attrs"].native  # B-B: no timestamp token
