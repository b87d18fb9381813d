"""The checklist PDF by facts: steps in order with who, one box each, header fields, form fields."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from dataclasses import replace
from io import BytesIO
from pathlib import Path

import pytest

pypdf = pytest.importorskip("pypdf")
pikepdf = pytest.importorskip("pikepdf")
pytest.importorskip("weasyprint")

from builder.load.library import Library, load_library
from builder.model import Section, Step
from builder.options import BuildOptions
from builder.render import RenderContext, get_renderer
from builder.render.document_view import COPY_NOTICE
from builder.render.printables.checklist import (
    HEADER_FIELDS,
    _row_fragments,
    checklist_html,
    rows_taller_than_page,
)
from builder.render.printables.common import (
    ChecklistRow,
    checklist_items,
    checklist_rows,
    find_team,
    note_as_action,
)
from builder.render.weasy import measure_html
from builder.text.typography import swedish_quotes

ROOT = Path(__file__).resolve().parents[1]
CASES = ROOT / "tests" / "cases"
OPTIONS = BuildOptions(today=dt.date(2026, 6, 15), epoch=1_780_000_000, fillable=True)
PX_PER_MM = 96 / 25.4
KUNGALV = "kungalv-insatser-i-hemmet"
BOX = "☐"


@pytest.fixture(scope="module")
def library() -> Library:
    lib, _ = load_library(ROOT / "routines")
    return lib


@pytest.fixture(scope="module")
def kungalv(library: Library) -> tuple[RenderContext, dict[str, bytes]]:
    routine = library.by_id(KUNGALV)
    assert routine is not None
    ctx = RenderContext(routine, library, OPTIONS)
    return ctx, {a.filename: a.data for a in get_renderer("checklista")(ctx)}


def text_runs(data: bytes) -> list[tuple[int, float, float, str]]:
    """(page, x mm, y mm from the top, text) of every text run, in reading order."""
    runs: list[tuple[int, float, float, str]] = []
    for number, page in enumerate(pypdf.PdfReader(BytesIO(data)).pages):
        def visit(text: str, cm: list[float], tm: list[float], font: object, size: float,
                  number: int = number) -> None:
            if text.strip():
                runs.append((number, tm[4] / PX_PER_MM, tm[5] / PX_PER_MM, text.strip()))

        page.extract_text(visitor_text=visit)
    return sorted(runs, key=lambda r: (r[0], round(r[2], 1), r[1]))


def column(runs: list[tuple[int, float, float, str]], left: float, right: float) -> list[str]:
    return [text for _, x, _, text in runs if left - 0.5 <= x < right - 0.5]


def header_x(runs: list[tuple[int, float, float, str]], label: str) -> float:
    return next(x for page, x, _, text in runs if page == 0 and text == label)


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def expected_vad(row: ChecklistRow) -> str:
    row = note_as_action(row)
    return squash(f"{row.condition} → {row.text}" if row.condition else row.text)


def test_every_step_is_present_in_order_with_its_owner(
        kungalv: tuple[RenderContext, dict[str, bytes]]) -> None:
    ctx, files = kungalv
    rows = checklist_rows(ctx.document)
    # Steps 1-4 with 2a-2c, then the step list's Observera as a row of its own.
    assert [r.number for r in rows] == ["1", "2a", "2b", "2c", "3", "4", ""]
    assert rows[-1].kind == "not" and "NSVT som avslutar ärendet i SAMSA" in rows[-1].text
    runs = text_runs(files[f"{ctx.stem}-checklista.pdf"])
    vad, vem, nar = (header_x(runs, label) for label in ("Vad", "Vem", "När"))
    vad_text = squash(" ".join(t for t in column(runs, vad, vem) if t != "Vad"))
    position = 0
    for row in rows:
        found = vad_text.find(swedish_quotes(expected_vad(row)), position)
        assert found >= 0, f"step {row.number} missing or out of order: {expected_vad(row)}"
        position = found + 1
    owners = squash(" ".join(t for t in column(runs, vem, nar) if t != "Vem"))
    # Each row names its owner; 2c's owner is not stated in the seed, and says so; the note
    # "Observera att det är NSVT som avslutar ärendet …" is NSVT's closing action.
    assert re.sub(r"‐ ?", "", owners) == (
        "NSVT Vårdcentralen Vårdcentralen Ej angivet NSVT NSVT NSVT")


def test_one_drawn_box_per_step_and_alternative(
        kungalv: tuple[RenderContext, dict[str, bytes]]) -> None:
    ctx, files = kungalv
    text = "".join(p.extract_text() for p in
                   pypdf.PdfReader(BytesIO(files[f"{ctx.stem}-checklista.pdf"])).pages)
    assert text.count(BOX) == len(checklist_rows(ctx.document)) == 7  # the note included


def test_header_and_footer(kungalv: tuple[RenderContext, dict[str, bytes]]) -> None:
    ctx, files = kungalv
    reader = pypdf.PdfReader(BytesIO(files[f"{ctx.stem}-checklista.pdf"]))
    first = reader.pages[0].extract_text()
    assert squash(ctx.document.title) in squash(first)
    assert "Version 1.0" in first and "Giltigt från och med 1 juni 2026" in first
    assert "Team: Närsjukvårdsteam (NSVT)" in first
    for _, label in HEADER_FIELDS:
        assert label in first
    assert "Patient (initialer/ID)" in first
    for number, page in enumerate(reader.pages, start=1):
        text = page.extract_text()
        assert f"Sida {number} av {len(reader.pages)}" in text
        assert COPY_NOTICE in text and "Version 1.0" in text
    assert reader.metadata is not None and "Checklista" in str(reader.metadata.title)


def test_printable_checklist_is_pdfa_without_forms(
        kungalv: tuple[RenderContext, dict[str, bytes]]) -> None:
    ctx, files = kungalv
    with pikepdf.open(BytesIO(files[f"{ctx.stem}-checklista.pdf"])) as pdf:
        assert "/AcroForm" not in pdf.Root
        assert pdf.open_metadata().get("pdfaid:part") == "3"


def test_fillable_checklist_has_printable_checkboxes_and_text_fields(
        kungalv: tuple[RenderContext, dict[str, bytes]]) -> None:
    ctx, files = kungalv
    rows = checklist_rows(ctx.document)
    with pikepdf.open(BytesIO(files[f"{ctx.stem}-checklista-ifyllbar.pdf"])) as pdf:
        form = pdf.Root.AcroForm
        fields = list(form.Fields)
        checkboxes = [f for f in fields if f.FT == "/Btn"]
        texts = [f for f in fields if f.FT == "/Tx"]
        assert len(checkboxes) == len(rows)
        # Date and signature for every row we perform: 1, 2c (owner not stated), 3, 4 and the
        # closing action; none for 2a and 2b, which Vårdcentralen performs.
        items = checklist_items(rows, find_team(ctx.routine, ctx.library))
        signed = [row for item in items for row, other in item.lines if other is None]
        assert [r.number or r.kind for r in signed] == ["1", "2c", "3", "4", "åtgärd"]
        assert len(texts) == len(HEADER_FIELDS) + 2 * len(signed)
        for field in fields:
            assert int(field.F) & 4, f"{field.T} lacks the print flag"
        assert len({str(f.T) for f in fields}) == len(fields)  # unique names
        # PDF/A too: every widget has its appearance, no /NeedAppearances (issue 15).
        assert "/NeedAppearances" not in form
        assert all("/N" in widget.AP for page in pdf.pages for widget in page.Annots)
        assert pdf.open_metadata().get("pdfaid:part") == "3"


def test_without_ifyllbar_only_the_printable_checklist(library: Library) -> None:
    routine = library.by_id(KUNGALV)
    assert routine is not None
    ctx = RenderContext(routine, library, replace(OPTIONS, fillable=False))
    assert [a.filename for a in get_renderer("checklista")(ctx)] == [
        f"{ctx.stem}-checklista.pdf"]


def test_routine_without_steps_gets_no_checklist(tmp_path: Path) -> None:
    root = tmp_path / "routines"
    shutil.copytree(CASES / "_base", root)
    lib, _ = load_library(root)
    routine = lib.by_id("bas-samverkan")
    assert routine is not None and checklist_rows(routine.document) == []
    assert get_renderer("checklista")(RenderContext(routine, lib, OPTIONS)) == []


def many_steps(ctx: RenderContext, count: int, words: int) -> RenderContext:
    """The routine with one section of ``count`` generated steps."""
    text = " ".join(["Kontrollera och dokumentera"] * words)
    steps = [Step(text=f"Steg {n}: {text}.", ansvarig="Sjuksköterska", när="Dagligen")
             for n in range(1, count + 1)]
    section = Section(rubrik="Genererade steg", steg=steps)
    document = ctx.document.model_copy(update={"sections": [section]})
    return replace(ctx, routine=replace(ctx.routine, document=document))


def test_rows_never_split_across_pages(kungalv: tuple[RenderContext, dict[str, bytes]]) -> None:
    ctx = many_steps(kungalv[0], 40, 12)
    rows = checklist_rows(ctx.document)
    document = measure_html(checklist_html(ctx, rows, fillable=False))
    assert len(document.pages) > 2
    pieces, _ = _row_fragments(document)
    assert set(pieces) == {r.field_id for r in rows}
    assert all(len(heights) == 1 for heights in pieces.values())
    assert rows_taller_than_page(ctx) == []


def test_a_step_longer_than_a_page_is_found(
        kungalv: tuple[RenderContext, dict[str, bytes]]) -> None:
    ctx = many_steps(kungalv[0], 2, 900)
    found = rows_taller_than_page(ctx)
    assert [row.number for row, _, _ in found] == ["1", "2"]
    for _, height, page in found:
        assert height > page > 200


def test_choose_one_alternatives_form_a_group_and_vid_behov_stands_apart(
        kungalv: tuple[RenderContext, dict[str, bytes]]) -> None:
    """2a and 2b are the two cases to choose between; 2c "Vid behov …" is done in addition
    (the seed's words), so it is a row of its own with its own date and signature."""
    ctx, files = kungalv
    runs = text_runs(files[f"{ctx.stem}-checklista.pdf"])
    text = squash(" ".join(t for *_, t in runs))
    assert "Välj det som gäller" in text
    items = checklist_items(checklist_rows(ctx.document), find_team(ctx.routine, ctx.library))
    group = next(i for i in items if i.kind == "grupp")
    assert [r.number for r in group.rows] == ["2a", "2b"]
    assert group.others == ("Vårdcentralen", "Vårdcentralen")
    extra = items[items.index(group) + 1]
    assert [(r.number, r.additional) for r in extra.rows] == [("2c", True)]
    assert extra.kind == "steg" and extra.others == (None,)


def test_row_of_another_party_has_no_signature_line(library: Library) -> None:
    """A step only Vårdcentralen performs: NSVT's checklist says so and offers no signature."""
    from builder.render.printables.checklist import checklist_html

    routine = library.by_id(KUNGALV)
    assert routine is not None
    alternatives = routine.document.sections[2].subsections[1].steps[1].alternatives
    only_vc = [a.model_copy(update={"responsible": "Vårdcentralen"}) for a in alternatives]
    sections = _replace_step(routine.document.sections, only_vc)
    changed = type(routine)(routine.path, routine.source,
                            routine.document.model_copy(update={"sections": sections}))
    ctx = RenderContext(changed, library, OPTIONS)
    html = checklist_html(ctx, checklist_rows(changed.document), fillable=True)
    group = html[html.index("Välj det som gäller"):html.index('id="steg-2-1-2"')]
    assert "Utförs av Vårdcentralen" in group
    assert "signatur-" not in group and "datum-" not in group


def _replace_step(sections: list[Section], alternatives: list[object]) -> list[Section]:
    inner = sections[2].subsections[1]  # type: ignore[index]
    steps = list(inner.steps or [])
    steps[1] = steps[1].model_copy(update={"alternatives": alternatives})
    sub = list(sections[2].subsections or [])
    sub[1] = inner.model_copy(update={"steps": steps})
    out = list(sections)
    out[2] = sections[2].model_copy(update={"subsections": sub})
    return out


def test_row_ids_serve_measuring_and_stay_out_of_the_pdf(
        kungalv: tuple[RenderContext, dict[str, bytes]]) -> None:
    """Rule R502 finds rows by id in the measured layout; the written PDFs leave the ids out
    (WeasyPrint made each a named destination, which nothing links to), and the same rows,
    words and pages come out either way."""
    ctx, files = kungalv
    rows = checklist_rows(ctx.document)
    with_ids = checklist_html(ctx, rows, fillable=False)
    without = checklist_html(ctx, rows, fillable=False, row_ids=False)
    assert all(f'id="{row.field_id}"' in with_ids for row in rows)
    assert ' id="steg-' not in without and ' id="grupp-' not in without
    assert re.sub(r' id="(steg|grupp)-[^"]*"', "", with_ids) == without
    for data in files.values():
        with pikepdf.open(BytesIO(data)) as pdf:
            names = pdf.Root.get("/Names")
            assert names is None or "/Dests" not in names
    assert len(measure_html(with_ids).pages) == len(measure_html(without).pages)
