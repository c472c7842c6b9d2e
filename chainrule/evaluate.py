"""Numeric evaluation of expressions with floats, without recursion and without SymPy.

    >>> from chainrule.parser import parse
    >>> evaluate(parse("x**2 + 1"), {"x": 3})
    10.0

A value that does not exist as a real number (log of a negative, division by zero, a
point outside a function's domain when ``strict``) raises :class:`UndefinedError`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from decimal import MAX_EMAX, MIN_EMIN, Decimal, localcontext
from fractions import Fraction

from chainrule.errors import UndefinedError
from chainrule.expr import Add, Const, Div, Expr, Func, Mul, Neg, Num, Pow, Symbol, postorder
from chainrule.functions import FUNCTIONS

__all__ = ["evaluate", "evaluate_many", "evaluate_shared", "real_pow", "number_text",
           "scientific", "has_long_number", "why_undefined", "AbstractImpl"]

# An abstract function f is evaluated through a concrete stand-in: order ↦ callable.
AbstractImpl = Mapping[str, Callable[[int, float], float]]


def real_pow(b: float, e: float) -> float:
    """bᵉ as a real number, as evaluation and generated code compute it: an error, never a
    complex number, for a negative base and a fractional exponent (and for 0 to a negative
    power)."""
    if b == 0 and e < 0:
        raise ZeroDivisionError
    if b < 0 and not float(e).is_integer():
        raise ValueError("negative base with a non-integer exponent")
    return math.pow(b, e)


def _prod(values: list[float]) -> float:
    out = 1.0
    for v in values:
        out *= v
    return out


def _func(node: Func, kids: list[float], ctx: _Context) -> float:
    entry = FUNCTIONS[node.name]
    if entry.abstract:
        if ctx.abstract is None or node.name not in ctx.abstract:
            raise UndefinedError(f"{node.name} is an abstract function: it has no value")
        return ctx.abstract[node.name](node.order, kids[0])
    if ctx.strict and not entry.domain(*kids):
        raise UndefinedError(f"{entry.display} is not differentiable at {kids[0]:g}")
    return entry.numeric(*kids)


class _Context:
    def __init__(self, point: Mapping[str, float], strict: bool,
                 abstract: AbstractImpl | None) -> None:
        self.point, self.strict, self.abstract = point, strict, abstract


_EVAL: dict[type, Callable[..., float]] = {
    Num: lambda n, k, c: float(n.value),
    Symbol: lambda n, k, c: float(c.point[n.name]),
    Const: lambda n, k, c: math.pi if n.name == "pi" else math.e,
    Add: lambda n, k, c: math.fsum(k),
    Neg: lambda n, k, c: -k[0],
    Mul: lambda n, k, c: _prod(k),
    Div: lambda n, k, c: k[0] / k[1],
    Pow: lambda n, k, c: real_pow(k[0], k[1]),
    Func: _func,
}


def evaluate(expr: Expr, point: Mapping[str, float], *, strict: bool = False,
             abstract: AbstractImpl | None = None) -> float:
    """The real value of ``expr`` at ``point``. ``strict`` also enforces each function's domain
    (the open set where its derivative exists), as verification needs.

    Where there is none, :class:`UndefinedError` says which part fails, and where:

        >>> from chainrule.parser import parse
        >>> evaluate(parse("1 + log(x - 2)"), {"x": 1})
        Traceback (most recent call last):
        ...
        chainrule.errors.UndefinedError: ln(x − 2) has no real value where x − 2 = −1 (ln: ...)
    """
    return evaluate_many([expr], point, strict=strict, abstract=abstract)[0]


def evaluate_many(exprs: Sequence[Expr], point: Mapping[str, float], *, strict: bool = False,
                  abstract: AbstractImpl | None = None) -> list[float]:
    """The values of several expressions at one point, each node they share computed once
    (a loss and its partials). Fails as :func:`evaluate` does, at the first expression that
    has no value.

        >>> from chainrule.parser import parse
        >>> evaluate_many([parse("x**2"), parse("x**2 + 1")], {"x": 3})
        [9.0, 10.0]
    """
    ctx = _Context(point, strict, abstract)
    memo: dict[Expr, float] = {}
    node: Expr | None = None
    try:
        for root in exprs:
            for node in postorder(root, memo):
                value = _EVAL[type(node)](node, [memo[c] for c in node.children], ctx)
                if isinstance(value, complex) or math.isnan(value):
                    raise ValueError("not a real number")
                if math.isinf(value):
                    raise OverflowError("too large")
                memo[node] = value
    except UndefinedError:
        raise
    except KeyError as err:
        raise UndefinedError(f"no value given for {err.args[0]}") from None
    except (ValueError, ZeroDivisionError, OverflowError, TypeError) as err:
        overflow = isinstance(err, OverflowError)
        assert node is not None
        raise UndefinedError(why_undefined(node, memo.get, overflow=overflow),
                             overflow=overflow) from None
    return [memo[e] for e in exprs]


def evaluate_shared(exprs: Sequence[Expr], point: Mapping[str, float]) -> list[float]:
    """The values of expressions that share subexpressions (a gradient's partials), each
    shared node computed once and only the results checked: a value on the way may be
    infinite where the result is not. Where a result has no finite value, each expression
    is evaluated on its own by :func:`evaluate`, whose error names the failing part.

        >>> from chainrule.parser import parse
        >>> evaluate_shared([parse("2*x"), parse("2*x + 1")], {"x": 3})
        [6.0, 7.0]
    """
    ctx = _Context(point, False, None)
    memo: dict[Expr, float] = {}
    try:
        for root in exprs:
            for node in postorder(root, memo):
                if node not in memo:
                    memo[node] = _EVAL[type(node)](node, [memo[c] for c in node.children], ctx)
        values = [float(memo[e]) for e in exprs]
        if all(math.isfinite(v) for v in values):
            return values
    except Exception:  # evaluate() below gives the proper error
        pass
    return [evaluate(e, point) for e in exprs]


def central_difference(expr: Expr, var: str, point: Mapping[str, float], h: float, *,
                       abstract: AbstractImpl | None = None) -> float:
    """d/d(var) of ``expr`` at ``point`` by a Richardson-extrapolated central difference
    with step ``h`` (error O(h⁴)): the one finite difference of verification and gradients.

        >>> from chainrule.parser import parse
        >>> round(central_difference(parse("x**3"), "x", {"x": 2.0}, 1e-3), 9)
        12.0
    """
    x0 = point[var]

    def d(k: float) -> float:
        return (evaluate(expr, {**point, var: x0 + k}, abstract=abstract)
                - evaluate(expr, {**point, var: x0 - k}, abstract=abstract)) / (2 * k)

    return (4 * d(h / 2) - d(h)) / 3


def number_text(v: float | Decimal, digits: int = 4) -> str:
    """A value as people read it — the one number formatter of every message, table and
    line: ``digits`` significant digits, a real minus sign, a short exponent, ±∞.

        >>> number_text(-0.000012345), number_text(2.5), number_text(float("inf"))
        ('−1.234e−5', '2.5', '+∞')

    A :class:`~decimal.Decimal` is written the same way, at any size (a value beyond a
    float, from exact or high-precision arithmetic):

        >>> number_text(Decimal("1e800")), number_text(Decimal("-921.034037197618"))
        ('1e800', '−921')
    """
    if isinstance(v, Decimal):
        return _decimal_text(v, digits)
    if math.isinf(v):
        return "+∞" if v > 0 else "−∞"
    if v == 0:
        return "0"
    text = f"{v:.{digits}g}"
    if "e" in text:
        mantissa, exp = text.split("e")
        text = f"{mantissa}e{int(exp)}"
    return text.replace("-", "−")


def _decimal_text(v: Decimal, digits: int) -> str:
    """``number_text`` of a Decimal: what ``f"{v:.{digits}g}"`` writes for a float."""
    if v.is_infinite():
        return "+∞" if v > 0 else "−∞"
    if v.is_zero():
        return "0"
    with localcontext() as ctx:
        ctx.prec, ctx.Emax, ctx.Emin = digits, MAX_EMAX, MIN_EMIN
        r = +v
    exp = r.adjusted()
    if -4 <= exp < digits:
        text = _strip(format(r, "f"))
    else:
        text = f"{_strip(format(r.scaleb(-exp), 'f'))}e{exp}"
    return text.replace("-", "−")


def _strip(fixed: str) -> str:
    return fixed.rstrip("0").rstrip(".") if "." in fixed else fixed


_LONG = 24  # digits of a number written out beyond which it is shown as 1e800


def scientific(q: Fraction) -> tuple[str, str] | None:
    """A rational too long to write out (10⁸⁰⁰, 10⁻⁴⁰⁰) in scientific notation, as
    (text, LaTeX), exact when it is a short decimal times a power of ten (``1e−400``),
    else to four digits (``≈ 3.333e−401``); None for a number short enough to write.

        >>> scientific(Fraction(1, 10**400))
        ('1e−400', '10^{-400}')
        >>> scientific(Fraction(3, 10**20)) is None
        True
    """
    if len(str(abs(q.numerator))) + len(str(q.denominator)) <= _LONG:
        return None
    if q == 0:
        return None
    den, twos, fives = q.denominator, 0, 0
    while den % 2 == 0:
        den, twos = den // 2, twos + 1
    while den % 5 == 0:
        den, fives = den // 5, fives + 1
    with localcontext() as ctx:
        ctx.prec, ctx.Emax, ctx.Emin = 40, MAX_EMAX, MIN_EMIN
        value = Decimal(q.numerator) / Decimal(q.denominator)
    if den == 1:  # a terminating decimal: exact if its digits are few
        k = max(twos, fives)
        digits = q.numerator * 10 ** k // q.denominator  # q = digits · 10^−k exactly
        mantissa = str(abs(digits)).rstrip("0")
        exp = len(str(abs(digits))) - 1 - k
        if len(mantissa) <= 17:
            m = mantissa[0] + ("." + mantissa[1:] if len(mantissa) > 1 else "")
            sign = "−" if q < 0 else ""
            tex_sign = "-" if q < 0 else ""
            tex = (f"{tex_sign}10^{{{exp}}}" if m == "1"
                   else rf"{tex_sign}{m} \times 10^{{{exp}}}")
            return f"{sign}{m}e{str(exp).replace('-', '−')}", tex
    text = number_text(value)
    mantissa, _, exp_text = text.partition("e")
    tex_exp = exp_text.replace("−", "-")
    tex = rf"\approx {mantissa.replace('−', '-')} \times 10^{{{tex_exp}}}" if exp_text \
        else rf"\approx {text.replace('−', '-')}"
    return f"≈ {text}", tex


def has_long_number(e: Expr) -> bool:
    """Whether ``e`` holds a number too long to write out (10⁸⁰⁰, 10⁻⁴⁰⁰): such a form is
    shown in scientific notation (:func:`scientific`), or as its decimal."""
    return any(isinstance(n, Num) and scientific(n.value) is not None for n in postorder(e))


_SHORT = 60  # characters of an expression quoted in a message
_TOO_LARGE = "is too large for a floating-point number"


def _quote(node: Expr) -> str:
    text = node.pretty()
    return text if len(text) <= _SHORT else text[:_SHORT - 1] + "…"


def why_undefined(node: Expr, value_of: Callable[[Expr], float | Decimal | None], *,
                  what: str = "has no real value", overflow: bool = False,
                  exact: Mapping[str, str] | None = None) -> str:
    """Why ``node`` has no value, in words: the part that fails and where.

    ``value_of(arg)`` is the value of an argument of ``node`` (None where it has none
    either); ``what`` says what is wrong with a function there ("is not differentiable"),
    ``overflow`` that the value exists but overflows a float, and ``exact`` how to write a
    symbol's value (π/2 rather than 1.571).
    """
    def where(arg: Expr) -> str:
        value = value_of(arg)
        if value is None:
            return " here"
        text = number_text(value)
        if isinstance(arg, Symbol):
            return f" at {arg.name} = {(exact or {}).get(arg.name) or text}"
        return f" where {_quote(arg)} = {text}"

    if overflow:
        return f"{_quote(node)} {_TOO_LARGE}{where(node.args[0]) if isinstance(node, Func) else ''}"
    if isinstance(node, Div):
        return f"{_quote(node)} divides by zero{where(node.den)}"
    if isinstance(node, Func):
        entry = FUNCTIONS[node.name]
        note = f" ({entry.display}: {entry.domain_note})" if entry.domain_note else ""
        return f"{_quote(node)} {what}{where(node.args[0])}{note}"
    if isinstance(node, Pow):
        return f"{_quote(node)} has no real value{where(node.base)}"
    return f"{_quote(node)} {what} here"
