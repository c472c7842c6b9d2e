"""The parser: exact trees for the shared conventions, positioned errors, limits, fuzzing."""

from __future__ import annotations

import ast
import pathlib
import subprocess
import sys
import time
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import chainrule
from chainrule.errors import ParseError
from chainrule.expr import Add, Const, Div, Expr, Func, Mul, Neg, Num, Pow, Symbol
from chainrule.parser import MAX_LENGTH, MAX_NESTING, parse

a, b, c, d, x, y = (Symbol(n) for n in "abcdxy")
E = Const("e")
PI = Const("pi")


def n(value: int | Fraction | str) -> Num:
    return Num(Fraction(value))


def sin(u: Expr) -> Expr:
    return Func("sin", (u,))


def cos(u: Expr) -> Expr:
    return Func("cos", (u,))


def sqrt(u: Expr) -> Expr:
    return Func("sqrt", (u,))


def dump(e: Expr) -> str:
    """A readable tree for failure messages (repr needs the printer, which is elsewhere)."""
    if isinstance(e, Num):
        return f"Num({e.value})"
    if isinstance(e, (Symbol, Const)):
        return f"{type(e).__name__}({e.name!r})"
    if isinstance(e, Func):
        return f"Func({e.name!r}, ({', '.join(map(dump, e.args))}), {e.order})"
    return f"{type(e).__name__}({', '.join(map(dump, e.children))})"


def check(text: str, expected: Expr) -> None:
    result = parse(text)
    assert result is expected, f"{text!r}: got {dump(result)}, expected {dump(expected)}"


def error(text: str) -> ParseError:
    with pytest.raises(ParseError) as info:
        parse(text)
    return info.value


def caret(err: ParseError) -> int:
    """The column of the first caret in ``err.context()``."""
    return err.context().split("\n")[1].index("^")


def check_error(text: str, position: int, message: str, hint: str = "") -> ParseError:
    err = error(text)
    assert err.position == position, (text, err.position, err.message)
    if len(text) <= 76:                            # no windowing: the caret is at the position
        assert caret(err) == position
    assert message in err.message, (text, err.message)
    assert hint in err.hint, (text, err.hint)
    return err


# ── precedence and associativity ─────────────────────────────────────────────
@pytest.mark.parametrize("text, expected", [
    ("-a*b", Neg(Mul((a, b)))),
    ("-x^2", Neg(Pow(x, n(2)))),
    ("-x**2", Neg(Pow(x, n(2)))),
    ("a*-b*c", Mul((a, Neg(b), c))),
    ("a*-b", Mul((a, Neg(b)))),
    ("2^-x*y", Mul((Pow(n(2), Neg(x)), y))),
    ("2^-x^2", Pow(n(2), Neg(Pow(x, n(2))))),
    ("2^3^2", Pow(n(2), Pow(n(3), n(2)))),
    ("x**y**z", Pow(x, Pow(y, Symbol("z")))),
    ("x^-2", Pow(x, n(-2))),
    ("x**-2", Pow(x, n(-2))),
    ("a^b*c", Mul((Pow(a, b), c))),
    ("a*b^c", Mul((a, Pow(b, c)))),
    ("a+b*c", Add((a, Mul((b, c))))),
    ("(a+b)*c", Mul((Add((a, b)), c))),
    ("-a+b", Add((Neg(a), b))),
    ("-a*b+c", Add((Neg(Mul((a, b))), c))),
    ("-(a+b)", Neg(Add((a, b)))),
    ("--x", Neg(Neg(x))),
    ("--a*b", Neg(Mul((Neg(a), b)))),
    ("a - -b*c", Add((a, Neg(Neg(Mul((b, c))))))),
    ("a/-b*c", Mul((Div(a, Neg(b)), c))),
    ("(-x)^2", Pow(Neg(x), n(2))),
    ("+x", x),
    ("x^+2", Pow(x, n(2))),
    ("x*+y", Mul((x, y))),
    ("+-a*b", Neg(Mul((a, b)))),
])
def test_precedence(text: str, expected: Expr) -> None:
    check(text, expected)


@pytest.mark.parametrize("text, expected", [
    ("a + b + c", Add((a, b, c))),
    ("a - b", Add((a, Neg(b)))),
    ("a - b + c", Add((a, Neg(b), c))),
    ("a - b*c", Add((a, Neg(Mul((b, c)))))),
    ("a - 2", Add((a, n(-2)))),
    ("2 - -3", Add((n(2), n(3)))),
    ("-a - b", Add((Neg(a), Neg(b)))),
    ("a + (b + c)", Add((a, Add((b, c))))),
    ("(a + b) + c", Add((Add((a, b)), c))),
    ("a*b*c", Mul((a, b, c))),
    ("a*(b*c)", Mul((a, Mul((b, c))))),
    ("(a*b)*c", Mul((Mul((a, b)), c))),
    ("a*b/c*d", Mul((Div(Mul((a, b)), c), d))),
    ("a/b/c", Div(Div(a, b), c)),
    ("a/b*c", Mul((Div(a, b), c))),
    ("a/(b*c)", Div(a, Mul((b, c)))),
    ("a*b/c", Div(Mul((a, b)), c)),
    ("a/b c", Mul((Div(a, b), c))),
    ("a*b/c*d/a", Div(Mul((Div(Mul((a, b)), c), d)), a)),
    ("a + b*c*d - a/b", Add((a, Mul((b, c, d)), Neg(Div(a, b))))),
])
def test_chains_flatten_only_when_unbroken(text: str, expected: Expr) -> None:
    check(text, expected)


# ── numbers ──────────────────────────────────────────────────────────────────
@pytest.mark.parametrize("text, value", [
    ("0", 0), ("42", 42), ("007", 7), ("0.1", Fraction(1, 10)), ("2.50", Fraction(5, 2)),
    (".5", Fraction(1, 2)), ("2.", 2), ("1e3", 1000), ("1E3", 1000), ("2.5E-2", Fraction(1, 40)),
    ("1e+2", 100), ("1e-1000", Fraction(1, 10 ** 1000)), ("1e1000", 10 ** 1000),
    ("-2", -2), ("-0.5", Fraction(-1, 2)), ("-(2)", -2),
    ("1/2", Fraction(1, 2)), ("(1/2)", Fraction(1, 2)), ("1/2/3", Fraction(1, 6)),
    ("-1/2", Fraction(-1, 2)), ("(-1)/2", Fraction(-1, 2)), ("0.5/0.25", 2), ("3/1", 3),
    ("1÷4", Fraction(1, 4)), ("1" * 1000, int("1" * 1000)),
])
def test_numbers_are_exact(text: str, value: int | Fraction) -> None:
    check(text, Num(Fraction(value)))


@pytest.mark.parametrize("text, expected", [
    ("2*3", Mul((n(2), n(3)))),
    ("2^3", Pow(n(2), n(3))),
    ("2+3", Add((n(2), n(3)))),
    ("1/2x", Mul((n(Fraction(1, 2)), x))),
    ("x/1/2", Div(Div(x, n(1)), n(2))),
    ("2*1/2", Div(Mul((n(2), n(1))), n(2))),
    ("x/0", Div(x, n(0))),
    ("1/(2-2)", Div(n(1), Add((n(2), n(-2))))),
    ("-2*x", Neg(Mul((n(2), x)))),
])
def test_only_quotients_of_numbers_fold(text: str, expected: Expr) -> None:
    check(text, expected)


def test_number_limits() -> None:
    check_error("1/0", 1, "division by zero")
    check_error("0/0", 1, "division by zero")
    check_error("x + 2/0.0", 5, "division by zero")
    check_error("1" * 1001, 0, "number too long")
    check_error("x+" + "1" * 1001 + ".5", 2, "number too long")
    check_error("1e1001", 0, "exponent too large")
    check_error("2.5e-1001", 0, "exponent too large")
    check_error("1e" + "9" * 5000, 0, "exponent too large")     # never converts the digits
    check("1e0001000", n(10 ** 1000))
    check_error("x²" + "²" * 1001, 1, "number too long")
    # folding cannot grow a number without bound
    check_error("1e1000/1e-1000/1e-1000", 14, "number too large")


@pytest.mark.parametrize("text, position, message, hint", [
    ("1.2.3", 3, "unexpected '.'", "at most one decimal point"),
    ("1..2", 2, "unexpected '.'", "at most one decimal point"),
    ("1_000", 1, "unexpected '_' after a number", "underscores"),
    ("x.y", 1, "unexpected character '.'", "attribute access"),
    ("x.5", 1, "unexpected '.'", "attribute access"),
    ("sin(x).real", 6, "unexpected character '.'", "attribute access"),
    (".", 0, "unexpected character '.'", "decimal point must be part of a number"),
    ("x + .", 4, "unexpected character '.'", "decimal point must be part of a number"),
])
def test_dots(text: str, position: int, message: str, hint: str) -> None:
    check_error(text, position, message, hint)


# ── names and constants ──────────────────────────────────────────────────────
@pytest.mark.parametrize("text, expected", [
    ("x", x), ("w1", Symbol("w1")), ("x_2", Symbol("x_2")), ("theta", Symbol("theta")),
    ("alpha", Symbol("alpha")), ("_t", Symbol("_t")), ("j", Symbol("j")), ("i", Symbol("i")),
    # issue 15: ex used to be one symbol; two letters written together multiply
    ("ex", Mul((E, x))), ("e2", Symbol("e2")), ("lam", Symbol("lam")),
    ("pi", PI), ("e", E), ("E", E), ("e^x", Pow(E, x)), ("e^-x", Pow(E, Neg(x))),
    ("m*g*h", Mul((Symbol("m"), Symbol("g"), Symbol("h")))),   # f, g, h without a call
    ("g^2", Pow(Symbol("g"), n(2))),
    ("f", Symbol("f")),
])
def test_names(text: str, expected: Expr) -> None:
    check(text, expected)


@pytest.mark.parametrize("text, position, message, hint", [
    ("lambda", 0, "'lambda' is a Python keyword", "write lam (or λ)"),
    ("import", 0, "'import' is a Python keyword", ""),
    ("x + for", 4, "'for' is a Python keyword", ""),
    ("None", 0, "'None' is a Python keyword", ""),
    ("x*__class__", 2, "'__class__' is reserved: names cannot start with '__'", ""),
    ("__import__(x)", 0, "reserved", ""),
    ("nan", 0, "'nan' is reserved", "not supported"),
    ("NaN", 0, "'NaN' is reserved", "not supported"),
    ("inf", 0, "'inf' is reserved", "not supported"),
    ("x*Infinity", 2, "'Infinity' is reserved", "not supported"),
    ("oo", 0, "'oo' is reserved", "not supported"),
    ("2I", 1, "'I' is reserved", "complex numbers are not supported"),
])
def test_reserved_names(text: str, position: int, message: str, hint: str) -> None:
    check_error(text, position, message, hint)


def test_reserved_name_position_and_length() -> None:
    err = check_error("2 + lambda", 4, "keyword", "lam")
    assert err.context().split("\n")[1] == "    ^^^^^^"


# ── calls ────────────────────────────────────────────────────────────────────
@pytest.mark.parametrize("text, expected", [
    ("sin(x)", sin(x)),
    ("sin (x)", sin(x)),
    ("ln(x)", Func("log", (x,))),
    ("log(x)", Func("log", (x,))),
    ("log(x, b)", Func("log", (x, b))),
    ("log(x,2)", Func("log", (x, n(2)))),
    ("arcsin(x)", Func("asin", (x,))),
    ("arctanh(x)", Func("atanh", (x,))),
    ("sgn(x)", Func("sign", (x,))),
    ("ReLU(x)", Func("relu", (x,))),
    ("atan2(y, x)", Func("atan2", (y, x))),
    ("sigmoid(w*x + b)", Func("sigmoid", (Add((Mul((Symbol("w"), x)), b)),))),
    ("sin(cos(x))", sin(cos(x))),
    ("sin((x))", sin(x)),
    ("sin(x)^2", Pow(sin(x), n(2))),
    ("f(x)", Func("f", (x,))),
    ("g(x^2)", Func("g", (Pow(x, n(2)),))),
    ("f'(x)", Func("f", (x,), 1)),
    ("f''(x)", Func("f", (x,), 2)),
    ("h'''(x)", Func("h", (x,), 3)),
    ("f(g(x))", Func("f", (Func("g", (x,)),))),
    ("f'(g(x))*g'(x)", Mul((Func("f", (Func("g", (x,)),), 1), Func("g", (x,), 1)))),
    ("sin^2(x)", Pow(sin(x), n(2))),
    ("sin**2(x)", Pow(sin(x), n(2))),
    ("sin²(x)", Pow(sin(x), n(2))),
    ("sin ^ 2 (x)", Pow(sin(x), n(2))),
    ("cos^3(2x)", Pow(cos(Mul((n(2), x))), n(3))),
    ("log^2(x, 2)", Pow(Func("log", (x, n(2))), n(2))),
    ("f^2(x)", Pow(Func("f", (x,)), n(2))),
    ("sin^2(x)^3", Pow(Pow(sin(x), n(2)), n(3))),
    ("x(x+1)", Mul((x, Add((x, n(1)))))),
    ("e(x)", Mul((E, x))),
    ("E(x)", Mul((E, x))),
    ("pi(x+1)", Mul((PI, Add((x, n(1)))))),
    ("sin(x)(y)", Mul((sin(x), y))),
])
def test_calls(text: str, expected: Expr) -> None:
    check(text, expected)


@pytest.mark.parametrize("text, position, message", [
    ("log(x, y, z)", 0, "log takes 1 or 2 arguments, got 3"),
    ("sin(x, y)", 0, "sin takes 1 argument, got 2"),
    ("atan2(x)", 0, "atan2 takes 2 arguments, got 1"),
    ("2*ln(a, b, c)", 2, "ln takes 1 or 2 arguments, got 3"),
    ("h''(x, y)", 0, "h takes 1 argument, got 2"),
])
def test_arity(text: str, position: int, message: str) -> None:
    err = check_error(text, position, message)
    assert err.context().split("\n")[1].count("^") == len(message.split()[0])


@pytest.mark.parametrize("text, position, message, hint", [
    ("sine(x)", 0, "unknown function 'sine'", "did you mean sin"),
    # issue 15: multiplication is suggested only for a name that could be a product
    ("sine(x)", 0, "unknown function 'sine'", "did you mean sin?"),
    ("Sin(x)", 0, "unknown function 'Sin'", "did you mean sin"),
    ("x + sqr(x)", 4, "unknown function 'sqr'", "did you mean sqrt"),
    ("theta(x+1)", 0, "unknown function 'theta'", "write theta*(…) to multiply"),
    ("x2 (x)", 0, "unknown function 'x2'", "write x2*(…) to multiply"),
    ("lam(x)", 0, "unknown function 'lam'", ""),
])
def test_unknown_function(text: str, position: int, message: str, hint: str) -> None:
    check_error(text, position, message, hint)


@pytest.mark.parametrize("text, position, message, hint", [
    # issue 15: sin x, 2 cos y, ln x, sin^2 x, sin^-1(x) and cosh⁻¹(t) used to be errors;
    # they are read now (tests/test_notation.py)
    ("sin", 3, "sin needs parentheses", "write sin(x)"),
    ("sin + x", 4, "sin needs parentheses", "write sin(x)"),
    ("sin^2", 5, "sin^2 needs parentheses", ""),
    ("sin^", 3, "sin needs parentheses", ""),
    ("f'", 2, "f' needs parentheses", "write f'(x)"),
    ("f'^2(x)", 2, "f' needs parentheses", ""),
    ("log^-1(x)", 3, "negative power", "write 1/log(x) for the reciprocal"),
    ("sin^-2(x)", 3, "negative power", "1/sin(x)^2"),
    ("sin^-1", 6, "asin needs parentheses", ""),
    ("f⁻¹(x)", 1, "negative power", "1/f(x)"),
    ("sin^x(y)", 4, "only a positive whole number", "sin(x)^x"),
    ("sin^2.5(x)", 4, "only a positive whole number", "sin(x)^2.5"),
    ("sin^0(x)", 4, "only a positive whole number", ""),
    ("sin^(2)(x)", 4, "only a positive whole number", "sin(x)^(…)"),
    ("sin⁰(x)", 3, "only a positive whole number", "sin(x)⁰"),
    ("sin'(x)", 3, "only the abstract functions f, g and h take primes", ""),
    ("x'", 1, "unexpected \"'\"", "f'(x)"),
    ("x'(y)", 1, "unexpected \"'\"", ""),
    ("θ'", 1, "unexpected \"'\"", ""),
    ("sin(x)'", 6, "unexpected \"'\"", ""),
    ("'x'", 0, "unexpected \"'\"", "quotes are not allowed"),
])
def test_call_errors(text: str, position: int, message: str, hint: str) -> None:
    check_error(text, position, message, hint)


def test_function_name_error_expects_parenthesis() -> None:
    assert error("sin").expected == ("'('",)
    assert error("sin + x").expected == ("'('",)


# ── implicit multiplication ──────────────────────────────────────────────────
@pytest.mark.parametrize("text, expected", [
    ("2x", Mul((n(2), x))),
    ("2 x", Mul((n(2), x))),
    ("2 sin(x)", Mul((n(2), sin(x)))),
    ("2sin(x)", Mul((n(2), sin(x)))),
    ("(x+1)(x-1)", Mul((Add((x, n(1))), Add((x, n(-1)))))),
    ("2(x+1)", Mul((n(2), Add((x, n(1)))))),
    ("x y", Mul((x, y))),
    ("2x y", Mul((n(2), x, y))),
    ("2x*y", Mul((n(2), x, y))),
    ("2x^2", Mul((n(2), Pow(x, n(2))))),
    ("sin(x)cos(x)", Mul((sin(x), cos(x)))),
    ("2pi", Mul((n(2), PI))),
    ("2π", Mul((n(2), PI))),
    ("2e3", n(2000)),
    ("2e", Mul((n(2), E))),
    ("2e^x", Mul((n(2), Pow(E, x)))),
    ("2ex", Mul((n(2), E, x))),   # issue 15: was 2·(the symbol ex)
    ("2e3x", Mul((n(2000), x))),
    ("2e-x", Add((Mul((n(2), E)), Neg(x)))),
    ("-2x", Neg(Mul((n(2), x)))),
    ("2^x y", Mul((Pow(n(2), x), y))),
    ("a*-b c", Mul((a, Neg(b), c))),
    ("x(y)z", Mul((x, y, Symbol("z")))),
    ("0.5x", Mul((n(Fraction(1, 2)), x))),
])
def test_implicit_multiplication(text: str, expected: Expr) -> None:
    check(text, expected)


@pytest.mark.parametrize("text, position, message, hint", [
    ("2 3", 2, "two numbers in a row", "write 2*3"),
    ("2x 3", 3, "missing operator before 3", "implicit multiplication puts the number first"),
    ("(x+1)2", 5, "missing operator before 2", ""),
    ("sin(x) 0.5", 7, "missing operator before 0.5", ""),
])
def test_a_number_never_follows_an_operand(text: str, position: int, message: str,
                                           hint: str) -> None:
    err = check_error(text, position, message, hint)
    assert err.expected == ("an operator",)


# ── Unicode ──────────────────────────────────────────────────────────────────
@pytest.mark.parametrize("text, expected", [
    ("x − y", Add((x, Neg(y)))),
    ("−x", Neg(x)),
    ("x·y", Mul((x, y))),
    ("x×y", Mul((x, y))),
    ("x⋅y", Mul((x, y))),
    ("x÷y", Div(x, y)),
    ("x²", Pow(x, n(2))),
    ("x³ + x⁰", Add((Pow(x, n(3)), Pow(x, n(0))))),
    ("x⁻¹", Pow(x, n(-1))),
    ("x²³", Pow(x, n(23))),
    ("x^2²", Pow(x, Pow(n(2), n(2)))),
    ("x²^3", Pow(Pow(x, n(2)), n(3))),
    ("-x²", Neg(Pow(x, n(2)))),
    ("2x²", Mul((n(2), Pow(x, n(2))))),
    ("(x+1)²", Pow(Add((x, n(1))), n(2))),
    ("sin(x)²", Pow(sin(x), n(2))),
    ("√x", sqrt(x)),
    ("√(x+1)", sqrt(Add((x, n(1))))),
    ("2√x", Mul((n(2), sqrt(x)))),
    ("√x*y", Mul((sqrt(x), y))),
    ("√x y", Mul((sqrt(x), y))),
    ("√x^2", sqrt(Pow(x, n(2)))),
    ("√x²", sqrt(Pow(x, n(2)))),
    ("√-x", sqrt(Neg(x))),
    ("-√x", Neg(sqrt(x))),
    ("√√x", sqrt(sqrt(x))),
    ("∛x", Func("cbrt", (x,))),
    ("x∛(x+1)", Mul((x, Func("cbrt", (Add((x, n(1))),))))),
    ("π", PI),
    ("π(x)", Mul((PI, x))),
    ("θ", Symbol("theta")),
    ("θ(x+1)", Mul((Symbol("theta"), Add((x, n(1)))))),
    ("2θ", Mul((n(2), Symbol("theta")))),
    ("sin²(θ)", Pow(sin(Symbol("theta")), n(2))),
    ("α+β+γ+δ+λ+μ+φ+ω+τ", Add(tuple(map(Symbol, ["alpha", "beta", "gamma", "delta", "lam",
                                                "mu", "phi", "omega", "tau"])))),
    ("x\ty\n+\r\n1", Add((Mul((x, y)), n(1)))),
])
def test_unicode(text: str, expected: Expr) -> None:
    check(text, expected)


@pytest.mark.parametrize("text, position, message, hint", [
    ("ѕin(x)", 0, "unexpected character 'ѕ' (CYRILLIC SMALL LETTER DZE)", "did you mean 's'?"),
    ("2а", 1, "(CYRILLIC SMALL LETTER A)", "did you mean 'a'?"),
    ("х+1", 0, "(CYRILLIC SMALL LETTER HA)", "did you mean 'x'?"),
    ("Α", 0, "(GREEK CAPITAL LETTER ALPHA)", "did you mean 'A'?"),
    ("𝐱^2", 0, "(MATHEMATICAL BOLD SMALL X)", "did you mean 'x'?"),
    ("ｘ", 0, "(FULLWIDTH LATIN SMALL LETTER X)", "did you mean 'x'?"),
    ("x + ２", 4, "(FULLWIDTH DIGIT TWO)", "did you mean '2'?"),
    ("½x", 0, "(VULGAR FRACTION ONE HALF)", "did you mean '1/2'?"),
    ("x – y", 2, "(EN DASH)", "did you mean '-'?"),
    ("x ∗ y", 2, "(ASTERISK OPERATOR)", "did you mean '*'?"),
    ("f′(x)", 1, "(PRIME)", "did you mean \"'\"?"),
    ("xé", 1, "(LATIN SMALL LETTER E WITH ACUTE)", "did you mean 'e'?"),
    ("x\u00a0y", 1, "(NO-BREAK SPACE)", "ordinary space"),
    ("x\u200by", 1, "(ZERO WIDTH SPACE)", "invisible"),
    ("\ufeffx", 0, "(ZERO WIDTH NO-BREAK SPACE)", "invisible"),
    ("ν", 0, "(GREEK SMALL LETTER NU)", "nu"),
    ("Δx", 0, "(GREEK CAPITAL LETTER DELTA)", "Delta"),
    ("x ∞", 2, "(INFINITY)", "infinity is not supported"),
    ("x⁺", 1, "(SUPERSCRIPT PLUS SIGN)", "did you mean '+'?"),
    ("x\x00", 1, "'\\x00' (U+0000)", ""),
    ("x\x0b", 1, "(U+000B)", ""),
    ("∫x", 0, "(INTEGRAL)", ""),
])
def test_other_unicode_is_rejected_by_name(text: str, position: int, message: str,
                                            hint: str) -> None:
    err = check_error(text, position, "unexpected character", hint)
    assert message in err.message


def test_superscript_errors() -> None:
    check_error("x⁻", 1, "superscript minus without digits")
    check_error("²", 0, "a superscript must follow what it raises")
    check_error("x+²", 2, "a superscript must follow what it raises")


@pytest.mark.parametrize("text, position, hint", [
    ("x$", 1, "$"), ("@x", 0, "matrix multiplication"), ('"x"', 0, "string quotes"),
    ("[x]", 0, "round parentheses"), ("{x}", 0, "round parentheses"), ("x;y", 1, "single"),
    ("x=1", 1, "not an equation"), ("x == 1", 2, "not an equation"), ("x!", 1, "factorial"),
    ("x%2", 1, "remainder"), ("|x|", 0, "abs(x)"), ("x<1", 1, "comparisons"),
    ("\\sqrt{x}", 0, "LaTeX"), ("x # note", 2, "comments"), ("x & y", 2, ""),
    ("x ? y", 2, ""), ("x`", 1, ""), ("a:b", 1, ""), ("~x", 0, ""),
])
def test_ascii_junk(text: str, position: int, hint: str) -> None:
    err = check_error(text, position, f"unexpected character '{text[position]}'", hint)
    assert "(" not in err.message                  # ASCII needs no Unicode name


# ── positioned syntax errors ─────────────────────────────────────────────────
_OPERAND = ("a number", "a name", "'('")


@pytest.mark.parametrize("text, position, message, hint, expected", [
    ("", 0, "empty expression", "", _OPERAND),
    ("   ", 0, "empty expression", "", _OPERAND),
    ("\n\t", 0, "empty expression", "", _OPERAND),
    ("x+", 2, "unexpected end of expression", "'+' needs an operand after it", _OPERAND),
    ("x + ", 4, "unexpected end of expression", "'+'", _OPERAND),
    ("x*", 2, "unexpected end of expression", "'*'", _OPERAND),
    ("-", 1, "unexpected end of expression", "'-'", _OPERAND),
    ("√", 1, "unexpected end of expression", "'√'", _OPERAND),
    ("x^", 2, "unexpected end of expression", "'^'", _OPERAND),
    ("x***2", 3, "unexpected '*'", "'**' needs an operand after it", _OPERAND),
    ("*x", 0, "unexpected '*'", "'*' needs an operand before it", _OPERAND),
    ("/x", 0, "unexpected '/'", "'/'", _OPERAND),
    ("x*/y", 2, "unexpected '/'", "'*'", _OPERAND),
    ("x^^2", 2, "unexpected '^'", "'^'", _OPERAND),
    ("(*x)", 1, "unexpected '*'", "'*' needs an operand before it", _OPERAND),
    ("(x+)", 3, "unexpected ')'", "'+' needs an operand after it", _OPERAND),
    ("()", 1, "empty parentheses", "", _OPERAND),
    ("x*()", 3, "empty parentheses", "", _OPERAND),
    ("sin()", 4, "missing argument: sin takes 1 argument", "write sin(x)", _OPERAND),
    ("log()", 4, "missing argument: log takes 1 or 2 arguments", "", _OPERAND),
    ("log(x,)", 6, "missing argument after ','", "remove the extra comma", _OPERAND),
    ("log(x,,2)", 6, "missing argument after ','", "", _OPERAND),
    ("log(,x)", 4, "missing argument before ','", "", _OPERAND),
    ("(x", 0, "'(' is never closed", "add the missing ')'", ("')'",)),
    ("sin(x", 3, "'(' is never closed", "", ("')'",)),
    ("((x)", 0, "'(' is never closed", "", ("')'",)),
    ("(x)+(y", 4, "'(' is never closed", "", ("')'",)),
    ("sin(cos(x)", 3, "'(' is never closed", "", ("')'",)),
    ("f((x+1)*(y", 8, "'(' is never closed", "", ("')'",)),     # the innermost one
    ("x)", 1, "unmatched ')'", "", ()),
    (")", 0, "unmatched ')'", "", ()),
    ("sin(x))", 6, "unmatched ')'", "", ()),
    ("(x))+1", 3, "unmatched ')'", "", ()),
    ("x,y", 1, "unexpected ','", "commas only separate the arguments", ()),
    ("(x, y)", 2, "unexpected ','", "log(x, 2)", ()),
    ("sin((x, y))", 6, "unexpected ','", "", ()),
])
def test_syntax_errors(text: str, position: int, message: str, hint: str,
                       expected: tuple[str, ...]) -> None:
    err = check_error(text, position, message, hint)
    assert err.expected == expected


def test_error_text_and_context() -> None:
    err = error("x + ")
    assert str(err) == ("unexpected end of expression (at column 5); expected a number, a name "
                        "or '('\nhint: '+' needs an operand after it")
    assert err.context() == "x + \n    ^"
    assert err.column == 5
    err = error("sin(x")
    assert err.context() == "sin(x\n   ^"
    assert isinstance(err, ValueError) and isinstance(err, chainrule.ChainruleError)


def test_first_mistake_wins() -> None:
    # a syntax error before a bad character is reported, and vice versa
    check_error("x + * $", 4, "unexpected '*'")
    check_error("x $ + *", 2, "unexpected character '$'")
    check_error("sin$", 3, "unexpected character '$'")


def test_long_input_errors_are_windowed() -> None:
    text = "x + " * 1000 + "* y"
    err = check_error(text, 4000, "unexpected '*'")
    shown, carets = err.context().split("\n")
    assert shown[carets.index("^")] == "*"


# ── limits: length, depth, speed ─────────────────────────────────────────────
def test_too_long() -> None:
    longest = "x+" * (MAX_LENGTH // 2 - 1) + "xx"
    assert len(longest) == MAX_LENGTH and isinstance(parse(longest), Add)
    text = "x" * (MAX_LENGTH + 1)
    err = error(text)
    assert err.message == f"expression too long ({MAX_LENGTH + 1} characters; the limit is 100000)"


def test_deep_nesting_parses_without_recursion() -> None:
    depth = 10_000
    result = parse("sin(" * depth + "x" + ")" * depth)
    for _ in range(depth):
        assert isinstance(result, Func) and result.name == "sin"
        result = result.args[0]
    assert result is x
    assert parse("(" * depth + "x" + ")" * depth) is x
    result = parse("-" * depth + "x")
    for _ in range(depth):
        assert isinstance(result, Neg)
        result = result.arg
    assert result is x
    assert parse("-" * depth + "2") is n(2)
    tower = parse("^".join(["x"] * 1000))
    for _ in range(999):
        assert isinstance(tower, Pow) and tower.base is x
        tower = tower.exp
    assert tower is x
    parse("(" * MAX_NESTING + "x" + ")" * MAX_NESTING)
    parse("-(" * (MAX_NESTING // 2) + "x" + ")" * (MAX_NESTING // 2))


@pytest.mark.parametrize("text, position", [
    ("(" * (MAX_NESTING + 1) + "x" + ")" * (MAX_NESTING + 1), MAX_NESTING),
    ("f(" * (MAX_NESTING + 1) + "x" + ")" * (MAX_NESTING + 1), 2 * MAX_NESTING + 1),
    ("-" * (MAX_NESTING + 1) + "x", MAX_NESTING),
    ("√" * (MAX_NESTING + 1) + "x", MAX_NESTING),
    ("^".join(["x"] * (MAX_NESTING + 2)), 2 * MAX_NESTING + 1),
    ("-(" * MAX_NESTING + "x" + ")" * MAX_NESTING + "+" + "(" * (MAX_NESTING + 1), None),
], ids=["parentheses", "calls", "minus", "roots", "powers", "recovers after closing"])
def test_too_deep(text: str, position: int | None) -> None:
    err = error(text)
    assert err.message == "nesting too deep: more than 20000 levels"
    if position is not None:
        assert err.position == position


def test_long_flat_chains() -> None:
    terms = 30_000
    assert len(parse("+".join(["x"] * terms)).terms) == terms                    # type: ignore[attr-defined]
    assert len(parse("*".join(["x"] * terms)).factors) == terms                  # type: ignore[attr-defined]
    quotient = parse("/".join(["x"] * terms))
    assert isinstance(quotient, Div) and quotient.den is x


def _ten_kilobytes() -> str:
    parts: list[str] = []
    i = 0
    while sum(len(p) + 3 for p in parts) < 10_000:
        parts.append(f"sigmoid(w{i}*x{i} + b{i})^2/(1 + exp(-{i}.5*y)) - 2sin(x{i})cos(x)")
        i += 1
    return " + ".join(parts)


def test_speed_is_linear() -> None:
    text = _ten_kilobytes()
    assert len(text) >= 10_000
    parse(text)
    start = time.perf_counter()
    parse(text)
    small = time.perf_counter() - start
    assert small < 0.25                            # a few milliseconds; generous for slow CI
    big = " + ".join([text] * 9)
    start = time.perf_counter()
    parse(big)
    assert time.perf_counter() - start < 0.25 + 30 * small    # no quadratic blow-up


# ── the module itself ────────────────────────────────────────────────────────
def test_public_api() -> None:
    assert chainrule.parse is parse
    assert chainrule.parse("x^2") is Pow(x, n(2))
    with pytest.raises(TypeError):
        parse(b"x")                                # type: ignore[arg-type]


def test_no_eval_and_no_sympy() -> None:
    package = pathlib.Path(chainrule.__file__).parent
    for module in ("parser.py", "_lexer.py"):
        tree = ast.parse((package / module).read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Name):
                assert node.id not in {"eval", "exec", "compile", "__import__"}, module
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                names = [node.module or ""] if isinstance(node, ast.ImportFrom) else \
                    [alias.name for alias in node.names]
                assert not any(name.split(".")[0] == "sympy" for name in names), module
    script = "import sys, chainrule.parser; print('sympy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         check=True, cwd=package.parent)
    assert out.stdout.strip() == "False"


# ── property: every input parses or raises ParseError, nothing else ──────────
def _parses_or_raises_parse_error(text: str) -> None:
    try:
        result = parse(text)
    except ParseError as err:
        assert 0 <= err.position <= len(text)
        assert err.message
        err.context()
    else:
        assert isinstance(result, Expr)


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_random_text(text: str) -> None:
    _parses_or_raises_parse_error(text)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="xy0123456789.+-*/^() ,sincoelgp²√−·", max_size=40))
def test_random_grammar_ish_text(text: str) -> None:
    _parses_or_raises_parse_error(text)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="xfgh'e2.5+-*/^()²⁻¹√∛πθ ,", max_size=30))
def test_random_text_with_primes_and_unicode(text: str) -> None:
    _parses_or_raises_parse_error(text)


# ── property: a fully parenthesised rendering of any tree parses back to it ──
_leaves = st.one_of(
    st.sampled_from([x, y, Symbol("w1"), Symbol("theta"), E, PI]),
    st.integers(-50, 50).map(n),
    st.fractions(min_value=-10, max_value=10, max_denominator=9).map(Num),
)


def _trees(children: st.SearchStrategy[Expr]) -> st.SearchStrategy[Expr]:
    return st.one_of(
        st.lists(children, min_size=2, max_size=4).map(lambda t: Add(tuple(t))),
        st.lists(children, min_size=2, max_size=4).map(lambda t: Mul(tuple(t))),
        children.map(Neg),
        st.tuples(children, children).filter(
            lambda p: not (isinstance(p[0], Num) and isinstance(p[1], Num))).map(
            lambda p: Div(*p)),
        st.tuples(children, children).map(lambda p: Pow(*p)),
        st.tuples(st.sampled_from(["sin", "exp", "sqrt", "sigmoid", "f"]), children).map(
            lambda p: Func(p[0], (p[1],))),
        st.tuples(children, children).map(lambda p: Func("log", p)),
        children.map(lambda u: Func("g", (u,), 2)),
    )


def _render(e: Expr) -> str:
    """Parentheses around every compound operand: the structure survives exactly."""
    def operand(child: Expr) -> str:
        if isinstance(child, (Symbol, Const)) or (isinstance(child, Num) and child.value >= 0
                                                  and child.value.denominator == 1):
            return _render(child)
        return f"({_render(child)})"

    if isinstance(e, Num):
        v = e.value
        return str(v.numerator) if v.denominator == 1 else f"{v.numerator}/{v.denominator}"
    if isinstance(e, (Symbol, Const)):
        return e.name
    if isinstance(e, Add):
        return " + ".join(operand(t) for t in e.terms)
    if isinstance(e, Mul):
        return "*".join(operand(f) for f in e.factors)
    if isinstance(e, Neg):
        return f"-{operand(e.arg)}"
    if isinstance(e, Div):
        return f"{operand(e.num)}/{operand(e.den)}"
    if isinstance(e, Pow):
        return f"{operand(e.base)}^{operand(e.exp)}"
    assert isinstance(e, Func)
    return f"{e.name}{chr(39) * e.order}({', '.join(_render(u) for u in e.args)})"


@settings(max_examples=300, deadline=None)
@given(st.recursive(_leaves, _trees, max_leaves=12))
def test_parenthesised_rendering_round_trips(tree: Expr) -> None:
    text = _render(tree)
    assert parse(text) is tree, (text, dump(parse(text)), dump(tree))
