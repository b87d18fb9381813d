"""`rutin diff` and `rutin review`: removed + added lines for a changed step, redline PDF text."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pypdf
import pytest
from approval_helpers import approve_kungalv_1_1
from click.testing import CliRunner

from builder.cli import cli
from builder.decision.review import redline_pdf, review_packet
from builder.governance.diff import diff_routine, format_text
from builder.load.library import load_library

REPO_ROUTINES = Path(__file__).resolve().parents[1] / "routines"
GROUP = "kungalv-insatser-i-hemmet"
OLD_STEP = 'När NSVT avslutar ett uppdrag skickas ett "Meddelande'
NEW_STEP = 'När NSVT avslutar ett uppdrag skickas ett utförligt "Meddelande'


@pytest.fixture()
def changed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the shipped library where step 4 of the approved Kungälv routine changed."""
    root = tmp_path / "routines"
    shutil.copytree(REPO_ROUTINES, root)
    path = root / GROUP / "samverkansrutin.yaml"
    text = path.read_text(encoding="utf-8")
    assert "skickas ett \"Meddelande till vård och omsorg\" via\n" in text
    path.write_text(text.replace("När NSVT avslutar ett uppdrag skickas ett \"Meddelande",
                                 "När NSVT avslutar ett uppdrag skickas ett utförligt "
                                 "\"Meddelande", 1), encoding="utf-8")
    _renew_card_fingerprints(root)
    monkeypatch.chdir(tmp_path)
    return root


def _renew_card_fingerprints(root: Path) -> None:
    """What the author does when R504 says a card line's step changed: reread the line (here
    it still holds) and record the step's new fingerprint."""
    from builder.derived import resolve
    from builder.model import CardPoint

    library, _ = load_library(root)
    routine = library.by_id(GROUP)
    assert routine is not None and routine.document.pocket_card is not None
    text = routine.path.read_text(encoding="utf-8")
    for point in routine.document.pocket_card.points:
        if isinstance(point, CardPoint) and point.fingerprint:
            source = resolve(routine.document, point)
            assert source is not None
            text = text.replace(f'avtryck: "{point.fingerprint}"', f'avtryck: "{source.fingerprint}"')
    routine.path.write_text(text, encoding="utf-8")


def pdf_text(data: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(data))
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


def test_changed_step_shows_as_removed_and_added(changed: Path) -> None:
    library, _ = load_library(changed)
    diff = diff_routine(library, GROUP)
    text = format_text(diff)
    assert "## Genomförande › Informationsöverföring" in text
    removed = [line for line in text.splitlines() if line.startswith("- 4. ")]
    added = [line for line in text.splitlines() if line.startswith("+ 4. ")]
    assert len(removed) == 1 and OLD_STEP in removed[0]
    assert len(added) == 1 and NEW_STEP in added[0]
    assert "(ansvarig: NSVT; när: Vid avslut av uppdraget)" in added[0]
    # Unchanged sections are left out of the text diff.
    assert "## Syfte" not in text


def test_unchanged_working_copy_has_no_changes() -> None:
    library, _ = load_library(REPO_ROUTINES)
    diff = diff_routine(library, GROUP)
    assert not diff.changed
    assert "Inga ändringar" in format_text(diff)


def test_diff_between_two_archived_versions(changed: Path) -> None:
    outcome = approve_kungalv_1_1(changed)
    assert outcome.refusals == []
    result = CliRunner().invoke(cli, ["diff", GROUP, "--from", "1.0", "--to", "1.1",
                                      "--routines", str(changed)])
    assert result.exit_code == 0, result.output
    assert "version 1.0 (arkiv) → version 1.1" in result.output
    assert "+ 4. " + NEW_STEP in result.output and "- 4. " + OLD_STEP in result.output
    missing = CliRunner().invoke(cli, ["diff", GROUP, "--from", "0.9", "--routines",
                                       str(changed)])
    assert missing.exit_code == 2 and "finns inte i arkivet" in missing.output


def test_redline_pdf_marks_the_inserted_word_in_the_unchanged_step(changed: Path,
                                                                   tmp_path: Path) -> None:
    target = tmp_path / "redline.pdf"
    result = CliRunner().invoke(cli, ["diff", GROUP, "--pdf", str(target),
                                      "--routines", str(changed)])
    assert result.exit_code == 0, result.output
    library, _ = load_library(changed)
    assert redline_pdf(diff_routine(library, GROUP)).warnings == ()  # WeasyPrint logged nothing
    text = pdf_text(target.read_bytes())
    # One word was inserted: the step is printed once, with the word marked inside it (issue
    # 21), not as the whole old step struck and the whole new one added.
    assert text.count(OLD_STEP.split('"')[0].strip()) == 1
    assert "skickas ett utförligt \"Meddelande" in text


def test_review_packet_has_summary_findings_redline_and_document(changed: Path,
                                                                 tmp_path: Path) -> None:
    target = tmp_path / "granskning.pdf"
    result = CliRunner().invoke(cli, ["review", GROUP, "-o", str(target),
                                      "--routines", str(changed)])
    assert result.exit_code == 0, result.output
    text = pdf_text(target.read_bytes())
    assert "Ändringssammanfattning" in text and "Ny rutin." in text
    assert "R407" in text  # the check findings: changed after approval, version not raised
    assert "skickas ett utförligt" in text
    assert review_packet(changed, GROUP).warnings == ()
    if "Obs:" not in result.output:  # the document renderer is installed: document included
        assert text.count("Syfte") >= 2
