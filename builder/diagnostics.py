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
    from builder.text.plural import count

    return f"{count(errors, 'fel', 'fel')}, {count(warnings, 'varning', 'varningar')} i " \
        f"{count(documents, 'dokument', 'dokument')}"


def format_json(diagnostics: list[Diagnostic]) -> str:
    """The findings as a JSON array."""
    return json.dumps([asdict(d) for d in diagnostics], ensure_ascii=False, indent=2)


def sarif_uri(file: str) -> str:
    """A relative URI reference for SARIF: forward slashes, spaces and å ä ö percent-encoded."""
    return quote(file.replace(os.sep, "/"), safe="/")


# GitHub code scanning reads every artifact URI as relative to the repository root and ignores
# originalUriBaseIds, so URIs are relative to the git top level of the library (the current
# folder outside git). The %SRCROOT% base id stays for consumers that resolve it: it names the
# same folder, so the log reads the same whichever way it is read.
SOURCE_ROOT_BASE_ID = "%SRCROOT%"


def sarif_root(library_root: Path | None) -> Path:
    """The folder artifact URIs are relative to: the git top level holding the library (a
    folder with ``.git``, a directory or a worktree's file), else the current folder."""
    if library_root is not None:
        start = library_root.resolve()
        for folder in (start, *start.parents):
            if (folder / ".git").exists():
                return folder
    return Path.cwd().resolve()


def _artifact(file: str, root: Path) -> dict[str, str]:
    path = Path(file).resolve()
    relative = os.path.relpath(path, root) if path.anchor == root.anchor else str(path)
    if Path(relative).is_absolute():
        return {"uri": path.as_uri()}
    return {"uri": sarif_uri(relative), "uriBaseId": SOURCE_ROOT_BASE_ID}


def _base_ids(root: Path) -> dict[str, dict[str, object]]:
    return {SOURCE_ROOT_BASE_ID: {
        "uri": root.as_uri().rstrip("/") + "/",
        "description": {"text": "Förrådet som rutinbiblioteket ligger i (git-roten), annars "
                                "mappen rutin check kördes från."},
    }}


def information_uri() -> str:
    """Where the tool is described: its repository when installed from one (the README's
    `pip install "rutinbyggaren @ git+https://…"`) or named in the package metadata, else the
    README of the checkout it runs from."""
    from importlib import metadata

    try:
        dist = metadata.distribution("rutinbyggaren")
    except metadata.PackageNotFoundError:
        dist = None
    if dist is not None:
        direct = json.loads(dist.read_text("direct_url.json") or "{}")
        vcs_url = str(direct.get("url", "")) if "vcs_info" in direct else ""
        if vcs_url.startswith("https://"):
            return vcs_url.removesuffix(".git")
        for entry in dist.metadata.get_all("Project-URL") or []:
            url = str(entry).partition(",")[2].strip()
            if url.startswith("https://"):
                return url
    readme = Path(__file__).resolve().parents[1] / "README.md"
    return readme.as_uri() if readme.is_file() else Path(__file__).resolve().parent.as_uri()


def _rule_descriptor(rule: str, summary: str, level: str | None) -> dict[str, object]:
    from builder.rule_help import RULE_HELP, RULE_NAMES

    known = RULE_HELP.get(rule)
    full = known.full if known else summary
    fix = known.fix if known else "Läs meddelandet och rätta värdet på den angivna raden."
    descriptor: dict[str, object] = {
        "id": rule,
        "name": RULE_NAMES.get(rule, f"Regel{rule}"),
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

    ``rule_help`` maps every rule to its Swedish one-line summary; artifact URIs are relative to
    the repository that holds ``library_root`` (see sarif_root).
    """
    from builder import __version__

    root = sarif_root(library_root)
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
                "informationUri": information_uri(),
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
    run["originalUriBaseIds"] = _base_ids(root)
    sarif = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [run],
    }
    return json.dumps(sarif, ensure_ascii=False, indent=2)
