"""Swedish typography for every output: ”…” quotes and compounds that must not break.

Swedish quotes with ” on both sides (Språkrådet); routine text written with straight quotes
is converted when rendered, so authors need not type ”. "hälso- och sjukvård" must not break
after "hälso-": a line ending in "hälso-" reads as a hyphenated word.
"""

from __future__ import annotations

import re

from markupsafe import Markup

SWEDISH_QUOTE = "\u201d"  # ” (RIGHT DOUBLE QUOTATION MARK), opening and closing alike
STRAIGHT_QUOTES = re.compile(r'["\u201c\u201e]')
# "hälso- och", "vård- och", "till- eller": a word ending in a hyphen and the conjunction after it.
SUSPENDED_HYPHEN = re.compile(r"(\w+-) (och|eller|samt|som)\b")
NBSP = "\u00a0"


def swedish_quotes(text: str) -> str:
    """Straight and English double quotes become ”."""
    return STRAIGHT_QUOTES.sub(SWEDISH_QUOTE, text)


def keep_together_html(html: str) -> Markup:
    """Wrap "hälso- och" in a no-wrap span (an NBSP alone still lets a line break after "-")."""
    return Markup(SUSPENDED_HYPHEN.sub(r'<span class="nowrap">\1 \2</span>', html))


def keep_together_text(text: str) -> str:
    """For Word: a no-break space after the suspended hyphen."""
    return SUSPENDED_HYPHEN.sub(rf"\1{NBSP}\2", text)
