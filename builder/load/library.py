"""The routine library: find every routine file under routines/, load and validate each."""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path

from builder.diagnostics import Diagnostic
from builder.load.safe_paths import file_problem, printable, resolve_safely
from builder.load.safe_yaml import MAX_FILE_BYTES, LoadedYaml, load_yaml
from builder.load.to_model import validate_model, validate_routine
from builder.model import Arbetsrutin, Document, Organisation, Samverkansrutin

ORGANISATION_FILE = "organisation.yaml"
LEDGER_FILE = "godkannanden.yaml"
ARCHIVE_DIR = "arkiv"
NOT_ROUTINES = {ORGANISATION_FILE, LEDGER_FILE}
# A build key "<id>@v<version>" names a version built from its archive copy (Library.versions).
UNIT_SEPARATOR = "@v"


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
    # Files that could not be read or parsed at all: what they still say (id, team).
    unparsed_fields: tuple[dict[str, str], ...] = ()
    # Archive copies of versions in force that their working copy no longer is (a draft of
    # the next version beside them): the build publishes both (governance.lifecycle).
    versions: tuple[RoutineFile, ...] = ()

    def invalid_field_values(self, key: str) -> set[str]:
        """The raw values of ``key`` in files that failed validation or parsing."""
        return {str(s.data[key]) for s in self.invalid_sources
                if isinstance(s.data, dict) and isinstance(s.data.get(key), str)} | {
            fields[key] for fields in self.unparsed_fields if key in fields}

    def by_id(self, doc_id: str) -> RoutineFile | None:
        """The routine with id ``doc_id``, if any."""
        return next((r for r in self.routines if r.document.id == doc_id), None)

    def unit(self, key: str) -> RoutineFile | None:
        """The routine a build key names: a working copy by its id, an archived version in
        force by ``<id>@v<version>``."""
        if UNIT_SEPARATOR not in key:
            return self.by_id(key)
        doc_id, version = key.split(UNIT_SEPARATOR, 1)
        return next((r for r in self.versions
                     if r.document.id == doc_id and r.document.version == version), None)

    def unit_key(self, routine: RoutineFile) -> str:
        """The build key of ``routine``: its id, or ``<id>@v<version>`` for an archive copy."""
        doc = routine.document
        archived = any(routine is v or routine == v for v in self.versions)
        return f"{doc.id}{UNIT_SEPARATOR}{doc.version}" if archived else doc.id

    @property
    def units(self) -> tuple[RoutineFile, ...]:
        """Everything the build renders: every working copy, then the archived versions."""
        return self.routines + self.versions

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
    """Path as the author sees it: relative to the working folder when possible, with control
    characters escaped (a file name must not be able to drive the terminal)."""
    try:
        return printable(os.path.relpath(path))
    except ValueError:  # another drive on Windows
        return printable(str(path))


def find_library_root(path: Path) -> Path:
    """The folder holding organisation.yaml at or above ``path`` (else the folder itself)."""
    start = path if path.is_dir() else path.parent
    for folder in (start, *start.parents):
        if (folder / ORGANISATION_FILE).is_file():
            return folder
    return start


def walk_library(root: Path) -> tuple[list[Path], list[Diagnostic]]:
    """Every routine YAML below root (skipping the ledger, archives and hidden folders), and a
    finding for each linked folder: those are reported, never followed (a link may loop, dangle
    or lead outside routines/, and a folder read twice would duplicate every id)."""
    found: list[Path] = []
    diagnostics: list[Diagnostic] = []
    for dirpath, dirnames, filenames in os.walk(root):
        kept = []
        for name in sorted(dirnames):
            if name.startswith(".") or name == ARCHIVE_DIR:
                continue
            if (Path(dirpath) / name).is_symlink():
                diagnostics.append(_linked_folder(Path(dirpath) / name, root))
                continue
            kept.append(name)
        dirnames[:] = kept
        for name in sorted(filenames):
            if name.endswith((".yaml", ".yml")) and name not in NOT_ROUTINES:
                found.append(Path(dirpath) / name)
    return found, diagnostics


def routine_paths(root: Path) -> list[Path]:
    """Every routine YAML below root (see ``walk_library``)."""
    return walk_library(root)[0]


def _linked_folder(path: Path, root: Path) -> Diagnostic:
    resolved, reason = resolve_safely(path)
    real_root, _ = resolve_safely(root)
    if resolved is None:
        rule, message = "R100", f"mappen är en länk som inte kan följas: {reason}"
    elif real_root is None or not resolved.is_relative_to(real_root):
        rule, message = "R303", ("mappen är en länk till en plats utanför routines/ och läses "
                                 "inte; flytta in rutinerna i routines/")
    else:
        rule, message = "R100", (f"mappen är en länk till {display_path(resolved)}; länkade "
                                 "mappar läses inte (de skulle läsas två gånger) – flytta in "
                                 "rutinerna eller ta bort länken")
    return Diagnostic(display_path(path), 1, 1, rule, "error", message)


# What an unparseable routine still says about itself, so its parent's R301 stays quiet.
_TOP_LEVEL_ID = re.compile(r"^(id|team|samverkansrutin)[ \t]*:[ \t]*[\"']?([A-Za-z0-9_.-]+)",
                           re.MULTILINE)


def _recovered_fields(path: Path) -> dict[str, str]:
    """``id``, ``team`` and ``samverkansrutin`` read line by line from a file that did not
    parse (never more than the size cap); the file name stands in for the team."""
    values = {"team": path.stem}
    try:
        with open(path, "rb", opener=_nonblocking) as handle:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                return values
            text = handle.read(MAX_FILE_BYTES).decode("utf-8", errors="replace")
    except OSError:
        return values
    for key, value in _TOP_LEVEL_ID.findall(text):
        values.setdefault(key, value) if key != "team" else values.update(team=value)
    return values


def _not_a_routine_file(path: Path, root: Path) -> Diagnostic | None:
    """FIFOs, devices, looping, dangling and escaping links: a located finding, never opened."""
    problem = file_problem(path, root)
    if problem is None:
        return None
    return Diagnostic(display_path(path), 1, 1, problem[0], "error", problem[1])


def _nonblocking(path: str, flags: int) -> int:
    return os.open(path, flags | os.O_NONBLOCK)


def load_organisation(root: Path) -> tuple[Organisation | None, LoadedYaml | None,
                                           list[Diagnostic]]:
    """The library's organisation.yaml, validated; (None, None, []) when there is none."""
    path = root / ORGANISATION_FILE
    if not os.path.lexists(path):
        return None, None, []
    refused = _not_a_routine_file(path, root)
    if refused is not None:
        return None, None, [refused]
    source, problems = load_yaml(path, display_path(path))
    if source is None:
        return None, None, problems
    organisation, more = validate_model(source, Organisation)
    return organisation, source, problems + more


def load_library(root: Path) -> tuple[Library, list[Diagnostic]]:
    """Load everything; problems in user data are returned as diagnostics, never raised.
    A file that cannot be read or parsed never stops the others from being checked."""
    diagnostics: list[Diagnostic] = []
    organisation, org_source, problems = load_organisation(root)
    diagnostics.extend(problems)
    routines: list[RoutineFile] = []
    invalid: list[LoadedYaml] = []
    unparsed: list[dict[str, str]] = []
    paths, problems = walk_library(root)
    diagnostics.extend(problems)
    for path in paths:
        refused = _not_a_routine_file(path, root)
        if refused is not None:
            diagnostics.append(refused)
            unparsed.append({"team": path.stem})
            continue
        source, problems = load_yaml(path, display_path(path))
        diagnostics.extend(problems)
        if source is None:
            unparsed.append(_recovered_fields(path))
            continue
        document, problems = validate_routine(source)
        diagnostics.extend(problems)
        if document is not None:
            routines.append(RoutineFile(path, source, document))
        else:
            invalid.append(source)
    library = Library(root, tuple(routines), organisation, org_source, len(paths),
                      tuple(invalid), tuple(unparsed))
    return library, diagnostics
