"""Verdicts that must never be wrong: no right derivative refused, no wrong answer accepted.

The proof (:func:`chainrule.verify.verify_derivative`) and answer checking
(:func:`chainrule.check`) decide with one comparison (``verify.equivalence.compare``); the
cases below are the hostile ones that once fooled a float screen or a float tolerance —
large constants, cancellation, high frequencies, differences that only show far from 0 or
below 10⁻⁷, and inputs with no real value anywhere.
"""

from __future__ import annotations

import subprocess
import sys
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

import chainrule
from chainrule import UndefinedError, VerificationError
from chainrule.expr import Add, Func, Mul, Num, Symbol
from chainrule.parser import parse
from chainrule.verify import verify_derivative


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "chainrule", *args], capture_output=True,
                          text=True, timeout=120)


# ── right derivatives are proven, whatever the constants and frequencies ─────────────
HARD_RIGHT = ["t + 1.496e11", "x + 6.022e23", "sin(x) + 10^17", "cos(x+10^16)", "(x+10^12)^2",
              "sin(2*pi*2000*t)", "exp(x) + 10^300", "x*10^-300", "sin(10^6*x)",
              "log(x + 10^8)", "acosh(x/200)", "sqrt(10^-9 - x^2)", "1/(x - 10^5)"]


@pytest.mark.parametrize("text", HARD_RIGHT)
def test_a_right_derivative_is_proven_whatever_the_scale(text: str) -> None:
    d = chainrule.diff(text)
    assert d.verification.status in ("symbolic", "numeric")


@pytest.mark.parametrize("text", ["t + 1.496e11", "sin(2*pi*2000*t)", "cos(x+10^16)"])
def test_the_cli_proves_them_too(text: str) -> None:
    out = run("diff", text, "--format", "plain")
    assert out.returncode == 0, out.stderr
    assert "✓ proven" in out.stdout and "Traceback" not in out.stderr


@pytest.mark.parametrize("command", [["grad", "x + 6.022e23"],
                                     ["descend", "x + 6.022e23", "--wrt", "x", "--at", "x=1",
                                      "--steps", "3"],
                                     ["check", "x + 6.022e23", "1"]])
def test_grad_descend_and_check_work_on_large_constants(command: list[str]) -> None:
    out = run(*command, "--format", "plain")
    assert out.returncode == 0, out.stderr
    assert "wrong" not in out.stdout + out.stderr


def test_a_domain_far_from_zero_is_found_and_a_numeric_proof_says_so() -> None:
    d = chainrule.diff("acosh(x/200)")       # lives at x ≥ 200; SymPy cannot show √a·√b = √(ab)
    assert d.verification.status == "numeric"
    assert "numeric evidence only" in d.verification.method and d.verification.points >= 8


# ── a wrong derivative is never proven ───────────────────────────────────────────────
@pytest.mark.parametrize("text, wrong", [
    ("x + 6.022e23", "1 + 10^-12"),
    ("cos(x + 10^16)", "sin(x + 10^16)"),
    ("sin(2*pi*2000*t)", "4000*pi*cos(4000*pi*t) + 10^-6"),
    ("x^2", "2*x + exp(-(x-50)^2)"),
    ("x^2", "2*x + relu(x - 1000)"),
])
def test_a_slightly_wrong_derivative_is_refused(text: str, wrong: str) -> None:
    with pytest.raises(VerificationError, match="is wrong"):
        verify_derivative(parse(text), sorted(parse(text).free_symbols)[0], parse(wrong))


# ── answer checking: wrong answers are wrong, right ones right ──────────────────────
WRONG_ANSWERS = [
    ("x^2", "2x + exp(-(x-50)^2)"),
    ("x^2", "2x + 10^-9"),
    ("x^2", "2x + 10^-30"),
    ("x^2", "2x + relu(x-5)"),
    ("x^2", "2x + relu(-x-5)"),
    ("x^2", "2x + heaviside(x-10)"),
    ("x^2", "2.00000001x"),
    ("x^2", "2x*(1 + 10^-10)"),
    ("x^2", "2x + sin(x)/10^9"),
    ("sin(x)", "cos(x + 10^-8)"),
    ("sin(x)", "cos(x) + 10^-12*x"),
    ("exp(x)", "exp(x) + exp(-(x - 300)^2)"),
    ("log(x)", "1/x + 1/(x^2 + 10^12)"),
]


@pytest.mark.parametrize("expr, answer", WRONG_ANSWERS)
def test_a_wrong_answer_is_never_correct(expr: str, answer: str) -> None:
    r = chainrule.check(expr, answer)
    assert not r.correct
    assert r.equivalence.status == "different"


def test_a_difference_sympy_found_is_shown_when_no_point_shows_it() -> None:
    out = run("check", "x^2", "2x + exp(-(x-50)^2)", "--format", "plain")
    assert out.returncode == 0
    assert "✗ Not the derivative" in out.stdout
    assert "Your answer differs from the derivative by this, which SymPy shows" in out.stdout
    assert "\n    e^(−(x − 50)²)\n" in out.stdout


def test_a_tiny_difference_is_shown_with_its_size() -> None:
    out = run("check", "x^2", "2x + 10^-9", "--format", "plain")
    assert "✗ Not the derivative" in out.stdout
    assert "differ by 1e−9" in out.stdout


@pytest.mark.parametrize("expr, answer", [
    ("x", "cosh(200x)^2 - sinh(200x)^2"),
    ("x^2", "(x + 10^16)^2 - x^2 - 10^32 - 2*10^16*x + 2x"),
    ("sin(x)", "cos(x)*(sin(x)^2 + cos(x)^2)"),
    ("x + 6.022e23", "1"),
])
def test_a_right_answer_with_cancellation_is_correct(expr: str, answer: str) -> None:
    r = chainrule.check(expr, answer)
    assert r.correct, r.equivalence


def test_an_answer_valid_on_part_of_the_domain_names_the_part() -> None:
    r = chainrule.check("x^2/2", "sqrt(x)^2")
    assert r.correct and r.equivalence.part == "x ≥ 0"
    assert "no real value" in r.equivalence.note
    out = run("check", "x^2/2", "sqrt(x)^2", "--format", "plain")
    assert out.stdout.startswith("✓ Correct where x ≥ 0: ")
    doc = chainrule.check("x^2/2", "sqrt(x)^2").to_dict()
    assert doc["equivalence"]["part"] == "x ≥ 0"


def test_an_answer_undefined_wherever_the_derivative_exists_is_wrong() -> None:
    r = chainrule.check("x^2", "sqrt(-x^2 - 1)")
    assert not r.correct


# ── no real value anywhere: refused, as the parser refuses ln(−2) ────────────────────
@pytest.mark.parametrize("text, says", [
    ("(-2)^x", "(−2)^x is undefined for every value of x but whole numbers"),
    ("sqrt(-x^2-1)", "√(−x² − 1) is undefined for every value of x"),
    ("asin(x^2+2)", "asin(x² + 2) is undefined for every value of x"),
    ("atanh(x^2+1)", "atanh(x² + 1) is undefined for every value of x"),
    ("x + sqrt(-x^2-1)", "√(−x² − 1) is undefined for every value of x"),
])
def test_an_expression_with_no_real_value_anywhere_is_refused(text: str, says: str) -> None:
    with pytest.raises(UndefinedError, match="undefined for every value") as caught:
        chainrule.diff(text)
    assert says in str(caught.value)
    out = run("diff", text)
    assert out.returncode == 2 and says in out.stderr and "proven" not in out.stdout
    assert "Traceback" not in out.stderr


def test_a_tiny_domain_is_found() -> None:
    assert chainrule.diff("sqrt(10^-9 - x^2)").verification.status == "symbolic"


# ── property: huge constants, high frequencies, shifted domains ─────────────────────
_OUTER = ["sin", "cos", "exp", "log", "sqrt", "atan", "tanh", "sigmoid"]


@st.composite
def hostile(draw: st.DrawFn) -> Func:
    """f(a·x + c) with a up to 10⁶ (high frequency) and c up to ±10²⁰ (a huge constant or
    a domain shifted far from 0)."""
    x = Symbol("x")
    a = Num(draw(st.integers(1, 10 ** draw(st.integers(0, 6)))))
    c = draw(st.integers(-10 ** 20, 10 ** 20)) // 10 ** draw(st.integers(0, 20))
    name = draw(st.sampled_from(_OUTER))
    inner = Add((Mul((a, x)), Num(c))) if c else Mul((a, x))
    return Func(name, (inner,))


@given(hostile(), st.integers(6, 14))
def test_no_correct_derivative_is_refused_and_no_perturbed_one_accepted(
        expr: Func, digits: int) -> None:
    d = chainrule.diff(expr)
    assert d.verification.status in ("symbolic", "numeric")
    tiny = Num(Fraction(1, 10 ** digits))
    wrong = Add((d.result, Mul((tiny, Symbol("x")))))
    assert not chainrule.check(expr, wrong).correct
