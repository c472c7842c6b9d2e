"""Are two expressions equal? One answer for the proof of a derivative and for answer checking.

    >>> from chainrule.parser import parse
    >>> e = compare(parse("2*sin(x)*cos(x)"), parse("sin(2*x)"), domain=parse("sin(x)**2"),
    ...             names=["x"], budget=5.0)
    >>> e.verdict, e.method
    ('equal', 'symbolic')
    >>> compare(parse("2*x + 10**-9"), parse("2*x"), domain=parse("x**2"), names=["x"],
    ...         budget=5.0).verdict
    'different'

Both :func:`chainrule.verify.verify_derivative` (our derivative against SymPy's) and
:func:`chainrule.check` (a learner's answer against our derivative) decide with
:func:`compare`, which gathers evidence and never guesses:

1. **points over every scale** (:func:`sample_points`): small values of either sign, the
   usual domains (x > 0, x > 1, |x| < 1), and magnitudes from 10⁻³ to 10⁶, each kept only
   where the domain expression is differentiable; where none of them is, SymPy's
   ``continuous_domain`` says where to look (x > 200 for acosh(x/200)), or shows there is
   no such point at all (:func:`nowhere_defined`);
2. **values in high precision**: both sides are evaluated by mpmath at P and 2P digits,
   P growing (30 … 1500) until the value has settled, so large constants (x + 10²³),
   cancellation (cosh²(200x) − sinh²(200x)) and high frequencies never decide anything;
   two values agree only within what that precision leaves uncertain — far tighter than a
   float tolerance, so 2x + 10⁻⁹ is not 2x;
3. **symbolic**: structural equality, then ``expand``, then ``simplify`` within a time
   budget; a difference SymPy shows to be a nonzero number, or never zero, is decisive
   (2x + e^(−(x−50)²) is not 2x, though no sample point near 50 may show it).

A verdict resting on numbers alone says so (``method == "numeric"``). Trees too large or
deep for SymPy are compared in floats (the only case where :func:`close` decides).

Abstract functions (f, g, h) get concrete stand-ins (:func:`abstract_stand_ins`) so that
formulas using them can be evaluated. SymPy is imported only inside the functions that
need it.
"""

from __future__ import annotations

import itertools
import math
import random
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

from chainrule.expr import Div, Expr, Func, Num, Pow, depth, free_symbols, node_count, postorder

__all__ = ["RTOL", "ATOL", "ESTIMATE_TOL", "REARRANGED_RTOL", "PRECISE_DIGITS", "PRECISE_TOL",
           "SYMPY_NODES", "SYMPY_DEPTH", "SIMPLIFY_OPS", "RANGES", "close", "close_to_estimate",
           "has_abstract", "abstract_stand_ins", "concrete", "sympy_can", "has_huge_constant",
           "agree_precisely", "equal_precisely_at", "symbolically_equal", "same_form",
           "CANDIDATES", "sample_points", "is_wide", "nowhere_defined", "domain_points",
           "Precise", "settled_value", "Evidence", "compare", "symbolic_verdict", "domain_text"]

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
    ``budget`` seconds (:func:`symbolic_verdict`, which can also show them different)."""
    return symbolic_verdict(ours, theirs, budget, max_ops=max_ops)[0] is True


def same_form(candidate: Expr, answer: Expr) -> bool:
    """Whether two expressions are the same up to the order of terms and factors (SymPy's
    canonical order; nothing is expanded or simplified)."""
    if not (sympy_can(candidate) and sympy_can(answer)):
        return False
    from chainrule.verify.sympy_bridge import to_sympy
    return bool(to_sympy(candidate) == _sympy_form(answer))


# ── where to look ────────────────────────────────────────────────────────────
CANDIDATES = 400        # points tried to find the ones inside the domain
WIDE_FROM, WIDE_TO = -3.0, 6.0   # log10 of the magnitudes of the wide points
NEED_WIDE = 18          # agreeing points beyond the small ranges a verdict needs, when the
                        # domain has any there: every decade up to 10⁶, either sign
MIN_DIGITS, MAX_DIGITS = 30, 1500   # precision of a value: from, and at most
SETTLED = 1e-12         # a value whose P- and 2P-digit results differ by at most this
                        # (relatively) has settled


def _sig(v: float) -> float:
    return float(f"{v:.6g}")


def sample_points(names: Sequence[str], seed: int,
                  count: int = CANDIDATES) -> Iterator[dict[str, float]]:
    """Points to try, every coordinate with at most 6 significant digits: of every three,
    two from the small ranges (:data:`RANGES`) and one wide — in turn from every decade
    from 10⁻³ to 10⁶, with either sign.

        >>> [round(p["x"], 3) for p in sample_points(["x"], 1, 6)]
        [-1.463, 2.55, 0.006, 1.802, -0.009, -0.003]
    """
    rng = random.Random(seed)
    decades = int(WIDE_TO - WIDE_FROM)

    def draw(i: int) -> float:
        if i % 3 < 2:
            lo, hi = RANGES[(i // 3 * 2 + i % 3) % len(RANGES)]
            return _sig(rng.uniform(lo, hi))
        j = i // 3           # the wide points go through every decade, with either sign
        magnitude = 10 ** (WIDE_FROM + (j // 2) % decades + rng.random())
        return _sig(magnitude if j % 2 == 0 else -magnitude)

    return ({n: draw(i) for n in names} for i in range(count))  # drawn as they are needed


def is_wide(point: dict[str, float]) -> bool:
    """Whether a point lies beyond the small ranges (|x| > 4 or |x| < 0.03 somewhere)."""
    return any(abs(v) > 4.0 or 0 < abs(v) < 0.03 for v in point.values())


def _domain_intervals(expr: Expr, var: str, budget: float) -> Any:
    """SymPy's set of real values of ``var`` where ``expr`` is continuous, or None."""
    if not sympy_can(expr) or has_huge_constant(expr):
        return None
    import sympy as sp
    from sympy.calculus.util import continuous_domain

    from chainrule.verify.sympy_bridge import run_with_budget, sympy_symbol, to_sympy

    def work() -> Any:
        return continuous_domain(to_sympy(expr), sympy_symbol(var), sp.S.Reals)

    from chainrule import budget as job
    done, value = run_with_budget(work, job.remaining(budget))
    if not done or isinstance(value, BaseException):
        return None
    return value


def nowhere_defined(expr: Expr, names: Sequence[str], budget: float) -> str | None:
    """Why ``expr`` has no real value (or no derivative) for any value of its symbols —
    the parser's message for a constant such as ln(−2) — or None when it may have one.

        >>> from chainrule.parser import parse
        >>> nowhere_defined(parse("sqrt(-x**2 - 1)"), ["x"], 5.0)
        '√(−x² − 1) is undefined for every value of x (sqrt: u > 0 for the derivative)'
    """
    from chainrule.functions import FUNCTIONS
    for node in postorder(expr):
        if (isinstance(node, Pow) and not free_symbols(node.base) and free_symbols(node.exp)
                and _negative_constant(node.base)):
            names_in = ", ".join(sorted(free_symbols(node.exp)))
            return (f"{node.pretty()} is undefined for every value of {names_in} but whole "
                    "numbers (a negative base needs a whole-number exponent), so it has no "
                    "derivative")
    if len(names) != 1:
        return None
    domain = _domain_intervals(expr, names[0], budget)
    import sympy as sp
    if domain is None or domain != sp.S.EmptySet:
        return None
    culprit = expr
    for node in postorder(expr):      # the innermost part that is nowhere defined
        if isinstance(node, (Func, Pow)) and node is not expr:
            inner = _domain_intervals(node, names[0], budget / 4)
            if inner is not None and inner == sp.S.EmptySet:
                culprit = node
                break
    message = f"{culprit.pretty()} is undefined for every value of {names[0]}"
    if isinstance(culprit, Func) and FUNCTIONS[culprit.name].domain_note:
        entry = FUNCTIONS[culprit.name]
        message += f" ({entry.name}: {entry.domain_note})"
    return message


def _negative_constant(e: Expr) -> bool:
    from chainrule.errors import UndefinedError
    from chainrule.evaluate import evaluate
    try:
        return evaluate(e, {}) < 0
    except (UndefinedError, ValueError, ZeroDivisionError, OverflowError):
        return False


def domain_points(expr: Expr, var: str, budget: float, seed: int,
                  count: int = 40) -> list[float]:
    """Values of ``var`` inside SymPy's domain of ``expr``, for a domain the usual points
    miss (x > 200; |x| < 3·10⁻⁵): inside every interval, near its ends and far out."""
    domain = _domain_intervals(expr, var, budget)
    if domain is None:
        return []
    import sympy as sp
    pieces = domain.args if isinstance(domain, sp.Union) else (domain,)
    rng = random.Random(seed)
    out: list[float] = []
    for piece in pieces[:20]:
        if not isinstance(piece, sp.Interval):
            continue
        try:
            lo, hi = float(piece.start), float(piece.end)
        except (TypeError, ValueError):
            continue
        for _ in range(max(2, count // max(1, len(pieces)))):
            if math.isinf(lo) and math.isinf(hi):
                v = rng.uniform(-4, 4)
            elif math.isinf(hi):
                v = lo + max(1.0, abs(lo)) * 10 ** rng.uniform(-3, 3)
            elif math.isinf(lo):
                v = hi - max(1.0, abs(hi)) * 10 ** rng.uniform(-3, 3)
            else:
                v = rng.uniform(lo, hi)
            v = _sig(v)
            if lo < v < hi:
                out.append(v)
    return out


# ── values in high precision ─────────────────────────────────────────────────
def _heaviside_mp(v: Any, *_: Any) -> Any:
    import mpmath
    return mpmath.mpf(1) if v > 0 else (mpmath.mpf(0) if v < 0 else mpmath.mpf(1) / 2)


def _mp_extra() -> dict[str, Any]:
    import mpmath
    return {"Heaviside": _heaviside_mp,
            "DiracDelta": lambda v, *_: mpmath.mpf(0) if v != 0 else mpmath.inf,
            "sign": lambda v: mpmath.mpf((v > 0) - (v < 0)) if mpmath.im(v) == 0
            else mpmath.sign(v)}


class Precise:
    """A SymPy expression as a function of a point, evaluated by mpmath at any precision
    (SymPy's ``evalf`` where mpmath has no function for a part)."""

    def __init__(self, expr: Any, names: Sequence[str]) -> None:
        import sympy as sp

        from chainrule.verify.sympy_bridge import sympy_symbol
        self.expr = expr
        self.symbols = [sympy_symbol(n) for n in names]
        self.names = list(names)
        self.constant_zero = expr == 0
        self.fn: Any
        try:
            self.fn = sp.lambdify(self.symbols, expr, modules=[_mp_extra(), "mpmath"])
        except Exception:  # a form mpmath cannot write: evalf instead
            self.fn = None

    def value(self, point: dict[str, float], digits: int) -> Any:
        """The value at ``point`` with ``digits`` digits of working precision: an mpmath
        number (possibly complex), or None where there is none (a pole, 0/0)."""
        import mpmath
        args = [mpmath.mpf(repr(point[n])) for n in self.names]
        try:
            if self.fn is not None:
                out = self.fn(*args)
            else:
                import sympy as sp
                subs = {s: sp.Rational(repr(point[n])) for s, n in zip(self.symbols, self.names)}
                out = mpmath.mpmathify(complex(self.expr.evalf(digits, subs=subs)))
            return mpmath.mpmathify(out)
        except (ZeroDivisionError, ValueError, TypeError, OverflowError, ArithmeticError):
            return None


def settled_value(f: Precise, point: dict[str, float], budget_end: float) -> tuple[Any, Any]:
    """(value, uncertainty) of ``f`` at ``point`` — the value computed at P and at 2P digits,
    P growing until the two agree — or (None, None) where ``f`` has no real value; a value
    that never settles (within :data:`MAX_DIGITS` or the time left) is (value, None).
    """
    import mpmath
    digits = MIN_DIGITS
    value: Any = None
    spread: Any = None
    while digits <= MAX_DIGITS:
        with mpmath.workdps(digits):
            low = f.value(point, digits)
        with mpmath.workdps(2 * digits):
            high = f.value(point, 2 * digits)
            if low is None or high is None or not mpmath.isfinite(high):
                return None, None
            if mpmath.im(high) != 0:
                if abs(mpmath.im(high)) > 10 ** (-digits // 2) * max(abs(mpmath.re(high)),
                                                                    mpmath.mpf(1)):
                    return None, None       # not a real number here
                high = mpmath.re(high)
            low = mpmath.re(low) if mpmath.isfinite(low) else high
            value, spread = high, abs(high - low)
            if high != 0 and spread <= SETTLED * abs(high):
                return value, spread
            if high == 0 and (f.constant_zero or digits * 4 > MAX_DIGITS):
                return value, spread  # zero at every precision tried: cancellation is ruled out
        if time.perf_counter() > budget_end:
            break
        digits *= 4
    return value, None           # unsettled: this point cannot decide anything


def _agree(a: tuple[Any, Any], b: tuple[Any, Any]) -> bool:
    """Whether two settled values are equal within what their precision leaves open."""
    (va, ua), (vb, ub) = a, b
    scale = max(abs(va), abs(vb))
    return bool(abs(va - vb) <= 4 * (ua + ub) + 1e-25 * scale + 1e-300)


@dataclass(frozen=True)
class Evidence:
    """What :func:`compare` found. ``verdict`` equal, different or unknown; ``method``
    symbolic (SymPy's algebra decided) or numeric (values at points decided), or none.

    ``points``: points where the two agreed. For a numeric "different", ``point`` is where
    they differ and ``first``/``second`` the two values there (``first`` None: it has no
    real value there); for a symbolic one, ``difference`` is SymPy's first − second.
    ``undefined``: points where ``first`` has no real value and ``second`` has one (an
    answer valid on part of the domain)."""

    verdict: Literal["equal", "different", "unknown"]
    method: Literal["symbolic", "numeric", "none"]
    points: int = 0
    point: dict[str, float] | None = None
    first: float | None = None
    second: float | None = None
    difference: Expr | None = None
    undefined: tuple[dict[str, float], ...] = ()
    wide: int = 0


def _real_at(e: Expr, point: dict[str, float], impls: Any) -> bool | None:
    """False where our real semantics give ``e`` no value (√x for x < 0, though SymPy
    writes √x² as x); None where a part of it is beyond floats (e^1000): there a
    cancellation could exceed any precision, so the point decides nothing."""
    from chainrule.errors import UndefinedError
    from chainrule.evaluate import evaluate
    try:
        evaluate(e, point, abstract=impls)
    except UndefinedError as err:
        return None if err.overflow else False
    return True


def _by_estimate(first: Expr, point: dict[str, float], impls: Any,
                 estimate: Callable[[dict[str, float]], float]) -> tuple[float, float] | None:
    """``first`` in floats and the estimate of the reference at ``point``, or None."""
    from chainrule.errors import UndefinedError
    from chainrule.evaluate import evaluate
    try:
        ours = evaluate(first, point, abstract=impls)
        theirs = estimate(point)
    except (UndefinedError, ValueError, ZeroDivisionError, OverflowError, TypeError):
        return None
    return (ours, theirs) if math.isfinite(theirs) else None


def _float(v: Any) -> float | None:
    try:
        return float(v)
    except (OverflowError, TypeError, ValueError):
        return None


def compare(first: Expr, second: Any, *, domain: Expr, names: Sequence[str],
            budget: float, abstract: Any = None, need: int = 8, seed: int = 20261207,
            second_symbolic: Any = None, max_ops: int | None = None,
            extra_points: Sequence[dict[str, float]] = (),
            fallback: Callable[[dict[str, float]], float] | None = None) -> Evidence:
    """Compare ``first`` (one of our expressions) with ``second`` (ours, or SymPy's with
    the abstract functions made concrete) at points where ``domain`` is differentiable, then
    symbolically (``second_symbolic``, default ``second``; differences of at most
    ``max_ops`` operations). At most ``budget`` seconds of work.

    ``fallback(point)`` estimates ``second`` where its formula has no value (SymPy's
    0^x·ln 0 for d/dx 0^x): a float, compared as an estimate (:func:`close_to_estimate`);
    it raises ValueError or UndefinedError where it cannot tell."""
    from chainrule import budget as job
    from chainrule.errors import UndefinedError
    from chainrule.evaluate import evaluate
    from chainrule.verify.sympy_bridge import to_sympy

    budget = job.remaining(budget)
    start = time.perf_counter()
    impls = abstract["impls"] if abstract else None
    a_sym = to_sympy(first, abstract=_concrete_functions(abstract))
    b_sym = _sympy_form(second) if isinstance(second, Expr) else second
    if isinstance(second, Expr) and abstract is not None:
        b_sym = to_sympy(second, abstract=_concrete_functions(abstract))
    sampling_end = start + budget
    points = list(extra_points) if extra_points else []
    points_iter = itertools.chain(sample_points(names, seed), points)
    symbolic_form = second if second_symbolic is None else second_symbolic
    if _quickly_equal(first, symbolic_form, min(budget, QUICK_BUDGET)):
        return _where_defined(first, domain, points_iter, impls, need, sampling_end)
    fa, fb = Precise(a_sym, names), Precise(b_sym, names)
    agreed = wide = 0
    undefined: list[dict[str, float]] = []
    wide_seen = False
    small = 0
    for point in points_iter:
        if time.perf_counter() > sampling_end:
            break
        job.check()
        far = is_wide(point)
        if not far and small >= need:
            continue                      # enough small points: look further out
        try:
            evaluate(domain, point, strict=True, abstract=impls)
        except UndefinedError:
            continue
        b = settled_value(fb, point, sampling_end)
        if b[0] is None and fallback is not None:
            found = _by_estimate(first, point, impls, fallback)
            if found is None:
                continue
            ours, estimate = found
            if not close_to_estimate(ours, estimate):
                return Evidence("different", "numeric", agreed, point, ours, estimate,
                                undefined=tuple(undefined))
            agreed += 1
            continue
        if b[0] is None or b[1] is None:
            continue                      # the reference has no value here (0·ln 0)
        real = _real_at(first, point, impls)
        if real is None:
            continue                      # beyond floats on the way: cancellation unbounded
        a = settled_value(fa, point, sampling_end)
        if a[0] is None or not real:
            undefined.append(point)
            continue
        if a[1] is None:
            continue                      # too much cancellation to tell, here
        if not _agree(a, b):
            return Evidence("different", "numeric", agreed, point, _float(a[0]),
                            _float(b[0]), undefined=tuple(undefined))
        agreed += 1
        if far:
            wide += 1
            wide_seen = True
        else:
            small += 1
        if small >= need and (wide >= NEED_WIDE or (not wide_seen and agreed >= 2 * need)):
            break
    left = job.remaining(max(0.5, budget - (time.perf_counter() - start)))
    shown, difference = symbolic_verdict(first, symbolic_form, left, max_ops=max_ops)
    if shown is True:
        return Evidence("equal", "symbolic", agreed, undefined=tuple(undefined), wide=wide)
    if shown is False:
        return Evidence("different", "symbolic", agreed, difference=difference,
                        undefined=tuple(undefined), wide=wide)
    if agreed:
        return Evidence("equal", "numeric", agreed, undefined=tuple(undefined), wide=wide)
    return Evidence("unknown", "none", 0, undefined=tuple(undefined))


QUICK_BUDGET = 1.0   # seconds for the first, cheap symbolic look (equal as written, expanded)


def _quickly_equal(ours: Expr, theirs: Any, budget: float) -> bool:
    """Whether the two are equal as SymPy writes them, or once expanded (no simplify)."""
    import sympy as sp

    from chainrule.verify.sympy_bridge import run_with_budget, to_sympy

    def work() -> bool:
        a = to_sympy(ours)
        b = to_sympy(theirs) if isinstance(theirs, Expr) else theirs
        if a == b:
            return True
        if a.has(sp.Subs, sp.Derivative) or b.has(sp.Subs, sp.Derivative):
            return False
        return bool(sp.expand(a - b) == 0)

    done, value = run_with_budget(work, budget)
    return bool(done and value is True)


def _where_defined(first: Expr, domain: Expr, points: Iterable[dict[str, float]], impls: Any,
                   need: int, end: float) -> Evidence:
    """For two formulas already shown equal: the points where the domain is differentiable
    (none at all calls for a closer look), and those where ``first`` has no real value."""
    from chainrule.errors import UndefinedError
    from chainrule.evaluate import evaluate
    seen = wide = 0
    undefined: list[dict[str, float]] = []
    for point in points:
        if time.perf_counter() > end or seen >= need + NEED_WIDE:
            break
        try:
            evaluate(domain, point, strict=True, abstract=impls)
        except UndefinedError:
            continue
        real = _real_at(first, point, impls)
        if real is False:
            undefined.append(point)
            continue
        seen += 1
        wide += is_wide(point)
    return Evidence("equal", "symbolic", seen, undefined=tuple(undefined), wide=wide)


def symbolic_verdict(ours: Expr, theirs: Any, budget: float, *,
                     max_ops: int | None = None) -> tuple[bool | None, Expr | None]:
    """(True, None) when SymPy proves ``ours`` = ``theirs`` within ``budget`` seconds;
    (False, difference) when it shows the difference is a nonzero number or never zero;
    (None, None) when it can tell neither."""
    import sympy as sp

    from chainrule.verify.sympy_bridge import from_sympy, run_with_budget, to_sympy

    def work() -> tuple[bool | None, Any]:
        a = to_sympy(ours)
        b = to_sympy(theirs) if isinstance(theirs, Expr) else theirs
        if a == b:
            return True, None
        difference = a - b
        if difference == 0 or sp.expand(difference) == 0:
            return True, None
        if difference.has(sp.Subs, sp.Derivative):
            difference = difference.doit()
            if difference == 0 or sp.expand(difference) == 0:
                return True, None
        if max_ops is not None and sp.count_ops(difference) > max_ops:
            return None, None
        reduced = sp.simplify(difference)
        if reduced == 0:
            return True, None
        if reduced.has(sp.zoo, sp.nan, sp.oo, -sp.oo):
            return None, None
        if reduced.is_number:
            value = complex(reduced.evalf(50))
            return (False, reduced) if abs(value) > 1e-40 else (None, None)
        if reduced.is_zero is False:
            return False, reduced
        return None, None

    done, value = run_with_budget(work, budget)
    if not done or isinstance(value, BaseException):
        return None, None
    verdict, difference = value
    if verdict is not False:
        return verdict, None
    try:
        return False, from_sympy(difference)
    except Exception:  # a difference we cannot write is still a difference
        return False, None


def domain_text(expr: Expr, var: str, budget: float) -> str | None:
    """Where ``expr`` has a real value, in words: ``x ≥ 0``, ``−1 < x < 1``, ``x ≠ 0``;
    None when SymPy cannot say in time or the set is not a few intervals.

        >>> from chainrule.parser import parse
        >>> domain_text(parse("sqrt(x)**2"), "x", 5.0), domain_text(parse("1/x"), "x", 5.0)
        ('x ≥ 0', 'x ≠ 0')
        >>> domain_text(parse("asin(x) + log(x)"), "x", 5.0)
        '0 < x ≤ 1'
    """
    domain = _real_domain(expr, var, budget)
    if domain is None:
        return None
    import sympy as sp

    from chainrule.verify.sympy_bridge import from_sympy
    pieces: tuple[Any, ...] = domain.args if isinstance(domain, sp.Union) else (domain,)
    if not pieces or len(pieces) > 4 or not all(isinstance(p, sp.Interval) for p in pieces):
        return None
    ends = [(p.start, p.end) for p in pieces]
    if (len(pieces) == 2 and ends[0][0] == -sp.oo and ends[1][1] == sp.oo
            and ends[0][1] == ends[1][0] and pieces[0].right_open and pieces[1].left_open):
        return f"{var} ≠ {from_sympy(ends[0][1]).pretty()}"
    words = []
    for p in pieces:
        if p.start == -sp.oo and p.end == sp.oo:
            return None
        if p.end == sp.oo:
            words.append(f"{var} {'>' if p.left_open else '≥'} {from_sympy(p.start).pretty()}")
            continue
        low = "" if p.start == -sp.oo else (f"{from_sympy(p.start).pretty()} "
                                             f"{'<' if p.left_open else '≤'} ")
        words.append(f"{low}{var} {'<' if p.right_open else '≤'} {from_sympy(p.end).pretty()}")
    return " or ".join(words)


def _real_domain(expr: Expr, var: str, budget: float) -> Any:
    """Where every part of ``expr`` has a real value: the intersection of SymPy's domains
    of its parts (SymPy writes √x² as x, so the whole alone would say every x)."""
    import sympy as sp
    parts = [n for n in postorder(expr) if isinstance(n, (Func, Pow, Div)) and var in
             free_symbols(n)]
    if not parts or len(parts) > 40:
        return _domain_intervals(expr, var, budget)
    end = time.perf_counter() + budget
    domain = sp.S.Reals
    for part in parts:
        piece = _domain_intervals(part, var, max(0.1, end - time.perf_counter()))
        if piece is None:
            return None
        domain = domain.intersect(piece)
    return domain
