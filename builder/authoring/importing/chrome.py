"""Page chrome recognised by its words: page numbers, skip links, cookie and browser banners,
media file names standing alone, and the banners our own outputs print."""

from __future__ import annotations

import re

from builder.render.document_view import EXPIRED_BANNER, REVOKED_BANNER, WATERMARK_REVOKED
from builder.text.wording import DRAFT_MARK

APPROVAL_STATEMENT = "Rutinbyggarens godkännandemening"
_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^sida\s+\d+(\s*(av|/)\s*\d+)?$", re.IGNORECASE), "sidnummer"),
    (re.compile(r"^(gå|hoppa)\s+(direkt\s+)?till\s+(huvud)?innehåll(et)?", re.IGNORECASE), "hopplänk"),
    (re.compile(r"\b(kakor|cookies?)\b", re.IGNORECASE), "kakbanner"),
    (re.compile(r"\bwebbläsar(e|en|n)\b.*\b(stöds|uppdatera|föråldrad|gammal)", re.IGNORECASE),
     "webbläsarbanner"),
    (re.compile(r"^\S+\.(jpe?g|png|gif|svg|webp|bmp|tiff?|mp4|mov|mp3|pdf|docx?|xlsx?|pptx?)$",
                re.IGNORECASE), "filnamn utan sammanhang"),
    (re.compile(r"^(skriv ut|dela|tipsa|lyssna|till toppen|tillbaka|print|share)"
                r"( sidan| artikeln)?$", re.IGNORECASE), "sidfunktion"),
    (re.compile(r"^(du är här|startsida)\s*[:>»/]", re.IGNORECASE), "brödsmulor"),
    (re.compile(r"^(godkännande|ej fastställd – underskrift saknas)$", re.IGNORECASE),
     "Rutinbyggarens godkännanderuta"),
    # The DOCX's approval statement repeats the metadata table ("Godkännande: Fastställd av …").
    (re.compile(r"^godkännande:\s", re.IGNORECASE), APPROVAL_STATEMENT),
    # The same statement alone under the HTML's approval box, as
    # builder.render.document_view.approval_statement words it: "Fastställd av <organ>
    # <1 juni 2026>, <§ 4 | protokoll … (wording.protocol_phrase)>". No colon: a source's
    # own "Fastställd av: …" stays a metadata label.
    (re.compile(r"^fastställd av [^:]+ \d{1,2} [a-zåäö]+ \d{4}(, (§|protokoll)\b[^:]*)?$",
                re.IGNORECASE), APPROVAL_STATEMENT),
    (re.compile(r"^utskriven kopia\b", re.IGNORECASE), "utskriftsnotis"),
    (re.compile(r"^(innehåll|innehållsförteckning|table of contents)$", re.IGNORECASE),
     "innehållsförteckning"),
)
# Our outputs' status banners start so (the draft banner names the approving body after it).
_OUR_BANNERS = (DRAFT_MARK, EXPIRED_BANNER, REVOKED_BANNER, WATERMARK_REVOKED)


def chrome_words(text: str) -> str:
    """Why a line of text is page chrome, or "" when it is content."""
    flat = " ".join(text.replace("**", "").split())
    if flat.startswith(_OUR_BANNERS) and len(flat) < 120:
        return "Rutinbyggarens statusbanner"
    if len(flat) > 200:
        return ""
    for pattern, why in _PATTERNS:
        if pattern.search(flat):
            return why
    return ""
