"""Pocket cards: 85 × 55 mm pages, the imposed A4 sheet, mirrored backs, crop marks, QR, R501."""

from __future__ import annotations

import datetime as dt
import itertools
import os
import re
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

pypdf = pytest.importorskip("pypdf")
pytest.importorskip("weasyprint")


from PIL import Image

from builder.check import run_check
from builder.load.library import Library, load_library
from builder.options import BuildOptions
from builder.render import RenderContext, get_renderer
from builder.render.printables.common import checked_pdf
from builder.render.printables.imposition import A4, CARD, impose
from builder.render.printables.pocketcard import (
    CardContent,
    card_content,
    cards_html,
    measure_cards,
    qr_code,
)
from builder.render.printables.sheet import impose_cards
from builder.rules import CheckOptions
from builder.text.phone import format_phone_sv

ROOT = Path(__file__).resolve().parents[1]
CASES = ROOT / "tests" / "cases"
URL = "https://rutiner.example.se/"
OPTIONS = BuildOptions(today=dt.date(2026, 6, 15), epoch=1_780_000_000)
PT_PER_MM = 72 / 25.4
META = {"title": "Test", "author": "", "description": "", "created": ""}


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> Library:
    """The case base library, the valid pocket-card case, and a publication URL."""
    root = tmp_path_factory.mktemp("kort") / "routines"
    shutil.copytree(CASES / "_base", root)
    (root / "fall").mkdir()
    shutil.copyfile(CASES / "valid" / "fickkort-med-kontakter.yaml",
                    root / "fall" / "fickkort-med-kontakter.yaml")
    org = root / "organisation.yaml"
    org.write_text(org.read_text(encoding="utf-8") + f"publicerings_url: {URL}\n",
                   encoding="utf-8")
    lib, diagnostics = load_library(root)
    assert diagnostics == []
    return lib


@pytest.fixture(scope="module")
def outputs(library: Library) -> dict[str, bytes]:
    routine = library.by_id("fall-fickkort")
    assert routine is not None
    artifacts = get_renderer("fickkort")(RenderContext(routine, library, OPTIONS))
    return {a.filename: a.data for a in artifacts}


def reader(data: bytes) -> pypdf.PdfReader:
    from io import BytesIO

    return pypdf.PdfReader(BytesIO(data))


def phrase_positions(data: bytes, page_index: int, tmp_path: Path) -> dict[str, tuple[float, float]]:
    """Where each two-word phrase starts on a page, in mm from the top left, as poppler's
    pdftotext lays the page out (it follows the placed cards' transformations)."""
    pdf = tmp_path / "positions.pdf"
    pdf.write_bytes(data)
    page = str(page_index + 1)
    html = subprocess.run(["pdftotext", "-bbox", "-f", page, "-l", page, str(pdf), "-"],
                          capture_output=True, text=True, check=True).stdout
    words = [(float(x), float(y), word) for x, y, word in re.findall(
        r'<word xMin="([\d.]+)" yMin="([\d.]+)"[^>]*>([^<]*)</word>', html)]
    return {f"{a[2]} {b[2]}": (a[0] / PT_PER_MM, a[1] / PT_PER_MM)
            for a, b in itertools.pairwise(words)}


def image_draws(data: bytes, page_index: int) -> int:
    """How many times the page paints an image (one XObject may be painted ten times)."""
    pikepdf = pytest.importorskip("pikepdf")
    from io import BytesIO

    def count(stream: object, resources: object) -> int:
        found = 0
        for operands, operator in pikepdf.parse_content_stream(stream):
            if str(operator) != "Do":
                continue
            xobject = resources.XObject[operands[0]]  # type: ignore[attr-defined]
            if xobject.Subtype == "/Image":
                found += 1
            elif xobject.Subtype == "/Form":
                found += count(xobject, xobject.get("/Resources", resources))
        return found

    with pikepdf.open(BytesIO(data)) as pdf:
        page = pdf.pages[page_index]
        return count(page, page.Resources)


@pytest.mark.parametrize(("raw", "expected"), [
    ("031-1234567", "031-123 45 67"),
    ("0701234567", "070-123 45 67"),
    ("+46 70 123 45 67", "070-123 45 67"),
    ("0046311234567", "031-123 45 67"),
    ("08-12345678", "08-123 456 78"),
    ("08 123 45 67", "08-123 45 67"),
    ("0303-238000", "0303-23 80 00"),
    ("0520 12345", "0520-123 45"),
    ("1177", "1177"),
    ("11313", "113 13"),
    ("+47 22 00 00 00", "+47 22 00 00 00"),
    ("växeln, anknytning 123", "växeln, anknytning 123"),
])
def test_phone_numbers_are_written_the_swedish_way(raw: str, expected: str) -> None:
    assert format_phone_sv(raw) == expected


def test_single_card_is_85_by_55_mm_front_then_back(outputs: dict[str, bytes]) -> None:
    pdf = reader(outputs["fall-fickkort-v0.1-fickkort.pdf"])
    assert len(pdf.pages) == 2
    for page in pdf.pages:
        width = float(page.mediabox.width) / PT_PER_MM
        height = float(page.mediabox.height) / PT_PER_MM
        assert abs(width - 85) <= 0.2 and abs(height - 55) <= 0.2, (width, height)
    front, back = (p.extract_text() for p in pdf.pages)
    assert "Testteamet" in front and "NSVT" in front
    assert "Ta emot uppdraget samma dag." in front
    # The front names whose card it is (issue 26); follow-up is on the back, with its room.
    assert "Testsamverkan" in front
    assert "Uppföljning: Vårdenhetschef NSVT" in back
    for phone in ("0303-23 80 00", "031-123 45 67", "070-123 45 67"):
        assert phone in back
    assert "Jourhavande läkare, Medicinkliniken" in back
    # The caption under the QR code wraps in its 15 mm column (beside the text, issue 21).
    assert "Version 0.1" in back and re.search(r"Aktuell\s+version", back)


def test_sheet_is_a4_with_ten_cards_front_and_back(outputs: dict[str, bytes]) -> None:
    pdf = reader(outputs["fall-fickkort-v0.1-fickkort-ark.pdf"])
    assert len(pdf.pages) == 2  # fronts, then backs: the same number of sheets
    for page in pdf.pages:
        assert abs(float(page.mediabox.width) / PT_PER_MM - A4[0]) <= 0.2
        assert abs(float(page.mediabox.height) / PT_PER_MM - A4[1]) <= 0.2
    front, back = (p.extract_text() for p in pdf.pages)
    assert front.count("Ta emot uppdraget samma dag.") == 10
    assert len(re.findall(r"Aktuell\s+version", back)) == 10
    assert image_draws(outputs["fall-fickkort-v0.1-fickkort-ark.pdf"], 1) == 10  # a QR per back
    assert image_draws(outputs["fall-fickkort-v0.1-fickkort-ark.pdf"], 0) == 0


def test_imposition_geometry() -> None:
    layout = impose()
    assert layout.capacity == 10
    width, height = A4
    for index, (front, back) in enumerate(zip(layout.fronts, layout.backs, strict=True)):
        assert (front.w, front.h) == CARD
        assert 0 <= front.x and front.right <= width and 0 <= front.y and front.bottom <= height
        # Long-edge duplex mirrors left and right: the back lies behind its front.
        assert back.x == pytest.approx(width - front.right) and back.y == front.y, index
        for other in layout.fronts[index + 1:]:
            overlap_x = min(front.right, other.right) - max(front.x, other.x)
            overlap_y = min(front.bottom, other.bottom) - max(front.y, other.y)
            assert overlap_x <= 0 or overlap_y <= 0
    # The left column's backs are on the right and vice versa.
    assert layout.backs[0].x == pytest.approx(layout.fronts[1].x)
    for marks, cards in ((layout.front_marks, layout.fronts), (layout.back_marks, layout.backs)):
        assert marks
        for mark in marks:
            assert not any(mark.touches(card) for card in cards), mark
            assert all(0 <= v <= width for v in (mark.x1, mark.x2))
            assert all(0 <= v <= height for v in (mark.y1, mark.y2))
        # Every cut line has its marks.
        xs = {round(v, 3) for c in cards for v in (c.x, c.right)}
        ys = {round(v, 3) for c in cards for v in (c.y, c.bottom)}
        assert xs <= {round(m.x1, 3) for m in marks if m.x1 == m.x2}
        assert ys <= {round(m.y1, 3) for m in marks if m.y1 == m.y2}


def test_back_positions_are_mirrored_in_the_pdf(library: Library, tmp_path: Path) -> None:
    """Three different cards: each one's back text sits in the mirrored slot."""
    routine = library.by_id("fall-fickkort")
    assert routine is not None
    base = card_content(routine, library)
    assert base is not None
    cards = [replace(base, team_name=f"Framsida {n}", title=f"Baksida {n}") for n in (1, 2, 3)]
    layout = impose()
    sheet = impose_cards(checked_pdf("test", cards_html(cards, "single", META)), "test")
    assert len(reader(sheet).pages) == 2
    front, back = (phrase_positions(sheet, page, tmp_path) for page in (0, 1))
    for index, card in enumerate(cards):
        fx, fy = front[str(card.team_name)]
        bx, by = back[card.title]
        assert layout.fronts[index].x < fx < layout.fronts[index].right
        assert layout.fronts[index].y < fy < layout.fronts[index].bottom
        assert layout.backs[index].x < bx < layout.backs[index].right
        assert layout.backs[index].y < by < layout.backs[index].bottom
    assert layout.backs[0].x != layout.fronts[0].x


def test_thirteen_cards_make_two_sheets_with_equal_front_and_back_pages(
        library: Library) -> None:
    routine = library.by_id("fall-fickkort")
    assert routine is not None
    base = card_content(routine, library)
    assert base is not None
    html = cards_html([replace(base, title=f"Kort {n}") for n in range(13)], "single", META)
    pdf = reader(impose_cards(checked_pdf("test", html), "test"))
    assert len(pdf.pages) == 4
    texts = [p.extract_text() for p in pdf.pages]
    assert texts[0].count("Ta emot uppdraget") == 10 and texts[2].count("Ta emot uppdraget") == 3
    assert len(re.findall(r"Aktuell\s+version", texts[1])) == 10
    assert len(re.findall(r"Aktuell\s+version", texts[3])) == 3


def find_marks(line: list[int]) -> list[float]:
    """Centres (px) of the dark runs along one row or column of pixels."""
    centres, start = [], None
    for index, value in enumerate([*line, 255]):
        if value < 128 and start is None:
            start = index
        elif value >= 128 and start is not None:
            centres.append((start + index - 1) / 2)
            start = None
    return centres


def measure_sheet(pdf_path: Path, tmp_path: Path, dpi: int = 300) -> tuple[list[float],
                                                                             list[float]]:
    """Print the front sheet to PNG and find the crop marks in the margins (px)."""
    subprocess.run(["pdftoppm", "-png", "-r", str(dpi), "-f", "1", "-l", "1", str(pdf_path),
                    str(tmp_path / "ark")], check=True)
    image = Image.open(next(tmp_path.glob("ark*.png"))).convert("L")
    px = dpi / 25.4
    top_row = [image.getpixel((x, round(6 * px))) for x in range(image.width)]
    left_column = [image.getpixel((round(15 * px), y)) for y in range(image.height)]
    return find_marks(top_row), find_marks(left_column)


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="needs poppler-utils")
def test_printed_sheet_measures_85_by_55_mm_between_crop_marks(
        outputs: dict[str, bytes], tmp_path: Path) -> None:
    pdf_path = tmp_path / "ark.pdf"
    pdf_path.write_bytes(outputs["fall-fickkort-v0.1-fickkort-ark.pdf"])
    xs, ys = measure_sheet(pdf_path, tmp_path)
    assert len(xs) == 3 and len(ys) == 6, (xs, ys)  # 2 columns, 5 rows of cards
    widths = [b - a for a, b in itertools.pairwise(xs)]
    heights = [b - a for a, b in itertools.pairwise(ys)]
    expected_w, expected_h = 85 / 25.4 * 300, 55 / 25.4 * 300  # 1003.9 × 649.6 px
    assert all(abs(w - expected_w) <= 2 for w in widths), widths
    assert all(abs(h - expected_h) <= 2 for h in heights), heights
    # The marks sit outside the card block: above its top edge, left of its left edge.
    assert ys[0] > 9 / 25.4 * 300 and xs[0] > 18 / 25.4 * 300


def test_qr_code_decodes_to_the_publication_url(outputs: dict[str, bytes],
                                                 tmp_path: Path) -> None:
    wanted = f"{URL}bas-samverkan/fall-fickkort/"
    assert qr_code(wanted).designator  # segno made it
    zxingcpp = pytest.importorskip("zxingcpp")
    if shutil.which("pdftoppm") is None:
        pytest.skip("needs poppler-utils")
    pdf_path = tmp_path / "kort.pdf"
    pdf_path.write_bytes(outputs["fall-fickkort-v0.1-fickkort.pdf"])
    subprocess.run(["pdftoppm", "-png", "-r", "300", "-f", "2", "-l", "2", str(pdf_path),
                    str(tmp_path / "bak")], check=True)
    image = Image.open(next(tmp_path.glob("bak*.png")))
    assert [r.text for r in zxingcpp.read_barcodes(image)] == [wanted]


def test_no_qr_code_without_publication_url(library: Library) -> None:
    routine = library.by_id("fall-fickkort")
    assert routine is not None
    bare = replace(library, organisation=None)
    card = card_content(routine, bare)
    assert card is not None and card.qr_image is None and card.qr_url is None


def test_overlong_card_is_measured_not_guessed(library: Library) -> None:
    routine = library.by_id("fall-fickkort")
    assert routine is not None
    base = card_content(routine, library)
    assert base is not None
    long_card: CardContent = replace(base, doc_id="lang", points=tuple(
        f"Punkt {n} med en text som tar en hel rad på kortet" for n in range(30)))
    measured = {(m.doc_id, m.side): m for m in measure_cards([base, long_card])}
    assert measured[("fall-fickkort", "framsida")].overflow_mm == 0
    assert measured[("fall-fickkort", "baksida")].overflow_mm == 0
    # 30 one-line points: about 30 lines of ~3.1 mm (plus spacing) against 55 mm of card.
    # 30 one-line points: about 30 lines of ~3.4 mm (plus spacing) against 55 mm of card.
    assert measured[("lang", "framsida")].overflow_mm > 60
    assert measured[("lang", "baksida")].overflow_mm == 0


def test_a_few_points_past_the_front_continue_on_the_back(library: Library) -> None:
    routine = library.by_id("fall-fickkort")
    assert routine is not None
    base = card_content(routine, library)
    assert base is not None
    seven = replace(base, doc_id="sju", points=tuple(f"Punkt {n}" for n in range(1, 8)))
    assert seven.front_points == tuple(f"Punkt {n}" for n in range(1, 5))
    assert seven.back_points == ("Punkt 5", "Punkt 6", "Punkt 7")
    pdf = checked_pdf("sju", cards_html([seven], "single", META))
    front, back = (page.extract_text() for page in reader(pdf).pages)
    assert "Punkt 4" in front and "Fortsättning på baksidan" in front and "Punkt 5" in back


def test_shipped_routines_have_no_print_findings() -> None:
    result = run_check(ROOT / "routines", CheckOptions(today=dt.date(2026, 6, 15)))
    assert [d for d in result.diagnostics if d.rule in ("R501", "R502")] == []


def test_documents_without_card_content_get_no_card(library: Library) -> None:
    routine = library.by_id("bas-samverkan")  # a samverkansrutin without fickkort
    assert routine is not None
    assert get_renderer("fickkort")(RenderContext(routine, library, OPTIONS)) == []


def test_check_without_cards_does_not_import_weasyprint(tmp_path: Path) -> None:
    """R501/R502 lay out only what needs it: a library without cards checks without WeasyPrint."""
    root = tmp_path / "routines"
    shutil.copytree(CASES / "_base", root)
    code = ("import sys, datetime; from pathlib import Path; from builder.check import run_check;"
            "from builder.rules import CheckOptions;"
            f"r = run_check(Path({str(root)!r}), CheckOptions(today=datetime.date(2026, 6, 15)));"
            "assert r.diagnostics == [], r.diagnostics;"
            "print('weasyprint' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, cwd=ROOT)
    assert done.stdout.strip() == "False"


def _files(folder: Path) -> set[Path]:
    return {p for p in folder.rglob("*") if p.is_file()}


def test_check_measures_cards_but_writes_nothing(tmp_path: Path) -> None:
    """`rutin check` lays the seeds' cards out, yet creates no file: not even a cache."""
    root = tmp_path / "routines"
    shutil.copytree(ROOT / "routines", root)
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    before = _files(tmp_path)
    done = subprocess.run([sys.executable, "-m", "builder", "check", str(root), "--idag",
                           "2026-06-15"], capture_output=True, text=True, cwd=tmp_path, env=env,
                          check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert _files(tmp_path) == before


def test_build_caches_card_measurements_that_check_reuses(tmp_path: Path) -> None:
    """After a build, checking the same cards needs no layout, so WeasyPrint stays unloaded."""
    root = tmp_path / "routines"
    shutil.copytree(ROOT / "routines", root)
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    built = subprocess.run([sys.executable, "-m", "builder", "build", str(root), "-o",
                            str(tmp_path / "output"), "--format", "html", "--quiet"],
                           capture_output=True, text=True, cwd=ROOT, env=env, check=False)
    assert built.returncode == 0, built.stdout + built.stderr
    code = ("import sys; from pathlib import Path; from builder.check import run_check;"
            "from builder.publish.card_cache import read_card_cache;"
            f"r = run_check(Path({str(root)!r}), known_faces=read_card_cache());"
            "assert r.layout.card_faces, 'no cards measured';"
            "print('weasyprint' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, cwd=ROOT, env=env)
    assert done.stdout.strip() == "False"
