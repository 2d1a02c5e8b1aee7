"""The package's architecture, as its imports show it: no import cycle (imports inside functions count), the
core imports no web framework, and every arrow points down the layers."""

from __future__ import annotations

import ast
from pathlib import Path

import backendkg

PACKAGE = Path(backendkg.__file__).parent
CORE = ("graph", "queries", "sparql", "validation")
#: What each part may import from the package (the root modules are open to everyone).
LAYERS = {
    "graph": set(),
    "queries": {"graph"},
    "sparql": {"graph"},
    "validation": {"graph", "queries"},
    "web": {"graph", "queries", "sparql", "validation"},
    "cli": {"graph", "queries", "sparql", "validation", "web"},
}
ROOT_MODULES = {"namespaces", "formats", "errors", "_paths", "__init__", "__main__"}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports() -> dict[str, set[str]]:
    """Every module of the package and the modules of the package it imports, anywhere in its body."""
    modules = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    found: dict[str, set[str]] = {}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        targets: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets.update(a.name for a in node.names)
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")
                    base = base[: len(base) - node.level + 1]
                    origin = ".".join([*base, *([node.module] if node.module else [])])
                else:
                    origin = node.module or ""
                targets.add(origin)
                targets.update(f"{origin}.{a.name}" for a in node.names)
        found[name] = {t for t in targets if t in modules and t != name}
    return found


def _external(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            names.add(node.module.split(".")[0])
    return names


def _part(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def test_there_is_no_import_cycle():
    graph = _imports()
    # A package imports its submodules when it is imported: that is not an arrow of the architecture.
    edges = {m: {t for t in ts if not t.startswith(m + ".")} for m, ts in graph.items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in edges[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    assert cycles == []


def test_the_core_imports_no_web_framework():
    for part in CORE:
        for path in (PACKAGE / part).rglob("*.py"):
            assert not _external(path) & {"flask", "werkzeug", "flask_limiter", "granian"}, path
    for name in ("namespaces", "formats", "errors"):
        assert not _external(PACKAGE / f"{name}.py") & {"flask", "werkzeug"}


def test_every_import_points_down_the_layers():
    wrong = []
    for module, targets in _imports().items():
        part = _part(module)
        if part not in LAYERS:
            continue
        for target in targets:
            other = _part(target)
            if other == part or other in ROOT_MODULES or other == "":
                continue
            if other not in LAYERS[part]:
                wrong.append(f"{module} -> {target}")
    assert wrong == []


def test_no_blueprint_imports_another():
    blueprints = {"sparql", "ld", "download", "api", "pages", "health"}
    graph = _imports()
    for name in blueprints:
        module = f"backendkg.web.{name}"
        assert not {t for t in graph[module] if t.rpartition(".")[2] in blueprints and t != module}, module
