"""The package's layout, as rules a test can hold it to (docs/design.md, "Layout").

Every module under ``chainrule/`` is read with :mod:`ast` (nothing is imported) and every
import of one of the package's own modules is collected: at the top of a module, inside a
function, ``from . import x`` and other relative forms, package ``__init__`` re-exports.
Imports under ``if TYPE_CHECKING:`` do not count: they exist for annotations and never run.
Implicit loads of a parent package (``import chainrule.a.b`` runs ``chainrule/a/__init__``)
are not edges, so a package's ``__init__`` importing its own submodules is never a cycle
by itself; a submodule that imports names back from its package's ``__init__`` is.

The rules:

1. no import cycle among the package's modules, except the core's deliberate
   ``expr`` ↔ ``functions`` ↔ ``printing`` tie and lazy imports inside a result's
   documented output methods (``to_*``, ``_repr_*_``, ``render``, ``document``, ``at``, …);
2. no module imports another module's ``_private`` name;
3. only ``chainrule/verify/`` and the full simplifier import SymPy (or ``to_sympy`` methods,
   lazily);
4. renderers import only the core data modules and each other, never the engine;
5. features never import the facade, ``chainrule.api``;
6. ``import chainrule`` loads neither SymPy, rich nor click, and ``chainrule --help``
   neither SymPy nor rich.

The old module paths kept for users (:data:`SHIMS`) are pure re-exports, skipped by the
rules and imported by no module of the package.
"""

from __future__ import annotations

import ast
import subprocess
import sys
import textwrap
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "chainrule"

# Old import paths, kept working for users by re-exporting a module's new home. They hold
# nothing but ``from chainrule.… import …`` lines (test_shims_are_pure_re_exports) and the
# package itself never imports them (test_the_package_does_not_import_its_shims).
SHIMS = frozenset({
    "chainrule.codegen",        # → chainrule.backprop.program
    "chainrule.compgraph",      # → chainrule.backprop.graph
    "chainrule.descent",        # → chainrule.backprop.descent
    "chainrule.gradients",      # → chainrule.backprop.gradients
    "chainrule.mistakes",       # → chainrule.checking.mistakes
    "chainrule.sympy_bridge",   # → chainrule.verify.sympy_bridge
})

# The core's deliberate tie: an expression prints itself and looks up its functions, the
# function table builds expressions, the printers read both.
CORE_TIE = frozenset({"chainrule.expr", "chainrule.functions", "chainrule.printing"})

# Result classes whose documented output methods (these, to_* and _repr_*_) may import
# lazily what shows or extends them: the renderers, the slope, the generated program.
# Such imports are not edges of the import graph.
RESULT_CLASSES = frozenset({"Derivation", "GradResult", "CheckResult", "Descent", "Result"})
OUTPUT_METHODS = frozenset({"render", "document", "at", "program", "compile", "graph"})
# Expr's own ways of showing itself (the printers, SymPy's form).
EXPR_OUTPUT_METHODS = frozenset({"pretty", "latex", "to_sympy", "__str__"})

# Where SymPy may be imported: the proof, and the full simplifier that SymPy runs.
SYMPY_HOMES = ("chainrule.verify", "chainrule.simplify")

# What a renderer may import besides the other renderers: the data it writes (expressions,
# functions, printers, steps, let-forms, errors), the numbers (evaluate: number_text), the
# light simplifier (light, and sharing, its memo for a whole document; not the full
# simplifier, which runs SymPy). The engine (differentiate, verify, checking, backprop,
# slope, api, …) never: what a renderer needs from it comes in on the result.
RENDER_MAY_IMPORT = frozenset({
    "chainrule.expr", "chainrule.functions", "chainrule.printing", "chainrule.steps",
    "chainrule.letform", "chainrule.errors", "chainrule.evaluate",
    "chainrule.reading",   # how the text was read: the "read as" line of every document
})
RENDER_MAY_IMPORT_NAMES = {"chainrule.simplify": frozenset({"light", "sharing"})}

# The features, which the facade (chainrule.api) calls and which never call it back; with
# them the pipeline behind diff (chainrule.derivation), which the facade calls too.
FEATURES = ("chainrule.backprop", "chainrule.checking", "chainrule.verify",
            "chainrule.slope", "chainrule.recognise", "chainrule.plot", "chainrule.render",
            "chainrule.derivation")


@dataclass(frozen=True)
class Import:
    """One import in one module: ``name`` from ``target`` (``name`` is None for
    ``import target``), at ``line``, inside ``method`` of ``cls`` (None at module level),
    inside function ``function`` (innermost; None at module level)."""

    source: str
    path: Path
    line: int
    target: str
    name: str | None
    cls: str | None
    method: str | None
    function: str | None

    @property
    def where(self) -> str:
        place = f"{self.path.relative_to(ROOT)}:{self.line}"
        if self.function is not None:
            scope = f"{self.cls}.{self.method}" if self.method else self.function
            place += f" (in {scope})"
        return place

    def __str__(self) -> str:
        what = self.target if self.name is None else f"{self.name} from {self.target}"
        return f"{self.where} imports {what}"


@dataclass(frozen=True)
class PrivateRead:
    """``module._name`` read through an imported module object."""

    source: str
    path: Path
    line: int
    module: str
    name: str

    def __str__(self) -> str:
        return (f"{self.path.relative_to(ROOT)}:{self.line} reads {self.name} "
                f"of {self.module}")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


@cache
def module_files() -> dict[str, Path]:
    """Every module of the package, shims included: dotted name → file."""
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))
            if "__pycache__" not in p.parts}


def is_package(module: str) -> bool:
    return module_files()[module].name == "__init__.py"


def is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def is_type_checking(test: ast.expr) -> bool:
    return ((isinstance(test, ast.Name) and test.id == "TYPE_CHECKING")
            or (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"))


class _Collector(ast.NodeVisitor):
    """The imports of one module (all of them, the package's own and others'), and the
    private names it reads from module objects it imported."""

    def __init__(self, module: str, path: Path) -> None:
        self.module, self.path = module, path
        # The package a relative import is relative to.
        self.package = module if path.name == "__init__.py" else module.rpartition(".")[0]
        self.scopes: list[tuple[str, str]] = []   # ("class" | "def", name), outermost first
        self.imports: list[Import] = []
        self.aliases: dict[str, str] = {}         # local name → package module it binds
        self.private_reads: list[PrivateRead] = []

    # -- scopes
    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self._scoped("class", node)

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        self._scoped("def", node)

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> None:
        self._scoped("def", node)

    def _scoped(self, kind: str, node: ast.ClassDef | ast.FunctionDef
                | ast.AsyncFunctionDef) -> None:
        self.scopes.append((kind, node.name))
        self.generic_visit(node)
        self.scopes.pop()

    def visit_If(self, node: ast.If) -> None:
        if is_type_checking(node.test):   # for annotations only: never runs
            for stmt in node.orelse:
                self.visit(stmt)
            return
        self.generic_visit(node)

    # -- imports
    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self._add(node, alias.name, None)
            if alias.name.startswith("chainrule"):
                if alias.asname:
                    self.aliases[alias.asname] = alias.name
                else:
                    self.aliases["chainrule"] = "chainrule"

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        base = node.module or ""
        if node.level:
            anchor = self.package.split(".")
            if node.level > 1:
                anchor = anchor[: -(node.level - 1)]
            base = ".".join(anchor + ([base] if base else []))
        for alias in node.names:
            sub = f"{base}.{alias.name}"
            if base.startswith("chainrule") and sub in module_files():
                self._add(node, sub, None)   # ``from package import submodule``
                self.aliases[alias.asname or alias.name] = sub
            else:
                self._add(node, base, alias.name)

    def _add(self, node: ast.stmt, target: str, name: str | None) -> None:
        cls = method = function = None
        defs = [i for i, (kind, _) in enumerate(self.scopes) if kind == "def"]
        if defs:
            function = self.scopes[defs[-1]][1]
            classes = [i for i, (kind, _) in enumerate(self.scopes) if kind == "class"]
            if classes and classes[-1] + 1 < len(self.scopes) \
                    and self.scopes[classes[-1] + 1][0] == "def":
                cls = self.scopes[classes[-1]][1]
                method = self.scopes[classes[-1] + 1][1]
        self.imports.append(Import(self.module, self.path, node.lineno, target, name,
                                   cls, method, function))

    # -- module._private
    def visit_Attribute(self, node: ast.Attribute) -> None:
        dotted = _dotted(node.value)
        if dotted is not None and is_private(node.attr):
            head, _, rest = dotted.partition(".")
            if head in self.aliases:
                module = self.aliases[head] + ("." + rest if rest else "")
                if module in module_files() and module != self.module:
                    self.private_reads.append(PrivateRead(self.module, self.path,
                                                          node.lineno, module, node.attr))
        self.generic_visit(node)


def _dotted(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        inner = _dotted(node.value)
        return None if inner is None else f"{inner}.{node.attr}"
    return None


@cache
def _collected(module: str) -> _Collector:
    path = module_files()[module]
    collector = _Collector(module, path)
    collector.visit(ast.parse(path.read_text(encoding="utf-8"), str(path)))
    return collector


def modules() -> list[str]:
    """The package's modules the rules apply to: all but the shims."""
    return [m for m in module_files() if m not in SHIMS]


def imports() -> Iterator[Import]:
    """Every run-time import in the package's modules (shims skipped)."""
    for module in modules():
        yield from _collected(module).imports


def own_imports() -> Iterator[Import]:
    """The imports of the package's own modules."""
    return (i for i in imports() if i.target == "chainrule" or i.target.startswith("chainrule."))


def within(module: str, prefixes: Iterable[str]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def require_none(found: Iterable[object], rule: str) -> None:
    """Fail with ``rule`` and one line per offending import (module:line, name)."""
    found = list(found)
    if found:
        pytest.fail(rule + ":\n" + "\n".join(f"  {f}" for f in found), pytrace=False)


# --------------------------------------------------------------------------------------
# The reading itself

def test_the_reader_sees_every_kind_of_import() -> None:
    seen = {(i.source, i.target, i.name, i.method) for i in imports()}
    # A function-level import inside an output method, with its class.
    assert ("chainrule.results", "chainrule.render.formats", "render", "render") in seen
    # A package __init__'s re-export.
    assert ("chainrule.verify", "chainrule.verify.derivative", "Verification", None) in seen
    # TYPE_CHECKING blocks are skipped.
    assert not any(i.source == "chainrule.results" and i.target == "chainrule.render.document"
                   for i in imports())


def test_relative_imports_are_resolved() -> None:
    def collect(module: str, source: str) -> set[tuple[str, str | None]]:
        path = module_files()[module]
        collector = _Collector(module, path)
        collector.visit(ast.parse(textwrap.dedent(source)))
        return {(i.target, i.name) for i in collector.imports}

    assert collect("chainrule.render.plain", """
        from . import json
        from .document import Document
        from .. import expr
        from ..verify import Verification
    """) == {("chainrule.render.json", None), ("chainrule.render.document", "Document"),
             ("chainrule.expr", None), ("chainrule.verify", "Verification")}
    assert collect("chainrule.verify", "from .equivalence import equal") \
        == {("chainrule.verify.equivalence", "equal")}


def test_shims_are_pure_re_exports() -> None:
    for shim in sorted(SHIMS):
        path = module_files()[shim]
        body = ast.parse(path.read_text(encoding="utf-8")).body
        if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
            body = body[1:]   # the docstring
        for stmt in body:
            assert isinstance(stmt, ast.ImportFrom) and (stmt.module or "").startswith(
                "chainrule."), (f"{path.relative_to(ROOT)}:{stmt.lineno}: a shim only "
                                "re-exports its module's new home")


def test_the_package_does_not_import_its_shims() -> None:
    require_none((i for i in own_imports() if i.target in SHIMS),
                 "the old module paths are for users; the package imports the new homes")


# --------------------------------------------------------------------------------------
# 1. No import cycle

def _exempt_from_cycles(i: Import) -> bool:
    if i.source in CORE_TIE and i.target in CORE_TIE:
        return True
    if i.method is None:
        return False
    if i.cls in RESULT_CLASSES:
        return (i.method in OUTPUT_METHODS or i.method.startswith("to_")
                or (i.method.startswith("_repr_") and i.method.endswith("_")))
    return i.cls == "Expr" and i.source == "chainrule.expr" and i.method in EXPR_OUTPUT_METHODS


def import_graph() -> dict[str, dict[str, list[Import]]]:
    """module → module it imports → the imports that make the edge."""
    graph: dict[str, dict[str, list[Import]]] = {m: {} for m in modules()}
    for i in own_imports():
        if i.target in graph and i.target != i.source and not _exempt_from_cycles(i):
            graph[i.source].setdefault(i.target, []).append(i)
    return graph


def strongly_connected(graph: dict[str, dict[str, list[Import]]]) -> list[list[str]]:
    """Tarjan's algorithm (iterative): the components with more than one module."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []
    for root in graph:
        if root in index:
            continue
        work: list[tuple[str, Iterator[str]]] = [(root, iter(graph[root]))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(graph[child])))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        components.append(sorted(component))
    return components


def test_tarjan_finds_cycles() -> None:
    edge: list[Import] = []
    graph = {"a": {"b": edge}, "b": {"c": edge}, "c": {"a": edge, "d": edge}, "d": {},
             "e": {"d": edge, "f": edge}, "f": {"e": edge}}
    assert sorted(strongly_connected(graph)) == [["a", "b", "c"], ["e", "f"]]


def test_no_import_cycles() -> None:
    graph = import_graph()
    cycles = []
    for component in strongly_connected(graph):
        members = set(component)
        edges = [i for m in component for t, made in sorted(graph[m].items()) if t in members
                 for i in made]
        cycles.append("import cycle among " + ", ".join(component) + ", made by:\n"
                      + "\n".join(f"    {i}" for i in edges))
    require_none(cycles, "no import cycles (lazy imports count, except inside a result's "
                 "output methods)")


def test_the_cycle_exemptions_name_real_classes() -> None:
    defined = {node.name for m in modules()
               for node in ast.walk(ast.parse(module_files()[m].read_text(encoding="utf-8")))
               if isinstance(node, ast.ClassDef)}
    assert RESULT_CLASSES | {"Expr"} <= defined, RESULT_CLASSES - defined


# --------------------------------------------------------------------------------------
# 2. No private names of other modules

def test_no_module_imports_another_modules_private_names() -> None:
    found: list[object] = [i for i in own_imports()
                           if i.name is not None and is_private(i.name)]
    found += [r for m in modules() for r in _collected(m).private_reads]
    require_none(found, "a module's _private names are its own; make the name public "
                 "where it is defined")


# --------------------------------------------------------------------------------------
# 3. SymPy stays in verify/ and the full simplifier

def test_only_verify_and_the_full_simplifier_import_sympy() -> None:
    found = [i for i in imports()
             if i.target.split(".")[0] == "sympy" and not within(i.source, SYMPY_HOMES)
             and i.function != "to_sympy"]
    require_none(found, "SymPy is imported only in chainrule/verify/ and "
                 "chainrule/simplify.py (or lazily in a to_sympy method)")


# --------------------------------------------------------------------------------------
# 4. Renderers never import the engine

def test_renderers_never_import_the_engine() -> None:
    def allowed(i: Import) -> bool:
        return (within(i.target, ["chainrule.render"]) or i.target in RENDER_MAY_IMPORT
                or i.name in RENDER_MAY_IMPORT_NAMES.get(i.target, frozenset()))

    found = [i for i in own_imports()
             if within(i.source, ["chainrule.render"]) and not allowed(i)]
    require_none(found, "renderers import the core data modules and each other; what they "
                 "need from the engine comes in on the result")


# --------------------------------------------------------------------------------------
# 5. Features never import the facade

def test_features_never_import_the_facade() -> None:
    require_none((i for i in own_imports()
                  if within(i.source, FEATURES) and i.target == "chainrule.api"),
                 "chainrule.api calls the features, never the reverse (a TYPE_CHECKING "
                 "import for annotations is fine)")


# --------------------------------------------------------------------------------------
# 6. What importing costs

def _loaded_after(code: str) -> list[str]:
    probe = code + textwrap.dedent("""
        import sys
        print(" ".join(m for m in ("sympy", "rich", "click") if m in sys.modules))
    """)
    run = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         cwd=ROOT, timeout=60, check=False)
    assert run.returncode == 0, run.stderr
    return run.stdout.splitlines()[-1].split() if run.stdout.strip() else []


def test_import_chainrule_loads_neither_sympy_rich_nor_click() -> None:
    assert _loaded_after("import chainrule\n") == []


def test_the_command_lines_help_loads_neither_sympy_nor_rich() -> None:
    loaded = _loaded_after(textwrap.dedent("""
        import contextlib, io, runpy, sys
        sys.argv = ["chainrule", "--help"]
        with contextlib.redirect_stdout(io.StringIO()):
            try:
                runpy.run_module("chainrule", run_name="__main__", alter_sys=True)
            except SystemExit as exit:
                assert exit.code in (0, None), exit.code
    """))
    assert "sympy" not in loaded and "rich" not in loaded, loaded
