"""The differentiator: rules as data, producing a typed step tree.

How it works
------------
* ``RULES`` maps each node type to the rule that differentiates it. A rule sees the node,
  the derivation state and the already-derived steps of the node's children.
* Nodes of the shape *outer function of an inner expression* — ``sin(g)``, ``g**n``,
  ``a**g``, ``c/g`` — are described by ``OUTER_FORMS``: how to write the outer function of
  a fresh name, its derivative and the elementary step class. When the inner expression is
  the variable itself the elementary step is used directly; otherwise :func:`_chain` — the
  one and only place where the chain rule is applied — names the inner function uᵢ and
  multiplies f′(uᵢ) at uᵢ = g(x) by g′(x).
* Work is memoised per node (the expression is a DAG of shared nodes) and the traversal is
  iterative, so 10 000-deep expressions differentiate without touching the recursion limit.

To add a rule for a new node type, add an entry to ``RULES`` (and, if the node is an outer
function of one inner expression, to ``OUTER_FORMS``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar

from chainrule.budget import tick
from chainrule.errors import DifferentiationError, UsageError
from chainrule.expr import (
    ONE,
    TWO,
    ZERO,
    Add,
    Const,
    Div,
    Expr,
    Func,
    Mul,
    Neg,
    Num,
    Pow,
    Symbol,
    depends_on,
    free_symbols,
    postorder,
)
from chainrule.functions import FUNCTIONS
from chainrule.simplify import light
from chainrule.steps import (
    ChainStep,
    ConstantMultipleStep,
    ConstantStep,
    ExponentialStep,
    FunctionStep,
    LogDiffStep,
    MultiChainStep,
    PowerStep,
    ProductStep,
    QuotientStep,
    ReciprocalStep,
    RewriteStep,
    Step,
    SumStep,
    VariableStep,
)

__all__ = ["differentiate", "Derivator", "MAX_PRODUCT_WORK"]

# The product rule writes k terms of k factors for a product of k factors that depend on the
# variable; past this many factors in all, the derivative is refused instead of built.
MAX_PRODUCT_WORK = 1_000_000
# products of more factors than this write the product rule with shared partial products
SHARED_PRODUCT = 8


N = TypeVar("N", bound=Expr)


class Outer(Generic[N]):
    """A node seen as f(inner): how to write f(u), f′(u), and the elementary step for it.

    One small object per composite, holding only the node: a derivation of a 10 000-deep
    chain makes 10 000 of them, and f(u) and f′(u) are written only when a step is shown.
    """

    __slots__ = ("inner", "node")

    def __init__(self, node: N, inner: Expr) -> None:
        self.node = node
        self.inner = inner

    def build(self, u: Expr) -> Expr:
        """f(u)."""
        raise NotImplementedError

    def derivative(self, u: Expr) -> Expr:
        """f′(u)."""
        raise NotImplementedError

    def make_step(self, **fields: Expr | str) -> Step:
        """The elementary step d/du f(u) = f′(u)."""
        raise NotImplementedError


class _PowerOuter(Outer[Pow]):
    """uⁿ with a constant n."""

    __slots__ = ()

    def build(self, u: Expr) -> Expr:
        return Pow(u, self.node.exp)

    def derivative(self, u: Expr) -> Expr:
        exp = self.node.exp
        lowered = Num(exp.value - 1) if isinstance(exp, Num) else Add((exp, Num(-1)))
        return Mul((exp, Pow(u, lowered)))

    def make_step(self, **fields: Any) -> Step:
        return PowerStep(base=fields["expr"].base, exponent=self.node.exp, **fields)


class _ExponentialOuter(Outer[Pow]):
    """aᵘ with a constant a."""

    __slots__ = ()

    def build(self, u: Expr) -> Expr:
        return Pow(self.node.base, u)

    def derivative(self, u: Expr) -> Expr:
        base = self.node.base
        if base is Const("e"):
            return Pow(base, u)
        return Mul((Pow(base, u), Func("log", (base,))))

    def make_step(self, **fields: Any) -> Step:
        return ExponentialStep(base=self.node.base, **fields)


class _ReciprocalOuter(Outer[Div]):
    """c/u with a constant c."""

    __slots__ = ()

    def build(self, u: Expr) -> Expr:
        return Div(self.node.num, u)

    def derivative(self, u: Expr) -> Expr:
        return Neg(Div(self.node.num, Pow(u, TWO)))

    def make_step(self, **fields: Any) -> Step:
        return ReciprocalStep(numerator=self.node.num, **fields)


class _FunctionOuter(Outer[Func]):
    """f(…, u, …) for a function of the table, u its one argument that moves."""

    __slots__ = ("index",)

    def __init__(self, node: Func, index: int) -> None:
        super().__init__(node, node.args[index])
        self.index = index

    def _args_with(self, u: Expr) -> tuple[Expr, ...]:
        args, i = self.node.args, self.index
        return args if args[i] is u else (*args[:i], u, *args[i + 1:])

    def build(self, u: Expr) -> Expr:
        node = self.node
        return Func(node.name, self._args_with(u), node.order)

    def derivative(self, u: Expr) -> Expr:
        node = self.node
        entry = FUNCTIONS[node.name]
        if entry.abstract:
            return Func(node.name, (u,), node.order + 1)
        return entry.partials[self.index](*self._args_with(u))

    def make_step(self, **fields: Any) -> Step:
        return FunctionStep(function=self.node.name, **fields)


def _power_outer(node: Pow, var: str) -> Outer[Pow] | None:
    if depends_on(node.exp, var) or not depends_on(node.base, var):
        return None
    return _PowerOuter(node, node.base)


def _exponential_outer(node: Pow, var: str) -> Outer[Pow] | None:
    if depends_on(node.base, var) or not depends_on(node.exp, var):
        return None
    return _ExponentialOuter(node, node.exp)


def _reciprocal_outer(node: Div, var: str) -> Outer[Div] | None:
    if depends_on(node.num, var) or not depends_on(node.den, var):
        return None
    return _ReciprocalOuter(node, node.den)


def _function_outer(node: Func, var: str) -> Outer[Func] | None:
    args = node.args
    if len(args) == 1:
        return _FunctionOuter(node, 0) if var in args[0]._free else None
    moving = [i for i, a in enumerate(args) if depends_on(a, var)]
    if len(moving) != 1:
        return None
    return _FunctionOuter(node, moving[0])


# Each entry takes a node of its own class, which a dictionary's type cannot say: Any.
OUTER_FORMS: dict[type, Callable[[Any, str], Outer[Any] | None]] = {
    Func: _function_outer,
    Div: _reciprocal_outer,
}
_POW_FORMS = (_power_outer, _exponential_outer)


def _outer_of(node: Expr, var: str) -> Outer[Any] | None:
    if isinstance(node, Pow):
        for form in _POW_FORMS:
            found = form(node, var)
            if found is not None:
                return found
        return None
    make = OUTER_FORMS.get(type(node))
    return make(node, var) if make else None


class Derivator:
    """One derivation: its variable, its memo of steps, and its layer names u1, u2, …"""

    def __init__(self, variable: str, reserved: frozenset[str] = frozenset()) -> None:
        self.variable = variable
        self.var = Symbol(variable)
        self.memo: dict[Expr, Step] = _Steps(variable)
        self.layers: dict[Expr, str] = {}
        self.outers: dict[Expr, Outer[Any] | None] = {}
        self.zeroish: dict[Expr, bool] = {}
        self._reserved = set(reserved) | {variable}
        self._next_layer = 1

    # ── driving ──────────────────────────────────────────────────────────────
    def derive(self, root: Expr) -> Step:
        """The step for d/dx root; children are derived first, iteratively."""
        memo = self.memo
        if root in memo or not depends_on(root, self.variable):
            return memo[root]
        self._name_layers(root, check=not memo)
        # constants are not visited: their steps are written when a rule asks for one
        for node in postorder(root, _Done(memo, self.variable)):
            memo[node] = self._rule(node)
            tick()  # the job's wall clock, read every few hundred nodes
        return memo[root]

    def _rule(self, node: Expr) -> Step:
        if not depends_on(node, self.variable):
            return _constant(node, self.variable)
        if isinstance(node, Pow) and (node.exp is ZERO or _zero_or_one(node, self.zeroish) or (
                depends_on(node.exp, self.variable) and light(node.base) is ZERO)):
            # u⁰ = 1 and 0ᵘ = 0 wherever they are defined: constants, whatever u is
            return ConstantStep(expr=node, variable=self.variable, result=ZERO, kind="zero_power")
        outer = self.outers.get(node) or _outer_of(node, self.variable)
        if outer is not None:
            if outer.inner is self.var:
                return outer.make_step(expr=node, variable=self.variable,
                                       result=outer.derivative(self.var))
            return self._chain(node, outer)
        rule = RULES.get(type(node))
        if rule is None:
            raise DifferentiationError(f"no rule differentiates {node}")
        return rule(self, node)

    def _name_layers(self, root: Expr, check: bool = False) -> None:
        """Name every composite's inner function, outermost first (u1 is the outermost).

        With ``check``, refuse first a product the product rule would make too large.
        """
        var = self.variable
        seen: set[Expr] = set()
        stack = [root]
        work = 0
        while stack:
            node = stack.pop()
            if node in seen or node in self.memo or var not in node._free:
                continue
            seen.add(node)
            if node.__class__ is Mul:
                k = sum([var in f._free for f in node.factors])
                work += k * k if k > 1 else 0
            outer = self.outers[node] = _outer_of(node, var)
            if outer is not None and outer.inner is not self.var:
                self.layer(outer.inner)
            stack.extend(reversed(node.children))
        if check and work > MAX_PRODUCT_WORK:
            raise UsageError(
                f"the expression is too large to differentiate: the product rule would write "
                f"{work:,} factors (the limit is {MAX_PRODUCT_WORK:,}); write a repeated "
                "factor as a power (x^50, not x*x*…*x), or differentiate the parts separately")

    def layer(self, inner: Expr) -> str:
        name = self.layers.get(inner)
        if name is None:
            while f"u{self._next_layer}" in self._reserved:
                self._next_layer += 1
            name = f"u{self._next_layer}"
            self._next_layer += 1
            self.layers[inner] = name
        return name

    # ── the chain rule: the only place it is applied ─────────────────────────
    def _chain(self, node: Expr, outer: Outer[Any]) -> Step:
        name = self.layer(outer.inner)
        inner_step = self.derive(outer.inner)
        f_prime_g = outer.derivative(outer.inner)  # f′(u) built at u = g(x)
        return ChainStep(expr=node, variable=self.variable,
                         result=Mul((f_prime_g, inner_step.result)), layer=name,
                         inner=outer.inner, outer_at_inner=f_prime_g,
                         inner_derivative=inner_step.result,
                         # steps.OuterForm declares build, derivative and make_step as
                         # settable attributes, which methods are not; Outer has the methods.
                         form=outer,  # type: ignore[arg-type]
                         inner_step=inner_step)


def _zero_or_one(e: Expr, memo: dict[Expr, bool]) -> bool:
    """0ᵘ, (0ᵘ)ᵛ, …: 0 or 1 wherever defined, so constant wherever a derivative exists.

    ``memo`` keeps the answer for every power seen, so a tower of n powers (x²²²…) costs n
    steps in all, not n²."""
    walked: list[Expr] = []
    found = False
    while isinstance(e, Pow):
        known = memo.get(e)
        if known is not None:
            found = known
            break
        walked.append(e)
        if e.base is ZERO:
            found = True
            break
        e = e.base
    for node in walked:
        memo[node] = found
    return found


class _Steps(dict[Expr, Step]):
    """The memo of steps: a constant's step is written the first time a rule asks for it."""

    __slots__ = ("variable",)

    def __init__(self, variable: str) -> None:
        super().__init__()
        self.variable = variable

    def __missing__(self, node: Expr) -> Step:
        if self.variable in node._free:
            raise KeyError(node)
        step = self[node] = _constant(node, self.variable)
        return step


class _Done:
    """What a derivation need not visit: nodes with a step, and constants."""

    __slots__ = ("memo", "variable")

    def __init__(self, memo: dict[Expr, Step], variable: str) -> None:
        self.memo = memo
        self.variable = variable

    def __contains__(self, node: Expr) -> bool:
        return node in self.memo or self.variable not in node._free


def _constant(node: Expr, var: str) -> Step:
    if isinstance(node, Num):
        kind = "number"
    elif isinstance(node, Const):
        kind = "named_constant"
    elif isinstance(node, Symbol):
        kind = "symbol"
    else:
        kind = "free"
    return ConstantStep(expr=node, variable=var, result=ZERO, kind=kind)


# ── rules by node type ───────────────────────────────────────────────────────
def _symbol(d: Derivator, node: Symbol) -> Step:
    return VariableStep(expr=node, variable=d.variable, result=ONE)


def _sum(d: Derivator, node: Add) -> Step:
    steps = tuple(d.memo[t] for t in node.terms)
    return SumStep(expr=node, variable=d.variable, result=Add(tuple(s.result for s in steps)),
                   substeps=steps)


def _neg(d: Derivator, node: Neg) -> Step:
    inner = d.memo[node.arg]
    return ConstantMultipleStep(expr=node, variable=d.variable, result=Neg(inner.result),
                                substeps=(inner,), constant=Num(-1), operand=node.arg)


def _product(d: Derivator, node: Mul) -> Step:
    var = d.variable
    constants = tuple([f for f in node.factors if var not in f._free])
    moving = tuple([f for f in node.factors if var in f._free])
    if constants:
        operand = Mul(moving)  # a single factor stays itself
        inner = d.derive(operand)
        constant = Mul(constants)
        return ConstantMultipleStep(expr=node, variable=var,
                                    result=Mul((constant, inner.result)), substeps=(inner,),
                                    constant=constant, operand=operand)
    steps = tuple(d.memo[f] for f in moving)
    derivatives = [s.result for s in steps]
    terms: tuple[Expr, ...]
    if len(moving) <= SHARED_PRODUCT:
        terms = tuple(Mul(tuple(derivatives[j] if j == i else f for j, f in enumerate(moving)))
                      for i in range(len(moving)))
    else:
        terms = _shared_terms(moving, derivatives)
    return ProductStep(expr=node, variable=var, result=Add(terms), substeps=steps,
                       factors=moving)


def _shared_terms(factors: tuple[Expr, ...], derivatives: list[Expr]) -> tuple[Expr, ...]:
    """The product rule's terms (f₁⋯fᵢ₋₁)·fᵢ′·(fᵢ₊₁⋯fₙ) with the products of the factors
    before and after each i built once and shared: linear in n, where writing every term
    out would be quadratic."""
    n = len(factors)
    before: list[Expr | None] = [None] * n  # f₁⋯fᵢ₋₁
    after: list[Expr | None] = [None] * n   # fᵢ₊₁⋯fₙ
    for i in range(1, n):
        prev = before[i - 1]
        before[i] = factors[0] if prev is None else Mul((prev, factors[i - 1]))
    for i in range(n - 2, -1, -1):
        nxt = after[i + 1]
        after[i] = factors[n - 1] if nxt is None else Mul((factors[i + 1], nxt))
    return tuple(Mul(tuple(f for f in (before[i], derivatives[i], after[i]) if f is not None))
                 for i in range(n))


def _quotient(d: Derivator, node: Div) -> Step:
    var = d.variable
    u, v = node.num, node.den
    du = d.memo[u]
    if not depends_on(v, var):
        return ConstantMultipleStep(expr=node, variable=var, result=Div(du.result, v),
                                    substeps=(du,), constant=v, operand=u, divides=True)
    dv = d.memo[v]
    result = Div(Add((Mul((du.result, v)), Neg(Mul((u, dv.result))))), Pow(v, TWO))
    return QuotientStep(expr=node, variable=var, result=result, substeps=(du, dv),
                        numerator=u, denominator=v)


def _general_power(d: Derivator, node: Pow) -> Step:
    u, v = node.base, node.exp
    log_form = Mul((v, Func("log", (u,))))
    inner = d.derive(log_form)
    return LogDiffStep(expr=node, variable=d.variable, result=Mul((node, inner.result)),
                       substeps=(inner,), base=u, exponent=v, log_form=log_form)


def _function(d: Derivator, node: Func) -> Step:
    """Several arguments move with x: rewrite log with a moving base, else sum the partials."""
    var = d.variable
    if node.name == "log":  # log_b(u) = ln u / ln b when the base itself depends on x
        rewritten = Div(Func("log", (node.args[0],)), Func("log", (node.args[1],)))
        inner = d.derive(rewritten)
        return RewriteStep(expr=node, variable=var, result=inner.result, substeps=(inner,),
                           rewritten=rewritten, reason="change of base: log_b(u) = ln u / ln b")
    entry = FUNCTIONS[node.name]
    steps = tuple(d.memo[a] for a in node.args)
    partials = tuple(p(*node.args) for p in entry.partials)
    result = Add(tuple(Mul((p, s.result)) for p, s in zip(partials, steps)))
    return MultiChainStep(expr=node, variable=var, result=result, substeps=steps,
                          function=node.name, arguments=node.args, partials=partials)


# Each rule takes a node of its own class, which a dictionary's type cannot say: Any.
RULES: dict[type, Callable[[Derivator, Any], Step]] = {
    Symbol: _symbol,
    Add: _sum,
    Neg: _neg,
    Mul: _product,
    Div: _quotient,
    Pow: _general_power,
    Func: _function,
}


def differentiate(expr: Expr, variable: str) -> Step:
    """The step tree of d/d(variable) expr, with the raw (unsimplified) result on its root.

        >>> from chainrule.parser import parse
        >>> str(differentiate(parse("x**3"), "x").result)
        '3*x**2'
    """
    return Derivator(variable, free_symbols(expr)).derive(expr)
