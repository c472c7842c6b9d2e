"""How the text was read: what the documents show as "read as".

The parser reads everyday notation (``sinx``, ``sin x``, ``2πft``, ``d/dx …``,
``f(x) = …``; see docs/syntax.md) and records every choice the text did not write out.
This module is what the rest of chainrule asks about it:

    >>> r = reading_of("sinxcosx")
    >>> r.text
    'sin(x)·cos(x)'
    >>> r.notes[0]
    'sinxcosx is sin(x)·cos(x): a function name written together with its argument'
    >>> from chainrule.parser import parse
    >>> conventional_variable(parse("a*x^2 + b*x + c"))
    'x'
    >>> e = parse("a*x^2 + b*x + c")
    >>> note_variable(e, None)          # what resolve_variable records when it infers x
    >>> read_as(e, "x", "a*x^2 + b*x + c").notes
    ('with respect to x, the usual variable (a, b and c are constants)',)

The variable is a reading too: when several symbols appear and none was named, x is
taken, then t, then the one symbol that appears inside the functions (``A sin(w)``); the
documents say so. ``x*y`` stays an error: no convention decides.
"""

from __future__ import annotations

from dataclasses import dataclass

from chainrule.expr import Expr, Func, free_symbols, postorder
from chainrule.parser import Question, Reading, read, reading_of, recorded_reading

__all__ = ["Reading", "Question", "ReadAs", "read", "reading_of", "read_as",
           "conventional_variable", "asked_variable", "asked_variables", "asked_derivative",
           "note_variable",
           "split_name_note"]

_PREFERRED = ("x", "t")
_VARIABLE_LETTERS = frozenset({"x", "y", "z", "t"})
_KEEP = 256
# Whether the variable of each expression lately was given (its name) or inferred (None):
# a document mentions the variable only when it was inferred.
_GIVEN: dict[Expr, str | None] = {}


@dataclass(frozen=True)
class ReadAs:
    """What a document shows: the expression as read (``text``, empty when the text was
    written out in full), the notes, and the function's name from ``f(x) =`` / ``y =``."""

    text: str = ""
    notes: tuple[str, ...] = ()
    name: str | None = None
    params: tuple[str, ...] = ()
    question: str = ""

    def __bool__(self) -> bool:
        return bool(self.notes or self.name or self.question)

    def to_dict(self) -> dict[str, object]:
        """The JSON ``read_as`` field."""
        out: dict[str, object] = {"notes": list(self.notes)}
        if self.text:
            out["text"] = self.text
        if self.question:
            out["question"] = self.question
        if self.name:
            out["name"] = self.name
        if self.params:
            out["params"] = list(self.params)
        return out


def conventional_variable(expr: Expr) -> str | None:
    """The variable by convention when several symbols appear: x, then t, then the one
    symbol inside the functions; None when no convention decides: another of x, y, z, t
    appears too (``x*y``, ``x*t``), or nothing singles one out (``u*v``).

        >>> from chainrule.parser import parse
        >>> [conventional_variable(parse(t)) for t in ("x^n", "2*pi*f*t", "A*sin(w)", "x*y")]
        ['x', 't', 'w', None]
    """
    symbols = free_symbols(expr)
    for name in _PREFERRED:
        if name in symbols:
            # x*y, x*t: another letter that names a variable; no convention decides
            return name if not (symbols - {name}) & _VARIABLE_LETTERS else None
    inside: set[str] = set()
    for node in postorder(expr):
        if isinstance(node, Func):
            for arg in node.args:
                inside |= free_symbols(arg)
    if len(inside) == 1 and not (symbols - inside) & _VARIABLE_LETTERS:
        return next(iter(inside))
    return None


def asked_variable(expr: Expr, *, written_only: bool = False) -> str | None:
    """The variable the text asked for: ``d/dt …``, or (unless ``written_only``) the one
    variable of ``f(t) = …``."""
    reading = recorded_reading(expr)
    if reading is None:
        return None
    q = reading.question
    if q.variable is not None or written_only:
        return q.variable
    return q.params[0] if len(q.params) == 1 else None


def asked_derivative(expr: Expr) -> str | None:
    """``dy/dx =`` when the text of ``expr`` was a derivative written out (an answer)."""
    reading = recorded_reading(expr)
    if reading is None or not reading.question.derivative:
        return None
    return reading.question.written


def asked_variables(expr: Expr) -> tuple[str, ...]:
    """The variables the text named: ``J(w1, w2) = …`` names w1 and w2."""
    reading = recorded_reading(expr)
    return () if reading is None else reading.question.params


def note_variable(expr: Expr, given: str | None) -> None:
    """Remember whether the variable of ``expr`` was given (its name) or inferred (None)."""
    _GIVEN.pop(expr, None)
    _GIVEN[expr] = given
    while len(_GIVEN) > _KEEP:
        try:
            del _GIVEN[next(iter(_GIVEN))]
        except (KeyError, RuntimeError, StopIteration):  # another thread trims it too
            return


def split_name_note(expr: Expr, name: str) -> str | None:
    """Why ``--wrt name`` finds no such symbol, when the text glued it: ``ft`` read as f·t."""
    reading = recorded_reading(expr)
    if reading is None:
        return None
    for written, shown in reading.glued:
        if written == name:
            return (f"{name} was read as {shown}: letters written together multiply. To use "
                    f"{name} as one variable, write it with a digit or an underscore "
                    f"({name}_1, or {name[0]}_{name[1:]}) in the expression and after --wrt")
    return None


def read_as(expr: Expr, variable: str | None, text: str | None) -> ReadAs:
    """What a document about ``expr`` (differentiated by ``variable``, from ``text``)
    shows about how it was read."""
    reading = reading_of(text) if text is not None else Reading()
    notes = list(reading.notes)
    q = reading.question
    if variable is not None and q.variable is None and not (
            len(q.params) == 1 and q.params[0] == variable):
        others = sorted(free_symbols(expr) - {variable})
        if others and _GIVEN.get(expr) != variable and variable == conventional_variable(expr):
            why = ("the usual variable" if variable in _PREFERRED
                   else "the one symbol inside the functions")
            notes.append(f"with respect to {variable}, {why} ({_and(others)} "
                         f"{'is a constant' if len(others) == 1 else 'are constants'})")
    return ReadAs(reading.text, tuple(notes), q.name, q.params, q.written)


def _and(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
