"""Printouts staff can trust (issue 14): seed facts on every printout, examples marked,
Swedish typography in every output, DOCX and PDF telling the same story, index search.

One real build of the shipped routines (signed, every format) is opened the way a reader
would: PDF text by pdftotext, DOCX by python-docx, HTML by its text, the index in Chromium.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
import yaml

from builder.load.library import Library, RoutineFile, load_library
from builder.model import CardPoint
from builder.options import BuildOptions
from builder.publish.run import run_build
from builder.render import RenderContext, output_folder
from builder.render.printables.checklist import checklist_html
from builder.render.printables.common import checklist_rows

ROOT = Path(__file__).resolve().parents[1]
ROUTINES = ROOT / "routines"
FACTS: dict[str, list[dict[str, Any]]] = yaml.safe_load(
    (ROOT / "tests" / "fixtures" / "seed-facts.yaml").read_text(encoding="utf-8"))
TODAY = dt.date(2026, 12, 1)
SHIPPED = sorted(p.stem if p.stem != "samverkansrutin" else p.parent.name
                 for p in ROUTINES.glob("*/*.yaml") if p.name != "godkannanden.yaml")
DRAFT_WORDING = "UTKAST – ej fastställd"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def normalise(text: str) -> str:
    """Whitespace collapsed, hyphenation at line ends (U+2010, soft hyphen) joined."""
    text = re.sub(r"[\u2010\u00ad]\s*\n\s*", "", text)
    return re.sub(r"\s+", " ", text.replace("\u00a0", " ")).strip()


def pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True,
                          text=True, check=True).stdout


class _Text(HTMLParser):
    """The text a reader sees in an HTML page: no script, style or attribute values."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._skip += tag in ("script", "style")

    def handle_endtag(self, tag: str) -> None:
        self._skip -= tag in ("script", "style")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def html_text(path: Path) -> str:
    parser = _Text()
    parser.feed(path.read_text(encoding="utf-8"))
    return " ".join(parser.parts)


def docx_paragraphs(path: Path) -> list[str]:
    """Every paragraph of the body in document order, table cells included, as python-docx
    reads them (w:t runs; Word's list numbers are not text)."""
    import docx
    from docx.oxml.ns import qn

    body = docx.Document(str(path)).element.body
    found = []
    spaces = {qn("w:tab"): "\t", qn("w:br"): "\n"}  # "2a⇥Om …" reads "2a Om …"
    for paragraph in body.iter(qn("w:p")):
        found.append("".join(e.text or "" if e.tag == qn("w:t") else spaces.get(e.tag, "")
                             for e in paragraph.iter(qn("w:t"), qn("w:tab"), qn("w:br"))))
    return found


def output_text(path: Path) -> str:
    if path.suffix == ".pdf":
        return pdf_text(path)
    if path.suffix == ".docx":
        return "\n".join(docx_paragraphs(path))
    return html_text(path)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Library, Path]:
    """Every format of every shipped routine, signed as a real build signs."""
    base = tmp_path_factory.mktemp("utskrifter")
    root = base / "routines"
    shutil.copytree(ROUTINES, root)
    output = base / "output"
    result = run_build(root, BuildOptions(output=output, jobs=2, quiet=True, today=TODAY))
    library, diagnostics = load_library(root)
    assert diagnostics == [] and (output / "index.html").is_file(), result
    return library, output


def _routine(library: Library, doc_id: str) -> RoutineFile:
    routine = library.by_id(doc_id)
    assert routine is not None, doc_id
    return routine


def _file(output: Path, routine: RoutineFile, suffix: str) -> Path:
    doc = routine.document
    return output / output_folder(doc) / f"{doc.id}-v{doc.version}{suffix}"


def _matches(fact: dict[str, Any], text: str) -> list[str]:
    """What is wrong with ``text`` for ``fact``: patterns missing or forbidden ones present."""
    text = normalise(text)
    problems = [f"saknar /{p}/" for p in fact.get("alla", [])
                if not re.search(p, text, re.IGNORECASE)]
    problems += [f"har /{p}/" for p in fact.get("aldrig", [])
                 if re.search(p, text, re.IGNORECASE | re.MULTILINE)]
    return problems


def _card_line(routine: RoutineFile, step: str) -> str:
    """The card line for a step: the author's short form naming it (or the derived line)."""
    card = routine.document.pocket_card
    points = [p for p in (card.points if card else []) if isinstance(p, CardPoint)
              and ((p.note and step == "not") or p.step == step)]
    assert len(points) == 1, f"{routine.document.id}: ett kortrad för steg {step} väntades"
    return points[0].text


def _checklist_row(library: Library, routine: RoutineFile, step: str) -> tuple[str, str]:
    """(what, who) of a step's checklist row, from the HTML the checklist PDF is laid out from."""
    ctx = RenderContext(routine, library, BuildOptions(today=TODAY))
    html = checklist_html(ctx, checklist_rows(routine.document), fillable=False)
    rows = re.findall(r'<tr class="step[^"]*" id="[^"]+">(.*?)</tr>', html, re.DOTALL)
    for row in rows:
        cells = [re.sub(r"<[^>]+>", " ", c) for c in re.findall(r"<td[^>]*>(.*?)</td>", row,
                                                                  re.DOTALL)]
        # The first cell holds the box to tick and the step number.
        number = normalise(cells[0].replace("☐", ""))
        if number == step or (step == "not" and not number):
            return normalise(cells[1]), normalise(cells[2])
    raise AssertionError(f"{routine.document.id}: ingen checklistrad för steg {step}")


FACT_CASES = [(doc_id, fact) for doc_id, facts in FACTS.items() for fact in facts]


@pytest.mark.slow
@pytest.mark.parametrize(("doc_id", "fact"), FACT_CASES,
                         ids=[f"{d}: {f['namn']}" for d, f in FACT_CASES])
def test_seed_fact_is_in_the_pdf_card_and_checklist(built: tuple[Library, Path], doc_id: str,
                                                    fact: dict[str, Any]) -> None:
    library, output = built
    routine = _routine(library, doc_id)
    assert _matches(fact, pdf_text(_file(output, routine, ".pdf"))) == [], "huvud-PDF"
    step = fact.get("steg")
    if step is None:
        return
    line = _card_line(routine, step)
    assert _matches(fact, line) == [], f"fickkortets rad: {line}"
    card = normalise(pdf_text(_file(output, routine, "-fickkort.pdf")))
    assert normalise(line).replace('"', "”") in card, "raden står inte på det tryckta kortet"
    what, who = _checklist_row(library, routine, step)
    assert _matches(fact, what) == [], f"checklistans rad: {what}"
    checklist = normalise(pdf_text(_file(output, routine, "-checklista.pdf")))
    assert all(word in checklist for word in what.split()), "raden saknas i checklistans PDF"
    if fact.get("vem"):
        assert fact["vem"] in who, f"vem: {who}"


def test_every_shipped_fact_file_entry_names_a_shipped_routine() -> None:
    assert set(FACTS) <= set(SHIPPED)
    assert "kungalv-insatser-i-hemmet" in FACTS


@pytest.mark.slow
def test_example_owner_is_marked_on_every_format(built: tuple[Library, Path]) -> None:
    """A follow-up owner that is an example says so wherever it is printed, cards included."""
    library, output = built
    examples = [r for r in library.routines
                if r.document.follow_up is not None and r.document.follow_up.example]
    assert examples, "de utskickade arbetsrutinerna har exempelvärden"
    for routine in examples:
        owner = routine.document.follow_up.responsible  # type: ignore[union-attr]
        for suffix in (".pdf", ".docx", ".html", "-fickkort.pdf", "-fickkort-ark.pdf"):
            text = normalise(output_text(_file(output, routine, suffix)))
            assert owner in text, (routine.document.id, suffix)
            for found in re.finditer(re.escape(owner), text):
                near = text[max(0, found.start() - 150):found.end() + 150]
                assert re.search(r"exempel", near, re.IGNORECASE), (routine.document.id, suffix)


def _outputs(output: Path) -> list[Path]:
    return sorted(p for p in output.rglob("*") if p.suffix in (".pdf", ".docx", ".html"))


ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")


@pytest.mark.slow
def test_typography_of_every_output(built: tuple[Library, Path]) -> None:
    """Straight quotes, "När: När", two draft wordings, ISO dates in running text and
    process notes about the source are found in no output a reader opens."""
    _, output = built
    files = _outputs(output)
    assert len(files) > 30
    problems = []
    for path in files:
        text = normalise(output_text(path))
        name = path.relative_to(output)
        if '"' in text:
            problems.append(f"{name}: rakt citattecken: …{text[text.index(chr(34)) - 40:][:80]}…")
        if re.search(r"När: När", text):
            problems.append(f"{name}: 'När: När'")
        for wording in re.findall(r"UTKAST – [\w ]+?fastställd", text):
            if wording != DRAFT_WORDING:
                problems.append(f"{name}: utkastformulering '{wording}'")
        if ISO_DATE.search(text):
            problems.append(f"{name}: ISO-datum i löptext: {ISO_DATE.search(text).group()}")  # type: ignore[union-attr]
        if re.search(r"\bkällan\b|källtext", text, re.IGNORECASE):
            problems.append(f"{name}: processanteckning om källan")
    assert problems == []


def _story(words: str) -> list[str]:
    """Words of a body, lower case; list numbers and letters (Word numbers lists itself) and
    punctuation dropped."""
    tokens = re.findall(r"[\w”]+", normalise(words).lower().replace("”", ""))
    return [t for t in tokens if not re.fullmatch(r"\d+|[a-z]", t)]


def _pdf_body(path: Path, routine: RoutineFile) -> str:
    """The PDF's text from the title on, in content order (WeasyPrint draws in document
    order; ``-raw`` keeps it), without what every page repeats: running header and footer,
    the UTKAST watermark, the approval box's hint and the signature stamp."""
    doc = routine.document
    text = subprocess.run(["pdftotext", "-raw", "-enc", "UTF-8", str(path), "-"],
                          capture_output=True, text=True, check=True).stdout
    furniture = [
        rf"{re.escape(doc.title)}\s+Version [^\n]+\s+Utskriven kopia[^\n]+?\s+Sida \d+ av \d+\n",
        r"U\nTKAST\n–\nej fastställd\n", r"Ej fastställd – underskrift saknas\n",
        r"TESTSIGNATUR – ej giltig\n", r"Fastställd av .*?Elektroniskt signerad.*?\d{2}:\d{2}\n",
    ]
    for pattern in furniture:
        text = re.sub(pattern, "", text, flags=re.DOTALL)
    return text[text.index(doc.title[:40]):]


def _docx_body(path: Path, routine: RoutineFile) -> str:
    paragraphs = docx_paragraphs(path)
    start = next(i for i, p in enumerate(paragraphs) if p == routine.document.title.replace(
        '"', "”"))
    return "\n".join(paragraphs[start:])


@pytest.mark.slow
@pytest.mark.parametrize("doc_id", SHIPPED)
def test_docx_and_pdf_tell_the_same_story(built: tuple[Library, Path], doc_id: str) -> None:
    library, output = built
    routine = _routine(library, doc_id)
    pdf_words = _without_map(_story(_pdf_body(_file(output, routine, ".pdf"), routine)),
                             _file(output, routine, "-flode.svg"))
    docx_words = _story(_docx_body(_file(output, routine, ".docx"), routine))
    assert docx_words == pdf_words


def _without_map(words: list[str], svg: Path) -> list[str]:
    """The PDF's words without the swimlane map's: the PDF draws the map as vector text (an
    SVG), the DOCX as a picture whose words are its alt text, not body text. The map's words
    stand together once, in the SVG's order; the table after it says the same in text."""
    if not svg.is_file():
        return words
    from lxml import etree  # type: ignore[import-untyped]

    root = etree.fromstring(svg.read_bytes())
    drawn = _story("\n".join("".join(t.itertext())
                             for t in root.iter("{http://www.w3.org/2000/svg}text")))
    for start in range(len(words) - len(drawn) + 1):
        if drawn and words[start:start + len(drawn)] == drawn:
            return words[:start] + words[start + len(drawn):]
    raise AssertionError(f"kartans ord står inte samlade i PDF:en: {drawn[:12]}")


@pytest.mark.slow
def test_draft_gets_no_reading_receipt_and_approved_one_does(built: tuple[Library, Path]) -> None:
    library, output = built
    for routine in library.routines:
        receipt = _file(output, routine, "-laskvittens.pdf")
        assert receipt.is_file() == routine.document.is_approved, routine.document.id


@pytest.mark.slow
def test_every_document_has_a_stable_page_linking_its_current_version(
        built: tuple[Library, Path]) -> None:
    library, output = built
    for routine in library.routines:
        page = output / output_folder(routine.document) / "index.html"
        html = page.read_text(encoding="utf-8")
        current = _file(output, routine, ".pdf").name
        assert f'href="{current}"' in html, routine.document.id
        assert ".p7s" not in html


@pytest.mark.slow
def test_stamp_names_the_decision_and_the_signing_time(built: tuple[Library, Path]) -> None:
    import pikepdf

    library, output = built
    routine = _routine(library, "kungalv-insatser-i-hemmet")
    pdf = pikepdf.open(_file(output, routine, ".pdf"))
    widget = next(a for page in pdf.pages for a in page.get("/Annots", [])
                  if a.get("/FT") == "/Sig")
    text = str(widget.TU)
    assert "Fastställd av Samordningsgruppen 29 maj 2026" in text
    assert re.search(r"Elektroniskt signerad \d{1,2} \w+ \d{4} \d{2}:\d{2}", text)
    assert not ISO_DATE.search(text)
    assert text.startswith("TESTSIGNATUR")  # no key configured: the local test key


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.parametrize("query", ["NSVT", "kungälv", "Kungalv"])
def test_index_search_finds_kungalv(built: tuple[Library, Path], query: str) -> None:
    from playwright.sync_api import sync_playwright

    _, output = built
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.goto((output / "index.html").as_uri())
        page.get_by_label("Sök bland rutinerna").type(query)
        visible = page.eval_on_selector_all(
            "tr.dokument", "rows => rows.filter(r => r.offsetParent !== null)"
            ".map(r => r.id.replace('dok-', ''))")
        browser.close()
    assert visible == ["kungalv-insatser-i-hemmet"]


@pytest.mark.slow
def test_index_lists_fastställda_first_with_team_origin(built: tuple[Library, Path]) -> None:
    _, output = built
    text = normalise(html_text(output / "index.html"))
    assert text.index("Samverkansrutin vid insatser i hemmet") < text.index(
        "Delregional samverkansrutin mobil närvård")
    assert "Närsjukvårdsteam (NSVT), Kungälvs sjukhus" in text
    assert "Närsjukvårdsteam, SÄS" in text
    assert "signatur" not in text.lower()


@pytest.mark.slow
def test_review_packet_shows_card_and_checklist_beside_the_steps(tmp_path: Path) -> None:
    """Samordningsgruppen approves what staff carry: each step beside its card line and
    checklist row, then the checklist and the card as they print."""
    from builder.decision.review import printout_rows, review_packet

    library, _ = load_library(ROUTINES)
    routine = _routine(library, "kungalv-insatser-i-hemmet")
    rows = printout_rows(routine, library)
    assert [r["number"] for r in rows] == ["1", "2a", "2b", "2c", "3", "4", "Observera"]
    assert all(r["card"] != "–" for r in rows)  # every step has its card line
    assert "utförs av Vårdcentralen" in rows[1]["checklist"]
    text = normalise(pdf_text(_write(tmp_path, review_packet(ROUTINES, routine.document.id))))
    assert "Det personalen bär" in text
    assert "Välj det som gäller" in text  # the checklist page
    assert "Fortsättning på baksidan" in text  # the card's front


def _write(tmp_path: Path, out: Any) -> Path:
    assert out.warnings == ()
    path = tmp_path / "granskning.pdf"
    path.write_bytes(out.data)
    return path
