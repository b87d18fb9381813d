"""Orchestration: load → validate → rules, and (later stages) render → sign → write."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from builder.diagnostics import Diagnostic, sort_diagnostics
from builder.load.library import Library, display_path, find_library_root, load_library
from builder.rules import CheckOptions, check_library


@dataclass(frozen=True)
class CheckResult:
    library: Library
    diagnostics: list[Diagnostic]

    @property
    def documents(self) -> int:
        return self.library.files_seen

    def errors_for(self, display: str) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.file == display and d.is_error]


def run_check(path: Path, options: CheckOptions | None = None) -> CheckResult:
    """Load the library that ``path`` belongs to and run every rule; nothing is written.

    A single file or a sub-folder is checked in the context of its whole library
    (cross-references need it), but only the findings inside it are returned.
    """
    root = find_library_root(path)
    library, diagnostics = load_library(root)
    diagnostics.extend(check_library(library, options))
    if path.is_file():
        wanted = display_path(path)
        diagnostics = [d for d in diagnostics if d.file == wanted]
    elif path.resolve() != root.resolve():
        folder = path.resolve()
        diagnostics = [d for d in diagnostics if Path(d.file).resolve().is_relative_to(folder)]
    return CheckResult(library, sort_diagnostics(diagnostics))
