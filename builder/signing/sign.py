"""Sign approved outputs: PAdES with a visible stamp on PDFs, detached CMS (.p7s) on DOCX."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
import random
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from builder.errors import SigningError
from builder.model import stated
from builder.paths import cache_dir
from builder.render import Artifact, RenderContext
from builder.signing.keys import TEST_TEXT, SigningKey, load_signing_key
from builder.text.dates import format_date_sv
from builder.text.wording import protocol_phrase

FIELD_NAME = "Signatur"
TIMESTAMP_FIELD = "Dokumenttidsstämpel"  # B-LTA's document timestamp (invisible)
TIMESTAMP_ALT = "Dokumenttidsstämpel för långtidsvalidering (osynlig)"
# Custom document-info keys (WeasyPrint accepts only alphanumeric custom keys).
META_ID, META_VERSION, META_HASH = "RutinId", "RutinVersion", "RutinSha256"
DEJAVU_PATHS = (
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
    Path("/usr/share/fonts/dejavu/DejaVuSans.ttf"),
)
# Fallback stamp position (last page, points from bottom-left): left margin, above the footer.
DEFAULT_BOX: tuple[int, int, int, int] = (57, 62, 327, 112)
STAMP_FONT_SIZE = 9

Box = tuple[int, tuple[int, int, int, int]]  # (page index, (x1, y1, x2, y2)); -1 = last page


# --- the stamp ----------------------------------------------------------------------------

def stamp_font() -> Path:
    """DejaVu Sans rescaled to 1000 units per em, cached (pyHanko lays text out in 1/1000 em)."""
    target = cache_dir() / "fonts" / "DejaVuSans-upem1000.ttf"
    if target.is_file():
        return target
    source = next((p for p in DEJAVU_PATHS if p.is_file()), None)
    if source is None:
        raise SigningError("typsnittet DejaVu Sans saknas (Debian: apt-get install fonts-dejavu-core)")
    from fontTools.ttLib import TTFont  # type: ignore[import-untyped]
    from fontTools.ttLib.scaleUpem import scale_upem  # type: ignore[import-untyped]

    font = TTFont(str(source))
    scale_upem(font, 1000)
    if "FFTM" in font:  # FontForge's timestamp table: the PDF subsetter cannot keep it
        del font["FFTM"]
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(suffix=".ttf", dir=target.parent)
    with os.fdopen(fd, "wb") as handle:
        font.save(handle)
    os.chmod(tmp, 0o644)
    os.replace(tmp, target)
    return target


@lru_cache(maxsize=2)
def _advance_widths(font_path: str) -> tuple[dict[int, int], int]:
    from fontTools.ttLib import TTFont

    font = TTFont(font_path, lazy=True)
    cmap, hmtx = font.getBestCmap(), font["hmtx"]
    widths = {code: hmtx[name][0] for code, name in cmap.items()}
    return widths, hmtx[".notdef"][0]


def _wrap(text: str, width_pt: float, size: float, font_path: Path) -> list[str]:
    widths, default = _advance_widths(str(font_path))

    def measure(s: str) -> float:
        return sum(widths.get(ord(c), default) for c in s) * size / 1000

    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for word in paragraph.split(" "):
            candidate = f"{line} {word}" if line else word
            if line and measure(candidate) > width_pt:
                lines.append(line)
                line = word
            else:
                line = candidate
        lines.append(line)
    return lines


@lru_cache(maxsize=1)
def signing_moment() -> dt.datetime:
    """When this build signs, local Swedish time, to the minute: one moment per process, so
    every document a build signs states the same time (the signature's own time is UTC)."""
    return dt.datetime.now(ZoneInfo("Europe/Stockholm")).replace(second=0, microsecond=0)


def _long_date(value: dt.date | str) -> str:
    if isinstance(value, dt.date):
        return format_date_sv(value)
    try:
        return format_date_sv(dt.date.fromisoformat(value))
    except ValueError:
        return value


def stamp_text(signer_name: str, date: dt.date | str, protocol: str | None, test: bool,
               signed_at: dt.datetime | None = None) -> str:
    """The stamp's words: who decided, when and where it is recorded; then when the file was
    signed (the signing time, not the decision date: the two differ). A test signature says
    so first, on a line of its own."""
    moment = signed_at or signing_moment()
    decided = f"Fastställd av {signer_name} {_long_date(date)}, {protocol_phrase(protocol)}"
    signed = f"Elektroniskt signerad {format_date_sv(moment.date())} {moment:%H:%M}"
    text = f"{decided}\n{signed}"
    return f"{TEST_TEXT}\n{text}" if test else text


def _tounicode_bfchar(cid_to_unicode: Mapping[int, str]) -> Any:
    """A ToUnicode CMap of single-code ``bfchar`` entries (at most 100 per block).

    pyHanko writes ``bfrange`` entries with arrays of destinations. ISO 32000-1, 9.10.3
    allows that form, but page-validation reports it as a malformed map, so the stamp font
    uses the plainest form, which every reader parses.
    """
    from pyhanko.pdf_utils import generic

    pairs = sorted(cid_to_unicode.items())
    blocks = []
    for start in range(0, len(pairs), 100):
        chunk = pairs[start:start + 100]
        lines = [f"<{cid:04x}> <{text.encode('utf-16be').hex()}>" for cid, text in chunk]
        blocks.append(f"{len(chunk)} beginbfchar\n" + "\n".join(lines) + "\nendbfchar\n")
    cmap = (
        "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS2) /Supplement 0 >> def\n"
        "/CMapName /Adobe-Identity-UCS2 def\n/CMapType 2 def\n"
        "1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n"
        + "".join(blocks)
        + "endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n"
    )
    stream: Any = generic.StreamObject(stream_data=cmap.encode("ascii"))
    stream.compress()
    return stream


def _stamp_font_factory() -> Any:
    from pyhanko.pdf_utils.font.opentype import GlyphAccumulatorFactory

    class StampFontFactory(GlyphAccumulatorFactory):
        """pyHanko's glyph accumulator, writing its ToUnicode map as plain bfchar entries."""

        def create_font_engine(self, writer: Any, obj_stream: Any = None) -> Any:
            engine: Any = super().create_font_engine(writer, obj_stream)
            engine._format_tounicode_cmap = lambda: _tounicode_bfchar(engine._cid_to_unicode)
            return engine

    return StampFontFactory


def _stamp_style(text: str, rect: tuple[int, int, int, int]) -> Any:
    from pyhanko import stamp
    from pyhanko.pdf_utils import layout
    from pyhanko.pdf_utils.text import TextBoxStyle

    font = stamp_font()
    width, height = rect[2] - rect[0], rect[3] - rect[1]
    margin = 6
    size = STAMP_FONT_SIZE
    lines = _wrap(text, width - 2 * margin - 4, size, font)
    while size > 6 and len(lines) * size * 1.2 > height - 2 * margin:
        size -= 1
        lines = _wrap(text, width - 2 * margin - 4, size, font)
    # The same size in the font factory and the text box, or glyphs are spaced for the wrong size.
    left, middle = layout.AxisAlignment.ALIGN_MIN, layout.AxisAlignment.ALIGN_MID
    box_style = TextBoxStyle(
        font=_stamp_font_factory()(str(font), font_size=size), font_size=size,
        leading=round(size * 1.2),
        text_color=(0.6, 0.0, 0.0) if text.startswith(TEST_TEXT) else (0.1, 0.1, 0.1),
        box_layout_rule=layout.SimpleBoxLayoutRule(left, middle, margins=layout.Margins()),
    )
    test = text.startswith(TEST_TEXT)
    return stamp.TextStampStyle(
        stamp_text="\n".join(lines).replace("%", "%%"),
        text_box_style=box_style,
        # A test signature is framed thick and red: nobody should mistake it for a real one.
        border_width=3 if test else 1,
        border_color=(0.75, 0.0, 0.0) if test else (0.25, 0.35, 0.55),
        background=None,
        inner_content_layout=layout.SimpleBoxLayoutRule(
            left, middle, margins=layout.Margins.uniform(margin)),  # type: ignore[no-untyped-call]
    )


# --- signing ------------------------------------------------------------------------------

def pyhanko_signer(key: SigningKey) -> Any:
    """pyHanko's signer for the key: in memory, or on a PKCS#11 token."""
    from builder.signing.pkcs11 import Pkcs11Key, pyhanko_pkcs11_signer

    if isinstance(key.key, Pkcs11Key):  # the key stays on the token
        return pyhanko_pkcs11_signer(key.key, key.certificate, key.chain)
    from asn1crypto import keys as asn1_keys  # type: ignore[import-untyped]
    from asn1crypto import x509 as asn1_x509
    from pyhanko.sign import signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    der = serialization.Encoding.DER
    certs = [asn1_x509.Certificate.load(c.public_bytes(der)) for c in key.chain]
    private = key.key.private_bytes(der, serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption())
    return signers.SimpleSigner(
        signing_cert=asn1_x509.Certificate.load(key.certificate.public_bytes(der)),
        signing_key=asn1_keys.PrivateKeyInfo.load(private),
        cert_registry=SimpleCertificateStore.from_certs(certs),  # type: ignore[no-untyped-call]
    )


def _add_document_info(writer: Any, metadata: Mapping[str, str]) -> None:
    """Put id, version and content hash in the document info, in the signed revision.

    Only custom keys: the standard ones must keep equalling their XMP counterparts (PDF/A),
    and the XMP is left as it was (see :func:`_metadata_kept`).
    """
    from pyhanko.pdf_utils import generic

    info_ref = writer.trailer.raw_get("/Info") if "/Info" in writer.trailer else None
    if info_ref is None:
        writer.set_info(writer.add_object(generic.DictionaryObject()))  # type: ignore[no-untyped-call]
        info_ref = writer.trailer.raw_get("/Info")
    info = info_ref.get_object()
    for name, value in metadata.items():
        info[generic.NameObject(f"/{name}")] = generic.TextStringObject(value)
    writer.update_container(info)


@contextmanager
def _metadata_kept() -> Iterator[None]:
    """Stop pyHanko rewriting the XMP and /ModDate in any revision it writes while signing:
    the signature's own, and the DSS and document-timestamp updates of B-LT/B-LTA, which
    pyHanko writes with writers of its own.

    Its XMP serialiser turns the PDF/A extension schema that declares ``pdfuaid`` into
    shapes PDF/A does not allow (ISO 19005-3, 6.6.2.3.2) and stamps the wall-clock time;
    the signing time is in the signature itself, so the document's metadata stays as made
    (and `rutin verify` refuses any metadata change after a signature).
    """
    from pyhanko.pdf_utils.writer import BasePdfFileWriter

    original = BasePdfFileWriter._update_meta
    BasePdfFileWriter._update_meta = lambda self: None  # type: ignore[method-assign]
    try:
        yield
    finally:
        BasePdfFileWriter._update_meta = original  # type: ignore[method-assign]


class _CrlfBeforeEndstream:
    """An output stream that writes CR LF (not LF) before ``endstream`` after data ending in
    CR; everything else passes through unchanged."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream
        self._ends_in_cr = False

    def write(self, data: bytes) -> Any:
        if data == b"\nendstream" and self._ends_in_cr:
            data = b"\r\nendstream"
        if data:
            self._ends_in_cr = data.endswith(b"\r")
        return self._stream.write(data)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


@contextmanager
def unambiguous_stream_ends() -> Iterator[None]:
    """Give every stream pyHanko writes an end-of-line marker that leaves its data whole.

    pyHanko writes LF before ``endstream``. A stream whose stored bytes end in CR — a
    compressed cross-reference stream ends in its Adler-32 checksum, so 1 in 256 do —
    then reads as ending in a CR LF marker, one byte short of its /Length, and PDF/A
    validators report a wrong length (ISO 19005-3, 6.1.7.1; ISO 32000-1, 7.3.8.1). Such a
    stream gets CR LF before ``endstream``: the marker is then unambiguously the last two
    bytes. :func:`builder.render.pdf_archival.save` keeps the same rule for qpdf's output.
    """
    from pyhanko.pdf_utils.generic import StreamObject

    original = StreamObject.write_to_stream

    def write_to_stream(self: Any, stream: Any, handler: Any = None,
                        container_ref: Any = None) -> None:
        original(self, _CrlfBeforeEndstream(stream), handler, container_ref)

    StreamObject.write_to_stream = write_to_stream  # type: ignore[method-assign]
    try:
        yield
    finally:
        StreamObject.write_to_stream = original  # type: ignore[method-assign]


def _add_tagged_field(writer: Any, spec: Any, alt: str) -> None:
    """The empty signature field, its widget inside a /Form structure element, in the same
    incremental revision the signature then fills (the rendered bytes stay as they were).

    PDF/UA puts every widget in a /Form element tied to it by an object reference
    (ISO 14289-1, 7.18.4; ISO 32000-1, 14.7.4.3) and wants /TU on the field (7.18.1);
    /Alt on the element describes the visible stamp. Untagged PDFs just get the field.
    """
    from pyhanko.pdf_utils import generic as pyhanko_generic
    from pyhanko.sign import fields

    generic: Any = pyhanko_generic  # its object constructors carry no annotations
    try:  # pyHanko's .get would leave an indirect /AcroForm or /Fields unresolved
        existing = list(writer.root["/AcroForm"]["/Fields"])
    except KeyError:
        existing = []
    if any(ref.get_object().get("/T") == spec.sig_field_name for ref in existing):
        return  # a field made earlier (and tagged then) is signed as it is
    fields.append_signature_field(writer, spec)  # an invisible one: zero size, /F Print (PDF/A)
    if "/StructTreeRoot" not in writer.root:
        return
    widget_ref = next(ref for ref in writer.root["/AcroForm"]["/Fields"]
                      if ref.get_object().get("/T") == spec.sig_field_name)
    widget = widget_ref.get_object()
    page_ref = widget.raw_get("/P")
    tree_root = writer.root["/StructTreeRoot"]
    kids = tree_root.raw_get("/K")
    listed = kids.get_object()
    document_ref = listed.raw_get(0) if isinstance(listed, generic.ArrayObject) else kids
    document = document_ref.get_object()
    name = generic.NameObject
    element_ref = writer.add_object(generic.DictionaryObject({
        name("/Type"): name("/StructElem"), name("/S"): name("/Form"),
        name("/P"): document_ref, name("/Pg"): page_ref,
        name("/K"): generic.ArrayObject([generic.DictionaryObject({
            name("/Type"): name("/OBJR"), name("/Obj"): widget_ref, name("/Pg"): page_ref})]),
        name("/Alt"): generic.TextStringObject(alt),
    }))
    children = document.get("/K")
    if isinstance(children, generic.ArrayObject):
        children.append(element_ref)
    else:
        document[name("/K")] = generic.ArrayObject(
            [element_ref] if children is None else [document.raw_get("/K"), element_ref])
    writer.update_container(document)
    parent_tree = tree_root["/ParentTree"]
    nums = parent_tree["/Nums"]  # WeasyPrint and pikepdf write one flat node
    key = max([int(tree_root.get("/ParentTreeNextKey", 0)),
               *(int(k) + 1 for k in list(nums)[::2])])
    nums.extend([generic.NumberObject(key), element_ref])
    writer.update_container(nums)
    writer.update_container(parent_tree)
    tree_root[name("/ParentTreeNextKey")] = generic.NumberObject(key + 1)
    writer.update_container(tree_root)
    widget[name("/StructParent")] = generic.NumberObject(key)
    writer.update_container(widget)


def _pdf17_signer(meta: Any, **kwargs: Any) -> Any:
    """A PdfSigner that keeps the file PDF 1.7 (PDF/A-3 is based on ISO 32000-1).

    pyHanko declares the ISO 32002 extension, and with it /Version /2.0, for ECDSA on the
    P-256 curve. ECDSA in PAdES needs no PDF 2.0 (ETSI EN 319 142-1, 5.1; the ESIC
    extension is kept), so only the PAdES declaration is registered.
    """
    from pyhanko.sign import fields, signers
    from pyhanko.sign.signers import constants

    class Pdf17Signer(signers.PdfSigner):
        def register_extensions(self, pdf_out: Any, *, md_algorithm: str) -> None:
            if self.signature_meta.subfilter == fields.SigSeedSubFilter.PADES:
                pdf_out.ensure_output_version(version=(1, 7))
                pdf_out.register_extension(constants.ESIC_EXTENSION_1)

    return Pdf17Signer(meta, **kwargs)


def _fix_document_id(writer: Any, pdf_bytes: bytes) -> None:
    """pyHanko draws the new /ID half at random; derive it from the input instead."""
    from pyhanko.pdf_utils import generic

    first = writer._document_id[0]  # kept: PDF requires the permanent half to stay
    second = generic.ByteStringObject(hashlib.sha256(pdf_bytes).digest()[:16])
    writer._document_id = generic.ArrayObject([first, second])


@contextmanager
def _seeded_random(pdf_bytes: bytes) -> Iterator[None]:
    """pyHanko names the font subset with `random`: seed it from the input, then restore.

    With the /ID above, two signings of the same PDF differ only in the signature itself and
    its times (signing time, ModDate), as the reproducibility rule allows.
    """
    state = random.getstate()
    random.seed(hashlib.sha256(pdf_bytes).digest())
    try:
        yield
    finally:
        random.setstate(state)


def sign_pdf(pdf_bytes: bytes, *, signer_name: str, date: dt.date | str, protocol: str | None,
             test: bool | None = None, box: Box | None = None, key: SigningKey | None = None,
             metadata: Mapping[str, str] | None = None,
             timestamp_url: str | None = None, timestamper: Any = None,
             field_name: str = FIELD_NAME, long_term: str | None = None,
             validation_roots: Sequence[x509.Certificate] = (),
             fields_ahead: Sequence[tuple[str, Box | None, str]] = ()) -> bytes:
    """A PAdES B-B signature (B-T with a timestamp URL) with a visible stamp in ``box``.

    The stamp is the signature field's appearance, drawn in the same revision the signature
    covers: stamping after signing would break it. ``test`` defaults to the key's own kind.
    ``timestamper`` (a pyHanko TimeStamper) overrides ``timestamp_url``: tests use a local one.

    A second body co-signs by calling this again on the signed PDF with another
    ``field_name``: an incremental update that leaves the earlier signature valid (the
    document info is only written with the first). ``fields_ahead`` (name, box or None for
    an invisible field, description) are the later parties' fields and the document
    timestamp's: created empty and tagged in this signed revision, so that a later
    signature only fills its own field — the one change after a signature `rutin verify`
    allows (besides DSS and document timestamps). ``long_term`` "B-LT" embeds the chain and
    revocation data (fetched now, trusting ``validation_roots`` and the chain's self-signed
    roots); "B-LTA" also adds a document timestamp over it (needs a timestamp server).
    """
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers, timestamps

    key = key or load_signing_key()
    test = key.is_test if test is None else test
    page, rect = box or (-1, DEFAULT_BOX)
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf_bytes))
    _fix_document_id(writer, pdf_bytes)
    if field_name == FIELD_NAME:  # a co-signature leaves the signed document info alone
        _add_document_info(writer, metadata or {})
    if page < 0:
        page += int(writer.root["/Pages"]["/Count"])
    text = stamp_text(signer_name, date, protocol, test)
    readable = text.replace("\n", " – ")
    stamper = timestamper or (
        timestamps.HTTPTimeStamper(timestamp_url) if timestamp_url else None)
    if long_term == "B-LTA" and stamper is None:
        raise SigningError("långtidsvalidering B-LTA kräver en tidsstämpelserver "
                           "(tidsstämpel_url i organisation.yaml)")
    # /TU: the text assistive technology reads for the signature field.
    spec = fields.SigFieldSpec(field_name, on_page=page, box=rect, readable_field_name=readable)
    _add_tagged_field(writer, spec, readable)
    for name, ahead_box, alt in fields_ahead:
        ahead_page, ahead_rect = ahead_box or (0, None)
        if ahead_page < 0:
            ahead_page += int(writer.root["/Pages"]["/Count"])
        _add_tagged_field(writer, fields.SigFieldSpec(
            name, on_page=ahead_page, box=ahead_rect, readable_field_name=alt), alt)
    meta = signers.PdfSignatureMetadata(
        field_name=field_name, subfilter=fields.SigSeedSubFilter.PADES, md_algorithm="sha256",
        name=signer_name, reason=readable, location=None,
        embed_validation_info=long_term is not None,
        use_pades_lta=long_term == "B-LTA", timestamp_field_name=TIMESTAMP_FIELD,
        validation_context=_signing_validation_context(key, validation_roots)
        if long_term else None,
    )
    pdf_signer = _pdf17_signer(
        meta, signer=pyhanko_signer(key), timestamper=stamper,
        stamp_style=_stamp_style(text, rect),
    )
    out = io.BytesIO()
    with _seeded_random(pdf_bytes), _metadata_kept(), unambiguous_stream_ends():
        pdf_signer.sign_pdf(writer, output=out)
    return out.getvalue()


def _signing_validation_context(key: SigningKey,
                                roots: Sequence[x509.Certificate]) -> Any:
    """Trust for fetching revocation data while signing (B-LT): OCSP and CRLs go online."""
    from asn1crypto import x509 as asn1_x509
    from pyhanko_certvalidator import ValidationContext

    der = serialization.Encoding.DER
    anchors = [*roots, *(c for c in key.chain if c.issuer == c.subject)]
    if not anchors:
        raise SigningError("långtidsvalidering kräver rotcertifikatet: ange det i "
                           "betrodda_certifikat i organisation.yaml")
    return ValidationContext(
        trust_roots=[asn1_x509.Certificate.load(c.public_bytes(der)) for c in anchors],
        other_certs=[asn1_x509.Certificate.load(c.public_bytes(der)) for c in key.chain],
        allow_fetching=True, revocation_mode="require")


def sign_docx(docx_bytes: bytes, key: SigningKey | None = None) -> bytes:
    """A detached CAdES-B-B signature (DER CMS with signingCertificateV2): the `.docx.p7s`.

    Kept beside the in-package signature for tools that check a file against a `.p7s`
    (`openssl cms -verify`); Word and LibreOffice read the signature inside the package.
    """
    import asyncio

    key = key or load_signing_key()
    content = asyncio.run(pyhanko_signer(key).async_sign_general_data(
        docx_bytes, "sha256", detached=True, use_cades=True))
    return bytes(content.dump())


# --- build integration --------------------------------------------------------------------

def _approval_facts(ctx: RenderContext) -> tuple[str | None, dt.date | None, str | None]:
    """(approving body's name, decision date, protocol) from the ledger entry for this version."""
    from builder.governance.ledger import approval_of

    document = ctx.document
    # R406 in `rutin check` guards the chain; a version in force keeps its own decision while
    # the next one is drafted or approved to start later.
    entry = approval_of(ctx.library, document.id, document.version)
    if entry is None:
        return None, None, None
    organisation = ctx.library.organisation
    bodies = {b.id: b.name for b in organisation.approving_bodies} if organisation else {}
    return bodies.get(entry.body, entry.body), entry.date, entry.protocol


def approval_box(pdf_bytes: bytes) -> Box | None:
    """The rectangle the document template reserved for the stamp (None: use the fallback)."""
    from builder.render.pdf import approval_box as reserved_box

    try:
        page, (x1, y1, x2, y2) = reserved_box(pdf_bytes)
    except (LookupError, StopIteration):
        return None
    return page, (round(x1), round(y1), round(x2), round(y2))


def signer_fingerprint() -> str:
    """Identifies the signing key (and timestamping) so a new key re-signs approved documents."""
    from builder.signing.pkcs11 import PinError

    try:
        return f"{load_signing_key().fingerprint}"
    except PinError:
        raise  # a refused PIN stops the build at once: no worker tries it again
    except SigningError as exc:  # reported when a document is signed; re-sign once fixed
        # The manifest is published with the output: the message names the key file, so only
        # its digest goes in (it still changes when the problem does).
        return "fel: " + hashlib.sha256(str(exc).encode("utf-8")).hexdigest()[:16]


def _approving_body(ctx: RenderContext) -> Any:
    """The organisation's ApprovingBody named by this version's ledger entry, if any."""
    from builder.governance.ledger import approval_of

    entry = approval_of(ctx.library, ctx.document.id, ctx.document.version)
    organisation = ctx.library.organisation
    if entry is None or organisation is None:
        return None
    return next((b for b in organisation.approving_bodies
                 if entry.body in (b.id, b.name)), None)


def _key_origin(ctx: RenderContext, body: Any) -> str:
    """Where ``body``'s key is written, for its messages: "routines/organisation.yaml:6:5:
    organet kommunen" (a failed login names the body and the line to look at)."""
    organisation, source = ctx.library.organisation, ctx.library.organisation_source
    index = next((i for i, b in enumerate(organisation.approving_bodies) if b.id == body.id),
                 None) if organisation is not None else None
    if source is None or index is None:
        return f"organet {body.id}"
    place = source.position(("godkännande_organ", index, "nyckel"))
    return f"{source.display}:{place.line}:{place.column}: organet {body.id}"


def signing_parties(ctx: RenderContext, default_name: str) -> list[tuple[str, SigningKey]]:
    """Who signs, in order: each party of a joint body (co-signing), else the body itself."""
    from builder.signing.keys import load_body_key

    body = _approving_body(ctx)
    if body is None:
        return [(default_name, load_signing_key())]
    if not body.parties:
        return [(body.name, load_body_key(body, _key_origin(ctx, body)))]
    organisation = ctx.library.organisation
    known = {b.id: b for b in organisation.approving_bodies} if organisation else {}
    missing = [p for p in body.parties if p not in known]
    if missing:
        raise SigningError(f"organet {body.id} anger parter som inte finns i "
                           f"godkännande_organ: {', '.join(missing)}")
    return [(known[p].name, load_body_key(known[p], _key_origin(ctx, known[p])))
            for p in body.parties]


_CHECKED_KEYS: dict[str, str | None] = {}  # fingerprint → why it may not sign (per process)


def check_signing_key(key: SigningKey, decided: dt.date | None,
                      roots: Sequence[x509.Certificate]) -> None:
    """Refuse to sign with a certificate that is expired, not yet valid or revoked, or at a
    time before the decision: verify would refuse the file (or, worse, accept a signature
    made before the decision it claims to carry)."""
    moment = signing_moment()
    if decided is not None and moment.date() < decided:
        raise SigningError(f"signeringstiden {moment:%Y-%m-%d %H:%M} ligger före beslutsdatum "
                           f"{decided.isoformat()}: kontrollera datorns klocka")
    if key.fingerprint not in _CHECKED_KEYS:
        _CHECKED_KEYS[key.fingerprint] = _certificate_problem(key, roots)
    problem = _CHECKED_KEYS[key.fingerprint]
    if problem is not None:
        raise SigningError(f"signerar inte med certifikatet ”{_common_name(key.certificate)}”: "
                           f"{problem}")


def _common_name(certificate: x509.Certificate) -> str:
    from cryptography.x509.oid import NameOID

    names = certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(names[0].value) if names else certificate.subject.rfc4514_string()


def _revocation_sources(certificate: x509.Certificate) -> bool:
    """Whether the certificate names a CRL distribution point or an OCSP responder."""
    from cryptography.x509.oid import AuthorityInformationAccessOID

    for kind in (x509.CRLDistributionPoints, x509.AuthorityInformationAccess):
        try:
            value = certificate.extensions.get_extension_for_class(kind).value
        except x509.ExtensionNotFound:
            continue
        if isinstance(value, x509.AuthorityInformationAccess):
            if any(d.access_method == AuthorityInformationAccessOID.OCSP for d in value):
                return True
        else:
            return True
    return False


def _certificate_problem(key: SigningKey, roots: Sequence[x509.Certificate]) -> str | None:
    """Why the key's certificate may not sign now (validity, revocation), or None."""
    certificate = key.certificate
    now = dt.datetime.now(dt.UTC)
    if now < certificate.not_valid_before_utc:
        return f"det är inte giltigt förrän {certificate.not_valid_before_utc:%Y-%m-%d %H:%M} UTC"
    if now > certificate.not_valid_after_utc:
        return f"det gick ut {certificate.not_valid_after_utc:%Y-%m-%d %H:%M} UTC"
    if key.is_test or not _revocation_sources(certificate):
        return None  # nothing to ask: the certificate names no CRL and no OCSP responder
    return _revocation_problem(key, roots)


def _revocation_problem(key: SigningKey, roots: Sequence[x509.Certificate]) -> str | None:
    """Ask the certificate's CRL or OCSP responder (online, hard-fail): revoked, or unknown."""
    import asyncio

    from asn1crypto import x509 as asn1_x509
    from pyhanko_certvalidator import CertificateValidator, ValidationContext
    from pyhanko_certvalidator.errors import (
        InsufficientRevinfoError,
        PathBuildingError,
        PathValidationError,
        RevokedError,
        ValidationError,
    )

    der = serialization.Encoding.DER
    anchors = [*roots, *(c for c in key.chain if c.issuer == c.subject)]
    context = ValidationContext(
        trust_roots=[asn1_x509.Certificate.load(c.public_bytes(der)) for c in anchors],
        other_certs=[asn1_x509.Certificate.load(c.public_bytes(der)) for c in key.chain],
        allow_fetching=True, revocation_mode="hard-fail")
    validator = CertificateValidator(asn1_x509.Certificate.load(key.certificate.public_bytes(der)),
                                     validation_context=context)
    async def validate() -> None:
        try:
            await validator.async_validate_usage(set())  # type: ignore[no-untyped-call]
        finally:  # the fetcher's HTTP session, or aiohttp warns at exit
            await context.aclose()  # type: ignore[no-untyped-call]

    try:
        asyncio.run(validate())
    except RevokedError:
        return "det är spärrat (återkallat) enligt utfärdarens spärrlista eller OCSP"
    except InsufficientRevinfoError:
        return ("kunde inte kontrollera spärrstatus (spärrlistan eller OCSP-tjänsten svarar "
                "inte)")
    except PathBuildingError:
        return ("kunde inte kontrollera spärrstatus: rotcertifikatet saknas (ange det i "
                "betrodda_certifikat i organisation.yaml)")
    except (PathValidationError, ValidationError) as exc:
        return f"det godtas inte: {exc}"
    return None


def _organisation_roots(ctx: RenderContext) -> list[x509.Certificate]:
    organisation = ctx.library.organisation
    roots: list[x509.Certificate] = []
    for name in organisation.trusted_certificates if organisation else ():
        path = ctx.library.root / name
        if path.is_file():
            try:
                roots.extend(x509.load_pem_x509_certificates(path.read_bytes()))
            except ValueError:
                continue  # `rutin verify` reports an unreadable trust root
    return roots


def party_field(index: int) -> str:
    """The signature field of the index-th signing party: Signatur, Signatur 2, …"""
    return FIELD_NAME if index == 0 else f"{FIELD_NAME} {index + 1}"


def _slice(box: Box, index: int, count: int) -> Box:
    """The index-th of ``count`` stamps stacked top-down in the reserved box."""
    page, (x1, y1, x2, y2) = box
    height = (y2 - y1) / count
    top = y2 - index * height
    return page, (x1, round(top - height), x2, round(top))


def sign_artifacts(ctx: RenderContext, artifacts: list[Artifact]) -> list[Artifact]:
    """Sign `<stem>.pdf` and `<stem>.docx` (in the package, plus `.docx.p7s`); drafts unchanged.

    The stamp names the approving body, decision date and protocol of the ledger entry for
    this version (falling back to the routine's godkänt_av and approval date); the PDF's
    document info gets the id, version and content hash that `rutin verify` compares. A joint
    body's parties each add their own signature and stamp to the PDF (co-signing).
    """
    from builder.governance.ledger import content_hash
    from builder.signing.approval_record import META_PARTIES, approval_metadata
    from builder.signing.pkcs11 import Pkcs11Key, token_errors

    document = ctx.document
    if not document.is_approved or not ctx.options.sign:
        return artifacts
    body, date, protocol = _approval_facts(ctx)
    parties = signing_parties(ctx, body or stated(document.approved_by) or "Samordningsgruppen")
    when = date or document.approval_date or "datum saknas"
    decided = date or document.approval_date
    for _, key in parties:
        check_signing_key(key, decided if isinstance(decided, dt.date) else None,
                          _organisation_roots(ctx))
    metadata = {META_ID: document.id, META_VERSION: document.version,
                META_HASH: content_hash(document), **approval_metadata(ctx.library, document)}
    approving = _approving_body(ctx)
    if approving is not None:
        metadata[META_PARTIES] = ",".join(approving.parties or [approving.id])
    with ExitStack() as stack:
        for _, key in parties:
            if isinstance(key.key, Pkcs11Key):
                stack.enter_context(token_errors(key.key.config))
        return _sign_each(ctx, artifacts, parties, when, protocol, metadata)


def _sign_each(ctx: RenderContext, artifacts: list[Artifact],
               parties: list[tuple[str, SigningKey]], when: dt.date | str,
               protocol: str | None, metadata: Mapping[str, str]) -> list[Artifact]:
    organisation = ctx.library.organisation
    long_term = organisation.long_term_validation if organisation else None
    result: list[Artifact] = []
    for artifact in artifacts:
        if artifact.filename == f"{ctx.stem}.pdf":
            signed, box = artifact.data, approval_box(artifact.data) or (-1, DEFAULT_BOX)
            texts = [stamp_text(name, when, protocol, key.is_test).replace("\n", " – ")
                     for name, key in parties]
            # Every later party's field, and the document timestamp's, made (and tagged) with
            # the first signature: later revisions only fill them.
            ahead: list[tuple[str, Box | None, str]] = [
                (party_field(index), _slice(box, index, len(parties)), texts[index])
                for index in range(1, len(parties))]
            if long_term == "B-LTA":
                ahead.append((TIMESTAMP_FIELD, None, TIMESTAMP_ALT))
            for index, (name, key) in enumerate(parties):
                last = index == len(parties) - 1
                signed = sign_pdf(
                    signed, signer_name=name, date=when, protocol=protocol, key=key,
                    box=_slice(box, index, len(parties)),
                    metadata=metadata if index == 0 else None,
                    field_name=party_field(index),
                    timestamp_url=organisation.timestamp_url if organisation else None,
                    # One document timestamp, after the last party: B-LTA covers them all.
                    long_term="B-LT" if long_term == "B-LTA" and not last else long_term,
                    validation_roots=_organisation_roots(ctx),
                    fields_ahead=ahead if index == 0 else (),
                )
            result.append(Artifact(artifact.filename, signed))
            continue
        if artifact.filename == f"{ctx.stem}.docx":
            from builder.signing.ooxml import sign_ooxml

            docx = artifact.data
            for index, (name, key) in enumerate(parties):  # co-signers: one part each
                docx = sign_ooxml(docx, key, add=index > 0, comment=stamp_text(
                    name, when, protocol, key.is_test).replace("\n", " – "))
            result.append(Artifact(artifact.filename, docx))
            # The detached CAdES signature is the first party's (the body that approved).
            result.append(Artifact(f"{artifact.filename}.p7s", sign_docx(docx, parties[0][1])))
            continue
        result.append(artifact)
    return result
