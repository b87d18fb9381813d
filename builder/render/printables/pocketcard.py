"""Pocket cards (85 × 55 mm, front and back): single cards, the A4 sheet, and measuring."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass, replace
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from builder.layout import FaceMeasure
from builder.load.library import Library, RoutineFile
from builder.model import Arbetsrutin, Document, shown, stated
from builder.render import Artifact, RenderContext
from builder.render.document_view import EXAMPLE_MARK, issuer_text
from builder.render.printables.common import (
    ChecklistRow,
    CriteriaBlock,
    checked_pdf,
    checklist_rows,
    criteria_blocks,
    document_head,
    find_team,
    publication_link,
    render_template,
    validity_once_in_force,
    validity_text,
)
from builder.render.printables.imposition import CARD, impose
from builder.text.phone import format_phone_sv

if TYPE_CHECKING:  # segno and the sheet's pikepdf load when a card is drawn, not on `rutin check`
    import segno

MAX_POINTS_FROM_STEPS = 6
# At 8 pt a face holds about four two-line points below its band.
FRONT_POINTS = 4
BACK_POINTS = 4  # at most this many continue on the back, above contacts and version  # the issue: "the 3–6 most important points"
PX_PER_MM = 96 / 25.4  # WeasyPrint lays out in CSS pixels


@dataclass(frozen=True)
class CardContact:
    """A contact on the card's back."""

    name: str
    role: str | None
    phone: str | None  # formatted the Swedish way


@dataclass(frozen=True)
class CardContent:
    """Everything printed on one card, ready for the template."""

    doc_id: str
    title: str
    team_name: str | None
    abbreviation: str | None
    points: tuple[str, ...]
    follow_up_owner: str | None
    follow_up_example: bool  # the owner is an example awaiting the team's decision
    contacts: tuple[CardContact, ...]
    version: str
    validity: str
    draft: bool
    qr_url: str | None
    # Whose card it is: the team's utgår_från, else the issuing organisation (two teams'
    # cards in one pocket are otherwise easily confused).
    issuer: str | None = None
    # The back's room, filled only where the card surely still fits (fit_back): how and when
    # the follow-up is done, and what the abbreviations the card uses stand for (the
    # routine's or its samverkansrutin's begrepp), in the routine's own words.
    follow_up_how: str | None = None
    follow_up_when: str | None = None
    terms: tuple[tuple[str, str], ...] = ()

    @property
    def front_points(self) -> tuple[str, ...]:
        """Up to four points. Past eight no back holds the rest either: all stay on the
        front and R501 asks the author to shorten them."""
        if FRONT_POINTS < len(self.points) <= FRONT_POINTS + BACK_POINTS:
            return self.points[:FRONT_POINTS]
        return self.points

    @property
    def back_points(self) -> tuple[str, ...]:
        """Points past the front's room continue on the back, above the contacts."""
        return self.points[len(self.front_points):]

    @property
    def key(self) -> str:
        """A digest of everything printed on the card: equal keys lay out alike."""
        payload = json.dumps(asdict(self), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()

    @property
    def qr_image(self) -> str | None:
        """The QR code as a data: URI, made only when a card is laid out (not for checks)."""
        return qr_data_uri(self.qr_url) if self.qr_url else None


def wants_card(routine: RoutineFile) -> bool:
    """Every document with a ``fickkort`` block, and every arbetsrutin: a team's routine is what
    staff carry (without ``fickkort.punkter`` its first six steps are the points). A document
    with neither points nor contacts still gets no card (see card_content)."""
    doc = routine.document
    if doc.pocket_card is not None or isinstance(doc, Arbetsrutin):
        return True
    # A samverkansrutin with criteria or contacts: its card holds those (issue 23), with no
    # empty `fickkort:` block needed.
    return bool(doc.contacts) or bool(criteria_blocks(doc))


def _points(routine: RoutineFile) -> tuple[str, ...]:
    """The author's short forms, or every step, alternative and note with its condition.

    Derived points keep every condition; past six, the card says how many steps it leaves
    to the routine rather than dropping them silently.
    """
    card = routine.document.pocket_card
    if card is not None and card.points:
        return tuple(p if isinstance(p, str) else p.text for p in card.points)
    # Inclusion criteria first (who the routine is for), stated once with their rule.
    criteria = tuple(_criteria_point(b) for b in criteria_blocks(routine.document))
    if card is None and not isinstance(routine.document, Arbetsrutin):
        return criteria  # a samverkansrutin's own card: who it is for, and whom to call
    rows = checklist_rows(routine.document)
    room = max(0, MAX_POINTS_FROM_STEPS - len(criteria))
    points = [_row_point(r) for r in rows[:room]]
    if len(rows) > room:
        points.append(f"… och {len(rows) - room} steg till: se rutinen.")
    return criteria + tuple(points)


def _row_point(row: ChecklistRow) -> str:
    """A step as a card line: its number (to find it in the routine) and its condition."""
    text = f"{row.condition} → {row.text}" if row.condition else row.text
    return f"{row.number}. {text}" if row.number else text


def _criteria_point(block: CriteriaBlock) -> str:
    """One card line: the rule, then the criteria as a list in a sentence."""
    items = "; ".join(item.strip().rstrip(".") for item in block.items) + "."
    if block.rule and block.rule_after:  # the rule where the source has it: after the list
        return f"{items} {block.rule.strip()}"
    return f"{block.rule.strip().rstrip('.:')}: {items}" if block.rule else items


def qr_code(url: str) -> segno.QRCode:
    """The QR code for ``url`` (error correction level M)."""
    import segno

    return segno.make(url, error="m", micro=False)


@lru_cache(maxsize=1024)
def qr_data_uri(url: str) -> str:
    """The QR code as a PNG data: URI, quiet zone of four modules, 8 px a module.

    PNG rather than SVG: WeasyPrint draws a QR's SVG path slowly (0.07 s each, ten per sheet),
    and at 8 px a module, drawn without interpolation, the raster is exact at any print size.
    """
    return str(qr_code(url).png_data_uri(scale=8, border=4))


def card_contacts(doc: Document) -> tuple[CardContact, ...]:
    """The card's own contacts, else the document's `kontakter` (one list, not a copy)."""
    if doc.pocket_card is not None and doc.pocket_card.contacts:
        return tuple(CardContact(c.name, c.role, format_phone_sv(c.phone) if c.phone else None)
                     for c in doc.pocket_card.contacts)
    found = []
    for contact in doc.contacts:
        # Named by the first of namn, roll, enhet; the others (and the hours) follow once.
        who = [shown(v) for v in (contact.name, contact.role, contact.unit) if v is not None]
        # Hours and area (område) follow: three numbers for one unit differ by place.
        extra = [v for v in (contact.hours, contact.area) if v]
        name, detail = who[0], [*who[1:], *extra]
        phone = stated(contact.phone)
        found.append(CardContact(name, ", ".join(detail) or None,
                                 format_phone_sv(phone) if phone else None))
    return tuple(found)


def card_content(routine: RoutineFile, library: Library,
                 once_in_force: bool = False) -> CardContent | None:
    """The card for a document, or None when it gets none (see the module docstring).
    ``once_in_force``: the card as it will print when the draft is fastställd (what R501
    measures): no draft mark, the validity line of a version in force."""
    if not wants_card(routine):
        return None
    doc = routine.document
    points = _points(routine)
    contacts = card_contacts(doc)
    if not points and not contacts:
        return None
    team = find_team(routine, library)
    url = publication_link(routine, library)
    # Whose card it is (issue 26): the team's origin, else the issuer as every document shows
    # it ("Utfärdare: Ej angivet" when the source names none, never the library's name).
    organisation = issuer_text(doc, library.organisation.name if library.organisation else None)
    issuer = ", ".join(team.origins) if team and team.origins else organisation
    card = CardContent(
        doc_id=doc.id, title=doc.title,
        team_name=team.name if team else None,
        abbreviation=team.abbreviation if team else None,
        points=points,
        follow_up_owner=shown(doc.follow_up.responsible) if doc.follow_up
        and doc.follow_up.responsible else None,
        follow_up_example=bool(doc.follow_up and doc.follow_up.example),
        contacts=contacts, version=doc.version,
        validity=validity_once_in_force(doc) if once_in_force else validity_text(doc),
        draft=doc.is_draft and not once_in_force, qr_url=url, issuer=issuer,
    )
    follow_up = doc.follow_up
    how = shown(follow_up.how) if follow_up and follow_up.how else None
    when = shown(follow_up.when) if follow_up and follow_up.when else None
    if card.follow_up_owner is None:
        how = when = None  # how and when stand under the owner they belong to
    return fit_back(card, how and " ".join(how.split()), when and " ".join(when.split()),
                    _glossary(routine, library))


def _glossary(routine: RoutineFile, library: Library) -> dict[str, str]:
    """The document's begrepp, with its samverkansrutin's for the terms it does not define."""
    doc = routine.document
    found: dict[str, str] = {}
    if isinstance(doc, Arbetsrutin):
        parent = library.by_id(doc.parent)
        if parent is not None:
            found.update(parent.document.glossary)
    found.update(doc.glossary)
    return found


def card_terms(card: CardContent, glossary: dict[str, str]) -> tuple[tuple[str, str], ...]:
    """Each begrepp the card's text uses as a whole word ("SAMSA" in "SAMSA-rutinen"), in the
    order the card first uses it; not the team abbreviation the band already spells out."""
    text = " ".join([card.issuer or "", *card.points, card.follow_up_owner or "",
                     card.follow_up_how or "", card.follow_up_when or "",
                     *(f"{c.name} {c.role or ''}" for c in card.contacts)])
    found = []
    for term, meaning in glossary.items():
        if card.abbreviation and term == card.abbreviation and card.team_name:
            continue
        hit = re.search(rf"(?<![\w]){re.escape(term)}(?![\w])", text)
        if hit:
            found.append((hit.start(), term, " ".join(meaning.split())))
    return tuple((term, meaning) for _, term, meaning in sorted(found))


def _back_fits(card: CardContent) -> bool:
    """The back provably fits (cardfit's bound); the front does not change with the back."""
    from builder.render.printables.cardfit import CARD_H_MM, face_bounds

    bounds = face_bounds(card)
    return bounds is not None and bounds[1] <= CARD_H_MM


def fit_back(card: CardContent, how: str | None, when: str | None,
             glossary: dict[str, str]) -> CardContent:
    """The card with what the routine states for the back's free room: the follow-up's how and
    when, then each abbreviation the card uses explained, in order, each kept only when the
    bound proves the back still fits (nothing shortened: what does not fit whole stays in the
    routine). A back that fits only by layout gets nothing more, so R501 judges the card as
    printed and the bound stays the only thing that decides."""
    if how or when:
        fuller = replace(card, follow_up_how=how, follow_up_when=when)
        if _back_fits(fuller):
            card = fuller
    for term in card_terms(card, glossary):
        fuller = replace(card, terms=(*card.terms, term))
        if _back_fits(fuller):
            card = fuller
    return card


def cards_html(cards: list[CardContent], mode: str, meta: dict[str, str]) -> str:
    """``mode``: "single" (85 × 55 mm pages, front then back per card) or "measure"; the A4
    sheet is imposed from the single cards' PDF (builder.render.printables.sheet)."""
    return render_template("pocketcard.html.j2", cards=cards, mode=mode, meta=meta,
                           example_mark=EXAMPLE_MARK)


def render_pocketcard(ctx: RenderContext) -> list[Artifact]:
    """``<stem>-fickkort.pdf`` (front, back) and ``<stem>-fickkort-ark.pdf`` (10 per A4)."""
    card = card_content(ctx.routine, ctx.library)
    if card is None:
        return []
    meta = document_head(ctx.document, "Fickkort", ctx.options.epoch)
    single = checked_pdf(card.doc_id, cards_html([card], "single", meta))
    from builder.render.printables.sheet import impose_cards

    # The sheet reuses the laid-out card ten times instead of laying it out ten times.
    sheet = impose_cards(single, f"{ctx.document.title} – fickkort, A4-ark",
                         slots=[0] * impose().capacity)
    return [Artifact(f"{ctx.stem}-fickkort.pdf", single),
            Artifact(f"{ctx.stem}-fickkort-ark.pdf", sheet)]


def _box_class(box: Any) -> str:
    element = getattr(box, "element", None)
    return (element.get("class") or "") if element is not None and box.element_tag else ""


def _face_measure(page: Any) -> tuple[float, float]:
    """Height of the page's face box and of its first text line, in mm."""
    from weasyprint.formatting_structure.boxes import LineBox  # type: ignore[import-untyped]

    face = next(b for b in page._page_box.descendants() if "face" in _box_class(b).split())
    # The median line: a point or a contact, not the larger heading.
    lines = sorted(b.height for b in face.descendants() if isinstance(b, LineBox))
    line_px = lines[len(lines) // 2] if lines else 10.0
    return face.margin_height() / PX_PER_MM, line_px / PX_PER_MM


@lru_cache(maxsize=8)
def _measure(html: str) -> tuple[tuple[float, float], ...]:
    from builder.render.weasy import measure_html

    document = measure_html(html)
    return tuple(_face_measure(page) for page in document.pages)


def measure_cards(cards: list[CardContent]) -> list[FaceMeasure]:
    """Lay every face out once, at card width and unlimited height, and read its height.

    The measuring page is 2 m tall, so each face is one page and its natural height is the
    height of its box in WeasyPrint's layout — the same CSS as the printed card.
    """
    if not cards:
        return []
    meta = {"title": "Mätning", "author": "", "description": "", "created": ""}
    heights = _measure(cards_html(cards, "measure", meta))
    found = []
    for index, card in enumerate(cards):
        for offset, side in enumerate(("framsida", "baksida")):
            height, line = heights[2 * index + offset]
            found.append(FaceMeasure(card.doc_id, side, height, line, CARD[1]))
    return found
