"""The pocket card bound (builder.render.printables.cardfit): never below the laid-out height.

`rutin check` lays out only the cards whose bound exceeds the card; a card the bound calls
fitting gets no layout and no R501, so an optimistic bound would hide an overflow.
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import pytest

pytest.importorskip("weasyprint")

from builder.check import measure_print_layout, run_check
from builder.load.library import load_library
from builder.render.printables.cardfit import CSS_ASSUMED, face_bounds, font_metrics, surely_fits
from builder.render.printables.pocketcard import (
    CardContact,
    CardContent,
    card_content,
    measure_cards,
)
from builder.rules import CheckOptions

ROOT = Path(__file__).resolve().parents[1]
ALPHABET = "abcdefghijklmnopqrstuvwxyzåäöéABCDEFGHIJKLMNOPQRSTUVWXYZÅÄÖWMmw0123456789"
pytestmark = pytest.mark.skipif(font_metrics() is None, reason="needs DejaVu Sans (fontconfig)")


def _word(rng: random.Random, longest: int) -> str:
    word = "".join(rng.choice(ALPHABET) for _ in range(
        rng.choice([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12, longest])))
    shape = rng.random()
    if shape < 0.05:
        return f"**{word}**"
    if shape < 0.10:
        return f"*{word}*"
    if shape < 0.13:
        return f'"{word}"'
    if shape < 0.16:
        return f"({word})"
    if shape < 0.19:
        return word + ","
    if shape < 0.21:
        return "hälso- och"
    if shape < 0.23:
        return "→"
    if shape < 0.25:
        return word + "-" + _word(rng, 6)
    return word


def _text(rng: random.Random, words: int, longest: int = 15) -> str:
    return " ".join(_word(rng, longest) for _ in range(words))


def _card(rng: random.Random, index: int) -> CardContent:
    points = tuple(_text(rng, rng.randint(1, 14)) for _ in range(rng.randint(0, 8)))
    contacts = tuple(
        CardContact(_text(rng, rng.randint(1, 4), 14),
                    _text(rng, rng.randint(1, 6), 14) if rng.random() < 0.6 else None,
                    rng.choice(["031-123 45 67", "0701-23 45 67", "+46 31 123 45 67", None]))
        for _ in range(rng.choice([0, 0, 1, 2, 3, 4, 5])))
    return CardContent(
        doc_id=f"slump-{index}", title=_text(rng, rng.randint(1, 20), 20),
        team_name=_text(rng, rng.randint(1, 6)) if rng.random() < 0.7 else None,
        abbreviation=_word(rng, 8).strip("*") if rng.random() < 0.6 else None,
        points=points or ("x",),
        follow_up_owner=_text(rng, rng.randint(1, 6)) if rng.random() < 0.6 else None,
        follow_up_example=rng.random() < 0.5, contacts=contacts,
        version=rng.choice(["1.0", "0.1", "12.3"]),
        validity=rng.choice(["Giltigt från och med: ej fastställt",
                             "Giltigt från och med 1 juni 2026 till och med 31 december 2027"]),
        draft=rng.random() < 0.5,
        qr_url=rng.choice([None, "https://example.se/rutiner/abc/def-ghi.pdf"]),
        issuer=_text(rng, rng.randint(1, 8)) if rng.random() < 0.8 else None,
        follow_up_how=rng.choice([_plain, _text])(rng, rng.randint(1, 18))
        if rng.random() < 0.4 else None,
        follow_up_when=_plain(rng, rng.randint(1, 8)) if rng.random() < 0.4 else None,
        terms=tuple((_plain(rng, 1, 8), _plain(rng, rng.randint(1, 12)))
                    for _ in range(rng.choice([0, 0, 1, 2, 3]))))


def _plain(rng: random.Random, words: int, longest: int = 15) -> str:
    """Words without Markdown (how, when and the terms in the regular face).""" 
    return " ".join("".join(rng.choice(ALPHABET) for _ in range(rng.randint(1, longest)))
                    for _ in range(words))


def test_the_bound_is_never_below_the_laid_out_height() -> None:
    """Random cards near the limit (long words, many points, contacts, drafts, example owners,
    Markdown, QR codes): every face's bound is at least WeasyPrint's height, so a card that the
    bound says fits really fits."""
    rng = random.Random(16)
    cards = [_card(rng, n) for n in range(160)]
    bounded = [(card, bounds) for card in cards if (bounds := face_bounds(card)) is not None]
    faces = measure_cards([card for card, _ in bounded])
    near = 0
    for index, (card, bounds) in enumerate(bounded):
        front, back = faces[2 * index], faces[2 * index + 1]
        assert front.height_mm <= bounds[0] + 1e-6, (card, front, bounds)
        assert back.height_mm <= bounds[1] + 1e-6, (card, back, bounds)
        if surely_fits(card):
            assert front.overflow_mm == 0 and back.overflow_mm == 0, card
        near += max(front.height_mm, back.height_mm) > 45
    assert len(bounded) > 100 and near > 20  # the sample reaches the card's limit


def test_css_the_bound_assumes_is_the_cards_css() -> None:
    """A change to templates/pocketcard.css must be met in cardfit (sizes, widths, margins)."""
    css = " ".join((ROOT / "templates" / "pocketcard.css").read_text(encoding="utf-8").split())
    for declaration in CSS_ASSUMED:
        assert " ".join(declaration.split()) in css, declaration


def test_the_dense_kungalv_card_is_still_measured() -> None:
    library, _ = load_library(ROOT / "routines")
    routine = library.by_id("kungalv-insatser-i-hemmet")
    assert routine is not None
    card = card_content(routine, library)
    assert card is not None and not surely_fits(card)
    layout = measure_print_layout(library)
    assert {face.doc_id for face in layout.card_faces} >= {"kungalv-insatser-i-hemmet"}
    [measured] = [faces for key, faces in layout.cards.items() if key == card.key]
    assert [round(face.height_mm, 1) for face in measured] == [
        round(face.height_mm, 1) for face in measure_cards([card])]


def test_cards_that_surely_fit_are_not_laid_out(tmp_path: Path) -> None:
    """A plain card far from full needs no WeasyPrint layout and yields no R501."""
    library, _ = load_library(ROOT / "routines")
    routine = library.by_id("kungalv-insatser-i-hemmet")
    assert routine is not None
    card = card_content(routine, library)
    assert card is not None
    from dataclasses import replace

    small = replace(card, points=card.points[:2], title="Kort titel")
    assert surely_fits(small)
    result = run_check(ROOT / "routines", CheckOptions(today=dt.date(2026, 6, 15)))
    assert not [d for d in result.diagnostics if d.rule == "R501"]


def _without_format_12(data: bytes) -> bytes:
    """The same font with its (3, 10) cmap record renamed, so the format 4 table is read."""
    import struct

    tables = {data[12 + 16 * i:16 + 16 * i]: struct.unpack_from(">I", data, 20 + 16 * i)[0]
              for i in range(struct.unpack_from(">H", data, 4)[0])}
    cmap = tables[b"cmap"]
    changed = bytearray(data)
    for i in range(struct.unpack_from(">H", data, cmap + 2)[0]):
        if struct.unpack_from(">HH", data, cmap + 4 + 8 * i) == (3, 10):
            struct.pack_into(">HH", changed, cmap + 4 + 8 * i, 3, 99)
    return bytes(changed)


def test_the_font_reader_agrees_with_fonttools() -> None:
    """cardfit reads advances itself (fontTools costs 0.1 s a check): same widths, both cmap
    formats, every code point of the Basic Multilingual Plane."""
    ttlib = pytest.importorskip("fontTools.ttLib")
    from builder.render.printables.cardfit import FACES, _Face, _resolve

    for pattern in FACES:
        path = _resolve(pattern)
        assert path is not None
        font = ttlib.TTFont(path)
        cmap, metrics = font.getBestCmap(), font["hmtx"].metrics
        upm = font["head"].unitsPerEm
        data = Path(path).read_bytes()
        for face in (_Face(data), _Face(_without_format_12(data))):
            for code in range(0x10000):
                wanted = metrics[cmap[code]][0] / upm if code in cmap else None
                assert face.advance(code) == wanted, (pattern, hex(code))


def test_plain_points_are_modelled_as_markdown_renders_them(monkeypatch: pytest.MonkeyPatch) -> None:
    """Points without Markdown characters skip markdown-it: same runs as the rendered path."""
    import re

    from builder.render.printables import cardfit

    rng = random.Random(7)
    alphabet = "abcdefgh åäö ABC ÅÄÖ \"'()-–,.:;→/?%+=#~{}^$@|0123"
    texts = ["hälso- och sjukvård", 'Ring "NSVT" vid behov', "vård- eller omsorg (dygnet runt)"]
    texts += ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 40))).strip()
              + rng.choice(["", " hälso- och sjukvård"]) for _ in range(400)]
    plain = [t for t in texts if t and cardfit._MARKDOWN.search(t) is None]
    fast = [cardfit._inline_runs(t, 8) for t in plain]
    monkeypatch.setattr(cardfit, "_MARKDOWN", re.compile(r"(?!)"))  # always render
    assert fast == [cardfit._inline_runs(t, 8) for t in plain]
