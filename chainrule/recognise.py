"""Recognised forms: derivatives a textbook writes through the function's own value.

    >>> import chainrule
    >>> d = chainrule.diff("1/(1+exp(-x))")
    >>> print(d.recognised[0].form.pretty())
    σ(x)·(1 − σ(x))

Each entry of ``FORMS`` recognises a function written out — the logistic sigmoid
1/(1 + e^(−z)) or e^z/(1 + e^z), tanh as (e^z − e^(−z))/(e^z + e^(−z)), the exponential
e^z — by its shape (cheap, no SymPy), and says how its derivative reads through the value
of the function itself: σ′ = σ(1 − σ), tanh′ = 1 − tanh², (e^z)′ = e^z. A recognised form is
kept only once it is proven to be the derivative, exactly like a result.

To add a form: write a matcher (expression → the inner z, or None) and one ``Form`` entry.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from chainrule.errors import ChainruleError
from chainrule.expr import (
    ONE,
    TWO,
    Add,
    Const,
    Div,
    Expr,
    Func,
    Mul,
    Neg,
    Num,
    Pow,
    Symbol,
    depends_on,
    free_symbols,
)
from chainrule.simplify import light
from chainrule.steps import Step, walk

__all__ = ["Form", "Recognition", "FORMS", "recognise"]


def _exponent(e: Expr) -> Expr | None:
    """h when ``e`` is e^h, written exp(h) or e**h."""
    if isinstance(e, Func) and e.name == "exp":
        return e.args[0]
    if isinstance(e, Pow) and e.base is Const("e"):
        return e.exp
    return None


def _split_one(terms: tuple[Expr, ...]) -> Expr | None:
    """The other term of 1 + t (in either order)."""
    if len(terms) == 2:
        if terms[0] is ONE:
            return terms[1]
        if terms[1] is ONE:
            return terms[0]
    return None


def _match_sigmoid(e: Expr) -> Expr | None:
    """1/(1 + e^(−z)), (1 + e^(−z))^(−1) and e^z/(1 + e^z)."""
    if isinstance(e, Pow) and e.exp == Num(-1):
        e = Div(ONE, e.base)
    if not isinstance(e, Div) or not isinstance(e.den, Add):
        return None
    other = _split_one(e.den.terms)
    h = _exponent(other) if other is not None else None
    if h is None:
        return None
    if e.num is ONE:
        return light(Neg(h))
    if e.num is other:  # e^z/(1 + e^z)
        return h
    return None


def _match_tanh(e: Expr) -> Expr | None:
    """(e^z − e^(−z))/(e^z + e^(−z))."""
    if not (isinstance(e, Div) and isinstance(e.num, Add) and isinstance(e.den, Add)
            and len(e.num.terms) == 2 and len(e.den.terms) == 2):
        return None
    a, nb = e.num.terms
    if not isinstance(nb, Neg) or e.den.terms not in ((a, nb.arg), (nb.arg, a)):
        return None
    za, zb = _exponent(a), _exponent(nb.arg)
    if za is None or zb is None or light(Add((za, zb))) != Num(0):
        return None
    return za


def _match_exp(e: Expr) -> Expr | None:
    return _exponent(e)


@dataclass(frozen=True)
class Form:
    """A function the engine may meet written out, and its derivative through its value."""

    name: str
    match: Callable[[Expr], Expr | None]     # expression → its inner z, or None
    value: Callable[[Expr], Expr]            # z ↦ the function, named: σ(z)
    written: Callable[[Expr], Expr]          # z ↦ the function written out: 1/(1 + e^(−z))
    through: Callable[[Expr], Expr]          # s ↦ the derivative through the value s: s(1 − s)
    rule: tuple[str, str]                    # the rule in Unicode and in LaTeX
    note: str                                # {value} stands for the function's value
    root_only: bool = False                  # recognised only as the whole input


FORMS: tuple[Form, ...] = (
    Form("logistic sigmoid", _match_sigmoid, lambda z: Func("sigmoid", (z,)),
         lambda z: Div(ONE, Add((ONE, Func("exp", (Neg(z),))))),
         lambda s: Mul((s, Add((ONE, Neg(s))))),
         ("σ′ = σ·(1 − σ)", r"\sigma' = \sigma\left(1 - \sigma\right)"),
         "the derivative reuses the forward value {value}, so backpropagation through a "
         "sigmoid needs no new exponential; this is why the sigmoid was popular in neural "
         "networks"),
    Form("hyperbolic tangent", _match_tanh, lambda z: Func("tanh", (z,)),
         lambda z: Div(Add((Func("exp", (z,)), Neg(Func("exp", (Neg(z),))))),
                       Add((Func("exp", (z,)), Func("exp", (Neg(z),))))),
         lambda s: Add((ONE, Neg(Pow(s, TWO)))),
         ("tanh′ = 1 − tanh²", r"\tanh' = 1 - \tanh^{2}"),
         "the derivative reuses the forward value {value}, as backpropagation through a "
         "tanh layer does"),
    Form("exponential", _match_exp, lambda z: Func("exp", (z,)),
         lambda z: Func("exp", (z,)),
         lambda s: s,
         ("(eᶻ)′ = eᶻ", r"\left(e^{z}\right)' = e^{z}"),
         "the exponential is its own derivative, so the result reuses the forward value "
         "{value}",
         root_only=True),
)


@dataclass(frozen=True)
class Recognition:
    """A step whose expression is a recognised form, with its derivative written through it."""

    expr: Expr                 # the expression recognised (a step's, or the input)
    variable: str
    form_name: str             # "logistic sigmoid"
    value: Expr                # the function, named: σ(x)
    form: Expr                 # the derivative through it: σ(x)·(1 − σ(x))
    definition: tuple[Expr, Expr]   # σ(x) and 1/(1 + e^(−x)) (z when the inner is not x)
    rule: tuple[str, str]      # σ′ = σ·(1 − σ), in Unicode and LaTeX
    note: str


def _fresh(expr: Expr) -> Symbol:
    taken = free_symbols(expr)
    return Symbol(next(n for n in ("z", "t", "s", "w", "v") if n not in taken))


def recognise(root: Step, variable: str, *, verify: bool = True) -> list[Recognition]:
    """Every step of ``root`` whose expression is a recognised form (each expression once),
    outermost first. With ``verify``, each form is proven to be the step's derivative first."""
    from chainrule.differentiate import differentiate
    from chainrule.verify import verify_derivative
    out: list[Recognition] = []
    seen: set[Expr] = set()
    for step in walk(root):
        e = step.expr
        if e in seen or step.variable != variable or not depends_on(e, variable):
            continue
        seen.add(e)
        for form in FORMS:
            if form.root_only and step is not root:
                continue
            z = form.match(e)
            if z is None or not depends_on(z, variable):
                continue
            value = form.value(z)
            dz = light(differentiate(z, variable).result)
            through = form.through(value)
            factors = through.factors if isinstance(through, Mul) else (through,)
            shaped = through if dz is ONE else Mul((dz, *factors))
            try:
                if verify:
                    verify_derivative(e, variable, shaped, what=f"the {form.name} form")
            except ChainruleError:
                continue  # never show a form that is not proven
            arg = z if z == Symbol(variable) else _fresh(e)
            out.append(Recognition(e, variable, form.name, value, shaped,
                                   (form.value(arg), form.written(arg)), form.rule,
                                   form.note.format(value=value.pretty())))
            break
    return out
