"""The editor schema in the editor's own language server (yaml-language-server over LSP stdio).

scripts/setup.sh (RUTIN_FOR_TESTS=1) installs Node.js from Debian when missing and the pinned
yaml-language-server (tests/lsp/package-lock.json) into .venv/node with `npm ci`.
"""

from __future__ import annotations

import json
import queue
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from builder.authoring.descriptions import KEYS, describe_key
from builder.check import run_check
from builder.rules import CheckOptions

ROOT = Path(__file__).resolve().parents[1]
SERVER = ROOT / ".venv" / "node" / "node_modules" / "yaml-language-server" / "bin" / \
    "yaml-language-server"
SETTINGS = {"yaml": {"validate": True, "hover": True, "completion": True,
                     "schemaStore": {"enable": False}, "schemas": {}, "format": {"enable": False}}}
ROUTINE_FILES = sorted(p.relative_to(ROOT / "routines").as_posix()
                       for p in (ROOT / "routines").glob("*/*.yaml")
                       if p.name != "godkannanden.yaml")

pytestmark = pytest.mark.node


class LanguageServer:
    """A minimal LSP client: JSON-RPC over the server's stdin/stdout."""

    def __init__(self, root: Path) -> None:
        node = shutil.which("node")
        assert node, "node saknas: kör RUTIN_FOR_TESTS=1 ./scripts/setup.sh"
        assert SERVER.is_file(), "yaml-language-server saknas: kör RUTIN_FOR_TESTS=1 ./scripts/setup.sh"
        self.process = subprocess.Popen([node, str(SERVER), "--stdio"], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.next_id = 0
        self.responses: dict[int, queue.Queue[dict[str, Any]]] = {}
        self.diagnostics: queue.Queue[dict[str, Any]] = queue.Queue()
        self.lock = threading.Lock()
        threading.Thread(target=self._read, daemon=True).start()
        self.request("initialize", {
            "processId": None, "rootUri": root.as_uri(),
            "capabilities": {
                "workspace": {"configuration": True},
                "textDocument": {
                    "completion": {"completionItem": {
                        "documentationFormat": ["markdown", "plaintext"]}},
                    "hover": {"contentFormat": ["markdown", "plaintext"]},
                    "publishDiagnostics": {},
                },
            },
        })
        self.notify("initialized", {})
        self.notify("workspace/didChangeConfiguration", {"settings": SETTINGS})

    def _send(self, message: dict[str, Any]) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode("utf-8")
        assert self.process.stdin is not None
        with self.lock:
            self.process.stdin.write(f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
            self.process.stdin.flush()

    def _read(self) -> None:
        stream = self.process.stdout
        assert stream is not None
        while True:
            length = 0
            while True:
                line = stream.readline()
                if not line:
                    return
                if line in (b"\r\n", b"\n"):
                    break
                name, _, value = line.decode("ascii").partition(":")
                if name.lower() == "content-length":
                    length = int(value.strip())
            message = json.loads(stream.read(length))
            if "id" in message and "method" in message:  # a request from the server
                result: Any = None
                if message["method"] == "workspace/configuration":
                    result = [SETTINGS.get(item.get("section", ""), SETTINGS["yaml"])
                              if item.get("section") != "yaml" else SETTINGS["yaml"]
                              for item in message["params"]["items"]]
                self._send({"id": message["id"], "result": result})
            elif "id" in message:
                self.responses.setdefault(message["id"], queue.Queue()).put(message)
            elif message.get("method") == "textDocument/publishDiagnostics":
                self.diagnostics.put(message["params"])

    def request(self, method: str, params: dict[str, Any]) -> Any:
        self.next_id += 1
        ident = self.next_id
        box = self.responses.setdefault(ident, queue.Queue())
        self._send({"id": ident, "method": method, "params": params})
        reply = box.get(timeout=60)
        assert "error" not in reply, reply
        return reply.get("result")

    def notify(self, method: str, params: dict[str, Any]) -> None:
        self._send({"method": method, "params": params})

    def open(self, path: Path, text: str | None = None) -> str:
        uri = path.as_uri()
        self.notify("textDocument/didOpen", {"textDocument": {
            "uri": uri, "languageId": "yaml", "version": 1,
            "text": path.read_text(encoding="utf-8") if text is None else text}})
        return uri

    def diagnostics_for(self, uri: str, settle: float = 1.5) -> list[dict[str, Any]]:
        """The last diagnostics published for ``uri`` once the server has gone quiet."""
        found: list[dict[str, Any]] | None = None
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                params = self.diagnostics.get(timeout=settle if found is not None else 60)
            except queue.Empty:
                break
            if params["uri"] == uri:
                found = params["diagnostics"]
        assert found is not None, f"inga diagnostiker för {uri}"
        return found

    def close(self) -> None:
        try:
            self.request("shutdown", {})
            self.notify("exit", {})
            self.process.wait(timeout=10)
        finally:
            if self.process.poll() is None:
                self.process.kill()


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("lsp") / "routines"
    shutil.copytree(ROOT / "routines", target)
    return target


@pytest.fixture(scope="module")
def server(library: Path) -> Iterator[LanguageServer]:
    client = LanguageServer(library.parent)
    yield client
    client.close()


def _text(contents: Any) -> str:
    if isinstance(contents, dict):
        return str(contents.get("value", ""))
    if isinstance(contents, list):
        return "\n".join(_text(c) for c in contents)
    return str(contents)


@pytest.mark.parametrize("name", ROUTINE_FILES)
def test_no_diagnostics_on_a_shipped_routine(server: LanguageServer, library: Path,
                                             name: str) -> None:
    uri = server.open(library / name)
    assert server.diagnostics_for(uri) == []


def test_completion_at_a_new_top_level_key_lists_swedish_keys_with_descriptions(
    server: LanguageServer, library: Path
) -> None:
    path = library / "sas-mobil-narvard" / "narsjukvardsteam.yaml"
    text = path.read_text(encoding="utf-8") + "\n"
    uri = path.with_name("ny-nyckel.yaml").as_uri()
    server.notify("textDocument/didOpen", {"textDocument": {
        "uri": uri, "languageId": "yaml", "version": 1, "text": text}})
    line = text.count("\n")
    result = server.request("textDocument/completion", {
        "textDocument": {"uri": uri}, "position": {"line": line, "character": 0}})
    items = result["items"] if isinstance(result, dict) else result
    labels = {item["label"]: item for item in items}
    # Keys the document does not have yet are offered, each with its Swedish explanation.
    for key in ("giltig_till", "begrepp", "bilagor", "ägare", "datum_för_godkännande"):
        assert key in labels, sorted(labels)
        documentation = _text(labels[key].get("documentation", ""))
        assert KEYS[key].split(";")[0].split(":")[0] in documentation, (key, documentation)
    assert "uppföljning" not in labels  # already written in this document
    assert not any("null" in str(item.get("insertText", "")) for item in items)


def test_hover_on_uppfoljning_shows_its_description(server: LanguageServer,
                                                    library: Path) -> None:
    path = library / "sas-mobil-narvard" / "narsjukvardsteam.yaml"
    uri = server.open(path)
    line = path.read_text(encoding="utf-8").splitlines().index("uppföljning:")
    hover = server.request("textDocument/hover", {
        "textDocument": {"uri": uri}, "position": {"line": line, "character": 3}})
    shown = _text(hover["contents"])
    assert describe_key("Arbetsrutin", "uppföljning") in shown.replace("\\", "")


@pytest.mark.parametrize(("case", "old", "new", "rule"), [
    ("misspelt key", "\nuppföljning:\n", "\nuppfoljning:\n", "R102"),
    ("wrong enum value", "\nstatus: utkast\n", "\nstatus: klar\n", "R101"),
])
def test_editor_and_rutin_check_flag_the_same_line(
    server: LanguageServer, library: Path, case: str, old: str, new: str, rule: str
) -> None:
    original = library / "sas-mobil-narvard" / "palliativt-team.yaml"
    broken = original.with_name(f"trasig-{rule.lower()}.yaml")
    text = original.read_text(encoding="utf-8")
    assert text.count(old) == 1, case
    broken.write_text(text.replace(old, new).replace(
        "\nid: palliativt-team\n", f"\nid: trasig-{rule.lower()}\n"), encoding="utf-8")
    try:
        found = [d for d in run_check(broken, CheckOptions()).diagnostics if d.rule == rule]
        assert found, case
        uri = server.open(broken)
        editor_lines = {d["range"]["start"]["line"] + 1 for d in server.diagnostics_for(uri)}
    finally:
        broken.unlink()
    assert {d.line for d in found} <= editor_lines, (case, found, editor_lines)


def test_a_bad_id_gets_the_swedish_pattern_message(server: LanguageServer,
                                                   library: Path) -> None:
    path = library / "sas-mobil-narvard" / "palliativt-team.yaml"
    text = path.read_text(encoding="utf-8").replace("\nid: palliativt-team\n", "\nid: NSVT\n")
    uri = path.with_name("stora-bokstaver.yaml").as_uri()
    server.notify("textDocument/didOpen", {"textDocument": {
        "uri": uri, "languageId": "yaml", "version": 1, "text": text}})
    line = text.splitlines().index("id: NSVT")
    messages = [d["message"] for d in server.diagnostics_for(uri)
                if d["range"]["start"]["line"] == line]
    assert any("små bokstäver a–z" in m for m in messages), messages


@pytest.mark.parametrize(("date", "marked"), [
    ("2026-02-30", True), ("2026-04-31", True), ("2025-02-29", True), ("2100-02-29", True),
    ("2028-02-29", False), ("2026-12-31", False),
])
def test_an_impossible_date_is_marked_in_the_editor(server: LanguageServer, library: Path,
                                                    date: str, marked: bool) -> None:
    path = library / "sas-mobil-narvard" / "palliativt-team.yaml"
    text = path.read_text(encoding="utf-8")
    line_text = next(line for line in text.splitlines() if line.startswith("    datum: "))
    changed = text.replace(line_text, f"    datum: {date}", 1)
    uri = path.with_name(f"datum-{date}.yaml").as_uri()
    server.notify("textDocument/didOpen", {"textDocument": {
        "uri": uri, "languageId": "yaml", "version": 1, "text": changed}})
    line = changed.splitlines().index(f"    datum: {date}")
    messages = [d["message"] for d in server.diagnostics_for(uri)
                if d["range"]["start"]["line"] == line]
    if marked:
        assert any("ÅÅÅÅ-MM-DD med ett datum som finns" in m for m in messages), messages
    else:
        assert messages == []
