"""Let-form: a huge expression written as named parts, then the whole.

Expressions are graphs: the derivative of a 1000-deep chain sin(sin(…x…)) shares every
inner chain between two places, so its *tree* form — what ordinary printing writes out —
grows with the square of the depth (megabytes), while the graph stays linear. A let-form
names the large subexpressions once and writes the expression with the names:

    >>> from chainrule.expr import Func, Symbol
    >>> chain = Symbol("x")
    >>> for _ in range(30):
    ...     chain = Func("sin", (chain,))
    >>> form = let_form(chain * Func("cos", (chain,)), switch=20, name_at=10)
    >>> print(form)
    S1 = sin(sin(sin(sin(sin(sin(sin(sin(sin(x)))))))))
    S2 = sin(sin(sin(sin(sin(sin(sin(sin(sin(S1)))))))))
    S3 = sin(sin(sin(sin(sin(sin(sin(sin(sin(S2)))))))))
    sin(sin(sin(S3)))*cos(sin(sin(sin(S3))))
    >>> form.expand() is chain * Func("cos", (chain,))
    True

A part gets a name when, written with the names inside it, it is still long; so every
definition and every use stays short. Names are handed out bottom-up, so each definition
uses only names defined above it, and :meth:`LetForm.expand` puts them back (giving the
very same node). Every algorithm here is iterative and linear in the size of the graph.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from chainrule.expr import Expr, Symbol, free_symbols, postorder, substitute

__all__ = ["LetForm", "LetNames", "let_form", "printed_size", "LET_SWITCH", "LET_NAME"]

LET_SWITCH = 200  # an expression of more symbols than this is written with names
LET_NAME = 12     # within it, subexpressions of at least this many symbols get a name
_PREFIXES = ("S", "T", "Q", "let")


def printed_size(expr: Expr, sizes: dict[Expr, int] | None = None,
                 cap: int = 1 << 62) -> int:
    """Symbols in the tree form of ``expr`` (each shared node counted at every use), capped."""
    sizes = {} if sizes is None else sizes
    for node in postorder(expr, sizes):
        sizes[node] = min(1 + sum([sizes[c] for c in node.children]), cap)
    return sizes[expr]


class LetNames:
    """Names for large subexpressions, shared by every expression one document prints.

    :meth:`shorten` returns an expression as it is when it is small, and otherwise with
    its large parts replaced by names, defining each new name once (in :attr:`definitions`,
    in an order where every definition uses only names defined before it).
    """

    def __init__(self, reserved: Iterable[str] = (), *, switch: int = LET_SWITCH,
                 name_at: int = LET_NAME) -> None:
        taken = set(reserved)
        self.prefix = next((p for p in _PREFIXES
                            if not any(t.startswith(p) and t[len(p):].isdigit() for t in taken)),
                           "let_")
        self.switch = switch
        self.name_at = name_at
        self.names: dict[Expr, Symbol] = {}
        self.definitions: list[tuple[Symbol, Expr]] = []
        self._sizes: dict[Expr, int] = {}

    def size(self, e: Expr) -> int:
        return printed_size(e, self._sizes)

    def shorten(self, root: Expr) -> Expr:
        """``root`` unchanged when small; else written with names for its large parts.

        A part is named when, written with the names already given inside it, it still
        has at least ``name_at`` symbols: so every definition and every use stays short,
        and the whole output is linear in the size of the graph.
        """
        if self.size(root) <= self.switch:
            return root
        memo: dict[Expr, Expr] = {}
        written_size: dict[Expr, int] = {}
        names = self.names
        for node in postorder(root, names):
            kids = node.children
            if not kids:
                memo[node] = node
                written_size[node] = 1
                continue
            new = tuple([names.get(c) or memo[c] for c in kids])
            written = node if all(a is b for a, b in zip(new, kids)) else node.rebuild(new)
            size = 1 + sum([1 if c in names else written_size[c] for c in kids])
            if node is not root and size >= self.name_at:
                name = Symbol(f"{self.prefix}{len(self.definitions) + 1}")
                names[node] = name
                self.definitions.append((name, written))
            memo[node] = written
            written_size[node] = size
        if root in names:  # named while shortening an earlier expression
            return names[root]
        return memo[root]


@dataclass(frozen=True)
class LetForm:
    """``definitions`` (name, expression) in order, then ``body`` written with the names."""

    definitions: tuple[tuple[Symbol, Expr], ...]
    body: Expr

    def expand(self) -> Expr:
        """The expression with every name put back."""
        values: dict[Expr, Expr] = {}
        for name, written in self.definitions:  # each uses only the names above it
            values[name] = substitute(written, values)
        return substitute(self.body, values) if values else self.body

    def lines(self, write: Callable[[Expr], str] = str) -> list[str]:
        """``name = definition`` for each name, then the body."""
        return [f"{name.name} = {write(value)}" for name, value in self.definitions] + [
            write(self.body)]

    def __str__(self) -> str:
        return "\n".join(self.lines())


def let_form(expr: Expr | str | Any, *, switch: int = LET_SWITCH,
             name_at: int = LET_NAME) -> LetForm:
    """The let-form of ``expr``: no names when its tree form has at most ``switch`` symbols.

    ``expr`` is an :class:`Expr`, or text or a SymPy expression, read as
    :func:`chainrule.diff` reads them (a UsageError or ParseError when it is not one)."""
    if not isinstance(expr, Expr):
        from chainrule.inputs import as_expr
        expr = as_expr(expr)[0]
    if not isinstance(switch, int) or not isinstance(name_at, int) or min(switch, name_at) < 1:
        from chainrule.errors import UsageError
        raise UsageError(f"switch and name_at must be whole numbers of at least 1, not "
                         f"{switch!r} and {name_at!r}")
    names = LetNames(free_symbols(expr), switch=switch, name_at=name_at)
    body = names.shorten(expr)
    return LetForm(tuple(names.definitions), body)
