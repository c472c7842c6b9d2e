"""Every job has a budget (docs/robustness.md, "Budgets"): a wall clock (--timeout,
timeout=) and size limits. When one runs out the answer so far is kept, the message names
what ran out and the option that raises it, and SIGINT/SIGTERM end a job the same way.

The command line runs as a subprocess with a small --timeout; the assertions are on what a
user sees (exit status, messages, the kept lower orders), never on timings.
"""

from __future__ import annotations

import gc
import json
import os
import signal
import subprocess
import sys
import time
from typing import Any

import pytest

import chainrule
from chainrule import budget
from chainrule.schemas import validate

HANG = 150  # seconds: only to catch a hang, never an assertion about speed
GRAD_SUM = "+".join(f"w{i}*x" for i in range(3000))
GRAD_WRT = ",".join(f"w{i}" for i in range(3000))
SMALLER_SUM = "+".join(f"w{i}*x" for i in range(400))
SMALLER_WRT = ",".join(f"w{i}" for i in range(400))


def cli(*args: str, timeout: float = HANG) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8", "NO_COLOR": "1"}
    return subprocess.run([sys.executable, "-m", "chainrule", *args], capture_output=True,
                          text=True, timeout=timeout, env=env)


# ── the module ───────────────────────────────────────────────────────────────
def test_nested_calls_share_one_job() -> None:
    # an inner job joins the outer one: the outermost budget governs
    with budget.job(timeout=30) as outer, budget.job(timeout=None) as inner:
        assert inner is outer
        assert budget.remaining(100.0) <= 30
    with budget.job(timeout=0):
        assert budget.remaining(7.0) == 7.0


def test_remaining_never_drops_below_the_floor() -> None:
    with budget.job(timeout=1e-9):
        time.sleep(0.01)
        assert budget.remaining(5.0) == budget.FLOOR
        with pytest.raises(chainrule.BudgetExceeded, match="timeout="):
            budget.check("testing")


@pytest.mark.parametrize("bad", [-1, "10", float("nan"), True])
def test_a_timeout_that_is_not_seconds_is_refused(bad: Any) -> None:
    with pytest.raises(chainrule.UsageError, match="timeout"):
        chainrule.diff("x**2", timeout=bad)


# ── partial answers in Python ────────────────────────────────────────────────
def test_diff_keeps_the_proven_lower_orders() -> None:
    with pytest.raises(chainrule.BudgetExceeded) as caught:
        chainrule.diff("x^x", order=13, timeout=2)
    err = caught.value
    assert "timeout=" in str(err) and err.kind == "time"
    d = err.partial
    if d is not None:  # the first order may itself take the whole budget on a slow machine
        assert 1 <= d.order < 13 and d.requested_order == 13
        assert d.stopped is not None and d.stopped.kind == "time"
        assert all(s.verification.proven for s in d.stages)
        assert "⏹ stopped at derivative" in d.to_text()
        doc = d.to_dict()
        validate(doc)
        assert doc["stopped"]["requested_order"] == 13


def test_tan_to_the_50th_order_50_ends_within_its_budget() -> None:
    with pytest.raises(chainrule.BudgetExceeded, match="timeout="):
        chainrule.diff("tan(x)^50", order=50, timeout=2)


def test_a_gradient_keeps_its_proven_partials_and_marks_the_rest() -> None:
    with pytest.raises(chainrule.BudgetExceeded) as caught:
        chainrule.grad(SMALLER_SUM, SMALLER_WRT, timeout=2)
    g = caught.value.partial
    if g is not None:
        assert g.stopped is not None and len(g.unproven) > 0
        assert set(g.verifications) | set(g.unproven) == set(g.wrt)
        assert g.to_dict(graph=False)["stopped"]["unproven"] == list(g.unproven)
    small = chainrule.grad("w1*x + w2*x", "w1,w2")  # the schema holds a stopped gradient
    import dataclasses
    stopped = dataclasses.replace(small, verifications={"w1": small.verifications["w1"]},
                                  stopped=budget.Stopped("time", "stopped while testing"))
    validate(stopped.to_dict())
    assert stopped.unproven == ("w2",) and "not proven (stopped first)" in stopped.to_text()


def test_check_has_a_budget_too() -> None:
    with pytest.raises(chainrule.BudgetExceeded, match="timeout="):
        chainrule.check("x^x", "x^x*(ln(x)+1)", timeout=1e-9)


def test_a_long_descent_keeps_a_bounded_history() -> None:
    from chainrule.backprop.descent import MAX_HISTORY
    run = chainrule.descend("(w - 3)**2", "w", "w=0", lr=0.01, steps=50_000, verify="off")
    assert run.taken == 50_000 and run.kept_every == 50
    assert len(run.history) <= MAX_HISTORY + 1
    assert run.history[-1]["iteration"] == 50_000
    doc = run.to_dict()
    validate(doc)
    assert doc["history_every"] == 50 and doc["steps_taken"] == 50_000
    assert "the run keeps every 50th step" in run.to_text()


# ── size limits ──────────────────────────────────────────────────────────────
def test_primes_are_limited_like_the_order() -> None:
    r = cli("diff", "f" + "'" * 20_000 + "(x)")
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "too many primes" in r.stderr and "50" in r.stderr
    assert cli("diff", "f" + "'" * 50 + "(x)", "--verify", "off").returncode == 0


def test_a_tower_of_superscripts_ends_within_its_budget() -> None:
    r = cli("diff", "x" + " ²" * 30_000, "--timeout", "3", "--format", "plain")
    assert "Traceback" not in r.stderr
    assert r.returncode in (0, 3, 2), r.stderr
    if r.returncode == 3:
        assert "--timeout" in r.stderr


# ── the command line ─────────────────────────────────────────────────────────
def test_cli_diff_prints_the_proven_lower_orders_and_exits_3() -> None:
    r = cli("diff", "x^x", "--order", "13", "--timeout", "3", "--format", "plain")
    assert r.returncode == 3 and "Traceback" not in r.stderr
    assert "--timeout SECONDS" in r.stderr and "time budget of 3 s ran out" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    if r.stdout:
        assert "⏹ stopped at derivative" in r.stdout and "Result:" in r.stdout


def test_a_sympy_thread_stopped_mid_collection_prints_nothing() -> None:
    """The stop request for an overrunning SymPy thread can land in a weakref callback,
    where Python only reports it ("Exception ignored in …"): never shown to the user."""
    r = cli("diff", "tan(x)^50", "--order", "50", "--timeout", "3", "--format", "plain")
    assert r.returncode == 3
    assert "Exception ignored" not in r.stderr and "_OverBudget" not in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


def test_cli_json_of_a_stopped_job_is_schema_valid() -> None:
    r = cli("diff", "x^x", "--order", "13", "--timeout", "3", "--format", "json")
    assert r.returncode == 3
    doc = json.loads(r.stdout)
    validate(doc)
    if doc["kind"] == "derivation":
        assert doc["stopped"]["kind"] == "time" and doc["order"] < 13
    else:
        assert doc["error"]["type"] == "BudgetExceeded" and doc["error"]["exit_status"] == 3


def test_cli_grad_marks_unproven_partials() -> None:
    r = cli("grad", GRAD_SUM, "--wrt", GRAD_WRT, "--timeout", "4", "--format", "plain")
    assert r.returncode == 3 and "Traceback" not in r.stderr
    assert "--timeout" in r.stderr
    if r.stdout:
        assert "not proven (stopped first)" in r.stdout and "⏹ stopped" in r.stdout


def test_cli_descend_with_the_maximum_steps_is_bounded() -> None:
    r = cli("descend", "(w - 3)**2", "--wrt", "w", "--at", "w=0", "--lr", "0.001",
            "--steps", "10000000", "--timeout", "3", "--format", "json")
    assert "Traceback" not in r.stderr and "MemoryError" not in r.stderr
    assert r.returncode in (0, 3)
    doc = json.loads(r.stdout)
    validate(doc)
    assert len(doc["history"]) <= 1002 and doc["history_every"] == 10_000
    if r.returncode == 3:
        assert doc["stopped"]["kind"] == "time" and "--timeout" in r.stderr


def test_timeout_is_in_every_commands_help() -> None:
    for command in ("diff", "check", "grad", "descend", "plot"):
        r = cli(command, "--help")
        assert "--timeout SECONDS" in r.stdout and "60.0" in r.stdout


# ── signals ──────────────────────────────────────────────────────────────────
def _started(*args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8", "NO_COLOR": "1"}
    return subprocess.Popen([sys.executable, "-m", "chainrule", *args], text=True, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


@pytest.mark.parametrize(("sig", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_signal_ends_a_job_with_the_answer_so_far(sig: int, code: int) -> None:
    proc = _started("diff", "x^x", "--order", "13", "--timeout", "0", "--format", "plain")
    time.sleep(4)  # well into the proofs
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=HANG)
    assert proc.returncode == code
    assert "Traceback" not in err
    assert f"interrupted by {signal.Signals(sig).name}" in err
    assert len(err.strip().splitlines()) == 1
    if "⏹" in out:
        assert "Result:" in out


def test_sigint_during_start_up_is_one_line() -> None:
    proc = _started("diff", "sin(x)")
    time.sleep(0.15)  # importing
    proc.send_signal(signal.SIGINT)
    _out, err = proc.communicate(timeout=HANG)
    assert "Traceback" not in err
    assert proc.returncode in (0, 130)  # 0 only if it finished before the signal


# ── caches stay bounded ──────────────────────────────────────────────────────
def test_caches_stay_bounded_over_fresh_symbol_names() -> None:
    from chainrule import expr as expr_module
    from chainrule.verify import sympy_bridge
    gc.collect()
    table_before = len(expr_module._TABLE)
    for i in range(sympy_bridge.SYMBOLS_KEPT + 500):
        sympy_bridge.sympy_symbol(f"fresh{i}")
    assert len(sympy_bridge._SYMBOLS) <= sympy_bridge.SYMBOLS_KEPT
    for i in range(300):
        chainrule.diff(f"sin(q{i}**2)", verify="off")
    gc.collect()
    assert len(expr_module._TABLE) <= table_before + 100  # the intern table holds live nodes
    import sympy
    assert sympy.Symbol("fresh0", real=True) == sympy_bridge.sympy_symbol("fresh0")
