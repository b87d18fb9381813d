"""`rutin verify` against forged ledgers and hostile signed files: every difference fails, with
the right explanation and never a traceback, in bounded time and memory."""

from __future__ import annotations

import datetime as dt
import io
import os
import shutil
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from builder.check import run_check
from builder.governance.ledger import LEDGER_HEADER, make_entry
from builder.load.library import load_library
from builder.options import BuildOptions
from builder.render import RenderContext, get_renderer
from builder.signing.keys import ENV_P12, ENV_PASSWORD, ensure_test_key, local_key_dir
from builder.signing.sign import sign_artifacts, sign_docx

ROUTINES = Path(__file__).resolve().parents[1] / "routines"
# Runs argv[1:], passes its exit code on and prints the child's peak RSS (kB) last.
MEASURE = ("import resource, subprocess, sys\n"
           "code = subprocess.run(sys.argv[1:], check=False).returncode\n"
           "print('PEAK_KB=%d' % resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
           "sys.exit(code)\n")
APPROVED = "kungalv-insatser-i-hemmet"


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    folder = tmp_path_factory.mktemp("cache")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("XDG_CACHE_HOME", str(folder))
        mp.delenv(ENV_P12, raising=False)
        mp.delenv(ENV_PASSWORD, raising=False)
        yield folder


@pytest.fixture(scope="module")
def signed(cache: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The approved routine's PDF and DOCX, signed as the build signs them."""
    root = tmp_path_factory.mktemp("lib") / "routines"
    shutil.copytree(ROUTINES, root)
    library = load_library(root)[0]
    routine = library.by_id(APPROVED)
    assert routine is not None
    ctx = RenderContext(routine, library, BuildOptions(output=root.parent / "out"))
    folder = tmp_path_factory.mktemp("signed")
    files = {}
    for artifact in sign_artifacts(ctx, get_renderer("pdf")(ctx) + get_renderer("docx")(ctx)):
        (folder / artifact.filename).write_bytes(artifact.data)
        files[artifact.filename.rsplit(".", 1)[-1]] = folder / artifact.filename
    files["routines"] = root
    return files


def verify(routines: Path, *files: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "builder", "verify", "--routines",
                           str(routines), *map(str, files)], check=False, capture_output=True,
                          text=True,
                          timeout=120, env=dict(os.environ))


def forge_ledger(routines: Path, date: str, protocol: str) -> None:
    """Rewrite the approval's date and protocol and recompute the whole hash chain."""
    path = routines / APPROVED / "godkannanden.yaml"
    entries = yaml.safe_load(path.read_text(encoding="utf-8"))
    previous = "0" * 64
    forged = []
    for raw in entries:
        raw = {**raw, "datum": date, "protokoll": protocol}
        entry = make_entry(previous, document=raw["dokument"], version=raw["version"],
                           decision=raw["beslut"], body=raw["organ"],
                           date=dt.date.fromisoformat(raw["datum"]), protocol=raw["protokoll"],
                           summary=raw["sammanfattning"], content=raw["innehåll_sha256"])
        forged.append(entry)
        previous = entry["post_sha256"]
    path.write_text(LEDGER_HEADER + yaml.safe_dump(forged, allow_unicode=True, sort_keys=False),
                    encoding="utf-8")


def test_signed_pdf_passes_before_any_tampering(signed: dict[str, Path]) -> None:
    result = verify(signed["routines"], signed["pdf"], signed["docx"])
    assert result.returncode == 0, result.stdout


def test_ledger_rewritten_with_a_recomputed_chain_fails_verify(signed: dict[str, Path],
                                                               tmp_path: Path) -> None:
    routines = tmp_path / "routines"
    shutil.copytree(signed["routines"], routines)
    forge_ledger(routines, "2026-01-01", "2026-01-01 § 1")
    # The chain is consistent again, so check cannot tell (documented) ...
    assert not [d for d in run_check(routines).diagnostics if d.rule == "R406"]
    # ... but the signed PDF carries the decision it was signed with.
    result = verify(routines, signed["pdf"])
    assert result.returncode == 1, result.stdout
    assert "UNDERKÄND" in result.stdout and "skrivits om" in result.stdout
    assert "beslutsdatum: signerat ”2026-05-29”, liggaren ”2026-01-01”" in result.stdout
    assert "godkänd" not in result.stdout.splitlines()[0]


def test_garbage_after_eof_is_reported_as_a_change_after_signing(signed: dict[str, Path],
                                                                 tmp_path: Path) -> None:
    tampered = tmp_path / signed["pdf"].name
    tampered.write_bytes(signed["pdf"].read_bytes() + b"\n" + bytes(range(64)))
    result = verify(signed["routines"], tampered)
    assert result.returncode == 1
    assert "65 byte efter den signerade delens slut" in result.stdout
    assert "valideringsdata" not in result.stdout


def _flip_in_signature(data: bytes, from_end: int) -> bytes:
    """Flip one hex digit of the CMS blob in /Contents, ``from_end`` digits before its end."""
    start = data.index(b"/Contents <") + len(b"/Contents <")
    length = int(data[start + 4:start + 8], 16) + 4  # DER 30 82 LL LL
    position = start + 2 * length - from_end if from_end else start + 30
    flipped = bytearray(data)
    flipped[position] = ord("0") if flipped[position] != ord("0") else ord("1")
    return bytes(flipped)


@pytest.mark.parametrize("from_end", [20, 200, 0], ids=["signature-value", "signed-attributes",
                                                         "cms-structure"])
def test_flipped_byte_in_the_signature_is_a_broken_signature(
        signed: dict[str, Path], tmp_path: Path, from_end: int) -> None:
    tampered = tmp_path / signed["pdf"].name
    tampered.write_bytes(_flip_in_signature(signed["pdf"].read_bytes(), from_end))
    result = verify(signed["routines"], tampered)
    assert result.returncode == 1
    assert "Signaturen är bruten" in result.stdout
    assert "kan inte läsas som PDF" not in result.stdout
    assert "Traceback" not in result.stderr


def test_zip_bomb_core_properties_are_refused_in_bounded_time_and_memory(
        signed: dict[str, Path], tmp_path: Path, cache: Path) -> None:
    bomb = tmp_path / signed["docx"].name
    with zipfile.ZipFile(signed["docx"]) as source, \
            zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            if item.filename != "docProps/core.xml":
                target.writestr(item, source.read(item))
        with target.open("docProps/core.xml", "w", force_zip64=True) as handle:
            chunk = b"\0" * (1 << 20)
            for _ in range(1024):  # 1 GiB unpacked, about 1 MB packed
                handle.write(chunk)
    assert bomb.stat().st_size < 5_000_000
    key = ensure_test_key(local_key_dir())
    (tmp_path / f"{bomb.name}.p7s").write_bytes(sign_docx(bomb.read_bytes(), key))
    started = time.perf_counter()
    # A small wrapper forks the verify process: a child forked from pytest itself would count
    # pytest's own (large) memory in its peak RSS until it execs.
    measured = subprocess.run(
        [sys.executable, "-c", MEASURE, sys.executable, "-m", "builder", "verify", "--routines",
         str(signed["routines"]), str(bomb)], check=False, capture_output=True, text=True,
        timeout=120)
    elapsed = time.perf_counter() - started
    output, _, peak = measured.stdout.rpartition("PEAK_KB=")
    assert measured.returncode == 1, measured.stdout + measured.stderr
    assert "docProps/core.xml är 1073741824 byte uppackad" in output
    assert elapsed < 30
    assert int(peak) < 200_000  # kB: the unpacked gigabyte is never held


def test_docx_signed_by_an_untrusted_certificate_reports_without_traceback(
        signed: dict[str, Path], tmp_path: Path) -> None:
    other = ensure_test_key(tmp_path / "other-ca")
    docx = tmp_path / signed["docx"].name
    shutil.copy(signed["docx"], docx)
    (tmp_path / f"{docx.name}.p7s").write_bytes(sign_docx(docx.read_bytes(), other))
    result = verify(signed["routines"], docx)
    assert result.returncode == 1
    assert "Certifikatet är inte betrott" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr
    assert "Error" not in result.stderr


def test_core_properties_with_a_dtd_are_not_parsed(signed: dict[str, Path], tmp_path: Path,
                                                   cache: Path) -> None:
    docx = tmp_path / signed["docx"].name
    laughs = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
              b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;">]><cp:coreProperties/>')
    buffer = io.BytesIO()
    with zipfile.ZipFile(signed["docx"]) as source, zipfile.ZipFile(buffer, "w") as target:
        for item in source.infolist():
            data = laughs if item.filename == "docProps/core.xml" else source.read(item)
            target.writestr(item, data)
    docx.write_bytes(buffer.getvalue())
    key = ensure_test_key(local_key_dir())
    (tmp_path / f"{docx.name}.p7s").write_bytes(sign_docx(docx.read_bytes(), key))
    result = verify(signed["routines"], docx)
    # The changed part fails the package signature first, and a refused package is read no
    # further: the DTD is never parsed.
    assert result.returncode == 1
    assert "docProps/core.xml har ändrats efter signering" in result.stdout
    assert "lollol" not in result.stdout
