"""Gradients: :func:`grad` and the :class:`GradResult` it returns.

    >>> import chainrule
    >>> g = chainrule.grad("(y - sigmoid(w2*sigmoid(w1*x)))**2", wrt=["w1", "w2"])
    >>> print(g.partials["w2"].pretty())
    −2·σ(w1·x)·σ(w2·σ(w1·x))·(y − σ(w2·σ(w1·x)))(1 − σ(w2·σ(w1·x)))
    >>> g.verification.status
    'symbolic'

All partial derivatives come from one reverse sweep over the expression graph
(:mod:`chainrule.backprop`); each is then proven against SymPy like a single derivative.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from chainrule import budget
from chainrule.backprop.sweep import Sweep, operation_count, reverse_sweep
from chainrule.budget import DEFAULT_TIMEOUT, Stopped, doing, job
from chainrule.errors import BudgetExceeded, UndefinedError, UsageError, VerificationError
from chainrule.evaluate import central_difference
from chainrule.expr import Expr, free_symbols
from chainrule.inputs import as_expr, resolve_variable
from chainrule.inputs import point_floats as parse_point
from chainrule.options import GradientSimplifyMode, GradientVerifyMode, choose
from chainrule.results import Result
from chainrule.verify import Verification, skipped, verify_derivative

if TYPE_CHECKING:
    from chainrule.render.document import Document

__all__ = ["grad", "GradResult", "PointReport", "parse_point", "resolve_wrt", "natural_key"]

_FD_MAX = 24   # partials checked by finite differences at a point (evenly spread)
_RANK = {"skipped": 0, "numeric": 1, "symbolic": 2}


def natural_key(name: str) -> tuple[Any, ...]:
    """w2 before w10: names compared by their letters, then by their number."""
    parts = re.split(r"([0-9]+)", name)
    return tuple(int(p) if p.isdigit() else p for p in parts)


def resolve_wrt(expr: Expr, wrt: Any) -> tuple[str, ...]:
    """The parameters: given (names, symbols or "w1,w2"), those the text named
    (``J(w1, w2) = …``), or every symbol of ``expr``."""
    if wrt is None:
        from chainrule.reading import asked_variables
        named = asked_variables(expr)
        if named:
            return resolve_wrt(expr, list(named))
        names = sorted(free_symbols(expr), key=natural_key)
        if not names:
            raise UsageError("the expression has no symbols: there is nothing to take the "
                             "gradient with respect to")
        return tuple(names)
    items: Iterable[Any] = ([w for w in wrt.split(",")] if isinstance(wrt, str)
                            else list(wrt) if isinstance(wrt, (list, tuple)) else [wrt])
    out: list[str] = []
    for item in items:
        if isinstance(item, str) and not item.strip():
            raise UsageError("an empty name in the list of parameters; write them like w1,w2")
        name = resolve_variable(expr, item)
        if name in out:
            raise UsageError(f"{name} is listed twice among the parameters")
        out.append(name)
    if not out:
        raise UsageError("no parameters given; write them like w1,w2")
    return tuple(out)


@dataclass(frozen=True)
class PointReport:
    """The gradient at one point: the forward and backward tables, the values, and a
    finite-difference estimate of every partial for comparison."""

    point: dict[str, float]
    value: float                               # J at the point
    gradient: dict[str, float]                 # from the symbolic partials
    finite_difference: dict[str, float]
    max_error: float                           # largest |symbolic − finite difference|, scaled
    tables: Any                                # chainrule.backprop.graph.PointValues

    def to_dict(self) -> dict[str, Any]:
        t = self.tables
        return {
            "point": self.point, "J": self.value, "gradient": self.gradient,
            "forward": [{"node": name, "value": v} for name, v in t.forward.items()],
            "backward": [{"node": r.child, "from": r.parent, "upstream": r.upstream,
                          "local": r.local, "product": r.product} for r in t.rows],
            "finite_difference": {"gradient": self.finite_difference,
                                  "max_error": self.max_error},
        }


@dataclass(frozen=True)
class GradResult(Result):
    """The answer to :func:`grad`.

    ``partials`` maps each parameter to ∂J/∂parameter in textbook form;
    ``raw_partials`` are the same derivatives as the reverse sweep built them, one graph
    of shared subexpressions (what :meth:`operations` counts and the generated code uses).
    """

    kind: ClassVar[str] = "gradient"
    json_options: ClassVar[frozenset[str]] = frozenset({"point"})

    expr: Expr
    wrt: tuple[str, ...]
    sweep: Sweep
    partials: dict[str, Expr]
    verifications: dict[str, Verification]
    simplify: GradientSimplifyMode = "light"
    text: str | None = None
    _cache: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    stopped: Stopped | None = None
    """Set when the job's budget ran out (or it was interrupted) while the partials were
    proven: ``verifications`` holds the proven ones, :attr:`unproven` names the others."""

    @property
    def unproven(self) -> tuple[str, ...]:
        """The partials a stopped gradient did not prove (empty unless :attr:`stopped`)."""
        if self.stopped is None:
            return ()
        return tuple(p for p in self.wrt if p not in self.verifications)

    @property
    def input(self) -> str:
        return self.text if self.text is not None else str(self.expr)

    @property
    def raw_partials(self) -> dict[str, Expr]:
        return self.sweep.partials

    @property
    def verification(self) -> Verification:
        """The weakest verification among the partials (every one was checked)."""
        if not self.verifications:
            return skipped()
        return min(self.verifications.values(), key=lambda v: _RANK[v.status])

    def held_constant(self, name: str) -> list[str]:
        """The other symbols, constant in ∂J/∂name."""
        if "symbols" not in self._cache:      # sorted once, not once per partial
            self._cache["symbols"] = sorted(free_symbols(self.expr), key=natural_key)
        return [s for s in self._cache["symbols"] if s != name]

    def operations(self) -> dict[str, int]:
        """Distinct operations in J and in the whole gradient (shared nodes counted once)."""
        if "ops" not in self._cache:
            self._cache["ops"] = {"function": operation_count(self.expr),
                                  "gradient": operation_count(*self.raw_partials.values())}
        ops: dict[str, int] = self._cache["ops"]
        return ops

    @property
    def output_name(self) -> str:
        """The name J goes by in the report and in the graph: the first of J, L, C, E, loss,
        cost that is not one of its symbols."""
        from chainrule.backprop.graph import output_name
        return output_name(free_symbols(self.expr))

    def graph(self) -> Any:
        """The named computational graph (:class:`chainrule.backprop.graph.Graph`)."""
        if "graph" not in self._cache:
            from chainrule.backprop.graph import build_graph
            self._cache["graph"] = build_graph(self.expr, self.wrt)
        return self._cache["graph"]

    def at(self, point: str | Mapping[str, Any]) -> PointReport:
        """Values at a point: J, the gradient, the forward/backward tables, a finite-difference
        check. Every symbol of J needs a value."""
        from chainrule.backprop.graph import values_at
        from chainrule.evaluate import evaluate, evaluate_shared
        values = parse_point(point)
        missing = sorted(free_symbols(self.expr) - set(values), key=natural_key)
        if missing:
            raise UsageError(f"the point gives no value for {', '.join(missing)}")
        unknown = sorted(set(values) - free_symbols(self.expr) - set(self.wrt), key=natural_key)
        if unknown:
            raise UsageError(f"{', '.join(unknown)} {'is' if len(unknown) == 1 else 'are'} "
                             "not in the expression")
        for p in self.wrt:
            values.setdefault(p, 0.0)
        # J and the gradient first: where one has no value, the error names the part of
        # the user's expression that fails, not a node of the graph (v1).
        try:
            value = evaluate(self.expr, values)
        except UndefinedError as err:
            raise UndefinedError(f"J has no value at this point: {err}") from None
        try:
            gradient = dict(zip(self.wrt, evaluate_shared(
                [self.raw_partials[p] for p in self.wrt], values)))
        except UndefinedError as err:
            raise UndefinedError(f"the gradient has no value at this point: {err}") from None
        tables = values_at(self.graph(), values)
        # Each estimate costs four evaluations of J: with many parameters, a spread sample.
        step = max(1, -(-len(self.wrt) // _FD_MAX))
        checked = self.wrt[::step]
        estimate = {p: _central_difference(self.expr, p, values) for p in checked}
        error = max((abs(gradient[p] - estimate[p]) / max(1.0, abs(gradient[p]))
                     for p in checked), default=0.0)
        return PointReport(values, value, gradient, estimate, error, tables)

    def report_at(self, point: str | Mapping[str, Any] | PointReport | None
                  ) -> PointReport | None:
        """The report at ``point`` for the formats: text or a mapping as :meth:`at` reads
        it, a report already computed as it is, None for none."""
        return point if point is None or isinstance(point, PointReport) else self.at(point)

    def program(self, *, numpy: bool = False, name: str | None = None) -> str:
        """A standalone Python function computing J and its gradient (see codegen)."""
        from chainrule.backprop.program import backprop_program
        return backprop_program(self, numpy=numpy, name=name)

    def compile(self, *, numpy: bool = False) -> Any:
        """J and its gradient as a numeric function, ``f(**values) -> (J, {name: ∂J/∂name})``:
        one pass over the shared graph per call (see
        :func:`chainrule.backprop.program.compile_program`).
        """
        from chainrule.backprop.program import compile_program
        return compile_program(self, numpy=numpy)

    def to_dict(self, *, point: str | Mapping[str, Any] | None = None,
                graph: bool = True) -> dict[str, Any]:
        """The JSON document (schema in docs/backprop.md)."""
        from chainrule.render.grad import grad_to_dict
        return grad_to_dict(self, point=point, graph=graph)

    def to_json(self, indent: int | None = 2, *,
                point: str | Mapping[str, Any] | None = None, graph: bool = True) -> str:
        """The JSON document as text."""
        import json
        return json.dumps(self.to_dict(point=point, graph=graph), indent=indent,
                          ensure_ascii=False)

    def document(self, width: int | None = None, *, graph: bool = False,
                 point: str | Mapping[str, Any] | PointReport | None = None) -> Document:
        """The report as a document: the partials, with ``graph`` the computational graph
        and each parameter's chain, with ``point`` the forward and backward tables."""
        from chainrule.render.grad import grad_document
        return grad_document(self, width=width, graph=graph, report=self.report_at(point))

    def __str__(self) -> str:
        return ", ".join(f"d/d{p}: {self.partials[p]}" for p in self.wrt)


def _central_difference(expr: Expr, var: str, point: dict[str, float]) -> float:
    """The finite-difference estimate shown beside a partial (NaN where J is undefined)."""
    try:
        return central_difference(expr, var, point, 1e-3 * max(1.0, abs(point[var])))
    except UndefinedError:
        return math.nan


def grad(expr: Any, wrt: Any = None, *, verify: GradientVerifyMode = "final",
         simplify: GradientSimplifyMode = "light",
         progress: Callable[[int, int, str], None] | None = None,
         timeout: float | None = DEFAULT_TIMEOUT) -> GradResult:
    """Every partial derivative of ``expr``, from one reverse sweep, each proven.

        >>> str(grad("x*y + sin(y)").partials["y"])
        'x + cos(y)'

    ``wrt`` is a list of names (or ``"w1,w2"``); by default every symbol. Other symbols are
    held constant in each partial. ``verify`` is final (prove every partial against SymPy,
    each like a single derivative: this dominates the time for large networks) or off;
    ``simplify`` is light (textbook form) or none (the sweep's raw product). A wrong
    partial raises :class:`chainrule.VerificationError`; it is never returned.
    ``progress(i, n, name)`` is called before partial i of n is verified, and at the end.
    ``timeout`` is the wall clock of the whole call in seconds (default 60; 0 or None for
    none); when it runs out, :class:`chainrule.BudgetExceeded` is raised, and once the
    partials are built its ``partial`` is the gradient with the partials proven by then
    (``stopped`` says why, ``unproven`` names the rest).
    """
    from chainrule.simplify import light, sharing
    choose(verify, GradientVerifyMode, "verify mode")
    choose(simplify, GradientSimplifyMode, "simplify mode")
    with job(timeout):
        doing("reading the expression")
        parsed, text = as_expr(expr)
        names = resolve_wrt(parsed, wrt)
        doing("building the gradient (reverse sweep)")
        sweep = reverse_sweep(parsed, names)
        if simplify == "light":
            doing("simplifying the partials")
            with sharing():  # one memo for all partials: their shared adjoints tidied once
                partials = {p: light(sweep.partials[p]) for p in names}
        else:
            partials = dict(sweep.partials)
        verifications: dict[str, Verification] = {}
        if verify == "final":
            # the answer so far, should the job be stopped: the partials proven by then
            budget.keep(GradResult(parsed, names, sweep, partials, verifications, simplify,
                                   text))
            try:
                for i, p in enumerate(names):
                    if progress is not None:
                        progress(i, len(names), p)
                    budget.doing(f"proving ∂/∂{p} ({i + 1} of {len(names)})" if len(names) > 1
                                 else f"proving ∂/∂{p}")
                    given = budget.remaining(5.0)
                    try:
                        verifications[p] = verify_derivative(parsed, p, partials[p],
                                                             budget=given, what=f"∂/∂{p}")
                    except VerificationError as err:
                        if given < 5.0 and err.point is None:  # not wrong: out of time
                            raise budget.current().stop(f"proving ∂/∂{p}") from err
                        raise
            except BudgetExceeded as err:
                err.partial = GradResult(parsed, names, sweep, partials, dict(verifications),
                                         simplify, text, stopped=Stopped.of(err))
                raise
            if progress is not None:
                progress(len(names), len(names), "")
        return GradResult(parsed, names, sweep, partials, verifications, simplify, text)
