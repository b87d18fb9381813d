"""A team's part of a samverkansrutin, and where an approved arbetsrutin stands against it.

The part (issue 21) is what an arbetsrutin builds on: the team's entry in ``team:``, every step
and alternative that names the team (as ``ansvarig`` or in its text: id, name or abbreviation),
and the contacts that either name the team or name no team at all (shared by every team).
Its fingerprint is the SHA-256 of that part as canonical JSON, so wording elsewhere in the
samverkansrutin, another team's steps or the order of unrelated sections do not change it.

An arbetsrutin's approval (``rutin approve``) and evaluation (``rutin utvärdera``) record the
samverkansrutin version and the fingerprint they were decided against; ``team_part_drift``
compares that with the samverkansrutin now: R415 and ``rutin status`` report the result.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from builder.derived import step_sources
from builder.governance.ledger import (
    canonical_json,
    entries_for,
    evaluations_for,
    latest_approval,
    load_archived_copy,
    sha256_text,
    version_key,
)
from builder.load.library import Library, RoutineFile
from builder.model import Arbetsrutin, Samverkansrutin, TeamEntry


def _names(team: TeamEntry) -> list[str]:
    return [n for n in (team.id, team.name, team.abbreviation) if n]


def _mentions(text: str | None, names: list[str]) -> bool:
    if not text:
        return False
    return any(re.search(rf"(?<!\w){re.escape(name)}(?!\w)", text, re.IGNORECASE)
               for name in names)


def team_part(samverkansrutin: Samverkansrutin, team_id: str) -> dict[str, Any] | None:
    """The team's part as plain data; None when the samverkansrutin has no such team."""
    team = next((t for t in samverkansrutin.teams if t.id == team_id), None)
    if team is None:
        return None
    names = _names(team)
    every = [n for t in samverkansrutin.teams for n in _names(t)]
    steps = [{"avsnitt": s.section, "nummer": s.number, "text": s.text, "villkor": s.condition,
              "ansvarig": s.responsible, "när": s.when}
             for s in step_sources(samverkansrutin) if s.kind != "not"
             and (_mentions(s.responsible, names) or _mentions(s.text, names)
                  or _mentions(s.condition, names))]
    contacts = []
    for contact in samverkansrutin.contacts:
        data = contact.model_dump(mode="json", by_alias=True, exclude_defaults=True)
        words = " ".join(str(v) for v in data.values())
        if _mentions(words, names) or not _mentions(words, every):
            contacts.append(data)
    return {"team": team.model_dump(mode="json", by_alias=True, exclude_defaults=True),
            "steg": steps, "kontakter": contacts}


def team_part_hash(samverkansrutin: Samverkansrutin, team_id: str) -> str | None:
    """The fingerprint of the team's part (SHA-256, hex); None when there is no such team."""
    part = team_part(samverkansrutin, team_id)
    return None if part is None else sha256_text(canonical_json(part))


def recorded_team_part(library: Library, routine: RoutineFile) -> tuple[str, str] | None:
    """(samverkansrutin version, fingerprint) to record for an arbetsrutin decided now: the
    samverkansrutin as its file stands (the version the group has before it)."""
    doc = routine.document
    if not isinstance(doc, Arbetsrutin):
        return None
    parent = library.by_id(doc.parent)
    if parent is None or not isinstance(parent.document, Samverkansrutin):
        return None
    digest = team_part_hash(parent.document, doc.team)
    return None if digest is None else (parent.document.version, digest)


@dataclass(frozen=True)
class TeamPartDrift:
    """An approved arbetsrutin whose team's part of the samverkansrutin changed since."""

    routine: RoutineFile
    recorded_version: str  # the samverkansrutin version the arbetsrutin was decided against
    current_version: str  # the samverkansrutin version that changed the part
    in_force: bool  # the changed version is approved and in force (an error, not a warning)
    decided: dt.date  # when the arbetsrutin was last approved or evaluated against it


def _in_force_parent(library: Library, parent: RoutineFile,
                     today: dt.date) -> Samverkansrutin | None:
    """The samverkansrutin version in force today: its newest approval whose archived copy's
    giltig_från has come (the working copy when the archive cannot be read)."""
    folder = parent.path.parent
    for entry in reversed(entries_for(folder, parent.document.id)):
        if not entry.is_approval:
            return None
        copy = load_archived_copy(folder, parent.document.id, entry.version)
        if copy is None and entry.version == parent.document.version:
            copy = parent.document
        if isinstance(copy, Samverkansrutin) and (copy.valid_from is None
                                                  or copy.valid_from <= today):
            return copy
    return None


def team_part_drift(library: Library, routine: RoutineFile,
                    today: dt.date) -> TeamPartDrift | None:
    """Whether the team's part changed after the arbetsrutin's newest approval or evaluation.

    An error (``in_force``) when a newer samverkansrutin version in force changed it; a warning
    when only the working copy (a draft or a version not yet in force) did. Decisions recorded
    before the fingerprint existed carry none and are not judged."""
    doc = routine.document
    if not isinstance(doc, Arbetsrutin):
        return None
    approval = latest_approval(library, doc.id)
    parent = library.by_id(doc.parent)
    if approval is None or parent is None or not isinstance(parent.document, Samverkansrutin):
        return None
    basis = next((e for e in reversed([approval, *evaluations_for(library, doc.id)])
                  if e.team_part_sha256 is not None), None)
    if basis is None or basis.parent_version is None or basis.team_part_sha256 is None:
        return None
    in_force = _in_force_parent(library, parent, today)
    if in_force is not None and version_key(in_force.version) > version_key(
            basis.parent_version) and team_part_hash(in_force, doc.team) != basis.team_part_sha256:
        return TeamPartDrift(routine, basis.parent_version, in_force.version, True, basis.date)
    if team_part_hash(parent.document, doc.team) != basis.team_part_sha256:
        return TeamPartDrift(routine, basis.parent_version, parent.document.version, False,
                             basis.date)
    return None
