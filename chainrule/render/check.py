"""The document of ``chainrule check`` (every format writes it) and its JSON.

The verdict comes first (✓ or ✗), then the diagnosis — for each mistake one sentence and
the correct step at that layer next to what the answer implies — then the correct result
and the derivation at ``--detail brief`` (the chain, product and quotient rules only).

    ✗ Not the derivative: cos(x²) ≠ d/dx sin(x²)

    Missing inner derivative, at sin(x²)
      You forgot to multiply by the derivative of the inner function x²,
      which is 2x.
        your answer  cos(x²)
        chain rule   cos(x²) · 2x
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from chainrule.evaluate import number_text
from chainrule.expr import Expr, fold, node_count
from chainrule.printing import to_unicode_pieces
from chainrule.reading import read_as
from chainrule.render._outline import document as derivation_document
from chainrule.render.document import NO_WIDTH, Document, Line, Row, from_rows
from chainrule.render.notation import READ_AS, header, read_as_lines

if TYPE_CHECKING:
    from chainrule.checking import CheckResult, Mistake

__all__ = ["check_document", "render_check_plain", "render_check_rich", "check_to_dict",
           "check_rows"]

Segment = tuple[str, str]          # (text, role)
NBSP = "\u00a0"                    # keeps a formula on one line while wrapping
CLIP = 4                           # a formula longer than CLIP × width is shown shortened (…)
_NUMBERS = ["", "Two", "Three"]


# ── the verdict and the diagnosis ────────────────────────────────────────────
def _clip(text: str, limit: int) -> str:
    """Very long formulas (deep input) are cut with an ellipsis; the JSON has them whole."""
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _printable(e: Expr, limit: int) -> bool:
    """Whether ``e`` prints in about ``limit`` characters: its size as a tree (shared
    subexpressions counted each time they print), found without printing it."""
    return fold(e, lambda n, kids: 1 + sum(kids)) <= limit


def _show(e: Expr, limit: int, write: Callable[[Expr], str] = Expr.pretty) -> str:
    """``write(e)`` cut to ``limit`` characters, or a placeholder if it would be huge."""
    if not _printable(e, 4 * limit):
        return f"[a formula too long to show ({node_count(e)} distinct parts)]"
    return _clip(write(e), limit)


def _wrap(text: str, indent: int, width: int) -> list[str]:
    """Wrapped at ``width``; no formula is split (NBSP) and no word is left alone at the end."""
    room = max(30, width - indent)
    text = _clip(text, CLIP * width)
    lines = textwrap.wrap(text, width=room, break_long_words=False, break_on_hyphens=False)
    for narrower in range(room - 1, max(20, room - 24), -1):
        if len(lines) < 2 or len(lines[-1]) >= 12:
            break
        tried = textwrap.wrap(text, width=narrower, break_long_words=False,
                              break_on_hyphens=False)
        if len(tried) == len(lines):
            lines = tried
    return [line.replace(NBSP, " ") for line in lines]


def _verdict(r: CheckResult, width: int) -> list[Row]:
    op = _op(r, width)
    answer = _show(r.answer, CLIP * width)
    if r.correct:
        part = r.equivalence.part
        mark, words, rel = ("✓ ", "good"), f"Correct where {part}: " if part else "Correct: ", "="
    else:
        mark, words, rel = ("✗ ", "bad"), "Not the derivative: ", "≠"
    one = f"{mark[0]}{words}{answer} {rel} {op}"
    if len(one) <= width:
        return [(0, [(mark[0] + words, mark[1]), (f"{answer} {rel} {op}", "math")])]
    return [(0, [(mark[0] + words.rstrip(), mark[1])]),
            (4, [("your answer  ", "label"), (answer, "math")]),
            (4, [(f"{rel} ", "math"), (op, "math")])]


def _op(r: CheckResult, width: int) -> str:
    """d/dx [expr] (∂/∂w for a partial derivative)."""
    if not _printable(r.expr, 4 * CLIP * width):
        return f"d/d{r.variable} [a formula too long to show]"
    return _clip(header(r.expr, r.variable), CLIP * width)


def _correct_note(r: CheckResult, width: int) -> list[Row]:
    eq = r.equivalence
    rows: list[Row] = []
    ours = _show(r.derivative, CLIP * width)
    how = "proven symbolically" if eq.status == "symbolic" else eq.method
    if r.answer is r.derivative or _show(r.answer, CLIP * width) == ours:
        text = f"It is the same as chainrule's result ({how})."
    else:
        text = (f"It equals chainrule's {ours.replace(' ', NBSP)}, written differently "
                f"({how}).")
    rows += [(2, [(line, "words")]) for line in _wrap(text, 2, width)]
    if eq.note:
        rows += [(2, [(line, "dim")]) for line in _wrap(eq.note[:1].upper() + eq.note[1:] + ".",
                                                       2, width)]
    return rows


def _mistake_rows(m: Mistake, indent: int, body: int, width: int, *, compare: bool = True,
                  head: list[Segment] | None = None) -> list[Row]:
    """Title, the sentence, then what the answer implies next to the correct step."""
    rows: list[Row] = [(indent, [*(head or []), (m.title, "mistake"), (", at ", "words"),
                                 (m.layer_pretty, "math")])]
    rows += [(body, [(line, "words")]) for line in _wrap(m.wrappable or m.explanation, body, width)]
    if not compare or m.variant == "ratio":
        return rows
    mine = "your answer" if m.at_root else "your answer implies"
    pad = max(len(mine), len(m.rule)) + 2
    for label, e in ((mine, m.implied), (m.rule, m.expected)):
        rows.append((body + 2, [(label.ljust(pad), "label"),
                                (_show(e, CLIP * width, to_unicode_pieces), "math")]))
    return rows


def _diagnosis_rows(r: CheckResult, width: int) -> list[Row]:
    rows: list[Row] = []
    if r.mistakes and r.confidence == "low":
        rows.append((0, [("No classic mistake matches exactly; a lead:", "strong")]))
        for m in r.mistakes:
            rows += [(2, [(line, "words")])
                     for line in _wrap(m.wrappable or m.explanation, 2, width)]
        rows.append((0, [("", "words")]))
        rows += _disagreement_rows(r, width)
        return rows
    if len(r.mistakes) == 1:
        rows += _mistake_rows(r.mistakes[0], 0, 2, width)
    elif r.mistakes:
        count = _NUMBERS[len(r.mistakes) - 1] if len(r.mistakes) <= 3 else str(len(r.mistakes))
        rows.append((0, [(f"{count} mistakes combine:", "strong")]))
        for i, m in enumerate(r.mistakes):
            # what a layer's derivative became shows once, after its last mistake
            last = all(n.layer is not m.layer for n in r.mistakes[i + 1:])
            rows += _mistake_rows(m, 0, 3, width, compare=last,
                                  head=[(f"{i + 1}. ", "mistake")])
    else:
        rows += [(0, [(line, "strong")]) for line in _wrap(
            "Your answer does not match any of the classic mistakes chainrule knows.", 0, width)]
        rows.append((0, [("Where it goes wrong:", "strong")]))
        rows += _disagreement_rows(r, width)
    if r.alternatives:
        readings = "; ".join(" with ".join(f"{m.title.lower()} at {m.layer_pretty}".replace(
            " ", NBSP) for m in alt) for alt in r.alternatives)
        rows += [(2, [(line, "dim")]) for line in _wrap(
            f"The same answer also comes from: {readings}.", 2, width)]
    return rows


def _num(v: float) -> str:
    return number_text(v, 6)


def _disagreement_rows(r: CheckResult, width: int) -> list[Row]:
    rows: list[Row] = []
    d = r.disagreement
    if d is not None:
        at = ", ".join(f"{k} = {_num(v)}" for k, v in d.point.items())
        if d.answer is None:
            text = (f"At {at} your answer is undefined, but the derivative is "
                    f"{_num(d.derivative)}.")
        else:
            text = (f"At {at} your answer is {_num(d.answer)}, but the derivative is "
                    f"{_num(d.derivative)}.")
            if _num(d.answer) == _num(d.derivative):  # close: say by how much
                text = text[:-1] + f" (they differ by {number_text(d.answer - d.derivative)})."
        rows += [(2, [(line, "words")]) for line in _wrap(text, 2, width)]
    gap = r.equivalence.difference
    if gap is not None:
        rows += [(2, [(line, "words")]) for line in _wrap(
            "Your answer differs from the derivative by this, which SymPy shows is not zero:",
            2, width)]
        rows.append((4, [(_show(gap, CLIP * width, to_unicode_pieces), "math")]))
    c = r.comparison
    if c is None:
        if d is not None and d.answer is not None:
            rows += [(2, [(line, "words")]) for line in _wrap(
                "It has no term or factor in common with the derivative "
                f"{_show(r.derivative, CLIP * width).replace(' ', NBSP)}.", 2, width)]
        return rows
    if c.ratio is not None and r.confidence != "low":
        rows += [(2, [(f"Your answer is {_frac(c.ratio)} times the derivative.", "words")])]
    if c.matching or c.missing or c.extra or c.scaled:
        piece = "factor" if c.by == "factors" else "term"
        rows += [(2, [(line, "words")]) for line in _wrap(
            f"Compared {piece} by {piece} with "
            f"{_show(r.derivative, CLIP * width).replace(' ', NBSP)}:", 2, width)]
        for label, items in (("in both", c.matching), ("missing", c.missing),
                             ("not in the derivative", c.extra)):
            if items:
                rows.append((4, [(label.ljust(23), "label"), (_clip(
                    ",  ".join(_show(e, CLIP * width) for e in items), CLIP * width), "math")]))
        for ours, theirs, factor in c.scaled:
            rows.append((4, [("off by a factor".ljust(23), "label"),
                             (f"{_show(theirs, CLIP * width)} is {_frac(factor)} × "
                              f"{_show(ours, CLIP * width)}", "math")]))
    return rows


def _frac(f: Any) -> str:
    return str(f).replace("-", "−")


def check_rows(r: CheckResult, width: int = 80) -> list[Row]:
    """The verdict, the diagnosis and the correct result as rows of styled segments
    (shared by plain and rich); the derivation follows them."""
    rows = _verdict(r, width)
    rows.append((0, [("", "words")]))
    if r.correct:
        rows += _correct_note(r, width)
    else:
        rows += _diagnosis_rows(r, width)
        rows.append((0, [("", "words")]))
        rows.append((0, [("Correct:  ", "strong"), (f"{_op(r, width)} = ", "math"),
                         (_show(r.derivative, CLIP * width), "result")]))
    rows.append((0, [("", "words")]))
    rows.append((0, [("How to get it:", "strong")]))
    if not _derivation_fits(r, width):
        rows.append((2, [("The derivation is too long to show here; run chainrule diff, "
                          "or see the JSON (--format json).", "dim")]))
    return rows


def _derivation_fits(r: CheckResult, width: int) -> bool:
    """Whether the brief derivation prints in reasonable space (deep input does not)."""
    limit = 12 * CLIP * width
    return _printable(r.expr, limit) and _printable(r.derivative, limit)


def check_document(r: CheckResult, width: int | None = None) -> Document:
    """The verdict, the diagnosis, the correct result and its derivation (brief detail),
    laid out for ``width`` columns (None: each line whole)."""
    w = width or NO_WIDTH
    doc = from_rows(list[Any](check_rows(r, w)), "check")
    answer = read_as(r.answer, None, r.answer_text)
    doc.lines[:0] = (read_as_lines(r.expr, read_as(r.expr, r.variable, r.text))
                     + read_as_lines(r.answer, answer, "answer read as: "))
    if _derivation_fits(r, w):
        steps = derivation_document(r.derivation, "brief")
        shown = steps.lines
        if shown and isinstance(shown[0], Line) and shown[0].parts and getattr(
                shown[0].parts[0], "text", "") == READ_AS:
            shown = shown[2:]             # said once, at the top
        doc.lines += shown
        doc.numbered, doc.steps_total = steps.numbered, steps.steps_total
    return doc


def render_check_plain(r: CheckResult, width: int = 80) -> str:
    from chainrule.render.plain import write_plain
    return write_plain(check_document(r, width), width)


def render_check_rich(r: CheckResult, console: Any, width: int | None = None) -> None:
    """Print the report on a rich ``console``."""
    from chainrule.render.rich import write_rich
    width = width or console.width
    write_rich(check_document(r, width), console, width)


# ── JSON ─────────────────────────────────────────────────────────────────────
def check_to_dict(r: CheckResult) -> dict[str, Any]:
    """The check document: schema, correct, mistakes, … and the full correct derivation."""
    from chainrule.render.json import SCHEMA
    ra = read_as(r.expr, r.variable, r.text)
    answer = read_as(r.answer, None, r.answer_text)
    return {
        "schema": SCHEMA,
        "kind": "check",
        "command": "check",   # the marker before schema 1.3, kept for older readers
        "input": r.input,
        **({"read_as": ra.to_dict()} if ra else {}),
        "expr": str(r.expr),
        "answer_input": r.answer_input,
        **({"answer_read_as": answer.to_dict()} if answer else {}),
        "answer": str(r.answer),
        "answer_pretty": r.answer.pretty(),
        "variable": r.variable,
        "correct": r.correct,
        "equivalence": r.equivalence.to_dict(),
        "derivative": str(r.derivative),
        "derivative_pretty": r.derivative.pretty(),
        "derivative_latex": r.derivative.latex(),
        "confidence": r.confidence,
        "mistakes": [m.to_dict() for m in r.mistakes],
        "alternatives": [[m.to_dict() for m in alt] for alt in r.alternatives],
        "disagreement": None if r.disagreement is None else r.disagreement.to_dict(),
        "comparison": None if r.comparison is None else r.comparison.to_dict(),
        "derivation": r.derivation.to_dict(),
    }
