"""R2xx rules: follow-up ownership — who is responsible, how and when (the seed's Uppföljning)."""

from __future__ import annotations

from collections.abc import Iterator

from builder.diagnostics import Diagnostic
from builder.load.library import Library, RoutineFile
from builder.load.safe_yaml import YamlPath
from builder.model import Arbetsrutin, Document, NotStated, Samverkansrutin, Section
from builder.rules import CheckOptions, finding, rule
from builder.rules.stated import is_placeholder, stated_values
from builder.text.wording import LETTERS

__all__ = ["is_placeholder"]

FOLLOW_UP_FIELDS = (("responsible", "ansvarig", "vem som ansvarar"),
                    ("how", "hur", "hur uppföljningen görs"),
                    ("when", "när", "när uppföljningen sker"))
MARKER_HINT = "eller ej_angivet om källan inte anger det"


def _document_word(doc: Document) -> str:
    """The document type found, in the message's own words (R201 names what it judged)."""
    word = "Samverkansrutinen" if isinstance(doc, Samverkansrutin) else "Arbetsrutinen"
    if isinstance(doc.document_type, str) and doc.document_type.casefold() != word[:-2].casefold():
        return f"{word} (dokumenttyp ”{doc.document_type}”)"
    return word


def _follow_up_problems(routine: RoutineFile) -> Iterator[Diagnostic]:
    follow_up = routine.document.follow_up
    word = _document_word(routine.document)
    if follow_up is None:
        yield finding(routine, ("typ",), "R201",
                      f"{word} saknar uppföljningsansvar: lägg till 'uppföljning' med "
                      f"'ansvarig', 'hur' och 'när' ({MARKER_HINT})")
        return
    for attribute, key, meaning in FOLLOW_UP_FIELDS:
        value = getattr(follow_up, attribute)
        if isinstance(value, NotStated):
            continue  # said explicitly; R203 reports it
        if value is None:
            yield finding(routine, ("uppföljning",), "R201",
                          f"{word} saknar uppföljningsansvar: '{key}' saknas ({meaning}); skriv "
                          f"{meaning}, {MARKER_HINT}")
        elif is_placeholder(value):
            yield finding(routine, ("uppföljning", key), "R201",
                          f"{word} saknar uppföljningsansvar: '{key}' är en platshållare "
                          f"({value!r}); skriv {meaning}, {MARKER_HINT}")


def _placeholder_values(routine: RoutineFile) -> Iterator[Diagnostic]:
    """Metadata that only stands in for a fact ("Ej angivet i källan", "N/A", "-")."""
    for path, value in stated_values(routine.document):
        keys = [p for p in path if isinstance(p, str)]
        if keys[:1] == ["uppföljning"] or "steg" in keys or not isinstance(value, str):
            continue  # follow-up above, steps in R202
        if is_placeholder(value):
            shown = ".".join(str(p) for p in path if isinstance(p, str))
            yield finding(routine, path, "R201",
                          f"'{shown}' är en platshållare ({value!r}), inget värde; skriv värdet "
                          f"som källan anger det, {MARKER_HINT}")


@rule("R201", "error", "Varje arbetsrutin anger uppföljningsansvar: ansvarig, hur och när; "
      "inga platshållare står i stället för en uppgift (skriv ej_angivet)")
def check_follow_up(library: Library, options: CheckOptions) -> Iterator[Diagnostic]:
    """A routine whose follow-up is missing or lacks who, how or when."""
    for routine in library.routines:
        # A samverkansrutin may carry its own follow-up for a team it covers alone (Kungälv).
        if isinstance(routine.document, Arbetsrutin) or routine.document.follow_up is not None:
            yield from _follow_up_problems(routine)
        yield from _placeholder_values(routine)


def _sections(sections: list[Section], path: YamlPath) -> Iterator[tuple[Section, YamlPath]]:
    for index, section in enumerate(sections):
        yield section, path + (index,)
        yield from _sections(section.subsections or [], path + (index, "underavsnitt"))


def _unowned(value: str | NotStated | None) -> bool:
    # ej_angivet is explicit: R203 reports it, not as a missing owner.
    return not isinstance(value, NotStated) and is_placeholder(value)


@rule("R202", "warning", "Varje steg anger vem som utför det (ansvarig)")
def check_step_owner(library: Library, options: CheckOptions) -> Iterator[Diagnostic]:
    """A step or alternative that names no one responsible."""
    for routine in library.routines:
        for section, path in _sections(routine.document.sections, ("avsnitt",)):
            for number, step in enumerate(section.steps or [], start=1):
                step_path = path + ("steg", number - 1)
                if step.alternatives:
                    for letter, alt in zip(LETTERS, step.alternatives, strict=False):
                        if _unowned(alt.responsible) and _unowned(step.responsible):
                            yield finding(routine, step_path + ("alternativ", ord(letter) - 97),
                                          "R202", f"steg {number}{letter} i '{section.heading}' "
                                          "anger inte vem som utför det ('ansvarig')")
                elif _unowned(step.responsible):
                    yield finding(routine, step_path, "R202",
                                  f"steg {number} i '{section.heading}' anger inte vem som "
                                  "utför det ('ansvarig'); skriv vem, eller ej_angivet om källan inte anger det")
