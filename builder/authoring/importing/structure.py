"""Recognise a routine in located blocks: header, title, sections, steps, alternatives,
points, notes, criteria, contacts; everything placed is recorded in the report."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from builder.authoring.importing import labels as L
from builder.authoring.importing.blocks import Block, Dropped, ReadResult
from builder.authoring.importing.chrome import APPROVAL_STATEMENT, chrome_words
from builder.authoring.importing.metadata import (
    Metadata,
    apply_pairs,
    leftover_cells,
    line_pairs,
    table_pairs,
)
from builder.authoring.importing.report import ImportReport, Unplaced
from builder.derived import NOT_STATED as NOT_STATED_SHOWN
from builder.render.document_view import EXAMPLE_MARK, when_label

TYPED_STEP = re.compile(r"^(\d{1,2})\s*([a-zåäö])?\s*[.):]?\s+(?=\S)(.*)$", re.DOTALL)
TYPED_STEP_STRICT = re.compile(r"^(\d{1,2})(\s*[a-zåäö]\s*[.)]?|\s*[.)])\s+(?=\S)(.*)$", re.DOTALL)
TYPED_LETTER = re.compile(r"^([a-h])\s*[.)]\s+(?=\S)(.*)$", re.DOTALL)
TYPED_BULLET = re.compile(r"^[•·▪●◦‣–\-*]\s+(?=\S)(.*)$", re.DOTALL)
HEADING_NUMBER = re.compile(r"^\d+(\.\d+)*\.?\s+(?=\S)")
# "1.", "2a)", "b." — and our own "2a" (the PDF's and HTML page's alternative label).
LIST_MARKER = re.compile(r"^((\d{1,2}\s*[a-zåäö]?|[a-zåäö])\s*[.)](\s+|$)|\d{1,2}[a-zåäö]\s+)")
NOTE = re.compile(r"^\**(observera|obs)\b[\s:!.*]", re.IGNORECASE)
AT_LEAST = re.compile(r"\bminst\s+(\d+|en|ett|två|tre|fyra|fem|sex|sju|åtta|nio|tio)\s+av\b",
                      re.IGNORECASE)
NUMBER_WORDS = {"en": 1, "ett": 1, "två": 2, "tre": 3, "fyra": 4, "fem": 5, "sex": 6, "sju": 7,
                "åtta": 8, "nio": 9, "tio": 10}
PHONE = re.compile(r"(?:\b(?:tel(?:efon)?|tfn|mobil|växel)\.?:?\s*)?(\+?\d[\d \-–]{5,}\d)", re.IGNORECASE)
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
PERSON = re.compile(r"^[A-ZÅÄÖÉ][a-zåäöéü]+(?:[ -][A-ZÅÄÖÉ][a-zåäöéü]+){1,3}$")
HOURS = re.compile(r"\b(kl\.?|klockan|vardagar|dygnet runt|måndag|helg|dagtid)\b", re.IGNORECASE)
DETAIL = re.compile(r"^(ansvarig|när)\s*:\s*(.+)$", re.IGNORECASE)
ARROW = " → "
# "Ansvarig: Ej angivet" in our outputs stands for an owner the routine leaves out
# (document_view.step_view); kept apart until the owners are settled, then dropped.
SHOWN_UNSTATED = "\x00ej angivet i utdata"
SHORT_HEADING = 80
GLOSSARY_HEADINGS = ("begrepp och förkortningar", "begrepp", "förkortningar", "definitioner",
                     "ordlista", "begrepp och definitioner")
RELATED_HEADINGS = ("bilagor", "bilaga", "relaterade dokument", "relaterad information",
                    "relaterade länkar", "länkar", "referenser", "dokument")
CONTACT_HEADINGS = ("kontakt", "kontakter", "kontaktuppgifter", "kontaktpersoner", "telefon",
                    "telefonnummer", "viktiga telefonnummer", "telefonlista")
REVISION_HEADINGS = ("ändringar sedan föregående version", "versionshistorik",
                     "revisionshistorik", "ändringshistorik", "dokumenthistorik")
# What our own outputs print for a section the source leaves empty, and the k-of-n rule they
# state when the source gives none: read back as the flag and the number, not as text.
EMPTY_IN_SOURCE = "Avsnittet är tomt i källan."
GENERATED_RULE = re.compile(r"^(Minst (\d+) av följande \d+ kriterier|Samtliga (\d+) "
                            r"kriterier) ska vara uppfyllda\.$")
CONTACT_COLUMNS = {"namn": "namn", "kontakt": "kontakt", "roll": "roll", "enhet": "enhet",
                   "telefon": "telefon", "e-post": "epost", "epost": "epost", "tider": "tider",
                   "telefontider": "tider", "område": "område"}
# Contact fields that may be `ej_angivet` (model.DocumentContact): an empty cell in their
# column says so; an empty cell elsewhere (e-post, tider) is left out, which says the same.
STATED_CONTACT_KEYS = ("namn", "telefon")
CONTACT_ORDER = ("namn", "roll", "enhet", "telefon", "epost", "tider", "område")
TEAM_HEADING = "team som omfattas"
FOLLOW_UP_LABELS = {"ansvarig": "ansvarig", "hur": "hur", "när": "när"}
LINK = re.compile(r"^\[(.+?)\]\((\S+?)\)(.*)$", re.DOTALL)
# Our own build's cross-links between a group's routines: the versioned file, or the stable
# page (builder.render.document_view.pdf_link, builder.render.word.blocks.docx_link).
OWN_APPENDIX = re.compile(r"^\.\./([a-z0-9-]+)/(\1-v[\d.]+\.(pdf|docx)|index\.html)$")
REVISION_LINE = re.compile(r"^\**Version\s+(\S+?),\s+(.+?):\**\s*(.+)$", re.DOTALL)


@dataclass
class Draft:
    """What the recogniser found, before it becomes the ordered YAML mapping."""

    meta: Metadata = field(default_factory=Metadata)
    title: str | None = None
    title_where: str = ""
    # The ingress as blocks in the source's order: {"text"}, {"punkter"}, {"numrerad"} and
    # {"ej_angivet": label} (model.PreambleBlock); emit writes one paragraph as plain text.
    preamble: list[dict[str, Any]] = field(default_factory=list)
    sections: list[dict[str, Any]] = field(default_factory=list)
    contacts: list[dict[str, str]] = field(default_factory=list)
    related: list[dict[str, str]] = field(default_factory=list)
    glossary: dict[str, str] = field(default_factory=dict)
    revisions: list[dict[str, Any]] = field(default_factory=list)
    teams: list[dict[str, str]] = field(default_factory=list)
    follow_up: dict[str, Any] | None = None


def _plain(text: str) -> str:
    return " ".join(text.replace("**", "").replace("*", "").split())


def _strip_marker(text: str) -> str:
    return LIST_MARKER.sub("", text, count=1)


def _drop(report: ImportReport, block: Block, why: str) -> None:
    text = block.text or " | ".join(" ".join(row) for row in block.rows)
    report.dropped.append(Dropped(why, text, block.where))


def recognise(read: ReadResult, report: ImportReport) -> Draft:
    """The routine found in the reader's blocks; the report records every decision."""
    draft = Draft()
    report.dropped.extend(read.dropped)
    report.images.extend(read.images)
    blocks = _take_metadata(read.blocks, draft.meta, report)
    blocks = _drop_chrome(blocks, report)
    blocks = [_typed(block) for block in blocks]
    blocks = _take_title(blocks, draft, read.page_title, report)
    _body(blocks, draft, report)
    return draft


def _take_metadata(blocks: list[Block], meta: Metadata, report: ImportReport) -> list[Block]:
    """Header tables anywhere before the body's second heading, label lines in the front
    matter and in chrome (a "Senast uppdaterad" footer); the rest goes on to the body."""
    rest: list[Block] = []
    headings = 0
    for block in blocks:
        if block.kind == "heading" and not block.chrome:
            headings += 1
        front = headings <= 1
        if block.kind == "table":
            pairs = table_pairs(block)
            if pairs and (front or block.chrome):
                apply_pairs(pairs, meta, report)
                meta.leftover += leftover_cells(block, pairs)
                continue
        elif block.kind == "paragraph" and (front or block.chrome) and (
                chrome_words(block.text) != APPROVAL_STATEMENT):  # ours, dropped as chrome
            pairs = line_pairs(block, colon_needed=not block.chrome and headings > 0)
            if pairs and all(L.is_label(p.label) for p in pairs):
                apply_pairs(pairs, meta, report)
                continue
        rest.append(block)
    return rest


# Our outputs' swimlane map section ("Vem gör vad och när": the map, its caption and the
# Steg/Vem/Vad/När table) is generated from the steps: dropped to the next heading of its level.
FLOW_HEADING = re.compile(r"^vem gör vad och när(:.*)?$", re.IGNORECASE)
FLOW_SECTION = "Rutinbyggarens flödeskarta"


def _drop_chrome(blocks: list[Block], report: ImportReport) -> list[Block]:
    kept = []
    flow_level: int | None = None
    for block in blocks:
        if block.kind == "heading" and not block.chrome:
            if flow_level is not None and block.level <= flow_level:
                flow_level = None
            if flow_level is None and FLOW_HEADING.match(_plain(block.text)):
                flow_level = block.level
        if flow_level is not None and not block.unplaced:
            _drop(report, block, FLOW_SECTION)
        elif block.unplaced:
            report.unplaced.append(Unplaced(block.where, block.text,
                                            f"{block.unplaced}: modellen har ingen plats för den"))
        elif block.chrome:
            _drop(report, block, block.chrome)
        elif block.kind in ("paragraph", "item", "heading") and chrome_words(block.text):
            _drop(report, block, chrome_words(block.text))
        else:
            kept.append(block)
    return kept


def _typed(block: Block) -> Block:
    """Typed numbering ("1.", "2a", "2 b)") and typed bullets become list items."""
    if block.kind != "paragraph" or block.bold:
        return block
    text = block.text
    step = TYPED_STEP_STRICT.match(text)
    if step:
        lettered = bool(re.match(r"^\d{1,2}\s*[a-zåäö]", text))
        return Block("item", step[3].strip(), block.where, level=1 if lettered else 0,
                     ordered=True, step_number=int(step[1]) if lettered else None)
    letter = TYPED_LETTER.match(text)
    if letter:
        return Block("item", letter[2].strip(), block.where, level=1, ordered=True)
    bullet = TYPED_BULLET.match(text)
    if bullet:
        return Block("item", bullet[1].strip(), block.where, level=0, ordered=False)
    return block


def _is_heading_by_look(block: Block) -> bool:
    text = _plain(block.text)
    return (block.kind == "paragraph" and block.bold and 0 < len(text) <= SHORT_HEADING
            and "\n" not in block.text and not text.endswith((".", ",", ";"))
            and not NOTE.match(block.text))


def _take_title(blocks: list[Block], draft: Draft, page_title: str | None,
                report: ImportReport) -> list[Block]:
    meta_title = draft.meta.values.pop("titel", None)
    index = next((i for i, b in enumerate(blocks) if b.title), None)
    if isinstance(meta_title, str) and index is None:
        # The header names the document: a heading is the title only when it says the same.
        index = next((i for i, b in enumerate(blocks) if b.kind in ("heading", "paragraph")
                      and _plain(b.text) == meta_title), None)
    elif index is None:
        top = [i for i, b in enumerate(blocks) if b.kind == "heading" and b.level == 1]
        if len(top) == 1 and all(b.kind != "heading" for b in blocks[: top[0]]):
            index = top[0]
    if index is None and meta_title is None and blocks and _is_heading_by_look(blocks[0]):
        following = [b for b in blocks[1:] if _is_heading_by_look(b) or b.kind == "heading"]
        index = 0 if following else None
    if index is not None:
        block = blocks[index]
        draft.title, draft.title_where = _plain(block.text), block.where
        blocks = _masthead(blocks[:index], draft, report) + blocks[index + 1:]
    if isinstance(meta_title, str) and meta_title != L.NOT_STATED:
        if draft.title and draft.title != meta_title:
            report.notes.append(f"{draft.title_where}: rubriken ”{draft.title}” skiljer sig "
                                f"från dokumentnamnet; dokumentnamnet ”{meta_title}” används")
        draft.title = meta_title
        draft.title_where = next((p.where for p in report.placed if p.path == ("titel",)),
                                 draft.title_where)
    elif draft.title is None and page_title:
        draft.title, draft.title_where = page_title, "sidans <title>"
    report.placed[:] = [p for p in report.placed if p.path != ("titel",)]
    if draft.title:
        report.place(draft.title_where, "titel", ("titel",))
    return blocks


def _masthead(before: list[Block], draft: Draft, report: ImportReport) -> list[Block]:
    """A short bold line just above the title names the organisation (a letterhead)."""
    if (len(before) == 1 and _is_heading_by_look(before[0])
            and "organisation" not in draft.meta.values):
        draft.meta.values["organisation"] = _plain(before[0].text)
        report.place(before[0].where, "organisation (raden ovanför titeln)", ("organisation",))
        return []
    return before


@dataclass
class _Section:
    heading: str
    where: str
    level: int
    text: list[str] = field(default_factory=list)
    text_after: list[str] = field(default_factory=list)
    bullets: list[Any] = field(default_factory=list)
    steps: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    criteria_text: str | None = None
    criteria_where: str = ""
    criteria_generated: bool = False  # our own output's sentence, not the source's words
    empty: bool = False
    moved: bool = False  # its contacts went to `kontakter`: not empty in the source
    tables: list[Block] = field(default_factory=list)
    children: list[_Section] = field(default_factory=list)
    not_stated: list[str] = field(default_factory=list)  # "Label:" lines left empty
    places: list[tuple[str, str, tuple[Any, ...]]] = field(default_factory=list)
    last_list: str = ""  # "steps" or "bullets": where a deeper item belongs


def _body(blocks: list[Block], draft: Draft, report: ImportReport) -> None:
    heading_levels = sorted({b.level for b in blocks if b.kind == "heading"})
    look_level = (heading_levels[-1] + 1) if heading_levels else 1
    rank = {level: i for i, level in enumerate(heading_levels + [look_level])}
    roots: list[_Section] = []
    stack: list[_Section] = []
    current: _Section | None = None
    empty = _empty_parts(blocks)
    for block in blocks:
        if block.where in empty:
            _not_stated_part(current, empty[block.where], block, draft, report)
            continue
        if block.kind == "heading" or _is_heading_by_look(block):
            level = rank[block.level] if block.kind == "heading" else rank[look_level]
            heading = HEADING_NUMBER.sub("", _strip_marker(_plain(block.text)), count=1)
            section = _Section(heading, block.where, level)
            while stack and stack[-1].level >= level:
                stack.pop()
            (stack[-1].children if stack else roots).append(section)
            stack.append(section)
            current = section
            continue
        if current is None:
            _front(block, draft, report)
            continue
        _content(current, block, draft, report)
    _special_sections(roots, draft, report)
    draft.sections = [_emit_section(s, (i,), report) for i, s in enumerate(roots)]


# "Telefon nattetid:" (or "…: –") with nothing after it: the source names a part and leaves it
# empty. Only where nothing follows that could be its value: a heading, the end, another label.
EMPTY_PART = re.compile(r"^([^:.!?;]{1,60}?)\s*:\s*(?:[-–—?…]|\.\.\.)?$")
LABEL_LINE = re.compile(r"^[^:.!?;]{1,60}:(\s|$)")


# What our own outputs print for such a part (builder.render.opening.not_stated_line); "Ansvarig:
# Ej angivet" and "När: …" are a step's own details (_details), never a part.
OWN_EMPTY_PART = re.compile(rf"^([^:.!?;]{{1,60}}?)\s*:\s*{NOT_STATED_SHOWN}$")


def _empty_parts(blocks: list[Block]) -> dict[str, str]:
    """Paragraphs that are a label and nothing else, by place: their labels."""
    found: dict[str, str] = {}
    for index, block in enumerate(blocks):
        text = _plain(block.text) if block.kind == "paragraph" else ""
        own = OWN_EMPTY_PART.match(text)
        if own and not DETAIL.match(text):
            found[block.where] = own[1].strip()
            continue
        label = EMPTY_PART.match(text) if block.kind == "paragraph" else None
        if label is None or _is_heading_by_look(block):
            continue
        after = blocks[index + 1] if index + 1 < len(blocks) else None
        if (after is None or after.kind == "heading" or _is_heading_by_look(after)
                or (after.kind == "paragraph" and LABEL_LINE.match(_plain(after.text)))):
            found[block.where] = label[1].strip()
    return found


def _not_stated_part(section: _Section | None, label: str, block: Block, draft: Draft,
                     report: ImportReport) -> None:
    """A part the source leaves empty: `ej_angivet` in its section, or a block of the ingress."""
    if section is None:
        draft.preamble.append({"ej_angivet": label})
        report.place(block.where, "del som är tom i källan (ej_angivet)",
                     ("ingress", len(draft.preamble) - 1, "ej_angivet"))
        return
    section.not_stated.append(label)
    section.places.append((block.where, "del som är tom i källan (ej_angivet)",
                           ("ej_angivet", len(section.not_stated) - 1)))


def _front(block: Block, draft: Draft, report: ImportReport) -> None:
    """Text under the title before any heading: the ingress (follow-up box, contacts apart),
    kept as blocks in the source's order: paragraphs, real list items, empty parts."""
    if block.kind == "table" and _contact_table(block, draft, report):
        return
    if block.kind == "table":
        follow_up = _follow_up(block)
        if follow_up is not None:
            draft.follow_up = follow_up
            report.place(block.where, "uppföljning (ansvarig, hur, när)", ("uppföljning",))
            return
    if block.kind == "paragraph" and _contact(block.text) is not None:
        _add_contact(block, draft, report)
        return
    if block.kind == "item":
        _front_item(block, draft, report)
        return
    if block.kind in ("paragraph", "note"):
        draft.preamble.append({"text": block.text})
        report.place(block.where, "stycke i ingressen",
                     ("ingress", len(draft.preamble) - 1, "text"))
        return
    draft.preamble.append({"text": _table_markdown(block)})
    report.place(block.where, "tabell (som text i ingressen)",
                 ("ingress", len(draft.preamble) - 1, "text"))


def _front_item(block: Block, draft: Draft, report: ImportReport) -> None:
    """A list item before the first heading: a real item of a bullet or numbered list; a
    deeper item goes under the one before it (as `punkter`, bullets in every output)."""
    text = _strip_marker(block.text)
    last = draft.preamble[-1] if draft.preamble else {}
    kind = next((k for k in ("punkter", "numrerad") if k in last), None)
    if block.level > 0 and kind is not None:
        parent: list[Any] = last[kind]
        path: tuple[Any, ...] = ("ingress", len(draft.preamble) - 1, kind)
        for _ in range(block.level):
            if not parent:
                break
            tail = parent[-1]
            if isinstance(tail, str):
                tail = parent[-1] = {"text": tail, "punkter": []}
            path += (len(parent) - 1, "punkter")
            parent = tail["punkter"]
        parent.append(text)
        report.place(block.where, "underpunkt i ingressen", path + (len(parent) - 1,))
        return
    key = "numrerad" if block.ordered else "punkter"
    if key not in last:
        draft.preamble.append({key: []})
    items = draft.preamble[-1][key]
    items.append(text)
    report.place(block.where, "numrerad punkt i ingressen" if block.ordered
                 else "punkt i ingressen", ("ingress", len(draft.preamble) - 1, key,
                                            len(items) - 1))


def _follow_up(block: Block) -> dict[str, Any] | None:
    found: dict[str, Any] = {}
    for row in block.rows:
        if len(row) == 2 and _plain(row[0]).lower() in FOLLOW_UP_LABELS:
            value = L.clean_value(row[1])
            if value is not None:
                found[FOLLOW_UP_LABELS[_plain(row[0]).lower()]] = row[1].strip()
    if len(found) < 2:
        return None
    if any("exempel" in _plain(" ".join(row)).lower() for row in block.rows):
        found["exempel"] = True
    return found


def _note_text(text: str) -> str:
    """A note without the bold "Observera:" label our own Word export puts before it."""
    return re.sub(r"^\*\*(observera|obs)\s*:\*\*\s+", "", text, flags=re.IGNORECASE)


def _content(section: _Section, block: Block, draft: Draft, report: ImportReport) -> None:
    if block.kind == "note" or (block.kind == "paragraph" and NOTE.match(block.text)):
        section.notes.append(_note_text(block.text))
        section.places.append((block.where, "not", ("not",)))
    elif block.kind == "paragraph" and _plain(block.text) == EMPTY_IN_SOURCE:
        section.empty = True
        section.places.append((block.where, "tomt i källan", ("tomt_i_källan",)))
    elif block.kind == "paragraph" and (GENERATED_RULE.match(_plain(block.text))
                                        or AT_LEAST.search(block.text)):
        section.criteria_text = block.text
        section.criteria_where = block.where
        section.criteria_generated = bool(GENERATED_RULE.match(_plain(block.text)))
    elif block.kind == "paragraph" and _contact(block.text) is not None:
        _add_contact(block, draft, report)
        section.moved = True
    elif block.kind == "paragraph" and _step_detail_after(section, block):
        return
    elif block.kind == "paragraph":
        after = bool(section.steps or section.bullets)
        (section.text_after if after else section.text).append(block.text)
        key = "text_efter" if after else "text"
        section.places.append((block.where, "text" if not after else "text efter listan", (key,)))
    elif block.kind == "item":
        _item(section, block)
    elif block.kind == "table":
        _table_in_section(section, block, draft, report)
    else:  # pragma: no cover - images are listed by the reader, not as blocks
        report.unplaced.append(Unplaced(block.where, block.text, "okänd typ av innehåll"))


def _table_in_section(section: _Section, block: Block, draft: Draft, report: ImportReport
                      ) -> None:
    if _contact_table(block, draft, report):
        section.moved = True
        return
    if len(block.rows) == 1 and len(block.rows[0]) == 1:
        # A box (a one-cell bordered table) is a note of its section, never its text.
        section.notes.append(_note_text(block.rows[0][0].strip()))
        section.places.append((block.where, "ruta (not)", ("not",)))
        return
    section.tables.append(block)


def _step_detail_after(section: _Section, block: Block) -> bool:
    """Our DOCX prints a step's own "Ansvarig: … · När: …" after its alternatives, on a
    paragraph of its own that follows the list (word.document._add_steps): the last step's."""
    if not section.steps or section.last_list != "steps" or section.text_after:
        return False
    step = section.steps[-1]
    body, details = _details(block.text)
    if body or not details or not step.get("alternativ") or "ansvarig" in step:
        return False
    step.update(details)
    section.places.append((block.where, f"ansvarig för steg {len(section.steps)}",
                           ("steg", len(section.steps) - 1)))
    return True


def _item(section: _Section, block: Block) -> None:
    text = _strip_marker(block.text)
    if block.step_number is not None and block.step_number == len(section.steps) + 1 \
            and section.steps:
        # "2a" after step 1: step 2 is made only of alternatives (our DOCX writes no empty
        # "2." line for it), so the step begins here.
        section.steps.append({})
        section.places.append((block.where, f"steg {len(section.steps)}",
                               ("steg", len(section.steps) - 1)))
    if block.ordered and (block.level == 0 or not section.steps or section.last_list != "steps"):
        step = _step(text)
        section.steps.append(step)
        section.last_list = "steps"
        section.places.append((block.where, f"steg {len(section.steps)}",
                               ("steg", len(section.steps) - 1)))
    elif block.ordered or (block.level > 0 and section.last_list == "steps"):
        step = section.steps[-1]
        if block.ordered:
            step.setdefault("alternativ", []).append(_alternative(text))
            number = len(step["alternativ"])
            label = f"alternativ {len(section.steps)}{chr(96 + number)}"
            where_to: tuple[Any, ...] = ("steg", len(section.steps) - 1, "alternativ", number - 1)
            section.places.append((block.where, label, where_to))
        else:  # a bullet under a step stays with the step's text
            step["text"] = (step.get("text") or "") + f"\n- {text}"
            section.places.append((block.where, "punkt under steg",
                                   ("steg", len(section.steps) - 1, "text")))
    elif block.level > 0 and section.bullets:
        parent = section.bullets
        path: tuple[Any, ...] = ("punkter",)
        for _ in range(block.level):
            last = parent[-1]
            if isinstance(last, str):
                last = {"text": last, "punkter": []}
                parent[-1] = last
            path += (len(parent) - 1, "punkter")
            parent = last["punkter"]
        parent.append(text)
        section.places.append((block.where, "underpunkt", path + (len(parent) - 1,)))
    else:
        section.bullets.append(text)
        section.last_list = "bullets"
        section.places.append((block.where, "punkt", ("punkter", len(section.bullets) - 1)))


def _details(text: str) -> tuple[str, dict[str, str]]:
    """Trailing "Ansvarig: X · När: Y" lines: who and when, apart from the step's text."""
    lines = text.split("\n")
    found: dict[str, str] = {}
    while lines:
        parts = [p.strip() for p in lines[-1].replace("**", "").split(" · ")]
        matches = [DETAIL.match(p) or _unlabelled_when(p, parts) for p in parts]
        if not all(matches):
            break
        for match in matches:
            assert match is not None
            value = match[2].strip()
            if value == NOT_STATED_SHOWN:  # what our outputs print where the routine names none
                value = SHOWN_UNSTATED
            found.setdefault(match[1].lower(), value)
        lines.pop()
    return "\n".join(lines).strip(), {("ansvarig" if k == "ansvarig" else "när"): v
                                      for k, v in found.items()}


def _unlabelled_when(part: str, parts: list[str]) -> re.Match[str] | None:
    """Our outputs leave out "När:" when the moment already says it ("När teamet …", see
    builder.render.document_view.when_label); only beside a labelled "Ansvarig: …"."""
    if when_label(part) is not None or not any(DETAIL.match(p) for p in parts):
        return None
    return re.match(r"^()(.+)$", part, re.DOTALL)


def _step(text: str) -> dict[str, Any]:
    body, details = _details(text)
    step: dict[str, Any] = {}
    if body:
        step["text"] = body
    step.update(details)
    return step


def _alternative(text: str) -> dict[str, Any]:
    body, details = _details(text)
    alternative: dict[str, Any] = {}
    bold = re.match(r"^\*\*(.+?)\*\*\s+(\S.*)$", body, re.DOTALL)
    if bold:
        alternative["villkor"], body = bold[1].strip(), bold[2]
    elif ARROW in body:
        condition, body = body.split(ARROW, 1)
        # Our DOCX sets the whole condition in italics (word.document._add_alternative).
        italic = re.fullmatch(r"\*([^*].*?)\*", condition.strip(), re.DOTALL)
        alternative["villkor"] = italic[1].strip() if italic else condition.strip()
    alternative["text"] = body.strip()
    alternative.update(details)
    return alternative


def _contact(text: str) -> dict[str, str] | None:
    """A name/role/phone line ("Anna Berg, sjuksköterska, tel 010-123 45 67") as a contact."""
    flat = _plain(text)
    phone = PHONE.search(flat)
    if (phone is None or len(flat) > 160 or sum(ch.isdigit() for ch in phone[1]) < 6
            or re.fullmatch(r"\d{4}-\d{2}-\d{2}", phone[1].strip())):
        return None
    contact: dict[str, str] = {"telefon": phone[1].strip()}
    rest = (flat[: phone.start()] + flat[phone.end():]).strip()
    email = EMAIL.search(rest)
    if email:
        contact["epost"] = email[0]
        rest = rest.replace(email[0], "")
    parts = [p.strip(" :–-") for p in re.split(r"[,;]| – ", rest) if p.strip(" :–-")]
    parts = [p for p in parts if p.lower() not in ("tel", "telefon", "tfn", "e-post", "epost")]
    for part in parts:
        if HOURS.search(part):
            contact.setdefault("tider", part)
        elif "namn" not in contact and "roll" not in contact and PERSON.match(part):
            contact["namn"] = part
        elif "roll" not in contact:
            contact["roll"] = part
        elif "enhet" not in contact:
            contact["enhet"] = part
        else:
            contact["område"] = contact.get("område", "") + part
    if not ({"namn", "roll", "enhet"} & contact.keys()):
        return None
    order = ("namn", "roll", "enhet", "telefon", "epost", "tider", "område")
    return {key: contact[key] for key in order if key in contact}


def _contact_table(block: Block, draft: Draft, report: ImportReport) -> bool:
    """A table headed Kontakt/Namn, Roll, Telefon, E-post, Tider, Område: one contact a row."""
    header = [CONTACT_COLUMNS.get(_plain(cell).lower().rstrip(":")) for cell in block.rows[0]]
    if len(block.rows) < 2 or header[0] not in ("namn", "kontakt") or header.count(None) > 0:
        return False
    for row, places in zip(block.rows[1:], block.cell_where[1:], strict=False):
        contact: dict[str, str] = {}
        for key, cell in zip(header, row, strict=False):
            lines = [_plain(line) for line in cell.split("\n") if _plain(line)]
            if key == "kontakt":
                contact.update(_who_lines(lines))
            elif key is not None and lines:
                value = " ".join(lines)  # our own table prints "Ej angivet" for the marker
                contact[key] = L.NOT_STATED if (value == NOT_STATED_SHOWN
                                                and key in STATED_CONTACT_KEYS) else value
        if contact:
            for key in STATED_CONTACT_KEYS:  # the column is there, the row's cell is empty
                if key in header and key not in contact:
                    contact[key] = L.NOT_STATED
                    report.not_stated.append(f"{key.capitalize()} för kontakten på "
                                             f"{places[0].split(', cell')[0]}")
            contact = {k: contact[k] for k in CONTACT_ORDER if k in contact}
            draft.contacts.append(contact)
            report.place(places[0], "kontakt", ("kontakter", len(draft.contacts) - 1))
            report.covered.update(places[1:])  # the row's other cells are the contact's
    report.covered.update(block.cell_where[0])  # the header row names the columns
    return True


def _who_lines(lines: list[str]) -> dict[str, str]:
    """Name, role and unit stacked in one cell (our own table): a person's name comes first."""
    keys = ["namn", "roll", "enhet"] if lines and PERSON.match(lines[0]) else ["roll", "enhet"]
    if len(lines) == 3:
        keys = ["namn", "roll", "enhet"]
    return dict(zip(keys, lines, strict=False))


def _add_contact(block: Block, draft: Draft, report: ImportReport) -> None:
    contact = _contact(block.text)
    assert contact is not None
    draft.contacts.append(contact)
    report.place(block.where, "kontakt", ("kontakter", len(draft.contacts) - 1))


def _table_markdown(block: Block) -> str:
    """A table kept as text: one row a line, cells separated by a vertical bar."""
    rows = [" | ".join(cell.replace("\n", " ").strip() for cell in row) for row in block.rows]
    return "\n".join(f"| {row} |" for row in rows)


def _special_sections(roots: list[_Section], draft: Draft, report: ImportReport) -> None:
    """Headings that name document-level lists (our own page's and common ones)."""
    for section in list(roots):
        name = section.heading.lower()
        taken = False
        if name in GLOSSARY_HEADINGS and section.tables and not section.steps:
            taken = _glossary(section, draft, report)
        elif name in RELATED_HEADINGS and (section.bullets or section.steps or section.text):
            taken = _related(section, draft, report)
        elif name in REVISION_HEADINGS:
            taken = _revisions(section, draft, report)
        elif name == TEAM_HEADING and section.tables:
            taken = _teams(section, draft, report)
        elif name in CONTACT_HEADINGS and not section.text and draft.contacts:
            taken = not (section.bullets or section.steps or section.tables or section.children
                         or section.not_stated or section.notes)
        elif (name == "uppföljning" and section.tables and _follow_up(section.tables[0])
              and all(_plain(t) == EXAMPLE_MARK for t in section.text)):
            draft.follow_up = _follow_up(section.tables[0])
            if section.text and draft.follow_up is not None:  # our box's "Exempel – …" line
                draft.follow_up["exempel"] = True
                report.covered.update(where for where, _, _ in section.places)
            report.place(section.tables[0].where, "uppföljning", ("uppföljning",))
            taken = True
        if taken:
            roots.remove(section)
            # The heading named the list it stood over: read with it, not lost.
            report.covered.add(section.where)


def _glossary(section: _Section, draft: Draft, report: ImportReport) -> bool:
    for table in section.tables:
        for row, places in zip(table.rows, table.cell_where, strict=False):
            if all(cell.startswith("**") and cell.endswith("**") for cell in row):
                continue  # a header row ("Begrepp | Förklaring")
            if len(row) == 2 and row[0].strip() and row[1].strip():
                draft.glossary[_plain(row[0])] = _plain(row[1])
                report.place(places[0], "begrepp", ("begrepp", _plain(row[0])))
            elif any(cell.strip() for cell in row):
                report.unplaced.append(Unplaced(places[0], " | ".join(row),
                                                "begreppsraden har inte två celler"))
        report.covered.update(where for places in table.cell_where for where in places)
    return bool(draft.glossary)


def _related(section: _Section, draft: Draft, report: ImportReport) -> bool:
    items = [b if isinstance(b, str) else b["text"] for b in section.bullets]
    items += [s.get("text", "") for s in section.steps] + section.text
    for (where, _, _), item in zip(section.places, items, strict=False):
        item = re.sub(r"^Bilaga\s+\d+\s*[.:]\s*", "", item.strip())
        link = LINK.match(item)
        if link and OWN_APPENDIX.match(link[2]):
            # Our own build links each routine to its parent and its teams' routines: the
            # build makes these again from the library, they are no text of the routine.
            report.dropped.append(Dropped("bilagelänk som bygget skapar", item, where))
            continue
        entry = {"titel": _plain(link[1]), "url": link[2]} if link else {"titel": _plain(item)}
        draft.related.append(entry)
        report.place(where, "relaterat dokument",
                     ("relaterade_dokument", len(draft.related) - 1))
    return True


def _revisions(section: _Section, draft: Draft, report: ImportReport) -> bool:
    for where, line in zip([p[0] for p in section.places], section.text, strict=False):
        found = REVISION_LINE.match(line)
        date = L.parse_date(found[2].strip()) if found else None
        if found is None or date is None:
            report.unplaced.append(Unplaced(where, line, "ändringsraden kunde inte läsas"))
            continue
        draft.revisions.append({"version": found[1], "datum": date,
                                "beskrivning": found[3].strip()})
        report.place(where, "ändring", ("ändringar", len(draft.revisions) - 1))
    for table in section.tables:
        for row, places in zip(table.rows[1:], table.cell_where[1:], strict=False):
            date = L.parse_date(_plain(row[1])) if len(row) == 3 else None
            if date is None:
                report.unplaced.append(Unplaced(places[0], " | ".join(row),
                                                "ändringsraden kunde inte läsas"))
                continue
            draft.revisions.append({"version": _plain(row[0]), "datum": date,
                                    "beskrivning": row[2].strip()})
            report.place(places[0], "ändring", ("ändringar", len(draft.revisions) - 1))
        report.covered.update(where for places in table.cell_where for where in places)
    return True


def _teams(section: _Section, draft: Draft, report: ImportReport) -> bool:
    table = section.tables[0]
    header = [_plain(cell).lower() for cell in table.rows[0]]
    if not header or header[0] != "team":
        return False
    for row, places in zip(table.rows[1:], table.cell_where[1:], strict=False):
        values = dict(zip(header, (L.clean_value(cell) for cell in row), strict=False))
        name = values.get("team")
        if not name:
            continue
        team = {"id": slugify(name), "namn": name}
        if values.get("förkortning"):
            team["förkortning"] = values["förkortning"] or ""
        if values.get("utgår från"):
            team["utgår_från"] = values["utgår från"] or ""
        # Whether the team's own arbetsrutin is in the library is not for the source to say:
        # each is imported by itself (R301 then waits for it instead of failing the draft).
        team["egen_arbetsrutin"] = L.NOT_STATED
        draft.teams.append(team)
        report.place(places[0], "team", ("team", len(draft.teams) - 1))
    report.covered.update(where for places in table.cell_where for where in places)
    return True


def slugify(text: str) -> str:
    """An id from a title: lower case a–z, digits and hyphens (model.Slug)."""
    table = str.maketrans("åäöéü", "aaoeu")
    slug = re.sub(r"[^a-z0-9]+", "-", _plain(text).lower().translate(table)).strip("-")
    return slug[:80].rstrip("-") or "importerad-rutin"


def _emit_section(section: _Section, index: tuple[Any, ...], report: ImportReport
                  ) -> dict[str, Any]:
    out: dict[str, Any] = {"rubrik": section.heading}
    base: tuple[Any, ...] = ()
    for part in index:
        base += ("avsnitt", part) if not base else ("underavsnitt", part)
    report.place(section.where, "rubrik", base + ("rubrik",))
    text = list(section.text)
    for table in section.tables:
        text.append(_table_markdown(table))
        report.place(table.where, "tabell (som text)", base + ("text",))
    if text:
        out["text"] = "\n\n".join(text)
    bullets = _criteria(section, out, base, report)
    steps = _shared_owner(section.steps)
    unstated = _unstated_owners(steps)
    if unstated:
        report.not_stated.append(f"Ansvarig i {unstated} steg under ”{section.heading}”")
    parts = (("punkter", bullets), ("steg", steps),
             ("text_efter", "\n\n".join(section.text_after)), ("not", "\n\n".join(section.notes)),
             ("ej_angivet", section.not_stated))
    out.update((key, value) for key, value in parts if value)
    for where, what, path in section.places:
        report.place(where, what, base + path)
    if section.children:
        out["underavsnitt"] = [_emit_section(child, index + (i,), report)
                               for i, child in enumerate(section.children)]
    if (len(out) == 1 and not section.moved) or section.empty:
        out["tomt_i_källan"] = True
    return out


def _criteria(section: _Section, out: dict[str, Any], base: tuple[Any, ...],
              report: ImportReport) -> list[Any]:
    """A "minst N av" rule with the bullet list beside it becomes kriterier; the bullets left."""
    bullets = section.bullets
    if section.criteria_text is None:
        return bullets
    if not bullets or not all(isinstance(b, str) for b in bullets):
        out["text"] = (out.get("text", "") + "\n\n" + section.criteria_text).strip()
        report.place(section.criteria_where, "text", base + ("text",))
        return bullets
    generated = GENERATED_RULE.match(_plain(section.criteria_text))
    found = generated or AT_LEAST.search(section.criteria_text)
    assert found is not None
    number = next(g for g in (found.groups()[1:] if generated else found.groups()) if g).lower()
    out["kriterier"] = {"minst": int(number) if number.isdigit() else NUMBER_WORDS[number],
                        "lista": bullets}
    if not section.criteria_generated:
        out["kriterier"]["text"] = section.criteria_text
    report.place(section.criteria_where, "kriterieregel (minst N av)", base + ("kriterier",))
    section.places = [(w, "kriterium", ("kriterier", "lista", p[1]))
                      if p[0] == "punkter" else (w, what, p) for w, what, p in section.places]
    return []


def _shared_owner(steps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A step that only names who (its alternatives' common owner) hands it down to them."""
    for step in steps:
        alternatives = step.get("alternativ")
        if alternatives and "text" not in step and "ansvarig" in step:
            owner = step.pop("ansvarig")
            for alternative in alternatives:
                alternative.setdefault("ansvarig", owner)
    return steps


def _unstated_owners(steps: list[dict[str, Any]]) -> int:
    """Who does a step the source does not say: ej_angivet (rule R202 asks for it so)."""
    count = 0
    for step in steps:
        alternatives = step.get("alternativ") or []
        for item in (step, *alternatives):  # our outputs' placeholder: the source names none
            if item.get("ansvarig") == SHOWN_UNSTATED:
                del item["ansvarig"]
                item[SHOWN_UNSTATED] = True
        if "ansvarig" in step or step.pop(SHOWN_UNSTATED, False):
            for alternative in alternatives:
                alternative.pop(SHOWN_UNSTATED, None)
            continue
        if not alternatives:
            step["ansvarig"] = L.NOT_STATED
            count += 1
        for alternative in alternatives:
            if "ansvarig" not in alternative and not alternative.pop(SHOWN_UNSTATED, False):
                alternative["ansvarig"] = L.NOT_STATED
                count += 1
    return count
