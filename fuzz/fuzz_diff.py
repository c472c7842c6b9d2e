"""Fuzz target: arbitrary bytes through the parser and the whole ``diff`` pipeline.

The contract it enforces, for any input whatsoever:

- text either parses or raises :class:`chainrule.ParseError` (never another exception);
- ``chainrule.diff`` either returns a derivation or raises a :class:`chainrule.ChainruleError`
  with a message — and never reports a derivative as *wrong* (a ``VerificationError`` that
  says "is wrong" means the engine or the checker has a bug);
- what a derivation returns prints (Python, Unicode, LaTeX, plain steps, JSON) and evaluates
  without any other exception;
- nothing hangs: libFuzzer's ``-timeout`` turns an input that runs too long into a crash.

With atheris (``pip install atheris``), coverage-guided::

    python fuzz/fuzz_diff.py -dict=fuzz/diff.dict -max_len=256 -timeout=120 \\
        -rss_limit_mb=4096 -max_total_time=600 /tmp/chainrule-corpus fuzz/seeds

Without it, hypothesis drives random bytes and token soup instead::

    python fuzz/fuzz_diff.py --hypothesis --seconds 600

The first byte of each input picks the options (verification, simplification, order,
variable); the rest is the expression, decoded as UTF-8 with surrogate escapes so that any
byte string is some text. See fuzz/README.md.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

# Seconds: an input slower than this is reported. The documented budgets (robustness.md)
# allow one derivative about 20 s of verification, and --verify steps 60 s more.
SLOW = 90.0


def _modules() -> Any:
    import importlib

    import chainrule
    # Imported here (inside atheris's instrumentation when fuzzing) rather than lazily later.
    for name in ("api", "differentiate", "simplify", "verify", "sympy_bridge", "printing",
                 "steps", "render.plain", "render.json", "render.latex"):
        importlib.import_module(f"chainrule.{name}")
    from chainrule import cli
    from chainrule.errors import ChainruleError, ParseError, VerificationError
    from chainrule.evaluate import evaluate
    from chainrule.parser import parse
    return chainrule, cli, ChainruleError, ParseError, VerificationError, evaluate, parse


def _has_long_number(tree: Any) -> bool:
    """1e1000 (1001 digits) and folded quotients (up to about 2000 digits) are accepted, but
    a literal is limited to 1000 written digits: such a number cannot be printed back."""
    from chainrule._lexer import MAX_DIGITS
    from chainrule.expr import Num, postorder
    limit = 10 ** MAX_DIGITS
    return any(isinstance(n, Num) and (abs(n.value.numerator) >= limit
                                       or n.value.denominator >= limit)
               for n in postorder(tree))


def check_one(data: bytes) -> None:
    """The property for one input; raises AssertionError (or anything unexpected) on a bug."""
    chainrule, cli, ChainruleError, ParseError, VerificationError, evaluate, parse = MODULES
    if not data:
        return
    options, body = data[0], data[1:]
    text = body.decode("utf-8", "surrogateescape")
    started = time.monotonic()

    # 1. the parser alone, lenient and strict: a tree or a ParseError with a usable position
    for strict in (False, True):
        try:
            tree = parse(text, strict=strict)
        except ParseError as err:
            assert 0 <= err.position <= len(text), (err.position, len(text))
            assert err.message and "\n" in err.context()
            return
        assert tree is not None
        if not strict and not _has_long_number(tree):
            again = parse(str(tree))  # what the printer writes parses back to the same tree
            assert again is tree, (text, str(tree), str(again))

    # 2. the pipeline, as the CLI and the API run it
    verify = ("final", "off", "off", "steps")[options & 3] if len(text) < 120 else "off"
    simplify = ("light", "none", "light", "full")[(options >> 2) & 3]
    order = 2 if options & 0x10 else 1
    var = None if options & 0x20 else "x"
    try:
        d = chainrule.diff(text, var, order=order, simplify=simplify, verify=verify)
    except VerificationError as err:
        assert "is wrong" not in str(err), f"{text!r}: {err}"
        return
    except ChainruleError as err:
        assert str(err), repr(err)
        return

    # 3. what the user sees: printed results, and the CLI's rendering (within its size limit)
    for stage in d.stages:
        str(stage.result), stage.result.pretty(), stage.result.latex()
    try:
        cli._refuse_if_too_large(d)
    except SystemExit:
        pass  # the CLI refuses to print it, with a message: fine
    else:
        d.to_text(width=80), d.to_json(), d.to_latex()
    point = {name: 0.7 for name in d.result.free_symbols | {d.variable}}
    try:
        value = evaluate(d.result, point, strict=True)
        assert math.isfinite(value)
    except chainrule.UndefinedError as err:
        assert str(err)
    assert time.monotonic() - started < SLOW, f"{text!r} took {time.monotonic() - started:.1f} s"


def _atheris(argv: list[str]) -> None:
    import atheris

    with atheris.instrument_imports(include=["chainrule"]):
        modules = _modules()
    global MODULES
    MODULES = modules
    atheris.Setup(argv, check_one)
    atheris.Fuzz()


def _hypothesis(seconds: float) -> None:
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    global MODULES
    MODULES = _modules()
    tokens = st.sampled_from(
        ["x", "y", "w1", "(", ")", "+", "-", "*", "/", "^", "**", ",", "'", "2", "0", "1e400",
         "9", ".5", "sin", "log", "exp", "sqrt", "sigmoid", "relu", "abs", "atan2", "f", "e",
         "pi", "√", "²", "⁻¹", "π", "θ", "·", "−", " ", "ѕ", "𝐱", "ｘ", "\u200b", "\xa0",
         "__import__", "lambda", "nan", "I", "sin^2", "9**9**9"])
    soup = st.lists(tokens, max_size=40).map("".join).map(lambda t: b"\x00" + t.encode())
    started = time.monotonic()
    count = 0

    @settings(max_examples=500, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(st.binary(max_size=200) | soup)
    def run(data: bytes) -> None:
        nonlocal count
        count += 1
        check_one(data)

    while time.monotonic() - started < seconds:
        run()  # a batch of 500 fresh random inputs; a failure is shrunk and raised
    print(f"hypothesis fuzzing: {count} inputs in {time.monotonic() - started:.0f} s, "
          "no failure")


MODULES: Any = None

if __name__ == "__main__":
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--hypothesis", action="store_true")
    parser.add_argument("--seconds", type=float, default=600.0)
    known, rest = parser.parse_known_args()
    if known.hypothesis:
        _hypothesis(known.seconds)
    else:
        try:
            import atheris  # noqa: F401
        except ImportError:
            print("atheris is not installed; falling back to --hypothesis", file=sys.stderr)
            _hypothesis(known.seconds)
        else:
            _atheris([sys.argv[0], *rest])
