"""What changed between two versions of a routine: a diff by section and step, and a redline."""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from builder.errors import DiffError
from builder.governance.ledger import archive_path, entries_for, read_archived, version_key
from builder.load.library import ARCHIVE_DIR, Library, RoutineFile, display_path
from builder.model import (
    NOT_STATED_TOKEN,
    Bullet,
    BulletItem,
    Criteria,
    Document,
    NotStated,
    PreambleBlock,
    Section,
    Step,
    not_stated_labels,
)
from builder.text.dates import format_date_sv
from builder.text.wording import LETTERS, STATUS_LABELS

METADATA = "Dokumentuppgifter"
# Top-level keys shown as their own section, in this order, with Swedish titles.
BLOCKS: dict[str, str] = {
    "ingress": "Ingress", "ändringar": "Ändringar", "begrepp": "Begrepp", "team": "Team",
    "uppföljning": "Uppföljning", "kontakter": "Kontakter",
    "relaterade_dokument": "Relaterade dokument", "fickkort": "Fickkort", "bilagor": "Bilagor",
}
NOT_SHOWN = {"id", "typ", "avsnitt"}
# Labels as the documents print them; any other key reads as Swedish with "_" as a space.
LABELS: dict[str, str] = {
    "giltig_från": "Giltigt från och med", "giltig_till": "Giltigt till och med",
    "utvärdering": "Utvärderas", "källa": "Källa", "övriga_uppgifter": "Övriga uppgifter",
    "fastställd_annan_instans": "Fastställd av annan instans", "epost": "E-post",
    "utgår_från": "Utgår från", "egen_arbetsrutin": "Egen arbetsrutin",
}
SOURCE_LABELS = {"version": "Version i källan", "datum": "Datum i källan",
                 "uppdaterad": "Uppdaterad i källan", "referens": "Referens"}
DATE_KEYS = frozenset({"datum_för_godkännande", "giltig_från", "giltig_till", "datum"})
NOT_STATED = "Ej angivet"
STEP_NUMBER = re.compile(r"^(\d+[a-z]?)\. ")
WORD = re.compile(r"\s+|\w+|[^\w\s]")
SIMILAR = 0.5  # a removed and an added line this alike are one changed line, marked by word


@dataclass(frozen=True)
class Line:
    """One line of a diff.

    ``tag``: " " unchanged, "-" removed, "+" added, "~" changed within the line (``old`` is
    the earlier text, ``text`` the new one; ``words`` marks what changed, word by word),
    ">" a step moved here and "<" where it was moved from (``note`` says from or to where).
    """

    tag: str
    text: str
    old: str = ""
    note: str = ""

    @property
    def words(self) -> tuple[tuple[str, str], ...]:
        """A changed line as runs of (" " kept, "-" removed, "+" inserted) text."""
        if self.tag != "~":
            return ((self.tag, self.text),)
        return word_runs(self.old, self.text)


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


def word_runs(old: str, new: str) -> tuple[tuple[str, str], ...]:
    """``old`` → ``new`` as runs of kept, removed ("-") and inserted ("+") words: a changed
    word is struck and inserted as a word, the rest of the line stays as it was."""
    a, b = WORD.findall(old), WORD.findall(new)
    runs: list[tuple[str, str]] = []

    def add(tag: str, text: str) -> None:
        if not text:
            return
        if runs and runs[-1][0] == tag:
            runs[-1] = (tag, runs[-1][1] + text)
        else:
            runs.append((tag, text))

    matcher = difflib.SequenceMatcher(lambda t: t.isspace(), a, b, autojunk=False)
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            add(" ", "".join(b[b1:b2]))
            continue
        add("-", "".join(a[a1:a2]))
        add("+", "".join(b[b1:b2]))
    return tuple(runs)


def _flat(text: str) -> str:
    return " ".join(text.split())


def _label(key: str) -> str:
    return LABELS.get(key) or key.replace("_", " ").capitalize()


def _value(key: str, value: Any) -> str:
    """A value as the documents say it: "Ej angivet", dates in words, ja/nej, Swedish labels."""
    if value == NOT_STATED_TOKEN:
        return NOT_STATED
    if isinstance(value, dict) and set(value) == {NOT_STATED_TOKEN}:
        return f"{NOT_STATED} ({_flat(str(value[NOT_STATED_TOKEN]))})"
    special = _special_value(key, value)
    if special is not None:
        return special
    if isinstance(value, dict):
        labels = SOURCE_LABELS if key == "källa" else {}
        if "etikett" in value and "värde" in value:
            return f"{_flat(str(value['etikett']))}: {_value('värde', value['värde'])}"
        return "; ".join(f"{labels.get(k) or _label(k)}: {_value(k, v)}"
                         for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(_value(key, v) for v in value)
    if isinstance(value, bool):  # the author wrote true/false; readers of the diff read ja/nej
        return "ja" if value else "nej"
    return _flat(str(value))


def _special_value(key: str, value: Any) -> str | None:
    """Status, evaluation months and dates in the documents' words; None for other keys."""
    if key == "status" and value in STATUS_LABELS:
        return STATUS_LABELS[value]
    if key == "utvärdering" and isinstance(value, dict):
        months = [str(m) for m in value.get("månader") or []]
        if months:
            return months[0] if len(months) == 1 else ", ".join(months[:-1]) + " och " + months[-1]
        return f"var {value.get('intervall_månader')}:e månad"
    if key in DATE_KEYS and isinstance(value, str):
        try:
            return format_date_sv(dt.date.fromisoformat(value))
        except ValueError:
            return _flat(value)
    return None


def _who(responsible: str | NotStated | None, when: str | NotStated | None) -> str:
    parts = ([f"ansvarig: {responsible}"] if responsible else []) + (
        [f"när: {when}"] if when else [])
    return f" ({'; '.join(parts)})" if parts else ""


def _bullet_lines(bullets: list[BulletItem], depth: int = 0,
                  numbered: bool = False) -> list[str]:
    lines: list[str] = []
    for number, item in enumerate(bullets, start=1):
        text = item.text if isinstance(item, Bullet) else item
        lines.append(f"{'  ' * depth}{f'{number}.' if numbered else '•'} {_flat(text)}")
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
        lines.append("Avsnittet är tomt i källan.")
    lines += [_not_stated_line(label) for label in not_stated_labels(section.not_stated)]
    if section.note:  # "Observera att …" in the source is not prefixed a second time
        note = _flat(section.note)
        lines.append(note if note.casefold().startswith(("observera", "obs")) else
                     f"Observera: {note}")
    blocks = [(title, lines)]
    for sub in section.subsections or []:
        blocks += _section_blocks(sub, title)
    return blocks


def _not_stated_line(label: str | None) -> str:
    return f"{label.strip().rstrip(':')}: {NOT_STATED}" if label else NOT_STATED


def _preamble_lines(value: Any) -> list[str]:
    """The ingress: Markdown paragraphs, or its blocks (lists as "•" and "1." lines)."""
    if isinstance(value, str):
        return [_flat(p) for p in value.split("\n\n") if p.strip()]
    lines: list[str] = []
    for block in value:
        if "text" in block:
            lines += [_flat(p) for p in str(block["text"]).split("\n\n") if p.strip()]
        elif "punkter" in block:
            lines += _bullet_lines(PreambleBlock.model_validate(block).bullets or [])
        elif "numrerad" in block:
            lines += _bullet_lines(PreambleBlock.model_validate(block).numbered or [],
                                   numbered=True)
        else:
            parts = PreambleBlock.model_validate(block).not_stated
            lines += [_not_stated_line(label) for label in not_stated_labels(parts)]
    return lines


def _card_point(point: Any) -> str:
    """A pocket-card line as a reader names it; its fingerprint (avtryck) is bookkeeping."""
    if not isinstance(point, dict):
        return _flat(str(point))
    where = []
    if point.get("avsnitt"):
        where.append(f"avsnitt ”{_flat(point['avsnitt'])}”")
    if point.get("steg"):
        where.append(f"steg {point['steg']}")
    elif point.get("not"):
        where.append("Observera")
    prefix = f"{', '.join(where)[:1].upper()}{', '.join(where)[1:]}: " if where else ""
    return f"{prefix}{_flat(str(point['text']))}"


def _contact(value: dict[str, Any]) -> str:
    return ", ".join(_value(k, v) for k, v in value.items())


def _team(value: Any) -> str:
    if not isinstance(value, dict):
        return _flat(str(value))
    name = _flat(str(value["namn"]))
    if value.get("förkortning"):
        name += f" ({value['förkortning']})"
    rest = [f"{_label(k).lower()}: {_value(k, v)}" for k, v in value.items()
            if k not in ("id", "namn", "förkortning")]
    return ", ".join([name, *rest])


def _block_lines(key: str, value: Any) -> list[str]:
    """One of the BLOCKS as Swedish lines, never raw keys or fingerprints."""
    if key == "ingress":
        return _preamble_lines(value)
    if key == "ändringar":
        return [f"Version {r['version']} ({_value('datum', r['datum'])}): "
                f"{_flat(r['beskrivning'])}" for r in value]
    if key == "begrepp":
        return [f"{k}: {_flat(str(v))}" for k, v in value.items()]
    if key == "team":
        return [_team(v) for v in (value if isinstance(value, list) else [value])]
    if key == "uppföljning":
        lines = [f"{_label(k)}: {_value(k, v)}" for k, v in value.items() if k != "exempel"]
        return lines + (["Exempel – ska fastställas av teamet"] if value.get("exempel") else [])
    if key == "fickkort":
        return ([_card_point(p) for p in value.get("punkter", [])]
                + [f"Kontakt: {_contact(c)}" for c in value.get("kontakter", [])])
    if key == "kontakter":
        return [_contact(c) for c in value]
    if key in ("relaterade_dokument", "bilagor"):
        return [_flat(str(v["titel"])) + (f" ({v.get('url') or v.get('fil')})"
                                          if v.get("url") or v.get("fil") else "")
                for v in value]
    return [_value(key, value)]


def flatten(document: Document | None,
            names: dict[str, str] | None = None) -> list[tuple[str, list[str]]]:
    """The document as (section title, lines): metadata, body sections, then other blocks.

    ``names`` turns an arbetsrutin's team and samverkansrutin ids into what people call them."""
    if document is None:
        return []
    data = document.model_dump(mode="json", by_alias=True, exclude_defaults=True)
    for key in ("team", "samverkansrutin"):
        if isinstance(data.get(key), str) and names and data[key] in names:
            data[key] = names[data[key]]
    metadata = [f"{_label(key)}: {_value(key, value)}" for key, value in data.items()
                if key not in NOT_SHOWN and (key not in BLOCKS or (key == "team"
                                                                   and isinstance(value, str)))]
    blocks: list[tuple[str, list[str]]] = [(METADATA, metadata)]
    for section in document.sections:
        blocks += _section_blocks(section)
    for key, title in BLOCKS.items():
        value = data.get(key)
        if value and not (key == "team" and isinstance(value, str)):
            blocks.append((title, _block_lines(key, value)))
    return blocks


def _key(line: str) -> str:
    """What identifies a line across versions: a step without its number (renumbering after
    an inserted step is no change)."""
    return STEP_NUMBER.sub("", line, count=1)


def _number(line: str) -> str | None:
    found = STEP_NUMBER.match(line)
    return found.group(1) if found else None


def _pair(old: list[str], new: list[str]) -> list[Line]:
    """A replaced run: alike lines in order become one changed line, the rest - and +."""
    result: list[Line] = []
    j = 0
    for line in old:
        match = next((k for k in range(j, len(new)) if difflib.SequenceMatcher(
            None, _key(line), _key(new[k]), autojunk=False).ratio() >= SIMILAR), None)
        if match is None:
            result.append(Line("-", line))
            continue
        result += [Line("+", t) for t in new[j:match]]
        result.append(Line("~", new[match], old=line))
        j = match + 1
    return result + [Line("+", t) for t in new[j:]]


def _move_notes(old: list[str], new: list[str], moved: set[str]) -> dict[str, tuple[str, str]]:
    """Per moved key: (note at its new place, note at its old place)."""
    before = {_key(t): _number(t) for t in old if _key(t) in moved}
    after = {_key(t): _number(t) for t in new if _key(t) in moved}
    notes = {}
    for key in moved:
        came = f"flyttat hit från steg {before[key]}" if before[key] else "flyttat hit"
        went = f"flyttat till steg {after[key]}" if after[key] else "flyttat"
        notes[key] = (came, went)
    return notes


def _diff_lines(old: list[str], new: list[str]) -> list[Line]:
    """Lines matched by key; a line removed in one place and added in another is a move, and
    a removed line alike an added one is one changed line (marked word by word)."""
    old_keys, new_keys = [_key(t) for t in old], [_key(t) for t in new]
    matcher = difflib.SequenceMatcher(None, old_keys, new_keys, autojunk=False)
    opcodes = matcher.get_opcodes()
    removed = {old_keys[i] for op, a1, a2, _, _ in opcodes if op != "equal"
               for i in range(a1, a2)}
    added = {new_keys[j] for op, _, _, b1, b2 in opcodes if op != "equal"
             for j in range(b1, b2)}
    notes = _move_notes(old, new, removed & added)
    result: list[Line] = []
    for op, a1, a2, b1, b2 in opcodes:
        if op == "equal":
            result += [Line(" ", t) for t in new[b1:b2]]
            continue
        result += [Line("<", t, note=notes[_key(t)][1]) for t in old[a1:a2] if _key(t) in notes]
        result += _pair([t for t in old[a1:a2] if _key(t) not in notes],
                        [t for t in new[b1:b2] if _key(t) not in notes])
        result += [Line(">", t, note=notes[_key(t)][0]) for t in new[b1:b2] if _key(t) in notes]
    return result


def diff_documents(old: Document | None, new: Document, from_label: str,
                   to_label: str, names: dict[str, str] | None = None) -> DocumentDiff:
    """Compare section by section (matched by heading path), line by line within each."""
    old_blocks, new_blocks = flatten(old, names), flatten(new, names)
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


def _text_lines(line: Line) -> list[str]:
    if line.tag == "~":  # as before: the old line removed, the new one added
        return [f"- {line.old}", f"+ {line.text}"]
    if line.tag in "<>":
        return [f"{line.tag} {line.text} ({line.note})"]
    return [f"{line.tag} {line.text}"]


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
            out += _text_lines(lines[i])
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
    names = _names(library, new)
    if start is None:
        return diff_documents(None, new, "ingen fastställd version", to_label, names)
    old = load_archived(folder, doc_id, start)
    return diff_documents(old, new, f"version {start} (arkiv)", to_label, names)


def _names(library: Library, document: Document) -> dict[str, str]:
    """An arbetsrutin's samverkansrutin title and team name, by id (what the document prints)."""
    parent_id = getattr(document, "parent", None)
    parent = library.by_id(parent_id) if isinstance(parent_id, str) else None
    if parent is None:
        return {}
    names = {parent.document.id: parent.document.title}
    for team in getattr(parent.document, "teams", []):
        names[team.id] = team.name + (f" ({team.abbreviation})" if team.abbreviation else "")
    return names
