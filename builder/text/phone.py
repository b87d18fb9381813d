"""Swedish telephone numbers written the Swedish way: '031-123 45 67', '070-123 45 67'."""

from __future__ import annotations

import re

# Area codes shorter than four digits (with the trunk 0); every other geographic code has four
# (0303 Kungälv, 0520 Trollhättan). Mobile and non-geographic series are three digits.
TWO_DIGIT = frozenset({"08"})
THREE_DIGIT = frozenset({
    "010", "011", "013", "016", "018", "019", "020", "021", "023", "026", "031", "033", "035",
    "036", "040", "042", "044", "046", "054", "060", "063", "070", "071", "072", "073", "074",
    "075", "076", "077", "078", "079", "090", "099",
})
ALLOWED = re.compile(r"^[+\d\s\-()/]+$")


def group_subscriber(digits: str) -> str:
    """Pairs from the right, a leading group of three when the count is odd (SS 014 16);
    eight digits are written 3-3-2 ('123 456 78')."""
    if len(digits) <= 3:
        return digits
    if len(digits) == 8:
        return f"{digits[:3]} {digits[3:6]} {digits[6:]}"
    head = 3 if len(digits) % 2 else 2
    groups = [digits[:head]]
    groups += [digits[i:i + 2] for i in range(head, len(digits), 2)]
    return " ".join(groups)


def split_area_code(national: str) -> tuple[str, str]:
    """'0311234567' → ('031', '1234567')."""
    for size, codes in ((2, TWO_DIGIT), (3, THREE_DIGIT)):
        if national[:size] in codes:
            return national[:size], national[size:]
    return national[:4], national[4:]


def format_phone_sv(raw: str) -> str:
    """Format a Swedish number nationally; anything else (extensions, text) is kept as written.

    '+46 31 123 45 67', '031-1234567' and '0311234567' all become '031-123 45 67'; short
    numbers without an area code ('1177', '112', '11313') are grouped but keep no hyphen.
    """
    text = raw.strip()
    if not text or not ALLOWED.match(text):
        return text
    digits = re.sub(r"\D", "", text)
    if text.startswith(("+", "00")):
        country = digits[2:] if text.startswith("00") else digits
        if not country.startswith("46"):
            return text  # a foreign number: leave it as the author wrote it
        digits = "0" + country[2:].removeprefix("0")
    elif "(0)" in text:
        return text
    if not digits.startswith("0"):
        return digits if len(digits) <= 4 else group_subscriber(digits)
    if not 7 <= len(digits) <= 10:
        return text
    area, subscriber = split_area_code(digits)
    return f"{area}-{group_subscriber(subscriber)}"
