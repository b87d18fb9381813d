"""Safe YAML loading: plain data plus a position index, refusing what PyYAML would let through.

PyYAML's ``safe_load`` silently keeps the last of duplicate keys, expands aliases (a 700-byte
"billion laughs" file grows to gigabytes) and applies YAML 1.1 types (``2.10`` → 2.1, ``no`` →
False, ``0123`` → 83, ``12:30`` → 750). We compose the node tree ourselves instead: aliases,
anchors and explicit tags are refused, duplicate keys are reported, and every plain scalar keeps
its source text; the pydantic model decides the type.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.composer import Composer, ComposerError
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


@dataclass(frozen=True, slots=True)  # slots: made twice per YAML node, twice as fast
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


def refuse_node(event: Any, nodes: int, depth: int) -> None:
    """Refuse the ``nodes``-th node at ``depth``, in this order: too many nodes, too deep,
    an alias, an anchor, an explicit tag (each a located R100/R105 finding)."""
    if nodes > MAX_NODES:
        raise _Refused(f"filen har fler än {MAX_NODES} värden; dela upp den",
                      event.start_mark, "R100")
    if depth >= MAX_DEPTH:
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
    if tag not in _ALLOWED_TAGS:
        raise _Refused(
            f"YAML-taggen '{_written_tag(tag)}' är inte tillåten; ta bort den "
            "(endast vanlig text, listor och block med nycklar)",
            event.start_mark,
        )


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
        refuse_node(event, self.nodes, self.depth)
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


def _pos(mark: Any) -> Position:
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


_NULL_TAG = "tag:yaml.org,2002:null"
_PLAIN_EVENTS = (yaml.ScalarEvent, yaml.SequenceStartEvent, yaml.MappingStartEvent)
_ALLOWED_TAGS = (None, "!", "tag:yaml.org,2002:str")
_NULL_TEXTS = frozenset({"", "~", "null", "Null", "NULL"})  # what YAML 1.1 resolves to null


class _Direct(_Converter):
    """Events straight to plain data and positions, in one pass: what _Guard, PyYAML's
    Composer and _Converter do together, without building the node tree (3× faster).

    Same refusals at the same events, in the same order: guard problems and syntax errors
    raise while composing; a key that is not a text is refused after composing, as the
    converter (a second pass) would; duplicate keys are reported and their values skipped.
    """

    def __init__(self, display: str, loader: Any) -> None:
        super().__init__(display)
        self.loader = loader
        self.nodes = 0
        self.refused: _Refused | None = None  # the converter's first refusal, raised at the end

    def single(self) -> tuple[bool, Any]:
        """(found a document, its data); as Composer.get_single_node."""
        loader = self.loader
        loader.get_event()  # stream start
        found, data, start = False, None, None
        if not loader.check_event(yaml.StreamEndEvent):
            loader.get_event()  # document start
            start = loader.peek_event().start_mark
            data = self.node((), 0, True)
            loader.get_event()  # document end
            found = True
        if not loader.check_event(yaml.StreamEndEvent):
            event = loader.get_event()
            raise ComposerError("expected a single document in the stream",
                                              start, "but found another document",
                                              event.start_mark)
        loader.get_event()  # stream end
        if self.refused is not None:
            raise self.refused
        return found, data

    def _guard(self, event: Any, depth: int) -> None:
        """Count the node and refuse it as _Guard.compose_node would."""
        self.nodes += 1
        if (self.nodes <= MAX_NODES and depth < MAX_DEPTH and type(event) in _PLAIN_EVENTS
                and event.anchor is None and event.tag in _ALLOWED_TAGS):
            return  # the usual node: nothing to refuse
        refuse_node(event, self.nodes, depth)

    def node(self, path: YamlPath, depth: int, record: bool) -> Any:
        """Compose one node; ``record``: convert it (False inside a skipped duplicate)."""
        loader = self.loader
        event = loader.peek_event()
        self._guard(event, depth)
        loader.get_event()
        if record:
            self.values[path] = _pos(event.start_mark)
        if isinstance(event, yaml.ScalarEvent):
            if (event.style is None and event.tag in (None, "!") and event.value in _NULL_TEXTS
                    and loader.resolve(yaml.ScalarNode, event.value, event.implicit) == _NULL_TAG):
                return None
            return event.value
        if isinstance(event, yaml.SequenceStartEvent):
            items: list[Any] = []
            while not loader.check_event(yaml.SequenceEndEvent):
                items.append(self.node(path + (len(items),), depth + 1, record))
            loader.get_event()
            return items
        return self._map(path, depth, record)

    def _map(self, path: YamlPath, depth: int, record: bool) -> dict[str, Any]:
        loader = self.loader
        result: dict[str, Any] = {}
        while not loader.check_event(yaml.MappingEndEvent):
            key_event = loader.peek_event()
            if not isinstance(key_event, yaml.ScalarEvent):
                if record and self.refused is None:
                    self.refused = _Refused(
                        "en nyckel måste vara en enkel text, inte en lista eller ett block",
                        key_event.start_mark, "R101")
                self.node(path, depth + 1, False)
                self.node(path, depth + 1, False)
                record = False  # the converter stops here: nothing after is converted
                continue
            self._guard(key_event, depth + 1)
            loader.get_event()
            key = key_event.value
            keep = record and key not in result
            if record and not keep:
                first = self.keys[path + (key,)]
                self.diagnostics.append(_diag(
                    self.display, _pos(key_event.start_mark), "R103",
                    f"nyckeln '{key}' förekommer två gånger (första gången på rad {first.line}); "
                    "ta bort eller slå ihop den ena"))
            if keep:
                self.keys[path + (key,)] = _pos(key_event.start_mark)
            value = self.node(path + (key,), depth + 1, keep)
            if keep:
                result[key] = value
        loader.get_event()
        return result


def _decode(raw: bytes, display: str) -> tuple[str | None, list[Diagnostic]]:
    # Windows editors (Notepad before 2019, Excel's "UTF-8" export) start the file with a
    # byte order mark: it is read past, and `rutin approve` writes it back (issue 25).
    raw = raw.removeprefix(UTF8_BOM)
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
    direct = _Direct(display, loader)
    try:
        found, data = direct.single()
    except _Refused as exc:
        return None, [_diag(display, _pos(exc.mark), exc.rule, exc.message)]
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        if "nesting depth" in (exc.problem or "") or "nesting depth" in (exc.context or ""):
            # libyaml (PyYAML >= 6.0.2) refuses deep nesting itself, before our guard sees it.
            return None, [_diag(display, _pos(mark), "R100", NESTED_TOO_DEEP)]
        opened = exc.context_mark
        if opened is not None and "quoted scalar" in (exc.context or ""):
            mark = opened  # an unclosed quote is reported where it opens, not where YAML gave up
        return None, [_diag(display, _pos(mark), "R100", _syntax_message(exc, text))]
    finally:
        loader.dispose()
    if not found:
        return None, [_diag(display, Position(1, 1), "R101", "filen är tom")]
    loaded = LoadedYaml(display, data, text, direct.values, direct.keys)
    return loaded, direct.diagnostics


def read_capped(path: Path, limit: int) -> bytes:
    """At most ``limit`` + 1 bytes of a regular file. Opened non-blocking and checked with
    fstat on the open descriptor, so a FIFO or device swapped in is refused, never waited on."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise NotRegularFileError(mode)
        with os.fdopen(fd, "rb", closefd=False) as handle:
            return handle.read(limit + 1)
    finally:
        os.close(fd)


class NotRegularFileError(OSError):
    """The path is a FIFO, socket, device or folder, not a file to read."""

    def __init__(self, mode: int) -> None:
        super().__init__("ingen vanlig fil")
        self.mode = mode


def load_yaml(path: Path, display: str) -> tuple[LoadedYaml | None, list[Diagnostic]]:
    """Read and parse one YAML file (a UTF-8 BOM is read past), refusing oversized, non-UTF-8
    files,
    and anything that is not a regular file. An unreadable file is a finding, never raised."""
    try:
        raw = read_capped(path, MAX_FILE_BYTES)
    except NotRegularFileError:
        return None, [_diag(display, Position(1, 1), "R100",
                            "sökvägen är ingen vanlig fil (t.ex. en namngiven pipe eller en "
                            "enhet) och läses inte")]
    except OSError as exc:
        return None, [_diag(display, Position(1, 1), "R100",
                            f"filen kan inte läsas: {exc.strerror or exc}")]
    if len(raw) > MAX_FILE_BYTES:
        size = path.stat().st_size
        shown = f"{size / 1_000_000:.1f} MB" if size > MAX_FILE_BYTES else "större"
        return None, [_diag(display, Position(1, 1), "R100",
                            f"filen är {shown}; högst {MAX_FILE_BYTES // 1000} kB tillåts")]
    text, problems = _decode(raw, display)
    if text is None:
        return None, problems
    return parse_yaml_text(text, display)
