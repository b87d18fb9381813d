"""R416: a fastställd routine says when it comes back for review (utvärdering or giltig_till);
a warning, an error once organisation.yaml says the region requires it (issue 26, 7)."""

from __future__ import annotations

from pathlib import Path

from builder.load.library import load_library
from builder.rules import CheckOptions, check_library
from tests.test_rule_cases import CASES, TODAY, build_library

CASE = CASES / "invalid" / "R416-faststalld-without-review-date.yaml"
REQUIRED = CASES / "invalid" / "R416-region-requires-review-date"


def r415(root: Path) -> list[tuple[str, str]]:
    library, _ = load_library(root)
    return [(d.severity, d.message) for d in check_library(library, CheckOptions(today=TODAY))
            if d.rule == "R416"]


def test_a_warning_while_the_region_requires_nothing(tmp_path: Path) -> None:
    found = r415(build_library(CASE, tmp_path / "routines"))
    assert [severity for severity, _ in found] == ["warning"]


def test_an_error_once_organisation_yaml_requires_it(tmp_path: Path) -> None:
    found = r415(build_library(REQUIRED, tmp_path / "routines"))
    assert [severity for severity, _ in found] == ["error"]
    assert "kräver_utvärdering" in found[0][1]


def test_a_review_month_or_an_end_date_satisfies_it(tmp_path: Path) -> None:
    root = build_library(REQUIRED, tmp_path / "routines")
    routine = root / "fall" / "utan-utvardering.yaml"
    text = routine.read_text(encoding="utf-8")
    routine.write_text(text + "giltig_till: 2031-05-31\n", encoding="utf-8")
    assert r415(root) == []
    routine.write_text(text + "utvärdering: {intervall_månader: 24}\n", encoding="utf-8")
    assert r415(root) == []
