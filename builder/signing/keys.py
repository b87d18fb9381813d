"""Signing keys: the approving body's PKCS#12 from the environment, or a cached local test CA."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import shutil
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from builder.errors import SigningError
from builder.paths import cache_dir

ENV_P12 = "RUTIN_SIGN_P12"
ENV_PASSWORD = "RUTIN_SIGN_PASSWORD"
TEST_TEXT = "TESTSIGNATUR – ej giltig"


@dataclass(frozen=True)
class SigningKey:
    """A private key with its certificate and chain, as loaded from a PKCS#12 file."""

    key: Any  # an RSA or EC private key from `cryptography`
    certificate: x509.Certificate
    chain: tuple[x509.Certificate, ...]  # intermediates and root, if known
    is_test: bool
    ca_path: Path | None = None  # the test CA's certificate (trust anchor for verify)

    @property
    def fingerprint(self) -> str:
        """SHA-256 of the signer certificate: a new key means re-signing."""
        der = self.certificate.public_bytes(serialization.Encoding.DER)
        return hashlib.sha256(der).hexdigest()


def local_key_dir() -> Path:
    """Where the local test key and CA are kept (the user's cache folder)."""
    return cache_dir() / "testnyckel"


def load_signing_key() -> SigningKey:
    """The approving body's key from PKCS#12 named by the environment, else the test key."""
    p12 = os.environ.get(ENV_P12, "")
    if not p12:
        return _cached_test_key(str(local_key_dir()))
    password = os.environ.get(ENV_PASSWORD)
    try:
        data = Path(p12).read_bytes()
        key, cert, extra = pkcs12.load_key_and_certificates(
            data, password.encode() if password else None)
    except OSError as exc:
        raise SigningError(f"kan inte läsa nyckelfilen {ENV_P12}={p12}: {exc.strerror}") from None
    except ValueError:
        raise SigningError(f"nyckelfilen {p12} kunde inte öppnas: fel lösenord i "
                           f"{ENV_PASSWORD} eller ingen PKCS#12-fil") from None
    if key is None or cert is None:
        raise SigningError(f"nyckelfilen {p12} saknar privat nyckel eller certifikat")
    return SigningKey(key, cert, tuple(extra), is_test=False)


@lru_cache(maxsize=4)
def _cached_test_key(folder: str) -> SigningKey:
    return ensure_test_key(Path(folder))


def ensure_test_key(folder: Path | None = None) -> SigningKey:
    """Create (once) a local test CA and signer certificate in the cache, and load them."""
    folder = folder or local_key_dir()
    if not (folder / "signer.pem").is_file():
        folder.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".testnyckel-", dir=folder.parent))
        _write_test_ca(tmp)
        try:
            tmp.rename(folder)  # atomic: parallel builds agree on one CA
        except OSError:
            shutil.rmtree(tmp, ignore_errors=True)
    key = serialization.load_pem_private_key((folder / "signer-nyckel.pem").read_bytes(), None)
    cert = x509.load_pem_x509_certificate((folder / "signer.pem").read_bytes())
    ca = x509.load_pem_x509_certificate((folder / "ca.pem").read_bytes())
    return SigningKey(key, cert, (ca,), is_test=True, ca_path=folder / "ca.pem")


def _name(common_name: str) -> x509.Name:
    return x509.Name([
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Rutinbyggaren (test)"),
        x509.NameAttribute(NameOID.COMMON_NAME, common_name),
    ])


def _write_test_ca(folder: Path) -> None:
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    signer_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = _name("Rutinbyggaren test-CA – ej giltig")
    ca_ski = x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key())
    ca = (
        x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
        .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False),
                       critical=True)
        .add_extension(ca_ski, critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    signer = (
        x509.CertificateBuilder().subject_name(_name(f"{TEST_TEXT} (Rutinbyggaren)"))
        .issuer_name(ca_name).public_key(signer_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        # digitalSignature + nonRepudiation: what PAdES validators and `openssl cms` expect.
        .add_extension(x509.KeyUsage(True, True, False, False, False, False, False, False, False),
                       critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(signer_key.public_key()),
                       critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski),
                       critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    (folder / "ca.pem").write_bytes(ca.public_bytes(pem))
    (folder / "signer.pem").write_bytes(signer.public_bytes(pem))
    key_path = folder / "signer-nyckel.pem"
    key_path.write_bytes(signer_key.private_bytes(
        pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    key_path.chmod(0o600)  # the CA key is discarded: nothing more can be issued from it
