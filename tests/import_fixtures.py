"""Foreign documents built in the tests, in styles unlike our own export: Word numbering and
built-in styles, typed numbering, bold lines as headings, header tables in other shapes, and
intranet pages with navigation, breadcrumbs and a "Senast uppdaterad" footer."""

from __future__ import annotations

import base64
import os
import shutil
import subprocess
from pathlib import Path

import docx
from docx.shared import Pt

# A 1×1 PNG: enough for Word to hold an inline picture.
PIXEL = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==")


def _running(document: docx.document.Document, header: str, footer: str) -> None:
    section = document.sections[0]
    section.header.paragraphs[0].text = header
    section.footer.paragraphs[0].text = footer


def word_numbering_docx(path: Path) -> Path:
    """Built-in styles: Title, Heading 1/2, List Number (Word numbering), List Bullet 2;
    a header table of label/value rows, labels with a colon; an image; running header/footer."""
    document = docx.Document()
    _running(document, "Region Exempel – Vårdhandboken", "Sida 1 av 3")
    table = document.add_table(rows=0, cols=2)
    for label, value in (("Dokumenttyp:", "Rutin"), ("Diarienr:", "RS 2024-00123"),
                         ("Processägare:", "Hälso- och sjukvårdsdirektör"),
                         ("Upprättat av:", "Anna Berg, utvecklingsledare"),
                         ("Giltigt till och med:", "2026-12-31"), ("Version:", "B.2")):
        row = table.add_row().cells
        row[0].text, row[1].text = label, value
    document.add_paragraph("Läkemedelsgenomgång i hemsjukvården", style="Title")
    document.add_heading("Syfte", level=1)
    document.add_paragraph("Rutinen beskriver hur en läkemedelsgenomgång görs i hemmet.")
    document.add_heading("Genomförande", level=1)
    document.add_paragraph("Sjuksköterskan bokar tid med patienten.", style="List Number")
    document.add_paragraph("Läkaren gör genomgången.", style="List Number")
    document.add_paragraph("Om patienten har dosdispenserade läkemedel ändras dosrullen.",
                           style="List Number 2")
    document.add_paragraph("Om patienten inte har dos uppdateras läkemedelslistan.",
                           style="List Number 2")
    document.add_paragraph("Observera att patientens samtycke ska dokumenteras.")
    document.add_heading("Att tänka på", level=1)
    document.add_paragraph("Läkemedelslistan", style="List Bullet")
    document.add_paragraph("skrivs ut i två exemplar", style="List Bullet 2")
    document.add_paragraph("Uppföljning efter en vecka", style="List Bullet")
    document.add_picture(str(_pixel(path)), width=Pt(12))
    document.save(str(path))
    return path


def _pixel(path: Path) -> Path:
    image = path.with_suffix(".png")
    image.write_bytes(PIXEL)
    return image


def label_row_docx(path: Path) -> Path:
    """A label row over a value row (no colons); typed numbering "1.", "2a", "2 b)"; bold
    paragraphs as headings; a "minst N av" rule after a bullet list; contact lines."""
    document = docx.Document()
    _running(document, "Närvårdssamverkan Exempel", "Sida 1 av 2")
    table = document.add_table(rows=2, cols=4)
    labels = ("Dokumentnamn", "Gäller för", "Fastställare", "Giltigt från och med")
    values = ("Inskrivning i mobilt team", "Alingsås; Lerum", "Närvårdsgruppen", "2025-02-01")
    for cell, text in zip(table.rows[0].cells, labels, strict=False):
        cell.text = text
    for cell, text in zip(table.rows[1].cells, values, strict=False):
        cell.text = text
    _bold(document, "Bakgrund")
    document.add_paragraph("Teamet tar emot patienter som behöver vård i hemmet.")
    _bold(document, "Kriterier för inskrivning")
    for text in ("• Patienten är över 65 år", "• Patienten har fler än fem läkemedel",
                 "• Patienten har haft två slutenvårdstillfällen senaste året"):
        document.add_paragraph(text)
    document.add_paragraph("Patienten ska uppfylla minst två av kriterierna ovan.")
    _bold(document, "Arbetsgång")
    document.add_paragraph("1. Remissen bedöms av teamets sjuksköterska.")
    document.add_paragraph("2. Teamet kontaktar patienten.")
    document.add_paragraph("2a Om patienten tackar ja bokas ett hembesök.")
    document.add_paragraph("2 b) Om patienten tackar nej meddelas remittenten.")
    document.add_paragraph("3. Ansvarig läkare skriver in patienten.")
    document.add_paragraph("OBS! Inskrivningen ska vara klar inom tre dagar.")
    _bold(document, "Kontakt")
    document.add_paragraph("Eva Lund, samordnare, tel 0322-123 45")
    document.add_paragraph("Teamets sjuksköterska, telefon 010-441 00 00, vardagar kl 8–16")
    document.save(str(path))
    return path


def _bold(document: docx.document.Document, text: str) -> None:
    document.add_paragraph().add_run(text).bold = True


def flattened_docx(path: Path) -> Path:
    """The header flattened onto one line; no "Upprättat av" at all; a table in the body."""
    document = docx.Document()
    document.add_paragraph("Dokumenttyp: Riktlinje Version: 3 Granskare: Per Ek, Lisa Ma "
                           "Senast uppdaterad: 2023-04-01")
    document.add_heading("Trycksår – förebyggande arbete", level=1)
    document.add_heading("Bedömning", level=2)
    document.add_paragraph("Risken bedöms med en modifierad Nortonskala.")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "Poäng", "Risk"
    table.cell(1, 0).text, table.cell(1, 1).text = "20 eller lägre", "Förhöjd risk"
    document.add_heading("Åtgärder", level=2)
    document.add_paragraph("Lägesändring var annan timme.", style="List Number")
    document.add_paragraph("Tryckavlastande madrass.", style="List Number")
    document.save(str(path))
    return path


INTRANET_PAGE = """<!DOCTYPE html>
<html lang="sv"><head><meta charset="utf-8"><title>Vårdplanering vid utskrivning | Intranätet</title></head>
<body>
<a class="skip-link" href="#main">Gå direkt till huvudinnehållet</a>
<div class="cookie-banner">Vi använder kakor för att förbättra webbplatsen. <button>OK</button></div>
<header class="site-header"><nav><ul><li><a href="/">Start</a></li><li><a href="/vard">Vård</a></li></ul></nav></header>
<nav class="breadcrumb" aria-label="Brödsmulor"><ol><li><a href="/">Start</a></li><li>Rutiner</li></ol></nav>
<main id="main">
<h1>Vårdplanering vid utskrivning</h1>
<p>Rutinen gäller när en patient skrivs ut från slutenvården till hemmet, enligt
<a href="https://example.org/lagen">lagen om samverkan</a>.</p>
<h2>Ansvar</h2>
<ul><li>Avdelningen skickar inskrivningsmeddelande.
  <ul><li>inom 24 timmar</li></ul></li>
<li>Vårdcentralen kallar till SIP vid behov.</li></ul>
<h2>Arbetsgång</h2>
<ol><li>Avdelningen skickar inskrivningsmeddelande i SAMSA.</li>
<li>Den fasta vårdkontakten utses.
  <ol type="a"><li>Om patienten har hemsjukvård: kommunens sjuksköterska.</li>
  <li>Om patienten saknar hemsjukvård: vårdcentralens sjuksköterska.</li></ol></li>
<li>Utskrivningsmeddelande skickas samma dag som patienten skrivs ut.</li></ol>
<p class="note">Observera att samtycke krävs för informationsöverföring.</p>
<img src="flodesschema.png" alt="Flödesschema för utskrivning">
<p>flodesschema.png</p>
<h2>Relaterade dokument</h2>
<ul><li>Lag om samverkan vid utskrivning från sluten hälso- och sjukvård</li>
<li>Riktlinje för SIP</li></ul>
</main>
<footer class="site-footer"><p>Senast uppdaterad: 2024-03-12</p><p>Sidansvarig: Lena Holm</p></footer>
</body></html>
"""

INTRANET_PAGE_NO_MAIN = """<!DOCTYPE html>
<html lang="sv"><head><meta charset="utf-8"><title>Stödstrumpor</title></head>
<body>
<div id="browser-warning">Din webbläsare stöds inte längre. Uppdatera den.</div>
<div class="navigation"><a href="/">Hem</a> <a href="/sok">Sök</a></div>
<div class="breadcrumbs">Du är här: Start / Vårdhandbok / Stödstrumpor</div>
<div class="content">
<h1>Stödstrumpor – på- och avtagning</h1>
<table class="meta"><tr><th>Dokumenttyp</th><th>Version</th><th>Godkänt av</th></tr>
<tr><td>Arbetsrutin</td><td>2</td><td>Verksamhetschef</td></tr></table>
<h3>Förberedelse</h3>
<p>1. Kontrollera att strumpan har rätt storlek.</p>
<p>2. Vänd strumpan ut och in till hälen.</p>
<p>OBS: Strumpan tas av till natten om inget annat ordinerats.</p>
<h3>Kontakt</h3>
<p>Kalle Nord, undersköterska, tel 031-10 20 30</p>
</div>
<div class="footer">Senast uppdaterad 2022-11-05 · Sida 1 av 1</div>
</body></html>
"""


def write_intranet_pages(folder: Path) -> tuple[Path, Path]:
    first, second = folder / "vardplanering.html", folder / "stodstrumpor.html"
    first.write_text(INTRANET_PAGE, encoding="utf-8")
    second.write_text(INTRANET_PAGE_NO_MAIN, encoding="utf-8")
    return first, second


LIBREOFFICE_PAGE = """<!DOCTYPE html><html lang="sv"><head><meta charset="utf-8">
<title>Provtagning i hemmet</title></head><body>
<h1>Provtagning i hemmet</h1>
<table border="1"><tr><td>Dokumenttyp</td><td>Rutin</td></tr>
<tr><td>Upprättat av</td><td>Laboratoriemedicin</td></tr>
<tr><td>Godkänt av</td><td>Verksamhetschef</td></tr></table>
<h2>Syfte</h2><p>Att prover som tas i hemmet blir rätt märkta.</p>
<h2>Genomförande</h2>
<ol><li>Märk röret med patientens personnummer.</li><li>Skicka röret med kurir.</li></ol>
<p>Observera att proverna ska vara på laboratoriet inom fyra timmar.</p>
</body></html>"""


def libreoffice_docx(folder: Path) -> Path:
    """A DOCX written by LibreOffice from an HTML page (a private profile, headless)."""
    source = folder / "provtagning.html"
    source.write_text(LIBREOFFICE_PAGE, encoding="utf-8")
    profile = folder / "lo-profile"
    soffice = shutil.which("soffice") or "/usr/bin/soffice"
    env = {**os.environ, "HOME": str(folder)}
    subprocess.run(
        [soffice, f"-env:UserInstallation=file://{profile}", "--headless",
         "--convert-to", "docx:MS Word 2007 XML", "--outdir", str(folder / "lo"), str(source)],
        check=True, capture_output=True, timeout=120, env=env)
    return folder / "lo" / "provtagning.docx"
