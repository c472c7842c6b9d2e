"""The benchmark suite: chainrule, SymPy and SymEngine side by side, in one process and run.

    python benchmarks/suite.py                      # everything; rewrites docs/performance.md
    python benchmarks/suite.py --no-write           # the same, printed only
    python benchmarks/suite.py --quick --no-write   # small sizes, few repeats: a smoke test

Every workload is built once per library (building is not timed) and then timed, in this
process, as

* ours — ``chainrule.diff(expr, "x", simplify="none", verify="off")``: the derivative with
  its step tree, no proof (the ratios and the targets are computed from this figure); and
  ``chainrule.diff(expr, "x", verify="off")``: the same plus the default light
  simplification, the textbook form the command line prints (shown beside it, with its
  own ratio to SymEngine in the targets);
* SymPy — ``sympy.diff(expr, x)``, its cache cleared before every run;
* SymEngine — ``expr.diff(x)``.

The workloads: sin and alternating cos/exp/sin/log chains 10 to 10 000 deep; a product of
n factors (x + i)·sin(i·x); a polynomial of up to 5000 terms; parsing a 10 kB expression;
proving a correct and rejecting a wrong derivative; and the whole command line as a
process. Times are medians. Before a figure is reported, our result is compared with
SymEngine's and SymPy's at a random point; a disagreement stops the suite.

The Markdown report goes to stdout and to docs/performance.md (with the gradient
benchmark of bench_grad.py as one of its sections). It measures; it asserts no timing.
SymEngine is a benchmark-only dependency (``pip install "chainrule[bench]"``); without it,
its column is left empty and the page says so.
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(1, str(HERE))

import bench_grad  # noqa: E402
import sympy as sp  # noqa: E402
from sympy.core.cache import clear_cache  # noqa: E402
from sympy.parsing.sympy_parser import parse_expr  # noqa: E402

import chainrule  # noqa: E402
from chainrule.evaluate import evaluate  # noqa: E402
from chainrule.expr import (  # noqa: E402
    Add,
    Const,
    Div,
    Expr,
    Func,
    Mul,
    Neg,
    Num,
    Pow,
    Symbol,
    node_count,
    postorder,
)
from chainrule.verify import verify_derivative  # noqa: E402

COMMAND = "python benchmarks/suite.py"
PAGE = ROOT / "docs" / "performance.md"

X = Symbol("x")
ALTERNATING = ("cos", "exp", "sin", "log")  # applied in this order, innermost first
SLOW = 5.0          # a reference run longer than this is not repeated
BUDGET = 15.0       # seconds a reference measurement may take in all (at least one run)
RTOL = 1e-9         # agreement asked of two results at a point
FULL = {
    "chains": (10, 100, 1000, 10_000), "products": (10, 100, 500),
    "polynomials": (100, 1000, 5000), "parse": 10_000, "verify": (10, 100),
    "grad": "10,100,1000",
}
QUICK = {
    "chains": (10,), "products": (10,), "polynomials": (100,), "parse": 2_000,
    "verify": (10,), "grad": "10",
}


# ── libraries ────────────────────────────────────────────────────────────────
try:
    import symengine as se
except ImportError:  # a benchmark-only dependency: its column is left empty
    se = None


def versions() -> str:
    return f"chainrule {chainrule.__version__}, {bench_grad.versions()}"


# ── timing ───────────────────────────────────────────────────────────────────
class Overtime(BaseException):
    """Raised in a SymPy run that outlived its cap (not an Exception: SymPy catches those)."""


@contextmanager
def deadline(seconds: float | None) -> Iterator[None]:
    """Interrupt the block after ``seconds`` (and every half second after, until it stops).

    SymPy is pure Python, so the alarm's exception arrives at its next instruction. Where
    there is no SIGALRM (Windows) the block simply runs to the end.
    """
    if (not seconds or not hasattr(signal, "setitimer")
            or threading.current_thread() is not threading.main_thread()):
        yield
        return

    def ring(signum: int, frame: Any) -> None:
        raise Overtime

    previous = signal.signal(signal.SIGALRM, ring)
    signal.setitimer(signal.ITIMER_REAL, seconds, 0.5)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@dataclass
class Timing:
    """The median of the runs of one measurement, or why there is none."""

    median: float | None = None
    runs: int = 0
    times: list[float] = field(default_factory=list)
    failure: str | None = None      # shown instead of a time: RecursionError, > 60 s, …
    at_least: float | None = None   # a run was stopped after this many seconds
    error: str = ""                 # the exception a run raised, with its message
    result: Any = field(default=None, repr=False)

    def text(self) -> str:
        if self.failure:
            return self.failure
        assert self.median is not None
        return fmt_time(self.median) + ("¹" if self.runs == 1 else "")


def fmt_time(t: float) -> str:
    if t < 1e-3:
        return f"{t * 1e6:.0f} µs"
    if t < 1:
        return f"{t * 1e3:.3g} ms"
    return f"{t:.3g} s"


def fmt_ratio(r: float) -> str:
    if r < 10:
        return f"{r:.2f}×"
    if r < 100:
        return f"{r:.1f}×"
    return f"{r:,.0f}×".replace(",", " ")


def ratio_text(theirs: Timing, ours: Timing) -> str:
    if ours.median is None:
        return "—"
    if theirs.median is not None:
        return fmt_ratio(theirs.median / ours.median)
    if theirs.at_least is not None:
        return "> " + fmt_ratio(theirs.at_least / ours.median)
    return "—"


def collect() -> None:
    gc.collect()  # the last run's nodes go: every run builds its result from scratch


def fresh_sympy() -> None:
    clear_cache()  # SymPy's cache would answer a repeat from memory
    gc.collect()


def time_it(work: Callable[[], Any], repeats: int, before: Callable[[], None] = collect, *,
            cap: float | None = None, adaptive: bool = False, budget: float = BUDGET) -> Timing:
    """Median wall time of ``work`` over ``repeats`` runs, ``before`` called before each.

    ``adaptive`` (the reference libraries): a first run longer than SLOW is the only one,
    otherwise as many runs as fit in ``budget`` seconds (at least one, at most ``repeats``).
    ``cap`` stops a run after that many seconds. The last run's result is kept in
    ``result``; earlier results are dropped before the next run starts. A run that raises
    is reported by the exception's name (RecursionError, …) instead of a time.
    """
    times: list[float] = []
    result: Any = None
    wanted = repeats
    while len(times) < wanted:
        result = None
        before()
        try:
            with deadline(cap):
                start = time.perf_counter()
                result = work()
                elapsed = time.perf_counter() - start
        except Overtime:
            result = None
            fresh_sympy()
            return Timing(failure=f"> {cap:g} s", at_least=cap, runs=len(times) + 1)
        except Exception as err:  # reported in the table, never hidden
            result = None
            return Timing(failure=type(err).__name__, runs=len(times) + 1,
                          error=f"{type(err).__name__}: {err}"[:300])
        times.append(elapsed)
        if adaptive and len(times) == 1:
            fit = int(budget / max(elapsed, 1e-9))
            wanted = 1 if elapsed > SLOW else max(1, min(repeats, fit))
    return Timing(statistics.median(times), len(times), times, result=result)


CACHE_WARNINGS: list[str] = []


def watch_for_caches(what: str, timing: Timing) -> None:
    """A first run much slower than the rest means something survived between runs."""
    if timing.runs < 3:
        return
    first, rest = timing.times[0], statistics.median(timing.times[1:])
    if first > 5 * rest and first - rest > 0.005:
        message = (f"{what}: the first run took {fmt_time(first)}, the later ones "
                   f"{fmt_time(rest)} — something may be cached between runs")
        CACHE_WARNINGS.append(message)
        print(f"WARNING: {message}", file=sys.stderr, flush=True)


# ── values at a point: the correctness checks ────────────────────────────────
class Mismatch(SystemExit):
    pass


def wide_value(expr: Expr, x: float) -> Any:
    """Our expression's value with mpmath (unbounded exponent), for values that over- or
    underflow a float; :func:`chainrule.evaluate.evaluate` is used everywhere else."""
    import mpmath
    memo: dict[Expr, Any] = {}
    with mpmath.workprec(120):
        for node in postorder(expr):
            k = [memo[c] for c in node.children]
            if isinstance(node, Num):
                v = mpmath.mpf(node.value.numerator) / node.value.denominator
            elif isinstance(node, Symbol):
                v = mpmath.mpf(x)
            elif isinstance(node, Const):
                v = mpmath.pi if node.name == "pi" else mpmath.e
            elif isinstance(node, Add):
                v = mpmath.fsum(k)
            elif isinstance(node, Neg):
                v = -k[0]
            elif isinstance(node, Mul):
                v = mpmath.fprod(k)
            elif isinstance(node, Div):
                v = k[0] / k[1]
            elif isinstance(node, Pow):
                v = k[0] ** k[1]
            elif isinstance(node, Func) and node.name == "log" and len(k) == 2:
                v = mpmath.log(k[0]) / mpmath.log(k[1])
            elif isinstance(node, Func) and hasattr(mpmath, node.name) and len(k) == 1:
                v = getattr(mpmath, node.name)(k[0])
            else:
                raise Mismatch(f"the wide evaluator has no rule for {type(node).__name__} "
                               f"{getattr(node, 'name', '')}")
            memo[node] = v
        return +memo[expr]


WIDE: list[str] = []  # the checks that needed mpmath


def ours_value(expr: Expr, x: float, what: str) -> Any:
    """chainrule's own evaluation; mpmath's only where a float cannot hold a value (the
    result, or a partial product on the way to it)."""
    try:
        value = evaluate(expr, {"x": x})
    except chainrule.UndefinedError:
        value = 0.0  # overflow on the way: not a number a float holds
    if value == 0 or abs(value) < 1e-280 or abs(value) > 1e280:
        WIDE.append(f"the {what}")
        return wide_value(expr, x)
    return value


def symengine_value(expr: Any, x: float) -> Any:
    import mpmath
    xs = se.Symbol("x")
    point = se.RealMPFR(str(Decimal(x)), 120) if se.have_mpfr else se.RealDouble(x)
    return mpmath.mpf(str(expr.subs({xs: point})))


def sympy_value(expr: Any, x: float) -> Any:
    import mpmath
    value = expr.evalf(30, subs={sp.Symbol("x"): sp.Float(str(Decimal(x)), 40)})
    real, imag = value.as_real_imag()
    if abs(imag) > 1e-25 * max(1, abs(real)):
        raise Mismatch(f"SymPy's value is not real: {value}")
    return mpmath.mpf(str(real))


def agree(what: str, name: str, ours: Any, theirs: Any, x: float) -> None:
    """Stop the suite, loudly, unless both values are the same nonzero number."""
    if theirs == 0 or ours == 0:
        raise Mismatch(f"CHECK FAILED — {what}: a value of 0 at x = {x} cannot tell results "
                       "apart; pick another point")
    if abs(ours - theirs) > RTOL * max(abs(ours), abs(theirs)):
        raise Mismatch(f"MISMATCH — {what}: at x = {x} chainrule gives {ours}, {name} gives "
                       f"{theirs}. No figure is reported for a wrong result.")


# ── workloads ────────────────────────────────────────────────────────────────
def chain_names(kind: str, depth: int) -> list[str]:
    return ["sin"] * depth if kind == "sin" else [ALTERNATING[k % 4] for k in range(depth)]


def chain_ours(kind: str, depth: int) -> Expr:
    e: Expr = X
    for name in chain_names(kind, depth):
        e = Func(name, (e,))
    return e


def chain_library(lib: Any, kind: str, depth: int) -> tuple[Any, str | None]:
    """The chain in SymPy or SymEngine; SymPy builds a deep one only unevaluated."""
    x = lib.Symbol("x")
    names = chain_names(kind, depth)
    try:
        e = x
        for name in names:
            e = getattr(lib, name)(e)
        return e, None
    except RecursionError:
        e = x
        for name in names:
            e = getattr(lib, name)(e, evaluate=False)
        return e, ("SymPy cannot build these inputs with automatic evaluation under the "
                   "default recursion limit; they were built with `evaluate=False` (the same "
                   "trees), and `sympy.diff` then fails on them")


def product_ours(n: int) -> Expr:
    factors: list[Expr] = []
    for i in range(1, n + 1):
        factors += [Add((X, Num(i))), Func("sin", (X if i == 1 else Mul((Num(i), X)),))]
    return Mul(tuple(factors))


def product_library(lib: Any, n: int) -> tuple[Any, str | None]:
    x = lib.Symbol("x")
    return lib.Mul(*[f for i in range(1, n + 1) for f in (x + i, lib.sin(i * x))]), None


def coefficient(i: int) -> int:
    return 2 + (7 * i) % 8  # 2 … 9


def polynomial_ours(n: int) -> Expr:
    return Add(tuple(Mul((Num(coefficient(i)), X if i == 1 else Pow(X, Num(i))))
                     for i in range(1, n + 1)))


def polynomial_library(lib: Any, n: int) -> tuple[Any, str | None]:
    x = lib.Symbol("x")
    return lib.Add(*[coefficient(i) * x ** i for i in range(1, n + 1)]), None


def parse_text(length: int) -> str:
    rng = random.Random(1)
    terms: list[str] = []
    while len(" + ".join(terms)) < length:
        terms.append(f"{rng.randint(1, 9)}*x**{rng.randint(1, 9)}*sin({rng.randint(1, 5)}*x)")
    return " + ".join(terms)


def point(lo: float, hi: float, seed: int) -> float:
    """A random point that a float, MPFR and SymPy all hold exactly (a multiple of 2⁻⁴⁰)."""
    return round(random.Random(seed).uniform(lo, hi) * 2 ** 40) / 2 ** 40


# ── the differentiation and parse rows ───────────────────────────────────────
@dataclass
class Row:
    key: str
    workload: str
    size: str
    ours: Timing               # the step tree
    textbook: Timing | None    # the step tree and the light (textbook) form
    sympy: Timing
    symengine: Timing
    nodes_in: int | None
    nodes_out: int | None
    notes: list[str] = field(default_factory=list)


def failure_notes(sympy_time: Timing, symengine: Timing) -> list[str]:
    """What the table cannot say: a reference that failed other than by recursion depth."""
    return [f"{name} failed with {t.error}"
            for name, t in (("SymPy", sympy_time), ("SymEngine", symengine))
            if t.error and t.failure != "RecursionError"]


def not_installed() -> Timing:
    return Timing(failure="not installed")


def measure_diff(key: str, workload: str, size: str, ours_expr: Expr,
                 build_sympy: Callable[[], tuple[Any, str | None]],
                 build_symengine: Callable[[], tuple[Any, str | None]], x: float,
                 opts: argparse.Namespace) -> Row:
    print(f"  {workload}, {size} …", file=sys.stderr, flush=True)
    what = f"d/dx of the {workload.lower()}, {size}"
    ours = time_it(lambda: chainrule.diff(ours_expr, "x", simplify="none",
                                          verify="off").result, opts.repeats)
    watch_for_caches(what, ours)
    raw = ours.result
    textbook = time_it(lambda: chainrule.diff(ours_expr, "x", verify="off").result,
                       opts.repeats)
    watch_for_caches(f"{what}, textbook form", textbook)
    result = textbook.result
    notes = [f"chainrule failed with {t.error}" for t in (ours, textbook) if t.error][:1]
    value = None if result is None else ours_value(result, x, f"{workload.lower()}, {size}")
    if raw is not None and value is not None:  # the step tree's answer is the same value
        agree(what, "the unsimplified step tree", value,
              ours_value(raw, x, f"{workload.lower()}, {size}, unsimplified"), x)
    ours.result = raw = None

    symengine = not_installed()
    if se is not None:
        e = build_symengine()[0]
        symengine = time_it(lambda: e.diff(se.Symbol("x")), opts.repeats, adaptive=True,
                            budget=opts.budget)
        if symengine.result is not None and value is not None:
            agree(what, "SymEngine", value, symengine_value(symengine.result, x), x)
        symengine.result = e = None
        collect()

    e, note = build_sympy()
    if note:
        notes.append(note)
    sympy_time = time_it(lambda: sp.diff(e, sp.Symbol("x")), opts.repeats, fresh_sympy,
                         cap=opts.sympy_max_seconds, adaptive=True, budget=opts.budget)
    if sympy_time.result is not None and value is not None:
        agree(what, "SymPy", value, sympy_value(sympy_time.result, x), x)
    sympy_time.result = e = None
    fresh_sympy()

    notes += failure_notes(sympy_time, symengine)
    row = Row(key, workload, size, ours, textbook, sympy_time, symengine,
              node_count(ours_expr), None if result is None else node_count(result), notes)
    textbook.result = result = None
    collect()
    return row


def measure_parse(length: int, opts: argparse.Namespace) -> Row:
    text = parse_text(length)
    size = f"{len(text) / 1000:.0f} kB ({len(text):,} characters)".replace(",", " ")
    print(f"  parse, {size} …", file=sys.stderr, flush=True)
    x = point(0.1, 0.6, 4)
    what = f"parsing the {size} text"
    ours = time_it(lambda: chainrule.parse(text), opts.repeats)
    watch_for_caches(what, ours)
    parsed = ours.result
    notes = [f"chainrule failed with {ours.error}"] if ours.error else []
    value = None if parsed is None else ours_value(parsed, x, f"parse, {size}")

    symengine = not_installed()
    if se is not None:
        symengine = time_it(lambda: se.sympify(text), opts.repeats, adaptive=True,
                            budget=opts.budget)
        if symengine.result is not None and value is not None:
            agree(what, "SymEngine", value, symengine_value(symengine.result, x), x)
        symengine.result = None

    sympy_time = time_it(lambda: parse_expr(text), opts.repeats, fresh_sympy,
                         cap=opts.sympy_max_seconds, adaptive=True, budget=opts.budget)
    if sympy_time.result is not None and value is not None:
        agree(what, "SymPy", value, sympy_value(sympy_time.result, x), x)
    sympy_time.result = None
    fresh_sympy()
    notes += failure_notes(sympy_time, symengine)
    row = Row("parse", "Parse an expression", size, ours, None, sympy_time, symengine, None,
              None if parsed is None else node_count(parsed), notes)
    ours.result = parsed = None
    return row


# ── verification ─────────────────────────────────────────────────────────────
@dataclass
class VerifyRow:
    candidate: str
    depth: int
    ours: Timing
    verdict: str
    sympy: Timing
    sympy_verdict: str


def drop_factor(expr: Expr, factor: Expr) -> Expr | None:
    """``expr`` with one ``factor`` taken out of its (possibly nested) product."""
    if not isinstance(expr, Mul):
        return None
    factors = list(expr.factors)
    if factor in factors:
        factors.remove(factor)
        return Mul(tuple(factors))
    for i, f in enumerate(factors):
        found = drop_factor(f, factor)
        if found is not None:
            factors[i] = found
            return Mul(tuple(factors))
    return None


def measure_verification(depth: int, opts: argparse.Namespace) -> list[VerifyRow]:
    from chainrule.sympy_bridge import to_sympy
    print(f"  verification, sin chain {depth} deep …", file=sys.stderr, flush=True)
    expr = chain_ours("sin", depth)
    correct = chainrule.diff(expr, "x", verify="off").result
    wrong = drop_factor(correct, Func("cos", (X,)))
    if wrong is None:
        raise Mismatch(f"cannot make the wrong candidate: cos(x) is not a factor of {correct}")

    def rejected() -> Any:
        try:
            return verify_derivative(expr, "x", wrong)
        except chainrule.VerificationError as err:
            return err

    good = time_it(lambda: verify_derivative(expr, "x", correct), opts.repeats, fresh_sympy)
    if not isinstance(good.result, chainrule.Verification):
        raise Mismatch(f"the correct derivative of the {depth}-deep chain was not proven")
    bad = time_it(rejected, opts.repeats, fresh_sympy)
    if not isinstance(bad.result, chainrule.VerificationError):
        raise Mismatch(f"WRONG DERIVATIVE ACCEPTED at depth {depth}: {bad.result}")
    status = good.result.status
    good.result = bad.result = None

    x = sp.Symbol("x")
    e = to_sympy(expr, real=False)
    rows = []
    for name, candidate, ours, verdict in (("correct", correct, good, status),
                                           ("wrong (cos(x) dropped)", wrong, bad,
                                            "rejected (VerificationError)")):
        c = to_sympy(candidate, real=False)
        reference = time_it(partial(decide, e, x, c), opts.repeats,
                            fresh_sympy, cap=opts.reference_max_seconds, adaptive=True,
                            budget=opts.budget)
        if reference.failure:
            said = "no verdict in time" if reference.at_least else reference.failure
        else:
            said = "equal" if reference.result else "not shown equal"
            if name == "correct" and not reference.result:
                said = "not shown equal (SymPy could not decide)"
        reference.result = None
        fresh_sympy()
        rows.append(VerifyRow(name, depth, ours, verdict, reference, said))
    return rows


def decide(e: Any, x: Any, candidate: Any) -> bool:
    """SymPy on its own: is ``candidate`` the derivative of ``e``?"""
    return bool(sp.simplify(sp.diff(e, x) - candidate) == 0)


# ── the command line as a process ────────────────────────────────────────────
@dataclass
class CliRow:
    key: str
    shown: str
    timing: Timing


SYMPY_SCRIPT = ("import sympy; x = sympy.Symbol('x'); "
                "print(sympy.diff(sympy.sin(x**2), x))")


def chainrule_command() -> tuple[list[str], str]:
    folder = Path(sys.executable).parent
    for name in ("chainrule", "chainrule.exe"):
        script = folder / name
        if script.is_file():
            return [str(script)], ("the `chainrule` console script installed next to the "
                                   "Python that ran the suite")
    return [sys.executable, "-m", "chainrule"], ("`python -m chainrule` (no `chainrule` console "
                                                 "script was found next to the interpreter)")


def measure_cli(runs: int) -> tuple[list[CliRow], str]:
    print("  the command line …", file=sys.stderr, flush=True)
    cli, how = chainrule_command()
    commands: list[tuple[str, str, list[str], Callable[[str], bool]]] = [
        ("proof", 'chainrule diff "sin(x**2)"', [*cli, "diff", "sin(x**2)"],
         lambda out: "cos(x²)" in out and "proven" in out),
        ("off", 'chainrule diff "sin(x**2)" --verify off',
         [*cli, "diff", "sin(x**2)", "--verify", "off"], lambda out: "cos(x²)" in out),
        ("sympy", f'python -c "{SYMPY_SCRIPT}"', [sys.executable, "-c", SYMPY_SCRIPT],
         lambda out: out.strip() == "2*x*cos(x**2)"),
        ("python", 'python -c pass', [sys.executable, "-c", "pass"], lambda out: True),
    ]
    times: dict[str, list[float]] = {key: [] for key, *_ in commands}
    # As on a user's machine, Python caches compiled bytecode (an environment that turns
    # this off would time the compiler, not the program); round 0 writes the cache.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    for round_ in range(runs + 1):  # round 0 warms the file and bytecode caches, uncounted
        for key, shown, argv, ok in commands:
            start = time.perf_counter()
            done = subprocess.run(argv, capture_output=True, cwd=ROOT, check=False, env=env)
            elapsed = time.perf_counter() - start
            out = done.stdout.decode("utf-8", "replace")
            if done.returncode != 0 or not ok(out):
                raise Mismatch(f"`{shown}` failed or printed something unexpected "
                               f"(exit {done.returncode}):\n{out}\n"
                               f"{done.stderr.decode('utf-8', 'replace')}")
            if round_:
                times[key].append(elapsed)
    rows = [CliRow(key, shown, Timing(statistics.median(times[key]), runs, times[key]))
            for key, shown, *_ in commands]
    return rows, how


# ── targets ──────────────────────────────────────────────────────────────────
@dataclass
class Target:
    goal: str
    measured: str
    met: bool | None   # None: not measured in this run
    textbook: str = "—"  # the same goal with the textbook form timed instead of the step tree
    textbook_met: bool | None = None


def targets(rows: list[Row], verify: list[VerifyRow], cli: list[CliRow],
            opts: argparse.Namespace) -> list[Target]:
    by_key = {r.key: r for r in rows}
    out: list[Target] = []
    absent = "not measured in this run" + (" (--quick)" if opts.quick else "")

    def ours_vs(key: str, goal: str, library: str, check: Callable[[float], bool],
                show: Callable[[float, bool], str]) -> None:
        row = by_key.get(key)
        if row is None or row.ours.median is None:
            out.append(Target(goal, absent, None))
            return
        theirs = row.sympy if library == "SymPy" else row.symengine
        reference = theirs.median if theirs.median is not None else theirs.at_least
        if reference is None:
            out.append(Target(goal, f"{library}: {theirs.text()}", None))
            return
        low = theirs.median is None  # the reference run was stopped: a lower bound
        said = (f"{theirs.text()}" if not low
                else f"stopped after {theirs.at_least:g} s")

        def judged(t: float) -> tuple[str, bool | None]:
            r = reference / t
            return show(r, low), (check(r) if not low else (True if check(r) else None))

        text, met = judged(row.ours.median)
        target = Target(goal, text + f" (ours {row.ours.text()}, {library} {said})", met)
        if row.textbook is not None and row.textbook.median is not None:
            text, met = judged(row.textbook.median)
            target.textbook, target.textbook_met = f"{text} ({row.textbook.text()})", met
        out.append(target)

    for kind, label in (("sin", "sin chain"), ("alt", "alternating chain")):
        for depth in (1000, 10_000):
            deep = f"{depth:,}".replace(",", " ")
            ours_vs(f"chain-{kind}-{depth}", f"{label}, {deep} deep: ours ≤ 0.5 × SymEngine",
                    "SymEngine", lambda r: r >= 2.0,
                    lambda r, low: f"ours = {1 / r:.2f} × SymEngine")
    ours_vs("product-500", "product of 500 factors: ≥ 1000× faster than SymPy", "SymPy",
            lambda r: r >= 1000, lambda r, low: ("> " if low else "") + f"{fmt_ratio(r)} faster")
    ours_vs("polynomial-5000", "polynomial of 5000 terms: ≥ 100× faster than SymPy", "SymPy",
            lambda r: r >= 100, lambda r, low: ("> " if low else "") + f"{fmt_ratio(r)} faster")
    parse = by_key.get("parse")
    if parse is not None and not parse.size.startswith("10 kB"):
        parse = None
    if parse is None:
        out.append(Target("10 kB parse: ≥ 100× faster than `parse_expr`", absent, None))
    else:
        ours_vs("parse", "10 kB parse: ≥ 100× faster than `parse_expr`", "SymPy",
                lambda r: r >= 100,
                lambda r, low: ("> " if low else "") + f"{fmt_ratio(r)} faster")
    for depth in (10, 100):
        goal = f"wrong derivative (sin chain, {depth} deep) rejected in < 10 ms"
        found = [v for v in verify if v.depth == depth and v.candidate.startswith("wrong")]
        if not found or found[0].ours.median is None:
            out.append(Target(goal, absent, None))
        else:
            t = found[0].ours.median
            out.append(Target(goal, fmt_time(t), t < 0.010))
    by_cli = {c.key: c.timing for c in cli}
    if "proof" in by_cli:
        r = by_cli["proof"].median / by_cli["sympy"].median
        out.append(Target("CLI with proof ≤ 1.3 × the bare SymPy script",
                          f"{r:.2f} × ({by_cli['proof'].text()} vs {by_cli['sympy'].text()})",
                          r <= 1.3))
        t = by_cli["off"].median
        out.append(Target("CLI with `--verify off` ≤ 0.12 s", by_cli["off"].text(), t <= 0.12))
    return out


# ── the report ───────────────────────────────────────────────────────────────
def main_table(rows: list[Row]) -> str:
    lines = [("| workload | size | ours: step tree | ours: + textbook form | SymPy | SymEngine "
              "| SymPy ÷ ours | SymEngine ÷ ours | nodes in | nodes out |"),
             "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|"]
    for r in rows:
        cells = [r.workload, r.size, r.ours.text(), r.textbook.text() if r.textbook else "—",
                 r.sympy.text(), r.symengine.text(), ratio_text(r.sympy, r.ours),
                 ratio_text(r.symengine, r.ours),
                 "—" if r.nodes_in is None else f"{r.nodes_in:,}".replace(",", " "),
                 "—" if r.nodes_out is None else f"{r.nodes_out:,}".replace(",", " ")]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def verify_table(rows: list[VerifyRow]) -> str:
    lines = [("| candidate | sin chain depth | chainrule `verify_derivative` | chainrule's verdict "
              "| SymPy `simplify(diff(e, x) - candidate) == 0` | SymPy's answer | SymPy ÷ ours |"),
             "|---|--:|--:|---|--:|---|--:|"]
    for v in rows:
        lines.append(f"| {v.candidate} | {v.depth} | {v.ours.text()} | {v.verdict} "
                     f"| {v.sympy.text()} | {v.sympy_verdict} | {ratio_text(v.sympy, v.ours)} |")
    return "\n".join(lines)


def cli_table(rows: list[CliRow]) -> str:
    base = {r.key: r.timing for r in rows}["sympy"].median
    lines = ["| command | wall time (median) | ÷ bare SymPy script |", "|---|--:|--:|"]
    for r in rows:
        assert r.timing.median is not None and base is not None
        lines.append(f"| `{r.shown}` | {r.timing.text()} | {r.timing.median / base:.2f}× |")
    return "\n".join(lines)


def targets_table(items: list[Target]) -> str:
    def mark(met: bool | None) -> str:
        return "✓" if met else ("✗" if met is False else "–")

    lines = ["| target | this run (step tree) | met | with the textbook form | met |",
             "|---|---|:-:|---|:-:|"]
    for t in items:
        lines.append(f"| {t.goal} | {t.measured} | {mark(t.met)} | {t.textbook} "
                     f"| {mark(t.textbook_met) if t.textbook != '—' else '—'} |")
    return "\n".join(lines)


def plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def fmt_duration(seconds: float) -> str:
    minutes, secs = divmod(round(seconds), 60)
    return f"{minutes} min {secs} s" if minutes else f"{secs} s"


def page(rows: list[Row], verify: list[VerifyRow], cli: list[CliRow], cli_how: str,
         goals: list[Target], grad: str | None, opts: argparse.Namespace,
         elapsed: float) -> str:
    where: dict[str, list[str]] = {}
    for r in rows:
        for n in r.notes:
            where.setdefault(n, []).append(f"{r.workload.lower()} {r.size}")
    notes = [f"{n} ({'; '.join(places)})." for n, places in where.items()]
    failures = sorted({f for r in rows for f in (r.sympy.failure, r.symengine.failure) if f})
    explain = []
    if any(f == "RecursionError" for f in failures):
        explain.append("“RecursionError”: `sympy.diff` exceeded Python's default recursion "
                       "limit (1000) on this input; the limit was left as it is.")
    if any(f.startswith(">") for f in failures):
        explain.append("“> N s”: the SymPy run was stopped after N seconds "
                       "(`--sympy-max-seconds`).")
    if any(f == "not installed" for f in failures):
        explain.append("“not installed”: SymEngine is not installed in this environment "
                       "(`pip install \"chainrule[bench]\"`), so its column is empty.")
    explain += notes
    explain_text = "".join(f"- {e}\n" for e in explain)
    wide = f" (here: {'; '.join(WIDE)})" if WIDE else ""
    warnings = ("\nWarnings from this run:\n\n" + "".join(f"- **{w}**\n" for w in CACHE_WARNINGS)
                if CACHE_WARNINGS else "")
    sections = [f"""# Performance

chainrule against SymPy and SymEngine on the same inputs, timed side by side in one
process by one command, `{COMMAND}`. This page is that command's output: it is
regenerated, never edited by hand, and it reports whatever the run measured — including
the targets not met yet.

## How the figures are measured

- **Ours: step tree** is `chainrule.diff(expr, "x", simplify="none", verify="off")`: the
  derivative with its step tree (every rule applied, one step per distinct subexpression),
  without the proof. The ratios and the targets are computed from it.
- **Ours: + textbook form** is `chainrule.diff(expr, "x", verify="off")`, the default: the
  same plus the light simplification into the form the command line prints (2x·cos(x²),
  not cos(x²)·(2·x¹)). The difference between the two columns is that simplification; the
  targets table shows its ratio too.
- **SymPy** is `sympy.diff(expr, x)` and **SymEngine** is `expr.diff(x)`.
- Each input is built once per library, natively (chainrule `Expr` nodes, SymPy and
  SymEngine objects), before the clock starts: no figure but the parse row includes parsing.
- Every figure is the median of repeated runs in the same process: {opts.repeats} runs for
  chainrule; for SymPy and SymEngine as many as fit in {opts.budget:g} s (at most
  {opts.repeats}), and a single run, marked ¹, when one takes over {SLOW:g} s. Before each
  run the previous run's result is dropped and the garbage collector is run, so every run
  builds its result from scratch; SymPy's cache is cleared before each SymPy run (and
  before each verification, which uses SymPy).
- Before any figure is reported, the suite checks that our derivative has the same value as
  SymEngine's and SymPy's (where SymPy ran) at a random point, to a relative 10⁻⁹. Our
  values come from `chainrule.evaluate`, or from mpmath where a float cannot hold them{wide};
  SymEngine's from MPFR and SymPy's from `evalf` at 30 digits. A disagreement stops the
  suite.
- "nodes in" and "nodes out" count the distinct nodes of our input and of our result in
  its textbook form (shared subexpressions once).

Measured on {datetime.now(timezone.utc):%Y-%m-%d} with {versions()}
The whole run took {fmt_duration(elapsed)}.
{warnings}
## Differentiation and parsing

- **sin chain**: sin(sin(…sin(x)…)), the given number of sin deep.
- **alternating chain**: cos, exp, sin, log applied in turn, innermost first:
  log(sin(exp(cos(x)))) at depth 4, then cos(log(sin(exp(cos(x))))) and so on. The
  argument of every log is sin(exp(cos(…))), between 0.36 and 1, so the chain is real and
  defined for every real x, and no exp meets a log (which SymPy would cancel).
- **product**: (x + 1)·sin(x)·(x + 2)·sin(2·x)·…·(x + n)·sin(n·x), one product of 2n factors.
  The product rule's 2n terms share the products of the factors before and after each
  one, so the derivative has a number of distinct nodes linear in n.
- **polynomial**: Σ cᵢ·xⁱ for i = 1 … n with cᵢ = 2 + (7·i mod 8), coefficients 2 to 9.
- **parse**: the text `c*x**k*sin(m*x) + …` with random c, k from 1 to 9 and m from 1 to 5
  (a fixed seed), parsed by `chainrule.parse`, `sympy.parse_expr` and `symengine.sympify`.

{main_table(rows)}

{explain_text}
## Verification

Time to a verdict for a correct and a wrong derivative of the sin chain:
`chainrule.verify.verify_derivative(expr, "x", candidate)`, which returns how the candidate
was proven or raises `chainrule.VerificationError`. The correct candidate is our result; the
wrong one is the same product with the innermost factor cos(x) left out, the classic
forgotten inner derivative. For reference, the time SymPy itself needs to decide the same,
`sympy.simplify(sympy.diff(e, x) - candidate) == 0`, stopped after
{opts.reference_max_seconds:g} s.

{verify_table(verify)}
"""]
    if cli:
        sections.append(f"""## The command line

The whole command as a user runs it, from process start to exit, output to a pipe: the
median wall time of {plural(cli[0].timing.runs, "run")} (after one unmeasured round), the
commands taking turns. `chainrule` is {cli_how}; `python` is the same interpreter. The last
row is the interpreter starting and stopping.

{cli_table(cli)}
""")
    sections.append(f"""## Targets

Computed from the figures above: from the step tree, the derivative with every step that
produced it; and, in the last two columns, from the same with the textbook form.

{targets_table(goals)}
""")
    if grad:
        sections.append(grad)
    sections.append(f"""## Reproduce

```sh
pip install -e ".[bench]"                # SymEngine, a benchmark-only dependency
{COMMAND}                # all of the above; rewrites this page
{COMMAND} --no-write     # the same, printed only
```

The options and the workloads are described in `benchmarks/README.md`.
""")
    return "\n".join(sections)


# ── driver ───────────────────────────────────────────────────────────────────
def warm_up() -> None:
    """Import and exercise everything once, so no figure includes a first-call cost."""
    e = chainrule.parse("sin(x)*cos(x) + exp(x)/log(x + 2) + 3*x**2")
    chainrule.diff(e, "x", verify="off")
    verify_derivative(e, "x", chainrule.diff(e, "x", verify="off").result)
    wide_value(e, 0.5)
    x = sp.Symbol("x")
    sp.diff(parse_expr("sin(x)*cos(x) + exp(x)/log(x + 2) + 3*x**2"), x).evalf(subs={x: 0.5})
    sp.simplify(sp.sin(x) ** 2 + sp.cos(x) ** 2)
    if se is not None:
        se.sympify("sin(x)*cos(x) + exp(x)/log(x + 2)").diff(se.Symbol("x"))


def run(opts: argparse.Namespace) -> str:
    started = time.perf_counter()
    sizes = QUICK if opts.quick else FULL
    print("warming up …", file=sys.stderr, flush=True)
    warm_up()
    rows: list[Row] = []
    print("differentiation:", file=sys.stderr, flush=True)
    for kind, label, lo, hi, seed in (("sin", "sin chain", 0.2, 1.2, 1),
                                      ("alt", "alternating chain", -2.0, 2.0, 2)):
        for depth in sizes["chains"]:
            x = point(lo, hi, seed)
            rows.append(measure_diff(
                f"chain-{kind}-{depth}", label.capitalize(), f"{depth:,} deep".replace(",", " "),
                chain_ours(kind, depth), partial(chain_library, sp, kind, depth),
                partial(chain_library, se, kind, depth), x, opts))
    for n in sizes["products"]:
        rows.append(measure_diff(
            f"product-{n}", "Product", f"n = {n}", product_ours(n),
            partial(product_library, sp, n), partial(product_library, se, n),
            point(4e-5, 6e-5, 3), opts))  # near 0 the value of a 500-factor product fits a float
    for n in sizes["polynomials"]:
        rows.append(measure_diff(
            f"polynomial-{n}", "Polynomial", f"{n:,} terms".replace(",", " "),
            polynomial_ours(n), partial(polynomial_library, sp, n),
            partial(polynomial_library, se, n), point(0.5, 0.95, 5), opts))
    rows.append(measure_parse(sizes["parse"], opts))

    print("verification:", file=sys.stderr, flush=True)
    verify = [v for depth in sizes["verify"] for v in measure_verification(depth, opts)]

    cli_rows, cli_how = measure_cli(opts.cli_runs if not opts.quick else 1)

    grad = None
    grad_sizes = [int(s) for s in (opts.grad_sizes or sizes["grad"]).split(",") if s.strip()]
    if grad_sizes and not opts.no_grad:
        print("gradient:", file=sys.stderr, flush=True)
        grad_rows = []
        for weights in grad_sizes:
            print(f"  {weights} weights …", file=sys.stderr, flush=True)
            grad_rows.append(bench_grad.measure(weights, opts.repeats, opts.grad_sympy_max))
        grad = bench_grad.section(grad_rows, opts.repeats)

    goals = targets(rows, verify, cli_rows, opts)
    return page(rows, verify, cli_rows, cli_how, goals, grad, opts,
                time.perf_counter() - started)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        description="chainrule, SymPy and SymEngine side by side; writes docs/performance.md.")
    parser.add_argument("--quick", action="store_true",
                        help="small sizes only and 3 repeats, a smoke test (implies --no-write)")
    parser.add_argument("--no-write", action="store_true",
                        help="print the report only; leave docs/performance.md alone")
    parser.add_argument("--repeats", type=int, default=None,
                        help="runs per measurement; the median is reported "
                             "(default 7; 3 with --quick)")
    parser.add_argument("--sympy-max-seconds", type=float, default=60.0,
                        help="stop a SymPy run after this many seconds and report '> N s' "
                             "(default 60)")
    parser.add_argument("--reference-max-seconds", type=float, default=30.0,
                        help="the same for SymPy's simplify in the verification reference "
                             "(default 30)")
    parser.add_argument("--cli-runs", type=int, default=9,
                        help="runs of each command-line measurement (default 9; 1 with --quick)")
    parser.add_argument("--grad-sizes", default=None,
                        help="weights for the gradient section "
                             "(default 10,100,1000; 10 with --quick)")
    parser.add_argument("--grad-sympy-max", type=int, default=1000,
                        help="skip SymPy in the gradient section above this many weights "
                             "(default 1000: about 50 s)")
    parser.add_argument("--no-grad", action="store_true", help="leave out the gradient section")
    opts = parser.parse_args(argv)
    if opts.repeats is None:
        opts.repeats = 3 if opts.quick else 7
    opts.budget = 1.0 if opts.quick else BUDGET
    if opts.repeats < 1 or opts.cli_runs < 1:
        parser.error("--repeats and --cli-runs must be at least 1")
    if se is None:
        print("SymEngine is not installed (pip install \"chainrule[bench]\"): its column stays "
              "empty.", file=sys.stderr)
    try:
        report = run(opts)
    except Mismatch as err:
        print(f"\n*** {err} ***\n", file=sys.stderr)
        return 1
    print(report)
    if opts.quick or opts.no_write:
        return 0
    if opts.grad_sizes or opts.no_grad or opts.repeats != 7:
        print("note: options other than the defaults were used for this page", file=sys.stderr)
    PAGE.write_text(report, encoding="utf-8")
    print(f"wrote {PAGE.relative_to(ROOT)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
