"""Importer fixtures made from facts files (tests/fixtures/import-facts/*.yaml).

Each facts file lists every value of one source document; the document is written from it in
the shape the file names: a Word file made with python-docx in Word's own styles (Title,
Heading 1, List Number, List Bullet, Table Grid, running header and footer), or an intranet
page. Because the source is written from the facts, the facts are every value it holds.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

import docx
import yaml
from selectolax.lexbor import LexborHTMLParser

FACTS = Path(__file__).parent / "fixtures" / "import-facts"


def load_facts(name: str) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((FACTS / f"{name}.yaml").read_text(encoding="utf-8"))
    return data


def fact_names() -> list[str]:
    return sorted(p.stem for p in FACTS.glob("*.yaml"))


def make_source(facts: dict[str, Any], folder: Path, name: str) -> Path:
    if facts["källa"] == "docx":
        return _docx(facts, folder / f"{name}.docx")
    return _html(facts, folder / f"{name}.html")


# --- Word -----------------------------------------------------------------------------------

def _header_pairs(facts: dict[str, Any], single: bool) -> list[dict[str, str]]:
    return [f for f in facts["huvud"] if (f.get("cell") == "flera") != single]


def _docx_header(document: Any, facts: dict[str, Any]) -> None:
    pairs = _header_pairs(facts, single=True)
    if facts["form"] == "två par per rad":
        table = document.add_table(rows=0, cols=4)
        table.style = "Table Grid"
        for first in range(0, len(pairs), 2):
            cells = table.add_row().cells
            for offset, fact in enumerate(pairs[first:first + 2]):
                cells[2 * offset].text = fact["etikett"]
                cells[2 * offset + 1].text = str(fact["värde"])
        return
    # A row of labels over a row of values, then a merged row and a cell of "Label: value".
    table = document.add_table(rows=2, cols=len(pairs))
    table.style = "Table Grid"
    for column, fact in enumerate(pairs):
        table.rows[0].cells[column].text = fact["etikett"]
        table.rows[1].cells[column].text = str(fact["värde"])
    if facts.get("sammanslagen"):
        row = table.add_row()
        merged = row.cells[0].merge(row.cells[-1])
        merged.text = facts["sammanslagen"]
    several = _header_pairs(facts, single=False)
    if several:
        row = table.add_row()
        merged = row.cells[0].merge(row.cells[-1])
        merged.text = ""
        paragraph = merged.paragraphs[0]
        for index, fact in enumerate(several):
            if index:
                paragraph = merged.add_paragraph()
            paragraph.add_run(f"{fact['etikett']}: {fact['värde']}")


def _box(document: Any, text: str) -> None:
    """A boxed note: a one-cell bordered table, as Word users draw them."""
    table = document.add_table(rows=1, cols=1)
    table.style = "Table Grid"
    table.rows[0].cells[0].text = text


def _docx(facts: dict[str, Any], path: Path) -> Path:
    document = docx.Document()
    running = facts.get("löpande") or {}
    section = document.sections[0]
    if running.get("sidhuvud"):
        section.header.paragraphs[0].text = running["sidhuvud"]
    if running.get("sidfot"):
        section.footer.paragraphs[0].text = running["sidfot"]
    document.add_paragraph(facts["titel"], style="Title")
    _docx_header(document, facts)
    for part in facts["avsnitt"]:
        _docx_section(document, part)
    document.save(str(path))
    return path


def _docx_section(document: Any, part: dict[str, Any]) -> None:
    document.add_heading(part["rubrik"], level=1)
    for text in part.get("text", []):
        document.add_paragraph(text)
    for text in part.get("steg", []):
        document.add_paragraph(text, style="List Number")
    for text in part.get("punkter", []):
        document.add_paragraph(text, style="List Bullet")
    if part.get("ruta"):
        _box(document, part["ruta"])
    if part.get("kontakttabell"):
        table = document.add_table(rows=1, cols=2)
        table.style = "Table Grid"
        table.rows[0].cells[0].text, table.rows[0].cells[1].text = "Namn", "Roll"
        for contact in part["kontakttabell"]:
            cells = table.add_row().cells
            cells[0].text, cells[1].text = contact["namn"], contact["roll"]
    for text in part.get("rader", []):
        document.add_paragraph(text)


def docx_parts(path: Path) -> int:
    """The Word file's non-empty paragraphs, table cells (a merged cell once) and running
    header and footer, counted with python-docx independently of the importer."""
    document = docx.Document(str(path))
    count = sum(1 for p in document.paragraphs if p.text.strip())
    seen: list[Any] = []  # the cells' XML elements: a merged cell is one element
    for table in document.tables:
        for row in table.rows:
            for cell in row.cells:
                if not any(cell._tc is element for element in seen) and cell.text.strip():
                    count += 1
                seen.append(cell._tc)
    for section in document.sections:
        for part in (section.header, section.footer):
            if any(p.text.strip() for p in part.paragraphs):
                count += 1
    return count


# --- Intranet page --------------------------------------------------------------------------

def _e(text: Any) -> str:
    return html.escape(str(text))


def _html_header(facts: dict[str, Any]) -> str:
    pairs = facts["huvud"]
    rows = []
    if facts["form"] == "två par per rad":
        for first in range(0, len(pairs), 2):
            cells = "".join(f"<th>{_e(f['etikett'])}</th><td>{_e(f['värde'])}</td>"
                            for f in pairs[first:first + 2])
            rows.append(f"<tr>{cells}</tr>")
    else:
        rows = [f"<tr><th>{_e(f['etikett'])}</th><td>{_e(f['värde'])}</td></tr>" for f in pairs]
    return f"<table class=\"dokumentinfo\">{''.join(rows)}</table>"


def _html(facts: dict[str, Any], path: Path) -> Path:
    head = f"<title>{_e(facts.get('sidtitel') or facts['titel'])}</title>"
    if facts.get("kanonisk"):
        head += f"<link rel=\"canonical\" href=\"{_e(facts['kanonisk'])}\">"
    body = [f"<h1>{_e(facts['titel'])}</h1>", _html_header(facts)]
    for part in facts["avsnitt"]:
        body.append(f"<h2>{_e(part['rubrik'])}</h2>")
        body += [f"<p>{_e(t)}</p>" for t in part.get("text", [])]
        if part.get("länk"):
            link = part["länk"]
            body.append(f"<p>Läs mer: <a href=\"{_e(link['href'])}\">{_e(link['text'])}</a></p>")
        if part.get("steg"):
            body.append("<ol>" + "".join(f"<li>{_e(t)}</li>" for t in part["steg"]) + "</ol>")
        if part.get("punkter"):
            body.append("<ul>" + "".join(f"<li>{_e(t)}</li>" for t in part["punkter"]) + "</ul>")
        if part.get("ruta"):
            body.append(f"<table class=\"ruta\" border=\"1\"><tr><td>{_e(part['ruta'])}</td>"
                        "</tr></table>")
        body += [f"<p>{_e(t)}</p>" for t in part.get("rader", [])]
    page = (f"<!doctype html><html lang=\"sv\"><head><meta charset=\"utf-8\">{head}</head>"
            "<body><nav class=\"meny\"><a href=\"/\">Start</a></nav><main>"
            + "\n".join(body) + "</main></body></html>")
    path.write_text(page, encoding="utf-8")
    return path


def html_parts(path: Path) -> tuple[int, int]:
    """(parts inside <main>, parts outside it) of a page: headings, paragraphs, list items
    and table cells with text, counted with selectolax independently of the importer."""
    tree = LexborHTMLParser(path.read_text(encoding="utf-8"))
    selector = "h1, h2, h3, p, li, td, th"
    main = tree.css_first("main")
    inside = sum(1 for n in main.css(selector) if (n.text() or "").strip()) if main else 0
    nav = sum(1 for n in tree.css("nav a") if (n.text() or "").strip())
    return inside, nav

