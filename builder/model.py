"""The data model: routines as pydantic models with Swedish YAML keys and English attributes."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

# A version is "major.minor" kept as text: YAML 1.1 would turn 2.10 into 2.1 (see loader).
Version = Annotated[str, StringConstraints(pattern=r"^\d+(\.\d+){0,2}$")]
# Ids become folder and file names, so they are restricted to a safe slug.
Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,79}$")]
Text = Annotated[str, StringConstraints(min_length=1)]

Status = Literal["utkast", "granskning", "fastställd", "upphävd"]
Month = Literal[
    "januari", "februari", "mars", "april", "maj", "juni",
    "juli", "augusti", "september", "oktober", "november", "december",
]
MONTHS: tuple[str, ...] = Month.__args__  # type: ignore[attr-defined]


class Strict(BaseModel):
    """Base for every YAML block: unknown keys are errors, values are immutable."""

    # Only the Swedish keys are accepted from YAML; English attribute names are for code.
    model_config = ConfigDict(extra="forbid", frozen=True)


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

    condition: str | None = Field(default=None, alias="villkor")
    text: Text
    responsible: str | None = Field(default=None, alias="ansvarig")
    when: str | None = Field(default=None, alias="när")


class Step(Strict):
    """A numbered step; either its own text or a set of alternatives (or both)."""

    text: str | None = None
    responsible: str | None = Field(default=None, alias="ansvarig")
    when: str | None = Field(default=None, alias="när")
    alternatives: list[Alternative] | None = Field(default=None, alias="alternativ", min_length=1)


class Section(Strict):
    """A body section: heading, Markdown text, bullet points, numbered steps and a note."""

    heading: Text = Field(alias="rubrik")
    text: str | None = None
    bullets: list[Text] | None = Field(default=None, alias="punkter")
    steps: list[Step] | None = Field(default=None, alias="steg")
    note: str | None = Field(default=None, alias="not")
    subsections: list[Section] | None = Field(default=None, alias="underavsnitt")


class TeamEntry(Strict):
    """A team covered by a samverkansrutin."""

    id: Slug
    name: Text = Field(alias="namn")
    abbreviation: str | None = Field(default=None, alias="förkortning")
    based_at: str | None = Field(default=None, alias="utgår_från")
    # Free-text name of the work routine as the source lists it in Bilagor.
    routine_title: str | None = Field(default=None, alias="arbetsrutin")


class FollowUp(Strict):
    """uppföljning: who is responsible for follow-up, how and when (rule R201)."""

    # Optional here so that a missing one is reported by R201 in the author's words,
    # not as a generic schema error.
    responsible: str | None = Field(default=None, alias="ansvarig")
    how: str | None = Field(default=None, alias="hur")
    when: str | None = Field(default=None, alias="när")
    # For a samverkansrutin that covers one team alone (the Kungälv seed).
    team: Slug | None = None
    # True while the values are examples awaiting the team's own decision.
    example: bool = Field(default=False, alias="exempel")


class Contact(Strict):
    """A person or function to contact, with role and phone."""

    name: Text = Field(alias="namn")
    role: str | None = Field(default=None, alias="roll")
    phone: str | None = Field(default=None, alias="telefon")


class CardPoint(Strict):
    """A pocket-card line in the author's short form, tied to where it comes from.

    ``steg`` names a step ("2", or "2a" for an alternative) and ``avsnitt`` a section by its
    heading (with ``steg``: the section whose step list is meant; alone: the section's text,
    or its note with ``not: true``). ``avtryck`` is the fingerprint of that source when the
    line was written: rule R504 reports a line whose source has changed since.
    """

    text: Text
    step: str | None = Field(default=None, alias="steg", pattern=r"^[1-9][0-9]{0,2}[a-z]?$")
    section: str | None = Field(default=None, alias="avsnitt")
    note: bool = Field(default=False, alias="not")
    fingerprint: str | None = Field(default=None, alias="avtryck", pattern=r"^[0-9a-f]{8}$")


class PocketCard(Strict):
    """fickkort: the few lines and contacts that fit on an 85 × 55 mm card."""

    points: list[Text | CardPoint] = Field(default_factory=list, alias="punkter")
    contacts: list[Contact] = Field(default_factory=list, alias="kontakter")


class Attachment(Strict):
    """bilagor: a file kept beside the routine, referenced by a path inside routines/."""

    title: Text = Field(alias="titel")
    file: Text = Field(alias="fil")


class Document(Strict):
    """What samverkansrutin and arbetsrutin share: governance metadata and the body."""

    id: Slug
    title: Text = Field(alias="titel")
    document_type: Text = Field(alias="dokumenttyp")
    organisation: str | None = None
    prepared_by: Text = Field(alias="upprättat_av")
    approved_by: str | None = Field(default=None, alias="godkänt_av")
    assignment: str | None = Field(default=None, alias="uppdrag")
    version: Version
    status: Status
    approval_date: dt.date | None = Field(default=None, alias="datum_för_godkännande")
    valid_from: dt.date | None = Field(default=None, alias="giltig_från")
    valid_to: dt.date | None = Field(default=None, alias="giltig_till")
    evaluation: Evaluation | None = Field(default=None, alias="utvärdering")
    revisions: list[Revision] = Field(default_factory=list, alias="ändringar")
    owner: str | None = Field(default=None, alias="ägare")
    glossary: dict[str, Text] = Field(default_factory=dict, alias="begrepp")
    sections: list[Section] = Field(default_factory=list, alias="avsnitt")
    attachments: list[Attachment] = Field(default_factory=list, alias="bilagor")
    follow_up: FollowUp | None = Field(default=None, alias="uppföljning")
    pocket_card: PocketCard | None = Field(default=None, alias="fickkort")

    @property
    def is_approved(self) -> bool:
        """Whether the document is fastställd."""
        return self.status == "fastställd"

    @property
    def is_draft(self) -> bool:
        """Whether the document is not yet decided (utkast or granskning)."""
        return self.status in ("utkast", "granskning")


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


class ApprovingBody(Strict):
    """An organ that may approve routines (samordningsgruppen, a board)."""

    id: Slug
    name: Text = Field(alias="namn")


class Organisation(Strict):
    """routines/organisation.yaml: approving bodies, publication and defaults."""

    name: Text = Field(alias="namn")
    approving_bodies: list[ApprovingBody] = Field(default_factory=list, alias="godkännande_organ")
    publication_url: str | None = Field(default=None, alias="publicerings_url")
    timestamp_url: str | None = Field(default=None, alias="tidsstämpel_url")
    # PEM files inside routines/: the trust roots `rutin verify` accepts (public parts only).
    trusted_certificates: list[Text] = Field(default_factory=list, alias="betrodda_certifikat")
