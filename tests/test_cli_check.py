"""`rutin check` as authors and CI see it (text, JSON, SARIF, exit codes, summary) and
`rutin new arbetsrutin`, whose scaffold fails only where the author must fill in."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from builder.cli import cli

REPO = Path(__file__).resolve().parent.parent
CASES = REPO / "tests" / "cases"
TEXT_LINE = re.compile(r"^(?P<file>routines/[^:]+\.yaml):(?P<line>\d+):(?P<col>\d+): "
                       r"(?P<sev>fel|varning) (?P<rule>R\d{3}) (?P<message>\S.*)$")
SUMMARY = re.compile(r"^(\d+) fel, (\d+) (varning|varningar) i (\d+) dokument$")

ARBETSRUTIN = """\
id: {id}
typ: arbetsrutin
titel: Arbetsrutin för Testteamet
dokumenttyp: Arbetsrutin
upprättat_av: Testteamet
version: "0.1"
status: utkast
team: testteam
samverkansrutin: bas-samverkan
ändringar:
  - {{version: "0.1", datum: 2026-05-02, beskrivning: Första utkast}}
uppföljning:
  ansvarig: Enhetschef
  hur: Stickprov
{when}avsnitt:
  - rubrik: Arbetssätt
    steg:
      - text: Ring patienten.
{owner}"""


def routine(doc_id: str, *, when: bool = True, owner: bool = True) -> str:
    return ARBETSRUTIN.format(id=doc_id, when="  när: Varje kvartal\n" if when else "",
                              owner="        ansvarig: Sjuksköterska\n" if owner else "")


@pytest.fixture
def library(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A clean copy of the small case library in ./routines, with the working folder set so
    paths print as routines/…"""
    monkeypatch.chdir(tmp_path)
    root = tmp_path / "routines"
    shutil.copytree(CASES / "_base", root)
    return root


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def findings(result: Result) -> list[re.Match[str]]:
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    matches = [TEXT_LINE.match(line) for line in lines]
    assert all(matches), f"unexpected output line(s):\n{result.stdout}"
    return [m for m in matches if m]


def summary(result: Result) -> tuple[int, int, int]:
    last = result.output.strip().splitlines()[-1]
    match = SUMMARY.match(last)
    assert match, f"no summary line: {last!r}"
    errors, warnings, word, documents = match.groups()
    assert word == ("varning" if warnings == "1" else "varningar")
    return int(errors), int(warnings), int(documents)


def make_findings(root: Path) -> None:
    """Two arbetsrutiner with errors and warnings, written so sorting has work to do."""
    group = root / "bas"
    (group / "b-rutin.yaml").write_text(routine("b-rutin", when=False, owner=False),
                                        encoding="utf-8")
    (group / "a-rutin.yaml").write_text(routine("a-rutin", when=False), encoding="utf-8")


def test_clean_library_exits_0_with_summary(library: Path) -> None:
    result = run("check", "routines")
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == ""
    assert summary(result) == (0, 0, 1)


def test_text_findings_are_located_sorted_and_counted(library: Path) -> None:
    make_findings(library)
    result = run("check", "routines")
    assert result.exit_code == 1
    found = findings(result)
    located = [(m["file"], int(m["line"]), int(m["col"]), m["sev"], m["rule"]) for m in found]
    assert located == [
        ("routines/bas/a-rutin.yaml", 12, 1, "fel", "R201"),
        ("routines/bas/b-rutin.yaml", 12, 1, "fel", "R201"),
        ("routines/bas/b-rutin.yaml", 18, 9, "varning", "R202"),
    ]
    assert located == sorted(located, key=lambda t: (t[0], t[1], t[2]))
    assert found[0]["message"] == "Arbetsrutinen saknar uppföljningsansvar: 'när' saknas " \
                                  "(när uppföljningen sker); skriv när uppföljningen sker, " \
                                  "eller ej_angivet om källan inte anger det"
    assert summary(result) == (2, 1, 3)


def test_a_single_file_is_checked_in_its_library(library: Path) -> None:
    make_findings(library)
    result = run("check", "routines/bas/b-rutin.yaml")
    assert result.exit_code == 1
    assert {m["file"] for m in findings(result)} == {"routines/bas/b-rutin.yaml"}
    assert summary(result) == (1, 1, 1)


def test_strict_makes_warnings_fail(library: Path) -> None:
    (library / "bas" / "a-rutin.yaml").write_text(routine("a-rutin", owner=False),
                                                  encoding="utf-8")
    relaxed = run("check", "routines")
    assert relaxed.exit_code == 0, relaxed.output
    assert [m["rule"] for m in findings(relaxed)] == ["R202"]
    assert summary(relaxed) == (0, 1, 2)
    strict = run("check", "--strict", "routines")
    assert strict.exit_code == 1
    assert [m["rule"] for m in findings(strict)] == ["R202"]


def test_missing_path_is_a_usage_error(library: Path) -> None:
    result = run("check", "finns-inte")
    assert result.exit_code == 2
    assert "finns-inte" in result.output and "finns inte" in result.output


def test_unknown_format_is_a_usage_error(library: Path) -> None:
    assert run("check", "--format", "xml", "routines").exit_code == 2


def test_console_script_exit_codes(library: Path) -> None:
    """The real entry point (main()), not only click's test runner."""
    command = [sys.executable, "-m", "builder", "check"]
    assert subprocess.run([*command, "routines"], capture_output=True, check=False).returncode == 0
    missing = subprocess.run([*command, "finns-inte"], capture_output=True, text=True, check=False)
    assert missing.returncode == 2
    assert "finns inte" in missing.stderr
    make_findings(library)
    found = subprocess.run([*command, "routines"], capture_output=True, text=True, check=False)
    assert found.returncode == 1
    assert found.stdout.startswith("routines/bas/a-rutin.yaml:12:1: fel R201 ")


def test_json_format(library: Path) -> None:
    make_findings(library)
    result = run("check", "--format", "json", "routines")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert [(d["file"], d["line"], d["column"], d["rule"], d["severity"]) for d in data] == [
        ("routines/bas/a-rutin.yaml", 12, 1, "R201", "error"),
        ("routines/bas/b-rutin.yaml", 12, 1, "R201", "error"),
        ("routines/bas/b-rutin.yaml", 18, 9, "R202", "warning"),
    ]
    assert all(isinstance(d["message"], str) and d["message"] for d in data)


def test_json_format_when_clean_is_an_empty_list(library: Path) -> None:
    result = run("check", "--format", "json", "routines")
    assert result.exit_code == 0
    assert json.loads(result.stdout) == []


def test_sarif_format(library: Path) -> None:
    make_findings(library)
    result = run("check", "--format", "sarif", "routines")
    assert result.exit_code == 1
    sarif = json.loads(result.stdout)
    assert sarif["version"] == "2.1.0"
    assert "sarif" in sarif["$schema"]
    (run_,) = sarif["runs"]
    driver = run_["tool"]["driver"]
    assert driver["name"]
    rule_ids = [r["id"] for r in driver["rules"]]
    assert len(rule_ids) == len(set(rule_ids)) and {"R201", "R202"} <= set(rule_ids)
    assert all(r["shortDescription"]["text"] for r in driver["rules"])
    results = run_["results"]
    assert [(r["ruleId"], r["level"]) for r in results] == [
        ("R201", "error"), ("R201", "error"), ("R202", "warning")]
    for r in results:
        assert r["ruleId"] in rule_ids
        assert driver["rules"][r["ruleIndex"]]["id"] == r["ruleId"]
        assert r["message"]["text"]
        (location,) = r["locations"]
        physical = location["physicalLocation"]
        # Outside git, relative to the folder rutin check ran from.
        assert physical["artifactLocation"]["uri"].startswith("routines/bas/")
        assert physical["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
        assert physical["region"]["startLine"] >= 1 and physical["region"]["startColumn"] >= 1
    first = results[0]["locations"][0]["physicalLocation"]
    assert first["artifactLocation"]["uri"] == "routines/bas/a-rutin.yaml"
    assert first["region"] == {"startLine": 12, "startColumn": 1}


def test_sarif_uri_is_percent_encoded(library: Path) -> None:
    folder = library / "grupp med åäö"
    folder.mkdir()
    (folder / "x.yaml").write_text("", encoding="utf-8")
    result = run("check", "--format", "sarif", "routines")
    uris = [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            for r in json.loads(result.stdout)["runs"][0]["results"]]
    assert uris == ["routines/grupp%20med%20%C3%A5%C3%A4%C3%B6/x.yaml"]


# --- rutin new arbetsrutin -------------------------------------------------------------------

@pytest.fixture
def shipped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the shipped routines in ./routines."""
    monkeypatch.chdir(tmp_path)
    root = tmp_path / "routines"
    shutil.copytree(REPO / "routines", root)
    return root


def check_json(path: str = "routines") -> list[dict[str, object]]:
    result = run("check", "--format", "json", path)
    assert result.exit_code in (0, 1), result.output
    data: list[dict[str, object]] = json.loads(result.stdout)
    return data


def test_new_arbetsrutin_fails_only_where_the_author_must_fill_in(shipped: Path) -> None:
    before = check_json()
    result = run("new", "arbetsrutin", "narsjukvardsteam-kungalv",
                 "--samverkansrutin", "kungalv-insatser-i-hemmet")
    assert result.exit_code == 0, result.output
    created = shipped / "kungalv-insatser-i-hemmet" / "narsjukvardsteam-kungalv.yaml"
    assert created.is_file()
    text = created.read_text(encoding="utf-8")
    assert text.startswith("# yaml-language-server: $schema=../rutin.schema.json\n")
    after = check_json()
    shown = "routines/kungalv-insatser-i-hemmet/narsjukvardsteam-kungalv.yaml"
    assert [d for d in after if d["file"] != shown] == before  # nothing else changed
    mine = [d for d in after if d["file"] == shown]
    errors = [d for d in mine if d["severity"] == "error"]
    # The author (upprättat_av) and who follows up, how and when are the author's to fill in.
    assert [d["rule"] for d in errors] == ["R201", "R201", "R201", "R201"]
    assert ["'upprättat_av'" in str(errors[0]["message"]),
            "'ansvarig'" in str(errors[1]["message"]), "'hur'" in str(errors[2]["message"]),
            "'när'" in str(errors[3]["message"])] == [True, True, True, True]
    lines = text.splitlines()
    for error in errors:  # each points at the TODO it names
        assert "TODO" in lines[int(str(error["line"])) - 1]
    # Every other TODO text is a finding too (R109), and no approving body is pre-filled.
    warnings = [d for d in mine if d["severity"] == "warning"]
    assert {d["rule"] for d in warnings} <= {"R202", "R106", "R109"}
    todo_lines = {i for i, line in enumerate(lines, start=1)
                  if "TODO" in line and not line.lstrip().startswith("#")}
    flagged = {int(str(d["line"])) for d in mine}
    # R202 points at the step whose 'ansvarig' is TODO (the line above it).
    assert all(n in flagged or n - 1 in flagged for n in todo_lines)
    assert "godkänt_av:" not in "\n".join(l for l in lines if not l.lstrip().startswith("#"))
    assert "Samordningsgruppen" not in text


def test_new_arbetsrutin_refuses_to_overwrite(shipped: Path) -> None:
    args = ["new", "arbetsrutin", "narsjukvardsteam-kungalv",
            "--samverkansrutin", "kungalv-insatser-i-hemmet"]
    assert run(*args).exit_code == 0
    created = shipped / "kungalv-insatser-i-hemmet" / "narsjukvardsteam-kungalv.yaml"
    created.write_text(created.read_text(encoding="utf-8") + "# egen ändring\n",
                       encoding="utf-8")
    again = run(*args)
    assert again.exit_code == 2
    assert "finns redan" in again.output
    assert created.read_text(encoding="utf-8").endswith("# egen ändring\n")


@pytest.mark.parametrize("team_id", ["../../utanfor", "/tmp/utanfor", "Stora Bokstäver",
                                     "a/b"])
def test_new_arbetsrutin_refuses_a_team_id_that_is_not_a_slug(shipped: Path,
                                                              team_id: str) -> None:
    before = sorted(p for p in shipped.parent.rglob("*"))
    result = run("new", "arbetsrutin", team_id, "--samverkansrutin", "kungalv-insatser-i-hemmet")
    assert result.exit_code == 2
    assert sorted(p for p in shipped.parent.rglob("*")) == before


def test_new_arbetsrutin_refuses_unknown_parent_and_team(shipped: Path) -> None:
    unknown_parent = run("new", "arbetsrutin", "x", "--samverkansrutin", "finns-inte")
    assert unknown_parent.exit_code == 2 and "'finns-inte'" in unknown_parent.output
    unknown_team = run("new", "arbetsrutin", "okant-team",
                       "--samverkansrutin", "kungalv-insatser-i-hemmet")
    assert unknown_team.exit_code == 2
    assert "narsjukvardsteam-kungalv" in unknown_team.output  # names the teams that exist
