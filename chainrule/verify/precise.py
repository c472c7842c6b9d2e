"""Values at a point in exact and high-precision arithmetic, for the slope (``--at``).

Floats decide wrongly near a function's corners and domain edges and beyond their range:
|x| at 10⁻¹⁰ looks like a corner, ln x at 10⁻⁴⁰⁰ like ln 0, x² at 10⁴⁰⁰ like infinity.
Here each node is an exact :class:`~fractions.Fraction` while the expression is rational
(sums, products, quotients, integer powers, |u|, sign, H, relu, perfect roots) and an
mpmath number otherwise. Every question a value's existence depends on — is cos u zero,
is u positive — is a sign, and a sign of an mpmath number counts only once it is
*settled*: the same, with nearly the same magnitude, at two precisions. The precision
starts from the sizes of the numbers involved (10⁻³⁰⁰ needs a thousand bits) and doubles
until every such sign is settled, up to a cap; a question still open there (tan at π/2,
where cos u is exactly 0 but never exactly 0 in binary) is taken as exactly 0: the point
is on the edge.

    >>> from chainrule.parser import parse
    >>> from fractions import Fraction
    >>> from chainrule.expr import Num
    >>> r = precise_value(parse("abs(x)"), {"x": Num(Fraction(1, 10**10))}, strict=True)
    >>> r.exact, r.sign
    (Fraction(1, 10000000000), 1)
    >>> precise_value(parse("log(x)"), {"x": Num(Fraction(1, 10**400))}).decimal
    Decimal('-921.03403719761827360719658187374568')
    >>> precise_value(parse("heaviside(x)"), {"x": Num(0)}, strict=True).node.pretty()
    'H(x)'

mpmath is imported only inside these functions (it ships with SymPy), and each thread
works in a context of its own, so concurrent calls do not change each other's precision.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import MAX_EMAX, MIN_EMIN, Decimal, localcontext
from fractions import Fraction
from typing import Any

from chainrule.expr import Add, Const, Div, Expr, Func, Mul, Neg, Num, Pow, Symbol, postorder
from chainrule.functions import FUNCTIONS

__all__ = ["Precise", "Undefined", "precise_value", "precise_number", "MAX_EXPONENT"]

CAP_BITS = 1 << 14        # the highest precision tried (≈ 4 900 digits)
VALUE_BITS = 1 << 10      # a value that is not settled by then is ≈ 0 from cancellation
FRACTION_BITS = 1 << 15   # an exact numerator or denominator longer than this goes mpmath
MAX_EXPONENT = 10 ** 6    # |value| beyond 10^±MAX_EXPONENT is too large to compute here
_DIGITS = 35              # significant digits of the decimal kept of a value
_LOG2_10 = math.log2(10)

Number = Any  # a Fraction or an mpmath mpf


@dataclass(frozen=True)
class Precise:
    """A value that exists: ``exact`` where it is rational, ``decimal`` always (35 digits),
    and ``sign`` where it is known (None: too close to 0 to tell, as after cancellation)."""

    decimal: Decimal
    exact: Fraction | None
    sign: int | None

    @property
    def number(self) -> float:
        """The nearest float; ±inf or 0.0 beyond a float's range (see :attr:`fits`)."""
        if self.exact is not None:
            try:
                return float(self.exact)
            except OverflowError:
                return math.inf if self.exact > 0 else -math.inf
        return float(self.decimal)

    @property
    def fits(self) -> bool:
        """Whether a float holds the value (neither overflows nor underflows)."""
        v = abs(self.decimal)
        return v == 0 or Decimal("2.2250738585072014e-308") <= v <= Decimal(
            "1.7976931348623157e308")


@dataclass(frozen=True)
class Undefined:
    """No value: ``node`` is the innermost part that fails (outside its function's domain —
    strictly, where it is not differentiable — or a division by zero); ``values`` are its
    arguments' values, for the message; ``overflow`` that it exists but is too large."""

    node: Expr
    values: dict[Expr, Decimal] = field(default_factory=dict)
    overflow: bool = False


class _Unsupported(Exception):
    """An abstract or run-time defined function, or a power this module does not decide."""


class _Fail(Exception):
    def __init__(self, node: Expr, overflow: bool = False) -> None:
        self.node, self.overflow = node, overflow


_LOCAL = threading.local()


def _context() -> Any:
    ctx = getattr(_LOCAL, "ctx", None)
    if ctx is None:
        import mpmath
        ctx = _LOCAL.ctx = mpmath.MPContext()
    return ctx


def _bits(q: Fraction) -> int:
    return max(q.numerator.bit_length(), q.denominator.bit_length())


def _to_decimal(v: Number) -> Decimal:
    with localcontext() as dc:
        dc.prec, dc.Emax, dc.Emin = _DIGITS, MAX_EMAX, MIN_EMIN
        if isinstance(v, Fraction):
            return +(Decimal(v.numerator) / Decimal(v.denominator))
        from mpmath import libmp
        return +Decimal(libmp.to_str(v._mpf_, _DIGITS))


def _log2_abs(v: Number) -> float:
    """log₂|v|, roughly (−inf for 0), for numbers of any size."""
    if isinstance(v, Fraction):
        if v == 0:
            return -math.inf
        return float(abs(v.numerator).bit_length() - v.denominator.bit_length())
    if not v:
        return -math.inf
    _, _, exp, bc = v._mpf_
    return float(exp + bc)


class _Run:
    """One evaluation at one precision. The signs of mpmath numbers it asked are kept in
    ``trace``, in order, to be compared with the next precision's."""

    def __init__(self, prec: int, strict: bool, trace: list[Number],
                 zero: frozenset[int] = frozenset()) -> None:
        self.ctx = _context()
        self.ctx.prec = prec
        self.strict = strict
        self.trace = trace
        self.zero = zero  # the questions (by place in the trace) taken as exactly 0
        self.memo: dict[Expr, Number] = {}

    # ── numbers ──
    def mp(self, v: Number) -> Number:
        if isinstance(v, Fraction):
            return self.ctx.fdiv(v.numerator, v.denominator)
        return v

    def exact_ok(self, q: Fraction) -> Number:
        return q if _bits(q) <= FRACTION_BITS else self.mp(q)

    def sgn(self, v: Number) -> int:
        if isinstance(v, Fraction):
            return (v > 0) - (v < 0)
        self.trace.append(v)
        if len(self.trace) - 1 in self.zero:
            return 0
        return int(v > 0) - int(v < 0)

    def cmp1(self, v: Number) -> int:
        """The sign of |v| − 1."""
        if isinstance(v, Fraction):
            return self.sgn(abs(v) - 1)
        return self.sgn(abs(v) - 1)

    # ── the walk ──
    def run(self, expr: Expr, point: Mapping[str, Number]) -> Number:
        for node in postorder(expr, self.memo):
            kids = [self.memo[c] for c in node.children]
            try:
                value = self.node(node, kids, point)
            except (ZeroDivisionError, ValueError, ArithmeticError, TypeError):
                raise _Unsupported from None  # every failure this module knows is a _Fail
            if not isinstance(value, Fraction) and not isinstance(value, self.ctx.mpf):
                raise _Unsupported  # a complex number: a rule above is missing
            if not isinstance(value, Fraction) and not self.ctx.isfinite(value):
                raise _Unsupported
            if _log2_abs(value) > MAX_EXPONENT * _LOG2_10:
                raise _Fail(node, overflow=True)
            self.memo[node] = value
        return self.memo[expr]

    def node(self, node: Expr, k: list[Number], point: Mapping[str, Number]) -> Number:
        ctx = self.ctx
        if isinstance(node, Num):
            return node.value
        if isinstance(node, Symbol):
            return point[node.name]
        if isinstance(node, Const):
            return +ctx.pi if node.name == "pi" else +ctx.e
        if isinstance(node, Add):
            if all(isinstance(v, Fraction) for v in k):
                return self.exact_ok(sum(k, Fraction(0)))
            return ctx.fsum(self.mp(v) for v in k)
        if isinstance(node, Neg):
            return -k[0]
        if isinstance(node, Mul):
            if all(isinstance(v, Fraction) for v in k):
                out = Fraction(1)
                for v in k:
                    out *= v
                    if _bits(out) > FRACTION_BITS:
                        break
                else:
                    return out
            return ctx.fprod(self.mp(v) for v in k)
        if isinstance(node, Div):
            if self.sgn(k[1]) == 0:
                raise _Fail(node)
            if isinstance(k[0], Fraction) and isinstance(k[1], Fraction):
                return self.exact_ok(k[0] / k[1])
            return self.mp(k[0]) / self.mp(k[1])
        if isinstance(node, Pow):
            return self.power(node, k[0], k[1])
        if isinstance(node, Func):
            return self.func(node, k)
        raise _Unsupported

    def power(self, node: Expr, b: Number, e: Number) -> Number:
        ctx = self.ctx
        if not isinstance(e, Fraction):
            # bᵉ with an irrational exponent: real for b > 0, 0 for b = 0 and e > 0
            s = self.sgn(b)
            if s > 0:
                return ctx.power(self.mp(b), e)
            if s == 0 and self.sgn(e) != 0:
                if e < 0:
                    raise _Fail(node)
                return Fraction(0)
            raise _Unsupported  # a negative base: whether e is an integer is not decided
        if e.denominator == 1:
            n = e.numerator
            if n == 0:
                return Fraction(1)  # 0⁰ = 1, as floats have it
            if n < 0 and self.sgn(b) == 0:
                raise _Fail(node)
            if isinstance(b, Fraction) and abs(n) * _bits(b) <= FRACTION_BITS:
                return b ** n
            return ctx.power(self.mp(b), n)
        sb = self.sgn(b)
        if sb < 0:
            raise _Fail(node)  # a negative base, a fractional exponent: as real_pow
        if sb == 0:
            if e < 0:
                raise _Fail(node)
            return Fraction(0)
        if isinstance(b, Fraction):
            root = _exact_root(b, e.denominator)
            if root is not None and abs(e.numerator) * _bits(root) <= FRACTION_BITS:
                return root ** e.numerator
        return ctx.power(self.mp(b), self.mp(e))

    def func(self, node: Func, k: list[Number]) -> Number:
        spec = _SPECS.get(node.name)
        entry = FUNCTIONS.get(node.name)
        if spec is None or entry is None or entry.abstract or entry is not _BUILTIN.get(node.name):
            raise _Unsupported
        exists, smooth, value = spec
        if not exists(self, *k) or (self.strict and not smooth(self, *k)):
            raise _Fail(node)
        return value(self, *k)


def _exact_root(q: Fraction, n: int) -> Fraction | None:
    """The positive n-th root of q > 0 when it is rational."""
    def iroot(a: int) -> int | None:
        if a.bit_length() > FRACTION_BITS:
            return None
        r = round(a ** (1 / n)) if a.bit_length() < 1000 else _inth(a, n)
        for c in (r - 1, r, r + 1):
            if c >= 0 and c ** n == a:
                return c
        return None
    top, bottom = iroot(q.numerator), iroot(q.denominator)
    return None if top is None or bottom is None else Fraction(top, bottom)


def _inth(a: int, n: int) -> int:
    """⌊a^(1/n)⌋ by Newton's method on integers."""
    x = 1 << -(-a.bit_length() // n)
    while True:
        y = ((n - 1) * x + a // x ** (n - 1)) // n
        if y >= x:
            return x
        x = y


# ── the functions: where a value exists, where it is differentiable, the value ─────────
Check = Callable[..., bool]


def _always(r: _Run, *v: Number) -> bool:
    return True


def _nonzero(r: _Run, u: Number) -> bool:
    return r.sgn(u) != 0


def _cos_nonzero(r: _Run, u: Number) -> bool:
    return r.sgn(r.ctx.cos(r.mp(u))) != 0


def _sin_nonzero(r: _Run, u: Number) -> bool:
    return r.sgn(u) != 0 and r.sgn(r.ctx.sin(r.mp(u))) != 0


def _log_exists(r: _Run, u: Number, b: Number | None = None) -> bool:
    if r.sgn(u) <= 0:
        return False
    if b is None:
        return True
    if isinstance(b, Fraction):
        return b > 0 and b != 1
    return r.sgn(b) > 0 and r.sgn(b - 1) != 0


def _exact(fn: Callable[[Fraction], Fraction], approx: Callable[[_Run, Number], Number]
           ) -> Callable[..., Number]:
    return lambda r, u: fn(u) if isinstance(u, Fraction) else approx(r, u)


def _mp(name: str) -> Callable[..., Number]:
    return lambda r, *a: getattr(r.ctx, name)(*(r.mp(v) for v in a))


def _cbrt(r: _Run, u: Number) -> Number:
    s = r.sgn(u)
    if s == 0:
        return Fraction(0)
    if isinstance(u, Fraction):
        root = _exact_root(abs(u), 3)
        if root is not None:
            return s * root
    return s * r.ctx.cbrt(abs(r.mp(u)))


def _sqrt(r: _Run, u: Number) -> Number:
    if isinstance(u, Fraction):
        if u == 0:
            return Fraction(0)
        root = _exact_root(u, 2)
        if root is not None:
            return root
    return r.ctx.sqrt(r.mp(u))


def _sign(r: _Run, u: Number) -> Number:
    return Fraction(r.sgn(u))


def _heaviside(r: _Run, u: Number) -> Number:
    s = r.sgn(u)
    return Fraction(1) if s > 0 else Fraction(0) if s < 0 else Fraction(1, 2)


def _relu(r: _Run, u: Number) -> Number:
    if isinstance(u, Fraction):
        return max(u, Fraction(0))
    return u if u > 0 else r.ctx.zero


def _log(r: _Run, u: Number, b: Number | None = None) -> Number:
    ctx = r.ctx
    if b is None:
        return ctx.ln(r.mp(u))
    return ctx.ln(r.mp(u)) / ctx.ln(r.mp(b))


def _sigmoid(r: _Run, u: Number) -> Number:
    return 1 / (1 + r.ctx.exp(-r.mp(u)))


def _softplus(r: _Run, u: Number) -> Number:
    ctx = r.ctx
    u = r.mp(u)
    return ctx.log1p(ctx.exp(u)) if u < 0 else u + ctx.log1p(ctx.exp(-u))


def _le1(r: _Run, u: Number) -> bool:
    return r.cmp1(u) <= 0


def _lt1(r: _Run, u: Number) -> bool:
    return r.cmp1(u) < 0


def _ge1(r: _Run, u: Number) -> bool:
    return r.cmp1(u) >= 0


def _gt1(r: _Run, u: Number) -> bool:
    return r.cmp1(u) > 0


def _atan2_smooth(r: _Run, y: Number, x: Number) -> bool:
    return r.sgn(y) != 0 or r.sgn(x) > 0


_SPECS: dict[str, tuple[Check, Check, Callable[..., Number]]] = {
    "sin": (_always, _always, _mp("sin")),
    "cos": (_always, _always, _mp("cos")),
    "tan": (_cos_nonzero, _always, _mp("tan")),
    "cot": (_sin_nonzero, _always, _mp("cot")),
    "sec": (_cos_nonzero, _always, _mp("sec")),
    "csc": (_sin_nonzero, _always, _mp("csc")),
    "asin": (_le1, _lt1, _mp("asin")),
    "acos": (_le1, _lt1, _mp("acos")),
    "atan": (_always, _always, _mp("atan")),
    "acot": (_always, _nonzero, _mp("acot")),
    "asec": (_ge1, _gt1, _mp("asec")),
    "acsc": (_ge1, _gt1, _mp("acsc")),
    "sinh": (_always, _always, _mp("sinh")),
    "cosh": (_always, _always, _mp("cosh")),
    "tanh": (_always, _always, _mp("tanh")),
    "coth": (_nonzero, _always, _mp("coth")),
    "sech": (_always, _always, _mp("sech")),
    "csch": (_nonzero, _always, _mp("csch")),
    "asinh": (_always, _always, _mp("asinh")),
    "acosh": (lambda r, u: r.sgn(u - 1) >= 0, lambda r, u: r.sgn(u - 1) > 0, _mp("acosh")),
    "atanh": (_lt1, _always, _mp("atanh")),
    "acoth": (_gt1, _always, _mp("acoth")),
    "asech": (lambda r, u: r.sgn(u) > 0 and r.sgn(u - 1) <= 0,
              lambda r, u: r.sgn(u - 1) < 0, _mp("asech")),
    "acsch": (_nonzero, _always, _mp("acsch")),
    "exp": (_always, _always, _mp("exp")),
    "log": (_log_exists, _always, _log),
    "sqrt": (lambda r, u: r.sgn(u) >= 0, lambda r, u: r.sgn(u) > 0, _sqrt),
    "cbrt": (_always, lambda r, u: r.sgn(u) > 0, _cbrt),
    "abs": (_always, _nonzero, _exact(abs, lambda r, u: abs(u))),
    "sign": (_always, _nonzero, _sign),
    "heaviside": (_always, _nonzero, _heaviside),
    "relu": (_always, _nonzero, _relu),
    "atan2": (_always, _atan2_smooth, _mp("atan2")),
    "sigmoid": (_always, _always, _sigmoid),
    "softplus": (_always, _always, _softplus),
}
# The entries these rules were written for: a function redefined at run time is not ours.
_BUILTIN = {name: FUNCTIONS[name] for name in _SPECS}


# ── the precision loop ──────────────────────────────────────────────────────────────
@dataclass
class _Outcome:
    prec: int
    trace: list[Number]
    value: Number = None
    fail: _Fail | None = None
    memo: dict[Expr, Number] = field(default_factory=dict)

    @property
    def exact(self) -> bool:
        return not self.trace and (self.fail is not None or isinstance(self.value, Fraction))


def _attempt(expr: Expr, point: Mapping[str, Expr], prec: int, strict: bool,
             zero: frozenset[int]) -> _Outcome:
    trace: list[Number] = []
    values = {}
    for name, e in point.items():
        values[name] = _Run(prec, False, trace, zero).run(e, {})  # a point's value exists
    r = _Run(prec, strict, trace, zero)
    try:
        value = r.run(expr, values)
    except _Fail as fail:
        return _Outcome(prec, trace, fail=fail, memo=r.memo)
    return _Outcome(prec, trace, value=value, memo=r.memo)


def _close(a: Number, b: Number, rel: float) -> bool:
    if isinstance(a, Fraction) and isinstance(b, Fraction):
        return a == b
    if isinstance(a, Fraction) or isinstance(b, Fraction):
        ctx = _context()
        a, b = (ctx.fdiv(v.numerator, v.denominator) if isinstance(v, Fraction) else v
                for v in (a, b))
    if not a and not b:
        return True
    if (a > 0) != (b > 0) or (a < 0) != (b < 0):
        return False
    return bool(abs(a - b) <= abs(b) * rel)


_SETTLED = -1   # every question settled, and so what failed
_ODD = -2       # the runs differ where no question explains it


def _open(a: _Outcome, b: _Outcome, zero: frozenset[int]) -> int:
    """The first question (its place in the trace) whose sign the higher precision does not
    confirm; :data:`_SETTLED` when all stand."""
    for i, (x, y) in enumerate(zip(a.trace, b.trace)):
        if i not in zero and not _close(x, y, 0.25):
            return i
    if len(a.trace) != len(b.trace) or (a.fail is None) != (b.fail is None):
        return _ODD
    if a.fail is not None and b.fail is not None and a.fail.node is not b.fail.node:
        return _ODD
    return _SETTLED


def _start(expr: Expr, point: Mapping[str, Expr]) -> int:
    bits = 0
    for root in (expr, *point.values()):
        for node in postorder(root):
            if isinstance(node, Num):
                bits = max(bits, _bits(node.value))
    return min(64 + bits, CAP_BITS // 2)


def precise_value(expr: Expr, point: Mapping[str, Expr], *,
                  strict: bool = False) -> Precise | Undefined | None:
    """``expr`` at ``point`` (every symbol an exact constant expression): its value, or
    where it has none; ``strict`` also requires every function to be differentiable there.

    A question still open at the precision cap — cos u under tan at u = π/2, which is 0
    but never exactly 0 in binary — is taken as exactly 0: the point is on the edge.

    None when this cannot be decided: an abstract or run-time defined function, or runs
    that disagree where no question explains it."""
    prec = _start(expr, point)
    zero: frozenset[int] = frozenset()
    try:
        before = _attempt(expr, point, prec, strict, zero)
        while True:
            if before.exact:
                return _result(before)
            after = _attempt(expr, point, 2 * prec, strict, zero)
            open_at = _open(before, after, zero)
            if open_at == _SETTLED:
                if after.fail is not None:
                    return _result(after, before, zero)
                if _close(before.value, after.value, 2.0 ** -40):
                    return _result(after)
                if 2 * prec >= VALUE_BITS:  # ≈ 0 by cancellation: its sign cannot be told
                    return _result(after, sign_known=False)
            elif open_at == _ODD or (2 * prec >= CAP_BITS and len(zero) >= 8):
                return None
            elif 2 * prec >= CAP_BITS:  # on the edge: that question's answer is 0
                zero |= {open_at}
                before = _attempt(expr, point, prec, strict, zero)
                continue
            prec *= 2
            before = after
    except (_Unsupported, _Fail, RecursionError, TypeError, ValueError, KeyError,
            ArithmeticError):
        return None


def _result(o: _Outcome, before: _Outcome | None = None, zero: frozenset[int] = frozenset(),
            sign_known: bool = True) -> Precise | Undefined:
    if o.fail is not None:
        node = o.fail.node
        values = {}
        for c in node.children:
            if c in o.memo:
                v = o.memo[c]
                if zero and before is not None and c in before.memo \
                        and not _close(before.memo[c], v, 2.0 ** -40):
                    v = Fraction(0)  # noise about the edge taken as 0: it is 0
                values[c] = _to_decimal(v)
        return Undefined(node, values, o.fail.overflow)
    v = o.value
    exact = v if isinstance(v, Fraction) else None
    sign = ((v > 0) - (v < 0)) if sign_known else None
    return Precise(_to_decimal(v), exact, sign)


def precise_number(e: Expr) -> Decimal | None:
    """The value of a constant expression (a point's value), to 35 digits."""
    result = precise_value(e, {})
    return result.decimal if isinstance(result, Precise) else None
