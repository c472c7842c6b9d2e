"""Proof: every derivative is checked against SymPy's before anyone sees it.

Order of work, cheapest first:

1. **numeric** — our result and ``sympy.diff`` of the same input are evaluated at random
   points inside the domain (where the input and every function in it are differentiable).
   A disagreement is confirmed at 30 significant digits before it is reported, so rounding
   never cries wolf; a confirmed disagreement raises :class:`VerificationError`.
2. **symbolic** — SymPy is asked whether the difference is zero: structural equality, then
   ``expand``, then ``simplify`` within a time budget.

The status says what was achieved: ``symbolic`` (proven equal), ``numeric`` (equal at every
sampled point; the symbolic proof ran out of budget), or ``skipped`` (verification off).
When SymPy itself cannot differentiate the input in time (very deep or very large input),
the numeric check compares against a Richardson-extrapolated central difference of the
input instead, and the method says so.
"""

from __future__ import annotations

import math
import random
import time
from dataclasses import dataclass
from typing import Any, Literal

from chainrule.errors import UndefinedError, VerificationError
from chainrule.evaluate import central_difference, evaluate
from chainrule.expr import Expr, free_symbols
from chainrule.options import VerifyMode
from chainrule.verify.equivalence import (
    RANGES,
    abstract_stand_ins,
    agree_precisely,
    close,
    close_to_estimate,
    concrete,
    has_abstract,
    has_huge_constant,
    symbolically_equal,
    sympy_can,
)

__all__ = ["Verification", "VerifyMode", "verify_derivative", "skipped"]

Status = Literal["symbolic", "numeric", "skipped"]

_POINTS = 6                 # points that must agree
_CANDIDATES = 400           # points tried to find them
_SCREEN_POINTS = 2          # a quick look before SymPy is asked: points that must agree …
_SCREEN_CANDIDATES = 12     # … among this many
_GROSS = 1e-3               # a disagreement this large, twice, is a wrong answer


@dataclass(frozen=True)
class Verification:
    """How a derivative was proven. ``status`` is symbolic, numeric or skipped."""

    status: Status
    method: str = ""
    points: int = 0
    seconds: float = 0.0
    reference: str = "sympy"        # sympy | finite-difference | none

    def to_dict(self) -> dict[str, Any]:
        return {"status": self.status, "method": self.method, "points": self.points,
                "reference": self.reference, "seconds": round(self.seconds, 4)}

    @property
    def proven(self) -> bool:
        return self.status != "skipped"


def skipped() -> Verification:
    return Verification("skipped", "verification turned off", reference="none")



def _candidates(names: list[str], rng: random.Random) -> list[dict[str, float]]:
    """Points to try: small values first, then every scale from 0.03 to 100, either sign
    (so a domain like acosh(x − 10), x > 11, is found too)."""
    def draw(i: int) -> float:
        if i < 150:
            lo, hi = RANGES[i % len(RANGES)]
            return rng.uniform(lo, hi)
        magnitude = 10 ** rng.uniform(-1.5, 2.0)
        return magnitude if rng.random() < 0.6 else -magnitude

    return [{n: round(draw(i), 6) for n in names} for i in range(_CANDIDATES)]


def _central_difference(expr: Expr, var: str, point: dict[str, float], abstract: Any) -> float:
    """The input's derivative by finite differences, for inputs SymPy cannot take."""
    # A step is trusted only where halving it changes the estimate little (the input is smooth
    # at that scale): a rapidly oscillating input must never make a right answer look wrong.
    scale = max(1.0, abs(point[var]))
    for h in (1e-3 * scale, 1e-4 * scale, 1e-5 * scale):
        estimate = central_difference(expr, var, point, h / 2, abstract=abstract)
        check = central_difference(expr, var, point, h, abstract=abstract)
        if close_to_estimate(estimate, check):
            return estimate
    raise ValueError("the finite difference does not settle at this point")


def verify_derivative(expr: Expr, var: str, result: Expr, *, budget: float = 5.0,
                      what: str = "the derivative") -> Verification:
    """Check ``result`` = d/d(var) ``expr``; raise :class:`VerificationError` if it is not."""
    start = time.perf_counter()
    names = sorted(free_symbols(expr) | free_symbols(result) | {var})
    abstract = abstract_stand_ins() if (has_abstract(expr) or has_abstract(result)) else None
    impls = abstract["impls"] if abstract else None

    _screen(expr, var, result, names, impls, what)
    oracle, oracle_concrete, oracle_fn = _oracle(expr, var, names, abstract, budget)
    reference = "sympy" if oracle is not None else "finite-difference"
    rng = random.Random(20261124)
    agreed = 0
    singular = 0  # points where SymPy's form was singular and a finite difference decided
    sampling = time.perf_counter()
    for point in _candidates(names, rng):
        if time.perf_counter() - sampling > budget:
            break  # sampling has a budget too: a huge input is checked at fewer points
        try:
            evaluate(expr, point, strict=True, abstract=impls)
            ours = evaluate(result, point, abstract=impls)
            if oracle_fn is not None:
                theirs = float(oracle_fn(*[point[n] for n in names]))
            else:
                theirs = _central_difference(expr, var, point, impls)
        except (UndefinedError, ValueError, ZeroDivisionError, OverflowError, TypeError):
            continue
        if not math.isfinite(theirs):  # SymPy's form is singular here (0·log 0): use the input
            try:
                theirs = _central_difference(expr, var, point, impls)
            except (UndefinedError, ValueError, ZeroDivisionError, OverflowError):
                continue
            if not close_to_estimate(ours, theirs):
                raise VerificationError(
                    f"{what} is wrong: at {_fmt_point(point)} it gives {ours:.10g}, but a "
                    f"finite difference gives {theirs:.10g}", point=point, ours=ours, theirs=theirs)
            agreed += 1
            singular += 1
            if agreed >= _POINTS:
                break
            continue
        if not close(ours, theirs):
            if oracle is not None:
                from chainrule.verify.sympy_bridge import run_with_budget

                def recheck(at: dict[str, float] = point) -> bool:
                    return agree_precisely(result, oracle_concrete, at, abstract)
                done, same = run_with_budget(recheck, budget)
                if not done or isinstance(same, BaseException):
                    raise VerificationError(
                        f"{what} could not be checked: at {_fmt_point(point)} it gives "
                        f"{ours:.10g} and SymPy {theirs:.10g}, and the recheck at 30 digits "
                        f"did not finish within {budget:g} s", point=point, ours=ours,
                        theirs=theirs)
                if same:
                    continue  # equal at 30 digits: float rounding
            if oracle is None and close_to_estimate(ours, theirs):
                continue
            raise VerificationError(
                f"{what} is wrong: at {_fmt_point(point)} it gives {ours:.10g}, but "
                f"{'SymPy' if oracle is not None else 'a finite difference'} gives {theirs:.10g}",
                point=point, ours=ours, theirs=theirs)
        agreed += 1
        if agreed >= _POINTS:
            break

    if agreed == 0:
        _refuse_if_nowhere_defined(expr)
    if oracle is not None and symbolically_equal(result, oracle, budget):
        return Verification("symbolic", "equal to SymPy's derivative (symbolic)", agreed,
                            time.perf_counter() - start, reference)
    if agreed == 0:
        raise VerificationError(
            f"{what} could not be checked: no point was found where the expression and its "
            "derivative are both defined, and SymPy could not prove it symbolically")
    method = (f"equal to SymPy's derivative at {agreed} random points" if oracle is not None
              and not singular else
              f"equal at {agreed} random points to SymPy's derivative or, where SymPy's form is "
              "singular, to a finite difference" if oracle is not None
              else f"equal to a finite-difference derivative at {agreed} random points "
                   "(SymPy could not differentiate this input in time)")
    return Verification("numeric", method, agreed, time.perf_counter() - start, reference)


def _screen(expr: Expr, var: str, result: Expr, names: list[str], impls: Any,
            what: str) -> None:
    """A wrong answer is usually wrong everywhere: look at a few points first, comparing our
    result with a Richardson-extrapolated difference quotient of the input, before SymPy
    differentiates anything (which can take seconds). Two gross disagreements at two
    points, each with a difference quotient that has settled, are a verdict; anything less
    goes on to the full check."""
    rng = random.Random(20261125)
    gross = 0
    agreed = 0
    for point in _candidates(names, rng)[:_SCREEN_CANDIDATES]:
        try:
            evaluate(expr, point, strict=True, abstract=impls)
            ours = evaluate(result, point, abstract=impls)
            theirs = _central_difference(expr, var, point, impls)
        except (UndefinedError, ValueError, ZeroDivisionError, OverflowError, TypeError):
            continue
        if not (math.isfinite(ours) and math.isfinite(theirs)):
            continue
        if abs(ours - theirs) > _GROSS * max(1.0, abs(ours), abs(theirs)):
            gross += 1
            if gross == 1:
                first = (point, ours, theirs)
                continue
            point, ours, theirs = first
            raise VerificationError(
                f"{what} is wrong: at {_fmt_point(point)} it gives {ours:.10g}, but a finite "
                f"difference of the input gives {theirs:.10g} (before asking SymPy)",
                point=point, ours=ours, theirs=theirs)
        agreed += 1
        if agreed >= _SCREEN_POINTS:
            return


def _refuse_if_nowhere_defined(expr: Expr) -> None:
    """1/(x − x) has no derivative to prove: say so instead of "0, proven"."""
    import sympy as sp

    from chainrule.verify.sympy_bridge import run_with_budget, to_sympy
    done, value = run_with_budget(lambda: to_sympy(expr), 2.0)
    if done and not isinstance(value, BaseException) and value.has(sp.zoo, sp.nan):
        # SymPy's zoo (complex infinity) and nan, in words
        form = ("an infinite value, as 1/0 and ln(0) are" if value.has(sp.zoo)
                else "an indeterminate form, as 0/0 is")
        raise UndefinedError(f"{expr.pretty()} is undefined for every value of its variables "
                             f"(it reduces to {form}), so it has no derivative")


def _fmt_point(point: dict[str, float]) -> str:
    return ", ".join(f"{k} = {v:g}" for k, v in point.items())


def _oracle(expr: Expr, var: str, names: list[str], abstract: Any,
            budget: float) -> tuple[Any, Any, Any]:
    """SymPy's derivative of the input, the same with the abstract functions made concrete,
    and a fast numeric function of the latter — or (None, None, None)."""
    if not sympy_can(expr) or has_huge_constant(expr):
        return None, None, None
    import sympy as sp

    from chainrule.verify.sympy_bridge import run_with_budget, sympy_symbol, to_sympy

    def work() -> tuple[Any, Any, Any]:
        sym_in = to_sympy(expr)
        x = sympy_symbol(var)
        derivative = sp.diff(sym_in, x)
        numeric_form = derivative
        if abstract is not None:
            numeric_form = sp.diff(concrete(sym_in, abstract), x).doit()  # no Derivative left
        try:
            fn = sp.lambdify([sympy_symbol(n) for n in names], numeric_form,
                             modules=[_LAMBDIFY_EXTRA, "math"])
        except (ValueError, SyntaxError, TypeError):  # e.g. a number past 4300 digits
            fn = None
        return derivative, numeric_form, fn

    done, value = run_with_budget(work, budget)
    if not done or isinstance(value, BaseException):
        return None, None, None
    found: tuple[Any, Any, Any] = value
    return found


def _real(v: Any) -> float:
    return float(getattr(v, "real", v))


def _imaginary(v: Any) -> float:
    return float(getattr(v, "imag", 0.0))


def _heaviside(v: float, *_: Any) -> float:
    return 1.0 if v > 0 else (0.0 if v < 0 else 0.5)


_LAMBDIFY_EXTRA: dict[str, Any] = {
    # SymPy writes |u|′ for a possibly complex u with re, im and arg: on real points, these.
    "re": _real,
    "im": _imaginary,
    "arg": lambda v: 0.0 if v >= 0 else math.pi,
    "Abs": abs,
    "Heaviside": _heaviside,
    "DiracDelta": lambda v, *_: 0.0 if v != 0 else math.inf,
    "sign": lambda v: float((v > 0) - (v < 0)),
    "Max": max, "Min": min,
}
