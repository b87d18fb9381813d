"""Routine text as Markdown (markdown-it-py, raw HTML off) and the checks that need its tokens."""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import unquote

from markdown_it import MarkdownIt
from markupsafe import Markup

# The pattern authors use for abbreviations: NSVT, SAMSA, SIP, MALT (rule R405).
ABBREVIATION = re.compile(r"(?<![\w-])[A-ZÅÄÖ]{2,}(?![\w-])")
# Words that look like abbreviations but are ordinary Swedish in capitals.
NOT_ABBREVIATIONS = frozenset({"OBS", "OCH", "ELLER", "EJ", "ID"})


@lru_cache(maxsize=1)
def _renderer() -> MarkdownIt:
    # html=False: raw HTML in routine text is shown as text, never passed to the PDF engine.
    md = MarkdownIt("commonmark", {"html": False, "typographer": False})
    # A link or image that leaves the routine is never emitted as href/src: it stays text
    # (rule R110 reports it in `rutin check`).
    md.validateLink = lambda url: unsafe_link(url, image=False) is None  # type: ignore[method-assign]
    return md


@lru_cache(maxsize=1)
def _link_finder() -> MarkdownIt:
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
    return MarkdownIt("commonmark", {"html": True})


def render_markdown(text: str) -> Markup:
    """Markdown to safe HTML."""
    return Markup(_renderer().render(text))


def render_inline(text: str) -> Markup:
    """Markdown for a single line (no surrounding paragraph)."""
    return Markup(_renderer().renderInline(text))


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


def abbreviations(text: str) -> set[str]:
    """Words in ``text`` that look like abbreviations (two or more capitals)."""
    return {m for m in ABBREVIATION.findall(text) if m not in NOT_ABBREVIATIONS}
