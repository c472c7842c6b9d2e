r"""Expressions as text: Python syntax, Unicode math and LaTeX.

    >>> from chainrule.expr import Func, Mul, Num, Pow, Symbol
    >>> x = Symbol("x")
    >>> e = Mul((Num(2), x, Func("cos", (Pow(x, Num(2)),))))
    >>> to_python(e), to_unicode(e), to_latex(e)
    ('2*x*cos(x**2)', '2x·cos(x²)', '2x\\cos\\left(x^{2}\\right)')

One walk serves all three formats. :class:`_Printer` visits the tree bottom-up over
:func:`~chainrule.expr.postorder` (no recursion: trees 10 000 levels deep print), decides
where parentheses go from named precedence levels, and leaves to each subclass only how a
piece is written. How a function is written (its name, eᵘ, √u, |u|, \sin^{2} x) comes from
its entry in the function table, never from a list here. Each node is printed once per
call, so shared subtrees cost nothing extra. Text is built as ropes (nested tuples of
strings) and joined once at the end, which keeps printing linear in the length of the
output even for very deep trees.

``to_python`` is the inverse of :func:`chainrule.parser.parse`: ``parse(to_python(e)) is e``.
``to_unicode`` and ``to_latex`` are for people and need not parse back.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from itertools import pairwise
from typing import TypeAlias, TypeGuard

from chainrule.expr import Add, Const, Div, Expr, Func, Mul, Neg, Num, Pow, Symbol, postorder
from chainrule.functions import FUNCTIONS, display_letters

__all__ = ["to_python", "to_unicode", "to_unicode_pieces", "to_latex", "PythonPrinter", "Piece",
           "PREC_ADD", "PREC_NEG", "PREC_MUL", "PREC_POW", "PREC_ATOM"]


def _digits(n: int) -> str:
    """``str(n)``, also past Python's 4300-digit limit on it (the parser lets numbers reach
    10 000 digits in all, and a product of them can be that long)."""
    try:
        return str(n)
    except ValueError:
        from decimal import Decimal
        return format(Decimal(n), "f")


# ── precedence levels, loosest first ─────────────────────────────────────────
# A child is written bare when its level is at least the level its slot needs. Public, with
# Piece and PythonPrinter, for printers of other syntaxes (the generated backprop program).
PREC_ADD = 10    # a + b, a - b
PREC_NEG = 20    # -a at the start of a term (also a negative number: -2, -1/2)
PREC_MUL = 30    # a*b, a/b (and a fraction literal 1/2, which is a quotient in Python)
PREC_POW = 40    # a**b; in Unicode and LaTeX also √x, eˣ, \frac{a}{b}
PREC_ATOM = 50   # names, non-negative integers, calls, anything in parentheses

# ── what a piece starts or ends with, so products know when to juxtapose ────
_NUM = "num"          # a digit: 2
_LETTER = "letter"    # one letter: x, θ, π
_WORD = "word"        # a longer name: w2, or a symbol spelled like a function (f)
_GROUP = "group"      # parentheses: (x + 1)
_ABS = "abs"          # bars: |x|
_ROOT = "root"        # a radical sign: √x
_FUNC = "func"        # a call: sin(x)
_FRAC = "frac"        # LaTeX \frac{a}{b}
_CMD = "cmd"          # LaTeX control word such as \theta: a letter after it needs a space
_OTHER = "other"

_Rope: TypeAlias = str | tuple["_Rope", ...]  # text in pieces, joined once at the end


@dataclass(frozen=True, slots=True)
class Piece:
    """One node's text plus what its parent needs to place it."""

    text: _Rope
    prec: int
    first: str = _OTHER
    last: str = _OTHER
    # For text with a leading minus at its top level ("-x", "-3", Unicode "−2x"): the text
    # after the minus, so a sum can write "a - x" instead of "a + -x".
    unsigned: _Rope | None = None


def _flatten(rope: _Rope) -> str:
    out: list[str] = []
    stack: list[_Rope] = [rope]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            out.append(item)
        else:
            stack.extend(reversed(item))
    return "".join(out)


def _is_int(node: Expr) -> TypeGuard[Num]:
    return isinstance(node, Num) and node.value.denominator == 1


def _is_fraction(node: Expr) -> TypeGuard[Num]:
    return isinstance(node, Num) and node.value.denominator != 1


def _is_token(node: Expr) -> bool:
    """A name, a constant or a non-negative integer: safe after √ or as a log base."""
    return isinstance(node, (Symbol, Const)) or (_is_int(node) and node.value >= 0)


def _is_e(node: Expr) -> bool:
    return isinstance(node, Const) and node.name == "e"


# ── symbol names ─────────────────────────────────────────────────────────────
_GREEK: dict[str, tuple[str, str]] = {
    "alpha": ("α", r"\alpha"), "beta": ("β", r"\beta"), "gamma": ("γ", r"\gamma"),
    "delta": ("δ", r"\delta"), "epsilon": ("ε", r"\epsilon"), "zeta": ("ζ", r"\zeta"),
    "eta": ("η", r"\eta"), "theta": ("θ", r"\theta"), "iota": ("ι", r"\iota"),
    "kappa": ("κ", r"\kappa"), "lam": ("λ", r"\lambda"), "lambda": ("λ", r"\lambda"),
    "mu": ("μ", r"\mu"), "nu": ("ν", r"\nu"), "xi": ("ξ", r"\xi"), "rho": ("ρ", r"\rho"),
    "sigma": ("σ", r"\sigma"), "tau": ("τ", r"\tau"), "upsilon": ("υ", r"\upsilon"),
    "phi": ("φ", r"\phi"), "chi": ("χ", r"\chi"), "psi": ("ψ", r"\psi"),
    "omega": ("ω", r"\omega"),
    "Gamma": ("Γ", r"\Gamma"), "Delta": ("Δ", r"\Delta"), "Theta": ("Θ", r"\Theta"),
    "Lambda": ("Λ", r"\Lambda"), "Phi": ("Φ", r"\Phi"), "Psi": ("Ψ", r"\Psi"),
    "Omega": ("Ω", r"\Omega"),
}


def _split_name(name: str) -> tuple[str, str, str]:
    """``x_2`` → ("x", "_", "2"); ``w1`` → ("w", "", "1"); ``lr`` → ("lr", "", "")."""
    head, sep, sub = name.partition("_")
    if head and sub:
        return head, sep, sub
    stem = name.rstrip("0123456789")
    if stem and stem != name:
        return stem, "", name[len(stem):]
    return name, "", ""


def _unicode_name(name: str) -> str:
    """Greek names become letters (theta → θ, theta_1 → θ_1); everything else is kept."""
    head, sep, sub = _split_name(name)
    return (_GREEK[head][0] if head in _GREEK else head) + sep + sub


def _latex_word(word: str) -> str:
    if word in _GREEK:
        return _GREEK[word][1]
    if len(word) == 1 or word.isdigit():
        return word
    return r"\mathrm{" + word.replace("_", r"\_") + "}"


def _latex_name(name: str) -> str:
    """theta → \\theta, w1 → w_{1}, x_2 → x_{2}, lr → \\mathrm{lr}."""
    head, _, sub = _split_name(name)
    return _latex_word(head) + ("_{" + _latex_word(sub) + "}" if sub else "")


_SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")
_SUBSCRIPT = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
# Superscript forms of single letters (there is none for q), for eˣ.
_SUPERSCRIPT_LETTERS = dict(zip("abcdefghijklmnoprstuvwxyz", "ᵃᵇᶜᵈᵉᶠᵍʰⁱʲᵏˡᵐⁿᵒᵖʳˢᵗᵘᵛʷˣʸᶻ"))
_PRIMES = {1: "′", 2: "″", 3: "‴"}



# ── the shared walk ──────────────────────────────────────────────────────────
class _Printer:
    """Precedence decisions shared by every format; the defaults write Python syntax.

    Subclasses change the tokens below and override the hooks that say how a piece looks.
    """

    PLUS = " + "
    MINUS = " - "
    NEG = "-"
    TIMES = "*"
    DIVIDE = "/"
    POWER = "**"
    LPAREN = "("
    RPAREN = ")"
    COMMA = ", "

    def __init__(self) -> None:
        self.memo: dict[Expr, Piece] = {}

    def run(self, root: Expr) -> str:
        memo = self.memo
        handlers: dict[type, Callable[..., Piece]] = {
            Num: self.num, Symbol: self.symbol, Const: self.const, Add: self.add,
            Neg: self.neg, Mul: self.mul, Div: self.div, Pow: self.pow, Func: self.func,
        }
        for node in postorder(root):
            memo[node] = handlers[type(node)](node, [memo[c] for c in node.children])
        return _flatten(memo[root].text)

    # ── helpers ──
    def wrap(self, piece: Piece) -> Piece:
        return Piece((self.LPAREN, piece.text, self.RPAREN), PREC_ATOM, _GROUP, _GROUP)

    def operand(self, piece: Piece, need: int) -> Piece:
        return piece if piece.prec >= need else self.wrap(piece)

    def call(self, name: _Rope, args: list[Piece], first: str = _FUNC) -> Piece:
        parts: list[_Rope] = [name, self.LPAREN]
        for i, arg in enumerate(args):
            if i:
                parts.append(self.COMMA)
            parts.append(arg.text)
        parts.append(self.RPAREN)
        return Piece(tuple(parts), PREC_ATOM, first, _FUNC)

    # ── leaves ──
    def symbol(self, node: Symbol, kids: list[Piece]) -> Piece:
        return Piece(node.name, PREC_ATOM, _LETTER, _LETTER)

    def const(self, node: Const, kids: list[Piece]) -> Piece:
        return Piece(node.name, PREC_ATOM, _LETTER, _LETTER)

    def magnitude(self, value: Fraction) -> Piece:
        """A non-negative number."""
        if value.denominator == 1:
            return Piece(_digits(value.numerator), PREC_ATOM, _NUM, _NUM)
        return Piece(f"{_digits(value.numerator)}/{_digits(value.denominator)}", PREC_MUL, _NUM,
                      _NUM)

    def num(self, node: Num, kids: list[Piece]) -> Piece:
        if node.value >= 0:
            return self.magnitude(node.value)
        body = self.magnitude(-node.value)
        return Piece((self.NEG, body.text), PREC_NEG, _OTHER, body.last, body.text)

    # ── operators ──
    def add(self, node: Add, kids: list[Piece]) -> Piece:
        parts: list[_Rope] = [self.operand(kids[0], PREC_NEG).text]
        for term in kids[1:]:
            if term.unsigned is not None:
                parts += [self.MINUS, term.unsigned]
            else:
                # A nested sum keeps its parentheses: a + (b + c) is not a + b + c.
                parts += [self.PLUS, self.operand(term, PREC_NEG).text]
        return Piece(tuple(parts), PREC_ADD)

    def neg(self, node: Neg, kids: list[Piece]) -> Piece:
        arg = self.operand(kids[0], PREC_MUL)
        return Piece((self.NEG, arg.text), PREC_NEG, _OTHER, arg.last, arg.text)

    def bare_first_factor(self, node: Expr, piece: Piece) -> bool:
        """May a first factor looser than a power go without parentheses?

        Python: a quotient or a fraction literal may (``a/b*c`` reads back as (a/b)·c), a
        product may not (``a*b*c`` would read back flat) and neither may a minus sign
        (``-2*x`` reads back as -(2·x)).
        """
        return piece.prec == PREC_MUL and not isinstance(node, Mul)

    def joiner(self, left: Piece, right: Piece, leading: bool) -> str:
        """What goes between two factors of a product; ``leading``: ``left`` is the first."""
        return self.TIMES

    def mul(self, node: Mul, kids: list[Piece]) -> Piece:
        first = kids[0]
        if first.prec <= PREC_MUL and not self.bare_first_factor(node.factors[0], first):
            first = self.wrap(first)
        pieces = [first] + [self.operand(k, PREC_POW) for k in kids[1:]]
        parts: list[_Rope] = [first.text]
        for left, right in pairwise(pieces):
            parts += [self.joiner(left, right, left is first), right.text]
        if first.unsigned is not None:  # "−2x": the product starts with a minus sign
            unsigned = (first.unsigned, *parts[1:])
            return Piece(tuple(parts), PREC_NEG, first.first, pieces[-1].last, unsigned)
        return Piece(tuple(parts), PREC_MUL, first.first, pieces[-1].last)

    def bare_numerator(self, node: Expr) -> bool:
        """A product or (left-associative) quotient needs no parentheses above the bar;
        a fraction literal gets them anyway, for clarity: (1/2)/x."""
        return not _is_fraction(node)

    def div(self, node: Div, kids: list[Piece]) -> Piece:
        num, den = kids
        if num.prec < PREC_MUL or not self.bare_numerator(node.num):
            num = self.wrap(num)
        den = self.operand(den, PREC_POW)
        return Piece((num.text, self.DIVIDE, den.text), PREC_MUL)

    def pow(self, node: Pow, kids: list[Piece]) -> Piece:
        base = self.operand(kids[0], PREC_ATOM)
        exp = self.operand(kids[1], PREC_POW)  # right-associative: a**b**c is a**(b**c)
        return Piece((base.text, self.POWER, exp.text), PREC_POW, base.first)

    def func(self, node: Func, kids: list[Piece]) -> Piece:
        # A function whose table entry has a layout other than "call" (eᵘ, √u, |u|, log₂)
        # is written by the method layout_<layout>, where a format has one; None from it,
        # or no such method (Python syntax), means name(arguments).
        layout = FUNCTIONS[node.name].layout
        if layout != "call":
            method: Callable[[Func, list[Piece]], Piece | None] | None = getattr(
                self, "layout_" + layout, None)
            piece = method(node, kids) if method is not None else None
            if piece is not None:
                return piece
        return self.plain_call(node, kids)

    def plain_call(self, node: Func, kids: list[Piece]) -> Piece:
        return self.call(node.name + "'" * node.order, kids)


# ── Python syntax ────────────────────────────────────────────────────────────
class PythonPrinter(_Printer):
    """Text our parser reads back to the same tree (not always valid Python: sigmoid(x))."""


# ── Unicode ──────────────────────────────────────────────────────────────────
# Which neighbours a product writes side by side instead of with "·": 2x, 2(x + 1), 2√x,
# 2|x|, x√x, (x + 1)(x − 1); but x·y (xy would read as one symbol named xy), x·(x + 1)
# (x(…) would read as a call), 2·sin(x), w2·x, σ(x)·(1 − σ(x)), 2·3.
_UNICODE_JUXTAPOSE: dict[str, frozenset[str]] = {
    _NUM: frozenset({_LETTER, _WORD, _GROUP, _ROOT, _ABS}),
    _LETTER: frozenset({_ROOT}),
    _GROUP: frozenset({_GROUP}),
}


class _UnicodePrinter(_Printer):
    """Textbook-looking text for people: 2x·cos(x²), e^(−x)/(1 + e^(−x))²."""

    MINUS = " − "
    NEG = "−"
    TIMES = "·"

    def symbol(self, node: Symbol, kids: list[Piece]) -> Piece:
        text = _unicode_name(node.name)
        if len(text) != 1:
            return Piece(text, PREC_ATOM, _WORD, _WORD)
        # A one-letter symbol that looks like a function (f, or sigma shown as σ) would
        # read as a call in f(x + 1): keep a "·" after it.
        looks_like_call = node.name in FUNCTIONS or text in display_letters()
        return Piece(text, PREC_ATOM, _LETTER, _WORD if looks_like_call else _LETTER)

    def const(self, node: Const, kids: list[Piece]) -> Piece:
        if node.name == "pi":
            return Piece("π", PREC_ATOM, _LETTER, _LETTER)
        return Piece("e", PREC_ATOM, _LETTER, _OTHER)  # 2e and xe, but e·x (not "ex")

    def bare_first_factor(self, node: Expr, piece: Piece) -> bool:
        return _is_int(node)  # a negative integer coefficient: −2x

    def bare_numerator(self, node: Expr) -> bool:
        return not (_is_fraction(node) or isinstance(node, Div))  # (a/b)/c, not a/b/c

    def joiner(self, left: Piece, right: Piece, leading: bool) -> str:
        if right.first in _UNICODE_JUXTAPOSE.get(left.last, ()):
            return ""
        return self.TIMES

    def pow(self, node: Pow, kids: list[Piece]) -> Piece:
        return self.power(node.base, kids[0], node.exp, kids[1])

    def power(self, base_node: Expr, base: Piece, exp_node: Expr, exp: Piece) -> Piece:
        if _is_int(exp_node):  # x², x⁻¹, (x + 1)³, sin(x)², e²
            base = self.operand(base, PREC_ATOM)
            last = base.last if base.last in (_LETTER, _NUM, _GROUP) else _OTHER
            sup = _digits(exp_node.value.numerator).translate(_SUPERSCRIPT)
            return Piece((base.text, sup), PREC_POW, base.first, last)
        if _is_e(base_node):  # eˣ, e^(−x), e^(w1)
            letter = exp.text if isinstance(exp_node, Symbol) and isinstance(exp.text, str) else ""
            if letter in _SUPERSCRIPT_LETTERS:
                return Piece(("e", _SUPERSCRIPT_LETTERS[letter]), PREC_POW, _LETTER)
            return Piece(("e^(", exp.text, ")"), PREC_POW, _LETTER)
        base = self.operand(base, PREC_ATOM)
        exp = self.operand(exp, PREC_ATOM)
        return Piece((base.text, "^", exp.text), PREC_POW, base.first)

    def layout_exponential(self, node: Func, kids: list[Piece]) -> Piece:
        e = Const("e")
        return self.power(e, self.const(e, []), node.args[0], kids[0])

    def layout_radical(self, node: Func, kids: list[Piece]) -> Piece:
        arg = kids[0] if _is_token(node.args[0]) else self.wrap(kids[0])
        # Looser than a call, so a power of it keeps its parentheses: (√x)².
        return Piece((FUNCTIONS[node.name].display, arg.text), PREC_POW, _ROOT)

    def layout_bars(self, node: Func, kids: list[Piece]) -> Piece:
        return Piece(("|", kids[0].text, "|"), PREC_ATOM, _ABS, _ABS)

    def layout_log(self, node: Func, kids: list[Piece]) -> Piece | None:
        if len(kids) == 1:
            return None
        base = node.args[1]
        if not _is_token(base):
            return self.call(node.name, kids)
        sub: _Rope
        if isinstance(base, Num):
            sub = _digits(base.value.numerator).translate(_SUBSCRIPT)  # log₂(x)
        else:
            sub = ("_", kids[1].text)  # log_b(x)
        return self.call((node.name, sub), kids[:1])

    def plain_call(self, node: Func, kids: list[Piece]) -> Piece:
        name = FUNCTIONS[node.name].display
        if node.order:
            order = node.order
            name += _PRIMES.get(order) or "⁽" + str(order).translate(_SUPERSCRIPT) + "⁾"
        return self.call(name, kids)


# ── LaTeX ────────────────────────────────────────────────────────────────────
class _LatexPrinter(_Printer):
    r"""Clean LaTeX for teachers: 2x\cos\left(x^{2}\right), \frac{1}{2\sqrt{x}}."""

    LPAREN = r"\left("
    RPAREN = r"\right)"

    def symbol(self, node: Symbol, kids: list[Piece]) -> Piece:
        text = _latex_name(node.name)
        first = _CMD if text.startswith("\\") else _LETTER
        last = _CMD if text[-1].isalpha() and text.startswith("\\") else _LETTER
        return Piece(text, PREC_ATOM, first, last)

    def const(self, node: Const, kids: list[Piece]) -> Piece:
        if node.name == "pi":
            return Piece(r"\pi", PREC_ATOM, _CMD, _CMD)
        return Piece("e", PREC_ATOM, _LETTER, _LETTER)

    def magnitude(self, value: Fraction) -> Piece:
        if value.denominator == 1:
            return Piece(_digits(value.numerator), PREC_ATOM, _NUM, _NUM)
        return Piece(rf"\frac{{{_digits(value.numerator)}}}{{{_digits(value.denominator)}}}",
                      PREC_POW, _FRAC)

    def bare_first_factor(self, node: Expr, piece: Piece) -> bool:
        return isinstance(node, Num)  # a negative coefficient: -2x, -\frac{1}{2}x

    def joiner(self, left: Piece, right: Piece, leading: bool) -> str:
        if right.first in (_NUM, _FRAC) or (left.last == _NUM and not leading):
            return r" \cdot "              # 2 \cdot 3, x \cdot \frac{1}{2}, 2 \cdot 1 \cdot \cos(1)
        if left.last == _FUNC:
            return r"\,"                    # \sin\left(x\right)\,\cos\left(x\right)
        if left.last == _CMD and right.first == _LETTER:
            return " "                      # \theta x, not \thetax
        return ""

    def div(self, node: Div, kids: list[Piece]) -> Piece:
        num, den = kids
        return Piece((r"\frac{", num.text, "}{", den.text, "}"), PREC_POW, _FRAC)

    def pow(self, node: Pow, kids: list[Piece]) -> Piece:
        base_node, exp_node = node.base, node.exp
        if (isinstance(base_node, Func) and FUNCTIONS[base_node.name].latex_power_prefix
                and _is_int(exp_node) and exp_node.value > 0):
            args = [self.memo[a] for a in base_node.args]
            name = (FUNCTIONS[base_node.name].latex, "^{", kids[1].text, "}")
            call = self.call(name, args)
            # Looser than a call: a power of \sin^{2}(x) keeps its parentheses.
            return Piece(call.text, PREC_POW, _FUNC, _FUNC)
        base = self.operand(kids[0], PREC_ATOM)
        return Piece((base.text, "^{", kids[1].text, "}"), PREC_POW, base.first)

    def layout_exponential(self, node: Func, kids: list[Piece]) -> Piece:
        return Piece(("e^{", kids[0].text, "}"), PREC_POW, _LETTER)

    def layout_radical(self, node: Func, kids: list[Piece]) -> Piece:
        # \sqrt{x}, \sqrt[3]{x}; looser than a call so that a power of it gets parentheses.
        return Piece((FUNCTIONS[node.name].latex, "{", kids[0].text, "}"), PREC_POW, _ROOT)

    def layout_bars(self, node: Func, kids: list[Piece]) -> Piece:
        return Piece((r"\left|", kids[0].text, r"\right|"), PREC_ATOM, _GROUP, _GROUP)

    def layout_log(self, node: Func, kids: list[Piece]) -> Piece | None:
        if len(kids) == 1:
            return None  # \ln from the table
        return self.call((r"\log_{", kids[1].text, "}"), kids[:1])

    def plain_call(self, node: Func, kids: list[Piece]) -> Piece:
        name = FUNCTIONS[node.name].latex
        if node.order:  # f'\left(x\right), f^{(4)}\left(x\right)
            name += "'" * node.order if node.order <= 3 else f"^{{({node.order})}}"
        # \pi f(x) needs a space where \pi\sin(x) does not.
        return self.call(name, kids, _FUNC if name.startswith("\\") else _LETTER)


# ── public API ───────────────────────────────────────────────────────────────
def to_python(expr: Expr) -> str:
    """Python syntax that :func:`chainrule.parser.parse` reads back: ``2*x*cos(x**2)``."""
    return PythonPrinter().run(expr)


def to_unicode(expr: Expr) -> str:
    """Unicode math for people: ``2x·cos(x²)``."""
    return _UnicodePrinter().run(expr)


def to_latex(expr: Expr) -> str:
    r"""LaTeX: ``2x\cos\left(x^{2}\right)``."""
    return _LatexPrinter().run(expr)


def to_unicode_pieces(expr: Expr) -> str:
    """A rule's form as people write it: f′(g)·g′ with its pieces joined by `` · ``.

    A product of pieces (a factor that is itself a product) is a rule's form; a flat
    product is one tidy expression and prints as :func:`to_unicode` writes it.

        >>> from chainrule.parser import parse
        >>> to_unicode_pieces(parse("cos(x**2)*(2*x)")), to_unicode_pieces(parse("2*x*cos(x**2)"))
        ('cos(x²) · 2x', '2x·cos(x²)')
    """
    if isinstance(expr, Mul) and any(isinstance(f, (Mul, Div, Neg)) for f in expr.factors):
        return " · ".join(_bracketed(f) for f in expr.factors)
    return to_unicode(expr)


def _bracketed(e: Expr) -> str:
    text = to_unicode(e)
    if isinstance(e, (Add, Neg, Div)) or (isinstance(e, Num) and
                                          (e.value < 0 or e.value.denominator != 1)):
        return f"({text})"
    return text
