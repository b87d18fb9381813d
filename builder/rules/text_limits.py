"""R110–R113: text that the outputs cannot show as written, checked before any build.

R110  links and images in Markdown text stay inside the routine (no http:, no '..', no '/…');
      the renderer never emits them as href/src either.
R111  every character has a glyph in some installed font (emoji, CJK, right-to-left scripts
      need fonts that are not installed by default); found here at the character, not as a
      failed build at the ``id:`` line.
R112  documented size limits: below them build time and memory grow linearly (measured with
      ``python -m builder.bench.limits``); above them a routine is not a routine but a mistake.
R113  (warning) a word longer than a line: the page breaks it anywhere (CSS overflow-wrap).
"""

from __future__ import annotations

import bisect
import re
import shutil
import subprocess
import unicodedata
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from builder.diagnostics import Diagnostic
from builder.load.library import Library, RoutineFile
from builder.load.safe_yaml import YamlPath
from builder.rules import CheckOptions, finding, rule, string_leaves
from builder.text.markdown import find_unsafe_links

# Documented in README ("Gränser"); the largest shipped routine has 14 steps and 9 sections.
MAX_SECTIONS = 200  # avsnitt and underavsnitt together
MAX_STEPS = 500  # steg and their alternativ together
MAX_TEXT_CHARS = 20_000  # one text value (a long section is ~3 000)
MAX_WORD_CHARS = 80  # longer words are broken anywhere on the page; a warning asks to check
SECTION_KEYS = ("avsnitt", "underavsnitt")
STEP_KEYS = ("steg", "alternativ")


@rule("R110", "error", "Länkar och bilder i text pekar inte utanför rutinen")
def check_links(library: Library, options: CheckOptions) -> Iterator[Diagnostic]:
    """R110 for every link or image that leaves the routine."""
    for routine in library.routines:
        for path, text in string_leaves(routine.source.data):
            for kind, url, reason in find_unsafe_links(text):
                shown = url if len(url) <= 60 else url[:60] + "…"
                yield finding(routine, path, "R110",
                              f"{'länken till' if kind == 'länk' else 'bilden'} '{shown}' "
                              f"{reason}; rutinens text får bara länka "
                              "inom rutinen (eller mailto:/tel:). Ange externa dokument under "
                              "'relaterade_dokument' i stället", at_text=url)


# --- R111: glyph coverage ---------------------------------------------------------------------

@lru_cache(maxsize=1)
def installed_coverage() -> tuple[tuple[int, ...], tuple[int, ...]] | None:
    """Union of every installed font's character set (fontconfig), as sorted range starts and
    ends; None when fontconfig cannot be asked (then R111 stays silent rather than guess)."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return None
    try:
        listing = subprocess.run([fc_list, "--format", "%{charset}\n"], capture_output=True,
                                 text=True, timeout=30, check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    ranges: list[tuple[int, int]] = []
    for item in listing.split():
        first, _, last = item.partition("-")
        try:
            ranges.append((int(first, 16), int(last or first, 16)))
        except ValueError:
            continue
    merged: list[list[int]] = []
    for low, high in sorted(ranges):
        if merged and low <= merged[-1][1] + 1:
            merged[-1][1] = max(merged[-1][1], high)
        else:
            merged.append([low, high])
    return tuple(r[0] for r in merged), tuple(r[1] for r in merged)


def _covered(char: str, coverage: tuple[tuple[int, ...], tuple[int, ...]]) -> bool:
    starts, ends = coverage
    index = bisect.bisect_right(starts, ord(char)) - 1
    return index >= 0 and ord(char) <= ends[index]


def _drawn(char: str) -> bool:
    """Letters, digits, punctuation and symbols need a glyph; joiners, variation selectors
    and other format characters do not."""
    return unicodedata.category(char)[0] in "LNPS"


def first_missing_glyph(text: str) -> str | None:
    """The first drawn character of ``text`` that no installed font has."""
    if text.isascii():
        return None
    coverage = installed_coverage()
    if coverage is None:
        return None
    if _SHOWN[0] is not coverage:
        _SHOWN[:] = [coverage, set()]
    shown: set[str] = _SHOWN[1]
    unknown = set(text) - shown
    if not unknown:
        return None  # every character seen before and found in a font (the usual case)
    missing = set()
    for char in unknown:
        if char.isascii() or not _drawn(char) or _covered(char, coverage):
            shown.add(char)
        else:
            missing.add(char)
    return next((c for c in text if c in missing), None)


# Characters that need no glyph or have one, for the coverage they were checked against:
# each character is looked up once per process, not once per text.
_SHOWN: list[Any] = [None, set()]


@rule("R111", "error", "Varje tecken finns i något installerat typsnitt")
def check_glyphs(library: Library, options: CheckOptions) -> Iterator[Diagnostic]:
    """R111 at the first character per value that no font can show."""
    for routine in library.routines:
        for path, text in string_leaves(routine.source.data):
            char = first_missing_glyph(text)
            if char is not None:
                name = unicodedata.name(char, "okänt tecken").lower()
                yield finding(routine, path, "R111",
                              f"tecknet '{char}' (U+{ord(char):04X}, {name}) finns inte i något "
                              "installerat typsnitt och kan inte visas i PDF:en; ta bort det "
                              "eller installera ett typsnitt som har det (t.ex. Debian-paketen "
                              "fonts-noto-core, fonts-noto-cjk eller fonts-noto-color-emoji)",
                              at_text=char)


# --- R112: limits -------------------------------------------------------------------------------

def _items(data: Any, keys: tuple[str, ...], path: YamlPath = ()) -> Iterator[YamlPath]:
    """The path of every list item under any of ``keys``, in document order."""
    if isinstance(data, dict):
        for key, value in data.items():
            if key in keys and isinstance(value, list):
                for index, item in enumerate(value):
                    yield path + (key, index)
                    yield from _items(item, keys, path + (key, index))
            else:
                yield from _items(value, keys, path + (key,))
    elif isinstance(data, list):
        for index, item in enumerate(data):
            yield from _items(item, keys, path + (index,))


def _over_limit(routine: RoutineFile, keys: tuple[str, ...], limit: int,
                what: str) -> Diagnostic | None:
    if len(routine.source.value_positions) <= limit:
        return None  # every item is a value with a position: too few values, too few items
    for count, path in enumerate(_items(routine.source.data, keys), 1):
        if count > limit:
            total = sum(1 for _ in _items(routine.source.data, keys))
            return finding(routine, path, "R112",
                           f"rutinen har {total} {what}; högst {limit} tillåts (se README, "
                           "Gränser). Dela upp den i flera rutiner")
    return None


def _longest_word(text: str) -> str:
    return max(text.split(), key=len, default="")


def limit_findings(routine: RoutineFile) -> Iterator[Diagnostic]:
    """R112 for one routine: sections, steps and text values beyond the documented limits."""
    for keys, limit, what in ((SECTION_KEYS, MAX_SECTIONS, "avsnitt"),
                              (STEP_KEYS, MAX_STEPS, "steg")):
        found = _over_limit(routine, keys, limit, what)
        if found is not None:
            yield found
    for path, text in string_leaves(routine.source.data):
        if len(text) > MAX_TEXT_CHARS:
            yield finding(routine, path, "R112",
                          f"texten är {len(text)} tecken; högst {MAX_TEXT_CHARS} tillåts i "
                          "ett värde. Dela upp den i avsnitt")


def beyond_limits(library: Library) -> frozenset[str]:
    """Ids of the routines R112 refuses: the build renders and lays out none of them (a
    5,000-step routine would take minutes and a gigabyte before the rules refused it)."""
    return frozenset(r.document.id for r in library.routines
                     if next(limit_findings(r), None) is not None)


@rule("R112", "error", "Rutinen håller sig inom de dokumenterade gränserna")
def check_limits(library: Library, options: CheckOptions) -> Iterator[Diagnostic]:
    """R112 for sections, steps and text values beyond the documented limits."""
    for routine in library.routines:
        yield from limit_findings(routine)


# Keys whose value is a link or a reference: a long URL there is expected (issue 23).
URL_KEYS = frozenset({("url",), ("referens",), ("publicerings_url",), ("tidsstämpel_url",)})
URL = re.compile(r"^(https?|ftp)://\S+$|^www\.\S+$", re.IGNORECASE)


@rule("R113", "warning", "Inga ord är längre än vad en rad rymmer")
def check_word_length(library: Library, options: CheckOptions) -> Iterator[Diagnostic]:
    """R113 (warning) for a word longer than a line."""
    for routine in library.routines:
        for path, text in string_leaves(routine.source.data):
            if path[-1:] in URL_KEYS and URL.match(text.strip()):
                continue  # a URL in a field made for URLs is no typo (the outputs still wrap it)
            word = _longest_word(text) if len(text) > MAX_WORD_CHARS else ""
            if MAX_WORD_CHARS < len(word) and len(text) <= MAX_TEXT_CHARS:
                yield finding(routine, path, "R113",
                              f"ordet '{word[:30]}…' är {len(word)} tecken; ord längre än "
                              f"{MAX_WORD_CHARS} tecken bryts var som helst på sidan – "
                              "kontrollera att det inte är ett skrivfel", at_text=word[:40])
