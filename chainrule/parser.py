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

Every mistake raises :class:`~chainrule.errors.ParseError` with the 0-based position, what
was expected there and, where we can guess, a hint.
"""

from __future__ import annotations

import difflib
import keyword
from collections.abc import Sequence
from typing import Any, NoReturn

from chainrule._lexer import Token, tokenize
from chainrule.errors import ParseError
from chainrule.expr import Add, Const, Div, Expr, Func, Mul, Neg, Num, Pow, Symbol
from chainrule.functions import FUNCTIONS, FunctionEntry, function_names, lookup

__all__ = ["MAX_LENGTH", "MAX_NESTING", "parse"]

MAX_LENGTH = 100_000    # characters of input
MAX_NESTING = 20_000    # open parentheses, calls, pending unary operators and powers
_MAX_FOLD_BITS = 6700   # about 2000 decimal digits: what the largest literal can reach

# Named precedence levels, loosest first.
_PREC_GROUP = 0         # '(' and calls: reductions stop here
_PREC_ADD = 10          # binary + -
_PREC_NEG = 20          # unary minus at the start of a term: -a*b is -(a*b)
_PREC_MUL = 30          # * / and implicit multiplication
_PREC_PREFIX = 40       # unary minus after * / ^ or another unary, and √ ∛: a*-b*c, 2^-x*y
_PREC_POW = 50          # ^ ** (right-associative); superscripts and calls bind tighter still

# Frames on the operator stack are small lists, [kind, position, payload...]:
#   [_GROUP, pos]                  [_CALL, pos of '(', pos of name, name as written,
#   [_ADD, pos, terms, negate next]         FunctionEntry, order, power or None, args]
#   [_MUL, pos, factors]           [_DIV, pos, numerator]      [_POW, pos, base]
#   [_NEG, pos]  [_PREFIX_NEG, pos]  [_ROOT, pos, "sqrt" or "cbrt"]
# The chains (_ADD, _MUL, _DIV) do not deepen the nesting; every other frame counts
# toward MAX_NESTING.
_GROUP, _CALL, _ADD, _NEG, _MUL, _DIV, _PREFIX_NEG, _ROOT, _POW = range(9)
_PREC = (_PREC_GROUP, _PREC_GROUP, _PREC_ADD, _PREC_NEG, _PREC_MUL, _PREC_MUL,
         _PREC_PREFIX, _PREC_PREFIX, _PREC_POW)

_OPERAND = ("a number", "a name", "'('")
_CONSTANTS = {"pi": Const("pi"), "e": Const("e"), "E": Const("e")}
_NONFINITE = frozenset({"nan", "inf", "infinity"})
_PRIME_HINT = "a prime marks the derivative of f, g or h, as in f'(x); quotes are not allowed"


def parse(text: str) -> Expr:
    """Parse ``text`` into an expression tree; raise :class:`ParseError` if it is not one.

        >>> parse("-x^2") is Neg(Pow(Symbol("x"), Num(2)))
        True
    """
    if not isinstance(text, str):
        raise TypeError(f"parse() needs a str, not {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise ParseError(f"expression too long ({len(text)} characters; the limit is "
                         f"{MAX_LENGTH})", text, MAX_LENGTH)
    return _Parser(text).run()


class _Parser:
    """One parse: the token list, the operator stack and the nesting count."""

    def __init__(self, text: str) -> None:
        self.text = text
        tokens = tokenize(text)
        # Padding with copies of the last token ("end" or "err") makes lookahead safe.
        tokens.extend([tokens[-1]] * 4)
        self.tokens = tokens
        self.nesting = 0
        # What each name means, worked out once per parse: (Symbol or Const, whether a
        # '(' may follow it, meaning multiplication) or (FunctionEntry, None).
        self.names: dict[str, tuple[Any, bool | None]] = {}

    # ── the main loop ────────────────────────────────────────────────────────
    def run(self) -> Expr:
        tokens = self.tokens
        if tokens[0][0] == "end":
            raise ParseError("empty expression", self.text, 0, expected=_OPERAND)
        ops: list[list[Any]] = []
        cur: Expr | None = None   # the operand just read; None while one is expected
        tight = False             # whether a unary minus here binds tighter than *
        i = 0
        while True:
            tok = tokens[i]
            kind = tok[0]
            if cur is None:                        # ── expecting an operand
                if kind == "num":
                    cur = tok[3][0]
                    i += 1
                elif kind == "name":
                    cur, i = self._name(i, ops)
                    tight = False
                elif kind == "greek":
                    cur = self._greek(i)
                    i += 1
                elif kind == "(":
                    self._push(ops, [_GROUP, tok[1]], tok)
                    tight = False
                    i += 1
                elif kind == "-":
                    self._push(ops, [_PREFIX_NEG if tight else _NEG, tok[1]], tok)
                    tight = True
                    i += 1
                elif kind == "+":                  # unary plus changes nothing
                    i += 1
                elif kind == "√" or kind == "∛":
                    self._push(ops, [_ROOT, tok[1], "sqrt" if kind == "√" else "cbrt"], tok)
                    tight = True
                    i += 1
                else:
                    self._no_operand(i, ops)
            elif kind == "+" or kind == "-":       # ── expecting an operator
                cur = self._reduce(ops, cur, _PREC_ADD)
                top = ops[-1] if ops else None
                if top is not None and top[0] == _ADD:
                    top[2].append(Neg(cur) if top[3] else cur)
                    top[3] = kind == "-"
                else:
                    ops.append([_ADD, tok[1], [cur], kind == "-"])
                cur = None
                tight = False
                i += 1
            elif kind == "*":
                self._multiply(ops, cur, tok[1])
                cur = None
                tight = True
                i += 1
            elif kind == "/":
                self._slash(ops, cur, tok[1])
                cur = None
                tight = True
                i += 1
            elif kind == "^":
                self._push(ops, [_POW, tok[1], cur], tok)
                cur = None
                tight = True
                i += 1
            elif kind == "sup":
                cur = Pow(cur, Num(tok[3]))
                i += 1
            elif kind == ")":
                cur = self._close(tok, ops, cur)
                i += 1
            elif kind == ",":
                self._comma(tok, ops, cur)
                cur = None
                tight = False
                i += 1
            elif kind == "end":
                return self._finish(ops, cur)
            elif kind == "name" or kind == "(" or kind == "greek" or kind == "√" or kind == "∛":
                # Implicit multiplication: 2x, x y, (x+1)(x-1), 2√x. The token is read
                # again, as an operand, on the next turn.
                self._multiply(ops, cur, tok[1])
                cur = None
            else:
                self._no_operator(i)

    # ── operator stack ───────────────────────────────────────────────────────
    def _push(self, ops: list[list[Any]], frame: list[Any], tok: Token) -> None:
        ops.append(frame)
        self.nesting += 1
        if self.nesting > MAX_NESTING:
            raise ParseError(f"nesting too deep: more than {MAX_NESTING} levels", self.text,
                             tok[1], hint="split the expression into smaller parts")

    def _reduce(self, ops: list[list[Any]], cur: Expr, prec: int) -> Expr:
        """Apply the pending operators that bind tighter than ``prec`` to ``cur``."""
        while ops:
            frame = ops[-1]
            kind = frame[0]
            if _PREC[kind] <= prec:
                break
            ops.pop()
            if kind == _MUL:
                frame[2].append(cur)
                cur = Mul(tuple(frame[2]))
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
                cur = Pow(frame[2], cur)
            elif kind == _ROOT:
                cur = Func(frame[2], (cur,))
            else:                                  # _NEG or _PREFIX_NEG
                cur = Neg(cur)
        return cur

    def _multiply(self, ops: list[list[Any]], cur: Expr, position: int) -> None:
        cur = self._reduce(ops, cur, _PREC_MUL)
        top = ops[-1] if ops else None
        if top is not None:
            if top[0] == _MUL:
                top[2].append(cur)
                return
            if top[0] == _DIV:                     # a*b/c*d: the quotient starts a new chain
                ops.pop()
                cur = self._divide(top, cur)
        ops.append([_MUL, position, [cur]])

    def _slash(self, ops: list[list[Any]], cur: Expr, position: int) -> None:
        cur = self._reduce(ops, cur, _PREC_MUL)
        top = ops[-1] if ops else None
        if top is not None:
            if top[0] == _MUL:
                ops.pop()
                top[2].append(cur)
                cur = Mul(tuple(top[2]))
            elif top[0] == _DIV:
                ops.pop()
                cur = self._divide(top, cur)
        ops.append([_DIV, position, cur])

    def _divide(self, frame: list[Any], den: Expr) -> Expr:
        num = frame[2]
        if type(num) is not Num or type(den) is not Num:
            return Div(num, den)
        # A quotient of two numbers is the rational number it names: 1/2 is Num(1/2).
        if den.value == 0:
            raise ParseError("division by zero", self.text, frame[1])
        value = num.value / den.value
        if max(value.numerator.bit_length(), value.denominator.bit_length()) > _MAX_FOLD_BITS:
            raise ParseError("number too large", self.text, frame[1],
                             hint="a quotient of numbers may have about 2000 digits at most")
        return Num(value)

    def _close(self, tok: Token, ops: list[list[Any]], cur: Expr) -> Expr:
        cur = self._reduce(ops, cur, _PREC_GROUP)
        if not ops:
            raise ParseError("unmatched ')'", self.text, tok[1],
                             hint="remove it, or add the missing '(' before it")
        frame = ops.pop()
        self.nesting -= 1
        if frame[0] == _GROUP:
            return cur
        frame[7].append(cur)
        return self._call(frame)

    def _comma(self, tok: Token, ops: list[list[Any]], cur: Expr) -> None:
        cur = self._reduce(ops, cur, _PREC_GROUP)
        if ops and ops[-1][0] == _CALL:
            ops[-1][7].append(cur)
            return
        raise ParseError("unexpected ','", self.text, tok[1],
                         hint="commas only separate the arguments of a function, as in log(x, 2)")

    def _finish(self, ops: list[list[Any]], cur: Expr) -> Expr:
        cur = self._reduce(ops, cur, _PREC_GROUP)
        if ops:                                    # the innermost unclosed '('
            raise ParseError("'(' is never closed", self.text, ops[-1][1], expected=("')'",),
                             hint="add the missing ')'")
        return cur

    # ── names and calls ──────────────────────────────────────────────────────
    def _name(self, i: int, ops: list[list[Any]]) -> tuple[Expr | None, int]:
        """The operand a name starts, or None after pushing a call frame; the next index."""
        tokens = self.tokens
        tok = tokens[i]
        name = tok[3]
        meaning = self.names.get(name)
        if meaning is None:
            meaning = self.names[name] = self._classify(tok)
        value, multiplies = meaning
        if multiplies is None:
            return self._function(i, value, ops)
        nxt = tokens[i + 1][0]
        if nxt == "(" and not multiplies:
            self._unknown_function(tok)
        if nxt == "'":
            self._misplaced_prime(tokens[i + 1])
        return value, i + 1

    def _classify(self, tok: Token) -> tuple[Any, bool | None]:
        name = tok[3]
        self._check_reserved(tok)
        entry = lookup(name)
        if entry is not None:
            return entry, None
        constant = _CONSTANTS.get(name)
        if constant is not None:                   # pi(x+1) and e(x) multiply
            return constant, True
        # A single letter before '(' multiplies: x(x+1). A longer name is a typo'd call.
        return Symbol(name), len(name) == 1

    def _greek(self, i: int) -> Expr:
        name = self.tokens[i][3]
        if self.tokens[i + 1][0] == "'":
            self._misplaced_prime(self.tokens[i + 1])
        constant = _CONSTANTS.get(name)
        return constant if constant is not None else Symbol(name)

    def _misplaced_prime(self, tok: Token) -> NoReturn:
        raise ParseError("unexpected \"'\"", self.text, tok[1], hint=_PRIME_HINT)

    def _check_reserved(self, tok: Token) -> None:
        name = tok[3]
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
        raise ParseError(message, self.text, tok[1], hint=hint, length=tok[2] - tok[1])

    def _unknown_function(self, tok: Token) -> NoReturn:
        name = tok[3]
        candidates = [n for n in function_names() if len(n) > 1]
        matches = difflib.get_close_matches(name.lower(), candidates, n=3)
        multiply = f"write {name}*(…) to multiply"
        hint = f"did you mean {_join_or(matches)}? Or {multiply}" if matches else multiply
        raise ParseError(f"unknown function '{name}'", self.text, tok[1], hint=hint,
                         length=tok[2] - tok[1])

    def _function(self, i: int, entry: FunctionEntry, ops: list[list[Any]]
                  ) -> tuple[Expr | None, int]:
        """A call of a known function: ``sin(x)``, ``f'(x)``, ``sin^2(x)``, ``sin²(x)``.

        ``f``, ``g`` and ``h`` without a call after them are plain symbols.
        """
        tokens = self.tokens
        tok = tokens[i]
        written = tok[3]
        j = i + 1
        order = 0
        while tokens[j][0] == "'":
            order += 1
            j += 1
        if order and not entry.abstract:
            raise ParseError("only the abstract functions f, g and h take primes", self.text,
                             tokens[i + 1][1], length=order,
                             hint=f"write {written}(x) and differentiate it with chainrule.diff")
        power = None
        if not order and tokens[j][0] in ("^", "sup"):
            power, after = self._function_power(j, entry, written)
            if power is not None:
                j = after
        t = tokens[j]
        if t[0] == "(":
            frame = [_CALL, t[1], tok[1], written, entry, order, power, []]
            self._push(ops, frame, t)
            return None, j + 1
        if entry.abstract and not order:
            return Symbol(written), i + 1
        self._missing_parenthesis(t, written + "'" * order)

    def _function_power(self, j: int, entry: FunctionEntry, written: str
                        ) -> tuple[int | None, int]:
        """``sin^2(`` and ``sin²(``: the power and the index of the '('.

        None when the power is not of that form and ``entry`` is abstract (``g^2`` is the
        symbol g squared); an error for any other function.
        """
        tokens = self.tokens
        t = tokens[j]
        if t[0] == "sup":
            value: int | None = t[3]
            after = j + 1
            exponent = t
        else:
            k = j + 1
            negative = tokens[k][0] == "-"
            exponent = tokens[k + 1] if negative else tokens[k]
            value = None
            if exponent[0] == "num" and exponent[3][1]:
                value = int(exponent[3][0].value) * (-1 if negative else 1)
            after = (k + 2) if negative else (k + 1)
        called = tokens[after][0] == "("
        if value is not None and value > 0 and called:
            return value, after
        if value is not None and value < 0 and (called or not entry.abstract):
            self._negative_function_power(t, tokens[after - 1], after, entry, written, value)
        if entry.abstract:
            return None, j
        if value is not None and value > 0:
            self._missing_parenthesis(tokens[after], f"{written}^{value}")
        if exponent[0] in ("num", "name", "(", "sup"):
            shown = ("^(…)" if exponent[0] == "(" else
                     ("" if exponent[0] == "sup" else "^") + self._token_text(exponent))
            raise ParseError(f"only a positive whole number can raise {written} before its "
                             "argument", self.text, exponent[1], length=exponent[2] - exponent[1],
                             hint=f"put other powers after the call, as in {written}(x){shown}")
        self._missing_parenthesis(t, written)

    def _negative_function_power(self, start: Token, end: Token, paren: int,
                                 entry: FunctionEntry, written: str, value: int) -> NoReturn:
        tokens = self.tokens
        arg = "x"
        inner = tokens[paren + 1]
        if tokens[paren][0] == "(" and inner[0] in ("name", "num") and tokens[paren + 2][0] == ")":
            arg = self.text[inner[1]:inner[2]]
        if value == -1:
            hint = f"write 1/{written}({arg}) for the reciprocal"
            inverse = FUNCTIONS.get("a" + entry.name)
            if inverse is not None:
                hint = f"write {inverse.name}({arg}) for the inverse function or 1/{written}({arg}) for the reciprocal"
        else:
            hint = f"write 1/{written}({arg})^{-value} for the reciprocal power"
        shown = written + self.text[start[1]:end[2]]
        raise ParseError(f"a function name cannot take a negative power: {shown}",
                         self.text, start[1], length=end[2] - start[1], hint=hint)

    def _missing_parenthesis(self, t: Token, written: str) -> NoReturn:
        if t[0] == "err":
            raise t[3]
        if t[0] in ("name", "num"):
            hint = f"write {written}({self.text[t[1]:t[2]]})"
        else:
            hint = f"write {written}(x), with the argument in parentheses"
        raise ParseError(f"{written} needs parentheses around its argument", self.text, t[1],
                         expected=("'('",), hint=hint)

    def _call(self, frame: list[Any]) -> Expr:
        _, _, start, written, entry, order, power, args = frame
        if len(args) not in entry.arities:
            raise ParseError(f"{written} takes {_arity_text(entry)}, got {len(args)}", self.text,
                             start, length=len(written))
        value = Func(entry.name, tuple(args), order)
        return value if power is None else Pow(value, Num(power))

    # ── what was expected ────────────────────────────────────────────────────
    def _token_text(self, tok: Token) -> str:
        return self.text[tok[1]:tok[2]]

    def _no_operand(self, i: int, ops: list[list[Any]]) -> NoReturn:
        tokens = self.tokens
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
        tokens = self.tokens
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


def _arity_text(entry: FunctionEntry) -> str:
    """``1 argument``, ``2 arguments``, ``1 or 2 arguments``."""
    counts = " or ".join(str(n) for n in entry.arities)
    return f"{counts} argument{'s' if max(entry.arities) > 1 else ''}"


def _join_or(items: Sequence[str]) -> str:
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]
