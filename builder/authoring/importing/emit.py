"""The draft as an ordered mapping in the model's key order, and as YAML with the schema line."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Any

import yaml

from builder.authoring.importing import labels as L
from builder.authoring.importing.report import ImportReport
from builder.authoring.importing.structure import Draft, slugify
from builder.authoring.scaffold import SCHEMA_LINE
from builder.text.typography import SWEDISH_QUOTE

# Header fields every routine shows: written as ej_angivet when the source is silent.
STATED_HEADER = {"dokumenttyp": "Dokumenttyp", "upprättat_av": "Upprättat av",
                 "godkänt_av": "Godkänt av"}
DATE_HEADER = {"datum_för_godkännande": "Datum för godkännande",
               "giltig_från": "Giltigt från och med"}
ORDER = ("dokumenttyp", "organisation", "upprättat_av", "godkänt_av", "uppdrag",
         "diarienummer", "processägare", "granskare", "fastställare", "gäller_för", "målgrupp",
         "kontaktperson", "ansvarig_för_revidering", "beslutande_organ", "ägare")
DRAFT_VERSION = "0.1"


@dataclass(frozen=True)
class Parent:
    """The samverkansrutin an imported arbetsrutin goes under (from --till)."""

    id: str
    teams: tuple[tuple[str, str], ...]  # (id, namn)

    def team_in(self, title: str) -> str | None:
        """The team the title names ("Arbetsrutin Palliativt team" → palliativt-team)."""
        lowered = title.lower()
        named = [(len(name), team_id) for team_id, name in self.teams if name.lower() in lowered]
        return max(named)[1] if named else None


def build_mapping(draft: Draft, kind: str, parent: Parent | None, report: ImportReport,
                  fallback_id: str, today: dt.date | None = None) -> dict[str, Any]:
    """The routine as plain data; what the source does not state is ej_angivet or left out."""
    out: dict[str, Any] = {"id": slugify(draft.title or fallback_id), "typ": kind}
    _title_and_header(out, draft, report)
    if kind == "arbetsrutin":
        _team_and_parent(out, draft, parent, report)
    _version_and_dates(out, draft, report)
    _revisions(out, draft, report, today or dt.date.today())
    _document_lists(out, draft, kind, report)
    straight: dict[str, Any] = _straight_quotes(out)
    return straight


def _straight_quotes(value: Any) -> Any:
    """Quotes as authors type them: every output prints straight and English quotes as ”
    (builder.text.typography.swedish_quotes), so ” read back is written " and renders the same."""
    if isinstance(value, str):
        return value.replace(SWEDISH_QUOTE, '"') if not value.startswith(("http", "../")) \
            else value
    if isinstance(value, dict):
        return {key: _straight_quotes(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_straight_quotes(item) for item in value]
    return value


def _title_and_header(out: dict[str, Any], draft: Draft, report: ImportReport) -> None:
    # Every document needs a name (`titel` cannot be ej_angivet): without one in the source
    # the file's own name is used, and the report says so.
    out["titel"] = draft.title or report.source.rsplit(".", 1)[0]
    if not draft.title:
        report.not_stated.append(f"Titel (filnamnet ”{out['titel']}” används)")
    values = draft.meta.values
    for key in ORDER:
        if key in values:
            out[key] = values[key]
        elif key == "godkänt_av" and key in draft.meta.empty:  # optional: "–" is absent
            report.not_stated.append(f"{STATED_HEADER[key]} (tom i källan, utelämnat)")
        elif key in STATED_HEADER:
            out[key] = L.NOT_STATED
            report.not_stated.append(STATED_HEADER[key])


def _team_and_parent(out: dict[str, Any], draft: Draft, parent: Parent | None,
                     report: ImportReport) -> None:
    team = parent.team_in(draft.title or "") if parent is not None else None
    if team is not None:
        out["id"] = team  # an arbetsrutin is named after its team (rutin new does so)
    else:
        report.notes.append("teamet kunde inte hittas i samverkansrutinens team; "
                            f"'team' sattes till rutinens id ({out['id']})")
    out["team"] = team or out["id"]
    out["samverkansrutin"] = parent.id if parent is not None else L.NOT_STATED
    if parent is None:
        report.not_stated.append("Samverkansrutin (id saknas; ange mappen med --till)")


def _version_and_dates(out: dict[str, Any], draft: Draft, report: ImportReport) -> None:
    values = draft.meta.values
    out["version"] = values.get("version", DRAFT_VERSION)
    if "version" not in values:
        report.notes.append(
            f"version {DRAFT_VERSION} är utkastets eget versionsnummer; källans version står "
            "under 'källa'" if draft.meta.source.get("version")
            else f"källan anger ingen version; utkastet får version {DRAFT_VERSION}")
    _status(out, draft, report)
    for key, label in DATE_HEADER.items():
        if key in values:
            out[key] = values[key]
        else:
            report.not_stated.append(f"{label} (utelämnat: ett datum kan inte vara ej_angivet)")
    for key in ("giltig_till", "utvärdering"):
        if key in values:
            out[key] = values[key]


DRAFT_WORDS = ("utkast", "granskning", "förslag", "remiss", "under arbete", "under revidering")
DECISION_KEYS = ("godkänt_av", "beslutande_organ")


def _status(out: dict[str, Any], draft: Draft, report: ImportReport) -> None:
    """What the source shows: a draft stays a draft; a published document whose decision the
    source states is fastställd by that body; one in use without a stated decision is
    i_bruk_enligt_källan (issue 23: neither a draft nor a decision the source never states)."""
    values, written = draft.meta.values, (draft.meta.source_status or "").lower()
    if "i bruk enligt källan" in written:  # our own output of such a routine
        out["status"] = "i_bruk_enligt_källan"
        return
    if any(word in written for word in DRAFT_WORDS):
        out["status"] = "utkast"
        report.notes.append(f"källan kallar sig ”{draft.meta.source_status}”: status utkast")
        return
    body = next((values[k] for k in DECISION_KEYS
                 if isinstance(values.get(k), str) and values[k] != L.NOT_STATED), None)
    if body is not None:
        out["status"] = "fastställd_annan_instans"
        decision: dict[str, Any] = {"organ": body}
        date = values.get("datum_för_godkännande")
        if date is not None:
            decision["datum"] = date.isoformat() if isinstance(date, dt.date) else str(date)
        out["fastställd_annan_instans"] = decision
        report.notes.append(f"källan anger beslutet ({body}): status fastställd_annan_instans; "
                            "ändra till utkast om rutinen ska beslutas på nytt här")
        return
    out["status"] = "i_bruk_enligt_källan"
    report.notes.append("källan anger inget beslut: status i_bruk_enligt_källan (visas som "
                        "gällande med ”Beslut: ej angivet i källan”; ändra till utkast om "
                        "rutinen inte används)")


def _revisions(out: dict[str, Any], draft: Draft, report: ImportReport, today: dt.date) -> None:
    revisions = list(draft.revisions)
    if not any(str(r.get("version")) == out["version"] for r in revisions):
        # What the tool did, dated today (as `rutin new` does): no fact about the routine.
        revisions.insert(0, {"version": out["version"], "datum": today,
                             "beskrivning": f"Importerad från {report.source} med rutin import."})
        report.notes.append(f"'ändringar' fick en rad för version {out['version']}: importen")
    out["ändringar"] = revisions


def _document_lists(out: dict[str, Any], draft: Draft, kind: str, report: ImportReport) -> None:
    optional: list[tuple[str, Any]] = [
        ("begrepp", draft.glossary), ("källa", dict(draft.meta.source)),
        ("övriga_uppgifter", draft.meta.other),
        ("team", draft.teams if kind == "samverkansrutin" else None),
    ]
    out.update((key, value) for key, value in optional if value)
    if kind == "samverkansrutin" and draft.teams:
        report.notes.append("teamens arbetsrutiner importeras var för sig (rutin import FIL "
                            "--till <samverkansrutinens mapp>); 'egen_arbetsrutin' är "
                            "ej_angivet tills de finns – skriv true eller false då")
    if draft.follow_up is not None:
        out["uppföljning"] = draft.follow_up
    elif kind == "arbetsrutin":
        out["uppföljning"] = {"ansvarig": L.NOT_STATED, "hur": L.NOT_STATED,
                              "när": L.NOT_STATED}
        report.not_stated.append("Uppföljning (ansvarig, hur, när)")
    _preamble(out, draft, report)
    out["avsnitt"] = draft.sections
    out.update((key, value) for key, value in (("kontakter", draft.contacts),
                                               ("relaterade_dokument", draft.related)) if value)


def _preamble(out: dict[str, Any], draft: Draft, report: ImportReport) -> None:
    """The ingress: a header row of text with no label first, then the blocks before the
    first heading. One paragraph stays plain text; anything more keeps its blocks (lists as
    real items, model.PreambleBlock), never one Markdown text."""
    leftover = [{"text": text} for _, text in draft.meta.leftover]
    if leftover:  # the blocks move down: their report paths follow them
        report.placed[:] = [
            replace(p, path=("ingress", p.path[1] + len(leftover), *p.path[2:]))
            if p.path[:1] == ("ingress",) and len(p.path) > 1 and isinstance(p.path[1], int)
            else p for p in report.placed]
    blocks = leftover + draft.preamble
    for index, (where, _) in enumerate(draft.meta.leftover):
        report.place(where, "text i huvudtabellen (utan etikett)", ("ingress", index, "text"))
    if len(blocks) == 1 and "text" in blocks[0]:
        out["ingress"] = blocks[0]["text"]
        report.placed[:] = [replace(p, path=("ingress",)) if p.path[:1] == ("ingress",) else p
                            for p in report.placed]
    elif blocks:
        out["ingress"] = blocks


class _Dumper(yaml.SafeDumper):
    """Block style, Unicode kept, multi-line text as literal blocks, dates as ISO."""


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


def _date(dumper: yaml.SafeDumper, value: dt.date) -> yaml.ScalarNode:
    return dumper.represent_scalar("tag:yaml.org,2002:timestamp", value.isoformat())


_Dumper.add_representer(str, _str)
_Dumper.add_representer(dt.date, _date)


def to_yaml(mapping: dict[str, Any], source_name: str) -> str:
    """The draft as YAML: the schema line and a note on where it came from, then the keys."""
    body = yaml.dump(mapping, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=96,
                     default_flow_style=False)
    return (f"{SCHEMA_LINE}\n# Importerad från {source_name} av 'rutin import'. Utkast: "
            "granska varje värde mot källan.\n" + body)
