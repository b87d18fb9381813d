"""Every shipped checklist as a nurse uses it at the bedside (issue 26): each page names its
patient, no row is parted from its step, every row we perform has a date and a signature, the
date line is long enough to write on, and no word is cut without a hyphen."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
from collections import defaultdict
from dataclasses import replace
from io import BytesIO
from pathlib import Path
from xml.etree import ElementTree

import pytest

pikepdf = pytest.importorskip("pikepdf")
pytest.importorskip("weasyprint")

from builder.load.library import Library, RoutineFile, load_library
from builder.model import Section, Step
from builder.options import BuildOptions
from builder.render import RenderContext, get_renderer
from builder.render.printables.checklist import CHOOSE_LABEL, checklist_html
from builder.render.printables.common import (
    ChecklistItem,
    checklist_items,
    checklist_rows,
    find_team,
)
from builder.render.weasy import measure_html
from builder.text.typography import swedish_quotes

ROOT = Path(__file__).resolve().parents[1]
OPTIONS = BuildOptions(today=dt.date(2026, 6, 15), epoch=1_780_000_000, fillable=True)
PX_PER_MM = 96 / 25.4
PATIENT = "Patient (initialer/ID)"
HYPHENS = ("-", "‐", "\u00ad")
FOOTER_TOP_PT = (297 - 20) / 25.4 * 72  # print-base.css: 20 mm bottom margin


@pytest.fixture(scope="module")
def library() -> Library:
    lib, _ = load_library(ROOT / "routines")
    return lib


def shipped(library: Library) -> list[RoutineFile]:
    return [r for r in library.routines if checklist_rows(r.document)]


@pytest.fixture(scope="module")
def checklists(library: Library) -> dict[str, tuple[RenderContext, dict[str, bytes]]]:
    """Every shipped routine's printable and fillable checklist."""
    found = {}
    for routine in shipped(library):
        ctx = RenderContext(routine, library, OPTIONS)
        files = {a.filename.rsplit("-", 1)[-1] if "ifyllbar" in a.filename else "checklista":
                 a.data for a in get_renderer("checklista")(ctx)}
        found[routine.document.id] = (ctx, files)
    assert len(found) >= 6  # Kungälv, SÄS and its team routines
    return found


def items_of(ctx: RenderContext) -> list[ChecklistItem]:
    return checklist_items(checklist_rows(ctx.document), find_team(ctx.routine, ctx.library))


def page_words(data: bytes) -> list[list[tuple[float, float, float, str]]]:
    """Per page, every word as (x min, y min, x max, text) in pt, from poppler's pdftotext;
    the draft watermark's large slanted letters (over 20 pt tall) are left out."""
    out = subprocess.run(["pdftotext", "-bbox", "-", "-"], input=data, capture_output=True,
                         check=True).stdout.decode("utf-8")
    xhtml = "{http://www.w3.org/1999/xhtml}"
    pages = []
    for page in ElementTree.fromstring(out).iter(f"{xhtml}page"):
        pages.append([(float(w.get("xMin", 0)), float(w.get("yMin", 0)),
                       float(w.get("xMax", 0)), w.text or "")
                      for w in page.iter(f"{xhtml}word")
                      if float(w.get("yMax", 0)) - float(w.get("yMin", 0)) < 20])
    return pages


needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None,
                                   reason="poppler-utils (pdftotext) is a build requirement")


@needs_poppler
def test_every_page_names_its_patient(checklists: dict) -> None:
    for doc_id, (_, files) in checklists.items():
        for number, words in enumerate(page_words(files["checklista"]), start=1):
            text = " ".join(w[3] for w in words)
            assert PATIENT in text and "Datum" in text, f"{doc_id} page {number}"


def test_a_long_checklist_repeats_the_patient_lines_on_every_page(library: Library) -> None:
    routine = library.by_id("kungalv-insatser-i-hemmet")
    assert routine is not None
    ctx = with_steps(RenderContext(routine, library, OPTIONS), 30)
    data = get_renderer("checklista")(replace(ctx, options=replace(OPTIONS, fillable=False)))
    pages = page_words(data[0].data)
    assert len(pages) >= 3
    for words in pages:
        assert PATIENT in " ".join(w[3] for w in words)


def with_steps(ctx: RenderContext, count: int) -> RenderContext:
    """The routine with one section of ``count`` long steps and an action note after them."""
    text = " ".join(["Kontrollera och dokumentera insatsen i journalen"] * 6)
    steps = [Step(text=f"Steg {n}: {text}.", ansvarig="NSVT", när="Dagligen")
             for n in range(1, count + 1)]
    section = Section(**{"rubrik": "Genererade steg", "steg": steps, "not":
                         "Observera att det är NSVT som avslutar ärendet när uppdraget slutar."})
    document = ctx.document.model_copy(update={"sections": [section]})
    return replace(ctx, routine=replace(ctx.routine, document=document))


def pages_of_rows(ctx: RenderContext) -> dict[str, int]:
    """The page (0-based) each row id lands on in the laid-out checklist."""
    document = measure_html(checklist_html(ctx, checklist_rows(ctx.document), fillable=False))
    found: dict[str, int] = {}
    for number, page in enumerate(document.pages):
        for box in page._page_box.descendants():
            element = getattr(box, "element", None)
            if box.element_tag == "tr" and element is not None and element.get("id"):
                found.setdefault(element.get("id"), number)
    return found


def test_no_row_is_parted_from_its_step(checklists: dict, library: Library) -> None:
    """A step's rows (a group's head and alternatives, the note after the last step) stand on
    one page, in every shipped checklist and in one long enough to need several pages."""
    routine = library.by_id("kungalv-insatser-i-hemmet")
    assert routine is not None
    contexts = [ctx for ctx, _ in checklists.values()]
    contexts.append(with_steps(RenderContext(routine, library, OPTIONS), 30))
    for ctx in contexts:
        pages = pages_of_rows(ctx)
        for item in items_of(ctx):
            ids = [item.field_id] + [row.field_id for row in item.rows]
            assert len({pages[i] for i in ids if i in pages}) == 1, (ctx.document.id, ids)
    # The long one: the action note sits with step 30, on the last page.
    long_items = items_of(contexts[-1])
    assert [r.kind for r in long_items[-1].rows] == ["steg", "åtgärd"]
    assert max(pages_of_rows(contexts[-1]).values()) >= 2


def test_the_closing_note_is_an_action_with_who_when_date_and_signature(
        checklists: dict) -> None:
    ctx, files = checklists["kungalv-insatser-i-hemmet"]
    last = items_of(ctx)[-1]
    assert [r.number for r in last.rows] == ["4", ""]
    action = last.rows[-1]
    assert (action.kind, action.text, action.responsible, action.when) == (
        "åtgärd", "NSVT avslutar ärendet i SAMSA.", "NSVT", "När teamet avslutar sitt uppdrag")
    with pikepdf.open(BytesIO(files["ifyllbar.pdf"])) as pdf:
        names = {str(f.T) for f in pdf.Root.AcroForm.Fields}
    assert {f"datum-{action.field_id}", f"signatur-{action.field_id}"} <= names


def test_every_row_we_perform_has_its_own_date_and_signature(checklists: dict) -> None:
    """Rows another party performs say "Utförs av …" and have no fields; every other row has
    a date and a signature field of its own (the fillable twin of the same layout)."""
    for doc_id, (ctx, files) in checklists.items():
        with pikepdf.open(BytesIO(files["ifyllbar.pdf"])) as pdf:
            names = {str(f.T) for f in pdf.Root.AcroForm.Fields}
        text = " ".join(w[3] for page in page_words(files["checklista"]) for w in page)
        for item in items_of(ctx):
            for row, other in item.lines:
                fields = {f"datum-{row.field_id}", f"signatur-{row.field_id}"}
                if row.kind == "not":
                    assert not fields & names
                elif other is None:
                    assert fields <= names, (doc_id, row.number, row.text[:40])
                else:
                    assert not fields & names, (doc_id, row.number)
                    assert f"Utförs av {other}" in text


def drawn_lines(data: bytes) -> list[list[tuple[float, float, float]]]:
    """Per page, every thin horizontal line WeasyPrint drew (a border is a clip path of four
    points, then a fill): (x left mm, y mm, thickness pt)."""
    pages = []
    with pikepdf.open(BytesIO(data)) as pdf:
        for page in pdf.pages:
            points: list[tuple[float, float]] = []
            found = []
            for operands, operator in pikepdf.parse_content_stream(page):
                op = str(operator)
                if op in ("m", "l"):
                    points = ([] if op == "m" else points) + [
                        (float(operands[0]), float(operands[1]))]
                elif op == "W*" and len(points) == 4:
                    xs, ys = [p[0] for p in points], [p[1] for p in points]
                    height_pt = (max(ys) - min(ys)) * 0.75
                    if 0.3 < height_pt < 1.0 and max(xs) - min(xs) > height_pt:
                        found.append(((max(xs) - min(xs)) / PX_PER_MM, min(xs) / PX_PER_MM,
                                      round(height_pt, 2)))
            pages.append(found)
    return pages


@needs_poppler
def test_the_date_line_measures_at_least_25_mm(checklists: dict) -> None:
    """Measured on the drawn line itself (0.6 pt, the handwriting line), not the column."""
    for doc_id, (ctx, files) in checklists.items():
        words = page_words(files["checklista"])
        lines = drawn_lines(files["checklista"])
        signed = sum(1 for item in items_of(ctx) for row, other in item.lines
                     if other is None and row.kind != "not")
        dates = []
        for page_words_, page_lines in zip(words, lines, strict=True):
            heads = {w[3]: w[0] / 72 * 25.4 for w in page_words_ if w[3] in ("Datum", "Signatur")}
            if "Signatur" not in heads:
                continue
            # The Datum header of the table (the patient field's label stands further left).
            start = max(x for x in (w[0] / 72 * 25.4 for w in page_words_ if w[3] == "Datum"))
            dates += [length for length, left, thick in page_lines
                      if thick == 0.6 and start - 2 <= left < heads["Signatur"] - 2]
        assert len(dates) == signed, doc_id
        assert min(dates) >= 25, (doc_id, min(dates))


def source_words(ctx: RenderContext) -> set[str]:
    """Every whole word the checklist's cells may print, as the PDF spells it."""
    words: set[str] = set()
    for item in items_of(ctx):
        for row, other in item.lines:
            for value in (row.text, row.condition or "", row.responsible, row.when, other or "",
                          row.section, CHOOSE_LABEL,
                          "Ej angivet Utförs av Observera: (utöver de andra alternativen)"):
                words.update(_bare(w) for w in swedish_quotes(value).split())
    return words


def _bare(word: str) -> str:
    return word.strip(".,:;!?()”“\"'→")


@needs_poppler
def test_no_word_in_a_cell_is_cut_without_a_hyphen(checklists: dict) -> None:
    """Each line of the Vad, Vem and När columns begins and ends with a whole word of the
    routine's text (or ends with a hyphen): "Närsjukvårdstea|m" can never print."""
    for doc_id, (ctx, files) in checklists.items():
        whole = source_words(ctx)
        for number, words in enumerate(page_words(files["checklista"])):
            heads = {w[3]: w[0] for w in words if w[3] in ("Vad", "Vem", "När", "Datum")}
            if "Vad" not in heads:
                continue
            header_y = next(w[1] for w in words if w[3] == "Vad")
            edges = [heads["Vad"], heads["Vem"], heads["När"], max(
                w[0] for w in words if w[3] == "Datum")]
            lines: dict[tuple[int, float], list[tuple[float, str]]] = defaultdict(list)
            for x, y, _, text in words:
                if y <= header_y + 1 or y > FOOTER_TOP_PT:
                    continue  # the column headings; the running footer
                column = next((i for i in range(3) if edges[i] - 1 <= x < edges[i + 1] - 1),
                              None)
                if column is not None:
                    lines[column, round(y, 0)].append((x, text))
            assert lines, doc_id
            for (column, y), line in lines.items():
                line.sort()
                first, last = _bare(line[0][1]), _bare(line[-1][1])
                where = f"{doc_id} page {number + 1} column {column} y {y}: {line}"
                assert not first or first in whole, where
                assert not last or last in whole or line[-1][1].endswith(HYPHENS), where


def test_columns_are_sized_from_their_content(checklists: dict) -> None:
    """Vem and När are at least as wide as their longest word; Vad keeps room to read."""
    from builder.render.printables.checklist import VAD_MIN_MM, _width_mm, column_widths

    for doc_id, (ctx, _) in checklists.items():
        widths = dict(column_widths(items_of(ctx)))
        assert abs(sum(widths.values()) - 182) < 0.1, doc_id
        assert widths["vad"] >= VAD_MIN_MM, (doc_id, widths)
        for key, name in (("vem", "responsible"), ("nar", "when")):
            longest = max((_width_mm(w, 9) for item in items_of(ctx) for row, _ in item.lines
                           for w in str(getattr(row, name)).split()), default=0.0)
            assert widths[key] >= longest + 2.4, (doc_id, key)
    # Kungälv: "Vårdcentralen" and "uppdragstiden" set the widths, not a fixed 29/25 mm.
    kungalv = dict(column_widths(items_of(checklists["kungalv-insatser-i-hemmet"][0])))
    assert kungalv["vem"] < 29 and kungalv["nar"] < 29 and kungalv["vad"] > 59
    # A team routine whose När texts are long sentences gives När room, not one word a line.
    team = dict(column_widths(items_of(checklists["narsjukvardsteam"][0])))
    assert team["nar"] > 30


def test_a_checklist_that_fits_one_page_is_one_page(checklists: dict) -> None:
    """Kungälv's steps, its closing action included, fit one A4 page: nothing falls alone onto
    a second one (issue 26, 1)."""
    _, files = checklists["kungalv-insatser-i-hemmet"]
    with pikepdf.open(BytesIO(files["checklista"])) as pdf:
        assert len(pdf.pages) == 1


def test_the_note_that_names_no_actor_stays_a_note(library: Library) -> None:
    from builder.render.printables.common import ChecklistRow, note_as_action

    row = ChecklistRow("", None, "Utkast: teamet kompletterar arbetsrutinen.", "", "",
                       ("avsnitt", 0, "not"), "Arbetssätt", "not")
    assert note_as_action(row) == row
    cleft = replace(row, text="Observera att det är vårdcentralen som skickar remissen.")
    action = note_as_action(cleft)
    assert (action.kind, action.responsible, action.text) == (
        "åtgärd", "vårdcentralen", "vårdcentralen skickar remissen.")
    assert re.fullmatch(r"steg-0-not", action.field_id)


def test_tillagg_says_in_addition_and_restating_vid_behov_keeps_the_approved_hash(
        library: Library) -> None:
    """`tillägg: true` takes an alternative out of the choose-one group; on a "Vid behov"
    condition it says what the words already say, so the content hash (and the approval of
    the shipped Kungälv routine, which marks its 2c so) is unchanged."""
    import json

    from builder.governance.ledger import content_hash
    from builder.model import Alternative

    vid_behov = Alternative.model_validate({"villkor": "Vid behov", "text": "x", "tillägg": "true"})
    plain = Alternative.model_validate({"villkor": "Vid behov", "text": "x"})
    assert vid_behov.is_additional and vid_behov == plain
    extra = Alternative.model_validate({"villkor": "Om det behövs", "text": "x", "tillägg": True})
    assert extra.is_additional and extra.additional is True
    instead = Alternative.model_validate({"villkor": "Vid behov", "text": "x", "tillägg": False})
    assert not instead.is_additional
    routine = library.by_id("kungalv-insatser-i-hemmet")
    assert routine is not None and "tillägg: true" in routine.path.read_text(encoding="utf-8")
    ledger = (routine.path.parent / "godkannanden.yaml").read_text(encoding="utf-8")
    assert f"innehåll_sha256: {content_hash(routine.document)}" in ledger
    schema = json.loads((ROOT / "routines" / "rutin.schema.json").read_text(encoding="utf-8"))
    assert "Vid behov" in json.dumps(schema, ensure_ascii=False).split('"tillägg"', 1)[1][:600]
