"""Safe YAML loading: plain data plus a position index, refusing what PyYAML would let through.

PyYAML's ``safe_load`` silently keeps the last of duplicate keys, expands aliases (a 700-byte
"billion laughs" file grows to gigabytes) and applies YAML 1.1 types (``2.10`` → 2.1, ``no`` →
False, ``0123`` → 83, ``12:30`` → 750). We compose the node tree ourselves instead: aliases,
anchors and explicit tags are refused, duplicate keys are reported, and every plain scalar keeps
its source text; the pydantic model decides the type.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.composer import Composer
from yaml.resolver import Resolver

from builder.diagnostics import Diagnostic

_CParser: Any
try:
    from yaml._yaml import CParser as _CParser
except ImportError:  # PyYAML built without libyaml
    _CParser = None

MAX_FILE_BYTES = 1_000_000  # a long routine is ~20 kB; anything near a megabyte is a mistake
MAX_NODES = 20_000  # the longest shipped routine has under 1 000
MAX_DEPTH = 40
UTF8_BOM = b"\xef\xbb\xbf"
# What YAML allows in a file (PyYAML's Reader.NON_PRINTABLE): control characters are refused.
NOT_PRINTABLE = re.compile("[^\x09\x0A\x0D\x20-\x7E\x85\xA0-\uD7FF\uE000-\uFFFD\U00010000-\U0010FFFF]")

YamlPath = tuple[str | int, ...]


@dataclass(frozen=True)
class Position:
    """A place in a YAML file."""

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

    def value_position(self, path: YamlPath) -> Position:
        """Where the value at ``path`` starts (a wrong value is pointed at, not its key)."""
        found = self.value_positions.get(path)
        return found if found is not None else self.position(path)

    def locate(self, path: YamlPath, needle: str) -> Position:
        """Where ``needle`` (a word or fragment inside the text at ``path``) is written.

        The source is searched from the start of the value, so the column points at the word
        itself even in a multi-line block scalar; if it cannot be found as written (escapes),
        the value's start is close enough.
        """
        start = self.value_position(path)
        lines = self.text.split("\n")
        if start.line > len(lines):
            return start
        offset = sum(len(line) + 1 for line in lines[: start.line - 1]) + start.column - 1
        found = self.text.find(needle, offset)
        if found < 0:
            return start
        before = self.text[:found]
        return Position(before.count("\n") + 1, found - (before.rfind("\n") + 1) + 1)


class _Refused(Exception):
    """YAML that parses but is refused: anchors and tags (R105), too deep or big (R100)."""

    def __init__(self, message: str, mark: Any, rule: str = "R105") -> None:
        super().__init__(message)
        self.message = message
        self.mark = mark
        self.rule = rule


def _written_tag(tag: str) -> str:
    """A tag as the author wrote it: ``!!python/object``, not ``tag:yaml.org,2002:python/…``."""
    prefix = "tag:yaml.org,2002:"
    return "!!" + tag[len(prefix):] if tag.startswith(prefix) else tag


NESTED_TOO_DEEP = f"filen är nästlad djupare än {MAX_DEPTH} nivåer; gör strukturen plattare"


class _Guard:
    """Composer mixin that refuses anchors, aliases and explicit tags while composing.

    Depth and node count are capped here, during composition, so that a deeply nested or
    huge flow collection is refused before its node tree is built (bounded memory and stack).
    """

    depth = 0
    nodes = 0
    peek_event: Any  # from the parser this is mixed into (annotation only, no attribute)

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.peek_event()
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise _Refused(f"filen har fler än {MAX_NODES} värden; dela upp den",
                          event.start_mark, "R100")
        if self.depth >= MAX_DEPTH:
            raise _Refused(NESTED_TOO_DEEP, event.start_mark, "R100")
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
                f"YAML-taggen '{_written_tag(tag)}' är inte tillåten; ta bort den "
                "(endast vanlig text, listor och block med nycklar)",
                event.start_mark,
            )
        self.depth += 1
        try:
            return super().compose_node(parent, index)  # type: ignore[misc]
        finally:
            self.depth -= 1


class _PureComposer(_Guard, yaml.SafeLoader):  # type: ignore[misc,unused-ignore]
    """PyYAML's pure-Python scanner and parser (used when libyaml is not installed)."""


if _CParser is not None:

    class _FastComposer(_Guard, Composer, _CParser, Resolver):  # type: ignore[misc,unused-ignore]
        """libyaml's scanner and parser (about ten times faster), PyYAML's composer on top:
        Composer precedes CParser in the MRO, so node building, and the guard, stay in Python."""

        def __init__(self, stream: str) -> None:
            _CParser.__init__(self, stream)
            Resolver.__init__(self)
            Composer.__init__(self)


def _composer(text: str) -> Any:
    return _FastComposer(text) if _CParser is not None else _PureComposer(text)


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

    def convert(self, node: yaml.Node, path: YamlPath) -> Any:
        # Depth and size were capped by _SafeComposer, so this recursion is bounded.
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
                raise _Refused("en nyckel måste vara en enkel text, inte en lista eller ett block",
                              key_node.start_mark, "R101")
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


# Problems from libyaml and PyYAML, translated: (part of the English problem, Swedish).
SYNTAX_SV: tuple[tuple[str, str], ...] = (
    ("mapping values are not allowed", ("kolon på fel plats; sätt citattecken runt en text som "
     "innehåller ': ' eller kontrollera indraget")),
    ("could not find expected ':'", ("förväntade ':' efter en nyckel (eller stängs inte ett "
     "citattecken?)")),
    ("expected <block end>", "fel indrag: raden stämmer inte med nivån ovanför"),
    ("did not find expected key", "fel indrag: raden stämmer inte med nivån ovanför"),
    ("did not find expected '-' indicator", "fel indrag: en rad i listan börjar inte med '- '"),
    ("expected ',' or ']'", "förväntade ',' eller ']' i en lista inom hakparenteser"),
    ("expected ',' or '}'", "förväntade ',' eller '}' i ett block inom klammerparenteser"),
    ("sequence entries are not allowed", ("ett listelement ('- ') står på fel plats; "
     "kontrollera indraget")),
    ("mapping keys are not allowed", "en nyckel står på fel plats; kontrollera indraget"),
    ("found unexpected end of stream", "filen tar slut mitt i ett värde"),
    ("unknown escape character", ("okänd escape-sekvens (\\) i text inom dubbla citattecken; "
     "använd enkla citattecken")),
    ("escape sequence", "ofullständig escape-sekvens (\\) i text inom dubbla citattecken"),
    ("alphabetic or numeric character", ("'&' och '*' inleder YAML-ankare och alias; sätt "
     "citattecken runt texten")),
    ("expected a comment or a line break", ("oväntad text efter värdet; sätt citattecken runt "
     "hela texten")),
    ("node content", "ett värde saknas här"),
    ("<document start>", "oväntat innehåll; filen ska bestå av nycklar med värden"),
    ("but found another document", "filen får bara innehålla ett YAML-dokument (ta bort '---')"),
    ("document separator", "'---' eller '...' står mitt i ett värde"),
    ("document indicator", "'---' eller '...' står mitt i ett värde"),
    ("indentation indicator", "ogiltig indragsangivelse efter '|' eller '>'"),
    ("chomping or indentation", "ogiltigt tecken efter '|' eller '>'"),
    ("tag handle", "okänd YAML-tagg; sätt citattecken runt texten"),
    ("expected '>'", "ofullständig YAML-tagg; sätt citattecken runt texten"),
    ("cannot start any token", "tecknet kan inte inleda ett värde; sätt citattecken runt texten"),
)


def _syntax_message(exc: yaml.MarkedYAMLError, text: str) -> str:
    """A Swedish explanation of a YAML syntax error, naming where an open quote began."""
    problem = exc.problem or ""
    mark = exc.problem_mark
    # libyaml's mark.index counts bytes, so find the character by line and column.
    lines = text.split("\n")
    at_tab = mark is not None and mark.line < len(lines) and (
        lines[mark.line][mark.column:mark.column + 1] == "\t")
    if "tab" in problem or "'\\t'" in problem or at_tab:
        return "tabbtecken kan inte användas för indrag i YAML; använd mellanslag"
    explanation = next((sv for en, sv in SYNTAX_SV if en in problem),
                       "filen kan inte läsas här; kontrollera indrag, kolon och citattecken")
    context = exc.context or ""
    opened = exc.context_mark
    if opened is not None and mark is not None and opened.line != mark.line:
        if "quoted scalar" in context:
            explanation += f" (citattecknet på rad {opened.line + 1} stängs aldrig)"
        elif "flow sequence" in context:
            explanation += f" (listan som börjar med '[' på rad {opened.line + 1})"
        elif "flow mapping" in context:
            explanation += f" (blocket som börjar med '{{' på rad {opened.line + 1})"
    return f"YAML-syntaxfel: {explanation}"


def _text_position(text: str, index: int) -> Position:
    before = text[:index]
    return Position(before.count("\n") + 1, index - (before.rfind("\n") + 1) + 1)


def parse_yaml_text(text: str, display: str) -> tuple[LoadedYaml | None, list[Diagnostic]]:
    """Parse YAML text into plain data with positions; problems become diagnostics."""
    bad = NOT_PRINTABLE.search(text)
    if bad is not None:
        return None, [_diag(display, _text_position(text, bad.start()), "R100",
                            f"filen innehåller ett otillåtet styrtecken "
                            f"(U+{ord(bad.group()):04X}); ta bort det")]
    loader = _composer(text)
    try:
        root = loader.get_single_node()
    except _Refused as exc:
        return None, [_diag(display, _pos(exc.mark), exc.rule, exc.message)]
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        if "nesting depth" in (exc.problem or "") or "nesting depth" in (exc.context or ""):
            # libyaml (PyYAML >= 6.0.2) refuses deep nesting itself, before our guard sees it.
            return None, [_diag(display, _pos(mark), "R100", NESTED_TOO_DEEP)]
        return None, [_diag(display, _pos(mark), "R100", _syntax_message(exc, text))]
    finally:
        loader.dispose()
    if root is None:
        return None, [_diag(display, Position(1, 1), "R101", "filen är tom")]
    converter = _Converter(display)
    try:
        data = converter.convert(root, ())
    except _Refused as exc:
        return None, [_diag(display, _pos(exc.mark), exc.rule, exc.message)]
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
    with path.open("rb") as handle:  # never more than the cap, even if stat() was wrong
        raw = handle.read(MAX_FILE_BYTES + 1)
    if len(raw) > MAX_FILE_BYTES:
        return None, [_diag(display, Position(1, 1), "R100",
                            f"filen är större än {MAX_FILE_BYTES // 1000} kB")]
    text, problems = _decode(raw, display)
    if text is None:
        return None, problems
    return parse_yaml_text(text, display)
