"""The document model: what every result says, before any format writes it.

Every result — a derivation, a gradient, a check, a descent — builds one
:class:`Document`: a list of blocks, each a :class:`Line` (typed segments of words and
math) or a :class:`Table`. Each format is one writer of that document (``plain``,
``rich``, ``latex``, ``markdown``; see :mod:`chainrule.render.formats`), so a new output
target is one writer and a new result kind is one document builder.

    >>> from chainrule.render.document import M, Seg, Line, Document
    >>> doc = Document([Line(0, [Seg("Result:  ", "label"), Seg.math(M("2x", "2x"))],
    ...                      "result")], kind="derivation")
    >>> doc.lines[0].text
    'Result:  2x'

Every piece of math (:class:`M`) carries both its Unicode (for terminals) and its LaTeX
(made only when a writer asks). A segment's ``role`` (a :data:`Role`) says what it is —
a label, a rule's name, the result, the proof — and each writer styles roles its own way.
A line may be laid out by its builder for a width (``col``: the column it starts at);
builders asked for no width write each line whole, for the formats that wrap themselves.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal, Protocol, cast

if TYPE_CHECKING:
    from chainrule.expr import Expr
    from chainrule.steps import Step

__all__ = ["M", "Seg", "Eq", "Line", "Table", "Document", "Part", "Block", "Role", "LineKind",
           "Segment", "Row", "Rows", "from_rows",
           "DOT", "DOT_TIGHT", "mjoin", "call", "prime", "math_of", "proof_text", "proofs_text",
           "Proof", "NO_WIDTH"]

Role = Literal[
    "words",    # plain prose
    "math",     # an expression
    "label",    # a short label that starts a line ("inner", "Result:")
    "rule",     # a reason: the rule applied, worded per step class by each writer
    "head",     # a reason that heads its line
    "strong",   # words that head a block ("Correct:", "How to get it:")
    "ref",      # a reference back to an earlier step
    "dim",      # a side remark
    "note",     # a recognised form's note
    "title",    # the title of the document
    "op",       # the operand of a report (the function a gradient is taken of)
    "result",   # the answer
    "good",     # a verdict or proof that holds
    "bad",      # a verdict that does not
    "warn",     # a value that does not exist, a proof that was not made
    "mistake",  # the name of a mistake
    "error",    # a run that failed
]
LineKind = Literal["title", "step", "result", "note", "proof", "heading", "text", "blank"]
NO_WIDTH = 10 ** 6   # the width a builder is given for the formats that do not wrap lines


# ── math in two notations ──────────────────────────────────────────────────────
class M:
    """A piece of math: ``text`` in Unicode for terminals, ``tex`` in LaTeX for documents.

    The LaTeX is made only when a writer asks for it (plain text never does)."""

    __slots__ = ("_make", "_tex", "text")

    def __init__(self, text: str, tex: str | None = None,
                 make: Callable[[], str] | None = None) -> None:
        self.text = text
        self._tex = tex
        self._make = make

    @property
    def tex(self) -> str:
        if self._tex is None:
            self._tex = self._make() if self._make is not None else self.text
            self._make = None
        return self._tex

    def __add__(self, other: M | str) -> M:
        o = other if isinstance(other, M) else M(other, other)
        return M(self.text + o.text, make=lambda: self.tex + o.tex)

    def __radd__(self, other: str) -> M:
        return M(other + self.text, make=lambda: other + self.tex)

    def __repr__(self) -> str:
        return f"M({self.text!r})"


DOT = M(" · ", r" \cdot ")
DOT_TIGHT = M("·", r" \cdot ")


def math_of(e: Expr, text: str | None = None) -> M:
    """An expression as math: its Unicode (or ``text``, a shortened form) and its LaTeX."""
    return M(e.pretty() if text is None else text, make=e.latex)


def mjoin(parts: Sequence[M], sep: M | str) -> M:
    s = sep if isinstance(sep, M) else M(sep, sep)
    out = M("", "")
    for i, p in enumerate(parts):
        out = out + (s + p if i else p)
    return out


def call(name: M, arg: M) -> M:
    """f(x) in both notations (plain parentheses: these are names, not expressions)."""
    return name + "(" + arg + ")"


def prime(name: M) -> M:
    return M(name.text + "′", name.tex + "'")


# ── segments and lines ─────────────────────────────────────────────────────────
@dataclass(frozen=True)
class Seg:
    """A run of words or math styled by its ``role``.

    ``brk``: a line too wide for the terminal may break before this segment. ``focus``:
    (whole, part, part-of-part, …) — rich highlights each part inside the one before.
    ``steps``: the steps a reason names (writers word the rule per step class).
    ``math_`` is the segment's math in both notations (None for words)."""

    text: str
    role: Role = "words"
    math_: M | None = field(default=None, repr=False)
    brk: bool = False
    steps: tuple[Step, ...] = ()
    focus: tuple[Expr, ...] = ()

    @property
    def tex(self) -> str | None:
        return self.math_.tex if self.math_ is not None else None

    @property
    def is_math(self) -> bool:
        return self.math_ is not None

    @staticmethod
    def math(m: M, role: Role = "math", *, brk: bool = False,
             focus: tuple[Expr, ...] = ()) -> Seg:
        return Seg(m.text, role, m, brk=brk, focus=focus)


@dataclass(frozen=True)
class Eq:
    """lhs = a = b = …, laid out by each writer (a terminal breaks it at '=').

    ``open``: the line starts with '=' (it continues the line above). ``breaks``: indexes
    of sides that always start a new row, aligned under the first '='."""

    sides: tuple[M, ...]
    open: bool = False
    breaks: frozenset[int] = frozenset()

    def __post_init__(self) -> None:  # drop a side equal to the one before it
        kept: list[M] = []
        breaks: set[int] = set()
        for i, s in enumerate(self.sides):
            if kept and s.text == kept[-1].text:
                continue
            if i in self.breaks:
                breaks.add(len(kept))
            kept.append(s)
        object.__setattr__(self, "sides", tuple(kept))
        object.__setattr__(self, "breaks", frozenset(breaks))

    @property
    def text(self) -> str:
        return ("= " if self.open else "") + " = ".join(s.text for s in self.sides)

    @property
    def tex(self) -> str:
        return ("= " if self.open else "") + " = ".join(s.tex for s in self.sides)


Part = Seg | Eq


@dataclass
class Line:
    """One line of the document at a nesting ``level``.

    ``number``: the step this line starts, when steps are numbered. ``col``: the column
    where the line starts when its builder laid it out for a width (a wrapped formula's
    continuation, a table's neighbour); None lets the writer fit the line itself."""

    level: int
    parts: list[Part]
    kind: LineKind = "step"
    number: int | None = None
    col: int | None = None

    @property
    def text(self) -> str:
        return "".join(p.text for p in self.parts)


@dataclass
class Table:
    """Rows under a header. ``align``: "l" or "r" per column; ``roles``: one per row (a
    sum row is a result); ``wrap_last``: a last column of math too wide for the line wraps
    under itself in text. Each cell is math (both notations) or words (a str)."""

    header: list[str]
    rows: list[list[M | str]]
    align: str = ""
    roles: list[Role] = field(default_factory=list)
    level: int = 1
    wrap_last: bool = False

    def cell_text(self, cell: M | str) -> str:
        return cell.text if isinstance(cell, M) else cell

    def role(self, i: int) -> Role:
        return self.roles[i] if i < len(self.roles) else "math"

    def right(self, column: int) -> bool:
        return column < len(self.align) and self.align[column] == "r"


Block = Line | Table
# What a builder that lays its lines out for a width writes: (column, segments) rows, each
# segment (text, role) or (text, role, its math in both notations), and tables.
Segment = tuple[str, str] | tuple[str, str, M]
Row = tuple[int, list[Segment]]
Rows = list[Row | Table]


@dataclass
class Document:
    """Every block of one result, in order.

    ``kind``: the result's kind (``derivation``, ``gradient``, ``check``, ``descent``), as
    in its JSON document. ``numbered``: some line refers back to a step number."""

    lines: list[Block]
    numbered: bool = False
    steps_total: int = 0
    kind: str = "derivation"

    def text_lines(self) -> list[Line]:
        return [b for b in self.lines if isinstance(b, Line)]


_ROLES: dict[str, Role] = {"verify": "good", "": "words"}


def from_rows(rows: Rows, kind: str) -> Document:
    """Rows laid out by a builder (column, segments) as the lines of a document.

    A row's kind follows from its first segment: the proof ("verify"), a verdict or a
    summary at the margin (result), a section title (heading)."""
    blocks: list[Block] = []
    for row in rows:
        if isinstance(row, Table):
            blocks.append(row)
            continue
        col, segs = row
        if not any(seg[0] for seg in segs):
            blocks.append(Line(0, [], "blank"))
            continue
        parts: list[Part] = []
        for seg in segs:
            role = cast(Role, _ROLES.get(seg[1], seg[1]))
            parts.append(Seg(seg[0], role, seg[2] if len(seg) == 3 else None))
        raw = segs[0][1]
        line_kind: LineKind = (
            "proof" if raw == "verify" else
            "title" if col == 0 and raw in ("op", "title") and not blocks else
            "result" if col == 0 and raw in ("result", "good", "bad", "error") else
            "heading" if col == 0 and raw in ("label", "strong", "mistake") else
            "text" if col == 0 else "step")
        blocks.append(Line(col // 2, parts, line_kind, col=col))
    return Document(blocks, kind=kind)


class Proof(Protocol):
    """What a proof line reads of a verification (``chainrule.verify.Verification``)."""

    @property
    def status(self) -> str: ...
    @property
    def method(self) -> str: ...
    @property
    def points(self) -> int: ...
    @property
    def reference(self) -> str: ...


_NOT_VERIFIED = "· not verified (verification was turned off)"


def proof_text(status: str, method: str) -> str:
    """The proof line every document ends with: what was proven, and how."""
    if status == "symbolic":
        return f"✓ proven: {method}"
    if status == "numeric":
        return f"✓ checked numerically: {method}"
    return _NOT_VERIFIED


def proofs_text(proofs: Sequence[Proof]) -> str:
    """The proof line of several derivatives proven one by one (a gradient's partials)."""
    if not proofs:
        return _NOT_VERIFIED
    if len(proofs) == 1:
        return proof_text(proofs[0].status, proofs[0].method or
                          "equal to SymPy's derivative (symbolic)")
    n = len(proofs)
    what = "both partials" if n == 2 else f"all {n} partials"
    if all(v.status == "symbolic" for v in proofs):
        return f"✓ proven: {what} equal SymPy's derivatives (symbolic)"
    numeric = [v for v in proofs if v.status == "numeric"]
    reference = ("a finite-difference derivative"
                 if any(v.reference == "finite-difference" for v in proofs)
                 else "SymPy's derivative")
    points = min(v.points for v in numeric)
    return (f"✓ checked: {what} equal {reference} ({n - len(numeric)} symbolically, "
            f"{len(numeric)} at {points} or more random points)")
