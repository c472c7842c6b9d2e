"""Gradients: one reverse sweep, proven partials, the computational graph, values at a point.

The textbook network J = (y − σ(w₂·σ(w₁·x)))² is checked against formulas derived by
hand and against SymPy; random small networks (hypothesis) against SymPy's derivative per
parameter; the sweep's size and sharing against the promise of backpropagation.
"""

from __future__ import annotations

import json
import math
import re

import pytest
import sympy as sp
from click.testing import CliRunner
from helpers import assert_equiv
from hypothesis import assume, given, note
from hypothesis import strategies as st

import chainrule
from chainrule import backprop
from chainrule.backprop import operation_count, reverse_sweep
from chainrule.cli import main
from chainrule.errors import UsageError, VerificationError
from chainrule.evaluate import evaluate
from chainrule.expr import Add, Div, Expr, Func, Mul, Neg, Num, Pow, Symbol, node_count, postorder
from chainrule.parser import parse
from chainrule.sympy_bridge import sympy_symbol, to_sympy

TEXTBOOK = "(y - sigmoid(w2*sigmoid(w1*x)))**2"
POINT = "x=1,y=0,w1=0.5,w2=-0.3"
DONE_WHEN = ["grad", TEXTBOOK, "--wrt", "w1,w2", "--graph", "--at", POINT]


def sigma(v: float) -> float:
    return 1 / (1 + math.exp(-v))


@pytest.fixture(scope="module")
def textbook() -> chainrule.GradResult:
    return chainrule.grad(TEXTBOOK, wrt=["w1", "w2"])


# ── the textbook network ─────────────────────────────────────────────────────
# By hand: with a₁ = σ(w1·x) and ŷ = σ(w2·a₁),
#   ∂J/∂w2 = −2(y − ŷ)·ŷ(1 − ŷ)·a₁
#   ∂J/∂w1 = −2(y − ŷ)·ŷ(1 − ŷ)·w2·a₁(1 − a₁)·x
A1 = "sigmoid(w1*x)"
YHAT = f"sigmoid(w2*{A1})"
BY_HAND = {
    "w2": f"-2*(y - {YHAT})*{YHAT}*(1 - {YHAT})*{A1}",
    "w1": f"-2*(y - {YHAT})*{YHAT}*(1 - {YHAT})*w2*{A1}*(1 - {A1})*x",
}


@pytest.mark.parametrize("name", ["w1", "w2"])
def test_textbook_partials_equal_the_hand_derived_formulas(textbook, name: str) -> None:
    ours = to_sympy(textbook.partials[name])
    hand = to_sympy(parse(BY_HAND[name]))
    assert sp.simplify(ours - hand) == 0


@pytest.mark.parametrize("name", ["w1", "w2"])
def test_textbook_partials_equal_sympys_derivative(textbook, name: str) -> None:
    oracle = sp.diff(to_sympy(parse(TEXTBOOK)), sympy_symbol(name))
    assert_equiv(textbook.partials[name], oracle, name)
    assert textbook.verifications[name].status == "symbolic"


def test_textbook_at_the_tutorial_point(textbook) -> None:
    report = textbook.at(POINT)
    x, y, w1, w2 = 1.0, 0.0, 0.5, -0.3
    z1 = w1 * x
    a1 = sigma(z1)
    z2 = w2 * a1
    yhat = sigma(z2)
    J = (y - yhat) ** 2
    assert report.tables.forward == pytest.approx(
        {"z1": z1, "a1": a1, "z2": z2, "y_hat": yhat, "J": J}, rel=1e-12)
    assert report.value == pytest.approx(J, rel=1e-12)
    dz2 = -2 * (y - yhat) * yhat * (1 - yhat)
    by_hand = {"w2": dz2 * a1, "w1": dz2 * w2 * a1 * (1 - a1) * x}
    assert report.gradient == pytest.approx(by_hand, rel=1e-12)
    # The backward table's adjoints reach the same numbers by another route.
    assert {p: report.tables.adjoint[p] for p in ("w1", "w2")} == pytest.approx(by_hand, rel=1e-12)
    assert report.tables.adjoint["z2"] == pytest.approx(dz2, rel=1e-12)
    assert report.finite_difference == pytest.approx(by_hand, rel=1e-7)
    assert report.max_error < 1e-8
    for row in report.tables.rows:
        assert row.product == pytest.approx(row.upstream * row.local, rel=1e-15)


def test_textbook_graph_names_the_intermediates(textbook) -> None:
    g = textbook.graph()
    assert [(n.label, g.pretty(n.formula)) for n in g.nodes] == [
        ("z₁", "w1·x"), ("a₁", "σ(z₁)"), ("z₂", "w2·a₁"), ("ŷ", "σ(z₂)"), ("J", "(y − ŷ)²")]
    local = {(e.parent, e.child): g.pretty(e.local) for e in g.edges}
    assert local == {("J", "y_hat"): "−2(y − ŷ)", ("y_hat", "z2"): "ŷ·(1 − ŷ)",
                     ("z2", "w2"): "a₁", ("z2", "a1"): "w2", ("a1", "z1"): "a₁·(1 − a₁)",
                     ("z1", "w1"): "x"}
    chain = g.chains["w1"]
    assert [[e.parent for e in path] for path in chain.paths] == [["J", "y_hat", "z2", "a1", "z1"]]
    assert [[e.parent for e in path] for path in g.chains["w2"].paths] == [["J", "y_hat", "z2"]]


def test_the_product_of_a_chain_is_the_partial(textbook) -> None:
    """Multiplying the local derivatives along the chain gives the symbolic partial."""
    g = textbook.graph()
    for p in ("w1", "w2"):
        (path,) = g.chains[p].paths
        product: Expr = Mul(tuple(e.raw for e in path))
        values = textbook.at(POINT)
        env = {**values.point, **values.tables.forward}
        assert evaluate(product, env) == pytest.approx(values.gradient[p], rel=1e-12)


# ── the sweep ────────────────────────────────────────────────────────────────
def test_no_per_parameter_differentiation(monkeypatch) -> None:
    """The gradient never calls the single-variable differentiator."""
    from chainrule import differentiate

    def refuse(*args, **kwargs):
        raise AssertionError("grad differentiated once per parameter")
    monkeypatch.setattr(differentiate.Derivator, "derive", refuse)
    g = chainrule.grad(network(3, 4), verify="off")
    assert len(g.partials) == len(free_names(network(3, 4)))


def test_each_local_derivative_is_built_once_however_many_parameters(monkeypatch) -> None:
    J = network(4, 5)
    calls = {"n": 0}
    for kind, rule in list(backprop.LOCAL.items()):
        def counted(node, i, _rule=rule):
            calls["n"] += 1
            return _rule(node, i)
        monkeypatch.setitem(backprop.LOCAL, kind, counted)
    edges = sum(len(n.children) for n in postorder(J))
    reverse_sweep(J, ["v1"])
    one = calls["n"]
    calls["n"] = 0
    reverse_sweep(J, sorted(free_names(J)))
    assert calls["n"] <= edges
    assert one <= calls["n"]


def test_adjoints_are_shared_by_every_parameter_below_them() -> None:
    J = parse(TEXTBOOK)
    sweep = reverse_sweep(J, ["w1", "w2"])
    z2 = parse("w2*sigmoid(w1*x)")
    upstream = sweep.adjoints[z2]   # ∂J/∂z₂, one node
    for p in ("w1", "w2"):
        assert any(n is upstream for n in postorder(sweep.partials[p]))


def network(n_in: int, n_hidden: int) -> Expr:
    """J = (y − σ(Σⱼ vⱼ·σ(Σᵢ uⱼᵢ·xᵢ)))², with n_hidden·(n_in + 1) weights."""
    xs = [Symbol(f"x{i}") for i in range(n_in)]
    hidden = [Func("sigmoid",
                   (Add(tuple(Mul((Symbol(f"u{j}_{i}"), x)) for i, x in enumerate(xs))),))
              for j in range(n_hidden)]
    out = Func("sigmoid", (Add(tuple(Mul((Symbol(f"v{j}"), a)) for j, a in enumerate(hidden))),))
    return Pow(Add((Symbol("y"), Neg(out))), Num(2))


def free_names(e: Expr) -> set[str]:
    return set(e.free_symbols)


@pytest.mark.parametrize("n_in, n_hidden", [(4, 2), (9, 10), (19, 50)])  # 10, 100, 1000 weights
def test_gradient_size_is_a_small_multiple_of_J(n_in: int, n_hidden: int) -> None:
    J = network(n_in, n_hidden)
    weights = sorted(n for n in free_names(J) if n[0] in "uv")
    assert len(weights) == n_hidden * (n_in + 1)
    sweep = reverse_sweep(J, weights)
    assert operation_count(*sweep.partials.values()) <= 4 * operation_count(J)


def test_deep_and_wide_expressions_stay_linear() -> None:
    deep: Expr = Symbol("x")
    for _ in range(5000):
        deep = Func("sin", (deep,))
    sweep = reverse_sweep(deep, ["x"])   # no recursion: 5000 levels
    assert operation_count(sweep.partials["x"]) <= 4 * operation_count(deep)
    wide = Mul(tuple(Symbol(f"x{i}") for i in range(200)))
    names = [f"x{i}" for i in range(200)]
    sweep = reverse_sweep(wide, names)
    # 200 partials, each the product of 199 factors: shared prefix/suffix products, not 200².
    assert node_count(Add(tuple(sweep.partials.values()))) <= 4 * node_count(wide)
    point = {n: 1 + i / 1000 for i, n in enumerate(names)}
    total = evaluate(wide, point)
    assert evaluate(sweep.partials["x17"], point) == pytest.approx(total / point["x17"])


# ── random small networks and random expressions against SymPy ──────────────
ACTIVATION = st.sampled_from(["sigmoid", "tanh", "softplus", "sin"])


@st.composite
def small_networks(draw) -> tuple[Expr, list[str]]:
    n_in = draw(st.integers(1, 3))
    n_hidden = draw(st.integers(1, 3))
    act1, act2 = draw(ACTIVATION), draw(st.sampled_from(["sigmoid", "tanh"]))
    bias = draw(st.booleans())
    xs = [Symbol(f"x{i}") for i in range(n_in)]
    hidden = []
    for j in range(n_hidden):
        terms = [Mul((Symbol(f"w{j}_{i}"), x)) for i, x in enumerate(xs)]
        if bias:
            terms.append(Symbol(f"b{j}"))
        hidden.append(Func(act1, (Add(tuple(terms)),)))
    out = Func(act2, (Add(tuple(Mul((Symbol(f"v{j}"), h)) for j, h in enumerate(hidden))),))
    y = Symbol("y")
    if draw(st.booleans()):
        J: Expr = Pow(Add((y, Neg(out))), Num(2))
    else:  # a smooth loss with a log: log(1 + (y − ŷ)²)
        J = Func("log", (Add((Num(1), Pow(Add((y, Neg(out))), Num(2)))),))
    params = sorted(n for n in free_names(J) if n[0] in "wbvx")
    wrt = draw(st.lists(st.sampled_from(params), min_size=1, max_size=len(params), unique=True))
    return J, wrt


def _assert_matches_sympy(J: Expr, wrt: list[str], points: int = 4) -> int:
    """Compare every partial with SymPy's at random points; return how many were compared."""
    names = sorted(free_names(J))
    symbols = [sympy_symbol(n) for n in names]
    J_sp = to_sympy(J)
    sweep = reverse_sweep(J, wrt)
    rng = __import__("random").Random(5)
    for p in wrt:
        oracle = sp.lambdify(symbols, sp.diff(J_sp, sympy_symbol(p)), "math")
        checked = 0
        for _ in range(40):
            point = {n: rng.uniform(-1.5, 1.5) for n in names}
            try:
                evaluate(J, point, strict=True)
                ours = evaluate(sweep.partials[p], point)
                theirs = float(oracle(*[point[n] for n in names]))
                # A point where moving the inputs by 1e-12 moves the value by 1e-6 (sin of
                # a huge power) amplifies rounding beyond the tolerance: two correct float
                # evaluations in a different order disagree there. Such points are skipped.
                nudged = float(oracle(*[point[n] * (1 + 1e-12) for n in names]))
            except (ValueError, ZeroDivisionError, OverflowError, TypeError,
                    chainrule.UndefinedError):
                continue
            if abs(nudged - theirs) > 1e-6 * max(1.0, abs(theirs)):
                continue
            assert ours == pytest.approx(theirs, rel=1e-9, abs=1e-12), (p, point)
            checked += 1
            if checked == points:
                break
        if not checked:
            return 0  # J is undefined at every point tried
    return len(wrt)


@given(small_networks())
def test_random_networks_match_sympy_per_parameter(case) -> None:
    J, wrt = case
    note(f"J = {J}; wrt = {wrt}")
    assert _assert_matches_sympy(J, wrt) == len(wrt)


LEAVES = st.sampled_from([Symbol("x"), Symbol("y"), Symbol("w"), Num(2), Num(-1)])
UNARY = st.sampled_from(["sin", "cos", "exp", "tanh", "sigmoid", "atan", "softplus", "sqrt",
                         "log"])


def _expressions() -> st.SearchStrategy[Expr]:
    def extend(children: st.SearchStrategy[Expr]) -> st.SearchStrategy[Expr]:
        return st.one_of(
            st.builds(lambda a, b: Add((a, b)), children, children),
            st.builds(lambda a, b, c: Mul((a, b, c)), children, children, children),
            st.builds(lambda a, b: Mul((a, b)), children, children),
            st.builds(Neg, children),
            st.builds(lambda a, b: Func("log", (Add((Num(2), Pow(a, Num(2)))),)) if b else
                      Pow(a, Num(3)), children, st.booleans()),
            st.builds(lambda a, b: Pow(Add((Num(2), Pow(a, Num(2)))), b), children, children),
            st.builds(lambda a, b: Div(a, Add((Num(2), Pow(b, Num(2))))), children, children),
            st.builds(lambda f, a: Func(f, (a,)), UNARY, children),
            st.builds(lambda a, b: Func("atan2", (a, Add((Num(3), Pow(b, Num(2)))))),
                      children, children),
        )
    return st.recursive(LEAVES, extend, max_leaves=8)


@given(_expressions())
def test_random_expressions_match_sympy_per_parameter(J: Expr) -> None:
    names = sorted(free_names(J))
    if not names:
        return
    note(f"J = {J}")
    assume(_assert_matches_sympy(J, names, points=2) > 0)


# ── the API ──────────────────────────────────────────────────────────────────
def test_default_parameters_are_every_symbol_in_natural_order() -> None:
    g = chainrule.grad("w10*x + w2*x + w1", verify="off")
    assert g.wrt == ("w1", "w2", "w10", "x")


@pytest.mark.parametrize("wrt", ["w1,w2", " w1 , w2 ", ["w1", "w2"], [Symbol("w1"), "w2"]])
def test_parameters_can_be_given_in_several_ways(wrt) -> None:
    assert chainrule.grad("w1*w2*x", wrt, verify="off").wrt == ("w1", "w2")


@pytest.mark.parametrize("wrt, message", [
    ("w1,w1", "twice"), ("w1,,w2", "empty"), ("sin", "function"), ("pi", "constant"),
    ("2w", "symbol name")])
def test_bad_parameters_are_usage_errors(wrt, message) -> None:
    with pytest.raises(UsageError, match=message):
        chainrule.grad("w1*w2", wrt)


def test_an_expression_without_symbols_has_no_gradient() -> None:
    with pytest.raises(UsageError, match="no symbols"):
        chainrule.grad("sin(2)")


def test_other_symbols_are_held_constant(textbook) -> None:
    assert textbook.held_constant("w1") == ["w2", "x", "y"]
    text = textbook.to_text()
    assert "(w2, x, y held constant)" in text and "(w1, x, y held constant)" in text


def test_a_parameter_absent_from_J_has_partial_zero() -> None:
    g = chainrule.grad("x*y", "z,x")
    assert str(g.partials["z"]) == "0" and str(g.partials["x"]) == "y"
    assert g.graph().chains["z"].path_count == 0


def test_a_wrong_local_derivative_is_caught_by_verification(monkeypatch) -> None:
    """Verification is wired to every partial: a broken rule never reaches the user."""
    good = backprop.LOCAL[Func]

    def broken(node, i):
        return Mul((Num(2), good(node, i))) if node.name == "sigmoid" else good(node, i)
    monkeypatch.setitem(backprop.LOCAL, Func, broken)
    with pytest.raises(VerificationError, match="∂/∂w1"):
        chainrule.grad(TEXTBOOK, ["w1"])


def test_simplify_none_gives_the_raw_shared_graph() -> None:
    g = chainrule.grad(TEXTBOOK, ["w1", "w2"], simplify="none")
    assert g.partials == g.raw_partials
    assert g.verification.status == "symbolic"


def test_abstract_functions_and_several_paths() -> None:
    g = chainrule.grad("f(w*x) + w*sin(w)", "w")
    assert g.verification.proven
    chain = g.graph().chains["w"]
    assert chain.path_count == 3 and chain.complete


def test_to_dict_is_the_documented_json(textbook) -> None:
    doc = json.loads(json.dumps(textbook.to_dict(point=POINT)))
    assert doc["schema"] == "1.3" and doc["input"] == TEXTBOOK and doc["wrt"] == ["w1", "w2"]
    assert set(doc["partials"]) == {"w1", "w2"}
    for p, text in doc["partials"].items():
        assert parse(text) is textbook.partials[p]          # Python syntax that parses back
    assert doc["verification"]["status"] == "symbolic"
    assert set(doc["verification"]["partials"]) == {"w1", "w2"}
    assert [n["name"] for n in doc["graph"]["nodes"]] == ["z1", "a1", "z2", "y_hat", "J"]
    assert doc["graph"]["chains"]["w1"]["paths"] == [["J", "y_hat", "z2", "a1", "z1", "w1"]]
    assert doc["at"]["J"] == pytest.approx((0 - sigma(-0.3 * sigma(0.5))) ** 2)
    assert doc["held_constant"]["w2"] == ["w1", "x", "y"]
    assert doc["operations"]["gradient"] <= 4 * doc["operations"]["function"]


@pytest.mark.parametrize("point, message", [
    ("x=1,y=0,w1=0.5", "no value for w2"), ("x=1,y=0,w1=0.5,w2=1,q=2", "q is not in"),
    ("x=1,x=2", "twice"), ("x", "name=value"), ("x=y", "must be a number"),
    ("x=log(-1),y=0,w1=0,w2=0", "not a real number")])
def test_bad_points_are_usage_errors(textbook, point, message) -> None:
    # (the parser may already refuse a value such as log(-1): a ParseError, also a ValueError)
    with pytest.raises((UsageError, chainrule.ParseError), match=message):
        textbook.at(point)


def test_point_values_may_be_expressions() -> None:
    assert chainrule.grad("x*y", verify="off").at("x=pi/4, y=log(2, 4)").point == {
        "x": pytest.approx(math.pi / 4), "y": pytest.approx(0.5)}


# ── the command line ─────────────────────────────────────────────────────────
def run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), env={"NO_COLOR": "1", **(env or {})})
    return result.exit_code, result.stdout, result.stderr


def test_done_when_command_shows_everything() -> None:
    code, out, err = run(*DONE_WHEN, "--format", "plain")
    assert code == 0, err
    lines = out.splitlines()
    for needed in ["z₁ = w1·x", "a₁ = σ(z₁)", "z₂ = w2·a₁", "ŷ  = σ(z₂)", "J  = (y − ŷ)²",
                   "∂J/∂w1 = ∂J/∂ŷ · ∂ŷ/∂z₂ · ∂z₂/∂a₁ · ∂a₁/∂z₁ · ∂z₁/∂w1",
                   "= −2(y − ŷ) · ŷ·(1 − ŷ) · w2 · a₁·(1 − a₁) · x",
                   "∂J/∂w2 = ∂J/∂ŷ · ∂ŷ/∂z₂ · ∂z₂/∂w2", "= −2(y − ŷ) · ŷ·(1 − ŷ) · a₁",
                   "Forward pass", "Backward pass", "✓ proven: both partials"]:
        assert any(needed in line for line in lines), needed
    table = out.split("Forward pass")[1].split("Backward pass")[0].splitlines()[2:]
    forward = {m.group(1): m.group(2) for m in
               (re.match(r"\s+(\S+)\s+(\S+)\s+\S", line) for line in table) if m}
    assert forward["a₁"] == "0.6225" and forward["ŷ"] == "0.4535" and forward["J"] == "0.2056"
    assert "upstream" in out and "local" in out and "product" in out
    assert "(finite difference: −0.01585)" in out
    assert all(len(line) <= 80 for line in lines), max(lines, key=len)


def test_rich_output_has_the_same_words_in_colour() -> None:
    result = CliRunner().invoke(main, [*DONE_WHEN, "--format", "rich", "--width", "80"],
                                env={"FORCE_COLOR": "1"})
    assert result.exit_code == 0
    out = result.stdout
    plain = re.sub(r"\x1b\[[0-9;]*m", "", out)
    assert "\x1b[" in out
    assert "∂J/∂w1 = ∂J/∂ŷ · ∂ŷ/∂z₂ · ∂z₂/∂a₁ · ∂a₁/∂z₁ · ∂z₁/∂w1" in plain
    assert all(len(line) <= 80 for line in plain.splitlines())


def test_json_output() -> None:
    code, out, _ = run("grad", TEXTBOOK, "--wrt", "w1,w2", "--at", POINT, "--format", "json")
    assert code == 0
    doc = json.loads(out)
    assert {"schema", "input", "partials", "verification", "graph", "at"} <= set(doc)


@pytest.mark.parametrize("args, message", [
    (["grad", "x*y+"], "column 5"),
    (["grad", "x*y", "--at", "x=1,y=sin("], "in --at"),
    (["grad", "x*y", "--at", "x=1"], "no value for y"),
    (["grad", "x*y", "--wrt", "sin"], "function"),
    (["grad"], "missing the expression"),
    (["grad", "x*y", "--numpy"], "--format python"),
    # a point where J or the gradient has no value: the failing part, in the user's terms
    (["grad", "log(x*y)", "--at", "x=-1,y=1"],
     "J has no value at this point: ln(x·y) has no real value where x·y = −1"),
    (["grad", "sqrt(x)", "--at", "x=0"],
     "the gradient has no value at this point: 1/(2√x) divides by zero"),
    (["grad", "exp(x^2)", "--at", "x=100"], "e^(x²) is too large for a floating-point number"),
])
def test_bad_input_exits_2_with_a_message(args, message) -> None:
    code, _out, err = run(*args)
    assert code == 2 and message in err and "Traceback" not in err


def test_several_paths_are_summed_and_many_paths_use_the_recurrence() -> None:
    code, out, _ = run("grad", "w*sin(w)", "--graph", "--at", "w=1")
    assert code == 0
    assert "∂J/∂w = ∂J/∂w (direct)" in out and "+ ∂J/∂v₁ · ∂v₁/∂w" in out
    assert "= 0.8415 + 0.5403 = 1.382" in out
    many = "exp(sin(w)*cos(w) + w)*sin(sin(w)*cos(w) + w) + w*sin(w)*cos(w)"
    code, out, _ = run("grad", many, "--graph", "--at", "w=0.3")
    assert code == 0 and "9 paths reach w; over its parents:" in out
    total = chainrule.grad(many, verify="off").at("w=0.3").gradient["w"]
    assert f"= {total:.4g}" in out.split("9 paths")[1].split("Forward")[0]
    assert all(len(line) <= 80 for line in out.splitlines())


def test_at_without_graph_shows_the_tables() -> None:
    code, out, _ = run("grad", TEXTBOOK, "--wrt", "w1,w2", "--at", POINT)
    assert code == 0 and "Forward pass" in out and "Backward pass" in out
    assert "Chains" not in out and "Computational graph" not in out


def test_the_functions_are_not_shadowed_by_their_modules() -> None:
    """chainrule.grad stays the function even when its module is imported first."""
    import subprocess
    import sys
    code = ("import chainrule.gradients, chainrule.descent, chainrule\n"
            "from chainrule.gradients import GradResult\n"
            "assert callable(chainrule.grad) and callable(chainrule.descend)\n"
            "assert isinstance(chainrule.grad('x*y', verify='off'), chainrule.GradResult)\n"
            "import sys\n"
            "assert not any(m.split('.')[0] in ('sympy', 'rich', 'numpy', 'matplotlib')\n"
            "               for m in sys.modules)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr


def test_graph_names_avoid_the_users_symbols() -> None:
    g = chainrule.grad("J*(y - sigmoid(a1*sigmoid(z2*x)))**2", "a1,z2", verify="off").graph()
    assert [n.label for n in g.nodes] == ["s₁", "h₁", "s₂", "ŷ", "L"]
    assert g.output.name == "L" and "J" in g.symbols
    # Two activations read by the output: no single ŷ, so both stay a.
    g = chainrule.grad("(p - sigmoid(u*x))**2 + (q - tanh(v*x))**2", "u,v", verify="off").graph()
    assert [n.name for n in g.nodes] == ["z1", "a1", "z2", "a2", "J"]
