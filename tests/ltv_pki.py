"""A test PKI whose CRL, OCSP responder and timestamp authority answer on 127.0.0.1.

Root CA (ten years) issues: a short-lived signer certificate (expires in two days, so a
validation "after expiry" can be run by moving the validation clock), a TSA certificate and
an OCSP responder certificate. Served by http.server in a thread: GET /crl, POST /ocsp,
POST /tsa (pyHanko's DummyTimeStamper answering RFC 3161 requests). A serial put in
``revoked`` is listed on the CRL and answered REVOKED by the OCSP responder from then on.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from asn1crypto import keys as asn1_keys
from asn1crypto import tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper

from tests.pki_helpers import NOW, Issued, issue, root_ca

DER = serialization.Encoding.DER


@dataclass
class LocalPki:
    base_url: str
    root: Issued
    signer: Issued
    tsa: Issued
    responder: Issued
    requests: list[str]  # "GET /crl", "POST /ocsp", "POST /tsa" as served
    revoked: dict[int, dt.datetime]  # serial → revocation time: on the CRL, REVOKED by OCSP
    issued: dict[int, x509.Certificate]  # what the OCSP responder answers for (see issue())

    def issue(self, common_name: str, **kwargs: object) -> Issued:
        """A certificate from this root whose CRL and OCSP are served here."""
        made = issue(self.root, common_name, crl_url=f"{self.base_url}/crl",
                     ocsp_url=f"{self.base_url}/ocsp", **kwargs)  # type: ignore[arg-type]
        self.issued[made.certificate.serial_number] = made.certificate
        return made

    @property
    def tsa_url(self) -> str:
        return f"{self.base_url}/tsa"


def _asn1(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(DER))


@contextmanager
def local_pki() -> Iterator[LocalPki]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    root = root_ca("Region Testland LTV-rot")
    urls = {"crl_url": f"{base}/crl", "ocsp_url": f"{base}/ocsp"}
    signer = issue(root, "Samordningsgruppen (LTV-test)", days=2, **urls)
    tsa = issue(root, "Region Testland TSA", rsa_key=True, tsa=True, **urls)
    responder = issue(root, "Region Testland OCSP", ocsp=True)
    issued = {c.certificate.serial_number: c.certificate for c in (signer, tsa, responder)}
    tsa_key = tsa.key.private_bytes(DER, serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption())
    stamper = DummyTimeStamper(tsa_cert=_asn1(tsa.certificate),
                               tsa_key=asn1_keys.PrivateKeyInfo.load(tsa_key),
                               certs_to_embed=[_asn1(root.certificate)])
    requests: list[str] = []
    revoked: dict[int, dt.datetime] = {}

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:  # quiet test output
            return

        def _reply(self, body: bytes, content_type: str) -> None:
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            requests.append(f"GET {self.path}")
            now = dt.datetime.now(dt.UTC)
            builder = (x509.CertificateRevocationListBuilder()
                       .issuer_name(root.certificate.subject)
                       .last_update(now - dt.timedelta(hours=1))
                       .next_update(now + dt.timedelta(days=7))
                       .add_extension(x509.CRLNumber(1 + len(revoked)), critical=False))
            for serial, when in revoked.items():
                builder = builder.add_revoked_certificate(
                    x509.RevokedCertificateBuilder().serial_number(serial)
                    .revocation_date(when).build())
            crl = builder.sign(root.key, hashes.SHA256())
            self._reply(crl.public_bytes(DER), "application/pkix-crl")

        def do_POST(self) -> None:
            requests.append(f"POST {self.path}")
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            if self.path == "/tsa":
                response = asyncio.run(stamper.async_request_tsa_response(
                    tsp.TimeStampReq.load(body)))
                self._reply(response.dump(), "application/timestamp-reply")
                return
            request = ocsp.load_der_ocsp_request(body)
            now = dt.datetime.now(dt.UTC)
            builder = (ocsp.OCSPResponseBuilder().add_response(
                cert=issued[request.serial_number], issuer=root.certificate,
                algorithm=request.hash_algorithm,
                cert_status=(ocsp.OCSPCertStatus.REVOKED if request.serial_number in revoked
                             else ocsp.OCSPCertStatus.GOOD),
                this_update=now - dt.timedelta(minutes=1), next_update=now + dt.timedelta(days=7),
                revocation_time=revoked.get(request.serial_number),
                revocation_reason=(x509.ReasonFlags.key_compromise
                                   if request.serial_number in revoked else None))
                .responder_id(ocsp.OCSPResponderEncoding.HASH, responder.certificate)
                .certificates([responder.certificate]))
            for extension in request.extensions:
                if isinstance(extension.value, x509.OCSPNonce):
                    builder = builder.add_extension(extension.value, critical=False)
            self._reply(builder.sign(responder.key, hashes.SHA256()).public_bytes(DER),
                        "application/ocsp-response")

    server.RequestHandlerClass = Handler
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield LocalPki(base, root, signer, tsa, responder, requests, revoked, issued)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


EXPIRED_AT = NOW + dt.timedelta(days=2)
