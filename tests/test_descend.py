"""Gradient descent: it reaches a convex minimum, drives J down, and reports divergence."""

from __future__ import annotations

import json
from itertools import pairwise

import pytest
from click.testing import CliRunner

import chainrule
from chainrule.cli import main
from chainrule.errors import UndefinedError, UsageError

TEXTBOOK = "(y - sigmoid(w2*sigmoid(w1*x)))**2"
POINT = "x=1,y=0,w1=0.5,w2=-0.3"


def test_descent_on_a_convex_bowl_reaches_its_minimum() -> None:
    run = chainrule.descend("(w - 3)**2 + 2*(b + 1)**2", "w,b", "w=0,b=0", lr=0.1, steps=200)
    assert not run.diverged
    assert run.final == pytest.approx({"w": 3.0, "b": -1.0}, abs=1e-9)
    costs = run.costs
    assert all(later < earlier for earlier, later in pairwise(costs) if earlier > 1e-20)


def test_least_squares_reaches_the_normal_equations_solution() -> None:
    # Points (1, 2), (2, 3), (3, 5): the least-squares line is y = 1.5x + 1/3.
    J = "(w*1 + b - 2)**2 + (w*2 + b - 3)**2 + (w*3 + b - 5)**2"
    run = chainrule.descend(J, "w,b", "w=0,b=0", lr=0.05, steps=2000)
    assert run.final == pytest.approx({"w": 1.5, "b": 1 / 3}, abs=1e-6)


def test_each_step_moves_against_the_derived_gradient() -> None:
    run = chainrule.descend(TEXTBOOK, "w1,w2", POINT, lr=0.5, steps=3)
    g = chainrule.grad(TEXTBOOK, "w1,w2", verify="off")
    for before, after in zip(run.history, run.history[1:]):
        values = {"x": 1.0, "y": 0.0, **before["parameters"]}
        report = g.at(values)
        for p in ("w1", "w2"):
            assert after["parameters"][p] == pytest.approx(
                before["parameters"][p] - 0.5 * report.gradient[p], rel=1e-12)
        assert before["J"] == pytest.approx(report.value, rel=1e-12)


def test_the_textbook_network_learns() -> None:
    seen = []
    run = chainrule.descend(TEXTBOOK, "w1,w2", POINT, lr=0.5, steps=200,
                            progress=lambda k, J: seen.append(k))
    assert seen == list(range(201)) and len(run.history) == 201
    assert run.history[-1]["J"] < run.history[0]["J"] / 10
    assert run.verification.status == "symbolic"


def test_a_learning_rate_too_large_is_reported_as_divergence() -> None:
    run = chainrule.descend("(w - 3)**2", "w", "w=0", lr=1.5, steps=200)
    assert run.diverged and "grew" in run.reason
    assert len(run.history) < 30
    assert "0.15" in run.hint


def test_overflow_is_reported_as_divergence() -> None:
    run = chainrule.descend("w**4", "w", "w=2", lr=1, steps=100)
    assert run.diverged and "overflow" in run.reason
    assert "w⁴ is too large for a floating-point number" in run.reason


def test_leaving_the_domain_is_reported() -> None:
    run = chainrule.descend("w - log(w)", "w", "w=3", lr=5, steps=50)
    assert run.diverged and "domain" in run.reason
    # the part that fails, in the user's notation, not Python's "math domain error"
    assert "ln(w) has no real value at w = −" in run.reason and "math" not in run.reason


@pytest.mark.parametrize("expr, at, message", [
    ("log(w)", "w=-1", "ln(w) has no real value at w = −1"),
    ("exp(w)", "w=1000", "eʷ is too large for a floating-point number at w = 1000"),
    ("w**2", "w=1e200", "w² is too large for a floating-point number"),
    ("1/(w - 1)", "w=1", "1/(w − 1) divides by zero where w − 1 = 0"),
])
def test_no_value_at_the_start_says_which_part_fails(expr: str, at: str, message: str) -> None:
    with pytest.raises(UndefinedError, match="no value at the start") as err:
        chainrule.descend(expr, "w", at)
    assert message in str(err.value)


@pytest.mark.parametrize("kwargs, message", [
    (dict(wrt="w", at="x=1"), "no value for w"),
    (dict(wrt="w", at="w=1,x=1,q=3"), "q is not in"),
    (dict(wrt="w", at="w=1,x=1", lr=0), "learning rate"),
    (dict(wrt="w", at="w=1,x=1", steps=-1), "steps"),
    (dict(wrt=None, at="w=1,x=1"), "parameters"),
])
def test_bad_requests_are_usage_errors(kwargs, message) -> None:
    with pytest.raises(UsageError, match=message):
        chainrule.descend("w*x", **kwargs)


def test_undefined_at_the_start() -> None:
    with pytest.raises(UndefinedError):
        chainrule.descend("log(w)", "w", "w=-1")


@pytest.mark.parametrize("expr, at", [("exp(w)", "w=1000"), ("w^2", "w=1e200")])
def test_cli_overflow_at_the_start_is_an_error_not_a_traceback(expr: str, at: str) -> None:
    code, out, err = run_cli("descend", expr, "--wrt", "w", "--at", at)
    assert code == 2 and "too large for a floating-point number" in err
    assert "Traceback" not in out + err

def run_cli(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), env={"NO_COLOR": "1"})
    return result.exit_code, result.stdout, result.stderr


def test_cli_json_history() -> None:
    code, out, _ = run_cli("descend", TEXTBOOK, "--wrt", "w1,w2", "--at", POINT, "--lr", "0.5",
                           "--steps", "200", "--format", "json")
    assert code == 0
    doc = json.loads(out)
    assert doc["kind"] == "descent" and doc["steps_taken"] == 200 and not doc["diverged"]
    history = doc["history"]
    assert len(history) == 201
    assert set(history[0]) >= {"iteration", "J", "parameters"}
    assert history[0]["parameters"] == {"w1": 0.5, "w2": -0.3}
    assert history[-1]["J"] < history[0]["J"]


def test_cli_table_and_divergence_exit_status() -> None:
    code, out, _ = run_cli("descend", TEXTBOOK, "--wrt", "w1,w2", "--at", POINT, "--lr", "0.5",
                           "--steps", "200")
    assert code == 0
    assert "step" in out and "J fell from 0.2056 to 0.004047" in out
    assert all(len(line) <= 80 for line in out.splitlines())
    code, out, _ = run_cli("descend", "(w - 3)**2", "--wrt", "w", "--at", "w=0", "--lr", "1.5")
    assert code == 1 and "✗ diverged" in out and "hint: the learning rate 1.5 is too large" in out


def test_cli_plot(tmp_path) -> None:
    pytest.importorskip("matplotlib")
    for args, name in [(["(w - 3)**2", "--wrt", "w", "--at", "w=0"], "one.png"),
                       ([TEXTBOOK, "--wrt", "w1,w2", "--at", POINT], "two.png")]:
        target = tmp_path / name
        code, out, err = run_cli("descend", *args, "--steps", "30", "--plot", str(target))
        assert code == 0, err
        assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert f"Plot written to {target}" in out


def test_missing_matplotlib_is_a_clear_message(monkeypatch) -> None:
    import sys
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    code, _, err = run_cli("descend", "(w - 3)**2", "--wrt", "w", "--at", "w=0", "--plot",
                           "x.png")
    # a missing optional extra, as for chainrule plot: status 1 (docs/errors.md)
    assert code == 1 and 'pip install "chainrule[plot]"' in err


def test_cli_plot_to_a_path_that_cannot_be_written_is_a_usage_error(tmp_path) -> None:
    pytest.importorskip("matplotlib")
    target = tmp_path / "missing-dir" / "cost.png"
    code, _, err = run_cli("descend", "(w - 3)**2", "--wrt", "w", "--at", "w=0", "--plot",
                           str(target))
    assert code == 2 and f"cannot write {target}" in err and "Traceback" not in err


def test_a_gradient_whose_square_overflows_is_still_a_step() -> None:
    # ∂J/∂w = −e⁷⁰⁰ ≈ −1e304 is a float; its square is not, and |∇J| must not need it
    run = chainrule.descend("exp(-w)", "w", "w=-700", lr=1, steps=3)
    assert run.history[0]["gradient_norm"] > 1e303 and len(run.history) == 4
