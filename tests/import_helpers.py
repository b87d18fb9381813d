"""Shared helpers for the import tests: the imported YAML loaded as the model, compared by facts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from builder.authoring.importing import ImportResult, import_source
from builder.load.safe_yaml import parse_yaml_text
from builder.load.to_model import validate_routine
from builder.model import Bullet, Document, Section, Step


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


def bullet_facts(item: Any) -> Any:
    if isinstance(item, Bullet):
        return (squash(item.text), [bullet_facts(b) for b in item.bullets])
    return squash(item)


def section_facts(section: Section) -> dict[str, Any]:
    criteria = section.criteria
    return {
        "rubrik": section.heading,
        "text": squash(section.text),
        "punkter": [bullet_facts(b) for b in section.bullets or []],
        "kriterier": None if criteria is None else (
            criteria.at_least, [squash(c) for c in criteria.items], squash(criteria.text)),
        "steg": [step_facts(s) for s in section.steps or []],
        "text_efter": squash(section.text_after),
        "not": squash(section.note),
        "tomt_i_källan": section.empty_in_source,
        "underavsnitt": [section_facts(s) for s in section.subsections or []],
    }


def contact_facts(doc: Document) -> list[tuple[Any, ...]]:
    """Contacts by fact; a phone number by its digits (outputs print one house format)."""
    return [(c.name, c.role, c.unit, "".join(ch for ch in str(c.phone or "") if ch.isdigit()),
             c.email, c.hours, c.area) for c in doc.contacts]


def metadata_facts(doc: Document) -> dict[str, Any]:
    return {
        "titel": doc.title, "dokumenttyp": doc.document_type, "upprättat_av": doc.prepared_by,
        "godkänt_av": doc.approved_by, "uppdrag": doc.assignment, "version": doc.version,
        "datum_för_godkännande": doc.approval_date, "giltig_från": doc.valid_from,
        "giltig_till": doc.valid_to, "begrepp": dict(doc.glossary),
        "diarienummer": doc.registration_number, "processägare": doc.process_owner,
        "granskare": list(doc.reviewers), "fastställare": doc.approver,
        "gäller_för": list(doc.applies_to), "målgrupp": doc.audience,
        "kontaktperson": doc.contact_person, "ansvarig_för_revidering": doc.revision_responsible,
        "beslutande_organ": doc.decision_body, "ägare": doc.owner,
        "övriga_uppgifter": [(d.label, d.value) for d in doc.other_details],
        "källa": doc.source, "ingress": squash(doc.preamble),
        "relaterade_dokument": [(d.title, d.url) for d in doc.related_documents],
    }


def run_import(path: Path, **kwargs: Any) -> ImportResult:
    return import_source(path, **kwargs)
