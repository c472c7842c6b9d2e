"""Everyday notation, read before the parser proper: what learners type, and what it was
read as.

Two passes, both keeping every position of the text (so every caret still points at what
was typed):

- :func:`question` takes the question off the text: a leading ``d/dx``, ``d/dt [ … ]``,
  ``∂/∂w1``, ``(d/dx)`` or ``derivative of``, and a left-hand side ``y =``, ``f(x) =``,
  ``J(w1, w2) =``; what it takes is blanked out with spaces.
- :func:`rewrite` rewrites the tokens: a name glued together from known names
  (``sinx``, ``xsinx``, ``2πft``) becomes its pieces, a function written without
  parentheses gets them (``sin x`` is sin(x), ``sin 2x`` is sin(2x)), and ``sin^-1`` is
  the inverse function asin.

Every choice that was not written explicitly becomes a note of the :class:`Reading`, which
every document shows ("read as: sin(x)·cos(x)"). Where no convention decides, the text is
refused with both readings and how to write each.

The rule for where a juxtaposed argument ends: the argument of ``sin x`` is the product of
factors written next to each other without an operator (numbers, names, groups, each with
its powers); it ends at an explicit operator (``+ - * /``), a ``)`` or ``,``, or the name of
another function. So ``sin x^2`` is sin(x²), ``sin 2x + 1`` is sin(2x) + 1, ``sin x cos x``
is sin(x)·cos(x) and ``sin x y`` is sin(x·y), as in textbooks ("sin xy").
"""

from __future__ import annotations

import keyword
import re
from dataclasses import dataclass
from typing import Any, NoReturn

from chainrule._lexer import GREEK, Token, tokenize
from chainrule.errors import ParseError
from chainrule.functions import FUNCTIONS, function_names, lookup

__all__ = ["Question", "Reading", "question", "rewrite", "needs_rewrite", "WORD_NAMES",
           "ENGLISH_NAMES", "unknown_function_hint"]

# Names kept whole although they are made of letters: the Greek letters spelled out.
WORD_NAMES = frozenset({
    "alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa",
    "lam", "mu", "nu", "xi", "omicron", "rho", "sigma", "tau", "upsilon", "phi", "chi",
    "psi", "omega",
})
# English names of functions: never split (sine would be sin(e)), suggested instead.
ENGLISH_NAMES = {
    "sine": "sin", "cosine": "cos", "tangent": "tan", "secant": "sec", "cosecant": "csc",
    "cotangent": "cot", "logarithm": "log", "exponential": "exp", "root": "sqrt",
    "arcsine": "asin", "arccosine": "acos", "arctangent": "atan", "absolute": "abs",
    # the names other countries' textbooks use
    "tg": "tan", "ctg": "cot", "sen": "sin", "arctg": "atan", "arcctg": "acot",
    "cosec": "csc", "cotan": "cot",
}
_CONSTANT_NAMES = frozenset({"pi", "e", "E"})
_LETTERS_ONLY = re.compile(r"[A-Za-z]+\Z")
_LONGEST_TEXT = 1000    # characters of the reading written out in full
_MAX_NOTES = 12         # notes kept for one text; then "and more"
_SHOWN_TOKENS = 40      # a juxtaposed call longer than this is noted as sin(…)
_VARIABLE_LETTERS = frozenset("xyzt")   # a glued product names one of the variables
_MAX_LETTER_RUN = 3      # an unknown name of 2 or 3 letters is a product of single letters


@dataclass(frozen=True)
class Question:
    """What the text said besides the expression: ``d/dx`` (the variable), ``f(x) =`` (the
    function's name and variables)."""

    variable: str | None = None
    name: str | None = None
    params: tuple[str, ...] = ()
    written: str = ""          # the question as written, "d/dx", "f(x) ="
    derivative: bool = False   # dy/dx = 2x, y' = 2x: the text is a derivative (an answer)


@dataclass(frozen=True)
class Reading:
    """How a text was read: the expression as read (``text``, Python-like with ``·`` for
    the products the text left implicit), one note per choice, and the question."""

    text: str = ""
    notes: tuple[str, ...] = ()
    question: Question = Question()
    glued: tuple[tuple[str, str], ...] = ()    # (name as written, how it was read)

    @property
    def chose(self) -> bool:
        """Whether the parser made a choice the text did not write out."""
        return bool(self.notes)


# ── the question ──────────────────────────────────────────────────────────────
_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_GREEK_CHARS = "".join(GREEK)
_GREEK_NAMES = "|".join(sorted(("alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta",
                                  "theta", "kappa", "lam", "mu", "nu", "xi", "rho", "sigma",
                                  "tau", "phi", "chi", "psi", "omega"), key=len, reverse=True))
# The variable of d/dx: a Greek name, a letter with digits (w1, x_2), or one letter, so that
# d/dxsin(x) is d/dx of sin(x).
_VAR = rf"(?:(?:{_GREEK_NAMES})(?![A-Za-z])|[A-Za-z][0-9_][A-Za-z0-9_]*|[A-Za-z]|[{_GREEK_CHARS}])"
_D_PREFIX = re.compile(
    rf"\s*(?P<open>\(\s*)?(?P<d>d|∂)\s*/\s*(?:d|∂)\s*(?P<var>{_VAR})\s*(?(open)\)|)")
_DERIVATIVE_LHS = re.compile(
    rf"\s*(?:d\s*(?P<n1>{_NAME})\s*/\s*d\s*(?P<v1>{_VAR})"
    rf"|(?P<n2>[A-Za-z])\s*['′]+\s*(?:\(\s*(?P<v2>{_VAR})\s*\))?)\s*\Z")
_LEIBNIZ = re.compile(
    rf"\s*(?:d|∂)\s*(?P<open>\()(?P<body>.*)(?P<close>\))\s*/\s*(?:d|∂)\s*(?P<var>{_VAR})\s*\Z",
    re.DOTALL)
_OF = re.compile(r"\s*of(?=[\s(\[]|\Z)")
_WORDS = re.compile(
    r"\s*(?:(?:find|compute|what\s+is)\s+)?(?:the\s+)?"
    r"(?:derivative|differentiate)(?:\s+of)?(?=[\s(])", re.IGNORECASE)
_WRT_TAIL = re.compile(rf"\s+(?:with\s+respect\s+to|wrt)\s+(?P<var>{_VAR})\s*\Z", re.IGNORECASE)
_LHS = re.compile(
    rf"\s*(?P<name>{_NAME})\s*(?:\(\s*(?P<params>{_NAME}(?:\s*,\s*{_NAME})*)\s*\))?\s*\Z")


def _blank(text: str, start: int, end: int) -> str:
    return text[:start] + " " * (end - start) + text[end:]


def _var_name(written: str) -> str:
    return GREEK.get(written, written)


def question(text: str) -> tuple[str, Question]:
    """``text`` with the question blanked out, and the question.

        >>> text, asked = question("d/dx sin(x)")
        >>> text, asked.variable, asked.written
        ('     sin(x)', 'x', 'd/dx')
    """
    variable = name = None
    params: tuple[str, ...] = ()
    written: list[str] = []
    # An equation: the left-hand side names the function, or it is implicit.
    if text.count("=") == 1:       # (x == 1 is left to the tokenizer's message)
        eq = text.index("=")
        given = _DERIVATIVE_LHS.match(text[:eq])
        if given is not None and text[eq + 1:].strip():   # dy/dx = 2x: an answer
            lhs_text = text[:eq].strip()
            return _blank(text, 0, eq + 1), Question(
                variable=_var_name(given["v1"] or given["v2"]) if (given["v1"] or given["v2"])
                else None, name=given["n1"] or given["n2"], written=lhs_text + " =",
                derivative=True)
        lhs = _LHS.match(text[:eq])
        if lhs is None and tokenize(text[:eq])[-1][0] == "err":
            return text, Question()    # a := 1, x <= 1: the tokenizer says what is wrong
        if lhs is None or _is_function(lhs["name"]):    # x^2 + y^2 = 1, sin(x) = x
            _refuse_equation(text, eq)
        name = lhs["name"]
        if lhs["params"]:
            params = tuple(p.strip() for p in lhs["params"].split(","))
        written.append(text[:eq].strip() + " =")
        text = _blank(text, 0, eq + 1)
        if not text.strip():
            raise ParseError("nothing after '='", text, eq + 1, expected=("an expression",),
                             hint=f"write the function after the '=', as in {name} = x^2")
    # A leading d/dx or "derivative of".
    words = _WORDS.match(text)
    if words is not None:
        written.append(words.group().strip())
        text = _blank(text, 0, words.end())
        tail = _WRT_TAIL.search(text)
        if tail is not None:
            variable = _var_name(tail["var"])
            written.append(tail.group().strip())
            text = _blank(text, tail.start(), len(text))
    d = _D_PREFIX.match(text)
    leibniz = _LEIBNIZ.match(text) if d is None else None
    if leibniz is not None and _closes_at(text, leibniz.end("open") - 1, leibniz.start("close")):
        # d(x^2)/dx: the derivative of the group
        variable = _var_name(leibniz["var"])
        written.append(f"d(…)/d{leibniz['var']}")
        text = _blank(_blank(text, leibniz.start("close"), len(text)), 0, leibniz.end("open"))
    elif d is not None and text[d.end():].strip():
        variable = _var_name(d["var"])
        written.append(d.group().strip())
        text = _blank(text, d.start(), d.end())
        of = _OF.match(text)                      # d/dx of sin x
        if of is not None:
            if not text[of.end():].strip():
                raise ParseError(f"nothing to differentiate after {d.group().strip()} of",
                                 text, len(text), expected=("an expression",))
            text = _blank(text, 0, of.end())
        stripped = text.strip()
        if stripped.startswith("[") and stripped.endswith("]"):
            first, last = text.index("["), text.rindex("]")
            text = _blank(_blank(text, first, first + 1), last, last + 1)
    elif d is not None:
        raise ParseError(f"nothing to differentiate after {d.group().strip()}", text,
                         len(text), expected=("an expression",),
                         hint=f"write the expression after it, as in {d.group().strip()} x^2")
    return text, Question(variable, name, params, " ".join(written))


def _closes_at(text: str, open_at: int, close_at: int) -> bool:
    """Whether the '(' at ``open_at`` is closed by the ')' at ``close_at``."""
    depth = 0
    for k in range(open_at, close_at + 1):
        depth += (text[k] == "(") - (text[k] == ")")
        if depth == 0:
            return k == close_at
    return False


def _refuse_equation(text: str, eq: int) -> NoReturn:
    raise ParseError("this is an equation in which both sides depend on the variables: "
                     "implicit differentiation is not supported yet", text, eq,
                     hint="write y = … or f(x) = … with the function on the right, or the "
                          "expression alone")


def implicit_check(question_: Question, symbols: frozenset[str], text: str) -> None:
    """``y = x*y + 1``: the name of the function appears on the right too; ``x = 1``: no
    function at all."""
    if not symbols and not question_.params:
        eq = text.index("=")
        raise ParseError("unexpected character '='", text, eq,
                         hint=f"{text.strip()} is not an equation chainrule differentiates: "
                              "write a function such as y = x^2, or give a point with --at")
    if question_.name is not None and not question_.params and question_.name in symbols:
        raise ParseError(f"{question_.name} appears on both sides of the equation: implicit "
                         "differentiation is not supported yet", text, text.index("="),
                         hint=f"write {question_.name} = … with {question_.name} on the left only")


# ── the tokens ────────────────────────────────────────────────────────────────
def _function_pieces() -> list[str]:
    """Names a glued name may be split into, longest first (sinh before sin)."""
    names = [n for n in function_names() if len(n) > 1 and not FUNCTIONS[lookup(n).name].abstract]  # type: ignore[union-attr]
    return sorted(names, key=len, reverse=True)


_RESERVED = frozenset({"oo", "nan", "inf", "infinity", "I"})


def _known(name: str) -> bool:
    """A name read whole: a function, a constant, a Greek letter, a name with digits or
    underscores, one letter, or a name the parser refuses with its own message."""
    return (lookup(name) is not None or name in _CONSTANT_NAMES or name in WORD_NAMES
            or not _LETTERS_ONLY.match(name) or len(name) == 1 or name in ENGLISH_NAMES
            or keyword.iskeyword(name) or name.lower() in _RESERVED)


def _is_function(name: str) -> bool:
    entry = lookup(name)
    return entry is not None and not entry.abstract


def needs_rewrite(pairs: list[tuple[str, Any]]) -> bool:
    """Whether :func:`rewrite` has anything to do: an unknown glued name, a function
    without its parenthesis, or ``sin^-1``."""
    for k, (kind, value) in enumerate(pairs):
        if kind == "^" and (pairs[k + 1][0] == "num" or (pairs[k + 1][0] == "-"
                            and pairs[k + 2][0] == "num")):
            return True                           # e^2x, x^-2y: maybe glued, said if it is
        if kind != "name":
            continue
        if _is_function(value):
            if pairs[k + 1][0] != "(":
                return True
        elif (not _known(value) or _glued_digits(value) is not None or value in ENGLISH_NAMES
              or _LOG_BASE.match(value.lower())):
            return True
    return False


_GLUED_DIGITS = re.compile(r"([A-Za-z]+?)([0-9]+)([A-Za-z]*)\Z")


def _glued_digits(name: str) -> tuple[str, str, str] | None:
    """``sin2x`` → (sin, 2, x): a function name glued to a number (w1 and x2 are names)."""
    m = _GLUED_DIGITS.match(name)
    if m is None or not _is_function(m[1]) or not m[3]:
        return None
    return m[1], m[2], m[3]


def _split_letters(name: str, functions: list[str]) -> list[str] | None:
    """The pieces of a glued name, known function names first: ``xsinx`` → x, sin, x."""
    pieces: list[str] = []
    i = 0
    while i < len(name):
        for f in functions:
            if name.startswith(f, i):
                pieces.append(f)
                i += len(f)
                break
        else:
            if name.startswith("pi", i):
                pieces.append("pi")
                i += 2
            else:
                pieces.append(name[i])
                i += 1
    return pieces


class _Rewriter:
    def __init__(self, text: str, tokens: list[Token]) -> None:
        self.text = text
        self.tokens = tokens
        self.notes: list[str] = []
        self.functions = _function_pieces()
        self.glued: list[tuple[int, int]] = []   # the spans of the names split in pass 1
        self.names: list[tuple[str, str]] = []    # those names, and how each was read
        self.closing: dict[int, int] = {}

    # ── pass 1: glued names ─────────────────────────────────────────────────────
    def split(self) -> list[Token]:
        out: list[Token] = []
        toks = self.tokens
        for k, tok in enumerate(toks):
            if tok[0] == "name" and _LOG_BASE.match(tok[3].lower()) and toks[k + 1][0] != "(":
                nxt = toks[k + 1]
                arg = (self.text[nxt[1]:nxt[2]] if nxt[0] in ("name", "num", "greek")
                       else "…")
                raise ParseError(f"unknown function '{tok[3]}'", self.text, tok[1],
                                 length=tok[2] - tok[1], hint=unknown_function_hint(
                                     tok[3], frozenset()).replace("(x", f"({arg}"))
            if tok[0] == "name" and tok[3] in ENGLISH_NAMES:
                raise ParseError(f"unknown function '{tok[3]}'", self.text, tok[1],
                                 length=tok[2] - tok[1],
                                 hint=f"did you mean {ENGLISH_NAMES[tok[3]]}?")
            if tok[0] != "name" or (_known(tok[3]) and _glued_digits(tok[3]) is None):
                out.append(tok)
                continue
            name, start = tok[3], tok[1]
            if (k and toks[k - 1][0] == "/" and len(name) == 2 and name[0] == "d"
                    and name[1] in _VARIABLE_LETTERS):
                raise ParseError(f"'/{name}' would divide by d·{name[1]}", self.text,
                                 toks[k - 1][1], length=tok[2] - toks[k - 1][1],
                                 hint=f"for a derivative, write d/d{name[1]} at the start "
                                      f"(d/d{name[1]} (…)) or d(…)/d{name[1]} alone; for the "
                                      f"quotient write /(d*{name[1]})")
            pieces = self._pieces(tok, toks[k + 1][0])
            if pieces is None:
                out.append(tok)
                continue
            at = start
            for piece in pieces:
                if piece.isdigit():
                    out.append(("num", at, at + len(piece), (_num(piece), True)))
                else:
                    out.append(("name", at, at + len(piece), piece))
                at += len(piece)
            self.glued.append((tok[1], tok[2]))
            has_function = any(_is_function(p) for p in pieces)
            why = ("a function name written together with its argument" if has_function
                   else "letters written together multiply")
            shown = _show(pieces)
            self.names.append((name, shown))
            if len(name) > _SHOWN_TOKENS:
                self.note(f"{name[:_SHOWN_TOKENS // 2]}… ({len(name):,} letters) is "
                          f"{len(pieces):,} pieces: {why}")
            else:
                self.note(f"{name} is {shown}: {why}")
        return out

    def _pieces(self, tok: Token, after: str) -> list[str] | None:
        name = tok[3]
        digits = _glued_digits(name)
        if digits is not None:
            f, number, rest = digits
            if lookup(f).name == "log":  # type: ignore[union-attr]
                raise ParseError(f"'{name}' could be log({number}{rest}) or the logarithm to "
                                 f"base {number} of {rest}", self.text, tok[1],
                                 length=tok[2] - tok[1],
                                 hint=f"write log({number}{rest}) or log({rest}, {number})")
            tail = _split_letters(rest, self.functions) or []
            return [f, number, *tail]
        pieces = _split_letters(name, self.functions)
        assert pieces is not None
        functions = [p for p in pieces if _is_function(p)]
        if not functions:
            if after == "(" or (len(name) > _MAX_LETTER_RUN and "pi" not in pieces):
                return None             # loss, bias, rate: a name; sqr(x): a typo
            if "pi" not in pieces and (not set(name) & _VARIABLE_LETTERS
                                       or len(set(name)) < len(name)):
                return None             # sum, lr, zoo: a word, not a product
            return pieces
        if after == "(" and not _is_function(pieces[-1]):
            return None                 # cosine(x), logits(x): an unknown function
        # A function must have an argument after it: within the name, or next.
        # logits would be log(i·t·s): a word more likely than a product; refuse.
        # logits would be log(i·t·s), distance d·i·s·tan(c·e): three letters or more
        # glued together make a word, and the word is the name.
        run = 0
        for p in pieces:
            run = run + 1 if len(p) == 1 else 0
            if run >= _MAX_LETTER_RUN and len(name) > 4:
                self.note(f"{name} is one name, not {_show(pieces)} (write "
                                  f"{_explicit(pieces)} for that)")
                return None
        return pieces

    # ── pass 2: functions without parentheses ──────────────────────────────────
    def apply(self, toks: list[Token]) -> list[Token]:
        """One pass, no recursion: a juxtaposed argument gets its '(' where it starts and
        its ')' is put before the token where it ends (arguments nest, so the ')'s
        waiting at one place close inner arguments first)."""
        self.closing = _matching(toks)
        out: list[Token] = []
        waiting: dict[int, list[tuple[int, Token, Token]]] = {}
        k = 0
        n = len(toks)
        while k < n:
            for start, tok0, _ in reversed(waiting.pop(k, [])):
                close = toks[k - 1][2]
                out.append((")", close, close, None))
                if not any(a <= tok0[1] and close <= b for a, b in self.glued):
                    self._note_call(out, start, tok0, close)
            tok = toks[k]
            if tok[0] != "name" or not _is_function(tok[3]):
                out.append(tok)
                k += 1
                continue
            name_tok = tok
            j = k + 1
            # sin^-1 and sin⁻¹: the inverse function.
            inverse = self._inverse(toks, j, tok[3])
            if inverse is not None:
                name_tok, j = inverse
            start = len(out)
            out.append(name_tok)
            power_end = self._power_suffix(toks, j)
            out.extend(toks[j:power_end])
            j = power_end
            if toks[j][0] != "(" and self._starts_argument(toks[j]):
                end = self._argument_end(toks, j)
                at = toks[j][1]
                out.append(("(", at, at, None))
                waiting.setdefault(end, []).append((start, tok, name_tok))
            k = j
        return out

    def _note_call(self, out: list[Token], start: int, tok: Token, close: int) -> None:
        """"sin 2x is sin(2·x)": a long argument is shown as (…), and a text with many
        such calls gets the first few (a long text is not written out twice)."""
        if len(out) - start > _SHOWN_TOKENS:
            written = self.text[tok[1]:tok[2]] + " …"
            read = f"{out[start][3]}(…)"
        else:
            written = " ".join(self.text[tok[1]:close].split())
            read = _render(out[start:])
        self.note(f"{written} is {read}: a function without parentheses takes the product "
                  "that follows")

    def glued_exponents(self, toks: list[Token]) -> None:
        """``x^2y`` is x²·y, as the rules of precedence say, but the y is glued to the
        exponent: said, with how to write x^(2y). ``e^2x`` and ``e^-2x`` are refused:
        e^(2x) is what is meant as often as e²·x."""
        toks = [*toks, *[toks[-1]] * 3]           # lookahead past the end token
        for k, tok in enumerate(toks[:-3]):
            if tok[0] != "^":
                continue
            n = k + 2 if toks[k + 1][0] == "-" else k + 1
            num, glued = toks[n], toks[n + 1]
            if not (num[0] == "num" and glued[0] in ("name", "greek")
                    and glued[1] == num[2] and glued[2] > glued[1]
                    and not (glued[0] == "name" and _is_function(glued[3]))
                    and not (glued[0] == "name" and glued[3] in _CONSTANT_NAMES
                             and toks[n + 2][0] == "^")):       # x^3e^x: x³·eˣ
                continue
            exponent = self.text[toks[k + 1][1]:num[2]]
            after = self.text[glued[1]:glued[2]]
            base_tok = toks[k - 1] if k else None
            base = (self.text[base_tok[1]:base_tok[2]] if base_tok is not None
                    and base_tok[0] in ("name", "num", "greek") else "(…)")
            if base_tok is not None and base_tok[0] == "name" and base_tok[3] in ("e", "E"):
                raise ParseError(
                    f"{base}^{exponent}{after} could be {base}^({exponent}{after}) or "
                    f"{base}^{exponent}·{after}", self.text, toks[k + 1][1],
                    length=glued[2] - toks[k + 1][1],
                    hint=f"write {base}^({exponent}{after}) or {base}^{exponent}*{after}")
            self.note(f"{base}^{exponent}{after} is {base}^{exponent}·{after}: the power "
                      f"takes only the {exponent}; write {base}^({exponent}{after}) for "
                      f"{base} to the {exponent}{after}")

    def note(self, text: str) -> None:
        if len(self.notes) < _MAX_NOTES:
            self.notes.append(text)
        elif len(self.notes) == _MAX_NOTES:
            self.notes.append("and more read the same way")

    def _inverse(self, toks: list[Token], j: int, name: str) -> tuple[Token, int] | None:
        entry = lookup(name)
        assert entry is not None
        inverse = FUNCTIONS.get("a" + entry.name)
        if inverse is None:
            return None
        if toks[j][0] == "sup" and toks[j][3] == -1:
            end = j + 1
        elif (toks[j][0] == "^" and toks[j + 1][0] == "-" and toks[j + 2][0] == "num"
              and toks[j + 2][3][0].value == 1):
            end = j + 3
        else:
            return None
        start = toks[j - 1][1]
        written = self.text[start:toks[end - 1][2]]
        self.note(f"{written} is {inverse.name}, the inverse function: write "
                          f"1/{name}(x) for the reciprocal")
        return ("name", start, toks[end - 1][2], inverse.name), end

    @staticmethod
    def _power_suffix(toks: list[Token], j: int) -> int:
        """Past ``^2`` or ``²`` after a function name (sin^2 x)."""
        if toks[j][0] == "sup" and toks[j][3] > 0:
            return j + 1
        if toks[j][0] == "^" and toks[j + 1][0] == "num" and toks[j + 1][3][1]:
            return j + 2
        return j

    @staticmethod
    def _starts_argument(tok: Token) -> bool:
        return tok[0] in ("num", "greek", "√", "∛") or (
            tok[0] == "name" and not _is_function(tok[3]))

    def _argument_end(self, toks: list[Token], j: int) -> int:
        """The index after the juxtaposed argument that starts at ``j``."""
        k = j
        while True:
            k = self._factor_end(toks, k)
            nxt = toks[k]
            if nxt[0] in ("num", "greek", "(", "√", "∛") or (
                    nxt[0] == "name" and not _is_function(nxt[3])):
                continue
            return k

    def _factor_end(self, toks: list[Token], k: int) -> int:
        """The index after one factor and its powers: 2, x, (…), √x, x^2, x^-y^z, x²."""
        while toks[k][0] in ("√", "∛"):
            k += 1
        k = self._atom_end(toks, k)
        while True:                            # powers: x^2, x^-1, x², x^(…), x^y^z
            if toks[k][0] == "sup":
                k += 1
                continue
            if toks[k][0] != "^":
                return k
            e = k + 1
            if toks[e][0] == "-":
                e += 1
            if toks[e][0] in ("num", "greek", "(") or (
                    toks[e][0] == "name" and not _is_function(toks[e][3])):
                k = self._atom_end(toks, e)
            else:
                return k                       # x^sin x: the argument is x

    def _atom_end(self, toks: list[Token], k: int) -> int:
        if toks[k][0] == "(":
            close = self.closing.get(k)
            return len(toks) - 1 if close is None else close + 1
        return k + 1 if toks[k][0] not in ("end", "err") else k


def _matching(toks: list[Token]) -> dict[int, int]:
    """Where each '(' is closed."""
    found: dict[int, int] = {}
    opened: list[int] = []
    for k, tok in enumerate(toks):
        if tok[0] == "(":
            opened.append(k)
        elif tok[0] == ")" and opened:
            found[opened.pop()] = k
    return found


def _num(literal: str) -> Any:
    from chainrule.expr import Num
    return Num(int(literal))


def _show(pieces: list[str]) -> str:
    """x, sin, x → x·sin(x): a glued name as read."""
    out: list[str] = []
    k = 0
    while k < len(pieces):
        p = pieces[k]
        if _is_function(p) and k + 1 < len(pieces):
            # the argument: the pieces up to the next function
            end = k + 1
            while end < len(pieces) and not _is_function(pieces[end]):
                end += 1
            out.append(f"{p}({'·'.join(_pretty_piece(q) for q in pieces[k + 1:end])})")
            k = end
        else:
            out.append(_pretty_piece(p))
            k += 1
    return "·".join(out)


def _explicit(pieces: list[str]) -> str:
    return _show(pieces).replace("·", "*").replace("π", "pi")


def _pretty_piece(p: str) -> str:
    return "π" if p == "pi" else p


_GREEK_LETTER: dict[str, str] = {name: letter for letter, name in GREEK.items()}
_OPERAND_END = frozenset({"num", "name", "greek", ")", "sup"})
_OPERAND_START = frozenset({"num", "name", "greek", "(", "√", "∛"})
_SHOWN = {"*": "·", "/": "/", "^": "^", ",": ", ", "(": "(", ")": ")", "'": "'", "√": "√",
          "∛": "∛"}


def _render(toks: list[Token]) -> str:
    """Tokens as text, with ``·`` where the product was implicit."""
    out: list[str] = []
    prev: Token | None = None
    for tok in toks:
        kind = tok[0]
        if kind == "end":
            break
        if (prev is not None and prev[0] in _OPERAND_END and kind in _OPERAND_START
                and not (kind == "(" and tok[1] == tok[2])      # a '(' the reading added
                and not (prev[0] == "name" and _is_function(prev[3]) and kind == "(")
                and not (prev[0] == "name" and lookup(prev[3]) is not None and kind == "(")):
            out.append("·")
        if kind == "name":
            out.append(_pretty_piece(tok[3]))
        elif kind == "greek":
            out.append(_GREEK_LETTER.get(tok[3]) or str(tok[3]))
        elif kind == "num":
            value = tok[3][0].value
            out.append(str(value))
        elif kind == "sup":
            out.append(f"^{tok[3]}")
        elif kind in ("+", "-"):
            binary = prev is not None and prev[0] in _OPERAND_END
            out.append(f" {kind} " if binary else kind)
        else:
            out.append(_SHOWN.get(kind, kind))
        prev = tok
    return "".join(out)


def rewrite(text: str, tokens: list[Token]) -> tuple[list[Token], Reading]:
    """The tokens with everyday notation made explicit, and the reading.

    ``tokens`` end with an ``end`` (or ``err``) token; the result does too.
    """
    r = _Rewriter(text, tokens)
    split = r.split()
    applied = r.apply(split)
    r.glued_exponents(applied)
    notes = tuple(r.notes)
    text = _render(applied) if notes else ""
    if len(text) > _LONGEST_TEXT:
        text = ""                  # a long text is not written out again: the notes say it
    return applied, Reading(text, notes, glued=tuple(r.names))


# ── hints for names that are not functions ──────────────────────────────────────
_LOG_BASE = re.compile(r"log_?([0-9]+|e)\Z")
# Functions people expect that the table does not have, and what to write instead.
_INSTEAD = {
    "max": "write relu(x) for max(0, x); max of other arguments is not supported",
    "min": "write -relu(-x) for min(0, x); min of other arguments is not supported",
    "softmax": "softmax takes a vector and is not supported; for two classes it is "
               "sigmoid(x)",
    "lg": "write log(x, 10) for the logarithm to base 10",
    "erf": "erf is not in the function table (see docs/functions.md)",
    "floor": "floor is not in the function table: its derivative is 0 wherever it exists",
    "ceil": "ceil is not in the function table: its derivative is 0 wherever it exists",
    "round": "round is not in the function table: its derivative is 0 wherever it exists",
    "arcsinh": "write asinh(x)",
}


def unknown_function_hint(name: str, single_letters: frozenset[str]) -> str:
    """What to say about ``name(…)`` when ``name`` is no function: the functions it
    resembles (by spelling and by the aliases people use), and multiplication only when
    the name could be a product of the symbols the expression has
    (``single_letters``)."""
    import difflib
    lowered = name.lower()
    base = _LOG_BASE.match(lowered)
    if base is not None and base[1] == "e":
        return "write ln(x) (or log(x)) for the natural logarithm"
    if base is not None:
        return f"write log(x, {base[1]}) for the logarithm to base {base[1]}"
    if lowered in _INSTEAD:
        return _INSTEAD[lowered]
    english = ENGLISH_NAMES.get(lowered)
    if english is not None:
        return f"did you mean {english}?"
    letters = _LETTERS_ONLY.match(name) is not None
    if name in WORD_NAMES or not letters:          # theta(x+1), x2 (x): a symbol
        multiply = f"write {name}*(…) to multiply"
    elif set(name) <= single_letters:              # ab(x) with a and b in the expression
        multiply = f"write {'*'.join(name)}*(…) to multiply"
    else:
        multiply = ""
    candidates = [n for n in function_names() if len(n) > 1] + list(ENGLISH_NAMES)
    matches = []
    for m in difflib.get_close_matches(lowered, candidates, n=3):
        m = ENGLISH_NAMES.get(m, m)
        if m not in matches:
            matches.append(m)
    if matches:
        shown = matches[0] if len(matches) == 1 else ", ".join(matches[:-1]) + " or " + matches[-1]
        return f"did you mean {shown}?" + (f" Or {multiply}" if multiply else "")
    return multiply or "it is not in the function table (see docs/functions.md)"
