"""R4xx rules: governance — approval metadata, validity, revision history, review dates."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

from builder.diagnostics import Diagnostic
from builder.governance.ledger import last_evaluated
from builder.governance.schedule import next_review
from builder.load.library import Library
from builder.model import Arbetsrutin, Samverkansrutin, stated
from builder.rules import CheckOptions, finding, rule, string_leaves
from builder.rules.followup import is_placeholder
from builder.text.markdown import ABBREVIATION, abbreviations


@rule("R401", "error", "En fastställd rutin har godkänt av, datum för godkännande och innehåll")
def check_approved_metadata(library: Library, options: CheckOptions) -> Iterator[Diagnostic]:
    """A fastställd routine without approver, approval date or sections."""
    for routine in library.routines:
        doc = routine.document
        if not doc.is_approved:
            continue
        if not stated(doc.approved_by):
            yield finding(routine, ("status",), "R401",
                          "status är 'fastställd' men 'godkänt_av' saknas (eller är ej_angivet)")
        if doc.approval_date is None:
            yield finding(routine, ("status",), "R401",
                          "status är 'fastställd' men 'datum_för_godkännande' saknas")
        if not doc.sections:
            yield finding(routine, ("status",), "R401",
                          "status är 'fastställd' men rutinen har inga avsnitt ('avsnitt')")


@rule("R402", "error", "Giltig från och med ligger inte före datum för godkännande")
def check_validity_start(library: Library, options: CheckOptions) -> Iterator[Diagnostic]:
    """Validity that starts before the approval date, or ends before it starts."""
    for routine in library.routines:
        doc = routine.document
        if doc.valid_from and doc.approval_date and doc.valid_from < doc.approval_date:
            yield finding(routine, ("giltig_från",), "R402",
                          f"'giltig_från' ({doc.valid_from}) ligger före "
                          f"'datum_för_godkännande' ({doc.approval_date})")
        if doc.valid_from and doc.valid_to and doc.valid_to < doc.valid_from:
            yield finding(routine, ("giltig_till",), "R402",
                          f"'giltig_till' ({doc.valid_to}) ligger före 'giltig_från' "
                          f"({doc.valid_from})")


@rule("R403", "error", "Aktuell version finns i ändringshistoriken")
def check_version_in_history(library: Library, options: CheckOptions) -> Iterator[Diagnostic]:
    """A version missing from the routine's revision history."""
    for routine in library.routines:
        doc = routine.document
        if all(r.version != doc.version for r in doc.revisions):
            yield finding(routine, ("version",), "R403",
                          f"version {doc.version} saknas i 'ändringar'; beskriv vad som ändrats "
                          "i den här versionen")


@rule("R404", "warning", "Utvärderingen är inte försenad")
def check_review_due(library: Library, options: CheckOptions) -> Iterator[Diagnostic]:
    """A fastställd routine whose review is overdue on the check's day."""
    for routine in library.routines:
        doc = routine.document
        if doc.status != "fastställd":
            continue
        due = next_review(doc, last_evaluated(library, doc.id))
        if due is not None and due < options.today:
            yield finding(routine, ("utvärdering",), "R404",
                          f"utvärderingen skulle ha gjorts senast {due.isoformat()}; "
                          "utvärdera rutinen och registrera en ny version, eller en utvärdering "
                          "utan ändring med 'rutin utvärdera'")


@rule("R416", "warning", "En fastställd rutin anger när den utvärderas eller hur länge den gäller "
      "(fel när organisation.yaml har kräver_utvärdering: true)")
def check_review_or_expiry(library: Library, options: CheckOptions) -> Iterator[Diagnostic]:
    """A fastställd routine with neither ``utvärdering`` nor ``giltig_till``: nothing brings it
    back for review (every region's rules ask for one; VGR: valid at most five years)."""
    organisation = library.organisation
    required = organisation is not None and organisation.requires_review_date
    for routine in library.routines:
        doc = routine.document
        if doc.status != "fastställd" or doc.evaluation is not None or doc.valid_to is not None:
            continue
        rule_text = ("regionens regler kräver det (kräver_utvärdering i organisation.yaml)"
                     if required else "annars påminner inget om att rutinen ska ses över")
        yield finding(routine, ("status",), "R416",
                      "en fastställd rutin anger varken 'utvärdering' (t.ex. {månader: [januari, "
                      f"augusti]}}) eller 'giltig_till'; {rule_text}",
                      severity="error" if required else None)


IDENTIFIER_KEYS = frozenset({("id",), ("förkortning",), ("referens",), ("diarienummer",),
                             ("url",), ("epost",), ("telefon",), ("fil",)})


@lru_cache(maxsize=8192)
def _abbreviations(text: str) -> frozenset[str]:
    """The abbreviations in a text that are not placeholders (texts recur across routines)."""
    if ABBREVIATION.search(text) is None:
        return frozenset()  # no candidate: the phrase scan is not needed either
    return frozenset(w for w in abbreviations(text) if not is_placeholder(w))


# Abbreviations every Swedish reader knows (Språkrådet's common list): never asked for.
COMMON_ABBREVIATIONS = frozenset({"IT", "EU", "TV", "PC", "SMS", "PDF", "USB", "GPS", "CD",
                                  "DVD", "FN", "AB", "VD", "WHO", "HR", "IVA", "ID", "OBS",
                                  "BankID", "PIN", "QR", "URL", "CE", "KL"})
# "Norra länssjukhuset (NLS)" or "NLS (Norra länssjukhuset)": the text explains it itself.
IN_PARENTHESES = re.compile(r"\(([A-ZÅÄÖ][A-Za-zÅÄÖåäö]{1,9})\)")
BEFORE_PARENTHESES = re.compile(
    r"(?<![\w-])([A-ZÅÄÖ][A-Za-zÅÄÖåäö]{1,9})\s\(([^()]{4,120})\)")


def _spells(abbreviation: str, words: list[str], *, from_first: bool = False) -> bool:
    """Whether words, from one that starts with the abbreviation's first letter, contain its
    letters in order ("Norra länssjukhuset" spells NLS; "se bilaga" does not spell SAMSA)."""
    letters = abbreviation.casefold()
    for start, word in enumerate(words[:1] if from_first else words):
        if not word.casefold().startswith(letters[0]):
            continue
        rest = "".join(words[start:]).casefold()
        position = 0
        for letter in letters:
            position = rest.find(letter, position)
            if position < 0:
                break
            position += 1
        else:
            return True
    return False


def explained_in_text(texts: list[str]) -> set[str]:
    """Abbreviations a routine explains in its own text, either way round."""
    found: set[str] = set()
    for text in texts:
        if "(" not in text:
            continue
        for match in IN_PARENTHESES.finditer(text):
            before = re.findall(r"[\wåäöÅÄÖ-]+", text[max(0, match.start() - 80):match.start()])
            if _spells(match[1], before[-5:]):
                found.add(match[1])
        for match in BEFORE_PARENTHESES.finditer(text):
            words = re.findall(r"[\wåäöÅÄÖ-]+", match[2])
            if len(words) >= 2 and _spells(match[1], words[:6], from_first=True):
                found.add(match[1])
    return found


@rule("R405", "warning", "Förkortningar i texten förklaras under 'begrepp'")
def check_abbreviations(library: Library, options: CheckOptions) -> Iterator[Diagnostic]:
    """Abbreviations used but not explained in the glossary (own or parent's)."""
    parents = {r.document.id: r.document for r in library.samverkansrutiner}
    for routine in library.routines:
        doc = routine.document
        defined = set(doc.glossary)
        if isinstance(doc, Arbetsrutin) and doc.parent in parents:
            defined |= set(parents[doc.parent].glossary)
        if isinstance(doc, Samverkansrutin):
            defined |= {t.abbreviation for t in doc.teams if t.abbreviation}
        defined |= COMMON_ABBREVIATIONS
        leaves = list(string_leaves(routine.source.data))
        defined |= explained_in_text([text for _, text in leaves])
        reported: set[str] = set()
        for path, text in leaves:
            # Identifiers, not prose: ids, references, document numbers, links, addresses.
            if path[:1] == ("begrepp",) or path[-1:] in IDENTIFIER_KEYS:
                continue
            # TODO/TBD/XXX are placeholders (R201 reports those), not abbreviations to define.
            found = set(_abbreviations(text))
            for word in sorted(found - defined - reported):
                reported.add(word)
                yield finding(routine, path, "R405",
                              f"förkortningen '{word}' förklaras inte under 'begrepp'",
                              at_text=word)
