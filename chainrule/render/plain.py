"""Plain text: the derivation as a person reads it in a terminal without colour.

    d/dx sin(x²)

    sin(x²) is a composite: y = sin(u₁) with u₁ = x²
      outer  d/du₁ sin(u₁) = cos(u₁)   (the derivative of sin u is cos u)
      ...
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from chainrule.render._outline import Line, header, outline_steps

if TYPE_CHECKING:
    from chainrule.api import Derivation
    from chainrule.verify import Verification

__all__ = ["render_plain", "verification_line", "layout"]


def layout(lines: list[Line], width: int) -> list[tuple[int, list[tuple[str, str]]]]:
    """Lines fitted to ``width``: an explanation that does not fit moves under its line."""
    out: list[tuple[int, list[tuple[str, str]]]] = []
    for line in lines:
        segs = line.segments
        total = line.indent + sum(len(t) for t, _ in segs)
        if total > width and len(segs) > 1 and segs[-1][1] == "rule":
            out.append((line.indent, segs[:-1]))
            out.append((line.indent + 4, [(segs[-1][0].strip(), "rule")]))
        else:
            out.append((line.indent, segs))
    return out


def verification_line(v: Verification) -> str:
    if v.status == "symbolic":
        return f"✓ proven: {v.method}"
    if v.status == "numeric":
        return f"✓ checked numerically: {v.method}"
    return "· not verified (verification was turned off)"


def _ordinal_op(variable: str, order: int, partial: bool) -> str:
    d = "∂" if partial else "d"
    if order == 1:
        return f"{d}/{d}{variable}"
    sup = str(order).translate(str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹"))
    return f"{d}{sup}/{d}{variable}{sup}"


def render_plain(d: Derivation, width: int = 80) -> str:
    from chainrule.render._outline import is_partial
    parts: list[str] = []
    for stage in d.stages:
        if d.order > 1:
            parts.append(f"Derivative {stage.order}: {header(stage.expr, d.variable)}")
        else:
            parts.append(header(stage.expr, d.variable))
        parts.append("")
        for indent, segs in layout(outline_steps(stage.steps, stage.expr, d.variable), width):
            parts.append(" " * indent + "".join(t for t, _ in segs))
        parts.append("")
    op = _ordinal_op(d.variable, d.order, is_partial(d.expr, d.variable))
    lhs, rhs = header(d.expr, d.variable, op), d.result.pretty()
    if len(lhs) + len(rhs) + 12 <= width:
        parts.append(f"Result:  {lhs} = {rhs}")
    else:
        parts += [f"Result:  {lhs}", f"         = {rhs}"]
    parts.append(verification_line(d.verification))
    return "\n".join(parts) + "\n"
