"""The computational graph of J: named intermediates, a local derivative on each edge,
and the Leibniz chain of every parameter — backpropagation as people draw it.

Naming scheme
-------------
An intermediate gets a name when it is

* an application of a function (``σ(w1·x)``, ``sin(u)``),
* a non-trivial argument of a function (the ``w1·x`` inside ``σ(w1·x)``), or
* a subexpression used in more than one place (so nothing is computed twice);

everything else stays written inside the intermediate that uses it, so
``J = (y − ŷ)²`` is one node. Names, in forward order:

* ``a₁, a₂, …`` for activations (σ, tanh, relu, softplus) and ``z₁, z₂, …`` for the
  expression feeding activation ``aₖ`` (zₖ feeds aₖ, as in the textbooks);
* ``ŷ`` for the last activation before the loss when there is exactly one (``J`` reads it
  and nothing else does);
* ``v₁, v₂, …`` for any other intermediate;
* ``J`` for the output (``L``, ``C``, … when the input already uses ``J``).

A family that collides with the user's own symbols (a symbol ``a1``) moves to another
letter (``h``, then ``act``…). In code the names are identifiers (``z1``, ``a1``,
``y_hat``); ``label`` is how people read them (``z₁``, ``a₁``, ``ŷ``).

Local derivatives come from the same reverse sweep as the gradient
(:func:`chainrule.backprop.reverse_sweep`) applied to each intermediate's own formula, and
are written with the forward value when it appears: ∂ŷ/∂z₂ = ŷ(1 − ŷ), not σ(z₂)(1 − σ(z₂)).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from chainrule.backprop.sweep import reverse_sweep
from chainrule.evaluate import evaluate
from chainrule.expr import Const, Expr, Func, Num, Symbol, free_symbols, postorder, substitute
from chainrule.functions import FUNCTIONS
from chainrule.simplify import light

__all__ = ["ACTIVATIONS", "GraphNode", "Edge", "Chain", "Graph", "build_graph", "PointValues",
           "values_at", "MAX_PATHS", "OUTPUT_NAMES", "output_name"]

# Functions read as activations in a network (a for their output, z for their input): the
# entries of the function table marked ``activation``.
ACTIVATIONS = frozenset(name for name, entry in FUNCTIONS.items() if entry.activation)
MAX_PATHS = 6     # a parameter reached along more paths has its chain written as a recurrence

_FAMILIES = {     # the letters tried, in order, for each kind of intermediate
    "a": ("a", "h", "act"),
    "z": ("z", "s", "pre"),
    "v": ("v", "t", "node"),
}
OUTPUT_NAMES = ("J", "L", "C", "E", "loss", "cost")   # the names tried, in order, for J
_SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def _label(name: str) -> str:
    if name == "y_hat":
        return "ŷ"
    head = name.rstrip("0123456789")
    return head + name[len(head):].translate(_SUBSCRIPTS)


@dataclass(frozen=True)
class GraphNode:
    """One named intermediate. ``formula`` is its expression in the names of its inputs."""

    name: str                  # identifier: z1, a1, y_hat, v1, J
    label: str                 # as people read it: z₁, a₁, ŷ, v₁, J
    expr: Expr                 # the subexpression of J it stands for
    formula: Expr              # written with its inputs' names: sigmoid(z1)
    inputs: tuple[str, ...]    # names it reads: intermediates and symbols
    kind: str                  # activation | linear | output | intermediate
    active: bool               # depends on a parameter (so a gradient flows into it)


@dataclass(frozen=True)
class Edge:
    """∂parent/∂child, in the names of the graph."""

    parent: str
    child: str
    local: Expr                # simplified for reading, forward values by name
    raw: Expr                  # straight from the sweep


@dataclass(frozen=True)
class Chain:
    """The Leibniz chain of one parameter: every path from J down to it.

    ``paths`` is empty (and ``complete`` false) when there are more than ``MAX_PATHS``;
    ``parents`` then gives the one-step recurrence ∂J/∂w = Σ ∂J/∂p · ∂p/∂w.
    """

    parameter: str
    paths: tuple[tuple[Edge, ...], ...]
    parents: tuple[Edge, ...]
    path_count: int

    @property
    def complete(self) -> bool:
        return self.path_count <= MAX_PATHS


@dataclass
class Graph:
    """The named computational graph of ``root`` with respect to the parameters ``wrt``."""

    root: Expr
    wrt: tuple[str, ...]
    nodes: tuple[GraphNode, ...]            # forward order: inputs before their users
    edges: tuple[Edge, ...]                 # parents in reverse forward order
    symbols: tuple[str, ...]                # the user's symbols, sorted
    chains: dict[str, Chain] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.by_name = {n.name: n for n in self.nodes}
        self.labels = {n.name: n.label for n in self.nodes}
        for s in self.symbols:
            self.labels.setdefault(s, s)
        self._renames: dict[Expr, Expr] = {Symbol(n.name): Symbol(n.label) for n in self.nodes
                                           if n.label != n.name}
        self._into: dict[str, list[Edge]] = {}
        self._from: dict[str, list[Edge]] = {}
        for e in self.edges:
            self._into.setdefault(e.child, []).append(e)
            self._from.setdefault(e.parent, []).append(e)

    @property
    def output(self) -> GraphNode:
        return self.nodes[-1]

    def edges_into(self, child: str) -> list[Edge]:
        return self._into.get(child, [])

    def edges_from(self, parent: str) -> list[Edge]:
        return self._from.get(parent, [])

    def pretty(self, e: Expr) -> str:
        """An expression in graph names as people read it (z₁, ŷ)."""
        return substitute(e, self._renames).pretty()

    def to_dict(self) -> dict[str, object]:
        return {
            "nodes": [{"name": n.name, "label": n.label, "kind": n.kind,
                       "formula": str(n.formula), "expr": str(n.expr),
                       "inputs": list(n.inputs), "active": n.active} for n in self.nodes],
            "edges": [{"parent": e.parent, "child": e.child, "local": str(e.local)}
                      for e in self.edges],
            "chains": {p: {"paths": [[e.parent for e in path] + [p] for path in c.paths],
                           "path_count": c.path_count,
                           "factors": [[str(e.local) for e in path] for path in c.paths]}
                       for p, c in self.chains.items()},
        }


def _family(kind: str, taken: frozenset[str]) -> str:
    for letter in _FAMILIES[kind]:
        pattern = re.compile(re.escape(letter) + r"[0-9]+\Z")
        if not any(pattern.match(s) for s in taken):
            return letter
    return _FAMILIES[kind][-1] + "_"


def output_name(taken: frozenset[str]) -> str:
    """The name the whole expression goes by: the first of :data:`OUTPUT_NAMES` that is
    not one of its symbols (``taken``)."""
    return next((n for n in OUTPUT_NAMES if n not in taken), "J_")


def _leaf(node: Expr) -> bool:
    return isinstance(node, (Symbol, Num, Const))


def build_graph(root: Expr, wrt: tuple[str, ...]) -> Graph:
    """Name the intermediates of ``root``, find each edge's local derivative and each chain."""
    taken = free_symbols(root)
    nodes = list(postorder(root))
    uses: dict[Expr, int] = {}
    for node in nodes:
        for child in node.children:
            uses[child] = uses.get(child, 0) + 1

    named: set[Expr] = {root}
    feeds_activation: dict[Expr, Expr] = {}
    for node in nodes:
        if _leaf(node):
            continue
        if isinstance(node, Func) and free_symbols(node):
            named.add(node)
            for arg in node.args:
                if not _leaf(arg):
                    named.add(arg)
                    if node.name in ACTIVATIONS:
                        feeds_activation.setdefault(arg, node)
        if uses.get(node, 0) > 1 and not all(_leaf(c) for c in node.children):
            named.add(node)

    # Names: activations and their inputs first (zₖ feeds aₖ), then the rest.
    letters = {k: _family(k, taken) for k in _FAMILIES}
    names: dict[Expr, str] = {}
    kinds: dict[Expr, str] = {}
    k = 0
    for node in nodes:
        if (node in named and isinstance(node, Func) and node.name in ACTIVATIONS
                and node is not root):
            k += 1
            names[node], kinds[node] = f"{letters['a']}{k}", "activation"
            arg = node.args[0]
            if arg in named and arg not in names and feeds_activation.get(arg) is node \
                    and not isinstance(arg, Func):
                names[arg], kinds[arg] = f"{letters['z']}{k}", "linear"
    j = 0
    for node in nodes:
        if node in named and node not in names and node is not root:
            j += 1
            names[node], kinds[node] = f"{letters['v']}{j}", "intermediate"
    out = output_name(taken)
    names[root], kinds[root] = out, "output"

    # Each named node's formula, in the names of its inputs (one bottom-up pass).
    as_input: dict[Expr, Expr] = {}
    formulas: dict[Expr, Expr] = {}
    for node in nodes:
        formula = node.rebuild(tuple(as_input[c] for c in node.children)) if node.children else node
        if node in names:
            formulas[node] = formula
            as_input[node] = Symbol(names[node])
        else:
            as_input[node] = formula

    # ŷ: the one activation that only the output reads.
    root_reads = free_symbols(formulas[root])
    read_elsewhere = set().union(*(free_symbols(f) for n, f in formulas.items() if n is not root))
    finals = [n for n in names if kinds[n] == "activation" and names[n] in root_reads]
    if len(finals) == 1 and names[finals[0]] not in read_elsewhere and "y_hat" not in taken:
        old = names[finals[0]]
        names[finals[0]] = "y_hat"
        formulas[root] = substitute(formulas[root], {Symbol(old): Symbol("y_hat")})

    params = set(wrt)
    active_names: set[str] = set(params)
    graph_nodes: list[GraphNode] = []
    for node in nodes:
        if node not in names:
            continue
        formula = formulas[node]
        inputs = _ordered_symbols(formula)
        active = any(i in active_names for i in inputs)
        if active:
            active_names.add(names[node])
        graph_nodes.append(GraphNode(names[node], _label(names[node]), node, formula, inputs,
                                     kinds[node], active))

    edges: list[Edge] = []
    for gnode in reversed(graph_nodes):
        moving = [i for i in gnode.inputs if i in active_names]
        if not gnode.active or not moving:
            continue
        sweep = reverse_sweep(gnode.formula, moving)
        me = Symbol(gnode.name)
        itself: dict[Expr, Expr] = {light(gnode.formula): me, gnode.formula: me}  # once
        for name in moving:
            raw = sweep.partials[name]
            shown = light(substitute(light(raw), itself))
            edges.append(Edge(gnode.name, name, shown, raw))

    graph = Graph(root, tuple(wrt), tuple(graph_nodes), tuple(edges), tuple(sorted(taken)))
    graph.chains = {p: _chain(graph, p) for p in wrt}
    return graph


def _ordered_symbols(e: Expr) -> tuple[str, ...]:
    """Symbol names in the order they are written."""
    seen: dict[str, None] = {}          # ordered, and a lookup is not a scan
    for node in postorder(e):
        if isinstance(node, Symbol):
            seen.setdefault(node.name, None)
    return tuple(seen)


def _chain(graph: Graph, parameter: str) -> Chain:
    parents = tuple(graph.edges_into(parameter))
    out = graph.output.name
    # Paths from the output down to each node, counted before any are listed.
    count: dict[str, int] = {out: 1}
    for edge in graph.edges:                     # parents come before their children
        count[edge.child] = count.get(edge.child, 0) + count.get(edge.parent, 0)
    total = count.get(parameter, 0)
    if total == 0 or total > MAX_PATHS:
        return Chain(parameter, (), parents, total)
    paths: list[tuple[Edge, ...]] = []
    stack: list[tuple[str, tuple[Edge, ...]]] = [(parameter, ())]
    while stack:
        name, below = stack.pop()
        if name == out:
            paths.append(below)
            continue
        for edge in reversed(graph.edges_into(name)):
            stack.append((edge.parent, (edge, *below)))
    paths.sort(key=len)
    return Chain(parameter, tuple(paths), parents, total)


# ── numbers at a point ───────────────────────────────────────────────────────
@dataclass(frozen=True)
class BackwardRow:
    """One edge of the backward pass: upstream ∂J/∂parent × local ∂parent/∂child."""

    child: str
    parent: str
    upstream: float
    local: float
    product: float


@dataclass(frozen=True)
class PointValues:
    """The forward and backward passes of the graph at one point."""

    point: dict[str, float]
    forward: dict[str, float]                # every named intermediate's value
    local: dict[tuple[str, str], float]      # (parent, child) → local derivative value
    adjoint: dict[str, float]                # ∂J/∂name for active nodes and parameters
    rows: tuple[BackwardRow, ...]            # in backward order

    @property
    def value(self) -> float:
        return self.forward[next(reversed(self.forward))]


def values_at(graph: Graph, point: Mapping[str, float]) -> PointValues:
    """Forward values, local derivative values and adjoints (raises UndefinedError)."""
    env: dict[str, float] = {k: float(v) for k, v in point.items()}
    forward: dict[str, float] = {}
    for node in graph.nodes:
        value = evaluate(node.formula, env)
        env[node.name] = forward[node.name] = value
    local: dict[tuple[str, str], float] = {}
    for edge in graph.edges:
        local[(edge.parent, edge.child)] = evaluate(edge.raw, env)
    out = graph.output.name
    adjoint: dict[str, float] = {out: 1.0}
    rows: list[BackwardRow] = []
    pending: dict[str, float] = {}
    for edge in graph.edges:  # every edge into a node comes after every edge into its parents
        up = adjoint.get(edge.parent)
        if up is None:
            up = adjoint[edge.parent] = pending.pop(edge.parent)
        lv = local[(edge.parent, edge.child)]
        product = up * lv
        rows.append(BackwardRow(edge.child, edge.parent, up, lv, product))
        pending[edge.child] = pending.get(edge.child, 0.0) + product
    for name, total in pending.items():
        adjoint.setdefault(name, total)
    for p in graph.wrt:
        adjoint.setdefault(p, 0.0)
    if not all(math.isfinite(v) for v in adjoint.values()):
        from chainrule.errors import UndefinedError
        raise UndefinedError(f"the gradient is not finite at {dict(point)}")
    return PointValues({k: float(v) for k, v in point.items()}, forward, local, adjoint,
                       tuple(rows))
