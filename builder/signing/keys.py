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
from builder.signing.algorithms import ECDSA_SHA256, RSA_SHA256

ENV_P12 = "RUTIN_SIGN_P12"
ENV_PASSWORD = "RUTIN_SIGN_PASSWORD"
TEST_TEXT = "TESTSIGNATUR – ej giltig"


@dataclass(frozen=True)
class SigningKey:
    """A private key (or a PKCS#11 key handle) with its certificate and chain."""

    key: Any  # an RSA or EC private key from `cryptography`, or a PKCS#11 key handle
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
    """The approving body's key: PKCS#11 or PKCS#12 named by the environment, else the test key."""
    from builder.signing.pkcs11 import config_from_environment, load_pkcs11_key

    token = config_from_environment()
    if token is not None:
        handle, token_cert, chain = load_pkcs11_key(token)
        return SigningKey(handle, token_cert, chain, is_test=False)
    p12 = os.environ.get(ENV_P12, "")
    if not p12:
        return _cached_test_key(str(local_key_dir()))
    return _load_pkcs12(p12, ENV_PASSWORD, f"nyckelfilen i {ENV_P12}")


def _load_pkcs12(p12: str, password_variable: str, named: str) -> SigningKey:
    """The key and certificates of a PKCS#12 file. Messages name the file by where it is
    configured (``named``), never by its path: they reach the build report, which is
    published with the output (output/.rutin-manifest.json)."""
    password = os.environ.get(password_variable)
    try:
        data = Path(p12).read_bytes()
        key, cert, extra = pkcs12.load_key_and_certificates(
            data, password.encode() if password else None)
    except OSError as exc:
        raise SigningError(f"kan inte läsa {named}: {exc.strerror}") from None
    except ValueError:
        raise SigningError(f"{named} kunde inte öppnas: fel lösenord i "
                           f"{password_variable} eller ingen PKCS#12-fil") from None
    if key is None or cert is None:
        raise SigningError(f"{named} saknar privat nyckel eller certifikat")
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


def signature_algorithm(key: SigningKey) -> str:
    """The XML-DSig SignatureMethod for the key (SHA-256 with RSA or ECDSA)."""
    public = key.certificate.public_key()
    if isinstance(public, ec.EllipticCurvePublicKey):
        return ECDSA_SHA256
    from cryptography.hazmat.primitives.asymmetric import rsa

    if isinstance(public, rsa.RSAPublicKey):
        return RSA_SHA256
    raise SigningError("nyckeln måste vara RSA eller EC")


def signature_value(key: SigningKey, data: bytes) -> tuple[str, bytes]:
    """(XML-DSig algorithm URI, signature value) over ``data`` with SHA-256.

    RSA is PKCS#1 v1.5; ECDSA is the raw r‖s XML-DSig expects, not DER.
    """
    from cryptography.hazmat.primitives.asymmetric import padding, rsa, utils

    external = getattr(key.key, "xmldsig_sign", None)
    if callable(external):  # a hardware key (PKCS#11) signs on the token
        algorithm, raw = external(data)
        return str(algorithm), bytes(raw)
    if isinstance(key.key, rsa.RSAPrivateKey):
        return RSA_SHA256, key.key.sign(data, padding.PKCS1v15(), hashes.SHA256())
    if isinstance(key.key, ec.EllipticCurvePrivateKey):
        r, s = utils.decode_dss_signature(key.key.sign(data, ec.ECDSA(hashes.SHA256())))
        size = (key.key.curve.key_size + 7) // 8
        return ECDSA_SHA256, r.to_bytes(size, "big") + s.to_bytes(size, "big")
    raise SigningError("nyckeln måste vara RSA eller EC")


def secret_variable(prefix: str, body_id: str) -> str:
    """The environment variable holding a body's PIN or password: RUTIN_SIGN_PIN_KOMMUNEN."""
    return f"{prefix}_{body_id.upper().replace('-', '_')}"


def load_body_key(body: Any, origin: str = "") -> SigningKey:
    """The key configured for an approving body (model.ApprovingBody), else the default key.

    Only where the key is lives in organisation.yaml; PINs and passwords come from the
    environment (RUTIN_SIGN_PIN_<ID>, RUTIN_SIGN_PASSWORD_<ID>) or, for a token, a prompt.
    ``origin`` opens every message about the key: where the body's key is written
    ("routines/organisation.yaml:6:5: organet kommunen"; default: "organet kommunen").
    """
    config = getattr(body, "key", None)
    if config is None:
        return load_signing_key()
    origin = origin or f"organet {body.id}"
    if config.pkcs11_module:
        from builder.signing.pkcs11 import Pkcs11Config, load_pkcs11_key

        if not config.token or not config.key_label:
            raise SigningError(f"{origin}: nyckel med pkcs11_modul behöver också token och "
                               "nyckeletikett")
        handle, cert, chain = load_pkcs11_key(Pkcs11Config(
            config.pkcs11_module, config.token, config.key_label,
            secret_variable("RUTIN_SIGN_PIN", body.id), origin))
        return SigningKey(handle, cert, chain, is_test=False)
    if config.pkcs12:
        return _load_pkcs12(config.pkcs12, secret_variable(ENV_PASSWORD, body.id),
                            f"nyckelfilen för organet {body.id} (pkcs12 i organisation.yaml)")
    raise SigningError(f"{origin}: nyckel anger varken pkcs11_modul eller pkcs12")
