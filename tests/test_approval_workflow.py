"""The whole approval story on a copy of the shipped library, as samordningsgruppen lives it:
approve a draft, build, verify, tamper, verify again, then diff and review the next version."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from pypdf import PdfReader

from builder.cli import cli
from tests.approval_helpers import shipped_workspace

DOC = "palliativt-team"
OUT = Path("output/sas-mobil-narvard/palliativt-team")


def rutin(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture()
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shipped_workspace(tmp_path, monkeypatch)
    # The team has decided its follow-up: the example mark goes before approval.
    path = tmp_path / "routines/sas-mobil-narvard/palliativt-team.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("  exempel: true\n", ""),
                    encoding="utf-8")
    return tmp_path


def test_approve_build_verify_tamper_diff_review(workspace: Path) -> None:
    approved = rutin("approve", DOC, "--av", "Samordningsgruppen", "--datum", "2026-11-20",
                     "--protokoll", "2026-11-20 § 3")
    assert approved.exit_code == 0, approved.output
    assert rutin("check", "routines").exit_code == 0

    built = rutin("build", "routines", "--format", "pdf,docx", "-j", "1", "-q")
    assert built.exit_code == 0, built.output
    pdf, docx = OUT / f"{DOC}-v0.1.pdf", OUT / f"{DOC}-v0.1.docx"
    assert (OUT / f"{DOC}-v0.1.docx.p7s").is_file()
    fields = PdfReader(pdf).get_fields() or {}
    assert any(field.get("/FT") == "/Sig" for field in fields.values())

    verified = rutin("verify", str(pdf), str(docx))
    assert verified.exit_code == 0, verified.output

    tampered = workspace / "tampered.pdf"
    data = bytearray(pdf.read_bytes())
    index = data.index(b"Palliativt")  # inside the signed byte range: document text
    data[index] ^= 0x01
    tampered.write_bytes(bytes(data))
    assert rutin("verify", str(tampered)).exit_code == 1

    # The next version: one step changes, the author records why.
    path = workspace / "routines/sas-mobil-narvard/palliativt-team.yaml"
    text = path.read_text(encoding="utf-8")
    text = text.replace("Erbjud patienten en SIP.", "Erbjud patienten och närstående en SIP.")
    text = text.replace('version: "0.1"', 'version: "0.2"').replace(
        "ändringar:\n", 'ändringar:\n  - version: "0.2"\n    datum: 2026-11-21\n'
        "    beskrivning: Närstående erbjuds också SIP.\n", 1)
    path.write_text(text, encoding="utf-8")
    # The card's line for step 2 was rewritten with it: R504 holds approval until the author
    # records the step's new fingerprint, as `rutin check` tells them.
    check = rutin("check")
    stale = re.search(r"avtryck (\w{8}), nu (\w{8})", check.output)
    assert check.exit_code == 1 and "R504" in check.output and stale is not None
    path.write_text(text.replace(stale[1], stale[2]), encoding="utf-8")

    diff = rutin("diff", DOC)
    assert diff.exit_code == 0, diff.output
    assert "- " in diff.output and "Erbjud patienten en SIP." in diff.output
    assert "Erbjud patienten och närstående en SIP." in diff.output

    review = rutin("review", DOC, "-o", "granskning.pdf")
    assert review.exit_code == 0, review.output
    packet = " ".join(p.extract_text() for p in PdfReader("granskning.pdf").pages)
    packet = " ".join(packet.split())
    assert "Närstående erbjuds också SIP." in packet
    assert "Erbjud patienten och närstående en SIP." in packet

    # A draft of 0.2 does not invalidate the approved 0.1: it still applies until 0.2 is approved.
    still_valid = rutin("verify", str(pdf))
    assert still_valid.exit_code == 0, still_valid.output
    assert "under arbete" in still_valid.output
    path.write_text(path.read_text(encoding="utf-8").replace(
        "giltig_från: 2026-11-20", "giltig_från: 2026-12-01"), encoding="utf-8")
    approved = rutin("approve", DOC, "--av", "Samordningsgruppen", "--datum", "2026-11-21",
                     "--protokoll", "2026-11-21 § 2")
    assert approved.exit_code == 0, approved.output
    superseded = rutin("verify", str(pdf))
    assert superseded.exit_code == 1
    assert "Inaktuell: version 0.2 fastställdes" in superseded.output
