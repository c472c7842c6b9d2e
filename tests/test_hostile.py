"""Hostile and malformed input: what a user gets for anything they may type or paste.

A catalogue, one row per input: either the error (its class, a fragment of its message and,
for a parse error, the 0-based position) or the correct answer. Every row runs through the
Python API; a representative subset also runs through the command line as a subprocess
(exit code 2, the message on stderr, never a traceback, finished well within a generous
wall-clock bound that the subprocess timeout enforces).

The property tests (random trees and random text) live in ``test_properties.py``; the fuzz
target in ``fuzz/``. Inputs the fuzzer found are at the end, as regressions.
"""

from __future__ import annotations

import math
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import chainrule
from chainrule.errors import (
    ChainruleError,
    ParseError,
    UndefinedError,
    UsageError,
    VerificationError,
)
from chainrule.evaluate import evaluate
from chainrule.expr import Func, Symbol
from chainrule.functions import FUNCTIONS
from chainrule.parser import MAX_LENGTH, MAX_NESTING, MAX_NUMBER_DIGITS, parse

ROOT = Path(__file__).resolve().parent.parent
HANG = 60  # seconds: an input that takes this long is treated as a hang, not a slow answer


class _Hang(BaseException):
    """Not an Exception, so no ``except Exception`` inside chainrule can swallow it."""


@contextmanager
def no_hang(seconds: float = HANG) -> Iterator[None]:
    """Turn a hang into a test failure (POSIX main thread; elsewhere, no guard)."""
    if (not hasattr(signal, "setitimer")
            or threading.current_thread() is not threading.main_thread()):
        yield
        return

    def alarm(*_: object) -> None:
        raise _Hang(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@dataclass(frozen=True)
class Refused:
    """The input is refused with ``error``, whose message contains ``says``; a ParseError
    also points at ``at`` (0-based) when given."""

    text: str
    error: type[ChainruleError]
    says: str
    at: int | None = None
    wrt: str | None = None


@dataclass(frozen=True)
class Answer:
    """The input is accepted and its derivative is ``result`` (Python syntax), proven."""

    text: str
    result: str
    wrt: str | None = None


def row(case: Refused | Answer, family: str, name: str) -> object:
    return pytest.param(case, id=f"{family}:{name}")


def _tower(n: int, base: str, top: str = "") -> str:
    return "^".join([base] * n) + top


CATALOGUE = [
    # ── attempts to run code: nothing is ever evaluated, names are checked ───────────
    row(Refused("__import__('os').system('ls')", ParseError, "'__import__' is reserved", 0),
        "code", "import"),
    row(Refused("__builtins__", ParseError, "names cannot start with '__'", 0), "code", "dunder"),
    row(Refused("x.__class__", ParseError, "unexpected character '.'", 1), "code", "dunder-attr"),
    row(Refused("().__class__.__bases__[0].__subclasses__()", ParseError, "empty parentheses", 1),
        "code", "subclasses"),
    row(Refused("open('/etc/passwd')", ParseError, "unknown function 'open'", 0), "code", "open"),
    row(Refused("eval('1+1')", ParseError, "unknown function 'eval'", 0), "code", "eval"),
    row(Refused("exec('import os')", ParseError, "unknown function 'exec'", 0), "code", "exec"),
    row(Refused("getattr(x, 'y')", ParseError, "unknown function 'getattr'", 0), "code", "getattr"),
    row(Refused("globals()", ParseError, "unknown function 'globals'", 0), "code", "globals"),
    row(Refused("lambda: 0", ParseError, "'lambda' is a Python keyword", 0), "code", "lambda"),
    row(Refused("lambda x: x", ParseError, "'lambda' is a Python keyword", 0), "code", "lambda-x"),
    row(Refused("import os", ParseError, "'import' is a Python keyword", 0), "code", "import-kw"),
    row(Refused("[x for x in range(9)]", ParseError, "unexpected character '['", 0),
        "code", "list-comprehension"),
    row(Refused("(x for x in y)", ParseError, "'for' is a Python keyword", 3), "code", "generator"),
    row(Refused("x if x else y", ParseError, "'if' is a Python keyword", 2), "code", "ternary"),
    row(Refused("x.y", ParseError, "unexpected character '.'", 1), "code", "attribute"),
    row(Refused("x.5", ParseError, "attribute access is not allowed", 1), "code", "attribute-num"),
    row(Refused("'abc'", ParseError, "unexpected \"'\"", 0), "code", "single-quotes"),
    row(Refused('"abc"', ParseError, "string quotes are not allowed", 0), "code", "double-quotes"),
    row(Refused("f'{x}'", ParseError, "unexpected character '{'", 2), "code", "f-string"),
    row(Refused("x; import os", ParseError, "enter a single expression", 1), "code", "semicolon"),
    row(Refused("x = 1", ParseError, "not an equation", 2), "code", "assignment"),
    row(Refused("a := 1", ParseError, "unexpected character ':'", 2), "code", "walrus"),
    row(Refused("x @ y", ParseError, "matrix multiplication is not supported", 2), "code",
        "matmul"),
    row(Refused("`ls`", ParseError, "unexpected character '`'", 0), "code", "backticks"),
    row(Refused("$(rm -rf /)", ParseError, "without $ delimiters", 0), "code", "shell"),
    row(Refused("None", ParseError, "'None' is a Python keyword", 0), "code", "None"),
    row(Refused("True*x", ParseError, "'True' is a Python keyword", 0), "code", "True"),

    # ── numbers and powers too large to fold: refused before anything computes them ──
    row(Refused("2**2**2**2**99", ParseError, "number too large", 7), "big", "tower-99"),
    row(Refused("9**9**9", ParseError, "about 369,693,100 digits", 1), "big", "9^9^9"),
    row(Refused("9**9**9*x", ParseError, "number too large", 1), "big", "9^9^9-times-x"),
    row(Refused("10**10**10", ParseError, "number too large", 2), "big", "googolplex-ish"),
    row(Refused("x^(2^2^2^2^2)", ParseError, "about 19,728 digits", 4), "big", "exponent"),
    row(Refused("x^" + _tower(1000, "2"), ParseError, "number too large", None), "big",
        "1000-deep-tower-of-2"),
    row(Refused("(1/2)^(10^6)", ParseError, "about 301,030 digits", 5), "big", "tiny"),
    row(Refused("sqrt(2)^(10^1000)", ParseError, "number too large", 7), "big", "irrational-base"),
    row(Refused("1" * 5000, ParseError, "number too long", 0), "big", "5000-digit-literal"),
    row(Refused("1e1001", ParseError, "exponent too large", 0), "big", "1e1001"),
    row(Refused("1e1000*" * 11 + "x", ParseError, f"more than {MAX_NUMBER_DIGITS:,} digits in all",
                70), "big", "digits-in-all"),
    row(Refused("1e1000/1e-1000/1e-1000", ParseError, "number too large", 14), "big",
        "folded-quotient"),
    row(Answer("1e400", "0"), "big", "1e400"),
    row(Answer("1e400*x", "1" + "0" * 400), "big", "1e400-times-x"),
    row(Answer("2^1024*x", "2**1024"), "big", "2^1024"),
    row(Answer("10^5000*x", "10**5000"), "big", "10^5000"),
    # kept exact, but too large to evaluate in floats and for SymPy to be asked: unproven
    row(Refused("x^(1e1000)", VerificationError, "could not be checked"), "big",
        "huge-exponent"),
    row(Answer("1e1000*1e1000*1e1000*1e1000*1e1000*x", "1" + "0" * 5000), "big",
        "5000-digit-product"),
    row(Answer("exp(1000)*x", "exp(1000)"), "big", "exp-1000"),

    # ── nesting: no recursion anywhere, and a limit with a position ─────────────────
    row(Refused("(" * 100_000, ParseError, f"more than {MAX_NESTING} levels", MAX_NESTING),
        "nesting", "1e5-open-parentheses"),
    row(Refused("(" * 100_000 + "x" + ")" * 100_000, ParseError, "expression too long",
                MAX_LENGTH), "nesting", "1e5-balanced-parentheses"),
    row(Refused("-" * 99_999 + "x", ParseError, "nesting too deep", MAX_NESTING),
        "nesting", "1e5-unary-minuses"),
    row(Refused("-" * 100_000 + "x", ParseError, "expression too long", MAX_LENGTH),
        "nesting", "1e5-unary-minuses-and-x"),
    row(Refused("(" * 20_001 + "x" + ")" * 20_001, ParseError, "nesting too deep", MAX_NESTING),
        "nesting", "20001-parentheses"),
    row(Refused("√" * 20_001 + "x", ParseError, "nesting too deep", MAX_NESTING),
        "nesting", "20001-roots"),
    row(Answer("-" * 10_001 + "x", "-1"), "nesting", "10001-unary-minuses"),
    row(Answer("(" * 10_000 + "x" + ")" * 10_000, "1"), "nesting", "10000-parentheses"),
    row(Answer("--x", "1"), "nesting", "double-minus"),

    # ── length ────────────────────────────────────────────────────────────────────
    row(Refused("x" * 1_000_000, ParseError, "expression too long (1000000 characters; the "
                f"limit is {MAX_LENGTH})", MAX_LENGTH), "length", "1MB"),
    row(Refused("x+" * 50_000 + "x", ParseError, "expression too long", MAX_LENGTH),
        "length", "100001-characters"),
    row(Refused("*".join(["x"] * 5000), UsageError, "too large to differentiate"),
        "length", "5000-factor-product"),
    row(Refused("*".join(["sin(x)"] * 2000), UsageError, "the product rule would write"),
        "length", "2000-factor-product"),

    # ── empty ─────────────────────────────────────────────────────────────────────
    row(Refused("", ParseError, "empty expression", 0), "empty", "empty"),
    row(Refused("   ", ParseError, "empty expression", 0), "empty", "spaces"),
    row(Refused("\t\n\r", ParseError, "empty expression", 0), "empty", "whitespace"),
    row(Refused("()", ParseError, "empty parentheses", 1), "empty", "parentheses"),

    # ── unbalanced parentheses ────────────────────────────────────────────────────
    row(Refused("(x", ParseError, "'(' is never closed", 0), "unbalanced", "open"),
    row(Refused("((x)", ParseError, "'(' is never closed", 0), "unbalanced", "open-outer"),
    row(Refused("sin(x", ParseError, "'(' is never closed", 3), "unbalanced", "call"),
    row(Refused("x)", ParseError, "unmatched ')'", 1), "unbalanced", "close"),
    row(Refused("f(x))", ParseError, "unmatched ')'", 4), "unbalanced", "extra-close"),
    row(Refused(")(", ParseError, "unmatched ')'", 0), "unbalanced", "reversed"),

    # ── dangling and doubled operators ────────────────────────────────────────────
    row(Refused("x+", ParseError, "unexpected end of expression", 2), "dangling", "plus"),
    row(Refused("x^", ParseError, "'^' needs an operand after it", 2), "dangling", "caret"),
    row(Refused("x**", ParseError, "'**' needs an operand after it", 3), "dangling", "power"),
    row(Refused("x***2", ParseError, "unexpected '*'", 3), "dangling", "triple-star"),
    row(Refused("*x", ParseError, "'*' needs an operand before it", 0), "dangling", "leading"),
    row(Refused("x//2", ParseError, "unexpected '/'", 2), "dangling", "floor-division"),
    row(Refused("2x+*3", ParseError, "'+' needs an operand after it", 3), "dangling", "plus-star"),
    row(Refused("x,", ParseError, "unexpected ','", 1), "dangling", "comma"),
    row(Refused("sin()", ParseError, "missing argument: sin takes 1 argument", 4),
        "dangling", "no-argument"),
    row(Refused("log(x,)", ParseError, "missing argument after ','", 6), "dangling", "comma-arg"),
    row(Refused("1.2.3", ParseError, "at most one decimal point", 3), "dangling", "two-points"),
    row(Refused("1_000", ParseError, "underscores in numbers are not supported", 1),
        "dangling", "underscore"),
    row(Refused("0x1F", ParseError, "hexadecimal numbers are not supported", 0),
        "dangling", "hexadecimal"),
    row(Refused("x!", ParseError, "factorials are not supported", 1), "dangling", "factorial"),
    row(Refused("|x|", ParseError, "write abs(x)", 0), "dangling", "bars"),
    row(Refused(r"\sqrt{x}", ParseError, "LaTeX is not supported", 0), "dangling", "latex"),

    # ── unknown functions, with suggestions ───────────────────────────────────────
    row(Refused("sinn(x)", ParseError, "did you mean sin", 0), "unknown", "sinn"),
    row(Refused("sine(x)", ParseError, "did you mean sin", 0), "unknown", "sine"),
    row(Refused("Sin(x)", ParseError, "did you mean sin", 0), "unknown", "capital"),
    row(Refused("sigmiod(x)", ParseError, "did you mean sigmoid", 0), "unknown", "sigmiod"),
    row(Refused("foo(x)", ParseError, "unknown function 'foo'", 0), "unknown", "foo"),
    # issue 15: sin x is read as sin(x) now, with a "read as" line (tests/test_notation.py)
    row(Answer("sin x", "cos(x)"), "unknown", "no-parentheses"),

    # ── look-alike and invisible characters, named in the message ─────────────────
    row(Refused("ѕin(x)", ParseError, "CYRILLIC SMALL LETTER DZE", 0), "unicode", "cyrillic-s"),
    row(Refused("sin(х)", ParseError, "CYRILLIC SMALL LETTER HA", 4), "unicode", "cyrillic-x"),
    row(Refused("𝐱^2", ParseError, "MATHEMATICAL BOLD SMALL X", 0), "unicode", "bold-x"),
    row(Refused("ｘ^2", ParseError, "FULLWIDTH LATIN SMALL LETTER X", 0), "unicode", "fullwidth-x"),
    row(Refused("x\u200b+1", ParseError, "ZERO WIDTH SPACE", 1), "unicode", "zero-width-space"),
    row(Refused("x\u00a0+1", ParseError, "NO-BREAK SPACE", 1), "unicode", "no-break-space"),
    row(Refused("x\u3000+1", ParseError, "IDEOGRAPHIC SPACE", 1), "unicode", "ideographic-space"),
    row(Refused("x\u202e+1", ParseError, "RIGHT-TO-LEFT OVERRIDE", 1), "unicode", "rtl-override"),
    row(Refused("x\x1b[31m", ParseError, "U+001B", 1), "unicode", "ansi-escape"),
    row(Refused("x\x00", ParseError, "U+0000", 1), "unicode", "nul"),
    row(Refused("x ‐ 1", ParseError, "did you mean '-'", 2), "unicode", "hyphen"),
    row(Refused("x－1", ParseError, "FULLWIDTH HYPHEN-MINUS", 1), "unicode", "fullwidth-minus"),
    row(Refused("x+\udcff", ParseError, "U+DCFF", 2), "unicode", "lone-surrogate"),
    row(Answer("x·2 − 1", "2"), "unicode", "documented-operators"),
    row(Answer("θ^2", "2*theta"), "unicode", "greek"),

    # ── reserved and odd names ────────────────────────────────────────────────────
    row(Refused("nan", ParseError, "'nan' is reserved", 0), "names", "nan"),
    row(Refused("oo*x", ParseError, "'oo' is reserved", 0), "names", "oo"),
    row(Refused("inf", ParseError, "'inf' is reserved", 0), "names", "inf"),
    row(Refused("x + infinity", ParseError, "'infinity' is reserved", 4), "names", "infinity"),
    row(Refused("I*x", ParseError, "'I' is reserved for the imaginary unit", 0), "names", "I"),
    row(Refused("print(x)", ParseError, "unknown function 'print'", 0), "names", "print-call"),
    row(Refused("sum(x)", ParseError, "unknown function 'sum'", 0), "names", "sum-call"),
    # issue 15: x is the conventional variable (Heaviside is a constant here), and says so
    row(Answer("Heaviside*x", "Heaviside"), "names", "two-symbols"),
    row(Answer("E", "0"), "names", "E"),
    row(Answer("E^x", "e**x"), "names", "E-power"),
    row(Answer("print", "1"), "names", "print"),
    row(Answer("sum", "1"), "names", "sum"),
    row(Answer("zoo", "1"), "names", "zoo"),
    row(Answer("math", "1"), "names", "math"),
    row(Answer("Heaviside*x", "x", wrt="Heaviside"), "names", "sympy-name-wrt"),

    # ── constants with no real value: refused where they are written ───────────────
    row(Refused("1/0", ParseError, "division by zero", 1), "undefined", "1/0"),
    row(Refused("log(0)", ParseError, "log(0) is undefined", 0), "undefined", "log(0)"),
    row(Refused("0**0", ParseError, "0^0 is undefined", 1), "undefined", "0**0"),
    row(Refused("x + 0^0", ParseError, "0^0 is undefined", 5), "undefined", "x+0^0"),
    row(Refused("0^-1", ParseError, "0 to a negative power", 1), "undefined", "0^-1"),
    row(Refused("(1-1)^-1", ParseError, "0 to a negative power", 5), "undefined", "(1-1)^-1"),
    row(Refused("sqrt(-1)", ParseError, "sqrt(-1) is undefined", 0), "undefined", "sqrt(-1)"),
    row(Refused("x + √-4", ParseError, "is undefined", 4), "undefined", "root-sign"),
    row(Refused("log(-1)*x", ParseError, "log(-1) is undefined", 0), "undefined", "log(-1)"),
    row(Refused("asin(2) + x", ParseError, "asin(2) is undefined", 0), "undefined", "asin(2)"),
    row(Refused("x*cot(0)", ParseError, "cot(0) is undefined", 2), "undefined", "cot(0)"),
    row(Refused("(-8)^(1/3)*x", ParseError, "not a real number", 4), "undefined",
        "root-of-negative"),
    row(Refused("log(x, 1)", ParseError, "undefined for every value of x", 0), "undefined",
        "log-base-1"),
    row(Refused("log(x, 0)", ParseError, "undefined for every value of x", 0), "undefined",
        "log-base-0"),
    row(Refused("log(-2, x)", ParseError, "undefined for every value of x", 0), "undefined",
        "log-of-negative-base-x"),
    row(Refused("x/0", UndefinedError, "undefined for every value"), "undefined", "x/0"),
    row(Refused("x + log(pi - pi)", UndefinedError, "undefined for every value"), "undefined",
        "log(pi-pi)"),
    row(Answer("acot(0)*x", "acot(0)"), "undefined", "acot(0)-is-defined"),
    row(Answer("sqrt(2 - sqrt(2)^2) + x", "1"), "undefined", "rounding-never-refuses"),
    row(Answer("log(1e-400)*x", "log(1/1" + "0" * 400 + ")"), "undefined", "tiny-but-positive"),

    # ── no real value for any x: refused as ln(−2) is, never "proven" ─────────────────
    row(Refused("(-2)^x", UndefinedError, "undefined for every value of x but whole numbers"),
        "nowhere", "negative-base"),
    row(Refused("sqrt(-x^2-1)", UndefinedError, "undefined for every value of x"), "nowhere",
        "sqrt"),
    row(Refused("asin(x^2+2)", UndefinedError, "undefined for every value of x"), "nowhere",
        "asin"),
    row(Refused("atanh(x^2+1)", UndefinedError, "undefined for every value of x"), "nowhere",
        "atanh"),
    row(Refused("log(-exp(x))", UndefinedError, "undefined for every value of x"), "nowhere",
        "log-of-negative"),
    row(Refused("acosh(sin(x) - 3)", UndefinedError, "undefined for every value of x"),
        "nowhere", "acosh-below-1"),
    row(Answer("sqrt(1e-9 - x^2)", "-x/sqrt(1/1000000000 - x**2)"), "nowhere", "tiny-domain"),
    row(Answer("acosh(x/200)", "1/(200*sqrt((x/200)**2 - 1))"), "nowhere", "far-domain"),

    # ── every scale: large constants, high frequencies, cancellation ──────────────────
    row(Answer("t + 1.496e11", "1"), "scale", "astronomical-unit"),
    row(Answer("x + 6.022e23", "1"), "scale", "avogadro"),
    row(Answer("sin(x) + 10^17", "cos(x)"), "scale", "huge-constant"),
    row(Answer("cos(x+10^16)", "-sin(x + 10000000000000000)"), "scale", "huge-shift"),
    row(Answer("(x+10^12)^2", "2*(x + 1000000000000)"), "scale", "huge-square"),
    row(Answer("sin(2*pi*2000*t)", "4000*pi*cos(4000*pi*t)"), "scale", "2kHz-tone"),
    row(Answer("sin(10^6*x)", "1000000*cos(1000000*x)"), "scale", "megahertz"),

    # ── the variable ──────────────────────────────────────────────────────────────
    row(Refused("x^2", UsageError, "must be a symbol name", wrt="x.y"), "wrt", "attribute"),
    row(Refused("x^2", UsageError, "must be a symbol name", wrt="1"), "wrt", "number"),
    row(Refused("x^2", UsageError, "must be a symbol name", wrt=""), "wrt", "empty"),
    row(Refused("x^2", UsageError, "must be a symbol name", wrt="-x"), "wrt", "minus"),
    row(Refused("x^2", UsageError, "it is a function", wrt="sin"), "wrt", "function"),
    row(Refused("x^2", UsageError, "it is a constant", wrt="pi"), "wrt", "constant"),
    row(Refused("x^2", UsageError, "Python keyword", wrt="lambda"), "wrt", "keyword"),
    row(Refused("x^2", UsageError, "names cannot start with '__'", wrt="__import__"), "wrt",
        "dunder"),
    row(Refused("x^2", UsageError, "reserved for the imaginary unit", wrt="I"), "wrt", "I"),
    row(Answer("x^2", "0", wrt="y"), "wrt", "absent-symbol"),
]


def _diff(case: Refused | Answer) -> chainrule.Derivation:
    with no_hang():
        return chainrule.diff(case.text, case.wrt)


@pytest.mark.parametrize("case", CATALOGUE)
def test_catalogue(case: Refused | Answer) -> None:
    if isinstance(case, Answer):
        d = _diff(case)
        assert str(d.result) == case.result
        assert d.verification.status in ("symbolic", "numeric")
        return
    with pytest.raises(ChainruleError) as caught:
        _diff(case)
    err = caught.value
    assert type(err) is case.error, f"{type(err).__name__}: {err}"
    assert case.says in str(err)
    if isinstance(err, ParseError):
        if case.at is not None:
            assert err.position == case.at, err.context()
        caret = err.context().splitlines()[1]
        assert caret.strip().startswith("^")
        assert all(c.isprintable() for c in err.context().replace("\n", ""))


def test_every_family_is_in_the_catalogue() -> None:
    families = {p.id.split(":")[0] for p in CATALOGUE}  # type: ignore[attr-defined]
    assert {"code", "big", "nesting", "length", "empty", "unbalanced", "dangling", "unknown",
            "unicode", "names", "undefined", "nowhere", "scale", "wrt"} <= families
    assert len(CATALOGUE) >= 150


# ── the same refusals through grad and check ─────────────────────────────────────
@pytest.mark.parametrize("text, says", [
    ("9**9**9*x", "number too large"),
    ("log(0)*x", "log(0) is undefined"),
    ("__import__('os')", "reserved"),
    ("x" * 1_000_000, "expression too long"),
])
def test_grad_and_check_refuse_the_same_input(text: str, says: str) -> None:
    with no_hang():
        with pytest.raises(ParseError, match=says.replace("(", r"\(").replace(")", r"\)")):
            chainrule.grad(text)
        with pytest.raises(ParseError, match="in the expression"):
            chainrule.check(text, "1")
        with pytest.raises(ParseError, match="in the answer"):
            chainrule.check("x**2", text)


# ── strict parsing only refuses, and refuses exactly the constants with no value ──
_TOKENS = ["x", "y", "0", "1", "2", "-1", "1/2", "1e400", "9", "(", ")", "+", "-", "*", "/",
           "^", "**", ",", "pi", "e", "sin", "log", "sqrt", "asin", "acot", "cot", "exp",
           "atan2", "abs", "√", "²", "0^0", "log(0)"]


@given(st.lists(st.sampled_from(_TOKENS), max_size=25).map("".join))
def test_strict_parsing_only_refuses(text: str) -> None:
    """``parse(text, strict=True)`` gives the very tree ``parse(text)`` gives, or refuses."""
    try:
        lenient = parse(text)
    except ParseError:
        with pytest.raises(ParseError):
            parse(text, strict=True)
        return
    try:
        strict = parse(text, strict=True)
    except ParseError as err:
        assert err.message and 0 <= err.position <= len(text)
        return
    assert strict is lenient


_ARGS = ["-3", "-2", "-1", "(-1/2)", "0", "(1/2)", "1", "2", "3"]
# Where SymPy's value and ours differ on purpose: chainrule works with real numbers, so a
# real logarithm needs a positive argument and a positive base other than 1 (SymPy's complex
# logarithms cancel in log(-3, -3) = 1), and cbrt is the real cube root.
_BY_DESIGN = {"log", "cbrt"}
_KNOWN = {"atan2(0, 0)"}  # SymPy: nan; math.atan2 and so chainrule: 0


@pytest.mark.parametrize("name", sorted(n for n, e in FUNCTIONS.items() if not e.abstract))
def test_a_constant_call_is_refused_exactly_when_it_has_no_real_value(name: str) -> None:
    import itertools

    import sympy
    entry = FUNCTIONS[name]
    for arity in entry.arities:
        for args in itertools.product(_ARGS, repeat=arity):
            text = f"{name}({', '.join(args)})"
            try:
                parse(text, strict=True)
                refused = False
            except ParseError as err:
                refused = True
                assert "undefined" in err.message and err.position == 0
            value = entry.sympy(sympy, *[sympy.Rational(a.strip("()")) for a in args])
            try:
                z = complex(value.evalf(30))
                real = math.isfinite(z.real) and math.isfinite(z.imag) and abs(z.imag) < 1e-20
            except (TypeError, ValueError):
                real = False
            if refused == real and name not in _BY_DESIGN and text not in _KNOWN:
                pytest.fail(f"{text}: {'refused' if refused else 'accepted'}, SymPy says {value}")
            if name == "log" and refused:  # real semantics: refused only without a real value
                u = float(sympy.Rational(args[0].strip("()")))
                b = float(sympy.Rational(args[1].strip("()"))) if arity == 2 else math.e
                assert u <= 0 or b <= 0 or b == 1, text


# ── derivatives at points where they do not exist ────────────────────────────────
@pytest.mark.parametrize("text, says", [
    ("abs(x)", "not differentiable"),
    ("relu(x)", "not differentiable"),
    ("x**x", "no real value"),
    ("sqrt(x)", "not differentiable"),
    ("sign(x)", "not differentiable"),
    ("log(x)", "no real value"),
])
def test_no_derivative_at_a_point_is_said_never_zero(text: str, says: str) -> None:
    d = chainrule.diff(text)
    slope = d.at(x=0)
    assert slope.slope is None
    assert says in slope.reason


@pytest.mark.parametrize("text", ["abs(x)", "relu(x)", "x**x", "sqrt(x)", "cbrt(x)", "1/x"])
def test_the_derivative_does_not_evaluate_where_it_does_not_exist(text: str) -> None:
    d = chainrule.diff(text)
    with pytest.raises(UndefinedError) as caught:
        evaluate(d.result, {"x": 0}, strict=True)
    assert str(caught.value)
    assert evaluate(d.result, {"x": 0.5}, strict=True) == pytest.approx(
        _central(lambda v: evaluate(d.expr, {"x": v}), 0.5), rel=1e-6)


def _central(f: object, x0: float, h: float = 1e-5) -> float:
    return (f(x0 + h) - f(x0 - h)) / (2 * h)  # type: ignore[operator]


def test_evaluation_never_overflows_to_inf() -> None:
    d = chainrule.diff("exp(x)^2")
    with pytest.raises(UndefinedError):
        evaluate(d.result, {"x": 1000.0})
    with pytest.raises(UndefinedError):
        evaluate(parse("1e400*x"), {"x": 1.0})
    assert math.isfinite(evaluate(d.result, {"x": 10.0}))


# ── bounded work ─────────────────────────────────────────────────────────────────
def test_an_overrunning_sympy_thread_is_stopped() -> None:
    from chainrule.sympy_bridge import run_with_budget

    def spin() -> None:
        while True:
            pass

    started = time.monotonic()
    done, value = run_with_budget(spin, 0.2)
    assert (done, value) == (False, None)
    assert time.monotonic() - started < 5
    deadline = time.monotonic() + 5
    while any(t.name == "chainrule-sympy" for t in threading.enumerate()):
        assert time.monotonic() < deadline, "the abandoned SymPy thread is still running"
        time.sleep(0.02)


def _endless(*_: object, **__: object) -> None:
    while True:
        pass


def test_full_simplification_gives_up_within_its_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    import sympy

    from chainrule.simplify import light, simplify
    monkeypatch.setattr(sympy, "simplify", _endless)  # a simplification that never ends
    e = parse("sin(x)^2 + cos(x)^2 + 2*x*x")
    started = time.monotonic()
    with no_hang():
        out = simplify(e, "full", budget=0.3)
    assert time.monotonic() - started < 10
    assert out is light(e)  # gave up: the light form, never a half-done one


def test_verification_reports_numeric_when_the_proof_runs_out_of_time(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """sec² x and 1 + tan² x need simplify to be proven equal; when it does not finish, the
    status says numeric (checked at points), never symbolic."""
    import sympy

    from chainrule.verify import verify_derivative
    monkeypatch.setattr(sympy, "simplify", _endless)
    with no_hang():
        v = verify_derivative(parse("tan(x)"), "x", parse("sec(x)**2"), budget=0.3)
    assert v.status == "numeric"
    assert v.points >= 5 and "numeric evidence only" in v.method


def test_a_finite_difference_never_calls_a_right_answer_wrong() -> None:
    """Deep input is checked against finite differences; a rapidly oscillating part once
    made the fixed step disagree with a right answer ("the derivative is wrong")."""
    from chainrule.expr import Add, Mul, Num
    from chainrule.verify import verify_derivative
    x = Symbol("x")
    deep = x
    for _ in range(200):  # deeper than SymPy is asked to go
        deep = Func("sin", (deep,))
    fast = Func("sin", (Mul((Num(3000), x)),))
    e = Add((deep, fast))
    right = chainrule.diff(e, "x", verify="off").result
    v = verify_derivative(e, "x", right)
    assert v.status == "numeric" and v.reference == "finite-difference"
    wrong = chainrule.diff(Add((deep, Func("cos", (Mul((Num(3000), x)),)))), "x",
                           verify="off").result
    with pytest.raises(VerificationError, match="is wrong"):
        verify_derivative(e, "x", wrong)


def test_checking_every_step_has_a_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    from chainrule import derivation
    monkeypatch.setattr(derivation, "STEPS_BUDGET", 0.0)
    with pytest.raises(VerificationError, match="could not check every step"):
        chainrule.diff("sin(cos(x**2))", verify="steps")


# ── the command line: exit 2, the message on stderr, no traceback ────────────────
def _cli(*args: str, timeout: float = HANG) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "80", "PYTHONIOENCODING": "utf-8"}
    return subprocess.run([sys.executable, "-m", "chainrule", *args], capture_output=True,
                          text=True, encoding="utf-8", errors="replace", env=env, cwd=ROOT,
                          timeout=timeout)


CLI_REFUSED = [
    (["diff", "__import__('os').system('echo pwned')"], "'__import__' is reserved"),
    (["diff", "9**9**9"], "number too large"),
    (["diff", "2**2**2**2**99"], "number too large"),
    (["diff", "1" * 5000], "number too long"),
    (["diff", "(" * 100_000], "nesting too deep"),
    (["diff", "x" * 120_000], "expression too long"),
    (["diff", "   "], "empty expression"),
    (["diff", "x***2"], "unexpected '*'"),
    (["diff", "sinn(x)"], "did you mean sin"),
    (["diff", "𝐱^2"], "MATHEMATICAL BOLD SMALL X"),
    (["diff", "x\x1b[2J"], "U+001B"),
    (["diff", "log(0)"], "log(0) is undefined"),
    (["diff", "x/0"], "undefined for every value"),
    (["diff", "*".join(["x"] * 5000)], "too large to differentiate"),
    (["diff", "sin(" * 1000 + "x" + ")" * 1000, "--format", "json"], "too deep for JSON"),
    (["diff", "x^2", "--wrt", "x.y"], "must be a symbol name"),
    (["diff", "x^2", "--wrt", "lambda"], "Python keyword"),
    (["check", "x^2", "9**9**9*x"], "in the answer: number too large"),
    (["grad", "log(-1)*x*y"], "log(-1) is undefined"),
]


@pytest.mark.parametrize("args, says", CLI_REFUSED, ids=lambda a: str(a)[:40])
def test_cli_refuses_with_exit_2_and_no_traceback(args: list[str], says: str) -> None:
    proc = _cli(*args)
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr + proc.stdout
    if "json" in args:  # under --format json the refusal is a JSON document on stdout
        import json
        error = json.loads(proc.stdout)["error"]
        assert says in error["message"] and error["exit_status"] == 2
        assert proc.stderr == ""
        return
    assert says in proc.stderr
    assert proc.stderr.startswith("error:")
    assert proc.stdout == ""
    assert "\x1b" not in proc.stderr  # an escape sequence in the input is not echoed raw


def test_cli_invalid_utf8_argument_is_refused_cleanly() -> None:
    env = {**os.environ, "NO_COLOR": "1"}
    proc = subprocess.run([sys.executable.encode(), b"-m", b"chainrule", b"diff", b"x+\xff"],
                          capture_output=True, env=env, cwd=ROOT, timeout=HANG)
    assert proc.returncode == 2
    assert b"Traceback" not in proc.stderr and b"unexpected character" in proc.stderr


@pytest.mark.parametrize("args, result", [
    (["diff", "-x^2"], "−2x"),
    (["diff", "--", "-x^2"], "−2x"),
    (["diff", "--expr", "-x^2"], "−2x"),
    (["diff", "-sin(x)"], "−cos(x)"),
])
def test_cli_expression_starting_with_minus(args: list[str], result: str) -> None:
    proc = _cli(args[0], "--format", "plain", *args[1:])
    assert proc.returncode == 0, proc.stderr
    assert result in proc.stdout


def test_cli_an_unknown_option_is_not_taken_for_an_expression() -> None:
    proc = _cli("diff", "--wrong-option")
    assert proc.returncode == 2
    assert "no such option" in proc.stderr and "Traceback" not in proc.stderr


# ── regressions found by fuzzing (fuzz/fuzz_diff.py) ─────────────────────────────
def test_fuzz_abstract_derivative_of_another_symbol_is_not_called_wrong() -> None:
    """f'(K)/(x − 2): SymPy's side kept f′ of the stand-in as an unevaluated Derivative and
    evaluated it by numerical differentiation, which disagreed with the exact answer in the
    7th digit; verification called the right derivative wrong."""
    for verify in ("final", "steps"):
        d = chainrule.diff("f'(KK3nal1)/(x - 2)", "x", verify=verify)
        assert str(d.result) == "-f'(KK3nal1)/(x - 2)**2"
        assert d.verification.status == "symbolic"


@pytest.mark.parametrize("text", ["relu(x)", "− +x^heaviside(1− x^(1/3)/3)"])
def test_fuzz_full_simplification_of_a_step_function(text: str) -> None:
    """SymPy writes the step function as Heaviside(u, 1/2), with two arguments; turning it
    back into ours raised a ValueError ("heaviside takes 1 argument") out of --simplify full."""
    d = chainrule.diff(text, simplify="full")
    assert "heaviside" in str(d.result)
    assert d.verification.status in ("symbolic", "numeric")
    proc = _cli("diff", "--simplify", "full", "--format", "plain", text)
    assert proc.returncode == 0 and "Traceback" not in proc.stderr


def test_fuzz_checking_every_step_gives_sympy_a_short_budget_per_step(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """'(1x^2^W(1x^2^2 + + 1θ)**x - 02 + + 1θ)**x - 0' with --order 2 --verify steps took
    33 s: each of its large steps spent SymPy's full 5 s failing to simplify a difference.
    Each step now gets STEP_BUDGET of SymPy, and is checked at points after that."""
    from chainrule import derivation
    budgets: list[float] = []
    real = derivation.verify_derivative

    def recording(*args: object, budget: float = 5.0, **kwargs: object) -> object:
        if str(kwargs.get("what", "")).startswith("the "):
            budgets.append(budget)
        return real(*args, budget=budget, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(derivation, "verify_derivative", recording)
    with no_hang():
        d = chainrule.diff("(1x^2^W(1x^2^2 + + 1θ)**x - 02 + + 1θ)**x - 0", "x", order=2,
                           simplify="none", verify="steps")
    assert d.verification.status in ("symbolic", "numeric")
    assert budgets and all(b == derivation.STEP_BUDGET <= 1.0 for b in budgets)


@pytest.mark.parametrize("text, form", [("1/(x - x)", "an infinite value"),
                                        ("0/(x - x)", "an indeterminate form")])
def test_nowhere_defined_is_said_in_words_not_sympy_s(text: str, form: str) -> None:
    with pytest.raises(chainrule.UndefinedError) as err:
        chainrule.diff(text)
    assert form in str(err.value) and "zoo" not in str(err.value) and "nan" not in str(err.value)
