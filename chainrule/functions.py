"""The function table: everything chainrule knows about each function, in one entry.

Parser, differentiator, printers, renderers, verifier, the generated backprop program and
the mistake catalogue all read this table. Adding a function is one ``_entry(...)`` call
here and nothing anywhere else; at run time, :func:`define_function` adds one.

An entry gives only the derivative of the *outer* function, f′(u), as a builder of
expressions; the chain rule that multiplies by the inner derivative lives in exactly one
place, :mod:`chainrule.differentiate`.
"""

from __future__ import annotations

import keyword
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Literal, NoReturn, get_args

from chainrule.expr import ONE, TWO, Add, Const, Div, Expr, Func, Mul, Neg, Num, Pow, Symbol

__all__ = ["FunctionEntry", "Code", "Layout", "FUNCTIONS", "ALIASES", "lookup",
           "function_names", "display_letters", "define_function", "remove_function",
           "code_helper", "CodeSpec"]

Builder = Callable[..., Expr]

# How Unicode and LaTeX write a function when it is not name(arguments): "exponential" is
# eᵘ / e^{u}, "radical" is √u / \sqrt{u} (the sign from pretty / latex), "bars" is |u|,
# "log" writes a second argument as the base, log₂(x) / \log_{2}. Python syntax is
# always name(arguments).
Layout = Literal["call", "exponential", "radical", "bars", "log"]


@dataclass(frozen=True)
class Code:
    """How the generated backprop program computes a function.

    ``call`` names it, with ``M.`` standing for the module (math, or NumPy for arrays):
    ``M.sin``, ``abs``. ``helper`` is Python source that defines ``call`` when the module has
    no such function (see :func:`code_helper`).
    """

    call: str
    helper: str = ""


def code_helper(name: str, body: str) -> Code:
    """A one-argument helper function for generated code::

        >>> print(code_helper("sec", "return 1 / M.cos(u)").helper, end="")
        def sec(u):
            return 1 / M.cos(u)
    """
    return Code(name, f"def {name}(u):\n    {body}\n")


CodeSpec = str | Code | tuple[str | Code, str | Code]  # one for both modules, or (math, NumPy)


@dataclass(frozen=True)
class FunctionEntry:
    """One known function.

    ``partials[i](*args)`` is ∂f/∂(argument i) as an expression of the arguments.
    ``domain(*values)`` says whether real arguments lie where f and f′ are defined, so
    verification samples only points where both sides exist.

    What each reader takes from it: the parser the name, ``aliases`` and ``arities``; the
    differentiator ``partials``; the printers ``pretty``, ``latex``, ``layout`` and
    ``latex_power_prefix``; verification ``sympy``, ``numeric`` and ``domain``; the
    generated backprop program ``python_code`` and ``numpy_code``; the mistake catalogue
    ``as_power``.
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
    layout: Layout = "call"          # how Unicode and LaTeX write it (see Layout)
    latex_power_prefix: bool = False  # an integer power written \sin^{2}\left(x\right)
    python_code: Code | None = None  # the generated program, with math
    numpy_code: Code | None = None   # the generated program, with NumPy (elementwise)
    # A power in disguise (exp u = eᵘ, √u = u^(1/2)): u ↦ (base, exponent), as the power and
    # exponential rules see it, for the mistakes a learner makes with those rules.
    as_power: Callable[[Expr], tuple[Expr, Expr]] | None = None

    @property
    def arity_text(self) -> str:
        return " or ".join(f"{n} argument{'s' if n > 1 else ''}" for n in self.arities)

    @property
    def display(self) -> str:
        return self.pretty or self.name


FUNCTIONS: dict[str, FunctionEntry] = {}
ALIASES: dict[str, str] = {}
_DEFINED: set[str] = set()          # names added at run time by define_function
_LETTERS: list[frozenset[str]] = []  # display_letters(), until the table changes


def _code_pair(code: CodeSpec | None) -> tuple[Code | None, Code | None]:
    """``code=`` of an entry: one implementation for both modules, or (math, NumPy)."""
    if code is None:
        return None, None
    pair = code if isinstance(code, tuple) else (code, code)
    python, numpy = (Code(c) if isinstance(c, str) else c for c in pair)
    return python, numpy


def _make(name: str, partials: Builder | Sequence[Builder], explanation: str, *,
          latex: str | None, sympy: Callable[..., Any], numeric: Callable[..., float],
          code: CodeSpec | None, **extra: Any) -> FunctionEntry:
    parts = tuple(partials) if isinstance(partials, Sequence) else (partials,)
    python, numpy = _code_pair(code)
    return FunctionEntry(name, parts, explanation,
                         latex if latex is not None else rf"\operatorname{{{name}}}",
                         sympy, numeric, python_code=python, numpy_code=numpy, **extra)


def _register(entry: FunctionEntry) -> None:
    FUNCTIONS[entry.name] = entry
    for alias in entry.aliases:
        ALIASES[alias] = entry.name
    _LETTERS.clear()


def _entry(name: str, partials: Builder | tuple[Builder, ...], explanation: str, *,
           latex: str | None = None, sympy: Callable[..., Any], numeric: Callable[..., float],
           code: CodeSpec | None = None, **extra: Any) -> None:
    _register(_make(name, partials, explanation, latex=latex, sympy=sympy, numeric=numeric,
                    code=code, **extra))


def lookup(name: str) -> FunctionEntry | None:
    """The entry for a name or alias (``ln`` → log)."""
    return FUNCTIONS.get(ALIASES.get(name, name))


def function_names() -> list[str]:
    return sorted([*FUNCTIONS, *ALIASES])


def display_letters() -> frozenset[str]:
    """The one-letter names functions are shown with (σ, H, f, g, h): a symbol written
    with one of them would read as a call, so the printers keep a "·" after it."""
    if not _LETTERS:
        _LETTERS.append(frozenset(e.display for e in FUNCTIONS.values() if len(e.display) == 1))
    return _LETTERS[0]


# ── the extension surface: a function defined at run time ───────────────────
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9]+\Z")
_RESERVED = frozenset({"e", "E", "pi", "I", "oo", "nan", "inf", "infinity"})
_CALL = re.compile(r"(M\.)?[A-Za-z_][A-Za-z0-9_]*\Z")
_BUILTINS = frozenset({"abs", "max", "min", "round", "float"})  # Python's, in generated code


def define_function(name: str, derivative: Builder | Sequence[Builder], *, explanation: str,
                    numeric: Callable[..., float], sympy: Callable[..., Any], code: CodeSpec,
                    latex: str | None = None, domain: Callable[..., bool] | None = None,
                    domain_note: str = "", pretty: str = "", arities: tuple[int, ...] = (1,),
                    aliases: tuple[str, ...] = (), activation: bool = False,
                    layout: Layout = "call", latex_power_prefix: bool = False,
                    as_power: Callable[[Expr], tuple[Expr, Expr]] | None = None
                    ) -> FunctionEntry:
    r"""Add a function to the table at run time: then it parses, differentiates (by the chain
    rule, like any other), prints, generates code and is verified against SymPy.

    ``derivative`` builds f′(u) from an expression u (one builder per argument for a
    function of several); ``numeric`` evaluates it with floats, ``sympy(sp, *args)`` builds
    it in SymPy, for verification; ``code`` is how the generated backprop program computes
    it: a call such as ``"M.tanh"`` (``M.`` is math, or NumPy, so one call serves both only
    where both modules have it), a :func:`code_helper`, or a pair of them (math, NumPy).
    The other options are the fields of :class:`FunctionEntry`.

        >>> import math
        >>> import chainrule
        >>> from chainrule.expr import Func
        >>> sigma = lambda u: Func("sigmoid", (u,))
        >>> entry = define_function(
        ...     "silu", lambda u: sigma(u) * (1 + u * (1 - sigma(u))),
        ...     explanation="the derivative of silu u = u·σ(u) is σ(u)·(1 + u·(1 − σ(u)))",
        ...     numeric=lambda v: v / (1 + math.exp(-v)),
        ...     sympy=lambda sp, u: u / (1 + sp.exp(-u)),
        ...     code=code_helper("silu", "return u / (1 + M.exp(-u))"))
        >>> print(chainrule.diff("silu(3*x)").result)
        3*sigmoid(3*x)*(1 + 3*x*(1 - sigmoid(3*x)))
        >>> remove_function("silu")

    A name already in the table, a name the parser reserves or code that does not define
    what it calls raises :class:`ValueError`; nothing is added then.
    """
    if not isinstance(name, str) or not _NAME.match(name) or keyword.iskeyword(name) \
            or name in _RESERVED:
        raise ValueError(f"cannot define a function named {name!r}: a function name is two "
                         "or more letters and digits, starting with a letter, and not a "
                         "constant or a Python keyword")
    for taken in (name, *aliases):
        if lookup(taken) is not None:
            raise ValueError(f"{taken!r} is already a function in the table")
    for alias in aliases:
        if not isinstance(alias, str) or not _NAME.match(alias) or keyword.iskeyword(alias) \
                or alias in _RESERVED:
            raise ValueError(f"cannot use {alias!r} as another name for {name}")
    entry = _make(name, derivative, explanation, latex=latex, sympy=sympy, numeric=numeric,
                  code=code, domain=domain if domain is not None else _anywhere,
                  domain_note=domain_note, pretty=pretty, arities=tuple(arities),
                  aliases=tuple(aliases), activation=activation, layout=layout,
                  latex_power_prefix=latex_power_prefix, as_power=as_power)
    _register(entry)  # first, so that a derivative may use the function itself (eᵘ, σ)
    try:
        _validate(entry)
    except BaseException:
        _unregister(name)
        raise
    _DEFINED.add(name)
    return entry


def remove_function(name: str) -> None:
    """Take out a function added by :func:`define_function` (the built-in ones stay)."""
    if name not in _DEFINED:
        raise ValueError(f"{name!r} was not added by define_function")
    _unregister(name)
    _DEFINED.discard(name)


def _unregister(name: str) -> None:
    entry = FUNCTIONS.pop(name)
    for alias in entry.aliases:
        ALIASES.pop(alias, None)
    _LETTERS.clear()


def _anywhere(*values: float) -> bool:
    return True


def _validate(entry: FunctionEntry) -> None:
    """Refuse an entry that some reader of the table could not use."""
    name = entry.name

    def refuse(why: str) -> NoReturn:
        raise ValueError(f"cannot define {name}: {why}")

    if not entry.arities or any(not isinstance(n, int) or n < 1 for n in entry.arities):
        refuse("arities must be positive numbers of arguments, such as (1,)")
    if len(entry.partials) != max(entry.arities) or not all(map(callable, entry.partials)):
        refuse(f"give one derivative builder per argument ({max(entry.arities)})")
    for n in entry.arities:
        args = [Symbol(f"u{i + 1}") for i in range(n)]
        for i in range(n):
            try:
                built = entry.partials[i](*args)
            except Exception as err:  # the caller's code: say what failed
                refuse(f"the derivative builder {i + 1} failed on symbols: {err}")
            if not isinstance(built, Expr):
                refuse(f"the derivative builder {i + 1} returned {type(built).__name__}, "
                       "not an expression")
    if not isinstance(entry.explanation, str) or not entry.explanation.strip():
        refuse("an explanation is needed: the words shown for its step")
    for what in ("numeric", "sympy", "domain"):
        if not callable(getattr(entry, what)):
            refuse(f"{what} must be callable")
    if not isinstance(entry.latex, str) or "\n" in entry.latex:
        refuse("latex must be one line of LaTeX, such as \\operatorname{silu}")
    if entry.pretty and (len(entry.pretty.split()) != 1):
        refuse("pretty must be a name without spaces, such as σ")
    if entry.layout not in get_args(Layout):
        refuse(f"layout must be one of {', '.join(get_args(Layout))}")
    if entry.layout in ("exponential", "radical", "bars") and entry.arities != (1,):
        refuse(f"the {entry.layout} layout is for a function of one argument")
    if entry.latex_power_prefix and not entry.latex.startswith("\\"):
        refuse("a LaTeX power prefix (\\sin^{2} x) needs a LaTeX control word")
    if entry.as_power is not None:
        if entry.arities != (1,) or not callable(entry.as_power):
            refuse("as_power is u ↦ (base, exponent), for a function of one argument")
        pair = entry.as_power(Symbol("u"))
        if not (isinstance(pair, tuple) and len(pair) == 2
                and all(isinstance(e, Expr) for e in pair)):
            refuse("as_power must return (base, exponent), two expressions")
    for which, impl in (("python_code", entry.python_code), ("numpy_code", entry.numpy_code)):
        if impl is None:
            refuse("code is needed: how the generated backprop program computes it")
        else:
            _validate_code(name, which, impl)


def _validate_code(name: str, which: str, impl: Code) -> None:
    if not isinstance(impl, Code) or not _CALL.match(impl.call):
        raise ValueError(f"cannot define {name}: {which} must call a name, such as M.tanh")
    if impl.call.startswith("M.") or impl.call in _BUILTINS:
        if impl.helper:
            raise ValueError(f"cannot define {name}: a helper defines a function of its "
                             f"own, not {impl.call}")
        return
    if not impl.helper:
        raise ValueError(f"cannot define {name}: {impl.call} is not a module function "
                         "(M.…), so a helper must define it")
    import ast  # here, not at the top: only a run-time definition needs it
    try:  # read, never run: the helper becomes part of a program someone else runs
        tree = ast.parse(impl.helper)
    except SyntaxError as err:
        raise ValueError(f"cannot define {name}: its helper is not Python ({err.msg})") from None
    if not (impl.call == name and len(tree.body) == 1
            and isinstance(tree.body[0], ast.FunctionDef) and tree.body[0].name == name):
        # Named after the function, so two helpers in one program cannot collide.
        raise ValueError(f"cannot define {name}: its helper must be one function named {name}")


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


def _at_reciprocal(name: str, math_name: str, numpy_name: str) -> tuple[Code, Code]:
    """Generated code for f(u) = g(1/u) (acot u = atan(1/u)), g from math and NumPy."""
    return (code_helper(name, f"return M.{math_name}(1 / u)"),
            code_helper(name, f"return M.{numpy_name}(1 / u)"))


def _away_from_zero(*values: float) -> bool:
    return all(abs(v) > 1e-9 for v in values)


# ── trigonometric ────────────────────────────────────────────────────────────
_entry("sin", lambda u: F("cos", u), "the derivative of sin u is cos u",
       latex=r"\sin", sympy=lambda sp, u: sp.sin(u), numeric=math.sin,
       code="M.sin",
       latex_power_prefix=True)
_entry("cos", lambda u: Neg(F("sin", u)), "the derivative of cos u is −sin u",
       latex=r"\cos", sympy=lambda sp, u: sp.cos(u), numeric=math.cos,
       code="M.cos",
       latex_power_prefix=True)
_entry("tan", lambda u: sq(F("sec", u)), "the derivative of tan u is sec² u",
       latex=r"\tan", sympy=lambda sp, u: sp.tan(u), numeric=math.tan,
       domain=lambda v: abs(math.cos(v)) > 1e-6, domain_note="undefined where cos u = 0",
       code="M.tan",
       latex_power_prefix=True)
_entry("cot", lambda u: Neg(sq(F("csc", u))), "the derivative of cot u is −csc² u",
       latex=r"\cot", sympy=lambda sp, u: sp.cot(u), numeric=_recip(math.tan),
       domain=lambda v: abs(math.sin(v)) > 1e-6, domain_note="undefined where sin u = 0",
       code=code_helper("cot", "return 1 / M.tan(u)"),
       latex_power_prefix=True)
_entry("sec", lambda u: Mul((F("sec", u), F("tan", u))), "the derivative of sec u is sec u·tan u",
       latex=r"\sec", sympy=lambda sp, u: sp.sec(u), numeric=_recip(math.cos),
       domain=lambda v: abs(math.cos(v)) > 1e-6, domain_note="undefined where cos u = 0",
       code=code_helper("sec", "return 1 / M.cos(u)"),
       latex_power_prefix=True)
_entry("csc", lambda u: Neg(Mul((F("csc", u), F("cot", u)))),
       "the derivative of csc u is −csc u·cot u",
       latex=r"\csc", sympy=lambda sp, u: sp.csc(u), numeric=_recip(math.sin),
       domain=lambda v: abs(math.sin(v)) > 1e-6, domain_note="undefined where sin u = 0",
       code=code_helper("csc", "return 1 / M.sin(u)"),
       latex_power_prefix=True)

# ── inverse trigonometric ────────────────────────────────────────────────────
_entry("asin", lambda u: Div(ONE, F("sqrt", Add((ONE, Neg(sq(u)))))),
       "the derivative of asin u is 1/√(1 − u²)",
       latex=r"\arcsin", sympy=lambda sp, u: sp.asin(u), numeric=math.asin,
       domain=lambda v: abs(v) < 1, domain_note="−1 < u < 1 for the derivative",
       aliases=("arcsin",),
       code=("M.asin", "M.arcsin"))
_entry("acos", lambda u: Neg(Div(ONE, F("sqrt", Add((ONE, Neg(sq(u))))))),
       "the derivative of acos u is −1/√(1 − u²)",
       latex=r"\arccos", sympy=lambda sp, u: sp.acos(u), numeric=math.acos,
       domain=lambda v: abs(v) < 1, domain_note="−1 < u < 1 for the derivative",
       aliases=("arccos",),
       code=("M.acos", "M.arccos"))
_entry("atan", lambda u: Div(ONE, Add((ONE, sq(u)))), "the derivative of atan u is 1/(1 + u²)",
       latex=r"\arctan", sympy=lambda sp, u: sp.atan(u), numeric=math.atan, aliases=("arctan",),
       code=("M.atan", "M.arctan"))
_entry("acot", lambda u: Neg(Div(ONE, Add((ONE, sq(u))))),
       "the derivative of acot u is −1/(1 + u²)",
       latex=r"\operatorname{arccot}", sympy=lambda sp, u: sp.acot(u),
       numeric=lambda v: math.atan(1 / v) if v else math.pi / 2, domain=_away_from_zero,
       domain_note="acot u = atan(1/u); u ≠ 0", aliases=("arccot",),
       code=_at_reciprocal("acot", "atan", "arctan"))
_entry("asec", lambda u: Div(ONE, Mul((F("abs", u), F("sqrt", Add((sq(u), Neg(ONE))))))),
       "the derivative of asec u is 1/(|u|·√(u² − 1))",
       latex=r"\operatorname{arcsec}", sympy=lambda sp, u: sp.asec(u),
       numeric=lambda v: math.acos(1 / v), domain=lambda v: abs(v) > 1,
       domain_note="|u| > 1 for the derivative", aliases=("arcsec",),
       code=_at_reciprocal("asec", "acos", "arccos"))
_entry("acsc", lambda u: Neg(Div(ONE, Mul((F("abs", u), F("sqrt", Add((sq(u), Neg(ONE)))))))),
       "the derivative of acsc u is −1/(|u|·√(u² − 1))",
       latex=r"\operatorname{arccsc}", sympy=lambda sp, u: sp.acsc(u),
       numeric=lambda v: math.asin(1 / v), domain=lambda v: abs(v) > 1,
       domain_note="|u| > 1 for the derivative", aliases=("arccsc",),
       code=_at_reciprocal("acsc", "asin", "arcsin"))

# ── hyperbolic ───────────────────────────────────────────────────────────────
_entry("sinh", lambda u: F("cosh", u), "the derivative of sinh u is cosh u",
       latex=r"\sinh", sympy=lambda sp, u: sp.sinh(u), numeric=math.sinh,
       code="M.sinh",
       latex_power_prefix=True)
_entry("cosh", lambda u: F("sinh", u), "the derivative of cosh u is sinh u",
       latex=r"\cosh", sympy=lambda sp, u: sp.cosh(u), numeric=math.cosh,
       code="M.cosh",
       latex_power_prefix=True)
_entry("tanh", lambda u: Add((ONE, Neg(sq(F("tanh", u))))),
       "the derivative of tanh u is 1 − tanh² u",
       latex=r"\tanh", sympy=lambda sp, u: sp.tanh(u), numeric=math.tanh, activation=True,
       code="M.tanh",
       latex_power_prefix=True)
_entry("coth", lambda u: Add((ONE, Neg(sq(F("coth", u))))),
       "the derivative of coth u is 1 − coth² u",
       latex=r"\coth", sympy=lambda sp, u: sp.coth(u), numeric=_recip(math.tanh),
       domain=_away_from_zero, domain_note="u ≠ 0",
       code=code_helper("coth", "return 1 / M.tanh(u)"),
       latex_power_prefix=True)
_entry("sech", lambda u: Neg(Mul((F("sech", u), F("tanh", u)))),
       "the derivative of sech u is −sech u·tanh u",
       latex=r"\operatorname{sech}", sympy=lambda sp, u: sp.sech(u), numeric=_recip(math.cosh),
       code=code_helper("sech", "return 1 / M.cosh(u)"),
       latex_power_prefix=True)
_entry("csch", lambda u: Neg(Mul((F("csch", u), F("coth", u)))),
       "the derivative of csch u is −csch u·coth u",
       latex=r"\operatorname{csch}", sympy=lambda sp, u: sp.csch(u), numeric=_recip(math.sinh),
       domain=_away_from_zero, domain_note="u ≠ 0",
       code=code_helper("csch", "return 1 / M.sinh(u)"),
       latex_power_prefix=True)

# ── inverse hyperbolic ───────────────────────────────────────────────────────
_entry("asinh", lambda u: Div(ONE, F("sqrt", Add((sq(u), ONE)))),
       "the derivative of asinh u is 1/√(u² + 1)",
       latex=r"\operatorname{arsinh}", sympy=lambda sp, u: sp.asinh(u), numeric=math.asinh,
       aliases=("arsinh", "arcsinh"),
       code=("M.asinh", "M.arcsinh"))
_entry("acosh", lambda u: Div(ONE, F("sqrt", Add((sq(u), Neg(ONE))))),
       "the derivative of acosh u is 1/√(u² − 1)",
       latex=r"\operatorname{arcosh}", sympy=lambda sp, u: sp.acosh(u), numeric=math.acosh,
       domain=lambda v: v > 1, domain_note="u > 1 for the derivative",
       aliases=("arcosh", "arccosh"),
       code=("M.acosh", "M.arccosh"))
_entry("atanh", lambda u: Div(ONE, Add((ONE, Neg(sq(u))))),
       "the derivative of atanh u is 1/(1 − u²)",
       latex=r"\operatorname{artanh}", sympy=lambda sp, u: sp.atanh(u), numeric=math.atanh,
       domain=lambda v: abs(v) < 1, domain_note="−1 < u < 1", aliases=("artanh", "arctanh"),
       code=("M.atanh", "M.arctanh"))
_entry("acoth", lambda u: Div(ONE, Add((ONE, Neg(sq(u))))),
       "the derivative of acoth u is 1/(1 − u²)",
       latex=r"\operatorname{arcoth}", sympy=lambda sp, u: sp.acoth(u),
       numeric=lambda v: math.atanh(1 / v), domain=lambda v: abs(v) > 1,
       domain_note="|u| > 1", aliases=("arcoth", "arccoth"),
       code=_at_reciprocal("acoth", "atanh", "arctanh"))
_entry("asech", lambda u: Neg(Div(ONE, Mul((u, F("sqrt", Add((ONE, Neg(sq(u))))))))),
       "the derivative of asech u is −1/(u·√(1 − u²))",
       latex=r"\operatorname{arsech}", sympy=lambda sp, u: sp.asech(u),
       numeric=lambda v: math.acosh(1 / v), domain=lambda v: 0 < v < 1,
       domain_note="0 < u < 1", aliases=("arsech", "arcsech"),
       code=_at_reciprocal("asech", "acosh", "arccosh"))
_entry("acsch", lambda u: Neg(Div(ONE, Mul((F("abs", u), F("sqrt", Add((ONE, sq(u)))))))),
       "the derivative of acsch u is −1/(|u|·√(1 + u²))",
       latex=r"\operatorname{arcsch}", sympy=lambda sp, u: sp.acsch(u),
       numeric=lambda v: math.asinh(1 / v), domain=_away_from_zero,
       domain_note="u ≠ 0", aliases=("arcsch", "arccsch"),
       code=_at_reciprocal("acsch", "asinh", "arcsinh"))

# ── exponential, logarithm, roots ────────────────────────────────────────────
_entry("exp", lambda u: F("exp", u), "the derivative of eᵘ is eᵘ itself",
       latex=r"\exp", sympy=lambda sp, u: sp.exp(u), numeric=math.exp,
       code="M.exp",
       layout="exponential",
       as_power=lambda u: (Const("e"), u))
_entry("log", (lambda u, b=None: Div(ONE, u) if b is None else Div(ONE, Mul((u, F("log", b)))),
               lambda u, b: Neg(Div(F("log", u), Mul((b, sq(F("log", b))))))),
       "the derivative of ln u is 1/u; of log_b u, 1/(u·ln b)",
       latex=r"\ln", sympy=lambda sp, u, b=None: sp.log(u) if b is None else sp.log(u, b),
       numeric=lambda v, b=None: math.log(v) if b is None else math.log(v) / math.log(b),
       domain=lambda v, b=None: v > 0 and (b is None or (b > 0 and abs(b - 1) > 1e-6)),
       domain_note="u > 0 (base b > 0, b ≠ 1)", arities=(1, 2), aliases=("ln",), pretty="ln",
       code=("M.log", Code("log", "def log(u, b=None):\n"
                                  "    return M.log(u) if b is None else M.log(u) / M.log(b)\n")),
       layout="log")
_entry("sqrt", lambda u: Div(ONE, Mul((TWO, F("sqrt", u)))),
       "the derivative of √u is 1/(2√u)",
       latex=r"\sqrt", sympy=lambda sp, u: sp.sqrt(u), numeric=math.sqrt,
       domain=lambda v: v > 0, domain_note="u > 0 for the derivative", pretty="√",
       code="M.sqrt",
       layout="radical",
       as_power=lambda u: (u, Num(Fraction(1, 2))))
_entry("cbrt", lambda u: Div(ONE, Mul((Num(3), sq(F("cbrt", u))))),
       "the derivative of ∛u is 1/(3·∛u²)",
       latex=r"\sqrt[3]", sympy=lambda sp, u: sp.Pow(u, sp.Rational(1, 3)),
       numeric=lambda v: math.copysign(abs(v) ** (1 / 3), v),
       domain=lambda v: v > 0,
       domain_note="the real cube root; u ≠ 0 for the derivative (checked against SymPy for u > 0)",
       pretty="∛",
       code=(code_helper("cbrt", "return M.copysign(abs(u) ** (1 / 3), u)"), "M.cbrt"),
       layout="radical",
       as_power=lambda u: (u, Num(Fraction(1, 3))))
_entry("abs", lambda u: F("sign", u), "the derivative of |u| is sign(u), undefined at u = 0",
       latex="", sympy=lambda sp, u: sp.Abs(u), numeric=abs, domain=_away_from_zero,
       domain_note="not differentiable at u = 0",
       code=("abs", "M.abs"),
       layout="bars")
_entry("sign", lambda u: Num(0), "sign u is constant on each side of 0; undefined at u = 0",
       latex=r"\operatorname{sgn}", sympy=lambda sp, u: sp.sign(u), numeric=_sign,
       domain=_away_from_zero, domain_note="not differentiable at u = 0", aliases=("sgn",),
       code=(code_helper("sign", "return float((u > 0) - (u < 0))"), "M.sign"))
_entry("heaviside", lambda u: Num(0),
       "the step function is constant on each side of 0; undefined at u = 0",
       latex=r"\theta", sympy=lambda sp, u: sp.Heaviside(u),
       numeric=lambda v: 1.0 if v > 0 else (0.0 if v < 0 else 0.5),
       domain=_away_from_zero, domain_note="jumps at u = 0", aliases=("step",), pretty="H",
       code=(code_helper("heaviside", "return 1.0 if u > 0 else (0.0 if u < 0 else 0.5)"),
             code_helper("heaviside", "return M.heaviside(u, 0.5)")))
_entry("atan2", (lambda y, x: Div(x, Add((sq(x), sq(y)))),
                 lambda y, x: Neg(Div(y, Add((sq(x), sq(y)))))),
       "∂atan2(y, x)/∂y = x/(x² + y²) and ∂atan2(y, x)/∂x = −y/(x² + y²)",
       latex=r"\operatorname{atan2}", sympy=lambda sp, y, x: sp.atan2(y, x), numeric=math.atan2,
       domain=lambda y, x: x > 0 or abs(y) > 1e-6,
       domain_note="(y, x) ≠ (0, 0), off the cut x < 0, y = 0",
       arities=(2,),
       code=("M.atan2", "M.arctan2"))

# ── machine learning ─────────────────────────────────────────────────────────
_entry("sigmoid", lambda u: Mul((F("sigmoid", u), Add((ONE, Neg(F("sigmoid", u)))))),
       "the derivative of σ(u) is σ(u)·(1 − σ(u)), reusing the forward value",
       latex=r"\sigma", sympy=lambda sp, u: 1 / (1 + sp.exp(-u)), numeric=_sigmoid,
       pretty="σ", aliases=("logistic",), activation=True,
       code=(Code("sigmoid", "def sigmoid(u):\n"
                             "    # 1/(1 + e^-u), written so that e^-u cannot overflow\n"
                             "    if u >= 0:\n"
                             "        return 1 / (1 + M.exp(-u))\n"
                             "    z = M.exp(u)\n"
                             "    return z / (1 + z)\n"),
             Code("sigmoid", "def sigmoid(u):\n"
                             "    # 1/(1 + e^-u) = e^-log(1 + e^-u), without overflow\n"
                             "    return M.exp(-M.logaddexp(0, -u))\n")))
_entry("softplus", lambda u: F("sigmoid", u), "the derivative of softplus u = ln(1 + eᵘ) is σ(u)",
       latex=r"\operatorname{softplus}", sympy=lambda sp, u: sp.log(1 + sp.exp(u)),
       numeric=_softplus, activation=True,
       code=(code_helper("softplus", "return max(u, 0.0) + M.log1p(M.exp(-abs(u)))"),
             code_helper("softplus", "return M.logaddexp(0, u)")))
_entry("relu", lambda u: F("heaviside", u),
       "the derivative of relu u = max(0, u) is the step function: 1 for u > 0, 0 for u < 0, "
       "undefined at u = 0",
       latex=r"\operatorname{ReLU}", sympy=lambda sp, u: sp.Max(0, u),
       numeric=lambda v: max(v, 0.0), domain=_away_from_zero,
       domain_note="not differentiable at u = 0", aliases=("ReLU",), activation=True,
       code=(code_helper("relu", "return max(u, 0.0)"),
             code_helper("relu", "return M.maximum(u, 0)")))

# ── abstract functions: the chain rule itself ────────────────────────────────
for _name in ("f", "g", "h"):
    _entry(_name, lambda u: u,  # replaced by the differentiator: f′ of an abstract f stays f′
           f"{_name} is an abstract function: its derivative stays symbolic, {_name}′(u)",
           latex=_name, sympy=lambda sp, *a, _n=_name: sp.Function(_n)(*a),
           numeric=lambda v: v, abstract=True)
