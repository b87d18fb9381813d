"""SARIF from `rutin check` is valid SARIF 2.1.0 and carries what GitHub code scanning shows."""

from __future__ import annotations

import hashlib
import json
import os
import re
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
from builder.rule_help import RULE_HELP, RULE_NAMES
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


def test_driver_has_version_and_an_information_uri_that_is_no_placeholder(
    project: Path
) -> None:
    sarif = sarif_from(project, "routines")
    driver = sarif["runs"][0]["tool"]["driver"]
    assert driver["version"] == __version__
    # Installed from a repository (the README's CI recipe) it is that repository; run from
    # this checkout, the checkout's README.
    uri = driver["informationUri"]
    assert uri.startswith("https://") or uri == (ROOT / "README.md").as_uri(), uri
    assert "example" not in json.dumps(sarif) and ".invalid" not in json.dumps(sarif)


def test_every_rule_has_a_unique_pascal_case_name(project: Path) -> None:
    rules = sarif_from(project, "routines")["runs"][0]["tool"]["driver"]["rules"]
    names = [r["name"] for r in rules]
    assert all(re.fullmatch(r"[A-ZÅÄÖ][A-Za-zÅÄÖåäö0-9]+", n) for n in names), names
    assert len(set(names)) == len(names)
    assert not any(n.startswith("Regel") for n in names), "a rule without a name in RULE_NAMES"


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


def test_every_rule_rutin_check_knows_has_a_help_text_and_a_name() -> None:
    missing = sorted(set(rule_summaries()) - set(RULE_HELP))
    assert missing == [], f"regler utan hjälptext i builder/rule_help.py: {missing}"
    unnamed = sorted(set(rule_summaries()) - set(RULE_NAMES))
    assert unnamed == [], f"regler utan namn i RULE_NAMES (builder/rule_help.py): {unnamed}"


def resolve(sarif: dict[str, Any], location: dict[str, Any]) -> Path:
    """Resolve an artifact location through originalUriBaseIds, as a SARIF consumer may."""
    base = sarif["runs"][0]["originalUriBaseIds"][location["uriBaseId"]]["uri"]
    uri = urljoin(base, location["uri"])
    assert uri.startswith("file://")
    return Path(url2pathname(unquote(uri[len("file://"):])))


def locations_of(sarif: dict[str, Any]) -> list[dict[str, Any]]:
    return [loc["physicalLocation"] for r in sarif["runs"][0]["results"]
            for loc in r["locations"]]


@pytest.mark.parametrize("where", ["repository root", "inside routines/", "another folder"])
def test_artifact_uris_name_files_relative_to_the_repository_root_wherever_check_runs(
    project: Path, where: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    cwd, path = {
        "repository root": (project, "routines"),
        "inside routines/": (project / "routines" / "sas-mobil-narvard", ".."),
        "another folder": (tmp_path_factory.mktemp("annan"), str(project / "routines")),
    }[where]
    sarif = sarif_from(cwd, path)
    locations = locations_of(sarif)
    assert locations
    # GitHub code scanning reads the URI alone, relative to the repository root.
    for location in locations:
        uri = location["artifactLocation"]["uri"]
        assert not uri.startswith(("/", "file:", "..")), uri
        assert (project / unquote(uri)).is_file(), uri
        assert resolve(sarif, location["artifactLocation"]) == project / unquote(uri)
    target = project / "routines" / "sas-mobil-narvard" / "narsjukvardsteam.yaml"
    r102 = [r for r in sarif["runs"][0]["results"] if r["ruleId"] == "R102"]
    assert r102
    physical = r102[0]["locations"][0]["physicalLocation"]
    assert physical["artifactLocation"]["uri"] == "routines/sas-mobil-narvard/narsjukvardsteam.yaml"
    line = target.read_text(encoding="utf-8").splitlines().index("uppfoljning:") + 1
    assert physical["region"] == {"startLine": line, "startColumn": 1}


def test_outside_git_the_uris_are_relative_to_the_current_folder(
    project: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    (project / ".git").rmdir()
    sarif = sarif_from(project / "routines", ".")
    locations = locations_of(sarif)
    assert locations
    for location in locations:
        uri = location["artifactLocation"]["uri"]
        assert (project / "routines" / unquote(uri)).is_file(), uri
    assert "sas-mobil-narvard/narsjukvardsteam.yaml" in {
        loc["artifactLocation"]["uri"] for loc in locations}

