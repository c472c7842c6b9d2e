"""The Python contract of DESIGN.md: ``chainrule.diff``, ``chainrule.parse`` and the errors.

These are the calls that notebooks, tutoring systems and web apps make; a change here
breaks code outside the repository.
"""

from __future__ import annotations

import pathlib
import subprocess
import sys

import pytest
import sympy

import chainrule
from chainrule.steps import Step, walk

ROOT = pathlib.Path(__file__).resolve().parents[1]
X = sympy.Symbol("x")
HEADLINES = [
    ("sin(x**2)", None),
    ("sin(cos(x))", None),
    ("1/(1+exp(-x))", None),
    ("(y - sigmoid(w2*sigmoid(w1*x)))**2", "w1"),
]


def sympy_derivative(text: str, var: str, order: int = 1) -> sympy.Expr:
    """SymPy's own derivative of ``text`` (test-side reference, written out by hand)."""
    names = {n: sympy.Symbol(n) for n in ("x", "y", "w1", "w2")}
    names["sigmoid"] = lambda z: 1 / (1 + sympy.exp(-z))
    expr = sympy.sympify(text, locals=names)
    return sympy.diff(expr, names[var], order)


def plain_symbols(e: sympy.Expr) -> sympy.Expr:
    """``e`` with every symbol replaced by a plain ``sympy.Symbol`` of the same name."""
    return e.xreplace({s: sympy.Symbol(s.name) for s in e.free_symbols})


def same_math(a: sympy.Expr, b: sympy.Expr) -> bool:
    """Equal as functions of the symbols' names (assumptions aside: see the to_sympy tests)."""
    return sympy.simplify(plain_symbols(a) - plain_symbols(b)) == 0


# ── diff("sin(x**2)"): the documented fields ─────────────────────────────────────

@pytest.fixture(scope="module")
def d() -> chainrule.Derivation:
    return chainrule.diff("sin(x**2)")


def test_expr_is_the_parsed_input(d: chainrule.Derivation) -> None:
    assert isinstance(d.expr, chainrule.Expr)
    assert d.expr == chainrule.parse("sin(x**2)")


def test_variable_is_inferred_from_the_only_symbol(d: chainrule.Derivation) -> None:
    assert d.variable == "x"


def test_result_is_python_syntax_in_textbook_order(d: chainrule.Derivation) -> None:
    assert isinstance(d.result, chainrule.Expr)
    assert str(d.result) == "2*x*cos(x**2)"


def test_root_step_is_the_chain_rule(d: chainrule.Derivation) -> None:
    assert d.steps.rule == "chain"


def test_every_step_has_rule_expr_result_substeps(d: chainrule.Derivation) -> None:
    steps = list(walk(d.steps))
    assert len(steps) >= 3  # the chain, its outer and its inner step
    for step in steps:
        assert isinstance(step, Step)
        assert isinstance(step.rule, str) and step.rule
        assert isinstance(step.expr, chainrule.Expr)
        assert isinstance(step.result, chainrule.Expr)
        assert all(isinstance(s, Step) for s in step.substeps)


def test_result_is_proven(d: chainrule.Derivation) -> None:
    assert d.verification.status in {"symbolic", "numeric"}


def test_to_sympy_is_sympys_derivative(d: chainrule.Derivation) -> None:
    ours = d.to_sympy()
    assert isinstance(ours, sympy.Expr)
    assert same_math(ours, sympy.diff(sympy.sin(X**2), X))
    # …in the user's own symbol: comparing with, or substituting, sympy.Symbol("x") works.
    assert ours == sympy.diff(sympy.sin(X**2), X)


def test_to_sympy_of_a_sympy_input_keeps_the_callers_symbol() -> None:
    ours = chainrule.diff(sympy.sin(X**2)).to_sympy()
    assert ours.subs(X, 0) == 0


def test_to_latex_is_an_align_block(d: chainrule.Derivation) -> None:
    latex = d.to_latex()
    assert isinstance(latex, str)
    assert r"\begin{align*}" in latex and r"\end{align*}" in latex


def test_to_dict_is_the_json_document(d: chainrule.Derivation) -> None:
    doc = d.to_dict()
    assert doc["result"] == "2*x*cos(x**2)"
    assert doc["variable"] == "x"
    assert doc["steps"]["rule"] == "chain"


# ── what diff accepts ────────────────────────────────────────────────────────────

@pytest.mark.parametrize("given", [
    pytest.param("sin(x**2)", id="text"),
    pytest.param(chainrule.parse("sin(x**2)"), id="Expr"),
    pytest.param(sympy.sin(X**2), id="sympy"),
])
def test_input_as_text_expr_or_sympy(given: object) -> None:
    d = chainrule.diff(given)
    assert d.expr == chainrule.parse("sin(x**2)")
    assert d.variable == "x"
    assert str(d.result) == "2*x*cos(x**2)"
    assert d.steps.rule == "chain"
    assert d.verification.status in {"symbolic", "numeric"}


@pytest.mark.parametrize("text,var", HEADLINES)
def test_headline_results_agree_with_sympy(text: str, var: str | None) -> None:
    d = chainrule.diff(text, var)
    assert d.variable == (var or "x")
    assert same_math(d.to_sympy(), sympy_derivative(text, var or "x"))


@pytest.mark.parametrize("var", [
    pytest.param("y", id="str"),
    pytest.param(chainrule.parse("y"), id="Expr"),
    pytest.param(sympy.Symbol("y"), id="sympy"),
])
def test_partial_derivative(var: object) -> None:
    d = chainrule.diff("x*y + sin(y)", var)
    assert d.variable == "y"
    assert str(d.result) == "x + cos(y)"


def test_partial_derivative_wrt_the_other_symbol() -> None:
    assert str(chainrule.diff("x*y + sin(y)", "x").result) == "y"


def test_several_symbols_without_variable_names_them() -> None:
    with pytest.raises(chainrule.ChainruleError) as info:
        chainrule.diff("x*y + z")
    assert isinstance(info.value, ValueError)
    message = str(info.value)
    for name in ("x", "y", "z"):
        assert name in message


@pytest.mark.parametrize("var", ["2x", "sin", "pi", "x + 1", ""])
def test_variable_must_be_a_symbol_name(var: str) -> None:
    with pytest.raises(chainrule.ChainruleError) as info:
        chainrule.diff("x*y", var)
    assert isinstance(info.value, ValueError)
    if var:
        assert repr(var) in str(info.value)  # the message quotes what was given


# ── parse and errors ─────────────────────────────────────────────────────────────

def test_parse_accepts_math_notation() -> None:
    e = chainrule.parse("x^2")
    assert isinstance(e, chainrule.Expr)
    assert e == chainrule.parse("x**2")


@pytest.mark.parametrize("text", ["sin(x", "2 +", "", "x.y", "sine(x)"])
def test_bad_text_raises_parse_error(text: str) -> None:
    with pytest.raises(chainrule.ParseError) as info:
        chainrule.parse(text)
    err = info.value
    assert isinstance(err, ValueError)
    assert isinstance(err, chainrule.ChainruleError)
    assert "^" in err.context().splitlines()[-1]


def test_diff_of_bad_text_raises_parse_error() -> None:
    with pytest.raises(chainrule.ParseError):
        chainrule.diff("sin(x")


@pytest.mark.parametrize("name", ["ChainruleError", "ParseError", "VerificationError",
                                  "DifferentiationError", "UndefinedError"])
def test_error_classes_are_exported(name: str) -> None:
    cls = getattr(chainrule, name)
    assert name in chainrule.__all__
    assert issubclass(cls, chainrule.ChainruleError)
    assert issubclass(chainrule.ParseError, ValueError)


def test_catching_the_root_catches_every_error() -> None:
    for call in (lambda: chainrule.parse("2 +"), lambda: chainrule.diff("x*y"),
                 lambda: chainrule.diff("x", simplify="bogus")):
        with pytest.raises(chainrule.ChainruleError):
            call()


# ── options ──────────────────────────────────────────────────────────────────────

def test_verify_off_is_reported_as_skipped() -> None:
    d = chainrule.diff("sin(x**2)", verify="off")
    assert d.verification.status == "skipped"
    assert str(d.result) == "2*x*cos(x**2)"


def test_verify_steps_proves_the_result() -> None:
    d = chainrule.diff("1/(1+exp(-x))", verify="steps")
    assert d.verification.status in {"symbolic", "numeric"}


def test_second_order() -> None:
    d = chainrule.diff("sin(x**2)", order=2)
    assert same_math(d.to_sympy(), sympy.diff(sympy.sin(X**2), X, 2))
    assert len(d.stages) == 2
    first, second = d.stages
    assert str(first.result) == "2*x*cos(x**2)"
    assert second.expr == first.result          # stage 2 differentiates stage 1's answer
    assert second.result == d.result
    for stage in d.stages:
        assert stage.verification.status in {"symbolic", "numeric"}


def test_second_order_of_a_polynomial() -> None:
    assert str(chainrule.diff("x**4", order=2).result) == "12*x**2"


@pytest.mark.parametrize("mode", ["none", "light", "full"])
def test_simplify_modes_give_the_same_derivative(mode: str) -> None:
    d = chainrule.diff("x**3 - 2*x", simplify=mode)
    assert same_math(d.to_sympy(), 3 * X**2 - 2)
    assert d.verification.status in {"symbolic", "numeric"}


def test_simplify_none_keeps_the_raw_rule_product() -> None:
    d = chainrule.diff("sin(x**2)", simplify="none")
    assert d.result == d.raw_result
    assert d.result != chainrule.diff("sin(x**2)").result  # light really does tidy it


@pytest.mark.parametrize("options", [
    {"simplify": "bogus"}, {"verify": "sometimes"}, {"order": 0}, {"detail": "loud"},
])
def test_bad_option_is_a_chainrule_error(options: dict[str, object]) -> None:
    with pytest.raises(chainrule.ChainruleError) as info:
        chainrule.diff("x**2", **options)
    value = next(iter(options.values()))
    assert repr(value) in str(info.value)


# ── import cost ──────────────────────────────────────────────────────────────────

def test_import_does_not_load_sympy_or_rich() -> None:
    out = subprocess.run(
        [sys.executable, "-c",
         "import chainrule, sys; print('sympy' in sys.modules, 'rich' in sys.modules)"],
        capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.split() == ["False", "False"]
