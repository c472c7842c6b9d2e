"""The catalogue of classic differentiation mistakes, as data.

Each :class:`MistakeKind` names one mistake (its ``kind`` is part of the API and the JSON),
says where it can happen and builds, for one *layer* of an expression (a node of the step
tree), the derivative of that layer a learner making the mistake would write. The checker
(:mod:`chainrule.checking`) puts that wrong layer derivative in place of the right one, lets
the ordinary rules finish the derivative around it, and compares the outcome with the
learner's answer numerically.

    >>> from chainrule.parser import parse
    >>> from chainrule.differentiate import differentiate
    >>> step = differentiate(parse("sin(x**2)"), "x")
    >>> layer = Layer.of(step, "x", is_root=True)
    >>> [str(v.wrong) for v in BY_KIND["missing_inner_derivative"].generate(layer, Context("x"))]
    ['cos(x**2)']

To add a mistake: write a generator ``(layer, context) -> iterable of Variant`` and add one
:class:`MistakeKind` to ``CATALOGUE``, with a template per variant. The order of
``CATALOGUE`` is the prior: when two mistakes explain an answer equally well, the earlier
one is reported first.

Generators build the *wrong* derivative from ``context.d`` (the derivative of a
subexpression under the mistakes already applied, so mistakes at several layers combine)
and state facts (the inner derivative, the outer function, …) from ``context.fresh``, the
correct derivative, because explanations tell the learner what is true.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from fractions import Fraction

from chainrule.differentiate import Derivator
from chainrule.expr import (
    ONE,
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
    substitute,
)
from chainrule.functions import FUNCTIONS
from chainrule.simplify import light
from chainrule.steps import (
    ChainStep,
    ConstantMultipleStep,
    ExponentialStep,
    FunctionStep,
    LogDiffStep,
    PowerStep,
    ProductStep,
    QuotientStep,
    ReciprocalStep,
    Step,
)

__all__ = ["MistakeKind", "Variant", "Layer", "Composite", "Context", "CATALOGUE", "BY_KIND",
           "KINDS", "NBSP"]

Fact = Expr | str
NBSP = "\u00a0"  # spaces inside a formula in an explanation: text wrapping never breaks there

# ── what a generator sees ────────────────────────────────────────────────────
@dataclass(frozen=True)
class Composite:
    """A layer read as f(g(x)): the outer function f(u), its derivative f′(u), the inner g.

    For an elementary step on the variable itself (sin x, x³) the inner function is x.
    """

    u: Symbol
    f_u: Expr              # f(u)
    fp_u: Expr             # f′(u)
    inner: Expr            # g(x)
    outer_step: Step       # the elementary step d/du f(u)

    def f(self, at: Expr) -> Expr:
        return substitute(self.f_u, {self.u: at})

    def fp(self, at: Expr) -> Expr:
        return substitute(self.fp_u, {self.u: at})


_ELEMENTARY = (FunctionStep, PowerStep, ExponentialStep, ReciprocalStep)


@dataclass(frozen=True)
class Layer:
    """One node of the expression, with the step that differentiates it correctly."""

    node: Expr
    step: Step
    variable: str
    is_root: bool = False
    composite: Composite | None = None

    @classmethod
    def of(cls, step: Step, variable: str, *, is_root: bool = False) -> Layer:
        composite = None
        if isinstance(step, ChainStep):
            composite = Composite(Symbol(step.layer), step.outer, step.outer_derivative,
                                  step.inner, step.outer_step)
        elif isinstance(step, _ELEMENTARY):
            x = Symbol(variable)
            composite = Composite(x, step.expr, step.result, x, step)
        return cls(step.expr, step, variable, is_root, composite)

    @property
    def x(self) -> Symbol:
        return Symbol(self.variable)

    @property
    def chain(self) -> Composite | None:
        """The composite when its inner function is more than the variable itself."""
        c = self.composite
        return c if c is not None and c.inner is not self.x else None

    def neutral(self, e: Expr) -> Expr:
        """``e`` with the layer's symbol u₁ written as a plain u (when u is free)."""
        c = self.composite
        if c is None or c.u is self.x:
            return e
        if "u" in free_symbols(self.node) | {self.variable}:
            return e
        return substitute(e, {c.u: Symbol("u")})

    def power(self) -> tuple[Expr, Expr] | None:
        """(base, exponent) when the outer function is a power or an exponential."""
        c = self.composite
        if c is None:
            return None
        if isinstance(c.f_u, Pow):
            return c.f_u.base, c.f_u.exp
        if isinstance(c.f_u, Func) and len(c.f_u.args) == 1:
            # A power in disguise (eᵘ, √u, ∛u), as its table entry says.
            as_power = FUNCTIONS[c.f_u.name].as_power
            if as_power is not None:
                return as_power(c.f_u.args[0])
        return None


class Context:
    """Derivatives of subexpressions, some of them replaced by a learner's wrong ones.

    ``seed(node, wrong)`` makes every later derivative that needs d/dx node use ``wrong``;
    the ordinary rules do the rest, so a mistake deep inside propagates as it would on paper.
    """

    def __init__(self, variable: str, reserved: frozenset[str] = frozenset(),
                 fresh: Derivator | None = None) -> None:
        self.variable = variable
        self._reserved = reserved
        self._derivator = Derivator(variable, reserved)
        self._fresh = fresh  # correct derivatives, shareable between contexts

    def seed(self, node: Expr, wrong: Expr) -> None:
        self._derivator.memo[node] = Step(expr=node, variable=self.variable, result=wrong)

    def d(self, e: Expr) -> Expr:
        """d/dx e under the mistakes seeded so far."""
        return self._derivator.derive(e).result

    def fresh(self, e: Expr) -> Expr:
        """The correct d/dx e, lightly simplified (for explanations)."""
        if self._fresh is None:
            self._fresh = Derivator(self.variable, self._reserved)
        return light(self._fresh.derive(e).result)


@dataclass(frozen=True)
class Variant:
    """One way of making a mistake at a layer: the wrong derivative of the layer it gives."""

    wrong: Expr                          # d/dx layer as the learner would write it
    facts: Callable[[], Mapping[str, Fact]] = dict  # built only when the variant is explained
    template: str = "default"
    specific: bool = True                # False for a catch-all reading (an overall sign)


Generator = Callable[[Layer, Context], Iterable[Variant]]


@dataclass(frozen=True)
class MistakeKind:
    """One classic mistake: its stable ``kind``, a title, its generator and its words."""

    kind: str
    title: str
    generate: Generator
    templates: Mapping[str, str]
    stacks: bool = False                 # may come on top of another mistake at one layer

    def explain(self, variant: Variant, layer: Layer) -> str:
        """The explanation, one sentence; formulas keep their spaces unbreakable (NBSP)."""
        facts = {"layer": layer.node, "var": layer.variable, **variant.facts()}
        words = {k: _math(v) if isinstance(v, Expr) else _formula(v) for k, v in facts.items()}
        return _formula(self.templates[variant.template].format(**words))


def _math(e: Expr) -> str:
    return e.pretty().replace(" ", NBSP)


def _formula(text: str) -> str:
    """`Backquoted` spans are formulas: their spaces become unbreakable, the quotes go."""
    return re.sub(r"`([^`]*)`", lambda m: m.group(1).replace(" ", NBSP), text)


# ── small helpers for generators ─────────────────────────────────────────────
def _product(*factors: Expr) -> Expr:
    """A product that stays as written, without ·1."""
    kept = [f for f in factors if f is not ONE]
    return Mul(tuple(kept)) if kept else ONE


def _negative(e: Expr) -> bool:
    """Whether the tidy form of ``e`` starts with a minus sign."""
    e = light(e)
    if isinstance(e, Num):
        return e.value < 0
    return isinstance(e, Neg)


def _coefficient(e: Expr) -> tuple[Fraction, Expr]:
    """(c, rest) with e = c·rest, read from the tidy form of ``e`` (rest is 1 for a number)."""
    e = light(e)
    sign = Fraction(1)
    if isinstance(e, Neg):
        sign, e = Fraction(-1), e.arg

    def split(p: Expr) -> tuple[Fraction, Expr]:
        if isinstance(p, Num):
            return p.value, ONE
        if isinstance(p, Mul) and isinstance(p.factors[0], Num):
            return p.factors[0].value, Mul(p.factors[1:])
        return Fraction(1), p

    if isinstance(e, Div):
        c_top, top = split(e.num)
        c_bottom, bottom = split(e.den)
        return sign * c_top / c_bottom, (top if bottom is ONE else Div(top, bottom))
    c, rest = split(e)
    return sign * c, rest


def _rule_words(step: Step) -> str:
    """A step's explanation with its formula (after the colon, if any) kept whole."""
    head, colon, formula = step.explanation.partition(": ")
    return f"{head}: `{formula}`" if colon else step.explanation


# ── generators, one per kind ─────────────────────────────────────────────────
def _missing_inner(layer: Layer, ctx: Context) -> Iterator[Variant]:
    """f′(g(x)) without ·g′(x)."""
    c = layer.chain
    if c is None:
        return
    yield Variant(light(c.fp(c.inner)),
                  lambda: {"inner": c.inner, "inner_derivative": ctx.fresh(c.inner)})


def _outer_of_inner(layer: Layer, ctx: Context) -> Iterator[Variant]:
    """f′(g′(x)), bare and (having remembered the chain) times g′(x)."""
    c = layer.chain
    if c is None:
        return
    dg = light(ctx.d(c.inner))
    wrong_outer = light(c.fp(dg))

    def facts() -> dict[str, Fact]:
        return {"inner": c.inner, "inner_derivative": ctx.fresh(c.inner),
                "outer_at_inner": light(c.fp(c.inner)), "wrong_outer": wrong_outer}
    yield Variant(wrong_outer, facts)
    yield Variant(_product(wrong_outer, dg), facts)


def _derivatives_multiplied(layer: Layer, ctx: Context) -> Iterator[Variant]:
    """f′(x)·g′(x): both derivatives taken on their own and multiplied."""
    c = layer.chain
    if c is None:
        return
    at_x = light(c.fp(layer.x))
    yield Variant(_product(at_x, light(ctx.d(c.inner))),
                  lambda: {"outer_at_var": at_x, "inner_derivative": ctx.fresh(c.inner),
                           "outer_at_inner": light(c.fp(c.inner))})


def _inner_outer_swapped(layer: Layer, ctx: Context) -> Iterator[Variant]:
    """The derivative of g(f(x)) given for f(g(x))."""
    c = layer.chain
    if c is None:
        return
    swapped = substitute(c.inner, {layer.x: c.f(layer.x)})
    if swapped is layer.node:  # f and g commute (sin(sin x)): nothing to swap
        return
    yield Variant(ctx.fresh(swapped),
                  lambda: {"swapped": swapped, "inner": c.inner, "outer": layer.neutral(c.f_u)})


def _composition_as_product(layer: Layer, ctx: Context) -> Iterator[Variant]:
    """sin(x²) read as sin·x², with the product rule: f′(x)·g + f(x)·g′."""
    c = layer.chain
    if c is None or not isinstance(c.outer_step, FunctionStep):
        return
    fx, fpx = c.f(layer.x), light(c.fp(layer.x))
    wrong = Add((_product(fpx, c.inner), _product(fx, light(ctx.d(c.inner)))))
    yield Variant(wrong, lambda: {"product": Mul((fx, c.inner)), "inner": c.inner,
                                  "outer": layer.neutral(c.f_u)})


def _product_as_product(layer: Layer, ctx: Context) -> Iterator[Variant]:
    """(u·v)′ written as u′·v′."""
    if not isinstance(layer.step, ProductStep):
        return
    factors = layer.step.factors
    wrong = Mul(tuple(light(ctx.d(f)) for f in factors))
    rule = ("u′·v + u·v′" if len(factors) == 2
            else "one term per factor, each with one factor differentiated")
    yield Variant(wrong, lambda: {"derivatives": wrong, "rule": rule})


def _quotient_sign(layer: Layer, ctx: Context) -> Iterator[Variant]:
    """(u/v)′ with the numerator reversed, a plus, or v instead of v²."""
    step = layer.step
    if isinstance(step, QuotientStep):
        u, v = step.numerator, step.denominator
        du, dv = light(ctx.d(u)), light(ctx.d(v))
        def facts() -> dict[str, Fact]:
            return {"u": u, "v": v, "v_squared": Pow(v, Num(2))}
        right = Add((_product(du, v), Neg(_product(u, dv))))
        reversed_ = Add((_product(u, dv), Neg(_product(du, v))))
        yield Variant(Div(reversed_, Pow(v, Num(2))), facts, "reversed")
        yield Variant(Div(Add((_product(du, v), _product(u, dv))), Pow(v, Num(2))), facts,
                      "plus")
        yield Variant(Div(right, v), facts, "not_squared")
        yield Variant(Div(reversed_, v), facts, "reversed_not_squared")
        return
    c = layer.composite
    if c is not None and isinstance(c.outer_step, ReciprocalStep):
        numerator = c.outer_step.numerator
        v = c.inner
        yield Variant(_product(Neg(Div(numerator, v)), light(ctx.d(v))),
                      lambda: {"u": numerator, "v": v, "v_squared": Pow(v, Num(2))},
                      "reciprocal_not_squared")


def _power_on_exponential(layer: Layer, ctx: Context) -> Iterator[Variant]:
    """(aᵘ)′ as u·a^(u−1)·u′: the exponent brought down as if it were constant."""
    step = layer.step
    if isinstance(step, LogDiffStep):  # x^x: variable base and exponent
        u, v = step.base, step.exponent
        yield Variant(_product(v, Pow(u, light(Add((v, Num(-1))))), light(ctx.d(u))),
                      lambda: {"rule": "logarithmic differentiation: "
                                       "`(uᵛ)′ = uᵛ·(v′·ln u + v·u′/u)`"}, "variable_exponent")
        return
    found = layer.power()
    c = layer.composite
    if found is None or c is None:
        return
    base, exponent = found
    if free_symbols(base) & {c.u.name, layer.variable} or c.u.name not in free_symbols(exponent):
        return
    g = c.inner
    wrong = _product(g, Pow(base, light(Add((g, Num(-1))))), light(ctx.d(g)))
    yield Variant(light(wrong) if g is layer.x else wrong,
                  lambda: {"rule": _rule_words(c.outer_step)})


def _exponent_not_reduced(layer: Layer, ctx: Context) -> Iterator[Variant]:
    """n·uⁿ instead of n·uⁿ⁻¹."""
    found = layer.power()
    c = layer.composite
    if found is None or c is None:
        return
    base, exponent = found
    if not isinstance(exponent, Num) or exponent.value in (0, 1) or base is not c.u:
        return
    wrong_outer = _product(exponent, c.f_u) if exponent.value != 1 else c.f_u
    wrong = _product(light(substitute(wrong_outer, {c.u: c.inner})), light(ctx.d(c.inner)))
    yield Variant(wrong, lambda: {"n": exponent, "power": layer.neutral(c.f_u),
                                  "correct_outer": layer.neutral(light(c.fp_u)),
                                  "wrong_outer": layer.neutral(wrong_outer)})


def _dropped_constant(layer: Layer, ctx: Context) -> Iterator[Variant]:
    """A constant factor lost: of a constant multiple c·u, or of the inner derivative."""
    step = layer.step
    if isinstance(step, ConstantMultipleStep):
        constant = step.constant
        if isinstance(constant, Num) and abs(constant.value) == 1:
            return  # dropping −1 is a sign error, dropping 1 changes nothing
        du = light(ctx.d(step.operand))
        template = "divisor" if step.divides else "multiple"
        yield Variant(du, lambda: {"constant": constant}, template)
        if isinstance(constant, Num) and constant.value < 0:
            yield Variant(Neg(du), lambda: {"constant": Num(-constant.value)}, template)
        return
    c = layer.chain
    if c is None:
        return
    coeff, rest = _coefficient(ctx.fresh(c.inner))
    if rest is ONE or abs(coeff) == 1:
        return  # nothing but a number: dropping it is the missing inner derivative
    dg = light(ctx.d(c.inner))
    wrong_inner = light(Div(dg, Num(abs(coeff))))
    yield Variant(_product(light(c.fp(c.inner)), wrong_inner),
                  lambda: {"constant": Num(abs(coeff)), "inner": c.inner,
                           "inner_derivative": ctx.fresh(c.inner)}, "inner")


def _sign_error(layer: Layer, ctx: Context) -> Iterator[Variant]:
    """The derivative of the layer with the wrong sign, where a rule brings a minus sign."""
    step, c = layer.step, layer.composite
    template = None
    facts: dict[str, Fact] = {}
    if c is not None and _negative(c.fp_u):
        template, facts = "rule", {"rule": _rule_words(c.outer_step)}
    elif isinstance(step, ConstantMultipleStep) and _negative(step.constant):
        template = "minus" if step.constant is Num(-1) else "negative_constant"
        facts = {"operand": step.operand, "constant": step.constant}
    if template is not None:
        yield Variant(light(Neg(ctx.d(layer.node))), lambda: facts, template)
    elif layer.is_root:
        yield Variant(light(Neg(ctx.d(layer.node))), dict, "overall", specific=False)


# ── the catalogue: order is the prior (most common mistakes first) ────────────
CATALOGUE: tuple[MistakeKind, ...] = (
    MistakeKind(
        "missing_inner_derivative", "Missing inner derivative", _missing_inner,
        {"default": "You forgot to multiply by the derivative of the inner function {inner}, "
                    "which is {inner_derivative}."}),
    MistakeKind(
        "sign_error", "Sign error", _sign_error,
        {"rule": "The sign is wrong at {layer}: {rule}.",
         "minus": "You lost the minus sign in front of {operand}: the derivative of `−u` is "
                  "`−u′`.",
         "negative_constant": "The sign is wrong: the constant factor {constant} is negative, "
                              "and a constant factor stays, sign included.",
         "overall": "Your answer has the wrong sign: it is exactly the negative of the "
                    "derivative."},
        stacks=True),
    MistakeKind(
        "exponent_not_reduced", "Exponent not reduced", _exponent_not_reduced,
        {"default": "You kept the exponent {n}: the power rule lowers it by one, "
                    "`d/du uⁿ = n·uⁿ⁻¹`, so the derivative of {power} is {correct_outer}, "
                    "not {wrong_outer}."}),
    MistakeKind(
        "product_rule_as_product", "Product of the derivatives", _product_as_product,
        {"default": "You multiplied the derivatives of the factors, {derivatives}; the "
                    "derivative of a product is not the product of the derivatives: "
                    "`(u·v)′ = {rule}`."}),
    MistakeKind(
        "quotient_rule_sign", "Quotient rule slip", _quotient_sign,
        {"reversed": "The numerator of the quotient rule is the wrong way round: it is "
                     "`u′·v − u·v′` with `u = {u}` and `v = {v}`, not `u·v′ − u′·v`.",
         "plus": "The numerator of the quotient rule is a difference, `u′·v − u·v′` with "
                 "`u = {u}` and `v = {v}`, not a sum.",
         "not_squared": "The quotient rule divides by the square of the denominator, "
                        "{v_squared}, not by {v}.",
         "reversed_not_squared": "Two slips in the quotient rule: the numerator is "
                                 "`u′·v − u·v′` (not `u·v′ − u′·v`) and the denominator is "
                                 "{v_squared}, not {v}.",
         "reciprocal_not_squared": "The derivative of `c/v` is `−c·v′/v²`: the denominator "
                                   "{v} must be squared."}),
    MistakeKind(
        "derivatives_multiplied", "Derivatives multiplied", _derivatives_multiplied,
        {"default": "You took the outer derivative at {var}, {outer_at_var}, and multiplied "
                    "it by the inner derivative {inner_derivative}; the chain rule takes the "
                    "outer derivative at the inner function: {outer_at_inner}."}),
    MistakeKind(
        "outer_of_inner_derivative", "Outer derivative of the inner derivative",
        _outer_of_inner,
        {"default": "You evaluated the outer derivative at the inner derivative "
                    "{inner_derivative}, giving {wrong_outer}; the chain rule evaluates it "
                    "at the inner function {inner}, giving {outer_at_inner}, and then "
                    "multiplies by {inner_derivative}."}),
    MistakeKind(
        "inner_outer_swapped", "Inner and outer swapped", _inner_outer_swapped,
        {"default": "You differentiated {swapped} instead of {layer}: in {layer} the inner "
                    "function is {inner} and the outer function {outer} is applied to it "
                    "last."}),
    MistakeKind(
        "composition_as_product", "Composition treated as a product", _composition_as_product,
        {"default": "You treated {layer} as the product {product} and used the product "
                    "rule; it is a composition, {outer} applied to {inner}, so it needs the "
                    "chain rule."}),
    MistakeKind(
        "power_rule_on_exponential", "Power rule on an exponential", _power_on_exponential,
        {"default": "You used the power rule on {layer}, but the variable is in the "
                    "exponent, not in the base ({rule}).",
         "variable_exponent": "You used the power rule on {layer} as if its exponent were "
                              "constant; with the variable in the exponent too, use "
                              "{rule}."}),
    MistakeKind(
        "dropped_constant", "Dropped constant", _dropped_constant,
        {"multiple": "You dropped the constant factor {constant}: a constant factor stays "
                     "when you differentiate, `(c·u)′ = c·u′`.",
         "divisor": "You dropped the constant divisor {constant}: `(u/c)′ = u′/c`.",
         "inner": "You lost the constant factor {constant} of the inner derivative: "
                  "`d/d{var} {inner} = {inner_derivative}`.",
         "ratio": "Your answer is {ratio} times the derivative: a constant factor "
                  "{missing} seems to be missing."}),
)

BY_KIND: dict[str, MistakeKind] = {k.kind: k for k in CATALOGUE}
KINDS: tuple[str, ...] = tuple(BY_KIND)
