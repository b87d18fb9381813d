"""The JSON Schema of routine files, generated from the model so the two never drift.

pydantic writes the structure; this module makes it teach and agree with `rutin check`:
- every key and enum value gets its Swedish explanation (builder/authoring/descriptions.py),
  with a short example as ``markdownDescription`` where one helps;
- the two routine kinds are chosen with ``if``/``then`` on ``typ`` (not a top-level ``oneOf``,
  which makes validators report the branch that was never meant);
- scalars are accepted as the loader reads them. The loader keeps every plain scalar as text and
  the model then parses it, so `version: 0.1`, `titel: 2026` and `intervall_månader: "12"` are
  fine for `rutin check`; an editor reads the same YAML as numbers and booleans (YAML 1.2), so
  the schema allows those spellings too;
- a pattern carries a Swedish message for yaml-language-server (``patternErrorMessage``).
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter

from builder.authoring import descriptions as sv
from builder.model import NOT_STATED_TOKEN, Organisation, Routine
from builder.write import write_atomic

SCHEMA_ID = "https://rutinbyggaren.invalid/rutin.schema.json"
ORGANISATION_SCHEMA_NAME = "organisation.schema.json"
LEDGER_SCHEMA_NAME = "godkannanden.schema.json"
DRAFT = "https://json-schema.org/draft/2020-12/schema"

# Strings pydantic's lax mode turns into a boolean (any letter case) and an integer.
_BOOLEAN_WORDS = ("true", "false", "yes", "no", "on", "off", "t", "f", "y", "n", "1", "0")
_INTEGER_TEXT = r"^\s*[+]?0*({digits})(\.0*)?\s*$"
# Exactly the days that exist, as `rutin check` (R104, date.fromisoformat) reads ÅÅÅÅ-MM-DD:
# month lengths, 29 February only in leap years (divisible by 4, centuries only by 400), years
# 0001-9999. yaml-language-server checks `format: date` by shape only, so the pattern does it.
_YEAR = r"(000[1-9]|00[1-9][0-9]|0[1-9][0-9]{2}|[1-9][0-9]{3})"
_LEAP_YEAR = r"([0-9]{2}(0[48]|[2468][048]|[13579][26])|(0[48]|[2468][048]|[13579][26])00)"
_DATE_PATTERN = (
    "^(" + _YEAR + "-((0[13578]|1[02])-(0[1-9]|[12][0-9]|3[01])"
    "|(0[469]|11)-(0[1-9]|[12][0-9]|30)|02-(0[1-9]|1[0-9]|2[0-8]))"
    "|" + _LEAP_YEAR + "-02-29)$")


def _any_case(word: str) -> str:
    return "".join(f"[{c.lower()}{c.upper()}]" if c.isalpha() else c for c in word)


_BOOLEAN_TEXT = "^(" + "|".join(_any_case(w) for w in _BOOLEAN_WORDS) + ")$"


def _integer_text(schema: dict[str, Any]) -> str:
    """A pattern for an integer written as text, within the schema's bounds when they are small."""
    low, high = schema.get("minimum"), schema.get("maximum")
    if isinstance(low, int) and isinstance(high, int) and 0 <= low <= high <= 999:
        digits = "|".join(str(n) for n in range(high, low - 1, -1))
        # "0*" already takes the leading zeros, so 0 itself is written as the empty match.
        digits = digits.replace("|0", "|") if low == 0 else digits
    else:
        digits = "[0-9]+"
    return _INTEGER_TEXT.format(digits=digits)


def _scalar_as_loaded(schema: dict[str, Any]) -> dict[str, Any] | None:
    """The loader's view of one scalar schema from pydantic, or None to leave it as it is."""
    kind = schema.get("type")
    if kind == "string" and schema.get("format") == "date":
        return {"type": "string", "format": "date", "pattern": _DATE_PATTERN,
                "patternErrorMessage": sv.DATE_MESSAGE, "errorMessage": sv.DATE_MESSAGE}
    if kind == "string" and "enum" not in schema and "const" not in schema:
        relaxed = dict(schema)
        pattern = schema.get("pattern")
        if pattern is None:
            # Plain text: a number or a boolean written without quotes is text to the loader.
            relaxed["type"] = ["string", "number", "boolean"]
        else:
            # A patterned text (id, version) written as a non-negative number is still its
            # digits; booleans never match these patterns.
            relaxed["type"] = ["string", "number"]
            relaxed["minimum"] = 0
            message = sv.PATTERN_MESSAGES.get(pattern)
            if message:
                relaxed["patternErrorMessage"] = message
        return relaxed
    if kind == "integer":
        return {"anyOf": [dict(schema), {"type": "string", "pattern": _integer_text(schema)}],
                "errorMessage": sv.INTEGER_MESSAGE}
    if kind == "boolean":
        return {"anyOf": [{"type": "boolean"}, {"type": "string", "pattern": _BOOLEAN_TEXT},
                          {"type": "integer", "enum": [0, 1]}],
                "errorMessage": sv.BOOLEAN_MESSAGE}
    return None


def _relax(node: Any) -> Any:
    """Walk a property schema and replace every scalar by the loader's view of it."""
    if isinstance(node, list):
        return [_relax(item) for item in node]
    if not isinstance(node, dict):
        return node
    replaced = _scalar_as_loaded(node)
    if replaced is not None:
        return replaced
    relaxed = {key: (_relax(value) if key in ("anyOf", "oneOf", "allOf", "items",
                                               "additionalProperties") else value)
               for key, value in node.items()}
    options = relaxed.get("anyOf")
    if isinstance(options, list) and any(str(o.get("$ref", "")).endswith("/NotStated")
                                         for o in options if isinstance(o, dict)):
        # The bare marker, as the loader reads it, where a date or yes/no may be unstated.
        options.append({"const": NOT_STATED_TOKEN,
                        "description": sv.VALUES[NOT_STATED_TOKEN]})
    return relaxed


def _enums(node: Any) -> None:
    """Give every enum its values' explanations (yaml-language-server shows them in completion)."""
    if isinstance(node, list):
        for item in node:
            _enums(item)
        return
    if not isinstance(node, dict):
        return
    values = node.get("enum")
    if isinstance(values, list) and all(isinstance(v, str) for v in values):
        texts = [sv.VALUES.get(v, "") for v in values]
        node["enumDescriptions"] = texts
        node["markdownEnumDescriptions"] = texts
    if isinstance(node.get("const"), str) and node["const"] in sv.VALUES:
        node.setdefault("description", sv.VALUES[node["const"]])
    for key, value in node.items():
        if key not in ("enumDescriptions", "markdownEnumDescriptions"):
            _enums(value)


def _explain(model: str, key: str, prop: dict[str, Any]) -> dict[str, Any]:
    prop = _relax(prop)
    prop.pop("title", None)
    if "default" in prop and prop["default"] is None:
        del prop["default"]  # an editor would insert "null" on completion
    text = sv.describe_key(model, key)
    if text:
        prop["description"] = text
        example = sv.EXAMPLES.get(key)
        prop["markdownDescription"] = f"{text}\n\n```yaml\n{example}\n```" if example else text
    _enums(prop)
    return prop


def _teach_object(model: str, schema: dict[str, Any]) -> None:
    """Swedish texts for one object schema (a $defs entry or the top level) and its keys."""
    schema.pop("title", None)
    # A block is explained where it is used (its key's description): a description here would
    # win an editor's hover over the key's own text. Never the model's English docstring.
    schema.pop("description", None)
    properties = schema.get("properties", {})
    for key in list(properties):
        properties[key] = _explain(model, key, properties[key])
    if "additionalProperties" in schema and schema["additionalProperties"] is not False:
        schema["additionalProperties"] = _relax(schema["additionalProperties"])


def _teach(schema: dict[str, Any]) -> dict[str, Any]:
    schema = copy.deepcopy(schema)
    for name, definition in schema.get("$defs", {}).items():
        _teach_object(name, definition)
    return schema


def _wrap(schema: dict[str, Any], schema_id: str, title: str) -> dict[str, Any]:
    return {"$schema": DRAFT, "$id": schema_id, "title": title, **schema}


def routine_schema() -> dict[str, Any]:
    """Both routine kinds; ``typ`` picks which one applies (``if``/``then``)."""
    generated = _teach(TypeAdapter(Routine).json_schema(by_alias=True))
    mapping: dict[str, str] = generated["discriminator"]["mapping"]
    kinds = sorted(mapping)
    typ = _explain("", "typ", {"enum": kinds, "type": "string"})
    typ["errorMessage"] = "'typ' ska vara " + " eller ".join(f"'{k}'" for k in kinds) + "."
    body = {
        "description": "En rutinfil. Nyckeln typ avgör vilka nycklar som gäller.",
        "type": "object",
        "required": ["typ"],
        "properties": {"typ": typ},
        "allOf": [
            {"if": {"properties": {"typ": {"const": kind}}, "required": ["typ"]},
             "then": {"$ref": mapping[kind]}}
            for kind in kinds
        ],
        "$defs": generated["$defs"],
    }
    return _wrap(body, SCHEMA_ID, "Rutin (samverkansrutin eller arbetsrutin)")


def organisation_schema() -> dict[str, Any]:
    """The JSON Schema for routines/organisation.yaml."""
    generated = Organisation.model_json_schema(by_alias=True)
    taught = _teach(generated)
    _teach_object("Organisation", taught)
    return _wrap(taught, SCHEMA_ID.replace("rutin.schema", "organisation.schema"),
                 "Organisation (routines/organisation.yaml)")


def _text(schema: dict[str, Any]) -> str:
    return json.dumps(schema, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def schema_text() -> str:
    """The routine schema as the text written to routines/rutin.schema.json."""
    return _text(routine_schema())


def write_schema(target: Path) -> list[Path]:
    """Write the routine schema to ``target`` and the organisation and ledger schemas beside it."""
    from builder.governance.ledger import ledger_schema

    write_atomic(target, schema_text().encode("utf-8"))
    organisation = target.parent / ORGANISATION_SCHEMA_NAME
    write_atomic(organisation, _text(organisation_schema()).encode("utf-8"))
    ledger = target.parent / LEDGER_SCHEMA_NAME
    ledger_text = json.dumps(ledger_schema(), ensure_ascii=False, indent=2) + "\n"
    write_atomic(ledger, ledger_text.encode("utf-8"))
    return [target, organisation, ledger]
