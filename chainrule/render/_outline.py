"""The words of a derivation as lines of styled segments — shared by plain and rich output.

Each step class has one function in ``OUTLINERS``. A function writes the step's lines at
an indent; composite steps write their substeps below, one indent deeper. Trivial substeps
(a constant, the variable, a table lookup on the bare variable) fold into one line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from chainrule.expr import Add, Div, Expr, Mul, Neg, Num, Pow, Symbol, free_symbols, substitute
from chainrule.simplify import light
from chainrule.steps import (ChainStep, ConstantMultipleStep, ConstantStep, ExponentialStep,
                             FunctionStep, LogDiffStep, MultiChainStep, PowerStep, ProductStep,
                             QuotientStep, ReciprocalStep, RewriteStep, Step, SumStep,
                             VariableStep)

__all__ = ["Line", "Outline", "outline_steps", "OUTLINERS", "sub", "MAX_DEPTH"]

Segment = tuple[str, str]  # (text, role): role ∈ math, rule, label, op, result, dim
MAX_DEPTH = 24             # nesting shown before "… more steps" (the JSON has them all)
_SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
_LEAVES = (ConstantStep, VariableStep, FunctionStep, PowerStep, ExponentialStep, ReciprocalStep)


def sub(name: str) -> str:
    """u12 → u₁₂ (layer names read as subscripted letters)."""
    head = name.rstrip("0123456789")
    return head + name[len(head):].translate(_SUBSCRIPTS)


@dataclass
class Line:
    indent: int
    segments: list[Segment]

    @property
    def text(self) -> str:
        return "".join(t for t, _ in self.segments)


@dataclass
class Outline:
    """State of one rendering: lines so far, the derivative operator, steps already shown."""

    variable: str
    partial: bool
    output: str = "y"
    lines: list[Line] = field(default_factory=list)
    shown: dict[int, Expr] = field(default_factory=dict)
    layer_names: dict[str, str] = field(default_factory=dict)

    # ── notation ─────────────────────────────────────────────────────────────
    def m(self, e: Expr) -> str:
        """An expression as people read it, with layer symbols subscripted."""
        names = {Symbol(raw): Symbol(shown) for raw, shown in self.layer_names.items()
                 if raw in free_symbols(e)}
        return (substitute(e, names) if names else e).pretty()

    def name(self, var: str) -> str:
        return self.layer_names.get(var, var)

    def arg(self, e: Expr) -> str:
        """The operand of d/dx, bracketed when it is more than one term or factor."""
        text = self.m(e)
        bracket = isinstance(e, (Add, Neg, Mul, Div)) or (isinstance(e, Num) and e.value < 0)
        return f"[{text}]" if bracket else text

    def d(self, var: str | None = None) -> str:
        v = self.name(var or self.variable)
        return f"∂/∂{v}" if self.partial and (var is None or var == self.variable) else f"d/d{v}"

    def dd(self, top: str, var: str | None = None) -> str:
        v = self.name(var or self.variable)
        op = "∂" if self.partial and (var is None or var == self.variable) else "d"
        return f"{op}{top}/{op}{v}"

    def emit(self, indent: int, *segments: Segment) -> None:
        self.lines.append(Line(indent, [s for s in segments if s[0]]))


def shown_result(step: Step) -> Expr:
    """A step's result as shown: lightly simplified, so steps agree in form with the answer."""
    return light(step.result)


def _paren(o: Outline, e: Expr) -> str:
    text = o.m(e)
    if isinstance(e, (Add, Neg)) or (isinstance(e, Num) and e.value < 0):
        return f"({text})"
    return text


def _trivial(step: Step) -> bool:
    if isinstance(step, _LEAVES):
        return True
    if isinstance(step, ConstantMultipleStep):
        return isinstance(step.substeps[0], _LEAVES)
    return False


def _rule(text: str) -> Segment:
    return (f"   ({text})", "rule")


def _why(step: Step) -> str:
    """The reason for a one-line step (a folded constant multiple names both rules)."""
    if isinstance(step, ConstantMultipleStep):
        c = step.constant
        head = ("the minus sign stays" if isinstance(c, Num) and c.value == -1
                else f"the constant {'divisor' if step.divides else 'factor'} {c.pretty()} stays")
        inner = step.substeps[0]
        if isinstance(inner, (ConstantStep, VariableStep)):
            return head
        return f"{head}; {inner.explanation}"
    return step.explanation


def _one_line(o: Outline, step: Step, indent: int, lead: list[Segment] | None = None) -> None:
    """d/dx expr = result   (why) — for a trivial step."""
    o.emit(indent, *(lead or []),
           (f"{o.d(step.variable)} {o.arg(step.expr)} = {o.m(shown_result(step))}", "math"),
           _rule(_why(step)))


def _equation(o: Outline, indent: int, label: str, sides: list[str]) -> None:
    """label lhs = a = b = c, broken over lines (= aligned) when it is too wide."""
    sides = [x for i, x in enumerate(sides) if i == 0 or x != sides[i - 1]]
    one = " = ".join(sides)
    if indent + len(label) + len(one) <= 78 or len(sides) < 2:
        o.emit(indent, (label, "label"), (one, "math"))
        return
    if len(sides) == 2:  # a formula and its tidy form: the tidy form goes below
        o.emit(indent, (label, "label"), (sides[0], "math"))
        o.emit(indent + len(label), (f"= {sides[1]}", "math"))
        return
    pad = indent + len(label) + len(sides[0]) + 1
    o.emit(indent, (label, "label"), (f"{sides[0]} = {sides[1]}", "math"))
    for side in sides[2:]:
        o.emit(pad, (f"= {side}", "math"))


# Steps whose first line announces them in words; the others get "d/dx [expr]" from a lead.
_SELF_HEADED = (ChainStep, ProductStep, QuotientStep, LogDiffStep, MultiChainStep)


def outline(o: Outline, step: Step, indent: int, role: str | None = None,
            lead: list[Segment] | None = None, depth: int = 0) -> None:
    """Write ``step``: role is the name of its output (y, u₁, …) when a chain names it."""
    if depth > MAX_DEPTH:
        o.emit(indent, ("… deeper steps not shown (see --format json)", "dim"))
        return
    if _trivial(step):
        _one_line(o, step, indent, lead)
        return
    if id(step) in o.shown:
        o.emit(indent, *(lead or []),
               (f"{o.d(step.variable)} {o.arg(step.expr)} = {o.m(shown_result(step))}", "math"),
               ("   (derived above)", "dim"))
        return
    o.shown[id(step)] = step.expr
    if lead is not None:
        if isinstance(step, _SELF_HEADED):
            o.emit(indent, *lead, (f"{o.d(step.variable)} {o.arg(step.expr)}", "math"))
        else:
            o.emit(indent, *lead, (f"{o.d(step.variable)} {o.arg(step.expr)}", "math"),
                   _rule(_why(step)))
        indent += 2
    elif not isinstance(step, _SELF_HEADED):
        if depth == 0:  # the title already says d/dx [expr]: give the reason only
            o.emit(indent, (_why(step)[:1].upper() + _why(step)[1:] + ":", "rule"))
        else:
            o.emit(indent, (f"{o.d(step.variable)} {o.arg(step.expr)}", "math"), _rule(_why(step)))
        indent += 2
    OUTLINERS[type(step)](o, step, indent, role, depth)


def _chain(o: Outline, step: ChainStep, indent: int, role: str | None, depth: int) -> None:
    u = sub(step.layer)
    o.layer_names[step.layer] = u
    named = role if role else (o.output if depth == 0 else None)
    decomposition = f"{o.m(step.outer)} with {u} = {o.m(step.inner)}"
    o.emit(indent, (f"{o.m(step.expr)}", "math"), (" is a composite: ", "label"),
           (f"{named} = {decomposition}" if named else decomposition, "math"))
    outer = step.outer_step
    o.emit(indent + 2, ("outer  ", "label"),
           (f"d/d{u} {o.m(step.outer)} = {o.m(light(step.outer_derivative))}", "math"),
           _rule(outer.explanation))
    inner = step.inner_step
    inner_lead: list[Segment] = [("inner  ", "label"), (f"{o.dd(u)} = ", "math")]
    if _trivial(inner):
        _one_line(o, inner, indent + 2, inner_lead)
    else:
        outline(o, inner, indent + 2, role=u, lead=inner_lead, depth=depth + 1)
    if named:
        lhs, first = o.dd(named), f"{o.dd(named, step.layer) if named != o.output or not o.partial else 'd' + named + '/d' + u} · {o.dd(u)}"
    else:
        lhs, first = f"{o.d()} {o.m(step.expr)}", f"d/d{u} {o.m(step.outer)} · {o.dd(u)}"
    product = f"{_paren(o, light(step.outer_at_inner))} · {_paren(o, light(step.inner_derivative))}"
    _equation(o, indent + 2, "chain  ", [lhs, first, product, o.m(shown_result(step))])


def _sum(o: Outline, step: SumStep, indent: int, role: str | None, depth: int) -> None:
    for s in step.substeps:
        outline(o, s, indent, lead=[] if not _trivial(s) else None, depth=depth + 1)
    o.emit(indent, (f"= {o.m(shown_result(step))}", "math"))


def _constant_multiple(o: Outline, step: ConstantMultipleStep, indent: int, role: str | None,
                       depth: int) -> None:
    outline(o, step.substeps[0], indent, depth=depth + 1)
    o.emit(indent - 2, (f"= {o.m(shown_result(step))}", "math"))


def _factor_lines(o: Outline, step: Step, labels: list[str], indent: int, depth: int) -> None:
    for label, s in zip(labels, step.substeps):
        if _trivial(s):
            _one_line(o, s, indent + 2, [(label, "label")])
        else:
            outline(o, s, indent + 2, lead=[(label, "label")], depth=depth + 1)


def _names(n: int) -> list[str]:
    letters = "uvwpqrst"
    return [letters[i] if i < len(letters) else f"f{i + 1}" for i in range(n)]


def _product(o: Outline, step: ProductStep, indent: int, role: str | None, depth: int) -> None:
    names = _names(len(step.factors))
    parts = [f"{n} = {o.m(f)}" for n, f in zip(names, step.factors)]
    o.emit(indent, (f"{o.m(step.expr)}", "math"), (" is a product: ", "label"),
           (", ".join(parts), "math"), _rule(step.explanation))
    _factor_lines(o, step, [f"{n}′ = " for n in names], indent, depth)
    shown = [light(s.result) for s in step.substeps]
    terms = [Mul(tuple(shown[j] if j == i else f for j, f in enumerate(step.factors)))
             for i in range(len(step.factors))]
    _equation(o, indent, "", [o.m(Add(tuple(terms))), o.m(shown_result(step))])


def _quotient(o: Outline, step: QuotientStep, indent: int, role: str | None, depth: int) -> None:
    o.emit(indent, (f"{o.m(step.expr)}", "math"), (" is a quotient: ", "label"),
           (f"u = {o.m(step.numerator)}, v = {o.m(step.denominator)}", "math"),
           _rule(step.explanation))
    _factor_lines(o, step, ["u′ = ", "v′ = "], indent, depth)
    du, dv = (light(s.result) for s in step.substeps)
    u, v = step.numerator, step.denominator
    formula = Div(Add((Mul((du, v)), Neg(Mul((u, dv))))), Pow(v, Num(2)))
    _equation(o, indent, "", [o.m(formula), o.m(shown_result(step))])


def _log_diff(o: Outline, step: LogDiffStep, indent: int, role: str | None, depth: int) -> None:
    y = o.output
    o.emit(indent, (f"{y} = {o.m(step.expr)}", "math"),
           (" has the variable in base and exponent; take logarithms: ", "label"),
           (f"ln {y} = {o.m(step.log_form)}", "math"))
    o.emit(indent + 2, ("differentiate both sides: ", "label"),
           (f"{y}′/{y} = {o.d()} [{o.m(step.log_form)}]", "math"))
    outline(o, step.substeps[0], indent + 4, depth=depth + 1)
    o.emit(indent + 2, ("multiply by " + y + ": ", "label"),
           (f"{y}′ = {o.m(step.expr)} · {_paren(o, shown_result(step.substeps[0]))}", "math"))
    o.emit(indent, (f"= {o.m(shown_result(step))}", "math"))


def _rewrite(o: Outline, step: RewriteStep, indent: int, role: str | None, depth: int) -> None:
    o.emit(indent, (f"{o.m(step.expr)} = {o.m(step.rewritten)}", "math"))
    outline(o, step.substeps[0], indent, depth=depth + 1)


def _multi_chain(o: Outline, step: MultiChainStep, indent: int, role: str | None,
                 depth: int) -> None:
    o.emit(indent, (f"{o.m(step.expr)}", "math"), (" has several inner functions: ", "label"),
           ("F′ = sum of ∂F/∂(argument) · (argument)′", "math"))
    for i, (arg, partial, s) in enumerate(zip(step.arguments, step.partials, step.substeps), 1):
        o.emit(indent + 2, (f"argument {i}: ", "label"),
               (f"{o.m(arg)}, ∂F/∂(argument {i}) = {o.m(light(partial))}", "math"))
        outline(o, s, indent + 4, lead=[] if not _trivial(s) else None, depth=depth + 1)
    o.emit(indent, (f"= {o.m(shown_result(step))}", "math"))


def _leaf(o: Outline, step: Step, indent: int, role: str | None, depth: int) -> None:
    _one_line(o, step, indent)


OUTLINERS: dict[type, Callable[..., None]] = {
    ConstantStep: _leaf, VariableStep: _leaf, FunctionStep: _leaf, PowerStep: _leaf,
    ExponentialStep: _leaf, ReciprocalStep: _leaf,
    ConstantMultipleStep: _constant_multiple, SumStep: _sum, ProductStep: _product,
    QuotientStep: _quotient, ChainStep: _chain, MultiChainStep: _multi_chain,
    LogDiffStep: _log_diff, RewriteStep: _rewrite,
}


def is_partial(expr: Expr, variable: str) -> bool:
    return len(free_symbols(expr) - {variable}) > 0


def output_name(expr: Expr) -> str:
    """What the whole expression is called in the steps: y, unless y is one of its symbols."""
    taken = free_symbols(expr)
    return next(n for n in ("y", "F", "J", "out", "out_") if n not in taken)


def outline_steps(root: Step, expr: Expr, variable: str) -> list[Line]:
    o = Outline(variable, partial=is_partial(expr, variable), output=output_name(expr))
    outline(o, root, 0)
    return o.lines


def header(expr: Expr, variable: str, op: str | None = None) -> str:
    """``d/dx [expr]`` (``op`` replaces d/dx, e.g. for higher orders)."""
    o = Outline(variable, partial=is_partial(expr, variable))
    return f"{op or o.d()} {o.arg(expr)}"
