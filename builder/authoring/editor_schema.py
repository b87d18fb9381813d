"""The JSON Schema of routine files, generated from the model so the two never drift."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter

from builder.model import Organisation, Routine
from builder.write import write_atomic

SCHEMA_ID = "https://rutinbyggaren.invalid/rutin.schema.json"
ORGANISATION_SCHEMA_NAME = "organisation.schema.json"


def _wrap(schema: dict[str, Any], schema_id: str, title: str) -> dict[str, Any]:
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": schema_id,
            "title": title, **schema}


def routine_schema() -> dict[str, Any]:
    """The JSON Schema editors use to check and complete a routine file."""
    return _wrap(TypeAdapter(Routine).json_schema(by_alias=True), SCHEMA_ID,
                 "Rutin (samverkansrutin eller arbetsrutin)")


def organisation_schema() -> dict[str, Any]:
    """The JSON Schema for routines/organisation.yaml."""
    return _wrap(Organisation.model_json_schema(by_alias=True),
                 SCHEMA_ID.replace("rutin.schema", "organisation.schema"),
                 "Organisation (routines/organisation.yaml)")


def _text(schema: dict[str, Any]) -> str:
    return json.dumps(schema, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def schema_text() -> str:
    """The routine schema as the text written to routines/rutin.schema.json."""
    return _text(routine_schema())


def write_schema(target: Path) -> list[Path]:
    """Write the routine schema to ``target`` and the organisation schema beside it."""
    write_atomic(target, schema_text().encode("utf-8"))
    organisation = target.parent / ORGANISATION_SCHEMA_NAME
    write_atomic(organisation, _text(organisation_schema()).encode("utf-8"))
    return [target, organisation]
