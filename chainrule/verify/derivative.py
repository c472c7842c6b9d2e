"""Proof: every derivative is checked against SymPy's before anyone sees it.

SymPy differentiates the same input (``sympy.diff``, the oracle), and
:func:`chainrule.verify.equivalence.compare` — the one equality test, shared with answer
checking — compares our result with it:

1. **numeric** — at points over every scale of the domain (small values, the usual domains,
   magnitudes up to 10⁶, and where SymPy's ``continuous_domain`` says the input lives when
   those miss it), both are evaluated in high precision until the value has settled. A
   disagreement there is a :class:`VerificationError` naming the point and both values.
2. **symbolic** — SymPy is asked whether the difference is zero: structural equality, then
   ``expand``, then ``simplify`` within a time budget; a difference it shows nonzero is
   wrong too.

The status says what was achieved: ``symbolic`` (proven equal), ``numeric`` (equal at every
point, to at least 30 digits; the symbolic proof ran out of budget — the method says the
evidence is numeric only), or ``skipped`` (verification off). An input with no real value
anywhere (√(−x² − 1), (−2)^x) is refused with :class:`UndefinedError`, as the parser
refuses ln(−2). When SymPy itself cannot differentiate the input in time (very deep or very
large input), our result is compared with a Richardson-extrapolated central difference of
the input instead, in floats, where only a disagreement beyond rounding counts; the method
says so.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Literal

from chainrule.errors import UndefinedError, VerificationError
from chainrule.evaluate import central_difference, evaluate
from chainrule.expr import Expr, free_symbols
from chainrule.options import VerifyMode
from chainrule.verify.equivalence import (
    abstract_stand_ins,
    close_to_estimate,
    compare,
    concrete,
    domain_points,
    has_abstract,
    has_huge_constant,
    nowhere_defined,
    sample_points,
    sympy_can,
)

__all__ = ["Verification", "VerifyMode", "verify_derivative", "skipped"]

Status = Literal["symbolic", "numeric", "skipped"]

_POINTS = 6                 # points a finite-difference check needs


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



def _central_difference(expr: Expr, var: str, point: dict[str, float],
                        abstract: Any) -> tuple[float, float]:
    """The input's derivative by finite differences, for inputs SymPy cannot take."""
    # A step is trusted only where halving it changes the estimate little (the input is smooth
    # at that scale): a rapidly oscillating input must never make a right answer look wrong.
    scale = max(1.0, abs(point[var]))
    for h in (1e-3 * scale, 1e-4 * scale, 1e-5 * scale):
        estimate = central_difference(expr, var, point, h / 2, abstract=abstract)
        check = central_difference(expr, var, point, h, abstract=abstract)
        if close_to_estimate(estimate, check):
            return estimate, h / 2
    raise ValueError("the finite difference does not settle at this point")


def verify_derivative(expr: Expr, var: str, result: Expr, *, budget: float = 5.0,
                      what: str = "the derivative") -> Verification:
    """Check ``result`` = d/d(var) ``expr``; raise :class:`VerificationError` if it is not
    (and :class:`UndefinedError` if ``expr`` has no derivative anywhere)."""
    from chainrule import budget as job
    budget = job.remaining(budget)
    start = time.perf_counter()
    names = sorted(free_symbols(expr) | free_symbols(result) | {var})
    abstract = abstract_stand_ins() if (has_abstract(expr) or has_abstract(result)) else None
    oracle, oracle_concrete = _oracle(expr, var, abstract, budget)
    if oracle is None or not sympy_can(result):
        return _verify_by_differences(expr, var, result, names, abstract, budget, what, start)
    left = max(0.5, budget - (time.perf_counter() - start))
    impls = abstract["impls"] if abstract else None

    def estimate(point: dict[str, float]) -> float:
        """Where SymPy's form is singular (0^x·ln 0): a difference quotient of the input."""
        return _central_difference(expr, var, point, impls)[0]
    evidence = compare(result, oracle_concrete, domain=expr, names=names, budget=left,
                       abstract=abstract, second_symbolic=oracle, seed=20261124,
                       fallback=estimate)
    if evidence.points == 0 and evidence.point is None:
        # no sample point lies in the domain: there may be none, or it is out of the way
        _refuse_if_nowhere_defined(expr, names, budget)
        inside = ([{var: v} for v in domain_points(expr, var, budget, 20261126)]
                  if len(names) == 1 else [])
        if inside:
            evidence = compare(result, oracle_concrete, domain=expr, names=names,
                               budget=left, abstract=abstract, second_symbolic=oracle,
                               seed=20261124, extra_points=inside, fallback=estimate)
    seconds = time.perf_counter() - start
    if evidence.verdict == "different":
        if evidence.point is not None:
            point, ours, theirs = evidence.point, evidence.first, evidence.second
            raise VerificationError(
                f"{what} is wrong: at {_fmt_point(point)} it gives {_fmt(ours)}, but SymPy "
                f"gives {_fmt(theirs)}", point=point, ours=ours, theirs=theirs)
        gap = f" by {evidence.difference.pretty()}" if evidence.difference is not None else ""
        raise VerificationError(f"{what} is wrong: it differs from SymPy's derivative{gap}, "
                                "which SymPy shows is not zero")
    if evidence.verdict == "equal" and evidence.method == "symbolic":
        return Verification("symbolic", "equal to SymPy's derivative (symbolic)",
                            evidence.points, seconds)
    if evidence.verdict == "equal":
        spread = " over every scale" if evidence.wide else ""
        return Verification("numeric", f"equal to SymPy's derivative at {evidence.points} "
                            f"points{spread}, to at least 30 digits (numeric evidence only: "
                            "SymPy could not prove it symbolically in time)",
                            evidence.points, seconds)
    raise VerificationError(
        f"{what} could not be checked: no point was found where the expression and its "
        "derivative are both defined, and SymPy could not prove it symbolically")


def _fmt(v: float | None) -> str:
    return "no real value" if v is None else f"{v:.10g}"


def _verify_by_differences(expr: Expr, var: str, result: Expr, names: list[str],
                           abstract: Any, budget: float, what: str,
                           start: float) -> Verification:
    """For input SymPy cannot take (too large, too deep, or not differentiated in time):
    our result against a Richardson-extrapolated central difference of the input, in
    floats. A disagreement counts only beyond what rounding can explain (the size of the
    values over the step: x + 10²³ has a difference quotient of 0 in floats), at two
    points."""
    impls = abstract["impls"] if abstract else None
    agreed = 0
    wrong: list[tuple[dict[str, float], float, float]] = []
    sampling = time.perf_counter()
    for point in sample_points(names, 20261124):
        if time.perf_counter() - sampling > budget:
            break  # sampling has a budget too: a huge input is checked at fewer points
        try:
            level = abs(evaluate(expr, point, strict=True, abstract=impls))
            ours = evaluate(result, point, abstract=impls)
            theirs, h = _central_difference(expr, var, point, impls)
        except (UndefinedError, ValueError, ZeroDivisionError, OverflowError, TypeError):
            continue
        noise = 1e-13 * max(1.0, level) / h   # what rounding can do to the quotient
        if noise > 1e-6 * max(1.0, abs(ours)):
            continue  # rounding swamps the difference quotient here: no evidence either way
        if close_to_estimate(ours, theirs):
            agreed += 1
            if agreed >= _POINTS:
                break
            continue
        wrong.append((point, ours, theirs))
        if len(wrong) >= 2:
            point, ours, theirs = wrong[0]
            raise VerificationError(
                f"{what} is wrong: at {_fmt_point(point)} it gives {ours:.10g}, but a finite "
                f"difference gives {theirs:.10g}", point=point, ours=ours, theirs=theirs)
    if agreed == 0:
        _refuse_if_nowhere_defined(expr, names, budget)
        raise VerificationError(
            f"{what} could not be checked: no point was found where the expression and its "
            "derivative are both defined, and SymPy could not take this input")
    return Verification("numeric", f"equal to a finite-difference derivative at {agreed} "
                        "random points (numeric evidence only: SymPy could not differentiate "
                        "this input in time)", agreed, time.perf_counter() - start,
                        "finite-difference")


def _refuse_if_nowhere_defined(expr: Expr, names: list[str], budget: float) -> None:
    """1/(x − x), √(−x² − 1) and (−2)^x have no derivative to prove: say so, as the parser
    does for ln(−2), instead of "proven"."""
    why = nowhere_defined(expr, names, budget)
    if why is not None:
        raise UndefinedError(why)
    import sympy as sp

    from chainrule.verify.sympy_bridge import run_with_budget, to_sympy
    done, value = run_with_budget(lambda: to_sympy(expr), 2.0)
    if done and not isinstance(value, BaseException) and value.has(sp.zoo, sp.nan, sp.oo,
                                                                   -sp.oo):
        # SymPy's zoo (complex infinity), ±oo (atanh(x/x) = atanh(1)) and nan, in words
        form = ("an infinite value, as 1/0 and ln(0) are"
                if value.has(sp.zoo, sp.oo, -sp.oo) else "an indeterminate form, as 0/0 is")
        raise UndefinedError(f"{expr.pretty()} is undefined for every value of its variables "
                             f"(it reduces to {form}), so it has no derivative")


def _fmt_point(point: dict[str, float]) -> str:
    return ", ".join(f"{k} = {v:g}" for k, v in point.items())


def _oracle(expr: Expr, var: str, abstract: Any, budget: float) -> tuple[Any, Any]:
    """SymPy's derivative of the input and the same with the abstract functions made
    concrete — or (None, None) when SymPy cannot give it in time."""
    if not sympy_can(expr) or has_huge_constant(expr):
        return None, None
    import sympy as sp

    from chainrule.verify.sympy_bridge import run_with_budget, sympy_symbol, to_sympy

    def work() -> tuple[Any, Any]:
        sym_in = to_sympy(expr)
        x = sympy_symbol(var)
        derivative = sp.diff(sym_in, x)
        numeric_form = derivative
        if abstract is not None:
            numeric_form = sp.diff(concrete(sym_in, abstract), x).doit()  # no Derivative left
        return derivative, numeric_form

    done, value = run_with_budget(work, budget)
    if not done or isinstance(value, BaseException):
        return None, None
    found: tuple[Any, Any] = value
    return found
