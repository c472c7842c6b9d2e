"""The function table: everything chainrule knows about each function, in one entry.

Parser, differentiator, printers, renderers and verifier all read this table. Adding a
function is one ``_entry(...)`` call here and nothing anywhere else.

An entry gives only the derivative of the *outer* function, f′(u), as a builder of
expressions; the chain rule that multiplies by the inner derivative lives in exactly one
place, :mod:`chainrule.differentiate`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable

from chainrule.expr import ONE, TWO, Add, Div, Expr, Func, Mul, Neg, Num, Pow

__all__ = ["FunctionEntry", "FUNCTIONS", "ALIASES", "lookup", "function_names"]

Builder = Callable[..., Expr]


@dataclass(frozen=True)
class FunctionEntry:
    """One known function.

    ``partials[i](*args)`` is ∂f/∂(argument i) as an expression of the arguments.
    ``domain(*values)`` says whether real arguments lie where f and f′ are defined, so
    verification samples only points where both sides exist.
    """

    name: str
    partials: tuple[Builder, ...]
    explanation: str                 # "the derivative of sin u is cos u"
    latex: str                       # LaTeX operator name, e.g. r"\sin"
    sympy: Callable[..., Any]        # (sympy module, *args) -> SymPy expression
    numeric: Callable[..., float]    # real evaluation with math
    domain: Callable[..., bool] = lambda *a: True
    domain_note: str = ""
    pretty: str = ""                 # Unicode name in pretty output (σ for sigmoid)
    arities: tuple[int, ...] = (1,)
    aliases: tuple[str, ...] = ()
    abstract: bool = False
    activation: bool = False         # read as a network's activation (a = σ(z)) in graphs

    @property
    def arity_text(self) -> str:
        return " or ".join(f"{n} argument{'s' if n > 1 else ''}" for n in self.arities)

    @property
    def display(self) -> str:
        return self.pretty or self.name


FUNCTIONS: dict[str, FunctionEntry] = {}
ALIASES: dict[str, str] = {}


def _entry(name: str, partials: Builder | tuple[Builder, ...], explanation: str, *,
           latex: str | None = None, sympy: Callable[..., Any], numeric: Callable[..., float],
           **extra: Any) -> None:
    parts = partials if isinstance(partials, tuple) else (partials,)
    FUNCTIONS[name] = FunctionEntry(name, parts, explanation,
                                    latex if latex is not None else rf"\operatorname{{{name}}}",
                                    sympy, numeric, **extra)
    for alias in extra.get("aliases", ()):
        ALIASES[alias] = name


def lookup(name: str) -> FunctionEntry | None:
    """The entry for a name or alias (``ln`` → log)."""
    return FUNCTIONS.get(ALIASES.get(name, name))


def function_names() -> list[str]:
    return sorted([*FUNCTIONS, *ALIASES])


def F(name: str, *args: Expr) -> Expr:
    return Func(name, args)


def sq(u: Expr) -> Expr:
    return Pow(u, TWO)


def _recip(fn: Callable[[float], float]) -> Callable[[float], float]:
    return lambda v: 1.0 / fn(v)


def _sigmoid(v: float) -> float:
    if v >= 0:
        return 1.0 / (1.0 + math.exp(-v))
    z = math.exp(v)
    return z / (1.0 + z)


def _softplus(v: float) -> float:
    return max(v, 0.0) + math.log1p(math.exp(-abs(v)))


def _sign(v: float) -> float:
    return float((v > 0) - (v < 0))


def _away_from_zero(*values: float) -> bool:
    return all(abs(v) > 1e-9 for v in values)


# ── trigonometric ────────────────────────────────────────────────────────────
_entry("sin", lambda u: F("cos", u), "the derivative of sin u is cos u",
       latex=r"\sin", sympy=lambda sp, u: sp.sin(u), numeric=math.sin)
_entry("cos", lambda u: Neg(F("sin", u)), "the derivative of cos u is −sin u",
       latex=r"\cos", sympy=lambda sp, u: sp.cos(u), numeric=math.cos)
_entry("tan", lambda u: sq(F("sec", u)), "the derivative of tan u is sec² u",
       latex=r"\tan", sympy=lambda sp, u: sp.tan(u), numeric=math.tan,
       domain=lambda v: abs(math.cos(v)) > 1e-6, domain_note="undefined where cos u = 0")
_entry("cot", lambda u: Neg(sq(F("csc", u))), "the derivative of cot u is −csc² u",
       latex=r"\cot", sympy=lambda sp, u: sp.cot(u), numeric=_recip(math.tan),
       domain=lambda v: abs(math.sin(v)) > 1e-6, domain_note="undefined where sin u = 0")
_entry("sec", lambda u: Mul((F("sec", u), F("tan", u))), "the derivative of sec u is sec u·tan u",
       latex=r"\sec", sympy=lambda sp, u: sp.sec(u), numeric=_recip(math.cos),
       domain=lambda v: abs(math.cos(v)) > 1e-6, domain_note="undefined where cos u = 0")
_entry("csc", lambda u: Neg(Mul((F("csc", u), F("cot", u)))),
       "the derivative of csc u is −csc u·cot u",
       latex=r"\csc", sympy=lambda sp, u: sp.csc(u), numeric=_recip(math.sin),
       domain=lambda v: abs(math.sin(v)) > 1e-6, domain_note="undefined where sin u = 0")

# ── inverse trigonometric ────────────────────────────────────────────────────
_entry("asin", lambda u: Div(ONE, F("sqrt", Add((ONE, Neg(sq(u)))))),
       "the derivative of asin u is 1/√(1 − u²)",
       latex=r"\arcsin", sympy=lambda sp, u: sp.asin(u), numeric=math.asin,
       domain=lambda v: abs(v) < 1, domain_note="−1 < u < 1 for the derivative",
       aliases=("arcsin",))
_entry("acos", lambda u: Neg(Div(ONE, F("sqrt", Add((ONE, Neg(sq(u))))))),
       "the derivative of acos u is −1/√(1 − u²)",
       latex=r"\arccos", sympy=lambda sp, u: sp.acos(u), numeric=math.acos,
       domain=lambda v: abs(v) < 1, domain_note="−1 < u < 1 for the derivative",
       aliases=("arccos",))
_entry("atan", lambda u: Div(ONE, Add((ONE, sq(u)))), "the derivative of atan u is 1/(1 + u²)",
       latex=r"\arctan", sympy=lambda sp, u: sp.atan(u), numeric=math.atan, aliases=("arctan",))
_entry("acot", lambda u: Neg(Div(ONE, Add((ONE, sq(u))))),
       "the derivative of acot u is −1/(1 + u²)",
       latex=r"\operatorname{arccot}", sympy=lambda sp, u: sp.acot(u),
       numeric=lambda v: math.atan(1 / v) if v else math.pi / 2, domain=_away_from_zero,
       domain_note="acot u = atan(1/u); u ≠ 0", aliases=("arccot",))
_entry("asec", lambda u: Div(ONE, Mul((F("abs", u), F("sqrt", Add((sq(u), Neg(ONE))))))),
       "the derivative of asec u is 1/(|u|·√(u² − 1))",
       latex=r"\operatorname{arcsec}", sympy=lambda sp, u: sp.asec(u),
       numeric=lambda v: math.acos(1 / v), domain=lambda v: abs(v) > 1,
       domain_note="|u| > 1 for the derivative", aliases=("arcsec",))
_entry("acsc", lambda u: Neg(Div(ONE, Mul((F("abs", u), F("sqrt", Add((sq(u), Neg(ONE)))))))),
       "the derivative of acsc u is −1/(|u|·√(u² − 1))",
       latex=r"\operatorname{arccsc}", sympy=lambda sp, u: sp.acsc(u),
       numeric=lambda v: math.asin(1 / v), domain=lambda v: abs(v) > 1,
       domain_note="|u| > 1 for the derivative", aliases=("arccsc",))

# ── hyperbolic ───────────────────────────────────────────────────────────────
_entry("sinh", lambda u: F("cosh", u), "the derivative of sinh u is cosh u",
       latex=r"\sinh", sympy=lambda sp, u: sp.sinh(u), numeric=math.sinh)
_entry("cosh", lambda u: F("sinh", u), "the derivative of cosh u is sinh u",
       latex=r"\cosh", sympy=lambda sp, u: sp.cosh(u), numeric=math.cosh)
_entry("tanh", lambda u: Add((ONE, Neg(sq(F("tanh", u))))),
       "the derivative of tanh u is 1 − tanh² u",
       latex=r"\tanh", sympy=lambda sp, u: sp.tanh(u), numeric=math.tanh, activation=True)
_entry("coth", lambda u: Add((ONE, Neg(sq(F("coth", u))))),
       "the derivative of coth u is 1 − coth² u",
       latex=r"\coth", sympy=lambda sp, u: sp.coth(u), numeric=_recip(math.tanh),
       domain=_away_from_zero, domain_note="u ≠ 0")
_entry("sech", lambda u: Neg(Mul((F("sech", u), F("tanh", u)))),
       "the derivative of sech u is −sech u·tanh u",
       latex=r"\operatorname{sech}", sympy=lambda sp, u: sp.sech(u), numeric=_recip(math.cosh))
_entry("csch", lambda u: Neg(Mul((F("csch", u), F("coth", u)))),
       "the derivative of csch u is −csch u·coth u",
       latex=r"\operatorname{csch}", sympy=lambda sp, u: sp.csch(u), numeric=_recip(math.sinh),
       domain=_away_from_zero, domain_note="u ≠ 0")

# ── inverse hyperbolic ───────────────────────────────────────────────────────
_entry("asinh", lambda u: Div(ONE, F("sqrt", Add((sq(u), ONE)))),
       "the derivative of asinh u is 1/√(u² + 1)",
       latex=r"\operatorname{arsinh}", sympy=lambda sp, u: sp.asinh(u), numeric=math.asinh,
       aliases=("arsinh", "arcsinh"))
_entry("acosh", lambda u: Div(ONE, F("sqrt", Add((sq(u), Neg(ONE))))),
       "the derivative of acosh u is 1/√(u² − 1)",
       latex=r"\operatorname{arcosh}", sympy=lambda sp, u: sp.acosh(u), numeric=math.acosh,
       domain=lambda v: v > 1, domain_note="u > 1 for the derivative",
       aliases=("arcosh", "arccosh"))
_entry("atanh", lambda u: Div(ONE, Add((ONE, Neg(sq(u))))),
       "the derivative of atanh u is 1/(1 − u²)",
       latex=r"\operatorname{artanh}", sympy=lambda sp, u: sp.atanh(u), numeric=math.atanh,
       domain=lambda v: abs(v) < 1, domain_note="−1 < u < 1", aliases=("artanh", "arctanh"))
_entry("acoth", lambda u: Div(ONE, Add((ONE, Neg(sq(u))))),
       "the derivative of acoth u is 1/(1 − u²)",
       latex=r"\operatorname{arcoth}", sympy=lambda sp, u: sp.acoth(u),
       numeric=lambda v: math.atanh(1 / v), domain=lambda v: abs(v) > 1,
       domain_note="|u| > 1", aliases=("arcoth", "arccoth"))
_entry("asech", lambda u: Neg(Div(ONE, Mul((u, F("sqrt", Add((ONE, Neg(sq(u))))))))),
       "the derivative of asech u is −1/(u·√(1 − u²))",
       latex=r"\operatorname{arsech}", sympy=lambda sp, u: sp.asech(u),
       numeric=lambda v: math.acosh(1 / v), domain=lambda v: 0 < v < 1,
       domain_note="0 < u < 1", aliases=("arsech", "arcsech"))
_entry("acsch", lambda u: Neg(Div(ONE, Mul((F("abs", u), F("sqrt", Add((ONE, sq(u)))))))),
       "the derivative of acsch u is −1/(|u|·√(1 + u²))",
       latex=r"\operatorname{arcsch}", sympy=lambda sp, u: sp.acsch(u),
       numeric=lambda v: math.asinh(1 / v), domain=_away_from_zero,
       domain_note="u ≠ 0", aliases=("arcsch", "arccsch"))

# ── exponential, logarithm, roots ────────────────────────────────────────────
_entry("exp", lambda u: F("exp", u), "the derivative of eᵘ is eᵘ itself",
       latex=r"\exp", sympy=lambda sp, u: sp.exp(u), numeric=math.exp)
_entry("log", (lambda u, b=None: Div(ONE, u) if b is None else Div(ONE, Mul((u, F("log", b)))),
               lambda u, b: Neg(Div(F("log", u), Mul((b, sq(F("log", b))))))),
       "the derivative of ln u is 1/u; of log_b u, 1/(u·ln b)",
       latex=r"\ln", sympy=lambda sp, u, b=None: sp.log(u) if b is None else sp.log(u, b),
       numeric=lambda v, b=None: math.log(v) if b is None else math.log(v) / math.log(b),
       domain=lambda v, b=None: v > 0 and (b is None or (b > 0 and abs(b - 1) > 1e-6)),
       domain_note="u > 0 (base b > 0, b ≠ 1)", arities=(1, 2), aliases=("ln",), pretty="ln")
_entry("sqrt", lambda u: Div(ONE, Mul((TWO, F("sqrt", u)))),
       "the derivative of √u is 1/(2√u)",
       latex=r"\sqrt", sympy=lambda sp, u: sp.sqrt(u), numeric=math.sqrt,
       domain=lambda v: v > 0, domain_note="u > 0 for the derivative", pretty="√")
_entry("cbrt", lambda u: Div(ONE, Mul((Num(3), sq(F("cbrt", u))))),
       "the derivative of ∛u is 1/(3·∛u²)",
       latex=r"\sqrt[3]", sympy=lambda sp, u: sp.Pow(u, sp.Rational(1, 3)),
       numeric=lambda v: math.copysign(abs(v) ** (1 / 3), v),
       domain=lambda v: v > 0,
       domain_note="the real cube root; u ≠ 0 for the derivative (checked against SymPy for u > 0)",
       pretty="∛")
_entry("abs", lambda u: F("sign", u), "the derivative of |u| is sign(u), undefined at u = 0",
       latex="", sympy=lambda sp, u: sp.Abs(u), numeric=abs, domain=_away_from_zero,
       domain_note="not differentiable at u = 0")
_entry("sign", lambda u: Num(0), "sign u is constant on each side of 0; undefined at u = 0",
       latex=r"\operatorname{sgn}", sympy=lambda sp, u: sp.sign(u), numeric=_sign,
       domain=_away_from_zero, domain_note="not differentiable at u = 0", aliases=("sgn",))
_entry("heaviside", lambda u: Num(0),
       "the step function is constant on each side of 0; undefined at u = 0",
       latex=r"\theta", sympy=lambda sp, u: sp.Heaviside(u),
       numeric=lambda v: 1.0 if v > 0 else (0.0 if v < 0 else 0.5),
       domain=_away_from_zero, domain_note="jumps at u = 0", aliases=("step",), pretty="H")
_entry("atan2", (lambda y, x: Div(x, Add((sq(x), sq(y)))),
                 lambda y, x: Neg(Div(y, Add((sq(x), sq(y)))))),
       "∂atan2(y, x)/∂y = x/(x² + y²) and ∂atan2(y, x)/∂x = −y/(x² + y²)",
       latex=r"\operatorname{atan2}", sympy=lambda sp, y, x: sp.atan2(y, x), numeric=math.atan2,
       domain=lambda y, x: x > 0 or abs(y) > 1e-6, domain_note="(y, x) ≠ (0, 0), off the cut x < 0, y = 0",
       arities=(2,))

# ── machine learning ─────────────────────────────────────────────────────────
_entry("sigmoid", lambda u: Mul((F("sigmoid", u), Add((ONE, Neg(F("sigmoid", u)))))),
       "the derivative of σ(u) is σ(u)·(1 − σ(u)), reusing the forward value",
       latex=r"\sigma", sympy=lambda sp, u: 1 / (1 + sp.exp(-u)), numeric=_sigmoid,
       pretty="σ", aliases=("logistic",), activation=True)
_entry("softplus", lambda u: F("sigmoid", u), "the derivative of softplus u = ln(1 + eᵘ) is σ(u)",
       latex=r"\operatorname{softplus}", sympy=lambda sp, u: sp.log(1 + sp.exp(u)),
       numeric=_softplus, activation=True)
_entry("relu", lambda u: F("heaviside", u),
       "the derivative of relu u = max(0, u) is the step function: 1 for u > 0, 0 for u < 0, "
       "undefined at u = 0",
       latex=r"\operatorname{ReLU}", sympy=lambda sp, u: sp.Max(0, u),
       numeric=lambda v: max(v, 0.0), domain=_away_from_zero,
       domain_note="not differentiable at u = 0", aliases=("ReLU",), activation=True)

# ── abstract functions: the chain rule itself ────────────────────────────────
for _name in ("f", "g", "h"):
    _entry(_name, lambda u: u,  # replaced by the differentiator: f′ of an abstract f stays f′
           f"{_name} is an abstract function: its derivative stays symbolic, {_name}′(u)",
           latex=_name, sympy=lambda sp, *a, _n=_name: sp.Function(_n)(*a),
           numeric=lambda v: v, abstract=True)
