"""The approved DOCX carries an in-package OOXML signature that LibreOffice and `rutin verify`
accept, and that both reject once one byte of the document body changes."""

from __future__ import annotations

import shutil
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from asn1crypto import cms
from click.testing import CliRunner
from lxml import etree

from builder.cli import cli
from builder.load.library import Library, load_library
from builder.options import BuildOptions
from builder.render import RenderContext, get_renderer
from builder.signing.keys import ENV_P12, ENV_PASSWORD, local_key_dir
from builder.signing.ooxml import DSIG, relationship_transform
from builder.signing.sign import sign_artifacts
from tests.libreoffice_signatures import libreoffice_signatures

ROOT = Path(__file__).resolve().parents[1]
APPROVED = "kungalv-insatser-i-hemmet"


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Library]:
    cache = tmp_path_factory.mktemp("cache")
    root = tmp_path_factory.mktemp("lib") / "routines"
    shutil.copytree(ROOT / "routines", root)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("XDG_CACHE_HOME", str(cache))
        mp.delenv(ENV_P12, raising=False)
        mp.delenv(ENV_PASSWORD, raising=False)
        yield load_library(root)[0]


@pytest.fixture(scope="module")
def signed(library: Library, tmp_path_factory: pytest.TempPathFactory) -> Path:
    routine = library.by_id(APPROVED)
    assert routine is not None
    ctx = RenderContext(routine, library, BuildOptions())
    folder = tmp_path_factory.mktemp("signed")
    for artifact in sign_artifacts(ctx, get_renderer("docx")(ctx)):
        (folder / artifact.filename).write_bytes(artifact.data)
    return folder / f"{ctx.stem}.docx"


def one_byte_changed(docx: Path, target: Path) -> Path:
    """The same package with one byte of word/document.xml's text changed."""
    with zipfile.ZipFile(docx) as source, zipfile.ZipFile(target, "w") as out:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "word/document.xml":
                at = data.index(b"<w:t>") + len(b"<w:t>")
                data = data[:at] + (b"X" if data[at:at + 1] != b"X" else b"Y") + data[at + 1:]
            out.writestr(info, data)
    return target


def run_verify(library: Library, *files: Path) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["verify", "--routines", str(library.root),
                                      *map(str, files)])
    return result.exit_code, result.output


def test_package_has_origin_signature_part_and_office_info(signed: Path) -> None:
    with zipfile.ZipFile(signed) as package:
        names = set(package.namelist())
        assert {"_xmlsignatures/origin.sigs", "_xmlsignatures/sig1.xml",
                "_xmlsignatures/_rels/origin.sigs.rels"} <= names
        assert b"digital-signature/origin" in package.read("_rels/.rels")
        types = package.read("[Content_Types].xml")
        assert b"digital-signature-origin" in types and b"xmlsignature+xml" in types
        signature = etree.fromstring(package.read("_xmlsignatures/sig1.xml"))
        manifest = [r.get("URI") for r in signature.iter(f"{{{DSIG}}}Reference")
                    if r.getparent().tag == f"{{{DSIG}}}Manifest"]
        parts = [n for n in names if not n.startswith(("_xmlsignatures/", "[Content_Types]"))]
        assert sorted(u.split("?")[0].lstrip("/") for u in manifest) == sorted(parts)
        info = signature.find(".//{http://schemas.microsoft.com/office/2006/digsig}"
                              "SignatureInfoV1")
        assert info is not None
        assert "Elektroniskt signerad" in (info.findtext(
            "{http://schemas.microsoft.com/office/2006/digsig}SignatureComments") or "")


def test_relationship_transform_selects_sorts_and_canonicalises() -> None:
    rels = (b'<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/'
            b'package/2006/relationships"><Relationship Id="rId2" Type="t2" Target="b.xml"/>'
            b'<Relationship Target="a.xml" Type="t1" Id="rId1"/>'
            b'<Relationship Id="rId9" Type="t9" Target="x"/></Relationships>')
    assert relationship_transform(rels, "x.rels", {"rId1", "rId2"}) == (
        b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        b'<Relationship Id="rId1" Target="a.xml" TargetMode="Internal" Type="t1">'
        b'</Relationship><Relationship Id="rId2" Target="b.xml" TargetMode="Internal" '
        b'Type="t2"></Relationship></Relationships>')


def test_verify_accepts_the_signed_docx_and_names_the_signer(
        library: Library, signed: Path) -> None:
    code, output = run_verify(library, signed)
    assert code == 0, output
    assert "Den inbäddade signaturen (OOXML) är intakt och täcker alla" in output
    assert "Certifikatet är betrott (lokal test-CA)" in output
    assert "Signerad av: TESTSIGNATUR – ej giltig (Rutinbyggaren)" in output
    assert "(CAdES) är intakt, giltig och betrodd" in output


def test_verify_rejects_one_changed_byte_and_an_added_part(
        library: Library, signed: Path, tmp_path: Path) -> None:
    changed = one_byte_changed(signed, tmp_path / signed.name)
    code, output = run_verify(library, changed)
    assert code == 1 and "word/document.xml har ändrats efter signering" in output

    added = tmp_path / "tillagd" / signed.name
    added.parent.mkdir()
    shutil.copy(signed, added)
    with zipfile.ZipFile(added, "a") as package:
        package.writestr("word/media/extra.xml", "<x/>")
    code, output = run_verify(library, added)
    assert code == 1 and "delen word/media/extra.xml täcks inte av signaturen" in output


def test_unsigned_docx_is_reported_as_unsigned(library: Library, tmp_path: Path) -> None:
    routine = library.by_id(APPROVED)
    assert routine is not None
    [artifact] = get_renderer("docx")(RenderContext(routine, library, BuildOptions()))
    plain = tmp_path / artifact.filename
    plain.write_bytes(artifact.data)
    code, output = run_verify(library, plain)
    assert code == 1 and "saknar inbäddad signatur" in output


def test_p7s_is_cades_with_signing_certificate_v2(signed: Path) -> None:
    content = cms.ContentInfo.load(signed.with_name(signed.name + ".p7s").read_bytes())
    [signer] = content["content"]["signer_infos"]
    attributes = {a["type"].native for a in signer["signed_attrs"]}
    assert "signing_certificate_v2" in attributes
    assert content["content"]["encap_content_info"]["content"].native is None  # detached


def test_libreoffice_reports_the_signature_valid_then_broken(
        signed: Path, tmp_path: Path) -> None:
    status = libreoffice_signatures(signed, local_key_dir() / "ca.pem", tmp_path)
    [info] = status["signatures"]  # type: ignore[misc]
    assert info["SignatureIsValid"] is True
    assert info["CertificateStatusFlags"] == ["VALID"]  # trusted: chains to the NSS-trusted CA
    assert "TESTSIGNATUR" in info["Signer"]
    # LibreOffice marks every OOXML signature partial: OOXML leaves metadata unsigned by design.
    assert info["PartialDocumentSignature"] is True

    broken = one_byte_changed(signed, tmp_path / "ändrad.docx")
    [info] = libreoffice_signatures(broken, local_key_dir() / "ca.pem",
                                    tmp_path)["signatures"]  # type: ignore[misc]
    assert info["SignatureIsValid"] is False
