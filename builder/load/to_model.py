"""Schema validation: parsed YAML into models, pydantic errors into located Swedish diagnostics."""

from __future__ import annotations

import difflib
import types
import typing
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from builder.diagnostics import Diagnostic
from builder.load.safe_yaml import LoadedYaml, YamlPath
from builder.model import ROUTINE_CLASSES, Document

M = TypeVar("M", bound=BaseModel)

TYPE_WORDS_SV = {dict: "ett block med nycklar", list: "en lista", str: "en text"}


def _unwrap(annotation: Any) -> list[Any]:
    """The concrete types inside Optional/Union/list/dict/Annotated."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType, list, dict):
        found: list[Any] = []
        for arg in typing.get_args(annotation):
            found.extend(_unwrap(arg))
        return found
    return [annotation]


def _model_at(model: type[BaseModel], loc: YamlPath) -> type[BaseModel] | None:
    """The model class that validates the mapping at ``loc`` (list indices are skipped)."""
    current: type[BaseModel] = model
    for part in loc:
        if isinstance(part, int):
            continue
        field = next(
            (f for name, f in current.model_fields.items() if (f.alias or name) == part), None
        )
        if field is None:
            return None
        nested = [t for t in _unwrap(field.annotation) if isinstance(t, type)
                  and issubclass(t, BaseModel)]
        if not nested:
            return None
        current = nested[0]
    return current


def allowed_keys(model: type[BaseModel]) -> list[str]:
    """The YAML keys a model accepts (aliases where set)."""
    return [f.alias or name for name, f in model.model_fields.items()]


def _describe(value: Any) -> str:
    for kind, word in TYPE_WORDS_SV.items():
        if isinstance(value, kind):
            if kind is str:
                return f"'{value}'"
            return word
    return "inget värde" if value is None else repr(value)


# One flat case per pydantic error kind: long, but not tangled.
def _message(error: Any, model: type[BaseModel]) -> tuple[str, str]:  # noqa: C901
    """(rule, Swedish message) for one pydantic error."""
    loc: YamlPath = tuple(error["loc"])
    key = next((str(p) for p in reversed(loc) if isinstance(p, str)), "värdet")
    kind: str = error["type"]
    got = _describe(error.get("input"))
    ctx = error.get("ctx") or {}
    if kind == "missing":
        parent = next((str(p) for p in reversed(loc[:-1]) if isinstance(p, str)), None)
        where = f" i '{parent}'" if parent else ""
        return "R101", f"obligatoriska nyckeln '{loc[-1]}' saknas{where}"
    if kind == "extra_forbidden":
        parent_model = _model_at(model, loc[:-1])
        candidates = allowed_keys(parent_model) if parent_model else []
        close = difflib.get_close_matches(str(loc[-1]), candidates, n=1, cutoff=0.6)
        hint = f"; menade du '{close[0]}'?" if close else (
            f"; tillåtna nycklar här: {', '.join(candidates)}" if candidates else ""
        )
        return "R102", f"okänd nyckel '{loc[-1]}'{hint}"
    if kind.startswith(("date", "datetime")):
        return "R104", f"'{key}' har ogiltigt datum {got}; skriv ÅÅÅÅ-MM-DD med ett datum som finns"
    if kind == "literal_error":
        return "R101", f"'{key}' har värdet {got}; tillåtna värden: {_choices(ctx)}"
    if kind == "string_pattern_mismatch":
        if key == "version":
            return "R101", f"'version' ska vara siffror med punkt, t.ex. \"1.0\", inte {got}"
        return "R101", (
            f"'{key}' får bara innehålla små bokstäver a–z, siffror och bindestreck, fick {got}"
        )
    if kind == "string_type":
        return "R101", f"'{key}' ska vara en text men är {got}"
    if kind == "list_type":
        return "R101", f"'{key}' ska vara en lista (rader som börjar med '- ') men är {got}"
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        return "R101", f"'{key}' ska vara ett block med nycklar men är {got}"
    if kind in ("too_short", "string_too_short"):
        return "R101", f"'{key}' får inte vara tom"
    if kind.startswith("int"):
        return "R101", f"'{key}' ska vara ett heltal, fick {got}"
    if kind in BOUNDS_SV:
        limit = next(iter(ctx.values()), "")
        return "R101", f"'{key}' ska vara {BOUNDS_SV[kind]} {limit}, fick {got}"
    if kind.startswith("bool"):
        return "R101", f"'{key}' ska vara true eller false, fick {got}"
    # Never pydantic's English text: say which key and what came.
    return "R101", f"'{key}' har ett ogiltigt värde: {got}"


BOUNDS_SV = {"greater_than_equal": "minst", "greater_than": "större än",
             "less_than_equal": "högst", "less_than": "mindre än"}


def _choices(ctx: dict[str, Any]) -> str:
    """pydantic's "'a', 'b' or 'c'" in Swedish, from the allowed values themselves."""
    expected = str(ctx.get("expected", ""))
    head, sep, last = expected.rpartition(" or ")
    return f"{head} eller {last}" if sep else expected


# Errors about a value (wrong type, bad date) point at the value; missing and unknown keys at
# the key or the block that lacks it.
KEY_ERRORS = frozenset({"missing", "extra_forbidden"})


def validate_model(
    source: LoadedYaml, model: type[M]
) -> tuple[M | None, list[Diagnostic]]:
    """Validate plain data against ``model``; every error becomes a located diagnostic."""
    try:
        return model.model_validate(source.data), []
    except ValidationError as exc:
        diagnostics = []
        for error in exc.errors():
            rule, message = _message(error, model)
            loc = tuple(error["loc"])
            pos = source.position(loc) if error["type"] in KEY_ERRORS else (
                source.value_position(loc))
            diagnostics.append(
                Diagnostic(source.display, pos.line, pos.column, rule, "error", message)
            )
        return None, diagnostics


def validate_routine(source: LoadedYaml) -> tuple[Document | None, list[Diagnostic]]:
    """Pick the document class from ``typ`` and validate against it."""
    data = source.data
    if not isinstance(data, dict):
        pos = source.position(())
        return None, [Diagnostic(source.display, pos.line, pos.column, "R101", "error",
                                 f"en rutin ska vara ett block med nycklar, inte {_describe(data)}")]
    kind = data.get("typ")
    cls = ROUTINE_CLASSES.get(kind) if isinstance(kind, str) else None
    if cls is None:
        pos = source.value_position(("typ",))
        got = "saknas" if kind is None else f"är {_describe(kind)}"
        return None, [Diagnostic(source.display, pos.line, pos.column, "R101", "error",
                                 f"'typ' ska vara 'samverkansrutin' eller 'arbetsrutin' men {got}")]
    return validate_model(source, cls)
