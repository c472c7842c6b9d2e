"""Answer checking: is a learner's derivative right, and if not, which mistake explains it?

    >>> import chainrule
    >>> r = chainrule.check("sin(x**2)", "cos(x**2)")
    >>> r.correct, r.mistakes[0].kind, r.mistakes[0].layer_pretty
    (False, 'missing_inner_derivative', 'sin(x²)')
    >>> chainrule.check("tan(x)", "1/cos(x)**2").correct
    True

How it decides
--------------
* **Equal or not.** The answer and our derivative (computed by our rules, proven against
  SymPy by :func:`chainrule.diff`) are evaluated at random points where the expression is
  differentiable. A disagreement is confirmed at 30 digits before it counts, so rounding
  never rejects a right answer; agreement is then proven symbolically when SymPy can, else
  it stands as numeric. Corners and jumps of |u|, relu, sign and step functions are points
  where the derivative does not exist; the result says so.
* **Which mistake.** For every layer of the expression (every node of the step tree) and
  every mistake in :data:`chainrule.checking.mistakes.CATALOGUE` that can happen there, the wrong
  derivative of that layer is put in place of the right one and the ordinary rules finish
  the derivative around it. Each such candidate is compared with the answer at the sample
  points. When no single mistake matches, pairs at different layers (and a sign error on
  top of another mistake) are tried. A candidate matches only if it equals the answer at
  every sample point, so a diagnosis is never a guess; when nothing matches, the result
  says so and shows where the answer departs from the derivative.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from fractions import Fraction
from functools import lru_cache
from itertools import combinations
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from chainrule.budget import DEFAULT_TIMEOUT, doing, job, remaining, tick
from chainrule.checking.mistakes import (
    BY_KIND,
    CATALOGUE,
    NBSP,
    Context,
    Layer,
    MistakeKind,
    Variant,
)
from chainrule.derivation import Derivation, derive
from chainrule.differentiate import Derivator
from chainrule.errors import BudgetExceeded, ParseError, UndefinedError, UsageError
from chainrule.evaluate import evaluate
from chainrule.expr import (
    ONE,
    Add,
    Div,
    Expr,
    Func,
    Mul,
    Neg,
    Num,
    Pow,
    free_symbols,
    node_count,
    postorder,
)
from chainrule.functions import FUNCTIONS
from chainrule.inputs import as_expr
from chainrule.options import Confidence
from chainrule.printing import to_unicode_pieces as display  # a rule's form, pieces kept
from chainrule.results import Result
from chainrule.simplify import light
from chainrule.steps import (
    ChainStep,
    ConstantMultipleStep,
    ConstantStep,
    ExponentialStep,
    PowerStep,
    ProductStep,
    QuotientStep,
    ReciprocalStep,
    Step,
    VariableStep,
    walk,
)
from chainrule.verify.equivalence import (
    RANGES,
    REARRANGED_RTOL,
    SIMPLIFY_OPS,
    abstract_stand_ins,
    close,
    compare,
    domain_text,
    equal_precisely_at,
    has_abstract,
    same_form,
    symbolically_equal,
    sympy_can,
)

if TYPE_CHECKING:
    from chainrule.render.document import Document

__all__ = ["check", "CheckResult", "Mistake", "Equivalence", "Disagreement", "Comparison",
           "display", "rule_form"]


_SAMPLES = 10            # points a candidate must match (fewer only when fewer exist)
_MIN_EQUAL = 6           # agreeing points needed to accept an answer numerically
_MIN_MATCH = 3           # points needed before any diagnosis is made
_CANDIDATES = 400        # random points tried to find the samples
_MAX_LAYERS = 60         # layers examined (outermost first) in very large expressions
_MAX_PAIR_SINGLES = 90   # single mistakes combined into pairs
_WORK = 3_000_000        # candidates × expression size: bounds the search, deterministically
                         # (about two seconds; small expressions never reach it)
_MAX_PIECES = 40         # terms or factors compared one by one


# ── results ──────────────────────────────────────────────────────────────────
@dataclass(frozen=True)
class Mistake:
    """One mistake: its stable ``kind``, the ``layer`` (subexpression) it happened at, an
    explanation, and the derivative of that layer the answer ``implied`` next to the
    ``expected`` one (both in the form the rule writes them)."""

    kind: str
    layer: Expr
    explanation: str
    implied: Expr
    expected: Expr
    title: str = ""
    confidence: Confidence = "high"
    variant: str = "default"
    rule: str = ""                   # what gives ``expected``: "chain rule", …, or "correct"
    at_root: bool = False            # the layer is the whole expression
    wrappable: str = field(default="", repr=False, compare=False)  # NBSP inside formulas

    @property
    def layer_pretty(self) -> str:
        """The layer in Unicode math, e.g. ``sin(x²)``."""
        return self.layer.pretty()

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "title": self.title, "variant": self.variant,
                "layer": str(self.layer), "layer_pretty": self.layer_pretty,
                "explanation": self.explanation,
                "implied": str(self.implied), "implied_pretty": display(self.implied),
                "expected": str(self.expected), "expected_pretty": display(self.expected),
                "rule": self.rule, "confidence": self.confidence}


@dataclass(frozen=True)
class Equivalence:
    """Whether the answer equals the derivative, and how that was established.

    ``status``: ``symbolic`` (proven), ``numeric`` (equal at every sampled point; SymPy
    could not prove it in time) or ``different``. ``except_where`` lists expressions g(x)
    whose zeros are corners or jumps: there the derivative does not exist, and the answer
    may say anything.
    """

    equal: bool
    status: Literal["symbolic", "numeric", "different"]
    method: str
    points: int = 0
    except_where: tuple[Expr, ...] = ()
    note: str = ""
    part: str = ""                   # correct only here (x ≥ 0): the answer has no real
                                     # value on the rest of the derivative's domain
    difference: Expr | None = None   # answer − derivative, when SymPy showed it nonzero

    def to_dict(self) -> dict[str, Any]:
        return {"equal": self.equal, "status": self.status, "method": self.method,
                "points": self.points, "except_where": [str(e) for e in self.except_where],
                "note": self.note, "part": self.part,
                "difference": None if self.difference is None else str(self.difference)}


@dataclass(frozen=True)
class Disagreement:
    """A point where the answer and the derivative differ (``answer`` None: undefined)."""

    point: dict[str, float]
    answer: float | None
    derivative: float

    def to_dict(self) -> dict[str, Any]:
        return {"point": dict(self.point), "answer": self.answer, "derivative": self.derivative}


@dataclass(frozen=True)
class Comparison:
    """The answer and the derivative compared piece by piece (``by`` terms or factors)."""

    by: Literal["terms", "factors"]
    matching: tuple[Expr, ...]
    missing: tuple[Expr, ...]        # in the derivative, not in the answer
    extra: tuple[Expr, ...]          # in the answer, not in the derivative
    ratio: Fraction | None = None    # answer / derivative, when that is a constant
    scaled: tuple[tuple[Expr, Expr, Fraction], ...] = ()  # (theirs, ours, ours/theirs)

    def to_dict(self) -> dict[str, Any]:
        return {"by": self.by, "matching": [str(e) for e in self.matching],
                "missing": [str(e) for e in self.missing], "extra": [str(e) for e in self.extra],
                "scaled": [{"derivative": str(d), "answer": str(a), "factor": str(f)}
                           for d, a, f in self.scaled],
                "ratio": None if self.ratio is None else str(self.ratio)}


@dataclass(frozen=True, eq=False)
class CheckResult(Result):
    """The verdict on an answer: ``correct``, the ``mistakes`` that explain a wrong one (most
    likely first; several when mistakes at several layers combine), and the correct
    ``derivation``.

    ``alternatives`` holds other diagnoses that explain the answer equally well;
    ``confidence`` is ``high`` for an exact match with the catalogue, ``low`` for a hint,
    and None when nothing matched. For a wrong answer, ``disagreement`` is the first sample
    point where it departs from the derivative and ``comparison`` the piece-by-piece view.
    """

    kind: ClassVar[str] = "check"

    expr: Expr
    answer: Expr
    variable: str
    correct: bool
    mistakes: list[Mistake]
    derivation: Derivation
    equivalence: Equivalence
    alternatives: list[list[Mistake]] = field(default_factory=list)
    confidence: Confidence | None = None
    disagreement: Disagreement | None = None
    comparison: Comparison | None = None
    text: str | None = None
    answer_text: str | None = None

    @property
    def derivative(self) -> Expr:
        """The correct derivative (as :attr:`Derivation.result`)."""
        return self.derivation.result

    @property
    def input(self) -> str:
        return self.text if self.text is not None else str(self.expr)

    @property
    def answer_input(self) -> str:
        return self.answer_text if self.answer_text is not None else str(self.answer)

    def to_dict(self) -> dict[str, Any]:
        """The JSON document (schema in docs/check.md)."""
        from chainrule.render.check import check_to_dict
        return check_to_dict(self)

    def document(self, width: int | None = None) -> Document:
        """The verdict, the mistake at its layer, the correct result and its derivation."""
        from chainrule.render.check import check_document
        return check_document(self, width)

    def __str__(self) -> str:
        return self.to_text()


# ── the API ──────────────────────────────────────────────────────────────────
def check(expr: Any, answer: Any, wrt: Any = None, *, budget: float = 5.0,
          var: Any = None, timeout: float | None = DEFAULT_TIMEOUT) -> CheckResult:
    """Check ``answer`` against d/d(wrt) ``expr`` and name the mistake if it is wrong.

        >>> r = check("sin(x)**2", "2*x*cos(x**2)")
        >>> r.mistakes[0].kind
        'inner_outer_swapped'

    ``expr`` and ``answer`` are text (parsed by :func:`chainrule.parse`), chainrule
    expressions or SymPy expressions; ``wrt`` (or its older name ``var``) is inferred when
    ``expr`` has one symbol.
    ``budget`` bounds SymPy's symbolic work in seconds; ``timeout`` the whole check's wall
    clock (default 60 s; 0 or None for none), past which :class:`chainrule.BudgetExceeded`
    is raised (:mod:`chainrule.budget`). Text that does not parse raises
    :class:`chainrule.ParseError` whose message says which of the two it was.
    """
    with job(timeout):
        try:
            return _check(expr, answer, wrt, budget=budget, var=var)
        except BudgetExceeded as err:
            err.partial = None  # a verdict is all or nothing
            raise


def _check(expr: Any, answer: Any, wrt: Any, *, budget: float, var: Any) -> CheckResult:
    from chainrule.inputs import pick_wrt, resolve_variable
    parsed, text = _read(expr, "expression")
    answer_expr, answer_text = _read(answer, "answer")
    variable = resolve_variable(parsed, pick_wrt(wrt, var))
    derivation = _derive(parsed, variable)
    if text is not None:
        derivation = replace(derivation, text=text)
    derivative = derivation.result

    sampler = _Sampler(parsed, variable, derivative, answer_expr)
    doing("comparing the answer with the derivative")
    equivalence, disagreement = sampler.equivalence(remaining(budget))
    diagnoses: list[_Diagnosis] = []
    comparison = None
    if not equivalence.equal:
        doing("looking for the mistake")
        samples = sampler.diagnosis_samples()
        if len(samples) >= _MIN_MATCH:
            diagnoses = _Diagnoser(derivation.steps, parsed, variable, samples,
                                   sampler.abstract, answer_expr).run()
        comparison = _compare(derivative, answer_expr, samples, sampler.abstract)
        if not diagnoses and comparison is not None and comparison.ratio is not None:
            hint = _ratio_hint(parsed, variable, comparison.ratio, derivative)
            if hint is not None:
                diagnoses = [hint]
    return CheckResult(
        expr=parsed, answer=answer_expr, variable=variable, correct=equivalence.equal,
        mistakes=diagnoses[0].mistakes if diagnoses else [], derivation=derivation,
        equivalence=equivalence, alternatives=[d.mistakes for d in diagnoses[1:4]],
        confidence=diagnoses[0].confidence if diagnoses else None, disagreement=disagreement,
        comparison=comparison, text=text, answer_text=answer_text)


def _read(value: Any, what: str) -> tuple[Expr, str | None]:
    if isinstance(value, str):
        from chainrule.parser import parse
        try:
            return parse(value, strict=True), value
        except ParseError as err:
            raise ParseError(f"in the {what}: {err.message}", err.text, err.position,
                             expected=err.expected, hint=err.hint, length=err.length) from None
    try:
        return as_expr(value)
    except UsageError:
        raise UsageError(f"cannot check a {type(value).__name__} as the {what}: pass text, "
                         "a chainrule Expr or a SymPy expression") from None


@lru_cache(maxsize=128)
def _derive(expr: Expr, variable: str) -> Derivation:
    return derive(expr, variable)


# ── sampling and equivalence ─────────────────────────────────────────────────
@dataclass
class _Sample:
    point: dict[str, float]
    derivative: float
    answer: float | None


class _Sampler:
    """Points where the expression is differentiable, with the derivative and the answer."""

    def __init__(self, expr: Expr, variable: str, derivative: Expr, answer: Expr) -> None:
        self.expr, self.variable = expr, variable
        self.derivative, self.answer = derivative, answer
        self.names = sorted(free_symbols(expr) | free_symbols(answer) | {variable})
        self.abstract: Any = None
        self.impls: Any = None
        if has_abstract(expr) or has_abstract(answer):
            self.abstract = abstract_stand_ins()
            self.impls = self.abstract["impls"]
        self.samples = self._collect()

    def _collect(self) -> list[_Sample]:
        rng = random.Random(20261125)
        out: list[_Sample] = []
        for i in range(_CANDIDATES):
            tick("sampling the answer")
            lo, hi = RANGES[i % len(RANGES)] if i < 200 else RANGES[rng.randrange(5)]
            point = {n: round(rng.uniform(lo, hi), 4) for n in self.names}
            try:
                evaluate(self.expr, point, strict=True, abstract=self.impls)
                d = evaluate(self.derivative, point, abstract=self.impls)
            except UndefinedError:
                continue
            try:
                a: float | None = evaluate(self.answer, point, abstract=self.impls)
            except UndefinedError:
                a = None
            out.append(_Sample(point, d, a))
            if len(out) >= 2 * _SAMPLES:
                break
        return out

    def _precise(self, point: dict[str, float]) -> bool:
        """Whether answer and derivative agree at 30 digits (SymPy) at ``point``."""
        return equal_precisely_at(self.answer, self.derivative, point, self.abstract)

    def equivalence(self, budget: float) -> tuple[Equivalence, Disagreement | None]:
        """Whether the answer is the derivative — decided by the one comparison the proof
        uses (:func:`chainrule.verify.equivalence.compare`) — and where it differs."""
        if not (sympy_can(self.answer) and sympy_can(self.derivative)):
            return self._equivalence_in_floats(budget)
        evidence = compare(self.answer, self.derivative, domain=self.expr, names=self.names,
                           budget=budget, abstract=self.abstract, max_ops=SIMPLIFY_OPS,
                           seed=20261125)
        corners = _corners(self.expr)
        note = ""
        if corners:
            where = ", ".join(f"{c.pretty()} = 0" for c in corners)
            note = f"equal wherever the derivative exists; it does not exist where {where}"
        if evidence.verdict == "different":
            if evidence.point is not None:
                method = ("undefined where the derivative exists" if evidence.first is None
                          else "different values")
                assert evidence.second is not None
                return (Equivalence(False, "different", method, evidence.points),
                        Disagreement(evidence.point, evidence.first, evidence.second))
            return (Equivalence(False, "different", "SymPy shows the difference is not zero",
                                evidence.points, difference=evidence.difference),
                    self._widest_gap())
        if evidence.points == 0 and evidence.undefined:
            point = evidence.undefined[0]
            return (Equivalence(False, "different", "undefined where the derivative exists"),
                    Disagreement(point, None, _value(self.derivative, point, self.impls)))
        if evidence.verdict == "unknown":
            return Equivalence(False, "different",
                               "no point where both are defined, and no symbolic proof"), None
        part = ""
        if evidence.undefined:
            part, why = self._part(evidence.undefined)
            note = "; ".join(filter(None, [why, note]))
        if evidence.method == "symbolic":
            return Equivalence(True, "symbolic", "equal to the derivative (symbolic)",
                               evidence.points, corners, note, part=part), None
        # random points never land on the answer's own jumps and corners: say so
        own = [g for g in _corners(self.answer) if g not in corners]
        if own:
            where = ", ".join(f"{g.pretty()} = 0" for g in own)
            note = "; ".join(filter(None, [note, f"your answer jumps or has a corner where "
                                                 f"{where}; it was not compared there"]))
        return Equivalence(True, "numeric", f"equal to the derivative at {evidence.points} "
                           "points, to at least 30 digits (numeric evidence only: no "
                           "symbolic proof in time)", evidence.points, corners, note,
                           part=part), None

    def _part(self, undefined: Sequence[dict[str, float]]) -> tuple[str, str]:
        """For an answer that has no real value on part of the derivative's domain: where
        it is correct, in words (``x ≥ 0``; "your answer is defined" when SymPy cannot say),
        and why it is not correct elsewhere."""
        where = ""
        if len(self.names) == 1:
            where = domain_text(self.answer, self.variable, remaining(2.0)) or ""
        why = "your answer has no real value at some points where the derivative exists"
        try:
            evaluate(self.answer, undefined[0], abstract=self.impls)
        except UndefinedError as err:
            why += f": {err}"
        return where or "your answer is defined", why

    def _widest_gap(self) -> Disagreement | None:
        """The sample where answer and derivative differ most, for a difference SymPy found
        that no sample point showed clearly (e^(−(x−50)²))."""
        pairs = [s for s in self.samples if s.answer is not None]
        if not pairs:
            return None
        s = max(pairs, key=lambda s: abs(s.answer - s.derivative))  # type: ignore[operator]
        if s.answer == s.derivative:
            return None     # no sample shows it: the difference SymPy found says it all
        return Disagreement(s.point, s.answer, s.derivative)

    def _equivalence_in_floats(self, budget: float) -> tuple[Equivalence, Disagreement | None]:
        """Trees too large for SymPy: floats at the sample points, rechecked precisely
        where SymPy can take the pieces."""
        agreed = 0
        for s in self.samples:
            if s.answer is not None and close(s.answer, s.derivative):
                agreed += 1
                continue
            if self._precise(s.point):  # rounding, or a form our floats cannot evaluate
                agreed += 1
                continue
            method = ("undefined where the derivative exists" if s.answer is None
                      else "different values")
            return (Equivalence(False, "different", method, agreed),
                    Disagreement(s.point, s.answer, s.derivative))
        corners = _corners(self.expr)
        note = ""
        if corners:
            where = ", ".join(f"{c.pretty()} = 0" for c in corners)
            note = f"equal wherever the derivative exists; it does not exist where {where}"
        proven = (sympy_can(self.answer) and sympy_can(self.derivative)
                  and symbolically_equal(self.answer, self.derivative, budget,
                                         max_ops=SIMPLIFY_OPS))
        if proven:
            return Equivalence(True, "symbolic", "equal to the derivative (symbolic)", agreed,
                               corners, note), None
        # random points never land on the answer's own jumps and corners: say so
        own = [g for g in _corners(self.answer) if g not in corners]
        if own:
            where = ", ".join(f"{g.pretty()} = 0" for g in own)
            note = "; ".join(filter(None, [note, f"your answer jumps or has a corner where "
                                                 f"{where}; it was not compared there"]))
        if agreed >= _MIN_EQUAL or (agreed and agreed == len(self.samples)):
            return Equivalence(True, "numeric",
                               f"equal to the derivative at {agreed} random points", agreed,
                               corners, note), None
        return Equivalence(False, "different",
                           "no point where both are defined, and no symbolic proof", agreed), None

    def diagnosis_samples(self) -> list[_Sample]:
        return [s for s in self.samples if s.answer is not None][:_SAMPLES]


def _corners(expr: Expr) -> tuple[Expr, ...]:
    """Arguments g of functions that are defined but not differentiable where g = 0.

    Read from the function table: an entry whose value exists at 0 but whose derivative
    does not (|u|, relu, sign, the step function).
    """
    found: list[Expr] = []
    for node in postorder(expr):
        if not isinstance(node, Func) or len(node.args) != 1:
            continue
        entry = FUNCTIONS[node.name]
        if entry.abstract or entry.domain(0.0) or not entry.domain(1e-3):
            continue
        try:
            value = entry.numeric(0.0)
        except (ValueError, ZeroDivisionError, OverflowError):
            continue
        if math.isfinite(value) and node.args[0] not in found:
            found.append(node.args[0])
    return tuple(found)


# ── diagnosis ────────────────────────────────────────────────────────────────
@dataclass(frozen=True)
class _Spec:
    """One mistake to apply: a kind at a layer, variant number ``index``."""

    kind: MistakeKind
    rank: int
    layer: Layer
    order: int           # layers deeper in the tree come first when applied
    index: int
    variant: Variant


@dataclass(frozen=True)
class _Diagnosis:
    mistakes: list[Mistake]
    key: tuple[Any, ...]
    confidence: Confidence


_RULE_NAMES: dict[type, str] = {ChainStep: "chain rule", ProductStep: "product rule",
                                QuotientStep: "quotient rule", PowerStep: "power rule",
                                ExponentialStep: "exponential rule",
                                ReciprocalStep: "reciprocal rule"}


def _product(*factors: Expr) -> Expr:
    kept = [f for f in factors if f is not ONE]
    return Mul(tuple(kept)) if kept else ONE


def rule_form(step: Step) -> Expr:
    """The correct derivative of a step's expression as the rule writes it (pieces tidy)."""
    if isinstance(step, ChainStep):
        return _product(light(step.outer_at_inner), light(step.inner_derivative))
    if isinstance(step, ProductStep):
        shown = [light(s.result) for s in step.substeps]
        return Add(tuple(_product(*(shown[j] if j == i else f for j, f in enumerate(step.factors)))
                         for i in range(len(step.factors))))
    if isinstance(step, QuotientStep):
        du, dv = (light(s.result) for s in step.substeps)
        u, v = step.numerator, step.denominator
        return Div(light(Add((_product(du, v), Neg(_product(u, dv))))), Pow(v, Num(2)))
    if isinstance(step, ConstantMultipleStep):
        du = light(step.substeps[0].result)
        if step.divides:
            return Div(du, step.constant)
        if step.constant is Num(-1):
            return light(Neg(du))
        return _product(step.constant, du)
    return light(step.result)


class _Diagnoser:
    def __init__(self, root: Step, expr: Expr, variable: str, samples: list[_Sample],
                 abstract: Any, answer: Expr) -> None:
        self.expr, self.variable = expr, variable
        self.answer = answer
        self.samples = samples
        self.impls = abstract["impls"] if abstract else None
        self.reserved = free_symbols(expr)
        self.fresh = Derivator(variable, self.reserved)  # correct derivatives, shared
        self.size = node_count(expr) + node_count(root.result)
        self.work = 0
        steps = [s for s in walk(root) if s.variable == variable
                 and not isinstance(s, (ConstantStep, VariableStep))]
        seen: set[Expr] = set()
        self.layers: list[Layer] = []
        for s in steps:
            if s.expr not in seen:
                seen.add(s.expr)
                self.layers.append(Layer.of(s, variable, is_root=s is root))
        self.layers = self.layers[:max(4, min(_MAX_LAYERS, 20_000 // self.size))]
        # walk() is parents first: a layer's position from the end puts inner layers first
        self.order = {layer.node: len(self.layers) - i for i, layer in enumerate(self.layers)}

    # candidates
    def context(self) -> Context:
        self.work += 10 * self.size  # deriving and tidying a candidate: ~10 passes
        return Context(self.variable, self.reserved, self.fresh)

    def singles(self) -> list[_Spec]:
        ctx = self.context()
        specs = []
        for rank, kind in enumerate(CATALOGUE):
            for layer in self.layers:
                for index, variant in enumerate(kind.generate(layer, ctx)):
                    specs.append(_Spec(kind, rank, layer, self.order[layer.node], index, variant))
        return specs

    def apply(self, specs: Sequence[_Spec]) -> tuple[Expr, list[tuple[_Spec, Variant]]] | None:
        """The whole derivative with ``specs`` applied, inner layers first."""
        ctx = self.context()
        used: list[tuple[_Spec, Variant]] = []
        for spec in sorted(specs, key=lambda s: (s.order, s.kind.stacks)):
            if len(specs) == 1:
                variant = spec.variant
            else:
                variants = list(spec.kind.generate(spec.layer, ctx))
                if spec.index >= len(variants):
                    return None
                variant = variants[spec.index]
            ctx.seed(spec.layer.node, variant.wrong)
            used.append((spec, variant))
        return ctx.d(self.expr), used

    def matches(self, candidate: Expr) -> bool:
        self.work += self.size * len(self.samples) // 4
        for s in self.samples:
            try:
                value = evaluate(candidate, s.point, abstract=self.impls)
            except UndefinedError:
                return False
            assert s.answer is not None
            if not close(value, s.answer, REARRANGED_RTOL):
                return False
        return True

    def diagnosis(self, used: list[tuple[_Spec, Variant]], candidate: Expr) -> _Diagnosis:
        confidence: Confidence = "high" if len(self.samples) >= 5 else "medium"
        mistakes = []
        for spec, variant in sorted(used, key=lambda u: (-u[0].order, u[0].kind.stacks,
                                                         u[0].rank)):
            layer = spec.layer
            text = spec.kind.explain(variant, layer)
            mistakes.append(Mistake(
                kind=spec.kind.kind, layer=layer.node, explanation=text.replace(NBSP, " "),
                implied=variant.wrong, expected=rule_form(layer.step), title=spec.kind.title,
                confidence=confidence, variant=variant.template,
                rule=_RULE_NAMES.get(type(layer.step), "correct"), at_root=layer.is_root,
                wrappable=text))
        # fewer mistakes first; a specific reading before a catch-all (an overall sign);
        # a reading whose tidy form is the answer as written (−2·sin x·cos x is the
        # derivative of cos²x, though it equals −sin 2x); the catalogue's prior; outer first
        same_form = self.same_form(candidate)
        key = (len(used), sum(not v.specific for _, v in used), not same_form,
               sum(s.rank for s, _ in used), sum(-s.order for s, _ in used))
        return _Diagnosis(mistakes, key, confidence)

    def same_form(self, candidate: Expr) -> bool:
        """Whether the candidate, tidied, is the answer as written up to the order of terms
        and factors (SymPy's canonical order; nothing is expanded or simplified)."""
        return sympy_can(candidate) and same_form(light(candidate), self.answer)

    def run(self) -> list[_Diagnosis]:
        singles = self.singles()
        found: list[_Diagnosis] = []
        for spec in singles:
            if self.work > _WORK:
                break
            applied = self.apply([spec])
            if applied is not None and self.matches(applied[0]):
                found.append(self.diagnosis(applied[1], applied[0]))
        if not found:
            found = self._pairs(singles)
        found.sort(key=lambda d: d.key)
        unique: list[_Diagnosis] = []
        seen: set[frozenset[tuple[str, Expr]]] = set()
        for d in found:
            ident = frozenset((m.kind, m.layer) for m in d.mistakes)
            if ident not in seen:
                seen.add(ident)
                unique.append(d)
        return unique

    def _pairs(self, singles: list[_Spec]) -> list[_Diagnosis]:
        found = []
        pool = sorted(singles, key=lambda s: (s.rank, -s.order))[:_MAX_PAIR_SINGLES]
        for a, b in combinations(pool, 2):
            if self.work > _WORK:
                break  # a very large expression: the pairs searched so far must do
            if a.layer.node is b.layer.node and a.kind.stacks == b.kind.stacks:
                continue  # two readings of one layer cannot both hold, unless one stacks
            applied = self.apply([a, b])
            if applied is not None and self.matches(applied[0]):
                found.append(self.diagnosis(applied[1], applied[0]))
        return found


def _ratio_hint(expr: Expr, variable: str, ratio: Fraction,
                derivative: Expr) -> _Diagnosis | None:
    """A low-confidence hint when the answer is a simple fraction of the derivative.

    Not a catalogue match (the constant is not one the rules produce), so it is offered
    as a lead, never as a finding.
    """
    if ratio == 0 or abs(ratio) >= 1:
        return None
    kind = BY_KIND["dropped_constant"]
    layer = Layer(expr, Step(expr=expr, variable=variable, result=derivative), variable,
                  is_root=True)
    variant = Variant(Mul((Num(ratio), derivative)),
                      lambda: {"ratio": Num(ratio), "missing": Num(1 / ratio)}, "ratio")
    text = kind.explain(variant, layer)
    mistake = Mistake(kind=kind.kind, layer=expr, explanation=text.replace(NBSP, " "),
                      implied=light(variant.wrong), expected=derivative, title=kind.title,
                      confidence="low", variant="ratio", rule="correct", at_root=True,
                      wrappable=text)
    return _Diagnosis([mistake], (1,), "low")


# ── piece-by-piece comparison ────────────────────────────────────────────────
def _value(e: Expr, point: dict[str, float], impls: Any) -> float:
    """``e`` at ``point`` in floats (±inf beyond them)."""
    try:
        return evaluate(e, point, abstract=impls)
    except UndefinedError as err:
        return math.inf if err.overflow else math.nan


def _values(e: Expr, samples: list[_Sample], impls: Any) -> list[float | None]:
    out: list[float | None] = []
    for s in samples:
        try:
            out.append(evaluate(e, s.point, abstract=impls))
        except UndefinedError:
            out.append(None)
    return out


def _same(a: list[float | None], b: list[float | None]) -> bool:
    pairs = [(x, y) for x, y in zip(a, b) if x is not None and y is not None]
    return len(pairs) >= _MIN_MATCH and all(close(x, y, REARRANGED_RTOL) for x, y in pairs)


def _terms(e: Expr) -> list[Expr]:
    e = light(e)
    if isinstance(e, Add):
        return list(e.terms)
    if isinstance(e, Neg) and isinstance(e.arg, Add):
        return [light(Neg(t)) for t in e.arg.terms]
    return [e]


def _factors(e: Expr) -> list[Expr]:
    e = light(e)
    sign = Fraction(1)
    if isinstance(e, Neg):
        sign, e = Fraction(-1), e.arg
    top, bottom = (e.num, e.den) if isinstance(e, Div) else (e, ONE)
    out: list[Expr] = []
    coeff = sign
    for part, inverse in ((top, False), (bottom, True)):
        pieces = part.factors if isinstance(part, Mul) else (part,)
        for f in pieces:
            if isinstance(f, Num):
                coeff = coeff / f.value if inverse else coeff * f.value
            elif f is not ONE:
                out.append(Div(ONE, f) if inverse else f)
    if coeff != 1:
        out.insert(0, Num(coeff))
    return out


def _compare(derivative: Expr, answer: Expr, samples: list[_Sample],
             impls: Any) -> Comparison | None:
    """The view that explains most: terms or factors, plus a constant ratio if there is one."""
    if len(samples) < _MIN_MATCH:
        return None
    impl = impls["impls"] if impls else None
    ratio = _constant_ratio(samples)
    best: Comparison | None = None
    best_score = -1.0
    for by, split in (("factors", _factors), ("terms", _terms)):
        ours, theirs = split(derivative), split(answer)
        if (len(ours) < 2 and len(theirs) < 2) or len(ours) + len(theirs) > _MAX_PIECES:
            continue
        ours_v = [_values(p, samples, impl) for p in ours]
        theirs_v = [_values(p, samples, impl) for p in theirs]
        used: set[int] = set()
        matching, missing = [], []
        for p, pv in zip(ours, ours_v):
            j = next((j for j, tv in enumerate(theirs_v) if j not in used and _same(pv, tv)), None)
            if j is None:
                missing.append(p)
            else:
                used.add(j)
                matching.append(p)
        scaled: list[tuple[Expr, Expr, Fraction]] = []
        for p in list(missing):  # pieces equal up to a constant factor: a useful near-miss
            if isinstance(p, Num):
                continue  # any two numbers are proportional
            pv = ours_v[ours.index(p)]
            for j, tv in enumerate(theirs_v):
                factor = (None if j in used or isinstance(theirs[j], Num)
                          else _simple_ratio(pv, tv))
                if factor is not None:
                    used.add(j)
                    missing.remove(p)
                    scaled.append((p, theirs[j], factor))
                    break
        extra = [t for j, t in enumerate(theirs) if j not in used]
        found = len(matching) + len(scaled) / 2
        score = found / max(1, len(matching) + len(scaled) + len(missing) + len(extra))
        if found and score > best_score:
            best, best_score = Comparison(by, tuple(matching), tuple(missing),  # type: ignore[arg-type]
                                          tuple(extra), ratio, tuple(scaled)), score
    if best is None and ratio is not None:
        best = Comparison("factors", (), (), (), ratio)
    return best


def _constant_ratio(samples: list[_Sample]) -> Fraction | None:
    return _simple_ratio([s.derivative for s in samples], [s.answer for s in samples])


def _simple_ratio(ours: Sequence[float | None], theirs: Sequence[float | None]) -> Fraction | None:
    """theirs / ours when it is the same simple fraction (not 0 or 1) at every point."""
    ratios = [b / a for a, b in zip(ours, theirs)
              if a is not None and b is not None and abs(a) > 1e-9]
    if len(ratios) < _MIN_MATCH or not all(close(r, ratios[0], 1e-6) for r in ratios):
        return None
    simple = Fraction(ratios[0]).limit_denominator(24)
    if simple in (0, 1) or not close(float(simple), ratios[0], 1e-9):
        return None
    return simple
