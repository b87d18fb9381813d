"""The stages stay in data-flow order: checked from the source (ast), not by importing it.

load/, governance/, rules/ and model.py never reach forward into rendering, building or the
command line; only cli/ prints or ends the process; and no two modules import each other
(directly or around a loop).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

BUILDER = Path(__file__).resolve().parents[1] / "builder"
# Stages that must not know about what comes after them.
EARLY = ("builder.load", "builder.governance", "builder.rules", "builder.model")
LATER = ("builder.render", "builder.publish", "builder.cli")
# The benchmark is a developer's script with its own report, run as `python -m builder.bench`.
MAY_PRINT = ("builder.cli", "builder.bench", "builder.bench.limits")


def module_name(path: Path) -> str:
    parts = path.relative_to(BUILDER.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES: dict[str, ast.Module] = {
    module_name(path): ast.parse(path.read_text(encoding="utf-8"), str(path))
    for path in sorted(BUILDER.rglob("*.py"))
}


def within(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def _type_checking_only(tree: ast.Module) -> set[int]:
    """ids of import nodes under ``if TYPE_CHECKING:`` (annotations only, never run)."""
    hidden: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and ast.unparse(node.test).endswith("TYPE_CHECKING"):
            hidden.update(id(inner) for stmt in node.body for inner in ast.walk(stmt))
    return hidden


def imports(name: str) -> Iterator[tuple[str, int]]:
    """Every builder module ``name`` imports at run time (at any depth), with the line."""
    tree = MODULES[name]
    hidden = _type_checking_only(tree)
    for node in ast.walk(tree):
        if id(node) in hidden:
            continue
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                submodule = f"{node.module}.{alias.name}"
                yield (submodule if submodule in MODULES else node.module), node.lineno


def edges() -> dict[str, set[str]]:
    """Module → builder modules it imports; a module importing its own package is left out
    (Python has run the package's __init__ before the module anyway)."""
    graph: dict[str, set[str]] = {}
    for name in MODULES:
        graph[name] = {target for target, _ in imports(name)
                       if target in MODULES and target != name
                       and not name.startswith(target + ".")}
    return graph


def test_the_graph_sees_every_stage() -> None:
    # Guards the test itself: the modules and imports it reasons about are really there.
    assert {"builder.load.library", "builder.rules.print", "builder.render.pdf",
            "builder.publish.run", "builder.cli.check", "builder.model"} <= set(MODULES)
    assert "builder.render" in edges()["builder.publish.run"]


def test_early_stages_never_import_rendering_building_or_the_cli() -> None:
    wrong = [f"{name}:{line} importerar {target}"
             for name in MODULES if within(name, EARLY)
             for target, line in imports(name) if within(target, LATER)]
    assert wrong == []


def _prints_or_exits(node: ast.AST) -> bool:
    if isinstance(node, ast.Call):
        called = ast.unparse(node.func)
        return called in ("print", "click.echo", "click.secho", "sys.stdout.write",
                          "sys.stderr.write", "exit", "quit", "sys.exit", "os._exit")
    if isinstance(node, ast.Raise) and node.exc is not None:
        return ast.unparse(node.exc).startswith("SystemExit")
    return False


def test_only_the_cli_prints_or_exits() -> None:
    wrong = [f"{name}:{node.lineno} {ast.unparse(node)[:60]}"
             for name, tree in MODULES.items() if not within(name, MAY_PRINT)
             for node in ast.walk(tree) if _prints_or_exits(node)]
    assert wrong == []


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import loop, as the modules around it, or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(name: str) -> list[str] | None:
        state[name] = 1
        path.append(name)
        for target in sorted(graph[name]):
            if state.get(target) == 1:
                return path[path.index(target):] + [target]
            if target not in state and (found := visit(target)):
                return found
        state[name] = 2
        path.pop()
        return None

    for name in sorted(graph):
        if name not in state and (found := visit(name)):
            return found
    return None


def test_no_import_cycles() -> None:
    assert _cycle(edges()) is None


def test_the_cycle_finder_finds_a_loop() -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None
