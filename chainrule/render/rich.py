"""Colour terminal output with rich: any document's plain lines, styled by role.

With colour, nested steps hang from dim tree guides (│), and in each composite the inner
functions are highlighted inside the expression the step works on — u₁ in one colour and,
inside it, u₂ in the next — so the decomposition can be seen at a glance. Without colour
(``NO_COLOR``, a pipe, a colourless console) the output is exactly the plain text.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from chainrule.expr import Expr, Symbol, substitute
from chainrule.render.document import Document, Role
from chainrule.render.plain import INDENT, Row, layout

if TYPE_CHECKING:
    from chainrule.api import Derivation
    from chainrule.slope import Slope

__all__ = ["write_rich", "render_rich", "STYLES", "highlight"]

# One style per role, for every kind of document.
STYLES: dict[Role, str] = {
    "math": "", "words": "", "rule": "dim italic", "head": "italic", "strong": "bold",
    "label": "bold cyan", "op": "bold", "result": "bold green", "dim": "dim",
    "ref": "italic magenta", "good": "green", "bad": "bold red", "warn": "yellow",
    "title": "bold", "note": "italic", "mistake": "bold yellow", "error": "bold red",
}
LAYER_STYLES = ("bold yellow", "bold magenta", "bold blue", "bold green", "bold red",
                "bold cyan")
_HOLE = Symbol("⟦hole⟧")


def _split(whole: Expr, part: Expr) -> tuple[str, str, str] | None:
    """``whole`` as text before, the text of ``part``, text after — or None if the printer
    writes ``part`` differently inside ``whole`` (then nothing is highlighted)."""
    text, inner = whole.pretty(), part.pretty()
    holed = substitute(whole, {part: _HOLE}).pretty()
    hole = _HOLE.pretty()
    if holed.count(hole) != 1:
        return None
    before, after = holed.split(hole)
    for left, right in (("", ""), ("(", ")")):
        if before + left + inner + right + after == text:
            return before + left, inner, right + after
    return None


def highlight(whole: Expr, parts: Sequence[Expr]) -> list[tuple[str, int]]:
    """The text of ``whole`` in pieces with a depth: 1 inside parts[0], 2 inside parts[1]
    (which lies inside parts[0]), … — 0 elsewhere."""
    pieces: list[tuple[str, int]] = []
    current, depth = whole, 0
    tail: list[tuple[str, int]] = []
    for part in parts:
        cut = _split(current, part)
        if cut is None:
            break
        before, _, after = cut
        pieces.append((before, depth))
        tail.insert(0, (after, depth))
        current, depth = part, depth + 1
    pieces.append((current.pretty(), depth))
    return [p for p in pieces + tail if p[0]]


def _guides(row: Row) -> list[tuple[str, str]]:
    """The indentation of a nested step as dim tree guides."""
    pad = row.col - len(row.gutter)
    out: list[tuple[str, str]] = []
    if row.kind != "step" or row.level == 0 or not row.guides:
        return [(" " * pad, "")]
    lead = row.base - len(row.gutter)
    out.append((" " * lead, ""))
    used = lead
    for _ in range(row.level):
        out.append(("│" + " " * (INDENT - 1), "dim"))
        used += INDENT
    out.append((" " * (pad - used), ""))
    return out


def write_rich(doc: Document, console: Any, width: int | None = None) -> None:
    """Print ``doc`` on a rich ``console`` (plain text when the console has no colour)."""
    from rich.text import Text
    width = width or console.width
    colour = console.color_system is not None and not console.no_color
    for row in layout(doc, width):
        text = Text(no_wrap=True, overflow="ignore")
        text.append(row.gutter, style="dim")
        for chunk, style in (_guides(row) if colour else [(" " * (row.col - len(row.gutter)), "")]):
            text.append(chunk, style=style)
        for chunk, role, seg in row.chunks:
            style = "bold" if row.kind == "title" else STYLES.get(role, "")
            if colour and seg is not None and seg.focus and chunk == seg.text:
                for piece, depth in highlight(seg.focus[0], seg.focus[1:]):
                    text.append(piece, style=LAYER_STYLES[(depth - 1) % len(LAYER_STYLES)]
                                if depth else style)
            else:
                text.append(chunk, style=style)
        text.rstrip()
        console.print(text, soft_wrap=True)


def render_rich(d: Derivation, console: Any, width: int | None = None,
                detail: str | None = None, slope: Slope | None = None) -> None:
    """Print the derivation ``d`` on a rich ``console``."""
    from chainrule.render._outline import document
    write_rich(document(d, detail, slope=slope), console, width)
