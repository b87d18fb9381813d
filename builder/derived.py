"""What printouts derive from a routine: its steps, alternatives and notes as numbered sources.

Cards and checklists are what staff carry, so every line on them is tied to the step (or
note) it comes from: derived from it, or an author's short form naming it (fickkort.punkter
items ``{steg: "2a", text: …, avtryck: …}``). One numbering serves the checklist, the card,
the review packet and rules R503–R505.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from builder.load.safe_yaml import YamlPath
from builder.model import CardPoint, Document, Section
from builder.text.wording import LETTERS

NOT_STATED = "Ej angivet"
_NOT_STATED_FORMS = frozenset({"ej_angivet", "ej angivet"})


def as_text(value: object) -> str | None:
    """A value as every output shows it: None when absent, "Ej angivet" for the not-stated
    marker (the bare `ej_angivet`, or issue 12's NotStated value), else its text."""
    if value is None:
        return None
    text = str(value)
    return NOT_STATED if text.strip().casefold() in _NOT_STATED_FORMS else text


@dataclass(frozen=True)
class Source:
    """A step, one alternative of a step, a section's note or a section's text."""

    kind: str  # "steg", "alternativ", "not", "text"
    number: str  # "1", "2a"; "" for notes and texts
    section: str  # heading of the section it stands in
    text: str
    condition: str | None
    responsible: str | None
    when: str | None
    path: YamlPath  # where it stands in the YAML
    group: str | None = None  # alternatives: the step number they belong to ("2")
    additional: bool = False  # an alternative done alongside the others ("Vid behov …")

    @property
    def fingerprint(self) -> str:
        """Eight hex digits of SHA-256 over what the line must keep: text, condition, who, when."""
        payload = json.dumps([self.text, self.condition, self.responsible, self.when],
                             ensure_ascii=False)
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:8]

    @property
    def label(self) -> str:
        """How a reader names it: "steg 2a", "observera i 'Informationsöverföring'"."""
        if self.kind in ("steg", "alternativ"):
            return f"steg {self.number}"
        return f"{'noten' if self.kind == 'not' else 'texten'} i '{self.section}'"


def walk_sections(sections: list[Section], path: YamlPath = ("avsnitt",)
                  ) -> list[tuple[Section, YamlPath]]:
    """Every section and subsection with its YAML path, in document order."""
    found: list[tuple[Section, YamlPath]] = []
    for index, section in enumerate(sections):
        found.append((section, path + (index,)))
        found.extend(walk_sections(section.subsections or [], path + (index, "underavsnitt")))
    return found


def step_sources(document: Document) -> list[Source]:
    """Every step and alternative in document order, then the note of a section with steps,
    numbered per step list as in the PDF."""
    found: list[Source] = []
    for section, path in walk_sections(document.sections, ("avsnitt",)):
        for index, step in enumerate(section.steps or [], start=1):
            step_path = path + ("steg", index - 1)
            if step.text:
                found.append(Source("steg", str(index), section.heading, step.text, None,
                                    as_text(step.responsible), as_text(step.when), step_path))
            for letter, alt in zip(LETTERS, step.alternatives or [], strict=False):
                found.append(Source(
                    "alternativ", f"{index}{letter}", section.heading, alt.text, alt.condition,
                    as_text(alt.responsible or step.responsible), as_text(alt.when or step.when),
                    step_path + ("alternativ", LETTERS.index(letter)), group=str(index),
                    additional=alt.is_additional))
        if section.steps and section.note:
            found.append(Source("not", "", section.heading, section.note, None, None, None,
                                path + ("not",)))
    return found


def all_sources(document: Document) -> list[Source]:
    """Step sources plus every section's text and note (what a short form may name)."""
    found = step_sources(document)
    for section, path in walk_sections(document.sections, ("avsnitt",)):
        if section.text:
            found.append(Source("text", "", section.heading, section.text, None, None, None,
                                path + ("text",)))
        if section.note and not section.steps:
            found.append(Source("not", "", section.heading, section.note, None, None, None,
                                path + ("not",)))
    return found


def resolve(document: Document, point: CardPoint) -> Source | None:
    """The source a short form names, or None when the routine has no such step or section."""
    sources = all_sources(document)
    if point.section is not None:
        sources = [s for s in sources if s.section == point.section]
    if point.step is not None:
        found = next((s for s in sources
                      if s.kind in ("steg", "alternativ") and s.number == point.step), None)
        return found or _alternatives_group(sources, point.step)
    wanted = "not" if point.note else "text"
    return next((s for s in sources if s.kind == wanted), None) if point.section else None


def _alternatives_group(sources: list[Source], number: str) -> Source | None:
    """A step made only of alternatives (2a–2c) named as a whole ("steg: 2")."""
    members = [s for s in sources if s.kind == "alternativ" and s.group == number]
    if not members:
        return None
    text = " | ".join(f"{m.condition or ''} {m.text}".strip() for m in members)
    owners = " | ".join(m.responsible or "" for m in members)
    return Source("steg", number, members[0].section, text, None, owners, None,
                  members[0].path[:-2])
