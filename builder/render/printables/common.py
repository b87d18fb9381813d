"""What the printed aids (checklist, pocket cards, läskvittens) share: template env, rows, labels."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, replace
from typing import Any

from builder.derived import NOT_STATED, step_sources, walk_sections
from builder.load.library import Library, RoutineFile
from builder.load.safe_yaml import YamlPath
from builder.model import (
    Arbetsrutin,
    Document,
    Samverkansrutin,
    TeamEntry,
    stated,
)
from builder.render.document_view import criteria_rule
from builder.render.html import template_env
from builder.text.dates import format_date_sv
from builder.text.markdown import render_inline
from builder.text.wording import VALIDITY_NOT_SET


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
    """'Giltigt från och med 1 juni 2026 …' (the seed's words, as the main document's header),
    or the honest absence of a date for drafts."""
    if document.is_draft:
        return "Ej fastställd"  # never the previous version's date (issue 21)
    if document.valid_from_stated is None:
        return f"Giltigt från och med: {VALIDITY_NOT_SET}"
    text = f"Giltigt från och med {format_date_sv(document.valid_from_stated)}"
    if document.valid_to_stated is not None:
        text += f" till och med {format_date_sv(document.valid_to_stated)}"
    return text


# The widest date a validity line can carry ("30 september"): a draft's card is measured with
# it when it states no giltig_från of its own.
WIDEST_DAY = (9, 30)


def validity_once_in_force(document: Document) -> str:
    """The validity line as the card will print once the draft is fastställd: R501 judges
    that card, not the draft's shorter "Ej fastställd" (issue 21)."""
    start = document.valid_from or dt.date(document.revisions[0].date.year
                                           if document.revisions else 2026, *WIDEST_DAY)
    text = f"Giltigt från och med {format_date_sv(start)}"
    if document.valid_to is not None:
        text += f" till och med {format_date_sv(document.valid_to)}"
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
    """One checkable line: a step, one alternative (2a) of a step, or a step list's note."""

    number: str  # "1", "2a"; "" for a note
    condition: str | None  # the alternative's villkor ("Om …"), shown as "om … → …"
    text: str
    responsible: str
    when: str
    path: YamlPath  # where the step or alternative stands in the YAML (for R502)
    section: str  # heading of the section the step belongs to
    kind: str = "steg"  # "steg", "alternativ", "not", or "åtgärd" (a note that is an action)
    group: str | None = None  # alternatives: the number of the step they belong to
    additional: bool = False  # an alternative done alongside the others ("Vid behov …")

    @property
    def field_id(self) -> str:
        """The form field (and row element) id of the row."""
        return f"steg-{self.path_key}" + ("-not" if self.kind in ("not", "åtgärd") else "")

    @property
    def path_key(self) -> str:
        """The row's step indexes joined by '-': unique within the document."""
        return "-".join(str(p) for p in self.path if isinstance(p, int))

    @property
    def choose_one(self) -> bool:
        """One of the alternatives to choose between (not one done in addition)."""
        return self.kind == "alternativ" and not self.additional


@dataclass(frozen=True)
class CriteriaBlock:
    """A section's inclusion criteria as a tick list, with the k-of-n rule and a count line."""

    heading: str
    rule: str | None
    items: tuple[str, ...]
    count_line: str
    rule_after: bool = False  # the source sums up after its list: printed there, as in the PDF


def criteria_blocks(document: Document) -> list[CriteriaBlock]:
    """Every section's inclusion criteria as tick lists, in document order."""
    blocks = []
    for section, _ in walk_sections(document.sections):
        criteria = section.criteria
        if criteria is None:
            continue
        count = len(criteria.items)
        needed = f" (minst {criteria.at_least} krävs)" if criteria.at_least else ""
        blocks.append(CriteriaBlock(
            section.heading, criteria.text or criteria_rule(criteria), tuple(criteria.items),
            f"Antal uppfyllda: ______ av {count}{needed}", rule_after=not criteria.rule_leads))
    return blocks


def checklist_rows(document: Document) -> list[ChecklistRow]:
    """Every step, alternative and step-list note in document order, numbered as in the PDF."""
    return [ChecklistRow(s.number, s.condition, s.text, s.responsible or "", s.when or "",
                         s.path, s.section, s.kind, s.group, s.additional)
            for s in step_sources(document)]


@dataclass(frozen=True)
class ChecklistItem:
    """What the checklist prints as one unbroken block: a step (with the step list's note
    after the last step), or a "välj det som gäller" group of alternatives. Every row we
    perform has its own tick, date and signature; a row another party performs says
    "Utförs av …" instead."""

    rows: tuple[ChecklistRow, ...]
    number: str  # the step number; "" for a note with no step before it
    kind: str  # "steg", "grupp" or "not"
    section: str
    others: tuple[str | None, ...] = ()  # per row: the other party that performs it, if any

    @property
    def field_id(self) -> str:
        """The id of the item's first row, or of the group's head row."""
        return self.rows[0].field_id if self.kind != "grupp" else f"grupp-{self.rows[0].path_key}"

    @property
    def lines(self) -> tuple[tuple[ChecklistRow, str | None], ...]:
        """Each row with the other party that performs it (None: we sign it)."""
        return tuple(zip(self.rows, self.others, strict=True))


def _names(team: TeamEntry | None) -> set[str]:
    if team is None:
        return set()
    names = {team.name, team.id} | ({team.abbreviation} if team.abbreviation else set())
    if team.abbreviation:
        names.add(f"{team.name} ({team.abbreviation})")
    return {n.casefold() for n in names}


def _other_party(row: ChecklistRow, ours: set[str]) -> str | None:
    """The owner when it is another party than the team the checklist is for."""
    owner = row.responsible.strip()
    if not ours or not owner or owner == NOT_STATED or owner.casefold() in ours:
        return None
    return owner


# "Observera att det är NSVT som avslutar ärendet i SAMSA när teamet avslutar sitt uppdrag."
# names who does what: a cleft sentence ("det är X som …") is an action, not a remark.
_CLEFT = re.compile(r"^(?:observera|obs)[.:!]?\s+(?:att\s+)?det\s+är\s+(?P<who>[^,.;]+?)"
                    r"\s+som\s+(?P<what>[^;]+?)(?:\s+(?P<when>(?:när|då|innan|efter)\s[^;]+?))?"
                    r"\.?$", re.IGNORECASE | re.DOTALL)


def note_as_action(row: ChecklistRow) -> ChecklistRow:
    """A note that says who does what ("Observera att det är NSVT som avslutar ärendet i
    SAMSA när teamet avslutar sitt uppdrag") as an action row: "NSVT avslutar ärendet i
    SAMSA", who NSVT, when "När teamet avslutar sitt uppdrag". Every word is the note's own;
    a note that names no actor stays a note."""
    found = _CLEFT.match(" ".join(row.text.split())) if row.kind == "not" else None
    if found is None:
        return row
    who, what, when = found["who"], found["what"], found["when"]
    return replace(row, kind="åtgärd", text=f"{who} {what}.", responsible=who,
                   when=(when[0].upper() + when[1:]) if when else row.when)


def checklist_items(rows: list[ChecklistRow], team: TeamEntry | None) -> list[ChecklistItem]:
    """Rows grouped for print: the choose-one alternatives of a step together, an additional
    alternative ("Vid behov …") as a row of its own, the step list's note (as an action when
    it names one) kept with the step before it."""
    ours = _names(team)
    items: list[ChecklistItem] = []
    for original in rows:
        row = note_as_action(original)
        other = _other_party(row, ours) if row.kind != "not" else None
        last = items[-1] if items else None
        same = last is not None and last.section == row.section
        if last is not None and same and (
                row.kind in ("not", "åtgärd")
                or (row.choose_one and last.kind == "grupp" and last.number == row.group)):
            items[-1] = replace(last, rows=last.rows + (row,), others=last.others + (other,))
        elif row.choose_one:
            items.append(ChecklistItem((row,), row.group or "", "grupp", row.section, (other,)))
        else:
            kind = "not" if row.kind in ("not", "åtgärd") else "steg"
            number = row.group or row.number
            items.append(ChecklistItem((row,), number, kind, row.section, (other,)))
    return items


def publication_link(routine: RoutineFile, library: Library) -> str | None:
    """``<publicerings_url>/<group>/<id>/``: the stable page that links the current version
    (the build writes it as ``<group>/<id>/index.html``); None without a real address."""
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
