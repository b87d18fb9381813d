"""Where every routine stands: next review, validity and what is due (status and index)."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any, Literal

from builder.governance.ledger import approval_of, content_hash, last_evaluated
from builder.governance.lifecycle import Lifecycle, Version, lifecycle
from builder.governance.schedule import next_review
from builder.governance.teampart import TeamPartDrift, team_part_drift
from builder.load.library import Library, RoutineFile
from builder.model import NOT_STATED_TOKEN, Arbetsrutin, Document, NotStated
from builder.text.dates import add_months, format_date_sv, has_expired
from builder.text.plural import count
from builder.text.wording import STATUS_LABELS, team_label

# VGR starts a revision six months before a routine is due (the lead time asked for in issue 6).
LEAD_MONTHS = 6

# Governance metadata (issue 12) reported as written, `ej_angivet` kept as the marker.
GOVERNANCE_KEYS = (
    "organisation", "dokumenttyp", "upprättat_av", "godkänt_av", "uppdrag", "diarienummer",
    "processägare", "ägare", "granskare", "fastställare", "beslutande_organ", "gäller_för",
    "målgrupp", "kontaktperson", "ansvarig_för_revidering", "övriga_uppgifter", "källa",
    "fastställd_annan_instans",
)
LIST_KEYS = frozenset({"granskare", "gäller_för", "övriga_uppgifter"})

FlagCode = Literal[
    "utvardering-forsenad", "utvardering-snart", "giltighet-utgangen", "giltighet-upphor",
    "utkast", "granskning", "andrad-efter-godkannande", "samverkansrutin-andrad",
    "beslut-ej-angivet",
]
# Flags that make `rutin status --fail-on-overdue` fail: something should already have happened.
OVERDUE_FLAGS: frozenset[str] = frozenset({"utvardering-forsenad", "giltighet-utgangen"})


@dataclass(frozen=True)
class Flag:
    """One thing that is due, with a Swedish text for people."""

    code: FlagCode
    text: str

    @property
    def overdue(self) -> bool:
        """Whether the flag means something should already have happened."""
        return self.code in OVERDUE_FLAGS


@dataclass(frozen=True)
class DocumentStatus:
    """A routine's governance state on a given day."""

    routine: RoutineFile
    group: str  # the samverkansrutin id the document belongs to
    team: str | None  # team name (arbetsrutin) or the teams covered (samverkansrutin)
    next_review: dt.date | None
    flags: tuple[Flag, ...]
    last_evaluated: dt.date | None = None  # newest evaluation without change (rutin utvärdera)
    team_part_drift: TeamPartDrift | None = None  # the samverkansrutin changed the team's part
    life: Lifecycle | None = None  # the version in force, a coming one, earlier ones

    @property
    def versions(self) -> str:
        """Both versions in words: "Gällande version 1.0 (fastställd 29 maj 2026); under
        revidering: utkast 1.1 (ej fastställd)"."""
        return versions_text(self.life, self.routine.document) if self.life else ""

    @property
    def overdue(self) -> bool:
        """Whether anything is overdue (review or validity)."""
        return any(flag.overdue for flag in self.flags)

    @property
    def expired(self) -> bool:
        """Whether the routine's validity has ended."""
        return any(flag.code == "giltighet-utgangen" for flag in self.flags)

    def has(self, code: str) -> bool:
        """Whether the flag ``code`` is raised."""
        return any(flag.code == code for flag in self.flags)


def group_of(routine: RoutineFile) -> str:
    """The samverkansrutin a routine belongs to (its own id for a samverkansrutin)."""
    doc = routine.document
    return doc.parent if isinstance(doc, Arbetsrutin) else doc.id


def _review_flags(due: dt.date | None, today: dt.date) -> list[Flag]:
    if due is None:
        return []
    if due < today:
        days = (today - due).days
        return [Flag("utvardering-forsenad",
                     f"Utvärdering försenad {count(days, 'dag', 'dagar')} "
                     f"(senast {due.isoformat()})")]
    if due <= add_months(today, LEAD_MONTHS):
        return [Flag("utvardering-snart", f"Utvärdering senast {due.isoformat()}")]
    return []


def _validity_flags(valid_to: dt.date | None, today: dt.date) -> list[Flag]:
    if valid_to is None:
        return []
    if has_expired(valid_to, today):
        return [Flag("giltighet-utgangen", f"Giltighet utgick {valid_to.isoformat()}")]
    if valid_to <= add_months(today, LEAD_MONTHS):
        return [Flag("giltighet-upphor", f"Giltighet upphör {valid_to.isoformat()}")]
    return []


def changed_since_approval(routine: RoutineFile, library: Library) -> bool | None:
    """True when the content differs from the ledger's approved hash; None when unknown."""
    entry = approval_of(library, routine.document.id, routine.document.version)
    if entry is None:
        return None
    return content_hash(routine.document) != entry.content_sha256


def document_status(routine: RoutineFile, library: Library, today: dt.date) -> DocumentStatus:
    """Flags for one routine: reviews and validity only for fastställd documents."""
    doc = routine.document
    flags: list[Flag] = []
    # In force here or approved by another body: both are watched for review and validity.
    evaluated = last_evaluated(library, doc.id) if doc.is_approved else None
    due = next_review(doc, evaluated) if doc.is_in_force else None
    if doc.is_in_force:
        flags += _review_flags(due, today)
        flags += _validity_flags(doc.valid_to, today)
        if doc.is_approved and changed_since_approval(routine, library):
            flags.append(Flag("andrad-efter-godkannande",
                              "Ändrad efter godkännandet"))
        if not doc.has_decision:  # i_bruk_enligt_källan: watched, but no decision claimed
            flags.append(Flag("beslut-ej-angivet",
                              "I bruk enligt källan; beslut ej angivet i källan"))
    elif doc.status == "utkast":
        flags.append(Flag("utkast", "Utkast, väntar på fastställande"))
    elif doc.status == "granskning":
        flags.append(Flag("granskning", "Under granskning, väntar på beslut"))
    drift = team_part_drift(library, routine, today)
    if drift is not None:
        flags.append(Flag("samverkansrutin-andrad", drift_text(drift)))
    return DocumentStatus(routine, group_of(routine), team_label(routine, library), due,
                          tuple(flags), evaluated, drift, lifecycle(library, doc.id, today))


def drift_text(drift: TeamPartDrift) -> str:
    """The R415 wording for people: which samverkansrutin version changed the team's part."""
    where = "gäller nu" if drift.in_force else "ännu inte gäller"
    return (f"Samverkansrutinen har ändrats för teamet sedan arbetsrutinen fastställdes "
            f"(version {drift.recorded_version} → {drift.current_version}, som {where})")


def library_status(library: Library, today: dt.date) -> list[DocumentStatus]:
    """Every routine, samverkansrutin first within its group, in a stable order."""
    statuses = [document_status(r, library, today) for r in library.routines]
    return sorted(statuses, key=lambda s: (s.group,
                                           isinstance(s.routine.document, Arbetsrutin),
                                           s.routine.document.title.casefold()))


def _iso(day: dt.date | NotStated | None) -> str | None:
    if isinstance(day, NotStated):
        return NOT_STATED_TOKEN  # as the routine writes it
    return day.isoformat() if day else None


def status_record(status: DocumentStatus) -> dict[str, Any]:
    """One routine's status as plain data, for `rutin status --format json`."""
    doc = status.routine.document
    return {
        "id": doc.id,
        "typ": doc.kind,  # type: ignore[attr-defined]
        "titel": doc.title,
        "samverkansrutin": status.group,
        "team": status.team,
        "fil": status.routine.display,
        "status": doc.status,
        "version": doc.version,
        "datum_för_godkännande": _iso(doc.approval_date_stated),
        "giltig_från": _iso(doc.valid_from_stated),
        "giltig_till": _iso(doc.valid_to_stated),
        "senast_utvärderad": _iso(status.last_evaluated),
        "nästa_utvärdering": _iso(status.next_review),
        "samverkansrutin_ändrad": None if status.team_part_drift is None else {
            "från_version": status.team_part_drift.recorded_version,
            "till_version": status.team_part_drift.current_version,
            "gäller": status.team_part_drift.in_force,
        },
        **lifecycle_record(status.life),
        "försenad": status.overdue,
        **governance_record(doc),
        "att_göra": [{"kod": f.code, "text": f.text} for f in status.flags],
    }


def versions_text(life: Lifecycle, working: Document) -> str:
    """The version in force and the working copy, apart: a draft never borrows a decision."""
    parts = []
    if life.in_force is not None:
        parts.append(f"Gällande version {life.in_force.version} (fastställd "
                     f"{format_date_sv(life.in_force.entry.date)}, giltig från "
                     f"{format_date_sv(life.in_force.valid_from)})")
    elif life.withdrawal is not None:
        parts.append(f"Upphävd {format_date_sv(life.withdrawal.date)} av "
                     f"{life.withdrawal.body}; ingen gällande version")
    elif working.status == "fastställd_annan_instans":
        return ""
    elif not life.coming:
        parts.append("Ingen gällande version")
    parts += [f"kommande version {v.version} gäller från {format_date_sv(v.valid_from)}"
              for v in life.coming]
    if working.is_draft:
        prefix = "under revidering: " if life.in_force is not None else ""
        parts.append(f"{prefix}{STATUS_LABELS[working.status].lower()} {working.version} "
                     "(ej fastställd)")
    return "; ".join(parts)


def _version_record(version: Version | None) -> dict[str, Any] | None:
    if version is None:
        return None
    return {"version": version.version, "beslut": version.entry.date.isoformat(),
            "organ": version.entry.body, "giltig_från": version.valid_from.isoformat(),
            "läge": version.state}


def lifecycle_record(life: Lifecycle | None) -> dict[str, Any]:
    """The versions of a routine for `rutin status --format json`."""
    if life is None:
        return {}
    return {
        "gällande_version": _version_record(life.in_force),
        "kommande_versioner": [_version_record(v) for v in life.coming],
        "tidigare_versioner": [_version_record(v) for v in life.earlier],
        "under_revidering": life.under_revision,
        "upphävd": life.withdrawal.date.isoformat() if life.withdrawal else None,
    }


def governance_record(doc: Document) -> dict[str, Any]:
    """Every governance key, as the YAML has it (absent: null or an empty list)."""
    data = doc.model_dump(mode="json", by_alias=True, exclude_defaults=True)
    return {key: data.get(key, [] if key in LIST_KEYS else None) for key in GOVERNANCE_KEYS}


def format_status_json(statuses: list[DocumentStatus], today: dt.date) -> str:
    """Every routine's status as the JSON `rutin status --format json` prints."""
    payload = {
        "idag": today.isoformat(),
        "ledtid_månader": LEAD_MONTHS,
        "ändringar_efter_godkännande_kontrolleras": True,
        "dokument": [status_record(s) for s in statuses],
    }
    return json.dumps(payload, ensure_ascii=False, indent=2)
