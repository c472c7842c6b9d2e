r"""Markdown: any document for READMEs, issues, notes and Jupyter, math in ``$…$``.

    **Differentiate** $\frac{d}{dx}\sin\left(x^{2}\right)$

    - $\sin\left(x^{2}\right) = f(g(x))$ is a composite with $f(u_{1}) = …$
      - *chain rule* $\frac{dy}{dx} = …$
    …

Each step line of the document is a bullet nested by its level, runs of math become one
``$…$`` span, each rule's reason is worded per step class (``MARKDOWN_RULES``) with its
formula typeset, and a table is a pipe table.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from chainrule.expr import Const, Func, Symbol
from chainrule.functions import FUNCTIONS
from chainrule.render.document import Document, Eq, Line, M, Seg, Table
from chainrule.render.latex import MATH_ROLES, math_text
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

__all__ = ["write_markdown", "render_markdown", "MARKDOWN_RULES"]

_U = Symbol("u")


def _function_rule(s: Step) -> str:
    assert isinstance(s, FunctionStep)
    entry = FUNCTIONS[s.function]
    if entry.abstract:
        return f"${s.function}$ is an abstract function: its derivative stays ${s.function}'(u)$"
    if 1 not in entry.arities:  # atan2(y, x): say it in words
        return _escape(entry.explanation)
    f_u = Func(s.function, (_U,))
    return rf"$\frac{{d}}{{du}}{f_u.latex()} = {entry.partials[0](_U).latex()}$"


def _constant_multiple(s: Step) -> str:
    assert isinstance(s, ConstantMultipleStep)
    c = s.constant
    if c.latex() == "-1":
        return "the minus sign stays"
    if s.divides:
        return r"a constant divisor stays: $\left(\frac{u}{c}\right)' = \frac{u'}{c}$"
    return rf"the constant factor ${c.latex()}$ stays: $(cu)' = cu'$"


def _constant(s: Step) -> str:
    assert isinstance(s, ConstantStep)
    if s.kind in ("symbol", "free"):
        return f"${s.expr.latex()}$ is held constant"
    return "the derivative of a constant is $0$"


# The reason for each step class, in words with its formula typeset.
MARKDOWN_RULES: dict[type, Callable[[Step], str]] = {
    ConstantStep: _constant,
    VariableStep: lambda s: rf"$\frac{{d}}{{d{Symbol(s.variable).latex()}}}"
                            rf"{Symbol(s.variable).latex()} = 1$",
    ConstantMultipleStep: _constant_multiple,
    SumStep: lambda s: "sum rule: $(u + v)' = u' + v'$",
    ProductStep: lambda s: "product rule: $(fg)' = f'g + fg'$",
    QuotientStep: lambda s: r"quotient rule: $\left(\frac{f}{g}\right)' = \frac{f'g - fg'}{g^{2}}$",
    PowerStep: lambda s: r"power rule: $\frac{d}{dx}x^{n} = nx^{n-1}$",
    ExponentialStep: lambda s: (r"$\frac{d}{dx}e^{x} = e^{x}$"
                                if s.base is Const("e")  # type: ignore[attr-defined]
                                else r"$\frac{d}{dx}a^{x} = a^{x}\ln a$"),
    ReciprocalStep: lambda s: r"reciprocal rule: $\frac{d}{dx}\frac{c}{x} = -\frac{c}{x^{2}}$",
    FunctionStep: _function_rule,
    ChainStep: lambda s: r"chain rule: $\frac{dy}{dx} = \frac{dy}{du}\,\frac{du}{dx}$",
    MultiChainStep: lambda s: "chain rule with several inner functions",
    LogDiffStep: lambda s: "logarithmic differentiation",
    RewriteStep: lambda s: _escape(s.reason),  # type: ignore[attr-defined]
}

_ESCAPE = {c: "\\" + c for c in "\\`*_[]<>|#"}


def _escape(words: str) -> str:
    return "".join(_ESCAPE.get(c, c) for c in words).replace("\u00a0", " ")


def _math(tex: str) -> str:
    tex = tex.strip()
    return f"${tex}$" if tex else ""


def _content(line: Line) -> str:
    """A line's parts: words escaped, runs of math in one $…$ span, reasons after a dash."""
    out: list[str] = []
    math: list[str] = []

    def flush() -> None:
        if math:
            lead = " " if "".join(math)[:1] == " " and out else ""
            out.append(lead + _math("".join(math)))
            math.clear()

    for i, p in enumerate(line.parts):
        if isinstance(p, Eq):
            math.append(p.tex)
            continue
        if p.role == "rule" and i == 0:  # a remark that starts its line, not a reason
            out.append(f"*{_escape(p.text.strip())}*")
        elif p.role == "rule":
            flush()
            reason = ("; ".join(MARKDOWN_RULES[type(s)](s) for s in p.steps) if p.steps
                      else _escape(p.text.strip().strip("()")))
            out.append(f" — {reason}")
        elif p.role == "head" and p.steps:
            flush()
            rule = "; ".join(MARKDOWN_RULES[type(s)](s) for s in p.steps)
            out.append(rule[:1].upper() + rule[1:])
        elif p.tex is not None:
            math.append(p.tex)
        elif p.role in MATH_ROLES:  # math written in Unicode (a graph's names, a table row)
            math.append(math_text(p.text))
        elif p.role == "label":
            flush()
            out.append(f"*{_escape(p.text.strip())}* " if p.text.strip() else " ")
        else:
            flush()
            out.append(_escape(p.text))
    flush()
    return "".join(out).strip()


def _cell(cell: M | str) -> str:
    """A table cell is math (a name, a number, a formula)."""
    return _math(cell.tex if isinstance(cell, M) else math_text(cell))


def _table(t: Table) -> list[str]:
    rule = ["---:" if t.right(i) else "---" for i in range(len(t.header))]
    return (["| " + " | ".join(_escape(h) for h in t.header) + " |",
             "| " + " | ".join(rule) + " |"]
            + ["| " + " | ".join(_cell(c) for c in r) + " |" for r in t.rows])


def render_markdown(d: Derivation, detail: str | None = None, slope: Slope | None = None) -> str:
    from chainrule.render._outline import document
    return write_markdown(document(d, detail, slope=slope))


def write_markdown(doc: Document) -> str:
    """The document as Markdown: titles in bold, steps as nested bullets, tables as tables."""
    out: list[str] = []
    level = -1   # the list's depth at the last item; -1 outside a list
    base = 0     # the document level of the list's first item, which is the list's top
    for line in doc.lines:
        if isinstance(line, Table):
            if out and out[-1] != "":
                out.append("")
            out += _table(line)
            out.append("")
            level = -1
            continue
        if line.kind == "blank":
            if out and out[-1] != "":
                out.append("")
            level = -1
            continue
        text = _content(line)
        if line.kind == "step":
            if level < 0:
                base = line.level
            level = max(0, min(line.level - base, level + 1))
            mark = f"**({line.number})** " if doc.numbered and line.number is not None else ""
            if level == 0 and out and out[-1] != "" and not out[-1].lstrip().startswith("- "):
                out.append("")
            out.append("  " * level + "- " + mark + text)
            continue
        if out and out[-1] != "":
            out.append("")
        level = -1
        if line.kind == "title":
            words = "".join(p.text for p in line.parts if isinstance(p, Seg) and p.tex is None)
            maths = "".join(p.tex or "" for p in line.parts if isinstance(p, Seg))
            out.append(f"**{_escape(words.strip() or 'Differentiate')}** {_math(maths)}")
        elif line.kind == "result":
            out.append(text.replace("*Result:*", "**Result:**", 1))
        elif line.kind == "heading" and not (isinstance(line.parts[0], Seg)
                                             and line.parts[0].role == "label"):
            out.append(f"**{text}**")
        elif line.kind == "heading":  # a section's label, then its note
            first = line.parts[0]
            rest = Line(line.level, line.parts[1:], line.kind)
            head = first.text.strip() if isinstance(first, Seg) else ""
            out.append(f"**{_escape(head)}**" + (" " + _content(rest) if rest.parts else ""))
        elif line.kind == "note":
            out.append(f"> {text}")
        else:
            out.append(text)
    while out and out[-1] == "":
        out.pop()
    return "\n".join(out) + "\n"
