"""In-package OOXML signature (Open Packaging Conventions, ECMA-376 part 2 §13).

Word and LibreOffice show a DOCX as signed when it carries `_xmlsignatures/sig1.xml`, reached from
the package relationships through the signature origin part. The signature is XML-DSig over three
objects: the package object (a manifest with one reference per part, the relationship parts
through the OPC relationship transform, and the signing time), the Office object (the
SignatureInfoV1 Word expects) and XAdES signed properties (signing certificate). C14N is lxml's;
the signature values come from the key (software or PKCS#11). Only the OPC parts are written here:
the relationship transform and the part manifest. `verify_ooxml` checks the XML-DSig core with
signxml and the manifest here, including that every part and relationship is covered.
"""

from __future__ import annotations

import base64
import copy
import datetime as dt
import hashlib
import io
import posixpath
import zipfile
from dataclasses import dataclass
from typing import Any, Protocol

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from lxml import etree  # type: ignore[import-untyped]

from builder.errors import SigningError
from builder.signing.keys import SigningKey, signature_algorithm, signature_value

DSIG = "http://www.w3.org/2000/09/xmldsig#"
XADES = "http://uri.etsi.org/01903/v1.3.2#"
MDSSI = "http://schemas.openxmlformats.org/package/2006/digital-signature"
OFFICE_DSIG = "http://schemas.microsoft.com/office/2006/digsig"
RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
CT = "http://schemas.openxmlformats.org/package/2006/content-types"
C14N = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
SHA256 = "http://www.w3.org/2001/04/xmlenc#sha256"
REL_TRANSFORM = "http://schemas.openxmlformats.org/package/2006/RelationshipTransform"
ORIGIN_TYPE = "http://schemas.openxmlformats.org/package/2006/relationships/digital-signature/origin"
SIGNATURE_TYPE = ("http://schemas.openxmlformats.org/package/2006/relationships/"
                  "digital-signature/signature")
ORIGIN_CT = "application/vnd.openxmlformats-package.digital-signature-origin"
SIGNATURE_CT = "application/vnd.openxmlformats-package.digital-signature-xmlsignature+xml"
ORIGIN_PART = "_xmlsignatures/origin.sigs"
ORIGIN_RELS = "_xmlsignatures/_rels/origin.sigs.rels"
CONTENT_TYPES = "[Content_Types].xml"
SIGNATURE_ID = "idPackageSignature"


class OoxmlError(ValueError):
    """The package or its signature is malformed (message in Swedish)."""


# --- package reading ----------------------------------------------------------------------

# A Word document's parts are kilobytes to a few megabytes (images); a zip bomb is refused
# before it is unpacked, whatever its headers claim.
MAX_PART_BYTES = 64_000_000
MAX_PACKAGE_BYTES = 256_000_000


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, budget: int) -> bytes:
    limit = min(MAX_PART_BYTES, budget)
    if info.file_size > limit:
        raise OoxmlError(f"{info.filename} är {info.file_size} byte uppackad; högst {limit} "
                         "tillåts")
    with archive.open(info) as handle:
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise OoxmlError(f"{info.filename} är större uppackad än dess huvud anger")
    return data


def _read_package(data: bytes) -> dict[str, bytes]:
    parts: dict[str, bytes] = {}
    budget = MAX_PACKAGE_BYTES
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for info in archive.infolist():
                if not info.is_dir():
                    parts[info.filename] = _read_member(archive, info, budget)
                    budget -= len(parts[info.filename])
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError, OSError,
            ValueError) as exc:
        if isinstance(exc, OoxmlError):
            raise
        raise OoxmlError(f"filen är inget giltigt DOCX-paket (zip): {exc}") from None
    return parts


# What verification reads whole: the XML parts it parses (relationships, content types,
# signatures). Every other part is hashed as it streams, never held.
MAX_XML_PART_BYTES = 16_000_000
CHUNK = 1 << 20


class StreamedPackage:
    """A DOCX package opened for verification: each part hashed as it streams, the XML parts
    verification parses read whole (capped). Duplicate names (OPC part names compare without
    case) and parts that unpack beyond the limits are refused before anything is checked."""

    def __init__(self, source: Any) -> None:
        try:
            self._archive = zipfile.ZipFile(source)
            infos = [i for i in self._archive.infolist() if not i.is_dir()]
        except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError,
                OSError, ValueError) as exc:
            raise OoxmlError(f"filen är inget giltigt DOCX-paket (zip): {exc}") from None
        seen: dict[str, str] = {}
        for info in infos:
            folded = info.filename.lower()
            if folded in seen:
                raise OoxmlError(f"paketet har två delar med namnet {info.filename}: vilken "
                                 "som visas beror på läsaren")
            seen[folded] = info.filename
        for info in infos:
            if info.file_size > MAX_PART_BYTES:
                raise OoxmlError(f"{info.filename} är {info.file_size} byte uppackad; högst "
                                 f"{MAX_PART_BYTES} tillåts")
        total = sum(i.file_size for i in infos)
        if total > MAX_PACKAGE_BYTES:
            raise OoxmlError(f"paketet är {total} byte uppackat; högst {MAX_PACKAGE_BYTES} "
                             "tillåts")
        self._infos = {i.filename: i for i in infos}
        self._xml: dict[str, bytes] = {}
        self._digests: dict[str, str] = {}

    def __contains__(self, name: object) -> bool:
        return name in self._infos

    def __iter__(self) -> Any:
        return iter(sorted(self._infos))

    def get(self, name: str, default: bytes, /) -> bytes:
        """A part read whole, or ``default`` when the package has none by that name."""
        return self[name] if name in self._infos else default

    def __getitem__(self, name: str) -> bytes:
        if name not in self._xml:
            info = self._infos[name]
            if info.file_size > MAX_XML_PART_BYTES:
                raise OoxmlError(f"{name} är {info.file_size} byte; högst {MAX_XML_PART_BYTES} "
                                 "läses")
            self._xml[name] = self._stream(name, keep=True)
        return self._xml[name]

    def digest(self, name: str) -> str:
        """The part's SHA-256 (base64), computed as it streams."""
        if name not in self._digests:
            self._stream(name, keep=False)
        return self._digests[name]

    def _stream(self, name: str, *, keep: bool) -> bytes:
        info = self._infos[name]
        limit = MAX_XML_PART_BYTES if keep else MAX_PART_BYTES
        digest = hashlib.sha256()
        kept: list[bytes] = []
        size = 0
        try:
            with self._archive.open(info) as handle:
                while chunk := handle.read(CHUNK):
                    size += len(chunk)
                    if size > limit:
                        raise OoxmlError(f"{name} är större uppackad än dess huvud anger")
                    digest.update(chunk)
                    if keep:
                        kept.append(chunk)
        except (zipfile.BadZipFile, NotImplementedError, EOFError, OSError, ValueError,
                RuntimeError) as exc:
            if isinstance(exc, OoxmlError):
                raise
            raise OoxmlError(f"{name} kan inte packas upp: {exc}") from None
        self._digests[name] = base64.b64encode(digest.digest()).decode("ascii")
        return b"".join(kept)


def _parse(data: bytes, what: str) -> Any:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        return etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise OoxmlError(f"{what} är ingen giltig XML: {exc}") from None


class PartSource(Protocol):
    """A package's parts by name: a dict when signing, a StreamedPackage when verifying."""

    def __contains__(self, name: object, /) -> bool: ...

    def __getitem__(self, name: str, /) -> bytes: ...

    def get(self, name: str, default: bytes, /) -> bytes:
        """The part, or ``default`` when absent."""


def _content_types(parts: PartSource) -> tuple[dict[str, str], dict[str, str]]:
    """(defaults by lower-case extension, overrides by part name without leading slash)."""
    if CONTENT_TYPES not in parts:
        raise OoxmlError(f"paketet saknar {CONTENT_TYPES}")
    root = _parse(parts[CONTENT_TYPES], CONTENT_TYPES)
    defaults = {str(e.get("Extension", "")).lower(): str(e.get("ContentType", ""))
                for e in root.iter(f"{{{CT}}}Default")}
    overrides = {str(e.get("PartName", "")).lstrip("/"): str(e.get("ContentType", ""))
                 for e in root.iter(f"{{{CT}}}Override")}
    return defaults, overrides


def _content_type(name: str, defaults: dict[str, str], overrides: dict[str, str]) -> str | None:
    if name in overrides:
        return overrides[name]
    base = posixpath.basename(name)
    return defaults.get(base.rpartition(".")[2].lower()) if "." in base else None


def _is_signature_part(name: str) -> bool:
    return name.startswith("_xmlsignatures/")


def _relationships(data: bytes, name: str) -> list[Any]:
    return list(_parse(data, name).iter(f"{{{RELS}}}Relationship"))


# --- the OPC relationship transform (ECMA-376-2 §13.2.4.24) -------------------------------

def relationship_transform(data: bytes, name: str, source_ids: set[str]) -> bytes:
    """The selected relationships, sorted by Id, reduced to Id/Type/Target/TargetMode, C14N."""
    selected = sorted((r for r in _relationships(data, name) if r.get("Id") in source_ids),
                      key=lambda r: str(r.get("Id")))
    out = etree.Element(f"{{{RELS}}}Relationships", nsmap={None: RELS})
    for rel in selected:
        etree.SubElement(out, f"{{{RELS}}}Relationship", Id=str(rel.get("Id")),
                         Type=str(rel.get("Type")), Target=str(rel.get("Target")),
                         TargetMode=str(rel.get("TargetMode") or "Internal"))
    return bytes(etree.tostring(out, method="c14n"))


def _digest(data: bytes) -> str:
    return base64.b64encode(hashlib.sha256(data).digest()).decode("ascii")


# --- signing ------------------------------------------------------------------------------

def _sub(parent: Any, ns: str, tag: str, text: str | None = None, **attrs: str) -> Any:
    element = etree.SubElement(parent, f"{{{ns}}}{tag}", **attrs)
    if text is not None:
        element.text = text
    return element


def _reference(parent: Any, uri: str, digest: str, type_: str | None = None) -> Any:
    ref = _sub(parent, DSIG, "Reference", URI=uri, **({"Type": type_} if type_ else {}))
    return ref


def _finish_reference(ref: Any, digest: str) -> None:
    _sub(ref, DSIG, "DigestMethod", Algorithm=SHA256)
    _sub(ref, DSIG, "DigestValue", digest)


def _add_package_relationships(parts: dict[str, bytes]) -> tuple[str, set[str]]:
    """Add the origin relationship to `_rels/.rels`; return its Id and the others' Ids."""
    root = _parse(parts["_rels/.rels"], "_rels/.rels")
    rels = list(root.iter(f"{{{RELS}}}Relationship"))
    for rel in rels:
        if rel.get("Type") == ORIGIN_TYPE:
            root.remove(rel)
    ids = {str(r.get("Id")) for r in rels if r.get("Type") != ORIGIN_TYPE}
    origin_id = next(f"rIdSig{n}" for n in range(1, 1000) if f"rIdSig{n}" not in ids)
    _sub(root, RELS, "Relationship", Id=origin_id, Type=ORIGIN_TYPE, Target=ORIGIN_PART)
    parts["_rels/.rels"] = etree.tostring(root, xml_declaration=True, encoding="UTF-8",
                                          standalone=True)
    return origin_id, ids


def _add_content_types(parts: dict[str, bytes], signatures: list[str]) -> None:
    root = _parse(parts[CONTENT_TYPES], CONTENT_TYPES)
    for element in list(root):
        if (element.get("Extension", "").lower() == "sigs"
                or element.get("PartName", "").startswith("/_xmlsignatures/")):
            root.remove(element)
    default = etree.Element(f"{{{CT}}}Default", Extension="sigs", ContentType=ORIGIN_CT)
    root.insert(0, default)
    for name in signatures:
        _sub(root, CT, "Override", PartName=f"/{name}", ContentType=SIGNATURE_CT)
    parts[CONTENT_TYPES] = etree.tostring(root, xml_declaration=True, encoding="UTF-8",
                                          standalone=True)


def _manifest(parent: Any, parts: dict[str, bytes], package_rel_ids: set[str]) -> None:
    defaults, overrides = _content_types(parts)
    manifest = _sub(parent, DSIG, "Manifest")
    for name in sorted(parts):
        if name == CONTENT_TYPES or _is_signature_part(name):
            continue
        content_type = _content_type(name, defaults, overrides)
        if content_type is None:
            raise SigningError(f"delen {name} i DOCX-paketet saknar innehållstyp")
        ref = _sub(manifest, DSIG, "Reference", URI=f"/{name}?ContentType={content_type}")
        if name.endswith(".rels"):
            ids = (package_rel_ids if name == "_rels/.rels"
                   else {str(r.get("Id")) for r in _relationships(parts[name], name)})
            transforms = _sub(ref, DSIG, "Transforms")
            transform = _sub(transforms, DSIG, "Transform", Algorithm=REL_TRANSFORM)
            for source_id in sorted(ids):
                _sub(transform, MDSSI, "RelationshipReference", SourceId=source_id)
            _sub(transforms, DSIG, "Transform", Algorithm=C14N)
            _finish_reference(ref, _digest(relationship_transform(parts[name], name, ids)))
        else:
            _finish_reference(ref, _digest(parts[name]))


def _signature_info(parent: Any, comment: str) -> None:
    """The Office SignatureInfoV1 object, element order as Word writes it."""
    props = _sub(parent, DSIG, "SignatureProperties")
    prop = _sub(props, DSIG, "SignatureProperty", Id="idOfficeV1Details", Target=f"#{SIGNATURE_ID}")
    info = etree.SubElement(prop, f"{{{OFFICE_DSIG}}}SignatureInfoV1", nsmap={None: OFFICE_DSIG})
    for tag, text in (("SetupID", ""), ("SignatureText", ""), ("SignatureImage", ""),
                      ("SignatureComments", comment), ("WindowsVersion", "10.0"),
                      ("OfficeVersion", "16.0"), ("ApplicationVersion", "16.0"),
                      ("Monitors", "1"), ("HorizontalResolution", "1920"),
                      ("VerticalResolution", "1080"), ("ColorDepth", "32"),
                      ("SignatureProviderId", "{00000000-0000-0000-0000-000000000000}"),
                      ("SignatureProviderUrl", ""), ("SignatureProviderDetails", "9"),
                      ("SignatureType", "1"), ("ManifestHashAlgorithm", SHA256)):
        _sub(info, OFFICE_DSIG, tag, text or None)


def _xades(parent: Any, certificate: x509.Certificate, when: str) -> None:
    qualifying = etree.SubElement(parent, f"{{{XADES}}}QualifyingProperties",
                                  nsmap={"xd": XADES}, Target=f"#{SIGNATURE_ID}")
    signed = _sub(qualifying, XADES, "SignedProperties", Id="idSignedProperties")
    signature_props = _sub(signed, XADES, "SignedSignatureProperties")
    _sub(signature_props, XADES, "SigningTime", when)
    cert = _sub(_sub(signature_props, XADES, "SigningCertificate"), XADES, "Cert")
    digest = _sub(cert, XADES, "CertDigest")
    _sub(digest, DSIG, "DigestMethod", Algorithm=SHA256)
    _sub(digest, DSIG, "DigestValue",
         _digest(certificate.public_bytes(serialization.Encoding.DER)))
    serial = _sub(cert, XADES, "IssuerSerial")
    _sub(serial, DSIG, "X509IssuerName", certificate.issuer.rfc4514_string())
    _sub(serial, DSIG, "X509SerialNumber", str(certificate.serial_number))
    policy = _sub(signature_props, XADES, "SignaturePolicyIdentifier")
    _sub(policy, XADES, "SignaturePolicyImplied")


def _c14n(element: Any) -> bytes:
    """Inclusive C14N 1.0 of a subtree.

    Canonicalised on a copy: libxml2 2.14 writes a wrong `xmlns=""` on grandchildren of a
    subtree whose default namespace is declared above it. The copy carries every in-scope
    namespace the subtree uses, and the signature declares no others.
    """
    return bytes(etree.tostring(copy.deepcopy(element), method="c14n"))


def sign_ooxml(docx_bytes: bytes, key: SigningKey, *, comment: str = "",
               when: dt.datetime | None = None, add: bool = False) -> bytes:
    """The DOCX with an OPC signature part over every part and relationship.

    Any earlier signature is replaced, unless ``add``: then this one is added beside the
    earlier ones (a co-signing party), each covering the same parts independently.
    """
    package = _read_package(docx_bytes)
    earlier = _find_signature_parts(package) if add else []
    parts = {n: d for n, d in package.items()
             if not _is_signature_part(n) or (n in earlier or n == ORIGIN_PART)}
    if "_rels/.rels" not in parts:
        raise SigningError("DOCX-paketet saknar _rels/.rels")
    _, package_rel_ids = _add_package_relationships(parts)
    moment = (when or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).replace(microsecond=0)
    stamp = moment.strftime("%Y-%m-%dT%H:%M:%SZ")

    signature = etree.Element(f"{{{DSIG}}}Signature", nsmap={None: DSIG}, Id=SIGNATURE_ID)
    signed_info = _sub(signature, DSIG, "SignedInfo")
    _sub(signed_info, DSIG, "CanonicalizationMethod", Algorithm=C14N)
    _sub(signed_info, DSIG, "SignatureMethod", Algorithm=signature_algorithm(key))
    value = _sub(signature, DSIG, "SignatureValue")
    key_info = _sub(signature, DSIG, "KeyInfo")
    x509_data = _sub(key_info, DSIG, "X509Data")
    for cert in (key.certificate, *key.chain):
        _sub(x509_data, DSIG, "X509Certificate", base64.b64encode(
            cert.public_bytes(serialization.Encoding.DER)).decode("ascii"))

    package_object = _sub(signature, DSIG, "Object", Id="idPackageObject")
    _manifest(package_object, parts, package_rel_ids)
    props = _sub(package_object, DSIG, "SignatureProperties")
    prop = _sub(props, DSIG, "SignatureProperty", Id="idSignatureTime", Target=f"#{SIGNATURE_ID}")
    time = etree.SubElement(prop, f"{{{MDSSI}}}SignatureTime", nsmap={"mdssi": MDSSI})
    _sub(time, MDSSI, "Format", "YYYY-MM-DDThh:mm:ssTZD")
    _sub(time, MDSSI, "Value", stamp)
    office_object = _sub(signature, DSIG, "Object", Id="idOfficeObject")
    _signature_info(office_object, comment)
    _xades(_sub(signature, DSIG, "Object"), key.certificate, stamp)

    object_type = f"{DSIG}Object"
    for uri, element, type_ in (
            ("#idPackageObject", package_object, object_type),
            ("#idOfficeObject", office_object, object_type),
            ("#idSignedProperties", signature.find(f".//{{{XADES}}}SignedProperties"),
             "http://uri.etsi.org/01903#SignedProperties")):
        ref = _sub(signed_info, DSIG, "Reference", Type=type_, URI=uri)
        if uri == "#idSignedProperties":
            _sub(_sub(ref, DSIG, "Transforms"), DSIG, "Transform", Algorithm=C14N)
        _finish_reference(ref, _digest(_c14n(element)))
    _, raw = signature_value(key, _c14n(signed_info))
    value.text = base64.b64encode(raw).decode("ascii")

    new = next(f"_xmlsignatures/sig{n}.xml" for n in range(1, len(earlier) + 2)
               if f"_xmlsignatures/sig{n}.xml" not in earlier)
    names = [*earlier, new]
    parts[ORIGIN_PART] = b""
    origin_rels = etree.Element(f"{{{RELS}}}Relationships", nsmap={None: RELS})
    for number, name in enumerate(names, start=1):
        _sub(origin_rels, RELS, "Relationship", Id=f"rId{number}", Type=SIGNATURE_TYPE,
             Target=posixpath.basename(name))
    parts[ORIGIN_RELS] = etree.tostring(origin_rels, xml_declaration=True, encoding="UTF-8",
                                        standalone=True)
    parts[names[-1]] = etree.tostring(signature, xml_declaration=True, encoding="UTF-8",
                                      standalone=True)
    _add_content_types(parts, names)
    return _write_package(docx_bytes, parts)


def _write_package(original: bytes, parts: dict[str, bytes]) -> bytes:
    """Same order and dates as the input (reproducible), signature parts last."""
    with zipfile.ZipFile(io.BytesIO(original)) as archive:
        infos = {i.filename: i for i in archive.infolist()}
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        order = [n for n in infos if n in parts] + [n for n in parts if n not in infos]
        for name in order:
            info = infos.get(name)
            stamp = info.date_time if info is not None else (1980, 1, 1, 0, 0, 0)
            entry = zipfile.ZipInfo(name, date_time=stamp)
            entry.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(entry, parts[name])
    return out.getvalue()


# --- verification -------------------------------------------------------------------------

@dataclass(frozen=True)
class OoxmlSignature:
    """One signature part as checked: certificates, claimed time, what does not hold."""

    certificates: tuple[x509.Certificate, ...]  # signer first, then what KeyInfo carries
    signing_time: str | None
    problems: tuple[str, ...]  # Swedish: each a reason the signature does not hold
    covered: int  # manifest references checked
    comment: str = ""  # SignatureComments: "Fastställd av <party> …" (covered by the signature)


def _find_signature_parts(parts: PartSource) -> list[str]:
    """Signature parts reached from the package's origin relationship (OPC §13.2.5)."""
    names: list[str] = []
    for rel in _relationships(parts.get("_rels/.rels", b"<x/>"), "_rels/.rels"):
        if rel.get("Type") != ORIGIN_TYPE:
            continue
        origin = posixpath.normpath(str(rel.get("Target", "")).lstrip("/"))
        folder, base = posixpath.split(origin)
        rels_name = posixpath.join(folder, "_rels", f"{base}.rels")
        if rels_name not in parts:
            continue
        for sig in _relationships(parts[rels_name], rels_name):
            if sig.get("Type") == SIGNATURE_TYPE:
                target = str(sig.get("Target", ""))
                names.append(target.lstrip("/") if target.startswith("/")
                             else posixpath.normpath(posixpath.join(folder, target)))
    return names


def _check_core(xml: bytes, certificate: x509.Certificate) -> list[str]:
    """XML-DSig core validation (SignedInfo references and signature value) by signxml."""
    from signxml.exceptions import InvalidInput, InvalidSignature
    from signxml.verifier import XMLVerifier

    verifier = XMLVerifier()
    # The same libxml2 2.14 defect as in `_c14n`: a spurious `xmlns=""` (OPC signatures never
    # undeclare the default namespace, so removing it restores the correct canonical form).
    verifier.excise_empty_xmlns_declarations = True
    try:
        results = verifier.verify(xml, x509_cert=certificate, expect_references=3,
                                  ignore_ambiguous_key_info=True)
    except (InvalidSignature, InvalidInput) as exc:
        return [f"XML-signaturen håller inte: {exc}"]
    listed = results if isinstance(results, list) else [results]
    uris = {str(r.signed_xml.get("Id")) for r in listed if r.signed_xml is not None}
    if "idPackageObject" not in uris:
        return ["XML-signaturen täcker inte paketobjektet (idPackageObject)"]
    return []


def verify_ooxml(source: Any) -> list[OoxmlSignature]:
    """The package's OPC signatures, each checked part by part; empty if it has none.

    ``source`` is the DOCX's bytes or a path or file: parts are hashed as they stream."""
    parts = StreamedPackage(io.BytesIO(source) if isinstance(source, bytes) else source)
    names = _find_signature_parts(parts)
    return [_verify_signature_part(parts, name, names) for name in names]


def _verify_signature_part(parts: StreamedPackage, name: str,
                           signature_parts: list[str]) -> OoxmlSignature:
    if name not in parts:
        raise OoxmlError(f"signaturdelen {name} saknas i paketet")
    problems: list[str] = []
    xml = parts[name]
    root = _parse(xml, name)
    certs_b64 = [e.text or "" for e in root.iter(f"{{{DSIG}}}X509Certificate")]
    try:
        certificates = tuple(x509.load_der_x509_certificate(base64.b64decode(c))
                             for c in certs_b64)
    except ValueError:
        raise OoxmlError("signaturens certifikat kan inte läsas") from None
    if not certificates:
        raise OoxmlError("signaturen saknar certifikat (X509Certificate)")
    problems.extend(_check_core(xml, certificates[0]))
    manifest = root.find(f"{{{DSIG}}}Object[@Id='idPackageObject']/{{{DSIG}}}Manifest")
    if manifest is None:
        raise OoxmlError("signaturen saknar paketobjektets manifest")
    covered = _check_manifest(parts, manifest, problems, signature_parts)
    when = root.find(f".//{{{MDSSI}}}SignatureTime/{{{MDSSI}}}Value")
    comment = root.findtext(f".//{{{OFFICE_DSIG}}}SignatureComments", default="")
    return OoxmlSignature(certificates, when.text if when is not None else None,
                          tuple(problems), covered, comment)


def _check_reference(parts: StreamedPackage, ref: Any, content_types: tuple[
        dict[str, str], dict[str, str]], problems: list[str]) -> tuple[str, set[str] | None]:
    """Check one manifest reference; (part name, relationship Ids it selects, if any)."""
    path, _, query = str(ref.get("URI", "")).partition("?")
    name = posixpath.normpath(path.lstrip("/"))
    if query.removeprefix("ContentType=") != _content_type(name, *content_types):
        problems.append(f"innehållstypen för {name} har ändrats efter signering")
    transform = ref.find(f"{{{DSIG}}}Transforms/{{{DSIG}}}Transform[@Algorithm="
                         f"'{REL_TRANSFORM}']")
    ids: set[str] | None = None
    if transform is not None:
        ids = {str(e.get("SourceId")) for e in transform.iter(f"{{{MDSSI}}}RelationshipReference")}
        if any(True for _ in transform.iter(f"{{{MDSSI}}}RelationshipsGroupReference")):
            problems.append(f"{name}: relationsurval per typ stöds inte")
        actual = _digest(relationship_transform(parts[name], name, ids))
    else:
        actual = parts.digest(name)
    expected = ref.findtext(f"{{{DSIG}}}DigestValue", default="").strip()
    algorithm = ref.find(f"{{{DSIG}}}DigestMethod")
    if algorithm is None or algorithm.get("Algorithm") != SHA256:
        problems.append(f"{name}: okänd eller svag kontrollsummealgoritm")
    elif actual != expected:
        problems.append(f"{name} har ändrats efter signering")
    return name, ids


def _origin_problems(parts: StreamedPackage) -> list[str]:
    """The signature origin may relate only to signature parts."""
    return [f"{ORIGIN_RELS} har en relation som inte är en signatur "
            f"({rel.get('Id')}: {rel.get('Type')})"
            for rel in _relationships(parts.get(ORIGIN_RELS, b"<x/>"), ORIGIN_RELS)
            if rel.get("Type") != SIGNATURE_TYPE]


def _check_manifest(parts: StreamedPackage, manifest: Any, problems: list[str],
                    signature_parts: list[str]) -> int:
    """Every reference's digest, then that every part and relationship is covered: all but
    the content types, the signature origin and its relationships, and the signature parts
    the origin names (OPC §13.2.4). Anything else a reader could load, under
    `_xmlsignatures/` too, is a part no signature vouches for."""
    content_types = _content_types(parts)
    signed: dict[str, set[str] | None] = {}
    for ref in manifest.iter(f"{{{DSIG}}}Reference"):
        path = str(ref.get("URI", "")).partition("?")[0]
        if posixpath.normpath(path.lstrip("/")) not in parts:
            problems.append(f"signerad del {path.lstrip('/')} saknas i paketet")
            continue
        name, ids = _check_reference(parts, ref, content_types, problems)
        signed[name] = ids
    unsigned = {CONTENT_TYPES, ORIGIN_PART, ORIGIN_RELS, *signature_parts}
    problems.extend(_origin_problems(parts))
    for name in sorted(parts):
        if name in unsigned:
            continue
        if name not in signed:
            problems.append(f"delen {name} täcks inte av signaturen")
        elif name.endswith(".rels"):
            ids = signed[name] or set()
            for rel in _relationships(parts[name], name):
                if name == "_rels/.rels" and rel.get("Type") == ORIGIN_TYPE:
                    continue
                if rel.get("Id") not in ids:
                    problems.append(f"relationen {rel.get('Id')} i {name} täcks inte av "
                                    "signaturen")
    return len(signed)
