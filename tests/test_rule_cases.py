"""Data-driven rule cases: every file or folder in tests/cases/{valid,invalid} is checked.

A *file* case (``invalid/R201-missing-nar.yaml``) is dropped into a copy of the small library in
``tests/cases/_base/`` (organisation.yaml and a samverkansrutin ``bas-samverkan`` with the team
``testteam``), so an arbetsrutin has a parent to point at. A *folder* case
(``invalid/R302-duplicate-id/``) is a complete library of its own.

Expectations are comment lines in the file where the finding is::

    # expect: 12:3 R201
    # expect: 14:5 R102 menade du 'uppföljning'?

``LINE:COL RULE`` and, optionally, text the message must contain. The findings of an invalid case
must be exactly the expected ones (no more, no fewer); a valid case must have no findings at all.

Approval bookkeeping is the ledger's business (R406–R409), not the business of a case about,
say, a late review (R404): every ``fastställd`` routine in a case gets a ledger decision and an
archive copy in the temporary library, unless its folder ships its own ``godkannanden.yaml``.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from builder.check import run_check
from builder.diagnostics import Diagnostic
from builder.governance.ledger import (
    archive_path,
    content_hash,
    last_digest,
    ledger_path,
    ledger_text_with,
    load_ledger,
    make_entry,
)
from builder.load.library import LEDGER_FILE, load_library
from builder.rules import CheckOptions, rule_summaries

CASES = Path(__file__).parent / "cases"
BASE = CASES / "_base"
# A fixed "today" so R404 (review overdue) does not depend on when the tests run.
TODAY = dt.date(2026, 6, 15)
EXPECT = re.compile(r"^#\s*expect:\s*(\d+):(\d+)\s+(R\d{3})(?:\s+(.*\S))?\s*$")
# Words that betray an untranslated (English) message from PyYAML or pydantic.
ENGLISH = re.compile(
    r"\b(should|required|found|expected|invalid|input|while|scanning|parsing|the|must|not allowed"
    r"|field|value error|could not)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Expected:
    file: str  # relative to the case library root, POSIX separators
    line: int
    column: int
    rule: str
    contains: str | None


def case_paths(kind: str) -> list[Path]:
    folder = CASES / kind
    return sorted(p for p in folder.iterdir() if p.suffix == ".yaml" or p.is_dir())


def build_library(case: Path, into: Path) -> Path:
    """Lay the case out as a library under ``into``; return the root."""
    if case.is_dir():
        shutil.copytree(case, into, dirs_exist_ok=True)
    else:
        shutil.copytree(BASE, into, dirs_exist_ok=True)
        (into / "fall").mkdir()
        shutil.copyfile(case, into / "fall" / case.name)
    return into


def read_expectations(root: Path) -> list[Expected]:
    found = []
    for path in sorted(root.rglob("*.yaml")):
        # errors="replace": the non-UTF-8 case still has a readable header
        for line in path.read_bytes().decode("utf-8", errors="replace").splitlines():
            match = EXPECT.match(line.lstrip("\ufeff"))
            if match:
                found.append(Expected(path.relative_to(root).as_posix(), int(match[1]),
                                      int(match[2]), match[3], match[4]))
    return found


def record_approvals(root: Path) -> None:
    """Record a decision and an archive copy for every fastställd routine, as `rutin approve`
    would, in folders that do not ship a ledger of their own."""
    shipped = {p.parent for p in root.rglob(LEDGER_FILE)}
    library, _ = load_library(root)
    for routine in library.routines:
        doc, folder = routine.document, routine.path.parent
        if not doc.is_approved or folder in shipped:
            continue
        entries, _ = load_ledger(folder)
        entry = make_entry(last_digest(entries), document=doc.id, version=doc.version,
                           decision="fastställd", body="Samordningsgruppen",
                           date=doc.approval_date or TODAY, protocol="Testfall 1",
                           summary="Testfall", content=content_hash(doc))
        ledger = ledger_path(folder)
        existing = ledger.read_text(encoding="utf-8") if ledger.exists() else None
        ledger.write_text(ledger_text_with(existing, entry), encoding="utf-8")
        archived = archive_path(folder, doc.id, doc.version)
        archived.parent.mkdir(exist_ok=True)
        shutil.copyfile(routine.path, archived)


def relative(diagnostic: Diagnostic, root: Path) -> str:
    return Path(diagnostic.file).resolve().relative_to(root.resolve()).as_posix()


def run_case(case: Path, tmp_path: Path) -> tuple[list[Expected], list[Diagnostic], Path]:
    root = build_library(case, tmp_path / "routines")
    expected = read_expectations(root)  # before archive copies repeat the headers
    record_approvals(root)
    result = run_check(root, CheckOptions(today=TODAY))
    return expected, result.diagnostics, root


def describe(diagnostics: list[Diagnostic], root: Path) -> str:
    return "\n".join(
        f"  {relative(d, root)}:{d.line}:{d.column} {d.rule} {d.message}" for d in diagnostics
    ) or "  (inga)"


@pytest.mark.parametrize("case", case_paths("valid"), ids=lambda p: p.name)
def test_valid_case_has_no_findings(case: Path, tmp_path: Path) -> None:
    expected, diagnostics, root = run_case(case, tmp_path)
    assert not expected, "a valid case must not carry '# expect:' lines"
    assert diagnostics == [], f"{case.name} should be clean but got:\n{describe(diagnostics, root)}"


@pytest.mark.parametrize("case", case_paths("invalid"), ids=lambda p: p.name)
def test_invalid_case_fires_exactly_as_expected(case: Path, tmp_path: Path) -> None:
    expected, diagnostics, root = run_case(case, tmp_path)
    assert expected, f"{case.name} has no '# expect: LINE:COL RULE' line"
    got = {(relative(d, root), d.line, d.column, d.rule) for d in diagnostics}
    wanted = {(e.file, e.line, e.column, e.rule) for e in expected}
    assert got == wanted, (
        f"{case.name}\n expected:\n" + "\n".join(f"  {w}" for w in sorted(wanted))
        + f"\n got:\n{describe(diagnostics, root)}"
    )
    for e in expected:
        if e.contains is None:
            continue
        messages = [d.message for d in diagnostics
                    if (relative(d, root), d.line, d.column, d.rule)
                    == (e.file, e.line, e.column, e.rule)]
        assert any(e.contains in m for m in messages), (
            f"{case.name}: no {e.rule} message at {e.line}:{e.column} contains {e.contains!r}: "
            f"{messages}"
        )
    for d in diagnostics:
        assert not ENGLISH.search(d.message), f"message is not Swedish: {d.message!r}"
        assert d.message.strip(), "empty message"


def test_every_rule_has_an_invalid_case() -> None:
    covered = {m[1] for case in case_paths("invalid")
               for path in ([case] if case.is_file() else case.rglob("*.yaml"))
               for m in re.finditer(r"^#\s*expect:\s*\d+:\d+\s+(R\d{3})", path.read_bytes()
                                    .decode("utf-8", errors="replace"), re.MULTILINE)}
    missing = sorted(set(rule_summaries()) - covered)
    assert not missing, f"rules without an invalid case in tests/cases/invalid: {missing}"


def test_base_library_is_clean(tmp_path: Path) -> None:
    _, diagnostics, root = run_case(BASE, tmp_path)
    assert diagnostics == [], describe(diagnostics, root)
