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
from builder.signing.approval_record import (
    APPROVAL_KEYS,
    LABELS,
    META_BODY,
    META_DATE,
    META_ENTRY,
    META_PROTOCOL,
)
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
        findings = [Finding(False, "Signaturen är bruten: signaturvärdet stämmer inte med "
                                   "det signerade innehållet (eller otillåten algoritm)")]
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


def _coverage_finding(status: Any, signature: Any, size: int,
                      signer_revisions: set[int]) -> Finding:
    """Whole file, or later updates that only add validation data or co-signatures.

    Bytes after %%EOF that form no PDF revision are never accepted. A co-signature is form
    filling to pyHanko; it is accepted when every later revision up to the last signature is
    itself a signature (each reported on its own).
    """
    from pyhanko.sign.diff_analysis import ModificationLevel
    from pyhanko.sign.validation import SignatureCoverageLevel

    if status.coverage == SignatureCoverageLevel.ENTIRE_FILE:
        return Finding(True, "Signaturen täcker hela filen")
    last_revision = signature.reader.xrefs.total_revisions - 1
    if signature.signed_revision >= last_revision:
        # No later PDF revision at all, yet bytes past the signed range: appended garbage.
        start, length = (int(v) for v in list(signature.byte_range)[-2:])
        extra = size - (start + length)
        return Finding(False, f"Ändrad efter signering: filen har {extra} byte efter den "
                              "signerade delens slut (efter %%EOF) som inte är någon "
                              "PDF-revision")
    if (status.coverage == SignatureCoverageLevel.ENTIRE_REVISION
            and status.modification_level in (ModificationLevel.NONE,
                                              ModificationLevel.LTA_UPDATES)):
        return Finding(True, "Signaturen täcker dokumentet; senare tillägg är bara "
                             "valideringsdata")
    later = set(range(signature.signed_revision + 1, last_revision + 1))
    last_signer = max(signer_revisions, default=-1)
    if (status.coverage == SignatureCoverageLevel.ENTIRE_REVISION
            and status.modification_level == ModificationLevel.FORM_FILLING
            and {r for r in later if r <= last_signer} <= signer_revisions):
        return Finding(True, "Signaturen täcker dokumentet; senare tillägg är "
                             "medundertecknares signaturer och valideringsdata")
    return Finding(False, "Ändrad efter signering: filen har senare tillägg som ändrar "
                          "innehållet, så det som visas är inte det som signerades")


def _signed_decision_differs(signed: dict[str, str], entry: Any) -> str | None:
    """How the decision the PDF was signed with differs from the ledger's entry, or None."""
    now = {META_DATE: entry.date.isoformat(), META_BODY: entry.body,
           META_PROTOCOL: entry.protocol, META_ENTRY: entry.digest}
    differences = [f"{LABELS[key]}: signerat ”{signed[key]}”, liggaren ”{now[key]}”"
                   for key in APPROVAL_KEYS if signed.get(key) != now[key]]
    if not differences:
        return None
    return (f"Liggarens post för version {entry.version} (rad {entry.line}) stämmer inte med "
            "beslutet som signerades i PDF:en – liggaren har skrivits om efter signeringen: "
            + "; ".join(differences))


def _ledger_findings(library: Library | None, doc_id: str, version: str,
                     digest: str | None,
                     signed: dict[str, str] | None = None) -> list[Finding]:
    """Does the signed id/version/hash match the ledger entry and the current routine?"""
    from builder.governance.ledger import entries_for, load_ledger

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
    elif signed is not None and _signed_decision_differs(signed, entry) is not None:
        findings.append(Finding(False, _signed_decision_differs(signed, entry) or ""))
    else:
        what = "Id, version och innehållshash" if digest else "Id och version"
        findings.append(Finding(True, f"{what} stämmer med godkännandeliggaren (fastställd "
                                      f"{entry.date.isoformat()}, {entry.protocol})"))
    if entries and not entries[-1].is_approval:
        findings.append(Finding(False, f"Rutinen är upphävd ({entries[-1].date.isoformat()})"))
    findings.extend(_evaluation_findings(library, doc_id, version, digest))
    findings.append(_currency_finding(routine, entries, version, digest))
    return findings


def _evaluation_findings(library: Library, doc_id: str, version: str,
                         digest: str | None) -> list[Finding]:
    """Evaluations without change of the signed version: chained in the same verified ledger
    and bound to the same content hash as its approval."""
    from builder.governance.ledger import evaluations_for

    found = [e for e in evaluations_for(library, doc_id) if e.version == version
             and (digest is None or e.content_sha256 == digest)]
    if not found:
        return []
    latest = found[-1]
    return [Finding(True, f"Utvärderad utan ändring {latest.date.isoformat()} av {latest.body} "
                          f"({latest.protocol}); posten är kedjad i liggaren och gäller samma "
                          "innehåll")]


def _currency_finding(routine: Any, entries: list[Any], version: str,
                      digest: str | None) -> Finding:
    """Is the signed version still the routine's current, unchanged approved version?"""
    import datetime as dt

    from builder.governance.ledger import content_hash
    from builder.governance.lifecycle import archived_routine, lifecycle
    from builder.load.library import Library

    document = routine.document
    latest = next((e for e in reversed(entries) if e.is_approval), None)
    life = lifecycle(Library(routine.path.parent, (routine,), None, None, 1),
                     document.id, dt.date.today())
    if (life.in_force is not None and life.in_force.version == version
            and latest is not None and latest.version != version):
        # Approved to take effect later: the signed version is still the one in force.
        frozen = archived_routine(life.in_force.archive)
        coming = ", ".join(f"{v.version} från {v.valid_from.isoformat()}" for v in life.coming)
        if frozen is not None and (digest is None or content_hash(frozen.document) == digest):
            return Finding(True, f"Gällande version; kommande version {coming}")
    if latest is not None and latest.version != version:
        return Finding(False, f"Inaktuell: version {latest.version} fastställdes "
                              f"{latest.date.isoformat()}, filen är version {version}")
    if document.version != version:
        # A draft of the next version does not make the approved one invalid: it still applies.
        return Finding(None, f"Gällande fastställd version; version {document.version} "
                             f"är under arbete ({document.status})")
    if digest is not None and content_hash(document) != digest:
        return Finding(False, "Rutinens innehåll har ändrats sedan filen signerades "
                              "(R407): bygg om efter nytt godkännande")
    return Finding(True, f"Stämmer med aktuell rutin ({routine.display})")


def _signed_info(signature: Any) -> dict[str, str]:
    """Document info as of the signed revision: later updates cannot change what we compare."""
    resolver = signature.reader.get_historical_resolver(signature.signed_revision)
    info = resolver.trailer_view.get("/Info")
    if info is None:
        return {}
    info = info.get_object()
    return {key: str(info[f"/{key}"]) for key in (META_ID, META_VERSION, META_HASH,
                                                   *APPROVAL_KEYS)
            if f"/{key}" in info}


@contextmanager
def _quiet_pyhanko() -> Iterator[None]:
    """pyHanko logs tracebacks for suspicious updates; the verdict is reported in Swedish."""
    loggers = [logging.getLogger(name) for name in ("pyhanko", "pyhanko_certvalidator")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.CRITICAL + 1)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


def verify_pdf(path: Path, library: Library | None, roots: TrustRoots) -> FileReport:
    """Check a PDF's signature, its integrity and its content against the ledger."""
    from pyhanko.pdf_utils.misc import PdfError
    from pyhanko.pdf_utils.reader import PdfFileReader

    data = path.read_bytes()
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        reader.root  # noqa: B018 - parses the trailer and catalogue now
    except (PdfError, ValueError, KeyError, TypeError) as exc:
        return FileReport(path, (Finding(False, f"Filen kan inte läsas som PDF: {exc}"),))
    try:
        signatures = reader.embedded_signatures
    except (PdfError, ValueError, KeyError, TypeError) as exc:
        return FileReport(path, (Finding(False, "Signaturen är bruten: signaturvärdet i PDF:en "
                                                f"är skadat och kan inte tolkas ({exc})"),))
    if not signatures:
        return FileReport(path, (Finding(False, "PDF:en saknar digital signatur"),))
    signer_revisions = {s.signed_revision for s in signatures
                        if s.sig_object.get("/Type") != "/DocTimeStamp"}
    findings: list[Finding] = []
    statuses: list[Any] = []
    signature = signatures[0]
    for number, embedded in enumerate(signatures, start=1):
        status, found = _embedded_findings(embedded, number, len(signatures), roots, len(data),
                                           signer_revisions)
        findings.extend(found)
        if status is not None:
            statuses.append(status)
    if len(statuses) > 1:
        signers = ", ".join(_signer(s.signing_cert) for s in statuses)
        findings.append(Finding(None, f"Undertecknare ({len(statuses)}): {signers}"))
    findings.extend(_signed_decision_findings(_signed_info(signature), library))
    return FileReport(path, tuple(findings))


def _embedded_findings(embedded: Any, number: int, total: int, roots: TrustRoots, size: int,
                       signer_revisions: set[int]) -> tuple[Any | None, list[Finding]]:
    """One embedded signature or document timestamp: its status (None for a timestamp or an
    unreadable signature) and what the report says of it."""
    from pyhanko.pdf_utils.misc import PdfError
    from pyhanko.sign.validation import validate_pdf_signature, validate_pdf_timestamp
    from pyhanko.sign.validation.errors import SignatureValidationError
    from pyhanko_certvalidator.errors import ValidationError

    is_timestamp = embedded.sig_object.get("/Type") == "/DocTimeStamp"
    status: Any
    try:
        with _quiet_pyhanko():
            if is_timestamp:
                status = validate_pdf_timestamp(embedded, _context(roots))
            else:
                status = validate_pdf_signature(embedded, _context(roots))
    except (SignatureValidationError, ValidationError, PdfError, ValueError, KeyError,
            TypeError) as exc:
        return None, [Finding(False, f"Signaturen är bruten: signatur {number} kan inte "
                                     f"kontrolleras mot sitt certifikat ({exc})")]
    if is_timestamp:
        return None, [Finding(status.intact and status.valid and status.trusted,
                              "Dokumenttidsstämpel (långtidsvalidering): "
                              f"{status.timestamp:%Y-%m-%d %H:%M:%S %Z}")]
    findings: list[Finding] = []
    if total > 1:
        findings.append(Finding(None, f"Signatur {number} av {total} "
                                      f"(fält ”{embedded.field_name}”):"))
    findings.extend(_signature_findings(status, roots))
    findings.append(_coverage_finding(status, embedded, size, signer_revisions))
    return status, findings


def _signed_decision_findings(info: dict[str, str], library: Library | None) -> list[Finding]:
    """The id, version, content hash and decision the PDF was signed with, against the ledger."""
    if META_ID not in info or META_VERSION not in info or META_HASH not in info:
        return [Finding(False, "Den signerade PDF:en saknar dokument-id, version eller "
                               f"innehållshash ({META_ID}, {META_VERSION}, {META_HASH})")]
    findings: list[Finding] = []
    signed = {k: info[k] for k in APPROVAL_KEYS if k in info}
    if len(signed) != len(APPROVAL_KEYS):
        findings.append(Finding(None, "PDF:en saknar signerade beslutsuppgifter (signerad "
                                      "med en äldre version); bara id, version och "
                                      "innehållshash jämförs med liggaren"))
    findings.extend(_ledger_findings(library, info[META_ID], info[META_VERSION],
                                     info[META_HASH],
                                     signed if len(signed) == len(APPROVAL_KEYS) else None))
    return findings


_CORE = {"dc": "http://purl.org/dc/elements/1.1/",
         "cp": "http://schemas.openxmlformats.org/package/2006/metadata/core-properties"}
# docProps/core.xml is a few hundred bytes; anything near this is not a real DOCX property part.
MAX_ZIP_MEMBER_BYTES = 256_000


class _UnsafeMember(ValueError):
    """A zip member that is too large when unpacked, or carries a DTD (entity expansion)."""


def read_zip_member(archive: zipfile.ZipFile, name: str, limit: int) -> bytes:
    """A member's bytes, never more than ``limit`` unpacked, whatever its header claims."""
    info = archive.getinfo(name)
    if info.file_size > limit:
        raise _UnsafeMember(f"{name} är {info.file_size} byte uppackad; högst {limit} tillåts")
    with archive.open(info) as handle:
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise _UnsafeMember(f"{name} är större uppackad än dess huvud anger")
    return data


def _docx_identity(data: bytes) -> tuple[str | None, str | None, str | None]:
    """Document id and version from the DOCX core properties (inside the signed bytes), and
    a problem if the part cannot be read safely."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            core = read_zip_member(archive, "docProps/core.xml", MAX_ZIP_MEMBER_BYTES)
        if b"<!DOCTYPE" in core.upper():
            raise _UnsafeMember("docProps/core.xml innehåller en DTD")
        root = ElementTree.fromstring(core)
    except _UnsafeMember as exc:
        return None, None, f"DOCX-filens egenskaper läses inte: {exc}"
    except (zipfile.BadZipFile, zipfile.LargeZipFile, KeyError, ElementTree.ParseError,
            NotImplementedError, EOFError, OSError, ValueError):
        return None, None, None
    doc_id, version = root.find("dc:identifier", _CORE), root.find("cp:version", _CORE)
    return (doc_id.text if doc_id is not None else None,
            version.text if version is not None else None, None)


def _certificate_trusted(certificates: tuple[Any, ...], roots: TrustRoots) -> str | None:
    """None if the signer certificate chains to a trust root (offline), else why not."""
    from asn1crypto import x509 as asn1_x509
    from cryptography.hazmat.primitives import serialization
    from pyhanko_certvalidator import CertificateValidator
    from pyhanko_certvalidator.errors import PathBuildingError, PathError, ValidationError

    der = [asn1_x509.Certificate.load(c.public_bytes(serialization.Encoding.DER))
           for c in certificates]
    validator = CertificateValidator(der[0], der[1:], validation_context=_context(roots))
    try:
        asyncio.run(validator.async_validate_usage(  # type: ignore[no-untyped-call]
            {"digital_signature"}))
    except PathBuildingError:
        return f"det kedjar inte till ett betrott rotcertifikat ({roots.source})"
    except (PathError, ValidationError) as exc:
        return str(exc)
    return None


def _ooxml_findings(data: bytes, roots: TrustRoots) -> list[Finding]:
    """The in-package OPC signature: XML-DSig, every part and relationship, trust."""
    from builder.signing.ooxml import OoxmlError, verify_ooxml

    try:
        signatures = verify_ooxml(data)
    except OoxmlError as exc:
        return [Finding(False, f"Den inbäddade signaturen kan inte kontrolleras: {exc}")]
    if not signatures:
        return [Finding(False, "DOCX-filen saknar inbäddad signatur: Word och LibreOffice "
                               "visar den som osignerad")]
    findings: list[Finding] = []
    for number, signature in enumerate(signatures, start=1):
        if len(signatures) > 1:
            findings.append(Finding(None, f"Inbäddad signatur {number} av {len(signatures)}:"))
        if signature.problems:
            findings.extend(Finding(False, f"Inbäddad signatur: {p}") for p in signature.problems)
        else:
            findings.append(Finding(True, "Den inbäddade signaturen (OOXML) är intakt och "
                                          f"täcker alla {signature.covered} delar och deras "
                                          "relationer"))
        untrusted = _certificate_trusted(signature.certificates, roots)
        if untrusted is None:
            findings.append(Finding(True, f"Certifikatet är betrott ({roots.source})"))
        else:
            findings.append(Finding(False, f"Certifikatet är inte betrott: {untrusted}"))
        subject = signature.certificates[0].subject.rfc4514_string()
        findings.append(Finding(None, f"Signerad av: {_subject_name(signature.certificates[0])}"))
        findings.append(Finding(None, f"Certifikatets subjekt: {subject}"))
        if signature.signing_time:
            findings.append(Finding(None, f"Signeringstid (enligt signeraren): "
                                          f"{signature.signing_time}"))
    findings.extend(Finding(False, problem) for problem in roots.problems)
    return findings


def _subject_name(certificate: Any) -> str:
    """The certificate's common name, else its whole subject."""
    from cryptography.x509.oid import NameOID

    names = certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(names[0].value) if names else certificate.subject.rfc4514_string()


def _p7s_finding(data: bytes, p7s: Path, roots: TrustRoots) -> Finding:
    """The detached CAdES signature beside the DOCX, if any."""
    from asn1crypto import cms
    from pyhanko.sign.validation import async_validate_detached_cms
    from pyhanko.sign.validation.errors import SignatureValidationError
    from pyhanko_certvalidator.errors import PathBuildingError, ValidationError

    try:
        content = cms.ContentInfo.load(p7s.read_bytes())
        if content["content_type"].native != "signed_data":
            raise ValueError("ingen CMS SignedData")
        with _quiet_pyhanko():
            status = asyncio.run(async_validate_detached_cms(
                data, content["content"], signer_validation_context=_context(roots)))
    except (SignatureValidationError, PathBuildingError, ValidationError, ValueError,
            TypeError, KeyError, OSError) as exc:
        return Finding(False, f"{p7s.name} kan inte läsas: {exc}")
    if not status.intact:
        return Finding(False, f"{p7s.name}: signaturen är bruten, filen har ändrats")
    if not status.valid:
        return Finding(False, f"{p7s.name}: signaturen är ogiltig")
    if not status.trusted:
        return Finding(False, f"Certifikatet är inte betrott ({p7s.name}): det kedjar inte till "
                              f"ett betrott rotcertifikat ({roots.source})")
    return Finding(True, f"{p7s.name} (CAdES) är intakt, giltig och betrodd")


def verify_docx(path: Path, library: Library | None, roots: TrustRoots) -> FileReport:
    """Check a DOCX's in-package signatures, its .p7s if present, and the ledger."""
    data = path.read_bytes()
    findings = _ooxml_findings(data, roots)
    p7s = path.with_name(path.name + ".p7s")
    if p7s.is_file():
        findings.append(_p7s_finding(data, p7s, roots))
    # core.xml is read with a size cap and never with a DTD, so reading it is safe even here.
    doc_id, version, problem = _docx_identity(data)
    if problem is not None:
        findings.append(Finding(False, problem))
    if any(finding.ok is False for finding in findings):
        return FileReport(path, tuple(findings))  # nothing in a tampered file is worth comparing
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


