r"""LaTeX: any document as an ``align*`` block (amsmath) for notes, papers and slides.

    \begin{align*}
    &\frac{d}{dx}\sin\left(x^{2}\right) \\
    &\sin\left(x^{2}\right) = f(g(x))\text{ is a composite with }f(u_{1}) = … \\
    &\quad\text{chain rule}\quad \frac{dy}{dx} = \frac{dy}{du_{1}} \cdot \frac{du_{1}}{dx} = … \\
    …
    &\text{Result: }\frac{d}{dx}\sin\left(x^{2}\right) = 2x\cos\left(x^{2}\right)
    \end{align*}

The rows are the document's lines, one row each, indented with ``\quad``; each rule's
name stands in a second column (``LATEX_RULES``, one entry per step class); a table is an
``array`` in a row of its own. The output is pure ASCII: Unicode in words (σ, ′, −, xⁿ) is
written as math.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from typing import TYPE_CHECKING

from chainrule.functions import FUNCTIONS
from chainrule.render.document import Document, Line, M, Seg, Table
from chainrule.steps import (
    ChainStep,
    ConstantMultipleStep,
    ConstantStep,
    ExponentialStep,
    FunctionStep,
    LogDiffStep,
    MultiChainStep,
    PowerStep,
    ProductStep,
    QuotientStep,
    ReciprocalStep,
    RewriteStep,
    Step,
    SumStep,
    VariableStep,
)

if TYPE_CHECKING:
    from chainrule.api import Derivation
    from chainrule.slope import Slope

__all__ = ["write_latex", "render_latex", "LATEX_RULES", "text", "math_text", "rows",
           "MATH_ROLES"]


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
    "Σ": r"\Sigma ", "∇": r"\nabla ", "<": "<", ">": ">", "|": "|", "…": r"\ldots ",
}
_TEXT_ESCAPES = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "_": r"\_", "&": r"\&",
                 "%": r"\%", "#": r"\#", "$": r"\$", "^": r"\^{}", "~": r"\~{}"}
# MathJax shows TeX ligatures literally
_PROSE = {"—": ",", "–": "-", "✓": "", "✗": "", "\u00a0": " "}


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
    if base != ch and base in _SYMBOLS:  # ⁻ → − → -
        base = _SYMBOLS[base].strip()
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
            flush()
            out.append(_unicode_math(ch))
    flush()
    # ^{n}^{-}^{1} → ^{n-1}: join neighbouring scripts
    joined = "".join(out)
    for mark in ("^", "_"):  # only a script that follows a script: \\text{a}^{2} stays
        pattern = re.compile("(" + re.escape(mark) + r"\{[^{}]*)\}" + re.escape(mark) + r"\{")
        while pattern.search(joined):
            joined = pattern.sub(r"\1", joined)
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

    for i, p in enumerate(line.parts):
        if isinstance(p, Seg) and p.role == "rule" and i == 0:  # a remark, not a reason
            words.append(p.text.strip())
        elif isinstance(p, Seg) and p.role == "rule":
            reasons.append(_reason(p))
        elif isinstance(p, Seg) and p.role == "head" and p.steps:
            rule = _reason(p)
            words.append(rule[:1].upper() + rule[1:] + ":")
        elif isinstance(p, Seg) and p.tex is None and p.role in MATH_ROLES:
            flush()
            rows[-1] += math_text(p.text)
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


_ACCENTS = {"\u0302": r"\hat", "\u0304": r"\bar", "\u0303": r"\tilde", "\u0307": r"\dot"}


def _unicode_math(ch: str) -> str:
    """One non-ASCII character in math: σ → \\sigma, ₁ → _{1}, ŷ → \\hat{y}."""
    found = _math_char(ch)
    if found is not None:
        return found
    decomposed = unicodedata.normalize("NFD", ch)
    base, marks = decomposed[0], decomposed[1:]
    if base.isascii() and marks and all(m in _ACCENTS for m in marks):
        out = base
        for m in marks:
            out = _ACCENTS[m] + "{" + out + "}"
        return out
    return "?"


MATH_ROLES = ("math", "result", "op")   # a segment of these roles is math, in Unicode
_SPECIAL = {"{": r"\{", "}": r"\}", "%": r"\%", "#": r"\#", "$": r"\$", "&": r"\&",
            "_": r"\_", "^": r"\hat{}", "~": r"\sim "}
_WORD = re.compile(r"[A-Za-z]{2,}")
_GAP = re.compile(r" {2,}")
_OPERATOR = re.compile(r"\bd/d([A-Za-z][A-Za-z0-9]*)")


def math_text(text: str) -> str:
    """Math written in Unicode (``∂ŷ/∂z₁ = ŷ·(1 − ŷ)``) as LaTeX math: symbols and
    scripts as commands, names of two letters or more upright, wide gaps as ``\\quad``.

        >>> print(math_text("∂ŷ/∂z₁ = σ(z₁)"))
        \\partial \\hat{y}/\\partial z_{1} = \\sigma (z_{1})
    """
    names: list[str] = []   # names and operators, set aside while the rest is escaped

    def hold(tex: str) -> str:
        names.append(tex)
        return f"\0{len(names) - 1}\1"

    def name(word: str) -> str:
        entry = FUNCTIONS.get(word)
        return entry.latex + " " if entry is not None else r"\mathrm{" + word + "}"

    pieces = []
    for piece in _GAP.split(text):
        piece = _OPERATOR.sub(lambda m: hold(r"\frac{d}{d" + m.group(1) + "}"), piece)
        piece = _WORD.sub(lambda m: hold(name(m.group())), piece)
        tex = "".join(_SPECIAL.get(ch, ch) if ch.isascii() else _unicode_math(ch)
                      for ch in piece)
        pieces.append(re.sub("\0([0-9]+)\1", lambda m: names[int(m.group(1))], tex))
    out = r" \quad ".join(pieces)
    pattern = re.compile(r"(_\{[^{}]*)\}_\{")   # z₁₂ → z_{12}
    while pattern.search(out):
        out = pattern.sub(r"\1", out)
    return out


def _ascii(tex: str) -> str:
    """LaTeX with any Unicode left in it (a graph name such as ŷ or z₁) written as math."""
    if tex.isascii():
        return tex
    return "".join(ch if ch.isascii() else _unicode_math(ch) for ch in tex)


def _cell(cell: M | str) -> str:
    """A table cell is math (a name, a number, a formula)."""
    return _ascii(cell.tex) if isinstance(cell, M) else math_text(cell)


def _table_row(t: Table) -> str:
    """A table as an ``array`` in one row of the block."""
    cols = "".join("r" if t.right(i) else "l" for i in range(len(t.header)))
    body = [" & ".join(text(h) for h in t.header) + r" \\ \hline"]
    body += [" & ".join(_cell(c) for c in r) + r" \\" for r in t.rows]
    return ("&" + r"\quad " * t.level + r"\begin{array}{" + cols + "}\n" + "\n".join(body)
            + "\n\\end{array}")


def rows(doc: Document) -> list[str]:
    out: list[str] = []
    for line in doc.lines:
        if isinstance(line, Table):
            out.append(_table_row(line))
            continue
        if line.kind == "blank" or not line.parts:
            continue
        out += [_ascii(r) for r in _line_rows(line, doc.numbered)]
    return out


def write_latex(doc: Document) -> str:
    """An ``align*`` block with every line of the document."""
    return "\\begin{align*}\n" + " \\\\\n".join(rows(doc)) + "\n\\end{align*}"


def render_latex(d: Derivation, detail: str | None = None, slope: Slope | None = None) -> str:
    """An ``align*`` block: every line of the steps, the result, the proof, the slope."""
    from chainrule.render._outline import document
    return write_latex(document(d, detail, slope=slope))
