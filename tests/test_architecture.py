"""The shape of design.md, checked on the source: data flows one way (no import cycle between the
project's modules), kpi/ and ingest/ never import Streamlit, and every module imports."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

from kpi import config

ROOT = config.ROOT
PACKAGES = ("kpi", "ingest", "ui")
NOT_IMPORTABLE = {"kpi.migrations.env"}  # Alembic's script: runs only inside `alembic`


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    out = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            out[_module_name(path)] = path
    return out


MODULES = _modules()


def _type_checking_only(node: ast.AST, parents: dict) -> bool:
    while node in parents:
        node = parents[node]
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            return True
    return False


def _imports(name: str, path: Path) -> set[str]:
    """Every module an import statement of the file names, at any depth (a lazy import inside
    a function is an edge too), resolved to modules of the project or left as written."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out = set()
    for node in ast.walk(tree):
        if _type_checking_only(node, parents):
            continue
        if isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module
            out.add(target)
            for alias in node.names:  # "from kpi import queries" names a module
                if f"{target}.{alias.name}" in MODULES:
                    out.add(f"{target}.{alias.name}")
    return out


def _graph() -> dict[str, set[str]]:
    graph = {}
    for name, path in MODULES.items():
        edges = set()
        for target in _imports(name, path):
            # "import kpi.report.common" also runs kpi/__init__ and kpi/report/__init__.
            parts = target.split(".")
            for i in range(1, len(parts) + 1):
                prefix = ".".join(parts[:i])
                if prefix in MODULES and prefix != name:
                    edges.add(prefix)
        graph[name] = edges
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index, low, stack, on_stack, out = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def _is_package_parent(a: str, b: str) -> bool:
    """A package and its own submodule (kpi.report and kpi.report.pdf) may name each other:
    the package imports its parts, a part's relative import of a sibling runs the package."""
    return b.startswith(a + ".") or a.startswith(b + ".")


def test_the_cycle_finder_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def _room(name: str) -> str:
    """The room a module lives in: a top-level module (kpi.dashboard) or a subpackage
    (kpi.report for kpi.report.pdf)."""
    return ".".join(name.split(".")[:2])


def test_no_import_cycle_between_modules():
    graph = _graph()
    assert "kpi.report.common" in graph["kpi.report"]  # the graph sees relative imports
    assert "kpi.queries" in graph["kpi.dashboard"]
    # A package's __init__ importing its own parts is not a cycle of the data flow.
    flow = {v: {w for w in ws if not _is_package_parent(v, w)} for v, ws in graph.items()}
    assert _cycles(flow) == []


def test_no_import_cycle_between_rooms():
    """kpi/report/ as a whole against kpi/dashboard.py and the others: no two rooms import
    each other, even through different modules."""
    rooms: dict[str, set[str]] = {}
    for v, ws in _graph().items():
        rooms.setdefault(_room(v), set()).update(_room(w) for w in ws if _room(w) != _room(v))
    rooms = {v: {w for w in ws if w in rooms} for v, ws in rooms.items()}
    assert {"kpi.report", "kpi.dashboard", "ui.data"} <= set(rooms)
    assert _cycles(rooms) == []


def test_kpi_and_dashboard_and_report_flow_one_way():
    graph = _graph()
    assert not {m for m in graph["kpi.dashboard"] if m.startswith("kpi.report")}
    reach = set()
    todo = [m for m in MODULES if m.startswith("kpi.report")]
    while todo:
        m = todo.pop()
        for w in graph[m]:
            if w not in reach:
                reach.add(w)
                todo.append(w)
    assert not {m for m in reach if m.startswith(("ui", "pages"))}


def test_kpi_and_ingest_never_import_streamlit():
    for name, path in MODULES.items():
        if name.startswith(("kpi", "ingest")):
            used = {t for t in _imports(name, path) if t.split(".")[0] == "streamlit"}
            assert not used, f"{path.relative_to(ROOT)} imports {sorted(used)}"


@pytest.mark.parametrize("name", sorted(set(MODULES) - NOT_IMPORTABLE))
def test_every_module_imports(name):
    importlib.import_module(name)
