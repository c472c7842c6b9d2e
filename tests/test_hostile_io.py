"""Hostile streams, files and Python calls: never a traceback, always a chainrule error.

The command line as a subprocess: a closed, full or broken stdout (every command, every
format), plot paths that cannot be written or name no picture format, ranges that cannot
be drawn. The Python API: SymPy input held to the rules text is held to (names, numbers,
functions, sizes), points given as NumPy's, Decimal's or SymPy's numbers, let_form given
text, and results that pickle and deep-copy at any depth. docs/robustness.md ("Streams,
files and the Python API") shows each kind; docs/errors.md the exit codes.
"""

from __future__ import annotations

import copy
import os
import pickle
import subprocess
import sys
from collections.abc import Callable, Sequence
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

import chainrule
from chainrule.cli import EXIT_BROKEN_PIPE, EXIT_INPUT, EXIT_OUTPUT
from chainrule.errors import ChainruleError, ParseError, UsageError
from chainrule.expr import Func, Mul, Symbol
from chainrule.parser import MAX_NESTING, MAX_NUMBER_DIGITS, parse
from chainrule.render.formats import formats_for

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 300  # seconds: a hang guard for the subprocess, not a timing assertion

sympy = pytest.importorskip("sympy")


def _env() -> dict[str, str]:
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "80", "PYTHONIOENCODING": "utf-8"}
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def run(args: Sequence[str], *, stdout: Any = subprocess.PIPE, cwd: Path | None = None,
        shell_prefix: str = "", env: dict[str, str] | None = None,
        stderr: Any = subprocess.PIPE) -> subprocess.CompletedProcess[str]:
    """``python -m chainrule ARGS``; ``shell_prefix`` runs it after a bash ``exec`` that
    closes descriptors (``exec >&-``)."""
    command = [sys.executable, "-m", "chainrule", *args]
    if shell_prefix:
        command = ["bash", "-c", f'{shell_prefix}; exec "$0" "$@"', *command]
    return subprocess.run(command, stdout=stdout, stderr=stderr, text=True,
                          env=env or _env(), cwd=cwd or ROOT, timeout=TIMEOUT)


def no_traceback(done: subprocess.CompletedProcess[str]) -> None:
    for stream in (done.stdout, done.stderr):
        assert "Traceback" not in (stream or ""), stream


# One small job for each command, and every format its result has.
COMMANDS: dict[str, list[str]] = {
    "diff": ["diff", "sin(x**2)"],
    "grad": ["grad", "x*y + sin(y)"],
    "check": ["check", "sin(x**2)", "cos(x**2)"],
    "descend": ["descend", "(w - 3)**2", "--wrt", "w", "--at", "w=0", "--steps", "3"],
}
KIND = {"diff": "derivation", "grad": "gradient", "check": "check", "descend": "descent"}
MATRIX = [(command, fmt) for command in COMMANDS for fmt in formats_for(KIND[command])
          if fmt in ("rich", "plain", "json", "latex", "markdown")]


# ── stdout closed, full, or a pipe nobody reads ──────────────────────────────
@pytest.mark.parametrize(("command", "fmt"), MATRIX)
def test_a_closed_stdout_is_one_line_and_exit_74(command: str, fmt: str) -> None:
    done = run([*COMMANDS[command], "--format", fmt], stdout=None, shell_prefix="exec >&-")
    no_traceback(done)
    assert done.returncode == EXIT_OUTPUT
    assert done.stderr == "error: cannot write the output: standard output is closed\n"


@pytest.mark.parametrize(("command", "fmt"), MATRIX)
def test_a_full_stdout_is_one_line_and_exit_74(command: str, fmt: str) -> None:
    with open("/dev/full", "w") as full:
        done = run([*COMMANDS[command], "--format", fmt], stdout=full)
    no_traceback(done)
    assert done.returncode == EXIT_OUTPUT
    assert done.stderr == "error: cannot write the output: No space left on device\n"


@pytest.mark.parametrize(("command", "fmt"), MATRIX)
def test_a_broken_pipe_exits_quietly_with_141(command: str, fmt: str) -> None:
    read, write = os.pipe()
    os.close(read)  # the reader is gone before anything is written: EPIPE at once
    try:
        done = run([*COMMANDS[command], "--format", fmt], stdout=write)
    finally:
        os.close(write)
    assert done.returncode == EXIT_BROKEN_PIPE
    assert done.stderr == ""


def test_a_long_output_into_head_ends_quietly() -> None:
    done = subprocess.run(
        ["bash", "-c", f'"{sys.executable}" -m chainrule diff "sin(sin(sin(sin(x))))" '
         '--order 4 --format plain | head -c1 >/dev/null; echo "${PIPESTATUS[0]}"'],
        capture_output=True, text=True, env=_env(), cwd=ROOT, timeout=TIMEOUT)
    no_traceback(done)
    assert done.stdout.strip() in ("0", str(EXIT_BROKEN_PIPE))  # 0 if it all fit the pipe
    assert done.stderr == ""


def test_an_error_document_to_a_full_stdout_is_said_on_stderr() -> None:
    with open("/dev/full", "w") as full:
        done = run(["diff", "sin(", "--format", "json"], stdout=full)
    no_traceback(done)
    assert done.returncode == EXIT_OUTPUT
    assert "cannot write the output" in done.stderr


def test_with_stderr_full_too_the_exit_code_says_it() -> None:
    with open("/dev/full", "w") as full:
        done = run(["diff", "x^2"], stdout=full, stderr=full)
    assert done.returncode == EXIT_OUTPUT


def test_with_stdout_and_stderr_closed_it_exits_74_silently() -> None:
    done = run(["diff", "x^2"], stdout=None, stderr=None, shell_prefix="exec >&- 2>&-")
    assert done.returncode == EXIT_OUTPUT


def test_a_stdout_that_cannot_encode_the_math_still_exits_2() -> None:
    done = run(["diff", "sin(x**2)"], env={**_env(), "PYTHONIOENCODING": "latin-1"})
    no_traceback(done)
    assert done.returncode == EXIT_INPUT
    assert "cannot write" in done.stderr and "PYTHONIOENCODING=utf-8" in done.stderr


# ── plot: the file, its format, the range ────────────────────────────────────
pytest.importorskip("matplotlib")


def test_an_unsupported_extension_is_refused_before_drawing(tmp_path: Path) -> None:
    done = run(["plot", "x^2", "-o", "p.txt"], cwd=tmp_path)
    no_traceback(done)
    assert done.returncode == EXIT_INPUT
    assert done.stderr.startswith("error: cannot write p.txt: '.txt' is not a picture format")
    for ext in (".png", ".svg", ".pdf", ".eps", ".jpg", ".webp"):
        assert ext in done.stderr
    assert list(tmp_path.iterdir()) == []
    assert "wrote" not in done.stdout


@pytest.mark.parametrize(("name", "magic"), [("p.svg", b"<?xml"), ("p.pdf", b"%PDF"),
                                             ("p.PNG", b"\x89PNG"), ("p", b"\x89PNG")])
def test_the_extension_names_the_format(tmp_path: Path, name: str, magic: bytes) -> None:
    done = run(["plot", "x^2", "-o", name], cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"wrote {name}: ")
    assert (tmp_path / name).read_bytes().startswith(magic)
    assert [p.name for p in tmp_path.iterdir()] == [name]  # "p" is not written as p.png


def test_a_full_device_is_an_error_not_wrote() -> None:
    done = run(["plot", "x^2", "-o", "/dev/full"])
    no_traceback(done)
    assert done.returncode == EXIT_INPUT
    assert done.stderr == "error: cannot write /dev/full: No space left on device\n"
    assert "wrote" not in done.stdout


def test_a_directory_is_refused_not_written_beside(tmp_path: Path) -> None:
    (tmp_path / "somedir").mkdir()
    done = run(["plot", "x^2", "-o", "somedir"], cwd=tmp_path)
    no_traceback(done)
    assert done.returncode == EXIT_INPUT
    assert "cannot write somedir: it is a directory" in done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["somedir"]  # no somedir.png


@pytest.mark.parametrize(("path", "says"), [
    ("missing/p.png", "the folder missing does not exist"),
    ("afile/p.png", "the folder afile is not a directory"),
])
def test_an_unwritable_path_is_refused(tmp_path: Path, path: str, says: str) -> None:
    (tmp_path / "afile").write_text("")
    done = run(["plot", "x^2", "-o", path], cwd=tmp_path)
    no_traceback(done)
    assert done.returncode == EXIT_INPUT
    assert done.stderr == f"error: cannot write {path}: {says}\n"


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0,
                    reason="root may write anywhere")
def test_a_folder_without_write_permission_is_refused(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        done = run(["plot", "x^2", "-o", "locked/p.png"], cwd=tmp_path)
    finally:
        locked.chmod(0o700)
    no_traceback(done)
    assert done.returncode == EXIT_INPUT
    assert "Permission denied" in done.stderr


def test_the_path_is_checked_before_anything_is_drawn(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    import chainrule.plot as plotting

    def never(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("drew before checking the path")

    monkeypatch.setattr(plotting, "_curve", never)
    d = chainrule.diff("x^2")
    for path, says in [(tmp_path / "p.txt", "not a picture format"),
                       (tmp_path / "no" / "p.png", "does not exist"), (tmp_path, "directory")]:
        with pytest.raises(UsageError, match=says):
            plotting.plot(d, path=path)
    assert [p.name for p in tmp_path.iterdir()] == []


@pytest.mark.parametrize(("xrange", "says"), [
    ("-1e308:1e308", "the range -1e+308:1e+308 is too wide to draw"),
    ("inf:5", "the range must be LO:HI with LO < HI, both finite numbers, not inf:5"),
    ("-inf:inf", "both finite numbers"),
    ("nan:1", "both finite numbers, not nan:1"),
    ("5:1", "LO < HI"),
    ("1:1", "LO < HI"),
    ("1:1.0000000000001", "too narrow to draw"),
    (":", "cannot read the range ':'"),
    ("", "cannot read the range ''"),
    ("a:b", "cannot read the range 'a:b'"),
    ("5", "cannot read the range '5'"),
])
def test_a_range_that_cannot_be_drawn_is_refused(tmp_path: Path, xrange: str, says: str) -> None:
    done = run(["plot", "x^2", "--range", xrange, "-o", "p.png"], cwd=tmp_path)
    no_traceback(done)
    assert done.returncode == EXIT_INPUT
    assert says in done.stderr
    assert list(tmp_path.iterdir()) == []


def test_a_wide_range_of_huge_values_still_draws(tmp_path: Path) -> None:
    done = run(["plot", "x^3", "--range", "-1e100:1e100", "-o", "p.png"], cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "p.png").stat().st_size > 0


# ── SymPy input: the rules text is held to ───────────────────────────────────
x = sympy.Symbol("x")


def test_an_undefined_sympy_f_is_our_abstract_f() -> None:
    d = chainrule.diff(sympy.Function("f")(x))
    assert d.result is Func("f", (Symbol("x"),), 1)
    assert str(chainrule.diff(sympy.sin(sympy.Function("g")(x))).result) == "g'(x)*cos(g(x))"


@pytest.mark.parametrize(("make", "says"), [
    (lambda: sympy.Function("q")(x), "the SymPy function 'q' is not one of chainrule's"),
    (lambda: sympy.Function("f")(x, x), "the abstract function f takes one argument, not 2"),
    (lambda: sympy.Integral(x, x), "cannot represent"),
])
def test_other_sympy_functions_are_a_clear_usage_error(make: Callable[[], Any],
                                                       says: str) -> None:
    with pytest.raises(UsageError, match=says):
        chainrule.diff(make())


@pytest.mark.parametrize(("name", "says"), [
    ("e", "would be written e, which chainrule reads as Euler's number"),
    ("E", "reads as Euler's number"),
    ("pi", "reads as the constant π"),
    ("lambda", "'lambda' is a Python keyword"),
    ("class", "Python keyword"),
    ("__x", "names cannot start with '__'"),
    ("I", "'I' is reserved for the imaginary unit"),
    ("nan", "'nan' is reserved"),
    ("oo", "'oo' is reserved"),
    ("inf", "'inf' is reserved"),
    ("sin", "sin needs parentheses"),
    ("x y", "not as one symbol"),
    ("2x", "not as one symbol"),
])
def test_a_sympy_symbol_must_be_a_name_text_reads_as_that_symbol(name: str, says: str) -> None:
    with pytest.raises(UsageError, match=says) as caught:
        chainrule.diff(sympy.Symbol(name) ** 2)
    assert "name it as you would in text" in str(caught.value)


def test_a_sympy_symbol_spelled_as_text_would_be_is_that_symbol() -> None:
    assert str(chainrule.diff(sympy.Symbol("theta") ** 2).result) == "2*theta"
    assert str(chainrule.diff(sympy.Symbol("θ") ** 2).result) == "2*theta"  # θ reads as theta
    assert str(chainrule.diff(sympy.Symbol("w1") ** 2).result) == "2*w1"
    assert chainrule.diff(sympy.E ** x).result is parse("exp(x)")  # Euler's number: sympy.E


@pytest.mark.parametrize(("make", "says"), [
    (lambda: sympy.I * x, "the imaginary unit I"),
    (lambda: sympy.oo * x, "infinity"),
    (lambda: x + sympy.nan, "nan, not a number"),
    (lambda: x + sympy.zoo, "complex infinity"),
    (lambda: sympy.log(-2) * x, "the imaginary unit I"),  # SymPy: log(2) + I·π
    (lambda: sympy.asin(2) * x, r"asin\(2\) is undefined"),  # as the text asin(2)*x is
    (lambda: sympy.Integer(10) ** (MAX_NUMBER_DIGITS + 5) * x, "too large"),
    (lambda: sympy.Integer(10) ** 2000 * x, "number too long"),  # as the text 10…0*x is
    (lambda: sympy.Float("1e100000") * x, "too large or too small"),
    (lambda: sympy.Dummy("x") ** 2, "Dummy"),
])
def test_sympy_numbers_and_constants_are_held_to_the_text_rules(make: Callable[[], Any],
                                                                says: str) -> None:
    with pytest.raises(UsageError, match=says):
        chainrule.diff(make())


def test_a_sympy_float_is_its_exact_decimal() -> None:
    assert str(chainrule.diff(sympy.Float("0.1") * x).result) == "1/10"


def test_a_sympy_expression_deeper_than_the_parser_allows_is_refused() -> None:
    deep = x
    for _ in range(MAX_NESTING + 1):
        deep = sympy.sin(deep, evaluate=False)
    with pytest.raises(UsageError, match="nested too deep: more than 20,000 levels"):
        chainrule.diff(deep)


def test_sympy_input_is_held_to_the_rules_in_grad_and_points_too() -> None:
    with pytest.raises(UsageError, match="Euler's number"):
        chainrule.grad(sympy.Symbol("e") * x)
    d = chainrule.diff("x^2")
    assert d.at(x=sympy.Rational(1, 2)).slope.text == "1"
    assert d.at(x=sympy.pi / 4).at.pretty() == "π/4"
    with pytest.raises(UsageError, match=r"the value of x: .*imaginary unit"):
        d.at(x=sympy.I)


# ── points: every real number type, read as the number it shows ──────────────
np = pytest.importorskip("numpy")


@pytest.mark.parametrize(("value", "slope"), [
    (np.float64(0.5), "1"),
    (np.float64(0.1), "1/5"),       # one tenth, as numpy shows it: not 0.1000000000000000055…
    (np.float32(0.1), "1/5"),       # float32(0.1) shows 0.1 too
    (np.int64(3), "6"),
    (np.array(0.5), "1"),           # a 0-d array
    (Fraction(1, 3), "2/3"),
    (Decimal("0.1"), "1/5"),
    (0.1, "1/5"),
    (7, "14"),
])
def test_real_numbers_of_any_type_are_read_exactly(value: Any, slope: str) -> None:
    d = chainrule.diff("x^2")
    assert d.at(x=value).slope.text == slope
    assert d.at(value).slope.text == slope
    assert d.at({"x": value}).slope.text == slope


@pytest.mark.parametrize(("value", "says"), [
    (True, "must be a number, not the truth value True"),
    (np.bool_(True), "not the truth value"),
    (1j, "must be a real number, not the complex number 1j"),
    (np.complex128(1 + 2j), "complex number"),
    (float("nan"), "must be a finite number, not nan"),
    (float("inf"), "must be a finite number, not inf"),
    (np.float64("nan"), "must be a finite number, not nan"),
    (Decimal("Infinity"), "must be a finite number"),
    (np.array([1.0, 2.0]), "must be one number, not an array of shape (2,)"),
    (object(), "must be a number"),
])
def test_values_that_are_not_one_real_number_are_refused(value: Any, says: str) -> None:
    with pytest.raises(UsageError) as caught:
        chainrule.diff("x^2").at(x=value)
    assert says in str(caught.value)


# ── let_form: text and SymPy, as the other functions take them ───────────────
def test_let_form_reads_text_and_sympy() -> None:
    assert chainrule.let_form("x^2").body is parse("x^2")
    assert chainrule.let_form(x ** 2).body is parse("x**2")
    with pytest.raises(ParseError):
        chainrule.let_form("sin(")
    with pytest.raises(UsageError, match="cannot differentiate a list"):
        chainrule.let_form([1, 2])
    with pytest.raises(UsageError, match="at least 1"):
        chainrule.let_form("x", switch=0)


# ── pickling and deep copies at any depth ────────────────────────────────────
DEPTH = 5000
DEEP = "sin(" * DEPTH + "x" + ")" * DEPTH


def round_trips(result: Any, text: Callable[[Any], str]) -> None:
    """pickle and deepcopy give back a result that renders as the original does."""
    shown = text(result)
    for protocol in (2, pickle.HIGHEST_PROTOCOL):
        again = pickle.loads(pickle.dumps(result, protocol))
        assert type(again) is type(result)
        assert text(again) == shown
    copied = copy.deepcopy(result)
    assert type(copied) is type(result)
    assert text(copied) == shown


def test_expressions_pickle_at_any_depth_and_keep_their_identity() -> None:
    e = parse("sin(" * 19_000 + "x" + ")" * 19_000)
    assert pickle.loads(pickle.dumps(e)) is e  # rebuilt through the intern table
    assert copy.deepcopy(e) is e and copy.copy(e) is e
    shared = parse("sin(x)")
    pair = Mul((shared, shared))
    again = pickle.loads(pickle.dumps([pair, shared]))
    assert again[0] is pair and again[0].factors[0] is again[0].factors[1] is again[1]


def test_a_pickled_expression_is_rebuilt_when_it_is_not_interned_any_more() -> None:
    data = pickle.dumps(parse("atan2(y, x) + f''(x**3) - 1/7"))
    import gc
    gc.collect()
    assert str(pickle.loads(data)) == "atan2(y, x) + f''(x**3) - 1/7"


def test_a_deep_derivation_and_its_steps_pickle_and_copy() -> None:
    d = chainrule.diff(DEEP)
    round_trips(d, lambda r: r.to_text() + r.to_latex())
    round_trips(d.steps, repr)
    again = pickle.loads(pickle.dumps(d))
    assert again.result is d.result


def test_a_deep_check_result_pickles_and_copies() -> None:
    round_trips(chainrule.check(DEEP, "cos(x)"), lambda r: r.to_text())


# A gradient's sweep holds, for a chain n deep, adjoints that are products of up to n
# factors: O(n²) in memory already, so its pickle is too (about 50 MB at depth 5000).
# Depth 2000 is well past what recursive pickling survives (the limit is 1000 frames).
GRAD_DEEP = "sin(" * 2000 + "x" + ")" * 2000


def test_a_deep_gradient_pickles_and_copies() -> None:
    round_trips(chainrule.grad("y*" + GRAD_DEEP, verify="off"), lambda r: r.to_text())


def test_a_deep_descent_pickles_and_copies() -> None:
    run_ = chainrule.descend("(w - 3)^2 + " + GRAD_DEEP.replace("x", "w"), "w", {"w": 0},
                             steps=3, verify="off")
    round_trips(run_, lambda r: r.to_text())


def test_errors_of_the_api_are_chainrule_errors() -> None:
    for call in (lambda: chainrule.diff(sympy.Function("q")(x)),
                 lambda: chainrule.diff("x^2").at(x=np.float64("inf")),
                 lambda: chainrule.let_form(3.5)):
        with pytest.raises(ChainruleError):
            call()
