"""Scaffolds: a new arbetsrutin with every required field, open fields marked for the author."""

from __future__ import annotations

import datetime as dt

from builder.model import Samverkansrutin, TeamEntry

SCHEMA_LINE = "# yaml-language-server: $schema=../rutin.schema.json"


def _quote(value: str) -> str:
    """A double-quoted YAML scalar; a multi-line parent value stays on one line."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + escaped.replace("\n", "\\n").replace("\t", "\\t") + '"'


def scaffold_arbetsrutin(team_id: str, team: TeamEntry | None, parent: Samverkansrutin,
                         today: dt.date) -> str:
    """YAML text for a new draft arbetsrutin; TODO fields make R201/R109 point at what to fill in.

    Nothing is copied from the parent that the team has not decided: no approving body (the
    team's routine names its own), no author.
    """
    name = team.name if team else team_id
    lines = [
        SCHEMA_LINE,
        f"# Arbetsrutin för {name} under samverkansrutinen '{parent.id}'.",
        "# Fyll i fälten markerade TODO och kör sedan: rutin check",
        f"id: {team_id}",
        "typ: arbetsrutin",
        f"titel: {_quote('Arbetsrutin ' + name)}",
        "dokumenttyp: Arbetsrutin",
        "upprättat_av: TODO  # vem som upprättat rutinen (ej_angivet om det inte är känt)",
        "# godkänt_av: det organ som fastställer rutinen, när det är bestämt",
        f"team: {team_id}",
        f"samverkansrutin: {parent.id}",
        'version: "0.1"',
        "status: utkast",
    ]
    if parent.evaluation and parent.evaluation.months:
        lines.append(f"utvärdering: {{månader: [{', '.join(parent.evaluation.months)}]}}")
    lines += [
        "ändringar:",
        f'  - {{version: "0.1", datum: {today.isoformat()}, beskrivning: Första utkast}}',
        "uppföljning:",
        "  ansvarig: TODO  # vem ansvarar för uppföljningen (roll eller funktion)",
        "  hur: TODO       # hur uppföljningen görs",
        "  när: TODO       # när den sker, t.ex. vid avslutat uppdrag",
        "avsnitt:",
        "  - rubrik: Syfte",
        "    text: TODO beskriv syftet med arbetsrutinen.",
        "  - rubrik: Arbetssätt",
        "    steg:",
        "      - text: TODO första steget",
        "        ansvarig: TODO",
        "",
    ]
    return "\n".join(lines)
