"""Gradient descent with the derived gradient: θ := θ − α·∂J/∂θ.

    >>> import chainrule
    >>> run = chainrule.descend("(w - 3)**2", wrt="w", at="w=0", lr=0.25, steps=60)
    >>> round(run.final["w"], 6), run.diverged
    (3.0, False)

The gradient comes from one reverse sweep (:func:`chainrule.grad`), is proven against
SymPy, and is compiled to a Python function (:mod:`chainrule.backprop.program`) before the
first step, so each step costs one call of generated code. A run that diverges — J not a finite
number, or J larger than at the start and still growing after ``_GROWING`` steps in a row
— stops early and says so, with a smaller learning rate to try.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from chainrule import budget
from chainrule.backprop.gradients import grad
from chainrule.budget import DEFAULT_TIMEOUT, Stopped, doing, job, tick
from chainrule.errors import BudgetExceeded, UndefinedError, UsageError
from chainrule.evaluate import evaluate, number_text
from chainrule.inputs import point_floats
from chainrule.options import GradientVerifyMode
from chainrule.results import Result

if TYPE_CHECKING:
    from chainrule.render.document import Document

__all__ = ["descend", "Descent", "GROWING"]

GROWING = 10        # J growing this many steps in a row (and above its start) is divergence
MAX_STEPS = 10_000_000
MAX_HISTORY = 1000  # rows a run keeps (every k-th step, and the last): memory stays bounded


@dataclass
class Descent(Result):
    """A gradient-descent run. ``history`` holds the state after every ``kept_every``-th
    step and after the last (at most :data:`MAX_HISTORY` + 1 rows, whatever ``steps``):
    ``{"iteration": k, "J": J, "parameters": {name: value}, "gradient_norm": |∇J|}``.
    ``stopped`` is set when the job's budget ran out (or it was interrupted) on the way."""

    kind: ClassVar[str] = "descent"

    expr: Any
    wrt: tuple[str, ...]
    start: dict[str, float]                 # every symbol's value at the start
    lr: float
    steps: int                              # steps asked for
    history: list[dict[str, Any]] = field(default_factory=list)
    diverged: bool = False
    reason: str = ""                        # why the run stopped early, if it did
    verification: Any = None
    text: str | None = None
    taken: int = 0                          # steps taken
    kept_every: int = 1                     # the history keeps every kept_every-th step
    stopped: Stopped | None = None

    @property
    def final(self) -> dict[str, float]:
        """The parameters after the last step taken."""
        return dict(self.history[-1]["parameters"])

    @property
    def costs(self) -> list[float]:
        return [h["J"] for h in self.history]

    @property
    def hint(self) -> str:
        if not self.diverged:
            return ""
        return (f"the learning rate {self.lr:g} is too large: try {self.lr / 10:g} "
                f"(--lr {self.lr / 10:g})")

    def document(self, width: int | None = None) -> Document:
        """The update rule, a table of J and the parameters along the way, the outcome."""
        from chainrule.render.descend import descent_document
        return descent_document(self, width)

    def to_dict(self) -> dict[str, Any]:
        """The JSON document: every step of the run (schema in docs/json.md)."""
        from chainrule.reading import read_as
        from chainrule.render.json import SCHEMA
        ra = read_as(self.expr, None, self.text)
        return {
            "schema": SCHEMA, "kind": "descent",
            "input": self.text if self.text is not None else str(self.expr),
            **({"read_as": ra.to_dict()} if ra else {}),
            "wrt": list(self.wrt), "start": self.start, "lr": self.lr, "steps": self.steps,
            "steps_taken": self.taken,
            "diverged": self.diverged, "reason": self.reason, "hint": self.hint,
            "verification": self.verification.to_dict() if self.verification else None,
            "final": {"J": self.history[-1]["J"], "parameters": self.final},
            "history": self.history,
            **({"history_every": self.kept_every} if self.kept_every > 1 else {}),
            **({"stopped": self.stopped.to_dict()} if self.stopped is not None else {}),
        }



def _finite(v: Any) -> bool:
    return isinstance(v, float | int) and math.isfinite(v)


def _why_undefined(result: Any, values: Mapping[str, float]) -> str:
    """Which part of J or of its gradient has no value at ``values``, in words."""
    for part in (result.expr, *(result.raw_partials[p] for p in result.wrt)):
        try:
            evaluate(part, values)
        except UndefinedError as err:
            return str(err)
    return "J or its gradient is not a finite number"


def descend(expr: Any, wrt: Any = None, at: str | Mapping[str, Any] = "", *, lr: float = 0.1,
            steps: int = 100, verify: GradientVerifyMode = "final",
            progress: Callable[[int, float], None] | None = None,
            timeout: float | None = DEFAULT_TIMEOUT) -> Descent:
    """Run ``steps`` steps of gradient descent on ``expr`` from the point ``at``.

    ``wrt`` names the parameters that move (None: those the text names, ``J(w) = …``);
    every other symbol keeps its value from ``at``
    (which must give every symbol, parameters included, a value). ``progress(k, J)`` is
    called after each step. Returns the :class:`Descent` with the history (every step for
    up to :data:`MAX_HISTORY` steps, else every k-th and the last).

    ``timeout`` is the wall clock of the whole call in seconds (default 60; 0 or None for
    none), the proof of the gradient included; when it runs out during the steps,
    :class:`chainrule.BudgetExceeded` is raised with the run so far as its ``partial``.
    """
    with job(timeout):
        return _descend(expr, wrt, at, lr=lr, steps=steps, verify=verify, progress=progress)


def _descend(expr: Any, wrt: Any, at: str | Mapping[str, Any], *, lr: float, steps: int,
             verify: GradientVerifyMode, progress: Callable[[int, float], None] | None
             ) -> Descent:
    if isinstance(lr, bool) or not isinstance(lr, int | float) or not math.isfinite(lr) \
            or lr <= 0:
        raise UsageError(f"the learning rate must be a positive number, not {lr!r}")
    if isinstance(steps, bool) or not isinstance(steps, int) or not 0 <= steps <= MAX_STEPS:
        raise UsageError(f"steps must be a whole number from 0 to {MAX_STEPS}, not {steps!r}")
    if wrt is None:     # the text may name them: J(w1, w2) = …
        from chainrule.inputs import as_expr
        from chainrule.reading import asked_variables
        wrt = list(asked_variables(as_expr(expr)[0])) or None
    if wrt is None:
        raise UsageError("say which symbols are the parameters to move: --wrt w1,w2 on the "
                         "command line, wrt=\"w1,w2\" in Python, or name them in the text: "
                         "J(w1, w2) = …")
    point = point_floats(at)
    try:
        result = grad(expr, wrt, verify=verify)
    except BudgetExceeded as err:
        err.partial = None  # no step was taken
        raise
    symbols = set(result.expr.free_symbols) | set(result.wrt)
    missing = sorted(p for p in symbols if p not in point)
    if missing:
        raise UsageError(f"--at gives no value for {', '.join(missing)} (the parameters need "
                         "a starting value, the other symbols a fixed one)")
    unknown = sorted(set(point) - symbols)
    if unknown:
        raise UsageError(f"{', '.join(unknown)} {'is' if len(unknown) == 1 else 'are'} not in "
                         "the expression")
    f = result.compile()
    run = Descent(result.expr, result.wrt, dict(point), float(lr), steps,
                  verification=result.verification, text=result.text,
                  kept_every=max(1, -(-steps // MAX_HISTORY)))
    budget.keep(run)
    doing(f"descending ({steps:,} steps)")
    last: list[dict[str, Any]] = []  # the latest state, kept in the history at the end
    try:
        _steps(run, result, f, dict(point), progress, last)
    except BudgetExceeded as err:
        run.stopped = Stopped.of(err)
        err.partial = run
        raise
    finally:
        if last and (not run.history or run.history[-1] is not last[0]):
            run.history.append(last[0])
    return run


def _steps(run: Descent, result: Any, f: Any, values: dict[str, float],
           progress: Callable[[int, float], None] | None, last: list[dict[str, Any]]) -> None:
    """Take the run's steps, keeping every ``run.kept_every``-th state in its history and the
    latest in ``last``."""
    steps, lr, every = run.steps, run.lr, run.kept_every
    streak = 0
    first = previous = math.nan
    for k in range(steps + 1):
        try:
            J, gradient = f(**values)
            numbers = [J, *(gradient[p] for p in result.wrt)]
            finite = all(_finite(v) for v in numbers)
            overflow = any(isinstance(v, float) and math.isinf(v) for v in numbers)
        except OverflowError:
            finite, overflow = False, True
        except (ValueError, ZeroDivisionError):
            finite, overflow = False, False
        if not finite:
            why = _why_undefined(result, values)
            if k == 0:
                raise UndefinedError(f"J or its gradient has no value at the start: {why}")
            run.diverged = True
            run.reason = (f"the numbers overflowed at step {k}: {why}" if overflow else
                          f"step {k} left the domain where J is defined: {why}")
            break
        norm = math.hypot(*(gradient[p] for p in result.wrt))  # no overflow on the way
        row = {"iteration": k, "J": float(J),
               "parameters": {p: float(values[p]) for p in result.wrt}, "gradient_norm": norm}
        last[:] = [row]
        run.taken = k
        if k % every == 0:
            run.history.append(row)
        if progress is not None:
            progress(k, float(J))
        tick()
        if k == 0:
            first = float(J)
        else:
            streak = streak + 1 if J > previous else 0
            if streak >= GROWING and J > first:
                run.diverged = True
                run.reason = (f"J grew at each of the last {GROWING} steps, from "
                              f"{number_text(first)} at the start to {number_text(J)} at step {k}")
                break
        previous = float(J)
        if k == steps:
            break
        for p in result.wrt:
            values[p] = values[p] - lr * gradient[p]


def plot_descent(run: Descent, path: str) -> None:
    """J against the iteration; for one parameter also the path down the curve J(θ)."""
    from chainrule.plot import MissingDependency, save_figure
    try:
        import matplotlib
    except ImportError:
        raise MissingDependency('--plot needs matplotlib: pip install "chainrule[plot]"') \
            from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    one = len(run.wrt) == 1
    fig, axes = plt.subplots(1, 2 if one else 1, figsize=(11 if one else 6.5, 4.2))
    ax = axes[0] if one else axes
    its = [h["iteration"] for h in run.history]
    costs = [h["J"] for h in run.history]
    ax.plot(its, costs, color="#1f77b4", lw=2, marker="o" if len(its) <= 40 else None, ms=3)
    if min(costs) > 0 and max(costs) / min(costs) > 100:
        ax.set_yscale("log")
    ax.set_xlabel("iteration")
    ax.set_ylabel("J")
    title = f"gradient descent, learning rate {run.lr:g}"
    if run.diverged:
        title += " (diverged)"
    ax.set_title(title)
    ax.grid(alpha=0.3)
    if one:
        p = run.wrt[0]
        path_x = [h["parameters"][p] for h in run.history]
        lo, hi = min(path_x), max(path_x)
        pad = max(0.25 * (hi - lo), 0.5)
        grid = [lo - pad + (hi - lo + 2 * pad) * i / 400 for i in range(401)]
        curve = []
        for v in grid:
            try:
                curve.append(evaluate(run.expr, {**run.start, p: v}))
            except UndefinedError:
                curve.append(float("nan"))
        ax2 = axes[1]
        ax2.plot(grid, curve, color="#555555", lw=1.5, label=f"J({p})")
        ax2.plot(path_x, costs, color="#d62728", marker="o", ms=3, lw=1, label="steps")
        ax2.plot(path_x[:1], costs[:1], "o", color="#2ca02c", ms=7, label="start")
        ax2.set_xlabel(p)
        ax2.set_ylabel("J")
        ax2.set_title(f"the path down J({p})")
        ax2.legend()
        ax2.grid(alpha=0.3)
    fig.tight_layout()
    save_figure(fig, path, 110)
