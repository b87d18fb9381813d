"""Verify built files: signature, trust and coverage, and that the content matches the ledger."""

from __future__ import annotations

import asyncio
import io
import logging
import zipfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from builder.load.library import Library
from builder.signing.keys import TEST_TEXT, local_key_dir
from builder.signing.sign import META_HASH, META_ID, META_VERSION


@dataclass(frozen=True)
class Finding:
    """One check's outcome in the report."""

    ok: bool | None  # None: information only (signer, time)
    text: str  # Swedish, for the user


@dataclass(frozen=True)
class FileReport:
    """Everything checked about one file."""

    path: Path
    findings: tuple[Finding, ...]

    @property
    def ok(self) -> bool:
        """Whether the file passed: checks were made and none failed."""
        return bool(self.findings) and all(f.ok is not False for f in self.findings)


@dataclass(frozen=True)
class TrustRoots:
    """The certificates a signature must chain to, and where they came from."""

    certificates: tuple[Any, ...]  # asn1crypto certificates
    source: str  # where they came from, for the report
    problems: tuple[str, ...] = ()


def _load_certificates(data: bytes) -> list[Any]:
    from asn1crypto import pem, x509  # type: ignore[import-untyped]

    if pem.detect(data):
        return [x509.Certificate.load(der) for _, _, der in pem.unarmor(data, multiple=True)]
    return [x509.Certificate.load(data)]


def load_trust_roots(library: Library | None) -> TrustRoots:
    """The organisation's configured root certificates, else the local test CA."""
    organisation = library.organisation if library else None
    if library is not None and organisation is not None and organisation.trusted_certificates:
        certs: list[Any] = []
        problems: list[str] = []
        root = library.root.resolve()
        for name in organisation.trusted_certificates:
            path = (library.root / name).resolve()
            if not path.is_relative_to(root):
                problems.append(f"betrott certifikat '{name}' ligger utanför routines/")
            elif not path.is_file():
                problems.append(f"betrott certifikat '{name}' finns inte")
            else:
                try:
                    certs.extend(_load_certificates(path.read_bytes()))
                except ValueError:
                    problems.append(f"betrott certifikat '{name}' är inget PEM/DER-certifikat")
        return TrustRoots(tuple(certs), "betrodda_certifikat i organisation.yaml", tuple(problems))
    ca = local_key_dir() / "ca.pem"
    if ca.is_file():
        return TrustRoots(tuple(_load_certificates(ca.read_bytes())), "lokal test-CA")
    missing = ("inga betrodda certifikat: organisation.yaml anger inga (betrodda_certifikat) "
               "och ingen lokal testnyckel finns")
    return TrustRoots((), "inga", (missing,))


def _context(roots: TrustRoots) -> Any:
    from pyhanko_certvalidator import ValidationContext

    # Offline: revocation is soft-fail, nothing is fetched (a build machine may have no net).
    return ValidationContext(trust_roots=list(roots.certificates), allow_fetching=False)


def _signer(cert: Any) -> str:
    name = cert.subject.native
    return str(name.get("common_name") or cert.subject.human_friendly)


def _signature_findings(status: Any, roots: TrustRoots) -> list[Finding]:
    """intact / valid / trusted / signer / time, shared by PDF and CMS signatures."""
    if not status.intact:
        findings = [Finding(False, "Signaturen är bruten: det signerade innehållet har ändrats")]
    elif not status.valid:
        findings = [Finding(False, "Signaturen är intakt men ogiltig (felaktig signatur "
                                   "eller otillåten algoritm)")]
    else:
        findings = [Finding(True, "Signaturen är intakt och kryptografiskt giltig")]
        if status.trusted:
            findings.append(Finding(True, f"Certifikatet är betrott ({roots.source})"))
        else:
            findings.append(Finding(False, "Certifikatet är inte betrott: det kedjar inte till "
                                           f"ett betrott rotcertifikat ({roots.source})"))
    findings.extend(Finding(False, problem) for problem in roots.problems)
    signer = _signer(status.signing_cert)
    findings.append(Finding(None, f"Signerad av: {signer}"))
    when = status.signer_reported_dt
    if status.timestamp_validity is not None:
        when = status.timestamp_validity.timestamp
        findings.append(Finding(status.timestamp_validity.valid,
                                f"Tidsstämpel: {when:%Y-%m-%d %H:%M:%S %Z}"))
    elif when is not None:
        findings.append(Finding(None, f"Signeringstid (enligt signeraren): "
                                      f"{when:%Y-%m-%d %H:%M:%S %Z}"))
    if TEST_TEXT.split(" ")[0] in signer:
        findings.append(Finding(None, "Obs: testsignatur från den lokala testnyckeln – "
                                      "inte det godkännande organets egen nyckel"))
    return findings


def _coverage_finding(status: Any) -> Finding:
    from pyhanko.sign.diff_analysis import ModificationLevel
    from pyhanko.sign.validation import SignatureCoverageLevel

    if status.coverage == SignatureCoverageLevel.ENTIRE_FILE:
        return Finding(True, "Signaturen täcker hela filen")
    if (status.coverage == SignatureCoverageLevel.ENTIRE_REVISION
            and status.modification_level in (ModificationLevel.NONE,
                                              ModificationLevel.LTA_UPDATES)):
        return Finding(True, "Signaturen täcker dokumentet; senare tillägg är bara "
                             "valideringsdata")
    return Finding(False, "Ändrad efter signering: filen har senare tillägg som ändrar "
                          "innehållet, så det som visas är inte det som signerades")


def _ledger_findings(library: Library | None, doc_id: str, version: str,
                     digest: str | None) -> list[Finding]:
    """Does the signed id/version/hash match the ledger entry and the current routine?"""
    from builder.governance.ledger import content_hash, entries_for, load_ledger

    if library is None:
        return [Finding(False, "Hittar ingen routines/-mapp att jämföra med (ange --routines)")]
    routine = library.by_id(doc_id)
    if routine is None:
        return [Finding(False, f"Ingen rutin med id '{doc_id}' finns i {library.root}")]
    findings: list[Finding] = []
    _, problems = load_ledger(library.group_folder(routine))
    if problems:
        findings.append(Finding(False, "Godkännandeliggaren är skadad (kör 'rutin check', "
                                       "R406) och kan inte styrka fastställelsen"))
    entries = entries_for(library, doc_id)
    entry = next((e for e in reversed(entries) if e.version == version and e.is_approval), None)
    if entry is None:
        findings.append(Finding(False, f"Version {version} av '{doc_id}' är inte fastställd "
                                       "enligt godkännandeliggaren"))
    elif digest is not None and entry.content_sha256 != digest:
        findings.append(Finding(False, f"Innehållshashen stämmer inte med liggarens post för "
                                       f"version {version} (rad {entry.line})"))
    else:
        what = "Id, version och innehållshash" if digest else "Id och version"
        findings.append(Finding(True, f"{what} stämmer med godkännandeliggaren (fastställd "
                                      f"{entry.date.isoformat()}, {entry.protocol})"))
    if entries and not entries[-1].is_approval:
        findings.append(Finding(False, f"Rutinen är upphävd ({entries[-1].date.isoformat()})"))
    document = routine.document
    latest = next((e for e in reversed(entries) if e.is_approval), None)
    if latest is not None and latest.version != version:
        findings.append(Finding(False, f"Inaktuell: version {latest.version} fastställdes "
                                       f"{latest.date.isoformat()}, filen är version {version}"))
    elif document.version != version:
        # A draft of the next version does not make the approved one invalid: it still applies.
        findings.append(Finding(None, f"Gällande fastställd version; version {document.version} "
                                      f"är under arbete ({document.status})"))
    elif digest is not None and content_hash(document) != digest:
        findings.append(Finding(False, "Rutinens innehåll har ändrats sedan filen signerades "
                                       "(R407): bygg om efter nytt godkännande"))
    else:
        findings.append(Finding(True, f"Stämmer med aktuell rutin ({routine.display})"))
    return findings


def _signed_info(signature: Any) -> dict[str, str]:
    """Document info as of the signed revision: later updates cannot change what we compare."""
    resolver = signature.reader.get_historical_resolver(signature.signed_revision)
    info = resolver.trailer_view.get("/Info")
    if info is None:
        return {}
    info = info.get_object()
    return {key: str(info[f"/{key}"]) for key in (META_ID, META_VERSION, META_HASH)
            if f"/{key}" in info}


@contextmanager
def _quiet_pyhanko() -> Iterator[None]:
    """pyHanko logs tracebacks for suspicious updates; the verdict is reported in Swedish."""
    logger = logging.getLogger("pyhanko")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(level)


def verify_pdf(path: Path, library: Library | None, roots: TrustRoots) -> FileReport:
    """Check a PDF's signature, its integrity and its content against the ledger."""
    from pyhanko.pdf_utils.misc import PdfError
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.errors import SignatureValidationError

    try:
        reader = PdfFileReader(io.BytesIO(path.read_bytes()), strict=False)
        signatures = reader.embedded_signatures
    except (PdfError, ValueError, KeyError) as exc:
        return FileReport(path, (Finding(False, f"Filen kan inte läsas som PDF: {exc}"),))
    if not signatures:
        return FileReport(path, (Finding(False, "PDF:en saknar digital signatur"),))
    signature = signatures[0]
    try:
        with _quiet_pyhanko():
            status = validate_pdf_signature(signature, _context(roots))
    except (SignatureValidationError, PdfError, ValueError, KeyError) as exc:
        return FileReport(path, (Finding(False, f"Signaturen kan inte kontrolleras: {exc}"),))
    findings = _signature_findings(status, roots)
    findings.append(_coverage_finding(status))
    if len(signatures) > 1:
        findings.append(Finding(False, f"Filen har {len(signatures)} signaturer; "
                                       "bara en förväntas"))
    info = _signed_info(signature)
    if META_ID not in info or META_VERSION not in info or META_HASH not in info:
        findings.append(Finding(False, "Den signerade PDF:en saknar dokument-id, version eller "
                                       f"innehållshash ({META_ID}, {META_VERSION}, {META_HASH})"))
    else:
        findings.extend(_ledger_findings(library, info[META_ID], info[META_VERSION],
                                         info[META_HASH]))
    return FileReport(path, tuple(findings))


_CORE = {"dc": "http://purl.org/dc/elements/1.1/",
         "cp": "http://schemas.openxmlformats.org/package/2006/metadata/core-properties"}


def _docx_identity(data: bytes) -> tuple[str | None, str | None]:
    """Document id and version from the DOCX core properties (inside the signed bytes)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            root = ElementTree.fromstring(archive.read("docProps/core.xml"))
    except (zipfile.BadZipFile, KeyError, ElementTree.ParseError):
        return None, None
    doc_id, version = root.find("dc:identifier", _CORE), root.find("cp:version", _CORE)
    return (doc_id.text if doc_id is not None else None,
            version.text if version is not None else None)


def verify_docx(path: Path, library: Library | None, roots: TrustRoots) -> FileReport:
    """Check a DOCX against its detached .p7s signature and the ledger."""
    from asn1crypto import cms
    from pyhanko.sign.validation import async_validate_detached_cms
    from pyhanko.sign.validation.errors import SignatureValidationError

    p7s = path.with_name(path.name + ".p7s")
    if not p7s.is_file():
        return FileReport(path, (Finding(False, f"Signaturfilen {p7s.name} saknas"),))
    data = path.read_bytes()
    try:
        content = cms.ContentInfo.load(p7s.read_bytes())
        if content["content_type"].native != "signed_data":
            raise ValueError("ingen CMS SignedData")
        status = asyncio.run(async_validate_detached_cms(
            data, content["content"], signer_validation_context=_context(roots)))
    except (SignatureValidationError, ValueError, TypeError) as exc:
        return FileReport(path, (Finding(False, f"{p7s.name} kan inte läsas: {exc}"),))
    findings = _signature_findings(status, roots)
    doc_id, version = _docx_identity(data)
    if doc_id and version:
        findings.extend(_ledger_findings(library, doc_id, version, None))
    else:
        findings.append(Finding(False, "DOCX-filen saknar dokument-id eller version i sina "
                                       "egenskaper"))
    return FileReport(path, tuple(findings))


def verify_file(path: Path, library: Library | None, roots: TrustRoots) -> FileReport:
    """Check one file by its kind (.pdf, .docx with .docx.p7s)."""
    name = path.name.lower()
    if name.endswith(".docx.p7s"):
        path, name = path.with_name(path.name[:-4]), name[:-4]
    if not path.is_file():
        return FileReport(path, (Finding(False, "Filen finns inte"),))
    if name.endswith(".pdf"):
        return verify_pdf(path, library, roots)
    if name.endswith(".docx"):
        return verify_docx(path, library, roots)
    return FileReport(path, (Finding(False, "Kan bara kontrollera .pdf och .docx (med .p7s)"),))


def verify_files(paths: Iterable[Path], library: Library | None) -> list[FileReport]:
    """Check every file against the library's trust roots."""
    roots = load_trust_roots(library)
    return [verify_file(path, library, roots) for path in paths]


