"""Every kind of result in every format it offers, through the one document model.

A derivation, a gradient, a check and a descent each build one document; the format
registry writes it as plain text, rich, LaTeX, Markdown (and JSON from the result's data,
a gradient also as a Python program). These tests render every kind in every format and
check what a reader would notice: the answer is there, the math is typeset, the LaTeX is
ASCII with balanced braces, tables are tables, JSON validates, colour changes nothing but
the colour, Jupyter shows the typeset form. Golden files for the formats new to gradients,
checks and descents live in ``tests/golden/documents/``; after an intended change:

    CHAINRULE_REGEN_GOLDEN=1 python -m pytest tests/test_documents.py -k golden
"""

from __future__ import annotations

import json
import os
import pathlib
import re
from typing import Any

import pytest

import chainrule
from chainrule.render.document import Document, Line, Table
from chainrule.render.formats import FORMATS, Format, formats_for, register_format, render
from chainrule.schemas import validate

GOLDEN = pathlib.Path(__file__).parent / "golden" / "documents"
REGEN = os.environ.get("CHAINRULE_REGEN_GOLDEN") == "1"
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _results() -> dict[str, tuple[chainrule.Result, dict[str, Any]]]:
    """One result of each kind, with the options a user would give it."""
    return {
        "derivation": (chainrule.diff("sin(x**2)"), {}),
        "derivation_at": (chainrule.diff("x**2"), {"slope": chainrule.diff("x**2").at(x=5)}),
        "gradient": (chainrule.grad("(y - sigmoid(w*x + b))**2", wrt="w,b"), {}),
        "gradient_graph_point": (chainrule.grad("(y - sigmoid(w*x + b))**2", wrt="w,b"),
                                 {"graph": True, "point": "x=1,y=0,w=1,b=0"}),
        "check_wrong": (chainrule.check("sin(x**2)", "cos(x**2)"), {}),
        "check_right": (chainrule.check("tan(x)", "1/cos(x)**2"), {}),
        "descent": (chainrule.descend("(w - 3)**2", wrt="w", at="w=0", lr=0.25, steps=20), {}),
    }


RESULTS = _results()
CASES = [(name, fmt) for name, (r, _) in RESULTS.items() for fmt in formats_for(r.kind)]


def _braces_balance(tex: str) -> bool:
    depth = 0
    for i, ch in enumerate(tex):
        if ch in "{}" and i and tex[i - 1] == "\\":
            continue  # \{ and \} are characters, not groups
        depth += {"{": 1, "}": -1}.get(ch, 0)
        if depth < 0:
            return False
    return depth == 0


@pytest.mark.parametrize("name, fmt", CASES, ids=[f"{n}-{f}" for n, f in CASES])
def test_every_kind_renders_in_every_format(name: str, fmt: str) -> None:
    result, options = RESULTS[name]
    out = render(result, fmt, width=80, **options)
    assert out.strip(), f"{name} as {fmt} is empty"
    plain = render(result, "plain", width=80, **options)
    if fmt == "plain":
        assert out.endswith("\n") and "Traceback" not in out
        assert max(len(line) for line in out.splitlines()) <= 80 or name.startswith("gradient")
    elif fmt == "rich":
        assert ANSI.search(out), "the rich format has no colour"
        # Colour changes only the look: without escapes (and tree guides) it is the plain text.
        bare = [ANSI.sub("", line).replace("│", " ").rstrip() for line in out.splitlines()]
        assert bare == plain.splitlines()
    elif fmt == "latex":
        assert out.startswith("\\begin{align*}") and out.rstrip().endswith("\\end{align*}")
        assert out.isascii(), [c for c in out if not c.isascii()][:5]
        assert _braces_balance(out)
        assert "?" not in out.replace("?)", "")  # no character left unwritten
    elif fmt == "markdown":
        assert out.count("$") % 2 == 0, "an unclosed math span"
        assert re.search(r"\$[^$\n]+\$", out), "no typeset math"
        assert "Traceback" not in out and not out.lstrip().startswith("<")
    elif fmt == "json":
        doc = json.loads(out)
        assert doc["kind"] == result.kind and doc["schema"] == "1.3"
        validate(doc)
    elif fmt == "python":
        compile(out, "<generated>", "exec")
    else:  # a format registered by someone else: it rendered without an error
        pass


@pytest.mark.parametrize("name", list(RESULTS))
def test_the_answer_is_in_every_typeset_format(name: str) -> None:
    """The LaTeX and the Markdown carry the answer typeset, not only in words."""
    result, options = RESULTS[name]
    latex = result.to_latex(**options)
    markdown = result.to_markdown(**options)
    answers: list[str] = []
    if isinstance(result, chainrule.Derivation):
        answers = [result.result.latex()]
    elif isinstance(result, chainrule.GradResult):
        answers = [result.partials[p].latex() for p in result.wrt]
    elif isinstance(result, chainrule.CheckResult):
        answers = [result.derivative.latex()]
    elif isinstance(result, chainrule.Descent):
        answers = [result.expr.latex()]
    for tex in answers:
        assert tex in latex and tex in markdown, (tex, latex[:400])


@pytest.mark.parametrize("name", list(RESULTS))
def test_jupyter_shows_every_result_typeset(name: str) -> None:
    result, _ = RESULTS[name]
    assert result._repr_markdown_() == result.to_markdown()
    assert result._repr_latex_() == result.to_latex()
    assert result._repr_latex_().startswith("\\begin{align*}")


def test_tables_are_tables_in_every_format() -> None:
    result, options = RESULTS["gradient_graph_point"]
    doc = result.document(None, **options)
    tables = [b for b in doc.lines if isinstance(b, Table)]
    assert [t.header[:2] for t in tables] == [["node", "value"], ["node", "parent"]]
    markdown = result.to_markdown(**options)
    assert "| node | value | formula |" in markdown and "| --- | ---: | --- |" in markdown
    latex = result.to_latex(**options)
    assert latex.count("\\begin{array}") == 2 and "\\hat{y}" in latex
    plain = result.to_text(**options)
    assert re.search(r"^  node\s+value\s+formula$", plain, re.M)


def test_descent_table_is_right_aligned() -> None:
    result, _ = RESULTS["descent"]
    rows = [line for line in result.to_text().splitlines() if re.match(r"^\s+\d+\s", line)]
    assert len(rows) >= 3 and len({len(r) for r in rows}) == 1  # right-aligned columns


def test_documents_are_the_one_model() -> None:
    """Every kind builds a Document of the same blocks; its kind is the JSON's kind."""
    for name, (result, options) in RESULTS.items():
        doc = result.document(None, **options)
        assert isinstance(doc, Document) and doc.kind == result.kind, name
        assert all(isinstance(b, (Line, Table)) for b in doc.lines), name
        proof = [b for b in doc.lines if isinstance(b, Line) and b.kind == "proof"]
        assert proof, f"{name} has no proof line"
        assert "✓" in proof[-1].text


def test_a_new_format_is_one_registration() -> None:
    def shout(result: chainrule.Result, width: int | None, options: dict[str, Any]) -> str:
        return result.to_text(width=width or 80, **options).upper()

    register_format(Format("shout", "plain text, louder", shout))
    try:
        assert all("shout" in formats_for(kind)
                   for kind in ("derivation", "gradient", "check", "descent"))
        assert "2X·COS(X²)" in chainrule.diff("sin(x**2)").render("shout")
    finally:
        del FORMATS["shout"]


def test_a_format_a_kind_does_not_have_is_refused() -> None:
    with pytest.raises(chainrule.UsageError, match="cannot be written as 'python'"):
        chainrule.diff("x**2").render("python")


def test_every_command_offers_its_kinds_formats() -> None:
    """The CLI's --format choices come from the registry."""
    from chainrule.cli import main
    kinds = {"diff": "derivation", "check": "check", "grad": "gradient", "descend": "descent"}
    for command, kind in kinds.items():
        option = next(p for p in main.commands[command].params if p.name == "fmt")
        assert tuple(option.type.choices) == formats_for(kind), command  # type: ignore[attr-defined]


GOLDEN_CASES = [("gradient_graph_point", "markdown"), ("gradient_graph_point", "latex"),
                ("check_wrong", "markdown"), ("check_wrong", "latex"),
                ("descent", "markdown"), ("descent", "latex")]


@pytest.mark.parametrize("name, fmt", GOLDEN_CASES, ids=[f"{n}-{f}" for n, f in GOLDEN_CASES])
def test_golden(name: str, fmt: str) -> None:
    result, options = RESULTS[name]
    actual = render(result, fmt, **options)
    path = GOLDEN / f"{name}.{'md' if fmt == 'markdown' else 'tex'}"
    if REGEN:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8", newline="\n")
        pytest.fail(f"regenerated {path.name}: read it, then rerun without the variable")
    assert path.exists(), f"missing {path}; create it with CHAINRULE_REGEN_GOLDEN=1"
    assert actual == path.read_text(encoding="utf-8")
