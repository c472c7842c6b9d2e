"""All of chainrule's exceptions. ``ChainruleError`` is the root; catch it to catch them all."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

__all__ = ["ChainruleError", "ParseError", "DifferentiationError", "VerificationError", "join_or",
           "UsageError", "UndefinedError", "BudgetExceeded"]


class ChainruleError(Exception):
    """Root of every error chainrule raises on purpose."""


class ParseError(ChainruleError, ValueError):
    """Text that is not an expression chainrule understands.

    Carries the text, the 0-based ``position`` of the mistake, what was ``expected`` there
    and an optional ``hint``; ``context()`` is the text with a caret line under the mistake.

        >>> import chainrule
        >>> try:
        ...     chainrule.parse("sin(x")
        ... except chainrule.ParseError as err:
        ...     print(err.context())
        sin(x
           ^
    """

    def __init__(self, message: str, text: str = "", position: int = 0, *,
                 expected: Sequence[str] = (), hint: str = "", length: int = 1) -> None:
        self.message = message
        self.text = text
        self.position = max(0, min(position, len(text)))
        self.expected = tuple(expected)
        self.hint = hint
        self.length = max(1, length)
        super().__init__(self._full())

    @property
    def column(self) -> int:
        """1-based column, for people."""
        return self.position + 1

    def context(self, width: int = 76) -> str:
        """The text (windowed around the mistake if long) and a caret line under it."""
        text, pos = self.text, self.position
        start = 0
        if len(text) > width:
            start = max(0, min(pos - width // 2, len(text) - width))
        shown = text[start:start + width].replace("\n", " ").replace("\t", " ")
        # Control characters (a terminal would act on ESC sequences) and lone surrogates
        # are shown as U+FFFD, one column each, so the caret stays under the mistake.
        shown = "".join(c if c.isprintable() or c == " " else "\ufffd" for c in shown)
        prefix = "…" if start > 0 else ""
        suffix = "…" if start + width < len(text) else ""
        marks = min(self.length, max(1, width - (pos - start)))
        caret = " " * (len(prefix) + pos - start) + "^" * marks
        return f"{prefix}{shown}{suffix}\n{caret}"

    def _full(self) -> str:
        parts = [f"{self.message} (at column {self.column})"]
        if self.expected:
            parts.append("expected " + join_or(self.expected))
        text = "; ".join(parts)
        if self.hint:
            text += f"\nhint: {self.hint}"
        return text


def join_or(items: Sequence[str]) -> str:
    """a, b or c."""
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " or " + items[-1]


class DifferentiationError(ChainruleError):
    """An expression the engine cannot differentiate (for example, a variable that is not a
    symbol)."""


class UndefinedError(ChainruleError, ValueError):
    """A value that does not exist, such as a derivative at a point where it is undefined.

    ``overflow``: the value exists but is too large for a floating-point number.
    """

    def __init__(self, message: str, *, overflow: bool = False) -> None:
        self.overflow = overflow
        super().__init__(message)


class VerificationError(ChainruleError):
    """Our derivative disagrees with SymPy's: never shown as an answer."""

    def __init__(self, message: str, *, point: dict[str, float] | None = None,
                 ours: float | None = None, theirs: float | None = None) -> None:
        self.point = point
        self.ours = ours
        self.theirs = theirs
        super().__init__(message)


class UsageError(ChainruleError, ValueError):
    """A request that cannot be carried out as asked (ambiguous variable, unknown option)."""


class BudgetExceeded(ChainruleError):
    """A job ran out of its budget: its wall clock (``kind="time"``) or a size limit
    (``kind="size"``). The message names what was too slow or too big and the option that
    raises the limit (``--timeout`` on the command line, ``timeout=`` in Python).

    ``partial`` is the answer so far where one makes sense (a derivation of the proven lower
    orders, a gradient with its proven partials), else None. See :mod:`chainrule.budget`.
    """

    def __init__(self, message: str, *, kind: Literal["time", "size"] = "time",
                 what: str = "", partial: Any = None) -> None:
        self.kind = kind
        self.what = what
        self.partial = partial
        super().__init__(message)
