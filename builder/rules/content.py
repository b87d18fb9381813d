"""R107–R109, R411: body content as real documents have it — sections the source left empty,
inclusion criteria with a k-of-n rule, TODO texts left by the scaffold, documents approved by
another body."""

from __future__ import annotations

import re
from collections.abc import Iterator

from builder.derived import walk_sections
from builder.diagnostics import Diagnostic, Severity
from builder.load.library import Library
from builder.load.safe_yaml import YamlPath
from builder.model import Section
from builder.rules import CheckOptions, finding, rule, string_leaves
from builder.rules.stated import stated_values

TODO = re.compile(r"(?<![\w-])(TODO|FIXME|TBD)(?![\w-])")


def _has_content(section: Section) -> bool:
    return bool(section.text or section.bullets or section.steps or section.criteria
                or section.text_after or section.note or section.subsections
                or section.not_stated)


@rule("R107", "warning", "Ett avsnitt som är tomt i källan är markerat tomt_i_källan")
def check_empty_in_source(library: Library, options: CheckOptions) -> Iterator[Diagnostic]:
    """R107: an empty section is marked, a marked one is empty; both are reported."""
    for routine in library.routines:
        for section, path in walk_sections(routine.document.sections):
            if section.empty_in_source and _has_content(section):
                yield finding(routine, path + ("tomt_i_källan",), "R107",
                              f"avsnittet '{section.heading}' är markerat tomt_i_källan men har "
                              "innehåll; ta bort markeringen")
            elif section.empty_in_source:
                yield finding(routine, path + ("tomt_i_källan",), "R107",
                              f"avsnittet '{section.heading}' är tomt i källan och visas som "
                              "”Avsnittet är tomt i källan”; komplettera det om det går")
            elif not _has_content(section):
                yield finding(routine, path + ("rubrik",), "R107",
                              f"avsnittet '{section.heading}' har bara en rubrik; skriv "
                              "innehållet, eller 'tomt_i_källan: true' om källan lämnar det tomt")


@rule("R108", "error", "Kriterier: 'minst' är minst 1 och högst antalet kriterier")
def check_criteria(library: Library, options: CheckOptions) -> Iterator[Diagnostic]:
    """R108: `minst` lies between 1 and the number of criteria."""
    for routine in library.routines:
        for section, path in walk_sections(routine.document.sections):
            criteria = section.criteria
            if criteria is None or criteria.at_least is None:
                continue
            count = len(criteria.items)
            if not 1 <= criteria.at_least <= count:
                yield finding(routine, path + ("kriterier", "minst"), "R108",
                              f"'minst: {criteria.at_least}' i '{section.heading}' går inte "
                              f"ihop med {count} {'kriterium' if count == 1 else 'kriterier'} i "
                              f"'lista'; ange ett tal från 1 till {count}")


@rule("R109", "warning", "Inga TODO-texter kvar (en fastställd rutin: fel)")
def check_todo_texts(library: Library, options: CheckOptions) -> Iterator[Diagnostic]:
    """R109: TODO, FIXME or TBD left in a text (an error once the routine is in force)."""
    for routine in library.routines:
        # Metadata and follow-up placeholders are R201's, step owners R202's.
        covered: set[YamlPath] | None = None  # made on the first TODO only
        severity: Severity | None = "error" if routine.document.is_in_force else None
        for path, text in string_leaves(routine.source.data):
            if "TODO" not in text and "FIXME" not in text and "TBD" not in text:
                continue  # cheaper than the pattern, which needs one of them
            match = TODO.search(text)
            if match is None:
                continue
            if covered is None:
                covered = {path for path, _ in stated_values(routine.document)}
            if path in covered:
                continue
            yield finding(routine, path, "R109",
                          f"texten innehåller '{match.group(0)}' ({text.strip()[:50]!r}); "
                          "skriv den färdigt innan rutinen fastställs", at_text=match.group(0),
                          severity=severity)


@rule("R411", "error", "En rutin fastställd av annan instans anger organ (fastställd_annan_instans)")
def check_approved_elsewhere(library: Library, options: CheckOptions) -> Iterator[Diagnostic]:
    """R411: the approved-elsewhere status and its block come together."""
    for routine in library.routines:
        doc = routine.document
        if doc.status == "fastställd_annan_instans" and doc.approved_elsewhere is None:
            yield finding(routine, ("status",), "R411",
                          "status är 'fastställd_annan_instans' men blocket "
                          "'fastställd_annan_instans' med 'organ' (och gärna 'datum' och "
                          "'referens') saknas")
        elif doc.approved_elsewhere is not None and doc.status != "fastställd_annan_instans":
            yield finding(routine, ("fastställd_annan_instans",), "R411",
                          f"'fastställd_annan_instans' är angivet men status är '{doc.status}'; "
                          "skriv status: fastställd_annan_instans eller ta bort blocket",
                          severity="warning")
