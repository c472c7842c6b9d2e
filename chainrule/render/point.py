"""The words at a point: the value, the slope and what its sign means, the tangent line.

:func:`slope_lines` writes the lines a derivation's document ends with when a point is
given (``chainrule diff --at x=5``, ``d.at(x=5)``): y and its value with the numbers put
in, dy/dx there or why it does not exist (a corner, a vertical tangent), what a gradient
step would do, the curvature, and the tangent line.
"""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING, Any

from chainrule.evaluate import evaluate, has_long_number, number_text, scientific
from chainrule.expr import Expr, Num, Symbol, substitute
from chainrule.render.document import Eq, Line, M, Seg, mjoin
from chainrule.render.notation import Notation, order_op, output_name

if TYPE_CHECKING:
    from chainrule.derivation import Derivation
    from chainrule.slope import Slope

__all__ = ["slope_lines"]

_num = number_text


def slope_lines(s: Slope, d: Derivation, n: Notation) -> list[Line]:
    """At x = 5: the value, the slope, what its sign means, the tangent line."""
    lines: list[Line] = []
    x = n.name(s.variable)
    y = M(*(2 * (output_name(d.expr),)))
    dy = n.leibniz(y)
    where = mjoin([n.name(k) + " = " + _mx_at(n, v) for k, v in s.point.items()], ", ")
    lines.append(Line(0, [Seg("At ", "title"), Seg.math(where, "title")], "heading"))
    if s.value is None:
        lines.append(Line(1, [Seg.math(y), Seg(" is too large to compute here: " if s.too_large
                                               else " has no value here: "),
                              Seg(s.reason or "", "warn", brk=True)], "step"))
        return lines
    at: dict[Expr, Expr] = {Symbol(k): v for k, v in s.point.items()}
    lines.append(Line(1, [_eq_value([y, n.mx(d.expr), *_put_in(n, d.expr, at, s.value)],
                                    s.value)], "step"))
    if s.slope is None:
        same = (s.sides is not None and not any(map(math.isinf, s.sides))
                and math.isclose(*s.sides, rel_tol=1e-4, abs_tol=1e-6))
        lines.append(Line(1, [Seg.math(dy), Seg(" cannot be evaluated here: "
                                                if same or s.too_large else
                                                " does not exist here: "),
                              Seg(s.reason or "", "warn", brk=True)], "step"))
        if s.sides is not None:
            left, right = s.sides
            point = f"{x.text}\u00a0=\u00a0{_mx_at(n, s.at).text}"
            if math.isinf(left) or math.isinf(right):
                tail = (f"near {point} the slope grows without bound "
                        f"({_num(left)} on the left, {_num(right)} on the right): "
                        "the tangent is vertical or there is none")
            elif same:
                tail = (f"the slope is {_num(left)} on both sides of {point}, so it may "
                        "exist as a limit")
            else:
                tail = (f"just left of {point} the slope is {_num(left)}, just right of it "
                        f"{_num(right)}: there is no single tangent line")
            lines.append(Line(1, [Seg(tail, "words")], "step"))
        return lines
    result = d.stages[0].result
    lines.append(Line(1, [_eq_value([dy, n.mx(result), *_put_in(n, result, at, s.slope)],
                                    s.slope)], "step"))
    held = ""
    if s.others:
        held = " (with " + ", ".join(f"{n.name(k).text} = {v.pretty()}"
                                     for k, v in s.others.items()) + " held fixed)"
    sign = s.slope.sign
    step = M(f"{x.text} ← {x.text} − α·{dy.text}", rf"{x.tex} \leftarrow {x.tex} - \alpha {dy.tex}")
    point = f"{x.text}\u00a0=\u00a0{_mx_at(n, s.at).text}"  # never broken across lines
    rate = s.slope.text if s.slope.is_rational else s.slope.decimal_text
    if sign == 0:
        lines.append(Line(1, [Seg(f"slope 0: {y.text} is flat at {point}{held}: a stationary "
                                  "point (a minimum, a maximum or a saddle)", "words")], "step"))
        lines.append(Line(1, [Seg("gradient descent: a step ", "words"), Seg.math(step),
                              Seg(f" leaves {x.text} where it is", "words")], "step"))
    else:
        up = sign > 0
        size = rate.lstrip("−")
        lines.append(Line(1, [Seg(f"slope {'>' if up else '<'} 0: {y.text} "
                                  f"{'increases' if up else 'decreases'} as {x.text} increases"
                                  f"{held}, by about {size} per unit of {x.text} near {point}",
                                  "words")], "step"))
        lines.append(Line(1, [Seg("gradient descent: a step ", "words"), Seg.math(step),
                              Seg(f" moves {x.text} {'down' if up else 'up'}, towards smaller "
                                  f"{y.text}", "words")], "step"))
    for k, v in enumerate(s.higher, 2):
        op = order_op(n, k)
        top = M(f"{op.text.split('/')[0]}{y.text}/{op.text.split('/')[1]}", "")
        top = M(top.text, op.tex.replace("}{", y.tex + "}{", 1))
        if v is None:
            lines.append(Line(1, [Seg.math(top), Seg(" has no value here", "warn")], "step"))
            continue
        extra = ""
        if k == 2:
            extra = {1: ": the graph curves upward (convex) here",
                     -1: ": the graph curves downward (concave) here",
                     0: ": no curvature at this point"}[v.sign]
        kth = d.stages[k - 1].result
        lines.append(Line(1, [_eq_value([top, n.mx(kth), *_put_in(n, kth, at, v)], v),
                              Seg(extra, "words")], "step"))
    what = "tangent line" + (f" along {x.text}" if s.others else "")
    if s.tangent is not None and s.tangent_tidy is not None and not has_long_number(s.tangent):
        lines.append(Line(1, [Seg(what + "  ", "label"),
                              Eq((y, n.mx(s.tangent), n.mx(s.tangent_tidy)))], "step"))
    elif s.tangent_tidy is not None and not has_long_number(s.tangent_tidy):
        lines.append(Line(1, [Seg(what + "  ", "label"), Eq((y, n.mx(s.tangent_tidy)))], "step"))
    else:
        lines.append(Line(1, [Seg("tangent line  ", "label"),
                              Eq((_approx_tangent(y, x, s),))], "step"))
    return lines


_CRAMPED = re.compile(r"\d[|√∛e]")  # "0|0|", "2√4", "2e^(…)": a number put in reads badly


def _put_in(n: Notation, e: Expr, at: dict[Expr, Expr], v: Any) -> list[M]:
    """``e`` with the point's numbers put in (2·5), when that reads clearly and says more
    than the value itself."""
    put = substitute(e, at)
    if has_long_number(put):  # 10⁴⁰⁰ written out says nothing the value does not
        return []
    m = n.mx(put)
    if _CRAMPED.search(m.text) or (v.exact is not None and m.text == v.exact.pretty()):
        return []
    return [m]


def _approx_tangent(y: M, x: M, s: Slope) -> M:
    """y ≈ f(a) + f′(a)(x − a) in decimals, when there is no exact form."""
    assert s.value is not None and s.slope is not None
    fa, m = s.value.decimal_text, s.slope.decimal_text
    a = _num(s.at_decimal if s.at_decimal is not None else _float(s.at))
    tex = [t.replace("−", "-") for t in (fa, m, a)]
    return M(f"{y.text} ≈ {fa} + {m}({x.text} − {a})",
             rf"{y.tex} \approx {tex[0]} + {tex[1]}\left({x.tex} - {tex[2]}\right)")


def _mx_at(n: Notation, e: Expr) -> M:
    """A point's value as written (π/2), or in scientific notation when its digits run
    long (1e−400, exactly)."""
    if isinstance(e, Num):
        long = scientific(e.value)
        if long is not None and not long[0].startswith("≈"):
            return M(*long)
    return n.mx(e)


def _float(e: Expr) -> float:
    return evaluate(e, {})


def _eq_value(sides: list[M], v: Any) -> Eq:
    """sides = value; an approximation with no exact form joins the last side with ≈."""
    value = _val(v)
    if value.text.startswith("≈"):
        return Eq((*tuple(sides[:-1]), sides[-1] + " " + value))
    return Eq((*tuple(sides), value))


def _val(v: Any) -> M:
    """An exact value, or an exact form with its decimal, or a decimal alone."""
    if v.exact is not None and v.writable and v.is_rational:
        return M(v.exact.pretty(), v.exact.latex())
    if v.exact is not None and v.is_rational:  # 10⁸⁰⁰: in scientific notation
        text, tex = v.long
        return M(text, tex)
    dec = v.decimal_text
    if v.exact is not None and v.writable:
        return M(f"{v.exact.pretty()} ≈ {dec}",
                 rf"{v.exact.latex()} \approx {dec.replace('−', '-')}")
    return M(f"≈ {dec}", rf"\approx {dec.replace('−', '-')}")
