"""The expression tree: immutable, hash-consed nodes that keep the form the user wrote.

Every node is a frozen dataclass. Construction goes through an intern table, so two
structurally equal expressions are the *same* object: equality and hashing are O(1)
identity operations, equal subexpressions share one node, and memoising work per node
(differentiation, printing, conversion) is a dictionary lookup.

    >>> from chainrule.expr import Symbol, Num, Pow
    >>> Pow(Symbol("x"), Num(2)) is Pow(Symbol("x"), Num(2))
    True

No algorithm over these trees may recurse: trees 10 000 levels deep are normal input.
Use :func:`postorder` to visit children before parents.
"""

from __future__ import annotations

import gc
import sys
import weakref
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

__all__ = [
    "Expr", "Num", "Symbol", "Const", "Add", "Neg", "Mul", "Div", "Pow", "Func",
    "postorder", "free_symbols", "depends_on", "substitute", "node_count", "depth",
    "ZERO", "ONE", "TWO", "NEG_ONE", "num", "fraction",
]

_WEAKREF = {"weakref_slot": True} if sys.version_info >= (3, 11) else {}
_NO_SYMBOLS: frozenset[str] = frozenset()


# key (class, *arguments) → weak reference to the node. A node lives as long as someone
# holds it, and its entry goes with it. Single reads and writes of a dict are atomic.
_TABLE: dict[tuple[Any, ...], Any] = {}


class _Entry(weakref.ref[Any]):
    """The table's weak reference to a node, which knows the node's key."""

    __slots__ = ("key",)
    key: tuple[Any, ...]


def _forget(entry: _Entry) -> None:
    """The callback of a node's entry when the node goes: the entry leaves the table."""
    key = entry.key
    if _TABLE.get(key) is entry:
        del _TABLE[key]


class _Interned(type):
    """Metaclass that returns the existing node for structurally equal arguments.

    Classes whose arguments, as the caller writes them, are already their normal form
    (``_verbatim``) are looked up before normalising: the common case, a node that
    exists, costs one dictionary lookup. Each new node records its free symbols.
    """

    # What the metaclass reads from the classes it makes (see Expr and __init__ below).
    _verbatim: bool
    _normalises: bool
    _normalise: Callable[..., Any]

    def __call__(cls, *args: Any) -> Any:
        if cls._verbatim:
            key: tuple[Any, ...] = (cls, *args)
            try:
                entry = _TABLE.get(key)
            except TypeError:  # unhashable arguments (a list of terms): normalise first
                entry = None
            if entry is not None:
                node = entry()
                if node is not None:
                    return node
        if cls._normalises:
            args = cls._normalise(*args)
            if args.__class__ is not tuple:  # the normaliser returned a finished node
                return args
            key = (cls, *args)
            entry = _TABLE.get(key)
            if entry is not None:
                node = entry()
                if node is not None:
                    return node
        return _create(cls, key, args)

    def __init__(cls, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cls._normalises = "_normalise" in cls.__dict__


def _create(cls: Any, key: tuple[Any, ...], args: tuple[Any, ...]) -> Any:
    """Make the node ``cls(*args)``, whose normal form ``key`` is not in the table, and
    enter it; if another thread entered one meanwhile, that one is returned."""
    node = type.__call__(cls, *args)
    kids = node.children
    if not kids:
        free = frozenset((node.name,)) if cls is Symbol else _NO_SYMBOLS
    else:
        free = kids[0]._free
        for kid in kids[1:]:
            other = kid._free
            if other is not free and not other <= free:
                free = free | other if free else other
    object.__setattr__(node, "_free", free)
    entry = _Entry(node, _forget)
    entry.key = key
    found = _TABLE.setdefault(key, entry)()
    if found is None:  # a dead entry whose callback has not run yet
        _TABLE[key] = entry
        return node
    return found


def from_key(key: tuple[Any, ...]) -> Any:
    """The node ``key[0](*key[1:])`` for a ``key`` already in normal form, as a parser
    builds it: a product of two or more factors, a power, a quotient. One dictionary
    lookup for a node that exists; no normalising for one that does not.

        >>> from_key((Mul, (Num(2), Symbol("x")))) is Mul((Num(2), Symbol("x")))
        True
    """
    entry = _TABLE.get(key)
    if entry is not None:
        node = entry()
        if node is not None:
            return node
    return _create(key[0], key, key[1:])


_DC = dict(frozen=True, slots=True, eq=False, repr=False, **_WEAKREF)


class Expr(metaclass=_Interned):
    """Base class of all expression nodes. Children are in ``children``."""

    __slots__ = ("_free",) if _WEAKREF else ("_free", "__weakref__")
    _verbatim = True  # see _Interned
    _free: frozenset[str]  # the names of its symbols, set when the node is made

    @classmethod
    def _normalise(cls, *args: Any) -> Any:
        return args

    @property
    def children(self) -> tuple[Expr, ...]:
        return ()

    def rebuild(self, children: tuple[Expr, ...]) -> Expr:
        """The same kind of node with new children."""
        return self

    def __reduce__(self) -> Any:
        """Pickled as flat tables, never by recursion: ``pickle`` of a 10 000-deep chain
        would otherwise exceed the recursion limit (see "pickling" below)."""
        return _reduce(self)

    def __copy__(self) -> Expr:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> Expr:
        """Nodes are immutable and interned: a copy is the node itself."""
        return self

    def _args(self) -> tuple[Any, ...]:
        raise NotImplementedError

    def __str__(self) -> str:
        from chainrule.printing import to_python
        return to_python(self)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self)!r})"

    def _repr_latex_(self) -> str:
        from chainrule.printing import to_latex
        return f"${to_latex(self)}$"

    def pretty(self) -> str:
        """Unicode math: ``2x·cos(x²)``."""
        from chainrule.printing import to_unicode
        return to_unicode(self)

    def latex(self) -> str:
        from chainrule.printing import to_latex
        return to_latex(self)

    def to_sympy(self) -> Any:
        from chainrule.verify.sympy_bridge import to_sympy
        return to_sympy(self, real=False)

    @property
    def free_symbols(self) -> frozenset[str]:
        return free_symbols(self)

    # Operators make the API pleasant: ``x**2 + sin(x)`` built in Python.
    def __add__(self, other: Any) -> Expr:
        return Add((self, _coerce(other)))

    def __radd__(self, other: Any) -> Expr:
        return Add((_coerce(other), self))

    def __sub__(self, other: Any) -> Expr:
        return Add((self, Neg(_coerce(other))))

    def __rsub__(self, other: Any) -> Expr:
        return Add((_coerce(other), Neg(self)))

    def __mul__(self, other: Any) -> Expr:
        return Mul((self, _coerce(other)))

    def __rmul__(self, other: Any) -> Expr:
        return Mul((_coerce(other), self))

    def __truediv__(self, other: Any) -> Expr:
        return Div(self, _coerce(other))

    def __rtruediv__(self, other: Any) -> Expr:
        return Div(_coerce(other), self)

    def __pow__(self, other: Any) -> Expr:
        return Pow(self, _coerce(other))

    def __rpow__(self, other: Any) -> Expr:
        return Pow(_coerce(other), self)

    def __neg__(self) -> Expr:
        return Neg(self)


def _coerce(value: Any) -> Expr:
    if isinstance(value, Expr):
        return value
    if isinstance(value, (int, Fraction)) and not isinstance(value, bool):
        return Num(value)
    raise TypeError(f"cannot combine an expression with {type(value).__name__}")


@dataclass(**_DC)
class Num(Expr):
    """An exact rational number. Negative values are allowed; ``Neg(Num(2))`` is ``Num(-2)``."""

    value: Fraction
    _verbatim = False  # Num(True) must be refused, not found as Num(1)

    if TYPE_CHECKING:
        # The metaclass normalises an int to its Fraction before the dataclass sees it.
        def __init__(self, value: int | Fraction) -> None: ...

    @classmethod
    def _normalise(cls, value: Any) -> Any:
        kind = value.__class__
        if kind is Fraction:
            if value.denominator != 1:
                return (value,)
            whole = value.numerator
        elif kind is int:
            whole = value
        else:
            if isinstance(value, bool) or not isinstance(value, (int, Fraction)):
                raise TypeError(f"Num needs an int or Fraction, not {type(value).__name__}")
            return (Fraction(value),)
        # An integer is looked up by its int: equal to its Fraction with the same hash,
        # which is quick to compute where a Fraction's is not.
        entry = _TABLE.get((cls, whole))
        if entry is not None:
            node = entry()
            if node is not None:
                return node
        return (value if kind is Fraction else Fraction(whole),)

    def _args(self) -> tuple[Any, ...]:
        return (self.value,)


@dataclass(**_DC)
class Symbol(Expr):
    """A variable or parameter, such as ``x``, ``w1`` or ``theta``."""

    name: str

    def _args(self) -> tuple[Any, ...]:
        return (self.name,)


@dataclass(**_DC)
class Const(Expr):
    """A named mathematical constant: ``pi`` or ``e``."""

    name: str

    @classmethod
    def _normalise(cls, name: str) -> Any:
        if name not in ("pi", "e"):
            raise ValueError(f"unknown constant {name!r}")
        return (name,)

    def _args(self) -> tuple[Any, ...]:
        return (self.name,)


@dataclass(**_DC)
class Add(Expr):
    """A sum of two or more terms; ``x - y`` is ``Add((x, Neg(y)))``."""

    terms: tuple[Expr, ...]

    @classmethod
    def _normalise(cls, terms: Any) -> Any:
        terms = tuple(terms)
        if len(terms) < 2:
            if len(terms) == 1:
                return terms[0]
            return ZERO
        return (terms,)

    @property
    def children(self) -> tuple[Expr, ...]:
        return self.terms

    def rebuild(self, children: tuple[Expr, ...]) -> Expr:
        return Add(children)

    def _args(self) -> tuple[Any, ...]:
        return (self.terms,)


@dataclass(**_DC)
class Neg(Expr):
    """Unary minus."""

    arg: Expr

    @classmethod
    def _normalise(cls, arg: Expr) -> Any:
        if isinstance(arg, Num):
            return Num(-arg.value)
        return (arg,)

    @property
    def children(self) -> tuple[Expr, ...]:
        return (self.arg,)

    def rebuild(self, children: tuple[Expr, ...]) -> Expr:
        return Neg(children[0])

    def _args(self) -> tuple[Any, ...]:
        return (self.arg,)


@dataclass(**_DC)
class Mul(Expr):
    """A product of two or more factors."""

    factors: tuple[Expr, ...]

    @classmethod
    def _normalise(cls, factors: Any) -> Any:
        factors = tuple(factors)
        if len(factors) < 2:
            if len(factors) == 1:
                return factors[0]
            return ONE
        return (factors,)

    @property
    def children(self) -> tuple[Expr, ...]:
        return self.factors

    def rebuild(self, children: tuple[Expr, ...]) -> Expr:
        return Mul(children)

    def _args(self) -> tuple[Any, ...]:
        return (self.factors,)


@dataclass(**_DC)
class Div(Expr):
    """A quotient ``num / den``, kept as written."""

    num: Expr
    den: Expr

    @property
    def children(self) -> tuple[Expr, ...]:
        return (self.num, self.den)

    def rebuild(self, children: tuple[Expr, ...]) -> Expr:
        return Div(children[0], children[1])

    def _args(self) -> tuple[Any, ...]:
        return (self.num, self.den)


@dataclass(**_DC)
class Pow(Expr):
    """``base ** exp``."""

    base: Expr
    exp: Expr

    @property
    def children(self) -> tuple[Expr, ...]:
        return (self.base, self.exp)

    def rebuild(self, children: tuple[Expr, ...]) -> Expr:
        return Pow(children[0], children[1])

    def _args(self) -> tuple[Any, ...]:
        return (self.base, self.exp)


@dataclass(**_DC)
class Func(Expr):
    """A function from the function table applied to its arguments.

    ``order`` counts derivatives of an abstract function: ``Func("f", (u,), 1)`` is f′(u).
    """

    name: str
    args: tuple[Expr, ...]
    order: int = 0

    @classmethod
    def _normalise(cls, name: str, args: Any, order: int = 0) -> Any:
        entry = _functions().get(name)
        if entry is None:
            raise ValueError(f"unknown function {name!r}")
        args = tuple(args)
        if len(args) not in entry.arities:
            raise ValueError(f"{name} takes {entry.arity_text}, not {len(args)}")
        if order and not entry.abstract:
            raise ValueError(f"only abstract functions carry a derivative order, not {name}")
        return (name, args, order) if order else (name, args)  # the key Func(name, args) finds

    @property
    def children(self) -> tuple[Expr, ...]:
        return self.args

    def rebuild(self, children: tuple[Expr, ...]) -> Expr:
        return Func(self.name, children, self.order)

    def _args(self) -> tuple[Any, ...]:
        return (self.name, self.args, self.order)


# ── pickling ─────────────────────────────────────────────────────────────────
# Nodes pickle as flat tables, never by recursion (``pickle`` of a 10 000-deep chain would
# exceed the recursion limit): nodes, children before parents, each with its children
# replaced by their rows in the table. Unpickling builds them again through the intern
# table, so equal nodes are the same object afterwards too.
def _encode(value: Any, index: dict[int, int]) -> tuple[str, Any]:
    if isinstance(value, Expr):
        return "e", index[id(value)]
    if isinstance(value, tuple) and value and all(isinstance(v, Expr) for v in value):
        return "t", tuple([index[id(v)] for v in value])
    return "s", value


def flat_table(roots: Iterable[Expr], table: list[Any] | None = None,
               index: dict[int, int] | None = None) -> tuple[list[Any], dict[int, int]]:
    """Every node of ``roots`` once, children first, as rows ``(class, kinds, arguments)``,
    and each node's row (by ``id``); extends ``table`` and ``index`` when given. An object
    that holds many nodes (a step tree: chainrule.steps) writes them all in one table."""
    table = [] if table is None else table
    index = {} if index is None else index
    for root in roots:
        for node in postorder(root, _Ids(index)):
            index[id(node)] = len(table)
            table.append(_row(node, index))
    return table, index


class _Ids:
    """``node in done`` for a table's index, which is keyed by ``id``."""

    __slots__ = ("index",)

    def __init__(self, index: dict[int, int]) -> None:
        self.index = index

    def __contains__(self, node: Expr, /) -> bool:
        return id(node) in self.index


def from_flat_table(table: list[Any]) -> list[Expr]:
    """The nodes of a :func:`flat_table`, row by row, made through the intern table."""
    return _build(table)


# A node pickled by itself writes its "band": the nodes below it down to the nearest
# boundary nodes, about one in 64 (chosen by address, so the same ones whichever node the
# walk starts from), which are pickled as objects, each with its own band. So a node that
# many objects hold (a gradient's graph holds every subexpression of a 5000-deep chain) is
# written once and then referred to, not once per holder. Before its band, a node lists
# every boundary below it, deepest first: the pickler then meets each boundary with all
# those below it already written, so its own nesting stays a few levels at any depth.
_BAND_BITS = 6
_MIX = 0x9E3779B97F4A7C15  # Fibonacci hashing: nearby addresses land far apart
# node → the boundary nodes its band reaches, while the node lives
_EDGES: weakref.WeakKeyDictionary[Any, tuple[Any, ...]] = weakref.WeakKeyDictionary()


def _boundary(node: Any) -> bool:
    return ((id(node) >> 4) * _MIX) & 0xFFFFFFFFFFFFFFFF < 1 << (64 - _BAND_BITS)


def _band(root: Any, kids: Callable[[Any], Iterable[Any]],
          row: Callable[[Any, dict[int, int]], Any]) -> tuple[list[Any], list[Any]]:
    """``root``'s band as rows, children first (a boundary node is a row by itself), and
    the boundary nodes it reaches."""
    table: list[Any] = []
    index: dict[int, int] = {}
    edge: list[Any] = []
    seen: set[int] = set()
    stack: list[tuple[Any, bool]] = [(root, False)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            index[id(node)] = len(table)
            table.append(row(node, index))
            continue
        if id(node) in seen:
            continue
        seen.add(id(node))
        below = list(kids(node))
        if node is not root and below and _boundary(node):
            index[id(node)] = len(table)
            table.append(node)
            edge.append(node)
            continue
        stack.append((node, True))
        stack.extend((c, False) for c in reversed(below) if id(c) not in seen)
    return table, edge


def _edge(node: Any, kids: Callable[[Any], Iterable[Any]],
          row: Callable[[Any, dict[int, int]], Any]) -> tuple[Any, ...]:
    """The boundary nodes that ``node``'s band reaches, remembered while it lives."""
    known = _EDGES.get(node)
    if known is None:
        known = _EDGES[node] = tuple(_band(node, kids, row)[1])
    return known


def band_reduce(root: Any, kids: Callable[[Any], Iterable[Any]],
                row: Callable[[Any, dict[int, int]], Any]) -> tuple[list[Any], list[Any]]:
    """The arguments a tree node pickles with: (every boundary node below its band,
    deepest first; its band's rows). ``kids`` gives a node's children, ``row`` a
    non-boundary node's row, given the rows of the nodes before it (by ``id``)."""
    table, edge = _band(root, kids, row)
    below: list[Any] = []
    done: set[int] = set()
    stack: list[tuple[Any, bool]] = [(b, False) for b in reversed(edge)]
    while stack:
        b, expanded = stack.pop()
        if expanded:
            below.append(b)
            continue
        if id(b) in done:
            continue
        done.add(id(b))
        stack.append((b, True))
        stack.extend((c, False) for c in reversed(_edge(b, kids, row)) if id(c) not in done)
    return below, table


def _children(node: Expr) -> tuple[Expr, ...]:
    return node.children


def _row(node: Expr, index: dict[int, int]) -> Any:
    kinds, args = zip(*[_encode(a, index) for a in node._args()])
    return (type(node), sys.intern("".join(kinds)), args)


def _reduce(node: Expr) -> Any:
    return (_unflatten, band_reduce(node, _children, _row))


def _unflatten(below: list[Expr], table: list[Any]) -> Expr:
    """The node a pickle holds: the last row of its band (``below`` only made sure that
    the boundary nodes were unpickled first)."""
    return _build(table)[-1]


def _build(table: list[Any]) -> list[Expr]:
    built: list[Expr] = []
    for row in table:
        if isinstance(row, Expr):  # a boundary node, unpickled as itself
            built.append(row)
            continue
        cls, kinds, args = row
        built.append(cls(*[built[a] if k == "e" else tuple([built[i] for i in a])
                           if k == "t" else a for k, a in zip(kinds, args)]))
    return built


def _functions() -> Any:
    global _FUNCTION_TABLE
    if _FUNCTION_TABLE is None:
        from chainrule.functions import FUNCTIONS
        _FUNCTION_TABLE = FUNCTIONS
    return _FUNCTION_TABLE


_FUNCTION_TABLE: Any = None
ZERO = Num(0)
ONE = Num(1)
TWO = Num(2)
NEG_ONE = Num(-1)


def num(value: int | Fraction) -> Num:
    return Num(value)


class Known(Protocol):
    """What :func:`postorder` may skip: a dict or set of nodes, or any ``node in done`` test."""

    def __contains__(self, node: Expr, /) -> bool: ...


def postorder(root: Expr, done: Known = ()) -> Iterator[Expr]:
    """Each distinct node once, children before parents, without recursion.

    Nodes in ``done`` (a memo of earlier work) are neither yielded nor descended into.
    """
    seen: set[int] = set()
    stack: list[tuple[Expr, bool]] = [(root, False)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            yield node
            continue
        if id(node) in seen or node in done:
            continue
        seen.add(id(node))
        stack.append((node, True))
        for child in reversed(node.children):
            if id(child) not in seen:
                stack.append((child, False))


T = TypeVar("T")


@contextmanager
def building() -> Iterator[None]:
    """Pause the cyclic garbage collector while a large graph is built.

    Nodes and steps never form reference cycles (children are made before parents), so
    reference counting frees them all; the collector's repeated walks over a growing
    graph of many thousand young objects only cost time. It is restored afterwards.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def fold(root: Expr, combine: Callable[[Expr, list[T]], T], memo: dict[Expr, T] | None = None) -> T:
    """Bottom-up evaluation of ``combine(node, child_values)`` over the DAG, memoised per node."""
    memo = {} if memo is None else memo
    for node in postorder(root, memo):
        if node not in memo:
            memo[node] = combine(node, [memo[c] for c in node.children])
    return memo[root]


def free_symbols(expr: Expr) -> frozenset[str]:
    """Names of the symbols in ``expr`` (constants ``pi`` and ``e`` are not symbols)."""
    return expr._free


def depends_on(expr: Expr, var: str) -> bool:
    return var in expr._free


def substitute(expr: Expr, mapping: dict[Expr, Expr]) -> Expr:
    """Replace whole subexpressions (keys) by values, bottom-up, sharing preserved."""
    memo: dict[Expr, Expr] = {}
    for node in postorder(expr):
        if node in mapping:
            memo[node] = mapping[node]
        elif node.children:
            kids = tuple(memo[c] for c in node.children)
            memo[node] = node if kids == node.children and all(
                a is b for a, b in zip(kids, node.children)) else node.rebuild(kids)
        else:
            memo[node] = node
    return memo[expr]


def fraction(coeff: Fraction | int, top: list[Expr], bottom: list[Expr]) -> Expr:
    """±(p·top…)/(q·bottom…) for coeff = ±p/q, written the way a person would: −2x/(3y)."""
    # integers compare and negate far quicker than Fractions
    p, q = (coeff, 1) if type(coeff) is int else (coeff.numerator, coeff.denominator)
    sign = p < 0
    if sign:
        p = -p
    top, bottom = list(top), list(bottom)
    if p != 1 or not top:
        top.insert(0, Num(p))
    if q != 1:
        bottom.insert(0, Num(q))
    out: Expr = Mul(tuple(top))
    if bottom:
        out = Div(out, Mul(tuple(bottom)))
    return Neg(out) if sign else out


def node_count(expr: Expr) -> int:
    """Distinct nodes in the DAG."""
    return sum(1 for _ in postorder(expr))


def depth(expr: Expr) -> int:
    return fold(expr, lambda n, kids: 1 + max(kids, default=0))
