r"""LaTeX: the derivation as an ``align*`` block (amsmath) for notes, papers and slides.

    \begin{align*}
    &\frac{d}{dx}\sin\left(x^{2}\right) \\
    &\sin\left(x^{2}\right) = f(g(x))\text{ is a composite with }f(u_{1}) = … \\
    &\quad\text{chain rule}\quad \frac{dy}{dx} = \frac{dy}{du_{1}} \cdot \frac{du_{1}}{dx} = … \\
    …
    &\text{Result: }\frac{d}{dx}\sin\left(x^{2}\right) = 2x\cos\left(x^{2}\right)
    \end{align*}

The rows are the lines of :mod:`chainrule.render._outline`, one row each, indented with
``\quad``; each rule's name stands in a second column (``LATEX_RULES``, one entry per step
class). The output is pure ASCII: Unicode in words (σ, ′, −, xⁿ) is written as math.
"""

from __future__ import annotations

import unicodedata
from typing import TYPE_CHECKING, Callable

from chainrule.render._outline import Document, Line, Seg, document
from chainrule.steps import (ChainStep, ConstantMultipleStep, ConstantStep, ExponentialStep,
                             FunctionStep, LogDiffStep, MultiChainStep, PowerStep, ProductStep,
                             QuotientStep, ReciprocalStep, RewriteStep, Step, SumStep,
                             VariableStep)

if TYPE_CHECKING:
    from chainrule.api import Derivation
    from chainrule.slope import Slope

__all__ = ["render_latex", "LATEX_RULES", "text", "rows"]


# The name of each rule, as the second column of the block shows it.
LATEX_RULES: dict[type, Callable[[Step], str]] = {
    ConstantStep: lambda s: "constant",
    VariableStep: lambda s: "variable",
    ConstantMultipleStep: lambda s: "constant multiple",
    SumStep: lambda s: "sum rule",
    ProductStep: lambda s: "product rule",
    QuotientStep: lambda s: "quotient rule",
    PowerStep: lambda s: "power rule",
    ExponentialStep: lambda s: "exponential rule",
    ReciprocalStep: lambda s: "reciprocal rule",
    FunctionStep: lambda s: f"derivative of {s.function}",  # type: ignore[attr-defined]
    ChainStep: lambda s: "chain rule",
    MultiChainStep: lambda s: "chain rule, several arguments",
    LogDiffStep: lambda s: "logarithmic differentiation",
    RewriteStep: lambda s: "rewrite",
}

_SYMBOLS = {
    "−": "-", "·": r"\cdot ", "×": r"\times ", "′": "'", "″": "''", "‴": "'''",
    "←": r"\leftarrow ", "→": r"\to ", "≈": r"\approx ", "≠": r"\neq ", "≤": r"\leq ",
    "≥": r"\geq ", "∂": r"\partial ", "√": r"\surd ", "∛": r"\sqrt[3]{\,}", "∞": r"\infty ",
    "Σ": r"\Sigma ", "<": "<", ">": ">", "|": "|", "…": r"\ldots ",
}
_TEXT_ESCAPES = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "_": r"\_", "&": r"\&",
                 "%": r"\%", "#": r"\#", "$": r"\$", "^": r"\^{}", "~": r"\~{}"}
_PROSE = {"—": ",", "–": "-", "✓": "", "✗": "", "\u00a0": " "}  # MathJax shows TeX ligatures literally


def _math_char(ch: str) -> str | None:
    """A character that text mode cannot show, as math: σ → \\sigma, ⁿ → ^{n}."""
    if ch in _SYMBOLS:
        return _SYMBOLS[ch]
    try:
        name = unicodedata.name(ch)
    except ValueError:
        return None
    if name.startswith("GREEK"):
        letter = name.split()[-1].lower()
        word = "\\" + (letter.capitalize() if "CAPITAL" in name else letter)
        return {"\\epsilon": r"\varepsilon", "\\lamda": r"\lambda"}.get(word, word) + " "
    base = unicodedata.normalize("NFKC", ch)
    if base != ch and base.isascii():
        if "SUPERSCRIPT" in name or name.startswith("MODIFIER LETTER SMALL"):
            return "^{" + base + "}"
        if "SUBSCRIPT" in name:
            return "_{" + base + "}"
        return base
    return None


def text(words: str) -> str:
    """Words for math mode: ``\\text{…}`` with Unicode symbols written as math between."""
    out: list[str] = []
    run: list[str] = []

    def flush() -> None:
        if run:
            out.append(r"\text{" + "".join(run) + "}")
            run.clear()

    for ch in words:
        if ch in _PROSE:
            run.append(_PROSE[ch])
        elif ch.isascii() and ch not in "<>|":
            run.append(_TEXT_ESCAPES.get(ch, ch))
        else:
            math = _math_char(ch)
            flush()
            out.append(math if math is not None else "?")
    flush()
    # ^{n}^{-}^{1} → ^{n-1}: join neighbouring scripts
    joined = "".join(out)
    for mark in ("^", "_"):
        joined = joined.replace("}" + mark + "{", "")
    return joined


def _reason(seg: Seg) -> str:
    """A reason as a rule's name, per step class (a folded rule adds its own name)."""
    if seg.steps:
        return "; ".join(LATEX_RULES[type(s)](s) for s in seg.steps)
    return seg.text.strip().strip("()")


_LONG = 90  # Unicode characters: a longer equation gets one row per '='


def _line_rows(line: Line, numbered: bool) -> list[str]:
    """One outline line as rows: words in \\text, math as is, reasons in a second column."""
    mark = rf"\text{{({line.number})}}\ " if numbered and line.number is not None else ""
    rows = ["&" + r"\quad " * line.level + mark]
    cont = "&" + r"\quad " * (line.level + 2) + "= "
    words: list[str] = []
    reasons: list[str] = []

    def flush() -> None:
        joined = "".join(words).replace("✓", "").replace("✗", "")
        if rows[-1].endswith(("&", "\\ ", "\\quad ")):
            joined = joined.lstrip()
        if joined:
            rows[-1] += text(joined)
        words.clear()

    for p in line.parts:
        if isinstance(p, Seg) and p.role == "rule":
            reasons.append(_reason(p))
        elif isinstance(p, Seg) and p.role == "head" and p.steps:
            rule = _reason(p)
            words.append(rule[:1].upper() + rule[1:] + ":")
        elif isinstance(p, Seg) and p.tex is None:
            words.append(p.text.strip() if p.role == "label" else p.text)
            if p.role == "label":
                flush()
                rows[-1] += r"\quad "
        elif isinstance(p, Seg):
            flush()
            rows[-1] += p.tex or ""
        else:
            flush()
            long = len(p.text) > _LONG and len(p.sides) > 2
            for k, side in enumerate(p.sides):
                if k == 0:
                    rows[-1] += ("= " if p.open else "") + side.tex
                elif k in p.breaks or (long and k >= 2):
                    rows.append(cont + side.tex)
                else:
                    rows[-1] += " = " + side.tex
    flush()
    if reasons:
        rows[0] += r" && " + text("; ".join(reasons))
    return rows


def rows(doc: Document) -> list[str]:
    out: list[str] = []
    for line in doc.lines:
        if line.kind == "blank" or not line.parts:
            continue
        out += _line_rows(line, doc.numbered)
    return out


def render_latex(d: Derivation, detail: str | None = None, slope: Slope | None = None) -> str:
    """An ``align*`` block: every line of the steps, the result, the proof, the slope."""
    body = rows(document(d, detail, slope=slope))
    return "\\begin{align*}\n" + " \\\\\n".join(body) + "\n\\end{align*}"
