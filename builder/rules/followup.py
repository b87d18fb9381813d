"""R2xx rules: follow-up ownership — who is responsible, how and when (the seed's Uppföljning)."""

from __future__ import annotations

from collections.abc import Iterator

from builder.diagnostics import Diagnostic
from builder.load.library import Library, RoutineFile
from builder.load.safe_yaml import YamlPath
from builder.model import Arbetsrutin, Section
from builder.rules import CheckOptions, finding, rule
from builder.wording import LETTERS

# Values authors leave while a field is still open; they must not pass as an owner.
PLACEHOLDERS = frozenset({"todo", "?", "??", "-", "--", "xxx", "x", "ej klart", "tbd", "...",
                          "…", "saknas", "fyll i", "n/a", "ok"})
FOLLOW_UP_FIELDS = (("responsible", "ansvarig", "vem som ansvarar"),
                    ("how", "hur", "hur uppföljningen görs"),
                    ("when", "när", "när uppföljningen sker"))


def is_placeholder(value: str | None) -> bool:
    """Whether a text only stands in for a value (empty, 'TODO', '?', 'saknas', …)."""
    return value is None or value.strip().strip(".").lower() in PLACEHOLDERS or not value.strip()


def _follow_up_problems(routine: RoutineFile) -> Iterator[Diagnostic]:
    follow_up = routine.document.follow_up
    if follow_up is None:
        yield finding(routine, ("typ",), "R201",
                      "Arbetsrutinen saknar uppföljningsansvar: lägg till 'uppföljning' med "
                      "'ansvarig', 'hur' och 'när'")
        return
    for attribute, key, meaning in FOLLOW_UP_FIELDS:
        value = getattr(follow_up, attribute)
        if value is None:
            yield finding(routine, ("uppföljning",), "R201",
                          f"Arbetsrutinen saknar uppföljningsansvar: '{key}' saknas ({meaning})")
        elif is_placeholder(value):
            yield finding(routine, ("uppföljning", key), "R201",
                          f"Arbetsrutinen saknar uppföljningsansvar: '{key}' är en platshållare "
                          f"({value!r}); skriv {meaning}")


@rule("R201", "error", "Varje arbetsrutin anger uppföljningsansvar: ansvarig, hur och när")
def check_follow_up(library: Library, options: CheckOptions) -> Iterator[Diagnostic]:
    """A routine whose follow-up is missing or lacks who, how or when."""
    for routine in library.routines:
        # A samverkansrutin may carry its own follow-up for a team it covers alone (Kungälv).
        if isinstance(routine.document, Arbetsrutin) or routine.document.follow_up is not None:
            yield from _follow_up_problems(routine)


def _sections(sections: list[Section], path: YamlPath) -> Iterator[tuple[Section, YamlPath]]:
    for index, section in enumerate(sections):
        yield section, path + (index,)
        yield from _sections(section.subsections or [], path + (index, "underavsnitt"))


@rule("R202", "warning", "Varje steg anger vem som utför det (ansvarig)")
def check_step_owner(library: Library, options: CheckOptions) -> Iterator[Diagnostic]:
    """A step or alternative that names no one responsible."""
    for routine in library.routines:
        for section, path in _sections(routine.document.sections, ("avsnitt",)):
            for number, step in enumerate(section.steps or [], start=1):
                step_path = path + ("steg", number - 1)
                if step.alternatives:
                    for letter, alt in zip(LETTERS, step.alternatives, strict=False):
                        if is_placeholder(alt.responsible) and is_placeholder(step.responsible):
                            yield finding(routine, step_path + ("alternativ", ord(letter) - 97),
                                          "R202", f"steg {number}{letter} i '{section.heading}' "
                                          "anger inte vem som utför det ('ansvarig')")
                elif is_placeholder(step.responsible):
                    yield finding(routine, step_path, "R202",
                                  f"steg {number} i '{section.heading}' anger inte vem som "
                                  "utför det ('ansvarig')")
