"""Certificates: `rutin verify` checks revocation (CRL and OCSP served on 127.0.0.1, embedded
data for B-LT/B-LTA) and says so when it cannot; the build refuses to sign with an expired,
not-yet-valid or revoked certificate, or before the decision date."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.serialization import BestAvailableEncryption, pkcs12

from builder.errors import SigningError
from builder.load.library import Library, load_library
from builder.signing.approval_record import META_DATE
from builder.signing.keys import ENV_P12, ENV_PASSWORD, SigningKey
from builder.signing.sign import check_signing_key, sign_pdf, signing_moment
from builder.signing.verify import load_trust_roots, verify_file
from tests.ltv_pki import LocalPki, local_pki
from tests.pki_helpers import NOW, Issued, issue, name

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def pki() -> Iterator[LocalPki]:
    with local_pki() as running:
        yield running


@pytest.fixture(scope="module")
def library(pki: LocalPki, tmp_path_factory: pytest.TempPathFactory) -> Library:
    root = tmp_path_factory.mktemp("cert") / "routines"
    shutil.copytree(ROOT / "routines", root)
    (root / "rot.pem").write_bytes(pki.root.pem)
    with (root / "organisation.yaml").open("a", encoding="utf-8") as handle:
        handle.write("betrodda_certifikat: [rot.pem]\n")
    return load_library(root)[0]


def _key(issued: Issued, pki: LocalPki) -> SigningKey:
    return SigningKey(issued.key, issued.certificate, (pki.root.certificate,), is_test=False)


def _pdf(tmp_path: Path, key: SigningKey, **metadata: str) -> Path:
    from builder.render.weasy import PdfOptions, html_to_pdf

    data = sign_pdf(html_to_pdf("<p>Prov</p>", PdfOptions()).data, signer_name="Prov",
                    date="2026-05-29", protocol=None, key=key, metadata=metadata)
    path = tmp_path / "prov.pdf"
    path.write_bytes(data)
    return path


def _texts(path: Path, library: Library) -> list[tuple[bool | None, str]]:
    report = verify_file(path, library, load_trust_roots(library))
    return [(f.ok, f.text) for f in report.findings]


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_a_good_certificate_is_checked_against_its_revocation_service(
        pki: LocalPki, library: Library, tmp_path: Path) -> None:
    signer = pki.issue("Samordningsgruppen (god)")
    path = _pdf(tmp_path, _key(signer, pki))
    served = len(pki.requests)
    texts = _texts(path, library)
    trusted = ("Certifikatet är betrott (betrodda_certifikat i organisation.yaml) och inte "
               "spärrat")
    assert (True, trusted) in texts
    assert len(pki.requests) > served  # asked the responder


@contextmanager
def _revoked(pki: LocalPki, signer: Issued) -> Iterator[None]:
    """``signer`` is on the CRL and answered REVOKED by OCSP while inside, then good again
    (the PKI is shared by the module's tests)."""
    serial = signer.certificate.serial_number
    pki.revoked[serial] = NOW
    try:
        yield
    finally:
        del pki.revoked[serial]


def test_revoked_certificate_is_refused_by_verify(pki: LocalPki, library: Library,
                                                  tmp_path: Path) -> None:
    signer = pki.issue("Samordningsgruppen (spärrad)")
    path = _pdf(tmp_path, _key(signer, pki))
    with _revoked(pki, signer):
        texts = _texts(path, library)
    revoked = ("Certifikatet är spärrat (återkallat) enligt utfärdarens spärrlista eller "
               "OCSP-svar")
    assert (False, revoked) in texts


def test_revoked_certificate_on_the_crl_alone_is_refused(pki: LocalPki, library: Library,
                                                         tmp_path: Path) -> None:
    signer = issue(pki.root, "Samordningsgruppen (CRL)", crl_url=f"{pki.base_url}/crl")
    path = _pdf(tmp_path, _key(signer, pki))
    with _revoked(pki, signer):
        texts = _texts(path, library)
    assert any(ok is False and "spärrat" in text for ok, text in texts), texts
    assert "GET /crl" in pki.requests


def test_unreachable_revocation_service_is_reported_never_passed(
        pki: LocalPki, library: Library, tmp_path: Path) -> None:
    port = _closed_port()
    signer = issue(pki.root, "Samordningsgruppen (offline)",
                   crl_url=f"http://127.0.0.1:{port}/crl")
    path = _pdf(tmp_path, _key(signer, pki))
    report = verify_file(path, library, load_trust_roots(library))
    assert not report.ok
    assert any(f.ok is False and "kunde inte kontrollera spärrstatus" in f.text
               for f in report.findings), report.findings


def _expired(pki: LocalPki) -> Issued:
    """A certificate whose validity ended yesterday."""
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1())
    certificate = (x509.CertificateBuilder().subject_name(name("Samordningsgruppen (utgången)"))
                   .issuer_name(pki.root.certificate.subject).public_key(key.public_key())
                   .serial_number(x509.random_serial_number())
                   .not_valid_before(NOW - dt.timedelta(days=30))
                   .not_valid_after(NOW - dt.timedelta(days=1))
                   .add_extension(x509.BasicConstraints(ca=False, path_length=None), True)
                   .sign(pki.root.key, hashes.SHA256()))
    return Issued(key, certificate)


def _not_yet_valid(pki: LocalPki) -> Issued:
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1())
    certificate = (x509.CertificateBuilder().subject_name(name("Samordningsgruppen (framtida)"))
                   .issuer_name(pki.root.certificate.subject).public_key(key.public_key())
                   .serial_number(x509.random_serial_number())
                   .not_valid_before(NOW + dt.timedelta(days=10))
                   .not_valid_after(NOW + dt.timedelta(days=400))
                   .add_extension(x509.BasicConstraints(ca=False, path_length=None), True)
                   .sign(pki.root.key, hashes.SHA256()))
    return Issued(key, certificate)


def test_signing_refuses_expired_not_yet_valid_and_revoked_certificates(
        pki: LocalPki) -> None:
    roots = [pki.root.certificate]
    with pytest.raises(SigningError, match=r"Samordningsgruppen \(utgången\)”: det gick ut"):
        check_signing_key(_key(_expired(pki), pki), None, roots)
    with pytest.raises(SigningError, match="det är inte giltigt förrän"):
        check_signing_key(_key(_not_yet_valid(pki), pki), None, roots)
    revoked = pki.issue("Samordningsgruppen (spärrad vid signering)")
    with _revoked(pki, revoked), pytest.raises(SigningError, match="det är spärrat"):
        check_signing_key(_key(revoked, pki), None, roots)
    good = issue(pki.root, "Samordningsgruppen (giltig)", crl_url=f"{pki.base_url}/crl")
    check_signing_key(_key(good, pki), None, roots)  # no error


def test_signing_before_the_decision_date_is_refused(pki: LocalPki) -> None:
    tomorrow = signing_moment().date() + dt.timedelta(days=1)
    good = issue(pki.root, "Samordningsgruppen (klocka)")
    with pytest.raises(SigningError, match="ligger före beslutsdatum"):
        check_signing_key(_key(good, pki), tomorrow, [pki.root.certificate])


def test_verify_refuses_a_signature_made_before_the_decision_it_carries(
        pki: LocalPki, library: Library, tmp_path: Path) -> None:
    signer = issue(pki.root, "Samordningsgruppen (bakåt)")
    later = (signing_moment().date() + dt.timedelta(days=30)).isoformat()
    path = _pdf(tmp_path, _key(signer, pki), **{META_DATE: later})
    texts = _texts(path, library)
    assert any(ok is False and f"före beslutsdatum {later}" in text for ok, text in texts), texts


def test_build_with_an_expired_certificate_is_refused_and_the_key_path_is_not_published(
        pki: LocalPki, library: Library, tmp_path: Path) -> None:
    expired = _expired(pki)
    secret = tmp_path / "hemlig-plats"
    secret.mkdir()
    p12 = secret / "samordningsgruppen.p12"
    p12.write_bytes(pkcs12.serialize_key_and_certificates(
        b"sg", expired.key, expired.certificate, [pki.root.certificate],
        BestAvailableEncryption(b"prov")))
    env = {**os.environ, ENV_P12: str(p12), ENV_PASSWORD: "prov",
           "XDG_CACHE_HOME": str(tmp_path / "cache")}
    output = tmp_path / "ut"
    build = subprocess.run(
        [sys.executable, "-m", "builder", "build", "-q", "--format", "pdf", "-j", "1",
         "--output", str(output), str(library.root)], env=env, capture_output=True, text=True,
        timeout=600, check=False, stdin=subprocess.DEVNULL)
    assert build.returncode == 1, build.stdout + build.stderr
    said = build.stdout + build.stderr
    assert "signerar inte med certifikatet ”Samordningsgruppen (utgången)”: det gick ut" in said
    assert not list(output.rglob("kungalv-insatser-i-hemmet-v*.pdf"))  # nothing signed badly
    # A key file that cannot be read: the report names where it is configured, not the path.
    env[ENV_P12] = str(secret / "finns-inte.p12")
    build = subprocess.run(
        [sys.executable, "-m", "builder", "build", "-q", "--format", "pdf", "-j", "1",
         "--output", str(output), str(library.root)], env=env, capture_output=True, text=True,
        timeout=600, check=False, stdin=subprocess.DEVNULL)
    assert build.returncode == 1
    assert "kan inte läsa nyckelfilen i RUTIN_SIGN_P12" in build.stdout + build.stderr
    manifest = (output / ".rutin-manifest.json").read_text(encoding="utf-8")
    json.loads(manifest)
    assert "hemlig-plats" not in manifest and str(secret) not in manifest
