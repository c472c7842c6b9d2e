"""The Python API: :func:`diff` and the :class:`Derivation` it returns.

    >>> import chainrule
    >>> d = chainrule.diff("x*y + sin(y)", "y")
    >>> str(d.result)
    'x + cos(y)'
    >>> d.verification.status
    'symbolic'
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable, Literal, TypeVar

from chainrule.differentiate import differentiate
from chainrule.errors import ChainruleError, UsageError, VerificationError
from chainrule.expr import Expr, Symbol, free_symbols
from chainrule.functions import lookup
from chainrule.simplify import MODES, simplify as _simplify
from chainrule.steps import Step, walk
from chainrule.verify import Verification, skipped, verify_derivative

__all__ = ["diff", "Derivation", "Stage", "as_expr", "resolve_variable"]

Detail = Literal["brief", "normal", "full"]
T = TypeVar("T")
SCHEMA = "1.0"
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


@dataclass(frozen=True)
class Stage:
    """One derivative of a (possibly higher-order) derivation: d/dx of ``expr``."""

    order: int
    expr: Expr
    steps: Step
    raw_result: Expr
    result: Expr
    verification: Verification


@dataclass(frozen=True)
class Derivation:
    """The answer to ``diff``: the input, the steps, the result and how it was proven.

    ``result`` is simplified per the ``simplify`` option; ``raw_result`` is the product
    the rules gave. For ``order > 1``, ``stages`` holds every derivative on the way.
    """

    expr: Expr
    variable: str
    stages: tuple[Stage, ...]
    simplify: str
    detail: str
    text: str | None = None

    @property
    def order(self) -> int:
        return len(self.stages)

    @property
    def steps(self) -> Step:
        return self.stages[-1].steps

    @property
    def result(self) -> Expr:
        return self.stages[-1].result

    @property
    def raw_result(self) -> Expr:
        return self.stages[-1].raw_result

    @property
    def verification(self) -> Verification:
        """The weakest verification among the stages (all of them were checked)."""
        ranks = {"skipped": 0, "numeric": 1, "symbolic": 2}
        return min((s.verification for s in self.stages), key=lambda v: ranks[v.status])

    @property
    def input(self) -> str:
        return self.text if self.text is not None else str(self.expr)

    def to_sympy(self) -> Any:
        """The result as a SymPy expression."""
        from chainrule.sympy_bridge import to_sympy
        return to_sympy(self.result, real=False)

    def to_latex(self) -> str:
        """The derivation as a LaTeX ``align*`` block."""
        from chainrule.render.latex import render_latex
        return render_latex(self)

    def to_dict(self) -> dict[str, Any]:
        """The JSON document (schema in docs/json.md)."""
        from chainrule.render.json import derivation_to_dict
        return derivation_to_dict(self)

    def to_json(self, indent: int | None = 2) -> str:
        import json
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)

    def to_text(self, width: int = 80) -> str:
        """The steps as plain text, as ``chainrule diff --format plain`` prints them."""
        from chainrule.render.plain import render_plain
        return render_plain(self, width=width)

    def __str__(self) -> str:
        return str(self.result)

    def _repr_latex_(self) -> str:
        return "$$" + self.to_latex() + "$$"


def as_expr(value: Any) -> tuple[Expr, str | None]:
    """Our expression for text, an Expr, or a SymPy expression (and the text, if any)."""
    if isinstance(value, Expr):
        return value, None
    if isinstance(value, str):
        from chainrule.parser import parse
        return parse(value), value
    if type(value).__module__.startswith("sympy"):
        from chainrule.sympy_bridge import from_sympy
        return from_sympy(value), None
    if isinstance(value, (int,)) and not isinstance(value, bool):
        from chainrule.expr import Num
        return Num(value), None
    raise UsageError(f"cannot differentiate a {type(value).__name__}: pass text, a "
                     "chainrule Expr or a SymPy expression")


def resolve_variable(expr: Expr, var: Any) -> str:
    """The variable's name: given, or inferred when the expression has one symbol."""
    if var is None:
        symbols = sorted(free_symbols(expr))
        if len(symbols) == 1:
            return symbols[0]
        if not symbols:
            return "x"
        raise UsageError(f"the expression has several symbols ({', '.join(symbols)}); say which "
                         f"to differentiate with respect to: --wrt {symbols[0]} on the command "
                         f"line, diff(expr, \"{symbols[0]}\") in Python")
    if isinstance(var, Symbol):
        return var.name
    name = getattr(var, "name", var) if not isinstance(var, str) else var
    if not isinstance(name, str) or not _NAME.match(name.strip()):
        raise UsageError(f"cannot differentiate with respect to {var!r}: "
                         "the variable must be a symbol name such as x or w1")
    name = name.strip()
    if name in ("e", "E", "pi") or lookup(name) is not None:
        raise UsageError(f"cannot differentiate with respect to {name!r}: it is a "
                         f"{'constant' if name in ('e', 'E', 'pi') else 'function'}, not a symbol")
    return name


def diff(expr: Any, var: Any = None, *, order: int = 1, simplify: str = "light",
         verify: str = "final", detail: str = "normal") -> Derivation:
    """Differentiate with steps and proof.

        >>> str(diff("sin(x**2)").result)
        '2*x*cos(x**2)'
        >>> str(diff("x**4", order=2).result)
        '12*x**2'

    ``expr`` is text, an :class:`Expr` or a SymPy expression; ``var`` is inferred when the
    expression has a single symbol. ``simplify`` is none, light or full; ``verify`` is
    final (check the result), steps (check every step) or off. A wrong result raises
    :class:`chainrule.VerificationError`; it is never returned.
    """
    if simplify not in MODES:
        raise UsageError(f"unknown simplify mode {simplify!r}; choose none, light or full")
    if verify not in ("final", "steps", "off"):
        raise UsageError(f"unknown verify mode {verify!r}; choose final, steps or off")
    if detail not in ("brief", "normal", "full"):
        raise UsageError(f"unknown detail level {detail!r}; choose brief, normal or full")
    if not isinstance(order, int) or isinstance(order, bool) or not 1 <= order <= 50:
        raise UsageError(f"order must be a whole number from 1 to 50, not {order!r}")
    parsed, text = as_expr(expr)
    variable = resolve_variable(parsed, var)
    stages: list[Stage] = []
    current = parsed
    for k in range(1, order + 1):
        steps = differentiate(current, variable)
        result = _simplify(steps.result, simplify)
        what = "the derivative" if order == 1 else f"derivative number {k}"
        if verify == "off":
            verification = skipped()
        else:
            verification = _checked(lambda: verify_derivative(current, variable, result,
                                                              what=what), what)
            if verify == "steps":
                _checked(lambda: _verify_steps(steps), "a step")
        stages.append(Stage(k, current, steps, steps.result, result, verification))
        current = result
    return Derivation(parsed, variable, tuple(stages), simplify, detail, text)


def _checked(run: Callable[[], T], what: str) -> T:
    """Run a verification; an unexpected failure inside it is a failed proof, never a pass."""
    try:
        return run()
    except ChainruleError:
        raise
    except Exception as err:  # noqa: BLE001 — SymPy can fail in many ways
        raise VerificationError(f"{what} could not be checked: {type(err).__name__}: {err}") from err


def _verify_steps(root: Step) -> None:
    seen: set[tuple[Expr, str]] = set()
    for step in walk(root):
        key = (step.expr, step.variable)
        if key in seen:
            continue
        seen.add(key)
        verify_derivative(step.expr, step.variable, step.result,
                          what=f"the {step.rule} step for {step.expr}")
