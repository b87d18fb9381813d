"""Routine text as Markdown (markdown-it-py, raw HTML off) and the checks that need its tokens."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING
from urllib.parse import unquote

from markupsafe import Markup

from builder.text.typography import keep_together_html, swedish_quotes

if TYPE_CHECKING:  # markdown-it (45 ms to import) loads when a text needs parsing
    from markdown_it import MarkdownIt

# Abbreviations (rule R405): capitals (NSVT, SAMSA, SIP) and mixed case with at least two
# capitals (SoL, SkaS).
# An abbreviation may head a compound ("LSS-ärenden", "SIP-möte"): a hyphen may follow it.
ABBREVIATION = re.compile(r"(?<![\w-])[A-ZÅÄÖ](?:[a-zåäö]{0,2}[A-ZÅÄÖ])+[a-zåäö]?(?!\w)")
# A run of words in capitals ("ÖVERENSKOMMELSE OM SAMVERKAN", "VÅRD OCH OMSORG"): a name or a
# heading set in capitals, not a string of abbreviations.
CAPITALS_RUN = re.compile(r"(?<![\w-])[A-ZÅÄÖ]{2,}(?:[ \t\-–]+[A-ZÅÄÖ]+)+(?![\w-])")
# Words in capitals longer than this are words, not abbreviations (abbreviations are short:
# NSVT, SAMSA, MALT; "HEMSJUKVÅRD", "ÖVERENSKOMMELSE" are words set in capitals).
LONGEST_ABBREVIATION = 6
# Words that look like abbreviations but are ordinary Swedish in capitals.
NOT_ABBREVIATIONS = frozenset({"OBS", "OCH", "ELLER", "EJ", "ID", "OM", "AV", "FÖR", "MED",
                               "VID", "TILL", "PÅ", "EN", "ETT", "DEN", "DET", "SOM", "INTE",
                               "SKA", "KAN", "ÄR", "VAD", "NÄR", "HUR", "VEM"})
# Function words that mark a run of capitals as a phrase ("VÅRD OCH OMSORG").
_PHRASE_WORDS = NOT_ABBREVIATIONS - {"OBS", "EJ", "ID"}


@lru_cache(maxsize=1)
def _renderer() -> MarkdownIt:
    from markdown_it import MarkdownIt

    # html=False: raw HTML in routine text is shown as text, never passed to the PDF engine.
    md = MarkdownIt("commonmark", {"html": False, "typographer": False})
    # A link or image that leaves the routine is never emitted as href/src: it stays text
    # (rule R110 reports it in `rutin check`).
    md.validateLink = lambda url: unsafe_link(url, image=False) is None  # type: ignore[method-assign]
    return md


@lru_cache(maxsize=1)
def _link_finder() -> MarkdownIt:
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": False})
    md.validateLink = lambda url: True  # type: ignore[method-assign]
    return md


_SCHEME = re.compile(r"^([a-z][a-z0-9+.-]*):", re.IGNORECASE)
LINK_SCHEMES_ALLOWED = ("mailto", "tel")


def unsafe_link(url: str, image: bool) -> str | None:
    """Why a link (or image) target leaves the routine, in Swedish, or None if it is safe:
    only relative paths inside the routine's folder, anchors, and (links only) mailto:/tel:."""
    target = unquote(url.strip())
    scheme = _SCHEME.match(target)
    if scheme is not None:
        if not image and scheme.group(1).lower() in LINK_SCHEMES_ALLOWED:
            return None
        return f"pekar på en extern adress ({scheme.group(1).lower()}:)"
    if target.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:[\\/]", target):
        return "är en absolut sökväg"
    if ".." in target.replace("\\", "/").split("/"):
        return "går ut ur rutinens mapp med '..'"
    return None


def find_unsafe_links(text: str) -> list[tuple[str, str, str]]:
    """(kind 'länk'/'bild', target, reason) for every link and image leaving the routine."""
    if "](" not in text and "<" not in text and "]:" not in text:
        return []  # no inline link, autolink or reference definition: skips markdown-it
    found: list[tuple[str, str, str]] = []
    for token in _link_finder().parse(text):
        for child in token.children or []:
            if child.type == "link_open":
                url, image = str(child.attrGet("href") or ""), False
            elif child.type == "image":
                url, image = str(child.attrGet("src") or ""), True
            else:
                continue
            reason = unsafe_link(url, image)
            if reason is not None:  # as written (markdown-it percent-encodes what it parses)
                found.append(("bild" if image else "länk", unquote(url), reason))
    return found


@lru_cache(maxsize=1)
def _detector() -> MarkdownIt:
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": True})


def render_markdown(text: str) -> Markup:
    """Markdown to safe HTML, with Swedish typography (builder.text.typography)."""
    return keep_together_html(_renderer().render(swedish_quotes(text)))


def render_inline(text: str) -> Markup:
    """Markdown for a single line (no surrounding paragraph), with Swedish typography."""
    return keep_together_html(_renderer().renderInline(swedish_quotes(text)))


def find_raw_html(text: str) -> str | None:
    """The first raw HTML fragment in ``text``, if any (rule R106)."""
    if "<" not in text:  # no tag without '<': skips markdown-it for almost every string
        return None
    for token in _detector().parse(text):
        if token.type == "html_block":
            return token.content.strip()
        for child in token.children or []:
            if child.type == "html_inline":
                return child.content
    return None


def _capital_phrases(text: str) -> list[tuple[int, int]]:
    """Spans of runs of capitalised words that read as a phrase, not as abbreviations: one
    word longer than an abbreviation, or a Swedish function word among them."""
    spans = []
    for match in CAPITALS_RUN.finditer(text):
        words = re.split(r"[ \t\-–]+", match.group(0))
        if any(len(w) > LONGEST_ABBREVIATION or w in _PHRASE_WORDS for w in words):
            spans.append(match.span())
    return spans


def _in_identifier(text: str, start: int, end: int) -> bool:
    """Part of a code with digits ("VS-RUT-0042", "RS 2024-01187" stays prose): not a word."""
    left = len(text[:start]) - len(re.split(r"\s", text[:start])[-1])
    right = end + len(re.split(r"\s", text[end:])[0])
    return any(ch.isdigit() for ch in text[left:right])


def abbreviations(text: str) -> set[str]:
    """Abbreviations in ``text``: NSVT, SoL, SkaS — not capitalised names or headings."""
    phrases = _capital_phrases(text)
    found = set()
    for match in ABBREVIATION.finditer(text):
        word = match.group(0)
        if word in NOT_ABBREVIATIONS:
            continue
        if word.isupper() and len(word) > LONGEST_ABBREVIATION:
            continue
        if any(start <= match.start() < end for start, end in phrases):
            continue
        if _in_identifier(text, match.start(), match.end()):
            continue
        found.add(word)
    return found
