"""Hostile files under routines/: FIFOs, links that loop, dangle or leave, linked folders, files
that do not parse, escape codes in names, links in text. Every one is a located finding, the
other files are still checked, nothing hangs and nothing prints a traceback."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from builder.bench.limits import routine_head
from builder.check import run_check
from builder.diagnostics import Diagnostic

VALID = routine_head("fientlig", "Rutin för fientlig indata") + """\
  - rubrik: Syfte
    text: En rutin.
"""
WITH_TEAM = VALID.replace("avsnitt:", """team:
  - {id: hemteam, namn: Hemteamet, förkortning: HT}
avsnitt:""")
TEAM_ROUTINE = """\
id: hemteam
typ: arbetsrutin
titel: Arbetsrutin för Hemteamet
dokumenttyp: Arbetsrutin
upprättat_av: Hemteamet
version: "0.1"
status: utkast
team: hemteam
samverkansrutin: fientlig
ändringar:
  - {version: "0.1", datum: 2026-05-02, beskrivning: Första utkast}
uppföljning: {ansvarig: Enhetschef, hur: Stickprov, när: Varje kvartal}
avsnitt:
  - rubrik: Arbetssätt
    text: "Hemteamet gör hembesök.
"""  # the quote on the last line is never closed


@pytest.fixture
def group(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "routines" / "grupp"
    folder.mkdir(parents=True)
    (tmp_path / "routines" / "organisation.yaml").write_text("namn: Test\n", encoding="utf-8")
    return folder


def rutin(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "builder", *args], check=False, capture_output=True,
                          text=True, timeout=timeout, env=dict(os.environ))


def findings(root: Path, rule: str | None = None) -> list[Diagnostic]:
    return [d for d in run_check(root).diagnostics if rule is None or d.rule == rule]


def with_duplicate_key(group: Path) -> None:
    """Another, ordinary problem that must still be reported beside the hostile file."""
    (group / "annan.yaml").write_text(VALID.replace("id: fientlig", "id: annan\nid: annan2"),
                                      encoding="utf-8")


def test_fifo_named_yaml_is_refused_without_blocking(group: Path) -> None:
    os.mkfifo(group / "ror.yaml")
    with_duplicate_key(group)
    result = rutin("check", "routines", timeout=60)  # a blocking open would hit the timeout
    assert result.returncode == 1
    assert re.search(r"routines/grupp/ror\.yaml:1:1: fel R100 .*namngiven pipe", result.stdout)
    assert re.search(r"routines/grupp/annan\.yaml:\d+:\d+: fel R103", result.stdout)
    assert "Traceback" not in result.stderr


def test_fifo_as_an_approved_build_input_does_not_hang_the_build(group: Path,
                                                                 tmp_path: Path) -> None:
    os.mkfifo(group / "ror.yaml")
    (group / "rutin.yaml").write_text(VALID, encoding="utf-8")
    result = rutin("build", "routines", "-o", str(tmp_path / "out"), "--format", "html",
                   "--quiet", timeout=120)
    assert result.returncode == 1 and "ror.yaml:1:1: fel R100" in result.stdout


def test_symlink_loop_routine_is_a_located_finding(group: Path) -> None:
    (group / "slinga.yaml").symlink_to("slinga.yaml")
    (group / "a.yaml").symlink_to("b.yaml")
    (group / "b.yaml").symlink_to("a.yaml")
    with_duplicate_key(group)
    result = rutin("check", "routines")
    assert result.returncode == 1, result.stderr
    for name in ("slinga", "a", "b"):
        assert re.search(rf"routines/grupp/{name}\.yaml:1:1: fel R100 .*slinga", result.stdout)
    assert "R103" in result.stdout and "Traceback" not in result.stderr


def test_dangling_symlink_is_a_located_finding_and_the_others_are_still_checked(
        group: Path) -> None:
    (group / "borta.yaml").symlink_to("finns-inte.yaml")
    with_duplicate_key(group)
    result = rutin("check", "routines")
    assert result.returncode == 1, result.stderr
    assert re.search(r"routines/grupp/borta\.yaml:1:1: fel R100 .*inte finns", result.stdout)
    assert "R103" in result.stdout and "Miljöfel" not in result.stderr


def test_symlink_to_a_file_outside_routines_is_r303(group: Path, tmp_path: Path) -> None:
    outside = tmp_path / "hemlig.yaml"
    outside.write_text(VALID, encoding="utf-8")
    (group / "ut.yaml").symlink_to(outside)
    found = findings(tmp_path / "routines", "R303")
    assert [(d.file, d.line) for d in found] == [("routines/grupp/ut.yaml", 1)]


def test_symlinked_group_folder_is_reported_not_skipped(group: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "annanstans"
    elsewhere.mkdir()
    (elsewhere / "x.yaml").write_text(VALID.replace("id: fientlig", "id: x\nid: y"),
                                      encoding="utf-8")
    (tmp_path / "routines" / "lankad").symlink_to(elsewhere, target_is_directory=True)
    (tmp_path / "routines" / "inne").symlink_to(group, target_is_directory=True)
    result = rutin("check", "routines")
    assert result.returncode == 1
    assert re.search(r"routines/lankad:1:1: fel R303 .*länk till en plats utanför", result.stdout)
    assert re.search(r"routines/inne:1:1: fel R100 .*länk till routines/grupp", result.stdout)
    assert "0 fel" not in result.stderr


def test_attachment_that_is_a_symlink_loop_is_r303_not_a_traceback(group: Path,
                                                                   tmp_path: Path) -> None:
    (group / "bilagor").mkdir()
    (group / "bilagor" / "slinga.pdf").symlink_to("slinga.pdf")
    (group / "rutin.yaml").write_text(VALID.replace(
        "avsnitt:", "bilagor:\n  - {titel: Karta, fil: bilagor/slinga.pdf}\navsnitt:"),
        encoding="utf-8")
    found = findings(tmp_path / "routines", "R303")
    assert len(found) == 1 and "slinga" in found[0].message
    assert (found[0].file, found[0].line) == ("routines/grupp/rutin.yaml", 11)


def test_routine_that_does_not_parse_does_not_also_raise_r301_in_its_parent(
        group: Path, tmp_path: Path) -> None:
    (group / "samverkansrutin.yaml").write_text(WITH_TEAM, encoding="utf-8")
    (group / "hemteam.yaml").write_text(TEAM_ROUTINE, encoding="utf-8")
    found = findings(tmp_path / "routines")
    assert [d.rule for d in found if d.is_error] == ["R100"]
    # ... and an unclosed quote is reported at the quote itself.
    quote_line = TEAM_ROUTINE.splitlines().index('    text: "Hemteamet gör hembesök.') + 1
    assert (found[0].line, found[0].column) == (quote_line, 11)
    assert "stängs aldrig" in found[0].message


def test_date_given_as_a_list_is_r101(group: Path, tmp_path: Path) -> None:
    (group / "x.yaml").write_text(VALID.replace("status: utkast",
                                                "status: utkast\ngiltig_från: [2026-06-01]"),
                                  encoding="utf-8")
    found = [d for d in findings(tmp_path / "routines") if d.is_error]
    assert [(d.rule, d.line) for d in found] == [("R101", 8)]
    assert "datum" in found[0].message


def test_version_in_arabic_indic_digits_is_refused(group: Path, tmp_path: Path) -> None:
    (group / "x.yaml").write_text(VALID.replace('version: "1.0"', 'version: "٠.١"', 1)
                                  .replace('{version: "1.0"', '{version: "٠.١"'),
                                  encoding="utf-8")
    found = [d for d in findings(tmp_path / "routines") if d.rule == "R101"]
    assert found and found[0].line == 6 and "version" in found[0].message


def test_file_name_with_terminal_escape_codes_is_printed_escaped(group: Path) -> None:
    (group / "x\x1b[2J\x1b[H.yaml").write_text(VALID.replace("id: fientlig", "id: a\nid: b"),
                                               encoding="utf-8")
    result = rutin("check", "routines")
    assert result.returncode == 1
    assert "\x1b" not in result.stdout + result.stderr
    assert "routines/grupp/x\\x1b[2J\\x1b[H.yaml:2:1: fel R103" in result.stdout


def test_external_link_and_escaping_image_are_flagged_and_not_in_the_html(
        group: Path, tmp_path: Path) -> None:
    (group / "x.yaml").write_text(VALID.replace(
        "text: En rutin.",
        "text: Se [sidan](http://example.com/spåra) och ![bild](../../../../etc/passwd)."),
        encoding="utf-8")
    found = findings(tmp_path / "routines", "R110")
    line = (group / "x.yaml").read_text(encoding="utf-8").splitlines()[11]
    assert [(d.line, d.column) for d in found] == [(12, line.index("http") + 1),
                                                   (12, line.index("../") + 1)]
    from builder.text.markdown import render_markdown

    html = str(render_markdown("Se [sidan](http://example.com/spåra) och "
                               "![bild](../../../../etc/passwd) och [mejl](mailto:a@b.se)."))
    assert "href=\"http" not in html and "<img" not in html
    assert 'href="mailto:a@b.se"' in html


def test_organisation_file_that_is_a_fifo_is_refused_without_blocking(group: Path,
                                                                      tmp_path: Path) -> None:
    (tmp_path / "routines" / "organisation.yaml").unlink()
    os.mkfifo(tmp_path / "routines" / "organisation.yaml")
    (group / "x.yaml").write_text(VALID, encoding="utf-8")
    result = rutin("check", "routines", timeout=60)
    assert result.returncode == 1
    assert "routines/organisation.yaml:1:1: fel R100" in result.stdout
