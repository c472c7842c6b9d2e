"""A gradient-descent run for people: the update rule, a table of J and the parameters at
the start, along the way and at the end, and what happened."""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING, Any

from chainrule.render.document import NO_WIDTH, Document, M, Rows, Segment, Table, from_rows
from chainrule.render.grad import number
from chainrule.render.textlayout import wrap_math

if TYPE_CHECKING:
    from chainrule.descent import Descent

__all__ = ["descent_document", "render_descent_plain", "render_descent_rich", "ROWS"]

ROWS = 8             # rows in the table between the start and the end
_MAX_COLUMNS = 5     # parameters shown as columns; more are summarised by |∇J|



def _stride(n: int) -> int:
    """Every how many steps a row is shown: 1 when the whole run fits."""
    return 1 if n <= ROWS + 2 else -(-(n - 1) // (ROWS + 1))


def _picked(n: int) -> list[int]:
    """Indices of the history shown: the start, every stride-th step, the end."""
    return sorted({*range(0, n, _stride(n)), n - 1})


def _change(first: float, last: float) -> str:
    """The relative change, never rounded to a misleading −100 % or +0 %."""
    if first == 0:
        return ""
    ratio = (last - first) / abs(first)
    for digits in range(0, 3):
        text = f"{ratio:+.{digits}%}"
        shown = float(text.rstrip("%")) / 100
        if (shown == -1.0) == (last == 0) and (shown == 0) == (last == first):
            break
    else:
        text = f"almost {ratio:+.0%}"
    return f" ({text})".replace("-", "−")


def descent_document(run: Descent, width: int | None = None) -> Document:
    """The run as a document, laid out for ``width`` columns (None: each line whole); it
    opens with how the text was read, when the parser chose (``sinx``, ``J(w) = …``)."""
    from chainrule.reading import read_as
    from chainrule.render.notation import read_as_lines
    doc = from_rows(_rows(run, width or NO_WIDTH), "descent")
    doc.lines[:0] = read_as_lines(run.expr, read_as(run.expr, None, run.text))
    return doc


def _rows(run: Descent, width: int) -> Rows:
    out: Rows = []
    head = "Gradient descent on J = "
    pieces = wrap_math(run.expr.pretty(), width - len(head))
    if len(pieces) == 1:
        formula = M(f"J = {pieces[0]}", make=lambda: "J = " + run.expr.latex())
        out.append((0, [("Gradient descent on ", "title"), (formula.text, "op", formula)]))
    else:
        out.append((0, [(head + pieces[0], "op")]))
    out.extend((len(head), [(p, "op")]) for p in pieces[1:])
    params = ", ".join(run.wrt)
    out.append((2, [(f"θ := θ − {run.lr:g}·∂J/∂θ", "math"), (" for ", "words"),
                    ("θ", "math"), (f" in {params}; {run.steps} steps", "words")]))
    fixed = {k: v for k, v in run.start.items() if k not in run.wrt}
    start = ", ".join(f"{k} = {number(v)}" for k, v in run.start.items() if k in run.wrt)
    held = ", ".join(f"{k} = {number(v)}" for k, v in fixed.items())
    origin: list[Segment] = [("from ", "words"), (start, "math")]
    if fixed:
        origin += [("; fixed: ", "words"), (held, "math")]
    out.append((2, origin))
    v = run.verification
    proof = "" if v is None or not v.proven else f" (✓ proven, {v.status})"
    how = f"gradient: one reverse sweep, compiled to Python{proof}"
    for i, piece in enumerate(textwrap.wrap(how, max(30, width - 2))):
        out.append((2 if i == 0 else 4, [(piece, "verify" if proof else "rule")]))
    out.append((0, []))

    shown = list(run.wrt[:_MAX_COLUMNS])
    header = ["step", "J", *shown, "|∇J|"]
    rows: list[list[str]] = []
    for i in _picked(len(run.history)):
        h = run.history[i]
        rows.append([str(h["iteration"]), number(h["J"]),
                     *(number(h["parameters"][p]) for p in shown), number(h["gradient_norm"])])
    out.append(Table(header, [[M(c, c.replace("−", "-")) for c in r] for r in rows],
                     "r" * len(header), level=1))
    stride = _stride(len(run.history))
    kept = run.kept_every
    if kept > 1:  # a long run keeps a bounded history: say so
        out.append((2, [(f"(every {stride * kept:,}th step and the last; the run keeps every "
                         f"{kept:,}th step, {len(run.history):,} rows, in --format json)",
                         "rule")]))
    elif stride > 1:
        out.append((2, [(f"(every {stride}th step and the last; every step is in --format json)"
                         if stride > 3 else f"(every {'second' if stride == 2 else 'third'} "
                         "step and the last; every step is in --format json)", "rule")]))
    if len(run.wrt) > _MAX_COLUMNS:
        rest = f"(the other {len(run.wrt) - _MAX_COLUMNS} parameters are in --format json)"
        out.append((2, [(rest, "rule")]))
    out.append((0, []))

    first, last = run.history[0]["J"], run.history[-1]["J"]
    taken = run.taken
    if run.stopped is not None:
        out.append((0, [(f"⏹ stopped after {taken:,} of {run.steps:,} steps: J went from "
                         f"{number(first)} to {number(last)}.", "warn")]))
        out.append((2, [(run.stopped.message, "rule")]))
    elif run.diverged:
        out.append((0, [(f"✗ diverged: {run.reason}.", "error")]))
        out.append((2, [(f"hint: {run.hint}", "rule")]))
    else:
        change = _change(first, last)
        verb = "fell" if last < first else ("rose" if last > first else "stayed")
        summary = (f"J {verb} from {number(first)} to {number(last)}{change} in {taken} "
                   f"step{'' if taken == 1 else 's'}.")
        out.append((0, [(summary, "strong")]))  # prose: the words of the outcome
    return out


def render_descent_plain(run: Descent, width: int = 80) -> str:
    from chainrule.render.plain import write_plain
    return write_plain(descent_document(run, width), width)


def render_descent_rich(run: Descent, console: Any) -> None:
    from chainrule.render.rich import write_rich
    write_rich(descent_document(run, console.width), console)
