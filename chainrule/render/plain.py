"""Plain text: any document as a person reads it in a terminal without colour.

    d/dx sin(x²)

    sin(x²) = f(g(x)) is a composite with f(u₁) = sin(u₁), g(x) = x²
      chain rule  dy/dx = dy/du₁ · du₁/dx = f′(g(x))·g′(x)
      ...

The writer fits a :class:`~chainrule.render.document.Document` to a width: an equation
breaks at '=' (continuations aligned under the first '='), words wrap, and a reason that
does not fit moves under its line; a line its builder laid out (``col``) is written as it
is, and a table's columns are aligned. Step numbers, when some line refers back to a step,
stand in a gutter on the left.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from chainrule.render.document import Document, Eq, Line, Role, Seg, Table, proof_text
from chainrule.render.textlayout import wrap_math

if TYPE_CHECKING:
    from chainrule.api import Derivation
    from chainrule.slope import Slope
    from chainrule.verify import Verification

__all__ = ["write_plain", "render_plain", "verification_line", "layout", "fit", "row_text", "Row",
           "table_rows"]

INDENT = 2        # columns per level
CONTINUE = 4      # extra columns for a line's continuation
TABLE_GAP = "   "  # between the columns of a table
Chunk = tuple[str, Role, "Seg | None"]   # text, role, the segment it came from


@dataclass
class Row:
    """One printed line: the gutter (a step number), the column where the text starts."""

    gutter: str
    col: int
    chunks: list[Chunk]
    level: int = 0
    kind: str = "step"
    base: int = 0          # the column where the line's level starts (after the gutter)
    guides: bool = True    # nested under tree guides in colour (not a laid-out line)
NBSP = "\u00a0"
_WORDS = ("words", "rule", "head", "dim", "ref", "label", "good", "warn", "title", "note")


def verification_line(v: Verification) -> str:
    return proof_text(v.status, v.method)


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

    def put(self, text: str, role: Role, seg: Seg | None = None) -> None:
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

    def eq(self, eq: Eq, role: Role = "math") -> None:
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
    """Every block of ``doc`` fitted to ``width``, with the step-number gutter."""
    numbers = [ln.number for ln in doc.text_lines() if ln.number is not None]
    gutter = len(str(max(numbers))) + 2 if doc.numbered and numbers else 0
    rows: list[Row] = []
    for line in doc.lines:
        if isinstance(line, Table):
            rows += table_rows(line, width)
            continue
        if line.kind == "blank":
            rows.append(Row("", 0, [], kind="blank"))
            continue
        if line.col is not None:  # laid out by its builder
            rows.append(Row("", line.col, [(p.text, _role(p), p if isinstance(p, Seg) else None)
                                           for p in line.parts], line.level, line.kind,
                            guides=False))
            continue
        base = gutter if line.kind == "step" else 0
        col = base + INDENT * line.level
        mark = f"{line.number}." if gutter and line.number is not None else ""
        for i, (c, chunks) in enumerate(fit(line, col, width)):
            rows.append(Row(mark.rjust(gutter - 1) + " " if (i == 0 and mark) else "", c,
                            chunks, line.level, line.kind, base))
    return rows


def _role(part: Seg | Eq) -> Role:
    return part.role if isinstance(part, Seg) else "math"


def table_rows(t: Table, width: int) -> list[Row]:
    """A table as aligned columns; a last column of math too wide wraps under itself."""
    col = INDENT * t.level
    texts = [[t.cell_text(c) for c in r] for r in t.rows]
    n = len(t.header)
    widths = [max(len(r[i]) for r in [t.header, *texts]) for i in range(n)]
    last = col + sum(widths[:-1]) + len(TABLE_GAP) * (n - 1)

    def cells(r: list[str]) -> str:
        return TABLE_GAP.join(r[i].rjust(widths[i]) if t.right(i) else r[i].ljust(widths[i])
                              for i in range(len(r))).rstrip()
    rows = [Row("", col, [(cells(t.header), "dim", None)], t.level, "heading", guides=False)]
    for i, r in enumerate(texts):
        role = t.role(i)
        pieces = wrap_math(r[-1], max(20, width - last)) if t.wrap_last else [r[-1]]
        rows.append(Row("", col, [(cells([*r[:-1], pieces[0]]), role, None)], t.level,
                        guides=False))
        rows += [Row("", last, [(piece, role, None)], t.level, guides=False)
                 for piece in pieces[1:]]
    return rows


def row_text(row: Row) -> str:
    return (row.gutter + " " * (row.col - len(row.gutter))
            + "".join(t for t, _, _ in row.chunks)).rstrip()


def write_plain(doc: Document, width: int = 80) -> str:
    """The document as plain text, ``width`` columns wide."""
    return "\n".join(row_text(r) for r in layout(doc, width)) + "\n"


def render_plain(d: Derivation, width: int = 80, detail: str | None = None,
                 slope: Slope | None = None) -> str:
    from chainrule.render._outline import document
    return write_plain(document(d, detail, slope=slope), width)
