"""`rutin verify` judges every change after every signature of a co-signed decision (shadow
attacks: hide, replace, hide-and-replace — Mainka et al., NDSS 2021), knows which parties the
decision requires, and reads a hostile DOCX package part by part, bounded."""

from __future__ import annotations

import io
import re
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives.serialization import Encoding
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from builder.load.library import Library
from tests.cosign_helpers import PARTIES, cosigning_library, signed_files
from tests.pki_helpers import Issued, root_ca
from tests.test_verify_tamper import MEASURE

SHADOW_TEXT = b"UPPHAVD - GALLER EJ"


@pytest.fixture(scope="module")
def ca() -> Issued:
    return root_ca("Region Testland rot-CA")


@pytest.fixture(scope="module")
def library(ca: Issued, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Library]:
    with cosigning_library(tmp_path_factory.mktemp("shadow"), ca) as library:
        yield library


@pytest.fixture(scope="module")
def signed(library: Library, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("signed")
    return {**signed_files(library, "pdf", folder), **signed_files(library, "docx", folder)}


def verify(library: Library, *files: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "builder", "verify", "--routines",
                           str(library.root), *map(str, files)], check=False,
                          capture_output=True, text=True, timeout=180)


def _appearance(width: float, height: float) -> generic.StreamObject:
    """A white box with large red text: what the attacker paints over the page."""
    font = generic.DictionaryObject({
        generic.NameObject("/Type"): generic.NameObject("/Font"),
        generic.NameObject("/Subtype"): generic.NameObject("/Type1"),
        generic.NameObject("/BaseFont"): generic.NameObject("/Helvetica-Bold")})
    return generic.StreamObject({
        generic.NameObject("/Type"): generic.NameObject("/XObject"),
        generic.NameObject("/Subtype"): generic.NameObject("/Form"),
        generic.NameObject("/BBox"): generic.ArrayObject(
            [generic.FloatObject(0), generic.FloatObject(0), generic.FloatObject(width),
             generic.FloatObject(height)]),
        generic.NameObject("/Resources"): generic.DictionaryObject({
            generic.NameObject("/Font"): generic.DictionaryObject(
                {generic.NameObject("/F1"): font})})},
        stream_data=b"q 1 1 1 rg 0 0 %d %d re f 0.8 0 0 rg BT /F1 36 Tf 10 40 Td (%s) Tj ET Q"
        % (width, height, SHADOW_TEXT))


def shadow_field(data: bytes) -> bytes:
    """An incremental update adding an unsigned signature field whose appearance covers the
    top of page 1 with "UPPHÄVD – GÄLLER EJ"."""
    writer = IncrementalPdfFileWriter(io.BytesIO(data))
    fields.append_signature_field(writer, fields.SigFieldSpec(
        "Upphävd", on_page=0, box=(40, 650, 560, 770)))
    field = next(ref.get_object() for ref in writer.root["/AcroForm"]["/Fields"]
                 if ref.get_object()["/T"] == "Upphävd")
    field[generic.NameObject("/AP")] = generic.DictionaryObject(
        {generic.NameObject("/N"): writer.add_object(_appearance(520, 120))})
    writer.update_container(field)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def shadow_annotation(data: bytes) -> bytes:
    """An incremental update adding a FreeText annotation with the same painted text."""
    writer = IncrementalPdfFileWriter(io.BytesIO(data))
    page_ref, _ = writer.find_page_for_modification(0)
    page = page_ref.get_object()
    annot = writer.add_object(generic.DictionaryObject({
        generic.NameObject("/Type"): generic.NameObject("/Annot"),
        generic.NameObject("/Subtype"): generic.NameObject("/FreeText"),
        generic.NameObject("/Rect"): generic.ArrayObject(
            [generic.FloatObject(v) for v in (40, 650, 560, 770)]),
        generic.NameObject("/Contents"): generic.TextStringObject("UPPHÄVD – GÄLLER EJ"),
        generic.NameObject("/DA"): generic.TextStringObject("/Helv 36 Tf 0.8 0 0 rg"),
        generic.NameObject("/F"): generic.NumberObject(4),
        generic.NameObject("/AP"): generic.DictionaryObject(
            {generic.NameObject("/N"): writer.add_object(_appearance(520, 120))})}))
    annots = page.raw_get("/Annots") if "/Annots" in page else None
    if isinstance(annots, generic.IndirectObject):
        annots.get_object().append(annot)
        writer.update_container(annots.get_object())
    else:
        listed = annots if annots is not None else generic.ArrayObject()
        listed.append(annot)
        page[generic.NameObject("/Annots")] = listed
        writer.update_container(page)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_co_signed_pdf_and_docx_pass_and_name_the_parties_the_decision_requires(
        library: Library, signed: dict[str, Path]) -> None:
    result = verify(library, signed["pdf"], signed["docx"])
    assert result.returncode == 0, result.stdout
    required = f"Beslutet kräver underskrift av: {', '.join(PARTIES.values())}"
    assert result.stdout.count(required) == 2
    assert "bara nästa parts signaturfält fyllts i" in result.stdout


def test_shadow_field_with_a_visible_appearance_is_refused(
        library: Library, signed: dict[str, Path], ca: Issued, tmp_path: Path) -> None:
    tampered = tmp_path / signed["pdf"].name
    tampered.write_bytes(shadow_field(signed["pdf"].read_bytes()))
    # The shadow attack class: pyHanko's default policy calls this form filling, and every
    # signature stays intact.
    context = ValidationContext(trust_roots=[asn1_x509.Certificate.load(
        ca.certificate.public_bytes(Encoding.DER))])
    last = PdfFileReader(io.BytesIO(tampered.read_bytes())).embedded_signatures[-1]
    status = validate_pdf_signature(last, context)
    assert status.intact and status.modification_level == ModificationLevel.FORM_FILLING
    result = verify(library, tampered)
    assert result.returncode == 1, result.stdout
    assert "UNDERKÄND" in result.stdout.splitlines()[0]
    assert re.search(r"✗ Ändrad efter signering: revision \d+ av \d+: nya formulärfält "
                     r"”Upphävd”", result.stdout), result.stdout


def test_shadow_annotation_over_the_page_is_refused(
        library: Library, signed: dict[str, Path], tmp_path: Path) -> None:
    tampered = tmp_path / signed["pdf"].name
    tampered.write_bytes(shadow_annotation(signed["pdf"].read_bytes()))
    result = verify(library, tampered)
    assert result.returncode == 1, result.stdout
    assert re.search(r"✗ Ändrad efter signering: revision \d+ av \d+: .*nya "
                     r"anteckningar/widgetar: FreeText på sidan 1", result.stdout), result.stdout


def test_pdf_cut_back_to_the_first_party_is_refused(
        library: Library, signed: dict[str, Path], tmp_path: Path) -> None:
    data = signed["pdf"].read_bytes()
    first = min(PdfFileReader(io.BytesIO(data)).embedded_signatures,
                key=lambda s: s.signed_revision)
    start, length = (int(v) for v in list(first.sig_object["/ByteRange"])[-2:])
    truncated = tmp_path / signed["pdf"].name
    truncated.write_bytes(data[:start + length])
    result = verify(library, truncated)
    assert result.returncode == 1, result.stdout
    assert "✗ Saknar underskrift från Kungälvs kommun" in result.stdout
    assert "Saknar underskrift från Kungälvs sjukhus" not in result.stdout


def _rewrite(source: Path, target: Path, change: dict[str, bytes | None],
             extra: list[tuple[str, bytes]] = (), first: list[tuple[str, bytes]] = ()) -> None:
    """Copy a zip, replacing (bytes) or dropping (None) members, with members added before
    (``first``) and after (``extra``) the others."""
    import warnings

    with zipfile.ZipFile(source) as package, zipfile.ZipFile(
            target, "w", zipfile.ZIP_DEFLATED) as out, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # duplicate names are the point of one test
        for name, data in first:
            out.writestr(name, data)
        for item in package.infolist():
            if item.filename in change:
                replacement = change[item.filename]
                if replacement is not None:
                    out.writestr(item.filename, replacement)
                continue
            out.writestr(item, package.read(item))
        for name, data in extra:
            out.writestr(name, data)


def test_docx_without_a_partys_signature_part_is_refused(
        library: Library, signed: dict[str, Path], tmp_path: Path) -> None:
    with zipfile.ZipFile(signed["docx"]) as package:
        rels = package.read("_xmlsignatures/_rels/origin.sigs.rels").decode()
        types = package.read("[Content_Types].xml").decode()
    rels = re.sub(r'<Relationship [^>]*Target="sig2.xml"[^>]*/>', "", rels)
    types = re.sub(r'<Override [^>]*PartName="/_xmlsignatures/sig2.xml"[^>]*/>', "", types)
    stripped = tmp_path / signed["docx"].name
    _rewrite(signed["docx"], stripped, {"_xmlsignatures/sig2.xml": None,
                                        "_xmlsignatures/_rels/origin.sigs.rels": rels.encode(),
                                        "[Content_Types].xml": types.encode()})
    result = verify(library, stripped)
    assert result.returncode == 1, result.stdout
    assert "✗ Saknar underskrift från Kungälvs kommun" in result.stdout
    assert "✓ Den inbäddade signaturen (OOXML) är intakt" in result.stdout  # the other holds


def test_docx_with_a_duplicate_member_is_refused(
        library: Library, signed: dict[str, Path], tmp_path: Path) -> None:
    with zipfile.ZipFile(signed["docx"]) as package:
        document = package.read("word/document.xml")
    forged = document.replace(b"Syfte", b"UPPHAVD", 1)
    assert forged != document
    tampered = tmp_path / signed["docx"].name
    _rewrite(signed["docx"], tampered, {}, first=[("word/document.xml", forged)])
    result = verify(library, tampered)
    assert result.returncode == 1, result.stdout
    assert "paketet har två delar med namnet word/document.xml" in result.stdout


@pytest.mark.parametrize("name", ["_xmlsignatures/sig9.xml", "_xmlsignatures/extra.bin",
                                  "word/extra.xml"])
def test_docx_with_a_part_no_signature_covers_is_refused(
        library: Library, signed: dict[str, Path], tmp_path: Path, name: str) -> None:
    tampered = tmp_path / signed["docx"].name
    _rewrite(signed["docx"], tampered, {}, extra=[(name, b"<x>UPPHAVD</x>")])
    result = verify(library, tampered)
    assert result.returncode == 1, result.stdout
    assert f"delen {name} täcks inte av signaturen" in result.stdout


def test_docx_with_a_1_gib_stored_part_is_refused_in_bounded_time_and_memory(
        library: Library, signed: dict[str, Path], tmp_path: Path) -> None:
    large = tmp_path / signed["docx"].name
    with zipfile.ZipFile(signed["docx"]) as package, zipfile.ZipFile(large, "w") as out:
        for item in package.infolist():
            out.writestr(item, package.read(item))
        info = zipfile.ZipInfo("word/media/image9.bin", date_time=(2026, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_STORED
        with out.open(info, "w", force_zip64=True) as handle:
            chunk = b"\0" * (1 << 20)
            for _ in range(1024):  # 1 GiB, stored: the file itself is 1 GiB
                handle.write(chunk)
    assert large.stat().st_size > 1 << 30
    started = time.perf_counter()
    measured = subprocess.run(
        [sys.executable, "-c", MEASURE, sys.executable, "-m", "builder", "verify", "--routines",
         str(library.root), str(large)], check=False, capture_output=True, text=True,
        timeout=180)
    elapsed = time.perf_counter() - started
    output, _, peak = measured.stdout.rpartition("PEAK_KB=")
    assert measured.returncode == 1, measured.stdout + measured.stderr
    assert "word/media/image9.bin är 1073741824 byte uppackad" in output
    sys.stderr.write(f"1 GiB stored part: {elapsed:.2f} s, peak RSS "
                     f"{int(peak) / 1024:.0f} MiB\n")  # the figure the report quotes
    assert elapsed < 15
    assert int(peak) < 150_000  # kB: neither the file nor the part is read whole
