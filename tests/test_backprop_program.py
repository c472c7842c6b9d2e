"""The generated backprop program: it runs on its own and computes the symbolic gradient."""

from __future__ import annotations

import math
import random
import subprocess
import sys

import pytest
from click.testing import CliRunner
from hypothesis import assume, given, note
from hypothesis import strategies as st

import chainrule
from chainrule.cli import main
from chainrule.codegen import IMPLEMENTATIONS, backprop_program
from chainrule.errors import UndefinedError, UsageError
from chainrule.evaluate import evaluate
from chainrule.expr import Add, Div, Expr, Func, Mul, Neg, Num, Pow, Symbol
from chainrule.functions import FUNCTIONS

TEXTBOOK = "(y - sigmoid(w2*sigmoid(w1*x)))**2"


def sigma(v: float) -> float:
    return 1 / (1 + math.exp(-v))


def assert_program_matches(result: chainrule.GradResult, point: dict[str, float],
                           numpy: bool = False) -> None:
    f = result.compile(numpy=numpy)
    J, gradient = f(**point)
    assert float(J) == pytest.approx(evaluate(result.expr, point), rel=1e-9, abs=1e-12)
    assert set(gradient) == set(result.wrt)
    for p in result.wrt:
        assert float(gradient[p]) == pytest.approx(evaluate(result.raw_partials[p], point),
                                                   rel=1e-9, abs=1e-12), p


def test_the_textbook_program_runs_alone_with_only_the_standard_library(tmp_path) -> None:
    source = chainrule.grad(TEXTBOOK, "w1,w2", verify="off").program()
    path = tmp_path / "backprop.py"
    path.write_text(source, encoding="utf-8")
    # -I: isolated (no user site, no PYTHONPATH, not the current directory); -S: no
    # site-packages at all, so neither chainrule nor NumPy could be imported.
    done = subprocess.run([sys.executable, "-I", "-S", str(path), "x=1", "y=0", "w1=0.5",
                           "w2=-0.3"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    values = dict(line.split(" = ") for line in done.stdout.strip().splitlines())
    a1 = sigma(0.5)
    yhat = sigma(-0.3 * a1)
    dz2 = -2 * (0 - yhat) * yhat * (1 - yhat)
    assert float(values["J"]) == pytest.approx(yhat ** 2, rel=1e-14)
    assert float(values["dJ/dw2"]) == pytest.approx(dz2 * a1, rel=1e-14)
    assert float(values["dJ/dw1"]) == pytest.approx(dz2 * -0.3 * a1 * (1 - a1), rel=1e-14)


def test_the_program_reads_as_backpropagation() -> None:
    source = chainrule.grad(TEXTBOOK, "w1,w2", verify="off").program()
    assert "def loss_and_gradient(*, w1, w2, x, y):" in source
    forward = ["z1 = w1*x", "a1 = sigmoid(z1)", "z2 = w2*a1", "y_hat = sigmoid(z2)",
               "J = (y - y_hat)**2"]
    backward = ["dJ_dy_hat = -2*(y - y_hat)", "dJ_dz2 = dJ_dy_hat*(y_hat*(1 - y_hat))",
                "dJ_da1 = dJ_dz2*w2", "dJ_dz1 = dJ_da1*(a1*(1 - a1))", "dJ_dw1 = dJ_dz1*x",
                "dJ_dw2 = dJ_dz2*a1"]
    positions = [source.index(line) for line in forward + backward]
    assert positions == sorted(positions)   # the forward pass, then the backward pass
    assert "return J, {'w1': dJ_dw1, 'w2': dJ_dw2}" in source
    compile(source, "<test>", "exec")


def test_every_function_has_code_that_computes_its_value() -> None:
    rng = random.Random(3)
    for name, entry in FUNCTIONS.items():
        if entry.abstract:
            assert name not in IMPLEMENTATIONS
            continue
        assert name in IMPLEMENTATIONS, f"add {name} to chainrule.codegen.IMPLEMENTATIONS"
        for arity in entry.arities:
            args = tuple(Symbol(f"u{i}") for i in range(arity))
            J = Func(name, args)
            result = chainrule.grad(J, [a.name for a in args], verify="off")
            checked = 0
            for _ in range(200):
                point = {a.name: rng.uniform(-3, 3) for a in args}
                if not entry.domain(*point.values()):
                    continue
                try:
                    evaluate(J, point)
                except UndefinedError:
                    continue
                assert_program_matches(result, point)
                checked += 1
                if checked == 3:
                    break
            assert checked == 3, name


@pytest.mark.parametrize("name", sorted(n for n, e in FUNCTIONS.items() if not e.abstract))
def test_numpy_implementations_agree_with_math(name: str) -> None:
    np = pytest.importorskip("numpy")
    entry = FUNCTIONS[name]
    arity = min(entry.arities)
    args = tuple(Symbol(f"u{i}") for i in range(arity))
    result = chainrule.grad(Func(name, args), [a.name for a in args], verify="off")
    f, g = result.compile(), result.compile(numpy=True)
    rng = random.Random(4)
    points = []
    while len(points) < 5:
        point = {a.name: rng.uniform(-3, 3) for a in args}
        if entry.domain(*point.values()):
            try:
                f(**point)
            except (ValueError, ZeroDivisionError):
                continue
            points.append(point)
    arrays = {a.name: np.array([p[a.name] for p in points]) for a in args}
    J, gradient = g(**arrays)
    for i, point in enumerate(points):
        J1, g1 = f(**point)
        assert J[i] == pytest.approx(J1, rel=1e-12, abs=1e-14)
        for p in result.wrt:
            assert gradient[p][i] == pytest.approx(g1[p], rel=1e-12, abs=1e-14)


def test_numpy_program_is_vectorised_over_samples() -> None:
    np = pytest.importorskip("numpy")
    result = chainrule.grad(TEXTBOOK, "w1,w2", verify="off")
    source = result.program(numpy=True)
    assert "import numpy as np" in source and "math" not in source.split('"""')[2]
    f = result.compile(numpy=True)
    xs = np.linspace(-2, 2, 7)
    J, gradient = f(x=xs, y=0.0, w1=0.5, w2=-0.3)
    scalar = result.compile()
    for i, x in enumerate(xs):
        J1, g1 = scalar(x=float(x), y=0.0, w1=0.5, w2=-0.3)
        assert J[i] == pytest.approx(J1) and gradient["w1"][i] == pytest.approx(g1["w1"])


# ── random networks and expressions ──────────────────────────────────────────
@st.composite
def networks(draw) -> Expr:
    n_in, n_hidden = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    act = draw(st.sampled_from(["sigmoid", "tanh", "softplus", "relu", "atan"]))
    xs = [Symbol(f"x{i}") for i in range(n_in)]
    hidden = [Func(act, (Add((*(Mul((Symbol(f"w{j}_{i}"), x)) for i, x in enumerate(xs)),
                              Symbol(f"b{j}"))),)) for j in range(n_hidden)]
    out = Func("sigmoid", (Add(tuple(Mul((Symbol(f"v{j}"), h)) for j, h in enumerate(hidden))),))
    return Pow(Add((Symbol("y"), Neg(out))), Num(2))


@given(networks(), st.randoms(use_true_random=False))
def test_program_equals_the_symbolic_gradient_on_random_networks(J: Expr, rng) -> None:
    params = sorted(n for n in J.free_symbols if n[0] in "wbv")
    result = chainrule.grad(J, params, verify="off")
    note(f"J = {J}")
    for _ in range(3):
        point = {n: rng.uniform(-2, 2) for n in J.free_symbols}
        try:
            evaluate(J, point, strict=True)
        except UndefinedError:
            continue
        assert_program_matches(result, point)


UNARY = ["sin", "cos", "exp", "tanh", "sigmoid", "atan", "softplus", "log", "sqrt", "cosh"]


def _expressions() -> st.SearchStrategy[Expr]:
    leaves = st.sampled_from([Symbol("x"), Symbol("y"), Symbol("w"), Num(2), Num(-1)])

    def extend(children: st.SearchStrategy[Expr]) -> st.SearchStrategy[Expr]:
        return st.one_of(
            st.builds(lambda a, b: Add((a, b)), children, children),
            st.builds(lambda a, b: Mul((a, b)), children, children),
            st.builds(lambda a, b, c: Mul((a, b, c)), children, children, children),
            st.builds(Neg, children),
            st.builds(lambda a, b: Div(a, Add((Num(2), Pow(b, Num(2))))), children, children),
            st.builds(lambda a: Pow(a, Num(3)), children),
            st.builds(lambda a, b: Pow(Add((Num(2), Pow(a, Num(2)))), b), children, children),
            st.builds(lambda f, a: Func(f, (a,)), st.sampled_from(UNARY), children),
        )
    return st.recursive(leaves, extend, max_leaves=8)


@given(_expressions(), st.randoms(use_true_random=False))
def test_program_equals_the_symbolic_gradient_on_random_expressions(J: Expr, rng) -> None:
    names = sorted(J.free_symbols)
    assume(names)
    result = chainrule.grad(J, names, verify="off")
    f = result.compile()
    note(f"J = {J}\n{result.program()}")
    compared = 0
    for _ in range(20):
        point = {n: rng.uniform(-2, 2) for n in names}
        try:
            evaluate(J, point, strict=True)
            expected = {p: evaluate(result.raw_partials[p], point) for p in names}
        except UndefinedError:
            continue
        J1, gradient = f(**point)
        assert J1 == pytest.approx(evaluate(J, point), rel=1e-9, abs=1e-12)
        for p in names:
            assert gradient[p] == pytest.approx(expected[p], rel=1e-8, abs=1e-10), p
        compared += 1
        if compared == 3:
            break


# ── names, sharing, errors ───────────────────────────────────────────────────
def test_user_symbols_never_collide_with_generated_names() -> None:
    names = ["math", "z1", "a1", "J", "dJ_dw", "y_hat", "t1", "sigmoid_", "gradient"]
    w = Symbol("w")
    J: Expr = Func("sigmoid", (Mul((w, Symbol("math"))),))
    for n in names[1:]:
        J = Add((J, Mul((Symbol(n), Func("sigmoid", (Mul((w, Symbol(n))),))))))
    result = chainrule.grad(J, ["w", "z1", "J"], verify="off")
    point = {n: 0.1 * (i + 1) for i, n in enumerate([*names, "w"])}
    assert_program_matches(result, point)


def test_a_python_keyword_symbol_is_renamed_in_the_program() -> None:
    J = Mul((Symbol("lambda"), Pow(Symbol("w"), Num(2))))
    result = chainrule.grad(J, ["w"], verify="off")   # (the parser refuses such a name)
    assert "def loss_and_gradient(*, lambda_, w):" in result.program()
    J1, gradient = result.compile()(**{"lambda": 2.0, "w": 3.0})
    assert (J1, gradient) == (18.0, {"w": 12.0})


def test_shared_subexpressions_of_local_derivatives_are_computed_once() -> None:
    n = 40
    s = Add(tuple(Mul((Symbol(f"w{i}"), Symbol(f"x{i}"))) for i in range(n)))
    J = Pow(s, Num(3))
    result = chainrule.grad(J, [f"w{i}" for i in range(n)], verify="off")
    source = result.program()
    # The sum appears in the forward pass and once more, as a temporary: not once per weight.
    assert source.count(f"w{n - 1}*x{n - 1}") <= 2
    assert "t1 = " in source
    point = {**{f"w{i}": 0.01 * i for i in range(n)}, **{f"x{i}": 1 - 0.02 * i for i in range(n)}}
    assert_program_matches(result, point)


def test_parameters_that_J_ignores_get_zero() -> None:
    result = chainrule.grad("w*x", "w,q", verify="off")
    assert result.compile()(w=2.0, x=3.0, q=1.0) == (6.0, {"w": 3.0, "q": 0.0})


def test_no_code_for_abstract_functions_or_bad_names() -> None:
    with pytest.raises(UsageError, match="abstract"):
        chainrule.grad("f(w*x)", "w", verify="off").program()
    with pytest.raises(UsageError, match="valid Python name"):
        chainrule.grad(Mul((Symbol("x y"), Symbol("w"))), ["w"], verify="off").program()
    with pytest.raises(UsageError, match="function name"):
        chainrule.grad("w*x", "w", verify="off").program(name="not a name")


def test_numbers_are_float_literals() -> None:
    source = backprop_program(chainrule.grad("w**(1/3) + w/3 + pi*w", "w", verify="off"))
    assert "0.3333333333333333" in source and "1/3" not in source.split('"""')[2]
    assert "math.pi" in source and "math.pow(w, 0.3333333333333333)" in source


def test_cli_prints_the_program() -> None:
    runner = CliRunner()
    out = runner.invoke(main, ["grad", TEXTBOOK, "--wrt", "w1,w2", "--format", "python"])
    assert out.exit_code == 0
    compile(out.stdout, "<cli>", "exec")
    out = runner.invoke(main, ["grad", TEXTBOOK, "--wrt", "w1,w2", "--format", "python",
                               "--numpy"])
    assert out.exit_code == 0 and "import numpy as np" in out.stdout
    out = runner.invoke(main, ["grad", "f(w*x)", "--wrt", "w", "--format", "python"])
    assert out.exit_code == 2 and "abstract" in out.stderr
