"""JSON: the stable, versioned document for tools (``--format json``, ``to_dict()``).

Schema ``1.3``: ``schema``, ``kind`` (``"derivation"``), ``input``, ``variable``, ``order``,
``simplify``, ``detail``,
``result`` (Python syntax), ``result_pretty``, ``result_latex``, ``raw_result``,
``verification`` (``status``, ``method``, ``points``, ``reference``, ``seconds``),
``recognised`` (forms such as σ(x)·(1 − σ(x)), each proven), ``steps``: nested nodes with
``rule``, ``expr``, ``variable``, ``result``, ``explanation``, ``substeps`` and the rule's
own fields (a ``chain`` node has ``outer``, ``inner``, ``layer``, …), ``definitions`` and —
only when a point is given — ``at``: the value, slope, tangent line or the reason there is
none.

``definitions`` is empty unless the expressions written out in full would hold more than
:data:`JSON_LET_FROM` symbols (a deep chain's steps grow with the square of its depth).
Then the document is in let-form: ``definitions`` lists ``{"name", "expr"}`` in order, each
using only the names above it, and any expression in the document may use the names.

1.1 added ``detail``, ``recognised`` and ``at``; 1.2 added ``definitions``; 1.3 added
``kind`` and made ``schema`` one version for every kind of document (derivation, gradient,
check, descent, error). Every earlier key is unchanged.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from chainrule.errors import UsageError
from chainrule.expr import Expr, free_symbols
from chainrule.letform import LET_NAME, LetNames, printed_size
from chainrule.reading import read_as
from chainrule.steps import (
    ChainStep,
    ConstantMultipleStep,
    ConstantStep,
    ExponentialStep,
    FunctionStep,
    LogDiffStep,
    MultiChainStep,
    PowerStep,
    ProductStep,
    QuotientStep,
    ReciprocalStep,
    RewriteStep,
    Step,
    SumStep,
    VariableStep,
)

if TYPE_CHECKING:
    from chainrule.api import Derivation
    from chainrule.recognise import Recognition
    from chainrule.slope import Slope

__all__ = ["SCHEMA", "step_to_dict", "derivation_to_dict", "derivation_to_json", "FIELDS",
           "error_to_dict", "JSON_LET_FROM", "MAX_JSON_DEPTH", "step_depth"]

SCHEMA = "1.3"   # one version for the whole family of documents (every kind)
JSON_LET_FROM = 50_000   # symbols in all the document's expressions written out in full

# Levels of the step tree a document may nest: two levels of JSON each (a step and its list
# of substeps), and JSON readers such as Python's stop at about 1000.
MAX_JSON_DEPTH = 400

Write = Callable[[Expr], str]  # an expression as the document writes it

# The rule-specific fields of each step class (the common ones are added for all).
FIELDS: dict[type, Callable[[Any, Write], dict[str, Any]]] = {
    ConstantStep: lambda s, w: {"kind": s.kind},
    VariableStep: lambda s, w: {},
    ConstantMultipleStep: lambda s, w: {"constant": w(s.constant), "operand": w(s.operand),
                                        "divides": s.divides},
    SumStep: lambda s, w: {},
    ProductStep: lambda s, w: {"factors": [w(f) for f in s.factors]},
    QuotientStep: lambda s, w: {"numerator": w(s.numerator), "denominator": w(s.denominator)},
    PowerStep: lambda s, w: {"base": w(s.base), "exponent": w(s.exponent)},
    ExponentialStep: lambda s, w: {"base": w(s.base)},
    ReciprocalStep: lambda s, w: {"numerator": w(s.numerator)},
    FunctionStep: lambda s, w: {"function": s.function},
    ChainStep: lambda s, w: {"layer": s.layer, "outer": w(s.outer), "inner": w(s.inner),
                             "outer_derivative": w(s.outer_derivative),
                             "outer_at_inner": w(s.outer_at_inner),
                             "inner_derivative": w(s.inner_derivative)},
    MultiChainStep: lambda s, w: {"function": s.function,
                                  "arguments": [w(a) for a in s.arguments],
                                  "partials": [w(p) for p in s.partials]},
    LogDiffStep: lambda s, w: {"base": w(s.base), "exponent": w(s.exponent),
                               "log_form": w(s.log_form)},
    RewriteStep: lambda s, w: {"rewritten": w(s.rewritten), "reason": s.reason},
}


def step_to_dict(root: Step, w: Write = str) -> dict[str, Any]:
    """The nested step document, built without recursion (step trees can be very deep);
    ``w`` writes each expression."""
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
        node: dict[str, Any] = {"rule": step.rule, "expr": w(step.expr), "variable": step.variable,
                "result": w(step.result), "explanation": step.explanation}
        node.update(FIELDS[type(step)](step, w))
        node["substeps"] = [built[id(s)] for s in step.substeps]
        built[id(step)] = node
    return built[id(root)]


def step_depth(root: Step) -> int:
    """Levels of the step tree below and including ``root``, without recursion."""
    deepest = 0
    stack = [(root, 1)]
    while stack:
        step, level = stack.pop()
        deepest = max(deepest, level)
        stack.extend((s, level + 1) for s in step.substeps)
    return deepest


def recognition_to_dict(r: Recognition, w: Write = str) -> dict[str, Any]:
    value, written = r.definition
    return {"expr": w(r.expr), "name": r.form_name, "function": str(r.value),
            "form": w(r.form), "form_pretty": r.form.pretty(), "form_latex": r.form.latex(),
            "definition": f"{value} = {written}", "rule": r.rule[0], "note": r.note}


def derivation_to_json(d: Derivation, *, indent: int | None = 2,
                       slope: Slope | None = None) -> str:
    """The document as text. A document in let-form is a large one: indenting its deep step
    tree would make it grow with the square of the depth, so it is written compact."""
    import json
    doc = derivation_to_dict(d, slope=slope)
    return json.dumps(doc, indent=None if doc["definitions"] else indent, ensure_ascii=False)


def derivation_to_dict(d: Derivation, slope: Slope | None = None) -> dict[str, Any]:
    """The document; :class:`UsageError` for a step tree deeper than JSON readers accept."""
    depth = max(step_depth(stage.steps) for stage in d.stages)
    if depth > MAX_JSON_DEPTH:
        raise UsageError(f"the step tree is too deep for JSON: {depth} levels, and a JSON "
                         f"document may nest at most {MAX_JSON_DEPTH} (the text formats and "
                         "the Python objects have no such limit)")
    names = _names(d)
    shorten = names.shorten

    def w(e: Expr) -> str:
        return str(shorten(e))

    result = shorten(d.result)
    ra = read_as(d.expr, d.variable, d.text)
    doc: dict[str, Any] = {
        "schema": SCHEMA,
        "kind": "derivation",
        "input": d.input,
        **({"read_as": ra.to_dict()} if ra else {}),
        "expr": w(d.expr),
        "variable": d.variable,
        "order": d.order,
        "simplify": d.simplify,
        "detail": d.detail,
        "result": str(result),
        "result_pretty": result.pretty(),
        "result_latex": result.latex(),
        "raw_result": w(d.raw_result),
        "verification": d.verification.to_dict(),
        "recognised": [recognition_to_dict(r, w) for r in d.recognised],
        "steps": step_to_dict(d.steps, w),
    }
    if d.order > 1:
        doc["stages"] = [{"order": s.order, "expr": w(s.expr), "result": w(s.result),
                          "verification": s.verification.to_dict(),
                          "steps": step_to_dict(s.steps, w)} for s in d.stages]
    if slope is not None:
        doc["at"] = slope.to_dict()
    if d.stopped is not None:
        doc["stopped"] = {**d.stopped.to_dict(), "requested_order": d.requested_order}
    doc["definitions"] = [{"name": name.name, "expr": str(value)}
                          for name, value in names.definitions]
    return doc


_JSON_SWITCH = 3 * LET_NAME  # in let-form, the longest expression written in full


def _names(d: Derivation) -> LetNames:
    """Names for the large shared parts of the document's expressions, given only when all
    of them written out in full would be too long: every expression longer than a few
    names is then shortened, as a step tree has an entry per level and each stays short."""
    from chainrule.steps import walk
    sizes: dict[Expr, int] = {}
    total = 0
    for root in (d.expr, d.result, *(e for stage in d.stages for s in walk(stage.steps)
                                       for e in (s.expr, s.result))):
        total += printed_size(root, sizes, JSON_LET_FROM)
        if total > JSON_LET_FROM:
            reserved = set(free_symbols(d.expr)) | {d.variable}
            reserved |= {s.layer for stage in d.stages for s in walk(stage.steps)
                         if isinstance(s, ChainStep)}
            return LetNames(reserved, switch=_JSON_SWITCH)
    return LetNames(switch=JSON_LET_FROM)  # no expression is that long: none is shortened


def error_to_dict(err: BaseException, exit_status: int) -> dict[str, Any]:
    """The document of a failure (``kind`` ``error``), for ``--format json``: the error's
    type and message, the exit status, and for a parse error where it happened."""
    from chainrule.errors import ParseError
    info: dict[str, Any] = {"type": type(err).__name__, "message": str(err),
                            "exit_status": exit_status, "position": None, "column": None,
                            "expected": None, "hint": None, "context": None}
    if isinstance(err, ParseError):
        info.update(message=err.message, position=err.position, column=err.column,
                    expected=list(err.expected) or None, hint=err.hint or None,
                    context=err.context())
    return {"schema": SCHEMA, "kind": "error", "error": info}
