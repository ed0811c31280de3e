"""The package layering, read from the source with `ast` (nothing is imported).

Imports flow one way: states → models → documents → workflows → api. A module may import only from its
own package and those to its left (`states` imports nothing of the project). And no module reaches itself
again through its imports, seen two ways:
- as dependencies: every import counts, wherever it is (module level, in a function, under TYPE_CHECKING);
  an import inside a function hides a cycle, it does not remove it;
- as Python runs them: what runs when a module is first imported (module level, not under TYPE_CHECKING),
  and before any module of a package, that package's __init__. A cycle there is an ImportError
  ("partially initialized module") for a command that imports the wrong module first, while the tests,
  which happen to import another one first, pass.

`import a.b.c` depends on a.b.c; `from a.b import c` on the package a.b, and on a.b.c too when that is a
module; relative imports are resolved first. A module's own packages have started importing before it
runs: `from . import audit` inside workflows/engine/ depends on audit only, and importing
workflows.engine.x from there does not run workflows/engine/__init__.py again. Importing a *name* from
one's own package (`from workflows.engine import fire` inside workflows/engine/) depends on its __init__.
"""

import ast
import itertools
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ("states", "models", "documents", "workflows", "api")

# Known violations in the current tree, as "path imports module" (what str(Import) gives) or
# "a -> b -> a" (what str(Cycle) gives); empty when the tree is clean. Each entry is a debt, not a
# permission: fix the import and delete its line. A line that no longer matches anything fails too.
KNOWN_LAYER_VIOLATIONS: frozenset[str] = frozenset()
KNOWN_CYCLES: frozenset[str] = frozenset()
KNOWN_IMPORT_TIME_CYCLES: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Import:
    source: str  # the importing module, dotted
    target: str  # the imported module, dotted
    path: Path  # the importing file, relative to the root
    line: int
    on_load: bool = True  # runs when the module is first imported (module level, not under TYPE_CHECKING)
    via: str | None = None  # for a package's __init__ run first: the module the statement imports

    def __str__(self) -> str:
        return f"{self.path} imports {self.target}"

    def step(self) -> str:
        if self.via:
            init = Path(*self.target.split("."), "__init__.py")
            return f"{self.path}:{self.line} imports {self.via}, which runs {init} first"
        return f"{self.path}:{self.line} imports {self.target}"


def module_name(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def project_files(root: Path) -> dict[str, Path]:
    """Every module of the packages, by dotted name."""
    return {module_name(root, path): path for package in LAYERS for path in sorted((root / package).rglob("*.py"))}


def _is_module(root: Path, dotted: str) -> bool:
    base = root.joinpath(*dotted.split("."))
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


def _resolve_relative(module: str, is_package: bool, level: int, name: str | None) -> str:
    package = module.split(".") if is_package else module.split(".")[:-1]
    if level - 1 >= len(package):
        raise ValueError(f"relative import beyond the top-level package in {module}")
    base = package[: len(package) - (level - 1)]
    return ".".join([*base, *([name] if name else [])])


def _import_nodes(tree: ast.Module) -> Iterator[tuple[ast.Import | ast.ImportFrom, bool]]:
    """Every import statement, wherever it is, and whether it runs when the module is first imported."""
    stack: list[tuple[ast.AST, bool]] = [(tree, True)]
    while stack:
        node, on_load = stack.pop()
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node, on_load
            continue
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            on_load = False
        if isinstance(node, ast.If) and ast.unparse(node.test) in ("TYPE_CHECKING", "typing.TYPE_CHECKING"):
            stack.extend((child, False) for child in node.body)
            stack.extend((child, on_load) for child in node.orelse)
            stack.append((node.test, on_load))
            continue
        stack.extend((child, on_load) for child in ast.iter_child_nodes(node))


def imports_of(root: Path, path: Path) -> Iterator[Import]:
    """Every import in the file, wherever it is (module level, functions, classes, branches)."""
    module = module_name(root, path)
    rel = path.relative_to(root)
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node, on_load in sorted(_import_nodes(tree), key=lambda n: n[0].lineno):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(module, alias.name, rel, node.lineno, on_load)
            continue
        if node.level:
            base = _resolve_relative(module, path.name == "__init__.py", node.level, node.module)
        else:
            base = node.module or ""
        submodules = [f"{base}.{a.name}" for a in node.names if a.name != "*" and _is_module(root, f"{base}.{a.name}")]
        own_package = module == base or module.startswith(base + ".")
        if not own_package or len(submodules) < len(node.names):
            yield Import(module, base, rel, node.lineno, on_load)
        for submodule in submodules:
            yield Import(module, submodule, rel, node.lineno, on_load)


def _layer(dotted: str) -> int:
    """Where the module's package stands in LAYERS; -1 for anything else (standard library, third parties)."""
    top = dotted.split(".", 1)[0]
    return LAYERS.index(top) if top in LAYERS else -1


def project_imports(root: Path) -> list[Import]:
    """The imports between project modules."""
    return [i for path in project_files(root).values() for i in imports_of(root, path) if _layer(i.target) >= 0]


def on_load(imports: Iterable[Import]) -> list[Import]:
    """What runs when modules are first imported: their module-level imports, and before each imported
    module the __init__ of every package above it that the importer is not itself inside."""
    found = []
    for imp in imports:
        if not imp.on_load:
            continue
        found.append(imp)
        parts = imp.target.split(".")
        for n in range(1, len(parts)):
            package = ".".join(parts[:n])
            if not (imp.source == package or imp.source.startswith(package + ".")):
                found.append(Import(imp.source, package, imp.path, imp.line, True, via=imp.target))
    return found


def layer_violations(imports: Iterable[Import]) -> list[Import]:
    """Imports of a package to the right of the importer's own in LAYERS (`from models import db`
    reported once, as models.db)."""
    bad = [i for i in imports if _layer(i.target) > _layer(i.source)]
    named = {(i.path, i.line, i.target) for i in bad}
    bad = [i for i in bad if not any(p == i.path and n == i.line and t.startswith(i.target + ".") for p, n, t in named)]
    return sorted(bad, key=lambda i: (str(i.path), i.line, i.target))


def _graph(imports: Iterable[Import]) -> dict[str, dict[str, Import]]:
    """module → {imported module → the first import statement that imports it}."""
    graph: dict[str, dict[str, Import]] = {}
    for imp in sorted(imports, key=lambda i: (str(i.path), i.line)):
        graph.setdefault(imp.source, {})
        if imp.target != imp.source:
            graph[imp.source].setdefault(imp.target, imp)
    return graph


def _reachable(graph: Mapping[str, Mapping[str, Import]], start: str) -> set[str]:
    seen: set[str] = set()
    todo = list(graph.get(start, {}))
    while todo:
        node = todo.pop()
        if node not in seen:
            seen.add(node)
            todo.extend(graph.get(node, {}))
    return seen


def _shortest_cycle(graph: Mapping[str, Mapping[str, Import]], start: str) -> list[str]:
    """The shortest path start → … → start (breadth first)."""
    previous: dict[str, str] = {}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for child in sorted(graph.get(node, {})):
                if child == start:
                    path = [node]
                    while path[-1] != start:
                        path.append(previous[path[-1]])
                    return [*reversed(path), start]
                if child not in previous:
                    previous[child] = node
                    following.append(child)
        frontier = following
    raise AssertionError(f"no path from {start} back to itself")


@dataclass(frozen=True, slots=True)
class Cycle:
    modules: tuple[str, ...]  # first == last
    steps: tuple[Import, ...]

    def __str__(self) -> str:
        return " -> ".join(self.modules)

    def explain(self) -> str:
        return str(self) + "".join(f"\n    {s.step()}" for s in self.steps)


def cycles(imports: Iterable[Import]) -> list[Cycle]:
    """One cycle for each group of modules that reach each other, with the import behind each step."""
    graph = _graph(imports)
    reach = {module: _reachable(graph, module) for module in graph}
    grouped: set[str] = set()
    found = []
    for module in sorted(graph):
        if module in grouped or module not in reach[module]:
            continue
        grouped |= {other for other in reach[module] if module in reach.get(other, ())}
        path = _shortest_cycle(graph, module)
        found.append(Cycle(tuple(path), tuple(graph[a][b] for a, b in itertools.pairwise(path))))
    return found


def unexpected(found: Mapping[str, str], known: frozenset[str], what: str) -> list[str]:
    """What the tree has that the allow-list does not (explained), and allow-list lines it no longer has."""
    problems = [f"{what}: {found[key]}" for key in sorted(found.keys() - known)]
    problems += [
        f"allow-listed {what} no longer in the tree, delete its line: {key}" for key in sorted(known - found.keys())
    ]
    return problems


# -- the real tree ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tree_imports() -> list[Import]:
    return project_imports(ROOT)


def _assert_clean(found: Mapping[str, str], known: frozenset[str], what: str) -> None:
    problems = unexpected(found, known, what)
    assert not problems, "\n".join(problems)


def test_every_package_imports_only_from_its_left(tree_imports: list[Import]) -> None:
    found = {str(i): f"{i.step()} (imports flow {' → '.join(LAYERS)})" for i in layer_violations(tree_imports)}
    _assert_clean(found, KNOWN_LAYER_VIOLATIONS, "import against the layering")


def test_no_import_cycles(tree_imports: list[Import]) -> None:
    _assert_clean({str(c): c.explain() for c in cycles(tree_imports)}, KNOWN_CYCLES, "import cycle")


def test_no_import_cycles_when_python_imports_the_modules(tree_imports: list[Import]) -> None:
    found = {str(c): c.explain() for c in cycles(on_load(tree_imports))}
    _assert_clean(found, KNOWN_IMPORT_TIME_CYCLES, "import-time cycle")


def test_the_tree_is_read_at_all(tree_imports: list[Import]) -> None:
    """The checks above would pass on an empty list: make sure the walk sees edges the tree has."""
    edges = {(i.source, i.target) for i in tree_imports}
    assert ("workflows.engine", "workflows.engine.transition") in edges
    assert any(s.startswith("api.") and t.startswith("workflows.") for s, t in edges)
    assert len(project_files(ROOT)) > 50


# -- the detector itself, on a small tree that breaks every rule --------------------------------------------


def _tree(root: Path, files: Mapping[str, str]) -> Path:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    return root


@pytest.fixture
def broken_tree(tmp_path: Path) -> Path:
    return _tree(
        tmp_path,
        {
            "states/__init__.py": "",
            "states/enums.py": "import enum\n",
            # states may import nothing of the project, even inside a function
            "states/table.py": "from states import enums\n\n\ndef late():\n    from models import db\n",
            "models/__init__.py": "",
            "models/db.py": "import sqlalchemy\nfrom states.enums import *\n",
            # a cycle through a relative import and a function-level one: a → b → a
            "models/a.py": "from . import b\n",
            "models/b.py": "def f():\n    from models.a import thing\n",
            # a name from the package's own __init__, which imports the module: documents → render → documents
            "documents/__init__.py": "from documents.render import render\n",
            "documents/fonts.py": "",
            "documents/render.py": "from models import db\nfrom documents import fonts, SERIF\n",
            "workflows/__init__.py": "",
            "workflows/engine/__init__.py": "from workflows.engine.transition import fire\n",
            "workflows/engine/transition.py": "from workflows.engine import audit\n",
            "workflows/engine/audit.py": "from ..clocks import sweep\n",
            "workflows/clocks/__init__.py": "",
            # a longer cycle through a package __init__: engine → transition → audit → sweep → engine
            "workflows/clocks/sweep.py": "from workflows.engine import fire\n",
            "api/__init__.py": "",
            "api/app.py": "import workflows.engine.transition\nfrom api import app\n",
        },
    )


def test_the_detector_resolves_imports(broken_tree: Path) -> None:
    targets = {(i.source, i.target) for i in project_imports(broken_tree)}
    assert ("models.a", "models.b") in targets  # from . import b
    assert ("models.a", "models") not in targets  # its own package, a submodule only
    assert ("documents.render", "documents") in targets  # its own package, but a name in its __init__
    assert ("documents.render", "documents.fonts") in targets
    assert ("workflows.clocks.sweep", "workflows.engine") in targets  # the package ...
    assert ("workflows.clocks.sweep", "workflows.engine.fire") not in targets  # ... fire is a name in it
    assert ("workflows.engine.transition", "workflows.engine.audit") in targets  # audit is a module
    assert ("workflows.engine.transition", "workflows.engine") not in targets
    assert ("workflows.engine.audit", "workflows.clocks") in targets  # from ..clocks import sweep
    assert ("workflows.engine.audit", "workflows.clocks.sweep") in targets
    assert ("api.app", "workflows.engine.transition") in targets  # import a.b.c
    assert ("api.app", "workflows.engine") not in targets  # (its parents run too, but are no edge)
    assert not any(t.startswith("sqlalchemy") for _, t in targets)


def test_the_detector_catches_a_right_to_left_import(broken_tree: Path) -> None:
    bad = [i.step() for i in layer_violations(project_imports(broken_tree))]
    assert bad == ["states/table.py:5 imports models.db"]
    with pytest.raises(AssertionError, match=r"states/table\.py:5 imports models\.db \(imports flow states → models"):
        test_every_package_imports_only_from_its_left(project_imports(broken_tree))


def test_the_detector_catches_cycles(broken_tree: Path) -> None:
    found = cycles(project_imports(broken_tree))
    assert sorted(str(c) for c in found) == [
        "documents -> documents.render -> documents",
        "models.a -> models.b -> models.a",
        "workflows.clocks.sweep -> workflows.engine -> workflows.engine.transition -> workflows.engine.audit"
        " -> workflows.clocks.sweep",
    ]
    ab = next(c for c in found if c.modules[0] == "models.a")
    assert (
        ab.explain() == "models.a -> models.b -> models.a\n    models/a.py:1 imports models.b\n"
        "    models/b.py:2 imports models.a"
    )
    with pytest.raises(AssertionError, match=r"models/b\.py:2 imports models\.a"):
        test_no_import_cycles(project_imports(broken_tree))


@pytest.fixture
def package_tree(tmp_path: Path) -> Path:
    return _tree(
        tmp_path,
        {
            # no module names one that names it back, yet importing models.outbox first fails
            "models/__init__.py": "",
            "models/store/__init__.py": "from models.store.core import save\n",
            "models/store/core.py": "from models import outbox\n",
            "models/store/events.py": "",
            "models/outbox.py": "from models.store.events import record\n",
            # a package whose __init__ names its modules only for the type checker or on first use
            "workflows/__init__.py": "",
            "workflows/engine/__init__.py": "from typing import TYPE_CHECKING\n\nif TYPE_CHECKING:\n"
            "    from workflows.engine.transition import fire\n\n\ndef __getattr__(name):\n"
            "    from workflows.engine import transition\n\n    return getattr(transition, name)\n",
            "workflows/engine/write.py": "",
            "workflows/engine/transition.py": "from workflows.stages import base\nfrom workflows.engine import write\n",
            "workflows/stages/__init__.py": "",
            "workflows/stages/base.py": "from workflows.engine.write import append\n",
        },
    )


def test_the_detector_runs_package_inits_as_python_does(package_tree: Path) -> None:
    imports = project_imports(package_tree)
    assert {(i.source, i.target, i.on_load) for i in imports if i.source == "workflows.engine"} == {
        ("workflows.engine", "workflows.engine.transition", False)
    }
    assert cycles(imports) == []
    found = cycles(on_load(imports))
    assert [c.explain() for c in found] == [
        "models.outbox -> models.store -> models.store.core -> models.outbox"
        "\n    models/outbox.py:1 imports models.store.events, which runs models/store/__init__.py first"
        "\n    models/store/__init__.py:1 imports models.store.core"
        "\n    models/store/core.py:1 imports models.outbox"
    ]
    with pytest.raises(AssertionError, match=r"import-time cycle: models\.outbox -> models\.store"):
        test_no_import_cycles_when_python_imports_the_modules(imports)


def test_the_allow_list_covers_exactly_what_it_names() -> None:
    found = {"a -> b -> a": "a -> b -> a (explained)", "c -> d -> c": "c -> d -> c (explained)"}
    assert unexpected(found, frozenset({"a -> b -> a", "gone -> x -> gone"}), "import cycle") == [
        "import cycle: c -> d -> c (explained)",
        "allow-listed import cycle no longer in the tree, delete its line: gone -> x -> gone",
    ]
