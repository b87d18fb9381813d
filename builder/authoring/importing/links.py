"""Links in an imported draft: resolved against the page's own address, or made plain text.

R110 keeps every link in a routine's text inside the routine, so a link of the source is
written as its text with the full address after it ("Riktlinjen (https://…)"), resolved
against ``--bas-url``, the page's ``<base>`` or its canonical address; one that cannot be
resolved keeps its text and the report says so. `relaterade_dokument.url` gets the address.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urljoin, urlsplit

from builder.authoring.importing.report import ImportReport
from builder.text.markdown import unsafe_link

MARKDOWN_LINK = re.compile(r"(?<!!)\[([^\]\n]+)\]\(([^)\s]+)\)")
URL_KEYS = frozenset({"url", "referens"})


def resolve(href: str, base: str | None) -> str | None:
    """An absolute http(s) address for ``href``, or None when it cannot be made one."""
    target = href.strip()
    if urlsplit(target).scheme in ("http", "https"):
        return target
    if base and urlsplit(base).scheme in ("http", "https"):
        joined = urljoin(base, target)
        return joined if urlsplit(joined).scheme in ("http", "https") else None
    return None


def _text(value: str, base: str | None, unresolved: list[str]) -> str:
    """Markdown links in a text: kept inside the document, else the address in words."""
    def one(match: re.Match[str]) -> str:
        inner, href = match[1], match[2]
        if href.startswith(("#", "mailto:", "tel:")):
            return match[0]  # inside the document, or a mail or phone link
        absolute = resolve(href, base)
        if absolute is None:
            unresolved.append(href)
            return inner
        return f"{inner} ({absolute})"
    return MARKDOWN_LINK.sub(one, value) if "](" in value else value


def _url(fixed: dict[str, Any], base: str | None, unresolved: list[str]) -> None:
    url = fixed.get("url")
    if isinstance(url, str) and unsafe_link(url, image=False) is not None:
        absolute = resolve(url, base)
        if absolute is None:
            unresolved.append(url)
            del fixed["url"]
        else:
            fixed["url"] = absolute


def _walk(value: Any, key: str, base: str | None, unresolved: list[str]) -> Any:
    if isinstance(value, dict):
        fixed = {k: _walk(v, k, base, unresolved) for k, v in value.items()}
        _url(fixed, base, unresolved)
        return fixed
    if isinstance(value, list):
        return [_walk(item, key, base, unresolved) for item in value]
    if isinstance(value, str) and key not in URL_KEYS:
        return _text(value, base, unresolved)
    return value


def fix_links(mapping: dict[str, Any], base: str | None, report: ImportReport) -> None:
    """Every link target in the draft's text that would leave the routine (R110) becomes an
    address in words; `url` fields get the resolved address or are left out with a note."""
    unresolved: list[str] = []
    mapping.update(_walk(mapping, "", base, unresolved))
    if unresolved:
        report.notes.append(
            f"{len(unresolved)} länk(ar) kunde inte göras till en fullständig adress "
            f"({', '.join(sorted(set(unresolved))[:5])}): länktexten står kvar utan länk; ange "
            "sidans adress med --bas-url för att få med dem")
