"""The staff index: every document listed and linked, search filters, accessible, offline.

Browser tests drive the Debian ``chromium`` with Playwright; they are marked ``browser`` but
never skipped: scripts/setup.sh installs the browser (RUTIN_FOR_TESTS=1).
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

from builder.load.library import load_library
from builder.options import BuildOptions
from builder.render import DocumentOutputs
from builder.render.index import render_index

FIXTURE = Path(__file__).parent / "fixtures" / "status-library"
ROUTINES = Path(__file__).resolve().parents[1] / "routines"
TODAY = dt.date(2027, 3, 1)
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
FILES = {"pdf": ".pdf", "docx": ".docx", "checklista": "-checklista.pdf",
         "fickkort": "-fickkort.pdf", "laskvittens": "-laskvittens.pdf", "html": ".html"}


def write_index(output: Path, root: Path = FIXTURE) -> list[str]:
    """Render the index for ``root`` into ``output`` with dummy output files; return the ids."""
    library, _ = load_library(root)
    outputs = []
    for routine in library.routines:
        doc = routine.document
        group = getattr(doc, "parent", doc.id)
        folder = f"{group}/{doc.id}"
        files: dict[str, tuple[str, ...]] = {}
        for fmt, suffix in FILES.items():
            names = [f"{folder}/{doc.id}-v{doc.version}{suffix}"]
            if fmt == "docx":
                names.append(names[0] + ".p7s")
            files[fmt] = tuple(names)
            for name in names:
                (output / name).parent.mkdir(parents=True, exist_ok=True)
                (output / name).write_bytes(b"dummy")
        outputs.append(DocumentOutputs(routine, folder, files))
    for artifact in render_index(library, outputs, BuildOptions(output=output, today=TODAY)):
        (output / artifact.filename).parent.mkdir(parents=True, exist_ok=True)
        (output / artifact.filename).write_bytes(artifact.data)
    return [r.document.id for r in library.routines]


class PageFacts(HTMLParser):
    """What the accessibility checks need from a page, without a browser."""

    def __init__(self) -> None:
        super().__init__()
        self.lang: str | None = None
        self.headings: list[int] = []
        self.inputs: list[str] = []
        self.labels: set[str] = set()
        self.links: list[str] = []
        self.sources: list[str] = []
        self.rows: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag == "html":
            self.lang = values.get("lang")
        if len(tag) == 2 and tag[0] == "h" and tag[1].isdigit():
            self.headings.append(int(tag[1]))
        if tag == "input":
            self.inputs.append(values.get("id", ""))
        if tag == "label":
            self.labels.add(values.get("for", ""))
        if tag == "a":
            self.links.append(values.get("href", ""))
        if tag in ("script", "img", "link", "iframe") and ("src" in values or "href" in values):
            self.sources.append(values.get("src") or values.get("href", ""))
        if tag == "tr" and "dokument" in values.get("class", "").split():
            self.rows.append(values.get("id", "").removeprefix("dok-"))


def page_facts(path: Path) -> PageFacts:
    facts = PageFacts()
    facts.feed(path.read_text(encoding="utf-8"))
    return facts


def test_index_lists_and_links_every_document(tmp_path: Path) -> None:
    ids = write_index(tmp_path)
    facts = page_facts(tmp_path / "index.html")
    assert sorted(facts.rows) == sorted(ids)
    for href in facts.links:
        if href.startswith("#"):
            continue
        assert "://" not in href and not href.startswith("/"), href
        assert (tmp_path / unquote(href)).is_file(), href
    # 4 documents × 6 files for staff (the .p7s verification files are not listed).
    assert len([h for h in facts.links if h.endswith(("pdf", "docx", "html"))]) >= 24
    assert not [h for h in facts.links if h.endswith(".p7s")]


def test_group_pages_link_upwards(tmp_path: Path) -> None:
    write_index(tmp_path)
    for group, members in {"demo-samverkan": {"demo-samverkan", "team-a", "team-b"},
                           "andra-samverkan": {"andra-samverkan"}}.items():
        page = tmp_path / group / "index.html"
        facts = page_facts(page)
        assert set(facts.rows) == members
        assert "../index.html" in facts.links
        for href in facts.links:
            if not href.startswith("#"):
                assert (page.parent / unquote(href)).is_file(), href


def test_drafts_and_expired_are_marked_in_text(tmp_path: Path) -> None:
    write_index(tmp_path)
    html = (tmp_path / "index.html").read_text(encoding="utf-8")
    row = {doc: html.split(f'id="dok-{doc}"')[1].split("</tr>")[0]
           for doc in ("andra-samverkan", "team-b", "demo-samverkan", "team-a")}
    assert '<strong class="markering">Utkast</strong>' in row["andra-samverkan"]
    assert '<strong class="markering">Utgången</strong>' in row["team-b"]
    assert "Utvärdering försenad" in row["demo-samverkan"]
    assert "markering" not in row["team-a"]
    assert "2027-05-10" in row["team-a"]  # next review


def test_page_is_self_contained_and_structured(tmp_path: Path) -> None:
    write_index(tmp_path)
    for page in (tmp_path / "index.html", tmp_path / "demo-samverkan" / "index.html"):
        facts = page_facts(page)
        assert facts.lang == "sv"
        assert facts.sources == []  # CSS and JS are inline: nothing to fetch
        assert facts.headings[0] == 1 and facts.headings.count(1) == 1
        assert all(b - a <= 1 for a, b in zip(facts.headings, facts.headings[1:], strict=False))
        assert facts.inputs and all(i in facts.labels for i in facts.inputs)
        assert "http://" not in page.read_text(encoding="utf-8")


def test_user_text_is_escaped(tmp_path: Path) -> None:
    root = tmp_path / "routines"
    shutil.copytree(FIXTURE, root)
    path = root / "demo-samverkan" / "team-a.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "titel: Arbetsrutin Alfateamet", 'titel: "Alfa <script>alert(1)</script>"'),
        encoding="utf-8")
    out = tmp_path / "out"
    write_index(out, root)
    html = (out / "index.html").read_text(encoding="utf-8")
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)" in html


# --- in the browser -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).is_file(), "Debian chromium saknas: kör RUTIN_FOR_TESTS=1 scripts/setup.sh"
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


def open_page(browser: object, path: Path) -> tuple[object, list[str]]:
    page = browser.new_page()  # type: ignore[attr-defined]
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("requestfailed", lambda r: errors.append(f"request failed: {r.url}"))
    page.goto(path.as_uri())
    return page, errors


def visible_rows(page: object) -> list[str]:
    return page.eval_on_selector_all(  # type: ignore[attr-defined,no-any-return]
        "tr.dokument", "rows => rows.filter(r => r.offsetParent !== null)"
        ".map(r => r.id.replace('dok-', ''))")


def assert_links_resolve(page: object) -> int:
    hrefs: list[str] = page.eval_on_selector_all(  # type: ignore[attr-defined]
        "a[href]", "links => links.map(a => a.href)")
    for href in hrefs:
        url = urlparse(href)
        assert url.scheme == "file", href
        assert Path(unquote(url.path)).is_file() or url.fragment, href
    return len(hrefs)


@pytest.mark.browser
def test_search_filters_as_you_type(tmp_path: Path, browser: object) -> None:
    ids = write_index(tmp_path)
    page, errors = open_page(browser, tmp_path / "index.html")
    assert sorted(visible_rows(page)) == sorted(ids)
    assert assert_links_resolve(page) > 24
    search = page.get_by_label("Sök bland rutinerna")  # type: ignore[attr-defined]
    search.type("alfa")  # the team, and the samverkansrutin that covers it
    assert visible_rows(page) == ["demo-samverkan", "team-a"]
    search.type(" arbetsrutin")  # every word must match
    assert visible_rows(page) == ["team-a"]
    assert page.is_hidden("#grupp-andra-samverkan")  # type: ignore[attr-defined]
    assert "Visar 1 av 4" in page.inner_text("#sokresultat")  # type: ignore[attr-defined]
    search.fill("")
    search.type("utkast")
    assert visible_rows(page) == ["andra-samverkan"]
    search.fill("finns inte")
    assert visible_rows(page) == []
    assert page.is_visible("#inga-traffar")  # type: ignore[attr-defined]
    search.press("Escape")
    assert sorted(visible_rows(page)) == sorted(ids)
    assert errors == []


@pytest.mark.browser
def test_keyboard_reaches_search_and_links(tmp_path: Path, browser: object) -> None:
    write_index(tmp_path)
    page, errors = open_page(browser, tmp_path / "demo-samverkan" / "index.html")
    focused = []
    for _ in range(6):
        page.keyboard.press("Tab")  # type: ignore[attr-defined]
        focused.append(page.evaluate(  # type: ignore[attr-defined]
            "document.activeElement.id || document.activeElement.getAttribute('href')"))
    assert "sok" in focused
    assert any(f and f.endswith(".pdf") for f in focused)
    assert assert_links_resolve(page) > 0
    assert errors == []


@pytest.fixture(scope="module")
def axe_source() -> str:
    """axe-core as shipped inside the axe-playwright-python wheel (a test dependency): no npm."""
    import axe_playwright_python  # type: ignore[import-untyped]

    return (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text(
        encoding="utf-8")


@pytest.mark.browser
def test_axe_finds_no_violations(tmp_path: Path, browser: object, axe_source: str) -> None:
    write_index(tmp_path)
    for path in (tmp_path / "index.html", tmp_path / "demo-samverkan" / "index.html"):
        page, errors = open_page(browser, path)
        page.add_script_tag(content=axe_source)  # type: ignore[attr-defined]
        result = page.evaluate(  # type: ignore[attr-defined]
            "axe.run(document, {runOnly: ['wcag2a', 'wcag2aa', 'wcag21aa', 'best-practice']})"
            ".then(r => r.violations.map(v => v.id + ': ' + v.nodes.length))")
        assert result == [], path
        assert errors == []


@pytest.mark.browser
@pytest.mark.slow
def test_index_of_a_real_build(tmp_path: Path, browser: object) -> None:
    """`run_build` on the shipped routines: the index it writes lists and links everything."""
    from builder.publish.run import run_build
    root = tmp_path / "routines"
    shutil.copytree(ROUTINES, root)
    output = tmp_path / "output"
    options = BuildOptions(output=output, formats=("pdf", "html"), jobs=2, quiet=True,
                           sign=False)
    result = run_build(root, options)
    library, _ = load_library(root)
    page, errors = open_page(browser, output / "index.html")
    assert sorted(visible_rows(page)) == sorted(r.document.id for r in library.routines)
    assert assert_links_resolve(page) >= 2 * len(library.routines), result
    assert errors == []


def test_variant_files_are_named_for_what_they_are() -> None:
    from builder.render.index import _links

    files = {"fickkort": ("g/d/d-v1.0-fickkort.pdf", "g/d/d-v1.0-fickkort-ark.pdf"),
             "checklista": ("g/d/d-v1.0-checklista.pdf", "g/d/d-v1.0-checklista-ifyllbar.pdf"),
             "pdf": ("g/d/d-v1.0.pdf",), "docx": ("g/d/d-v1.0.docx", "g/d/d-v1.0.docx.p7s")}
    outputs = DocumentOutputs(None, "g/d", files)  # type: ignore[arg-type]
    labels = [link.label for link in _links(outputs, "")]
    assert labels == ["PDF", "Word", "Checklista", "Checklista, ifyllbar",
                      "Fickkort", "Fickkort, A4-ark"]  # no .p7s: verification is not for staff
