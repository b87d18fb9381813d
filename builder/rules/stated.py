"""R203: values the source does not state (`ej_angivet`), and where a placeholder stands in for one.

A routine converted from another region keeps what its source says and marks what it does not
say with `ej_angivet`. The marker is fine in a draft or a document approved elsewhere (a
warning lists the gaps), but an approved routine must name who follows up, how and when, and
who does each step: there the marker is an error and blocks `rutin approve`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache

from pydantic import BaseModel

from builder.diagnostics import Diagnostic
from builder.load.library import Library
from builder.load.safe_yaml import YamlPath
from builder.model import Document, NotStated
from builder.rules import CheckOptions, finding, rule

# Values authors write while a fact is open or unknown. Compared after lower-casing and
# stripping punctuation, so "N/A", "n.a.", "Saknas." and "?" are all caught.
PLACEHOLDER_WORDS = frozenset({
    "todo", "tbd", "tba", "xxx", "xx", "x", "na", "n a", "saknas", "okänt", "okänd", "okända",
    "ej klart", "fyll i", "ok", "ej angivet", "inte angivet", "ej angiven", "inte angiven",
    "anges ej", "anges inte", "framgår ej", "framgår inte", "uppgift saknas", "ingen uppgift",
    "ej känt", "inte känt", "vet ej", "oklart", "ej tillämpligt", "saknas i källan",
    "ej ifyllt", "ej ifylld", "inget", "ingen", "null", "none", "nil", "ej",
})
_PREFIXES = ("todo", "ej angivet", "inte angivet", "ej angiven", "uppgift saknas", "saknas i",
             "framgår inte", "framgår ej", "anges inte", "anges ej", "okänt ", "tbd ")
_PUNCTUATION = re.compile(r"[\W_]+")

# Where "not stated" cannot stand in an approved routine (the seed: "Det ska tydligt framgå vem
# som ansvarar för uppföljning och när och hur den sker"; every step says who does it).
FOLLOW_UP_KEYS = ("ansvarig", "hur", "när")
ACCOUNTABLE_HINT = ("en fastställd rutin ska ange vem som följer upp, hur och när, och vem "
                    "som utför varje steg")


def is_placeholder(value: str | None) -> bool:
    """True for a value that only stands in for a fact: empty, punctuation, TODO, saknas, N/A."""
    if value is None:
        return True
    words = _PUNCTUATION.sub(" ", value.casefold()).strip()
    if not words:
        return True
    return words in PLACEHOLDER_WORDS or words.startswith(_PREFIXES) or set(words) <= {"x", " "}


@cache
def accepts_not_stated(model: type[BaseModel], attribute: str) -> bool:
    """Whether the field may hold `ej_angivet` (its type admits NotStated)."""
    from builder.load.to_model import _unwrap

    return NotStated in _unwrap(model.model_fields[attribute].annotation)


@cache
def _plan(model: type[BaseModel]) -> tuple[tuple[str, str, bool], ...]:
    """(attribute, YAML key, accepts ej_angivet) of each field that may hold a marker or a
    nested model; the others (plain texts, dates, numbers) need not be visited."""
    from builder.load.to_model import _unwrap

    plan = []
    for attribute, field in model.model_fields.items():
        types = _unwrap(field.annotation)
        nests = any(not isinstance(t, type) or (issubclass(t, BaseModel) and t is not NotStated)
                    for t in types)
        accepts = NotStated in types
        if nests or accepts:
            plan.append((attribute, field.alias or attribute, accepts))
    return tuple(plan)


def stated_values(model: BaseModel, path: YamlPath = ()
                  ) -> Iterator[tuple[YamlPath, str | NotStated]]:
    """Every value of a field that may be marked `ej_angivet`, with its YAML path."""
    for attribute, key, accepts in _plan(type(model)):
        value = getattr(model, attribute)
        here = path + (key,)
        if isinstance(value, BaseModel) and not isinstance(value, NotStated):
            yield from stated_values(value, here)
        elif isinstance(value, list):
            for index, item in enumerate(value):
                if isinstance(item, BaseModel) and not isinstance(item, NotStated):
                    yield from stated_values(item, here + (index,))
                elif accepts and isinstance(item, (str, NotStated)):
                    yield here + (index,), item
        elif accepts and isinstance(value, (str, NotStated)):
            yield here, value


def is_accountable(path: YamlPath) -> bool:
    """Follow-up (ansvarig, hur, när) and who does a step or an alternative."""
    keys = [p for p in path if isinstance(p, str)]
    if keys[:1] == ["uppföljning"] and keys[-1] in FOLLOW_UP_KEYS:
        return True
    return "steg" in keys and keys[-1] == "ansvarig"


def _label(path: YamlPath) -> str:
    return ".".join(str(p) if isinstance(p, str) else f"[{p + 1}]" for p in path).replace(".[", "[")


def accountability_gaps(document: Document) -> list[str]:
    """The follow-up and step fields marked `ej_angivet` (approve refuses while any remain)."""
    return [_label(path) for path, value in stated_values(document)
            if isinstance(value, NotStated) and is_accountable(path)]


@rule("R203", "warning",
      "Uppföljning och ansvar markerade ej_angivet: varning i utkast, fel i en fastställd rutin")
def check_not_stated(library: Library, options: CheckOptions) -> Iterator[Diagnostic]:
    """R203: each follow-up or step owner marked `ej_angivet`, by the routine's status."""
    for routine in library.routines:
        doc = routine.document
        for path, value in stated_values(doc):
            if not isinstance(value, NotStated):
                continue
            reason = f" ({value.reason})" if value.reason else ""
            # Other fields (author, diarienummer, version label) may stay unstated: that is a
            # fact about the source, nothing to act on, so no finding.
            if not is_accountable(path):
                continue
            if doc.status == "fastställd":
                yield finding(routine, path, "R203",
                              f"'{_label(path)}' är markerad ej_angivet{reason}, men rutinen är "
                              f"fastställd: {ACCOUNTABLE_HINT}", severity="error")
            else:
                yield finding(routine, path, "R203",
                              f"'{_label(path)}' är ej angivet{reason}; fyll i det innan rutinen "
                              "fastställs (det krävs för 'rutin approve')")
