"""What the printed aids (checklist, pocket cards, läskvittens) share: template env, rows, labels."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from builder.dates import format_date_sv
from builder.load.library import Library, RoutineFile
from builder.load.safe_yaml import YamlPath
from builder.markdown import render_inline
from builder.model import (
    Arbetsrutin,
    Document,
    Samverkansrutin,
    Section,
    Step,
    TeamEntry,
    shown,
    stated,
)
from builder.render.document_view import criteria_rule
from builder.render.html import template_env
from builder.wording import LETTERS


def checked_pdf(document_id: str, html: str, options: Any = None) -> bytes:
    """html_to_pdf, raising RenderError (as the main PDF does) when WeasyPrint warned."""
    from builder.errors import RenderError
    from builder.render.weasy import html_to_pdf

    result = html_to_pdf(html, options)
    problems = [f"WeasyPrint varnade: {w}" for w in result.warnings]
    problems += [f"adressen hämtades inte: {u}" for u in result.refused_urls]
    if problems:
        raise RenderError(document_id, problems)
    return result.data


def render_template(name: str, **context: Any) -> str:
    """Render with the main document's Jinja environment; ``inline`` renders Markdown."""
    return template_env().get_template(name).render(inline=render_inline, **context)


def validity_text(document: Document) -> str:
    """'Giltig från 1 juni 2026 till …', or the honest absence of a date for drafts."""
    if document.valid_from is None:
        return "Giltighetsdatum ej fastställt"
    text = f"Giltig från {format_date_sv(document.valid_from)}"
    if document.valid_to is not None:
        text += f" till {format_date_sv(document.valid_to)}"
    return text


def find_team(routine: RoutineFile, library: Library) -> TeamEntry | None:
    """The team a document is for: an arbetsrutin's team, or the one team a samverkansrutin
    covers alone (its follow-up names it, or it lists exactly one)."""
    doc = routine.document
    if isinstance(doc, Arbetsrutin):
        parent = library.by_id(doc.parent)
        teams = parent.document.teams if parent and isinstance(parent.document,
                                                                Samverkansrutin) else []
        return next((t for t in teams if t.id == doc.team), None)
    if isinstance(doc, Samverkansrutin):
        wanted = doc.follow_up.team if doc.follow_up else None
        if wanted:
            return next((t for t in doc.teams if t.id == wanted), None)
        if len(doc.teams) == 1:
            return doc.teams[0]
    return None


@dataclass(frozen=True)
class ChecklistRow:
    """One checkable line: a step or one alternative (2a) of a step."""

    number: str  # "1", "2a"
    condition: str | None  # the alternative's villkor ("Om …"), shown as "om … → …"
    text: str
    responsible: str
    when: str
    path: YamlPath  # where the step or alternative stands in the YAML (for R502)
    section: str  # heading of the section the step belongs to

    @property
    def field_id(self) -> str:
        """The form field (and row element) id of the row."""
        return f"steg-{self.path_key}"

    @property
    def path_key(self) -> str:
        """The row's step indexes joined by '-': unique within the document."""
        return "-".join(str(p) for p in self.path if isinstance(p, int))


def _walk(sections: list[Section], path: YamlPath) -> list[tuple[Section, YamlPath]]:
    found: list[tuple[Section, YamlPath]] = []
    for index, section in enumerate(sections):
        found.append((section, path + (index,)))
        found.extend(_walk(section.subsections or [], path + (index, "underavsnitt")))
    return found


def _step_rows(step: Step, number: int, path: YamlPath, heading: str) -> list[ChecklistRow]:
    rows: list[ChecklistRow] = []
    if step.text:
        rows.append(ChecklistRow(str(number), None, step.text, shown(step.responsible, ""),
                                 shown(step.when, ""), path, heading))
    for letter, alt in zip(LETTERS, step.alternatives or [], strict=False):
        rows.append(ChecklistRow(
            f"{number}{letter}", alt.condition, alt.text,
            shown(alt.responsible or step.responsible, ""), shown(alt.when or step.when, ""),
            path + ("alternativ", LETTERS.index(letter)), heading))
    return rows


@dataclass(frozen=True)
class CriteriaBlock:
    """A section's inclusion criteria as a tick list, with the k-of-n rule and a count line."""

    heading: str
    rule: str | None
    items: tuple[str, ...]
    count_line: str


def criteria_blocks(document: Document) -> list[CriteriaBlock]:
    """Every section's inclusion criteria as tick lists, in document order."""
    blocks = []
    for section, _ in _walk(document.sections, ("avsnitt",)):
        criteria = section.criteria
        if criteria is None:
            continue
        count = len(criteria.items)
        needed = f" (minst {criteria.at_least} krävs)" if criteria.at_least else ""
        blocks.append(CriteriaBlock(
            section.heading, criteria.text or criteria_rule(criteria), tuple(criteria.items),
            f"Antal uppfyllda: ______ av {count}{needed}"))
    return blocks


def checklist_rows(document: Document) -> list[ChecklistRow]:
    """Every step and alternative in document order, numbered per step list as in the PDF."""
    rows: list[ChecklistRow] = []
    for section, path in _walk(document.sections, ("avsnitt",)):
        for index, step in enumerate(section.steps or []):
            rows.extend(_step_rows(step, index + 1, path + ("steg", index), section.heading))
    return rows


def publication_link(routine: RoutineFile, library: Library) -> str | None:
    """``<publicerings_url>/<group>/<id>/``: where the current version is published."""
    organisation = library.organisation
    if organisation is None or not organisation.publication_url:
        return None
    doc = routine.document
    group = doc.parent if isinstance(doc, Arbetsrutin) else doc.id
    return f"{organisation.publication_url.rstrip('/')}/{group}/{doc.id}/"


def document_head(document: Document, subject: str, epoch: int) -> dict[str, str]:
    """Metadata for the HTML head, which WeasyPrint writes to the PDF info and XMP."""
    created = dt.datetime.fromtimestamp(epoch, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {"title": f"{subject}: {document.title}", "author": stated(document.prepared_by) or "",
            "description": f"{subject} för {document.title}, version {document.version}",
            "created": created}
