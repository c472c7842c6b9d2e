"""Reverse accumulation: every partial derivative of J in one sweep over its graph.

Backpropagation is the chain rule applied along the expression graph from the output
down. Each node's *adjoint* ∂J/∂node is built once, as an expression, and every node below
it reuses that one shared node:

    ∂J/∂child = Σ over each use of child in a parent  ∂J/∂parent · ∂parent/∂child

How it works
------------
1. ``postorder(J)`` lists the distinct nodes children first; reversed, it is a topological
   order with every parent before its children. Nodes that depend on no parameter are
   *inactive*: nothing flows into them.
2. Walking parents first, a node's adjoint is the sum of the contributions its parents
   sent; then the node sends ``adjoint · local`` to each active child, where ``local`` is
   ∂node/∂child from :data:`LOCAL` (one entry per node type; a function application reads
   the function table's ``partials``).
3. The adjoint of the symbol ``w`` is ∂J/∂w.

Because expressions are hash-consed, a local derivative such as σ′(z) = σ(z)·(1 − σ(z))
*is* the forward node σ(z), and an adjoint used by many children is one node: the size of
the whole gradient stays a small constant times the size of J. Nothing is differentiated
once per parameter.

The single-variable counterpart, which explains each step in words, is
:mod:`chainrule.differentiate`; both read f′ from :mod:`chainrule.functions`.

    >>> from chainrule.parser import parse
    >>> sweep = reverse_sweep(parse("x*y + sin(y)"), ["x", "y"])
    >>> {name: str(d) for name, d in sweep.partials.items()}
    {'x': 'y', 'y': 'x + cos(y)'}
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from chainrule.expr import (
    NEG_ONE,
    ONE,
    TWO,
    ZERO,
    Add,
    Const,
    Div,
    Expr,
    Func,
    Mul,
    Neg,
    Num,
    Pow,
    Symbol,
    postorder,
)
from chainrule.functions import FUNCTIONS

__all__ = ["Sweep", "reverse_sweep", "local_derivative", "LOCAL", "operation_count", "times"]

# A local rule gives ∂node/∂(child number i), built from the node's own children.
LocalRule = Callable[[Expr, int], Expr]

_PREFIX_FROM = 5  # products with this many factors use prefix·suffix products (linear size)


# ── local derivatives, one entry per node type ───────────────────────────────
def _add_local(node: Expr, i: int) -> Expr:
    """∂(a + b + …)/∂a = 1."""
    return ONE


def _neg_local(node: Expr, i: int) -> Expr:
    """∂(−a)/∂a = −1."""
    return NEG_ONE


def _mul_local(node: Expr, i: int) -> Expr:
    """∂(a·b·c)/∂b = a·c: the product of the other factors."""
    factors = node.children
    return Mul(factors[:i] + factors[i + 1:])


def _div_local(node: Expr, i: int) -> Expr:
    """∂(u/v)/∂u = 1/v and ∂(u/v)/∂v = −u/v²."""
    assert isinstance(node, Div)
    if i == 0:
        return Div(ONE, node.den)
    return Neg(Div(node.num, Pow(node.den, TWO)))


def _pow_local(node: Expr, i: int) -> Expr:
    """∂(uⁿ)/∂u = n·uⁿ⁻¹ and ∂(aᵛ)/∂v = aᵛ·ln a."""
    assert isinstance(node, Pow)
    base, exp = node.base, node.exp
    if i == 0:
        if isinstance(exp, Num):
            lowered = exp.value - 1
            if lowered == 0:
                return exp
            power = base if lowered == 1 else Pow(base, Num(lowered))
            return power if exp.value == 1 else Mul((exp, power))
        return Mul((exp, Pow(base, Add((exp, NEG_ONE)))))
    if base is Const("e"):
        return node
    return Mul((node, Func("log", (base,))))


def _func_local(node: Expr, i: int) -> Expr:
    """∂f(u, …)/∂u from the function table (an abstract f gives f′)."""
    assert isinstance(node, Func)
    entry = FUNCTIONS[node.name]
    if entry.abstract:
        return Func(node.name, node.args, node.order + 1)
    return entry.partials[i](*node.args)


LOCAL: dict[type, LocalRule] = {
    Add: _add_local,
    Neg: _neg_local,
    Mul: _mul_local,
    Div: _div_local,
    Pow: _pow_local,
    Func: _func_local,
}


def local_derivative(node: Expr, i: int) -> Expr:
    """∂node/∂(its child number ``i``), the derivative on one edge of the graph.

        >>> from chainrule.parser import parse
        >>> str(local_derivative(parse("sigmoid(z)"), 0))
        'sigmoid(z)*(1 - sigmoid(z))'
    """
    return LOCAL[type(node)](node, i)


def times(upstream: Expr, local: Expr) -> Expr:
    """upstream · local, without writing a factor 1 or −1 (zero is handled by the caller)."""
    if upstream is ONE:
        return local
    if local is ONE:
        return upstream
    if local is NEG_ONE:
        return upstream.arg if isinstance(upstream, Neg) else Neg(upstream)
    if upstream is NEG_ONE:
        return local.arg if isinstance(local, Neg) else Neg(local)
    return Mul((upstream, local))


def _product_locals(node: Mul, active: Sequence[int]) -> dict[int, Expr]:
    """Local derivatives of a long product through shared prefix and suffix products.

    Writing the product of the other factors for each of n factors costs n² nodes; the
    prefix p_k = f_1·…·f_k and suffix s_k = f_k·…·f_n are shared, so each local
    derivative p_(i−1)·s_(i+1) is one new node.
    """
    factors = node.factors
    n = len(factors)
    prefix: list[Expr] = [factors[0]]
    for f in factors[1:]:
        prefix.append(Mul((prefix[-1], f)))
    suffix: list[Expr] = [factors[-1]]
    for f in reversed(factors[:-1]):
        suffix.append(Mul((f, suffix[-1])))
    suffix.reverse()
    out: dict[int, Expr] = {}
    for i in active:
        if i == 0:
            out[i] = suffix[1]
        elif i == n - 1:
            out[i] = prefix[n - 2]
        else:
            out[i] = Mul((prefix[i - 1], suffix[i + 1]))
    return out


# ── the sweep ────────────────────────────────────────────────────────────────
@dataclass(frozen=True)
class Sweep:
    """The result of one reverse sweep.

    ``adjoints`` maps every active node (one that depends on a parameter) to ∂J/∂node as a
    shared expression; ``order`` lists those nodes parents first; ``partials`` maps each
    parameter name to ∂J/∂name (zero when J does not depend on it).
    """

    root: Expr
    wrt: tuple[str, ...]
    order: tuple[Expr, ...]
    adjoints: dict[Expr, Expr]
    partials: dict[str, Expr]


def reverse_sweep(root: Expr, wrt: Iterable[str]) -> Sweep:
    """∂root/∂w for every name in ``wrt``, in one parents-first pass over the graph."""
    names = tuple(wrt)
    params = {Symbol(n) for n in names}
    nodes = list(postorder(root))           # children first, each distinct node once
    active: set[Expr] = set()
    for node in nodes:
        if node in params or any(c in active for c in node.children):
            active.add(node)

    order = tuple(n for n in reversed(nodes) if n in active)
    position = {n: i for i, n in enumerate(nodes)}
    # (position of the parent, contribution): sums are written in the order of J's text.
    incoming: dict[Expr, list[tuple[int, Expr]]] = {root: [(0, ONE)]} if root in active else {}
    adjoints: dict[Expr, Expr] = {}
    for node in order:
        parts = incoming.pop(node, ())
        if len(parts) > 1:
            parts.sort(key=lambda part: part[0])
        adjoint = (parts[0][1] if len(parts) == 1 else
                   Add(tuple(c for _, c in parts)) if parts else ZERO)
        adjoints[node] = adjoint
        if adjoint is ZERO or not node.children:
            continue
        kids = node.children
        moving = [i for i, c in enumerate(kids) if c in active]
        if isinstance(node, Mul) and len(kids) >= _PREFIX_FROM:
            locals_ = _product_locals(node, moving)
        else:
            rule = LOCAL[type(node)]
            locals_ = {i: rule(node, i) for i in moving}
        for i in moving:
            local = locals_[i]
            if isinstance(local, Num) and local.value == 0:
                continue  # sign, step functions: nothing flows through
            incoming.setdefault(kids[i], []).append((position[node], times(adjoint, local)))
    partials = {n: adjoints.get(Symbol(n), ZERO) for n in names}
    return Sweep(root, names, order, adjoints, partials)


def operation_count(*roots: Expr) -> int:
    """Distinct operations (non-leaf nodes) in the graph of all ``roots`` together."""
    seen: set[Expr] = set()
    count = 0
    for root in roots:
        for node in postorder(root, seen):
            seen.add(node)
            if node.children:
                count += 1
    return count
