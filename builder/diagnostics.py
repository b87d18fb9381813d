"""Diagnostics: one located finding about user data, and the ways to report a list of them."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import quote

Severity = Literal["error", "warning"]
SEVERITY_SV: dict[str, str] = {"error": "fel", "warning": "varning"}


@dataclass(frozen=True, order=True)
class Diagnostic:
    """A finding at file:line:col (1-based), with a stable rule id and a Swedish message."""

    file: str
    line: int
    column: int
    rule: str
    severity: Severity
    message: str

    @property
    def is_error(self) -> bool:
        """Whether the finding is an error (warnings fail only with --strict)."""
        return self.severity == "error"

    def format_text(self) -> str:
        """``file:line:col: severity rule message``, as compilers print findings."""
        return (
            f"{self.file}:{self.line}:{self.column}: "
            f"{SEVERITY_SV[self.severity]} {self.rule} {self.message}"
        )


def sort_diagnostics(diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    """Findings in file, line and column order, each once."""
    return sorted(set(diagnostics))


def has_failures(diagnostics: Iterable[Diagnostic], strict: bool = False) -> bool:
    """Whether the findings fail the command (any error; any finding with ``strict``)."""
    return any(d.is_error or strict for d in diagnostics)


def summary_sv(diagnostics: list[Diagnostic], documents: int) -> str:
    """The Swedish summary line: errors and warnings in so many documents."""
    errors = sum(1 for d in diagnostics if d.is_error)
    warnings = len(diagnostics) - errors
    doc_word = "dokument"
    err = f"{errors} fel"
    warn = f"{warnings} {'varning' if warnings == 1 else 'varningar'}"
    return f"{err}, {warn} i {documents} {doc_word}"


def format_json(diagnostics: list[Diagnostic]) -> str:
    """The findings as a JSON array."""
    return json.dumps([asdict(d) for d in diagnostics], ensure_ascii=False, indent=2)


def sarif_uri(file: str) -> str:
    """A relative URI reference for SARIF: forward slashes, spaces and å ä ö percent-encoded."""
    return quote(file.replace(os.sep, "/"), safe="/")


# The library root (the folder with organisation.yaml) as a SARIF base id: every artifact URI is
# relative to it, so the log reads the same whether `rutin check` ran from the repository root,
# from inside routines/ or from elsewhere.
LIBRARY_BASE_ID = "RUTINBIBLIOTEK"
SOURCE_ROOT_BASE_ID = "%SRCROOT%"


def _project_root(library_root: Path) -> Path:
    """The repository the library lives in (nearest folder with .git), else its parent folder."""
    for folder in (library_root, *library_root.parents):
        if (folder / ".git").exists():
            return folder
    return library_root.parent


def _folder_uri(relative: str) -> str:
    return sarif_uri(relative).rstrip("/") + "/" if relative not in ("", ".") else ""


def _artifact(file: str, library_root: Path | None) -> dict[str, str]:
    if library_root is not None:
        path = Path(file).resolve()
        if path.is_relative_to(library_root):
            return {"uri": sarif_uri(str(path.relative_to(library_root))),
                    "uriBaseId": LIBRARY_BASE_ID}
        return {"uri": path.as_uri()}
    return {"uri": sarif_uri(file)}


def _base_ids(library_root: Path) -> dict[str, dict[str, object]]:
    project = _project_root(library_root)
    inside = os.path.relpath(library_root, project)
    library: dict[str, object] = {
        "uriBaseId": SOURCE_ROOT_BASE_ID,
        "description": {"text": "Rutinbiblioteket: mappen med organisation.yaml."},
    }
    if _folder_uri(inside):
        library["uri"] = _folder_uri(inside)
    return {
        SOURCE_ROOT_BASE_ID: {
            "uri": project.as_uri().rstrip("/") + "/",
            "description": {"text": "Förrådet som rutinbiblioteket ligger i."},
        },
        LIBRARY_BASE_ID: library,
    }


def _rule_descriptor(rule: str, summary: str, level: str | None) -> dict[str, object]:
    from builder.rule_help import RULE_HELP

    known = RULE_HELP.get(rule)
    full = known.full if known else summary
    fix = known.fix if known else "Läs meddelandet och rätta värdet på den angivna raden."
    descriptor: dict[str, object] = {
        "id": rule,
        "shortDescription": {"text": summary},
        "fullDescription": {"text": full},
        "help": {"text": f"{full} {fix}", "markdown": f"**{rule}**: {full}\n\n{fix}"},
    }
    if level is not None:
        descriptor["defaultConfiguration"] = {"level": level}
    return descriptor


def format_sarif(diagnostics: list[Diagnostic], rule_help: dict[str, str], *,
                 library_root: Path | None = None,
                 rule_levels: dict[str, str] | None = None) -> str:
    """SARIF 2.1.0 so CI systems (GitHub code scanning) annotate the offending YAML lines.

    ``rule_help`` maps every rule to its Swedish one-line summary; ``library_root`` makes artifact
    URIs relative to the library (with ``originalUriBaseIds`` saying where it is).
    """
    from builder import __version__

    root = library_root.resolve() if library_root is not None else None
    levels = rule_levels or {}
    rules = sorted({d.rule for d in diagnostics} | set(rule_help))
    index = {rule: i for i, rule in enumerate(rules)}
    run: dict[str, object] = {
        "tool": {
            "driver": {
                "name": "rutinbyggaren",
                "fullName": "Rutinbyggaren (rutin check)",
                "version": __version__,
                "semanticVersion": __version__,
                "language": "sv-SE",
                "rules": [_rule_descriptor(r, rule_help.get(r, r), levels.get(r))
                          for r in rules],
            }
        },
        "language": "sv-SE",
        "columnKind": "unicodeCodePoints",
        "results": [
            {
                "ruleId": d.rule,
                "ruleIndex": index[d.rule],
                "level": d.severity,
                "message": {"text": d.message},
                "locations": [
                    {
                        "physicalLocation": {
                            "artifactLocation": _artifact(d.file, root),
                            "region": {"startLine": d.line, "startColumn": d.column},
                        }
                    }
                ],
            }
            for d in diagnostics
        ],
    }
    if root is not None:
        run["originalUriBaseIds"] = _base_ids(root)
    sarif = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [run],
    }
    return json.dumps(sarif, ensure_ascii=False, indent=2)
