"""R204–R206: hand-offs between parties, read from the same process as the swimlane map.

- R204: a samverkansrutin with steps gives every team it lists a task (in its own steps or in
  its arbetsrutiner's), or says the team has none (`egen_uppgift: false`);
- R205: where step n is done by one party and the next step by another, one of the two says
  how the information moves (SAMSA, telefon, SIP, remiss …): "överlämning utan kanal";
- R206: a step's alternatives that distinguish cases ("Om …", at least two) say what happens
  when none of their conditions applies.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from builder.derived import walk_sections
from builder.diagnostics import Diagnostic
from builder.load.library import Library, RoutineFile
from builder.model import Arbetsrutin, Samverkansrutin
from builder.process import Choice, Task, hand_offs, process_of, read_process, team_forms
from builder.rules import CheckOptions, finding, rule

# Ways information moves between parties in the routines we have read (Swedish regions).
# A word matches at its start ("remissen", "telefonkontakt", "SAMSA-ärende").
CHANNELS = (
    "samsa", "sip", "remiss", "vårdbegäran", "meddelande", "telefon", "ring", "sms", "e-post",
    "epost", "mejl", "mail", "brev", "fax", "1177", "journal", "cosmic", "melior", "take care",
    "npö", "nationell patientöversikt", "överrapport", "muntlig", "skriftlig", "blankett",
    "video", "möte", "vårdplanering", "samordnad individuell plan", "inskrivningsmeddelande",
    "utskrivningsmeddelande", "epikris", "signal", "larm",
    # A step that sends something or names the route states how it moves ("NLS skickar en
    # rehabiliteringsplan via IT-stödet"): false R205 on the real-style fixture rehab-norra.
    "skicka", "via", "it-stöd", "överlämn", "rapport",
)
_CHANNEL = re.compile(r"(?<![\wåäö])(?:" + "|".join(re.escape(c) for c in CHANNELS) + ")",
                      re.IGNORECASE)
# Conditions that cover the remaining cases ("Annars", "I övriga fall", "Om inget av ovan").
# A case distinction: "Om patienten har …", "Om inte …", "När patienten är …". An alternative
# "Vid behov" is an optional action beside the others, not a case: a group with one "Om"
# alternative and a "Vid behov" one has no case left open (tuned on the shipped routines).
CASE = re.compile(r"^\s*(om|när|ifall|för patienter|för de)\b", re.IGNORECASE)
OTHERWISE = re.compile(r"\b(annars|i övriga fall|i andra fall|övriga fall|om inget av|"
                       r"om ingen av|i alla andra|oavsett|alltid)\b", re.IGNORECASE)


NEGATIONS = frozenset({"inte", "ej", "icke", "saknar", "saknas", "nej"})
FILLERS = frozenset({"om", "när", "ifall", "har", "en", "ett", "är", "finns", "någon", "något", "ja"})


def _case_words(condition: str) -> tuple[bool, frozenset[str]]:
    """Whether a condition is negated, and its other words ("Om patienten saknar SIP" →
    (True, {patienten, sip}))."""
    words = re.findall(r"[\wåäö]+", condition.casefold())
    negated = any(w in NEGATIONS for w in words)
    return negated, frozenset(w for w in words if w not in NEGATIONS | FILLERS)


def _complementary(conditions: list[str]) -> bool:
    """Two conditions of which one is the other negated ("har en SIP" / "saknar SIP")."""
    cases = [_case_words(c) for c in conditions]
    return any(a[0] != b[0] and a[1] == b[1] for a in cases for b in cases)


def _mentions_channel(task: Task) -> bool:
    texts = [task.text, task.condition or "", task.when or "", *task.notes]
    return any(_CHANNEL.search(text) for text in texts)


@rule("R204", "warning", "Varje part som samverkansrutinen listar har en uppgift i något steg "
      "(eller markeras egen_uppgift: false)")
def check_parties_have_tasks(library: Library, options: CheckOptions) -> Iterator[Diagnostic]:
    """A listed team that no step of the samverkansrutin (or its arbetsrutiner) names."""
    for routine in library.routines:
        document = routine.document
        if not isinstance(document, Samverkansrutin):
            continue
        own = read_process(document)
        if not own.tasks:
            continue  # no steps: its teams act in their own arbetsrutiner (R301)
        named = {task.party.key for task in own.tasks}
        for other in library.arbetsrutiner:
            if isinstance(other.document, Arbetsrutin) and other.document.parent == document.id:
                named |= {t.party.key for t in process_of(other.document, library).tasks}
        for index, team in enumerate(document.teams):
            if team.id in named or not team.has_task:
                continue
            forms = ", ".join(sorted(f"'{f}'" for f in team_forms(team)))
            yield finding(routine, ("team", index), "R204",
                          f"teamet '{team.name}' utför inget steg i rutinen eller dess "
                          f"arbetsrutiner (inget steg har ansvarig {forms}); ange teamet som "
                          f"ansvarig där det gör något, eller skriv 'egen_uppgift: false' för "
                          f"teamet om källan inte ger det någon uppgift")


def _routines_with_steps(library: Library) -> Iterator[RoutineFile]:
    for routine in library.routines:
        if any(section.steps for section, _ in walk_sections(routine.document.sections)):
            yield routine


@rule("R205", "warning", "En överlämning mellan två parter säger hur informationen går över "
      "(SAMSA, telefon, SIP, remiss …)")
def check_hand_off_channel(library: Library, options: CheckOptions) -> Iterator[Diagnostic]:
    """Step n by one party, step n+1 by another, and neither says how."""
    for routine in _routines_with_steps(library):
        reported: set[tuple[str, str]] = set()
        for hand_off in hand_offs(process_of(routine.document, library)):
            before, after = hand_off.before, hand_off.after
            if _mentions_channel(before) or _mentions_channel(after):
                continue
            if (before.number, after.number) in reported:
                continue
            reported.add((before.number, after.number))
            yield finding(routine, after.path, "R205",
                          f"överlämning utan kanal: steg {before.number} ({before.party.label}) "
                          f"→ steg {after.number} ({after.party.label}) säger inte hur "
                          f"informationen går över; skriv kanalen i något av stegen (SAMSA, "
                          f"telefon, SIP, remiss …)")


@rule("R206", "warning", "Alternativen i ett steg säger vad som händer när inget av villkoren "
      "gäller")
def check_alternatives_cover_the_rest(library: Library,
                                      options: CheckOptions) -> Iterator[Diagnostic]:
    """A choice whose every alternative has a condition, none of them "annars"."""
    for routine in _routines_with_steps(library):
        for flow in read_process(routine.document).flows:
            for node in flow.nodes:
                if not isinstance(node, Choice):
                    continue
                if any(t.condition is None or OTHERWISE.search(t.condition) for t in node.tasks):
                    continue
                cases = [t.condition for t in node.tasks if CASE.match(t.condition or "")]
                if len(cases) < 2 or _complementary([c for c in cases if c]):
                    continue  # not a choice between cases, or "X" and "not X" cover them all
                letters = ", ".join(t.number for t in node.tasks)
                yield finding(routine, node.path, "R206",
                              f"steg {node.number} ({letters}) säger inte vad som händer när "
                              f"inget av villkoren gäller; lägg till ett alternativ med villkoret "
                              f"'Annars' (eller ett utan villkor), även om det är att inget "
                              f"görs")
