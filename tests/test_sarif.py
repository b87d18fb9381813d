"""SARIF from `rutin check` is valid SARIF 2.1.0 and carries what GitHub code scanning shows."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urljoin
from urllib.request import url2pathname

import pytest
from click.testing import CliRunner
from jsonschema import Draft4Validator

from builder import __version__
from builder.cli import cli
from builder.rule_help import RULE_HELP
from builder.rules import rule_summaries

ROOT = Path(__file__).resolve().parents[1]
SCHEMA_FILE = ROOT / "tests" / "sarif" / "sarif-2.1.0-rtm.5.json"
SCHEMA_SHA256 = "2d99159ae54a3eea97f81781cff48780548657c35949f4b7f25e99a2ba4de4f8"
SWEDISH = ("å", "ä", "ö")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A repository holding a copy of the shipped library with one error and one warning."""
    (tmp_path / ".git").mkdir()  # the repository root, as a checkout has it
    library = tmp_path / "routines"
    shutil.copytree(ROOT / "routines", library)
    team = library / "sas-mobil-narvard" / "narsjukvardsteam.yaml"
    text = team.read_text(encoding="utf-8")
    text = text.replace("\nuppföljning:\n", "\nuppfoljning:\n", 1)  # R102 (and R201)
    team.write_text(text, encoding="utf-8")
    return tmp_path


def sarif_from(cwd: Path, path: str) -> dict[str, Any]:
    previous = Path.cwd()
    os.chdir(cwd)
    try:
        result = CliRunner().invoke(cli, ["check", "--format", "sarif", path])
    finally:
        os.chdir(previous)
    assert result.exit_code == 1, result.output
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def test_vendored_schema_is_the_published_sarif_2_1_0_schema() -> None:
    assert hashlib.sha256(SCHEMA_FILE.read_bytes()).hexdigest() == SCHEMA_SHA256
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    assert schema["properties"]["version"]["enum"] == ["2.1.0"]


def test_sarif_validates_against_the_sarif_2_1_0_schema(project: Path) -> None:
    sarif = sarif_from(project, "routines")
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    errors = [f"{list(e.absolute_path)}: {e.message}"
              for e in Draft4Validator(schema).iter_errors(sarif)]
    assert errors == []
    assert sarif["runs"][0]["results"], "the log must hold the findings it validates"


def test_driver_has_version_and_no_placeholder_uri(project: Path) -> None:
    sarif = sarif_from(project, "routines")
    driver = sarif["runs"][0]["tool"]["driver"]
    assert driver["version"] == __version__
    assert "informationUri" not in driver
    assert "example" not in json.dumps(sarif) and ".invalid" not in json.dumps(sarif)


def test_every_rule_has_swedish_full_description_and_help(project: Path) -> None:
    rules = sarif_from(project, "routines")["runs"][0]["tool"]["driver"]["rules"]
    assert {r["id"] for r in rules} >= set(rule_summaries())
    for rule in rules:
        assert rule["shortDescription"]["text"] == rule_summaries()[rule["id"]]
        full, help_ = rule["fullDescription"]["text"], rule["help"]["text"]
        assert full and help_ and full != rule["id"]
        assert help_.startswith(full) and len(help_) > len(full) + 10  # says what to do too
        assert rule["help"]["markdown"].startswith(f"**{rule['id']}**")
        assert rule["defaultConfiguration"]["level"] in ("error", "warning")
    texts = " ".join(r["fullDescription"]["text"] + r["help"]["text"] for r in rules)
    assert all(letter in texts for letter in SWEDISH)
    levels = {r["id"]: r["defaultConfiguration"]["level"] for r in rules}
    assert levels["R202"] == "warning" and levels["R201"] == "error"


def test_every_rule_rutin_check_knows_has_a_help_text() -> None:
    missing = sorted(set(rule_summaries()) - set(RULE_HELP))
    assert missing == [], f"regler utan hjälptext i builder/rule_help.py: {missing}"


def resolve(sarif: dict[str, Any], location: dict[str, Any]) -> Path:
    """Resolve an artifact location through originalUriBaseIds, as a SARIF consumer does."""
    bases = sarif["runs"][0]["originalUriBaseIds"]

    def absolute(entry: dict[str, Any]) -> str:
        base_id = entry.get("uriBaseId")
        uri = str(entry.get("uri", ""))
        return urljoin(absolute(bases[base_id]), uri) if base_id else uri

    uri = absolute(location)
    assert uri.startswith("file://")
    return Path(url2pathname(unquote(uri[len("file://"):])))


@pytest.mark.parametrize("where", ["repository root", "inside routines/", "another folder"])
def test_artifact_uris_are_relative_to_the_library_wherever_check_runs(
    project: Path, where: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    cwd, path = {
        "repository root": (project, "routines"),
        "inside routines/": (project / "routines" / "sas-mobil-narvard", ".."),
        "another folder": (tmp_path_factory.mktemp("annan"), str(project / "routines")),
    }[where]
    sarif = sarif_from(cwd, path)
    run = sarif["runs"][0]
    # The shipped Kungälv routine's known warnings (R202: seed 004 names no one for 2c; R415:
    # it states no evaluation date) are not this test's concern: only the broken file's are.
    results = [r for r in run["results"] if r["ruleId"] not in ("R202", "R415")]
    locations = [r["locations"][0]["physicalLocation"]["artifactLocation"] for r in results]
    assert {(a["uri"], a["uriBaseId"]) for a in locations} == {
        ("sas-mobil-narvard/narsjukvardsteam.yaml", "RUTINBIBLIOTEK")}
    assert run["originalUriBaseIds"]["RUTINBIBLIOTEK"]["uri"] == "routines/"
    assert run["originalUriBaseIds"]["RUTINBIBLIOTEK"]["uriBaseId"] == "%SRCROOT%"
    target = project / "routines" / "sas-mobil-narvard" / "narsjukvardsteam.yaml"
    assert resolve(sarif, locations[0]) == target
    assert {r["ruleId"] for r in run["results"]} >= {"R102"}
    region = next(r for r in run["results"] if r["ruleId"] == "R102")["locations"][0][
        "physicalLocation"]["region"]
    line = target.read_text(encoding="utf-8").splitlines().index("uppfoljning:") + 1
    assert region == {"startLine": line, "startColumn": 1}
