"""The files meant for the archive: co-signed (two parties), B-LT and B-LTA PDFs pass both
validators (page-validation PDF/A-3a and PDF/UA-1, and outloud), every signature field and
the document timestamp's are tagged like the first, the XMP survives the LTV updates, and
pyHanko still finds every signature intact."""

from __future__ import annotations

import io
import shutil
from collections.abc import Iterator
from pathlib import Path

import pikepdf
import pytest
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives.serialization import (
    BestAvailableEncryption,
    Encoding,
    pkcs12,
)
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature, validate_pdf_timestamp
from pyhanko_certvalidator import ValidationContext

from builder.load.library import load_library
from builder.signing.keys import ENV_P12, ENV_PASSWORD
from builder.signing.verify import load_trust_roots, verify_file
from tests.cosign_helpers import PARTIES, ROOT, cosigning_library, signed_files
from tests.ltv_pki import LocalPki, local_pki
from tests.test_pdf_accessibility import elements, validator_problems, xmp_values

KINDS = ("medsignerad", "b-lt", "b-lta", "medsignerad-b-lta")


@pytest.fixture(scope="module")
def pki() -> Iterator[LocalPki]:
    with local_pki() as running:
        yield running


def _single(pki: LocalPki, folder: Path, level: str) -> bytes:
    """The approved routine signed by one body, at B-LT or B-LTA."""
    root = folder / "routines"
    shutil.copytree(ROOT / "routines", root)
    (root / "rot.pem").write_bytes(pki.root.pem)
    with (root / "organisation.yaml").open("a", encoding="utf-8") as handle:
        handle.write(f"betrodda_certifikat: [rot.pem]\ntidsstämpel_url: {pki.tsa_url}\n"
                     f"långtidsvalidering: {level}\n")
    p12 = folder / "samordningsgruppen.p12"
    p12.write_bytes(pkcs12.serialize_key_and_certificates(
        b"sg", pki.signer.key, pki.signer.certificate, [pki.root.certificate],
        BestAvailableEncryption(b"ltv-test")))
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("XDG_CACHE_HOME", str(folder / "cache"))
        mp.setenv(ENV_P12, str(p12))
        mp.setenv(ENV_PASSWORD, "ltv-test")
        library = load_library(root)[0]
        return signed_files(library, "pdf", folder)["pdf"].read_bytes()


@pytest.fixture(scope="module")
def pdfs(pki: LocalPki, tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    parties = {body: pki.issue(name) for body, name in PARTIES.items()}
    made: dict[str, bytes] = {}
    lta = f"tidsstämpel_url: {pki.tsa_url}\nlångtidsvalidering: B-LTA\n"
    for kind, extra in (("medsignerad", ""), ("medsignerad-b-lta", lta)):
        folder = tmp_path_factory.mktemp(kind)
        with cosigning_library(folder, pki.root, extra, parties) as library:
            made[kind] = signed_files(library, "pdf", folder)["pdf"].read_bytes()
    made["b-lt"] = _single(pki, tmp_path_factory.mktemp("b-lt"), "B-LT")
    made["b-lta"] = _single(pki, tmp_path_factory.mktemp("b-lta"), "B-LTA")
    return made


@pytest.mark.parametrize("kind", KINDS)
def test_archival_signed_pdf_passes_both_validators(pdfs: dict[str, bytes], kind: str,
                                                    tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    # The exceptions file's entries for the signed document apply (running header and footer).
    assert validator_problems("dokument-signerad", pdfs[kind]) == []


@pytest.mark.parametrize("kind", KINDS)
def test_every_signature_field_is_a_tagged_form_element(pdfs: dict[str, bytes],
                                                        kind: str) -> None:
    with pikepdf.open(io.BytesIO(pdfs[kind])) as pdf:
        fields = [f for f in pdf.Root.AcroForm.Fields if f.get("/FT") == pikepdf.Name.Sig]
        expected = (2 if kind.startswith("medsignerad") else 1) + kind.endswith("b-lta")
        assert len(fields) == expected
        forms = {e.K[0].Obj.objgen: e for e in elements(pdf) if e.S == pikepdf.Name.Form}
        tree = pikepdf.NumberTree(pdf.Root.StructTreeRoot.ParentTree)
        for field in fields:
            assert "/V" in field  # every field is signed (or time-stamped)
            element = forms[field.objgen]
            assert str(element.Alt) and str(field.TU) == str(element.Alt)
            assert tree[int(field.StructParent)].objgen == element.objgen


@pytest.mark.parametrize("kind", KINDS)
def test_xmp_survives_every_signature_and_ltv_update(pdfs: dict[str, bytes],
                                                     kind: str) -> None:
    values = xmp_values(pdfs[kind])
    assert values["pdfaid:part"] == "3" and values["pdfaid:conformance"] == "A"
    assert values["pdfuaid:part"] == "1" and values["extension"] == "pdfuaid"
    with pikepdf.open(io.BytesIO(pdfs[kind])) as pdf:
        assert pdf.pdf_version == "1.7"


@pytest.mark.parametrize("kind", KINDS)
def test_pyhanko_finds_every_signature_intact_and_verify_accepts_each_change(
        pdfs: dict[str, bytes], kind: str, pki: LocalPki, tmp_path: Path) -> None:
    context = ValidationContext(trust_roots=[asn1_x509.Certificate.load(
        pki.root.certificate.public_bytes(Encoding.DER))], allow_fetching=True)
    signatures = PdfFileReader(io.BytesIO(pdfs[kind])).embedded_signatures
    for signature in signatures:
        if signature.sig_object.get("/Type") == "/DocTimeStamp":
            stamp = validate_pdf_timestamp(signature, context)
            assert stamp.intact and stamp.valid and stamp.trusted
        else:
            status = validate_pdf_signature(signature, context)
            assert status.intact and status.valid and status.trusted, status.summary()
    path = tmp_path / f"{kind}.pdf"
    path.write_bytes(pdfs[kind])
    report = verify_file(path, None, load_trust_roots(None))
    changes = [f for f in report.findings if "Ändrad efter signering" in f.text
               or "bara nästa parts signaturfält" in f.text]
    assert changes and all(f.ok for f in changes), report.findings
