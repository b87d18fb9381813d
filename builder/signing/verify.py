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
    META_PARTIES,
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


def _context(roots: TrustRoots, embedded: Any = None) -> Any:
    """Trust roots, revocation checked: the CRL and OCSP data embedded in the file (DSS, for
    B-LT/B-LTA) first, then the certificate's own CRL or OCSP responder, fetched. A
    certificate that names a source whose answer cannot be had fails (hard-fail): an
    unchecked revocation status is reported, never passed silently."""
    from pyhanko_certvalidator import ValidationContext

    kwargs: dict[str, Any] = {
        "trust_roots": list(roots.certificates), "allow_fetching": True,
        "revocation_mode": "hard-fail"}
    if embedded is not None:
        return embedded.as_validation_context(kwargs)
    return ValidationContext(**kwargs)


def _embedded_revocation(reader: Any) -> Any:
    """The PDF's document security store (DSS), or None."""
    from pyhanko.pdf_utils.misc import PdfError
    from pyhanko.sign.validation.dss import DocumentSecurityStore
    from pyhanko.sign.validation.errors import NoDSSFoundError

    try:
        return DocumentSecurityStore.read_dss(reader)
    except (NoDSSFoundError, PdfError, KeyError, ValueError, TypeError):
        return None


def _revocation_finding(status: Any) -> Finding | None:
    """A failed revocation check, in words (None: no revocation problem)."""
    from pyhanko.sign.ades.report import AdESIndeterminate

    indication = getattr(status, "trust_problem_indic", None)
    if getattr(status, "revoked", False):
        return Finding(False, "Certifikatet är spärrat (återkallat) enligt utfärdarens "
                              "spärrlista eller OCSP-svar")
    if indication in (AdESIndeterminate.TRY_LATER,
                      AdESIndeterminate.REVOCATION_OUT_OF_BOUNDS_NO_POE):
        return Finding(False, "Certifikatet: kunde inte kontrollera spärrstatus (spärrlistan "
                              "eller OCSP-tjänsten svarar inte och filen bär ingen "
                              "spärrinformation)")
    if indication in (AdESIndeterminate.OUT_OF_BOUNDS_NO_POE,
                      AdESIndeterminate.OUT_OF_BOUNDS_NOT_REVOKED):
        return Finding(False, "Certifikatet var inte giltigt vid signeringen (utgånget eller "
                              "ännu inte giltigt)")
    return None


def _signer(cert: Any) -> str:
    name = cert.subject.native
    return str(name.get("common_name") or cert.subject.human_friendly)


def _revocation_problem(status: Any, embedded: Any, context: Any) -> Finding | None:
    """Why an untrusted signer certificate failed, when it is its revocation status: pyHanko
    reports a revocation source that does not answer only as a general chain failure, so
    the path is validated again here and the error read."""
    from pyhanko_certvalidator import CertificateValidator
    from pyhanko_certvalidator.errors import InsufficientRevinfoError, RevokedError

    certificates = list(embedded.signed_data["certificates"] or [])
    others = [c.chosen for c in certificates if c.name == "certificate"]
    validator = CertificateValidator(status.signing_cert, others, validation_context=context)
    try:
        asyncio.run(validator.async_validate_usage(set()))  # type: ignore[no-untyped-call]
    except RevokedError:
        return Finding(False, "Certifikatet är spärrat (återkallat) enligt utfärdarens "
                              "spärrlista eller OCSP-svar")
    except InsufficientRevinfoError:
        return Finding(False, "Certifikatet: kunde inte kontrollera spärrstatus (spärrlistan "
                              "eller OCSP-tjänsten svarar inte och filen bär ingen "
                              "spärrinformation)")
    except Exception:  # noqa: BLE001 - any other failure is reported as untrusted below
        return None
    return None


def _signature_findings(status: Any, roots: TrustRoots,
                        revocation: Finding | None = None) -> list[Finding]:
    """intact / valid / trusted / signer / time, shared by PDF and CMS signatures."""
    if not status.intact:
        findings = [Finding(False, "Signaturen är bruten: det signerade innehållet har ändrats")]
    elif not status.valid:
        findings = [Finding(False, "Signaturen är bruten: signaturvärdet stämmer inte med "
                                   "det signerade innehållet (eller otillåten algoritm)")]
    else:
        findings = [Finding(True, "Signaturen är intakt och kryptografiskt giltig")]
        revocation = _revocation_finding(status) or revocation
        if status.trusted:
            findings.append(Finding(True, f"Certifikatet är betrott ({roots.source}) och inte "
                                          "spärrat"))
        elif revocation is not None:
            findings.append(revocation)
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


def _coverage_finding(status: Any, signature: Any, size: int) -> Finding:
    """The signed byte range: the whole file, or its own revision (later revisions are judged
    one by one by :func:`_revision_findings`). Bytes after %%EOF that form no PDF revision
    are never accepted."""
    from pyhanko.sign.validation import SignatureCoverageLevel

    if status.coverage == SignatureCoverageLevel.ENTIRE_FILE:
        return Finding(True, "Signaturen täcker hela filen")
    last_revision = signature.reader.xrefs.total_revisions - 1
    if (status.coverage == SignatureCoverageLevel.ENTIRE_REVISION
            and signature.signed_revision < last_revision):
        return Finding(True, "Signaturen täcker sin revision av dokumentet")
    start, length = (int(v) for v in list(signature.byte_range)[-2:])
    extra = size - (start + length)
    return Finding(False, f"Ändrad efter signering: filen har {extra} byte efter den "
                          "signerade delens slut (efter %%EOF) som inte är någon PDF-revision")


# --- what may change after a signature ----------------------------------------------------

def strict_diff_policy() -> Any:
    """pyHanko's difference analysis with only what a co-signed, long-term-validated file
    needs: filling an existing, empty signature field (its value and its appearance), the
    DSS and the document timestamp. No new form fields or annotations, no other field
    values, no change to the document information or XMP, no page content (the shadow
    attacks of Mainka et al., NDSS 2021: hide, replace, hide-and-replace)."""
    from pyhanko.sign.diff_analysis import (
        CatalogModificationRule,
        DSSCompareRule,
        FormUpdatingRule,
        ModificationLevel,
        ObjectStreamRule,
        SigFieldModificationRule,
        StandardDiffPolicy,
        XrefStreamRule,
    )

    lta = ModificationLevel.LTA_UPDATES
    return StandardDiffPolicy(
        global_rules=[CatalogModificationRule(),  # type: ignore[no-untyped-call]
                      XrefStreamRule().as_qualified(lta),
                      ObjectStreamRule().as_qualified(lta), DSSCompareRule().as_qualified(lta),
                      _tagged_widget_rule()],
        form_rule=FormUpdatingRule(field_rules=[SigFieldModificationRule()]),
    )


def _tagged_widget_rule() -> Any:
    """pyHanko's rule for the structure tree's reference to a signature widget.

    A PDF/UA file ties each widget to a /Form structure element by an object reference
    (ISO 14289-1, 7.18.4), so a co-signer's field, made and tagged with the first signature,
    is reached from the structure tree as well as from the form and the page. When the field
    is signed, pyHanko asks for every path to it to be explained: this rule explains the
    structure tree's (only an /OBJR's /Obj, only for a signature field empty before and
    signed now). What may change in the field itself stays SigFieldModificationRule's call.
    """
    from pyhanko.sign.diff_analysis import (
        ModificationLevel,
        QualifiedWhitelistRule,
        ReferenceUpdate,
    )
    from pyhanko.sign.diff_analysis.rules_api import Context

    class TaggedSignatureWidgetRule(QualifiedWhitelistRule):
        def apply_qualified(self, old: Any, new: Any) -> Iterator[tuple[Any, Any]]:
            before = _sig_field_refs(old)
            for name, ref in _sig_field_refs(new).items():
                field = ref.get_object()
                if (before.get(name) != ref or _get(field, "/FT") != "/Sig"
                        or "/V" not in field or "/V" in old(ref.reference)):
                    continue
                # An invisible document timestamp is an LTA update, as pyHanko rates it.
                level = (ModificationLevel.LTA_UPDATES
                         if _get(field["/V"], "/Type") == "/DocTimeStamp"
                         and not any(float(v) for v in _get(field, "/Rect", []))
                         else ModificationLevel.FORM_FILLING)
                old._load_reverse_xref_cache()
                for path in old._get_usages_of_ref(ref.reference):
                    if path.path[:2] == ("/Root", "/StructTreeRoot") and path.path[-1] == "/Obj":
                        yield level, ReferenceUpdate(
                            ref.reference, context_checked=Context.from_absolute(old, path))

    return TaggedSignatureWidgetRule()


def _sig_field_refs(resolver: Any) -> dict[str, Any]:
    """Field name → indirect reference, for every top-level form field of a revision."""
    form = _get(resolver.root, "/AcroForm")
    fields = form.raw_get("/Fields") if form is not None and "/Fields" in form else []
    fields = fields.get_object() if hasattr(fields, "get_object") else fields
    return {str(_get(ref.get_object(), "/T", "")): ref for ref in fields
            if hasattr(ref, "reference")}


def _get(pdf_dict: Any, key: str, default: Any = None) -> Any:
    """A PDF dictionary's value, indirect references resolved (pyHanko's .get leaves them)."""
    try:
        return pdf_dict[key]
    except KeyError:
        return default


def _sig_fields(resolver: Any) -> dict[str, Any]:
    """Field name → field dictionary, for every top-level form field of a revision."""
    form = _get(resolver.root, "/AcroForm")
    fields: dict[str, Any] = {}
    for ref in _get(form, "/Fields", []) if form is not None else []:
        field = ref.get_object()
        fields[str(_get(field, "/T", ""))] = field
    return fields


def _annotations(resolver: Any) -> list[tuple[int, Any, str]]:
    """(page number, reference, subtype) of every annotation in a revision."""
    found: list[tuple[int, Any, str]] = []
    for number, page_ref in enumerate(_page_refs(resolver), start=1):
        for ref in _get(page_ref.get_object(), "/Annots", []):
            annotation = ref.get_object()
            found.append((number, getattr(ref, "reference", ref),
                          str(_get(annotation, "/Subtype", ""))))
    return found


def _page_refs(resolver: Any) -> list[Any]:
    """The page objects of a revision, in order (a bounded walk of the page tree)."""
    pages: list[Any] = []
    stack = [resolver.root.raw_get("/Pages")]
    while stack and len(pages) < 10_000:
        node_ref = stack.pop()
        node = node_ref.get_object()
        if _get(node, "/Type") == "/Pages":
            stack.extend(reversed(list(node.raw_get("/Kids"))))
        else:
            pages.append(node_ref)
    return pages


def _describe_change(old: Any, new: Any) -> str:
    """What a revision changed, in words: new or changed fields and annotations, page
    content, metadata, or otherwise how many objects it rewrites."""
    said: list[str] = []
    old_fields, new_fields = _sig_fields(old), _sig_fields(new)
    added = [name for name in new_fields if name not in old_fields]
    if added:
        said.append("nya formulärfält " + ", ".join(f"”{n}”" for n in added))
    old_annots = {(page, ref) for page, ref, _ in _annotations(old)}
    new_annots = [(page, ref, kind) for page, ref, kind in _annotations(new)
                  if (page, ref) not in old_annots]
    if new_annots:
        said.append("nya anteckningar/widgetar: " + ", ".join(
            f"{kind.lstrip('/')} på sidan {page}" for page, _, kind in new_annots))
    changed = new.explicit_refs_in_revision()
    pages = [n for n, ref in enumerate(_page_refs(new), start=1)
             if getattr(ref, "reference", ref) in changed]
    if pages:
        said.append("sidobjekt ändrade (sidan " + ", ".join(map(str, pages)) + ")")
    metadata = new.root.raw_get("/Metadata") if "/Metadata" in new.root else None
    if metadata is not None and getattr(metadata, "reference", metadata) in changed:
        said.append("dokumentets XMP-metadata ändrad")
    if not said:
        said.append(f"{len(changed)} objekt skrivs om som ingen underskrift förklarar")
    return "; ".join(said)


@dataclass(frozen=True)
class Party:
    """A party whose signature the decision requires, and the field it signs."""

    name: str
    field: str


def _judge_revision(revision: int, total: int, signature: Any, party: Party | None,
                    last_signer: int, result: Any, old: Any, new: Any) -> str | None:
    """Why a revision after the first signature is not allowed, or None."""
    from pyhanko.sign.diff_analysis import ModificationLevel

    where = f"revision {revision + 1} av {total}"
    changed = set(result.changed_form_fields)
    if signature is None:
        if result.modification_level == ModificationLevel.LTA_UPDATES and not changed:
            return None  # validation data (DSS/VRI) only
        return f"{where} ändrar formulärfält utan att signera: {', '.join(sorted(changed))}"
    name = str(signature.field_name)
    if signature.sig_object.get("/Type") == "/DocTimeStamp":
        if revision < last_signer:
            return f"{where}: en dokumenttidsstämpel före en senare underskrift"
        if result.modification_level != ModificationLevel.LTA_UPDATES or changed - {name}:
            return f"{where}: dokumenttidsstämpeln ”{name}” är synlig eller ändrar mer"
        return None
    if party is None:
        return f"{where}: signaturfältet ”{name}” hör inte till någon part som beslutet kräver"
    if name != party.field:
        return (f"{where}: signaturen i fältet ”{name}” är inte nästa parts ({party.name}, "
                f"fältet ”{party.field}”)")
    if changed != {name}:
        others = ", ".join(f"”{n}”" for n in sorted(changed - {name}))
        return f"{where}: underskriften ändrar också {others}"
    before, after = _sig_fields(old).get(name), _sig_fields(new).get(name)
    if before is None or after is None or list(_get(before, "/Rect", [])) != list(
            _get(after, "/Rect", [])):
        return f"{where}: signaturfältet ”{name}” har flyttats eller fanns inte före signeringen"
    return None


def _revision_findings(reader: Any, signatures: list[Any],
                       parties: list[Party]) -> list[Finding]:
    """Judge every revision after the first signature with the strict policy: between
    signatures only the next expected party's field is filled; after the last, only DSS and
    document timestamps. Each change beyond that is reported with its revision."""
    from pyhanko.pdf_utils.misc import PdfError
    from pyhanko.sign.diff_analysis import SuspiciousModification

    total = reader.xrefs.total_revisions
    first = min(s.signed_revision for s in signatures)
    by_revision = {s.signed_revision: s for s in signatures}
    signers = sorted(s.signed_revision for s in signatures
                     if s.sig_object.get("/Type") != "/DocTimeStamp")
    last_signer = max(signers, default=first)
    policy = strict_diff_policy()
    problems: list[str] = []
    new = reader.get_historical_resolver(first)
    for revision in range(first + 1, total):
        # Each revision's resolver is the next one's base: its reverse-reference table, the
        # costly part of pyHanko's analysis, is built once.
        old, new = new, reader.get_historical_resolver(revision)
        signature = by_revision.get(revision)
        index = signers.index(revision) if revision in signers else -1
        party = parties[index] if 0 <= index < len(parties) else None
        try:
            with _quiet_pyhanko():
                result = policy.apply(old, new)
        except (SuspiciousModification, PdfError, KeyError, ValueError, TypeError):
            problems.append(f"revision {revision + 1} av {total}: "
                            + _describe_change(old, new))
            continue
        problem = _judge_revision(revision, total, signature, party, last_signer, result,
                                  old, new)
        if problem is not None:
            problems.append(problem)
    if problems:
        return [Finding(False, f"Ändrad efter signering: {problem}") for problem in problems]
    if total - 1 > first:
        return [Finding(True, "Efter första underskriften har bara nästa parts signaturfält "
                              "fyllts i, och valideringsdata och tidsstämplar lagts till")]
    return []


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
                                                   META_PARTIES, *APPROVAL_KEYS)
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
    """Check a PDF's signatures, every change after them, the parties the decision requires,
    and its content against the ledger."""
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
    signatures = sorted(signatures, key=lambda s: int(s.signed_revision))
    first = signatures[0]
    info = _signed_info(first)
    parties = required_parties(info, library)
    embedded = _embedded_revocation(reader)
    findings: list[Finding] = []
    if parties:
        findings.append(Finding(None, "Beslutet kräver underskrift av: "
                                      + ", ".join(p.name for p in parties)))
    statuses: dict[str, Any] = {}
    for number, signature in enumerate(signatures, start=1):
        status, found = _embedded_findings(signature, number, len(signatures), roots,
                                           len(data), embedded)
        findings.extend(found)
        if status is not None:
            statuses[str(signature.field_name)] = status
    try:
        findings.extend(_revision_findings(reader, signatures, parties))
    except (PdfError, ValueError, KeyError, TypeError) as exc:
        findings.append(Finding(False, f"Ändrad efter signering: revisionerna kan inte "
                                       f"jämföras ({exc})"))
    findings.extend(Finding(False, f"Saknar underskrift från {party.name}")
                    for party in parties if party.field not in statuses)
    if len(statuses) > 1:
        signers = ", ".join(_signer(s.signing_cert) for s in statuses.values())
        findings.append(Finding(None, f"Undertecknare ({len(statuses)}): {signers}"))
    findings.extend(_signing_time_findings(statuses.values(), info))
    findings.extend(_signed_decision_findings(info, library))
    return FileReport(path, tuple(findings))


def required_parties(info: dict[str, str], library: Library | None) -> list[Party]:
    """Whose signatures the decision requires, in signing order: the parties the signed
    decision record names (else the joint body's `parter` in organisation.yaml, else the
    body itself), named as organisation.yaml names them."""
    from builder.signing.sign import party_field

    organisation = library.organisation if library is not None else None
    bodies = {b.id: b for b in organisation.approving_bodies} if organisation else {}
    ids = [i for i in info.get(META_PARTIES, "").split(",") if i]
    if not ids:
        body = bodies.get(info.get(META_BODY, "")) or next(
            (b for b in bodies.values() if b.name == info.get(META_BODY)), None)
        if body is None:
            return []
        ids = list(body.parties) or [body.id]
    return [Party(bodies[i].name if i in bodies else i, party_field(index))
            for index, i in enumerate(ids)]


def _signing_time_findings(statuses: Iterable[Any], info: dict[str, str]) -> list[Finding]:
    """A signature made before the decision it carries is refused (a clock set back)."""
    import datetime as dt

    try:
        decided = dt.date.fromisoformat(info.get(META_DATE, ""))
    except ValueError:
        return []
    findings = []
    for status in statuses:
        when = (status.timestamp_validity.timestamp if status.timestamp_validity is not None
                else status.signer_reported_dt)
        if when is not None and when.date() < decided:
            findings.append(Finding(False, f"{_signer(status.signing_cert)} signerade "
                                           f"{when:%Y-%m-%d}, före beslutsdatum "
                                           f"{decided.isoformat()}"))
    return findings


def _embedded_findings(embedded: Any, number: int, total: int, roots: TrustRoots, size: int,
                       revocation: Any) -> tuple[Any | None, list[Finding]]:
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
                status = validate_pdf_timestamp(embedded, _context(roots, revocation),
                                                skip_diff=True)
            else:
                # Changes after signing are judged by _revision_findings, revision by revision.
                status = validate_pdf_signature(embedded, _context(roots, revocation),
                                                skip_diff=True)
    except (SignatureValidationError, ValidationError, PdfError, ValueError, KeyError,
            TypeError) as exc:
        return None, [Finding(False, f"Signaturen är bruten: signatur {number} kan inte "
                                     f"kontrolleras mot sitt certifikat ({exc})")]
    if is_timestamp:
        ok = status.intact and status.valid and status.trusted
        found = [Finding(ok, "Dokumenttidsstämpel (långtidsvalidering): "
                             f"{status.timestamp:%Y-%m-%d %H:%M:%S %Z}")]
        revoked = _revocation_finding(status)
        if not ok and revoked is not None:
            found.append(Finding(False, f"Tidsstämpeln: {revoked.text}"))
        return None, found
    findings: list[Finding] = []
    if total > 1:
        findings.append(Finding(None, f"Signatur {number} av {total} "
                                      f"(fält ”{embedded.field_name}”):"))
    revoked = None
    if status.intact and status.valid and not status.trusted:
        with _quiet_pyhanko():
            revoked = _revocation_problem(status, embedded, _context(roots, revocation))
    findings.extend(_signature_findings(status, roots, revoked))
    findings.append(_coverage_finding(status, embedded, size))
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


def _docx_identity(path: Path) -> tuple[str | None, str | None, str | None]:
    """Document id and version from the DOCX core properties (inside the signed bytes), and
    a problem if the part cannot be read safely."""
    try:
        with zipfile.ZipFile(path) as archive:
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
    from pyhanko_certvalidator.errors import (
        InsufficientRevinfoError,
        PathBuildingError,
        PathError,
        RevokedError,
        ValidationError,
    )

    der = [asn1_x509.Certificate.load(c.public_bytes(serialization.Encoding.DER))
           for c in certificates]
    validator = CertificateValidator(der[0], der[1:], validation_context=_context(roots))
    try:
        asyncio.run(validator.async_validate_usage(  # type: ignore[no-untyped-call]
            {"digital_signature"}))
    except PathBuildingError:
        return f"det kedjar inte till ett betrott rotcertifikat ({roots.source})"
    except RevokedError:
        return "det är spärrat (återkallat) enligt utfärdarens spärrlista eller OCSP-svar"
    except InsufficientRevinfoError:
        return ("kunde inte kontrollera spärrstatus (spärrlistan eller OCSP-tjänsten svarar "
                "inte)")
    except (PathError, ValidationError) as exc:
        return str(exc)
    return None


def _ooxml_findings(path: Path, roots: TrustRoots) -> tuple[list[Any], list[Finding]]:
    """The in-package OPC signatures: XML-DSig, every part and relationship, trust."""
    from builder.signing.ooxml import OoxmlError, verify_ooxml

    try:
        signatures = verify_ooxml(path)
    except OoxmlError as exc:
        return [], [Finding(False, f"Den inbäddade signaturen kan inte kontrolleras: {exc}")]
    if not signatures:
        return [], [Finding(False, "DOCX-filen saknar inbäddad signatur: Word och LibreOffice "
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
    return signatures, findings


def _docx_party_findings(signatures: list[Any], library: Library | None, doc_id: str,
                         version: str) -> list[Finding]:
    """The parties the ledger's decision requires, each by its own intact signature part
    (its covered comment says "Fastställd av <party> …")."""
    from builder.governance.ledger import entries_for

    if library is None or library.by_id(doc_id) is None:
        return []
    entry = next((e for e in reversed(entries_for(library, doc_id))
                  if e.version == version and e.is_approval), None)
    if entry is None:
        return []
    parties = required_parties({META_BODY: entry.body}, library)
    if not parties:
        return []
    findings = [Finding(None, "Beslutet kräver underskrift av: "
                              + ", ".join(p.name for p in parties))]
    intact = [s for s in signatures if not s.problems]

    def signed_by(party: Party, signature: Any) -> bool:
        comment = signature.comment
        return (len(parties) == 1  # the body alone: any intact signature of the package
                or comment.startswith(f"Fastställd av {party.name} ")
                or f" – Fastställd av {party.name} " in comment
                or _subject_name(signature.certificates[0]) == party.name)

    findings.extend(Finding(False, f"Saknar underskrift från {party.name}")
                    for party in parties if not any(signed_by(party, s) for s in intact))
    return findings


def _subject_name(certificate: Any) -> str:
    """The certificate's common name, else its whole subject."""
    from cryptography.x509.oid import NameOID

    names = certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(names[0].value) if names else certificate.subject.rfc4514_string()


def _p7s_finding(data: Path, p7s: Path, roots: TrustRoots) -> Finding:
    """The detached CAdES signature beside the DOCX, if any."""
    from asn1crypto import cms
    from pyhanko.sign.validation import async_validate_detached_cms
    from pyhanko.sign.validation.errors import SignatureValidationError
    from pyhanko_certvalidator.errors import PathBuildingError, ValidationError

    try:
        if p7s.stat().st_size > MAX_ZIP_MEMBER_BYTES:
            raise ValueError(f"{p7s.stat().st_size} byte; en signatur är några kilobyte")
        content = cms.ContentInfo.load(p7s.read_bytes())
        if content["content_type"].native != "signed_data":
            raise ValueError("ingen CMS SignedData")
        with _quiet_pyhanko(), data.open("rb") as handle:  # hashed as it streams
            status = asyncio.run(async_validate_detached_cms(
                handle, content["content"], signer_validation_context=_context(roots)))
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
    signatures, findings = _ooxml_findings(path, roots)
    if any(finding.ok is False for finding in findings):
        return FileReport(path, tuple(findings))  # a refused package is read no further
    p7s = path.with_name(path.name + ".p7s")
    if p7s.is_file():
        findings.append(_p7s_finding(path, p7s, roots))
    # core.xml is read with a size cap and never with a DTD, so reading it is safe even here.
    doc_id, version, problem = _docx_identity(path)
    if problem is not None:
        findings.append(Finding(False, problem))
    if any(finding.ok is False for finding in findings):
        return FileReport(path, tuple(findings))  # nothing in a tampered file is worth comparing
    if doc_id and version:
        findings.extend(_docx_party_findings(signatures, library, doc_id, version))
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


