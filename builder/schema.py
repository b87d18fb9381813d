"""The JSON Schema of routine files, generated from the model so the two never drift."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter

from builder.model import Routine
from builder.write import write_atomic

SCHEMA_ID = "https://rutinbyggaren.invalid/rutin.schema.json"


def routine_schema() -> dict[str, Any]:
    schema = TypeAdapter(Routine).json_schema(by_alias=True)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "Rutin (samverkansrutin eller arbetsrutin)",
        **schema,
    }


def schema_text() -> str:
    return json.dumps(routine_schema(), ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def write_schema(target: Path) -> None:
    write_atomic(target, schema_text().encode("utf-8"))
