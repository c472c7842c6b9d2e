"""What learners type (issue 15): each input's reading, its derivative against SymPy's
derivative of the *intended* expression (built here with SymPy directly, never from the
user's text), and the "read as" line wherever the parser made a choice.

The table is in five parts: function names glued to their argument, functions applied by
juxtaposition, letters written together, the question as written (d/dx, y =, f(x) =),
and everyday notation that must read as before. Every hint the issue names is asserted
below it, and the command line is run as a subprocess at the end.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import sympy as sp

import chainrule
import chainrule.schemas
from chainrule.errors import ParseError, UsageError
from chainrule.reading import read, read_as, reading_of

ROOT = Path(__file__).resolve().parent.parent

x, y, z, t, a, b, c, n, k, w, f, r, h, A = sp.symbols("x y z t a b c n k w f r h A")
w1, w2, x2, theta, alpha, u, v = sp.symbols("w1 w2 x2 theta alpha u v")
E, pi = sp.E, sp.pi
sin, cos, tan, sec, csc, cot = sp.sin, sp.cos, sp.tan, sp.sec, sp.csc, sp.cot
ln, exp, sqrt = sp.log, sp.exp, sp.sqrt
sinh, cosh, tanh = sp.sinh, sp.cosh, sp.tanh
asin, acos, atan = sp.asin, sp.acos, sp.atan

# (text, intended expression, variable, what the "read as" note must contain — or None
# when the text is written out and no choice was made)
Case = tuple[str, Any, str, str | None]

GLUED: list[Case] = [
    ("sinx", sin(x), "x", "sinx is sin(x)"),
    ("cosx", cos(x), "x", "cosx is cos(x)"),
    ("tanx", tan(x), "x", "tanx is tan(x)"),
    ("secx", sec(x), "x", "secx is sec(x)"),
    ("cscx", csc(x), "x", "cscx is csc(x)"),
    ("cotx", cot(x), "x", "cotx is cot(x)"),
    ("lnx", ln(x), "x", "lnx is ln(x)"),
    ("logx", ln(x), "x", "logx is log(x)"),
    ("sqrtx", sqrt(x), "x", "sqrtx is sqrt(x)"),
    ("expx", exp(x), "x", "expx is exp(x)"),
    ("sinhx", sinh(x), "x", "sinhx is sinh(x)"),
    ("coshx", cosh(x), "x", "coshx is cosh(x)"),
    ("tanhx", tanh(x), "x", "tanhx is tanh(x)"),
    ("asinx", asin(x), "x", "asinx is asin(x)"),
    ("arctanx", atan(x), "x", "arctanx is arctan(x)"),
    ("xsinx", x * sin(x), "x", "xsinx is x·sin(x)"),
    ("xcosx", x * cos(x), "x", "xcosx is x·cos(x)"),
    ("xlnx", x * ln(x), "x", "xlnx is x·ln(x)"),
    ("sinxcosx", sin(x) * cos(x), "x", "sinxcosx is sin(x)·cos(x)"),
    ("2sinx", 2 * sin(x), "x", "sinx is sin(x)"),
    ("3cosx", 3 * cos(x), "x", "cosx is cos(x)"),
    ("e^sinx", exp(sin(x)), "x", "sinx is sin(x)"),
    ("e^cosx", exp(cos(x)), "x", "cosx is cos(x)"),
    ("sinx^2", sin(x**2), "x", "sinx^2 is sin(x^2)"),
    ("sin2x", sin(2 * x), "x", "sin2x is sin(2·x)"),
    ("cos3x", cos(3 * x), "x", "cos3x is cos(3·x)"),
    ("lnx + sinx", ln(x) + sin(x), "x", "lnx is ln(x)"),
    ("sinx/x", sin(x) / x, "x", "sinx is sin(x)"),
    ("x^2sinx", x**2 * sin(x), "x", "sinx is sin(x)"),
    ("sint", sin(t), "t", "sint is sin(t)"),
    ("cost", cos(t), "t", "cost is cos(t)"),
    ("e^xsinx", exp(x) * sin(x), "x", "xsinx is x·sin(x)"),
    ("sin(x)cosx", sin(x) * cos(x), "x", "cosx is cos(x)"),
    ("tan^2x", tan(x)**2, "x", "tan^2x is tan^2(x)"),
    ("xsin(x)", x * sin(x), "x", "xsin is x·sin"),
    ("2xcosx", 2 * x * cos(x), "x", "xcosx is x·cos(x)"),
    ("sin(x)+cosx", sin(x) + cos(x), "x", "cosx is cos(x)"),
]

JUXTAPOSED: list[Case] = [
    ("sin x", sin(x), "x", "sin x is sin(x)"),
    ("cos x", cos(x), "x", "cos x is cos(x)"),
    ("tan x", tan(x), "x", "tan x is tan(x)"),
    ("sec x", sec(x), "x", "sec x is sec(x)"),
    ("ln x", ln(x), "x", "ln x is ln(x)"),
    ("log x", ln(x), "x", "log x is log(x)"),
    ("sqrt x", sqrt(x), "x", "sqrt x is sqrt(x)"),
    ("exp x", exp(x), "x", "exp x is exp(x)"),
    ("cosh x", cosh(x), "x", "cosh x is cosh(x)"),
    ("sinh t", sinh(t), "t", "sinh t is sinh(t)"),
    ("sin 2x", sin(2 * x), "x", "sin 2x is sin(2·x)"),
    ("cos 3x", cos(3 * x), "x", "cos 3x is cos(3·x)"),
    ("ln 2x", ln(2 * x), "x", "ln 2x is ln(2·x)"),
    ("sqrt 2x", sqrt(2 * x), "x", "sqrt 2x is sqrt(2·x)"),
    ("sin pi x", sin(pi * x), "x", "sin pi x is sin(π·x)"),
    ("sin πx", sin(pi * x), "x", "sin πx is sin(π·x)"),
    ("x sin x", x * sin(x), "x", "sin x is sin(x)"),
    ("sin x cos x", sin(x) * cos(x), "x", "cos x is cos(x)"),
    ("2 sin x cos x", 2 * sin(x) * cos(x), "x", "sin x is sin(x)"),
    ("sin^2 x", sin(x)**2, "x", "sin^2 x is sin^2(x)"),
    ("cos^2 x", cos(x)**2, "x", "cos^2 x is cos^2(x)"),
    ("sin² x", sin(x)**2, "x", "sin² x"),
    ("sin^-1 x", asin(x), "x", "sin^-1 is asin"),
    ("cos^-1 x", acos(x), "x", "cos^-1 is acos"),
    ("tan^-1 x", atan(x), "x", "tan^-1 is atan"),
    ("sin⁻¹ x", asin(x), "x", "sin⁻¹ is asin"),
    ("sin^-1(x)", asin(x), "x", "sin^-1 is asin"),
    ("tan⁻¹(2x)", atan(2 * x), "x", "tan⁻¹ is atan"),
    ("(sin x)^2", sin(x)**2, "x", "sin x is sin(x)"),
    ("sin x^2", sin(x**2), "x", "sin x^2 is sin(x^2)"),
    ("sin x²", sin(x**2), "x", "sin x² is sin(x^2)"),
    ("sin 2x + 1", sin(2 * x) + 1, "x", "sin 2x is sin(2·x)"),
    ("sin x + cos x", sin(x) + cos(x), "x", "sin x is sin(x)"),
    ("sin x - x", sin(x) - x, "x", "sin x is sin(x)"),
    ("sin x / x", sin(x) / x, "x", "sin x is sin(x)"),
    ("sin x y", sin(x * y), "x", "sin x y is sin(x·y)"),
    ("e^sin x", exp(sin(x)), "x", "sin x is sin(x)"),
    ("ln x^2", ln(x**2), "x", "ln x^2 is ln(x^2)"),
    ("sqrt x + 1", sqrt(x) + 1, "x", "sqrt x is sqrt(x)"),
    ("sin 3t cos 2t", sin(3 * t) * cos(2 * t), "t", "cos 2t is cos(2·t)"),
    ("x^2 ln x", x**2 * ln(x), "x", "ln x is ln(x)"),
    ("e^x cos x", exp(x) * cos(x), "x", "cos x is cos(x)"),
    ("sin(x) cos x", sin(x) * cos(x), "x", "cos x is cos(x)"),
    ("1/sin x", 1 / sin(x), "x", "sin x is sin(x)"),
    ("sin 30", sin(30), "x", "sin 30 is sin(30)"),
    ("tanh 2z", tanh(2 * z), "z", "tanh 2z is tanh(2·z)"),
    ("sin θ", sin(theta), "theta", "sin θ is sin(θ)"),
    ("sin(2x) + sin 2x", 2 * sin(2 * x), "x", "sin 2x is sin(2·x)"),
]

LETTERS: list[Case] = [
    ("ex", E * x, "x", "ex is e·x"),
    ("2ex", 2 * E * x, "x", "ex is e·x"),
    ("xe^x", x * exp(x), "x", "xe is x·e"),
    ("xe^-x", x * exp(-x), "x", "xe is x·e"),
    ("x^2e^x", x**2 * exp(x), "x", None),
    ("x^2y", x**2 * y, "y", "write x^(2y)"),
    ("x^-2y", x**-2 * y, "y", "write x^(-2y)"),
    ("e^2 x", exp(2) * x, "x", None),
    ("(x+1)^2x", (x + 1)**2 * x, "x", "(…)^2x is (…)^2·x"),
    ("sin(2πft)", sin(2 * pi * f * t), "t", "ft is f·t"),
    ("2πft", 2 * pi * f * t, "t", "ft is f·t"),
    ("ax^2 + bx + c", a * x**2 + b * x + c, "x", "ax is a·x"),
    ("ax^2", a * x**2, "x", "ax is a·x"),
    ("2xy", 2 * x * y, "y", "xy is x·y"),
    ("xy^2", x * y**2, "y", "xy is x·y"),
    ("kx", k * x, "x", "kx is k·x"),
    ("e^kt", exp(k) * t, "t", "kt is k·t"),
    ("e^(kt)", exp(k * t), "t", "kt is k·t"),
    ("pix", pi * x, "x", "pix is π·x"),
    ("2pix", 2 * pi * x, "x", "pix is π·x"),
    ("abx", a * b * x, "x", "abx is a·b·x"),
    ("xyz", x * y * z, "z", "xyz is x·y·z"),
    ("A sin(wt)", A * sin(w * t), "t", "wt is w·t"),
    ("(ax + b)^2", (a * x + b)**2, "x", "ax is a·x"),
]

QUESTIONS: list[Case] = [
    ("d/dx sin(x)", sin(x), "x", None),
    ("d/dx x^2", x**2, "x", None),
    ("d/dx(x^2)", x**2, "x", None),
    ("d/dx (x^3 + 1)", x**3 + 1, "x", None),
    ("d/dt [t^2 + 1]", t**2 + 1, "t", None),
    ("d/dt [ sin(t) ]", sin(t), "t", None),
    ("(d/dx) x^2", x**2, "x", None),
    ("(d/dx)(x^2 + x)", x**2 + x, "x", None),
    ("∂/∂w1 w1*x", w1 * x, "w1", None),
    ("∂/∂x (x*y)", x * y, "x", None),
    ("∂/∂y (x*y)", x * y, "y", None),
    ("d/dθ sin(θ)", sin(theta), "theta", None),
    ("d/dtheta sin(theta)", sin(theta), "theta", None),
    ("d/dx sinx", sin(x), "x", "sinx is sin(x)"),
    ("d/dx sin x", sin(x), "x", "sin x is sin(x)"),
    ("d/dxsin(x)", sin(x), "x", None),
    ("d/dt (a t^2)", a * t**2, "t", None),
    ("derivative of x^2", x**2, "x", None),
    ("the derivative of sin(x)", sin(x), "x", None),
    ("derivative of t*x with respect to t", t * x, "t", None),
    ("differentiate x^3", x**3, "x", None),
    ("find the derivative of cos(x)", cos(x), "x", None),
    ("d/dx of sin(x)", sin(x), "x", None),
    ("d(x^2)/dx", x**2, "x", None),
    ("d(sin(t))/dt", sin(t), "t", None),
    ("∂(x*y)/∂y", x * y, "y", None),
    ("y = x^2", x**2, "x", None),
    ("y = sin x", sin(x), "x", "sin x is sin(x)"),
    ("f(x) = sin(x)", sin(x), "x", None),
    ("f(t) = a t^2", a * t**2, "t", None),
    ("g(x) = e^x", exp(x), "x", None),
    ("J(w1) = (w1*x - y)^2", (w1 * x - y)**2, "w1", None),
    ("s = 1/2 g t^2", sp.Rational(1, 2) * sp.Symbol("g") * t**2, "t", None),
    ("f(x) = 3x^2 + 2x", 3 * x**2 + 2 * x, "x", None),
]

VARIABLE: list[Case] = [
    ("a x^2 + b x + c", a * x**2 + b * x + c, "x", "with respect to x"),
    ("a*x^2 + b*x + c", a * x**2 + b * x + c, "x", "with respect to x"),
    ("x^n", x**n, "x", "with respect to x"),
    ("n*x^(n-1)", n * x**(n - 1), "x", "with respect to x"),
    ("a*sin(k*t)", a * sin(k * t), "t", "with respect to t"),
    ("A*sin(w)", A * sin(w), "w", "the one symbol inside the functions"),
    ("m*t^2", sp.Symbol("m") * t**2, "t", "with respect to t"),
    ("sigmoid(w*x + b)", 1 / (1 + exp(-(w * x + b))), "x", "with respect to x"),
    ("exp(-k*t)", exp(-k * t), "t", "with respect to t"),
    ("c*e^(a*x)", c * exp(a * x), "x", "with respect to x"),
    ("2*pi*f*t", 2 * pi * f * t, "t", "with respect to t"),
    ("A*cos(w*t + p)", A * cos(w * t + sp.Symbol("p")), "t", "with respect to t"),
    ("(y - w*x)^2", (y - w * x)**2, "w", None),
    ("a*e^(-b*t)", a * exp(-b * t), "t", "with respect to t"),
    ("k*x^2/2", k * x**2 / 2, "x", "with respect to x"),
]

EVERYDAY: list[Case] = [  # written out, or unambiguous: no "read as" line
    ("x^2", x**2, "x", None),
    ("x**2", x**2, "x", None),
    ("2x", 2 * x, "x", None),
    ("2 sin(x)", 2 * sin(x), "x", None),
    ("sin(x^2)", sin(x**2), "x", None),
    ("sin^2(x)", sin(x)**2, "x", None),
    ("sin(x)^2", sin(x)**2, "x", None),
    ("e^x", exp(x), "x", None),
    ("e^-x", exp(-x), "x", None),
    ("e^(2x)", exp(2 * x), "x", None),
    ("ln(x)", ln(x), "x", None),
    ("log(x, 2)", ln(x) / ln(2), "x", None),
    ("√x", sqrt(x), "x", None),
    ("x²", x**2, "x", None),
    ("(x+1)(x-1)", (x + 1) * (x - 1), "x", None),
    ("x(x+1)", x * (x + 1), "x", None),
    ("1/(1+exp(-x))", 1 / (1 + exp(-x)), "x", None),
    ("theta^2", theta**2, "theta", None),
    ("alpha*x", alpha * x, "x", None),
    ("w1*x2", w1 * x2, "w1", None),
    ("x2^2", x2**2, "x2", None),
    ("pi*r**2*h", pi * r**2 * h, "h", None),
    ("m*g*h", sp.Symbol("m") * sp.Symbol("g") * h, "h", None),
    ("loss^2", sp.Symbol("loss")**2, "loss", None),
    ("bias*x", sp.Symbol("bias") * x, "bias", None),
    ("tanh(w1*x + w2)", tanh(w1 * x + w2), "w2", None),
    ("x_2 + x", sp.Symbol("x_2") + x, "x", None),
    ("sqrt(x^2 + 1)", sqrt(x**2 + 1), "x", None),
    ("x sin(x)", x * sin(x), "x", None),
    ("sin(x)cos(x)", sin(x) * cos(x), "x", None),
    ("-x^2", -x**2, "x", None),
    ("2^x", 2**x, "x", None),
    ("x^x", x**x, "x", None),
    ("exp(x)", exp(x), "x", None),
    ("atan2(y, x)", sp.atan2(y, x), "x", None),
    ("x^3 - x", x**3 - x, "x", None),
    ("x e^x", x * exp(x), "x", None),
    ("cos(x)/x", cos(x) / x, "x", None),
    ("theta sin(theta)", theta * sin(theta), "theta", None),
]

TABLE = GLUED + JUXTAPOSED + LETTERS + QUESTIONS + VARIABLE + EVERYDAY


def test_the_table_is_large() -> None:
    assert len(TABLE) >= 150
    assert len({text for text, *_ in TABLE}) == len(TABLE)


def _same(ours: Any, intended: Any) -> bool:
    return bool(sp.simplify(ours - intended) == 0)


def _wrt(text: str, variable: str) -> str | None:
    """The variable to pass: None when chainrule should find it itself."""
    expr, reading = read(text)
    q = reading.question
    if q.variable is not None or len(q.params) == 1 or len(expr.free_symbols) <= 1:
        return None
    from chainrule.reading import conventional_variable
    return None if conventional_variable(expr) == variable else variable


@pytest.mark.parametrize("text, intended, variable, note", TABLE, ids=[c[0] for c in TABLE])
def test_reading(text: str, intended: Any, variable: str, note: str | None) -> None:
    expr, reading = read(text)
    assert _same(expr.to_sympy(), intended), f"{text!r} read as {expr.pretty()}"
    wrt = _wrt(text, variable)
    d = chainrule.diff(text, wrt, verify="off")
    assert d.variable == variable
    assert _same(d.result.to_sympy(), sp.diff(intended, sp.Symbol(variable))), \
        f"d/d{variable} {text!r} = {d.result.pretty()}"
    ra = read_as(d.expr, d.variable, d.text)
    shown = " ".join(ra.notes)
    if note is None:
        assert not reading.notes, f"{text!r}: an unexpected reading: {reading.notes}"
    else:
        assert note in shown, f"{text!r}: {shown!r}"
        # the document says so, in every format
        assert "read as: " in d.to_text()
        assert "read_as" in d.to_dict()


def test_tan_squared_glued() -> None:
    """tan^2x: the power comes before the argument, which is glued on: a reading."""
    assert reading_of("tan^2x").notes


@pytest.mark.parametrize("text", ["d/dx sin(x)", "y = x^2", "f(x) = sin(x)", "derivative of x^2"])
def test_the_question_is_recorded(text: str) -> None:
    d = chainrule.diff(text)
    doc = d.to_dict()
    assert doc["read_as"]["question"]
    assert doc["input"] == text


# ── meanings that changed (issue 15): each named ───────────────────────────────
@pytest.mark.parametrize("text, before, now", [
    ("ex", "the symbol ex", E * x),
    ("sinx", "the symbol sinx", sin(x)),
    ("xy", "the symbol xy", x * y),
    ("ax", "the symbol ax", a * x),
    ("ft", "the symbol ft", f * t),
    ("cost", "the symbol cost", cos(t)),
    ("xe", "the symbol xe", x * E),
])
def test_meanings_that_changed(text: str, before: str, now: Any) -> None:
    assert _same(chainrule.parse(text).to_sympy(), now), f"{text!r} was {before}"
    assert reading_of(text).notes


@pytest.mark.parametrize("text, says", [
    ("sine*2", "did you mean sin?"),          # was the symbol sine
    ("x + cosine", "did you mean cos?"),      # was the symbol cosine
    ("x*log2", "log(…, 2)"),                  # was the symbol log2
    ("log_e*x", "write ln("),                 # was the symbol log_e
])
def test_meanings_that_changed_to_errors(text: str, says: str) -> None:
    with pytest.raises(ParseError) as info:
        chainrule.parse(text)
    assert says in info.value.hint


@pytest.mark.parametrize("text", ["loss", "bias", "rate", "theta", "alpha", "w1", "x2",
                                  "y_hat", "lam", "mu", "sigma", "omega", "x_2"])
def test_names_people_use_stay_names(text: str) -> None:
    assert chainrule.parse(text).free_symbols == {text}


@pytest.mark.parametrize("text, name", [("logits", "log(i·t·s)"), ("distance", "tan")])
def test_words_with_a_function_inside_stay_names_with_a_note(text: str, name: str) -> None:
    expr, reading = read(text)
    assert expr.free_symbols == {text}
    assert f"{text} is one name" in reading.notes[0] and name in reading.notes[0]


def test_any_wrt_name_and_h_as_a_height() -> None:
    d = chainrule.diff("pi*r**2*h", "h")
    assert str(d.result) == "pi*r**2"
    assert str(chainrule.diff("x*loss", "loss").result) == "x"


def test_a_split_name_given_as_the_variable_says_how_to_write_it() -> None:
    with pytest.raises(UsageError, match=r"ft was read as f·t.*f_t"):
        chainrule.diff("sin(2πft)", "ft")


# ── refusals: no convention decides ────────────────────────────────────────────
@pytest.mark.parametrize("text, says", [
    ("x^2 + y^2 = 1", "implicit differentiation is not supported yet"),
    ("y = x*y + 1", "implicit differentiation is not supported yet"),
    ("sin(x) = x", "implicit differentiation is not supported yet"),
    ("log2x", "could be log(2x) or the logarithm to base 2 of x"),
    ("e^2x", "e^2x could be e^(2x) or e^2·x"),      # was e²·x, read silently
    ("e^-2x", "e^-2x could be e^(-2x) or e^-2·x"),  # was e⁻²·x, read silently
    ("d/dx", "nothing to differentiate"),
    ("d/dx of", "nothing to differentiate"),
    ("d(x)/dx + 1", "'/dx' would divide by d·x"),   # was (d·x/d)·x + 1, read silently
    ("x/dx", "'/dx' would divide by d·x"),          # was x over the symbol dx
    ("y =", "nothing after '='"),
])
def test_refused_with_both_readings(text: str, says: str) -> None:
    with pytest.raises(ParseError, match=re.escape(says)):
        chainrule.parse(text)


def test_log2x_spells_out_how_to_write_each() -> None:
    with pytest.raises(ParseError) as info:
        chainrule.parse("log2x")
    assert info.value.hint == "write log(2x) or log(x, 2)"


@pytest.mark.parametrize("text", ["x*y", "x*t", "u*v", "m*g*h"])
def test_no_convention_decides(text: str) -> None:
    with pytest.raises(UsageError, match="several symbols"):
        chainrule.diff(text)


def test_several_variables_named_by_the_function() -> None:
    with pytest.raises(UsageError, match=r"several variables \(w1, w2\)"):
        chainrule.diff("J(w1, w2) = (w1*x - w2)^2")
    d = chainrule.diff("J(w1, w2) = (w1*x - w2)^2", "w2")
    assert str(d.result) == "-2*(w1*x - w2)"


@pytest.mark.parametrize("answer", ["dy/dx = 2x", "y' = 2x", "f'(x) = 2x", "y′ = 2x",
                                    "dy/dx = 2 x"])
def test_an_answer_written_as_a_derivative(answer: str) -> None:
    r = chainrule.check("x^2", answer)
    assert r.correct
    assert "the right-hand side is the derivative" in r.to_text()
    assert r.to_dict()["answer_read_as"]["question"].endswith("=")


def test_a_derivative_is_not_differentiated() -> None:
    with pytest.raises(UsageError, match="is a derivative already"):
        chainrule.diff("dy/dx = 2x")


def test_the_question_and_the_variable_given_must_agree() -> None:
    with pytest.raises(UsageError, match="asks for the derivative with respect to x"):
        chainrule.diff("d/dx x*t", "t")
    # f(x) = … names the function's variable, and a partial derivative by another is fine
    assert str(chainrule.diff("f(x) = x*y", "y").result) == "x"


# ── hints ──────────────────────────────────────────────────────────────────────
@pytest.mark.parametrize("text, hint", [
    ("log10(x)", "write log(x, 10) for the logarithm to base 10"),
    ("log_2(x)", "write log(x, 2) for the logarithm to base 2"),
    ("log2(x)", "write log(x, 2) for the logarithm to base 2"),
    ("max(0, x)", "write relu(x) for max(0, x)"),
    ("softmax(x)", "softmax takes a vector and is not supported"),
    ("erf(x)", "erf is not in the function table"),
    ("floor(x)", "floor is not in the function table"),
    ("cosine(x)", "did you mean cos?"),
    ("sine(x)", "did you mean sin?"),
    ("sine x", "did you mean sin?"),
    ("x + cosine", "did you mean cos?"),
    ("tangent(x)", "did you mean tan?"),
    ("tg(x)", "did you mean tan?"),
    ("sen(x)", "did you mean sin"),
    ("Sin(x)", "did you mean sin"),
    ("sqr(x)", "did you mean sqrt?"),
    ("xy(x+1) + y", "write x*y*(…) to multiply"),
    ("ab(x) + a*b", "write a*b*(…) to multiply"),
    ("theta(x+1)", "write theta*(…) to multiply"),
    ("log_2 x", "write log(x, 2) for the logarithm to base 2"),
    ("log_e x", "write ln(x)"),
    ("log10 t", "write log(t, 10)"),
    ("log10(x^2 + 1)", "write log(x^2 + 1, 10)"),    # the hint keeps the argument
    ("sin -2x", "write sin(-2x)"),      # the hint keeps the argument as written
    ("ln -x + 1", "write ln(-x)"),
])
def test_hints(text: str, hint: str) -> None:
    with pytest.raises(ParseError) as info:
        chainrule.parse(text)
    assert hint in info.value.hint


@pytest.mark.parametrize("text", ["max(0, x)", "softmax(x)", "erf(x)", "floor(x)", "cosine(x)",
                                  "sqr(x)", "xy(x+1)"])
def test_no_multiplication_hint_for_names_that_are_not_products(text: str) -> None:
    with pytest.raises(ParseError) as info:
        chainrule.parse(text)
    assert "to multiply" not in info.value.hint


@pytest.mark.parametrize("text, argument", [("sin 2x", 2 * x), ("cos 3x", 3 * x),
                                            ("ln 2x", 2 * x), ("sqrt 2x", 2 * x),
                                            ("sin pi x", pi * x)])
def test_a_juxtaposed_argument_is_kept_whole(text: str, argument: Any) -> None:
    """What used to get "hint: write sin(2)" is read with its whole argument."""
    arg = chainrule.parse(text).args[0].to_sympy()  # type: ignore[attr-defined]
    assert _same(arg, argument)


# ── every format, check and grad ───────────────────────────────────────────────
@pytest.mark.parametrize("fmt", ["plain", "latex", "markdown"])
def test_every_format_shows_the_reading(fmt: str) -> None:
    d = chainrule.diff("sinxcosx")
    out = d.render(fmt) if hasattr(d, "render") else d.to_text()
    assert "read as" in out


def test_check_shows_both_readings() -> None:
    r = chainrule.check("sinx", "cosx")
    assert r.correct
    doc = r.to_dict()
    assert doc["read_as"]["text"] == "sin(x)"
    assert doc["answer_read_as"]["text"] == "cos(x)"
    text = r.to_text()
    assert text.count("read as: ") == 2
    chainrule.schemas.validate(doc)


def test_grad_uses_the_name_and_shows_the_reading() -> None:
    g = chainrule.grad("J(w1, w2) = (w1 x - w2)^2", "w1,w2")
    assert g.to_text().splitlines()[0].startswith("Gradient of J = ")
    g2 = chainrule.grad("ax^2 + bx", "a,b")
    assert "read as: " in g2.to_text()
    doc = g2.to_dict()
    assert "ax is a·x" in " ".join(doc["read_as"]["notes"])
    chainrule.schemas.validate(doc)


def test_the_derivation_header_uses_the_name() -> None:
    assert "f′(x) = d/dx" in chainrule.diff("f(x) = x^3").to_text()
    assert "dy/dx = d/dx" in chainrule.diff("y = x^3").to_text()


def test_json_validates() -> None:
    for text in ("sinx", "d/dx x^2", "a x^2 + b x + c", "f(x) = sin x"):
        chainrule.schemas.validate(chainrule.diff(text).to_dict())


# ── the command line ───────────────────────────────────────────────────────────
def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "80"}
    return subprocess.run([sys.executable, "-m", "chainrule", *args], capture_output=True,
                          text=True, env=env, cwd=ROOT, input=stdin, timeout=120)


def test_cli_diff_shows_the_reading() -> None:
    proc = run("diff", "sinx", "--format", "plain")
    assert proc.returncode == 0
    assert proc.stdout.startswith("read as: sin(x)")
    assert "= cos(x)" in proc.stdout


def test_cli_json_has_read_as() -> None:
    proc = run("diff", "sinxcosx", "--format", "json")
    doc = json.loads(proc.stdout)
    assert doc["read_as"]["text"] == "sin(x)·cos(x)"


def test_cli_check_sinx() -> None:
    """The issue's worst case: check "sinx" "cosx" said the correct answer was 1."""
    proc = run("check", "sinx", "cosx", "--format", "plain")
    assert proc.returncode == 0
    assert "✓ Correct" in proc.stdout
    assert "read as: sin(x)" in proc.stdout


@pytest.mark.parametrize("args, suggestion", [
    (("diff", "x^2", "--wrtt", "x"), "did you mean --wrt?"),
    (("diff", "x^2", "--detial", "brief"), "did you mean --detail?"),
    (("diff", "--wrtt", "x", "x^2"), "did you mean --wrt?"),
    (("check", "x^2", "2x", "--wrtt", "x"), "did you mean --wrt?"),
    (("grad", "x*y", "--wrtt", "x"), "did you mean --wrt?"),
])
def test_cli_misspelled_option(args: tuple[str, ...], suggestion: str) -> None:
    proc = run(*args)
    assert proc.returncode == 2
    assert suggestion in proc.stderr
    assert "Traceback" not in proc.stderr


def test_cli_expression_starting_with_minus_still_reads() -> None:
    proc = run("diff", "-x^2", "--format", "plain")
    assert proc.returncode == 0 and "−2x" in proc.stdout


@pytest.mark.parametrize("command, args", [("diff", ()), ("grad", ()), ("check", ("cos(x)",))])
def test_cli_reads_standard_input(command: str, args: tuple[str, ...]) -> None:
    proc = run(command, "-", *args, "--format", "json", stdin="sin x\n")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["input"] == "sin x"
    assert doc["read_as"]["text"] == "sin(x)"


def test_cli_check_answer_from_standard_input() -> None:
    proc = run("check", "sin(x)", "-", "--format", "json", stdin="cos x")
    assert json.loads(proc.stdout)["correct"] is True


@pytest.mark.parametrize("stdin, says", [("", "standard input is empty"),
                                         ("x\ny\n", "standard input has 2 lines")])
def test_cli_standard_input_errors(stdin: str, says: str) -> None:
    proc = run("diff", "-", stdin=stdin)
    assert proc.returncode == 2
    assert says in proc.stderr


def test_cli_question_as_written() -> None:
    proc = run("diff", "d/dx sin(x)", "--format", "plain")
    assert proc.returncode == 0
    assert "cos(x)" in proc.stdout and "--wrt d" not in proc.stderr
    proc = run("diff", "y = x^2", "--format", "plain")
    assert proc.stdout.startswith("dy/dx = ")


def test_cli_h_as_a_height() -> None:
    proc = run("diff", "pi*r**2*h", "--wrt", "h", "--format", "plain")
    assert proc.returncode == 0
    assert "π·r²" in proc.stdout


# ── the table in docs/syntax.md ────────────────────────────────────────────────
_ROW = re.compile(r"^\| `(?P<text>[^`]+)` \| (?P<read>[^|]+?) \|", re.M)


def _doc_rows() -> list[tuple[str, str]]:
    page = (ROOT / "docs" / "syntax.md").read_text(encoding="utf-8")
    if "<!-- readings:start -->" not in page:
        return []
    table = page.split("<!-- readings:start -->")[1].split("<!-- readings:end -->")[0]
    return [(m["text"], m["read"].strip()) for m in _ROW.finditer(table)]


def test_the_docs_table_has_rows() -> None:
    assert len(_doc_rows()) >= 30


@pytest.mark.parametrize("text, shown", _doc_rows())
def test_the_docs_table_is_what_chainrule_reads(text: str, shown: str) -> None:
    """Each row: the input and its reading, as chainrule prints the expression, or the
    error it gives (a row whose reading starts with "error:")."""
    if shown.startswith("error:"):
        with pytest.raises((ParseError, UsageError)) as info:
            expr = chainrule.parse(text)
            chainrule.diff(expr if False else text)
        assert shown.removeprefix("error:").strip().strip("`") in str(info.value)
        return
    expr = chainrule.parse(text)
    assert expr.pretty() == shown.strip("`"), f"{text!r} is {expr.pretty()!r}"



# ── the parameters a cost names, and every document's reading ───────────────────────
def test_a_cost_that_names_its_parameters_takes_the_gradient_by_them() -> None:
    g = chainrule.grad("J(w1, w2) = (w1*x + w2 - y)^2")
    assert g.wrt == ("w1", "w2")
    assert "Gradient of J" in g.to_text(width=80)


def test_a_descent_says_how_it_read_the_text() -> None:
    run = chainrule.descend("J(w) = (w sinx - 1)^2", wrt="w", at={"w": 0.5, "x": 1}, steps=2)
    text = run.to_text(width=80)
    assert text.startswith("read as: (w·sin(x) − 1)²")
    doc = run.to_dict()
    assert doc["read_as"]["params"] == ["w"]
    chainrule.schemas.validate(doc)


def test_a_descent_moves_the_parameters_the_text_names() -> None:
    out = subprocess.run([sys.executable, "-m", "chainrule", "descend", "J(w) = (w*x - 1)^2",
                          "--at", "w=0.5,x=1", "--steps", "2", "--format", "json"],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["wrt"] == ["w"]
    bad = subprocess.run([sys.executable, "-m", "chainrule", "descend", "(w*x - 1)^2",
                          "--at", "w=0.5,x=1"], capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and "J(w1, w2) = …" in bad.stderr and "--wrt" in bad.stderr
