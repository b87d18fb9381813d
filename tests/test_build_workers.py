"""Render workers started before the check (a rebuild with little to render): they render
exactly what changed, with their routine's part of the library, and a dead one fails only its
job. WeasyPrint's library search under the linker cache finds what the full search finds."""

from __future__ import annotations

import ctypes.util
import datetime as dt
import os
import signal
from pathlib import Path

import pytest

from builder.load.library import load_library
from builder.options import BuildOptions
from builder.publish import run, workers
from builder.publish.run import run_build
from builder.render import Artifact, RenderContext, get_renderer
from tests.test_build_incremental import group_library

ROOT = Path(__file__).resolve().parents[1]
DIE_FOR = "beta"


def fake_render(ctx: RenderContext) -> list[Artifact]:
    """A fast stand-in renderer; the title is on the index page too."""
    return [Artifact(f"{ctx.stem}.txt", f"{ctx.document.title} {ctx.document.version}".encode())]


def dying_render(ctx: RenderContext) -> list[Artifact]:
    """Kills its worker, as the kernel's OOM killer would, for one document."""
    if ctx.document.id == DIE_FOR and os.environ.get("RUTIN_TEST_DIE") == "1":
        os.kill(os.getpid(), signal.SIGKILL)
    return [Artifact(f"{ctx.stem}.other", ctx.document.id.encode())]


@pytest.fixture()
def library(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return group_library(tmp_path, monkeypatch, f"{__name__}:fake_render",
                         f"{__name__}:dying_render")


def options(tmp_path: Path) -> BuildOptions:
    return BuildOptions(output=tmp_path / "output", formats=("fake", "other"), jobs=2,
                        quiet=True, today=dt.date(2026, 11, 1), sign=False)


def _retitle(routines: Path, doc_id: str, title: str) -> None:
    for path in routines.rglob("*.yaml"):
        text = path.read_text(encoding="utf-8")
        if f"id: {doc_id}\n" in text:
            start = text.index("titel: ")
            end = text.index("\n", start)
            path.write_text(text[:start] + f"titel: {title}" + text[end:], encoding="utf-8")
            return
    raise AssertionError(doc_id)


def _ids(routines: Path) -> list[str]:
    library, _ = load_library(routines)
    return [r.document.id for r in library.routines]


def _spy_early(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    used: list[int] = []
    original = workers.EarlyWorkers.render

    def spy(self: workers.EarlyWorkers, *args: object, **kwargs: object) -> object:
        used.append(len(self.connections))
        return original(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(workers.EarlyWorkers, "render", spy)
    return used


def _fresh_index(library: Path, tmp_path: Path) -> bytes:
    fresh = BuildOptions(output=tmp_path / "fresh", formats=("fake", "other"), jobs=1,
                         quiet=True, today=dt.date(2026, 11, 1), sign=False)
    run_build(library, fresh)
    return (tmp_path / "fresh" / "index.html").read_bytes()


def spy_render_ahead(monkeypatch: pytest.MonkeyPatch) -> list[list[tuple[str, str]]]:
    """Each render-ahead batch the build starts, as sorted (routine, format) jobs."""
    ahead: list[list[tuple[str, str]]] = []
    original = run.RenderAhead.__init__

    def spy(self: run.RenderAhead, early: workers.EarlyWorkers, jobs: list[tuple[str, str]],
            *args: object) -> None:
        ahead.append(sorted(jobs))
        original(self, early, jobs, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(run.RenderAhead, "__init__", spy)
    return ahead


def test_one_change_renders_exactly_that_routine_on_early_workers(
        library: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    run_build(library, options(tmp_path))
    used = _spy_early(monkeypatch)
    indexes: list[int] = []
    render_index = run._render_index
    monkeypatch.setattr(run, "_render_index", lambda *a: indexes.append(1) or render_index(*a))
    path = library / "grupp" / "alfa.yaml"
    path.write_text(path.read_text().replace("Gör det första", "Gör det allra första"))
    result = run_build(library, options(tmp_path))
    assert used == [2]  # started before the check, two of them
    assert sorted(result.rendered) == [("alfa", "fake"), ("alfa", "other")]
    written = {p.relative_to(tmp_path / "output").as_posix() for p in result.written}
    # The changed routine's outputs, and the index pages whose search covers its text.
    assert written - {"index.html", "grupp/index.html"} == {"grupp/alfa/alfa-v0.1.txt",
                                                            "grupp/alfa/alfa-v0.1.other"}
    assert indexes == [1]  # rendered once, while the workers rendered
    # The index was not rewritten because it is exactly what a fresh build writes.
    assert (tmp_path / "output" / "index.html").read_bytes() == _fresh_index(library, tmp_path)
    assert run_build(library, options(tmp_path)).nothing_to_do


def test_a_new_title_rebuilds_the_routine_its_parent_and_the_index(
        library: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    run_build(library, options(tmp_path))
    used = _spy_early(monkeypatch)
    _retitle(library, "alfa", "Ny titel för indexet")
    result = run_build(library, options(tmp_path))
    assert used == [2]
    assert sorted(result.rendered) == sorted(
        (d, f) for d in ("alfa", "grupp") for f in ("fake", "other"))  # Bilagor lists it
    written = {p.relative_to(tmp_path / "output").as_posix() for p in result.written}
    assert "index.html" in written
    page = (tmp_path / "output" / "index.html").read_bytes()
    assert "Ny titel för indexet".encode() in page
    assert page == _fresh_index(library, tmp_path)
    assert (tmp_path / "output/grupp/alfa/alfa-v0.1.txt").read_text().startswith("Ny titel")


def test_a_worker_that_dies_fails_only_its_job(library: Path, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    run_build(library, options(tmp_path))
    ids = _ids(library)
    monkeypatch.setattr(f"{__name__}.DIE_FOR", ids[0])
    monkeypatch.setenv("RUTIN_TEST_DIE", "1")
    for doc_id in ids[:2]:
        _retitle(library, doc_id, f"Ändrad {doc_id}")
    result = run_build(library, options(tmp_path))
    failed = [d for d in result.diagnostics if d.rule == "R601"]
    assert len(failed) == 1 and "arbetsprocessen avslutades" in failed[0].message
    assert (ids[0], "other") not in result.rendered
    assert {(ids[0], "fake"), (ids[1], "fake"), (ids[1], "other")} <= set(result.rendered)
    monkeypatch.delenv("RUTIN_TEST_DIE")
    again = run_build(library, options(tmp_path))  # a failed job is retried next time
    assert again.rendered == [(ids[0], "other")]


@pytest.mark.parametrize("fmt", ["html", "docx", "checklista", "fickkort", "laskvittens", "pdf"])
def test_a_routines_part_of_the_library_renders_the_same_bytes(fmt: str) -> None:
    library, _ = load_library(ROOT / "routines")
    opts = BuildOptions(output=Path("output"), formats=(fmt,), jobs=1, quiet=True,
                        today=dt.date(2026, 6, 15), sign=False)
    group = next(r for r in library.samverkansrutiner
                 if any(a.document.parent == r.document.id for a in library.arbetsrutiner))
    child = next(a for a in library.arbetsrutiner if a.document.parent == group.document.id)
    renderer = get_renderer(fmt)
    for routine in (group, child):
        shown = workers.shown_library(library, routine.document.id)
        assert len(shown.routines) < len(library.routines)
        part = shown.by_id(routine.document.id)
        assert part is not None
        assert renderer(RenderContext(part, shown, opts)) == renderer(
            RenderContext(routine, library, opts))


def test_the_linker_cache_finds_what_find_library_finds() -> None:
    original = ctypes.util.find_library
    names = ["c", "gobject-2.0", "pango-1.0", "fontconfig"]
    with workers.libraries_found_by_ldconfig():
        patched = [ctypes.util.find_library(name) for name in names]
        assert ctypes.util.find_library("libgobject-2.0-0.dll") is None
    assert ctypes.util.find_library is original
    assert patched == [original(name) for name in names]


def test_a_routine_the_rules_refuse_renders_ahead_but_is_never_published(
        library: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    run_build(library, options(tmp_path))
    before = (tmp_path / "output/grupp/alfa/alfa-v0.1.txt").read_bytes()
    ahead = spy_render_ahead(monkeypatch)
    path = library / "grupp" / "alfa.yaml"  # loads, but R201 (a rule) refuses it
    path.write_text(path.read_text().replace("  när: Vid avslut", "  när: TODO"))
    _retitle(library, "beta", "Ny titel för beta")
    result = run_build(library, options(tmp_path))
    # Rendered during the rules, from the library as loaded: alfa too.
    assert ahead == [sorted((d, f) for d in ("alfa", "beta", "grupp") for f in ("fake", "other"))]
    assert result.not_built == ["alfa"]
    assert sorted(result.rendered) == sorted(
        (d, f) for d in ("beta", "grupp") for f in ("fake", "other"))
    written = {p.relative_to(tmp_path / "output").as_posix() for p in result.written}
    assert not any("alfa/" in name for name in written)
    assert (tmp_path / "output/grupp/alfa/alfa-v0.1.txt").read_bytes() == before


def test_a_build_leaves_the_cyclic_collector_as_it_found_it(
        library: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import gc

    frozen: list[int] = []
    collect = run.collect
    monkeypatch.setattr(run, "collect", lambda *a: frozen.append(gc.get_freeze_count())
                        or collect(*a))
    run_build(library, options(tmp_path))
    assert frozen and frozen[0] > 0  # the loaded library was frozen during the build
    assert gc.get_freeze_count() == 0  # and is collectable again after it
