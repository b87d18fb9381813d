"""The routine library: find every routine file under routines/, load and validate each."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from builder.diagnostics import Diagnostic
from builder.load.safe_yaml import LoadedYaml, load_yaml
from builder.load.to_model import validate_model, validate_routine
from builder.model import Arbetsrutin, Document, Organisation, Samverkansrutin

ORGANISATION_FILE = "organisation.yaml"
LEDGER_FILE = "godkannanden.yaml"
ARCHIVE_DIR = "arkiv"
NOT_ROUTINES = {ORGANISATION_FILE, LEDGER_FILE}


@dataclass(frozen=True)
class RoutineFile:
    """One validated routine with where it came from."""

    path: Path
    source: LoadedYaml
    document: Document

    @property
    def display(self) -> str:
        """The file's path as findings show it."""
        return self.source.display


@dataclass(frozen=True)
class Library:
    """Every routine that loaded without errors, and the organisation, under one root."""

    root: Path
    routines: tuple[RoutineFile, ...]
    organisation: Organisation | None
    organisation_source: LoadedYaml | None
    files_seen: int  # routine files found, including those that failed to load
    # Files that parsed but failed validation: their ids and references still silence
    # follow-on findings about them (a misspelt key must not also read "routine missing").
    invalid_sources: tuple[LoadedYaml, ...] = ()

    def invalid_field_values(self, key: str) -> set[str]:
        """The raw values of ``key`` in files that failed validation."""
        return {str(s.data[key]) for s in self.invalid_sources
                if isinstance(s.data, dict) and isinstance(s.data.get(key), str)}

    def by_id(self, doc_id: str) -> RoutineFile | None:
        """The routine with id ``doc_id``, if any."""
        return next((r for r in self.routines if r.document.id == doc_id), None)

    @property
    def samverkansrutiner(self) -> list[RoutineFile]:
        """Every samverkansrutin in the library."""
        return [r for r in self.routines if isinstance(r.document, Samverkansrutin)]

    @property
    def arbetsrutiner(self) -> list[RoutineFile]:
        """Every arbetsrutin in the library."""
        return [r for r in self.routines if isinstance(r.document, Arbetsrutin)]

    def group_folder(self, routine: RoutineFile) -> Path:
        """The folder of the routine's samverkansrutin (holds its ledger and archive)."""
        return routine.path.parent


def display_path(path: Path) -> str:
    """Path as the author sees it: relative to the working folder when possible."""
    try:
        return os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return str(path)


def find_library_root(path: Path) -> Path:
    """The folder holding organisation.yaml at or above ``path`` (else the folder itself)."""
    start = path if path.is_dir() else path.parent
    for folder in (start, *start.parents):
        if (folder / ORGANISATION_FILE).is_file():
            return folder
    return start


def routine_paths(root: Path) -> list[Path]:
    """Every routine YAML below root, skipping the ledger, archives and hidden folders."""
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and d != ARCHIVE_DIR)
        for name in sorted(filenames):
            if name.endswith((".yaml", ".yml")) and name not in NOT_ROUTINES:
                found.append(Path(dirpath) / name)
    return found


def _outside_root(path: Path, root: Path) -> Diagnostic | None:
    """A symlink that leads out of routines/ is a path trick, never followed."""
    if path.resolve().is_relative_to(root.resolve()):
        return None
    return Diagnostic(display_path(path), 1, 1, "R303", "error",
                      "filen är en länk till en plats utanför routines/ och läses inte")


def load_organisation(root: Path) -> tuple[Organisation | None, LoadedYaml | None,
                                           list[Diagnostic]]:
    """The library's organisation.yaml, validated; (None, None, []) when there is none."""
    path = root / ORGANISATION_FILE
    if not path.is_file():
        return None, None, []
    source, problems = load_yaml(path, display_path(path))
    if source is None:
        return None, None, problems
    organisation, more = validate_model(source, Organisation)
    return organisation, source, problems + more


def load_library(root: Path) -> tuple[Library, list[Diagnostic]]:
    """Load everything; problems in user data are returned as diagnostics, never raised."""
    diagnostics: list[Diagnostic] = []
    organisation, org_source, problems = load_organisation(root)
    diagnostics.extend(problems)
    routines: list[RoutineFile] = []
    invalid: list[LoadedYaml] = []
    paths = routine_paths(root)
    for path in paths:
        escape = _outside_root(path, root)
        if escape is not None:
            diagnostics.append(escape)
            continue
        source, problems = load_yaml(path, display_path(path))
        diagnostics.extend(problems)
        if source is None:
            continue
        document, problems = validate_routine(source)
        diagnostics.extend(problems)
        if document is not None:
            routines.append(RoutineFile(path, source, document))
        else:
            invalid.append(source)
    library = Library(root, tuple(routines), organisation, org_source, len(paths),
                      tuple(invalid))
    return library, diagnostics
