"""Counted words in Swedish: "1 varning", "0 varningar", "2 varningar"."""

from __future__ import annotations


def count(number: int, one: str, many: str) -> str:
    """``number`` and the word in the form it takes: singular for exactly one, else plural."""
    return f"{number} {one if number == 1 else many}"
