"""Helpers shared by the engine tests: SymPy as the oracle, with a numeric fallback.

``assert_equiv(ours, theirs, var)`` passes when our expression equals the SymPy expression:
structurally, after ``expand``, after ``simplify`` (small inputs only), or else at several
random points inside the domain, evaluated at 30 digits by SymPy and in floats by us.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable
from typing import Any

import sympy as sp

from chainrule.errors import UndefinedError
from chainrule.evaluate import evaluate
from chainrule.expr import Expr, free_symbols
from chainrule.sympy_bridge import sympy_symbol, to_sympy

# Where random points are drawn: both signs, near zero, inside (-1, 1), beyond ±1.
RANGES = ((-2.5, 2.5), (0.05, 3.0), (1.05, 4.0), (-0.95, 0.95), (-4.0, -1.05))
MIN_POINTS = 5
RTOL = 1e-7
ATOL = 1e-9
SIMPLIFY_OPS_LIMIT = 120   # sympy.simplify only on small differences: it can be very slow


def candidate_points(names: Iterable[str], count: int = 300,
                     seed: int = 1234) -> list[dict[str, float]]:
    rng = random.Random(seed)
    names = sorted(set(names))
    points = []
    for i in range(count):
        lo, hi = RANGES[i % len(RANGES)] if i < 100 else RANGES[rng.randrange(len(RANGES))]
        points.append({n: round(rng.uniform(lo, hi), 5) for n in names})
    return points


def _sympy_value(e: Any, point: dict[str, float]) -> complex | None:
    subs = {sympy_symbol(k): sp.Rational(str(v)) for k, v in point.items()}
    try:
        value = complex(e.evalf(30, subs=subs))
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    if not (math.isfinite(value.real) and math.isfinite(value.imag)):
        return None
    return value


def _close(a: complex, b: complex, rtol: float = RTOL) -> bool:
    return abs(a - b) <= ATOL + rtol * max(abs(a), abs(b))


def has_abstract(e: Any) -> bool:
    return bool(e.atoms(sp.core.function.AppliedUndef))


def symbolically_zero(difference: Any) -> bool:
    if difference == 0:
        return True
    if difference.has(sp.Subs, sp.Derivative):
        difference = difference.doit()
        if difference == 0:
            return True
    if sp.expand(difference) == 0:
        return True
    if sp.count_ops(difference) <= SIMPLIFY_OPS_LIMIT:
        return bool(sp.simplify(difference) == 0)
    return False


def numeric_agreement(ours: Expr, theirs: Any, names: Iterable[str], *,
                      domain: Expr | None = None, rtol: float = RTOL,
                      want: int = 8) -> list[dict[str, float]]:
    """Points where both sides are defined; fails on the first point where they differ.

    ``domain`` (the input expression) restricts the points to where it is differentiable:
    every function in it is evaluated strictly inside its table domain.
    """
    agreed: list[dict[str, float]] = []
    for point in candidate_points(names):
        if domain is not None:
            try:
                evaluate(domain, point, strict=True)
            except UndefinedError:
                continue
        try:
            a = evaluate(ours, point)
        except UndefinedError:
            continue
        b = _sympy_value(theirs, point)
        if b is None or abs(b.imag) > 1e-12 * max(1.0, abs(b)):
            continue
        assert _close(a, b.real, rtol), (
            f"at {point}: ours {ours} = {a!r}, SymPy {theirs} = {b.real!r}")
        agreed.append(point)
        if len(agreed) >= want:
            break
    return agreed


def assert_equiv(ours: Expr, theirs: Any, var: str | None = None, *,
                 domain: Expr | None = None, min_points: int = MIN_POINTS,
                 simplify_first: bool = True) -> str:
    """Assert our expression equals the SymPy expression; return how it was shown.

    ``var`` and the free symbols of both sides name the coordinates of the sample points.
    With ``simplify_first=False`` (random expressions, where ``simplify`` can be slow) the
    numeric comparison runs first and ``simplify`` only when too few points were found.
    """
    sym_ours = to_sympy(ours)
    difference = sym_ours - theirs
    if simplify_first:
        if symbolically_zero(difference):
            return "symbolic"
    elif difference == 0 or sp.expand(difference) == 0:
        return "symbolic"
    abstract = has_abstract(theirs) or has_abstract(sym_ours)
    if abstract and not simplify_first and symbolically_zero(difference):
        return "symbolic"
    assert not abstract, f"not symbolically equal: {sym_ours} vs {theirs}"
    names = set(free_symbols(ours)) | {s.name for s in theirs.free_symbols}
    if var is not None:
        names.add(var)
    if domain is not None:
        names |= set(free_symbols(domain))
    agreed = numeric_agreement(ours, theirs, names, domain=domain)
    if len(agreed) < min_points and not simplify_first and symbolically_zero(difference):
        return "symbolic"
    assert len(agreed) >= min_points, (
        f"{ours} vs {theirs}: only {len(agreed)} comparable points (need {min_points})")
    return "numeric"


def assert_same_value(a: Expr, b: Expr, *, domain: Expr | None = None,
                      min_points: int = MIN_POINTS) -> None:
    """Two of our expressions have the same value at in-domain points (float evaluation)."""
    names = free_symbols(a) | free_symbols(b) | (free_symbols(domain) if domain else frozenset())
    if not names:
        assert _close(evaluate(a, {}), evaluate(b, {})), f"{a} != {b}"
        return
    agreed = 0
    for point in candidate_points(names):
        if domain is not None:
            try:
                evaluate(domain, point, strict=True)
            except UndefinedError:
                continue
        try:
            va, vb = evaluate(a, point), evaluate(b, point)
        except UndefinedError:
            continue
        assert _close(va, vb), f"at {point}: {a} = {va!r} but {b} = {vb!r}"
        agreed += 1
        if agreed >= 8:
            break
    assert agreed >= min_points, f"{a} vs {b}: only {agreed} comparable points"


def assert_matches_finite_difference(result: Expr, expr: Expr, var: str,
                                     min_points: int = 1) -> None:
    """``result`` against a central difference of ``expr``, at in-domain points."""
    agreed = 0
    for point in candidate_points(free_symbols(expr) | free_symbols(result) | {var}, 100):
        try:
            evaluate(expr, point, strict=True)
            ours = evaluate(result, point)
            h = 1e-5 * max(1.0, abs(point[var]))
            up = evaluate(expr, {**point, var: point[var] + h}, strict=True)
            down = evaluate(expr, {**point, var: point[var] - h}, strict=True)
        except UndefinedError:
            continue
        reference = (up - down) / (2 * h)
        assert abs(ours - reference) <= 1e-4 * max(1.0, abs(ours), abs(reference)), (
            f"at {point}: d/d{var} {expr} = {result} gives {ours!r}, "
            f"a finite difference {reference!r}")
        agreed += 1
    assert agreed >= min_points, f"d/d{var} {expr}: no point to compare at"


def sympy_derivative(expr: Expr, var: str) -> Any:
    """The oracle: SymPy's derivative of our expression's SymPy form."""
    return sp.diff(to_sympy(expr), sympy_symbol(var))


def assert_step_invariant(root: Any, *, simplify_first: bool = True,
                          min_points: int = MIN_POINTS) -> int:
    """On every node of a step tree, the stored result equals SymPy's derivative of its expr.

    Returns the number of distinct (expr, variable) nodes checked.
    """
    from chainrule.steps import walk
    seen: set[tuple[Expr, str]] = set()
    for step in walk(root):
        key = (step.expr, step.variable)
        if key in seen:
            continue
        seen.add(key)
        theirs = sympy_derivative(step.expr, step.variable)
        if (theirs.has(sp.Derivative) and not has_abstract(theirs)) or theirs.has(sp.nan, sp.zoo):
            # SymPy left d/dx unevaluated (sign(x**x)), or its form is singular everywhere
            # (d/dx 0**x is 0**x·log 0 = nan): compare with a central difference instead.
            assert_matches_finite_difference(step.result, step.expr, step.variable)
            continue
        try:
            assert_equiv(step.result, theirs,
                         step.variable, domain=step.expr, simplify_first=simplify_first,
                         min_points=min_points)
        except AssertionError as err:
            raise AssertionError(f"{type(step).__name__} ({step.rule}) for d/d{step.variable} "
                                 f"{step.expr} = {step.result}: {err}") from None
    return len(seen)
