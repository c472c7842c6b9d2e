"""The step tree: one typed, immutable step per rule application.

Every step records the expression it differentiates, the variable, the result, its
substeps and — through :attr:`Step.explanation` — the words that justify it. Results are
stored on the step, so renderers never recompute a derivative.

To add a rule: subclass :class:`Step` with a one-line math docstring, a stable lowercase
``rule`` name, a short ``title`` (the words a reader sees naming the rule), the fields a
renderer needs, and an ``explanation``. Defining the class registers it (in
:data:`STEP_REGISTRY`, and so in ``STEP_CLASSES``); produce it in
:mod:`chainrule.differentiate`; give every renderer in :mod:`chainrule.render` a function
for it (a test checks that each renderer handles each registered step class).

    >>> STEP_REGISTRY["chain"] is ChainStep, ChainStep.title
    (True, 'chain rule')
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, ClassVar, Protocol

from chainrule.expr import Expr, Symbol, flat_table, from_flat_table

__all__ = [
    "Step", "ConstantStep", "VariableStep", "ConstantMultipleStep", "SumStep", "ProductStep",
    "QuotientStep", "PowerStep", "ExponentialStep", "ReciprocalStep", "FunctionStep",
    "ChainStep", "MultiChainStep", "LogDiffStep", "RewriteStep", "STEP_REGISTRY",
    "STEP_CLASSES", "walk",
]

# rule → step class, in the order the classes are defined: every subclass of Step adds
# itself when it is defined (Step.__init_subclass__), so no list of them is kept by hand.
STEP_REGISTRY: dict[str, type[Step]] = {}
STEP_CLASSES: tuple[type[Step], ...] = ()  # the registry's classes, kept current by it

_RULE_NAME = re.compile(r"[a-z][a-z_]*\Z")


def _u(e: Expr) -> str:
    return e.pretty()


@dataclass(frozen=True, kw_only=True, eq=True, repr=False)
class Step:
    """d/dx expr = result."""

    rule: ClassVar[str] = "step"     # stable lowercase name, in the JSON: "chain"
    title: ClassVar[str] = "step"    # the words naming the rule for a reader: "chain rule"
    expr: Expr
    variable: str
    result: Expr
    substeps: tuple[Step, ...] = ()

    # Steps are compared by class and fields but never hashed: trees may be deep.
    __hash__ = None  # type: ignore[assignment]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """Register a new step class under its ``rule``, refusing one that lacks what
        renderers and the JSON read from it."""
        super().__init_subclass__(**kwargs)
        own = cls.__dict__
        rule, title = own.get("rule"), own.get("title")
        doc = (own.get("__doc__") or "").strip()
        if not isinstance(rule, str) or not _RULE_NAME.match(rule):
            raise TypeError(f"{cls.__name__} needs its own rule: a lowercase name such as "
                            '"chain" (letters and underscores)')
        if not isinstance(title, str) or not title.strip() or "\n" in title:
            raise TypeError(f"{cls.__name__} needs its own title: the words naming the rule, "
                            'such as "chain rule"')
        if not doc.startswith("d/d"):
            raise TypeError(f"{cls.__name__} needs a docstring whose first line is the rule's "
                            "math, such as \"d/dx [u·v] = u′·v + u·v′\"")
        known = STEP_REGISTRY.get(rule)
        if known is not None and known.__qualname__ != cls.__qualname__:
            raise TypeError(f"the rule name {rule!r} is taken by {known.__name__}")
        STEP_REGISTRY[rule] = cls
        global STEP_CLASSES
        STEP_CLASSES = tuple(STEP_REGISTRY.values())

    @property
    def explanation(self) -> str:
        return ""

    def __repr__(self) -> str:
        return f"{type(self).__name__}(d/d{self.variable} {self.expr} = {self.result})"

    def __reduce__(self) -> Any:
        """Pickled (and deep-copied) as flat tables, never by recursion: a 10 000-deep
        chain has a step tree as deep. See :func:`_step_table`."""
        return (_steps_from_table, _step_table(self))


@dataclass(frozen=True, kw_only=True, eq=True, repr=False)
class ConstantStep(Step):
    """d/dx c = 0."""

    rule: ClassVar[str] = "constant"
    title: ClassVar[str] = "constant rule"
    kind: str = "number"   # number | named_constant | symbol | free | zero_power

    @property
    def explanation(self) -> str:
        v = self.variable
        if self.kind == "symbol":
            return f"{_u(self.expr)} is held constant: a partial derivative with respect to {v}"
        if self.kind == "zero_power":
            return ("u⁰ = 1 and 0ᵘ = 0 wherever they are defined (and a power of 0ᵘ is 0 or "
                    "1), so this is a constant")
        if self.kind == "free":
            return f"{_u(self.expr)} does not depend on {v}, so it is a constant"
        return "the derivative of a constant is 0"


@dataclass(frozen=True, kw_only=True, eq=True, repr=False)
class VariableStep(Step):
    """d/dx x = 1."""

    rule: ClassVar[str] = "variable"
    title: ClassVar[str] = "variable rule"

    @property
    def explanation(self) -> str:
        return f"the derivative of {self.variable} with respect to itself is 1"


@dataclass(frozen=True, kw_only=True, eq=True, repr=False)
class ConstantMultipleStep(Step):
    """d/dx [c·u] = c·u′ (and d/dx [u/c] = u′/c)."""

    rule: ClassVar[str] = "constant_multiple"
    title: ClassVar[str] = "constant multiple rule"
    constant: Expr
    operand: Expr
    divides: bool = False

    @property
    def explanation(self) -> str:
        if self.divides:
            return f"dividing by the constant {_u(self.constant)}: (u/c)′ = u′/c"
        return "a constant factor stays: (c·u)′ = c·u′"


@dataclass(frozen=True, kw_only=True, eq=True, repr=False)
class SumStep(Step):
    """d/dx [u ± v ± …] = u′ ± v′ ± …"""

    rule: ClassVar[str] = "sum"
    title: ClassVar[str] = "sum rule"

    @property
    def explanation(self) -> str:
        return "the derivative of a sum is the sum of the derivatives"


@dataclass(frozen=True, kw_only=True, eq=True, repr=False)
class ProductStep(Step):
    """d/dx [u·v] = u′·v + u·v′ (one term per factor for longer products)."""

    rule: ClassVar[str] = "product"
    title: ClassVar[str] = "product rule"
    factors: tuple[Expr, ...]

    @property
    def explanation(self) -> str:
        if len(self.factors) == 2:
            return "product rule: (u·v)′ = u′·v + u·v′"
        return "product rule: differentiate one factor at a time, keep the others, add"


@dataclass(frozen=True, kw_only=True, eq=True, repr=False)
class QuotientStep(Step):
    """d/dx [u/v] = (u′·v − u·v′)/v²."""

    rule: ClassVar[str] = "quotient"
    title: ClassVar[str] = "quotient rule"
    numerator: Expr
    denominator: Expr

    @property
    def explanation(self) -> str:
        return "quotient rule: (u/v)′ = (u′·v − u·v′)/v²"


@dataclass(frozen=True, kw_only=True, eq=True, repr=False)
class PowerStep(Step):
    """d/dx xⁿ = n·xⁿ⁻¹ (n constant)."""

    rule: ClassVar[str] = "power"
    title: ClassVar[str] = "power rule"
    base: Expr
    exponent: Expr

    @property
    def explanation(self) -> str:
        return "power rule: d/dx xⁿ = n·xⁿ⁻¹"


@dataclass(frozen=True, kw_only=True, eq=True, repr=False)
class ExponentialStep(Step):
    """d/dx aˣ = aˣ·ln a, and d/dx eˣ = eˣ."""

    rule: ClassVar[str] = "exponential"
    title: ClassVar[str] = "exponential rule"
    base: Expr

    @property
    def explanation(self) -> str:
        from chainrule.expr import Const
        if self.base is Const("e"):
            return "eˣ is its own derivative"
        return "exponential rule: d/dx aˣ = aˣ·ln a"


@dataclass(frozen=True, kw_only=True, eq=True, repr=False)
class ReciprocalStep(Step):
    """d/dx c/x = −c/x²."""

    rule: ClassVar[str] = "reciprocal"
    title: ClassVar[str] = "reciprocal rule"
    numerator: Expr

    @property
    def explanation(self) -> str:
        return "reciprocal rule: d/dx c/x = −c/x²"


@dataclass(frozen=True, kw_only=True, eq=True, repr=False)
class FunctionStep(Step):
    """d/dx f(x) = f′(x), read from the function table."""

    rule: ClassVar[str] = "function"
    title: ClassVar[str] = "standard derivative"
    function: str

    @property
    def explanation(self) -> str:
        from chainrule.functions import FUNCTIONS
        return FUNCTIONS[self.function].explanation


class OuterForm(Protocol):
    """How a composite's outer function is written: f(u), f′(u) and the step d/du f(u)."""

    build: Callable[[Expr], Expr]
    derivative: Callable[[Expr], Expr]
    make_step: Callable[..., Step]


class _OuterThenInner:
    """``ChainStep.substeps``: (outer step, inner step), the outer one written on first use.

    A derivation of a 10 000-deep chain builds 10 000 chain steps; the outer step of each
    (d/du₁ sin(u₁) = cos(u₁)) is only read when the step is shown, so it is made then.
    """

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, step: Any, owner: type | None = None) -> Any:
        if step is None:
            return ()  # the dataclass default: "not given, make it on first use"
        known = step.__dict__.get("_substeps")
        if known is None:
            outer = step.form.make_step(expr=step.outer, variable=step.layer,
                                        result=step.outer_derivative)
            known = step.__dict__["_substeps"] = (outer, step.inner_step)
        return known

    def __set__(self, step: Any, value: tuple[Step, ...]) -> None:
        if value:
            raise TypeError("a chain step's substeps are its outer and inner steps; "
                            "pass inner_step and form instead")


@dataclass(frozen=True, kw_only=True, eq=True, repr=False)
class ChainStep(Step):
    """d/dx f(g(x)) = f′(g(x))·g′(x), i.e. dy/du·du/dx with u = g(x).

    ``substeps`` is (outer step: d/du f(u), inner step: d/dx g(x)). The outer function
    f(u), its derivative f′(u) and the outer step are written from ``form`` when first
    read, so a deep chain costs only what is shown.
    """

    rule: ClassVar[str] = "chain"
    title: ClassVar[str] = "chain rule"
    substeps: tuple[Step, ...] = _OuterThenInner()  # type: ignore[assignment]
    layer: str                 # the fresh name u1, u2, … of the inner function
    inner: Expr                # g(x)
    outer_at_inner: Expr       # f′(g(x))
    inner_derivative: Expr     # g′(x)
    form: OuterForm = field(compare=False)  # how to write f(u), f′(u), d/du f(u)
    inner_step: Step = field(compare=False)

    @cached_property
    def outer(self) -> Expr:
        """f(u), written with the layer symbol."""
        return self.form.build(Symbol(self.layer))

    @cached_property
    def outer_derivative(self) -> Expr:
        """f′(u), with the layer symbol."""
        return self.form.derivative(Symbol(self.layer))

    @property
    def outer_step(self) -> Step:
        return self.substeps[0]

    @property
    def explanation(self) -> str:
        return "chain rule: (f(g(x)))′ = f′(g(x))·g′(x)"


@dataclass(frozen=True, kw_only=True, eq=True, repr=False)
class MultiChainStep(Step):
    """d/dx F(a(x), b(x)) = ∂F/∂a·a′ + ∂F/∂b·b′ — the chain rule for several arguments."""

    rule: ClassVar[str] = "multivariable_chain"
    title: ClassVar[str] = "multivariable chain rule"
    function: str
    arguments: tuple[Expr, ...]
    partials: tuple[Expr, ...]

    @property
    def explanation(self) -> str:
        return "chain rule with several inner functions: sum of ∂F/∂(argument)·(argument)′"


@dataclass(frozen=True, kw_only=True, eq=True, repr=False)
class LogDiffStep(Step):
    """d/dx u^v = u^v·(v′·ln u + v·u′/u), by logarithmic differentiation.

    ``substeps`` is (the step for d/dx [v·ln u],).
    """

    rule: ClassVar[str] = "logarithmic"
    title: ClassVar[str] = "logarithmic differentiation"
    base: Expr
    exponent: Expr
    log_form: Expr             # v·ln(u)

    @property
    def explanation(self) -> str:
        return ("logarithmic differentiation: y = u^v gives ln y = v·ln u, "
                "so y′ = y·(v·ln u)′")


@dataclass(frozen=True, kw_only=True, eq=True, repr=False)
class RewriteStep(Step):
    """d/dx expr = d/dx (an equal form that the rules handle)."""

    rule: ClassVar[str] = "rewrite"
    title: ClassVar[str] = "rewrite"
    rewritten: Expr
    reason: str

    @property
    def explanation(self) -> str:
        return self.reason


def walk(root: Step) -> Iterator[Step]:
    """Every step node, parents first, without recursion (shared steps once)."""
    seen: set[int] = set()
    stack = [root]
    while stack:
        step = stack.pop()
        if id(step) in seen:
            continue
        seen.add(id(step))
        yield step
        stack.extend(reversed(step.substeps))


# ── pickling ─────────────────────────────────────────────────────────────────
# A step tree pickles as two flat tables, never by recursion: every expression its steps
# hold (one table, so a node shared by many steps is written once: chainrule.expr's
# flat_table), and every step, substeps first, as (class, fields) with each expression,
# step and small slotted helper (a chain step's form) replaced by its row.
def _step_children(step: Step) -> Iterator[Step]:
    for value in step.__dict__.values():
        if isinstance(value, Step):
            yield value
        elif isinstance(value, tuple):
            yield from (v for v in value if isinstance(v, Step))


def _slots(obj: Any) -> list[str] | None:
    """The attributes of a small helper object that has only __slots__, else None."""
    if hasattr(obj, "__dict__"):
        return None
    names = [n for k in type(obj).__mro__ for n in k.__dict__.get("__slots__", ())
             if n != "__weakref__"]
    return names if names and all(hasattr(obj, n) for n in names) else None


def _step_table(root: Step) -> tuple[list[Any], list[Any]]:
    exprs: list[Any] = []
    expr_rows: dict[int, int] = {}
    step_rows: dict[int, int] = {}
    rows: list[Any] = []

    def encode(value: Any) -> Any:
        if isinstance(value, Expr):
            flat_table((value,), exprs, expr_rows)
            return ("e", expr_rows[id(value)])
        if isinstance(value, Step):
            return ("p", step_rows[id(value)])
        if isinstance(value, tuple):
            return ("t", tuple([encode(v) for v in value]))
        names = _slots(value)
        if names is not None and type(value).__module__.startswith("chainrule."):
            return ("o", (type(value), tuple([(n, encode(getattr(value, n))) for n in names])))
        return ("s", value)

    seen: set[int] = set()
    stack: list[tuple[Step, bool]] = [(root, False)]
    while stack:
        step, expanded = stack.pop()
        if not expanded:
            if id(step) in seen:
                continue
            seen.add(id(step))
            stack.append((step, True))
            stack.extend((c, False) for c in _step_children(step) if id(c) not in seen)
            continue
        step_rows[id(step)] = len(rows)
        rows.append((type(step), tuple([(k, encode(v)) for k, v in step.__dict__.items()])))
    return exprs, rows


def _steps_from_table(exprs: list[Any], rows: list[Any]) -> Step:
    """The step tree that :func:`_step_table` wrote (its last row)."""
    nodes = from_flat_table(exprs)
    steps: list[Step] = []

    def decode(item: Any) -> Any:
        kind, value = item
        if kind == "e":
            return nodes[value]
        if kind == "p":
            return steps[value]
        if kind == "t":
            return tuple([decode(v) for v in value])
        if kind == "o":
            cls, attributes = value
            obj = cls.__new__(cls)
            for name, v in attributes:
                object.__setattr__(obj, name, decode(v))
            return obj
        return value

    for cls, fields in rows:
        step = cls.__new__(cls)
        step.__dict__.update({k: decode(v) for k, v in fields})
        steps.append(step)
    return steps[-1]
