"""The editor schema teaches in Swedish and agrees with `rutin check` on what a routine may say."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from re import Pattern
from typing import Any, ClassVar

import pytest
import yaml
from click.testing import CliRunner
from jsonschema import Draft202012Validator

from builder.authoring.editor_schema import _DATE_PATTERN, organisation_schema, routine_schema
from builder.check import run_check
from builder.cli import cli
from builder.rules import CheckOptions

ROOT = Path(__file__).resolve().parents[1]
ROUTINES = ROOT / "routines"
SWEDISH_LETTERS = re.compile(r"[åäöÅÄÖ]")


def _objects(node: Any, where: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every schema object in ``node`` with a readable path (a $defs name, then keys)."""
    if isinstance(node, dict):
        yield where, node
        for key, value in node.items():
            if key in ("enumDescriptions", "markdownEnumDescriptions", "if"):
                continue  # texts, and the if/then conditions on typ (never shown)
            if key == "$defs":
                for name, definition in value.items():
                    yield from _objects(definition, name)
            elif key == "properties":
                for prop, schema in value.items():
                    yield from _objects(schema, f"{where}.{prop}")
            else:
                yield from _objects(value, where)
    elif isinstance(node, list):
        for item in node:
            yield from _objects(item, where)


def _missing_texts(schema: dict[str, Any]) -> list[str]:
    missing: set[str] = set()
    for where, node in _objects(schema, "(rot)"):
        for key, prop in node.get("properties", {}).items():
            if not (isinstance(prop, dict) and str(prop.get("description", "")).strip()):
                missing.add(f"{where}.{key}")
        values = node.get("enum")
        if isinstance(values, list) and all(isinstance(v, str) for v in values):
            texts = node.get("enumDescriptions") or []
            for index, value in enumerate(values):
                if index >= len(texts) or not str(texts[index]).strip():
                    missing.add(f"{where} = {value!r}")
    return sorted(missing)


@pytest.mark.parametrize("schema", [routine_schema(), organisation_schema()],
                         ids=["rutin", "organisation"])
def test_every_key_and_enum_value_has_a_swedish_description(schema: dict[str, Any]) -> None:
    missing = _missing_texts(schema)
    assert missing == [], (
        "Nycklar och värden utan förklaring (lägg till dem i builder/authoring/descriptions.py): "
        + ", ".join(missing))


def test_descriptions_are_swedish_not_pydantic_titles_or_english_docstrings() -> None:
    schema = routine_schema()
    text = json.dumps(schema, ensure_ascii=False)
    assert '"title": "Datum För Godkännande"' not in text
    assert "work routine" not in text and "collaboration" not in text
    assert all("description" not in d for d in schema["$defs"].values())  # keys explain
    uppfoljning = schema["$defs"]["Arbetsrutin"]["properties"]["uppföljning"]
    assert "ansvarar för uppföljningen" in uppfoljning["description"]
    assert SWEDISH_LETTERS.search(uppfoljning["description"])
    assert "```yaml\nuppföljning:" in uppfoljning["markdownDescription"]
    begrepp = schema["$defs"]["Samverkansrutin"]["properties"]["begrepp"]
    assert "Förkortningar" in begrepp["description"]


def test_a_key_means_what_its_block_says() -> None:
    defs = routine_schema()["$defs"]
    assert "samverkansrutinens `team`-lista" in defs["Arbetsrutin"]["properties"]["team"][
        "description"]
    assert "Teamen som samverkansrutinen omfattar" in defs["Samverkansrutin"]["properties"][
        "team"]["description"]


def test_routine_kinds_are_chosen_with_if_then_on_typ_not_one_of() -> None:
    schema = routine_schema()
    assert "oneOf" not in schema and "discriminator" not in schema
    branches = {b["if"]["properties"]["typ"]["const"]: b["then"]["$ref"] for b in schema["allOf"]}
    assert branches == {"arbetsrutin": "#/$defs/Arbetsrutin",
                        "samverkansrutin": "#/$defs/Samverkansrutin"}
    # A mistake in an arbetsrutin is reported against the arbetsrutin, by key.
    data = {"typ": "arbetsrutin", "id": "NSVT"}
    errors = list(Draft202012Validator(schema).iter_errors(data))
    paths = {tuple(e.absolute_path) for e in errors}
    assert ("id",) in paths
    assert not any("is not valid under any of the given schemas" in e.message for e in errors)


def test_patterns_carry_a_swedish_message_for_the_editor() -> None:
    props = routine_schema()["$defs"]["Arbetsrutin"]["properties"]
    assert "små bokstäver" in props["id"]["patternErrorMessage"]
    assert "siffror med punkt" in props["version"]["patternErrorMessage"]
    date = props["giltig_från"]["anyOf"][0]
    assert date["format"] == "date" and "ÅÅÅÅ-MM-DD" in date["patternErrorMessage"]
    for where, node in _objects(routine_schema(), "(rot)"):
        if "pattern" in node and node.get("type") != "string":
            assert "patternErrorMessage" in node, where


def test_rutin_schema_writes_all_three_schemas_beside_the_routines(tmp_path: Path) -> None:
    target = tmp_path / "rutin.schema.json"
    result = CliRunner().invoke(cli, ["schema", "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert json.loads(target.read_text(encoding="utf-8")) == json.loads(
        json.dumps(routine_schema()))
    assert (tmp_path / "organisation.schema.json").is_file()
    shipped_ledger = (ROUTINES / "godkannanden.schema.json").read_text(encoding="utf-8")
    assert (tmp_path / "godkannanden.schema.json").read_text(encoding="utf-8") == shipped_ledger


# --- the schema and `rutin check` give the same verdict -------------------------------------


class EditorLoader(yaml.SafeLoader):
    """YAML as yaml-language-server reads it (1.2 core): dates stay text, only true/false are
    booleans; numbers are numbers."""

    yaml_implicit_resolvers: ClassVar[dict[str, list[tuple[str, Pattern[str]]]]] = {
        first: [(tag, regexp) for tag, regexp in resolvers
                if tag != "tag:yaml.org,2002:timestamp"
                and not (tag == "tag:yaml.org,2002:bool" and first not in "tTfF")]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }


BASE = "sas-mobil-narvard/narsjukvardsteam.yaml"

# (what is tried, old text in the shipped arbetsrutin, new text, accepted?)
TABLE: list[tuple[str, str, str, bool]] = [
    ("version quoted", 'version: "0.1"', 'version: "0.2"', True),
    ("version unquoted", 'version: "0.1"', "version: 0.1", True),
    ("version integer", 'version: "0.1"', "version: 2", True),
    ("version three parts", 'version: "0.1"', "version: 1.2.3", True),
    ("version with a letter", 'version: "0.1"', "version: v1", False),
    ("version negative", 'version: "0.1"', "version: -1", False),
    ("interval as text", "  månader: [januari, augusti]", '  intervall_månader: "12"', True),
    ("interval as number", "  månader: [januari, augusti]", "  intervall_månader: 12", True),
    ("interval zero", "  månader: [januari, augusti]", "  intervall_månader: 0", False),
    ("interval too long", "  månader: [januari, augusti]", '  intervall_månader: "61"', False),
    ("interval fraction", "  månader: [januari, augusti]", "  intervall_månader: 12.5", False),
    ("interval in words", "  månader: [januari, augusti]", "  intervall_månader: tolv", False),
    ("month capitalised", "  månader: [januari, augusti]", "  månader: [Januari]", False),
    ("no months", "  månader: [januari, augusti]", "  månader: []", False),
    ("date unquoted", "    datum: 2026-11-22", "    datum: 2026-11-21", True),
    ("date quoted", "    datum: 2026-11-22", '    datum: "2026-11-22"', True),
    ("date that does not exist", "    datum: 2026-11-22", "    datum: 2026-02-30", False),
    ("31 April", "    datum: 2026-11-22", "    datum: 2026-04-31", False),
    ("29 February in a leap year", "    datum: 2026-11-22", "    datum: 2028-02-29", True),
    ("29 February in 2100", "    datum: 2026-11-22", "    datum: 2100-02-29", False),
    ("date without zeros", "    datum: 2026-11-22", "    datum: 2026-1-2", False),
    ("date as digits", "    datum: 2026-11-22", "    datum: 20261122", False),
    ("title as number", "titel: Arbetsrutin Närsjukvårdsteam", "titel: 2026", True),
    ("title empty", "titel: Arbetsrutin Närsjukvårdsteam", 'titel: ""', False),
    ("title missing", "titel: Arbetsrutin Närsjukvårdsteam", "titel:", False),
    ("status known", "status: utkast", "status: granskning", True),
    ("status unknown", "status: utkast", "status: klar", False),
    ("status capitalised", "status: utkast", "status: Utkast", False),
    ("example yes", "  exempel: true", "  exempel: yes", True),
    ("example in Swedish", "  exempel: true", "  exempel: ja", False),
    ("id with capitals", "id: narsjukvardsteam", "id: NSVT", False),
    ("misspelt key", "uppföljning:", "uppfoljning:", False),
    ("step with a number as text", "  - rubrik: Syfte", "  - rubrik: 1", True),
    ("step without heading", "  - rubrik: Syfte", "  - rubrk: Syfte", False),
]


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("bibliotek") / "routines"
    shutil.copytree(ROUTINES, target)
    return target


def _structure_errors(path: Path) -> list[str]:
    result = run_check(path, CheckOptions())
    return [d.format_text() for d in result.diagnostics
            if d.is_error and d.rule.startswith("R1")]


@pytest.mark.parametrize(("case", "old", "new", "accepted"), TABLE, ids=[r[0] for r in TABLE])
def test_schema_and_rutin_check_give_the_same_verdict(
    library: Path, case: str, old: str, new: str, accepted: bool
) -> None:
    target = library / BASE
    original = (ROUTINES / BASE).read_text(encoding="utf-8")
    assert original.count(f"\n{old}\n") == 1, f"{case}: '{old}' must be one line of {BASE}"
    target.write_text(original.replace(f"\n{old}\n", f"\n{new}\n"), encoding="utf-8")
    try:
        check_errors = _structure_errors(target)
        data = yaml.load(target.read_text(encoding="utf-8"), Loader=EditorLoader)
        validator = Draft202012Validator(routine_schema(),
                                         format_checker=Draft202012Validator.FORMAT_CHECKER)
        schema_errors = [f"{list(e.absolute_path)}: {e.message}"
                         for e in validator.iter_errors(data)]
    finally:
        target.write_text(original, encoding="utf-8")
    assert (check_errors == []) is accepted, f"rutin check: {check_errors}"
    assert (schema_errors == []) is accepted, f"schema: {schema_errors}"


def test_the_date_pattern_accepts_exactly_the_days_rutin_check_accepts() -> None:
    """The pattern alone (what yaml-language-server enforces) against date.fromisoformat, every
    month and day number 00-32 of years around every kind of leap-year rule."""
    pattern = re.compile(_DATE_PATTERN)
    years = [1, 4, 99, 100, 400, 1900, 1999, 2000, 2024, 2025, 2026, 2028, 2100, 2400, 9999]
    wrong = []
    for year, month, day in itertools.product(years, range(14), range(33)):
        text = f"{year:04d}-{month:02d}-{day:02d}"
        try:
            exists = dt.date.fromisoformat(text) is not None
        except ValueError:
            exists = False
        if exists != bool(pattern.fullmatch(text)):
            wrong.append(text)
    assert wrong == []
    assert not pattern.fullmatch("0000-01-01") and not pattern.fullmatch("0000-02-29")
