"""Colour terminal output with rich: the same lines as plain text, styled by role."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chainrule.render._outline import header, outline_steps
from chainrule.render.plain import _ordinal_op, layout, verification_line

if TYPE_CHECKING:
    from chainrule.api import Derivation

__all__ = ["render_rich", "STYLES"]

STYLES = {
    "math": "", "rule": "dim italic", "label": "bold cyan", "op": "bold",
    "result": "bold green", "dim": "dim",
}


def render_rich(d: Derivation, console: Any, width: int | None = None) -> None:
    """Print ``d`` on a rich ``console``."""
    from rich.text import Text

    from chainrule.render._outline import is_partial
    width = width or console.width
    for stage in d.stages:
        title = header(stage.expr, d.variable)
        if d.order > 1:
            title = f"Derivative {stage.order}: {title}"
        console.print(Text(title, style="bold"))
        console.print()
        for indent, segs in layout(outline_steps(stage.steps, stage.expr, d.variable), width):
            text = Text(" " * indent, no_wrap=False)
            for chunk, role in segs:
                text.append(chunk, style=STYLES.get(role, ""))
            console.print(text)
        console.print()
    op = _ordinal_op(d.variable, d.order, is_partial(d.expr, d.variable))
    line = Text("Result:  ", style="bold")
    line.append(f"{header(d.expr, d.variable, op)} = ", style="")
    line.append(d.result.pretty(), style="bold green")
    console.print(line)
    mark = verification_line(d.verification)
    console.print(Text(mark, style="green" if d.verification.proven else "yellow"))
