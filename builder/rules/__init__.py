"""Rule registry: one function per rule, each yielding Diagnostics for the whole library."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from builder.diagnostics import Diagnostic, Severity
from builder.layout import PrintLayout
from builder.load.library import Library, RoutineFile
from builder.load.safe_yaml import YamlPath


@dataclass(frozen=True)
class CheckOptions:
    """What the rules may depend on besides the library: today's date (tests fix it) and the
    print layout check.py measured (R501, R502)."""

    today: dt.date = field(default_factory=dt.date.today)
    layout: PrintLayout = field(default_factory=PrintLayout)


RuleFunction = Callable[[Library, CheckOptions], Iterable[Diagnostic]]


@dataclass(frozen=True)
class Rule:
    """A registered rule: code, severity, Swedish summary and its function."""

    code: str
    severity: Severity
    summary: str  # Swedish one-liner, shown in SARIF and `rutin check --regler`
    function: RuleFunction


RULES: dict[str, Rule] = {}


def rule(code: str, severity: Severity, summary: str) -> Callable[[RuleFunction], RuleFunction]:
    """Register a rule function under a stable code."""

    def register(function: RuleFunction) -> RuleFunction:
        if code in RULES:
            raise ValueError(f"rule {code} registered twice")
        RULES[code] = Rule(code, severity, summary, function)
        return function

    return register


# Findings made while loading and validating, before any registered rule runs.
LOAD_RULES: dict[str, str] = {
    "R100": "Filen går att läsa som YAML (syntax, UTF-8, storlek)",
    "R101": "Schemat följs (obligatoriska nycklar, rätt typ och värde)",
    "R102": "Inga okända nycklar",
    "R103": "Inga dubbla nycklar",
    "R104": "Datum är giltiga (ÅÅÅÅ-MM-DD)",
    "R105": "Inga YAML-ankare, alias eller taggar",
}


def rule_summaries() -> dict[str, str]:
    """Every rule code with its Swedish summary, loader rules included."""
    return {**LOAD_RULES, **{code: r.summary for code, r in RULES.items()}}


def finding(routine: RoutineFile, path: YamlPath, code: str, message: str,
            at_text: str | None = None, severity: Severity | None = None) -> Diagnostic:
    """A diagnostic for ``routine`` located at the YAML ``path`` (or its nearest ancestor).

    The key is pointed at; findings about a text's content pass ``at_text``, the word or
    fragment found, and point at it inside the value.
    """
    source = routine.source
    pos = source.position(path) if at_text is None else source.locate(path, at_text)
    return Diagnostic(routine.display, pos.line, pos.column, code,
                      severity or RULES[code].severity, message)


def check_library(library: Library, options: CheckOptions | None = None) -> list[Diagnostic]:
    """Run every registered rule over the library."""
    options = options or CheckOptions()
    found: list[Diagnostic] = []
    _LEAVES.clear()
    _LEAVES[0] = (None, [])  # while a check runs, each document's texts are listed once
    try:
        for registered in RULES.values():
            found.extend(registered.function(library, options))
    finally:
        _LEAVES.clear()
    return found


# id(data) → (data, its leaves), only during check_library: seven rules walk every text.
_LEAVES: dict[int, tuple[object, list[tuple[YamlPath, str]]]] = {}


def _walk(data: object, path: YamlPath, out: list[tuple[YamlPath, str]]) -> None:
    if isinstance(data, dict):
        for key, value in data.items():
            _walk(value, path + (key,), out)
    elif isinstance(data, list):
        for index, value in enumerate(data):
            _walk(value, path + (index,), out)
    elif isinstance(data, str):
        out.append((path, data))


def string_leaves(data: object, path: YamlPath = ()) -> Iterator[tuple[YamlPath, str]]:
    """Every text value in raw YAML data with its path."""
    cached = _LEAVES.get(id(data)) if _LEAVES and not path else None
    if cached is not None and cached[0] is data:
        return iter(cached[1])
    leaves: list[tuple[YamlPath, str]] = []
    _walk(data, path, leaves)
    if _LEAVES and not path:
        _LEAVES[id(data)] = (data, leaves)
    return iter(leaves)


# Import the rule modules so their decorators register them (order = report order).
from builder.rules import (  # noqa: F401
    cardlines,
    content,
    followup,
    governance,
    handoff,
    ledger,
    references,
    stated,
    structure,
    text_limits,
)
from builder.rules import print as print_rules  # noqa: F401  (R501–R502, measured)
