"""Diagnostics: one located finding about user data, and the ways to report a list of them."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import asdict, dataclass
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


def format_sarif(diagnostics: list[Diagnostic], rule_help: dict[str, str]) -> str:
    """SARIF 2.1.0 so CI systems annotate the offending YAML lines."""
    rules = sorted({d.rule for d in diagnostics} | set(rule_help))
    index = {rule: i for i, rule in enumerate(rules)}
    sarif = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "rutinbyggaren",
                        "informationUri": "https://example.invalid/rutinbyggaren",
                        "rules": [
                            {"id": r, "shortDescription": {"text": rule_help.get(r, r)}}
                            for r in rules
                        ],
                    }
                },
                "results": [
                    {
                        "ruleId": d.rule,
                        "ruleIndex": index[d.rule],
                        "level": d.severity,
                        "message": {"text": d.message},
                        "locations": [
                            {
                                "physicalLocation": {
                                    "artifactLocation": {"uri": sarif_uri(d.file)},
                                    "region": {"startLine": d.line, "startColumn": d.column},
                                }
                            }
                        ],
                    }
                    for d in diagnostics
                ],
            }
        ],
    }
    return json.dumps(sarif, ensure_ascii=False, indent=2)
