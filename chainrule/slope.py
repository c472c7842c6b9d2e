"""The slope at a point: f and f′ there, exactly where possible, and the tangent line.

    >>> import chainrule
    >>> s = chainrule.diff("x**2").at(x=5)
    >>> s.value.text, s.slope.text, s.sign
    ('25', '10', 1)
    >>> s.tangent_tidy.pretty()
    '10x − 25'

Values are computed in exact and high-precision arithmetic
(:func:`chainrule.verify.precise.precise_value`: rationals while the expression is
rational, mpmath otherwise, at a precision raised until every question of a domain is
settled) and, for their exact form, by SymPy within a time budget
(:func:`chainrule.verify.exact.exact_value`; kept only when the two agree). So a point
10⁻³⁰⁰ from a corner is away from it, ln x at 10⁻⁴⁰⁰ is about −921, and x² at 10⁴⁰⁰ is
10⁸⁰⁰, shown in scientific notation. Floats (:func:`chainrule.evaluate.evaluate`) decide
only what the precise evaluation cannot: an abstract or run-time defined function, or a
point exactly on an edge that only exact algebra finds (tan at π/2).

A point where f or f′ does not exist is reported with the reason — the function and the
rule of its domain that fails there — never with a number. Whether f′ exists is decided by
evaluating f *strictly* (every function at a point where it is differentiable), so |x| at
0, ln x at 0 and relu at 0 are refused even though some of their formulas return a
number. The point is read by :mod:`chainrule.inputs`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial
from typing import TYPE_CHECKING, Any

from chainrule.errors import UndefinedError, UsageError
from chainrule.evaluate import evaluate, has_long_number, number_text, scientific, why_undefined
from chainrule.expr import Add, Expr, Mul, Neg, Num, Symbol, free_symbols, node_count, postorder
from chainrule.inputs import point_values
from chainrule.inputs import read_point as parse_point
from chainrule.verify.exact import NoRealValue, exact_value, expanded
from chainrule.verify.precise import Precise, Undefined, precise_number, precise_value

if TYPE_CHECKING:
    from chainrule.api import Derivation

__all__ = ["Slope", "Value", "slope_at", "parse_point", "point_values"]

_EXACT_BUDGET = 2.0
_DIAGNOSE_LIMIT = 3000   # nodes: beyond this the reason names no culprit


@dataclass(frozen=True)
class Value:
    """A number at the point: ``number`` always (the nearest float), ``exact`` when it was
    found (10, cos(1)), ``decimal`` when a float cannot hold it (1e800, 1e−400: ``number``
    is then ±inf or 0), ``known_sign`` when high-precision arithmetic settled the sign."""

    number: float
    exact: Expr | None = None
    decimal: Decimal | None = None
    known_sign: int | None = None

    @property
    def is_rational(self) -> bool:
        return isinstance(self.exact, Num)

    @property
    def long(self) -> tuple[str, str] | None:
        """(text, LaTeX) in scientific notation of an exact rational too long to write out."""
        return scientific(self.exact.value) if isinstance(self.exact, Num) else None

    @property
    def writable(self) -> bool:
        """An exact form short enough to show: none of its numbers runs to 10⁴⁰⁰'s digits."""
        return self.exact is not None and not has_long_number(self.exact)

    @property
    def decimal_text(self) -> str:
        """The value to four digits: 0.5403, 1e800."""
        return _fmt(self.decimal if self.decimal is not None else self.number)

    @property
    def text(self) -> str:
        """10; cos(1) ≈ 0.5403; ≈ 0.5403 (no exact form); 1e800 (exact, and long)."""
        if self.exact is not None and self.writable:
            if self.is_rational:
                return self.exact.pretty()
            return f"{self.exact.pretty()} ≈ {self.decimal_text}"
        long = self.long
        if long is not None:
            return long[0]
        return f"≈ {self.decimal_text}"

    @property
    def sign(self) -> int:
        if isinstance(self.exact, Num):
            v = self.exact.value
            return (v > 0) - (v < 0)
        if self.known_sign is not None:
            return self.known_sign
        if abs(self.number) < 1e-12:
            return 0
        return (self.number > 0) - (self.number < 0)

    def to_dict(self) -> dict[str, Any]:
        """``value`` is the float; where a float cannot hold the number (it overflows or
        underflows) ``value`` is null and ``decimal`` gives it as a string (``"1e+800"``)."""
        out: dict[str, Any] = {"value": self.number,
                               "exact": None if self.exact is None else str(self.exact)}
        if self.decimal is not None:
            out["value"] = None
            out["decimal"] = _json_decimal(self.decimal)
        return out


def _json_decimal(v: Decimal) -> str:
    """17 significant digits, as a float's repr would give them: "1e+800", "-9.2e-401"."""
    text = f"{v:.17g}"
    mantissa, e, exp = text.partition("e")
    if "." in mantissa:
        mantissa = mantissa.rstrip("0").rstrip(".")
    return mantissa + e + exp


_fmt = number_text


@dataclass(frozen=True)
class Slope:
    """f and its derivatives at one point, and what they mean there."""

    expr: Expr
    variable: str
    point: dict[str, Expr]                # every symbol's exact value
    value: Value | None                   # f(a); None where f is undefined
    slope: Value | None                   # f′(a); None where f′ does not exist
    higher: tuple[Value | None, ...] = ()  # f″(a), … for a higher-order derivation
    reason: str | None = None             # why f or f′ does not exist at the point
    sides: tuple[float, float] | None = None  # f′ just left and just right of a
    tangent: Expr | None = None           # f(a) + f′(a)(x − a), as written
    tangent_tidy: Expr | None = None      # the same, multiplied out
    others: dict[str, Expr] = field(default_factory=dict)  # symbols held fixed
    too_large: bool = False               # f or f′ exists but is too large to compute (e^(e^100))
    at_decimal: Decimal | None = None     # the point's value, where a float cannot hold it

    @property
    def at(self) -> Expr:
        return self.point[self.variable]

    @property
    def defined(self) -> bool:
        return self.slope is not None

    @property
    def sign(self) -> int | None:
        return None if self.slope is None else self.slope.sign

    def to_dict(self) -> dict[str, Any]:
        return {
            "point": {k: str(v) for k, v in self.point.items()},
            "value": None if self.value is None else self.value.to_dict(),
            "slope": None if self.slope is None else self.slope.to_dict(),
            "higher": [None if v is None else v.to_dict() for v in self.higher],
            "defined": self.defined,
            "sign": self.sign,
            "reason": self.reason,
            "one_sided": None if self.sides is None else {"left": self.sides[0],
                                                          "right": self.sides[1]},
            "tangent": None if self.tangent_tidy is None else str(self.tangent_tidy),
        }


# ── values ─────────────────────────────────────────────────────────────────────
class _NoValue(Exception):
    """The precise evaluation found the part that fails."""

    def __init__(self, where: Undefined) -> None:
        self.where = where


def _value(expr: Expr, point: dict[str, Expr], floats: dict[str, float], *,
           strict: bool = False) -> Value:
    """``expr`` at the point: exactly or in high precision where that decides (raising
    :class:`_NoValue` where it has no value), with floats and SymPy otherwise (raising
    UndefinedError)."""
    found = precise_value(expr, point, strict=strict)
    if isinstance(found, Undefined):
        raise _NoValue(found)
    if isinstance(found, Precise):
        return _from_precise(expr, point, found)
    number = evaluate(expr, floats, strict=strict)
    try:
        return Value(number, exact_value(expr, point, number, budget=_EXACT_BUDGET))
    except NoRealValue:
        raise UndefinedError(f"{expr.pretty()} has no real value here") from None


def _from_precise(expr: Expr, point: dict[str, Expr], found: Precise) -> Value:
    decimal = None if found.fits else found.decimal
    exact: Expr | None
    if found.exact is not None:
        exact = Num(found.exact)  # rational: SymPy has nothing to add
    else:
        try:
            exact = exact_value(expr, point, found, budget=_EXACT_BUDGET)
        except NoRealValue:  # the settled value stands: SymPy's form is not shown
            exact = None
    return Value(found.number, exact, decimal, found.sign)


def _precise_reason(where: Undefined, var: str, at: str, what: str) -> str:
    """Why the part the precise evaluation found has no value (or no derivative), in
    words."""
    return why_undefined(where.node, where.values.get, overflow=where.overflow, what=what,
                         exact={var: at})


def _value_or_none(arg: Expr, floats: dict[str, float]) -> float | None:
    try:
        return evaluate(arg, floats)
    except UndefinedError:
        return None


def _culprit(expr: Expr, floats: dict[str, float], strict: bool, fallback: str,
             var: str, what: str | None = None, exact_at: str | None = None) -> str:
    """The innermost subexpression that fails, in words."""
    if node_count(expr) > _DIAGNOSE_LIMIT:
        return fallback
    for node in postorder(expr):
        try:
            evaluate(node, floats, strict=strict)
        except UndefinedError as err:
            return why_undefined(
                node, partial(_value_or_none, floats=floats), overflow=err.overflow,
                what=what or ("is not differentiable" if strict else "has no real value"),
                exact={var: exact_at} if exact_at else None)
    return fallback


def _one_sided(derivative: Expr, floats: dict[str, float],
               var: str) -> tuple[float, float] | None:
    """f′ just left and just right of the point; ±inf where it grows without bound."""
    a = floats[var]
    if not math.isfinite(a):
        return None
    scale = max(1.0, abs(a))

    def near(h: float) -> float:
        return evaluate(derivative, {**floats, var: a + h})

    out: list[float] = []
    try:
        for sign in (-1, 1):
            far, close = near(sign * 1e-4 * scale), near(sign * 1e-7 * scale)
            if abs(close) > 1e3 and abs(close) > 10 * abs(far):
                out.append(math.copysign(math.inf, close))
            else:
                out.append(0.0 if abs(close) < 1e-6 else close)
    except UndefinedError:
        return None
    return out[0], out[1]


def slope_at(d: Derivation, point: Mapping[str, Any] | str | Any) -> Slope:
    """f, f′ (and higher derivatives) of ``d`` at ``point``, with the tangent line."""
    var = d.variable
    values = point_values(point, var)
    needed = free_symbols(d.expr) | {var}
    missing = sorted(needed - set(values))
    if missing:
        example = ",".join(f"{n}=…" for n in sorted(needed))
        raise UsageError(f"give a value for {', '.join(missing)} as well: --at {example}")
    extra = sorted(set(values) - needed)
    if extra:
        raise UsageError(f"{', '.join(extra)} does not occur in {d.expr.pretty()}")
    floats = {k: _float(v) for k, v in values.items()}
    others = {k: v for k, v in values.items() if k != var}
    a = floats[var]
    fits = math.isfinite(a) and (a != 0 or values[var] == Num(0))  # not 1e−400 rounded to 0
    at_decimal = None if fits else precise_number(values[var])
    at = _point_text(values[var])  # the point as written (π/2, 1e−400), in the reasons
    common: dict[str, Any] = {"others": others, "at_decimal": at_decimal}
    try:
        fa = _value(d.expr, values, floats)
    except _NoValue as no:
        return Slope(d.expr, var, values, None, None, reason=_precise_reason(
            no.where, var, at, "has no real value"), too_large=no.where.overflow, **common)
    except UndefinedError as err:
        # floats may not fail where the exact value does not exist (tan at π/2 rounds to a
        # huge number): then the function whose domain excludes the point is the culprit
        reason = _culprit(d.expr, floats, False, "", var, exact_at=at) or _culprit(
            d.expr, floats, True, f"{d.expr.pretty()} has no real value here", var,
            what="has no real value", exact_at=at)
        return Slope(d.expr, var, values, None, None, reason=reason, too_large=err.overflow,
                     **common)
    derivative = d.stages[0].result
    try:
        smooth = precise_value(d.expr, values, strict=True)
        if isinstance(smooth, Undefined):
            reason = _precise_reason(smooth, var, at, "is not differentiable")
            return Slope(d.expr, var, values, fa, None, reason=reason,
                         sides=_one_sided(derivative, floats, var), **common)
        if smooth is None:
            evaluate(d.expr, floats, strict=True)
        dfa = _value(derivative, values, floats)
    except _NoValue as no:
        reason = _precise_reason(no.where, var, at, "has no real value")
        return Slope(d.expr, var, values, fa, None, reason=reason,
                     sides=_one_sided(derivative, floats, var), too_large=no.where.overflow,
                     **common)
    except UndefinedError as err:
        reason = _culprit(d.expr, floats, True, "", var, exact_at=at)
        if not reason:
            reason = _culprit(derivative, floats, False,
                              "the derivative has no real value here", var, exact_at=at)
        return Slope(d.expr, var, values, fa, None, reason=reason,
                     sides=_one_sided(derivative, floats, var), too_large=err.overflow,
                     **common)
    higher: list[Value | None] = []
    for stage in d.stages[1:]:
        try:
            higher.append(_value(stage.result, values, floats))
        except (UndefinedError, _NoValue):
            higher.append(None)
    tangent, tidy = _tangent(fa, dfa, var, values[var])
    return Slope(d.expr, var, values, fa, dfa, higher=tuple(higher), tangent=tangent,
                 tangent_tidy=tidy, **common)


def _float(e: Expr) -> float:
    """A point's value as a float: ±inf or 0.0 beyond a float's range."""
    try:
        return evaluate(e, {})
    except UndefinedError:
        found = precise_number(e)
        return math.nan if found is None else float(found)


def _point_text(e: Expr) -> str:
    """A point's value as written (π/2), or in scientific notation where its digits run
    long (1e−400)."""
    if isinstance(e, Num):
        long = scientific(e.value)
        if long is not None and not long[0].startswith("≈"):
            return long[0]
    return e.pretty()


def _tangent(fa: Value, dfa: Value, var: str, a: Expr) -> tuple[Expr | None, Expr | None]:
    """y = f(a) + f′(a)(x − a), as written and multiplied out; only with exact values."""
    if fa.exact is None or dfa.exact is None:
        return None, None
    x = Symbol(var)
    shift: Expr = x if a == Num(0) else Add((x, Neg(a)))
    slope_term: Expr = (shift if dfa.exact == Num(1) else Neg(shift) if dfa.exact == Num(-1)
                        else Mul((dfa.exact, shift)))
    written: Expr = slope_term if fa.exact == Num(0) else Add((fa.exact, slope_term))
    if dfa.exact == Num(0):
        written = fa.exact
    tidy = expanded(written)
    if tidy is None:
        tidy = written  # SymPy could not multiply it out: the written form is still right
    if isinstance(tidy, Add) and not free_symbols(tidy.terms[0]):  # 10x − 25, not −25 + 10x
        tidy = Add(tidy.terms[1:] + tidy.terms[:1])
    return written, tidy
