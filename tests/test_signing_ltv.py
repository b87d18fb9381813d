"""PAdES B-LTA on request: the chain, OCSP/CRL data and a document timestamp are embedded, so
the signature still validates offline after the signer's certificate has expired."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives.serialization import (
    BestAvailableEncryption,
    Encoding,
    pkcs12,
)
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.ades.report import AdESPassed
from pyhanko.sign.validation.ades import ades_lta_validation
from pyhanko.sign.validation.policy_decl import (
    PdfSignatureValidationSpec,
    RevinfoOnlineFetchingRule,
    RevocationInfoGatheringSpec,
    SignatureValidationSpec,
)
from pyhanko_certvalidator.authority import CertTrustAnchor
from pyhanko_certvalidator.context import CertValidationPolicySpec
from pyhanko_certvalidator.ltv.types import ValidationTimingInfo
from pyhanko_certvalidator.policy_decl import (
    REQUIRE_REVINFO,
    CertRevTrustPolicy,
    FreshnessReqType,
)
from pyhanko_certvalidator.registry import SimpleTrustManager

from builder.load.library import Library, load_library
from builder.options import BuildOptions
from builder.render import RenderContext, get_renderer
from builder.signing.keys import ENV_P12, ENV_PASSWORD, SigningKey
from builder.signing.sign import sign_artifacts, sign_pdf
from builder.signing.verify import strict_diff_policy
from tests.ltv_pki import EXPIRED_AT, LocalPki, local_pki

ROOT = Path(__file__).resolve().parents[1]
APPROVED = "kungalv-insatser-i-hemmet"


@pytest.fixture(scope="module")
def pki() -> Iterator[LocalPki]:
    with local_pki() as running:
        yield running


def _key(pki: LocalPki) -> SigningKey:
    return SigningKey(pki.signer.key, pki.signer.certificate, (pki.root.certificate,),
                      is_test=False)


@pytest.fixture(scope="module")
def library(pki: LocalPki, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Library]:
    """organisation.yaml asks for B-LTA with the local TSA; the signer key is the PKI's."""
    folder = tmp_path_factory.mktemp("ltv")
    root = folder / "routines"
    shutil.copytree(ROOT / "routines", root)
    (root / "rot.pem").write_bytes(pki.root.pem)
    with (root / "organisation.yaml").open("a", encoding="utf-8") as handle:
        handle.write(f"betrodda_certifikat: [rot.pem]\ntidsstämpel_url: {pki.tsa_url}\n"
                     "långtidsvalidering: B-LTA\n")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("XDG_CACHE_HOME", str(folder / "cache"))
        p12 = folder / "samordningsgruppen.p12"
        p12.write_bytes(pkcs12.serialize_key_and_certificates(
            b"sg", pki.signer.key, pki.signer.certificate, [pki.root.certificate],
            BestAvailableEncryption(b"ltv-test")))
        mp.setenv(ENV_P12, str(p12))
        mp.setenv(ENV_PASSWORD, "ltv-test")
        yield load_library(root)[0]


@pytest.fixture(scope="module")
def lta_pdf(library: Library, pki: LocalPki) -> bytes:
    routine = library.by_id(APPROVED)
    assert routine is not None
    ctx = RenderContext(routine, library, BuildOptions())
    [pdf] = [a for a in sign_artifacts(ctx, get_renderer("pdf")(ctx))
             if a.filename.endswith(".pdf")]
    return pdf.data


def _offline_lta(data: bytes, pki: LocalPki, when: dt.datetime) -> object:
    """pyHanko's AdES LTA validation, no fetching, the validation clock at ``when``."""
    trust = SimpleTrustManager.build(trust_roots=[
        CertTrustAnchor(asn1_x509.Certificate.load(pki.root.certificate.public_bytes(
            Encoding.DER)))])
    policy = CertValidationPolicySpec(trust_manager=trust,
                                      revinfo_policy=CertRevTrustPolicy(REQUIRE_REVINFO))
    # The newest document timestamp is checked "now": its TSA certificate is still valid, and
    # offline the only revocation data for it is what was embedded, so that data may be up to
    # a year old (a B-LTA archive adds a new document timestamp well within that). The signer
    # certificate is checked at the timestamp's time against the embedded OCSP/CRL, strictly.
    ts_policy = CertValidationPolicySpec(trust_manager=trust, revinfo_policy=CertRevTrustPolicy(
        REQUIRE_REVINFO, freshness=dt.timedelta(days=365),
        freshness_req_type=FreshnessReqType.MAX_DIFF_REVOCATION_VALIDATION))
    # The difference analysis is `rutin verify`'s: pyHanko's own default has no rule for the
    # structure tree's reference to the (tagged, PDF/UA) document-timestamp widget.
    spec = PdfSignatureValidationSpec(SignatureValidationSpec(
        cert_validation_policy=policy, ts_cert_validation_policy=ts_policy,
        revinfo_gathering_policy=RevocationInfoGatheringSpec(
            online_fetching_rule=RevinfoOnlineFetchingRule.LOCAL_ONLY)),
        diff_policy=strict_diff_policy())
    signature = PdfFileReader(io.BytesIO(data)).embedded_signatures[0]
    timing = ValidationTimingInfo(validation_time=when, best_signature_time=when,
                                  point_in_time_validation=False)
    return asyncio.run(ades_lta_validation(signature, spec, timing_info=timing))


def test_b_lta_embeds_chain_revocation_data_and_a_document_timestamp(
        lta_pdf: bytes, pki: LocalPki) -> None:
    reader = PdfFileReader(io.BytesIO(lta_pdf))
    dss = reader.root["/DSS"]
    assert len(dss["/Certs"]) >= 3  # signer, root, TSA (and the OCSP responder)
    assert "/OCSPs" in dss or "/CRLs" in dss
    kinds = [s.sig_object.get("/Type") for s in reader.embedded_signatures]
    assert kinds[0] == "/Sig" and kinds[-1] == "/DocTimeStamp"
    served = pki.requests
    assert "POST /tsa" in served and ("POST /ocsp" in served or "GET /crl" in served)


def test_b_lta_validates_offline_after_the_signer_certificate_expired(
        lta_pdf: bytes, pki: LocalPki) -> None:
    after_expiry = EXPIRED_AT + dt.timedelta(days=30)
    assert pki.signer.certificate.not_valid_after_utc < after_expiry
    result = _offline_lta(lta_pdf, pki, after_expiry)
    summary = result.api_status.summary()  # type: ignore[attr-defined]
    assert "INTACT:TRUSTED" in summary and "EXTENDED_WITH_LTA_UPDATES" in summary
    assert result.ades_subindic == AdESPassed.OK, result  # type: ignore[attr-defined]
    assert result.api_status.bottom_line  # type: ignore[attr-defined]


def test_verify_accepts_the_b_lta_pdf_and_reports_the_document_timestamp(
        library: Library, lta_pdf: bytes, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from builder.cli import cli

    path = tmp_path / f"{APPROVED}.pdf"
    path.write_bytes(lta_pdf)
    result = CliRunner().invoke(cli, ["verify", "--routines", str(library.root), str(path)])
    assert result.exit_code == 0, result.output
    assert "✓ Dokumenttidsstämpel (långtidsvalidering)" in result.output
    assert "Signerad av: Samordningsgruppen (LTV-test)" in result.output


def test_b_b_signature_does_not_outlive_its_certificate(pki: LocalPki,
                                                       lta_pdf: bytes) -> None:
    """The contrast: the same signer without B-LTA fails once its certificate has expired."""
    from builder.render.weasy import PdfOptions, html_to_pdf

    plain = sign_pdf(html_to_pdf("<p>Prov</p>", PdfOptions()).data, signer_name="Prov",
                     date="2026-05-29", protocol=None, key=_key(pki))
    result = _offline_lta(plain, pki, EXPIRED_AT + dt.timedelta(days=30))
    assert result.ades_subindic != AdESPassed.OK  # type: ignore[attr-defined]
