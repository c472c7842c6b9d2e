"""The tokenizer behind :func:`chainrule.parser.parse`: one compiled regex, one pass.

A token is a plain tuple ``(kind, start, end, value)``; positions are 0-based indexes into
the text. ``kind`` is the operator itself for punctuation (``"+"``, ``"-"``, ``"*"``,
``"/"``, ``"^"``, ``"("``, ``")"``, ``","``, ``"'"``, ``"√"``, ``"∛"``), with the Unicode
spellings already folded (``−`` is ``"-"``, ``·``/``×``/``⋅`` are ``"*"``, ``÷`` is ``"/"``,
``**`` is ``"^"``), or one of ``"num"`` (value: ``(Num node, whether the literal is a plain
integer)``), ``"name"`` (value: the name), ``"greek"`` (value: the symbol name the letter
stands for, ``"theta"`` for θ, ``"pi"`` for π), ``"sup"`` (a run of superscript digits;
value: the ``int`` it spells), ``"err"`` (value: the :class:`ParseError` to raise when the
parser reaches it) and ``"end"``.

Lexing stops at the first error: the parser raises whichever mistake comes first in the
text, a syntax error before the bad character or the bad character itself.

:func:`fast_tokenize` is the quick path the parser tries first: the same tokens as
``(kind, value)`` pairs without positions, or None when the text has anything unusual
(an error, or a number whose meaning depends on its neighbours). Positions are needed only
for messages, so the parser calls :func:`tokenize` for them when it has one to write. In a
long ASCII text it finds the lexemes with :meth:`str.split` after spacing out the operators,
several times quicker than the regex, and checks that every piece is one lexeme.
"""

from __future__ import annotations

import re
import unicodedata
from fractions import Fraction
from typing import Any

from chainrule.errors import ParseError
from chainrule.expr import Num

__all__ = ["GREEK", "MAX_DIGITS", "MAX_EXPONENT", "Pair", "Token", "fast_tokenize", "tokenize"]

Token = tuple[str, int, int, Any]
Pair = tuple[str, Any]    # (kind, value): a token without its position

MAX_DIGITS = 1000      # digits in one number literal
MAX_EXPONENT = 1000    # |n| in scientific notation 1e±n

# The documented Unicode letters. λ is spelled "lam" because lambda is a Python keyword.
GREEK = {
    "π": "pi", "θ": "theta", "α": "alpha", "β": "beta", "γ": "gamma", "δ": "delta",
    "λ": "lam", "μ": "mu", "φ": "phi", "ω": "omega", "τ": "tau",
}
_OPERATORS = {
    "+": "+", "-": "-", "−": "-", "*": "*", "·": "*", "×": "*", "⋅": "*", "/": "/",
    "÷": "/", "^": "^", "**": "^", "(": "(", ")": ")", ",": ",", "'": "'", "√": "√", "∛": "∛",
}
_SUPERSCRIPTS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻", "0123456789-")

# Every match is one token or a run of whitespace; its first character tells which.
# (findall and a dictionary are about twice as fast as named groups and match objects.)
_TOKEN_RE = re.compile(r"""
     [ \t\n\r]+
    |(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?
    |[A-Za-z_][A-Za-z0-9_]*
    |\*\*
    |⁻?[⁰¹²³⁴⁵⁶⁷⁸⁹]+
    |.
""", re.VERBOSE | re.DOTALL)
_CLASS = {
    **dict.fromkeys(" \t\n\r", "ws"),
    **dict.fromkeys("0123456789.", "num"),
    **dict.fromkeys("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_", "name"),
    **dict.fromkeys(_OPERATORS, "op"),
    **dict.fromkeys("⁰¹²³⁴⁵⁶⁷⁸⁹⁻", "sup"),
    **dict.fromkeys(GREEK, "greek"),
}

# The same tokens, whitespace skipped, for fast_tokenize. A number swallows a '.' or '_'
# after it, and 0 the letter of a base prefix, so that every number _number would read
# differently because of what follows it is a lexeme of its own, which _pair refuses.
# Where alternatives share a first character the order matters (** before *, 0x before a
# number, any other character last); otherwise it is the fastest one found.
_FAST_RE = re.compile(r"""
     \*\*
    |[^ \t\n\r0-9A-Za-z_.⁰¹²³⁴⁵⁶⁷⁸⁹⁻]
    |[A-Za-z_][A-Za-z0-9_]*
    |0[xXbBoO]
    |(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?[._]?
    |⁻?[⁰¹²³⁴⁵⁶⁷⁸⁹]+
    |[^ \t\n\r]
""", re.VERBOSE)
_PLAIN_NUMBER = re.compile(r"[0-9]+(?:\.[0-9]*)?(?:[eE][+-]?[0-9]+)?")
_END: Pair = ("end", None)

# 0x1F, 0b101, 0o17: read as 0 times a symbol they would silently differentiate to 0.
_BASES = {"x": (16, "hexadecimal"), "X": (16, "hexadecimal"), "b": (2, "binary"),
          "B": (2, "binary"), "o": (8, "octal"), "O": (8, "octal")}
_PREFIXED = re.compile(r"(?:[xX]([0-9A-Fa-f]+)|[bB]([01]+)|[oO]([0-7]+))(?![A-Za-z0-9_])")
_NUMBER_PARTS = re.compile(r"([0-9]*)(?:\.([0-9]*))?(?:[eE]([+-]?)([0-9]+))?")

# Characters that look like ASCII ones but are not (NFKC does not fold these).
_LOOKALIKES = {
    # Cyrillic
    "а": "a", "е": "e", "о": "o", "р": "p", "с": "c", "у": "y", "х": "x",
    "ѕ": "s", "і": "i", "ј": "j", "ԁ": "d", "һ": "h", "ԛ": "q", "ԝ": "w", "ӏ": "l",
    "А": "A", "В": "B", "Е": "E", "К": "K", "М": "M", "Н": "H", "О": "O", "Р": "P",
    "С": "C", "Т": "T", "Х": "X", "Ѕ": "S", "І": "I", "Ј": "J",
    # Greek
    "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M",
    "Ν": "N", "Ο": "O", "Ρ": "P", "Τ": "T", "Υ": "Y", "Χ": "X", "ο": "o",
    # punctuation that word processors substitute
    "–": "-", "—": "-", "‐": "-", "‑": "-", "∗": "*", "∙": "*", "•": "*", "∕": "/",
    "′": "'", "″": "''", "‘": "'", "’": "'", "“": '"', "”": '"',
}

# What to say about ASCII characters that are not part of the language.
_ASCII_HINTS = {
    "[": "use round parentheses ( ) for grouping",
    "]": "use round parentheses ( ) for grouping",
    "{": "use round parentheses ( ) for grouping",
    "}": "use round parentheses ( ) for grouping",
    '"': "string quotes are not allowed: type the expression itself",
    "=": "enter an expression, not an equation",
    "<": "comparisons are not supported",
    ">": "comparisons are not supported",
    "!": "factorials are not supported",
    "%": "the remainder operator is not supported",
    "|": "write abs(x) for the absolute value",
    ";": "enter a single expression",
    "\\": r"LaTeX is not supported: write sqrt(x), not \sqrt{x}",
    "#": "comments are not supported",
    "@": "matrix multiplication is not supported; write * to multiply",
    "$": "enter the expression without $ delimiters",
}


def tokenize(text: str) -> list[Token]:
    """The tokens of ``text``, ending with an ``"end"`` token or at the first ``"err"`` token.

        >>> [t[0] for t in tokenize("2x²")]
        ['num', 'name', 'sup', 'end']
    """
    tokens: list[Token] = []
    append = tokens.append
    numbers: dict[str, Any] = {}
    position = 0
    for lexeme in _TOKEN_RE.findall(text):
        start = position
        position += len(lexeme)
        kind = _CLASS.get(lexeme[0])
        if kind == "name":
            append(("name", start, position, lexeme))
        elif kind == "op":
            append((_OPERATORS[lexeme], start, position, None))
        elif kind == "num" and lexeme != ".":
            token = _number(text, lexeme, start, position, numbers)
            append(token)
            if token[0] == "err":
                return tokens
        elif kind == "ws":
            continue
        elif kind == "sup":
            token = _superscript(text, lexeme, start, position)
            append(token)
            if token[0] == "err":
                return tokens
        elif kind == "greek":
            append(("greek", start, position, GREEK[lexeme]))
        else:
            append(("err", start, position, _bad_character(text, start)))
            return tokens
    append(("end", position, position, None))
    return tokens


def fast_tokenize(text: str) -> list[Pair] | None:
    """The tokens of ``text`` as ``(kind, value)`` pairs ending with ``("end", None)``, the
    same as :func:`tokenize` gives without the positions; None if the text has an error or
    a lexeme that means something else in another place (``.5`` after a name, ``1_000``,
    ``1.2.3``, ``0x1F``), for which :func:`tokenize` is needed.

        >>> fast_tokenize("2x²")[1:]
        [('name', 'x'), ('sup', 2), ('end', None)]
        >>> fast_tokenize("x.5") is None
        True
    """
    meaning = _Meanings()
    # In a short text the regex is about as quick, and a piece of two lexemes (2x) would
    # cost a second reading; in a long one str.split is several times quicker.
    pieces = _split(text) if len(text) >= _SPLIT_FROM else None
    if pieces is not None:
        try:
            return _pairs(pieces, meaning)
        except _Unusual:    # a piece of more than one lexeme (2x), or a mistake: the regex
            pass            # reads the text, with what `meaning` has learnt so far
    try:
        return _pairs(_FAST_RE.findall(text), meaning)
    except _Unusual:
        return None


class _Unusual(Exception):
    """A lexeme whose meaning depends on its place, or that is not one lexeme at all."""


class _Meanings(dict[str, Pair]):
    """What each lexeme means, worked out the first time it is looked up (a long text
    repeats a few dozen lexemes); :class:`_Unusual` for one :func:`_pair` cannot read."""

    def __missing__(self, lexeme: str) -> Pair:
        pair = _pair(lexeme)
        if pair is None:
            raise _Unusual(lexeme)
        self[lexeme] = pair
        return pair


def _pairs(lexemes: list[str], meaning: _Meanings) -> list[Pair]:
    tokens = list(map(meaning.__getitem__, lexemes))
    tokens.append(_END)
    return tokens


_SPLIT_FROM = 100   # characters: a shorter text goes to the regex directly
# In ASCII text these are always a lexeme of their own ('**' is read as '^' first), but
# for a sign in a number's exponent: 1e+5 splits into 1e + 5, and _pair refuses the 1e.
_OWN_LEXEME = "+-*/^(),'"
# Whitespace to str.split, but a character (an error) to _FAST_RE.
_ODD_SPACES = "\v\f\x1c\x1d\x1e\x1f"


def _split(text: str) -> list[str] | None:
    """The lexemes of ``text`` the quick way, spaces put around the operators and then
    :meth:`str.split`, for plain ASCII text only (None for any other).

    These are the lexemes of ``_FAST_RE.findall(text)`` (``**`` written ``^``, which means
    the same) whenever :func:`_pair` reads every piece: a piece of two lexemes (``2x``,
    ``x.5``, the ``1e`` of ``1e+5``) is not a name or a plain number, and _pair refuses it.
    """
    if not text.isascii():
        return None
    for space in _ODD_SPACES:
        if space in text:
            return None
    text = text.replace("**", "^")
    for op in _OWN_LEXEME:
        if op in text:
            text = text.replace(op, f" {op} ")
    return text.split()


def _pair(lexeme: str) -> Pair | None:
    """What ``lexeme`` means wherever it stands, or None if that depends on the place or
    ``lexeme`` is more than one lexeme (a piece from :func:`_split`)."""
    kind = _CLASS.get(lexeme[0])
    if kind == "name":
        return ("name", lexeme) if lexeme.isidentifier() else None
    if kind == "op":
        op = _OPERATORS.get(lexeme)
        return None if op is None else (op, None)
    if kind == "greek":
        name = GREEK.get(lexeme)
        return None if name is None else ("greek", name)
    if kind == "num" and _PLAIN_NUMBER.fullmatch(lexeme):
        # Read on its own: the checks of the neighbours have nothing to find (no '.' or '_'
        # follows, as _FAST_RE would have taken it, and it does not start with a '.').
        token = _number(lexeme, lexeme, 0, len(lexeme), {})
    elif kind == "sup":                            # (never in a piece: _split reads ASCII)
        token = _superscript(lexeme, lexeme, 0, len(lexeme))
    else:
        return None                                # a bad character, or a number in context
    return None if token[0] == "err" else (token[0], token[3])


def _number(text: str, literal: str, start: int, end: int, cache: dict[str, Any]) -> Token:
    """A ``num`` token, value ``(Num node, is a plain integer)``, or an ``err`` token."""
    def error(message: str, position: int, hint: str = "", length: int = 1) -> Token:
        return ("err", position, position + length,
                ParseError(message, text, position, hint=hint, length=length))

    if literal[0] == "." and start > 0 and (text[start - 1].isalnum() or text[start - 1] in "._)"):
        if text[start - 1].isdigit() or text[start - 1] == ".":
            return error("unexpected '.'", start, "a number has at most one decimal point")
        return error("unexpected '.'", start,
                     "attribute access is not allowed; write * to multiply")
    after = text[end:end + 1]
    if after == "_":
        return error("unexpected '_' after a number", end,
                     "underscores in numbers are not supported: write 1000, not 1_000")
    if after == ".":
        return error("unexpected '.'", end, "a number has at most one decimal point")
    if literal == "0" and after in _BASES:
        prefixed = _PREFIXED.match(text, end)
        if prefixed is not None:
            base, name = _BASES[after]
            digits = next(g for g in prefixed.groups() if g is not None)
            shown = (f" ({text[start:prefixed.end()]} is {int(digits, base)})"
                     if len(digits) <= 16 else "")
            return error(f"{name} numbers are not supported", start,
                         f"write the number in decimal{shown}, or 0*{text[end:prefixed.end()]} "
                         "to multiply", prefixed.end() - start)
    value = cache.get(literal)
    if value is not None:
        return ("num", start, end, value)
    whole, fraction, sign, exponent = _NUMBER_PARTS.fullmatch(literal).groups()  # type: ignore[union-attr]
    fraction = fraction or ""
    if len(whole) + len(fraction) > MAX_DIGITS:
        return error("number too long", start,
                     f"a number can have at most {MAX_DIGITS} digits", end - start)
    scale = 0
    if exponent is not None:
        digits = exponent.lstrip("0")
        if len(digits) > len(str(MAX_EXPONENT)) or int(digits or "0") > MAX_EXPONENT:
            return error("exponent too large", start,
                         f"scientific notation allows exponents from -{MAX_EXPONENT} to "
                         f"{MAX_EXPONENT}", end - start)
        scale = int(digits or "0") * (-1 if sign == "-" else 1)
    mantissa = int(whole + fraction or "0")
    scale -= len(fraction)
    number = mantissa * 10 ** scale if scale >= 0 else Fraction(mantissa, 10 ** -scale)
    # The flag marks a plain positive integer, the only exponent allowed in sin^2(x).
    value = cache[literal] = (Num(number), literal.isdigit())
    return ("num", start, end, value)


def _superscript(text: str, literal: str, start: int, end: int) -> Token:
    digits = literal.translate(_SUPERSCRIPTS)
    if digits == "-":
        return ("err", start, end, ParseError(
            "superscript minus without digits", text, start, hint="write x⁻¹ or x^-1"))
    if len(digits) > MAX_DIGITS:
        return ("err", start, end, ParseError(
            "number too long", text, start, length=end - start,
            hint=f"a number can have at most {MAX_DIGITS} digits"))
    return ("sup", start, end, int(digits))


def describe(ch: str) -> str:
    """``'ѕ' (CYRILLIC SMALL LETTER DZE)`` for messages; plain ``'$'`` for printable ASCII."""
    shown = f"'{ch}'" if ch.isprintable() and ch != "'" else repr(ch)
    if ch.isascii() and ch.isprintable():
        return shown
    name = unicodedata.name(ch, None) or f"U+{ord(ch):04X}"
    return f"{shown} ({name})"


def _bad_character(text: str, position: int) -> ParseError:
    ch = text[position]
    return ParseError(f"unexpected character {describe(ch)}", text, position,
                      hint=_character_hint(text, position))


def _character_hint(text: str, position: int) -> str:
    ch = text[position]
    if ch == ".":
        before = text[position - 1] if position else ""
        if before and (before.isalnum() or before in "_)"):
            return "attribute access is not allowed; write * to multiply"
        return "a decimal point must be part of a number, as in 0.5"
    if ch.isascii():
        return _ASCII_HINTS.get(ch, "")
    category = unicodedata.category(ch)
    if category == "Zs":
        return "replace it with an ordinary space"
    if category == "Cf":
        return "delete it: it is an invisible formatting character"
    if ch == "∞":
        return "infinity is not supported"
    suggestion = _LOOKALIKES.get(ch)
    if suggestion is None:
        folded = unicodedata.normalize("NFKC", ch).replace("⁄", "/")
        if folded != ch and all(c.isascii() or c in GREEK or c in _OPERATORS for c in folded):
            suggestion = folded
    if suggestion is None:
        # Accented letters: é → e.
        stripped = "".join(c for c in unicodedata.normalize("NFKD", ch)
                           if not unicodedata.combining(c))
        if stripped != ch and stripped.isascii() and stripped.isalpha():
            suggestion = stripped
    if suggestion is not None:
        quote = '"' if "'" in suggestion else "'"
        return f"did you mean {quote}{suggestion}{quote}?"
    name = unicodedata.name(ch, "")
    if name.startswith(("GREEK SMALL LETTER ", "GREEK CAPITAL LETTER ")):
        letter = name.split("LETTER ", 1)[1].split()[0].lower()
        letter = letter if "SMALL" in name else letter.capitalize()
        return (f"write the letter's name, {letter}, instead; the Greek letters accepted "
                f"as such are {' '.join(GREEK)}")
    return ""
