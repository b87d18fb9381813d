"""Issue 23: an honest status for a routine in use at its source whose decision the source does
not state (`i_bruk_enligt_källan`), and `ej_angivet` for every field where "not stated" is true.

The fixture library ``tests/fixtures/i-bruk`` holds one such routine with every field that can
be unstated marked `ej_angivet`. It is built once; the tests open what was produced (PDF text
with pypdf, DOCX with python-docx, the HTML page, the index and `rutin status`). A walk over the
model asserts that every YAML key either accepts the marker (and the fixture uses it there, so
the outputs below show it) or is listed with the reason "not stated" means nothing for it.
"""

from __future__ import annotations

import copy
import datetime as dt
import html
import json
import re
from pathlib import Path
from typing import Any

import docx
import pytest
from click.testing import CliRunner
from pydantic import BaseModel, ValidationError
from pypdf import PdfReader

from builder.cli import cli
from builder.load.to_model import _unwrap
from builder.model import Arbetsrutin, NotStated, Samverkansrutin
from builder.options import BuildOptions
from builder.publish.run import run_build

FIXTURE = Path(__file__).parent / "fixtures" / "i-bruk"
DOC_ID = "hemgang-i-bruk"
TODAY = dt.date(2026, 11, 20)


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@pytest.fixture(scope="module")
def output(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("i-bruk") / "output"
    result = run_build(FIXTURE, BuildOptions(output=out, jobs=1, quiet=True, today=TODAY,
                                             sign=False))
    assert [d.format_text() for d in result.diagnostics if d.is_error] == []
    return out


def _file(output: Path, suffix: str) -> Path:
    folder = output / DOC_ID / DOC_ID
    found = [p for p in folder.iterdir() if re.fullmatch(rf"{DOC_ID}-v[\d.]+{suffix}", p.name)]
    assert len(found) == 1, sorted(p.name for p in folder.iterdir())
    return found[0]


def _pdf_text(path: Path, first_page_only: bool = False) -> str:
    pages = PdfReader(path).pages
    return _squash(" ".join(p.extract_text() for p in (pages[:1] if first_page_only else pages)))


def _docx_text(path: Path) -> str:
    document = docx.Document(str(path))
    parts = [p.text for p in document.paragraphs]
    parts += [c.text for t in document.tables for row in t.rows for c in row.cells]
    parts += [p.text for s in document.sections for p in s.header.paragraphs]
    parts += [p.text for s in document.sections for p in s.footer.paragraphs]
    return _squash(" ".join(parts))


def _html_text(path: Path) -> str:
    return _squash(html.unescape(re.sub(r"<[^>]+>", " ", path.read_text(encoding="utf-8"))))


DECIDED = ("Fastställd av", "fastställd den", "Godkänd av", "gäller inte förrän")


def test_in_use_at_source_page_one_shows_no_decision_and_no_draft(output: Path) -> None:
    page_one = _pdf_text(_file(output, ".pdf"), first_page_only=True)
    assert "Beslut: ej angivet i källan" in page_one
    assert "I bruk enligt källan" in page_one
    assert "UTKAST" not in page_one.upper().replace("UTKASTET", "")
    for claim in DECIDED:
        assert claim not in page_one, claim
    docx_text = _docx_text(_file(output, ".docx"))
    assert "Beslut: ej angivet i källan" in docx_text
    assert "UTKAST" not in docx_text
    html_text = _html_text(_file(output, ".html"))
    assert "Beslut: ej angivet i källan" in html_text and "UTKAST" not in html_text


def test_in_use_at_source_gets_no_reading_receipt(output: Path) -> None:
    folder = output / DOC_ID / DOC_ID
    assert not [p for p in folder.iterdir() if "laskvittens" in p.name]
    assert [p for p in folder.iterdir() if p.name.endswith("-checklista.pdf")]


def test_in_use_at_source_index_row_claims_no_decision(output: Path) -> None:
    page = (output / "index.html").read_text(encoding="utf-8")
    row = next(r for r in re.findall(r"<tr\b.*?</tr>", page, re.DOTALL) if DOC_ID in r)
    text = _squash(html.unescape(re.sub(r"<[^>]+>", " ", row)))
    assert "I bruk enligt källan" in text
    assert "Utkast" not in text and "UTKAST" not in text
    for claim in DECIDED:
        assert claim not in text, claim


def test_in_use_at_source_fixed_page_leads_with_it_as_in_use(output: Path) -> None:
    # The fixed page (QR and bilaga target) shows the routine as the version in use, with no
    # decision claimed and without saying that no version applies.
    text = _html_text(output / DOC_ID / DOC_ID / "index.html")
    assert "Gällande version: " in text and "I bruk enligt källan" in text
    assert "beslut ej angivet i källan" in text
    assert "Ingen gällande version" not in text
    for claim in DECIDED:
        assert claim not in text, claim


def test_in_use_at_source_is_watched_by_status_without_a_decision() -> None:
    runner = CliRunner()
    table = runner.invoke(cli, ["status", str(FIXTURE), "--idag", "2028-01-01"])
    assert table.exit_code == 0, table.output
    assert "I bruk enligt källan" in table.output or "i_bruk_enligt_källan" in table.output
    assert "Utkast" not in table.output
    data = json.loads(runner.invoke(cli, ["status", str(FIXTURE), "--format", "json",
                                          "--idag", "2028-01-01"]).stdout)
    record = next(d for d in data["dokument"] if d["id"] == DOC_ID)
    assert record["status"] == "i_bruk_enligt_källan"
    assert record["datum_för_godkännande"] == "ej_angivet"
    codes = [item["kod"] for item in record["att_göra"]]
    assert "beslut-ej-angivet" in codes and "utkast" not in codes
    assert "Ej angivet" in table.output  # the decision's date, not stated
    # Watched like a routine in force: its yearly review (from the library's own first
    # version, 2026-11-05) is overdue in 2028 and fails the scheduled check.
    assert "utvardering-forsenad" in codes
    overdue = runner.invoke(cli, ["status", str(FIXTURE), "--fail-on-overdue",
                                  "--idag", "2028-01-01"])
    assert overdue.exit_code == 1


# --- ej_angivet for every field where "not stated" is truthful -------------------------------

# Keys where "not stated" means nothing, or where leaving the key out already says it (the
# marker is then refused with a message, never printed raw).
MEANINGLESS = {
    "id": "an identifier the tool needs",
    "typ": "selects the document class",
    "titel": "every document has a name; the importer uses the page title or file name",
    "version": "the library's own version number, never the source's",
    "status": "the tool's own state",
    "team": "an arbetsrutin's team id, or the samverkansrutin's team list",
    "samverkansrutin": "an arbetsrutin's parent id",
    "team.egen_uppgift": "the hand-off rule's flag (R204): false only when the source gives the "
                         "team no step; leaving it out already says nothing",
    "ändringar": "the library's own revision history",
    "ändringar.version": "the library's own revision history",
    "ändringar.datum": "the library's own revision history",
    "ändringar.beskrivning": "the library's own revision history",
    "utvärdering": "the library's own review plan (leave it out when none is set)",
    "utvärdering.månader": "the library's own review plan",
    "utvärdering.intervall_månader": "the library's own review plan",
    "begrepp": "a glossary: leave a term out rather than unexplained",
    "ingress": "optional text: absent when the source has none",
    "ingress.numrerad": "content (a part left empty is its own block: ej_angivet)",
    "avsnitt": "content: absent when the source has none",
    "avsnitt.rubrik": "a heading the source writes",
    "avsnitt.text": "optional text: absent when the source has none",
    "avsnitt.punkter": "content",
    "avsnitt.punkter.text": "content",
    "avsnitt.punkter.punkter": "content",
    "avsnitt.kriterier": "content",
    "avsnitt.kriterier.minst": "a number: absent when the source states no rule",
    "avsnitt.kriterier.lista": "content",
    "avsnitt.kriterier.text": "optional text",
    "avsnitt.steg": "content",
    "avsnitt.steg.text": "the step's own text",
    "avsnitt.steg.alternativ": "content",
    "avsnitt.steg.alternativ.villkor": "optional text",
    "avsnitt.steg.alternativ.text": "the alternative's own text",
    "avsnitt.steg.alternativ.tillägg": "a flag (in addition to, not instead of, the others): "
                                       "leaving it out already says 'instead of'",
    "avsnitt.text_efter": "optional text",
    "avsnitt.not": "optional text",
    "avsnitt.underavsnitt": "content",
    "avsnitt.tomt_i_källan": "the flag that says a section is empty in the source",
    "avsnitt.underavsnitt.rubrik": "as avsnitt.rubrik",
    "avsnitt.underavsnitt.text": "as avsnitt.text",
    "avsnitt.underavsnitt.tomt_i_källan": "as avsnitt.tomt_i_källan",
    "kontakter": "content",
    "kontakter.roll": "optional: absent is 'not stated'",
    "kontakter.enhet": "optional: absent is 'not stated'",
    "kontakter.epost": "optional: absent is 'not stated'",
    "kontakter.tider": "optional: absent is 'not stated'",
    "kontakter.område": "optional: absent is 'not stated'",
    "relaterade_dokument": "content",
    "relaterade_dokument.titel": "the document referred to",
    "relaterade_dokument.url": "optional: absent is 'not stated'",
    "bilagor": "content",
    "bilagor.titel": "an attached file's title",
    "bilagor.fil": "a file path",
    "övriga_uppgifter": "content",
    "övriga_uppgifter.etikett": "the source's own label",
    "källa": "provenance block",
    "källa.version": "optional: absent is 'not stated'",
    "källa.datum": "optional: absent is 'not stated'",
    "källa.uppdaterad": "optional: absent is 'not stated'",
    "källa.referens": "optional: absent is 'not stated'",
    "fastställd_annan_instans": "a decision block: its presence states a decision",
    "fastställd_annan_instans.organ": "the decision's body (the block exists only with one)",
    "fastställd_annan_instans.datum": "optional: absent is 'not stated'",
    "fastställd_annan_instans.referens": "optional: absent is 'not stated'",
    "uppföljning": "the block: its keys accept the marker",
    "uppföljning.team": "a team id",
    "uppföljning.exempel": "the example flag",
    "team.id": "an identifier",
    "team.namn": "the team's name as the source writes it",
    "team.förkortning": "optional: absent is 'not stated'",
    "fickkort": "the author's own card",
    "fickkort.punkter": "the author's own card lines",
    "fickkort.punkter.text": "the author's own card line",
    "fickkort.punkter.steg": "a step reference",
    "fickkort.punkter.avsnitt": "a section reference",
    "fickkort.punkter.not": "a flag",
    "fickkort.punkter.avtryck": "a fingerprint",
    "fickkort.kontakter": "the card's contacts",
    "fickkort.kontakter.namn": "the author's own card",
    "fickkort.kontakter.roll": "the author's own card",
    "fickkort.kontakter.telefon": "the author's own card",
}

# A base routine with every block present, so each key can be set to the marker in place.
BASE: dict[str, Any] = {
    "id": "bas", "typ": "samverkansrutin", "titel": "Bas", "dokumenttyp": "Rutin",
    "organisation": "Region", "upprättat_av": "A", "godkänt_av": "B", "uppdrag": "C",
    "diarienummer": "D", "processägare": "E", "granskare": ["F"], "fastställare": "G",
    "gäller_för": ["H"], "målgrupp": "I", "kontaktperson": "J", "ansvarig_för_revidering": "K",
    "beslutande_organ": "L", "ägare": "M", "övriga_uppgifter": [{"etikett": "N", "värde": "O"}],
    "källa": {"version": "B.2", "datum": "Okt 2021", "uppdaterad": "2021", "referens": "R"},
    "fastställd_annan_instans": {"organ": "P", "datum": "2021", "referens": "Q"},
    "version": "1", "status": "utkast", "datum_för_godkännande": "2026-01-01",
    "giltig_från": "2026-01-02", "giltig_till": "2027-01-01",
    "utvärdering": {"intervall_månader": "12", "månader": ["januari"]},
    "ändringar": [{"version": "1", "datum": "2026-01-01", "beskrivning": "Ny"}],
    "begrepp": {"ABC": "Något"}, "ingress": [{"numrerad": ["Text."]}],
    "avsnitt": [{"rubrik": "R", "text": "T", "punkter": ["p", {"text": "q", "punkter": ["r"]}],
                 "kriterier": {"minst": "1", "lista": ["k"], "text": "Minst en."},
                 "steg": [{"text": "s", "ansvarig": "X", "när": "Y",
                           "alternativ": [{"villkor": "Om", "text": "a", "ansvarig": "X",
                                           "när": "Y", "tillägg": "false"}]}],
                 "text_efter": "E", "not": "N", "underavsnitt": [{"rubrik": "U", "text": "u", "tomt_i_källan": "false"}]}],
    "kontakter": [{"namn": "Anna", "roll": "R", "enhet": "E", "telefon": "0701234567",
                   "epost": "a@b.se", "tider": "kl 8", "område": "Norr"}],
    "relaterade_dokument": [{"titel": "Doc", "url": "https://example.se/"}],
    "bilagor": [{"titel": "Bilaga", "fil": "bilaga.txt"}],
    "uppföljning": {"ansvarig": "X", "hur": "Y", "när": "Z", "team": "t", "exempel": "false"},
    "team": [{"id": "t", "namn": "Team", "förkortning": "T", "utgår_från": "S",
              "arbetsrutin": "Arbetsrutin T", "egen_arbetsrutin": "true",
              "egen_uppgift": "true"}],
    "fickkort": {"punkter": [{"text": "k", "steg": "1", "avsnitt": "R", "not": "false",
                              "avtryck": "0123abcd"}],
                 "kontakter": [{"namn": "Anna", "roll": "R", "telefon": "0701234567"}]},
}


def _key_paths(value: Any, prefix: str = "") -> list[tuple[str, tuple[Any, ...]]]:
    """Every key of BASE as 'a.b' (list positions left out) with its concrete path."""
    found: list[tuple[str, tuple[Any, ...]]] = []

    def walk(node: Any, name: str, path: tuple[Any, ...]) -> None:
        if isinstance(node, dict):
            for key, item in node.items():
                if key == "begrepp":
                    found.append(("begrepp", path + (key,)))
                    continue
                dotted = f"{name}.{key}" if name else key
                found.append((dotted, path + (key,)))
                walk(item, dotted, path + (key,))
        elif isinstance(node, list):
            for index, item in enumerate(node):
                if isinstance(item, dict):
                    walk(item, name, path + (index,))
                    break

    walk(value, prefix, ())
    seen: set[str] = set()
    return [(k, p) for k, p in found if not (k in seen or seen.add(k))]  # type: ignore[func-returns-value]


def _set(data: dict[str, Any], path: tuple[Any, ...], value: Any) -> None:
    node: Any = data
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value


def _get(model: Any, path: tuple[Any, ...], cls: type[BaseModel]) -> Any:
    node: Any = model
    current: type[BaseModel] | None = cls
    for part in path:
        if isinstance(part, int):
            node = node[part]
            continue
        assert current is not None
        name = next(n for n, f in current.model_fields.items() if (f.alias or n) == part)
        node = getattr(node, name)
        inner = [t for t in _unwrap(current.model_fields[name].annotation)
                 if isinstance(t, type) and issubclass(t, BaseModel)]
        current = inner[0] if inner else None
    return node


BASE_PATHS = _key_paths(BASE)


def test_base_routine_names_every_key_of_the_model() -> None:
    from tests.test_model_fields import model_keys

    every = {k.rsplit(".", 1)[-1] for k in model_keys(Samverkansrutin) | model_keys(Arbetsrutin)}
    walked = {k.rsplit(".", 1)[-1] for k, _ in BASE_PATHS} | {"team", "samverkansrutin",
                                                              "ej_angivet"}
    assert sorted(every - walked) == []


@pytest.mark.parametrize(("key", "path"), BASE_PATHS, ids=[k for k, _ in BASE_PATHS])
def test_every_key_accepts_the_marker_or_says_why_not(key: str, path: tuple[Any, ...]) -> None:
    Samverkansrutin.model_validate(BASE)  # the base itself is valid
    data = copy.deepcopy(BASE)
    _set(data, path, "ej_angivet")
    try:
        routine = Samverkansrutin.model_validate(data)
    except ValidationError:
        assert key in MEANINGLESS, f"{key} refuses ej_angivet but is not listed as meaningless"
        return
    value = _get(routine, path, Samverkansrutin)
    values = value if isinstance(value, list) else [value]
    # Accepted: never as the raw word (it would be printed "ej_angivet").
    assert all(isinstance(v, NotStated) for v in values), f"{key} keeps the raw word: {value!r}"
    assert key not in MEANINGLESS, f"{key} accepts the marker but is listed as meaningless"
    assert key in FIXTURE_SHOWS, f"{key} accepts the marker: show it in the fixture"


# Each key that accepts the marker, and the words the built PDF/DOCX/HTML show for it.
FIXTURE_SHOWS = {
    "organisation": "Utfärdare: Ej angivet",
    "dokumenttyp": "Dokumenttyp",
    "upprättat_av": "Upprättat av",
    "godkänt_av": "Godkänt av Ej angivet",
    "uppdrag": "Uppdrag Ej angivet",
    "diarienummer": "Diarienummer Ej angivet",
    "processägare": "Processägare Ej angivet",
    "granskare": "Granskare Ej angivet",
    "fastställare": "Fastställare Ej angivet",
    "gäller_för": "Gäller för Ej angivet",
    "målgrupp": "Målgrupp Ej angivet",
    "kontaktperson": "Kontaktperson Ej angivet",
    "ansvarig_för_revidering": "Ansvarig för revidering Ej angivet",
    "beslutande_organ": "Beslutande organ Ej angivet",
    "ägare": "Ägare Ej angivet",
    "övriga_uppgifter.värde": "Sekretessklass Ej angivet",
    "datum_för_godkännande": "Datum för godkännande Ej angivet",
    "giltig_från": "Giltigt från och med Ej angivet",
    "giltig_till": "Giltigt till och med Ej angivet",
    "kontakter.namn": "Ej angivet",
    "kontakter.telefon": "Ej angivet",
    "uppföljning.ansvarig": "Ej angivet",
    "uppföljning.hur": "Ej angivet",
    "uppföljning.när": "Ej angivet",
    "avsnitt.steg.ansvarig": "Ej angivet",
    "avsnitt.steg.när": "Ej angivet",
    "avsnitt.steg.alternativ.ansvarig": "Ej angivet",
    "avsnitt.steg.alternativ.när": "Ej angivet",
    "team.utgår_från": "Hemgångsteamet Ej angivet",
    "team.arbetsrutin": "Arbetsrutin för Hemgångsteamet: Ej angivet",
    "team.egen_arbetsrutin": "Egen arbetsrutin: Ej angivet",
}


@pytest.mark.parametrize("fmt", ["pdf", "docx", "html"])
def test_every_unstated_field_prints_ej_angivet(output: Path, fmt: str) -> None:
    text = {"pdf": lambda: _pdf_text(_file(output, ".pdf")),
            "docx": lambda: _docx_text(_file(output, ".docx")),
            "html": lambda: _html_text(_file(output, ".html"))}[fmt]()
    assert "ej_angivet" not in text and "NotStated" not in text
    squashed = text.replace(":", "").casefold()
    missing = [key for key, words in FIXTURE_SHOWS.items()
               if words.replace(":", "").casefold() not in squashed]
    assert missing == []


def test_unstated_dates_print_ej_angivet_on_checklist_card_and_index(output: Path) -> None:
    for suffix in ("-checklista.pdf", "-fickkort.pdf"):
        text = _pdf_text(_file(output, suffix))
        assert "ej_angivet" not in text
        assert "Ej angivet" in text, suffix
    index = _html_text(output / DOC_ID / "index.html")
    assert "ej_angivet" not in index


def test_diff_and_redline_print_ej_angivet_not_the_marker() -> None:
    from builder.governance.diff import diff_documents
    from builder.load.library import load_library

    library, _ = load_library(FIXTURE)
    document = library.routines[0].document
    diff = diff_documents(None, document, "–", "1")
    lines = [line.text for section in diff.sections for line in section.lines]
    # Swedish labels as the documents print them (the redline never shows model keys).
    assert "Organisation: Ej angivet" in lines
    assert "Godkänt av: Ej angivet" in lines
    assert any(line.startswith("Datum för godkännande: Ej angivet") for line in lines), lines
    assert not [line for line in lines if "ej_angivet" in line]


def test_editor_schema_accepts_the_status_and_every_marker() -> None:
    import jsonschema

    from builder.authoring.editor_schema import routine_schema
    from builder.load.safe_yaml import parse_yaml_text

    text = (FIXTURE / "hemgang" / "samverkansrutin.yaml").read_text(encoding="utf-8")
    loaded, _ = parse_yaml_text(text, "samverkansrutin.yaml")
    assert loaded is not None
    validator = jsonschema.Draft202012Validator(routine_schema())
    assert [e.json_path for e in validator.iter_errors(loaded.data)] == []
    schema_text = json.dumps(routine_schema(), ensure_ascii=False)
    assert "i_bruk_enligt_källan" in schema_text and "Beslut: ej angivet i källan" in schema_text
