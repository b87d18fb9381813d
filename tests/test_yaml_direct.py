"""safe_yaml composes events straight into data; it must agree with PyYAML's node tree.

The one-pass composer (_Direct) replaced PyYAML's Composer plus a conversion pass for speed.
Here both run on the shipped routines, hostile snippets and random mutations of them: same
data, positions, findings and refusals, with libyaml and with the pure-Python parser.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest

from builder.load import safe_yaml

ROOT = Path(__file__).resolve().parents[1]
SNIPPETS = [
    "a: 1\na: 2\n", "? [a]\n: b\nc: d\n", "{[a]: 1, b: 2}", "a: &x 1\nb: *x\n", "a: !!int 1\n",
    "a: ! null\nb: null\nc:\nd: ~\ne: 'null'\n", "", "---\n", "a: 1\n---\nb: 2\n",
    "- " + "[" * 45 + "1" + "]" * 45 + "\n", "a: {b: 1, b: 2, {c: d}: e}\n",
    "a:\n  - b: 1\n    b: 2\n  - {x: [1,2], x: 3}\n", 'x: "unterminated\n', "\ta: 1\n",
    "a: 1\n a: 2\n", "[a, b]: c\na: b\na: c\n", "a: {b: 1, b: {[x]: 1}}\nc: [1, {[y]: 2}]\n",
    "a: !!python/object:os.system x\n", "- &a [1]\n- *a\n",
]


def _tree(text: str, pure: bool) -> Any:
    """The reference: PyYAML's Composer (with the guard), then _Converter."""
    loader = safe_yaml._PureComposer(text) if pure or safe_yaml._CParser is None \
        else safe_yaml._FastComposer(text)
    try:
        root = loader.get_single_node()
        if root is None:
            return "empty"
        converter = safe_yaml._Converter("f.yaml")
        data = converter.convert(root, ())
        return data, converter.values, converter.keys, converter.diagnostics
    except safe_yaml._Refused as exc:
        return "refused", exc.rule, exc.message, safe_yaml._pos(exc.mark)
    except Exception as exc:  # noqa: BLE001 - syntax errors: compare kind and place
        return type(exc).__name__, str(exc)
    finally:
        loader.dispose()


def _direct(text: str, pure: bool) -> Any:
    loader = safe_yaml._PureComposer(text) if pure or safe_yaml._CParser is None \
        else safe_yaml._FastComposer(text)
    direct = safe_yaml._Direct("f.yaml", loader)
    try:
        found, data = direct.single()
        if not found:
            return "empty"
        return data, direct.values, direct.keys, direct.diagnostics
    except safe_yaml._Refused as exc:
        return "refused", exc.rule, exc.message, safe_yaml._pos(exc.mark)
    except Exception as exc:  # noqa: BLE001
        return type(exc).__name__, str(exc)
    finally:
        loader.dispose()


def _mutate(text: str, rng: random.Random) -> str:
    lines = text.split("\n")
    for _ in range(rng.randint(1, 3)):
        i = rng.randrange(len(lines))
        op = rng.random()
        if op < 0.25 and len(lines) > 1:
            del lines[i]
        elif op < 0.5:
            lines.insert(i, lines[rng.randrange(len(lines))])
        elif op < 0.6:
            lines[i] = "\t" + lines[i]
        elif op < 0.7:
            lines[i] = lines[i].replace(":", ": &a", 1)
        elif op < 0.85:
            lines[i] += rng.choice([" *a", " [x", " {a: b}", "'", '"', ": z", " !!str", " ~"])
        else:
            lines[i] = " " + lines[i]
    return "\n".join(lines)


@pytest.mark.parametrize("pure", [False, True])
def test_direct_composition_equals_the_node_tree(pure: bool) -> None:
    rng = random.Random(16)
    texts = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "routines").rglob("*.yaml"))]
    cases = SNIPPETS + texts + [_mutate(t, rng) for t in texts for _ in range(6)]
    for text in cases:
        assert _direct(text, pure) == _tree(text, pure), text[:200]
