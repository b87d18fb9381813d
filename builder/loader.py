"""Safe YAML loading: plain data plus a position index, refusing what PyYAML would let through.

PyYAML's ``safe_load`` silently keeps the last of duplicate keys, expands aliases (a 700-byte
"billion laughs" file grows to gigabytes) and applies YAML 1.1 types (``2.10`` → 2.1, ``no`` →
False, ``0123`` → 83, ``12:30`` → 750). We compose the node tree ourselves instead: aliases,
anchors and explicit tags are refused, duplicate keys are reported, and every plain scalar keeps
its source text; the pydantic model decides the type.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from builder.diagnostics import Diagnostic

MAX_FILE_BYTES = 1_000_000  # a long routine is ~20 kB; anything near a megabyte is a mistake
MAX_NODES = 100_000
MAX_DEPTH = 40
UTF8_BOM = b"\xef\xbb\xbf"

YamlPath = tuple[str | int, ...]


@dataclass(frozen=True)
class Position:
    line: int  # 1-based
    column: int  # 1-based


@dataclass(frozen=True)
class LoadedYaml:
    """A parsed YAML file: plain data (dict/list/str/None) and where every value stood."""

    display: str
    data: Any
    text: str
    value_positions: dict[YamlPath, Position] = field(repr=False)
    key_positions: dict[YamlPath, Position] = field(repr=False)

    def position(self, path: YamlPath) -> Position:
        """Where ``path`` is written: its key, else its value, else the nearest ancestor."""
        for end in range(len(path), -1, -1):
            prefix = path[:end]
            found = self.key_positions.get(prefix) or self.value_positions.get(prefix)
            if found is not None:
                return found
        return Position(1, 1)


class _Refused(Exception):
    def __init__(self, message: str, mark: yaml.Mark | None) -> None:
        super().__init__(message)
        self.message = message
        self.mark = mark


class _SafeComposer(yaml.SafeLoader):
    """A loader that refuses anchors, aliases and explicit tags while composing."""

    def compose_node(self, parent: Any, index: Any) -> Any:  # type: ignore[override]
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            raise _Refused(
                f"alias '*{event.anchor}' är inte tillåtet i rutiner; skriv ut värdet", event.start_mark
            )
        anchor = getattr(event, "anchor", None)
        if anchor is not None:
            raise _Refused(
                f"ankare '&{anchor}' är inte tillåtet i rutiner; skriv ut värdet där det behövs",
                event.start_mark,
            )
        tag = getattr(event, "tag", None)
        if tag not in (None, "!", "tag:yaml.org,2002:str"):
            raise _Refused(
                f"YAML-taggen '{tag}' är inte tillåten; ta bort den (endast vanlig text och listor)",
                event.start_mark,
            )
        return super().compose_node(parent, index)


def _pos(mark: yaml.Mark | None) -> Position:
    if mark is None:
        return Position(1, 1)
    return Position(mark.line + 1, mark.column + 1)


def _diag(display: str, pos: Position, rule: str, message: str) -> Diagnostic:
    return Diagnostic(display, pos.line, pos.column, rule, "error", message)


class _Converter:
    """Turns a composed node tree into plain data, recording positions and duplicate keys."""

    def __init__(self, display: str) -> None:
        self.display = display
        self.values: dict[YamlPath, Position] = {}
        self.keys: dict[YamlPath, Position] = {}
        self.diagnostics: list[Diagnostic] = []
        self.count = 0

    def convert(self, node: yaml.Node, path: YamlPath) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            raise _Refused(f"filen har fler än {MAX_NODES} värden", node.start_mark)
        if len(path) > MAX_DEPTH:
            raise _Refused(f"filen är nästlad djupare än {MAX_DEPTH} nivåer", node.start_mark)
        self.values[path] = _pos(node.start_mark)
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path)
        if isinstance(node, yaml.SequenceNode):
            return [self.convert(item, path + (i,)) for i, item in enumerate(node.value)]
        assert isinstance(node, yaml.ScalarNode)
        if node.style is None and node.tag == "tag:yaml.org,2002:null":
            return None
        return node.value  # the source text: "2.10", "no", "0123" and "12:30" stay as written

    def _mapping(self, node: yaml.MappingNode, path: YamlPath) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise _Refused("en nyckel måste vara en enkel text", key_node.start_mark)
            key = key_node.value
            key_pos = _pos(key_node.start_mark)
            if key in result:
                first = self.keys[path + (key,)]
                self.diagnostics.append(
                    _diag(
                        self.display,
                        key_pos,
                        "R103",
                        f"nyckeln '{key}' förekommer två gånger (första gången på rad {first.line}); "
                        "ta bort eller slå ihop den ena",
                    )
                )
                continue
            self.keys[path + (key,)] = key_pos
            result[key] = self.convert(value_node, path + (key,))
        return result


def _decode(raw: bytes, display: str) -> tuple[str | None, list[Diagnostic]]:
    if raw.startswith(UTF8_BOM):
        return None, [
            _diag(
                display,
                Position(1, 1),
                "R100",
                "filen börjar med ett byte order mark (BOM); spara den som UTF-8 utan BOM",
            )
        ]
    try:
        return raw.decode("utf-8"), []
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        column = exc.start - (before.rfind(b"\n") + 1) + 1
        return None, [
            _diag(
                display,
                Position(line, column),
                "R100",
                f"filen är inte giltig UTF-8 (byte 0x{raw[exc.start]:02x}); spara den som UTF-8",
            )
        ]


def _syntax_message(exc: yaml.MarkedYAMLError) -> str:
    problem = exc.problem or "okänt fel"
    if "'\\t'" in problem or "\t" in problem:
        return "tabbtecken kan inte användas för indrag i YAML; använd mellanslag"
    translations = {
        "mapping values are not allowed here": "kolon på fel plats; sätt citattecken runt texten",
        "could not find expected ':'": "förväntade ':' efter en nyckel",
        "expected <block end>, but found": "fel indrag: raden stämmer inte med nivån ovanför",
        "found undefined alias": "alias är inte tillåtet",
        "but found another document": "filen får bara innehålla ett YAML-dokument",
        "found unexpected end of stream": "filen tar slut mitt i ett värde (saknas ett citattecken?)",
        "found unknown escape character": "okänd escape-sekvens i text inom citattecken",
    }
    for english, swedish in translations.items():
        if problem.startswith(english):
            return f"YAML-syntaxfel: {swedish}"
    return f"YAML-syntaxfel: {problem}"


def parse_yaml_text(text: str, display: str) -> tuple[LoadedYaml | None, list[Diagnostic]]:
    """Parse YAML text into plain data with positions; problems become diagnostics."""
    loader = _SafeComposer(text)
    try:
        root = loader.get_single_node()
    except _Refused as exc:
        return None, [_diag(display, _pos(exc.mark), "R105", exc.message)]
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        return None, [_diag(display, _pos(mark), "R100", _syntax_message(exc))]
    except RecursionError:
        return None, [_diag(display, Position(1, 1), "R100", "filen är för djupt nästlad")]
    finally:
        loader.dispose()
    if root is None:
        return None, [_diag(display, Position(1, 1), "R101", "filen är tom")]
    converter = _Converter(display)
    try:
        data = converter.convert(root, ())
    except _Refused as exc:
        return None, [_diag(display, _pos(exc.mark), "R105", exc.message)]
    loaded = LoadedYaml(display, data, text, converter.values, converter.keys)
    return loaded, converter.diagnostics


def load_yaml(path: Path, display: str) -> tuple[LoadedYaml | None, list[Diagnostic]]:
    """Read and parse one YAML file, refusing oversized, non-UTF-8 and BOM-prefixed files."""
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        return None, [
            _diag(
                display,
                Position(1, 1),
                "R100",
                f"filen är {size / 1_000_000:.1f} MB; högst {MAX_FILE_BYTES // 1000} kB tillåts",
            )
        ]
    text, problems = _decode(path.read_bytes(), display)
    if text is None:
        return None, problems
    return parse_yaml_text(text, display)
