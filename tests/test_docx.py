"""The DOCX renderer, read back with python-docx and checked by facts, never by bytes."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path

import docx
import pytest
from docx.document import Document as DocxDocument
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from docx.table import Table
from docx.text.paragraph import Paragraph

from builder.load.library import Library, RoutineFile, load_library
from builder.model import Section, Step
from builder.options import BuildOptions
from builder.render import RenderContext, get_renderer
from builder.render.word.document import render_docx
from builder.render.word.ooxml import check_package
from builder.text.typography import swedish_quotes

ROOT = Path(__file__).resolve().parent.parent
KUNGALV = "kungalv-insatser-i-hemmet"
FIXTURE = ROOT / "tests" / "fixtures" / "docx-library"
EPOCH = 1_780_000_000


def _load(root: Path) -> Library:
    library, diagnostics = load_library(root)
    assert not [d for d in diagnostics if d.severity == "error"], diagnostics
    return library


@pytest.fixture(scope="module")
def shipped() -> Library:
    return _load(ROOT / "routines")


@pytest.fixture(scope="module")
def fixture_library() -> Library:
    return _load(FIXTURE)


def _render(library: Library, routine: RoutineFile, today: dt.date | None = None) -> bytes:
    options = BuildOptions(epoch=EPOCH, today=today or dt.date(2026, 6, 15))
    artifacts = render_docx(RenderContext(routine, library, options))
    assert [a.filename for a in artifacts] == [
        f"{routine.document.id}-v{routine.document.version}.docx"
    ]
    return artifacts[0].data


def _open(data: bytes) -> DocxDocument:
    return docx.Document(io.BytesIO(data))


def _routine(library: Library, doc_id: str) -> RoutineFile:
    routine = library.by_id(doc_id)
    assert routine is not None
    return routine


@pytest.fixture(scope="module")
def kungalv(shipped: Library) -> bytes:
    return _render(shipped, _routine(shipped, KUNGALV))


@pytest.fixture(scope="module")
def draft(fixture_library: Library) -> bytes:
    return _render(fixture_library, _routine(fixture_library, "docx-testteam"))


def _paragraphs(document: DocxDocument) -> list[Paragraph]:
    return list(document.paragraphs)


def _sections(sections: list[Section], level: int = 1) -> Iterator[tuple[int, Section]]:
    for section in sections:
        yield level, section
        yield from _sections(section.subsections or [], level + 1)


def _steps(sections: list[Section]) -> list[Step]:
    return [step for _, section in _sections(sections) for step in section.steps or []]


def _num(paragraph: Paragraph) -> tuple[int, int] | None:
    num_pr = paragraph._p.find(f"{qn('w:pPr')}/{qn('w:numPr')}")
    if num_pr is None:
        return None
    return (int(num_pr.find(qn("w:numId")).get(qn("w:val"))),
            int(num_pr.find(qn("w:ilvl")).get(qn("w:val"))))


def _header_text(document: DocxDocument) -> str:
    header = document.sections[0].header
    cells = [c.text for t in header.tables for row in t.rows for c in row.cells]
    return "\n".join([*cells, *(p.text for p in header.paragraphs)])


def _all_text(document: DocxDocument) -> str:
    cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
    return "\n".join([_header_text(document), *(p.text for p in document.paragraphs), *cells])


def _table_with(document: DocxDocument, text: str) -> Table:
    for table in document.tables:
        if any(text in cell.text for row in table.rows for cell in row.cells):
            return table
    raise AssertionError(f"no table holds {text!r}")


def test_registered_as_docx_renderer() -> None:
    assert get_renderer("docx") is render_docx


def test_headings_carry_word_styles_in_order(shipped: Library, kungalv: bytes) -> None:
    routine = _routine(shipped, KUNGALV).document
    expected = [(f"Heading {level}", s.heading) for level, s in _sections(routine.sections)]
    found = [(p.style.name, p.text) for p in _paragraphs(_open(kungalv))
             if p.style.name.startswith("Heading")]
    assert found[: len(expected)] == expected
    assert [text for _, text in found[len(expected):]] == [
        # Kungälv 1.0 is a first version: its history, not changes since a previous one.
        # The swimlane map (issue 22) follows the last section with steps.
        "Vem gör vad och när", "Team som omfattas", "Begrepp och förkortningar",
        "Versionshistorik",
    ]
    title = [p.text for p in _paragraphs(_open(kungalv)) if p.style.name == "Title"]
    assert title == [routine.title]


def test_steps_in_order_with_word_numbering(shipped: Library, kungalv: bytes) -> None:
    """Steps are Word-numbered 1, 3, 4 (the list resumes at 3 after step 2, which is made only
    of alternatives and has no empty "2." line); 2a, 2b, 2c are labelled as in the PDF and
    the checklist, on their own hanging indent (issue 24, 6)."""
    routine = _routine(shipped, KUNGALV).document
    paragraphs = _paragraphs(_open(kungalv))
    numbered = [p for p in paragraphs if _num(p) is not None]
    assert all(p.text.strip() for p in numbered)  # no empty numbered paragraph
    steps = [s for s in _steps(routine.sections)]
    with_text = [swedish_quotes(s.text) for s in steps if s.text]
    assert [next(i for i, p in enumerate(numbered) if t in p.text.replace("\n", " "))
            for t in with_text] == list(range(len(with_text)))
    assert all(p.style.name == "List Number" and _num(p)[1] == 0  # type: ignore[index]
               for p in numbered)
    document = _open(kungalv)
    numbering = document.part.numbering_part.element
    starts = []
    for p in numbered:
        num = next(n for n in numbering.iter(qn("w:num"))
                   if n.get(qn("w:numId")) == str(_num(p)[0]))  # type: ignore[index]
        override = num.find(qn("w:lvlOverride")).find(qn("w:startOverride"))
        starts.append((_num(p)[0], int(override.get(qn("w:val")))))  # type: ignore[index]
    # Step 1 starts a list at 1; after step 2 a new one starts at 3 and holds 3 and 4.
    assert [start for _, start in starts] == [1, 3, 3] and starts[1][0] == starts[2][0]
    alternatives = [p for p in paragraphs if p.style.name == "Alternativ"]
    assert [p.text.split("\t", 1)[0] for p in alternatives] == ["2a", "2b", "2c"]
    for paragraph, alternative in zip(alternatives, steps[1].alternatives or [], strict=True):
        assert swedish_quotes(alternative.text) in paragraph.text.replace("\n", " ")


def test_numbering_definition_letters_sub_steps(kungalv: bytes) -> None:
    document = _open(kungalv)
    num_id = next(_num(p) for p in document.paragraphs if _num(p))[0]  # type: ignore[index]
    numbering = document.part.numbering_part.element
    num = next(n for n in numbering.iter(qn("w:num")) if n.get(qn("w:numId")) == str(num_id))
    abstract_id = num.find(qn("w:abstractNumId")).get(qn("w:val"))
    abstract = next(a for a in numbering.iter(qn("w:abstractNum"))
                    if a.get(qn("w:abstractNumId")) == abstract_id)
    levels = {
        lvl.get(qn("w:ilvl")): (lvl.find(qn("w:numFmt")).get(qn("w:val")),
                                lvl.find(qn("w:lvlText")).get(qn("w:val")))
        for lvl in abstract.iter(qn("w:lvl"))
    }
    assert levels == {"0": ("decimal", "%1."), "1": ("lowerLetter", "%1%2")}


def test_step_owner_and_time_shown(kungalv: bytes) -> None:
    paragraphs = [p.text for p in _paragraphs(_open(kungalv))]
    assert any(p.endswith("Ansvarig: NSVT · När: Vid start av uppdraget") for p in paragraphs)
    # Each alternative names its own owner, as the PDF does; 2c's is not stated in the seed.
    alternatives = [p for p in paragraphs if p.startswith(("2a\t", "2b\t", "2c\t"))]
    assert [a.rsplit("\n", 1)[1] for a in alternatives] == [
        "Ansvarig: Vårdcentralen", "Ansvarig: Vårdcentralen", "Ansvarig: Ej angivet"]
    assert not any("När: När" in p for p in paragraphs)


def test_metadata_table_holds_values(kungalv: bytes) -> None:
    document = _open(kungalv)
    table = document.tables[0]
    cells = [cell.text for row in table.rows for cell in row.cells]
    assert cells == [
        "Dokumenttyp\nStyrdokument", "Upprättat av\nArbetsgrupp utsedd av samordningsgruppen",
        "Godkänt av\nSamordningsgruppen", "Uppdrag\nSamverkan vid insatser i hemmet",
        "Datum för godkännande\n29 maj 2026", "Giltigt från och med\n1 juni 2026",
        "Version\n1.0", "Status\nFastställd",
    ]
    # The block opens the document under the issuing organisation (the PDF's masthead),
    # before the title (the seed's layout).
    body = list(document.element.body.iterchildren())
    assert body[0].tag == qn("w:p") and document.paragraphs[0].text == "Närvårdssamverkan"
    assert body[1].tag == qn("w:tbl")


def test_core_properties_and_language(kungalv: bytes) -> None:
    document = _open(kungalv)
    props = document.core_properties
    assert props.title.startswith("Samverkansrutin vid insatser i hemmet")
    assert props.author == "Arbetsgrupp utsedd av samordningsgruppen"
    assert props.subject == "Styrdokument – Samverkan vid insatser i hemmet"
    assert props.language == "sv-SE"
    assert props.version == "1.0"
    assert "NSVT" in props.keywords
    epoch = dt.datetime.fromtimestamp(EPOCH, dt.UTC)
    assert props.created == props.modified == epoch
    lang = document.styles.element.find(f".//{qn('w:rPrDefault')}//{qn('w:lang')}")
    assert lang.get(qn("w:val")) == "sv-SE"


def test_page_is_a4(kungalv: bytes) -> None:
    section = _open(kungalv).sections[0]
    assert round(section.page_width.mm) == 210 and round(section.page_height.mm) == 297


def test_header_and_footer_carry_page_fields(kungalv: bytes) -> None:
    section = _open(kungalv).sections[0]
    # Title and version in the two cells of one header table row (issue 26, 5).
    [row] = section.header.tables[0].rows
    assert [c.text for c in row.cells] == [
        "Samverkansrutin vid insatser i hemmet både från primärvården och specialistvården",
        "Version 1.0 · Fastställd"]
    footer = section.footer._element
    instructions = [i.text.strip() for i in footer.iter(qn("w:instrText"))]
    assert instructions == ["PAGE", "NUMPAGES"]
    kinds = [f.get(qn("w:fldCharType")) for f in footer.iter(qn("w:fldChar"))]
    assert kinds == ["begin", "separate", "end"] * 2
    footer_text = "\n".join(p.text for p in section.footer.paragraphs)
    assert "Sida 1 av 1" in footer_text
    assert "Giltigt från och med 1 juni 2026" in footer_text
    assert "Utskriven kopia – kontrollera att du har den aktuella versionen" in footer_text


def test_word_is_not_asked_to_update_fields(kungalv: bytes) -> None:
    """PAGE and NUMPAGES in a footer are computed by Word and LibreOffice on their own; the
    updateFields setting only made Word ask on every open."""
    settings = _open(kungalv).settings.element
    assert settings.find(qn("w:updateFields")) is None


def test_header_states_status_and_body_the_approval(kungalv: bytes, draft: bytes) -> None:
    assert "Version 1.0 · Fastställd" in _header_text(_open(kungalv))
    body = [p.text for p in _open(kungalv).paragraphs]
    assert "Godkännande: Fastställd av Samordningsgruppen 29 maj 2026, protokoll ej angivet" \
        in body
    assert "Godkännande: Ej fastställd – underskrift saknas" in [
        p.text for p in _open(draft).paragraphs]


def test_house_style_not_stock_python_docx(kungalv: bytes) -> None:
    document = _open(kungalv)
    styles = document.styles
    for name in ("Normal", "Heading 1", "Title"):
        fonts = styles[name].element.rPr.rFonts
        assert fonts.get(qn("w:ascii")) in ("Georgia", "Verdana")  # Windows has them
        assert fonts.get(qn("w:asciiTheme")) is None  # theme fonts would override the name
    assert str(styles["Heading 1"].font.color.rgb) == "1B1F23"  # dark, not Word's blue
    assert {t.style.name for t in document.tables} == {"Rutintabell"}
    table_part = next(r.target_part for r in document.part.rels.values()
                      if r.reltype.endswith("/fontTable"))
    assert b'w:altName w:val="Arial"' in table_part.blob  # Windows substitutes a close face


def test_draft_marked_and_approved_not(draft: bytes, kungalv: bytes) -> None:
    assert "UTKAST – ej fastställd" in _header_text(_open(draft))
    body = [p.text for p in _open(draft).paragraphs]
    # The banner stands above the title, as in the PDF.
    assert body[body.index("Arbetsrutin för testteamet") - 1].startswith("UTKAST – ej fastställd")
    assert "UTKAST" not in _all_text(_open(kungalv))


@pytest.mark.parametrize(("status", "mark"), [
    ("granskning", "UTKAST – ej fastställd"), ("upphävd", "UPPHÄVD"),
])
def test_status_marks(shipped: Library, status: str, mark: str) -> None:
    routine = _routine(shipped, KUNGALV)
    changed = RoutineFile(routine.path, routine.source,
                          routine.document.model_copy(update={"status": status}))
    assert mark in _header_text(_open(_render(shipped, changed)))


def test_expired_validity_shown(shipped: Library) -> None:
    routine = _routine(shipped, KUNGALV)
    expired = routine.document.model_copy(update={"valid_to_stated": dt.date(2026, 12, 31)})
    changed = RoutineFile(routine.path, routine.source, expired)
    data = _render(shipped, changed, today=dt.date(2027, 1, 10))
    assert "OBS: giltighetstiden har passerat" in _header_text(_open(data))
    assert "Giltigt till och med\n31 december 2026" in _all_text(_open(data))


def test_follow_up_box_for_arbetsrutin(draft: bytes) -> None:
    table = _table_with(_open(draft), "Uppföljning")
    rows = [[cell.text for cell in row.cells] for row in table.rows]
    assert "Exempel – ska fastställas av teamet" in rows[0][0]
    assert rows[1:] == [
        ["Ansvarig", "Enhetschef för testteamet"],
        ["Hur", "Genomgång av avvikelser på arbetsplatsträff"],
        ["När", "Varje kvartal"],
    ]


def test_follow_up_box_is_headed_as_in_the_pdf(kungalv: bytes) -> None:
    table = _table_with(_open(kungalv), "Uppföljning")
    assert table.rows[0].cells[0].text == "Uppföljning"
    assert "Exempel" not in table.rows[0].cells[0].text


def test_markdown_becomes_runs_and_lists(draft: bytes) -> None:
    paragraphs = _paragraphs(_open(draft))
    text = next(p for p in paragraphs if p.text.startswith("Rutinen gäller"))
    assert text.text == ("Rutinen gäller alla i teamet och beskriver hur patienten "
                         "följs upp efter hembesök.")
    assert [r.text for r in text.runs if r.bold] == ["alla"]
    assert [r.text for r in text.runs if r.italic] == ["hur"]
    bullets = [p.text for p in paragraphs if p.style.name == "List Bullet"]
    assert bullets == ["Första punkten i texten", "Andra punkten med kod"]
    assert "**" not in _all_text(_open(draft))


def test_draft_steps_alternatives_and_note(draft: bytes) -> None:
    paragraphs = _paragraphs(_open(draft))
    numbered = [(p.style.name, _num(p)[1], p.text) for p in paragraphs if _num(p)]  # type: ignore[index]
    assert [level for _, level, _ in numbered] == [0, 0]  # steps 1 and 3; 2 is 2a–2c
    alternatives = [p.text for p in paragraphs if p.style.name == "Alternativ"]
    assert [a.split("\t", 1)[0] for a in alternatives] == ["2a", "2b", "2c"]
    assert alternatives[0].startswith("2a\tOm patienten har en SIP → uppdateras planen")
    assert "Ansvarig: Läkare" in alternatives[1]
    note = next(p for p in paragraphs if p.style.name == "Observera")
    assert note.text == "Observera att återbud ska dokumenteras."


def test_glossary_revisions_and_attachments(draft: bytes) -> None:
    document = _open(draft)
    glossary = _table_with(document, "Samordnad individuell plan")
    assert [c.text for c in glossary.rows[0].cells] == ["SIP", "Samordnad individuell plan"]
    paragraphs = [p.text for p in document.paragraphs]
    # As in the PDF: the newest change in a sentence, older ones in a table.
    assert "Version 0.2, 2 mars 2026: Steg om återkoppling tillagt." in paragraphs
    history = _table_with(document, "Första utkastet.")
    assert [[c.text for c in row.cells] for row in history.rows][1:] == [
        ["0.1", "1 februari 2026", "Första utkastet."],
    ]
    assert "1. Kontaktlista (fil: docx-testgrupp/kontaktlista.pdf)" in paragraphs


def test_team_list_of_samverkansrutin(kungalv: bytes) -> None:
    table = _table_with(_open(kungalv), "Förkortning")
    assert [c.text for c in table.rows[1].cells] == [
        "Närsjukvårdsteam", "NSVT", "Kungälvs sjukhus"]


def test_arbetsrutin_names_its_samverkansrutin(shipped: Library) -> None:
    routine = shipped.arbetsrutiner[0]
    parent = _routine(shipped, routine.document.parent).document  # type: ignore[attr-defined]
    document = _open(_render(shipped, routine))
    assert f"Samverkansrutin\n{parent.title}" in [c.text for c in document.tables[0]._cells]
    link = f"../{parent.id}/index.html"  # the stable page that links the current version
    assert link in {rel.target_ref for rel in document.part.rels.values() if rel.is_external}


def test_bilagor_link_team_routines(shipped: Library) -> None:
    groups = [r for r in shipped.samverkansrutiner
              if any(a.document.parent == r.document.id for a in shipped.arbetsrutiner)]
    if not groups:
        pytest.skip("no shipped samverkansrutin with arbetsrutiner")
    group = groups[0]
    document = _open(_render(shipped, group))
    rels = {rel.target_ref for rel in document.part.rels.values() if rel.is_external}
    for routine in shipped.arbetsrutiner:
        if routine.document.parent == group.document.id:
            doc = routine.document
            assert any(doc.title in p.text for p in document.paragraphs
                       if re.match(r"\d+\. ", p.text))
            assert f"../{doc.id}/index.html" in rels


def test_two_renders_give_identical_bytes(shipped: Library, kungalv: bytes) -> None:
    assert _render(shipped, _routine(shipped, KUNGALV)) == kungalv
    with zipfile.ZipFile(io.BytesIO(kungalv)) as package:
        infos = package.infolist()
    assert infos[0].filename == "[Content_Types].xml"
    assert {info.date_time for info in infos} == {(2026, 5, 28, 20, 26, 40)}


def test_every_shipped_routine_is_a_sound_package(shipped: Library, draft: bytes) -> None:
    """Well-formed XML and no dangling numbering ids: what makes Word offer a repair."""
    assert check_package(draft) == []
    for routine in shipped.routines:
        data = _render(shipped, routine)
        assert check_package(data) == [], routine.document.id
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            assert "docProps/thumbnail.jpeg" not in package.namelist()


def test_package_check_finds_dangling_numbering(kungalv: bytes) -> None:
    source = zipfile.ZipFile(io.BytesIO(kungalv))
    broken = io.BytesIO()
    with zipfile.ZipFile(broken, "w") as target:
        for name in source.namelist():
            data = source.read(name)
            if name == "word/document.xml":
                data = data.replace(b'<w:numId w:val="10"/>', b'<w:numId w:val="99"/>', 1)
            if name == "word/settings.xml":
                data = data[:-20]
            target.writestr(name, data)
    problems = check_package(broken.getvalue())
    assert any("numId 99" in p for p in problems)
    assert any(p.startswith("word/settings.xml") for p in problems)


def test_markdown_ordered_list_restarts_with_word_numbering() -> None:
    from builder.render.word.markdown import add_markdown
    from builder.render.word.ooxml import add_step_numbering, new_list

    document = docx.Document()
    abstract = add_step_numbering(document)
    text = "1. ett\n2. två\n\nMellan.\n\n1. tre\n   - inre\n\n> citat"
    add_markdown(document, text, lambda: new_list(document, abstract))
    found = [(p.style.name, p.text, _num(p)) for p in document.paragraphs]
    first, second = found[0][2], found[3][2]
    assert first is not None and second is not None and first[0] != second[0]
    assert [(style, text) for style, text, _ in found] == [
        ("List Number", "ett"), ("List Number", "två"), ("Normal", "Mellan."),
        ("List Number", "tre"), ("List Bullet 2", "inre"), ("Quote", "citat"),
    ]
    assert found[1][2] == first


def test_running_text_keeps_the_pdfs_measure_and_body_size(kungalv: bytes) -> None:
    """Issue 26: 90–95 characters a line read badly. Paragraphs of running text, list items
    and steps end 25 mm short of the 160 mm text width (135 mm, ~75 characters at 10 pt, as
    the PDF); headings and tables keep the full width."""
    document = _open(kungalv)
    assert document.styles["Normal"].font.size == Pt(10)
    running = [p for p in document.paragraphs if p.text.strip() and p.style is not None
               and p.style.name in {"Normal", "List Bullet", "List Number", "Alternativ"}]
    assert len(running) > 10
    assert all(abs(p.paragraph_format.right_indent - Mm(25)) < Mm(0.05) for p in running)
    headings = [p for p in document.paragraphs if p.style is not None
                and p.style.name.startswith("Heading")]
    assert headings and all(p.paragraph_format.right_indent is None for p in headings)
    for table in document.tables:
        for cell in table._cells:
            assert all(p.paragraph_format.right_indent is None for p in cell.paragraphs)
