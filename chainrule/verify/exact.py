"""Exact work done through SymPy for the rest of the package: values at a point (for the
slope), multiplying out (for the tangent line), and reading a SymPy expression a user
passed in.

    >>> from chainrule.parser import parse
    >>> exact_value(parse("cos(x)**2 + sin(x)**2"), {"x": parse("pi/7")}, 1.0).pretty()
    '1'
    >>> expanded(parse("3 + 2*(x - 1)")).pretty()
    '1 + 2x'

SymPy is imported only inside these functions, so modules that call them stay cheap to
import.
"""

from __future__ import annotations

import math
from decimal import MAX_EMAX, MIN_EMIN, Decimal, localcontext
from typing import Any

from chainrule.expr import Expr
from chainrule.simplify import light
from chainrule.verify.precise import Precise, precise_value

__all__ = ["NoRealValue", "exact_value", "expanded", "read_sympy"]

EXACT_BUDGET = 2.0   # seconds of SymPy for one exact value


class NoRealValue(Exception):
    """SymPy found the exact value and it is not a finite real number (tan(π/2), ln(−1))."""


def exact_value(expr: Expr, point: dict[str, Expr], number: float | Precise, *,
                budget: float = EXACT_BUDGET) -> Expr | None:
    """The exact value of ``expr`` at ``point`` (SymPy), when it agrees with ``number``
    (the value in floats, or in high precision: :func:`~chainrule.verify.precise.
    precise_value`); None when SymPy finds no closed form in time.

    Raises :class:`NoRealValue` when SymPy shows there is none: floats give tan(π/2) as
    1.6e16 because π/2 is rounded, and that number must never be shown.

    Against a high-precision value, SymPy's form is itself evaluated in high precision and
    must agree to nine digits: ``simplify`` gives acosh(1 + 10⁻²⁰⁰) as 0, and at 30 digits
    that cannot be told from 1.4·10⁻¹⁰⁰."""
    import sympy as sp

    from chainrule.verify.sympy_bridge import from_sympy, run_with_budget, sympy_symbol, to_sympy
    subs = {sympy_symbol(k): to_sympy(v) for k, v in point.items()}

    def work() -> Any:
        return sp.simplify(to_sympy(expr).subs(subs))

    done, value = run_with_budget(work, budget)
    if not done or isinstance(value, BaseException) or getattr(value, "free_symbols", True):
        return None
    if value.has(sp.zoo, sp.oo, -sp.oo, sp.nan) or value.is_extended_real is False:
        raise NoRealValue
    if isinstance(number, Precise):
        return _agreeing(value, number)
    try:
        approx = complex(value.evalf(30))
    except (TypeError, ValueError, OverflowError):
        return None
    if abs(approx.imag) > 1e-12 * max(1.0, abs(approx.real)):
        raise NoRealValue
    if not math.isclose(approx.real, number, rel_tol=1e-9, abs_tol=1e-12):
        return None
    try:
        return light(from_sympy(value))
    except Exception:  # a form we cannot show is simply not shown
        return None


def _agreeing(value: Any, number: Precise) -> Expr | None:
    """Our form of SymPy's ``value`` when its own high-precision value is ``number``'s."""
    from chainrule.verify.sympy_bridge import from_sympy
    try:
        form = light(from_sympy(value))
    except Exception:  # a form we cannot show is simply not shown
        return None
    check = precise_value(form, {})
    if not isinstance(check, Precise):
        return None  # it does not evaluate here (or not decidedly): do not show it
    a, b = check.decimal, number.decimal
    with localcontext() as ctx:
        ctx.Emax, ctx.Emin = MAX_EMAX, MIN_EMIN
        if check.sign is None or number.sign is None:  # ≈ 0 by cancellation on one side
            return form if abs(a - b) <= Decimal("1e-12") else None
        if check.sign != number.sign:
            return None
        return form if abs(a - b) <= Decimal("1e-9") * max(abs(a), abs(b)) else None


def expanded(expr: Expr) -> Expr | None:
    """``expr`` multiplied out by SymPy and tidied; None when SymPy cannot."""
    try:
        import sympy as sp

        from chainrule.verify.sympy_bridge import from_sympy, to_sympy
        return light(from_sympy(sp.expand(to_sympy(expr))))
    except Exception:  # the caller keeps the form it has
        return None


def read_sympy(value: Any) -> Expr:
    """Our expression for a SymPy expression a user passed in."""
    from chainrule.verify.sympy_bridge import from_sympy
    return from_sympy(value)
