"""JSON: the stable, versioned document for tools (``--format json``, ``to_dict()``).

Schema ``1.1``: ``schema``, ``input``, ``variable``, ``order``, ``simplify``, ``detail``,
``result`` (Python syntax), ``result_pretty``, ``result_latex``, ``raw_result``,
``verification`` (``status``, ``method``, ``points``, ``reference``, ``seconds``),
``recognised`` (forms such as σ(x)·(1 − σ(x)), each proven), ``steps``: nested nodes with
``rule``, ``expr``, ``variable``, ``result``, ``explanation``, ``substeps`` and the rule's
own fields (a ``chain`` node has ``outer``, ``inner``, ``layer``, …), and — only when a
point is given — ``at``: the value, slope, tangent line or the reason there is none.

1.1 added ``detail``, ``recognised`` and ``at``; every 1.0 key is unchanged.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

from chainrule.steps import (ChainStep, ConstantMultipleStep, ConstantStep, ExponentialStep,
                             FunctionStep, LogDiffStep, MultiChainStep, PowerStep, ProductStep,
                             QuotientStep, ReciprocalStep, RewriteStep, Step, SumStep,
                             VariableStep)

if TYPE_CHECKING:
    from chainrule.api import Derivation
    from chainrule.recognise import Recognition
    from chainrule.slope import Slope

__all__ = ["SCHEMA", "step_to_dict", "derivation_to_dict", "FIELDS"]

SCHEMA = "1.1"

# The rule-specific fields of each step class (the common ones are added for all).
FIELDS: dict[type, Callable[[Any], dict[str, Any]]] = {
    ConstantStep: lambda s: {"kind": s.kind},
    VariableStep: lambda s: {},
    ConstantMultipleStep: lambda s: {"constant": str(s.constant), "operand": str(s.operand),
                                     "divides": s.divides},
    SumStep: lambda s: {},
    ProductStep: lambda s: {"factors": [str(f) for f in s.factors]},
    QuotientStep: lambda s: {"numerator": str(s.numerator), "denominator": str(s.denominator)},
    PowerStep: lambda s: {"base": str(s.base), "exponent": str(s.exponent)},
    ExponentialStep: lambda s: {"base": str(s.base)},
    ReciprocalStep: lambda s: {"numerator": str(s.numerator)},
    FunctionStep: lambda s: {"function": s.function},
    ChainStep: lambda s: {"layer": s.layer, "outer": str(s.outer), "inner": str(s.inner),
                          "outer_derivative": str(s.outer_derivative),
                          "outer_at_inner": str(s.outer_at_inner),
                          "inner_derivative": str(s.inner_derivative)},
    MultiChainStep: lambda s: {"function": s.function,
                               "arguments": [str(a) for a in s.arguments],
                               "partials": [str(p) for p in s.partials]},
    LogDiffStep: lambda s: {"base": str(s.base), "exponent": str(s.exponent),
                            "log_form": str(s.log_form)},
    RewriteStep: lambda s: {"rewritten": str(s.rewritten), "reason": s.reason},
}


def step_to_dict(root: Step) -> dict[str, Any]:
    """The nested step document, built without recursion (step trees can be very deep)."""
    built: dict[int, dict[str, Any]] = {}
    order: list[Step] = []
    stack = [root]
    while stack:  # parents before children; then fill children bottom-up
        step = stack.pop()
        order.append(step)
        stack.extend(step.substeps)
    for step in reversed(order):
        if id(step) in built:
            continue
        node = {"rule": step.rule, "expr": str(step.expr), "variable": step.variable,
                "result": str(step.result), "explanation": step.explanation}
        node.update(FIELDS[type(step)](step))
        node["substeps"] = [built[id(s)] for s in step.substeps]
        built[id(step)] = node
    return built[id(root)]


def recognition_to_dict(r: Recognition) -> dict[str, Any]:
    value, written = r.definition
    return {"expr": str(r.expr), "name": r.form_name, "function": str(r.value),
            "form": str(r.form), "form_pretty": r.form.pretty(), "form_latex": r.form.latex(),
            "definition": f"{value} = {written}", "rule": r.rule[0], "note": r.note}


def derivation_to_dict(d: Derivation, slope: Slope | None = None) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "schema": SCHEMA,
        "input": d.input,
        "expr": str(d.expr),
        "variable": d.variable,
        "order": d.order,
        "simplify": d.simplify,
        "detail": d.detail,
        "result": str(d.result),
        "result_pretty": d.result.pretty(),
        "result_latex": d.result.latex(),
        "raw_result": str(d.raw_result),
        "verification": d.verification.to_dict(),
        "recognised": [recognition_to_dict(r) for r in d.recognised],
        "steps": step_to_dict(d.steps),
    }
    if d.order > 1:
        doc["stages"] = [{"order": s.order, "expr": str(s.expr), "result": str(s.result),
                          "verification": s.verification.to_dict(),
                          "steps": step_to_dict(s.steps)} for s in d.stages]
    if slope is not None:
        doc["at"] = slope.to_dict()
    return doc
