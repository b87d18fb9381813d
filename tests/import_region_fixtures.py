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
    _docx_ingress(document, facts.get("ingress", []))
    for part in facts["avsnitt"]:
        _docx_section(document, part)
    document.save(str(path))
    return path


def _docx_items(document: Any, items: list[Any], style: str, depth: int = 0) -> None:
    """Word list paragraphs; a nested item one level deeper (Word's "List Bullet 2")."""
    for item in items:
        text = item["text"] if isinstance(item, dict) else item
        document.add_paragraph(text, style=style if depth == 0 else "List Bullet 2")
        if isinstance(item, dict):
            _docx_items(document, item["punkter"], style, depth + 1)


def _docx_ingress(document: Any, blocks: list[dict[str, Any]]) -> None:
    """Text and lists before the first heading, in Word's own list styles."""
    for block in blocks:
        if "text" in block:
            document.add_paragraph(block["text"])
        elif "punkter" in block:
            _docx_items(document, block["punkter"], "List Bullet")
        elif "numrerad" in block:
            _docx_items(document, block["numrerad"], "List Number")
        else:  # a label the source leaves empty
            document.add_paragraph(f"{block['ej_angivet']}:")


def _contact_columns(part: dict[str, Any]) -> list[tuple[str, str]]:
    columns = [("namn", "Namn"), ("roll", "Roll")]
    if any("telefon" in c for c in part["kontakttabell"]):
        columns.append(("telefon", "Telefon"))
    return columns


def _docx_contacts(document: Any, part: dict[str, Any]) -> None:
    columns = _contact_columns(part)
    table = document.add_table(rows=1, cols=len(columns))
    table.style = "Table Grid"
    for cell, (_, label) in zip(table.rows[0].cells, columns, strict=True):
        cell.text = label
    for contact in part["kontakttabell"]:
        cells = table.add_row().cells
        for cell, (key, _) in zip(cells, columns, strict=True):
            cell.text = str(contact.get(key, ""))  # "" stays an empty cell


def _docx_section(document: Any, part: dict[str, Any], level: int = 1) -> None:
    document.add_heading(part["rubrik"], level=level)
    for text in part.get("text", []):
        document.add_paragraph(text)
    for text in part.get("steg", []):
        document.add_paragraph(text, style="List Number")
    for text in part.get("punkter", []):
        document.add_paragraph(text, style="List Bullet")
    if part.get("ruta"):
        _box(document, part["ruta"])
    if part.get("kontakttabell"):
        _docx_contacts(document, part)
    for text in part.get("rader", []):
        document.add_paragraph(text)
    for label in part.get("tomma_delar", []):  # "Ansvarig läkare:" and nothing after it
        document.add_paragraph(f"{label}:")
    for child in part.get("underavsnitt", []):
        _docx_section(document, child, level + 1)


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
    body += [_html_block(block) for block in facts.get("ingress", [])]
    for part in facts["avsnitt"]:
        body += _html_section(part)
    page = (f"<!doctype html><html lang=\"sv\"><head><meta charset=\"utf-8\">{head}</head>"
            "<body><nav class=\"meny\"><a href=\"/\">Start</a></nav><main>"
            + "\n".join(body) + "</main></body></html>")
    path.write_text(page, encoding="utf-8")
    return path


def _html_items(items: list[Any], tag: str) -> str:
    inner = "".join(
        f"<li>{_e(item['text'])}{_html_items(item['punkter'], 'ul')}</li>"
        if isinstance(item, dict) else f"<li>{_e(item)}</li>" for item in items)
    return f"<{tag}>{inner}</{tag}>"


def _html_block(block: dict[str, Any]) -> str:
    """A block before the first <h2>: a paragraph, a list, or a label left empty."""
    if "text" in block:
        return f"<p>{_e(block['text'])}</p>"
    if "punkter" in block:
        return _html_items(block["punkter"], "ul")
    if "numrerad" in block:
        return _html_items(block["numrerad"], "ol")
    return f"<p>{_e(block['ej_angivet'])}:</p>"


def _html_section(part: dict[str, Any], level: int = 2) -> list[str]:
    body = [f"<h{level}>{_e(part['rubrik'])}</h{level}>"]
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
    if part.get("kontakttabell"):
        columns = _contact_columns(part)
        rows = ["<tr>" + "".join(f"<th>{_e(label)}</th>" for _, label in columns) + "</tr>"]
        rows += ["<tr>" + "".join(f"<td>{_e(c.get(key, ''))}</td>" for key, _ in columns)
                 + "</tr>" for c in part["kontakttabell"]]
        body.append(f"<table class=\"kontakter\">{''.join(rows)}</table>")
    body += [f"<p>{_e(label)}:</p>" for label in part.get("tomma_delar", [])]
    for child in part.get("underavsnitt", []):
        body += _html_section(child, level + 1)
    return body


def html_parts(path: Path) -> tuple[int, int]:
    """(parts inside <main>, parts outside it) of a page: headings, paragraphs, list items
    and table cells with text, counted with selectolax independently of the importer."""
    tree = LexborHTMLParser(path.read_text(encoding="utf-8"))
    selector = "h1, h2, h3, p, li, td, th"
    main = tree.css_first("main")
    inside = sum(1 for n in main.css(selector) if (n.text() or "").strip()) if main else 0
    nav = sum(1 for n in tree.css("nav a") if (n.text() or "").strip())
    return inside, nav

