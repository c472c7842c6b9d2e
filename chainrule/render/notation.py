"""How a derivation's objects are written: layer names, function letters, operators.

:class:`Notation` writes expressions (layer symbols subscripted: u1 → u₁), derivative
operators (d/dx, ∂/∂x, d²/dx²) and Leibniz quotients, each in both notations;
:class:`Names` hands out the letters f, g, h, … *by meaning* — a function keeps its letter
wherever it appears, a letter never stands for two functions, and no letter the input uses
is taken. :class:`Outline` is the Unicode-only notation other documents (a check) use.

    >>> sub("u12")
    'u₁₂'
"""

from __future__ import annotations

from dataclasses import dataclass, field

from chainrule.expr import Add, Div, Expr, Func, Mul, Neg, Num, Symbol, free_symbols, substitute
from chainrule.functions import FUNCTIONS
from chainrule.letform import LetNames
from chainrule.reading import ReadAs
from chainrule.render.document import Line, M, Part, Seg

__all__ = ["sub", "Names", "natural_letter", "Notation", "is_partial", "output_name",
           "stage_top", "order_op", "Outline", "header", "read_as_lines", "READ_AS"]

READ_AS = "read as: "    # the label of the lines that say how the text was read

_SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
_POOL = "fghpqrskmnabc"   # function letters, in the order they are handed out


def sub(name: str) -> str:
    """u12 → u₁₂ (layer names read as subscripted letters)."""
    head = name.rstrip("0123456789")
    return head + name[len(head):].translate(_SUBSCRIPTS)


# ── names ──────────────────────────────────────────────────────────────────────
class Names:
    """Letters for functions and numbers for layers, unique in one document."""

    def __init__(self, reserved: set[str]) -> None:
        self.reserved = set(reserved)
        self.by_key: dict[Expr, str] = {}
        self.used: set[str] = set()
        self.layer_offset = 0
        self.layer_max = 0

    def function(self, key: Expr, natural: str | None = None) -> str:
        """The letter of the function written ``key`` (an expression of its argument)."""
        found = self.by_key.get(key)
        if found is None:
            if natural is not None and natural not in self.used:
                found = natural
            else:
                found = next((c for c in _POOL if c not in self.used and c not in self.reserved),
                             None) or self._numbered()
            self.by_key[key] = found
            self.used.add(found)
        return found

    def _numbered(self) -> str:
        n = 1
        while True:
            for c in _POOL:
                name = c + str(n).translate(_SUBSCRIPTS)
                if name not in self.used:
                    return name
            n += 1

    def start_stage(self, layers: set[str]) -> dict[str, int]:
        """Display numbers for a stage's layers: numbered on after the earlier stages'."""
        offset = self.layer_max
        numbers = sorted(int(raw[1:]) for raw in layers)
        while any(f"u{n + offset}" in self.reserved for n in numbers):
            offset += 1
        mapping = {f"u{n}": n + offset for n in numbers}
        if mapping:
            self.layer_max = max(self.layer_max, max(mapping.values()))
        return mapping


def natural_letter(outer: Expr, arg: str) -> str | None:
    """An abstract function applied to the bare argument keeps its own name: f(u₁) is f."""
    if (isinstance(outer, Func) and FUNCTIONS[outer.name].abstract and outer.order == 0
            and outer.args == (Symbol(arg),)):
        return outer.name
    return None


# ── notation shared by every step ──────────────────────────────────────────────
class Notation:
    """How the derivation's objects are written: expressions (layer symbols subscripted),
    derivative operators, Leibniz quotients."""

    def __init__(self, variable: str, partial: bool, layers: dict[str, int] | None = None,
                 lets: LetNames | None = None) -> None:
        self.variable = variable
        self.lets = lets
        self.partial = partial
        layers = layers or {}
        self.layer_numbers = layers
        self._uni: dict[Expr, Expr] = {Symbol(raw): Symbol("u" + str(n).translate(_SUBSCRIPTS))
                                        for raw, n in layers.items()}
        self._tex: dict[Expr, Expr] = {Symbol(raw): Symbol(f"u{n}") for raw, n in layers.items()}
        self._raw = frozenset(layers)
        self._texts: dict[Expr, str] = {}
        self._texs: dict[Expr, str] = {}

    def mx(self, e: Expr) -> M:
        """An expression in both notations (each printed once per document, when needed)."""
        text = self._texts.get(e)
        if text is None:
            shown = self.lets.shorten(e) if self.lets is not None else e
            if self._raw and free_symbols(shown) & self._raw:
                shown = substitute(shown, self._uni)
            text = self._texts[e] = shown.pretty()
        return M(text, make=lambda: self._latex(e))

    def _latex(self, e: Expr) -> str:
        tex = self._texs.get(e)
        if tex is None:
            shown = self.lets.shorten(e) if self.lets is not None else e
            if self._raw and free_symbols(shown) & self._raw:
                shown = substitute(shown, self._tex)
            tex = self._texs[e] = shown.latex()
        return tex

    def key(self, e: Expr) -> Expr:
        """The expression as displayed (layers renumbered): the key of a function's letter."""
        return substitute(e, self._tex) if self._raw and free_symbols(e) & self._raw else e

    def name(self, var: str) -> M:
        """A variable or a layer as a name: x, w1 → w₁ in LaTeX, u1 → u₁."""
        n = self.layer_numbers.get(var)
        if n is not None:
            return M("u" + str(n).translate(_SUBSCRIPTS), f"u_{{{n}}}")
        return self.mx(Symbol(var))

    def paren(self, e: Expr) -> M:
        """A factor of a product, in parentheses when it is a sum or starts with a minus."""
        m = self.mx(e)
        if isinstance(e, (Add, Neg)) or (isinstance(e, Num) and e.value < 0) or (
                m.text.startswith("−")):
            return M(f"({m.text})", rf"\left({m.tex}\right)")
        return m

    def factor(self, e: Expr) -> M:
        """A factor written next to others with '·': also a quotient goes in parentheses."""
        m = self.paren(e)
        if isinstance(e, Div) and not m.text.startswith("("):
            return M(f"({m.text})", m.tex)
        return m

    def bracket(self, e: Expr) -> M:
        """The operand of d/dx, in brackets when it is more than one term or factor."""
        m = self.mx(e)
        if isinstance(e, (Add, Neg, Mul, Div)) or (isinstance(e, Num) and e.value < 0):
            return M(f"[{m.text}]", rf"\left[{m.tex}\right]")
        return m

    def is_partial(self, var: str | None) -> bool:
        return self.partial and (var is None or var == self.variable)

    def op(self, var: str | None = None) -> M:
        """d/dx (∂/∂x for a partial derivative)."""
        v = self.name(var or self.variable)
        if self.is_partial(var):
            return M(f"∂/∂{v.text}", rf"\frac{{\partial}}{{\partial {v.tex}}}")
        return M(f"d/d{v.text}", rf"\frac{{d}}{{d{v.tex}}}")

    def leibniz(self, top: M, var: str | None = None) -> M:
        """dy/du₁ (∂y/∂x for the variable of a partial derivative)."""
        v = self.name(var or self.variable)
        if self.is_partial(var):
            return M(f"∂{top.text}/∂{v.text}", rf"\frac{{\partial {top.tex}}}{{\partial {v.tex}}}")
        return M(f"d{top.text}/d{v.text}", rf"\frac{{d{top.tex}}}{{d{v.tex}}}")

    def of(self, e: Expr, var: str | None = None) -> M:
        """d/dx [e]"""
        return self.op(var) + " " + self.bracket(e)


_SUPERSCRIPTS = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def is_partial(expr: Expr, variable: str) -> bool:
    return len(free_symbols(expr) - {variable}) > 0


def output_name(expr: Expr) -> str:
    """What the whole expression is called in the steps: y, unless y is one of its symbols."""
    taken = free_symbols(expr)
    return next(n for n in ("y", "F", "J", "out", "out_") if n not in taken)


def stage_top(expr: Expr, order: int) -> M:
    """y for the function, y′ for its first derivative (the function of stage 2), …"""
    y = output_name(expr)
    if order <= 1:
        return M(y, y)
    k = order - 1
    marks = {1: ("′", "'"), 2: ("″", "''"), 3: ("‴", "'''")}
    uni, tex = marks.get(k, (f"⁽{str(k).translate(_SUPERSCRIPTS)}⁾", f"^{{({k})}}"))
    return M(y + uni, y + tex)


def order_op(n: Notation, order: int) -> M:
    """d/dx, d²/dx², ∂³/∂x³."""
    if order == 1:
        return n.op()
    v = n.name(n.variable)
    sup = str(order).translate(_SUPERSCRIPTS)
    if n.partial:
        return M(f"∂{sup}/∂{v.text}{sup}",
                 rf"\frac{{\partial^{{{order}}}}}{{\partial {v.tex}^{{{order}}}}}")
    return M(f"d{sup}/d{v.text}{sup}", rf"\frac{{d^{{{order}}}}}{{d{v.tex}^{{{order}}}}}")


# ── the Unicode notation used by other renderers (check) ───────────────────────
@dataclass
class Outline:
    """Unicode notation for one derivation (used by the ``check`` renderer)."""

    variable: str
    partial: bool
    output: str = "y"
    layer_names: dict[str, str] = field(default_factory=dict)

    def m(self, e: Expr) -> str:
        """An expression as people read it, with layer symbols subscripted."""
        names: dict[Expr, Expr] = {Symbol(raw): Symbol(shown)
                                   for raw, shown in self.layer_names.items()
                                   if raw in free_symbols(e)}
        return (substitute(e, names) if names else e).pretty()

    def name(self, var: str) -> str:
        return self.layer_names.get(var, var)

    def arg(self, e: Expr) -> str:
        """The operand of d/dx, bracketed when it is more than one term or factor."""
        text = self.m(e)
        bracket = isinstance(e, (Add, Neg, Mul, Div)) or (isinstance(e, Num) and e.value < 0)
        return f"[{text}]" if bracket else text

    def d(self, var: str | None = None) -> str:
        v = self.name(var or self.variable)
        return f"∂/∂{v}" if self.partial and (var is None or var == self.variable) else f"d/d{v}"

    def dd(self, top: str, var: str | None = None) -> str:
        v = self.name(var or self.variable)
        op = "∂" if self.partial and (var is None or var == self.variable) else "d"
        return f"{op}{top}/{op}{v}"


def header(expr: Expr, variable: str, op: str | None = None) -> str:
    """``d/dx [expr]`` (``op`` replaces d/dx, e.g. for higher orders)."""
    o = Outline(variable, partial=is_partial(expr, variable))
    return f"{op or o.d()} {o.arg(expr)}"


# ── how the text was read ──────────────────────────────────────────────────────
def read_as_lines(expr: Expr, ra: ReadAs, label: str = READ_AS) -> list[Line]:
    """"read as: sin(x)·cos(x)" and why, when the parser chose a reading the text did not
    write out or the variable was chosen by convention (then a blank line); nothing
    otherwise."""
    if not ra.notes:
        return []
    parts: list[Part] = [Seg(label, "label")]
    if ra.text:
        parts.append(Seg.math(M(expr.pretty(), make=expr.latex)))
        parts.append(Seg("   (" + "; ".join(ra.notes) + ")", "dim", brk=True))
    else:
        parts.append(Seg("; ".join(ra.notes), "dim"))
    return [Line(0, parts, "note"), Line(0, [], "blank")]
