"""A routine's steps as a process: parties (lanes), tasks in order, choices and hand-offs.

One reading of the steps serves the swimlane map, its "Vem gör vad och när" table, the BPMN,
FHIR and Mermaid exports and the hand-off rules (R204–R206), so they cannot disagree. Nothing
is guessed: a step (or alternative) whose party is not stated goes to the "Ej angivet" party,
an alternative without its own party inherits the step's, as the document shows it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from builder.derived import NOT_STATED, as_text, walk_sections
from builder.load.library import Library
from builder.load.safe_yaml import YamlPath
from builder.model import Arbetsrutin, Document, Samverkansrutin, TeamEntry
from builder.text.wording import LETTERS

NOT_STATED_KEY = "ej_angivet"


@dataclass(frozen=True)
class Party:
    """A lane: a team the samverkansrutin lists, another party the steps name, or not stated."""

    key: str  # stable id: team id, "part-<n>", or "ej_angivet"
    label: str  # as the steps write it (the first time)
    kind: str  # "team", "other" or "not_stated"
    team_name: str | None = None  # the team's full name when it is one of the listed teams


@dataclass(frozen=True)
class Task:
    """A step or one alternative of a step: who does what, when, under which condition."""

    number: str  # "1", "2a"
    section: str
    text: str
    party: Party
    when: str | None
    condition: str | None
    notes: tuple[str, ...]  # the section's note, attached to its last step
    path: YamlPath
    kind: str  # "steg" or "alternativ"


@dataclass(frozen=True)
class Choice:
    """A step's alternatives (2a, 2b …): the route splits on their conditions."""

    number: str  # "2"
    tasks: tuple[Task, ...]
    path: YamlPath


Node = Task | Choice


@dataclass(frozen=True)
class Flow:
    """One step list (a section's `steg`) in order; separate lists are not joined."""

    section: str
    nodes: tuple[Node, ...]
    path: YamlPath


@dataclass(frozen=True)
class Process:
    """What the steps of one document say: parties in lane order and the flows."""

    document_id: str
    title: str
    lanes: tuple[Party, ...]
    flows: tuple[Flow, ...]

    @property
    def tasks(self) -> list[Task]:
        """Every task in document order (alternatives in their place)."""
        found: list[Task] = []
        for flow in self.flows:
            for node in flow.nodes:
                found.extend(node.tasks if isinstance(node, Choice) else (node,))
        return found

    @property
    def named_lanes(self) -> list[Party]:
        """The lanes of stated parties."""
        return [lane for lane in self.lanes if lane.kind != "not_stated"]


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().casefold()


def team_forms(team: TeamEntry) -> set[str]:
    """The ways a step may name a listed team: name, abbreviation, "name (abbr)", id."""
    forms = {_squash(team.name), _squash(team.id)}
    if team.abbreviation:
        forms |= {_squash(team.abbreviation), _squash(f"{team.name} ({team.abbreviation})")}
    return forms


def listed_teams(document: Document, parent: Document | None) -> list[TeamEntry]:
    """The teams of the samverkansrutin: the document's own, or its parent's."""
    if isinstance(document, Samverkansrutin):
        return list(document.teams)
    if isinstance(parent, Samverkansrutin):
        return list(parent.teams)
    return []


class _Parties:
    """Names written in steps → parties, with teams matched to the samverkansrutin's list."""

    def __init__(self, teams: list[TeamEntry]) -> None:
        self.teams = teams
        self.forms = [(team, team_forms(team)) for team in teams]  # once, not per step
        self.found: dict[str, Party] = {}  # squashed name → party
        self.order: list[Party] = []  # first appearance

    def party(self, written: str | None) -> Party:
        if written is None or written == NOT_STATED:
            key = NOT_STATED_KEY
            if key not in self.found:
                self.found[key] = Party(NOT_STATED_KEY, NOT_STATED, "not_stated")
                self.order.append(self.found[key])
            return self.found[key]
        name = _squash(written)
        if name in self.found:
            return self.found[name]
        team = next((t for t, forms in self.forms if name in forms), None)
        existing = next((p for p in self.order if team and p.key == team.id), None)
        if existing is not None:
            self.found[name] = existing  # "NSVT" and "Närsjukvårdsteam": one lane
            return existing
        if team is not None:
            party = Party(team.id, written.strip(), "team", team.name)
        else:
            party = Party(f"part-{sum(p.kind == 'other' for p in self.order) + 1}",
                          written.strip(), "other")
        self.found[name] = party
        self.order.append(party)
        return party

    def lanes(self) -> tuple[Party, ...]:
        """Listed teams in the samverkansrutin's order, then others by first appearance, then
        the not-stated lane."""
        rank = {team.id: index for index, team in enumerate(self.teams)}
        teams = sorted((p for p in self.order if p.kind == "team"), key=lambda p: rank[p.key])
        others = [p for p in self.order if p.kind == "other"]
        missing = [p for p in self.order if p.kind == "not_stated"]
        return tuple(teams + others + missing)


# The last processes read, by the identity of (document, parent): the three hand-off rules,
# the map and the exports each ask for the same document's process (201 routines: 603 reads,
# ~1 s of a check). Documents are never changed after loading; the entry keeps both alive, so
# an id cannot be reused while its entry stands. Bounded, oldest dropped first.
_READ: dict[tuple[int, int], tuple[Document, Document | None, Process]] = {}
_READ_MAX = 2048


def read_process(document: Document, parent: Document | None = None) -> Process:
    """The process the document's steps describe (``parent``: an arbetsrutin's
    samverkansrutin, whose team list orders the lanes)."""
    key = (id(document), id(parent))
    hit = _READ.get(key)
    if hit is not None and hit[0] is document and hit[1] is parent:
        return hit[2]
    process = _read_process(document, parent)
    if len(_READ) >= _READ_MAX:
        del _READ[next(iter(_READ))]
    _READ[key] = (document, parent, process)
    return process


def _read_process(document: Document, parent: Document | None) -> Process:
    parties = _Parties(listed_teams(document, parent))
    flows: list[Flow] = []
    for section, path in walk_sections(document.sections, ("avsnitt",)):
        if not section.steps:
            continue
        nodes: list[Node] = []
        for index, step in enumerate(section.steps, start=1):
            step_path = path + ("steg", index - 1)
            if step.text:
                nodes.append(Task(str(index), section.heading, step.text,
                                  parties.party(as_text(step.responsible)), as_text(step.when),
                                  None, (), step_path, "steg"))
            if step.alternatives:
                tasks = tuple(
                    Task(f"{index}{letter}", section.heading, alt.text,
                         parties.party(as_text(alt.responsible or step.responsible)),
                         as_text(alt.when or step.when), alt.condition, (),
                         step_path + ("alternativ", number), "alternativ")
                    for number, (letter, alt) in enumerate(
                        zip(LETTERS, step.alternatives, strict=False)))
                nodes.append(Choice(str(index), tasks, step_path + ("alternativ",)))
        if section.note and nodes:
            nodes[-1] = _with_note(nodes[-1], section.note)
        flows.append(Flow(section.heading, tuple(nodes), path + ("steg",)))
    return Process(document.id, document.title, parties.lanes(), tuple(flows))


def _with_note(node: Node, note: str) -> Node:
    """The section's note attached to its last step (the last alternative of a choice)."""
    if isinstance(node, Task):
        return Task(**{**node.__dict__, "notes": node.notes + (note,)})
    *first, last = node.tasks
    return Choice(node.number, (*first, Task(**{**last.__dict__, "notes": last.notes + (note,)})),
                  node.path)


@lru_cache(maxsize=4096)
def node_id(node: Node) -> str:
    """A stable XML id from where the step stands in the YAML: "Steg_2_0_1", "Val_2_0_1"."""
    numbers = "_".join(str(p) for p in node.path if isinstance(p, int))
    return f"{'Val' if isinstance(node, Choice) else 'Steg'}_{numbers}"


def parent_of(document: Document, library: Library) -> Document | None:
    """An arbetsrutin's samverkansrutin in the library (None when it is missing)."""
    if not isinstance(document, Arbetsrutin):
        return None
    found = library.by_id(document.parent)
    return found.document if found is not None else None


def process_of(document: Document, library: Library) -> Process:
    """The document's process, lanes ordered by its samverkansrutin's team list."""
    return read_process(document, parent_of(document, library))


@dataclass(frozen=True)
class HandOff:
    """Step ``before`` by one party, then step ``after`` by another."""

    before: Task
    after: Task


def successors(flow: Flow) -> list[tuple[Task, Task]]:
    """Every pair (task, the task that can come next) along the flow's order."""
    pairs: list[tuple[Task, Task]] = []
    previous: tuple[Task, ...] = ()
    for node in flow.nodes:
        current = node.tasks if isinstance(node, Choice) else (node,)
        pairs.extend((a, b) for a in previous for b in current)
        previous = current
    return pairs


def hand_offs(process: Process) -> list[HandOff]:
    """Consecutive tasks whose stated parties differ."""
    return [HandOff(a, b) for flow in process.flows for a, b in successors(flow)
            if a.party.kind != "not_stated" and b.party.kind != "not_stated"
            and a.party.key != b.party.key]


def summary(process: Process) -> str:
    """The map's short text alternative: "Flöde i 6 steg mellan NSVT och Vårdcentralen"."""
    tasks = process.tasks
    names = [lane.label for lane in process.named_lanes]
    count = f"{len(tasks)} steg"
    if not names:
        text = f"Flöde i {count}"
    elif len(names) == 1:
        text = f"Flöde i {count}, utförda av {names[0]}"
    else:
        text = f"Flöde i {count} mellan {', '.join(names[:-1])} och {names[-1]}"
    unstated = sum(t.party.kind == "not_stated" for t in tasks)
    if unstated:
        text += f"; ansvarig ej angiven för {unstated} steg"
    return text
