"""The layers of DESIGN.md hold: data flows one way, and each module imports only from
the layers on its left (and from ``talent.config`` / ``talent.model``).

Every module under ``talent/`` is parsed with :mod:`ast`, and every import counts: at
the top of a module, inside a function (a lazy import is a dependency all the same) or
under ``TYPE_CHECKING``. A failure names the file, the line, the module and the import.
"""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx
import pytest

ROOT = Path(__file__).resolve().parents[1]

SHARED = ("talent.model", "talent.config", "talent.names", "talent.files", "talent.lazy",
          "talent.ahead")  # fmt: skip
SOURCES = ("talent.sources",)
STORE = ("talent.store",)
SYNC = ("talent.sync",)
MINING = ("talent.mining",)  # the one-call forms (mine_git, mine_github...): beside sync
# The schedule of `talent serve` runs mining then the digest: right of both, left of the
# ui and the cli.
SCHEDULE = ("talent.schedule",)
PEOPLE = ("talent.people",)
RANKING = ("talent.ranking",)
VIEWS = ("talent.views",)
INTERFACES = ("talent.cli", "talent.ui", "talent.signin", "talent.__main__")
# Left to right: every module sits in one of them.
LAYERS = (*SHARED, *SOURCES, *STORE, *SYNC, *MINING, *PEOPLE, *RANKING, *VIEWS, *SCHEDULE,
          *INTERFACES)  # fmt: skip
# The packages of the layers: each one's __init__ says what it may import.
PACKAGES = ("sources", "store", "people", "ranking", "views", "cli", "ui")


def module_name(path: Path, root: Path = ROOT) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def is_module(name: str, root: Path = ROOT) -> bool:
    path = root.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def imports(path: Path, root: Path = ROOT) -> list[tuple[int, str]]:
    """(line, module) of every import in ``path``, wherever it stands; relative imports
    are resolved, and ``from talent import x`` (or ``from . import x``) is an import of
    ``talent.x``, as ``from talent.ui import data`` is of ``talent.ui.data`` when that
    is a module."""
    name = module_name(path, root)
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package[: len(package) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            if node.module is None or base == "talent":  # names modules: from . import x
                found += [(node.lineno, f"{base}.{alias.name}") for alias in node.names]
            else:
                named = {f"{base}.{alias.name}" for alias in node.names}
                modules = {m for m in named if base.startswith("talent") and is_module(m, root)}
                found += [(node.lineno, m) for m in sorted(modules)]
                if len(modules) < len(named):
                    found.append((node.lineno, base))
    return sorted(found)


def within(module: str, prefixes: tuple[str, ...]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def talent_only(*prefixes: str):
    """A rule that allows anything outside talent, and the talent modules under
    ``prefixes``."""
    return lambda imported: not within(imported, ("talent",)) or within(imported, prefixes)


def never(*prefixes: str):
    return lambda imported: not within(imported, prefixes)


# rule -> (which modules it binds, which imports it allows)
RULES = {
    "sources import only talent.model, talent.config and talent.sources.*": (
        lambda m: within(m, SOURCES),
        talent_only(*SHARED, *SOURCES),
    ),
    "the store imports no other talent layer than model and config": (
        lambda m: within(m, STORE),
        talent_only(*SHARED, *STORE),
    ),
    "sync imports only the store, the sources, model and config": (
        lambda m: within(m, SYNC),
        talent_only(*SHARED, *STORE, *SOURCES),
    ),
    "mining imports only sync, the store, the sources, model and config": (
        lambda m: within(m, MINING),
        talent_only(*SHARED, *STORE, *SOURCES, *SYNC),
    ),
    "people import only talent.model, config, names, files, the store and talent.people": (
        lambda m: within(m, PEOPLE),
        talent_only(*SHARED, *STORE, *PEOPLE),
    ),
    "the ranking imports only the shared modules, the store, talent.people and "
    "talent.ranking: never a view": (
        lambda m: within(m, RANKING),
        talent_only(*SHARED, *STORE, *PEOPLE, *RANKING),
    ),
    "views import only the layers on their left (the shared modules, the sources' "
    "parsers, the store, talent.people, talent.ranking) and talent.views": (
        lambda m: within(m, VIEWS),
        talent_only(*SHARED, *SOURCES, *STORE, *PEOPLE, *RANKING, *VIEWS),
    ),
    "the schedule never imports the ui or the cli": (
        lambda m: within(m, SCHEDULE),
        never("talent.ui", "talent.cli"),
    ),
    "only talent/ui imports streamlit": (
        lambda m: not within(m, ("talent.ui",)),
        never("streamlit"),
    ),
    "nothing but talent.cli.* and talent.__main__ imports talent.cli": (
        lambda m: not within(m, ("talent.cli",)) and m != "talent.__main__",
        never("talent.cli"),
    ),
}


def offences(root: Path, binds, allows) -> list[str]:
    """``file:line (module) imports X`` for each import that breaks a rule."""
    out = []
    for path in sorted((root / "talent").rglob("*.py")):
        module = module_name(path, root)
        if not binds(module):
            continue
        for line, imported in imports(path, root):
            if not allows(imported):
                out.append(f"{path.relative_to(root)}:{line} ({module}) imports {imported}")
    return out


def test_every_module_sits_in_a_layer():
    stray = [
        str(path.relative_to(ROOT))
        for path in sorted((ROOT / "talent").rglob("*.py"))
        if not within(module_name(path), LAYERS)
    ]
    assert not stray, "not in a layer's package (talent/people, ranking, views...):\n" + (
        "\n".join(stray)
    )


@pytest.mark.parametrize("package", PACKAGES)
def test_each_layer_package_says_what_it_holds_and_may_import(package):
    init = ROOT / "talent" / package / "__init__.py"
    doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8"))) or ""
    assert "May import" in doc, f"{init.relative_to(ROOT)}: its docstring says what it may import"


def module_graph(root: Path = ROOT) -> nx.DiGraph:
    """Every module under ``talent/``, with an edge to each talent module it imports
    (a name imported from a module is an import of that module), its ``where`` the
    file and line of the first such import."""
    paths = {module_name(p, root): p for p in sorted((root / "talent").rglob("*.py"))}
    graph = nx.DiGraph()
    graph.add_nodes_from(paths)
    for module, path in paths.items():
        for line, imported in imports(path, root):
            target = imported
            while target and target not in paths:
                target = target.rpartition(".")[0]
            if target and target != module and not graph.has_edge(module, target):
                graph.add_edge(module, target, where=f"{path.relative_to(root)}:{line}")
    return graph


def import_cycles(root: Path = ROOT) -> list[str]:
    """One circle of imports per group of modules that import each other, as
    ``a -> b (file:line) -> a (file:line)``."""
    graph = module_graph(root)
    out = []
    for group in sorted(nx.strongly_connected_components(graph), key=sorted):
        if len(group) < 2:
            continue
        edges = nx.find_cycle(graph.subgraph(group), source=min(group))
        out.append(
            edges[0][0] + "".join(f" -> {b} ({graph.edges[a, b]['where']})" for a, b in edges)
        )
    return out


def test_no_talent_modules_import_each_other():
    found = import_cycles()
    assert not found, "modules import each other, directly or round a circle:\n" + "\n".join(found)


@pytest.mark.parametrize("rule", list(RULES))
def test_layer_rule(rule):
    found = offences(ROOT, *RULES[rule])
    assert not found, f"{rule}, but:\n" + "\n".join(found)


def test_the_rules_see_lazy_relative_and_package_imports(tmp_path):
    sources = tmp_path / "talent" / "sources"
    sources.mkdir(parents=True)
    (tmp_path / "talent" / "__init__.py").write_text("")
    (sources / "__init__.py").write_text("from . import base\n")
    (sources / "base.py").write_text("from talent.model import Activity\n")
    (sources / "x.py").write_text(
        "from .base import Batch\n"
        "def save(engine):\n"
        "    from ..store import open_store\n"
        "    from talent import sync\n"
        "    import streamlit as st\n"
    )
    assert imports(sources / "x.py", tmp_path) == [
        (1, "talent.sources.base"),
        (3, "talent.store"),
        (4, "talent.sync"),
        (5, "streamlit"),
    ]
    assert imports(sources / "__init__.py", tmp_path) == [(1, "talent.sources.base")]
    rule = RULES["sources import only talent.model, talent.config and talent.sources.*"]
    assert offences(tmp_path, *rule) == [
        "talent/sources/x.py:3 (talent.sources.x) imports talent.store",
        "talent/sources/x.py:4 (talent.sources.x) imports talent.sync",
    ]
    assert offences(tmp_path, *RULES["only talent/ui imports streamlit"]) == [
        "talent/sources/x.py:5 (talent.sources.x) imports streamlit"
    ]


def test_a_circle_of_imports_is_found_lazy_or_not(tmp_path):
    ui = tmp_path / "talent" / "ui"
    ui.mkdir(parents=True)
    (ui / "__init__.py").write_text("")
    (ui / "app.py").write_text("from talent.ui.widgets import sidebar\n")
    (ui / "widgets.py").write_text("def go():\n    from talent.ui import app, data\n")
    (ui / "data.py").write_text("import talent.ui.safe\n")
    (ui / "safe.py").write_text("X = 1\n")
    assert imports(ui / "widgets.py", tmp_path) == [(2, "talent.ui.app"), (2, "talent.ui.data")]
    assert import_cycles(tmp_path) == [
        "talent.ui.app -> talent.ui.widgets (talent/ui/app.py:1)"
        " -> talent.ui.app (talent/ui/widgets.py:2)"
    ]
    (ui / "widgets.py").write_text("from talent.ui import data\n")
    assert import_cycles(tmp_path) == []
