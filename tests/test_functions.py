"""Every entry of the function table, differentiated bare and composed, checked against SymPy.

The parameter table is generated from ``chainrule.functions.FUNCTIONS``: a new entry is
tested here without touching this file. For each function we pick an inner expression
whose values lie inside the function's domain for many x, so that the numeric comparison
has points to work with (asin needs |u| < 1, acosh needs u > 1, log needs u > 0, …).
"""

from __future__ import annotations

import pathlib

import pytest
import sympy as sp
from helpers import assert_equiv, candidate_points, numeric_agreement, sympy_derivative

import chainrule
from chainrule.errors import UndefinedError
from chainrule.evaluate import evaluate
from chainrule.expr import Add, Div, Expr, Func, Mul, Num, Pow, Symbol
from chainrule.functions import FUNCTIONS, FunctionEntry
from chainrule.steps import ChainStep, FunctionStep
from chainrule.sympy_bridge import sympy_symbol, to_sympy

x = Symbol("x")
GRID = [i / 10 for i in range(-30, 31)]

# Inner functions: each one that keeps the composite inside the function's domain for a
# good share of x in [-3, 3] is used (at least one always is).
INNER_CANDIDATES: tuple[Expr, ...] = (
    Add((Pow(x, Num(2)), Num(1))),   # x**2 + 1: u ≥ 1 (log, sqrt, acosh, asec, acoth …)
    Div(x, Num(3)),                  # x/3: |u| < 1 on [-3, 3] (asin, acos, atanh, asech)
    Mul((Num(2), x)),                # 2*x
)
# The constant in the other argument of a two-argument function (log(x, 3), atan2(x, 2)).
OTHER_ARGUMENT = {"log": Num(3)}


def _other(name: str) -> Expr:
    return OTHER_ARGUMENT.get(name, Num(2))


def _args_with(name: str, arity: int, position: int, moving: Expr) -> tuple[Expr, ...]:
    return tuple(moving if j == position else _other(name) for j in range(arity))


def _share_in_domain(entry: FunctionEntry, args: tuple[Expr, ...]) -> float:
    call = Func(entry.name, args)
    ok = 0
    for value in GRID:
        try:
            evaluate(call, {"x": value}, strict=True)
        except UndefinedError:
            continue
        ok += 1
    return ok / len(GRID)


def _concrete() -> list[tuple[str, int, int]]:
    """(name, arity, moving position) for every non-abstract entry."""
    out = []
    for name, entry in FUNCTIONS.items():
        if entry.abstract:
            continue
        for arity in entry.arities:
            for position in range(arity):
                out.append((name, arity, position))
    return out


def _id(name: str, arity: int, position: int) -> str:
    return name if arity == 1 else f"{name}/{arity}@{position}"


BARE = [pytest.param(n, a, p, id=_id(n, a, p)) for n, a, p in _concrete()]


def _composed_cases() -> list[object]:
    """Every inner candidate that keeps the function inside its domain often enough."""
    cases = []
    for name, arity, position in _concrete():
        entry = FUNCTIONS[name]
        inners = [c for c in INNER_CANDIDATES
                  if _share_in_domain(entry, _args_with(name, arity, position, c)) >= 0.3]
        assert inners, f"no inner function keeps {name} inside its domain"
        cases.extend(pytest.param(name, arity, position, inner,
                                  id=f"{_id(name, arity, position)}({inner})")
                     for inner in inners)
    return cases


COMPOSED = _composed_cases()


def test_table_generates_a_case_for_every_concrete_function() -> None:
    names = {p.values[0] for p in BARE}
    assert names == {n for n, e in FUNCTIONS.items() if not e.abstract}
    assert {"sin", "log", "atan2", "sigmoid", "relu", "acosh"} <= names
    assert {p.values[:3] for p in COMPOSED} == {p.values for p in BARE}


@pytest.mark.parametrize("name, arity, position", BARE)
def test_bare_function(name: str, arity: int, position: int) -> None:
    expr = Func(name, _args_with(name, arity, position, x))
    d = chainrule.diff(expr, "x")
    assert d.verification.status in ("symbolic", "numeric")
    assert_equiv(d.result, sympy_derivative(expr, "x"), "x", domain=expr)
    step = d.steps
    assert step.rule == "function"
    assert isinstance(step, FunctionStep) and step.function == name
    assert step.expr is expr and step.variable == "x"


@pytest.mark.parametrize("name, arity, position, inner", COMPOSED)
def test_composed_function(name: str, arity: int, position: int, inner: Expr) -> None:
    expr = Func(name, _args_with(name, arity, position, inner))
    d = chainrule.diff(expr, "x")
    assert d.verification.status in ("symbolic", "numeric")
    assert_equiv(d.result, sympy_derivative(expr, "x"), "x", domain=expr)
    step = d.steps
    assert step.rule == "chain"
    assert isinstance(step, ChainStep)
    assert step.inner is inner
    assert step.layer == "u1"
    assert step.outer is Func(name, _args_with(name, arity, position, Symbol("u1")))
    outer_step, inner_step = step.substeps
    assert outer_step.rule == "function" and outer_step.variable == "u1"
    assert outer_step.expr is step.outer
    assert inner_step.expr is inner and inner_step.variable == "x"


@pytest.mark.parametrize("name, arity, position, inner", COMPOSED)
def test_composed_derivative_parses_back_from_text(name: str, arity: int, position: int,
                                                   inner: Expr) -> None:
    """The same composite typed as text differentiates to the same result."""
    expr = Func(name, _args_with(name, arity, position, inner))
    assert chainrule.diff(str(expr), "x").result is chainrule.diff(expr, "x").result


# ── the table itself ─────────────────────────────────────────────────────────
PARTIALS = [pytest.param(name, arity, i, id=f"{name}/{arity}/d{i}")
            for name, entry in FUNCTIONS.items() if not entry.abstract
            for arity in entry.arities for i in range(arity)]


@pytest.mark.parametrize("name, arity, index", PARTIALS)
def test_table_partial_matches_sympy(name: str, arity: int, index: int) -> None:
    entry = FUNCTIONS[name]
    names = [f"a{j}" for j in range(arity)]
    ours = entry.partials[index](*(Symbol(n) for n in names))
    call = Func(name, tuple(Symbol(n) for n in names))
    theirs = sp.diff(entry.sympy(sp, *(sympy_symbol(n) for n in names)), sympy_symbol(names[index]))
    assert_equiv(ours, theirs, names[index], domain=call)


@pytest.mark.parametrize("name, arity", [
    pytest.param(n, a, id=f"{n}/{a}") for n, e in FUNCTIONS.items() if not e.abstract
    for a in e.arities])
def test_table_numeric_value_matches_sympy(name: str, arity: int) -> None:
    """evaluate() (used by verification and the CLI's --at) agrees with SymPy's function."""
    names = [f"a{j}" for j in range(arity)]
    call = Func(name, tuple(Symbol(n) for n in names))
    agreed = numeric_agreement(call, to_sympy(call), names, domain=call)
    assert len(agreed) >= 5


def test_every_function_has_a_domain_point_in_the_samples() -> None:
    for name, entry in FUNCTIONS.items():
        for arity in entry.arities:
            points = candidate_points([f"a{j}" for j in range(arity)])
            assert any(entry.domain(*p.values()) for p in points), name


# ── abstract functions: the chain rule itself ────────────────────────────────
ABSTRACT = [n for n, e in FUNCTIONS.items() if e.abstract]


def test_abstract_functions_exist() -> None:
    assert {"f", "g", "h"} <= set(ABSTRACT)


@pytest.mark.parametrize("name", ABSTRACT)
def test_abstract_bare(name: str) -> None:
    d = chainrule.diff(f"{name}(x)")
    assert str(d.result) == f"{name}'(x)"
    assert d.result is Func(name, (x,), 1)
    assert d.steps.rule == "function"
    assert d.verification.status == "symbolic"


@pytest.mark.parametrize("outer, inner", [("f", "g"), ("g", "h"), ("h", "f")])
def test_abstract_composition_is_the_chain_rule(outer: str, inner: str) -> None:
    d = chainrule.diff(f"{outer}({inner}(x))")
    g_of_x = Func(inner, (x,))
    f_prime_g = Func(outer, (g_of_x,), 1)
    g_prime = Func(inner, (x,), 1)
    # The rules give f'(g(x))*g'(x), outer derivative first, exactly.
    raw = chainrule.diff(f"{outer}({inner}(x))", simplify="none").result
    assert str(raw) == f"{outer}'({inner}(x))*{inner}'(x)"
    # The light form is that product of exactly those two factors, nothing else.
    assert isinstance(d.result, Mul)
    assert sorted(map(str, d.result.factors)) == sorted([str(f_prime_g), str(g_prime)])
    step = d.steps
    assert isinstance(step, ChainStep)
    assert step.inner is g_of_x
    assert step.outer is Func(outer, (Symbol("u1"),))
    assert step.outer_derivative is Func(outer, (Symbol("u1"),), 1)
    assert step.outer_at_inner is f_prime_g
    assert step.inner_derivative is g_prime
    assert d.verification.status == "symbolic"
    assert_equiv(d.result, sympy_derivative(d.expr, "x"), "x")


def test_abstract_of_a_square() -> None:
    d = chainrule.diff("f(x**2)")
    assert str(d.result) == "2*x*f'(x**2)"
    assert d.steps.rule == "chain"
    assert d.verification.status == "symbolic"
    assert_equiv(d.result, sympy_derivative(d.expr, "x"), "x")


def test_abstract_three_layers() -> None:
    d = chainrule.diff("f(g(h(x)))")
    theirs = sympy_derivative(d.expr, "x")
    assert_equiv(d.result, theirs, "x")
    layers = [s.layer for s in chainrule.steps.walk(d.steps) if isinstance(s, ChainStep)]
    assert layers == ["u1", "u2"]


def test_second_derivative_of_abstract_function() -> None:
    d = chainrule.diff("f(x)", order=2)
    assert str(d.result) == "f''(x)"
    assert d.result is Func("f", (x,), 2)


# ── what the table drives beyond differentiation ──────────────────────────────

@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_diff_help_names_every_function(name: str) -> None:
    import re

    from click.testing import CliRunner

    from chainrule.cli import main
    text = CliRunner().invoke(main, ["diff", "--help"], terminal_width=80).output
    listed = text.split("Functions:")[1].split("Examples:")[0]  # not the examples' words
    words = set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", listed))
    assert name in words
    entry = FUNCTIONS[name]
    assert all(a in words for a in entry.aliases if not a.startswith("ar"))


def test_activations_are_the_entries_marked_so() -> None:
    from chainrule.compgraph import ACTIVATIONS
    assert ACTIVATIONS == {"sigmoid", "tanh", "relu", "softplus"}
    assert ACTIVATIONS == {n for n, e in FUNCTIONS.items() if e.activation}


# ── every reader finds what it needs in the entry ─────────────────────────────

def _call(entry: FunctionEntry) -> Func:
    return Func(entry.name, tuple(Symbol(f"u{i + 1}") for i in range(min(entry.arities))))


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_entry_has_what_each_reader_needs(name: str) -> None:
    import ast
    import typing

    from chainrule.functions import Code, Layout, lookup
    from chainrule.parser import parse
    from chainrule.printing import to_latex, to_python, to_unicode
    entry = FUNCTIONS[name]
    call = _call(entry)
    u = Symbol("u1")
    # the parser: its name and aliases, each arity
    assert all(lookup(a) is entry for a in (name, *entry.aliases))
    assert parse(to_python(call)) is call
    # the differentiator: one builder of an expression per argument
    assert len(entry.partials) == max(entry.arities)
    for n in entry.arities:
        args = [Symbol(f"u{i + 1}") for i in range(n)]
        assert all(isinstance(p(*args), Expr) for p in entry.partials[:n])
    # the printers: the layout is a known one, and the plain call is the "call" layout
    assert entry.layout in typing.get_args(Layout)
    plain = (to_unicode(call) == f"{entry.display}({', '.join(map(str, call.args))})")
    assert plain == (entry.layout in ("call", "log")), to_unicode(call)
    if entry.layout == "log":   # log with a base is written log₂(x)
        assert to_unicode(Func(name, (u, Num(2)))) == "log₂(u1)"
    squared = to_latex(Pow(call, Num(2)))
    assert squared.startswith(entry.latex + "^{2}") == entry.latex_power_prefix, squared
    # the generated program: math and NumPy code, none for an abstract function
    codes = (entry.python_code, entry.numpy_code)
    if entry.abstract:
        assert codes == (None, None)
    else:
        for code in codes:
            assert isinstance(code, Code)
            if code.helper:
                (definition,) = ast.parse(code.helper).body
                assert isinstance(definition, ast.FunctionDef) and definition.name == code.call
            else:
                assert code.call.startswith("M.") or code.call == "abs"
    # the mistake catalogue: a power in disguise is that power
    if entry.as_power is not None:
        base, exponent = entry.as_power(u)
        for value in (0.3, 1.7, 2.9):
            assert evaluate(Pow(base, exponent), {"u1": value}) == pytest.approx(
                evaluate(call, {"u1": value}), rel=1e-12)


def test_only_the_powers_in_disguise_and_trigonometric_functions_have_those_facts() -> None:
    assert {n for n, e in FUNCTIONS.items() if e.as_power} == {"exp", "sqrt", "cbrt"}
    assert {n for n, e in FUNCTIONS.items() if e.latex_power_prefix} == {
        "sin", "cos", "tan", "cot", "sec", "csc", "sinh", "cosh", "tanh", "coth", "sech", "csch"}
    assert {n: e.layout for n, e in FUNCTIONS.items() if e.layout != "call"} == {
        "exp": "exponential", "sqrt": "radical", "cbrt": "radical", "abs": "bars", "log": "log"}


def test_the_programs_implementations_are_read_from_the_table() -> None:
    from chainrule.backprop.program import IMPLEMENTATIONS
    assert set(IMPLEMENTATIONS) == {n for n, e in FUNCTIONS.items() if not e.abstract}
    assert IMPLEMENTATIONS["asin"] == (FUNCTIONS["asin"].python_code,
                                       FUNCTIONS["asin"].numpy_code)


# ── a function defined at run time, through the public extension surface ─────

def _silu_derivative(u: Expr) -> Expr:
    sigma = Func("sigmoid", (u,))
    return sigma * (1 + u * (1 - sigma))


@pytest.fixture
def silu() -> object:
    import math

    from chainrule.functions import code_helper, define_function, remove_function
    entry = define_function(
        "silu", _silu_derivative,
        explanation="the derivative of silu u = u·σ(u) is σ(u)·(1 + u·(1 − σ(u)))",
        numeric=lambda v: v / (1 + math.exp(-v)),
        sympy=lambda sp, u: u / (1 + sp.exp(-u)),
        code=code_helper("silu", "return u / (1 + M.exp(-u))"),
        latex=r"\operatorname{SiLU}", aliases=("swish",))
    yield entry
    remove_function("silu")
    assert "silu" not in FUNCTIONS and chainrule.functions.lookup("swish") is None


def test_a_defined_function_parses_differentiates_prints_generates_code_and_is_verified(
        silu: FunctionEntry, tmp_path: pathlib.Path) -> None:
    import math
    import subprocess
    import sys

    from chainrule.parser import parse
    # parses, under its alias too
    assert parse("swish(x**2)") is parse("silu(x**2)") is Func("silu", (Pow(x, Num(2)),))
    # differentiates by the chain rule, with the entry's words, and is proven against SymPy
    d = chainrule.diff("silu(x**2)", verify="steps")
    assert d.verification.proven and d.verification.reference == "sympy"
    assert d.steps.rule == "chain" and d.steps.outer_step.rule == "function"
    assert "u·σ(u)" in d.steps.outer_step.explanation
    assert "u·σ(u)" in d.to_text(width=80, detail="full")
    assert_equiv(d.result, sp.diff(to_sympy(parse("silu(x**2)")), sympy_symbol("x")))
    # prints
    assert parse("silu(x) * y").pretty() == "silu(x)·y"
    assert r"\operatorname{SiLU}\left(x^{2}\right)" in chainrule.diff("silu(x**2)").to_latex()
    # generates code: the program defines its helper and runs alone, with only math
    g = chainrule.grad("(silu(w*x) - y)**2", "w")
    source = g.program()
    assert "def silu(u):" in source
    path = tmp_path / "silu_backprop.py"
    path.write_text(source, encoding="utf-8")
    done = subprocess.run([sys.executable, "-I", "-S", str(path), "w=0.5", "x=1.5", "y=0.2"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    values = dict(line.split(" = ") for line in done.stdout.strip().splitlines())
    J, dJ_dw = g.compile()(w=0.5, x=1.5, y=0.2)
    assert float(values["J"]) == pytest.approx(J, rel=1e-12)
    assert float(values["dJ/dw"]) == pytest.approx(dJ_dw["w"], rel=1e-12)
    assert J == pytest.approx((0.75 / (1 + math.exp(-0.75)) - 0.2) ** 2, rel=1e-12)
    # the checker reads it too: a forgotten inner derivative is named
    r = chainrule.check("silu(x**2)", "sigmoid(x**2)*(1 + x**2*(1 - sigmoid(x**2)))")
    assert not r.correct
    assert [m.kind for m in r.mistakes] == ["missing_inner_derivative"]


def test_a_defined_function_with_a_wrong_derivative_is_caught_by_verification() -> None:
    import math

    from chainrule.errors import VerificationError
    from chainrule.functions import define_function, remove_function
    define_function("wrongexp", lambda u: Func("wrongexp", (u,)) * 2,
                    explanation="not the derivative of eᵘ", numeric=math.exp,
                    sympy=lambda sp, u: sp.exp(u), code="M.exp")
    try:
        with pytest.raises(VerificationError):
            chainrule.diff("wrongexp(x)")
    finally:
        remove_function("wrongexp")


@pytest.mark.parametrize("changes, message", [
    ({"name": "sin"}, "already a function"),
    ({"aliases": ("ln",)}, "already a function"),
    ({"name": "x"}, "two or more letters"),
    ({"name": "pi"}, "not a constant"),
    ({"name": "lambda"}, "Python keyword"),
    ({"derivative": lambda u: 3}, "returned int, not an expression"),
    ({"derivative": (lambda u: u, lambda u: u)}, "one derivative builder per argument"),
    ({"code": "tan"}, "a helper must define it"),
    ({"code": "M.silly("}, "must call a name"),
    ({"code": chainrule.functions.code_helper("other", "return u")}, "one function named"),
    ({"code": chainrule.functions.Code("silly", "def silly(u) return u")}, "not Python"),
    ({"layout": "sideways"}, "layout must be one of"),
    ({"as_power": lambda u: u}, "base, exponent"),
    ({"explanation": " "}, "explanation is needed"),
])
def test_define_function_refuses_what_a_reader_could_not_use(changes: dict[str, object],
                                                              message: str) -> None:
    import math

    from chainrule.functions import define_function
    before = (dict(FUNCTIONS), dict(chainrule.functions.ALIASES))
    options: dict[str, object] = {
        "name": "silly", "derivative": lambda u: u, "explanation": "d/du silly u = silly u",
        "numeric": math.exp, "sympy": lambda sp, u: sp.exp(u), "code": "M.exp", **changes}
    with pytest.raises(ValueError, match=message):
        define_function(**options)  # type: ignore[arg-type]
    assert (FUNCTIONS, chainrule.functions.ALIASES) == before


def test_remove_function_keeps_the_built_in_ones() -> None:
    from chainrule.functions import remove_function
    with pytest.raises(ValueError, match="not added by define_function"):
        remove_function("sin")
    assert "sin" in FUNCTIONS
