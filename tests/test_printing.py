"""The three printers: exact text for each format, deep trees, shared subtrees, round trip."""

from __future__ import annotations

from fractions import Fraction

import pytest

from chainrule.expr import Add, Const, Div, Expr, Func, Mul, Neg, Num, Pow, Symbol, postorder
from chainrule.printing import to_latex, to_python, to_unicode

x, y, z, a, b, c = (Symbol(n) for n in "xyzabc")
w1, w2, theta = Symbol("w1"), Symbol("w2"), Symbol("theta")
E, PI = Const("e"), Const("pi")
HALF, NEG_HALF = Num(Fraction(1, 2)), Num(Fraction(-1, 2))
N = Num


def F(name: str, *args: Expr, order: int = 0) -> Expr:
    return Func(name, args, order)


def sub(p: Expr, q: Expr) -> Expr:
    return Add((p, Neg(q)))


def row(id_: str, expr: Expr, python: str, unicode: str, latex: str) -> object:
    return pytest.param(expr, python, unicode, latex, id=id_)


SIGMOID_PRIME = Div(Pow(E, Neg(x)), Pow(Add((N(1), Pow(E, Neg(x)))), N(2)))

# (expression, to_python, to_unicode, to_latex)
CASES = [
    # ── leaves ──
    row("symbol", x, "x", "x", "x"),
    row("greek", theta, "theta", "θ", r"\theta"),
    row("greek-lam", Symbol("lam"), "lam", "λ", r"\lambda"),
    row("greek-sigma", Symbol("sigma"), "sigma", "σ", r"\sigma"),
    row("greek-subscript", Symbol("theta_1"), "theta_1", "θ_1", r"\theta_{1}"),
    row("name-digits", w1, "w1", "w1", "w_{1}"),
    row("name-underscore", Symbol("x_2"), "x_2", "x_2", "x_{2}"),
    row("long-name", Symbol("lr"), "lr", "lr", r"\mathrm{lr}"),
    row("pi", PI, "pi", "π", r"\pi"),
    row("e", E, "e", "e", "e"),
    row("integer", N(3), "3", "3", "3"),
    row("zero", N(0), "0", "0", "0"),
    row("negative-integer", N(-2), "-2", "−2", "-2"),
    row("fraction", HALF, "1/2", "1/2", r"\frac{1}{2}"),
    row("negative-fraction", NEG_HALF, "-1/2", "−1/2", r"-\frac{1}{2}"),
    # ── sums ──
    row("sum-flat", Add((x, y, z)), "x + y + z", "x + y + z", "x + y + z"),
    row("difference", sub(x, y), "x - y", "x − y", "x - y"),
    row("neg-first-term", Add((Neg(x), y)), "-x + y", "−x + y", "-x + y"),
    row("nested-sum", Add((x, Add((y, z)))), "x + (y + z)", "x + (y + z)",
        r"x + \left(y + z\right)"),
    row("nested-sum-first", Add((Add((x, y)), z)), "(x + y) + z", "(x + y) + z",
        r"\left(x + y\right) + z"),
    row("minus-number", Add((x, N(-3))), "x - 3", "x − 3", "x - 3"),
    row("minus-fraction", Add((x, NEG_HALF)), "x - 1/2", "x − 1/2", r"x - \frac{1}{2}"),
    row("plus-fraction", Add((HALF, x)), "1/2 + x", "1/2 + x", r"\frac{1}{2} + x"),
    row("minus-sum", sub(x, Add((y, z))), "x - (y + z)", "x − (y + z)",
        r"x - \left(y + z\right)"),
    row("minus-neg", sub(x, Neg(y)), "x - (-y)", "x − (−y)", r"x - \left(-y\right)"),
    row("minus-product", sub(x, Mul((y, z))), "x - y*z", "x − y·z", "x - yz"),
    row("neg-product-first", Add((Neg(Mul((a, b))), c)), "-a*b + c", "−a·b + c", "-ab + c"),
    row("plus-negative-coefficient", Add((x, Mul((N(-2), y)))), "x + (-2)*y", "x − 2y",
        "x - 2y"),
    # ── unary minus ──
    row("neg-sum", Neg(Add((x, y))), "-(x + y)", "−(x + y)", r"-\left(x + y\right)"),
    row("neg-neg", Neg(Neg(x)), "-(-x)", "−(−x)", r"-\left(-x\right)"),
    row("neg-power", Neg(Pow(x, N(2))), "-x**2", "−x²", "-x^{2}"),
    row("neg-quotient", Neg(Div(x, y)), "-x/y", "−x/y", r"-\frac{x}{y}"),
    row("neg-product", Neg(Mul((N(2), x))), "-2*x", "−2x", "-2x"),
    row("neg-negative-coefficient", Neg(Mul((N(-2), x))), "-(-2)*x", "−(−2x)",
        r"-\left(-2x\right)"),
    row("neg-function", Neg(Mul((F("sin", x), F("cos", F("cos", x))))),
        "-sin(x)*cos(cos(x))", "−sin(x)·cos(cos(x))",
        r"-\sin\left(x\right)\,\cos\left(\cos\left(x\right)\right)"),
    # ── products ──
    row("textbook", Mul((N(2), x, F("cos", Pow(x, N(2))))), "2*x*cos(x**2)", "2x·cos(x²)",
        r"2x\cos\left(x^{2}\right)"),
    row("coefficient-power", Mul((N(3), Pow(x, N(2)))), "3*x**2", "3x²", "3x^{2}"),
    row("coefficient-letters", Mul((N(2), x, y)), "2*x*y", "2x·y", "2xy"),
    row("long-name-factor", Mul((w2, x)), "w2*x", "w2·x", "w_{2}x"),
    row("letter-then-long-name", Mul((x, w2)), "x*w2", "x·w2", "xw_{2}"),
    row("coefficient-long-name", Mul((N(2), w1)), "2*w1", "2w1", "2w_{1}"),
    row("coefficient-function", Mul((N(2), F("sin", x))), "2*sin(x)", "2·sin(x)",
        r"2\sin\left(x\right)"),
    row("coefficient-group", Mul((N(2), Add((x, N(1))))), "2*(x + 1)", "2(x + 1)",
        r"2\left(x + 1\right)"),
    row("group-group", Mul((Add((x, N(1))), sub(x, N(1)))), "(x + 1)*(x - 1)",
        "(x + 1)(x − 1)", r"\left(x + 1\right)\left(x - 1\right)"),
    row("letter-group", Mul((y, sub(N(1), y))), "y*(1 - y)", "y·(1 − y)",
        r"y\left(1 - y\right)"),
    row("group-letter", Mul((Add((x, N(1))), x)), "(x + 1)*x", "(x + 1)·x",
        r"\left(x + 1\right)x"),
    row("negative-coefficient-group", Mul((N(-2), sub(y, theta))), "(-2)*(y - theta)",
        "−2(y − θ)", r"-2\left(y - \theta\right)"),
    row("numbers", Mul((N(2), N(3))), "2*3", "2·3", r"2 \cdot 3"),
    # A number after the first factor is set off on both sides: 2·1·cos(1), not 2·1cos(1).
    row("inner-number-call", Mul((N(2), N(1), F("cos", N(1)))), "2*1*cos(1)", "2·1·cos(1)",
        r"2 \cdot 1 \cdot \cos\left(1\right)"),
    row("inner-number-letter", Mul((x, N(2), y)), "x*2*y", "x·2y", r"x \cdot 2 \cdot y"),
    row("number-power-of-number", Mul((N(2), Pow(N(2), x))), "2*2**x", "2·2^x",
        r"2 \cdot 2^{x}"),
    row("greek-letter", Mul((theta, x)), "theta*x", "θ·x", r"\theta x"),
    row("pi-letter", Mul((PI, x)), "pi*x", "π·x", r"\pi x"),
    row("functions", Mul((F("sin", x), F("cos", x))), "sin(x)*cos(x)", "sin(x)·cos(x)",
        r"\sin\left(x\right)\,\cos\left(x\right)"),
    row("sigmoid-prime", Mul((F("sigmoid", x), sub(N(1), F("sigmoid", x)))),
        "sigmoid(x)*(1 - sigmoid(x))", "σ(x)·(1 − σ(x))",
        r"\sigma\left(x\right)\,\left(1 - \sigma\left(x\right)\right)"),
    row("coefficient-root", Mul((N(2), F("sqrt", x))), "2*sqrt(x)", "2√x", r"2\sqrt{x}"),
    row("letter-root", Mul((x, F("sqrt", x))), "x*sqrt(x)", "x√x", r"x\sqrt{x}"),
    row("coefficient-abs", Mul((N(2), F("abs", x))), "2*abs(x)", "2|x|", r"2\left|x\right|"),
    row("letter-exp", Mul((x, F("exp", x))), "x*exp(x)", "x·eˣ", "xe^{x}"),
    row("e-then-letter", Mul((E, x)), "e*x", "e·x", "ex"),
    row("symbol-named-f", Mul((Symbol("f"), Add((x, N(1))))), "f*(x + 1)", "f·(x + 1)",
        r"f\left(x + 1\right)"),
    row("symbol-sigma-group", Mul((Symbol("sigma"), Add((x, N(1))))), "sigma*(x + 1)",
        "σ·(x + 1)", r"\sigma\left(x + 1\right)"),
    row("neg-factor", Mul((x, Neg(y))), "x*(-y)", "x·(−y)", r"x\left(-y\right)"),
    row("neg-first-factor", Mul((Neg(x), y)), "(-x)*y", "(−x)·y", r"\left(-x\right)y"),
    row("negative-coefficient", Mul((N(-2), x)), "(-2)*x", "−2x", "-2x"),
    row("negative-number-factor", Mul((x, N(-2))), "x*(-2)", "x·(−2)", r"x\left(-2\right)"),
    row("fraction-coefficient", Mul((HALF, x)), "1/2*x", "(1/2)·x", r"\frac{1}{2}x"),
    row("negative-fraction-coefficient", Mul((NEG_HALF, x)), "(-1/2)*x", "(−1/2)·x",
        r"-\frac{1}{2}x"),
    row("fraction-factor", Mul((x, HALF)), "x*(1/2)", "x·(1/2)", r"x \cdot \frac{1}{2}"),
    row("nested-product", Mul((x, Mul((y, z)))), "x*(y*z)", "x·(y·z)", r"x\left(yz\right)"),
    row("nested-product-first", Mul((Mul((x, y)), z)), "(x*y)*z", "(x·y)·z",
        r"\left(xy\right)z"),
    row("quotient-first-factor", Mul((Div(x, y), z)), "x/y*z", "(x/y)·z", r"\frac{x}{y}z"),
    row("quotient-factor", Mul((z, Div(x, y))), "z*(x/y)", "z·(x/y)",
        r"z \cdot \frac{x}{y}"),
    row("quotient-of-product-then-factor", Mul((Div(Mul((a, b)), c), x)), "a*b/c*x",
        "(a·b/c)·x", r"\frac{ab}{c}x"),
    # ── quotients ──
    row("quotient", Div(x, y), "x/y", "x/y", r"\frac{x}{y}"),
    row("quotient-left", Div(Div(x, y), z), "x/y/z", "(x/y)/z", r"\frac{\frac{x}{y}}{z}"),
    row("quotient-right", Div(x, Div(y, z)), "x/(y/z)", "x/(y/z)", r"\frac{x}{\frac{y}{z}}"),
    row("product-over", Div(Mul((x, y)), z), "x*y/z", "x·y/z", r"\frac{xy}{z}"),
    row("over-product", Div(x, Mul((y, z))), "x/(y*z)", "x/(y·z)", r"\frac{x}{yz}"),
    row("over-sum", Div(x, Add((y, z))), "x/(y + z)", "x/(y + z)", r"\frac{x}{y + z}"),
    row("over-neg", Div(x, Neg(y)), "x/(-y)", "x/(−y)", r"\frac{x}{-y}"),
    row("over-fraction", Div(x, HALF), "x/(1/2)", "x/(1/2)", r"\frac{x}{\frac{1}{2}}"),
    row("over-negative", Div(x, N(-2)), "x/(-2)", "x/(−2)", r"\frac{x}{-2}"),
    row("over-power", Div(x, Pow(y, N(2))), "x/y**2", "x/y²", r"\frac{x}{y^{2}}"),
    row("fraction-over", Div(HALF, x), "(1/2)/x", "(1/2)/x", r"\frac{\frac{1}{2}}{x}"),
    row("negative-over", Div(N(-2), x), "(-2)/x", "(−2)/x", r"\frac{-2}{x}"),
    row("neg-over", Div(Neg(x), y), "(-x)/y", "(−x)/y", r"\frac{-x}{y}"),
    row("sum-over-sum", Div(Add((x, N(1))), sub(x, N(1))), "(x + 1)/(x - 1)",
        "(x + 1)/(x − 1)", r"\frac{x + 1}{x - 1}"),
    row("one-over-two-root", Div(N(1), Mul((N(2), F("sqrt", x)))), "1/(2*sqrt(x))",
        "1/(2√x)", r"\frac{1}{2\sqrt{x}}"),
    row("over-root", Div(N(1), F("sqrt", x)), "1/sqrt(x)", "1/√x", r"\frac{1}{\sqrt{x}}"),
    row("sigmoid-written-out", SIGMOID_PRIME, "e**(-x)/(1 + e**(-x))**2",
        "e^(−x)/(1 + e^(−x))²", r"\frac{e^{-x}}{\left(1 + e^{-x}\right)^{2}}"),
    # ── powers ──
    row("power-symbol", Pow(x, y), "x**y", "x^y", "x^{y}"),
    row("power-of-number", Pow(N(2), x), "2**x", "2^x", "2^{x}"),
    row("power-sum", Pow(x, Add((y, N(1)))), "x**(y + 1)", "x^(y + 1)", "x^{y + 1}"),
    row("power-fraction", Pow(x, HALF), "x**(1/2)", "x^(1/2)", r"x^{\frac{1}{2}}"),
    row("power-negative-fraction", Pow(x, NEG_HALF), "x**(-1/2)", "x^(−1/2)",
        r"x^{-\frac{1}{2}}"),
    row("square", Pow(x, N(2)), "x**2", "x²", "x^{2}"),
    row("power-ten", Pow(x, N(10)), "x**10", "x¹⁰", "x^{10}"),
    row("reciprocal", Pow(x, N(-1)), "x**(-1)", "x⁻¹", "x^{-1}"),
    row("power-neg", Pow(x, Neg(y)), "x**(-y)", "x^(−y)", "x^{-y}"),
    row("power-right-assoc", Pow(x, Pow(y, z)), "x**y**z", "x^(y^z)", "x^{y^{z}}"),
    row("power-of-power", Pow(Pow(x, y), z), "(x**y)**z", "(x^y)^z",
        r"\left(x^{y}\right)^{z}"),
    row("square-of-square", Pow(Pow(x, N(2)), N(3)), "(x**2)**3", "(x²)³",
        r"\left(x^{2}\right)^{3}"),
    row("power-negative-base", Pow(N(-2), x), "(-2)**x", "(−2)^x", r"\left(-2\right)^{x}"),
    row("power-fraction-base", Pow(HALF, x), "(1/2)**x", "(1/2)^x",
        r"\left(\frac{1}{2}\right)^{x}"),
    row("power-neg-base", Pow(Neg(x), N(2)), "(-x)**2", "(−x)²", r"\left(-x\right)^{2}"),
    row("power-sum-base", Pow(Add((x, N(1))), N(3)), "(x + 1)**3", "(x + 1)³",
        r"\left(x + 1\right)^{3}"),
    row("power-quotient-base", Pow(Div(x, y), N(2)), "(x/y)**2", "(x/y)²",
        r"\left(\frac{x}{y}\right)^{2}"),
    row("power-product-base", Pow(Mul((N(2), x)), N(2)), "(2*x)**2", "(2x)²",
        r"\left(2x\right)^{2}"),
    row("trig-square", Pow(F("sin", x), N(2)), "sin(x)**2", "sin(x)²",
        r"\sin^{2}\left(x\right)"),
    row("hyperbolic-square", Pow(F("sech", x), N(2)), "sech(x)**2", "sech(x)²",
        r"\operatorname{sech}^{2}\left(x\right)"),
    row("trig-reciprocal", Pow(F("sin", x), N(-1)), "sin(x)**(-1)", "sin(x)⁻¹",
        r"\sin\left(x\right)^{-1}"),
    row("trig-square-cubed", Pow(Pow(F("sin", x), N(2)), N(3)), "(sin(x)**2)**3",
        "(sin(x)²)³", r"\left(\sin^{2}\left(x\right)\right)^{3}"),
    row("sigmoid-square", Pow(F("sigmoid", x), N(2)), "sigmoid(x)**2", "σ(x)²",
        r"\sigma\left(x\right)^{2}"),
    row("root-square", Pow(F("sqrt", x), N(2)), "sqrt(x)**2", "(√x)²",
        r"\left(\sqrt{x}\right)^{2}"),
    row("power-function-exponent", Pow(x, F("sin", x)), "x**sin(x)", "x^sin(x)",
        r"x^{\sin\left(x\right)}"),
    row("e-letter", Pow(E, x), "e**x", "eˣ", "e^{x}"),
    row("e-neg", Pow(E, Neg(x)), "e**(-x)", "e^(−x)", "e^{-x}"),
    row("e-square", Pow(E, N(2)), "e**2", "e²", "e^{2}"),
    row("e-long-name", Pow(E, w1), "e**w1", "e^(w1)", "e^{w_{1}}"),
    row("e-no-superscript-q", Pow(E, Symbol("q")), "e**q", "e^(q)", "e^{q}"),
    row("e-product", Pow(E, Mul((N(2), x))), "e**(2*x)", "e^(2x)", "e^{2x}"),
    # ── functions ──
    row("sin", F("sin", x), "sin(x)", "sin(x)", r"\sin\left(x\right)"),
    row("nested-calls", F("sin", F("cos", x)), "sin(cos(x))", "sin(cos(x))",
        r"\sin\left(\cos\left(x\right)\right)"),
    row("asin", F("asin", x), "asin(x)", "asin(x)", r"\arcsin\left(x\right)"),
    row("relu", F("relu", x), "relu(x)", "relu(x)", r"\operatorname{ReLU}\left(x\right)"),
    row("heaviside", F("heaviside", x), "heaviside(x)", "H(x)", r"\theta\left(x\right)"),
    row("atan2", F("atan2", y, x), "atan2(y, x)", "atan2(y, x)",
        r"\operatorname{atan2}\left(y, x\right)"),
    row("sqrt", F("sqrt", x), "sqrt(x)", "√x", r"\sqrt{x}"),
    row("sqrt-sum", F("sqrt", Add((x, N(1)))), "sqrt(x + 1)", "√(x + 1)", r"\sqrt{x + 1}"),
    row("sqrt-product", F("sqrt", Mul((N(2), x))), "sqrt(2*x)", "√(2x)", r"\sqrt{2x}"),
    row("sqrt-call", F("sqrt", F("sin", x)), "sqrt(sin(x))", "√(sin(x))",
        r"\sqrt{\sin\left(x\right)}"),
    row("cbrt", F("cbrt", x), "cbrt(x)", "∛x", r"\sqrt[3]{x}"),
    row("abs", F("abs", x), "abs(x)", "|x|", r"\left|x\right|"),
    row("abs-sum", F("abs", Add((x, N(1)))), "abs(x + 1)", "|x + 1|",
        r"\left|x + 1\right|"),
    row("ln", F("log", x), "log(x)", "ln(x)", r"\ln\left(x\right)"),
    row("log-base-2", F("log", x, N(2)), "log(x, 2)", "log₂(x)", r"\log_{2}\left(x\right)"),
    row("log-base-10", F("log", x, N(10)), "log(x, 10)", "log₁₀(x)",
        r"\log_{10}\left(x\right)"),
    row("log-base-symbol", F("log", x, b), "log(x, b)", "log_b(x)", r"\log_{b}\left(x\right)"),
    row("log-base-sum", F("log", x, Add((y, N(1)))), "log(x, y + 1)", "log(x, y + 1)",
        r"\log_{y + 1}\left(x\right)"),
    row("exp", F("exp", x), "exp(x)", "eˣ", "e^{x}"),
    row("exp-neg", F("exp", Neg(x)), "exp(-x)", "e^(−x)", "e^{-x}"),
    row("exp-squared", Pow(F("exp", x), N(2)), "exp(x)**2", "(eˣ)²",
        r"\left(e^{x}\right)^{2}"),
    row("abstract", F("g", x), "g(x)", "g(x)", r"g\left(x\right)"),
    row("abstract-prime", F("f", x, order=1), "f'(x)", "f′(x)", r"f'\left(x\right)"),
    row("abstract-second", F("f", x, order=2), "f''(x)", "f″(x)", r"f''\left(x\right)"),
    row("abstract-third", F("h", x, order=3), "h'''(x)", "h‴(x)", r"h'''\left(x\right)"),
    row("abstract-fourth", F("f", x, order=4), "f''''(x)", "f⁽⁴⁾(x)",
        r"f^{(4)}\left(x\right)"),
    row("chain-rule", Mul((F("f", F("g", x), order=1), F("g", x, order=1))),
        "f'(g(x))*g'(x)", "f′(g(x))·g′(x)",
        r"f'\left(g\left(x\right)\right)\,g'\left(x\right)"),
    row("pi-then-abstract", Mul((PI, F("f", x))), "pi*f(x)", "π·f(x)", r"\pi f\left(x\right)"),
    row("function-args-need-no-parens", F("atan2", Add((y, N(1))), Neg(x)),
        "atan2(y + 1, -x)", "atan2(y + 1, −x)",
        r"\operatorname{atan2}\left(y + 1, -x\right)"),
]


@pytest.mark.parametrize("expr, python, unicode, latex", CASES)
def test_to_python(expr: Expr, python: str, unicode: str, latex: str) -> None:
    assert to_python(expr) == python


@pytest.mark.parametrize("expr, python, unicode, latex", CASES)
def test_to_unicode(expr: Expr, python: str, unicode: str, latex: str) -> None:
    assert to_unicode(expr) == unicode


@pytest.mark.parametrize("expr, python, unicode, latex", CASES)
def test_to_latex(expr: Expr, python: str, unicode: str, latex: str) -> None:
    assert to_latex(expr) == latex


def test_expr_methods_use_the_printers() -> None:
    e = Mul((N(2), x, F("cos", Pow(x, N(2)))))
    assert str(e) == "2*x*cos(x**2)"
    assert repr(e) == "Mul('2*x*cos(x**2)')"
    assert e.pretty() == "2x·cos(x²)"
    assert e.latex() == r"2x\cos\left(x^{2}\right)"
    assert e._repr_latex_() == r"$2x\cos\left(x^{2}\right)$"


# ── deep and shared trees ────────────────────────────────────────────────────
DEPTH = 10_000


def _chain(depth: int, step: object) -> Expr:
    e: Expr = x
    for _ in range(depth):
        e = step(e)  # type: ignore[operator]
    return e


def test_deep_function_chain() -> None:
    e = _chain(DEPTH, lambda u: F("sin", u))
    assert to_python(e) == "sin(" * DEPTH + "x" + ")" * DEPTH
    assert to_unicode(e) == "sin(" * DEPTH + "x" + ")" * DEPTH
    assert to_latex(e) == r"\sin\left(" * DEPTH + "x" + r"\right)" * DEPTH


@pytest.mark.parametrize("step, python_start, python_end", [
    pytest.param(lambda u: Neg(u), "-(" * (DEPTH - 1) + "-x", ")" * (DEPTH - 1), id="neg"),
    pytest.param(lambda u: Add((y, u)), "y + (" * (DEPTH - 1) + "y + x", ")" * (DEPTH - 1),
                 id="sum-right"),
    pytest.param(lambda u: Add((u, y)), "(" * (DEPTH - 1) + "x + y", ") + y" * (DEPTH - 1),
                 id="sum-left"),
    pytest.param(lambda u: Pow(y, u), "y**" * DEPTH, "x", id="power-tower"),
    pytest.param(lambda u: Div(u, y), "x" + "/y" * DEPTH, "/y", id="quotient-left"),
    pytest.param(lambda u: Mul((N(2), u)), "2*(" * (DEPTH - 1) + "2*x", ")" * (DEPTH - 1),
                 id="product-right"),
])
def test_deep_chains_print_in_every_format(step: object, python_start: str,
                                           python_end: str) -> None:
    e = _chain(DEPTH, step)
    text = to_python(e)
    assert text.startswith(python_start) and text.endswith(python_end)
    assert len(to_unicode(e)) > DEPTH and len(to_latex(e)) > DEPTH


def test_shared_subtree_prints_everywhere_it_occurs() -> None:
    s = Add((x, N(1)))
    e = Mul((s, Pow(s, N(2)), F("sin", s)))
    assert to_python(e) == "(x + 1)*(x + 1)**2*sin(x + 1)"
    assert to_unicode(e) == "(x + 1)(x + 1)²·sin(x + 1)"
    assert to_latex(e) == (r"\left(x + 1\right)\left(x + 1\right)^{2}"
                           r"\sin\left(x + 1\right)")


def test_doubling_dag() -> None:
    # 40 distinct nodes, 2**20 leaves once printed: each node is printed once and reused.
    e: Expr = x
    text = "x"
    for _ in range(20):
        e = Mul((e, e))
        text = f"({text})*({text})" if text != "x" else "x*x"
    assert to_python(e) == text


# ── round trip through the parser ────────────────────────────────────────────
# Div of two literals cannot round-trip: the parser folds "1/2" into the number 1/2.
def _folds(e: Expr) -> bool:
    return any(isinstance(n, Div) and isinstance(n.num, Num) and isinstance(n.den, Num)
               for n in postorder(e))


@pytest.mark.parametrize("expr", [p.values[0] for p in CASES],
                         ids=[p.id for p in CASES])
def test_python_text_parses_back(expr: Expr) -> None:
    parser = pytest.importorskip("chainrule.parser")
    assert not _folds(expr)
    assert parser.parse(to_python(expr)) is expr


def test_deep_python_text_parses_back() -> None:
    parser = pytest.importorskip("chainrule.parser")
    for e in (_chain(DEPTH, lambda u: F("sin", u)), _chain(DEPTH, lambda u: Neg(u)),
              _chain(DEPTH, lambda u: Add((u, y)))):
        assert parser.parse(to_python(e)) is e


def _random_trees() -> object:
    st = pytest.importorskip("hypothesis.strategies")
    leaves = st.one_of(
        st.sampled_from([x, y, w1, theta, E, PI]),
        st.integers(-5, 12).map(N),
        st.fractions(min_value=-3, max_value=3, max_denominator=7).map(N),
    )
    unary = ["sin", "exp", "sqrt", "cbrt", "abs", "log", "sigmoid", "tanh"]

    def grow(kids: object) -> object:
        two = st.tuples(kids, kids)
        many = st.lists(kids, min_size=2, max_size=4).map(tuple)
        return st.one_of(
            many.map(Add), many.map(Mul), kids.map(Neg),  # type: ignore[attr-defined]
            two.map(lambda p: Div(*p)), two.map(lambda p: Pow(*p)),
            st.tuples(st.sampled_from(unary), kids).map(lambda p: Func(p[0], (p[1],))),
            two.map(lambda p: Func("log", p)),
            st.tuples(st.sampled_from("fgh"), st.integers(0, 3), kids)
            .map(lambda p: Func(p[0], (p[2],), p[1])),
        )

    return st.recursive(leaves, grow, max_leaves=12).filter(lambda e: not _folds(e))


def test_random_trees_round_trip() -> None:
    parser = pytest.importorskip("chainrule.parser")
    hypothesis = pytest.importorskip("hypothesis")

    @hypothesis.settings(max_examples=400, deadline=None)
    @hypothesis.given(_random_trees())
    def check(e: Expr) -> None:
        text = to_python(e)
        assert parser.parse(text) is e, text

    check()


# ── how a function prints is in its table entry ─────────────────────────────────
def test_a_defined_function_prints_with_the_layout_its_entry_gives() -> None:
    from chainrule.functions import define_function, remove_function
    define_function("qrt", lambda u: Div(Num(1), Mul((Num(4), Pow(F("qrt", u), Num(3))))),
                    explanation="the derivative of ∜u is 1/(4·∜u³)",
                    numeric=lambda v: v ** 0.25, sympy=lambda sp, u: sp.root(u, 4),
                    domain=lambda v: v > 0, code="M.sqrt",  # any module call will do here
                    pretty="∜", latex=r"\sqrt[4]", layout="radical",
                    as_power=lambda u: (u, Num(Fraction(1, 4))))
    define_function("versin", lambda u: F("sin", u), explanation="versin u = 1 − cos u",
                    numeric=lambda v: v, sympy=lambda sp, u: 1 - sp.cos(u), code="M.sin",
                    latex=r"\operatorname{versin}", latex_power_prefix=True)
    try:
        root = F("qrt", Add((x, Num(1))))
        assert (to_python(root), to_unicode(root), to_latex(root)) == (
            "qrt(x + 1)", "∜(x + 1)", r"\sqrt[4]{x + 1}")
        assert to_unicode(Pow(F("qrt", x), Num(2))) == "(∜x)²"   # a radical keeps its parentheses
        assert to_unicode(Mul((Num(2), F("qrt", x)))) == "2∜x"
        assert to_latex(Pow(F("versin", x), Num(2))) == r"\operatorname{versin}^{2}\left(x\right)"
        assert to_unicode(Pow(F("versin", x), Num(2))) == "versin(x)²"
    finally:
        remove_function("qrt")
        remove_function("versin")


def test_a_one_letter_display_name_added_at_run_time_keeps_the_dot_after_that_letter() -> None:
    from chainrule.functions import define_function, remove_function
    q_root_x = Mul((Symbol("ϙ"), F("sqrt", x)))
    assert to_unicode(q_root_x) == "ϙ√x"
    define_function("koppa", lambda u: Num(1), explanation="the derivative of ϙ(u) is 1",
                    numeric=lambda v: v, sympy=lambda sp, u: u, code="M.fabs", pretty="ϙ")
    try:
        assert to_unicode(q_root_x) == "ϙ·√x"  # ϙ√x would read as ϙ of √x
    finally:
        remove_function("koppa")
    assert to_unicode(q_root_x) == "ϙ√x"
