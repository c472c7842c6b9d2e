"""The Python API: :func:`diff` and the :class:`Derivation` it returns.

This is the facade: it reads what the user passed (text, an Expr or SymPy; the variable;
the options) and calls the pipeline, :func:`chainrule.derivation.derive`, where the
derivation and its result classes live. The features never import it.

    >>> import chainrule
    >>> d = chainrule.diff("x*y + sin(y)", "y")
    >>> str(d.result)
    'x + cos(y)'
    >>> d.verification.status
    'symbolic'
"""

from __future__ import annotations

from typing import Any

from chainrule.budget import DEFAULT_TIMEOUT, doing, job
from chainrule.derivation import Derivation, Stage, derive
from chainrule.errors import UsageError
from chainrule.inputs import as_expr, pick_wrt, resolve_variable
from chainrule.options import Detail, SimplifyMode, VerifyMode, choose

__all__ = ["diff", "Derivation", "Stage", "as_expr", "resolve_variable"]


def diff(expr: Any, wrt: Any = None, *, order: int = 1, simplify: SimplifyMode = "light",
         verify: VerifyMode = "final", detail: Detail = "normal",
         var: Any = None, timeout: float | None = DEFAULT_TIMEOUT) -> Derivation:
    """Differentiate with steps and proof.

        >>> str(diff("sin(x**2)").result)
        '2*x*cos(x**2)'
        >>> str(diff("x**4", order=2).result)
        '12*x**2'

    ``expr`` is text, an :class:`Expr` or a SymPy expression; ``wrt`` (also accepted under
    its older name ``var``) is inferred when the expression has a single symbol.
    ``simplify`` is none, light or full; ``verify`` is
    final (check the result), steps (check every step) or off. A wrong result raises
    :class:`chainrule.VerificationError`; it is never returned.

    ``timeout`` is the wall clock of the whole call in seconds (default 60; 0 or None for
    none): reading, differentiating, simplifying and proving every order. When it runs out,
    :class:`chainrule.BudgetExceeded` is raised; its ``partial`` is the derivation of the
    orders proven by then (``partial.stopped`` says why), or None. Inside an open
    :func:`chainrule.budget.job` the call shares that job's budget instead.
    """
    choose(simplify, SimplifyMode, "simplify mode")
    choose(verify, VerifyMode, "verify mode")
    choose(detail, Detail, "detail level")
    if not isinstance(order, int) or isinstance(order, bool) or not 1 <= order <= 50:
        raise UsageError(f"order must be a whole number from 1 to 50, not {order!r}")
    with job(timeout):
        doing("reading the expression")
        parsed, text = as_expr(expr)
        variable = resolve_variable(parsed, pick_wrt(wrt, var))
        return derive(parsed, variable, order=order, simplify=simplify, verify=verify,
                      detail=detail, text=text)

