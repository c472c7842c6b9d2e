r"""LaTeX: the derivation as an ``align*`` block for notes and slides.

    \begin{align*}
    \frac{d}{dx}\sin\left(x^{2}\right) &= \cos\left(x^{2}\right) \cdot 2x && \text{chain rule} \\
    &= 2x\cos\left(x^{2}\right)
    \end{align*}
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from chainrule.expr import Symbol, free_symbols
from chainrule.simplify import light
from chainrule.steps import (ChainStep, ConstantMultipleStep, ConstantStep, ExponentialStep,
                             FunctionStep, LogDiffStep, MultiChainStep, PowerStep, ProductStep,
                             QuotientStep, ReciprocalStep, RewriteStep, Step, SumStep,
                             VariableStep, walk)

if TYPE_CHECKING:
    from chainrule.api import Derivation

__all__ = ["render_latex", "LATEX_RULES"]


def _text(s: str) -> str:
    plain = (s.replace("\\", "").replace("{", "").replace("}", "").replace("_", r"\_")
             .replace("&", r"\&").replace("%", r"\%").replace("#", r"\#"))
    return r"\text{" + plain + "}"


LATEX_RULES: dict[type, Callable[[Step], str]] = {
    ConstantStep: lambda s: "constant",
    VariableStep: lambda s: "variable",
    ConstantMultipleStep: lambda s: "constant multiple",
    SumStep: lambda s: "sum rule",
    ProductStep: lambda s: "product rule",
    QuotientStep: lambda s: "quotient rule",
    PowerStep: lambda s: "power rule",
    ExponentialStep: lambda s: "exponential rule",
    ReciprocalStep: lambda s: "reciprocal rule",
    FunctionStep: lambda s: f"derivative of {s.function}",  # type: ignore[attr-defined]
    ChainStep: lambda s: "chain rule",
    MultiChainStep: lambda s: "chain rule, several arguments",
    LogDiffStep: lambda s: "logarithmic differentiation",
    RewriteStep: lambda s: "rewrite",
}


def _op(variable: str, partial: bool) -> str:
    v = Symbol(variable).latex()
    return rf"\frac{{\partial}}{{\partial {v}}}" if partial else rf"\frac{{d}}{{d{v}}}"


def render_latex(d: Derivation, max_rows: int = 60) -> str:
    """An ``align*`` block: one row per non-trivial step, then the result."""
    partial = len(free_symbols(d.expr) - {d.variable}) > 0
    rows: list[str] = []
    for stage in d.stages:
        for step in walk(stage.steps):
            if isinstance(step, (ConstantStep, VariableStep)) or len(rows) >= max_rows:
                continue
            op = _op(step.variable, partial and step.variable == d.variable)
            why = LATEX_RULES[type(step)](step)
            label = _text(why)
            if isinstance(step, ChainStep):
                label += rf",\ u_{{{step.layer[1:]}}} = {step.inner.latex()}"
            rows.append(rf"{op}\left[{step.expr.latex()}\right] &= "
                        rf"{light(step.result).latex()} && {label}")
    op = _op(d.variable, partial)
    if d.order > 1:
        op = op.replace("{d}", f"{{d^{{{d.order}}}}}").replace(
            f"{{d{d.variable}}}", f"{{d{d.variable}^{{{d.order}}}}}")
    rows.append(rf"{op}\left[{d.expr.latex()}\right] &= {d.result.latex()}")
    return "\\begin{align*}\n" + " \\\\\n".join(rows) + "\n\\end{align*}"
