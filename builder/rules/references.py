"""R3xx rules: references between routines and to files, all resolved inside routines/."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import PurePosixPath, PureWindowsPath

from builder.diagnostics import Diagnostic
from builder.load.library import Library
from builder.load.safe_paths import resolve_safely
from builder.model import Arbetsrutin, Samverkansrutin
from builder.rules import CheckOptions, finding, rule


@rule("R301", "error", "Varje team har sin arbetsrutin och varje arbetsrutin sitt team")
def check_team_routines(library: Library, options: CheckOptions) -> Iterator[Diagnostic]:
    """A team without its arbetsrutin, or an arbetsrutin whose parent or team is missing."""
    parents = {r.document.id: r for r in library.samverkansrutiner}
    for parent in library.samverkansrutiner:
        doc = parent.document
        assert isinstance(doc, Samverkansrutin)
        covered_by_self = doc.follow_up is not None and (
            doc.follow_up.team is not None or len(doc.teams) == 1)
        for index, team in enumerate(doc.teams):
            if covered_by_self and (doc.follow_up and doc.follow_up.team in (None, team.id)):
                continue
            if team.own_routine is not True:
                # The source says the team keeps no arbetsrutin of its own, or does not say.
                continue
            has_routine = any(
                isinstance(r.document, Arbetsrutin)
                and r.document.team == team.id and r.document.parent == doc.id
                for r in library.arbetsrutiner
            ) or team.id in library.invalid_field_values("team")  # reported in its own file
            if not has_routine:
                root = library.root.as_posix()
                yield finding(parent, ("team", index, "id"), "R301",
                              f"teamet '{team.id}' saknar arbetsrutin; skapa den med "
                              f"'rutin new arbetsrutin {team.id} {root} --samverkansrutin "
                              f"{doc.id}', eller skriv 'egen_arbetsrutin: false' för teamet om "
                              "det inte har någon egen (ge då samverkansrutinen en egen "
                              "'uppföljning')")
    for routine in library.arbetsrutiner:
        doc = routine.document
        assert isinstance(doc, Arbetsrutin)
        parent_file = parents.get(doc.parent)
        if parent_file is None and doc.parent in library.invalid_field_values("id"):
            continue  # the parent exists but has errors of its own, reported there
        if parent_file is None:
            known = ", ".join(sorted(parents)) or "inga"
            yield finding(routine, ("samverkansrutin",), "R301",
                          f"samverkansrutinen '{doc.parent}' finns inte (kända: {known})")
            continue
        parent_doc = parent_file.document
        assert isinstance(parent_doc, Samverkansrutin)
        team_ids = [t.id for t in parent_doc.teams]
        if doc.team not in team_ids:
            yield finding(routine, ("team",), "R301",
                          f"teamet '{doc.team}' finns inte i samverkansrutinen '{doc.parent}' "
                          f"(där finns: {', '.join(team_ids) or 'inga team'})")


@rule("R302", "error", "Id är unika i hela biblioteket")
def check_unique_ids(library: Library, options: CheckOptions) -> Iterator[Diagnostic]:
    """Two files with the same document id."""
    seen: dict[str, str] = {}
    for routine in library.routines:
        doc_id = routine.document.id
        if doc_id in seen:
            yield finding(routine, ("id",), "R302",
                          f"id '{doc_id}' används redan i {seen[doc_id]}; välj ett unikt id")
        else:
            seen[doc_id] = routine.display
        if isinstance(routine.document, Samverkansrutin):
            team_seen: set[str] = set()
            for index, team in enumerate(routine.document.teams):
                if team.id in team_seen:
                    yield finding(routine, ("team", index, "id"), "R302",
                                  f"teamet '{team.id}' står två gånger i listan")
                team_seen.add(team.id)


def _escapes(reference: str) -> bool:
    posix, windows = PurePosixPath(reference), PureWindowsPath(reference)
    return (posix.is_absolute() or windows.is_absolute() or bool(windows.drive)
            or ".." in posix.parts or ".." in windows.parts or "://" in reference)


@rule("R303", "error", "Filreferenser pekar på filer inom routines/")
def check_file_references(library: Library, options: CheckOptions) -> Iterator[Diagnostic]:
    """An attachment that does not exist, loops, dangles or lies outside the library."""
    root = resolve_safely(library.root)[0] or library.root.absolute()
    for routine in library.routines:
        for index, attachment in enumerate(routine.document.attachments):
            path = ("bilagor", index, "fil")
            if _escapes(attachment.file):
                yield finding(routine, path, "R303",
                              f"bilagan '{attachment.file}' pekar utanför routines/; ange en "
                              "sökväg relativt rutinens mapp, utan '..'")
                continue
            candidate = routine.path.parent / attachment.file
            target, broken = resolve_safely(candidate)
            if target is None and os.path.lexists(candidate):  # a looping or dangling link
                yield finding(routine, path, "R303", f"bilagan '{attachment.file}': {broken}")
            elif target is None or not target.is_file():
                yield finding(routine, path, "R303",
                              f"bilagan '{attachment.file}' finns inte i {routine.path.parent.name}/")
            elif not target.is_relative_to(root):
                yield finding(routine, path, "R303",
                              f"bilagan '{attachment.file}' leder via en länk utanför routines/")
