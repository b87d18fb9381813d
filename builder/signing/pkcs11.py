"""Keys on smart cards and HSMs through PKCS#11 (SITHS cards, network HSMs, SoftHSM in tests).

Module, token and key label come from the environment (or, per approving body, from
organisation.yaml — never a secret there); the PIN only from the environment or a prompt, and
it is never written anywhere. The private key never leaves the token: PDFs are signed with
pyHanko's PKCS#11 signer, the DOCX signature value is computed on the token as well.
"""

from __future__ import annotations

import getpass
import hashlib
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography import x509

from builder.errors import SigningError
from builder.signing.algorithms import ECDSA_SHA256, RSA_SHA256
from builder.signing.login_scope import ENV_LOGIN_SCOPE

ENV_MODULE = "RUTIN_PKCS11_MODULE"
ENV_TOKEN = "RUTIN_PKCS11_TOKEN"
ENV_KEY = "RUTIN_PKCS11_KEY"
ENV_PIN = "RUTIN_PKCS11_PIN"

_PINS: dict[tuple[str, str], str] = {}  # asked once per process tree (workers fork after it)
_SESSIONS: dict[tuple[int, str, str], Any] = {}  # (pid, module, token): a session per process
_REFUSED: dict[tuple[str, str], str] = {}  # (module, token) → why its PIN was refused


class PinError(SigningError):
    """The token refused the PIN (or is locked): the build stops, the PIN is not tried again."""

    stops_build = True


@contextmanager
def _one_attempt(config: Pkcs11Config) -> Iterator[Path | None]:
    """Serialise logins to a token across the build's processes; the marker of a refused
    login (None outside a login scope)."""
    import fcntl

    scope = os.environ.get(ENV_LOGIN_SCOPE)
    if not scope or not Path(scope).is_dir():
        yield None
        return
    key = hashlib.sha256(f"{config.module}\0{config.token}".encode()).hexdigest()[:24]
    with open(Path(scope) / f"{key}.lock", "w", encoding="utf-8") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield Path(scope) / f"{key}.refused"
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _tries_left(token: Any) -> str:
    """What the token says of the PIN's remaining tries (PKCS#11 token flags)."""
    from pkcs11 import TokenFlag

    flags = token.flags
    if flags & TokenFlag.USER_PIN_LOCKED:
        return "PIN-koden är nu låst (kortet måste låsas upp med PUK-koden)"
    if flags & TokenFlag.USER_PIN_FINAL_TRY:
        return "ett försök återstår innan PIN-koden låses"
    if flags & TokenFlag.USER_PIN_COUNT_LOW:
        return "minst ett felaktigt försök har gjorts; få försök återstår"
    return "kortet anger inte hur många försök som återstår"


@dataclass(frozen=True)
class Pkcs11Config:
    """Which module, token and key; which environment variable holds the PIN."""

    module: str
    token: str
    key_label: str
    pin_variable: str = ENV_PIN  # environment variable holding the PIN
    # Where the key is configured, opening its messages: "routines/organisation.yaml:6:5:
    # organet kommunen" for a body's key; empty for the default key (the environment).
    origin: str = ""

    @property
    def description(self) -> str:
        """The token and key, named for messages (never the PIN)."""
        return f"PKCS#11-token ”{self.token}”, nyckel ”{self.key_label}”"

    def located(self, message: str) -> str:
        """``message`` opened by where the key is configured."""
        return f"{self.origin}: {message}" if self.origin else message


def config_from_environment() -> Pkcs11Config | None:
    """The token named by RUTIN_PKCS11_MODULE/_TOKEN/_KEY, or None when no module is set."""
    module = os.environ.get(ENV_MODULE, "")
    if not module:
        return None
    token, key = os.environ.get(ENV_TOKEN, ""), os.environ.get(ENV_KEY, "")
    if not token or not key:
        raise SigningError(f"{ENV_MODULE} är satt men {ENV_TOKEN} (tokenetikett) och "
                           f"{ENV_KEY} (nyckeletikett) måste också anges")
    return Pkcs11Config(module, token, key)


def _pin(config: Pkcs11Config) -> str:
    pin = os.environ.get(config.pin_variable)
    if pin:
        return pin
    cached = _PINS.get((config.module, config.token))
    if cached:
        return cached
    if not sys.stdin.isatty():
        raise SigningError(config.located(f"PIN-kod saknas för {config.description}: sätt "
                                          f"{config.pin_variable} eller kör interaktivt"))
    pin = getpass.getpass(f"PIN-kod för {config.description}: ")
    _PINS[(config.module, config.token)] = pin
    return pin


def open_session(config: Pkcs11Config) -> Any:
    """A logged-in session in this process (a forked build worker opens its own). Within a
    login scope (a build) a PIN the token refused is never tried again, by any process."""
    slot = (os.getpid(), config.module, config.token)
    if slot in _SESSIONS:
        return _SESSIONS[slot]
    token_key = (config.module, config.token)
    if token_key in _REFUSED:  # this process (or the one it forked from) was refused
        raise PinError(_REFUSED[token_key])
    with _one_attempt(config) as refused:
        if refused is not None and refused.is_file():
            raise PinError(refused.read_text(encoding="utf-8"))
        try:
            session = _login(config)
        except PinError as exc:
            _REFUSED[token_key] = str(exc)
            if refused is not None:
                refused.write_text(str(exc), encoding="utf-8")
            raise
    _SESSIONS[slot] = session
    return session


def _login(config: Pkcs11Config) -> Any:
    """Open the token and log in: the one C_Login this process makes."""
    import pkcs11
    from pkcs11 import exceptions

    try:
        lib = pkcs11.lib(config.module)
    except exceptions.PKCS11Error as exc:
        raise SigningError(config.located(
            f"PKCS#11-modulen {config.module} kan inte laddas: {exc}")) from None
    token = None
    try:
        if any(pid != os.getpid() for pid, module, _ in _SESSIONS if module == config.module):
            lib.reinitialize()  # inherited through fork: PKCS#11 state is per process
        token = lib.get_token(token_label=config.token)
        if token.flags & pkcs11.TokenFlag.USER_PIN_LOCKED:
            raise PinError(config.located(f"PIN-koden för {config.description} är låst; "
                                          "inget försök gjordes"))
        try:
            return token.open(user_pin=_pin(config))
        except exceptions.UserAlreadyLoggedIn:  # login is per process, not per session
            return token.open()
    except exceptions.NoSuchToken:
        raise SigningError(config.located(
            f"hittar ingen token med etiketten ”{config.token}”")) from None
    except (exceptions.PinIncorrect, exceptions.PinLocked, exceptions.PinInvalid,
            exceptions.PinLenRange):
        state = _tries_left(lib.get_token(token_label=config.token))
        given = f" (i {config.pin_variable})" if os.environ.get(config.pin_variable) else ""
        raise PinError(config.located(f"fel PIN-kod för {config.description}{given}: {state}. "
                                      "Bygget avbryts utan fler försök")) from None
    except exceptions.PKCS11Error as exc:
        raise SigningError(config.located(f"{config.description} kan inte öppnas: "
                                          f"{type(exc).__name__}")) from None


@dataclass(frozen=True)
class Pkcs11Key:
    """Stands in for the private key in a SigningKey: signing happens on the token."""

    config: Pkcs11Config
    algorithm: str  # XML-DSig SignatureMethod

    def session(self) -> Any:
        """This process's logged-in session on the token."""
        return open_session(self.config)

    def private_key(self) -> Any:
        """The private key object on the token (its label is the configured key label)."""
        from pkcs11 import KeyType, ObjectClass, exceptions

        key_type = KeyType.EC if self.algorithm == ECDSA_SHA256 else KeyType.RSA
        try:
            return self.session().get_key(object_class=ObjectClass.PRIVATE_KEY,
                                          key_type=key_type, label=self.config.key_label)
        except (exceptions.NoSuchKey, exceptions.MultipleObjectsReturned):
            raise SigningError(self.config.located(f"hittar ingen entydig privat nyckel i "
                                                   f"{self.config.description}")) from None

    def xmldsig_sign(self, data: bytes) -> tuple[str, bytes]:
        """SHA-256 with RSA PKCS#1 v1.5, or ECDSA as raw r‖s (what PKCS#11 returns).

        ECDSA hashes here and signs the digest with plain CKM_ECDSA: tokens (SoftHSM among
        them) often lack the combined CKM_ECDSA_SHA256.
        """
        from pkcs11 import Mechanism

        with token_errors(self.config):
            if self.algorithm == ECDSA_SHA256:
                digest = hashlib.sha256(data).digest()
                raw = self.private_key().sign(digest, mechanism=Mechanism.ECDSA)
            else:
                raw = self.private_key().sign(data, mechanism=Mechanism.SHA256_RSA_PKCS)
        return self.algorithm, bytes(raw)


@contextmanager
def token_errors(config: Pkcs11Config) -> Iterator[None]:
    """A token's refusal (mechanism, session, PIN lock) as a Swedish signing error."""
    from pkcs11 import exceptions

    try:
        yield
    except exceptions.PKCS11Error as exc:
        raise SigningError(config.located(f"{config.description} kunde inte signera: "
                                          f"{type(exc).__name__}")) from None


def load_pkcs11_key(config: Pkcs11Config) -> tuple[Pkcs11Key, x509.Certificate,
                                                   tuple[x509.Certificate, ...]]:
    """The token's key handle, its certificate (same label) and any other certificates."""
    from cryptography.hazmat.primitives.asymmetric import ec
    from pkcs11 import Attribute, ObjectClass

    session = open_session(config)
    certificates: list[x509.Certificate] = []
    signer: x509.Certificate | None = None
    for obj in session.get_objects({Attribute.CLASS: ObjectClass.CERTIFICATE}):
        cert = x509.load_der_x509_certificate(bytes(obj[Attribute.VALUE]))
        if obj[Attribute.LABEL] == config.key_label and signer is None:
            signer = cert
        else:
            certificates.append(cert)
    if signer is None:
        raise SigningError(config.located(
            f"{config.description} saknar certifikat med samma etikett"))
    algorithm = (ECDSA_SHA256 if isinstance(signer.public_key(), ec.EllipticCurvePublicKey)
                 else RSA_SHA256)
    handle = Pkcs11Key(config, algorithm)
    handle.private_key()  # fail now, with a clear message, if the key is missing
    return handle, signer, tuple(certificates)


def pyhanko_pkcs11_signer(handle: Pkcs11Key, certificate: x509.Certificate,
                          chain: tuple[x509.Certificate, ...]) -> Any:
    """pyHanko's PKCS#11 signer for the token key (ECDSA: digest hashed here)."""
    from asn1crypto import x509 as asn1_x509  # type: ignore[import-untyped]
    from cryptography.hazmat.primitives import serialization
    from pyhanko.sign.pkcs11 import PKCS11Signer

    der = serialization.Encoding.DER
    return PKCS11Signer(
        handle.session(), key_label=handle.config.key_label,
        signing_cert=asn1_x509.Certificate.load(certificate.public_bytes(der)),
        ca_chain=[asn1_x509.Certificate.load(c.public_bytes(der)) for c in chain],
        use_raw_mechanism=handle.algorithm == ECDSA_SHA256,  # hash here, CKM_ECDSA on token
    )
