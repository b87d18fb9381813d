"""`rutin status` on a library dated so that one review is overdue, one due soon, one expired."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

from click.testing import CliRunner

from builder.cli import cli
from builder.governance import ledger
from builder.governance.status import library_status
from builder.load.library import load_library
from builder.text.dates import add_months

FIXTURE = Path(__file__).parent / "fixtures" / "status-library"
TODAY = "2027-03-01"


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["status", str(FIXTURE), "--idag", TODAY, *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.output


def flags_by_id(today: dt.date) -> dict[str, set[str]]:
    library, diagnostics = load_library(FIXTURE)
    assert len(library.routines) == 4, diagnostics
    return {s.routine.document.id: {f.code for f in s.flags} for s in library_status(library, today)}


def test_each_due_item_is_flagged() -> None:
    flags = flags_by_id(dt.date(2027, 3, 1))
    # Approved 2026-01-15, reviewed in January and August: due 2026-08-31.
    assert flags["demo-samverkan"] == {"utvardering-forsenad"}
    # Approved 2026-11-10, every six months: due 2027-05-10, inside the six-month lead time.
    assert flags["team-a"] == {"utvardering-snart"}
    # Valid to 2027-02-01; its two-year review is far off.
    assert flags["team-b"] == {"giltighet-utgangen"}
    assert flags["andra-samverkan"] == {"utkast"}


def test_flags_move_with_the_date() -> None:
    flags = flags_by_id(dt.date(2026, 6, 1))
    assert flags["demo-samverkan"] == {"utvardering-snart"}
    assert flags["team-a"] == set()  # not yet approved on that day, but nothing is due
    assert flags["team-b"] == set()
    assert "giltighet-upphor" in flags_by_id(dt.date(2026, 12, 1))["team-b"]


def test_add_months_clamps_to_month_end() -> None:
    assert add_months(dt.date(2026, 8, 31), 6) == dt.date(2027, 2, 28)
    assert add_months(dt.date(2026, 11, 10), 2) == dt.date(2027, 1, 10)


def test_table_names_every_document_in_swedish() -> None:
    code, output = run()
    assert code == 0
    for doc_id in ("demo-samverkan", "team-a", "team-b", "andra-samverkan"):
        assert doc_id in output
    assert "Utvärdering försenad" in output
    assert "Giltighet utgick 2027-02-01" in output
    assert "Utvärdering senast 2027-05-10" in output
    assert "väntar på fastställande" in output
    assert "2 försenade" in output


def test_fail_on_overdue_exits_1() -> None:
    code, _ = run("--fail-on-overdue")
    assert code == 1


def test_fail_on_overdue_passes_when_nothing_is_overdue() -> None:
    result = CliRunner().invoke(cli, ["status", str(FIXTURE), "--idag", "2026-03-01",
                                      "--fail-on-overdue"])
    assert result.exit_code == 0, result.output


def test_json_format() -> None:
    code, output = run("--format", "json", "--fail-on-overdue")
    assert code == 1
    payload = json.loads(output)
    assert payload["idag"] == TODAY
    docs = {d["id"]: d for d in payload["dokument"]}
    assert set(docs) == {"demo-samverkan", "team-a", "team-b", "andra-samverkan"}
    assert docs["demo-samverkan"]["nästa_utvärdering"] == "2026-08-31"
    assert docs["demo-samverkan"]["försenad"] is True
    assert docs["team-b"]["giltig_till"] == "2027-02-01"
    assert [f["kod"] for f in docs["team-b"]["att_göra"]] == ["giltighet-utgangen"]
    assert docs["team-a"]["försenad"] is False
    assert docs["team-a"]["team"] == "Alfateamet"


def test_bad_date_is_a_usage_error() -> None:
    result = CliRunner().invoke(cli, ["status", str(FIXTURE), "--idag", "1 mars"])
    assert result.exit_code == 2


def test_changed_since_approval(tmp_path: Path) -> None:
    """An approved routine edited after its ledger entry is flagged."""
    root = tmp_path / "routines"
    shutil.copytree(FIXTURE, root)
    library, _ = load_library(root)
    routine = library.by_id("team-a")
    assert routine is not None
    entry = ledger.make_entry(
        "0" * 64, document="team-a", version="1.1", decision="fastställd",
        body="Samordningsgruppen", date=dt.date(2026, 11, 10), protocol="§ 12",
        summary="Nya kontaktvägar", content=ledger.content_hash(routine.document))
    folder = routine.path.parent
    (folder / "godkannanden.yaml").write_text(ledger.ledger_text_with(None, entry),
                                              encoding="utf-8")
    assert "andrad-efter-godkannande" not in flags_by_root(root)["team-a"]
    path = folder / "team-a.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "Teamet dokumenterar insatsen.", "Teamet dokumenterar insatsen samma dag."),
        encoding="utf-8")
    assert "andrad-efter-godkannande" in flags_by_root(root)["team-a"]


def flags_by_root(root: Path) -> dict[str, set[str]]:
    library, _ = load_library(root)
    return {s.routine.document.id: {f.code for f in s.flags}
            for s in library_status(library, dt.date(2027, 3, 1))}
