"""Swedish document-header labels as regions write them, each mapped to the YAML key it fills.

One vocabulary for two readers: `rutin import` (a header table's label → the draft's key) and
`rutin check`'s R102 (an unknown key written like a label → "menade du …?"). Collected from
published routines and document templates of Swedish regions and municipalities (VGR, Region
Stockholm, Region Skåne, Region Halland, Region Östergötland, municipal MAS documents): each
label goes to a field, to `övriga_uppgifter` (kept with its own label), or is ignored on
purpose (page furniture such as "Sida"), never silently.
"""

from __future__ import annotations

from dataclasses import dataclass

OTHER = "övriga_uppgifter"  # the key for labels kept as (etikett, värde)
IGNORED = ""  # page furniture: reported as dropped, never placed


@dataclass(frozen=True)
class Field:
    """The YAML key a header label fills and how its value is read."""

    key: str  # top-level YAML key; "källa.uppdaterad" for a nested one; OTHER; IGNORED
    kind: str  # text | list | date | version | title | status | months | parent | other | ignore


_FIELDS: dict[Field, tuple[str, ...]] = {
    Field("dokumenttyp", "text"): ("dokumenttyp", "typ av dokument", "dokumentslag",
                                   "dokumentkategori"),
    Field("titel", "title"): ("dokumentnamn", "dokumentets namn", "titel", "dokumenttitel"),
    Field("upprättat_av", "text"): ("upprättat av", "upprättad av", "framtagen av",
                                    "framtaget av", "författare", "handläggare", "skriven av",
                                    "utarbetad av", "utarbetat av", "sammanställd av"),
    Field("godkänt_av", "text"): ("godkänt av", "godkänd av", "beslutad av", "beslutat av"),
    Field("fastställare", "text"): ("fastställt av", "fastställd av", "fastställare",
                                    "beslutsfattare"),
    Field("datum_för_godkännande", "date"): (
        "datum för godkännande", "godkänt datum", "godkännandedatum", "beslutsdatum",
        "datum för fastställande", "fastställt datum", "fastställd datum", "fastställt",
        "fastställd", "fastställandedatum", "datum för beslut", "godkänt", "godkänd",
        "beslutad", "beslutat"),
    Field("giltig_från", "date"): ("giltigt från och med", "giltig från och med", "giltigt från",
                                   "giltig från", "gäller från", "gäller från och med",
                                   "giltigt fr o m", "giltig fr o m", "gäller fr o m",
                                   "giltigt fr.o.m.", "giltig fr.o.m.", "gäller fr.o.m.",
                                   "ikraftträdande", "träder i kraft"),
    Field("giltig_till", "date"): ("giltigt till och med", "giltig till och med", "giltigt till",
                                   "giltig till", "gäller till", "gäller till och med",
                                   "giltigt t o m", "giltig t o m", "gäller t o m",
                                   "giltigt t.o.m.", "giltig t.o.m.", "gäller t.o.m.",
                                   "upphör att gälla"),
    Field("diarienummer", "text"): ("diarienr", "diarienummer", "dnr", "dokumentnr",
                                    "dokumentnummer", "dokument-id", "dokumentid", "id-nr",
                                    "ärendenummer", "ärendenr", "registreringsnummer",
                                    "beteckning"),
    Field("version", "version"): ("version", "versionsnummer", "utgåva", "revisionsnummer"),
    Field("processägare", "text"): ("processägare", "processansvarig", "dokumentägare"),
    Field("granskare", "list"): ("granskare", "granskad av", "granskat av", "sakgranskare",
                                 "sakgranskad av", "kvalitetsgranskad av"),
    Field("gäller_för", "list"): ("gäller för", "giltighetsområde", "omfattning",
                                  "berörda verksamheter", "berörd verksamhet",
                                  "tillämpningsområde", "gäller inom"),
    Field("källa.uppdaterad", "text"): ("senast uppdaterad", "uppdaterad", "senast ändrad",
                                        "uppdaterad i källan", "sidan uppdaterades",
                                        "senast uppdaterat"),
    Field("källa.version", "text"): ("version i källan",),
    Field("källa.datum", "text"): ("datum i källan",),
    Field("källa.referens", "text"): ("källa", "referens", "källans adress"),
    Field("uppdrag", "text"): ("uppdrag", "uppdragsgivare"),
    Field("ägare", "text"): ("ägare",),  # older key; "dokumentägare" means processägare
    Field("målgrupp", "text"): ("målgrupp", "målgrupper", "riktar sig till"),
    Field("kontaktperson", "text"): ("kontaktperson", "dokumentansvarig", "frågor besvaras av",
                                     "kontaktperson för dokumentet"),
    Field("ansvarig_för_revidering", "text"): ("ansvarig för revidering", "revideringsansvarig",
                                               "revideras av", "revisionsansvarig",
                                               "ansvarig för uppdatering"),
    Field("beslutande_organ", "text"): ("beslutande organ", "beslutsinstans", "beslutsorgan",
                                        "beslutsforum"),
    Field("organisation", "text"): ("organisation", "förvaltning", "utfärdare", "utgivare",
                                    "huvudman"),
    Field("status", "status"): ("status", "dokumentstatus"),
    Field("utvärdering", "months"): ("utvärderas",),
    Field("samverkansrutin", "parent"): ("samverkansrutin",),
    # Kept with the source's own label: facts with no field of their own.
    Field(OTHER, "other"): ("reviderad", "senast reviderad", "revisionsdatum",
                            "revideringsdatum", "nästa revidering", "revideras senast",
                            "revisionsintervall", "sekretessklass", "informationsklass",
                            "säkerhetsklass", "dokumentkod", "process", "delprocess",
                            "nyckelord", "sökord", "ersätter", "ersätter dokument",
                            "giltighetstid", "kategori", "ämnesområde", "verksamhetsområde",
                            "ansvarig enhet", "ansvarig verksamhet", "kvalitetsgranskad"),
    # Page furniture: dropped on purpose, listed in the report as such.
    # ("Sida 1 av 3" itself is page chrome: builder.authoring.importing.chrome.)
    # Our own drafts' generated rows: the version in force and the ledger's last evaluation.
    Field(IGNORED, "ignore"): ("antal sidor", "utskriftsdatum", "utskriven", "filnamn", "mall",
                               "mallversion", "gällande version", "senast utvärderad"),
}
LABELS: dict[str, Field] = {label: f for f, labels in _FIELDS.items() for label in labels}


def key_for_label(word: str) -> str | None:
    """The YAML key a header label (or a key written like one, "gäller_från") means."""
    field = LABELS.get(" ".join(word.casefold().replace("_", " ").split()))
    if field is None or field.kind == "ignore":
        return None
    return field.key.split(".")[0]
