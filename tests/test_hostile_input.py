"""Hostile input: every file an attacker or an unlucky editor could produce gives a located
error and exit code 1 — fast, in bounded memory, and without running or reading anything else.

Limits are generous so a slow shared 2-core machine does not make the tests flaky: the point is
to catch a loader that expands aliases or reads 20 MB (hundreds of MB and tens of seconds), not
to benchmark.
"""

from __future__ import annotations

import re
import time
import tracemalloc
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from builder.bench.limits import routine_head
from builder.cli import cli
from builder.load.library import load_library
from builder.model import Samverkansrutin

MAX_SECONDS = 5.0
MAX_PEAK_BYTES = 50 * 1024 * 1024
LINE = re.compile(r"^(?P<file>[^\n]+?):(?P<line>\d+):(?P<col>\d+): (?P<sev>fel|varning) "
                  r"(?P<rule>R\d{3}) (?P<message>.+)$")

# A routine that is valid on its own; cases replace one line of it.
VALID = routine_head("fientlig", "Rutin för fientlig indata") + """\
  - rubrik: Syfte
    text: En rutin.
"""


@dataclass(frozen=True)
class Finding:
    file: str
    line: int
    column: int
    severity: str
    rule: str
    message: str


@dataclass(frozen=True)
class Run:
    exit_code: int
    findings: list[Finding]
    output: str
    seconds: float
    peak_bytes: int


def check(path: Path, *args: str) -> Run:
    """`rutin check PATH` in-process, measuring wall time and the Python heap's peak."""
    tracemalloc.start()
    started = time.perf_counter()
    try:
        result = CliRunner().invoke(cli, ["check", str(path), *args])
    finally:
        seconds = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    findings = [Finding(m["file"], int(m["line"]), int(m["col"]), m["sev"], m["rule"],
                        m["message"])
                for m in map(LINE.match, result.stdout.splitlines()) if m]
    return Run(result.exit_code, findings, result.output, seconds, peak)


@pytest.fixture
def group(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty library folder; the working folder is tmp_path so paths print as routines/…"""
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "routines" / "grupp"
    folder.mkdir(parents=True)
    (tmp_path / "routines" / "organisation.yaml").write_text("namn: Test\n", encoding="utf-8")
    return folder


def assert_located(run: Run, rule: str, line: int | None, column: int | None = None,
                   file: str = "routines/grupp/x.yaml") -> Finding:
    """Exit 1, bounded cost, and a finding of ``rule`` at file:line(:col)."""
    assert run.exit_code == 1, run.output
    assert run.seconds < MAX_SECONDS, f"took {run.seconds:.1f} s"
    assert run.peak_bytes < MAX_PEAK_BYTES, f"peak {run.peak_bytes / 1e6:.0f} MB"
    hits = [f for f in run.findings if f.rule == rule and f.file == file
            and (line is None or f.line == line) and (column is None or f.column == column)]
    assert hits, f"no {rule} at {file}:{line}:{column}:\n{run.output}"
    assert all(f.severity == "fel" for f in hits)
    return hits[0]


def write(group: Path, content: str | bytes, name: str = "x.yaml") -> Path:
    path = group / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def test_malformed_yaml(group: Path) -> None:
    path = write(group, VALID.replace("  - rubrik: Syfte", "  - rubrik: [Syfte"))
    found = assert_located(check(path), "R100", 12, 9)
    assert "rad 11" in found.message  # where the unclosed '[' was opened


def test_unclosed_quote_names_where_it_began(group: Path) -> None:
    path = write(group, VALID.replace("text: En rutin.", 'text: "En rutin.\n\n'))
    found = assert_located(check(path), "R100", None)
    assert "citattecknet på rad 12 stängs aldrig" in found.message


def test_tab_indentation(group: Path) -> None:
    path = write(group, VALID.replace("    text: En rutin.", "\ttext: En rutin."))
    found = assert_located(check(path), "R100", 12, 1)
    assert "tabb" in found.message


def test_duplicate_key(group: Path) -> None:
    path = write(group, VALID + "titel: En andra titel\n")
    found = assert_located(check(path), "R103", 13, 1)
    assert "'titel'" in found.message and "rad 3" in found.message


BILLION_LAUGHS = """\
id: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
titel: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
"""


def test_alias_bomb(group: Path) -> None:
    path = write(group, BILLION_LAUGHS)
    found = assert_located(check(path), "R105", 1, 5)
    assert "&a" in found.message


def test_alias_without_anchor_definition_is_refused_too(group: Path) -> None:
    path = write(group, VALID.replace("text: En rutin.", "text: *saknas"))
    assert_located(check(path), "R105", 12, 11)


def test_twenty_megabyte_file_fails_without_reading_it(group: Path) -> None:
    line = "  - rubrik: Syfte\n"
    path = write(group, VALID + line * (20_000_000 // len(line)))
    assert path.stat().st_size > 20_000_000
    run = check(path)
    found = assert_located(run, "R100", 1, 1)
    assert "MB" in found.message
    # Reading the file alone would allocate 20 MB; parsing it, hundreds.
    assert run.peak_bytes < 5_000_000, f"peak {run.peak_bytes / 1e6:.1f} MB"


def test_many_values_within_the_size_cap_are_refused_early(group: Path) -> None:
    path = write(group, "id: [" + "a," * 400_000 + "a]\n")  # 800 kB, 400 000 nodes
    found = assert_located(check(path), "R100", 1, None)
    assert "värden" in found.message


def test_non_utf8_bytes(group: Path) -> None:
    path = write(group, VALID.replace("titel: Rutin för", "titel: Rutin f\udcf6r")
                 .encode("utf-8", errors="surrogateescape"))
    found = assert_located(check(path), "R100", 3, 15)
    assert "UTF-8" in found.message and "0xf6" in found.message


def test_bom_is_read_past(group: Path) -> None:
    """Windows editors save UTF-8 with a byte order mark: the file reads as without one."""
    path = write(group, b"\xef\xbb\xbf" + VALID.encode("utf-8"))
    bom = check(path)
    plain = check(write(group, VALID))
    assert bom.exit_code == plain.exit_code
    assert [(f.line, f.column, f.rule) for f in bom.findings] == \
        [(f.line, f.column, f.rule) for f in plain.findings]


def test_control_character(group: Path) -> None:
    path = write(group, VALID.replace("En rutin.", "En\x07rutin."))
    found = assert_located(check(path), "R100", 12, 13)
    assert "U+0007" in found.message


@pytest.mark.parametrize("tag", [
    "!!python/object/apply:os.system",
    "!!python/object:builtins.dict",
    "!!python/name:os.system",
])
def test_python_tags_are_refused_and_never_run(group: Path, tag: str) -> None:
    marker = group.parent.parent / "PWNED"
    path = write(group, VALID.replace("titel: Rutin för fientlig indata",
                                      f'titel: {tag} ["touch {marker}"]'))
    found = assert_located(check(path), "R105", 3, 8)
    assert tag in found.message
    assert not marker.exists()


def test_reference_outside_routines(group: Path) -> None:
    path = write(group, VALID + "bilagor: [{titel: x, fil: ../../etc/passwd}]\n")
    found = assert_located(check(path), "R303", 13, 22)
    assert "../../etc/passwd" in found.message


def test_symlink_out_of_routines_is_not_followed(group: Path) -> None:
    link = group / "x.yaml"
    link.symlink_to("/etc/passwd")
    run = check(group.parent)
    assert_located(run, "R303", 1, 1)


def test_impossible_date(group: Path) -> None:
    path = write(group, VALID.replace("datum: 2026-05-01", "datum: 2026-02-30"))
    found = assert_located(check(path), "R104", 9, 29)
    assert "2026-02-30" in found.message


def test_wrong_type(group: Path) -> None:
    path = write(group, VALID.replace("ändringar:\n", "ändringar: en text\nx:\n"))
    run = check(path)
    found = assert_located(run, "R101", 8, 12)
    assert "'ändringar'" in found.message and "lista" in found.message and "'en text'" in \
        found.message


def test_empty_file(group: Path) -> None:
    path = write(group, "")
    found = assert_located(check(path), "R101", 1, 1)
    assert "tom" in found.message


def test_only_a_list(group: Path) -> None:
    path = write(group, "- a\n- b\n")
    found = assert_located(check(path), "R101", 1, 1)
    assert "block med nycklar" in found.message


def test_deeply_nested_flow_lists(group: Path) -> None:
    depth = 100_000
    path = write(group, "id: " + "[" * depth + "]" * depth + "\n")
    found = assert_located(check(path), "R100", 1, None)
    assert "nivåer" in found.message


def test_deeply_nested_block_lists(group: Path) -> None:
    path = write(group, "id:\n" + "".join("  " * i + "-\n" for i in range(1, 300)))
    found = assert_located(check(path), "R100", None)
    assert found.line < 60  # refused at the depth cap, not at the bottom
    assert "nivåer" in found.message


def test_yaml_11_surprises_keep_their_source_text(group: Path) -> None:
    text = (VALID.replace('version: "1.0"', "version: 2.10")
            .replace('{version: "1.0"', "{version: 2.10")
            .replace("titel: Rutin för fientlig indata", "titel: no")
            .replace("upprättat_av: Arbetsgrupp", "upprättat_av: 0123")
            .replace("text: En rutin.", "text: 12:30")
            + "uppdrag: on\n")
    write(group, text)
    run = check(group.parent)
    assert run.exit_code == 0, run.output
    library, diagnostics = load_library(group.parent)
    assert diagnostics == []
    doc = library.routines[0].document
    assert isinstance(doc, Samverkansrutin)
    assert doc.version == "2.10" and doc.revisions[0].version == "2.10"
    assert doc.title == "no"
    assert doc.assignment == "on"
    assert doc.prepared_by == "0123"
    assert doc.sections[0].text == "12:30"


def test_many_problems_are_all_reported_in_one_run(group: Path) -> None:
    write(group, VALID.replace("datum: 2026-05-01", "datum: 2026-02-30"), "a.yaml")
    write(group, "", "b.yaml")
    write(group, BILLION_LAUGHS, "c.yaml")
    run = check(group.parent)
    assert run.exit_code == 1
    assert {(f.file, f.rule) for f in run.findings} >= {
        ("routines/grupp/a.yaml", "R104"), ("routines/grupp/b.yaml", "R101"),
        ("routines/grupp/c.yaml", "R105")}
