"""What users pass in, read in one place: an expression (text, an :class:`Expr` or a SymPy
expression), the variable, and a point (``--at``, ``d.at(...)``, ``g.at(...)``), with one
grammar and one set of messages.

    >>> expr, text = as_expr("x^2")
    >>> expr.pretty(), text
    ('x²', 'x^2')
    >>> resolve_variable(as_expr("sin(t)")[0], None)
    't'
    >>> {k: v.pretty() for k, v in read_point("x=pi/4, y=1/2").items()}
    {'x': 'π/4', 'y': '1/2'}
    >>> point_floats("w1=0.5, x=2")
    {'w1': 0.5, 'x': 2.0}

A point is ``name=value`` pieces separated by commas (commas inside parentheses belong to
the value: ``y=log(2, 4)``); with a known variable, a bare value is its value (``5``).
Values are numbers or expressions of numbers (``pi/4``, ``exp(-1)``), read with chainrule's
own parser and never evaluated as Python; they are kept exact (0.1 is one tenth).
"""

from __future__ import annotations

import math
import numbers
import re
import sys
from collections.abc import Mapping
from decimal import Decimal
from fractions import Fraction
from typing import Any

from chainrule.errors import ParseError, UndefinedError, UsageError
from chainrule.evaluate import evaluate
from chainrule.expr import Expr, Num, Symbol, free_symbols
from chainrule.functions import lookup
from chainrule.parser import parse

__all__ = ["as_expr", "resolve_variable", "read_point", "point_values", "point_floats",
           "exact_number", "pick_wrt"]

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


# ── an expression and its variable ───────────────────────────────────────────
def as_expr(value: Any) -> tuple[Expr, str | None]:
    """Our expression for text, an Expr, or a SymPy expression (and the text, if any)."""
    if isinstance(value, Expr):
        return value, None
    if isinstance(value, str):
        return parse(value, strict=True), value
    if _from_sympy(value):
        # held to the rules text is: names, numbers, functions, sizes
        from chainrule.verify.sympy_bridge import read_user_sympy
        return read_user_sympy(value), None
    if isinstance(value, (int,)) and not isinstance(value, bool):
        return Num(value), None
    raise UsageError(f"cannot differentiate a {type(value).__name__}: pass text, a "
                     "chainrule Expr or a SymPy expression")


def _from_sympy(value: Any) -> bool:
    """Whether ``value`` is a SymPy object (SymPy is never imported to find out: an object
    of SymPy's means it is loaded). ``sympy.Function("f")(x)`` has a class made at run
    time, whose ``__module__`` is None."""
    sympy = sys.modules.get("sympy")
    if sympy is not None and isinstance(value, sympy.Basic):
        return True
    return (getattr(type(value), "__module__", None) or "").startswith("sympy")


def resolve_variable(expr: Expr, var: Any) -> str:
    """The variable's name: given, asked for by the text (``d/dt …``, ``f(t) = …``), or
    inferred: the one symbol, or by convention x, then t, then the one symbol inside the
    functions (:func:`chainrule.reading.conventional_variable`; the documents say so)."""
    from chainrule.reading import (
        asked_variable,
        asked_variables,
        conventional_variable,
        note_variable,
    )
    _refuse_a_derivative(expr)
    if var is None:
        asked = asked_variable(expr)
        if asked is not None:
            note_variable(expr, None)
            return asked
        several = asked_variables(expr)
        if len(several) > 1:
            raise UsageError(f"the function has several variables ({', '.join(several)}); say "
                             f"which to differentiate with respect to: --wrt {several[0]} on "
                             f"the command line, diff(expr, \"{several[0]}\") in Python, or "
                             "take the gradient (chainrule grad)")
        symbols = sorted(free_symbols(expr))
        if len(symbols) == 1:
            return symbols[0]
        if not symbols:
            return "x"
        chosen = conventional_variable(expr)
        if chosen is not None:
            note_variable(expr, None)
            return chosen
        raise UsageError(f"the expression has several symbols ({', '.join(symbols)}); say which "
                         f"to differentiate with respect to: --wrt {symbols[0]} on the command "
                         f"line, diff(expr, \"{symbols[0]}\") in Python")
    name = _given_variable(expr, var)
    asked = asked_variable(expr, written_only=True)   # d/dx, not f(x) =: f(x) = x*y by y
    if asked is not None and asked != name:
        raise UsageError(f"the expression asks for the derivative with respect to {asked}, "
                         f"but the variable given is {name}: give one of them")
    note_variable(expr, name)
    return name


def _refuse_a_derivative(expr: Expr) -> None:
    """``dy/dx = 2x`` as the expression: it is an answer, not a question."""
    from chainrule.reading import asked_derivative
    written = asked_derivative(expr)
    if written is not None:
        raise UsageError(f"'{written} …' is a derivative already, not a function to "
                         "differentiate: to check it, run chainrule check EXPR ANSWER "
                         "(check(expr, answer) in Python)")


def _given_variable(expr: Expr, var: Any) -> str:
    from chainrule.reading import split_name_note
    if isinstance(var, Symbol):
        return var.name
    name = getattr(var, "name", var) if not isinstance(var, str) else var
    if not isinstance(name, str) or not _NAME.match(name.strip()):
        raise UsageError(f"cannot differentiate with respect to {var!r}: "
                         "the variable must be a symbol name such as x or w1")
    name = name.strip()
    entry = lookup(name)
    if name not in free_symbols(expr):
        split = split_name_note(expr, name)
        if split is not None:
            raise UsageError(split)
    if name in ("e", "E", "pi") or (entry is not None and not entry.abstract):
        raise UsageError(f"cannot differentiate with respect to {name!r}: it is a "
                         f"{'constant' if name in ('e', 'E', 'pi') else 'function'}, not a symbol")
    try:
        parse(name)  # the names the parser reserves: lambda, __import__, I, nan, inf
    except ParseError as err:
        raise UsageError(f"cannot differentiate with respect to {name!r}: {err.message}") from None
    return name


# ── a point ──────────────────────────────────────────────────────────────────
def _not_a_piece(piece: str) -> UsageError:
    return UsageError(f"cannot read {piece!r} as name=value; write the point like x=5 "
                      "(or x=1,y=2 with several symbols)")


def _not_a_number(name: str, shown: str) -> UsageError:
    return UsageError(f"the value of {name} must be a number, not {shown}")


def _split_top(text: str) -> list[str]:
    """Split at commas outside parentheses: "x=atan2(1, 2), y=3" → two pieces."""
    out, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        elif ch == "," and depth == 0:
            out.append(text[start:i])
            start = i + 1
    out.append(text[start:])
    return [p.strip() for p in out if p.strip()]


def _name(key: Any) -> str:
    return resolve_variable(Symbol("x"), key.strip() if isinstance(key, str) else key)


def exact_number(name: str, value: Any) -> Expr:
    """A value of ``name`` as an exact expression: 5, 0.5 (= 1/2), "pi/4", Fraction(1, 3).

    Any real number type is read exactly as the number it shows: NumPy's numbers and 0-d
    arrays (``numpy.float64(0.1)`` is one tenth, as it prints), Decimal, SymPy's numbers
    and constants (``sympy.pi/4``). A bool, a complex number, an array of several numbers,
    nan and infinity are refused with a UsageError that says so."""
    e = _number_expr(name, value)
    if free_symbols(e):
        raise _not_a_number(name, str(e))
    try:
        evaluate(e, {})
    except UndefinedError as err:
        if err.overflow:
            return e      # a real number beyond a float (1e400): the point is exact anyway
        raise UsageError(f"the value of {name}, {e.pretty()}, is not a real number") from None
    return e


def _number_expr(name: str, value: Any) -> Expr:
    if isinstance(value, Expr):
        return value
    if isinstance(value, str):
        return parse(value.strip())
    if isinstance(value, bool) or type(value).__name__ in ("bool_", "bool"):  # numpy.bool_
        raise UsageError(f"the value of {name} must be a number, not the truth value "
                         f"{value!r}")
    shape = getattr(value, "shape", None)
    if (isinstance(shape, tuple) and hasattr(value, "dtype")
            and not isinstance(value, numbers.Number)):  # a NumPy array, not its scalar
        if shape:
            raise UsageError(f"the value of {name} must be one number, not an array of shape "
                             f"{shape}")
        return _number_expr(name, value[()])  # the 0-d array's number, as NumPy's scalar
    if _from_sympy(value):
        from chainrule.verify.sympy_bridge import read_user_sympy
        try:
            return read_user_sympy(value)
        except UsageError as err:
            raise UsageError(f"the value of {name}: {err}") from None
    if isinstance(value, numbers.Integral):
        return Num(int(value))
    if isinstance(value, numbers.Rational):
        return Num(Fraction(int(value.numerator), int(value.denominator)))
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise _not_finite(name, value)
        return Num(Fraction(value))
    if isinstance(value, numbers.Real):
        number = float(value)
        if not math.isfinite(number):
            raise _not_finite(name, value)
        # The digits the number shows (str: 0.1 for a float and NumPy's float64(0.1); 0.1
        # for float32(0.1) too, though as a float it is 0.10000000149…); its binary value
        # if they do not read as a number.
        try:
            return Num(Fraction(str(value)))
        except ValueError:
            return Num(Fraction(number))
    if isinstance(value, numbers.Complex):
        raise UsageError(f"the value of {name} must be a real number, not the complex number "
                         f"{value!r}")
    raise _not_a_number(name, repr(value))


def _not_finite(name: str, value: Any) -> UsageError:
    return UsageError(f"the value of {name} must be a finite number, not {value}")


def read_point(text: str, variable: str | None = None) -> dict[str, Expr]:
    """``"x=5"``, ``"x=pi/4, y=1/2"`` or, given the ``variable``, just ``"5"`` → exact
    values."""
    out: dict[str, Expr] = {}
    for piece in _split_top(text):
        name, eq, value = piece.partition("=")
        if not eq:
            if variable is None or out:
                raise _not_a_piece(piece)
            name, value = variable, piece
        if not name.strip() or not value.strip():
            raise _not_a_piece(piece)
        name = _name(name)
        if name in out:
            raise UsageError(f"{name} is given twice in the point")
        out[name] = exact_number(name, value)
    if not out:
        raise UsageError("the point is empty; write it like x=5")
    return out


def point_values(point: Mapping[str, Any] | str | Any,
                 variable: str | None = None) -> dict[str, Expr]:
    """A point given as text, a mapping of names to values, or (given the ``variable``) a
    bare number → exact values."""
    if isinstance(point, str):
        return read_point(point, variable)
    if isinstance(point, Mapping):
        out: dict[str, Expr] = {}
        for key, value in point.items():
            name = _name(key)
            if name in out:
                raise UsageError(f"{name} is given twice in the point")
            out[name] = exact_number(name, value)
        return out
    if variable is None:
        raise UsageError(f"cannot read {point!r} as a point; write it like x=5")
    return {variable: exact_number(variable, point)}


def point_floats(point: Mapping[str, Any] | str) -> dict[str, float]:
    """A point (text or a mapping, every value named) as floats: ``"x=1, w=pi/4"``."""
    return {name: evaluate(value, {}) for name, value in point_values(point).items()}


def pick_wrt(wrt: Any, var: Any) -> Any:
    """The variable given as ``wrt=`` or as its older name ``var=`` (not both).

        >>> pick_wrt(None, "y")
        'y'
    """
    if wrt is not None and var is not None and wrt != var:
        raise UsageError(f"give the variable once: wrt={wrt!r} and var={var!r} disagree "
                         "(var is the older name of wrt)")
    return wrt if wrt is not None else var
