"""The recogniser, shape by shape, on small pages: header tables in their common forms, typed
numbering, headings by look, notes, criteria before or after their list, contacts, chrome."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from builder.authoring.importing import import_source

TODAY = dt.date(2026, 12, 1)
NOT_STATED = "ej_angivet"


def _import(tmp_path: Path, body: str) -> tuple[dict[str, Any], str]:
    page = tmp_path / "sida.html"
    page.write_text(f"<!DOCTYPE html><html lang=sv><body>{body}</body></html>", encoding="utf-8")
    result = import_source(page, kind="samverkansrutin", today=TODAY)
    return result.mapping, result.report_text("u.yaml")


HEADER_SHAPES = {
    "label/value rows with colon": (
        "<table><tr><td>Dokumenttyp:</td><td>Rutin</td></tr>"
        "<tr><td>Upprättat av:</td><td>Arbetsgruppen</td></tr>"
        "<tr><td>Giltigt från och med:</td><td>2025-01-01</td></tr></table>"),
    "label/value rows without colon": (
        "<table><tr><th>Dokumenttyp</th><td>Rutin</td></tr>"
        "<tr><th>Upprättat av</th><td>Arbetsgruppen</td></tr>"
        "<tr><th>Giltigt från och med</th><td>1 januari 2025</td></tr></table>"),
    "two pairs a row": (
        "<table><tr><td>Dokumenttyp</td><td>Rutin</td><td>Upprättat av</td>"
        "<td>Arbetsgruppen</td></tr><tr><td>Giltigt från och med</td><td>2025-01-01</td>"
        "<td></td><td></td></tr></table>"),
    "label row over value row": (
        "<table><tr><td>Dokumenttyp</td><td>Upprättat av</td><td>Giltigt från och med</td></tr>"
        "<tr><td>Rutin</td><td>Arbetsgruppen</td><td>2025-01-01</td></tr></table>"),
    "label over value in one cell": (
        "<table><tr><td><p>Dokumenttyp</p><p>Rutin</p></td>"
        "<td><p>Upprättat av</p><p>Arbetsgruppen</p></td></tr>"
        "<tr><td><p>Giltigt från och med</p><p>2025-01-01</p></td></tr></table>"),
    "flattened onto one line": (
        "<p>Dokumenttyp: Rutin Upprättat av: Arbetsgruppen Giltigt från och med: 2025-01-01</p>"),
}


@pytest.mark.parametrize("shape", sorted(HEADER_SHAPES))
def test_header_table_shapes(tmp_path: Path, shape: str) -> None:
    mapping, report = _import(tmp_path, HEADER_SHAPES[shape] + "<h1>Rutinen</h1><h2>Syfte</h2>"
                              "<p>Text.</p>")
    assert (mapping["dokumenttyp"], mapping["upprättat_av"], mapping["giltig_från"]) == (
        "Rutin", "Arbetsgruppen", dt.date(2025, 1, 1)), report
    assert mapping["titel"] == "Rutinen"
    assert mapping["avsnitt"] == [{"rubrik": "Syfte", "text": "Text."}]


def test_header_values_kept_as_written_when_they_are_no_date_or_version(tmp_path: Path) -> None:
    mapping, report = _import(tmp_path, (
        "<table><tr><td>Giltigt till och med</td><td>Oktober 2027</td></tr>"
        "<tr><td>Version</td><td>Utgåva 3</td></tr><tr><td>Godkänt av</td><td>Ej angivet</td></tr>"
        "<tr><td>Kvalitetsgranskad</td><td>Ja</td></tr></table><h1>R</h1>"))
    assert "giltig_till" not in mapping  # a month is no date: never completed to one
    assert {"etikett": "Giltigt till och med", "värde": "Oktober 2027"} in mapping[
        "övriga_uppgifter"]
    assert {"etikett": "Kvalitetsgranskad", "värde": "Ja"} in mapping["övriga_uppgifter"]
    assert mapping["källa"] == {"version": "Utgåva 3"}
    assert mapping["version"] == "0.1"
    assert mapping["godkänt_av"] == "ej_angivet"
    assert "inget fullständigt datum" in report


@pytest.mark.parametrize(("lines", "steps"), [
    (["1. Ett", "2. Två", "2a Om A: gör så", "2 b) Om B: gör annat", "3) Tre"],
     [{"text": "Ett", "ansvarig": NOT_STATED}, {"text": "Två", "alternativ": [{"text": "Om A: gör så", "ansvarig": NOT_STATED},
                                                      {"text": "Om B: gör annat", "ansvarig": NOT_STATED}]},
      {"text": "Tre", "ansvarig": NOT_STATED}]),
    (["1) Ett", "a) Om A", "b. Om B"],
     [{"text": "Ett", "alternativ": [{"text": "Om A", "ansvarig": NOT_STATED}, {"text": "Om B", "ansvarig": NOT_STATED}]}]),
])
def test_typed_numbering_becomes_steps_and_alternatives(
        tmp_path: Path, lines: list[str], steps: list[dict[str, Any]]) -> None:
    body = "<h1>R</h1><h2>Gör så här</h2>" + "".join(f"<p>{line}</p>" for line in lines)
    mapping, _ = _import(tmp_path, body)
    assert mapping["avsnitt"][0]["steg"] == steps


def test_step_details_become_who_and_when(tmp_path: Path) -> None:
    mapping, _ = _import(tmp_path, "<h1>R</h1><h2>Steg</h2><ol><li>Ring patienten.<br>"
                                   "Ansvarig: Sjuksköterska · När: Inom en dag</li></ol>")
    assert mapping["avsnitt"][0]["steg"] == [
        {"text": "Ring patienten.", "ansvarig": "Sjuksköterska", "när": "Inom en dag"}]


def test_short_bold_lines_are_headings_long_ones_are_text(tmp_path: Path) -> None:
    mapping, _ = _import(tmp_path, (
        "<p><b>Rutin för provtagning</b></p><p><b>Syfte</b></p><p>Text.</p>"
        "<p><b>Det här är en lång fetstilad mening som ska läsas som text och inte som "
        "en rubrik eftersom den slutar med punkt.</b></p>"))
    assert mapping["titel"] == "Rutin för provtagning"
    assert [s["rubrik"] for s in mapping["avsnitt"]] == ["Syfte"]
    assert "lång fetstilad" in mapping["avsnitt"][0]["text"]


def test_criteria_rule_before_the_list(tmp_path: Path) -> None:
    mapping, _ = _import(tmp_path, (
        "<h1>R</h1><h2>Inklusion</h2><p>Patienten ska uppfylla minst 3 av följande:</p>"
        "<ul><li>A</li><li>B</li><li>C</li><li>D</li></ul>"))
    assert mapping["avsnitt"][0]["kriterier"] == {
        "minst": 3, "lista": ["A", "B", "C", "D"],
        "text": "Patienten ska uppfylla minst 3 av följande:"}


def test_notes_and_text_after_the_list(tmp_path: Path) -> None:
    mapping, _ = _import(tmp_path, (
        "<h1>R</h1><h2>Avsnitt</h2><p>Före.</p><ul><li>En punkt</li></ul><p>Efter.</p>"
        "<p>OBS! Viktigt.</p><p>Observera också detta.</p>"))
    assert mapping["avsnitt"][0] == {
        "rubrik": "Avsnitt", "text": "Före.", "punkter": ["En punkt"], "text_efter": "Efter.",
        "not": "OBS! Viktigt.\n\nObservera också detta."}


def test_nothing_invented_for_an_empty_page(tmp_path: Path) -> None:
    mapping, report = _import(tmp_path, "<p>Sida 1 av 3</p>")
    assert mapping["titel"] == "sida"  # the file's name: a title cannot be ej_angivet
    assert mapping["avsnitt"] == []
    assert "  Titel (filnamnet ”sida” används)\n" in report
    for label in ("Dokumenttyp", "Upprättat av", "Godkänt av"):
        assert f"  {label}\n" in report
    assert "sidnummer: ”Sida 1 av 3”" in report


def test_empty_heading_is_marked_empty_in_source(tmp_path: Path) -> None:
    mapping, _ = _import(tmp_path, "<h1>R</h1><h2>Bakgrund</h2><h2>Syfte</h2><p>Text.</p>")
    assert mapping["avsnitt"][0] == {"rubrik": "Bakgrund", "tomt_i_källan": True}


def test_footnotes_are_reported_not_dropped_and_contents_lists_are_chrome(tmp_path: Path
                                                                         ) -> None:
    mapping, report = _import(tmp_path, (
        "<h1>R</h1><p class='toc'><a href='#_Toc1'>1. Syfte</a></p><h2>1. Syfte</h2>"
        "<p>Text<sup><a href='#footnote-1' id='footnote-ref-1'>[1]</a></sup>.</p>"
        "<ol><li id='footnote-1'><p>Enligt föreskriften. <a href='#footnote-ref-1'>↑</a></p>"
        "</li></ol>"))
    assert mapping["avsnitt"] == [{"rubrik": "Syfte", "text": "Text[1]."}]
    assert "”Enligt föreskriften.” – fotnot: modellen har ingen plats för den" in report
    assert "innehållsförteckning: ”1. Syfte”" in report


def test_contact_table_and_our_own_markers(tmp_path: Path) -> None:
    mapping, _ = _import(tmp_path, (
        "<h1>R</h1><h2>Bakgrund</h2><p>Avsnittet är tomt i källan.</p>"
        "<h2>Inklusion</h2><p>Minst 2 av följande 3 kriterier ska vara uppfyllda.</p>"
        "<ul><li>A</li><li>B</li><li>C</li></ul>"
        "<h2>Kontakter</h2><table><tr><th>Kontakt</th><th>Telefon</th><th>Tider</th></tr>"
        "<tr><td><strong>Eva Lund</strong><br>Samordnare</td><td>0322-123 45</td>"
        "<td>vardagar 8–16</td></tr><tr><td>Jourhavande läkare</td><td>010-441 00 00</td>"
        "<td></td></tr></table>"))
    assert mapping["avsnitt"] == [
        {"rubrik": "Bakgrund", "tomt_i_källan": True},
        {"rubrik": "Inklusion", "kriterier": {"minst": 2, "lista": ["A", "B", "C"]}}]
    assert mapping["kontakter"] == [
        {"namn": "Eva Lund", "roll": "Samordnare", "telefon": "0322-123 45",
         "tider": "vardagar 8–16"},
        {"roll": "Jourhavande läkare", "telefon": "010-441 00 00"}]
