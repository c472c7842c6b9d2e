"""Answer checking: right answers in any form are accepted, wrong ones get the right name.

The mistake table is written by hand (a learner's answer as text → the kind and the layer
a teacher would name); a second table is generated from the catalogue and rewritten by
SymPy into a different form before it is checked; hypothesis supplies correct rewrites
(which must never be rejected) and wrong answers outside the catalogue (which must never
get a confident diagnosis).
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import chainrule
from chainrule.checking import CheckResult, Mistake, display
from chainrule.differentiate import differentiate
from chainrule.expr import Add, Func, Mul, Num, Symbol
from chainrule.mistakes import BY_KIND, CATALOGUE, KINDS, Context, Layer
from chainrule.parser import parse
from chainrule.steps import ConstantStep, VariableStep, walk
from chainrule.sympy_bridge import from_sympy, to_sympy

ROOT = Path(__file__).resolve().parents[1]
NETWORK = "(y - sigmoid(w2*sigmoid(w1*x)))**2"


def kinds_at(result: CheckResult) -> list[tuple[str, str]]:
    """(kind, layer) of the best diagnosis."""
    return [(m.kind, str(m.layer)) for m in result.mistakes]


def readings(result: CheckResult) -> list[set[tuple[str, str]]]:
    """Every diagnosis offered: the best one, then the alternatives."""
    return [{(m.kind, str(m.layer)) for m in d} for d in [result.mistakes, *result.alternatives]]


# ── the headline behaviour ───────────────────────────────────────────────────
def test_forgotten_inner_derivative_is_named_with_its_value() -> None:
    r = chainrule.check("sin(x**2)", "cos(x**2)")
    assert not r.correct
    (m,) = r.mistakes
    assert (m.kind, m.layer) == ("missing_inner_derivative", parse("sin(x**2)"))
    assert m.explanation == ("You forgot to multiply by the derivative of the inner function "
                             "x², which is 2x.")
    assert display(m.implied) == "cos(x²)" and display(m.expected) == "cos(x²) · 2x"
    assert m.confidence == "high" and r.confidence == "high"


def test_swapped_inner_and_outer_is_named() -> None:
    r = chainrule.check("sin(x)**2", "2*x*cos(x**2)")
    assert kinds_at(r) == [("inner_outer_swapped", "sin(x)**2")]
    assert "You differentiated sin(x²) instead of sin(x)²" in r.mistakes[0].explanation


def test_an_equal_form_is_correct() -> None:
    r = chainrule.check("tan(x)", "1/cos(x)**2")
    assert r.correct and r.mistakes == []
    assert r.equivalence.status == "symbolic"


def test_result_fields_and_derivation() -> None:
    r = chainrule.check("sin(x**2)", "cos(x**2)")
    assert isinstance(r.mistakes, list) and isinstance(r.mistakes[0], Mistake)
    assert r.mistakes[0].layer_pretty == "sin(x²)"
    assert str(r.derivation.result) == "2*x*cos(x**2)" and r.derivative is r.derivation.result
    assert r.derivation.verification.status == "symbolic"
    assert r.variable == "x" and r.input == "sin(x**2)" and r.answer_input == "cos(x**2)"
    assert r.disagreement is not None and r.disagreement.answer is not None
    assert not math.isclose(r.disagreement.answer, r.disagreement.derivative)


# ── the mistake table, by hand ───────────────────────────────────────────────
# (expression, variable, the learner's answer, kind, the layer it happened at)
TABLE = [
    # single chains, every mistake that applies to sin(x²)
    ("sin(x**2)", None, "cos(x**2)", "missing_inner_derivative", "sin(x**2)"),
    ("sin(x**2)", None, "cos(2*x)", "outer_of_inner_derivative", "sin(x**2)"),
    ("sin(x**2)", None, "2*x*cos(2*x)", "outer_of_inner_derivative", "sin(x**2)"),
    ("sin(x**2)", None, "cos(x)*2*x", "derivatives_multiplied", "sin(x**2)"),
    ("sin(x**2)", None, "2*sin(x)*cos(x)", "inner_outer_swapped", "sin(x**2)"),
    ("sin(x**2)", None, "cos(x)*x**2 + sin(x)*2*x", "composition_as_product", "sin(x**2)"),
    ("sin(x)**2", None, "2*x*cos(x**2)", "inner_outer_swapped", "sin(x)**2"),
    ("sin(x)**2", None, "2*sin(x)**2*cos(x)", "exponent_not_reduced", "sin(x)**2"),
    ("exp(3*x)", None, "exp(3*x)", "missing_inner_derivative", "exp(3*x)"),
    ("e^(3x)", None, "e^(3x)", "missing_inner_derivative", "e**(3*x)"),
    ("exp(3*x)", None, "3*exp(x)", "derivatives_multiplied", "exp(3*x)"),
    ("(2*x+1)**5", None, "5*(2*x+1)**4", "missing_inner_derivative", "(2*x + 1)**5"),
    ("(2*x+1)**5", None, "10*(2*x+1)**5", "exponent_not_reduced", "(2*x + 1)**5"),
    ("(2*x+1)**5", None, "10*x**4", "derivatives_multiplied", "(2*x + 1)**5"),
    ("cos(x)", None, "sin(x)", "sign_error", "cos(x)"),
    ("cos(x**2)", None, "2*x*sin(x**2)", "sign_error", "cos(x**2)"),
    ("sin(x**3)", None, "x**2*cos(x**3)", "dropped_constant", "sin(x**3)"),
    ("sin(3*x**2)", None, "2*x*cos(3*x**2)", "dropped_constant", "3*x**2"),
    ("3*sin(x**2)", None, "2*x*cos(x**2)", "dropped_constant", "3*sin(x**2)"),
    ("sqrt(x**2 + 1)", None, "x/sqrt(x)", "derivatives_multiplied", "sqrt(x**2 + 1)"),
    ("sqrt(x**2 + 1)", None, "x**2/sqrt(x**2 + 1)", "exponent_not_reduced", "x**2"),
    # nested chains: the layer is the inner composite
    ("sin(cos(x**2))", None, "cos(cos(x**2))", "missing_inner_derivative", "sin(cos(x**2))"),
    ("sin(cos(x**2))", None, "-cos(cos(x**2))*sin(x**2)", "missing_inner_derivative",
     "cos(x**2)"),
    ("sin(cos(x**2))", None, "-2*x*cos(cos(x**2))*sin(2*x)", "outer_of_inner_derivative",
     "cos(x**2)"),
    ("exp(sin(3*x))", None, "cos(3*x)*exp(sin(3*x))", "missing_inner_derivative", "sin(3*x)"),
    # products and quotients
    ("x*sin(x)", None, "cos(x)", "product_rule_as_product", "x*sin(x)"),
    ("x**2*exp(x)", None, "2*x*exp(x)", "product_rule_as_product", "x**2*exp(x)"),
    ("x**3*sin(x)", None, "x**3*cos(x) + 3*x**3*sin(x)", "exponent_not_reduced", "x**3"),
    ("sin(x)/x", None, "(sin(x) - x*cos(x))/x**2", "quotient_rule_sign", "sin(x)/x"),
    ("sin(x)/x", None, "(x*cos(x) - sin(x))/x", "quotient_rule_sign", "sin(x)/x"),
    ("sin(x)/x", None, "(x*cos(x) + sin(x))/x**2", "quotient_rule_sign", "sin(x)/x"),
    ("(x**2+1)/(x-1)", None, "(x**2 + 1 - 2*x*(x - 1))/(x - 1)**2", "quotient_rule_sign",
     "(x**2 + 1)/(x - 1)"),
    # exponentials
    ("2**x", None, "x*2**(x-1)", "power_rule_on_exponential", "2**x"),
    ("exp(x)", None, "x*exp(x-1)", "power_rule_on_exponential", "exp(x)"),
    ("e^x", None, "x*e^(x-1)", "power_rule_on_exponential", "e**x"),
    ("x**x", None, "x*x**(x-1)", "power_rule_on_exponential", "x**x"),
    # the sigmoid, written out
    ("1/(1+exp(-x))", None, "-exp(-x)/(1+exp(-x))**2", "missing_inner_derivative", "exp(-x)"),
    ("1/(1+exp(-x))", None, "exp(-x)/(1+exp(-x))", "quotient_rule_sign", "1/(1 + exp(-x))"),
    ("1/(1+exp(-x))", None, "-1/(1+exp(-x))**2", "missing_inner_derivative",
     "1/(1 + exp(-x))"),
    # the network cost: every layer of backpropagation
    (NETWORK, "w1",
     "-2*(y - sigmoid(w2*sigmoid(w1*x)))*sigmoid(w2*sigmoid(w1*x))"
     "*(1 - sigmoid(w2*sigmoid(w1*x)))*sigmoid(w1*x)*(1 - sigmoid(w1*x))*x",
     "dropped_constant", "w2*sigmoid(w1*x)"),
    (NETWORK, "w1",
     "2*(y - sigmoid(w2*sigmoid(w1*x)))*sigmoid(w2*sigmoid(w1*x))"
     "*(1 - sigmoid(w2*sigmoid(w1*x)))*w2*sigmoid(w1*x)*(1 - sigmoid(w1*x))*x",
     "sign_error", "-sigmoid(w2*sigmoid(w1*x))"),
    (NETWORK, "w1",
     "-2*(y - sigmoid(w2*sigmoid(w1*x)))*sigmoid(w2*sigmoid(w1*x))"
     "*(1 - sigmoid(w2*sigmoid(w1*x)))*w2*sigmoid(w1*x)*(1 - sigmoid(w1*x))",
     "missing_inner_derivative", "sigmoid(w1*x)"),
    (NETWORK, "w2",
     "-2*(y - sigmoid(w2*sigmoid(w1*x)))*sigmoid(w2*sigmoid(w1*x))"
     "*(1 - sigmoid(w2*sigmoid(w1*x)))",
     "missing_inner_derivative", "sigmoid(w2*sigmoid(w1*x))"),
    (NETWORK, "w2", "2*(y - sigmoid(w2*sigmoid(w1*x)))", "missing_inner_derivative",
     "(y - sigmoid(w2*sigmoid(w1*x)))**2"),
]


@pytest.mark.parametrize("expr, var, answer, kind, layer", TABLE,
                         ids=[f"{k}:{e}:{a[:24]}" for e, _, a, k, _ in TABLE])
def test_mistake_table(expr: str, var: str | None, answer: str, kind: str, layer: str) -> None:
    r = chainrule.check(expr, answer, var)
    assert not r.correct
    assert kinds_at(r) == [(kind, layer)], (
        f"expected {kind} at {layer}; got {kinds_at(r)}, alternatives "
        f"{[kinds_at_m(a) for a in r.alternatives]}")
    assert r.confidence == "high"
    assert r.mistakes[0].explanation and "`" not in r.mistakes[0].explanation


def kinds_at_m(mistakes: list[Mistake]) -> list[tuple[str, str]]:
    return [(m.kind, str(m.layer)) for m in mistakes]


def test_every_kind_is_in_the_table() -> None:
    assert {row[3] for row in TABLE} == set(KINDS)


COMBINATIONS = [
    # cos(x²) → sin(x²): the inner derivative forgotten and the sign of cos′ lost
    ("cos(x**2)", None, "sin(x**2)",
     {("missing_inner_derivative", "cos(x**2)"), ("sign_error", "cos(x**2)")}),
    # both factors' inner derivatives forgotten, at two layers
    ("sin(x**2)*exp(3*x)", None, "cos(x**2)*exp(3*x) + sin(x**2)*exp(3*x)",
     {("missing_inner_derivative", "sin(x**2)"), ("missing_inner_derivative", "exp(3*x)")}),
    # f′(g′) and a lost sign
    ("cos(x**2)", None, "sin(2*x)",
     {("outer_of_inner_derivative", "cos(x**2)"), ("sign_error", "cos(x**2)")}),
    # the power rule unreduced inside a chain whose inner derivative is also forgotten
    ("sin(x**3)", None, "3*x**3*cos(x**3)",
     {("exponent_not_reduced", "x**3")}),
    ("sin(x)**3 + cos(x**2)", None, "3*sin(x)**2 - 2*x*sin(x**2)",
     {("missing_inner_derivative", "sin(x)**3")}),
    ("sin(x)**3 + cos(x**2)", None, "3*sin(x)**2 + sin(x**2)",
     {("missing_inner_derivative", "sin(x)**3"), ("missing_inner_derivative", "cos(x**2)"),
      ("sign_error", "cos(x**2)")}),
]


@pytest.mark.parametrize("expr, var, answer, expected", COMBINATIONS,
                         ids=[a for _, _, a, _ in COMBINATIONS])
def test_combined_mistakes_are_reported_together(expr: str, var: str | None, answer: str,
                                                 expected: set[tuple[str, str]]) -> None:
    r = chainrule.check(expr, answer, var)
    if len(expected) > 2:  # three mistakes: beyond the search, so an honest "no match"
        assert r.mistakes == [] or r.confidence != "high" or set(kinds_at(r)) == expected
        return
    assert set(kinds_at(r)) == expected and r.confidence == "high"


# ── the table, generated from the catalogue ──────────────────────────────────
PROBLEMS = [
    ("sin(x**2)", "x"), ("sin(x)**2", "x"), ("exp(3*x)", "x"), ("(2*x+1)**5", "x"),
    ("sin(cos(x**2))", "x"), ("x*sin(x)", "x"), ("x**2*exp(x)", "x"), ("sin(x)/x", "x"),
    ("2**x", "x"), ("1/(1+exp(-x))", "x"), ("sin(3*x**2)", "x"), ("tan(x**2)", "x"),
    (NETWORK, "w1"), (NETWORK, "w2"),
]


def generated_cases() -> list[tuple[str, str, str, str, int]]:
    """(expr, var, kind, layer, variant) for every mistake the catalogue can make."""
    cases = []
    for text, var in PROBLEMS:
        root = differentiate(parse(text), var)
        seen = set()
        for step in walk(root):
            if step.variable != var or isinstance(step, (ConstantStep, VariableStep)):
                continue
            if step.expr in seen:
                continue
            seen.add(step.expr)
            layer = Layer.of(step, var, is_root=step is root)
            for kind in CATALOGUE:
                for i, _ in enumerate(kind.generate(layer, Context(var))):
                    cases.append((text, var, kind.kind, str(step.expr), i))
    return cases


GENERATED = generated_cases()


def wrong_answer(text: str, var: str, kind: str, layer_text: str, index: int) -> sp.Expr:
    """The whole derivative with one mistake, as SymPy writes it (a form of its own)."""
    expr = parse(text)
    root = differentiate(expr, var)
    step = next(s for s in walk(root) if str(s.expr) == layer_text and s.variable == var)
    layer = Layer.of(step, var, is_root=step is root)
    ctx = Context(var, frozenset(expr.free_symbols))
    variant = list(BY_KIND[kind].generate(layer, ctx))[index]
    ctx.seed(layer.node, variant.wrong)
    return to_sympy(ctx.d(expr))


def test_the_generated_table_covers_every_kind() -> None:
    assert {c[2] for c in GENERATED} == set(KINDS)
    assert len(GENERATED) > 100


@pytest.mark.parametrize("text, var, kind, layer, index", GENERATED,
                         ids=[f"{k}:{t}:{lay}:{i}" for t, _, k, lay, i in GENERATED])
def test_generated_wrong_answer_is_diagnosed(text: str, var: str, kind: str, layer: str,
                                             index: int) -> None:
    answer = from_sympy(wrong_answer(text, var, kind, layer, index))
    r = chainrule.check(text, answer, var)
    assert not r.correct, f"{kind} at {layer} gives the right derivative: {answer}"
    assert r.confidence == "high"
    assert {(kind, layer)} in readings(r) or any(
        (kind, layer) in reading for reading in readings(r)), (
        f"{answer}: expected {kind} at {layer}, got {readings(r)}")


# ── never cry wolf: correct rewrites are always accepted ─────────────────────
REWRITE_PROBLEMS = [
    ("sin(x**2)", "x"), ("tan(x)", "x"), ("1/(1+exp(-x))", "x"), ("sigmoid(x)", "x"),
    ("x*sin(x)**2", "x"), ("(x**2+1)/(x-1)", "x"), ("exp(3*x)*cos(x)", "x"),
    ("(2*x+1)**5", "x"), ("log(x**2 + 1)", "x"), ("sqrt(x**2 + 1)", "x"),
    ("tanh(x)", "x"), ("sin(x)**2*cos(x)", "x"), (NETWORK, "w1"), (NETWORK, "w2"),
    ("sigmoid(w*x + b)", "w"), ("abs(x)*x", "x"),
]
REWRITES = {
    "expand": sp.expand, "factor": sp.factor, "trigsimp": sp.trigsimp,
    "together": sp.together, "cancel": sp.cancel, "expand_trig": sp.expand_trig,
    "powsimp": sp.powsimp, "exp_to_trig": lambda e: e.rewrite(sp.cos),
    "tan_to_sin_cos": lambda e: e.rewrite(sp.sin), "radsimp": sp.radsimp,
}


@settings(max_examples=40, deadline=None)
@given(problem=st.sampled_from(REWRITE_PROBLEMS), how=st.sampled_from(sorted(REWRITES)))
def test_correct_rewrites_are_always_accepted(problem: tuple[str, str], how: str) -> None:
    text, var = problem
    derivative = chainrule.diff(text, var).result
    rewritten = REWRITES[how](to_sympy(derivative))
    try:
        answer = from_sympy(rewritten)
    except chainrule.ChainruleError:  # SymPy chose a function chainrule does not have
        return
    r = chainrule.check(text, answer, var, budget=2.0)
    assert r.correct, f"{how}: {rewritten} rejected: {r.to_text()}"
    assert r.mistakes == []


@pytest.mark.parametrize("expr, answer", [
    ("tan(x)", "sec(x)**2"), ("tan(x)", "1 + tan(x)**2"),
    ("1/(1+exp(-x))", "sigmoid(x)*(1 - sigmoid(x))"),
    ("sigmoid(x)", "exp(-x)/(1 + exp(-x))**2"),
    ("sigmoid(x)", "exp(x)/(1 + exp(x))**2"),
    ("(2*x+1)**5", "10*(2*x+1)**4"), ("(2*x+1)**5", "10*(16*x**4 + 32*x**3 + 24*x**2 + 8*x + 1)"),
    ("x*y + sin(y)", "cos(y) + x"),
    ("sin(x)**2", "sin(2*x)"), ("3*x**2/2", "3*x"), ("x**2", "2*sqrt(x)**2"),
    ("log(x)", "1/abs(x)"), ("f(g(x))", "f'(g(x))*g'(x)"),
])
def test_equal_forms_are_accepted(expr: str, answer: str) -> None:
    var = "y" if "y" in expr else None
    assert chainrule.check(expr, answer, var).correct


def test_corners_are_named_when_the_answer_is_right() -> None:
    r = chainrule.check("abs(x)", "x/abs(x)")
    assert r.correct and r.equivalence.except_where == (Symbol("x"),)
    assert "does not exist where x = 0" in r.equivalence.note
    r = chainrule.check("relu(x**2 - 1)", "2*x*heaviside(x**2 - 1)")
    assert r.correct and r.equivalence.except_where == (parse("x**2 - 1"),)
    assert chainrule.check("sin(x)", "cos(x)").equivalence.except_where == ()
    # an answer with a jump of its own: equal at every random point, not at x = 0
    r = chainrule.check("x**2", "2*x + 1 - sign(x)**2")
    assert r.correct and r.equivalence.status == "numeric"
    assert "your answer jumps or has a corner where x = 0" in r.equivalence.note


# ── never a confident false diagnosis ────────────────────────────────────────
WRONG_PROBLEMS = [("sin(x**2)", "x"), ("x*sin(x)", "x"), ("sin(x)/x", "x"),
                  ("1/(1+exp(-x))", "x"), ("(2*x+1)**5", "x"), ("exp(3*x)", "x"),
                  ("sin(x)**2", "x"), (NETWORK, "w1")]


@settings(max_examples=40, deadline=None)
@given(problem=st.sampled_from(WRONG_PROBLEMS),
       c=st.fractions(min_value=-5, max_value=5, max_denominator=7).filter(lambda f: f != 0),
       how=st.sampled_from(["add", "scale_by_function", "add_power"]),
       k=st.integers(min_value=1, max_value=4),
       tiny=st.booleans())
def test_wrong_answers_outside_the_catalogue_get_no_confident_diagnosis(
        problem: tuple[str, str], c: Fraction, how: str, k: int, tiny: bool) -> None:
    text, var = problem
    c = c / 10_000 if tiny else c  # a near miss must not pass for a catalogue answer
    x = Symbol(var)
    derivative = chainrule.diff(text, var).result
    arctan = Func("atan", (Mul((Num(k), x)),))  # no catalogue mistake brings in atan
    if how == "add":
        answer = Add((derivative, Mul((Num(c), arctan))))
    elif how == "scale_by_function":
        answer = Mul((derivative, Add((Num(1), Mul((Num(c), arctan, arctan))))))
    else:
        answer = Add((derivative, Mul((Num(c), Func("atan", (x,)) ** Num(k)))))
    r = chainrule.check(text, answer, var)
    assert not r.correct
    assert all(m.confidence != "high" for m in r.mistakes), r.to_text()
    assert r.disagreement is not None


def test_a_constant_multiple_is_a_lead_not_a_finding() -> None:
    r = chainrule.check("sin(x**2)", "x*cos(x**2)/3")
    assert r.confidence == "low"
    assert kinds_at(r) == [("dropped_constant", "sin(x**2)")]
    assert r.comparison is not None and r.comparison.ratio == Fraction(1, 6)


def test_no_match_says_so_and_shows_where() -> None:
    r = chainrule.check("sin(x**2)", "x*cos(x**2) + 1")
    assert r.mistakes == [] and r.confidence is None
    text = r.to_text()
    assert "does not match any of the classic mistakes" in text
    assert f"your answer is {r.disagreement.answer:.6g}".replace("-", "−") in text
    c = r.comparison
    assert c is not None and c.by == "terms" and c.extra == (Num(1),)
    assert c.scaled == ((parse("2*x*cos(x**2)"), parse("x*cos(x**2)"), Fraction(1, 2)),)
    assert "x·cos(x²) is 1/2 × 2x·cos(x²)" in text


def test_an_answer_undefined_where_the_derivative_exists_is_wrong() -> None:
    r = chainrule.check("x**3", "3*x*sqrt(x)**2*log(x)/log(x)")
    assert r.correct  # SymPy: √x² = x and log x/log x = 1 for every x, and floats agree
    r = chainrule.check("x**2 + 1", "2*exp(log(x)) + log(x - 10)")
    assert not r.correct


# ── output ───────────────────────────────────────────────────────────────────
@pytest.mark.parametrize("expr, answer, var", [(e, a, v) for e, v, a, _, _ in TABLE[::3]]
                         + [("tan(x)", "1/cos(x)**2", None), ("sin(x**2)", "x + 1", None)])
def test_plain_output_fits_80_columns(expr: str, answer: str, var: str | None) -> None:
    text = chainrule.check(expr, answer, var).to_text(width=80)
    too_wide = [line for line in text.splitlines() if len(line) > 80
                and " " in line.strip()  # a single formula may be wider than the screen
                and "=" not in line and "·" not in line]
    assert not too_wide, too_wide
    assert text.splitlines()[0].startswith(("✓ Correct", "✗ Not the derivative"))
    assert "How to get it:" in text and "\u00a0" not in text


def test_plain_output_of_the_done_when_examples() -> None:
    text = chainrule.check("sin(x**2)", "cos(x**2)").to_text()
    assert text.splitlines()[0] == "✗ Not the derivative: cos(x²) ≠ d/dx sin(x²)"
    assert "Missing inner derivative, at sin(x²)" in text
    assert "which is 2x." in text
    assert "your answer  cos(x²)" in text and "chain rule   cos(x²) · 2x" in text
    assert "Correct:  d/dx sin(x²) = 2x·cos(x²)" in text
    text = chainrule.check("sin(x)**2", "2*x*cos(x**2)").to_text()
    assert "Inner and outer swapped, at sin(x)²" in text
    text = chainrule.check("tan(x)", "1/cos(x)**2").to_text()
    assert text.startswith("✓ Correct: 1/cos(x)² = d/dx tan(x)")
    assert "sec(x)²" in text


def test_combined_output_numbers_the_mistakes() -> None:
    text = chainrule.check("cos(x**2)", "sin(x**2)").to_text()
    assert "Two mistakes combine:" in text
    assert "1. Missing inner derivative, at cos(x²)" in text
    assert "2. Sign error, at cos(x²)" in text
    assert text.count("your answer  sin(x²)") == 1  # the layer's result shows once


def test_json_document() -> None:
    doc = chainrule.check("sin(x**2)", "cos(x**2)").to_dict()
    assert doc["schema"] == "1.3" and doc["kind"] == "check"
    assert doc["correct"] is False and doc["confidence"] == "high"
    (m,) = doc["mistakes"]
    assert m["kind"] == "missing_inner_derivative" and m["layer"] == "sin(x**2)"
    assert m["layer_pretty"] == "sin(x²)" and m["implied"] == "cos(x**2)"
    assert m["expected_pretty"] == "cos(x²) · 2x"
    assert doc["derivative"] == "2*x*cos(x**2)"
    assert doc["derivation"]["steps"]["rule"] == "chain"
    assert doc["equivalence"]["status"] == "different"
    json.dumps(doc)  # serialisable as it is
    right = chainrule.check("tan(x)", "1/cos(x)**2").to_dict()
    assert right["correct"] is True and right["mistakes"] == []
    assert right["equivalence"]["status"] == "symbolic"


def test_kinds_are_stable_names() -> None:
    assert KINDS == ("missing_inner_derivative", "sign_error", "exponent_not_reduced",
                     "product_rule_as_product", "quotient_rule_sign", "derivatives_multiplied",
                     "outer_of_inner_derivative", "inner_outer_swapped",
                     "composition_as_product", "power_rule_on_exponential", "dropped_constant")


def test_deep_input_is_checked_and_printed_briefly() -> None:
    deep = "sin(" * 300 + "x" + ")" * 300
    r = chainrule.check(deep, "cos(x)")
    assert not r.correct
    text = r.to_text()
    assert len(text) < 40_000 and "too long to show" in text and "chainrule diff" in text


# ── errors and the command line ──────────────────────────────────────────────
def test_parse_errors_say_which_input() -> None:
    with pytest.raises(chainrule.ParseError) as err:
        chainrule.check("sin(x**2)", "cos(x**2")
    assert err.value.message.startswith("in the answer:") and err.value.text == "cos(x**2"
    with pytest.raises(chainrule.ParseError) as err:
        chainrule.check("sin(x**2", "cos(x**2)")
    assert err.value.message.startswith("in the expression:")


def run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "COLUMNS")}
    env["NO_COLOR"] = "1"
    return subprocess.run([sys.executable, "-m", "chainrule", *args], capture_output=True,
                          encoding="utf-8", cwd=ROOT, env=env, timeout=120)


def test_cli_exit_codes_and_formats() -> None:
    wrong = run("check", "sin(x**2)", "cos(x**2)")
    assert wrong.returncode == 0 and "which is 2x" in wrong.stdout
    right = run("check", "tan(x)", "1/cos(x)**2", "--format", "plain")
    assert right.returncode == 0 and right.stdout.startswith("✓ Correct")
    doc = run("check", "x*y + sin(y)", "cos(y)", "--wrt", "y", "--format", "json")
    assert doc.returncode == 0
    parsed = json.loads(doc.stdout)
    assert parsed["correct"] is False and parsed["variable"] == "y"
    negative = run("check", "cos(x)", "-sin(x)")
    assert negative.returncode == 0 and negative.stdout.startswith("✓ Correct")


def test_cli_bad_answer_shows_its_own_caret() -> None:
    proc = run("check", "sin(x**2)", "cos(x**2")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    lines = proc.stderr.splitlines()
    assert lines[0].startswith("error: in the answer: ")
    at = lines.index("  cos(x**2")
    assert lines[at + 1] == "     ^"
    missing = run("check", "sin(x**2)")
    assert missing.returncode == 2 and "missing the answer" in missing.stderr
    ambiguous = run("check", "x*y", "y")
    assert ambiguous.returncode == 2 and "--wrt" in ambiguous.stderr


def test_importing_check_loads_neither_sympy_nor_rich() -> None:
    code = ("import sys, chainrule, chainrule.checking, chainrule.mistakes; "
            "print('sympy' in sys.modules, 'rich' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=ROOT, timeout=60)
    assert out.stdout.split() == ["False", "False"]


def test_the_derivation_is_the_brief_detail_level() -> None:
    from chainrule.render.plain import render_plain
    r = chainrule.check("sin(x**2)", "cos(x**2)")
    assert r.to_text().endswith(render_plain(r.derivation, width=80, detail="brief"))


def test_check_stays_a_function_after_its_module_is_imported() -> None:
    import chainrule.checking  # importing a submodule must not shadow chainrule.check
    assert callable(chainrule.check) and chainrule.check.__module__ == "chainrule.checking.checker"
