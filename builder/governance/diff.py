"""What changed between two versions of a routine: a diff by section and step, and a redline."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from builder.errors import DiffError
from builder.governance.ledger import archive_path, entries_for, read_archived, version_key
from builder.load.library import ARCHIVE_DIR, Library, RoutineFile, display_path
from builder.model import (
    NOT_STATED_LABEL,
    NOT_STATED_TOKEN,
    Bullet,
    BulletItem,
    Criteria,
    Document,
    NotStated,
    Section,
    Step,
)
from builder.text.wording import LETTERS

METADATA = "Dokumentuppgifter"
# Top-level keys shown as their own section, in this order, with Swedish titles.
BLOCKS: dict[str, str] = {
    "ändringar": "Ändringar", "begrepp": "Begrepp", "team": "Team",
    "uppföljning": "Uppföljning", "fickkort": "Fickkort", "bilagor": "Bilagor",
}
NOT_SHOWN = {"id", "typ", "avsnitt"}


@dataclass(frozen=True)
class Line:
    """One line of a diff."""

    tag: str  # " " unchanged, "-" removed, "+" added
    text: str


@dataclass(frozen=True)
class SectionDiff:
    """One section's lines; ``changed`` when any of them was added or removed."""

    title: str
    lines: tuple[Line, ...]
    changed: bool


def _section(title: str, lines: Iterable[Line]) -> SectionDiff:
    kept = tuple(lines)
    return SectionDiff(title, kept, any(line.tag != " " for line in kept))


@dataclass(frozen=True)
class DocumentDiff:
    """A document's changes between two versions, section by section."""

    doc_id: str
    title: str
    from_label: str
    to_label: str
    sections: tuple[SectionDiff, ...]

    @property
    def changed(self) -> bool:
        """Whether any section changed."""
        return any(s.changed for s in self.sections)


def _flat(text: str) -> str:
    return " ".join(text.split())


def _inline(value: Any) -> str:
    # The marker as every output prints it (issue 23), also in the diff and the redline.
    if value == NOT_STATED_TOKEN:
        return NOT_STATED_LABEL
    if isinstance(value, dict) and list(value) == [NOT_STATED_TOKEN]:
        return f"{NOT_STATED_LABEL} ({_flat(str(value[NOT_STATED_TOKEN]))})"
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_inline(v)}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(_inline(v) for v in value)
    if isinstance(value, bool):  # the author wrote true/false; readers of the diff read ja/nej
        return "ja" if value else "nej"
    return _flat(str(value))


def _who(responsible: str | NotStated | None, when: str | NotStated | None) -> str:
    parts = ([f"ansvarig: {responsible}"] if responsible else []) + (
        [f"när: {when}"] if when else [])
    return f" ({'; '.join(parts)})" if parts else ""


def _bullet_lines(bullets: list[BulletItem], depth: int = 0) -> list[str]:
    lines: list[str] = []
    for item in bullets:
        text = item.text if isinstance(item, Bullet) else item
        lines.append(f"{'  ' * depth}• {_flat(text)}")
        if isinstance(item, Bullet):
            lines += _bullet_lines(item.bullets, depth + 1)
    return lines


def criteria_text(criteria: Criteria) -> str | None:
    """The k-of-n rule as the diff shows it ("minst 4 av 6"), when the criteria have one."""
    if criteria.at_least is None:
        return None
    return f"minst {criteria.at_least} av {len(criteria.items)}"


def _step_lines(number: int, step: Step) -> list[str]:
    lines = []
    if step.text:
        lines.append(f"{number}. {_flat(step.text)}{_who(step.responsible, step.when)}")
    for letter, alt in zip(LETTERS, step.alternatives or [], strict=False):
        condition = f"{_flat(alt.condition)}: " if alt.condition else ""
        lines.append(f"{number}{letter}. {condition}{_flat(alt.text)}"
                     f"{_who(alt.responsible, alt.when)}")
    return lines


def _section_blocks(section: Section, parent: str = "") -> list[tuple[str, list[str]]]:
    title = f"{parent} › {section.heading}" if parent else section.heading
    lines: list[str] = []
    if section.text:
        lines += [_flat(p) for p in section.text.split("\n\n") if p.strip()]
    lines += _bullet_lines(section.bullets or [])
    if section.criteria is not None:
        rule = section.criteria.text or criteria_text(section.criteria)
        lines += [f"Kriterier: {_flat(rule)}"] if rule else []
        lines += [f"☐ {_flat(c)}" for c in section.criteria.items]
    for number, step in enumerate(section.steps or [], start=1):
        lines += _step_lines(number, step)
    if section.text_after:
        lines += [_flat(p) for p in section.text_after.split("\n\n") if p.strip()]
    if section.empty_in_source:
        lines.append("(tomt i källan)")
    if section.note:
        lines.append(f"Obs: {_flat(section.note)}")
    blocks = [(title, lines)]
    for sub in section.subsections or []:
        blocks += _section_blocks(sub, title)
    return blocks


def flatten(document: Document | None) -> list[tuple[str, list[str]]]:
    """The document as (section title, lines): metadata, body sections, then other blocks."""
    if document is None:
        return []
    data = document.model_dump(mode="json", by_alias=True, exclude_defaults=True)
    metadata = [f"{key}: {_inline(value)}" for key, value in data.items()
                if key not in NOT_SHOWN and key not in BLOCKS]
    blocks: list[tuple[str, list[str]]] = [(METADATA, metadata)]
    for section in document.sections:
        blocks += _section_blocks(section)
    for key, title in BLOCKS.items():
        value = data.get(key)
        if isinstance(value, dict):
            blocks.append((title, [f"{k}: {_inline(item)}" for k, v in value.items()
                                   for item in (v if isinstance(v, list) else [v])]))
        elif isinstance(value, list):
            blocks.append((title, [_inline(v) for v in value]))
    return blocks


def _diff_lines(old: list[str], new: list[str]) -> list[Line]:
    result: list[Line] = []
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            result += [Line(" ", t) for t in old[a1:a2]]
            continue
        # A changed line (a changed step) shows as the old line removed and the new one added.
        result += [Line("-", t) for t in old[a1:a2]]
        result += [Line("+", t) for t in new[b1:b2]]
    return result


def diff_documents(old: Document | None, new: Document, from_label: str,
                   to_label: str) -> DocumentDiff:
    """Compare section by section (matched by heading path), line by line within each."""
    old_blocks, new_blocks = flatten(old), flatten(new)
    old_titles = [t for t, _ in old_blocks]
    new_titles = [t for t, _ in new_blocks]
    sections: list[SectionDiff] = []
    matcher = difflib.SequenceMatcher(None, old_titles, new_titles, autojunk=False)
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            for (title, a), (_, b) in zip(old_blocks[a1:a2], new_blocks[b1:b2], strict=True):
                sections.append(_section(title, _diff_lines(a, b)))
            continue
        for title, lines in old_blocks[a1:a2]:
            sections.append(_section(title, (Line("-", t) for t in lines)))
        for title, lines in new_blocks[b1:b2]:
            sections.append(_section(title, (Line("+", t) for t in lines)))
    return DocumentDiff(new.id, new.title, from_label, to_label, tuple(sections))


def format_text(diff: DocumentDiff, context: int = 1) -> str:
    """The changed sections only, each changed line with ``context`` unchanged lines around."""
    out = [f"Ändringar i {diff.doc_id}: {diff.from_label} → {diff.to_label}"]
    if not diff.changed:
        return out[0] + "\n\nInga ändringar i innehållet.\n"
    for section in diff.sections:
        if not section.changed:
            continue
        out += ["", f"## {section.title}"]
        lines = section.lines
        keep = {i for i, line in enumerate(lines) if line.tag != " "}
        keep |= {j for i in keep for j in range(i - context, i + context + 1)
                 if 0 <= j < len(lines)}
        previous = -1
        for i in sorted(keep):
            if previous >= 0 and i > previous + 1:
                out.append("  …")
            out.append(f"{lines[i].tag} {lines[i].text}")
            previous = i
    return "\n".join(out) + "\n"


def load_archived(folder: Path, doc_id: str, version: str) -> Document:
    """An archived version; a missing or unreadable copy is a DiffError."""
    path = archive_path(folder, doc_id, version)
    if not path.is_file():
        known = ", ".join(archived_versions(folder, doc_id)) or "inga"
        raise DiffError(f"version {version} av '{doc_id}' finns inte i arkivet "
                        f"({display_path(path)}); arkiverade versioner: {known}")
    document = read_archived(path)
    if document is None:
        raise DiffError(f"{display_path(path)} kan inte läsas; kör 'rutin check'")
    return document


def archived_versions(folder: Path, doc_id: str) -> list[str]:
    """Versions of ``doc_id`` with a copy in arkiv/, oldest first."""
    prefix = f"{doc_id}-v"
    found = [p.name[len(prefix):-len(".yaml")] for p in (folder / ARCHIVE_DIR).glob("*.yaml")
             if p.name.startswith(prefix)]
    return sorted((v for v in found if v.replace(".", "").isdigit()), key=version_key)


def last_approved_version(routine: RoutineFile) -> str | None:
    """The newest fastställd version in the ledger, else the newest archived one."""
    folder = routine.path.parent
    approved = [e.version for e in entries_for(folder, routine.document.id) if e.is_approval]
    if approved:
        return max(approved, key=version_key)
    versions = archived_versions(folder, routine.document.id)
    return versions[-1] if versions else None


def diff_routine(library: Library, doc_id: str, from_version: str | None = None,
                 to_version: str | None = None) -> DocumentDiff:
    """Archived ``from_version`` (default: last approved) against ``to_version`` (default:
    the working copy). With nothing approved yet, everything shows as added."""
    routine = library.by_id(doc_id)
    if routine is None:
        raise DiffError(f"rutinen '{doc_id}' finns inte (eller kan inte läsas; kör 'rutin check')")
    folder = routine.path.parent
    if to_version is None:
        new, to_label = routine.document, f"version {routine.document.version} (arbetskopia)"
    else:
        new, to_label = load_archived(folder, doc_id, to_version), f"version {to_version}"
    start = from_version or last_approved_version(routine)
    if start is None:
        return diff_documents(None, new, "ingen fastställd version", to_label)
    old = load_archived(folder, doc_id, start)
    return diff_documents(old, new, f"version {start} (arkiv)", to_label)
