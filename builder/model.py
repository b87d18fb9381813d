"""The data model: routines as pydantic models with Swedish YAML keys and English attributes."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    model_serializer,
    model_validator,
)

# A version is "major.minor" kept as text: YAML 1.1 would turn 2.10 into 2.1 (see loader).
# [0-9], not \d: \d also matches Arabic-Indic and other Unicode digits ("٠.١").
Version = Annotated[str, StringConstraints(pattern=r"^[0-9]+(\.[0-9]+){0,2}$")]
# Ids become folder and file names, so they are restricted to a safe slug.
Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,79}$")]
# A required text must say something: empty and whitespace-only values are schema errors (R101).
NOT_STATED_TOKEN = "ej_angivet"


def _refuse_token(value: str) -> str:
    """A text that cannot be "not stated" (or where leaving the key out says it): the marker
    is refused instead of being printed raw as "ej_angivet" (issue 23)."""
    if value.strip() == NOT_STATED_TOKEN:
        raise ValueError("ej_angivet går inte här: utelämna nyckeln (det källan inte anger "
                         "skrivs inte ut)")
    return value


Text = Annotated[str, StringConstraints(min_length=1, pattern=r"\S"), AfterValidator(_refuse_token)]
# Free text where absence is the truthful "not stated": the marker itself is refused.
Free = Annotated[str, AfterValidator(_refuse_token)]

Status = Literal["utkast", "granskning", "fastställd", "upphävd", "fastställd_annan_instans",
                 "i_bruk_enligt_källan"]
# In use at the source (a published routine) whose decision the source does not state: shown
# as in force, with the decision "ej angivet i källan", never as a draft or as decided.
IN_USE_AT_SOURCE = "i_bruk_enligt_källan"
Month = Literal[
    "januari", "februari", "mars", "april", "maj", "juni",
    "juli", "augusti", "september", "oktober", "november", "december",
]
MONTHS: tuple[str, ...] = Month.__args__  # type: ignore[attr-defined]


class Strict(BaseModel):
    """Base for every YAML block: unknown keys are errors, values are immutable."""

    # Only the Swedish keys are accepted from YAML; English attribute names are for code.
    model_config = ConfigDict(extra="forbid", frozen=True)


NOT_STATED_LABEL = "Ej angivet"


class NotStated(Strict):
    """A value the source does not state: `ej_angivet`, or `{ej_angivet: "skäl"}` with a reason.

    Written instead of an invented placeholder ("Ej angivet i källan", "okänt"); every output
    shows it as "Ej angivet" and rule R203 reports it (an error once the routine is fastställd).
    """

    reason: str | None = Field(default=None, alias=NOT_STATED_TOKEN)

    @model_serializer(mode="plain")
    def _as_written(self) -> str | dict[str, str]:
        # Serialised as the author wrote it, so diffs and the ledger's canonical JSON read back.
        return NOT_STATED_TOKEN if self.reason is None else {NOT_STATED_TOKEN: self.reason}

    def __str__(self) -> str:
        return NOT_STATED_LABEL


def _bare_not_stated(value: object) -> object:
    """The bare token `ej_angivet` becomes a NotStated value; everything else passes."""
    if isinstance(value, str) and value.strip() == NOT_STATED_TOKEN:
        return NotStated()
    return value


# A text field the source may leave silent.
Stated = Annotated[Text | NotStated, BeforeValidator(_bare_not_stated)]
OptionalStated = Annotated[str | NotStated | None, BeforeValidator(_bare_not_stated)]
# A date the source may leave silent ("datum_för_godkännande: ej_angivet").
DateStated = Annotated[dt.date | NotStated | None, BeforeValidator(_bare_not_stated)]
# A yes/no the source may leave silent (a team's own routine: "egen_arbetsrutin: ej_angivet").
BoolStated = Annotated[bool | NotStated, BeforeValidator(_bare_not_stated)]


def _day(value: dt.date | NotStated | None) -> dt.date | None:
    """The date when the source states one; None when absent or not stated."""
    return value if isinstance(value, dt.date) else None


def _as_list(value: object) -> object:
    """One text where a list is allowed ("gäller_för: Alingsås") is a list of one."""
    return [value] if isinstance(value, (str, dict)) else value


def shown(value: str | NotStated | None, missing: str = "–") -> str:
    """The text every output shows: the value, "Ej angivet", or ``missing`` when absent."""
    if value is None:
        return missing
    return str(value)


def stated(value: str | NotStated | None) -> str | None:
    """The value when the source states it; None when absent or not stated."""
    return value if isinstance(value, str) else None


class Evaluation(Strict):
    """utvärdering: fixed months (the seed: januari och augusti) or an interval in months."""

    months: list[Month] | None = Field(default=None, alias="månader", min_length=1)
    interval_months: int | None = Field(default=None, alias="intervall_månader", ge=1, le=60)


class Revision(Strict):
    """One line of the revision history (ändringar), newest first."""

    version: Version
    date: dt.date = Field(alias="datum")
    description: Text = Field(alias="beskrivning")


class Alternative(Strict):
    """A lettered sub-step (the seed's 2a/2b/2c): a condition and what then happens."""

    condition: Free | None = Field(default=None, alias="villkor")
    text: Text
    responsible: OptionalStated = Field(default=None, alias="ansvarig")
    when: OptionalStated = Field(default=None, alias="när")
    # True: done in addition to whichever of the others applies ("vid behov …"), not one to
    # choose instead of them. Kept only where it says more than the condition's own words (see
    # is_additional), so stating what "Vid behov" already says leaves the content hash alone.
    additional: bool | None = Field(default=None, alias="tillägg")

    @model_validator(mode="before")
    @classmethod
    def _drop_restated_addition(cls, data: object) -> object:
        # Values arrive as text (load/to_model reads every scalar as a string first).
        value = data.get("tillägg") if isinstance(data, dict) else None
        flag = {"true": True, "false": False}.get(str(value).lower()) \
            if isinstance(value, bool | str) else None
        if isinstance(data, dict) and flag is not None:
            condition = data.get("villkor")
            if flag == _reads_as_addition(condition if isinstance(condition, str) else None):
                data = {k: v for k, v in data.items() if k != "tillägg"}
        return data

    @property
    def is_additional(self) -> bool:
        """In addition to the other alternatives: ``tillägg``, else a "Vid behov" condition."""
        if self.additional is not None:
            return self.additional
        return _reads_as_addition(self.condition)


def _reads_as_addition(condition: str | None) -> bool:
    """The seed's 2c: "Vid behov initieras kontakt …" applies alongside 2a or 2b."""
    return condition is not None and condition.strip().casefold().startswith("vid behov")


class Step(Strict):
    """A numbered step; either its own text or a set of alternatives (or both)."""

    text: Free | None = None
    responsible: OptionalStated = Field(default=None, alias="ansvarig")
    when: OptionalStated = Field(default=None, alias="när")
    alternatives: list[Alternative] | None = Field(default=None, alias="alternativ", min_length=1)

    @model_validator(mode="after")
    def _says_something(self) -> Step:
        # An empty step `{}` (or one with only blank text) would print an empty numbered line.
        if not (self.text and self.text.strip()) and not self.alternatives:
            raise ValueError("ett steg behöver 'text' eller 'alternativ'")
        return self


class Bullet(Strict):
    """A bullet with bullets under it (nested lists as documents have them)."""

    text: Text
    bullets: list[BulletItem] = Field(default_factory=list, alias="punkter")


BulletItem = Annotated[Text | Bullet, Field(union_mode="left_to_right")]
Bullet.model_rebuild()


class Criteria(Strict):
    """kriterier: inclusion criteria with a k-of-n rule ("minst fyra av följande sex")."""

    at_least: int | None = Field(default=None, alias="minst")
    items: list[Text] = Field(alias="lista", min_length=1)
    # The rule in the source's own words; when absent it is stated from `minst` (rule R108).
    text: Free | None = None

    @property
    def rule_leads(self) -> bool:
        """Whether the rule stands before its list in every output: the generated rule ("Minst
        2 av följande …") and a source rule that introduces the list ("… följande:"); a source
        rule that sums up ("… av ovanstående …") stands after it, as in the source."""
        if not self.text:
            return True
        words = self.text.strip().lower()
        return words.endswith(":") or ("följande" in words and "ovan" not in words)


def _not_stated_parts(value: object) -> object:
    """`ej_angivet: true` (a part without a name), one label, or a list of labels."""
    flag = str(value).strip().lower() if isinstance(value, bool | str) else None
    if flag == "true":
        return True
    if flag == "false":
        raise ValueError("ej_angivet: skriv true, en etikett eller en lista med etiketter "
                         "(utelämna nyckeln när inget saknas)")
    return [value] if isinstance(value, str) else value


# Parts of a section the source names but leaves empty ("Telefon nattetid:" and nothing after
# it, an empty cell): each shown as "Telefon nattetid: Ej angivet", `true` as "Ej angivet".
NotStatedParts = Annotated[list[Text] | Literal[True], BeforeValidator(_not_stated_parts)]


def not_stated_labels(parts: list[str] | bool | None) -> list[str | None]:
    """The labels of the parts a source leaves empty; None for a part without a name."""
    if parts is None or parts is False:
        return []
    return [None] if parts is True else list(parts)


class PreambleBlock(Strict):
    """One block of the ingress, in the source's order: a paragraph (`text`, Markdown), a
    bullet list (`punkter`), a numbered list (`numrerad`) or a part the source names but
    leaves empty (`ej_angivet`: its label, or true)."""

    text: Text | None = None
    bullets: list[BulletItem] | None = Field(default=None, alias="punkter", min_length=1)
    numbered: list[BulletItem] | None = Field(default=None, alias="numrerad", min_length=1)
    not_stated: NotStatedParts | None = Field(default=None, alias="ej_angivet")

    @model_validator(mode="after")
    def _one_block(self) -> PreambleBlock:
        given = [v for v in (self.text, self.bullets, self.numbered, self.not_stated)
                 if v is not None]
        if len(given) != 1:
            raise ValueError("ett block i ingressen har en av 'text', 'punkter', 'numrerad' "
                             "och 'ej_angivet'")
        return self


PreambleBlocks = Annotated[list[PreambleBlock], Field(min_length=1)]


class Section(Strict):
    """A body section: heading, Markdown text, bullet points, numbered steps and a note."""

    heading: Text = Field(alias="rubrik")
    text: Free | None = None
    bullets: list[BulletItem] | None = Field(default=None, alias="punkter")
    criteria: Criteria | None = Field(default=None, alias="kriterier")
    steps: list[Step] | None = Field(default=None, alias="steg")
    text_after: Free | None = Field(default=None, alias="text_efter")
    note: Free | None = Field(default=None, alias="not")
    subsections: list[Section] | None = Field(default=None, alias="underavsnitt")
    # The source has the heading and nothing under it (rendered as such; rule R107 warns).
    empty_in_source: bool = Field(default=False, alias="tomt_i_källan")
    # Parts the source names but leaves empty, while the section has other content (issue 23).
    not_stated: NotStatedParts | None = Field(default=None, alias="ej_angivet")


class TeamEntry(Strict):
    """A team covered by a samverkansrutin."""

    id: Slug
    name: Text = Field(alias="namn")
    abbreviation: Free | None = Field(default=None, alias="förkortning")
    # One origin as text, or several as a list ("SÄS" or [SÄS, Alingsås lasarett]).
    based_at: Annotated[Text | NotStated | list[Text] | None, BeforeValidator(
        _bare_not_stated)] = Field(default=None, alias="utgår_från")
    # Free-text name of the work routine as the source lists it in Bilagor.
    routine_title: OptionalStated = Field(default=None, alias="arbetsrutin")
    # false: the source says the team has no arbetsrutin of its own (R301 then expects none).
    # ej_angivet: the source does not say whether the team has one (R301 then expects none).
    own_routine: BoolStated = Field(default=True, alias="egen_arbetsrutin")
    # false: the source gives the team no step of its own (R204 then expects none).
    has_task: bool = Field(default=True, alias="egen_uppgift")

    @property
    def origins(self) -> list[str]:
        """The team's origins as a list, whether `utgår_från` is one text or several."""
        if self.based_at is None or isinstance(self.based_at, NotStated):
            return []
        return [self.based_at] if isinstance(self.based_at, str) else list(self.based_at)


class FollowUp(Strict):
    """uppföljning: who is responsible for follow-up, how and when (rule R201)."""

    # Optional here so that a missing one is reported by R201 in the author's words,
    # not as a generic schema error.
    responsible: OptionalStated = Field(default=None, alias="ansvarig")
    how: OptionalStated = Field(default=None, alias="hur")
    when: OptionalStated = Field(default=None, alias="när")
    # For a samverkansrutin that covers one team alone (the Kungälv seed).
    team: Slug | None = None
    # True while the values are examples awaiting the team's own decision.
    example: bool = Field(default=False, alias="exempel")


class Contact(Strict):
    """A person or function to contact, with role and phone."""

    name: Text = Field(alias="namn")
    role: Free | None = Field(default=None, alias="roll")
    phone: Free | None = Field(default=None, alias="telefon")


class CardPoint(Strict):
    """A pocket-card line in the author's short form, tied to where it comes from.

    ``steg`` names a step ("2", or "2a" for an alternative) and ``avsnitt`` a section by its
    heading (with ``steg``: the section whose step list is meant; alone: the section's text,
    or its note with ``not: true``). ``avtryck`` is the fingerprint of that source when the
    line was written: rule R504 reports a line whose source has changed since.
    """

    text: Text
    step: str | None = Field(default=None, alias="steg", pattern=r"^[1-9][0-9]{0,2}[a-z]?$")
    section: Free | None = Field(default=None, alias="avsnitt")
    note: bool = Field(default=False, alias="not")
    fingerprint: str | None = Field(default=None, alias="avtryck", pattern=r"^[0-9a-f]{8}$")


class PocketCard(Strict):
    """fickkort: the few lines and contacts that fit on an 85 × 55 mm card."""

    points: list[Text | CardPoint] = Field(default_factory=list, alias="punkter")
    contacts: list[Contact] = Field(default_factory=list, alias="kontakter")


class DocumentContact(Strict):
    """kontakter: who to call, as the source's contact block lists them (document level)."""

    name: Stated | None = Field(default=None, alias="namn")
    role: Free | None = Field(default=None, alias="roll")
    unit: Free | None = Field(default=None, alias="enhet")
    phone: Stated | None = Field(default=None, alias="telefon")
    email: Free | None = Field(default=None, alias="epost")
    hours: Free | None = Field(default=None, alias="tider")  # "vardagar kl 07.30–16"
    area: Free | None = Field(default=None, alias="område")  # "Alingsås och Lerum"

    @model_validator(mode="after")
    def _names_someone(self) -> DocumentContact:
        if self.name is None and not self.role and not self.unit:
            raise ValueError("en kontakt behöver 'namn', 'roll' eller 'enhet'")
        return self


class RelatedDocument(Strict):
    """relaterade_dokument: a document referred to by title, with an optional link (no file)."""

    title: Text = Field(alias="titel")
    url: Free | None = None


class OtherDetail(Strict):
    """övriga_uppgifter: a header field that fits no other key, as a label and a value."""

    label: Text = Field(alias="etikett")
    value: Stated = Field(alias="värde")


class SourceInfo(Strict):
    """källa: where a document comes from, every value kept as the source writes it."""

    version: Text | None = None  # "B.2", "Utgåva 3", "4"
    date: Text | None = Field(default=None, alias="datum")  # "Oktober 2021"
    updated: Text | None = Field(default=None, alias="uppdaterad")  # "2019-11-12 09:40"
    reference: Text | None = Field(default=None, alias="referens")  # URL or diarienummer


class ApprovedElsewhere(Strict):
    """fastställd_annan_instans: the body (nämnd, ledningsgrupp) that approved it, as written."""

    body: Text = Field(alias="organ")
    date: Text | None = Field(default=None, alias="datum")  # as written, may be partial
    reference: Text | None = Field(default=None, alias="referens")


class Attachment(Strict):
    """bilagor: a file kept beside the routine, referenced by a path inside routines/."""

    title: Text = Field(alias="titel")
    file: Text = Field(alias="fil")


class Document(Strict):
    """What samverkansrutin and arbetsrutin share: governance metadata and the body."""

    id: Slug
    title: Text = Field(alias="titel")
    document_type: Stated = Field(alias="dokumenttyp")
    # The issuer as the document names it; ej_angivet when it names none (never guessed).
    organisation: OptionalStated = None
    prepared_by: Stated = Field(alias="upprättat_av")
    approved_by: OptionalStated = Field(default=None, alias="godkänt_av")
    assignment: OptionalStated = Field(default=None, alias="uppdrag")
    # Governance metadata as header tables show it (every key optional; absent keys unchanged
    # content hashes, since the ledger's canonical form leaves out defaults).
    registration_number: OptionalStated = Field(default=None, alias="diarienummer")
    process_owner: OptionalStated = Field(default=None, alias="processägare")
    reviewers: Annotated[list[Stated], BeforeValidator(_as_list)] = Field(
        default_factory=list, alias="granskare")
    approver: OptionalStated = Field(default=None, alias="fastställare")
    applies_to: Annotated[list[Stated], BeforeValidator(_as_list)] = Field(
        default_factory=list, alias="gäller_för")
    audience: OptionalStated = Field(default=None, alias="målgrupp")
    contact_person: OptionalStated = Field(default=None, alias="kontaktperson")
    revision_responsible: OptionalStated = Field(default=None, alias="ansvarig_för_revidering")
    decision_body: OptionalStated = Field(default=None, alias="beslutande_organ")
    other_details: list[OtherDetail] = Field(default_factory=list, alias="övriga_uppgifter")
    source: SourceInfo | None = Field(default=None, alias="källa")
    approved_elsewhere: ApprovedElsewhere | None = Field(
        default=None, alias="fastställd_annan_instans")
    # The tool's own version (approve orders by it); the source's label is källa.version.
    version: Version
    status: Status
    # Dates may be ej_angivet; code reads the date through the properties below (None when
    # absent or not stated) and outputs print the stated form (builder.text.dates.shown_date).
    approval_date_stated: DateStated = Field(default=None, alias="datum_för_godkännande")
    valid_from_stated: DateStated = Field(default=None, alias="giltig_från")
    valid_to_stated: DateStated = Field(default=None, alias="giltig_till")
    evaluation: Evaluation | None = Field(default=None, alias="utvärdering")
    revisions: list[Revision] = Field(default_factory=list, alias="ändringar")
    # Older name for the process owner; still accepted and shown as "Ägare".
    owner: OptionalStated = Field(default=None, alias="ägare")
    glossary: dict[str, Text] = Field(default_factory=dict, alias="begrepp")
    # Text under the title, before the first heading: Markdown, or blocks in the source's
    # order (paragraphs, bullet and numbered lists, parts left empty) as an import keeps them.
    preamble: Free | PreambleBlocks | None = Field(default=None, alias="ingress")
    sections: list[Section] = Field(default_factory=list, alias="avsnitt")
    contacts: list[DocumentContact] = Field(default_factory=list, alias="kontakter")
    related_documents: list[RelatedDocument] = Field(
        default_factory=list, alias="relaterade_dokument")
    attachments: list[Attachment] = Field(default_factory=list, alias="bilagor")
    follow_up: FollowUp | None = Field(default=None, alias="uppföljning")
    pocket_card: PocketCard | None = Field(default=None, alias="fickkort")

    @property
    def preamble_blocks(self) -> list[PreambleBlock]:
        """The ingress as blocks: Markdown text written by hand is one text block."""
        if isinstance(self.preamble, str):
            return [PreambleBlock(text=self.preamble)] if self.preamble.strip() else []
        return list(self.preamble or [])

    @property
    def approval_date(self) -> dt.date | None:
        """datum_för_godkännande when stated."""
        return _day(self.approval_date_stated)

    @property
    def valid_from(self) -> dt.date | None:
        """giltig_från when stated."""
        return _day(self.valid_from_stated)

    @property
    def valid_to(self) -> dt.date | None:
        """giltig_till when stated."""
        return _day(self.valid_to_stated)

    @property
    def is_approved(self) -> bool:
        """Whether the document is fastställd."""
        return self.status == "fastställd"

    @property
    def is_draft(self) -> bool:
        """Whether the document is not yet decided (utkast or granskning)."""
        return self.status in ("utkast", "granskning")

    @property
    def is_in_force(self) -> bool:
        """Fastställd by our body or by another one, or in use at the source: it applies."""
        return self.status in ("fastställd", "fastställd_annan_instans", IN_USE_AT_SOURCE)

    @property
    def has_decision(self) -> bool:
        """Whether a decision is stated (ours or another body's): not for drafts, and not for
        a routine in use at the source whose decision the source does not state."""
        return self.status in ("fastställd", "fastställd_annan_instans")

    @property
    def approving_body(self) -> str | None:
        """Who approves this document, as it names them (never a hard-coded body)."""
        if self.approved_elsewhere is not None:
            return self.approved_elsewhere.body
        for value in (self.approved_by, self.decision_body, self.approver):
            if isinstance(value, str):
                return value
        return None


class Samverkansrutin(Document):
    """A collaboration routine agreed between hospital, primary care and municipality."""

    kind: Literal["samverkansrutin"] = Field(alias="typ")
    teams: list[TeamEntry] = Field(default_factory=list, alias="team")


class Arbetsrutin(Document):
    """One mobile team's work routine under a samverkansrutin."""

    kind: Literal["arbetsrutin"] = Field(alias="typ")
    team: Slug
    parent: Slug = Field(alias="samverkansrutin")


Routine = Annotated[Samverkansrutin | Arbetsrutin, Field(discriminator="kind")]
ROUTINE_CLASSES: dict[str, type[Document]] = {
    "samverkansrutin": Samverkansrutin,
    "arbetsrutin": Arbetsrutin,
}


class BodyKey(Strict):
    """Where an approving body's signing key is; the PIN or password never goes in YAML.

    PKCS#11 (smart card, HSM): module, token and key label; the PIN comes from
    RUTIN_SIGN_PIN_<ID> (or a prompt). PKCS#12: the file; the password from
    RUTIN_SIGN_PASSWORD_<ID>. <ID> is the body's id in capitals, '-' as '_'.
    """

    pkcs11_module: Text | None = Field(default=None, alias="pkcs11_modul")
    token: Text | None = None
    key_label: Text | None = Field(default=None, alias="nyckeletikett")
    pkcs12: Text | None = None


class ApprovingBody(Strict):
    """An organ that may approve routines (samordningsgruppen, a board)."""

    id: Slug
    name: Text = Field(alias="namn")
    # A joint body's decision is signed by each of these bodies in turn (co-signing).
    parties: list[Slug] = Field(default_factory=list, alias="parter")
    key: BodyKey | None = Field(default=None, alias="nyckel")


class Organisation(Strict):
    """routines/organisation.yaml: approving bodies, publication and defaults."""

    name: Text = Field(alias="namn")
    approving_bodies: list[ApprovingBody] = Field(default_factory=list, alias="godkännande_organ")
    publication_url: str | None = Field(default=None, alias="publicerings_url")
    timestamp_url: str | None = Field(default=None, alias="tidsstämpel_url")
    # PEM files inside routines/: the trust roots `rutin verify` accepts (public parts only).
    trusted_certificates: list[Text] = Field(default_factory=list, alias="betrodda_certifikat")
    # PAdES long-term validation: chain, revocation data and a document timestamp embedded.
    long_term_validation: Literal["B-LT", "B-LTA"] | None = Field(
        default=None, alias="långtidsvalidering")
    # The region's rules require every fastställd routine to state when it is evaluated or
    # until when it is valid (VGR: at most five years); R416 is then an error, not a warning.
    requires_review_date: bool = Field(default=False, alias="kräver_utvärdering")
