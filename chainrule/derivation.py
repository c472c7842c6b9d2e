"""A derivation: the steps of d/dx, the result in the chosen form and its proof.

:func:`derive` runs the pipeline on an expression already read — differentiate, simplify,
verify, once per order — and returns the :class:`Derivation` that :func:`chainrule.diff`
gives (``chainrule.api`` reads the user's input and options, then calls it; answer
checking calls it for the correct derivative).

    >>> from chainrule.parser import parse
    >>> d = derive(parse("sin(x**2)"), "x")
    >>> str(d.result), d.verification.status
    ('2*x*cos(x**2)', 'symbolic')
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property, partial
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from chainrule import budget
from chainrule.budget import Stopped
from chainrule.differentiate import differentiate
from chainrule.errors import BudgetExceeded, ChainruleError, UsageError, VerificationError
from chainrule.expr import Expr, building, node_count
from chainrule.results import Result
from chainrule.simplify import simplify as _simplify
from chainrule.steps import Step, walk
from chainrule.verify import Verification, skipped, verify_derivative

if TYPE_CHECKING:
    from chainrule.recognise import Recognition
    from chainrule.render.document import Document
    from chainrule.slope import Slope

__all__ = ["derive", "Derivation", "Stage", "STEPS_BUDGET", "STEP_BUDGET"]

T = TypeVar("T")


@dataclass(frozen=True)
class Stage:
    """One derivative of a (possibly higher-order) derivation: d/dx of ``expr``."""

    order: int
    expr: Expr
    steps: Step
    raw_result: Expr
    result: Expr
    verification: Verification


@dataclass(frozen=True)
class Derivation(Result):
    """The answer to ``diff``: the input, the steps, the result and how it was proven.

    ``result`` is simplified per the ``simplify`` option; ``raw_result`` is the product
    the rules gave. For ``order > 1``, ``stages`` holds every derivative on the way.
    """

    kind: ClassVar[str] = "derivation"
    json_options: ClassVar[frozenset[str]] = frozenset({"slope"})

    expr: Expr
    variable: str
    stages: tuple[Stage, ...]
    simplify: str
    detail: str
    text: str | None = None
    stopped: Stopped | None = None
    """Set when the job's budget ran out (or it was interrupted) before ``requested_order``:
    the stages are the derivatives proven by then."""
    requested_order: int | None = None

    @property
    def order(self) -> int:
        return len(self.stages)

    @property
    def steps(self) -> Step:
        return self.stages[-1].steps

    @property
    def result(self) -> Expr:
        return self.stages[-1].result

    @property
    def raw_result(self) -> Expr:
        return self.stages[-1].raw_result

    @property
    def verification(self) -> Verification:
        """The weakest verification among the stages (all of them were checked)."""
        ranks = {"skipped": 0, "numeric": 1, "symbolic": 2}
        return min((s.verification for s in self.stages), key=lambda v: ranks[v.status])

    @property
    def input(self) -> str:
        return self.text if self.text is not None else str(self.expr)

    def to_sympy(self) -> Any:
        """The result as a SymPy expression."""
        from chainrule.verify.sympy_bridge import to_sympy
        return to_sympy(self.result, real=False)

    @cached_property
    def recognised(self) -> list[Recognition]:
        """Steps whose expression is a recognised form (the written-out sigmoid, tanh, eˣ),
        each with its derivative written through the function's value and proven."""
        from chainrule.recognise import recognise
        out: list[Recognition] = []
        if self.verification.status == "skipped":  # a form is only shown once proven
            return out
        for stage in self.stages:
            out += recognise(stage.steps, self.variable)
        return out

    def at(self, point: Any = None, /, **values: Any) -> Slope:
        """The value, slope and tangent line at a point: ``d.at(x=5)``, ``d.at({"x": 5})``,
        ``d.at("x=pi/4")`` or ``d.at(5)``. Where f′ does not exist, ``.slope`` is None and
        ``.reason`` says why.

            >>> import chainrule
            >>> chainrule.diff("x**2").at(x=5).slope.text
            '10'
        """
        from chainrule.slope import slope_at
        if point is not None and values:
            raise UsageError("give the point either as one argument or as keywords, not both")
        return slope_at(self, values if point is None else point)

    def document(self, width: int | None = None, detail: str | None = None,
                 slope: Slope | None = None) -> Document:
        """The steps, the result, the proof (and, given ``slope``, the point) as a
        document; every format writes it (``to_text``, ``to_latex``, ``to_markdown``)."""
        from chainrule.render._outline import document
        return document(self, detail, slope=slope)

    def to_dict(self, slope: Slope | None = None) -> dict[str, Any]:
        """The JSON document (schema in docs/json.md)."""
        from chainrule.render.json import derivation_to_dict
        return derivation_to_dict(self, slope=slope)

    def to_json(self, indent: int | None = 2, slope: Slope | None = None) -> str:
        """The JSON document as text; a document in let-form (a large one) is compact."""
        from chainrule.render.json import derivation_to_json
        return derivation_to_json(self, indent=indent, slope=slope)

    def __str__(self) -> str:
        return str(self.result)


def derive(expr: Expr, variable: str, *, order: int = 1, simplify: str = "light",
           verify: str = "final", detail: str = "normal", text: str | None = None) -> Derivation:
    """Differentiate ``expr`` by ``variable`` ``order`` times, simplify each result per
    ``simplify`` and prove it per ``verify`` (options as :func:`chainrule.diff` takes them,
    already checked there). ``text`` is what the user wrote, if it was text."""
    stages: list[Stage] = []
    current = expr
    with budget.job():  # joins the caller's job, or opens one with the default budget
        try:
            for k in range(1, order + 1):
                label = "the derivative" if order == 1 else f"derivative {k} of {order}"
                budget.doing(f"computing {label}")
                with building():
                    steps = differentiate(current, variable)
                    budget.doing(f"simplifying {label}")
                    result = _simplify(steps.result, simplify)
                _within_size(result, k, order)
                what = "the derivative" if order == 1 else f"derivative number {k}"
                if verify == "off":
                    verification = skipped()
                else:
                    budget.doing(f"proving {label}")
                    given = budget.remaining(5.0)
                    try:
                        verification = _checked(partial(verify_derivative, current, variable,
                                                        result, budget=given, what=what), what)
                    except VerificationError as err:
                        if given < 5.0 and err.point is None:  # not wrong: out of time
                            raise budget.current().stop(f"proving {label}") from err
                        raise
                    if verify == "steps":
                        budget.doing(f"proving every step of {label}")
                        _checked(partial(_verify_steps, steps), "a step")
                stages.append(Stage(k, current, steps, steps.result, result, verification))
                if k < order:  # the answer so far, if the next order runs out of budget
                    budget.keep(Derivation(expr, variable, tuple(stages), simplify, detail,
                                           text, requested_order=order))
                current = result
        except BudgetExceeded as err:
            err.partial = (Derivation(expr, variable, tuple(stages), simplify, detail, text,
                                      budget.Stopped.of(err), order) if stages else None)
            raise
    return Derivation(expr, variable, tuple(stages), simplify, detail, text)


def _within_size(result: Expr, k: int, order: int) -> None:
    """A derivative over :data:`chainrule.budget.MAX_NODES` nodes stops the job: the next
    order would take minutes and gigabytes, and no one reads an answer that size."""
    size = node_count(result)
    if size > budget.MAX_NODES:
        what = "the derivative" if order == 1 else f"derivative {k} of {order}"
        hint = ("ask for a lower --order (order=)" if order > 1 else
                "differentiate smaller parts of the expression separately")
        raise budget.too_big(what, size, budget.MAX_NODES, hint)


def _checked(run: Callable[[], T], what: str) -> T:
    """Run a verification; an unexpected failure inside it is a failed proof, never a pass."""
    try:
        return run()
    except ChainruleError:
        raise
    except Exception as err:  # SymPy can fail in many ways
        raise VerificationError(
            f"{what} could not be checked: {type(err).__name__}: {err}") from err


STEPS_BUDGET = 60.0  # seconds for checking every step of one derivative
STEP_BUDGET = 1.0    # seconds of SymPy per step: a step unproven in time is checked at points


def _verify_steps(root: Step) -> None:
    import time
    seen: set[tuple[Expr, str]] = set()
    started = time.monotonic()
    for step in walk(root):
        key = (step.expr, step.variable)
        if key in seen:
            continue
        budget.check(f"proving step {len(seen) + 1}")
        if time.monotonic() - started > STEPS_BUDGET:
            raise VerificationError(
                f"could not check every step within {STEPS_BUDGET:g} s ({len(seen)} checked); "
                "check the final result only (--verify final, verify='final')")
        seen.add(key)
        verify_derivative(step.expr, step.variable, step.result,
                          budget=budget.remaining(STEP_BUDGET),
                          what=f"the {step.rule} step for {step.expr}")
