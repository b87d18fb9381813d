"""Real routines from any region fit the model (issue 12): every field reaches every format.

The fixture library ``tests/fixtures/regioner`` holds seven routines written in the styles other
regions publish: a header table full of roles, criteria with their rule after the list, contacts
with hours and areas, an ingress and text after a list, a document in force approved by another
body, a samverkansrutin with teams that keep no routine of their own, and unstated follow-up.

The library is built once; the walk-the-model test then opens what was produced — PDF text
(pypdf), DOCX (python-docx), the document's HTML page, the index and ``rutin status --format
json`` — and asserts that each field a fixture sets is shown where it should be. A meta-test
checks that the walk names every YAML key of the model (or says why a key is tested elsewhere).
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import docx
import pytest
from click.testing import CliRunner
from pydantic import BaseModel
from pypdf import PdfReader

from builder.check import run_check
from builder.cli import cli
from builder.load.library import load_library
from builder.load.to_model import _unwrap
from builder.model import Arbetsrutin, Samverkansrutin
from builder.options import BuildOptions
from builder.publish.run import run_build

FIXTURE = Path(__file__).parent / "fixtures" / "regioner"
TODAY = dt.date(2026, 11, 20)
GROUP = {  # document id -> its group folder in output/
    "huvudtabell-utskrivning": "huvudtabell-utskrivning",
    "kriterier-mobil-narvard": "kriterier-mobil-narvard",
    "kontakter-hemsjukvard": "kontakter-hemsjukvard",
    "ingress-lakemedel": "ingress-lakemedel",
    "annan-instans-trygg-hemgang": "annan-instans-trygg-hemgang",
    "mobila-team-syd": "mobila-team-syd",
    "mobila-hemsjukvardslakare-syd": "mobila-team-syd",
    "rehab-norra-lanet": "rehab-norra-lanet",
}
# Values in the YAML that a source never states and the tool never invents.
INVENTED = ("Ej angivet i källan", "Samordningsgruppen", "samordningsgruppen", "TODO")


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _bare(text: str) -> str:
    """Text without whitespace or case: PDF table cells wrap lines anywhere, CSS capitalises."""
    return re.sub(r"\s+", "", text).casefold()


@dataclass(frozen=True)
class Built:
    output: Path
    status: dict[str, Any]

    def file(self, doc_id: str, suffix: str) -> Path:
        folder = self.output / GROUP[doc_id] / doc_id
        name = re.compile(re.escape(doc_id) + r"-v[\d.]+" + re.escape(suffix) + "$")
        found = [p for p in folder.iterdir() if name.match(p.name)]
        assert len(found) == 1, f"{doc_id}{suffix}: {sorted(p.name for p in folder.iterdir())}"
        return found[0]

    def pdf_text(self, doc_id: str, suffix: str = ".pdf") -> str:
        reader = PdfReader(self.file(doc_id, suffix))
        return _squash(" ".join(page.extract_text() for page in reader.pages))

    def docx_text(self, doc_id: str) -> str:
        document = docx.Document(str(self.file(doc_id, ".docx")))
        parts = [p.text for p in document.paragraphs]
        parts += [c.text for t in document.tables for row in t.rows for c in row.cells]
        parts += [p.text for s in document.sections for p in s.header.paragraphs]
        return _squash(" ".join(parts))

    def html_source(self, doc_id: str) -> str:
        return self.file(doc_id, ".html").read_text(encoding="utf-8")

    def html_text(self, doc_id: str) -> str:
        """What a reader of the HTML page sees (tags dropped, entities decoded)."""
        return _squash(html.unescape(re.sub(r"<[^>]+>", " ", self.html_source(doc_id))))

    def index_text(self, doc_id: str) -> str:
        pages = [self.output / "index.html", self.output / GROUP[doc_id] / "index.html"]
        return _squash(" ".join(p.read_text(encoding="utf-8") for p in pages))

    def status_record(self, doc_id: str) -> dict[str, Any]:
        return next(d for d in self.status["dokument"] if d["id"] == doc_id)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    output = tmp_path_factory.mktemp("regioner") / "output"
    options = BuildOptions(output=output, jobs=1, quiet=True, today=TODAY, sign=False)
    result = run_build(FIXTURE, options)
    assert not [d for d in result.diagnostics if d.is_error]
    status = CliRunner().invoke(cli, ["status", str(FIXTURE), "--format", "json",
                                      "--idag", TODAY.isoformat()])
    assert status.exit_code == 0, status.output
    return Built(output, json.loads(status.stdout))


@dataclass(frozen=True)
class Field:
    """A YAML key, the fixture document that sets it, the text it must show, and where."""

    key: str
    doc: str
    shows: str
    formats: tuple[str, ...]
    status_value: Any = None  # what `rutin status --format json` reports, when it does


DOC = ("pdf", "docx", "html")
FIELDS: tuple[Field, ...] = (
    # Governance metadata as header tables show it (point 2).
    Field("organisation", "huvudtabell-utskrivning", "Västra kommunalförbundet",
          DOC + ("index", "status"), "Västra kommunalförbundet"),
    Field("dokumenttyp", "huvudtabell-utskrivning", "Regional rutin", DOC + ("status",),
          "Regional rutin"),
    Field("diarienummer", "huvudtabell-utskrivning", "RS 2024-01187", DOC + ("status",),
          "RS 2024-01187"),
    Field("upprättat_av", "huvudtabell-utskrivning", "Arbetsgruppen för utskrivningsprocessen",
          DOC + ("status",), "Arbetsgruppen för utskrivningsprocessen"),
    Field("uppdrag", "huvudtabell-utskrivning",
          "Trygg utskrivning enligt lagen om samverkan vid utskrivning", DOC + ("status",),
          "Trygg utskrivning enligt lagen om samverkan vid utskrivning"),
    Field("processägare", "huvudtabell-utskrivning", "Hälso- och sjukvårdsdirektör",
          DOC + ("status",), "Hälso- och sjukvårdsdirektör"),
    Field("ägare", "huvudtabell-utskrivning", "Avdelningen för nära vård", DOC + ("status",),
          "Avdelningen för nära vård"),
    Field("granskare", "huvudtabell-utskrivning", "Verksamhetschef, Vårdcentralen Sörhaga",
          DOC + ("status",), ["Medicinskt ansvarig sjuksköterska, Lerums kommun",
                              "Verksamhetschef, Vårdcentralen Sörhaga"]),
    Field("fastställare", "huvudtabell-utskrivning", "Delregional politisk samrådsgrupp",
          DOC + ("status",), "Delregional politisk samrådsgrupp"),
    Field("godkänt_av", "huvudtabell-utskrivning", "Delregional politisk samrådsgrupp",
          DOC + ("status",), "Delregional politisk samrådsgrupp"),
    Field("beslutande_organ", "huvudtabell-utskrivning", "Delregionalt vårdsamverkansråd",
          DOC + ("status",), "Delregionalt vårdsamverkansråd"),
    Field("gäller_för", "huvudtabell-utskrivning", "Vårdcentraler i Alingsås och Lerum",
          DOC + ("index", "status"),
          ["Alingsås kommun", "Lerums kommun", "Vårdcentraler i Alingsås och Lerum"]),
    Field("målgrupp", "huvudtabell-utskrivning", "Sjuksköterskor och biståndshandläggare",
          DOC + ("index", "status"), "Sjuksköterskor och biståndshandläggare"),
    Field("kontaktperson", "huvudtabell-utskrivning", "Utvecklingsledare för vårdsamverkan",
          DOC + ("status",), "Utvecklingsledare för vårdsamverkan"),
    Field("ansvarig_för_revidering", "huvudtabell-utskrivning",
          "Arbetsgruppen för utskrivningsprocessen", DOC + ("status",),
          "Arbetsgruppen för utskrivningsprocessen"),
    Field("giltig_från", "huvudtabell-utskrivning", "1 januari 2027", DOC + ("status",),
          "2027-01-01"),
    Field("giltig_till", "huvudtabell-utskrivning", "31 december 2027", DOC + ("status",),
          "2027-12-31"),
    Field("övriga_uppgifter", "huvudtabell-utskrivning", "Sekretessklass", DOC + ("status",),
          [{"etikett": "Dokument-ID", "värde": "VS-RUT-0042"},
           {"etikett": "Sekretessklass", "värde": "Öppen"}]),
    Field("version", "huvudtabell-utskrivning", "0.3", DOC + ("index", "status"), "0.3"),
    Field("status", "huvudtabell-utskrivning", "Under granskning", DOC + ("index", "status"),
          "granskning"),
    Field("titel", "huvudtabell-utskrivning", "Samverkansrutin vid utskrivning från slutenvård",
          DOC + ("index", "status"), "Samverkansrutin vid utskrivning från slutenvård"),
    Field("utvärdering", "huvudtabell-utskrivning", "var 24:e månad", DOC),
    Field("ändringar", "huvudtabell-utskrivning", "Granskarnas synpunkter inarbetade", DOC),
    Field("begrepp", "huvudtabell-utskrivning", "Samordnad individuell plan", DOC),
    # Provenance and a document in force approved elsewhere (points 3 and 4).
    Field("källa.version", "annan-instans-trygg-hemgang", "B.2", DOC + ("status",)),
    Field("källa.datum", "annan-instans-trygg-hemgang", "Oktober 2021", DOC + ("status",)),
    Field("källa.uppdaterad", "annan-instans-trygg-hemgang",
          "Senast uppdaterad 2019-11-12 09:40", DOC + ("status",)),
    Field("källa.referens", "annan-instans-trygg-hemgang",
          "https://www.lerum.example.se/trygg-hemgang", DOC + ("status",)),
    Field("fastställd_annan_instans.organ", "annan-instans-trygg-hemgang",
          "Vård- och omsorgsnämnden i Lerum", DOC + ("index", "status")),
    Field("fastställd_annan_instans.datum", "annan-instans-trygg-hemgang", "Oktober 2021",
          DOC + ("status",)),
    Field("fastställd_annan_instans.referens", "annan-instans-trygg-hemgang", "VON 2021/143",
          DOC + ("status",)),
    # The not-stated marker (point 1).
    Field("uppföljning.ansvarig", "annan-instans-trygg-hemgang", "Ansvarig Ej angivet", DOC),
    Field("uppföljning.hur", "annan-instans-trygg-hemgang", "Genomgång i ledningsgruppen", DOC),
    Field("uppföljning.när", "annan-instans-trygg-hemgang", "När Ej angivet", DOC),
    # Contacts (point 5): one phone format everywhere.
    Field("kontakter.namn", "kontakter-hemsjukvard", "Anna Berg", DOC + ("fickkort",)),
    Field("kontakter.roll", "kontakter-hemsjukvard", "Samordnande sjuksköterska",
          DOC + ("fickkort",)),
    Field("kontakter.enhet", "kontakter-hemsjukvard", "Hemsjukvården Alingsås", DOC),
    Field("kontakter.telefon", "kontakter-hemsjukvard", "0322-61 60 00", DOC + ("fickkort",)),
    Field("kontakter.epost", "kontakter-hemsjukvard", "anna.berg@alingsas.example.se", DOC),
    Field("kontakter.tider", "kontakter-hemsjukvard", "vardagar kl 07.30–16", DOC + ("fickkort",)),
    Field("kontakter.område", "kontakter-hemsjukvard", "Alingsås och Lerum", DOC),
    Field("fickkort.punkter", "kontakter-hemsjukvard", "Dagtid ring samordnande sjuksköterska.",
          ("fickkort",)),
    # Steps (the checklist's rows).
    Field("steg.text", "kontakter-hemsjukvard", "Ring samordnande sjuksköterska dagtid.",
          DOC + ("checklista",)),
    Field("steg.ansvarig", "kontakter-hemsjukvard", "Vårdcentralens sjuksköterska",
          DOC + ("checklista",)),
    Field("steg.när", "kontakter-hemsjukvard", "Vardagar kl 07.30–16", DOC + ("checklista",)),
    Field("alternativ.villkor", "kontakter-hemsjukvard", "Om patienten är listad i Lerum",
          DOC + ("checklista",)),
    Field("alternativ.text", "kontakter-hemsjukvard", "hänvisa till Sjukvårdsrådgivningen.",
          DOC + ("checklista",)),
    # Criteria (point 6): the rule stated once, a tick list with a count line.
    Field("kriterier.lista", "kriterier-mobil-narvard", "Patienten har tio eller fler läkemedel",
          DOC + ("checklista", "fickkort")),
    Field("kriterier.text", "kriterier-mobil-narvard",
          "Minst fyra av ovanstående sex kriterier ska vara uppfyllda för inskrivning",
          DOC + ("checklista", "fickkort")),
    Field("kriterier.minst", "kriterier-mobil-narvard", "Antal uppfyllda: ______ av 6 (minst 4 "
          "krävs)", ("checklista",)),
    # Sections as documents have them (point 7).
    Field("ingress", "ingress-lakemedel", "Rutinen gäller när legitimerad personal delegerar",
          DOC),
    Field("punkter", "ingress-lakemedel", "Överlämnande av läkemedel", DOC),
    Field("punkter.punkter", "ingress-lakemedel", "Flerdosförpackning", DOC),
    Field("text_efter", "ingress-lakemedel", "Delegeringen gäller i högst ett år", DOC),
    Field("tomt_i_källan", "ingress-lakemedel", "Avsnittet är tomt i källan.", DOC),
    Field("not", "ingress-lakemedel", "delegeringen är personlig", DOC),
    Field("underavsnitt", "ingress-lakemedel", "Återkallelse", DOC),
    Field("relaterade_dokument.titel", "ingress-lakemedel", "Lokal rutin för delegering", DOC),
    Field("relaterade_dokument.url", "ingress-lakemedel", "https://rutiner.example.se/lakemedel",
          ("html",)),
    Field("bilagor", "ingress-lakemedel", "Blankett för delegeringsbeslut", DOC),
    # Teams (point 8).
    Field("team.namn", "mobila-team-syd", "Akut mobilt team", DOC + ("index", "status")),
    Field("team.förkortning", "mobila-team-syd", "AMT", DOC),
    Field("team.utgår_från", "mobila-team-syd", "Alingsås lasarett, Södra Älvsborgs sjukhus",
          DOC),
    Field("team.egen_arbetsrutin", "mobila-team-syd", "Ingen egen arbetsrutin", DOC),
)
# Keys not walked here, and why (each is covered where it is a feature of its own).
NOT_WALKED = {
    "team.egen_uppgift": "a flag for rule R204 only, shown nowhere (tests/test_flow.py)",
    "id": "an identifier: file names and links (test_index, test_pdf)",
    "typ": "selects the document class",
    "team": "an arbetsrutin's team id: R301 and the index's team column (test_index)",
    "samverkansrutin": "an arbetsrutin's parent id: R301 and Bilagor links (test_pdf)",
    "datum_för_godkännande": "written by `rutin approve` (test_approve, test_pdf)",
    "uppföljning.team": "a samverkansrutin covering one team (Kungälv seed, test_pdf)",
    "uppföljning.exempel": "example follow-up marking (test_shipped_routines)",
    "fickkort.kontakter": "the card's own contacts (test_pocketcard); here the document's",
    "team.arbetsrutin": "the source's title of a team routine in Bilagor (test_pdf)",
    "team.id": "an identifier",
    "bilagor.fil": "a file path (R303, test_pdf)",
    "utvärdering.månader": "review months (test_status)",
    "ändringar.version": "revision history (test_diff)",
    "ändringar.datum": "revision history (test_diff)",
    "alternativ.ansvarig": "as steg.ansvarig",
    "alternativ.när": "as steg.när",
    "alternativ.tillägg": "how the checklist groups alternatives, not printed text "
                          "(test_checklist_bedside)",
    "övriga_uppgifter.etikett": "walked as övriga_uppgifter",
    "övriga_uppgifter.värde": "walked as övriga_uppgifter",
    "punkter.text": "walked as punkter.punkter",
    "avtryck": "a card line's fingerprint of its step, never printed (R504, test_rule_cases)",
    "ej_angivet": "the marker itself: walked through uppföljning and upprättat_av",
    "ingress.numrerad": "ingress blocks and a section's ej_angivet parts are built and read "
                        "back in PDF, DOCX and HTML by tests/test_import_opening.py",
    "kriterier": "walked by its keys",
    "källa": "walked by its keys",
    "fastställd_annan_instans": "walked by its keys",
    "kontakter": "walked by its keys",
    "relaterade_dokument": "walked by its keys",
    "uppföljning": "walked by its keys",
    "steg": "walked by its keys",
    "alternativ": "walked by its keys",
    "avsnitt": "walked by its keys",
    "rubrik": "every heading of every fixture (test_docx headings)",
    "text": "section text (test_pdf); kriterier.text walked",
    "fickkort": "walked by its keys",
    "utvärdering.intervall_månader": "walked as utvärdering",
    "ändringar.beskrivning": "walked as ändringar",
}


def _leaf(key: str) -> str:
    return key.rsplit(".", 1)[-1]


def model_keys(model: type[BaseModel], prefix: str = "", seen: frozenset[type] = frozenset()
               ) -> set[str]:
    """Every YAML key of the model as 'parent.key' (top-level keys bare)."""
    keys: set[str] = set()
    for name, field in model.model_fields.items():
        alias = field.alias or name
        keys.add(f"{prefix}{alias}")
        for inner in _unwrap(field.annotation):
            if isinstance(inner, type) and issubclass(inner, BaseModel) and inner not in seen:
                keys |= {k.split(".")[-1] if prefix else k for k in
                         model_keys(inner, f"{alias}.", seen | {inner})}
    return keys


def test_the_walk_names_every_key_of_the_model() -> None:
    every = model_keys(Samverkansrutin) | model_keys(Arbetsrutin)
    covered = {f.key for f in FIELDS} | set(NOT_WALKED)
    covered_leaves = covered | {_leaf(k) for k in covered}
    missing = sorted(k for k in every if k not in covered and _leaf(k) not in covered_leaves)
    assert missing == [], f"model keys the walk neither shows nor explains: {missing}"


def test_fixture_library_checks_with_no_errors_and_no_invented_values() -> None:
    result = run_check(FIXTURE)
    assert [d.format_text() for d in result.diagnostics if d.is_error] == []
    # The warnings are the gaps the sources really have, each said once (R206, issue 22: the
    # contact routine does not say whom to call when the patient is not listed in Lerum and
    # the matter can wait).
    assert sorted({(Path(d.file).parent.name, d.rule) for d in result.diagnostics}) == [
        ("annan-instans", "R203"), ("ingress", "R107"), ("kontakter", "R206"),
        ("mobila-team", "R203"), ("rehab-norra", "R405")]
    for path in FIXTURE.rglob("*.yaml"):
        body = "\n".join(line for line in path.read_text(encoding="utf-8").splitlines()
                         if not line.lstrip().startswith("#"))
        assert not [word for word in INVENTED if word in body], path


def _shown_text(built: Built, doc: str, fmt: str) -> str:
    """What a reader of ``fmt`` sees for document ``doc`` (the HTML page with its links)."""
    readers = {
        "pdf": lambda: built.pdf_text(doc),
        "docx": lambda: built.docx_text(doc),
        "html": lambda: built.html_text(doc) + " " + built.html_source(doc),
        "index": lambda: built.index_text(doc),
        "checklista": lambda: built.pdf_text(doc, "-checklista.pdf"),
        "fickkort": lambda: built.pdf_text(doc, "-fickkort.pdf"),
    }
    return readers[fmt]()


def _status_value(built: Built, field: Field) -> Any:
    record = built.status_record(field.doc)
    parts = field.key.split(".")
    value = record.get(parts[0])
    for part in parts[1:]:
        value = value[part] if isinstance(value, dict) else value
    return value


@pytest.mark.parametrize("field", FIELDS, ids=lambda f: f.key)
def test_every_field_reaches_every_format_that_shows_it(built: Built, field: Field) -> None:
    for fmt in field.formats:
        if fmt != "status":
            assert _bare(field.shows) in _bare(_shown_text(built, field.doc, fmt)), (
                f"{field.key} not in {fmt}")
        elif field.status_value is not None:
            value = _status_value(built, field)
            assert value == field.status_value, f"{field.key} in status JSON: {value!r}"
        else:
            value = _status_value(built, field)
            assert field.shows in json.dumps(value, ensure_ascii=False), field.key


def test_not_stated_is_shown_but_never_in_pdf_metadata(built: Built) -> None:
    doc_id = "annan-instans-trygg-hemgang"  # upprättat_av: ej_angivet
    assert "Upprättat av Ej angivet" in built.pdf_text(doc_id)
    assert "Upprättat av Ej angivet" in built.docx_text(doc_id)
    metadata = PdfReader(built.file(doc_id, ".pdf")).metadata or {}
    for key in ("/Author", "/Subject", "/Keywords", "/Title"):
        assert "ej angivet" not in str(metadata.get(key, "")).casefold(), key
        assert "ej_angivet" not in str(metadata.get(key, "")), key
    properties = docx.Document(str(built.file(doc_id, ".docx"))).core_properties
    assert "angivet" not in (properties.author + properties.keywords + properties.subject)
    assert built.status_record(doc_id)["upprättat_av"] == "ej_angivet"


def test_not_stated_reads_the_same_on_checklist_and_card(built: Built) -> None:
    doc_id = "mobila-hemsjukvardslakare-syd"  # follow-up and the step's när: ej_angivet
    checklist = built.pdf_text(doc_id, "-checklista.pdf")
    assert "Läkare i MHL Ej angivet" in checklist
    assert "Uppföljning: Ej angivet" in built.pdf_text(doc_id, "-fickkort.pdf")
    for text in (checklist, built.pdf_text(doc_id), built.docx_text(doc_id),
                 built.html_text(doc_id)):
        assert "ej_angivet" not in text and "NotStated" not in text


def test_document_approved_elsewhere_is_in_force_and_watched(built: Built) -> None:
    doc_id = "annan-instans-trygg-hemgang"
    text = built.pdf_text(doc_id)
    assert "UTKAST" not in text and "Ej fastställd" not in text
    assert "Fastställd av Vård- och omsorgsnämnden i Lerum (Oktober 2021) – ingen elektronisk " \
           "underskrift" in text
    record = built.status_record(doc_id)
    assert record["status"] == "fastställd_annan_instans"
    # Reviewed every 24 months from the last decision recorded here.
    assert record["nästa_utvärdering"] == "2028-11-05"
    assert record["fastställd_annan_instans"] == {
        "organ": "Vård- och omsorgsnämnden i Lerum", "datum": "Oktober 2021",
        "referens": "VON 2021/143"}
    assert "inaktiv" not in re.search(r'<tr class="([^"]*)" id="dok-' + doc_id,
                                      built.index_text(doc_id)).group(1)


def test_a_first_version_prints_no_changes_since_the_previous_one(built: Built) -> None:
    first = "annan-instans-trygg-hemgang"
    for text in (built.pdf_text(first), built.docx_text(first), built.html_text(first)):
        assert "Ändringar sedan föregående version" not in text
        assert "Versionshistorik" in text
    later = "huvudtabell-utskrivning"  # two revisions
    assert "Ändringar sedan föregående version" in built.pdf_text(later)


def test_draft_banner_names_the_documents_own_approving_body(built: Built) -> None:
    text = built.pdf_text("huvudtabell-utskrivning")
    assert "förrän Delregional politisk samrådsgrupp fastställt den" in text
    assert "samordningsgruppen" not in text.casefold()
    # A draft that names no approving body does not borrow one.
    assert "förrän den har fastställts" in built.pdf_text("kriterier-mobil-narvard")


def test_criteria_rule_is_stated_once(built: Built) -> None:
    rule = "Minst fyra av ovanstående sex kriterier ska vara uppfyllda för inskrivning."
    for text in (built.pdf_text("kriterier-mobil-narvard"),
                 built.docx_text("kriterier-mobil-narvard")):
        assert text.count(rule) == 1
        assert "Minst 4 av följande" not in text  # no second, generated wording


def test_card_back_uses_the_documents_contacts_once(built: Built) -> None:
    back = built.pdf_text("kontakter-hemsjukvard", "-fickkort.pdf")
    assert "Anna Berg, Samordnande sjuksköterska, Hemsjukvården Alingsås, vardagar kl" in back
    assert back.count("Sjukvårdsrådgivningen") == 1
    library, _ = load_library(FIXTURE)
    routine = library.by_id("kontakter-hemsjukvard")
    assert routine is not None and routine.document.pocket_card is not None
    assert routine.document.pocket_card.contacts == []  # no second copy in fickkort


def test_one_phone_format_in_document_card_and_html(built: Built) -> None:
    doc_id = "kontakter-hemsjukvard"
    for text in (built.pdf_text(doc_id), built.docx_text(doc_id), built.html_text(doc_id)):
        assert "0322-61 60 00" in text and "0302-52 10 00" in text and "1177" in text
        assert "0322-616000" not in text and "+46 302" not in text
    card = built.pdf_text(doc_id, "-fickkort.pdf")
    assert "0322-61 60 00" in card and "0302-52 10 00" in card


def test_team_without_own_routine_needs_none(built: Built) -> None:
    library, _ = load_library(FIXTURE)
    result = run_check(FIXTURE)
    assert not [d for d in result.diagnostics if d.rule == "R301"]
    parent = library.by_id("mobila-team-syd")
    assert parent is not None and isinstance(parent.document, Samverkansrutin)
    assert [t.own_routine for t in parent.document.teams] == [True, False]
    assert typing.get_args(parent.document.teams[0].based_at) == () and \
        parent.document.teams[0].origins == ["Alingsås lasarett", "Södra Älvsborgs sjukhus"]
