"""Text to :class:`~chainrule.expr.Expr`: a hand-written operator-precedence parser.

    >>> from chainrule.parser import parse
    >>> parse("2x sin(x^2)") is parse("2*x*sin(x**2)")
    True

The parser never evaluates text (no ``eval``, no SymPy) and never recurses: operands and
pending operators live on explicit stacks, so 10 000 levels of nesting parse as easily as
one. It keeps the form the user wrote, which the printer relies on (``parse(str(e)) == e``):

- Loosest first: binary ``+ -`` < unary minus at the start of a term (``-a*b`` is
  −(a·b)) < ``* /`` and implicit multiplication < unary minus after ``* / ^`` or another
  unary, ``√``, ``∛`` (``a*-b*c`` is a·(−b)·c) < ``^ **`` (right-associative) < calls and
  superscripts.
- An unbroken chain of ``+``/``-`` is one ``Add`` (``a - b`` is ``Add((a, Neg(b)))``), an
  unbroken chain of ``*`` one ``Mul``; parentheses keep the grouping written. ``/`` is binary
  and left-associative: ``a*b/c*d`` is ``Mul((Div(Mul((a, b)), c), d))``.
- Numbers are exact. The only folding: a quotient of two numbers (``1/2``, ``1/2/3``).
- Everyday notation: ``2x``, ``x y``, ``(x+1)(x-1)``, ``sin^2(x)`` for (sin x)², ``f'(x)``
  for the derivative of an abstract function, and a small Unicode set: ``− · × ⋅ ÷``,
  superscripts ``x² x⁻¹``, ``√x``, ``∛x``, ``π``, and the Greek letters θ α β γ δ λ μ φ ω τ
  as the symbols theta alpha beta gamma delta lam mu phi omega tau (λ becomes ``lam``
  because ``lambda`` is a Python keyword and reserved).
- ``f``, ``g`` and ``h`` are abstract functions when a call follows (``f(x)``, ``f'(x)``,
  ``f^2(x)``) and ordinary symbols otherwise, so ``m*g*h`` still works.
- What learners type (``chainrule._notation``, before the loop below): ``sinx``, ``sin x``,
  ``sin 2x``, ``sin^-1 x``, ``2πft``, ``d/dx …``, ``f(x) = …``. Every choice the text did
  not write out is a note of the :class:`Reading` that :func:`read` returns, which the
  documents show as "read as" (docs/syntax.md has the rules).

Every mistake raises :class:`~chainrule.errors.ParseError` with the 0-based position, what
was expected there and, where we can guess, a hint.
"""

from __future__ import annotations

import keyword
import math
import re
from collections.abc import Sequence
from fractions import Fraction
from functools import cached_property
from typing import Any, NoReturn

from chainrule._lexer import Token, fast_tokenize, tokenize
from chainrule._notation import (
    Question,
    Reading,
    implicit_check,
    needs_rewrite,
    question,
    rewrite,
    unknown_function_hint,
)
from chainrule.errors import ParseError
from chainrule.expr import (
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
    building,
    from_key,
    postorder,
)
from chainrule.functions import FUNCTIONS, FunctionEntry, lookup

__all__ = ["MAX_LENGTH", "MAX_NESTING", "MAX_NUMBER_DIGITS", "MAX_PRIMES", "parse",
           "read", "Reading", "Question", "recorded_reading", "reading_of"]

MAX_LENGTH = 100_000    # characters of input
MAX_NESTING = 20_000    # open parentheses, calls, pending unary operators and powers
MAX_PRIMES = 50         # f''…'(x): the highest order, as for --order and diff(order=)
_MAX_FOLD_BITS = 6700   # about 2000 decimal digits: what the largest literal can reach
# The digits of all the numbers in one expression, a power of numbers counted by the digits
# of its value: 9**9**9 (369 693 100 digits) is refused before anything tries to compute it,
# and no product of the numbers written can grow past this.
MAX_NUMBER_DIGITS = 10_000

# Named precedence levels, loosest first.
_PREC_BOTTOM = -1       # the frame under all others: nothing reduces past it
_PREC_GROUP = 0         # '(' and calls: reductions stop here
_PREC_ADD = 10          # binary + -
_PREC_NEG = 20          # unary minus at the start of a term: -a*b is -(a*b)
_PREC_MUL = 30          # * / and implicit multiplication
_PREC_PREFIX = 40       # unary minus after * / ^ or another unary, and √ ∛: a*-b*c, 2^-x*y
_PREC_POW = 50          # ^ ** (right-associative); superscripts and calls bind tighter still

# Frames on the operator stack are small lists, [kind, token, payload...], where a token
# is its index in the token list (its position is looked up only for a message):
#   [_GROUP, tok]                  [_CALL, tok of '(', tok of name, name as written,
#   [_ADD, tok, terms, negate next]         FunctionEntry, order, power or None, args]
#   [_MUL, tok, factors]           [_DIV, tok, numerator]      [_POW, tok, base]
#   [_NEG, tok]  [_PREFIX_NEG, tok]  [_ROOT, tok, "sqrt" or "cbrt"]     [_BOTTOM, 0]
# The chains (_ADD, _MUL, _DIV) do not deepen the nesting; every other frame counts
# toward MAX_NESTING. The stack starts with the _BOTTOM frame, so ops[-1] always exists.
_GROUP, _CALL, _ADD, _NEG, _MUL, _DIV, _PREFIX_NEG, _ROOT, _POW, _BOTTOM = range(10)
_PREC = (_PREC_GROUP, _PREC_GROUP, _PREC_ADD, _PREC_NEG, _PREC_MUL, _PREC_MUL,
         _PREC_PREFIX, _PREC_PREFIX, _PREC_POW, _PREC_BOTTOM)

_OPERAND = ("a number", "a name", "'('")
# What may follow the exponent of x^2 for the power to be complete: anything that reduces
# the operator stack (an operator, implicit multiplication, ')', ',', the end).
_ENDS_POWER = frozenset({"*", "/", "+", "-", ")", ",", "end", "name", "(", "greek", "√", "∛"})
_CONSTANTS = {"pi": Const("pi"), "e": Const("e"), "E": Const("e")}
_NONFINITE = frozenset({"nan", "inf", "infinity"})
_SIGNED_ARGUMENT = re.compile(r"-\s*[^-+*/),\s](?:[^-+*/),]*[^-+*/),\s])?")
_PRIME_HINT = "a prime marks the derivative of f, g or h, as in f'(x); quotes are not allowed"


def parse(text: str, *, strict: bool = False) -> Expr:
    """Parse ``text`` into an expression tree; raise :class:`ParseError` if it is not one.

        >>> parse("-x^2") is Neg(Pow(Symbol("x"), Num(2)))
        True

    ``strict`` also refuses, with a position, constants that have no real value (``0^0``,
    ``log(0)``, ``sqrt(-1)``, ``log(x, 1)``) and numbers too large to work with
    (``9**9**9``; more than :data:`MAX_NUMBER_DIGITS` digits of numbers in all). This is
    what :func:`chainrule.diff` does with text; without it, any tree the printer writes
    parses back (``parse(str(e)) is e``).

        >>> parse("log(0)", strict=True)
        Traceback (most recent call last):
        ...
        chainrule.errors.ParseError: log(0) is undefined: it is not a real number (at column 1)
        hint: log: u > 0 (base b > 0, b ≠ 1)
    """
    if not isinstance(text, str):
        raise TypeError(f"parse() needs a str, not {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise ParseError(f"expression too long ({len(text)} characters; the limit is "
                         f"{MAX_LENGTH})", text, MAX_LENGTH)
    return read(text, strict=strict)[0]


def read(text: str, *, strict: bool = False) -> tuple[Expr, Reading]:
    """:func:`parse`, and how the text was read: every choice the parser made that the
    text did not write out (``sinx`` is sin(x), ``sin x y`` is sin(x·y)), and the question
    (``d/dx``, ``f(x) =``).

        >>> expr, reading = read("d/dx sinxcosx")
        >>> reading.text, reading.question.variable
        ('sin(x)·cos(x)', 'x')
    """
    if not isinstance(text, str):
        raise TypeError(f"parse() needs a str, not {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise ParseError(f"expression too long ({len(text)} characters; the limit is "
                         f"{MAX_LENGTH})", text, MAX_LENGTH)
    asked = Question()
    body = text
    if _may_ask(text):
        body, asked = question(text)
    if len(text) < _LONG:
        parser = _Parser(body, strict)
        expr = parser.run()
    else:
        with building():  # a long text builds many nodes: no collector passes over them
            parser = _Parser(body, strict)
            expr = parser.run()
    if asked.name is not None and not asked.derivative:
        implicit_check(asked, frozenset(expr.free_symbols), text)
    reading = parser.reading
    if asked.derivative:                          # dy/dx = 2x: the right-hand side
        reading = Reading(reading.text, (f"{asked.written} …: the right-hand side is the "
                                         "derivative", *reading.notes),
                          asked, reading.glued)
    elif asked != Question():
        reading = Reading(reading.text, reading.notes, asked, reading.glued)
    _remember(text, reading)
    if reading != Reading():
        _BY_EXPR.pop(expr, None)
        _BY_EXPR[expr] = reading
        _trim(_BY_EXPR)
    else:
        _BY_EXPR.pop(expr, None)
    return expr, reading


def _may_ask(text: str) -> bool:
    head = text.lstrip()[:1]
    return "=" in text or head in ("d", "∂", "(", "D", "f", "F", "c", "C", "w", "W", "t", "T")


_KEEP = 256
_READINGS: dict[str, Reading] = {}
# The readings of the expressions parsed lately (d/dx sin(x) asks for x; 2πft has f·t):
# resolve_variable takes the variable asked for when none is given, and explains a --wrt
# name the text split. Expressions are interned, so the tree of the text is the key;
# parsing the same tree from a text without choices forgets it.
_BY_EXPR: dict[Expr, Reading] = {}


def _remember(text: str, reading: Reading) -> None:
    if len(text) > 10_000 and reading == Reading():
        return
    _READINGS[text] = reading
    _trim(_READINGS)


def _trim(memo: dict[Any, Any]) -> None:
    """Forget the oldest entries past :data:`_KEEP` (another thread may be at it too)."""
    while len(memo) > _KEEP:
        try:
            del memo[next(iter(memo))]
        except (KeyError, RuntimeError, StopIteration):
            return


def recorded_reading(expr: Expr) -> Reading | None:
    """How the text ``expr`` was last parsed from was read, if it made a choice or asked a
    question (d/dx, f(x) =)."""
    return _BY_EXPR.get(expr)


def reading_of(text: str) -> Reading:
    """How ``text`` is read (from the parses remembered, or by parsing it again)."""
    found = _READINGS.get(text)
    if found is not None:
        return found
    try:
        return read(text)[1]
    except ParseError:
        return Reading()


_LONG = 1000  # characters


class _Parser:
    """One parse: the tokens, the operator stack and the nesting count.

    The main loop reads ``(kind, value)`` pairs from :func:`fast_tokenize`; positions are
    wanted only for messages and strict checks, and :attr:`located` works them out then.
    Frames and the helpers below refer to tokens by their index in either list.
    """

    def __init__(self, text: str, strict: bool = False) -> None:
        self.text = text
        tokens = fast_tokenize(text)
        if tokens is None:                         # unusual text: the careful tokenizer
            tokens = [(tok[0], tok[3]) for tok in self.located]
        else:
            tokens.extend([tokens[-1]] * 4)        # the same padding as `located`
        self.reading = Reading()
        if needs_rewrite(tokens):                 # everyday notation: sinx, sin x, sin^-1
            located = self.located[:-4]
            rewritten, self.reading = rewrite(text, located)
            rewritten.extend([rewritten[-1]] * 4)
            self.__dict__["located"] = rewritten
            tokens = [(tok[0], tok[3]) for tok in rewritten]
        self.tokens = tokens
        self.nesting = 0
        # What each name means, worked out once per parse: (Symbol or Const, whether a
        # '(' may follow it, meaning multiplication) or (FunctionEntry, None).
        self.names: dict[str, tuple[Any, bool | None]] = {}
        self.numbers: _Numbers | None = _Numbers(self) if strict else None
        # The nodes built so far, by (class, *arguments): a long text repeats its pieces,
        # and a dictionary finds them faster than the intern table's constructor.
        self.made: dict[tuple[Any, ...], Any] = {}

    @cached_property
    def located(self) -> list[Token]:
        """The tokens with their positions, ``(kind, start, end, value)``."""
        tokens = tokenize(self.text)
        # Padding with copies of the last token ("end" or "err") makes lookahead safe.
        tokens.extend([tokens[-1]] * 4)
        return tokens

    def _at(self, i: int) -> int:
        """Where token ``i`` starts."""
        return self.located[i][1]

    # ── the main loop ────────────────────────────────────────────────────────
    def run(self) -> Expr:
        tokens = self.tokens
        if tokens[0][0] == "end":
            raise ParseError("empty expression", self.text, 0, expected=_OPERAND)
        numbers = self.numbers
        names = self.names
        made = self.made
        new = self._new
        normal = self._normal
        ops: list[list[Any]] = [[_BOTTOM, 0]]
        cur: Expr | None = None   # the operand just read; None while one is expected
        tight = False             # whether a unary minus here binds tighter than *
        i = 0
        # The commonest steps are written out here (a symbol, a factor that starts or
        # extends a product, a term, x^2, a call of a known function with one argument,
        # the product that ends at a ')' or a '+'); the helpers do the general case, and
        # a step written out does exactly what the helper would.
        while True:
            kind, value = tokens[i]
            if cur is None:                        # ── expecting an operand
                if kind == "num":
                    cur = value[0]
                    if numbers is not None:
                        numbers.literal(cur, i)
                    i += 1
                elif kind == "name":
                    meaning = names.get(value)
                    if meaning is None:
                        meaning = names[value] = self._classify(i)
                    if meaning[1] is not None:     # a symbol or a constant
                        nxt = tokens[i + 1][0]
                        if nxt == "'" or (nxt == "(" and not meaning[1]):
                            self._bad_name(i)
                        cur = meaning[0]
                        i += 1
                    elif tokens[i + 1][0] == "(":  # sin(: no primes, no power (_function)
                        ops.append([_CALL, i + 1, i, value, meaning[0], 0, None, []])
                        self.nesting += 1
                        if self.nesting > MAX_NESTING:
                            self._too_deep(i + 1)
                        tight = False
                        i += 2
                    else:                          # sin^2(, f'(, or f, g, h alone
                        cur, i = self._function(i, meaning[0], ops)
                        tight = False
                elif kind == "(":
                    self._push(ops, [_GROUP, i], i)
                    tight = False
                    i += 1
                elif kind == "greek":
                    cur = self._greek(i)
                    i += 1
                elif kind == "-":
                    self._push(ops, [_PREFIX_NEG if tight else _NEG, i], i)
                    tight = True
                    i += 1
                elif kind == "+":                  # unary plus changes nothing
                    i += 1
                elif kind == "√" or kind == "∛":
                    self._push(ops, [_ROOT, i, "sqrt" if kind == "√" else "cbrt"], i)
                    tight = True
                    i += 1
                else:
                    self._no_operand(i, ops)
            elif kind == "*":                      # ── expecting an operator
                top = ops[-1]
                if top[0] == _MUL:
                    top[2].append(cur)             # the product goes on
                elif _PREC[top[0]] < _PREC_MUL:
                    ops.append([_MUL, i, [cur]])   # a product starts
                else:
                    self._multiply(ops, cur, i)
                cur = None
                tight = True
                i += 1
            elif kind == "+" or kind == "-":
                top = ops[-1]
                if top[0] == _MUL:
                    # The term's product ends (the first step of _reduce).
                    ops.pop()
                    factors = top[2]
                    factors.append(cur)
                    key: tuple[Any, ...] = (Mul, tuple(factors))
                    cur = made.get(key) or normal(key)
                    top = ops[-1]
                if _PREC[top[0]] > _PREC_ADD:
                    cur = self._reduce(ops, cur, _PREC_ADD)
                    top = ops[-1]
                if top[0] == _ADD:
                    top[2].append(Neg(cur) if top[3] else cur)
                    top[3] = kind == "-"
                else:
                    ops.append([_ADD, i, [cur], kind == "-"])
                cur = None
                tight = False
                i += 1
            elif kind == ")":
                top = ops[-1]
                if top[0] == _MUL:
                    # The product inside ends (the first step of _reduce).
                    ops.pop()
                    factors = top[2]
                    factors.append(cur)
                    key = (Mul, tuple(factors))
                    cur = made.get(key) or normal(key)
                    top = ops[-1]
                if top[0] == _CALL and top[6] is None and not top[7] and 1 in top[4].arities:
                    # sin(u): one argument and no power (_close and _call).
                    ops.pop()
                    self.nesting -= 1
                    key = (Func, top[4].name, (cur,), top[5])
                    call: Func = made.get(key) or new(key)
                    if numbers is not None:
                        numbers.call(call, top[2], i)
                    cur = call
                elif top[0] == _GROUP:             # (u): the group ends (_close)
                    ops.pop()
                    self.nesting -= 1
                else:
                    cur = self._close(i, ops, cur)
                i += 1
            elif kind == "^":
                after = tokens[i + 1]
                if (after[0] == "num" and tokens[i + 2][0] in _ENDS_POWER
                        and self.nesting < MAX_NESTING):
                    # x^2 followed by what would reduce its frame at once: the power is
                    # built now, with the same checks in the same order.
                    exponent = after[1][0]
                    if numbers is not None:
                        numbers.literal(exponent, i + 1)
                        numbers.power(cur, exponent, i, 1)
                    key = (Pow, cur, exponent)
                    cur = made.get(key) or normal(key)
                    i += 2
                else:
                    self._push(ops, [_POW, i, cur], i)
                    cur = None
                    i += 1
                tight = True
            elif kind == "/":
                self._slash(ops, cur, i)
                cur = None
                tight = True
                i += 1
            elif kind == "sup":
                exponent = Num(value)
                if numbers is not None:
                    numbers.literal(exponent, i)
                    numbers.power(cur, exponent, i)
                cur = self._node(Pow, cur, exponent)
                i += 1
            elif kind == ",":
                self._comma(i, ops, cur)
                cur = None
                tight = False
                i += 1
            elif kind == "end":
                return self._finish(ops, cur)
            elif kind == "name" or kind == "(" or kind == "greek" or kind == "√" or kind == "∛":
                # Implicit multiplication: 2x, x y, (x+1)(x-1), 2√x. The token is read
                # again, as an operand, on the next turn.
                self._multiply(ops, cur, i)
                cur = None
            else:
                self._no_operator(i)

    # ── operator stack ───────────────────────────────────────────────────────
    def _node(self, *key: Any) -> Any:
        """``key[0](*key[1:])``, the node of that class with those arguments, found in
        ``made`` if this parse built it already (the busiest places write this out)."""
        return self.made.get(key) or self._new(key)

    def _new(self, key: tuple[Any, ...]) -> Any:
        node = self.made[key] = key[0](*key[1:])
        return node

    def _normal(self, key: tuple[Any, ...]) -> Any:
        """:meth:`_new` for a key in normal form: a product of two or more factors, a power."""
        node = self.made[key] = from_key(key)
        return node

    def _push(self, ops: list[list[Any]], frame: list[Any], i: int) -> None:
        ops.append(frame)
        self.nesting += 1
        if self.nesting > MAX_NESTING:
            self._too_deep(i)

    def _too_deep(self, i: int) -> NoReturn:
        raise ParseError(f"nesting too deep: more than {MAX_NESTING} levels", self.text,
                         self._at(i), hint="split the expression into smaller parts")

    def _reduce(self, ops: list[list[Any]], cur: Expr, prec: int) -> Expr:
        """Apply the pending operators that bind tighter than ``prec`` to ``cur``."""
        made = self.made
        while True:                                # the _BOTTOM frame stops it
            frame = ops[-1]
            kind = frame[0]
            if _PREC[kind] <= prec:
                break
            ops.pop()
            if kind == _MUL:
                frame[2].append(cur)
                key: tuple[Any, ...] = (Mul, tuple(frame[2]))
                cur = made.get(key) or self._normal(key)
                continue
            if kind == _ADD:
                frame[2].append(Neg(cur) if frame[3] else cur)
                cur = Add(tuple(frame[2]))
                continue
            if kind == _DIV:
                cur = self._divide(frame, cur)
                continue
            self.nesting -= 1
            if kind == _POW:
                if self.numbers is not None:
                    self.numbers.power(frame[2], cur, frame[1], 1)
                key = (Pow, frame[2], cur)
                cur = made.get(key) or self._normal(key)
            elif kind == _ROOT:
                root: Func = self._node(Func, frame[2], (cur,))
                if self.numbers is not None:
                    self.numbers.call(root, frame[1])
                cur = root
            else:                                  # _NEG or _PREFIX_NEG
                cur = self._node(Neg, cur)
        return cur

    def _multiply(self, ops: list[list[Any]], cur: Expr, i: int) -> None:
        cur = self._reduce(ops, cur, _PREC_MUL)
        top = ops[-1]
        if top[0] == _MUL:
            top[2].append(cur)
            return
        if top[0] == _DIV:                         # a*b/c*d: the quotient starts a new chain
            ops.pop()
            cur = self._divide(top, cur)
        ops.append([_MUL, i, [cur]])

    def _slash(self, ops: list[list[Any]], cur: Expr, i: int) -> None:
        cur = self._reduce(ops, cur, _PREC_MUL)
        top = ops[-1]
        if top[0] == _MUL:
            ops.pop()
            top[2].append(cur)
            cur = Mul(tuple(top[2]))
        elif top[0] == _DIV:
            ops.pop()
            cur = self._divide(top, cur)
        ops.append([_DIV, i, cur])

    def _divide(self, frame: list[Any], den: Expr) -> Expr:
        num = frame[2]
        if type(num) is not Num or type(den) is not Num:
            return Div(num, den)
        # A quotient of two numbers is the rational number it names: 1/2 is Num(1/2).
        if den.value == 0:
            raise ParseError("division by zero", self.text, self._at(frame[1]))
        value = num.value / den.value
        if max(value.numerator.bit_length(), value.denominator.bit_length()) > _MAX_FOLD_BITS:
            raise ParseError("number too large", self.text, self._at(frame[1]),
                             hint="a quotient of numbers may have about 2000 digits at most")
        return Num(value)

    def _close(self, i: int, ops: list[list[Any]], cur: Expr) -> Expr:
        cur = self._reduce(ops, cur, _PREC_GROUP)
        if ops[-1][0] == _BOTTOM:
            raise ParseError("unmatched ')'", self.text, self._at(i),
                             hint="remove it, or add the missing '(' before it")
        frame = ops.pop()
        self.nesting -= 1
        if frame[0] == _GROUP:
            return cur
        frame[7].append(cur)
        return self._call(frame, i)

    def _comma(self, i: int, ops: list[list[Any]], cur: Expr) -> None:
        cur = self._reduce(ops, cur, _PREC_GROUP)
        if ops[-1][0] == _CALL:
            ops[-1][7].append(cur)
            return
        raise ParseError("unexpected ','", self.text, self._at(i),
                         hint="commas only separate the arguments of a function, as in log(x, 2)")

    def _finish(self, ops: list[list[Any]], cur: Expr) -> Expr:
        cur = self._reduce(ops, cur, _PREC_GROUP)
        if ops[-1][0] != _BOTTOM:                  # the innermost unclosed '('
            raise ParseError("'(' is never closed", self.text, self._at(ops[-1][1]),
                             expected=("')'",), hint="add the missing ')'")
        return cur

    # ── names and calls ──────────────────────────────────────────────────────
    def _classify(self, i: int) -> tuple[Any, bool | None]:
        name = self.tokens[i][1]
        self._check_reserved(i)
        entry = lookup(name)
        if entry is not None:
            return entry, None
        constant = _CONSTANTS.get(name)
        if constant is not None:                   # pi(x+1) and e(x) multiply
            return constant, True
        # A single letter before '(' multiplies: x(x+1). A longer name is a typo'd call.
        return Symbol(name), len(name) == 1

    def _bad_name(self, i: int) -> NoReturn:
        """A symbol followed by a prime, or a longer name by '(': ``x'``, ``sn(x)``."""
        if self.tokens[i + 1][0] == "'":
            self._misplaced_prime(self.located[i + 1])
        self._unknown_function(self.located[i])

    def _greek(self, i: int) -> Expr:
        name = self.tokens[i][1]
        if self.tokens[i + 1][0] == "'":
            self._misplaced_prime(self.located[i + 1])
        constant = _CONSTANTS.get(name)
        return constant if constant is not None else Symbol(name)

    def _misplaced_prime(self, tok: Token) -> NoReturn:
        raise ParseError("unexpected \"'\"", self.text, tok[1], hint=_PRIME_HINT)

    def _check_reserved(self, i: int) -> None:
        name = self.tokens[i][1]
        hint = ""
        if keyword.iskeyword(name):
            message = f"'{name}' is a Python keyword and cannot be a name"
            hint = ("write lam (or λ) for the symbol λ" if name == "lambda"
                    else "choose another name")
        elif name.startswith("__"):
            message = f"'{name}' is reserved: names cannot start with '__'"
        elif name == "I":
            message = "'I' is reserved for the imaginary unit"
            hint = "complex numbers are not supported"
        elif name == "oo" or name.lower() in _NONFINITE:
            message = f"'{name}' is reserved"
            hint = "infinity and not-a-number are not supported: chainrule works with real numbers"
        else:
            return
        tok = self.located[i]
        raise ParseError(message, self.text, tok[1], hint=hint, length=tok[2] - tok[1])

    def _unknown_function(self, tok: Token) -> NoReturn:
        name = tok[3]
        letters = frozenset(t[1] for t in self.tokens if t[0] == "name" and len(t[1]) == 1)
        hint = unknown_function_hint(name, letters)
        argument = self._call_argument(tok)
        if argument is not None and "(x" in hint:  # log10(x + 1): write log(x + 1, 10)
            hint = hint.replace("(x", f"({argument}", 1)
        raise ParseError(f"unknown function '{name}'", self.text, tok[1], hint=hint,
                         length=tok[2] - tok[1])

    def _call_argument(self, tok: Token) -> str | None:
        """The text between the '(' after ``tok`` and its ')', if short and balanced."""
        located = self.located
        k = located.index(tok) + 1
        if located[k][0] != "(":
            return None
        depth = 0
        for j in range(k, min(len(located), k + 40)):
            kind = located[j][0]
            depth += (kind == "(") - (kind == ")")
            if kind in ("end", "err") or (kind == "," and depth == 1):
                return None
            if depth == 0:
                return " ".join(self.text[located[k][2]:located[j][1]].split()) or None
        return None

    def _function(self, i: int, entry: FunctionEntry, ops: list[list[Any]]
                  ) -> tuple[Expr | None, int]:
        """A call of a known function: ``sin(x)``, ``f'(x)``, ``sin^2(x)``, ``sin²(x)``.

        ``f``, ``g`` and ``h`` without a call after them are plain symbols. Returns the
        operand, or None after pushing a call frame, and the next index.
        """
        tokens = self.tokens
        written = tokens[i][1]
        j = i + 1
        order = 0
        while tokens[j][0] == "'":
            order += 1
            j += 1
        if order > MAX_PRIMES:
            raise ParseError(f"too many primes: {written} with {order:,} primes is a derivative "
                             f"of order {order:,}, and chainrule goes up to order {MAX_PRIMES}",
                             self.text, self._at(i + 1), length=order,
                             hint=f"write at most {MAX_PRIMES} primes (the same limit as --order)")
        if order and not entry.abstract:
            raise ParseError("only the abstract functions f, g and h take primes", self.text,
                             self._at(i + 1), length=order,
                             hint=f"write {written}(x) and differentiate it with chainrule.diff")
        power = None
        if not order and tokens[j][0] in ("^", "sup"):
            power, after = self._function_power(j, entry, written)
            if power is not None:
                j = after
        if tokens[j][0] == "(":
            self._push(ops, [_CALL, j, i, written, entry, order, power, []], j)
            return None, j + 1
        if entry.abstract and not order:
            return Symbol(written), i + 1
        self._missing_parenthesis(self.located[j], written + "'" * order)

    def _function_power(self, j: int, entry: FunctionEntry, written: str
                        ) -> tuple[int | None, int]:
        """``sin^2(`` and ``sin²(``: the power and the index of the '('.

        None when the power is not of that form and ``entry`` is abstract (``g^2`` is the
        symbol g squared); an error for any other function.
        """
        tokens = self.tokens
        if tokens[j][0] == "sup":
            value: int | None = tokens[j][1]
            e = j                                  # the exponent's token
        else:
            negative = tokens[j + 1][0] == "-"
            e = j + 2 if negative else j + 1
            kind, literal = tokens[e]
            value = None
            if kind == "num" and literal[1]:
                value = int(literal[0].value) * (-1 if negative else 1)
        after = e + 1
        called = tokens[after][0] == "("
        if value is not None and value > 0 and called:
            return value, after
        if value is not None and value < 0 and (called or not entry.abstract):
            self._negative_function_power(j, after, entry, written, value)
        if entry.abstract:
            return None, j
        located = self.located
        if value is not None and value > 0:
            self._missing_parenthesis(located[after], f"{written}^{value}")
        exponent = located[e]
        if exponent[0] in ("num", "name", "(", "sup"):
            shown = ("^(…)" if exponent[0] == "(" else
                     ("" if exponent[0] == "sup" else "^") + self._token_text(exponent))
            raise ParseError(f"only a positive whole number can raise {written} before its "
                             "argument", self.text, exponent[1], length=exponent[2] - exponent[1],
                             hint=f"put other powers after the call, as in {written}(x){shown}")
        self._missing_parenthesis(located[j], written)

    def _negative_function_power(self, j: int, paren: int, entry: FunctionEntry, written: str,
                                 value: int) -> NoReturn:
        tokens = self.located
        start, end = tokens[j], tokens[paren - 1]
        arg = "x"
        inner = tokens[paren + 1]
        if tokens[paren][0] == "(" and inner[0] in ("name", "num") and tokens[paren + 2][0] == ")":
            arg = self.text[inner[1]:inner[2]]
        if value == -1:
            hint = f"write 1/{written}({arg}) for the reciprocal"
            inverse = FUNCTIONS.get("a" + entry.name)
            if inverse is not None:
                hint = (f"write {inverse.name}({arg}) for the inverse function "
                        f"or 1/{written}({arg}) for the reciprocal")
        else:
            hint = f"write 1/{written}({arg})^{-value} for the reciprocal power"
        shown = written + self.text[start[1]:end[2]]
        raise ParseError(f"a function name cannot take a negative power: {shown}",
                         self.text, start[1], length=end[2] - start[1], hint=hint)

    def _missing_parenthesis(self, t: Token, written: str) -> NoReturn:
        if t[0] == "err":
            raise t[3]
        signed = _SIGNED_ARGUMENT.match(self.text, t[1]) if t[0] == "-" else None
        if t[0] in ("name", "num"):
            hint = f"write {written}({self.text[t[1]:t[2]]})"
        elif signed is not None:                   # sin -2x: the argument as written
            hint = f"write {written}({' '.join(signed.group().split())})"
        else:
            hint = f"write {written}(x), with the argument in parentheses"
        raise ParseError(f"{written} needs parentheses around its argument", self.text, t[1],
                         expected=("'('",), hint=hint)

    def _call(self, frame: list[Any], close: int) -> Expr:
        """The call a frame describes, closed by the ')' at index ``close``."""
        _, _, name, written, entry, order, power, args = frame
        if len(args) not in entry.arities:
            raise ParseError(f"{written} takes {_arity_text(entry)}, got {len(args)}", self.text,
                             self._at(name), length=len(written))
        key = (Func, entry.name, tuple(args), order)
        value: Func = self.made.get(key) or self._new(key)
        if self.numbers is not None:
            self.numbers.call(value, name, close)
        if power is None:
            return value
        if self.numbers is not None:
            self.numbers.power(value, Num(power), name)
        powered: Expr = self._node(Pow, value, Num(power))
        return powered

    # ── what was expected ────────────────────────────────────────────────────
    def _token_text(self, tok: Token) -> str:
        return self.text[tok[1]:tok[2]]

    def _no_operand(self, i: int, ops: list[list[Any]]) -> NoReturn:
        tokens = self.located
        tok = tokens[i]
        kind = tok[0]
        if kind == "err":
            raise tok[3]
        text = self.text
        prev = tokens[i - 1][0] if i else ""
        if kind == "'":
            self._misplaced_prime(tok)
        if kind == "sup":
            raise ParseError("a superscript must follow what it raises", text, tok[1],
                             expected=_OPERAND, hint="as in x²")
        if kind == ")" and prev == "(":
            frame = ops[-1]
            if frame[0] == _CALL:
                written, entry = frame[3], frame[4]
                raise ParseError(f"missing argument: {written} takes {_arity_text(entry)}", text,
                                 tok[1], expected=_OPERAND, hint=f"write {written}(x)")
            raise ParseError("empty parentheses", text, tok[1], expected=_OPERAND,
                             hint="put an expression between the parentheses")
        if (kind == ")" or kind == ",") and prev == ",":
            raise ParseError("missing argument after ','", text, tok[1], expected=_OPERAND,
                             hint="remove the extra comma" if kind == ")" else "")
        if kind == "," and prev == "(":
            raise ParseError("missing argument before ','", text, tok[1], expected=_OPERAND)
        if kind == ")" and not any(frame[0] in (_GROUP, _CALL) for frame in ops):
            raise ParseError("unmatched ')'", text, tok[1],
                             hint="remove it, or add the missing '(' before it")
        if kind == "end":
            message = "unexpected end of expression"
        else:
            message = f"unexpected '{self._token_text(tok)}'"
        if i == 0 or (prev in ("(", ",") and kind in ("*", "/", "^")):
            hint = f"'{self._token_text(tok)}' needs an operand before it"
        else:
            hint = f"'{self._token_text(tokens[i - 1])}' needs an operand after it"
        raise ParseError(message, text, tok[1], expected=_OPERAND, hint=hint,
                         length=tok[2] - tok[1])

    def _no_operator(self, i: int) -> NoReturn:
        tokens = self.located
        tok = tokens[i]
        if tok[0] == "err":
            raise tok[3]
        if tok[0] == "'":
            self._misplaced_prime(tok)
        # Only a number is left: implicit multiplication puts the number first (2x, not x2).
        number = self._token_text(tok)
        prev = tokens[i - 1]
        if prev[0] == "num":
            raise ParseError("two numbers in a row", self.text, tok[1], length=len(number),
                             expected=("an operator",),
                             hint=f"write {self._token_text(prev)}*{number} to multiply")
        raise ParseError(f"missing operator before {number}", self.text, tok[1],
                         length=len(number), expected=("an operator",),
                         hint="write * to multiply; implicit multiplication puts the number "
                              "first, as in 2x")


# ── numbers: what the constant parts of the tree are worth ───────────────────
_LOG10_2 = math.log10(2)
_EXACT_BITS = int(MAX_NUMBER_DIGITS / _LOG10_2) + 64   # exact values are kept up to this size
# Where a function with some constant arguments is tried, to see whether it is defined at all.
_SAMPLES = (-3.7, -1.3, -0.4, 0.3, 0.8, 1.7, 2.9, 11.0)
_UNDEFINED = (ValueError, ZeroDivisionError)
Info = tuple[Fraction | None, float | None]   # (exact value, approximate value)


def _height_digits(value: Fraction) -> float:
    """log10 of max(|numerator|, denominator): the digits an exact value is written with."""
    return math.log10(max(abs(value.numerator), value.denominator, 1))


def _small(value: Fraction) -> bool:
    return max(abs(value.numerator).bit_length(), value.denominator.bit_length()) <= _EXACT_BITS


def _float(value: Fraction) -> float | None:
    try:
        return float(value)
    except OverflowError:
        return None


def _finite(value: Any) -> float | None:
    if isinstance(value, float) and math.isfinite(value):
        return value
    return None


def _about(digits: float) -> str:
    return f"about {digits:,.0f}" if digits < 1e15 else "more than 10¹⁵"


class _Numbers:
    """What the parser knows about the constant parts of the tree it builds.

    Every constant node (one without symbols) gets its exact rational value, when it has
    one of a workable size, and its approximate float value; a node with a symbol gets None.
    With these the parser refuses, with a position, what nothing downstream could handle:

    - numbers too large to work with: a power of numbers counts with the digits of its value
      (9**9**9 would have 369 693 100), and all the numbers in one expression together may
      have at most :data:`MAX_NUMBER_DIGITS` digits — so no product of them grows further;
    - constants that have no real value: ``0^0``, ``0^-1``, ``(-8)^(1/3)``, ``log(0)``,
      ``sqrt(-1)``, ``asin(2)``, and calls undefined for every value of their symbols, such
      as ``log(x, 1)``. A constant whose value is only known approximately (``log(pi - pi)``)
      is refused only when every nearby value is undefined too, so rounding never refuses a
      valid input.
    """

    def __init__(self, parser: _Parser) -> None:
        self.parser = parser
        self.info: dict[Expr, Info | None] = {}
        self.digits = 0.0
        self.literals: dict[Expr, float] = {}     # the digits of each number written

    def error(self, message: str, tok: int, length: int | None = None, hint: str = "") -> NoReturn:
        """Raise at token ``tok`` (an index), marking ``length`` characters or the token."""
        _, start, end, _ = self.parser.located[tok]
        raise ParseError(message, self.parser.text, start,
                         length=end - start if length is None else length, hint=hint)

    # ── the budget ───────────────────────────────────────────────────────────
    def spend(self, digits: float, tok: int, length: int | None = None) -> None:
        self.digits += digits
        if self.digits > MAX_NUMBER_DIGITS:
            self.error(f"numbers too large: the numbers in this expression have more than "
                       f"{MAX_NUMBER_DIGITS:,} digits in all", tok, length,
                       hint=f"chainrule works with at most {MAX_NUMBER_DIGITS:,} digits of "
                            "numbers in one expression; a power of numbers counts with the "
                            "digits of its value")

    def literal(self, node: Expr, tok: int) -> None:
        digits = self.literals.get(node)
        if digits is None:
            digits = self.literals[node] = _height_digits(node.value)  # type: ignore[attr-defined]
        if digits:                                 # 0 and ±1 cost nothing
            self.spend(digits, tok)

    # ── values ───────────────────────────────────────────────────────────────
    def of(self, root: Expr) -> Info | None:
        info = self.info
        found = info.get(root, info)
        if found is not info:
            return found  # type: ignore[return-value]
        for node in postorder(root, info):
            if node not in info:
                info[node] = self._one(node, [info[c] for c in node.children])
        return info[root]

    def _one(self, node: Expr, kids: list[Info | None]) -> Info | None:
        kind = type(node)
        if kind is Num:
            return node.value, _float(node.value)  # type: ignore[attr-defined]
        if kind is Symbol:
            return None
        if kind is Const:
            return None, (math.pi if node.name == "pi" else math.e)  # type: ignore[attr-defined]
        if any(k is None for k in kids):
            return None
        exact: list[Any] = [k[0] for k in kids]  # type: ignore[index]
        approx: list[Any] = [k[1] for k in kids]  # type: ignore[index]
        known = all(v is not None for v in exact)
        near = all(v is not None for v in approx)
        try:
            if kind is Neg:
                return (-exact[0] if known else None), (-approx[0] if near else None)
            if kind is Add:
                total = sum(exact, Fraction(0)) if known else None
                return (total if total is not None and _small(total) else None,
                        _finite(math.fsum(approx)) if near else None)
            if kind is Mul:
                product = math.prod(exact) if known else None
                return (product if product is not None and _small(product) else None,
                        _finite(math.prod(approx)) if near else None)
            if kind is Div:
                quotient = exact[0] / exact[1] if known and exact[1] != 0 else None
                return (quotient if quotient is not None and _small(quotient) else None,
                        _finite(approx[0] / approx[1]) if near and approx[1] != 0 else None)
            if kind is Pow:
                return self._pow_value(exact, approx, known, near)
            entry = FUNCTIONS[node.name]  # type: ignore[attr-defined]
            if entry.abstract or not near:
                return None, None
            return None, _finite(entry.numeric(*approx))
        except (ArithmeticError, ValueError, TypeError):
            return None, None

    @staticmethod
    def _pow_value(exact: list[Any], approx: list[Any], known: bool, near: bool) -> Info:
        value = None
        if (known and exact[1].denominator == 1 and not (exact[0] == 0 and exact[1] <= 0)
                and abs(exact[1]) * max(abs(exact[0].numerator).bit_length(),
                                        exact[0].denominator.bit_length()) <= _EXACT_BITS):
            value = exact[0] ** int(exact[1])
        guess = None
        if near and not (approx[0] < 0 and not float(approx[1]).is_integer()):
            try:
                guess = _finite(math.pow(approx[0], approx[1]))
            except (ArithmeticError, ValueError):
                guess = None  # no floating-point value to go by
        return value, guess

    # ── checks, as the parser builds each node ───────────────────────────────
    def power(self, base: Expr, exponent: Expr, tok: int, length: int | None = None) -> None:
        """``base ** exponent`` with both constant: defined, and of a workable size.

        A mistake is marked at token ``tok``, ``length`` characters long or the whole token.
        """
        b = self.of(base) if type(base) is not Symbol else None
        e = self.of(exponent) if b is not None else None
        if b is None or e is None or e[0] is None:
            return  # a symbol, or an exponent such as pi that keeps the power symbolic
        value, near = b
        exp = e[0]
        if value is not None:
            if value == 0 and exp == 0:
                self.error("0^0 is undefined", tok, length,
                           hint="0 to the power 0 has no agreed value; write 1 if you mean 1")
            if value == 0 and exp < 0:
                self.error("division by zero: 0 to a negative power", tok, length)
            if value < 0 and exp.denominator != 1:
                self.error("a negative number to a fractional power is not a real number",
                           tok, length,
                           hint="chainrule works with real numbers; for the real cube root "
                                "of a negative number write cbrt(-8)")
            digits = _height_digits(value)
        elif near is not None and near != 0:
            digits = abs(math.log10(abs(near)))
        else:
            digits = 1.0
        if digits:  # 1^n and (-1)^n stay ±1 whatever n is
            try:
                digits *= float(abs(exp))
            except OverflowError:
                digits = math.inf
        if digits > MAX_NUMBER_DIGITS:
            self.error(f"number too large: this power would have {_about(digits)} digits",
                       tok, length,
                       hint=f"a power of numbers may have at most {MAX_NUMBER_DIGITS:,} digits; "
                            "chainrule keeps it exact, so it cannot be rounded to a float")
        self.spend(digits, tok, length)

    def call(self, node: Func, first: int, last: int | None = None) -> None:
        """A call of a known function with constant arguments must have a real value.

        The call was written from token ``first`` (its name) to token ``last`` (its ')');
        √x and ∛x, without a ``last``, have no text to show.
        """
        entry = FUNCTIONS[node.name]
        if entry.abstract:
            return
        infos = [self.of(a) for a in node.args]
        if all(i is not None for i in infos):
            if self._nowhere(entry, infos):  # type: ignore[arg-type]
                start, end = self._span(first, last)
                shown = self.parser.text[start:end] if end > start + 1 else node.pretty()
                self.error(f"{shown} is undefined: it is not a real number", first,
                           max(end - start, 1), hint=self._domain_hint(entry))
            return
        # Some arguments constant, others not: log(x, 1) is undefined whatever x is.
        if not any(i is not None and i[0] is not None for i in infos):
            return
        fixed: list[float | None] = []
        for i in infos:
            if i is None:
                fixed.append(None)
                continue
            exact, near = i
            if exact is None or near is None or Fraction(near) != exact:
                return  # only exactly known constants are tried against every sample
            fixed.append(near)
        for sample in _SAMPLES:
            try:
                entry.numeric(*[sample if v is None else v for v in fixed])
            except _UNDEFINED:
                continue
            except (ArithmeticError, TypeError):
                return
            return
        names = sorted({name for a, i in zip(node.args, infos) if i is None
                        for name in a.free_symbols})
        start, end = self._span(first, last)
        shown = self.parser.text[start:end]
        self.error(f"{shown} is undefined for every value of {', '.join(names)}", first,
                   max(end - start, 1), hint=self._domain_hint(entry))

    def _span(self, first: int, last: int | None) -> tuple[int, int]:
        located = self.parser.located
        start = located[first][1]
        return start, start if last is None else located[last][2]

    @staticmethod
    def _domain_hint(entry: FunctionEntry) -> str:
        note = entry.domain_note
        return f"{entry.name}: {note}" if note else ""

    @staticmethod
    def _nowhere(entry: FunctionEntry, infos: list[Info]) -> bool:
        """Whether the function has no real value at these constant arguments (and, for an
        argument known only approximately, at its neighbours either)."""
        if any(near is None for _, near in infos):
            return False
        centre: list[float] = [near for _, near in infos]  # type: ignore[misc]
        tries = [centre]
        if not all(exact is not None and Fraction(near) == exact  # type: ignore[arg-type]
                   for exact, near in infos):
            def nudged(direction: float) -> list[float]:
                out = []
                for exact, near in infos:
                    assert near is not None
                    if exact is not None and Fraction(near) == exact:
                        out.append(near)
                    elif exact is not None:
                        out.append(math.nextafter(near, direction))
                    else:
                        out.append(near + math.copysign(1e-9 * abs(near) + 1e-12, direction))
                return out
            tries += [nudged(math.inf), nudged(-math.inf)]
        for values in tries:
            try:
                entry.numeric(*values)
            except _UNDEFINED:
                continue
            except (ArithmeticError, TypeError):
                return False
            return False
        return True


def _arity_text(entry: FunctionEntry) -> str:
    """``1 argument``, ``2 arguments``, ``1 or 2 arguments``."""
    counts = " or ".join(str(n) for n in entry.arities)
    return f"{counts} argument{'s' if max(entry.arities) > 1 else ''}"


def _join_or(items: Sequence[str]) -> str:
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]
