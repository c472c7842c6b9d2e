"""Plain text: the derivation as a person reads it in a terminal without colour.

    d/dx sin(x²)

    sin(x²) = f(g(x)) is a composite with f(u₁) = sin(u₁), g(x) = x²
      chain rule  dy/dx = dy/du₁ · du₁/dx = f′(g(x))·g′(x)
      ...

The lines come from :mod:`chainrule.render._outline`; this module fits them to a width:
an equation breaks at '=' (continuations aligned under the first '='), words wrap, and a
reason that does not fit moves under its line. Step numbers, when some line refers back to
a step, stand in a gutter on the left.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from chainrule.render.grad import wrap_math
from chainrule.render._outline import Document, Eq, Line, Seg, document

if TYPE_CHECKING:
    from chainrule.api import Derivation
    from chainrule.slope import Slope
    from chainrule.verify import Verification

__all__ = ["render_plain", "verification_line", "layout", "fit", "row_text", "Row"]

INDENT = 2        # columns per level
CONTINUE = 4      # extra columns for a line's continuation
Chunk = tuple[str, str, "Seg | None"]   # text, role, the segment it came from


@dataclass
class Row:
    """One printed line: the gutter (a step number), the column where the text starts."""

    gutter: str
    col: int
    chunks: list[Chunk]
    level: int = 0
    kind: str = "step"
    base: int = 0          # the column where the line's level starts (after the gutter)
NBSP = "\u00a0"
_WORDS = ("words", "rule", "head", "dim", "ref", "label", "good", "warn", "title", "note")


def verification_line(v: Verification) -> str:
    if v.status == "symbolic":
        return f"✓ proven: {v.method}"
    if v.status == "numeric":
        return f"✓ checked numerically: {v.method}"
    return "· not verified (verification was turned off)"


class _Fitter:
    def __init__(self, col: int, width: int) -> None:
        self.width = width
        self.cont = col + CONTINUE
        self.rows: list[tuple[int, list[Chunk]]] = [(col, [])]
        self.col = col

    @property
    def empty(self) -> bool:
        return not self.rows[-1][1]

    def new_row(self, col: int) -> None:
        self.rows.append((col, []))
        self.col = col

    def put(self, text: str, role: str, seg: Seg | None = None) -> None:
        text = text.replace(NBSP, " ")  # it only kept "x = 5" together while wrapping
        self.rows[-1][1].append((text, role, seg))
        self.col += len(text)

    def seg(self, seg: Seg, group: int) -> None:
        """``group``: the width of this segment and those that must stay on its line."""
        text = seg.text
        if seg.brk and not self.empty and self.col + group > self.width:
            self.new_row(self.cont)
            text = text.lstrip()
        if self.col + len(text) <= self.width or seg.role not in _WORDS or seg.is_math:
            self.put(text, seg.role, seg)
            return
        self.words(text, seg)

    def words(self, text: str, seg: Seg) -> None:
        """Words that do not fit wrap onto continuation rows."""
        lead = len(text) - len(text.lstrip(" "))
        if lead:
            self.put(" " * lead, seg.role, seg)
        for i, word in enumerate(w for w in text.split(" ") if w):
            piece = word if i == 0 else " " + word
            if self.col + len(piece) > self.width and not self.empty and (
                    self.col > self.cont or i > 0):
                self.new_row(self.cont)
                piece = word
            self.put(piece, seg.role, seg)

    def eq(self, eq: Eq, role: str = "math") -> None:
        sides = [s.text for s in eq.sides]
        first = ("= " if eq.open else "") + sides[0]
        align = self.col if eq.open else self.col + len(sides[0]) + 1
        if any(align + 2 + len(side) > self.width for side in sides[1:]):
            align = min(align, self.cont)  # a side too long anyway: start it further left
        self.put(first, role)
        wrapped = False
        for k, side in enumerate(sides[1:], 1):
            piece = " = " + side
            if k in eq.breaks or wrapped or self.col + len(piece) > self.width:
                self.new_row(align)
                piece = "= " + side
            if self.col + len(piece) > self.width:  # too long for any row: break the math
                rows = wrap_math(side, self.width - self.col - 2)
                self.put(piece[:len(piece) - len(side)] + rows[0], role)
                for row in rows[1:]:
                    self.new_row(align + 2)
                    self.put(row, role)
                wrapped = len(rows) > 1
                continue
            self.put(piece, role)


def fit(line: Line, col: int, width: int) -> list[tuple[int, list[Chunk]]]:
    """One outline line as rows of at most ``width`` columns where it can break."""
    f = _Fitter(col, width)
    parts = line.parts
    for i, part in enumerate(parts):
        if isinstance(part, Eq):
            f.eq(part, "result" if line.kind == "result" else "math")
            continue
        group = len(part.text)
        for nxt in parts[i + 1:]:  # math after a break point stays with it ("where σ(z) = …")
            if isinstance(nxt, Eq) or nxt.brk or not nxt.is_math:
                break
            group += len(nxt.text)
        f.seg(part, group)
    return f.rows


def layout(doc: Document, width: int) -> list[Row]:
    """Every line of ``doc`` fitted to ``width``, with the step-number gutter."""
    numbers = [ln.number for ln in doc.lines if ln.number is not None]
    gutter = len(str(max(numbers))) + 2 if doc.numbered and numbers else 0
    rows: list[Row] = []
    for line in doc.lines:
        if line.kind == "blank":
            rows.append(Row("", 0, [], kind="blank"))
            continue
        base = gutter if line.kind == "step" else 0
        col = base + INDENT * line.level
        mark = f"{line.number}." if gutter and line.number is not None else ""
        for i, (c, chunks) in enumerate(fit(line, col, width)):
            rows.append(Row(mark.rjust(gutter - 1) + " " if (i == 0 and mark) else "", c,
                            chunks, line.level, line.kind, base))
    return rows


def row_text(row: Row) -> str:
    return (row.gutter + " " * (row.col - len(row.gutter))
            + "".join(t for t, _, _ in row.chunks)).rstrip()


def render_plain(d: Derivation, width: int = 80, detail: str | None = None,
                 slope: Slope | None = None) -> str:
    doc = document(d, detail, slope=slope)
    return "\n".join(row_text(r) for r in layout(doc, width)) + "\n"

