"""`rutin build` renders only what changed: manifest, no-op rebuilds, pruning, atomic writes."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from builder import render
from builder.options import BuildOptions
from builder.publish.manifest import MANIFEST_NAME
from builder.publish.run import run_build
from builder.render import Artifact, RenderContext

ROOT = Path(__file__).resolve().parents[1]
CALLS: list[tuple[str, str]] = []
FAIL_FOR: set[str] = set()


def fake_render(ctx: RenderContext) -> list[Artifact]:
    """A fast stand-in renderer that records each call (the real ones are tested elsewhere)."""
    CALLS.append((ctx.document.id, "fake"))
    if ctx.document.id in FAIL_FOR:
        raise RuntimeError("trasig mall")
    body = f"{ctx.document.title} {ctx.document.version}".encode()
    return [Artifact(f"{ctx.stem}.txt", body)]


def fake_render_other(ctx: RenderContext) -> list[Artifact]:
    CALLS.append((ctx.document.id, "other"))
    return [Artifact(f"{ctx.stem}.other", ctx.document.id.encode())]


def group_library(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake: str,
                  other: str) -> Path:
    """One samverkansrutin with two arbetsrutiner in ``tmp_path/routines`` (the working folder),
    built by two stand-in formats: "fake" and "other", rendered by the functions named."""
    routines = tmp_path / "routines"
    routines.mkdir()
    shutil.copy(ROOT / "routines" / "organisation.yaml", routines)
    group = routines / "grupp"
    group.mkdir()
    (group / "samverkansrutin.yaml").write_text(PARENT, encoding="utf-8")
    for team in ("alfa", "beta"):
        (group / f"{team}.yaml").write_text(CHILD.format(team=team), encoding="utf-8")
    monkeypatch.setitem(render.RENDERERS, "fake", render.Format(fake, "Fake"))
    monkeypatch.setitem(render.RENDERERS, "other", render.Format(other, "Other"))
    monkeypatch.chdir(tmp_path)
    return routines


@pytest.fixture()
def library(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    routines = group_library(tmp_path, monkeypatch, f"{__name__}:fake_render",
                             f"{__name__}:fake_render_other")
    CALLS.clear()
    FAIL_FOR.clear()
    return routines


def options(tmp_path: Path, **extra: object) -> BuildOptions:
    return BuildOptions(output=tmp_path / "output", formats=("fake", "other"), jobs=1,
                        quiet=True, today=dt.date(2026, 11, 1), sign=False, **extra)  # type: ignore[arg-type]


def test_first_build_renders_every_document_in_every_format(library: Path, tmp_path: Path) -> None:
    result = run_build(library, options(tmp_path))
    assert sorted(result.rendered) == sorted(
        (d, f) for d in ("grupp", "alfa", "beta") for f in ("fake", "other"))
    assert (tmp_path / "output/grupp/alfa/alfa-v0.1.txt").read_text() == "Arbetsrutin alfa 0.1"
    assert (tmp_path / "output" / MANIFEST_NAME).is_file()


def test_noop_rebuild_renders_nothing(library: Path, tmp_path: Path) -> None:
    run_build(library, options(tmp_path))
    CALLS.clear()
    result = run_build(library, options(tmp_path))
    assert CALLS == []
    assert result.rendered == [] and result.nothing_to_do
    assert result.up_to_date == 6


def test_changing_one_routine_rerenders_only_its_outputs(library: Path, tmp_path: Path) -> None:
    run_build(library, options(tmp_path))
    CALLS.clear()
    path = library / "grupp" / "alfa.yaml"
    path.write_text(path.read_text().replace("Gör det första", "Gör det allra första"))
    result = run_build(library, options(tmp_path))
    assert sorted(CALLS) == [("alfa", "fake"), ("alfa", "other")]
    assert sorted(result.rendered) == [("alfa", "fake"), ("alfa", "other")]


def test_comment_only_change_renders_nothing(library: Path, tmp_path: Path) -> None:
    run_build(library, options(tmp_path))
    CALLS.clear()
    path = library / "grupp" / "beta.yaml"
    path.write_text("# en kommentar\n" + path.read_text())
    run_build(library, options(tmp_path))
    assert CALLS == []


def test_changing_a_template_rerenders_every_document(library: Path, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "document.css").write_text("body { color: black }")
    monkeypatch.setattr("builder.publish.manifest.TEMPLATES_DIR", templates)
    run_build(library, options(tmp_path))
    CALLS.clear()
    (templates / "document.css").write_text("body { color: navy }")
    result = run_build(library, options(tmp_path))
    assert len(result.rendered) == 6


def test_deleted_output_file_is_rebuilt(library: Path, tmp_path: Path) -> None:
    run_build(library, options(tmp_path))
    (tmp_path / "output/grupp/beta/beta-v0.1.other").unlink()
    result = run_build(library, options(tmp_path))
    assert result.rendered == [("beta", "other")]


def test_document_with_errors_keeps_its_old_outputs(library: Path, tmp_path: Path) -> None:
    run_build(library, options(tmp_path))
    before = (tmp_path / "output/grupp/alfa/alfa-v0.1.txt").read_bytes()
    path = library / "grupp" / "alfa.yaml"
    path.write_text(path.read_text().replace("  när: Vid avslut", "  när: TODO"))
    result = run_build(library, options(tmp_path))
    assert "alfa" in result.not_built
    assert any(d.rule == "R201" for d in result.diagnostics)
    assert (tmp_path / "output/grupp/alfa/alfa-v0.1.txt").read_bytes() == before


def test_failing_renderer_is_a_finding_and_writes_nothing_for_it(library: Path,
                                                                 tmp_path: Path) -> None:
    FAIL_FOR.add("beta")
    result = run_build(library, options(tmp_path))
    failures = [d for d in result.diagnostics if d.rule == "R601"]
    assert failures and "trasig mall" in failures[0].message
    assert failures[0].file.endswith("beta.yaml")
    assert not (tmp_path / "output/grupp/beta/beta-v0.1.txt").exists()
    assert (tmp_path / "output/grupp/alfa/alfa-v0.1.txt").exists()
    assert not list((tmp_path / "output").rglob("*.tmp"))


def test_removed_routine_is_reported_and_pruned_only_on_request(library: Path,
                                                                tmp_path: Path) -> None:
    run_build(library, options(tmp_path))
    (library / "grupp" / "beta.yaml").unlink()
    parent = library / "grupp" / "samverkansrutin.yaml"
    parent.write_text(parent.read_text().replace(BETA_TEAM, ""))
    result = run_build(library, options(tmp_path))
    assert result.orphaned == ["beta"]
    assert (tmp_path / "output/grupp/beta/beta-v0.1.txt").exists()
    result = run_build(library, options(tmp_path), prune=True)
    assert not (tmp_path / "output/grupp/beta/beta-v0.1.txt").exists()
    moved = list((tmp_path / "output/.borttaget").rglob("beta-v0.1.txt"))
    assert len(moved) == 1 and moved[0].read_text() == "Arbetsrutin beta 0.1"


def test_parallel_build_gives_the_same_files_as_serial(library: Path, tmp_path: Path) -> None:
    serial = run_build(library, options(tmp_path))
    parallel_opts = BuildOptions(output=tmp_path / "par", formats=("fake", "other"), jobs=2,
                                 quiet=True, today=dt.date(2026, 11, 1), sign=False)
    parallel = run_build(library, parallel_opts)
    assert sorted(serial.rendered) == sorted(parallel.rendered)
    for path in (tmp_path / "output").rglob("*.txt"):
        twin = tmp_path / "par" / path.relative_to(tmp_path / "output")
        assert twin.read_bytes() == path.read_bytes()


BETA_TEAM = "  - {id: beta, namn: Team beta}\n"
PARENT = """id: grupp
typ: samverkansrutin
titel: Samverkansrutin för test
dokumenttyp: Styrdokument
upprättat_av: Arbetsgruppen
version: "0.1"
status: utkast
ändringar:
  - {version: "0.1", datum: 2026-10-01, beskrivning: Utkast}
avsnitt:
  - rubrik: Syfte
    text: Att testa bygget.
team:
  - {id: alfa, namn: Team alfa}
""" + BETA_TEAM
CHILD = """id: {team}
typ: arbetsrutin
titel: Arbetsrutin {team}
dokumenttyp: Arbetsrutin
upprättat_av: Teamet
version: "0.1"
status: utkast
team: {team}
samverkansrutin: grupp
ändringar:
  - {{version: "0.1", datum: 2026-10-01, beskrivning: Utkast}}
uppföljning:
  ansvarig: Teamets samordnare
  hur: Genomgång av avslutade uppdrag
  när: Vid avslut
avsnitt:
  - rubrik: Arbetssätt
    steg:
      - text: Gör det första
        ansvarig: Sjuksköterska
"""


def test_index_follows_the_build_date_without_rerendering_documents(library: Path,
                                                                    tmp_path: Path) -> None:
    run_build(library, options(tmp_path))
    index = tmp_path / "output" / "index.html"
    before = index.read_bytes()
    later = BuildOptions(output=tmp_path / "output", formats=("fake", "other"), jobs=1,
                         quiet=True, today=dt.date(2027, 3, 1), sign=False)
    CALLS.clear()
    result = run_build(library, later)
    assert result.rendered == [] and CALLS == []
    assert index in result.written and index.read_bytes() != before
    assert run_build(library, later).nothing_to_do


def test_unchanged_library_replays_the_last_findings_without_parsing(library: Path,
                                                                     tmp_path: Path) -> None:
    path = library / "grupp" / "alfa.yaml"
    path.write_text(path.read_text().replace("  när: Vid avslut", "  när: TODO"))
    first = run_build(library, options(tmp_path))
    again = run_build(library, options(tmp_path))
    assert first.check is not None and again.check is None  # nothing was parsed the second time
    assert again.not_built == ["alfa"] == first.not_built
    assert again.diagnostics == first.diagnostics
    assert [d.rule for d in again.diagnostics if d.is_error] == ["R201"]
    path.write_text(path.read_text().replace("  när: TODO", "  när: Vid avslut"))
    fixed = run_build(library, options(tmp_path))
    assert fixed.check is not None and fixed.not_built == []
    assert sorted(fixed.rendered) == [("alfa", "fake"), ("alfa", "other")]
