"""Every entry of the function table, differentiated bare and composed, checked against SymPy.

The parameter table is generated from ``chainrule.functions.FUNCTIONS``: a new entry is
tested here without touching this file. For each function we pick an inner expression
whose values lie inside the function's domain for many x, so that the numeric comparison
has points to work with (asin needs |u| < 1, acosh needs u > 1, log needs u > 0, …).
"""

from __future__ import annotations

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
