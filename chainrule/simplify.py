"""Simplification: ``none`` keeps the raw product the rules give, ``light`` makes it look
like a textbook answer, ``full`` hands it to SymPy's ``simplify`` within a time budget.

``light`` is ours and deliberately modest: it flattens sums and products, folds numbers,
drops ·1, +0 and ^1, collects equal terms and equal bases, moves negative powers and
quotients into one fraction, pulls the sign to the front, and orders factors coefficient
first, then symbols, then larger factors — ``cos(x**2)*(2*x**1)`` becomes
``2*x*cos(x**2)``. It never changes the value of an expression where it is defined.

    >>> from chainrule.parser import parse
    >>> str(light(parse("cos(x**2)*(2*x**1)")))
    '2*x*cos(x**2)'
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from fractions import Fraction
from typing import Any, get_args

from chainrule.budget import remaining, tick
from chainrule.expr import (
    ONE,
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
    fraction,
    postorder,
)
from chainrule.functions import FUNCTIONS
from chainrule.options import SimplifyMode

__all__ = ["SimplifyMode", "light", "sharing", "simplify", "MODES"]

MODES: tuple[str, ...] = get_args(SimplifyMode)

_MAX_FOLD_BITS = 256  # powers of numbers are folded only while the result stays small
_FUNCTION_RANK = {name: i for i, name in enumerate(FUNCTIONS)}
_FLAT_LIMIT = 8       # nested sums and products longer than this are not flattened further


def _like(rest: Expr) -> object:
    """Equal for terms that differ only in the order of their factors (sin·cos, cos·sin)."""
    if isinstance(rest, Mul):
        return ("mul", tuple(sorted(id(f) for f in rest.factors)))
    if isinstance(rest, Div):
        return ("div", _like(rest.num), _like(rest.den))
    return rest


def _width(e: Expr) -> int:
    return len(e.factors) if isinstance(e, Mul) else 1


def _fold_power(base: Fraction, exp: Fraction) -> Fraction | None:
    if exp.denominator != 1 or (base == 0 and exp < 0):
        return None
    n = exp.numerator
    bits = max(abs(base.numerator).bit_length(), abs(base.denominator).bit_length())
    if bits * abs(n) > _MAX_FOLD_BITS:
        return None
    return base ** n


class _Light:
    def __init__(self) -> None:
        self.memo: dict[Expr, Expr] = {}
        self.sizes: dict[Expr, int] = {}
        self.keys: dict[Expr, tuple[int, ...]] = {}
        # products product() wrote, factors in order: their factors' sort keys
        self.sorted_products: dict[Expr, list[tuple[int, ...]]] = {}
        # products product() wrote without a denominator: their numeric coefficient
        self.coefficients: dict[Expr, Fraction | int] = {}

    def run(self, root: Expr) -> Expr:
        memo = self.memo
        handlers = _HANDLERS
        for node in postorder(root, memo):
            handler = handlers.get(type(node))
            if handler is None:
                memo[node] = node
                continue
            kids = tuple([memo[c] for c in node.children])
            memo[node] = handler(self, node, kids)
            tick()  # the job's wall clock, read every few hundred nodes
        return memo[root]

    def size(self, e: Expr) -> int:
        """Nodes in the tree form of ``e`` (a sort key), each node's size computed once."""
        sizes = self.sizes
        known = sizes.get(e)
        if known is not None:
            return known
        stack = [e]
        while stack:  # children before parents, each node once (a shared child may wait twice)
            node = stack[-1]
            kids = node.children
            try:
                sizes[node] = 1 + sum([sizes[c] for c in kids])
            except KeyError:
                stack.extend([c for c in kids if c not in sizes])
            else:
                stack.pop()
        return sizes[e]

    # ── products ─────────────────────────────────────────────────────────────
    def collect(self, e: Expr, coeff: Fraction | int, num: list[Expr], den: list[Expr],
                invert: bool = False, level: int = 0) -> Fraction | int:
        """Split a simplified expression into coefficient, numerator and denominator factors.

        A nested product longer than ``_FLAT_LIMIT`` stays one factor, so simplifying the
        derivative of a 10 000-deep chain stays linear instead of copying ever-longer lists.
        """
        stack = [(e, invert, level)]
        pop, push = stack.pop, stack.append
        while stack:
            node, inv, level = pop()
            if node.__class__ is Num:
                if node.value == 0 and inv:
                    den.append(node)  # a division by zero stays visible
                    continue
                value = node.value
                if inv:
                    coeff = coeff / value  # a Fraction: exact
                else:  # an integer coefficient stays an int, which is quicker
                    coeff = coeff * (value.numerator if value.denominator == 1 else value)
            elif node.__class__ is Neg:
                coeff = -coeff
                push((node.arg, inv, level))
            elif node.__class__ is Mul and (level == 0 or len(node.factors) <= _FLAT_LIMIT):
                level += 1
                stack.extend([(f, inv, level) for f in reversed(node.factors)])
            elif node.__class__ is Div and (level == 0 or _width(node.num) <= _FLAT_LIMIT):
                push((node.den, not inv, level + 1))
                push((node.num, inv, level + 1))
            elif (node.__class__ is Pow and (exp := node.exp).__class__ is Num
                  and exp.value < 0):
                flipped = Pow(node.base, Num(-exp.value)) if exp.value != -1 else node.base
                (num if inv else den).append(flipped)
            else:
                (den if inv else num).append(node)
        return coeff

    def product(self, coeff: Fraction | int, num: list[Expr], den: list[Expr]) -> Expr:
        if coeff == 0 and not any(isinstance(d, Num) and d.value == 0 for d in den):
            return ZERO
        num, den = self.combine_bases(num, den)
        out = fraction(coeff, self.ordered(num), self.ordered(den))
        if not den and out.__class__ is Mul:
            self.coefficients[out] = coeff
            if coeff == 1 and len(num) <= _FLAT_LIMIT:
                self.sorted_products[out] = [self.sort_key(f) for f in out.factors]
        return out

    def combine_bases(self, num: list[Expr], den: list[Expr]) -> tuple[list[Expr], list[Expr]]:
        """x·x → x², x³/x → x²: numeric exponents of equal bases add up."""
        if self.nothing_combines(num) and (not den or self.nothing_combines(num + den)):
            return num, den
        powers: dict[Expr, int | Fraction] = {}
        order: list[Expr] = []
        new_num: list[Expr] = []
        new_den: list[Expr] = []
        for factors, sign, others in ((num, 1, new_num), (den, -1, new_den)):
            for f in factors:
                if f.__class__ is Pow and f.exp.__class__ is Num:
                    base, value = f.base, f.exp.value
                    exp: int | Fraction = value.numerator if value.denominator == 1 else value
                else:
                    base, exp = f, 1
                if base.__class__ is Num:
                    others.append(f)
                    continue
                known = powers.get(base)
                if known is None:
                    order.append(base)
                    powers[base] = sign * exp
                else:
                    powers[base] = known + sign * exp
        for base in order:
            exp = powers[base]
            if exp == 0:
                continue
            target = new_num if exp > 0 else new_den
            exp = -exp if exp < 0 else exp
            target.append(base if exp == 1 else Pow(base, Num(exp)))
        return new_num, new_den

    @staticmethod
    def nothing_combines(factors: list[Expr]) -> bool:
        """Distinct bases, positive numeric exponents, no number as a base: the common case,
        in which combine_bases would rebuild the same factors in the same order."""
        if len(factors) < 2:
            if not factors:
                return True
            f = factors[0]
            return not (f.__class__ is Pow and f.exp.__class__ is Num and (
                f.exp.value <= 0 or f.base.__class__ is Num)) and f.__class__ is not Num
        bases = set()
        for f in factors:
            if f.__class__ is Pow and f.exp.__class__ is Num:
                if f.exp.value <= 0:
                    return False
                f = f.base
            if f.__class__ is Num or f in bases:
                return False
            bases.add(f)
        return True

    def sort_key(self, f: Expr) -> tuple[int, ...]:
        """Coefficient first, then symbols, then larger factors; equal sizes in table order
        (so sin·cos); constants such as ln 2 in 2ˣ·ln 2 last, as in textbooks."""
        known = self.keys.get(f)
        if known is not None:
            return known
        if isinstance(f, Num):
            known = (0, 0, 0)
        else:
            core = f.base if isinstance(f, Pow) and isinstance(f.exp, Num) else f
            if isinstance(core, (Symbol, Const)):
                known = (1, 0, 0)
            else:
                rank = _FUNCTION_RANK.get(core.name, 0) if isinstance(core, Func) else 0
                known = (3 if not f._free else 2, self.size(f), rank)
        self.keys[f] = known
        return known

    def ordered(self, factors: list[Expr]) -> list[Expr]:
        if len(factors) < 2:
            return factors
        return sorted(factors, key=self.sort_key)

    def split(self, e: Expr) -> tuple[Fraction | int, Expr]:
        """coefficient · rest, with rest free of a numeric factor (ONE for a number)."""
        coeff = self.coefficients.get(e)
        # A product written here (only products are recorded): its factors are in order.
        if coeff is not None and e.__class__ is Mul:
            if coeff == 1:
                return coeff, e
            rest = e.factors[1:]
            return coeff, rest[0] if len(rest) == 1 else self.product(1, list(rest), [])
        num: list[Expr] = []
        den: list[Expr] = []
        coeff = self.collect(e, 1, num, den)
        if not num and not den:
            return coeff, ONE
        return coeff, self.product(1, num, den)


def _canon(s: _Light, e: Expr) -> Expr:
    """The canonical product form of an expression whose parts are already simplified."""
    num: list[Expr] = []
    den: list[Expr] = []
    coeff = s.collect(e, 1, num, den)
    return s.product(coeff, num, den)


def _mul(s: _Light, node: Expr, kids: tuple[Expr, ...]) -> Expr:
    num: list[Expr] = []
    den: list[Expr] = []
    coeff = s.collect(node.rebuild(kids), 1, num, den)
    return s.product(coeff, num, den)


def _neg(s: _Light, node: Neg, kids: tuple[Expr, ...]) -> Expr:
    (arg,) = kids
    if isinstance(arg, Add):
        return Neg(arg)
    return _mul(s, node, kids)


def _add(s: _Light, node: Add, kids: tuple[Expr, ...]) -> Expr:
    flat: list[Expr] = []
    negated: set[Expr] = set()  # terms written here, not yet in their light form
    for k in kids:
        if isinstance(k, Add) and len(k.terms) <= _FLAT_LIMIT:
            flat.extend(k.terms)
        elif isinstance(k, Neg) and isinstance(k.arg, Add) and len(k.arg.terms) <= _FLAT_LIMIT:
            more = [Neg(t) for t in k.arg.terms]
            negated.update(more)
            flat.extend(more)
        else:
            flat.append(k)
    constant = Fraction(0)
    coeffs: dict[object, Fraction] = {}
    first: dict[object, Expr] = {}
    alone: dict[object, Expr | None] = {}  # a like term met once: the term as written
    order: list[object] = []  # None marks where the numbers were written
    c: Fraction | int
    rest: Expr
    for term in flat:
        if isinstance(term, Neg) and isinstance(term.arg, Add):
            c, rest = Fraction(1), term
        else:
            c, rest = s.split(term)
        if rest is ONE:
            constant += c
            if None not in order:
                order.append(None)
            continue
        key = _like(rest)
        if key not in coeffs:
            coeffs[key] = Fraction(0)
            first[key] = rest
            alone[key] = None if term in negated else term
            order.append(key)
        else:
            alone[key] = None
        coeffs[key] += c
    terms: list[Expr] = []
    for key in order:
        if key is None:
            if constant != 0:
                terms.append(Num(constant))
            continue
        written = alone[key]
        if written is not None:  # nothing to combine it with: already in its light form
            terms.append(written)
            continue
        c, rest = coeffs[key], first[key]
        if c == 0:
            continue
        num: list[Expr] = []
        den: list[Expr] = []
        c = s.collect(rest, c, num, den)
        terms.append(s.product(c, num, den))
    if not terms:
        return ZERO
    if len(terms) > 1 and isinstance(terms[0], Num) and terms[0].value < 0:
        terms.append(terms.pop(0))  # "-1 + x" reads better as "x - 1"
    return Add(tuple(terms))


def _div(s: _Light, node: Div, kids: tuple[Expr, ...]) -> Expr:
    num_e, den_e = kids
    if isinstance(den_e, Num) and den_e.value == 0:
        return Div(num_e, den_e)
    return _mul(s, node, kids)


def _pow(s: _Light, node: Pow, kids: tuple[Expr, ...]) -> Expr:
    base, exp = kids
    if isinstance(exp, Num):
        if exp.value == 1:
            return base
        if exp.value == 0:
            return ONE
        if isinstance(base, Num):
            folded = _fold_power(base.value, exp.value)
            if folded is not None:
                return Num(folded)
        if isinstance(base, Neg) and exp.value.denominator == 1:  # (−a)ⁿ = ±aⁿ
            even = exp.value.numerator % 2 == 0
            positive = _pow(s, node, (base.arg, exp))
            return positive if even else _canon(s, Neg(positive))
        if isinstance(base, Pow) and isinstance(base.exp, Num) and exp.value.denominator == 1:
            return _pow(s, node, (base.base, Num(base.exp.value * exp.value)))
        if exp.value < 0:
            flipped = base if exp.value == -1 else _pow(s, node, (base, Num(-exp.value)))
            num: list[Expr] = []
            den: list[Expr] = []
            coeff = s.collect(flipped, Fraction(1), num, den, invert=True)
            return s.product(coeff, num, den)
    if isinstance(base, Num) and base.value == 1:
        return ONE
    return Pow(base, exp)


_FUNC_FOLDS = {
    ("log", Const("e")): ONE,
    ("log", ONE): ZERO,
    ("exp", ZERO): ONE,
}


def _func(s: _Light, node: Func, kids: tuple[Expr, ...]) -> Expr:
    if len(kids) == 1:
        folded = _FUNC_FOLDS.get((node.name, kids[0]))
        if folded is not None and node.order == 0:
            return folded
        if kids[0] is node.args[0]:
            return node
    return node.rebuild(kids)


_PLAIN_FACTORS = (Func, Symbol, Const, Add)  # factors collect() keeps whole, never folds


def _one_more_factor(s: _Light, kids: tuple[Expr, ...]) -> Expr | None:
    """f · (product already in order) → the product with f put in its place, when nothing
    combines: the common step in the derivative of a chain, where the full collection
    would redo the work of the inner product at every level."""
    first, second = kids
    if second.__class__ is Mul and first.__class__ in _PLAIN_FACTORS:
        new, product, before = first, second, True
    elif first.__class__ is Mul and second.__class__ in _PLAIN_FACTORS:
        new, product, before = second, first, False
    else:
        return None
    keys = s.sorted_products.get(product)
    if keys is None or len(keys) > _FLAT_LIMIT:
        return None
    factors = product.factors
    for f in factors:  # an equal base would combine (x·x²): leave it to the full collection
        if f is new or (f.__class__ is Pow and f.base is new):
            return None
    mine = s.sort_key(new)
    at = bisect_left(keys, mine) if before else bisect_right(keys, mine)
    out = Mul((*factors[:at], new, *factors[at:]))
    s.sorted_products[out] = [*keys[:at], mine, *keys[at:]]
    return out


def _scaled(s: _Light, kids: tuple[Expr, ...]) -> Expr | None:
    """c · f for a number c and a factor f that collect() would not take apart, or a short
    product it wrote itself: the coefficient joins f without a second collection (the
    common term c·(n·xⁿ⁻¹) of a polynomial's derivative)."""
    first, second = kids
    if first.__class__ is Num:
        c, f = first.value, second
    elif second.__class__ is Num:
        c, f = second.value, first
    else:
        return None
    if f.__class__ in _PLAIN_FACTORS or (
            f.__class__ is Pow and (exp := f.exp).__class__ is Num and exp.value > 0):
        return s.product(c, [f], [])
    if f.__class__ is Mul and len(f.factors) <= _FLAT_LIMIT:
        coeff = s.coefficients.get(f)
        if coeff is not None:
            rest = list(f.factors if coeff == 1 else f.factors[1:])
            return s.product(c * coeff, rest, [])
    return None


def _mul_handler(s: _Light, node: Expr, kids: tuple[Expr, ...]) -> Expr:
    """The factors of the simplified factors, collected as if they were written flat."""
    if len(kids) == 2:
        quick = _one_more_factor(s, kids)
        if quick is None:
            quick = _scaled(s, kids)
        if quick is not None:
            return quick
    num: list[Expr] = []
    den: list[Expr] = []
    coeff: Fraction | int = 1
    for kid in kids:
        coeff = s.collect(kid, coeff, num, den, level=1)
    return s.product(coeff, num, den)


# Each handler takes a node of its own class, which a dictionary's type cannot say: Any.
_Handler = Callable[[_Light, Any, tuple[Expr, ...]], Expr]
_HANDLERS: dict[type[Expr], _Handler] = {
    Mul: _mul_handler, Neg: _neg, Add: _add, Div: _div, Pow: _pow, Func: _func,
}


_SHARED: ContextVar[_Light | None] = ContextVar("chainrule_light_memo", default=None)


def light(expr: Expr) -> Expr:
    """The textbook-looking form of ``expr`` (same value wherever ``expr`` is defined)."""
    shared = _SHARED.get()
    return (shared or _Light()).run(expr)


@contextmanager
def sharing() -> Iterator[None]:
    """Within this block, every :func:`light` call shares one memo.

    A renderer shows the light form of every step's result; in a deep chain those results
    nest, and a shared memo simplifies each distinct subexpression once.
    """
    token = _SHARED.set(_SHARED.get() or _Light())
    try:
        yield
    finally:
        _SHARED.reset(token)


def simplify(expr: Expr, mode: str = "light", *, budget: float = 5.0) -> Expr:
    """Simplify per mode: ``none``, ``light`` or ``full`` (SymPy, then our light form)."""
    if mode == "none":
        return expr
    if mode == "light":
        return light(expr)
    if mode == "full":
        from chainrule.verify.sympy_bridge import from_sympy, sympy_simplify, to_sympy
        simplified = sympy_simplify(to_sympy(expr), remaining(budget))
        if simplified is None:
            return light(expr)
        from chainrule.errors import ChainruleError
        try:
            return light(from_sympy(simplified))
        except ChainruleError:  # SymPy's form uses something chainrule cannot write
            return light(expr)
    raise ValueError(f"unknown simplification {mode!r}; choose none, light or full")
