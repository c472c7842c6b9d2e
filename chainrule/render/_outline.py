"""The words of a derivation as lines of segments — one walk shared by every text format.

:func:`document` turns a derivation into :class:`Line` s. Each step class has one function
in ``OUTLINERS`` that writes its lines; the writers (``plain``, ``rich``, ``markdown``,
``latex``) print the same lines and differ only in how they write words and math, because
every piece of math (:class:`M`) carries both its Unicode and its LaTeX.

Detail levels
    ``brief``   the structure only: each chain, product and quotient rule and how they
                combine; table lookups and trivial rules are not shown.
    ``normal``  every rule, with the trivial ones (d/dx x = 1, constants, constant multiples)
                folded into the step that uses them.
    ``full``    every rule on its own line, each raw result before its tidy form.

Names
    The engine names each inner function u1, u2, …; the outline names the functions of each
    composite and the factors of each product f, g, h, p, … *by meaning*: a function keeps
    its letter wherever it appears, a letter never stands for two different functions, and
    no letter the input uses is taken. For a higher order the layers of later derivatives
    are numbered on from the earlier ones, so no name is reused in one document.

Derived once
    The engine memoises per node, so a subexpression that occurs twice has one step. The
    second time it is met the outline refers back ("as in step 3") instead of deriving it
    again. Steps are numbered only when some line refers back.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any

from chainrule.expr import (
    Add,
    Div,
    Expr,
    Func,
    Mul,
    Neg,
    Num,
    Pow,
    Symbol,
    free_symbols,
)
from chainrule.functions import FUNCTIONS
from chainrule.letform import LetNames
from chainrule.reading import ReadAs, read_as
from chainrule.render.document import (
    DOT,
    DOT_TIGHT,
    Block,
    Document,
    Eq,
    Line,
    LineKind,
    M,
    Part,
    Seg,
    call,
    mjoin,
    prime,
    proof_text,
)
from chainrule.render.notation import (
    Names,
    Notation,
    is_partial,
    natural_letter,
    order_op,
    read_as_lines,
    stage_top,
)
from chainrule.render.point import slope_lines
from chainrule.simplify import light, sharing
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
    walk,
)

if TYPE_CHECKING:
    from chainrule.api import Derivation
    from chainrule.recognise import Recognition
    from chainrule.slope import Slope

__all__ = ["M", "Seg", "Eq", "Line", "Document", "document", "OUTLINERS", "DETAILS",
           "shown_result", "MAX_DEPTH", "definition_lines"]

DETAILS = ("brief", "normal", "full")
MAX_DEPTH = 24     # nesting shown before "… deeper steps not shown" (the JSON has them all)
MAX_LAYERS = 6     # layers of one composite written in one decomposition
_LEAVES = (ConstantStep, VariableStep, FunctionStep, PowerStep, ExponentialStep, ReciprocalStep)
_AXIOMS = (ConstantStep, VariableStep)
_STRUCTURAL = (ChainStep, ProductStep, QuotientStep, LogDiffStep, MultiChainStep)


# ── one stage's walk ───────────────────────────────────────────────────────────
@dataclass
class _Shared:
    """State that spans the stages of one document."""

    names: Names
    detail: str
    recognised: dict[Expr, Recognition]
    lets: LetNames | None = None  # names for huge subexpressions, defined at the end
    lines: list[Line] = field(default_factory=list)
    counter: int = 0
    refs: int = 0


Lead = tuple[str, M]   # (label, left-hand side): "inner", du₁/dx


class Walk:
    """Writes the lines of one stage's step tree."""

    def __init__(self, doc: _Shared, root: Step, expr: Expr, variable: str, top: M) -> None:
        self.doc = doc
        self.detail = doc.detail
        self.names = doc.names
        layers = {s.layer for s in walk(root) if isinstance(s, ChainStep)}
        self.n = Notation(variable, is_partial(expr, variable), doc.names.start_stage(layers),
                          doc.lets)
        self.variable = variable
        self.top = top                   # what the stage's function is called: y, y′, …
        self.shown: dict[int, int] = {}  # id(step) → the step number where it was derived
        self.shared = _shared_steps(root)
        self.current: int | None = None
        self.pending: int | None = None
        self._tidy: dict[int, Expr] = {}

    # ── lines and numbers ──
    def emit(self, level: int, *parts: Part, kind: LineKind = "step") -> None:
        line = Line(level, [p for p in parts if not isinstance(p, Seg) or p.text], kind)
        if self.pending is not None:
            line.number, self.pending = self.pending, None
        self.doc.lines.append(line)

    @contextmanager
    def item(self) -> Iterator[int]:
        """A numbered step: its first line carries the number, its lines belong to it."""
        if self.pending is not None:  # the enclosing step has no line yet: the same step
            yield self.pending
            return
        self.doc.counter += 1
        number, outer = self.doc.counter, self.current
        self.current = self.pending = number
        try:
            yield number
        finally:
            self.current = outer
            if self.pending == number:
                self.pending = None

    def record(self, step: Step) -> None:
        if not isinstance(step, _AXIOMS) and self.current is not None:
            self.shown.setdefault(id(step), self.current)

    # ── pieces of lines ──
    def label(self, text: str, width: int = 0) -> Seg:
        return Seg(text.ljust(width) + ("  " if text else ""), "label")

    def reason(self, text: str, *steps: Step) -> Seg:
        return Seg(f"   ({text})", "rule", brk=True, steps=steps)

    def tidy(self, step: Step) -> M:
        """A step's result as shown: lightly simplified, so steps agree with the answer."""
        found = self._tidy.get(id(step))
        if found is None:
            found = self._tidy[id(step)] = light(step.result)
        return self.n.mx(found)

    def letter(self, e: Expr, natural: str | None = None) -> M:
        """The letter that names the function written ``e`` (f, g, …; f₁ when they run out)."""
        name = self.names.function(self.n.key(e), natural)
        head = name.rstrip("₀₁₂₃₄₅₆₇₈₉")
        digits = name[len(head):].translate(str.maketrans("₀₁₂₃₄₅₆₇₈₉", "0123456789"))
        return M(name, f"{head}_{{{digits}}}" if digits else name)


def _shared_steps(root: Step) -> set[int]:
    """Steps that more than one parent uses (or one parent twice)."""
    uses: dict[int, int] = {}
    for step in walk(root):
        for s in step.substeps:
            uses[id(s)] = uses.get(id(s), 0) + 1
    return {k for k, v in uses.items() if v > 1}


# ── which steps fold into one line ─────────────────────────────────────────────
def _folded(step: Step) -> bool:
    """Trivial at normal detail: a number, the variable, a number times those. A symbol
    held constant in a partial derivative is never folded: the steps say so."""
    if isinstance(step, VariableStep):
        return True
    if isinstance(step, ConstantStep):
        return step.kind in ("number", "named_constant")
    return (isinstance(step, ConstantMultipleStep) and not free_symbols(step.constant)
            and _folded(step.substeps[0]))


def _one_line(w: Walk, step: Step) -> bool:
    if isinstance(step, _LEAVES):
        return True
    if w.detail == "full":
        return False
    if isinstance(step, ConstantMultipleStep):
        return _one_line(w, step.substeps[0])
    if isinstance(step, SumStep):
        rest = [s for s in step.substeps if not _folded(s)]
        return len(rest) <= 1 and all(isinstance(s, _LEAVES) or _one_line(w, s) for s in rest)
    return False


def _why(step: Step) -> str:
    """The reason for a one-line step; folded rules are named alongside the real one."""
    if isinstance(step, ConstantMultipleStep):
        c = step.constant
        head = ("the minus sign stays" if isinstance(c, Num) and c.value == -1
                else f"the constant {'divisor' if step.divides else 'factor'} {c.pretty()} stays")
        inner = step.substeps[0]
        if isinstance(inner, (ConstantStep, VariableStep)):
            return head
        return f"{head}; {_why(inner)}"
    if isinstance(step, SumStep):
        rest = [s for s in step.substeps if not _folded(s)]
        return "sum rule" + "".join(f"; {_why(s)}" for s in rest)
    return step.explanation


def _reason_steps(step: Step) -> tuple[Step, ...]:
    """The steps a one-line reason names: the step and the rules folded into it."""
    if isinstance(step, ConstantMultipleStep):
        inner = step.substeps[0]
        return (step,) + (() if isinstance(inner, _AXIOMS) else _reason_steps(inner))
    if isinstance(step, SumStep):
        out: tuple[Step, ...] = (step,)
        for s in step.substeps:
            if not _folded(s):
                out += _reason_steps(s)
        return out
    return (step,)


def _lhs(w: Walk, step: Step, lead: Lead | None) -> list[Part]:
    """The start of a line that states d/dx expr: its label and left-hand side."""
    if lead is None:
        return [Eq((w.n.of(step.expr, step.variable),))]
    label, lhs = lead
    return ([w.label(label)] if label else []) + [Eq((lhs,))]


def _with_sides(parts: list[Part], *sides: M) -> list[Part]:
    """``parts`` ends with an Eq: append sides to it."""
    eq = parts[-1]
    assert isinstance(eq, Eq)
    return [*parts[:-1], Eq(eq.sides + sides)]


# ── the walk ───────────────────────────────────────────────────────────────────
def derive(w: Walk, step: Step, level: int, lead: Lead | None = None, role: M | None = None,
           depth: int = 0) -> None:
    """Write the derivation of ``step``. ``lead`` starts its first line ("inner  du₁/dx");
    ``role`` is what the enclosing step calls this expression (y, g, u₁)."""
    if w.current is None:
        with w.item():
            _derive(w, step, level, lead, role, depth)
    else:
        _derive(w, step, level, lead, role, depth)


def _derive(w: Walk, step: Step, level: int, lead: Lead | None, role: M | None,
            depth: int) -> None:
    if depth > MAX_DEPTH:
        w.emit(level, Seg("… deeper steps not shown (see --format json)", "dim"))
        return
    if not isinstance(step, _AXIOMS) and id(step) in w.shown:
        w.doc.refs += 1
        w.emit(level, *_with_sides(_lhs(w, step, lead), w.tidy(step)),
               Seg(f"   (as in step {w.shown[id(step)]})", "ref", brk=True))
        return
    if w.detail == "brief" and not isinstance(step, _STRUCTURAL):
        _skeleton(w, step, level, depth)
        return
    if _one_line(w, step):
        w.record(step)
        _write_one_line(w, step, level, lead)
        return
    if lead is not None and not isinstance(step, (SumStep, ConstantMultipleStep)):
        # "inner  du₁/dx = d/dx [x·sin(x)]", then the block that derives it, one level in
        w.emit(level, *_with_sides(_lhs(w, step, lead), w.n.of(step.expr, step.variable)))
        level, lead = level + 1, None
    OUTLINERS[type(step)](w, step, level, lead, role, depth)


def _skeleton(w: Walk, step: Step, level: int, depth: int) -> None:
    """Brief detail: only the structural steps inside ``step`` (or one line for the root)."""
    inner = _structural_children(step)
    if inner:
        for s in inner:
            derive(w, s, level, depth=depth + 1)
    elif depth == 0:
        w.record(step)
        _write_one_line(w, step, level, None)


def _structural_children(step: Step) -> list[Step]:
    """The outermost structural steps below ``step`` (not below those), in order."""
    out: list[Step] = []
    stack = list(reversed(step.substeps))
    seen: set[int] = set()
    while stack:
        s = stack.pop()
        if id(s) in seen:
            continue
        seen.add(id(s))
        if isinstance(s, _STRUCTURAL):
            out.append(s)
        else:
            stack.extend(reversed(s.substeps))
    return out


def _write_one_line(w: Walk, step: Step, level: int, lead: Lead | None) -> None:
    parts = _lhs(w, step, lead)
    sides: list[M] = []
    if w.detail == "full" and lead is not None:
        sides.append(w.n.of(step.expr, step.variable))
    raw, tidy = w.n.mx(step.result), w.tidy(step)
    if isinstance(step, SumStep):
        sides.append(w.n.mx(_term_sum(step)))
    elif w.detail == "full":
        sides.append(raw)
    sides.append(tidy)
    w.emit(level, *_with_sides(parts, *sides), w.reason(_why(step), *_reason_steps(step)))


# ── composites ─────────────────────────────────────────────────────────────────
def _layer_labels(n: int) -> list[str]:
    if n == 2:
        return ["outer", "inner"]
    return ["outer"] + ["middle"] * (n - 2) + ["inner"]


def _chain(w: Walk, step: ChainStep, level: int, lead: Lead | None, role: M | None,
           depth: int) -> None:
    with w.item():
        w.record(step)
        layers = [step]
        while len(layers) < MAX_LAYERS:
            nxt = layers[-1].inner_step
            if not isinstance(nxt, ChainStep) or id(nxt) in w.shared or id(nxt) in w.shown:
                break
            layers.append(nxt)
        innermost = layers[-1].inner_step
        n, var = w.n, step.variable
        x = n.name(var)
        us = [n.name(c.layer) for c in layers]
        inner_expr = layers[-1].inner
        fs = [w.letter(c.outer, natural_letter(c.outer, c.layer)) for c in layers]
        fs.append(w.letter(inner_expr, natural_letter(inner_expr, var)))
        comps: list[M] = [call(fs[-1], x)]         # h(x), g(h(x)), f(g(h(x)))
        for f in reversed(fs[:-1]):
            comps.insert(0, call(f, comps[0]))

        # sin(cos(x²)) = f(g(h(x))) is a composite with f(u₁) = sin(u₁), g(u₂) = …, h(x) = x²
        defs: list[M] = []
        for f, u, c in zip(fs, us, layers):
            if natural_letter(c.outer, c.layer) is None:
                defs.append(call(f, u) + " = " + n.mx(c.outer))
        if natural_letter(inner_expr, var) is None:
            defs.append(call(fs[-1], x) + " = " + n.mx(inner_expr))
        focus = (step.expr, *(c.inner for c in layers))
        head: list[Part] = [Seg.math(n.mx(step.expr), focus=focus)]
        if defs:
            head += [Seg.math(M(" = ", " = ") + comps[0]), Seg(" is a composite")]
        else:  # f(g(x)) with abstract f and g: the letters are the input's own
            head.append(Seg(" is a composite of " + ", ".join(f.text for f in fs[:-1])
                            + " and " + fs[-1].text))
        if defs:
            head.append(Seg(" with "))
            head += [Seg.math(d + ("," if i < len(defs) - 1 else ""), brk=i > 0)
                     for i, d in enumerate(defs)]
            head = _space_defs(head)
        w.emit(level, *head)

        top = role if role is not None else (w.top if depth == 0 else None)
        lhs = n.leibniz(top, var) if top is not None else n.of(step.expr, var)
        factors = [n.leibniz(top if top is not None else fs[0], layers[0].layer)]
        factors += [n.leibniz(us[i], layers[i + 1].layer) for i in range(len(layers) - 1)]
        factors.append(n.leibniz(us[-1], var))
        leibniz = mjoin(factors, DOT)
        lagrange = mjoin([call(prime(f), comps[i + 1]) for i, f in enumerate(fs[:-1])]
                         + [call(prime(fs[-1]), x)], M("·", r"\,"))
        values = mjoin([n.paren(light(c.outer_at_inner)) for c in layers]
                       + [n.paren(light(innermost.result))], DOT)
        tidy = w.tidy(step)
        so = [lhs, values, tidy, *_recognised_sides(w, step, depth)]

        if w.detail == "brief":
            nested = [innermost] if isinstance(innermost, _STRUCTURAL) else \
                _structural_children(innermost)
            if not nested:
                w.emit(level + 1, w.label("chain rule"), Eq((lhs, leibniz, lagrange, values, tidy)))
            else:
                w.emit(level + 1, w.label("chain rule"), Eq((lhs, leibniz, lagrange)))
                for s in nested:
                    derive(w, s, level + 1, depth=depth + 1)
                w.emit(level + 1, w.label("so"), Eq(tuple(so)))
            _recognised_note(w, step, level + 1, depth)
            return

        w.emit(level + 1, w.label("chain rule"), Eq((lhs, leibniz, lagrange)))
        labels = _layer_labels(len(layers) + 1)
        width = max(len(t) for t in [*labels, "so"])
        for i, c in enumerate(layers):
            sides = [factors[i]]
            if w.detail == "full":
                sides.append(n.of(c.outer, c.layer))
            sides += [n.mx(light(c.outer_derivative)), n.mx(light(c.outer_at_inner))]
            w.emit(level + 1, w.label(labels[i], width), Eq(tuple(sides)),
                   w.reason(c.outer_step.explanation, c.outer_step))
        derive(w, innermost, level + 1, lead=(labels[-1].ljust(width), factors[-1]),
               role=us[-1], depth=depth + len(layers))
        w.emit(level + 1, w.label("so", width), Eq(tuple(so)))
        _recognised_note(w, step, level + 1, depth)


def _space_defs(head: list[Part]) -> list[Part]:
    """A space between definitions that stays on the line (a break point drops it)."""
    out: list[Part] = []
    for p in head:
        if isinstance(p, Seg) and p.brk and p.role == "math":
            out.append(Seg(" "))
        out.append(p)
    return out


def _recognised_sides(w: Walk, step: Step, depth: int) -> list[M]:
    found = w.doc.recognised.get(step.expr)
    if found is None or depth == 0:  # the root's recognised form is shown with the result
        return []
    return [w.n.mx(found.form)]


def _recognised_note(w: Walk, step: Step, level: int, depth: int) -> None:
    found = w.doc.recognised.get(step.expr)
    if found is None or depth == 0:
        return
    value, written = found.definition
    w.emit(level, Seg("where ", "dim"), Seg.math(w.n.mx(value) + " = " + w.n.mx(written), "dim"))


def _product(w: Walk, step: ProductStep, level: int, lead: Lead | None, role: M | None,
             depth: int) -> None:
    with w.item():
        w.record(step)
        n = w.n
        names = [w.letter(f) for f in step.factors]
        firsts = {m.text: (m, f) for m, f in reversed(list(zip(names, step.factors)))}
        defs = [m + " = " + n.mx(f) for m, f in
                sorted(firsts.values(), key=lambda mf: names.index(mf[0]))]
        product = mjoin(names, M("·", r"\,"))
        w.emit(level, Seg.math(n.mx(step.expr)), Seg.math(M(" = ", " = ") + product),
               Seg(" is a product with "),
               *_space_defs([Seg.math(d + ("," if i < len(defs) - 1 else ""), brk=i > 0)
                             for i, d in enumerate(defs)]))
        lhs = M(f"({product.text})′", rf"\left({product.tex}\right)'")
        rule = mjoin([mjoin([prime(m) if j == i else m for j, m in enumerate(names)],
                            M("·", r"\,")) for i in range(len(names))], " + ")
        shown = [light(s.result) for s in step.substeps]
        values = mjoin([mjoin([n.factor(shown[j] if j == i else f)
                               for j, f in enumerate(step.factors)], DOT_TIGHT)
                        for i in range(len(step.factors))], " + ")
        _rule_block(w, step, "product rule", (lhs, rule, values), names, level, depth)


def _rule_block(w: Walk, step: Step, label: str, parts: tuple[Any, Any, Any], names: Any,
                level: int, depth: int) -> None:
    """A product or quotient: the rule, its factors' derivatives, then the values put in.
    Brief detail keeps only the factors that are themselves chains, products or quotients."""
    lhs, rule, values = parts
    if w.detail == "brief":
        nested = _nested(step)
        w.emit(level + 1, w.label(label),
               Eq((lhs, rule) if nested else (lhs, rule, values, w.tidy(step))))
        for s in nested:
            derive(w, s, level + 1, depth=depth + 1)
        if nested:
            w.emit(level + 1, w.label("so"), Eq((lhs, values, w.tidy(step))))
        return
    w.emit(level + 1, w.label(label), Eq((lhs, rule)))
    _factor_lines(w, step, names, level + 1, depth)
    w.emit(level + 1, w.label("so"), Eq((lhs, values, w.tidy(step))))


def _nested(step: Step) -> list[Step]:
    """Brief detail: the structural steps a product or quotient's factors contain."""
    out: list[Step] = []
    for s in step.substeps:
        if isinstance(s, _STRUCTURAL):
            out.append(s)
        else:
            out += _structural_children(s)
    return list({id(s): s for s in out}.values())


def _factor_lines(w: Walk, step: Step, names: list[M], level: int, depth: int) -> None:
    done: set[str] = set()
    for m, s in zip(names, step.substeps):
        if m.text in done:
            continue
        done.add(m.text)
        if w.detail == "normal" and _folded(s):  # f′ = 1: the value, without a reason
            w.record(s)
            w.emit(level, Eq((prime(m), w.tidy(s))))
            continue
        derive(w, s, level, lead=("", prime(m)), role=m, depth=depth + 1)


def _quotient(w: Walk, step: QuotientStep, level: int, lead: Lead | None, role: M | None,
              depth: int) -> None:
    with w.item():
        w.record(step)
        n = w.n
        f, g = w.letter(step.numerator), w.letter(step.denominator)
        w.emit(level, Seg.math(n.mx(step.expr)), Seg.math(M(" = ", " = ") + f + "/" + g),
               Seg(" is a quotient with "),
               Seg.math(f + " = " + n.mx(step.numerator) + ","), Seg(" "),
               Seg.math(g + " = " + n.mx(step.denominator), brk=True))
        lhs = M(f"({f.text}/{g.text})′", rf"\left(\frac{{{f.tex}}}{{{g.tex}}}\right)'")
        rule = M(f"({f.text}′·{g.text} − {f.text}·{g.text}′)/{g.text}²",
                 rf"\frac{{{f.tex}'{g.tex} - {f.tex}{g.tex}'}}{{{g.tex}^{{2}}}}")
        du, dv = (light(s.result) for s in step.substeps)
        u, v = step.numerator, step.denominator
        top = mjoin([n.factor(du), n.factor(v)], DOT_TIGHT) + " − " + mjoin(
            [n.factor(u), n.factor(dv)], DOT_TIGHT)
        den = n.paren(v) if isinstance(v, (Add, Neg, Mul, Div, Pow)) else n.mx(v)
        den_text = den.text if den.text.startswith("(") or isinstance(v, (Symbol, Func)) \
            else f"({den.text})"
        values = M(f"({top.text})/{den_text}²",
                   rf"\frac{{{top.tex.replace('−', '-')}}}{{\left({n.mx(v).tex}\right)^{{2}}}}")
        _rule_block(w, step, "quotient rule", (lhs, rule, values), [f, g], level, depth)


def _log_diff(w: Walk, step: LogDiffStep, level: int, lead: Lead | None, role: M | None,
              depth: int) -> None:
    with w.item():
        w.record(step)
        n = w.n
        y = role if role is not None else (w.top if depth == 0 else w.letter(step.expr))
        ln_y = M(f"ln {y.text}", rf"\ln {y.tex}")
        w.emit(level, Seg.math(y + " = " + n.mx(step.expr)), Seg(" has "),
               Seg.math(n.name(step.variable)), Seg(" in the base and in the exponent: "),
               Seg("logarithmic differentiation", brk=True))
        w.emit(level + 1, w.label("take logarithms"), Eq((ln_y, n.mx(step.log_form))))
        y_prime = prime(y)
        ratio = M(f"{y_prime.text}/{y.text}", rf"\frac{{{y_prime.tex}}}{{{y.tex}}}")
        inner = step.substeps[0]
        w.emit(level + 1, w.label("differentiate both sides"),
               Eq((ratio, n.of(step.log_form, step.variable))))
        if w.detail == "brief":
            for s in ([inner] if isinstance(inner, _STRUCTURAL) else _structural_children(inner)):
                derive(w, s, level + 2, depth=depth + 1)
        else:
            derive(w, inner, level + 2, depth=depth + 1)
        w.emit(level + 1, Seg("multiply by ", "label"), Seg.math(y, "label"), Seg("  ", "label"),
               Eq((y_prime, y + DOT_TIGHT + n.paren(light(inner.result)),
                   n.mx(step.expr) + DOT_TIGHT + n.paren(light(inner.result)), w.tidy(step))))


def _multi_chain(w: Walk, step: MultiChainStep, level: int, lead: Lead | None,
                 role: M | None, depth: int) -> None:
    with w.item():
        w.record(step)
        n = w.n
        entry = FUNCTIONS[step.function]
        w.emit(level, Seg.math(n.mx(step.expr)), Seg(" has several inner functions: "),
               Seg.math(M("F′ = Σ ∂F/∂(argument) · (argument)′",
                          r"F' = \sum \frac{\partial F}{\partial a_i}\, a_i'"), brk=True),
               w.reason(f"chain rule for {entry.display} of several arguments", step))
        for i, (arg, partial, s) in enumerate(zip(step.arguments, step.partials, step.substeps), 1):
            w.emit(level + 1, w.label(f"argument {i}"), Seg.math(n.mx(arg)),
                   Seg(", "), Seg.math(M(f"∂F/∂(argument {i}) = ",
                                         rf"\frac{{\partial F}}{{\partial a_{{{i}}}}} = ")
                                       + n.mx(light(partial))))
            if w.detail == "brief":
                for t in ([s] if isinstance(s, _STRUCTURAL) else _structural_children(s)):
                    derive(w, t, level + 2, depth=depth + 1)
            elif not (w.detail == "normal" and _folded(s)):
                derive(w, s, level + 2, depth=depth + 1)
        terms = [n.paren(light(p)) + DOT + n.paren(light(s.result))
                 for p, s in zip(step.partials, step.substeps)]
        w.emit(level + 1, w.label("so"), Eq((n.of(step.expr, step.variable),
                                            mjoin(terms, " + "), w.tidy(step))))


def _sum(w: Walk, step: SumStep, level: int, lead: Lead | None, role: M | None,
         depth: int) -> None:
    n = w.n
    w.record(step)
    terms = [n.of(t, step.variable) for t in step.expr.children]
    if lead is not None:
        w.emit(level, *_with_sides(_lhs(w, step, lead), n.of(step.expr, step.variable),
                                   mjoin(terms, " + ")), w.reason(step.explanation, step))
    elif depth == 0:  # the title already says d/dx [expr]
        w.emit(level, Seg(step.explanation[:1].upper() + step.explanation[1:] + ":", "head",
                          steps=(step,)))
    else:
        w.emit(level, Eq((n.of(step.expr, step.variable), mjoin(terms, " + "))),
               w.reason(step.explanation, step))
    for s in step.substeps:
        if w.detail == "normal" and _folded(s):
            w.record(s)
            continue
        derive(w, s, level + 1, depth=depth + 1)
    w.emit(level + 1, Eq((n.mx(_term_sum(step)),
                          w.tidy(step)), open=True))


def _term_sum(step: Step) -> Expr:
    """The terms' derivatives added up as shown (a term that is itself a sum spliced in)."""
    terms: list[Expr] = []
    for s in step.substeps:
        r = light(s.result)
        terms += list(r.terms) if isinstance(r, Add) else [r]
    return Add(tuple(terms))


def _constant_multiple(w: Walk, step: ConstantMultipleStep, level: int, lead: Lead | None,
                       role: M | None, depth: int) -> None:
    n = w.n
    w.record(step)
    c, operand = step.constant, step.operand
    inner = n.of(operand, step.variable)
    if step.divides:
        kept = inner + M(" / ", " / ") + n.paren(c)
    elif isinstance(c, Num) and c.value == -1:
        kept = "−" + inner if not inner.text.startswith("−") else inner
        kept = M(kept.text, "-" + inner.tex)
    else:
        kept = n.paren(c) + DOT + inner
    parts: list[Part] = (_lhs(w, step, lead) if lead is not None
                         else [Eq((n.of(step.expr, step.variable),))])
    if lead is not None:
        parts = _with_sides(parts, n.of(step.expr, step.variable))
    w.emit(level, *_with_sides(parts, kept), w.reason(_why_constant(step), step))
    derive(w, step.substeps[0], level + 1, depth=depth + 1)
    value = light(step.substeps[0].result)
    if step.divides:
        raw = n.paren(value) + M(" / ", " / ") + n.paren(c)
    elif isinstance(c, Num) and c.value == -1:
        raw = M("−", "-") + n.paren(value)
    else:
        raw = n.paren(c) + DOT + n.paren(value)
    w.emit(level + 1, Eq((raw, w.tidy(step)), open=True))


def _why_constant(step: ConstantMultipleStep) -> str:
    c = step.constant
    if isinstance(c, Num) and c.value == -1:
        return "the minus sign stays"
    return step.explanation


def _rewrite(w: Walk, step: RewriteStep, level: int, lead: Lead | None, role: M | None,
             depth: int) -> None:
    n = w.n
    w.record(step)
    w.emit(level, Eq((n.mx(step.expr), n.mx(step.rewritten))), w.reason(step.reason, step))
    derive(w, step.substeps[0], level, role=role, depth=depth + 1)


def _leaf(w: Walk, step: Step, level: int, lead: Lead | None, role: M | None,
          depth: int) -> None:
    w.record(step)
    _write_one_line(w, step, level, lead)


OUTLINERS: dict[type, Callable[..., None]] = {
    ConstantStep: _leaf, VariableStep: _leaf, FunctionStep: _leaf, PowerStep: _leaf,
    ExponentialStep: _leaf, ReciprocalStep: _leaf,
    ConstantMultipleStep: _constant_multiple, SumStep: _sum, ProductStep: _product,
    QuotientStep: _quotient, ChainStep: _chain, MultiChainStep: _multi_chain,
    LogDiffStep: _log_diff, RewriteStep: _rewrite,
}


# ── the whole document ─────────────────────────────────────────────────────────
_ORDINALS = ("First", "Second", "Third", "Fourth", "Fifth", "Sixth", "Seventh", "Eighth",
             "Ninth", "Tenth")
def document(d: Derivation, detail: str | None = None, *, slope: Slope | None = None,
             recognised: Sequence[Recognition] | None = None) -> Document:
    """The derivation as lines: titles, steps, result, recognised forms, proof, slope."""
    with sharing():
        return _document(d, detail, slope, recognised)


def _document(d: Derivation, detail: str | None, slope: Slope | None,
              recognised: Sequence[Recognition] | None) -> Document:
    detail = detail or d.detail
    if detail not in DETAILS:
        from chainrule.errors import UsageError
        raise UsageError(f"unknown detail level {detail!r}; choose brief, normal or full")
    found = list(d.recognised if recognised is None else recognised)
    reserved = set(free_symbols(d.expr)) | {d.variable, "d", "e", "i", "l", "o", "u", "v", "w",
                                           "x", "y", "z"}
    reserved |= {s.name for st in d.stages for s in _funcs(st.expr)}
    ra = read_as(d.expr, d.variable, d.text)
    if ra.name:
        reserved.add(ra.name)             # f(x) = …: the letter f is the input's own
    lets = LetNames(reserved | {f"u{i}" for i in range(1, 10)})
    doc = _Shared(Names(reserved), detail, {r.expr: r for r in found}, lets)
    base = Notation(d.variable, is_partial(d.expr, d.variable), lets=lets)
    doc.lines += read_as_lines(d.expr, ra)
    for stage in d.stages:
        title: list[Part] = []
        if ra.name and d.order == 1:      # y = …, f(x) = …: the function's name heads it
            title.append(Seg.math(_named(ra, d.variable, base.partial), "title"))
        if d.order > 1:
            word = _ORDINALS[stage.order - 1] if stage.order <= len(_ORDINALS) else \
                f"Derivative {stage.order}"
            title.append(Seg(f"{word} derivative" + (":" if stage.order == 1 else
                                                      " (of the one before):") + " ", "title"))
        title.append(Seg.math(base.of(stage.expr), "title"))
        doc.lines.append(Line(0, title, "title"))
        doc.lines.append(Line(0, [], "blank"))
        w = Walk(doc, stage.steps, stage.expr, d.variable, stage_top(d.expr, stage.order))
        derive(w, stage.steps, 0)
        doc.lines.append(Line(0, [], "blank"))
    for stage in d.stages[:-1]:  # a higher order lists every derivative on the way
        lead = "Result:  " if stage.order == 1 else " " * 9
        doc.lines.append(Line(0, [Seg(lead, "label"), Eq((order_op(base, stage.order) + " "
                                                          + base.bracket(d.expr),
                                                          base.mx(stage.result)))], "result"))
    lhs = order_op(base, d.order) + " " + base.bracket(d.expr)
    root = [r for r in found if r.expr == d.expr and d.order == 1]
    parts: list[Part] = [Seg("Result:  " if d.order == 1 else " " * 9, "label")]
    sides = [lhs, base.mx(d.result)]
    if root and light(root[0].form) != light(d.result):
        sides.append(base.mx(root[0].form))
    parts.append(Eq(tuple(sides), breaks=frozenset({2})))
    if root and len(sides) > 2 and root[0].definition[0] != root[0].definition[1]:
        value, written = root[0].definition
        parts += [Seg("   where ", "dim", brk=True),
                  Seg.math(base.mx(value) + " = " + base.mx(written), "dim")]
    doc.lines.append(Line(0, parts, "result"))
    for r in root:
        rule = M(*r.rule)
        doc.lines.append(Line(1, [Seg.math(rule, "note"), Seg(": " + r.note, "note")], "note"))
    v = d.verification
    doc.lines.append(Line(0, [Seg(proof_text(v.status, v.method), "good" if v.proven else "warn")],
                          "proof"))
    if d.stopped is not None:  # the budget ran out (or the job was interrupted) on the way
        doc.lines.append(Line(0, [Seg(f"⏹ stopped at derivative {d.order + 1} of "
                                      f"{d.requested_order}: the derivatives up to order "
                                      f"{d.order} are shown", "warn")], "proof"))
        doc.lines.append(Line(1, [Seg(d.stopped.message, "dim")], "text"))
    if slope is not None:
        doc.lines.append(Line(0, [], "blank"))
        doc.lines += slope_lines(slope, d, base)
    doc.lines += definition_lines(lets)
    blocks: list[Block] = [*doc.lines]
    return Document(blocks, numbered=doc.refs > 0, steps_total=doc.counter)


def _named(ra: ReadAs, variable: str, partial: bool) -> M:
    """f′(x) = , dy/dx = , ∂J/∂w1 = : the derivative of the function the text named."""
    name = ra.name or ""
    if ra.params == (variable,):
        return M(f"{name}′({variable}) = ", f"{name}'({variable}) = ")
    d, dt = ("∂", r"\partial ") if partial else ("d", "d")
    return M(f"{d}{name}/{d}{variable} = ",
             rf"\frac{{{dt}{name}}}{{{dt}{variable}}} = ")


def definition_lines(lets: LetNames) -> list[Line]:
    """The named subexpressions of a huge derivation, each defined once, in order."""
    if not lets.definitions:
        return []
    lines = [Line(0, [], "blank"),
             Line(0, [Seg("where ", "title"),
                      Seg(f"(the {len(lets.definitions):,} subexpressions named above, "
                          "each defined once, in order):", "dim")], "heading")]
    for name, value in lets.definitions:
        tex = partial(_definition_tex, name, value)
        lines.append(Line(1, [Seg.math(M(f"{name.name} = {value.pretty()}", make=tex))],
                          "step"))
    return lines


def _definition_tex(name: Expr, value: Expr) -> str:
    return f"{name.latex()} = {value.latex()}"


def _funcs(e: Expr) -> Iterator[Func]:
    from chainrule.expr import postorder
    return (n for n in postorder(e) if isinstance(n, Func))


def shown_result(step: Step) -> Expr:
    """A step's result as shown: lightly simplified, so steps agree in form with the answer."""
    return light(step.result)
