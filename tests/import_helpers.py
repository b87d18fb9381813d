"""Shared helpers for the import tests: the imported YAML loaded as the model, compared by facts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from builder.authoring.importing import ImportResult, import_source
from builder.load.safe_yaml import parse_yaml_text
from builder.load.to_model import validate_routine
from builder.model import Document, Section, Step


def load_imported(result: ImportResult) -> Document:
    """The draft YAML read back through the project's own loader (no shortcut)."""
    loaded, problems = parse_yaml_text(result.yaml_text, "import.yaml")
    assert loaded is not None and not problems, problems
    document, problems = validate_routine(loaded)
    assert document is not None, [d.format_text() for d in problems]
    return document


def squash(text: str | None) -> str | None:
    """Text compared as a reader sees it: line wrapping in YAML is no difference."""
    return " ".join(text.split()) if text is not None else None


def step_facts(step: Step) -> dict[str, Any]:
    return {
        "text": squash(step.text), "ansvarig": step.responsible, "när": step.when,
        "alternativ": [(squash(a.condition), squash(a.text), a.responsible, a.when)
                       for a in step.alternatives or []],
    }


def section_facts(section: Section) -> dict[str, Any]:
    return {
        "rubrik": section.heading,
        "text": squash(section.text),
        "punkter": [squash(str(b)) for b in section.bullets or []],
        "steg": [step_facts(s) for s in section.steps or []],
        "not": squash(section.note),
        "underavsnitt": [section_facts(s) for s in section.subsections or []],
    }


def metadata_facts(doc: Document) -> dict[str, Any]:
    return {
        "titel": doc.title, "dokumenttyp": doc.document_type, "upprättat_av": doc.prepared_by,
        "godkänt_av": doc.approved_by, "uppdrag": doc.assignment, "version": doc.version,
        "datum_för_godkännande": doc.approval_date, "giltig_från": doc.valid_from,
        "giltig_till": doc.valid_to, "begrepp": dict(doc.glossary),
    }


def run_import(path: Path, **kwargs: Any) -> ImportResult:
    return import_source(path, **kwargs)
