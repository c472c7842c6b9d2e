"""Are two expressions equal? One answer for the proof of a derivative and for answer checking.

    >>> from chainrule.parser import parse
    >>> close(0.1 + 0.2, 0.3), close(1.0, 1.001)
    (True, False)
    >>> symbolically_equal(parse("2*sin(x)*cos(x)"), parse("sin(2*x)"), budget=5.0)
    True

Both :func:`chainrule.verify.verify_derivative` (our derivative against SymPy's) and
:func:`chainrule.check` (a learner's answer against our derivative) decide equality the
same way, with the tolerances below:

1. **floats** at sample points inside the domain: :func:`close`;
2. a disagreement in floats is **rechecked at 30 digits** (:func:`agree_precisely`), so
   rounding never rejects a right formula;
3. **symbolic**: structural equality, then ``expand``, then ``simplify`` within a time
   budget (:func:`symbolically_equal`).

Abstract functions (f, g, h) get concrete stand-ins (:func:`abstract_stand_ins`) so that
formulas using them can be evaluated. SymPy is imported only inside the functions that
need it.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from chainrule.expr import Expr, Func, Num, Pow, depth, free_symbols, node_count, postorder

__all__ = ["RTOL", "ATOL", "ESTIMATE_TOL", "REARRANGED_RTOL", "PRECISE_DIGITS", "PRECISE_TOL",
           "SYMPY_NODES", "SYMPY_DEPTH", "SIMPLIFY_OPS", "RANGES", "close", "close_to_estimate",
           "has_abstract", "abstract_stand_ins", "concrete", "sympy_can", "has_huge_constant",
           "agree_precisely", "equal_precisely_at", "symbolically_equal", "same_form"]

# ── tolerances ───────────────────────────────────────────────────────────────
RTOL = 1e-7             # two float evaluations of equal formulas agree this closely …
ATOL = 1e-9             # … or differ by at most this much near zero
ESTIMATE_TOL = 1e-5     # against a finite-difference estimate (itself only this good)
REARRANGED_RTOL = 1e-6  # a mistake candidate against an answer: other arrangements of a
                        # formula round differently, so a little looser
PRECISE_DIGITS = 30     # a float disagreement is rechecked at this many digits …
PRECISE_TOL = 1e-12     # … where equal formulas agree this closely (relative, or absolute ≤ 1)
SYMPY_NODES = 4000      # larger trees are not handed to SymPy …
SYMPY_DEPTH = 150       # … nor deeper ones (its algorithms recurse)
SIMPLIFY_OPS = 400      # answer checking asks simplify only about differences this small

# where sample points are drawn: small values of either sign, and domains such as x > 1
RANGES = ((-2.0, 2.0), (0.05, 3.0), (1.05, 4.0), (-0.95, 0.95), (-4.0, -1.05))


def close(a: float, b: float, rtol: float = RTOL) -> bool:
    """Whether two float values of formulas that should be equal agree."""
    return abs(a - b) <= ATOL + rtol * max(abs(a), abs(b))


def close_to_estimate(a: float, b: float) -> bool:
    """Whether a value agrees with a finite-difference estimate of it."""
    return abs(a - b) <= ESTIMATE_TOL * max(1.0, abs(a), abs(b))


# ── abstract functions ───────────────────────────────────────────────────────
def has_abstract(expr: Expr) -> bool:
    """Whether ``expr`` uses an abstract function (f, g, h), which needs a stand-in."""
    from chainrule.functions import FUNCTIONS
    return any(isinstance(n, Func) and FUNCTIONS[n.name].abstract for n in postorder(expr))


def abstract_stand_ins() -> dict[str, Any]:
    """Concrete smooth functions standing in for f, g and h: ``impls`` (name ↦
    ``call(order, value)``, the stand-in's derivative of that order as a float), ``bodies``
    (name ↦ SymPy expression in ``t``) and ``t``."""
    import sympy as sp
    t = sp.Symbol("t", real=True)
    built = {"f": sp.sin(2 * t) + t ** 3 / 7 + t / 3,
             "g": sp.exp(t / 3) + t ** 2 / 5,
             "h": sp.cos(t / 2) + t ** 3 / 11}
    impls: dict[str, Any] = {}
    for name, body in built.items():
        cache: dict[int, Any] = {}

        def call(order: int, value: float, _body: Any = body,
                 _cache: dict[int, Any] = cache) -> float:
            fn = _cache.get(order)
            if fn is None:
                fn = _cache[order] = sp.lambdify(t, sp.diff(_body, t, order) if order else _body,
                                                 "math")
            return float(fn(value))
        impls[name] = call
    return {"impls": impls, "bodies": built, "t": t}


def _concrete_functions(abstract: Any) -> Any:
    """name ↦ (order, SymPy argument) ↦ the stand-in's derivative of that order there."""
    if abstract is None:
        return None
    import sympy as sp
    t = abstract["t"]
    return {name: (lambda order, arg, _b=body:
                   (sp.diff(_b, t, order) if order else _b).subs(t, arg))
            for name, body in abstract["bodies"].items()}


def concrete(e: Any, abstract: Any) -> Any:
    """A SymPy expression with every abstract function replaced by its stand-in."""
    import sympy as sp
    t = abstract["t"]
    return e.replace(lambda a: isinstance(a, sp.core.function.AppliedUndef),
                     lambda a: abstract["bodies"][a.func.__name__].subs(t, a.args[0]))


# ── what SymPy may be given ──────────────────────────────────────────────────
def sympy_can(e: Expr) -> bool:
    """Whether SymPy may be given ``e``: its algorithms recurse, so not very large or deep
    trees."""
    return node_count(e) <= SYMPY_NODES and depth(e) <= SYMPY_DEPTH


def has_huge_constant(expr: Expr) -> bool:
    """A constant power such as 9**9**9: SymPy would compute it, holding the GIL for minutes."""
    for node in postorder(expr):
        if isinstance(node, Pow) and not free_symbols(node) and not isinstance(node.exp, Num):
            return True
        if isinstance(node, Pow) and isinstance(node.exp, Num) and abs(node.exp.value) > 10_000:
            return True
    return False


@lru_cache(maxsize=64)
def _sympy_form(e: Expr) -> Any:
    from chainrule.verify.sympy_bridge import to_sympy
    return to_sympy(e)


# ── equal at a point, at 30 digits ───────────────────────────────────────────
def agree_precisely(ours: Expr, theirs: Any, point: dict[str, float], abstract: Any) -> bool:
    """Recheck a disagreement at 30 digits: rounding in floats must not fail a right formula.

    ``theirs`` is a SymPy expression (abstract functions already made concrete) or one of
    ours; ``abstract`` the stand-ins (or None)."""
    import sympy as sp

    from chainrule.verify.sympy_bridge import sympy_symbol, to_sympy
    mine = to_sympy(ours, abstract=_concrete_functions(abstract))
    other = _sympy_form(theirs) if isinstance(theirs, Expr) else theirs
    subs = {sympy_symbol(k): sp.Rational(str(v)) for k, v in point.items()}
    try:
        a = complex(mine.evalf(PRECISE_DIGITS, subs=subs))
        b = complex(other.evalf(PRECISE_DIGITS, subs=subs))
    except (TypeError, ValueError):
        return False
    return abs(a - b) <= PRECISE_TOL * max(1.0, abs(a), abs(b))


def equal_precisely_at(a: Expr, b: Expr, point: dict[str, float], abstract: Any) -> bool:
    """Whether ``a`` and ``b`` agree at 30 digits at ``point``; False when SymPy cannot
    tell (a tree too large for it, a value it cannot compute)."""
    if not (sympy_can(a) and sympy_can(b)):
        return False
    try:
        return agree_precisely(a, b, point, abstract)
    except (RecursionError, ArithmeticError, ValueError, TypeError):
        return False


# ── equal everywhere ─────────────────────────────────────────────────────────
def symbolically_equal(ours: Expr, theirs: Any, budget: float, *,
                       max_ops: int | None = None) -> bool:
    """Whether SymPy proves ``ours`` = ``theirs`` (an Expr or a SymPy expression) within
    ``budget`` seconds: structural equality, then ``expand``, then ``simplify`` — of a
    difference of at most ``max_ops`` operations, when given."""
    import sympy as sp

    from chainrule.verify.sympy_bridge import run_with_budget, to_sympy

    def work() -> bool:
        a = to_sympy(ours)
        b = to_sympy(theirs) if isinstance(theirs, Expr) else theirs
        if a == b:
            return True
        difference = a - b
        if difference == 0 or sp.expand(difference) == 0:
            return True
        if difference.has(sp.Subs, sp.Derivative):
            difference = difference.doit()
            if difference == 0 or sp.expand(difference) == 0:
                return True
        if max_ops is not None and sp.count_ops(difference) > max_ops:
            return False
        return bool(sp.simplify(difference) == 0)

    done, value = run_with_budget(work, budget)
    return bool(done and value is True)


def same_form(candidate: Expr, answer: Expr) -> bool:
    """Whether two expressions are the same up to the order of terms and factors (SymPy's
    canonical order; nothing is expanded or simplified)."""
    if not (sympy_can(candidate) and sympy_can(answer)):
        return False
    from chainrule.verify.sympy_bridge import to_sympy
    return bool(to_sympy(candidate) == _sympy_form(answer))
