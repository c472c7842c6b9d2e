"""Every format — plain, rich, Markdown, LaTeX, JSON, Jupyter — on the same step tree.

Golden files live in ``tests/golden/formats/``: for sin(cos(x)), the written-out sigmoid,
x**x and a quotient, the Markdown, the LaTeX, the JSON (timings blanked) and — for the
quotient, which ``test_render.py`` does not pin — the plain text; rich on a fixed-width
colourless console must print exactly the plain text. After an intended change:

    CHAINRULE_REGEN_GOLDEN=1 python -m pytest tests/test_formats.py -k golden

rewrites them and fails on purpose; read ``git diff tests/golden`` before committing.
"""

from __future__ import annotations

import io
import json
import os
import pathlib
import re

import pytest

import chainrule
from chainrule.functions import FUNCTIONS
from chainrule.render._outline import OUTLINERS
from chainrule.render.json import FIELDS
from chainrule.render.latex import LATEX_RULES
from chainrule.render.markdown import MARKDOWN_RULES
from chainrule.steps import (
    STEP_CLASSES,
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
    walk,
)

GOLDEN = pathlib.Path(__file__).resolve().parent / "golden" / "formats"
REGEN = os.environ.get("CHAINRULE_REGEN_GOLDEN") == "1"
CASES = {"sin_cos_x": "sin(cos(x))", "logistic_written_out": "1/(1+exp(-x))",
         "x_pow_x": "x**x", "quotient": "(x**2 + 1)/(x - 1)"}
# Between them these inputs produce every step class.
COVERAGE = ["7", "x", "3*x", "x + 1", "x*sin(x)", "sin(x)/x", "x**3", "2**x", "1/x", "sin(x)",
            "sin(x**2)", "atan2(x, x**2)", "x**x", "log(x, x + 1)"]
ANSI = re.compile(r"\x1b\[[0-9;]*m")


@pytest.fixture(scope="module")
def derivations() -> dict[str, chainrule.Derivation]:
    return {name: chainrule.diff(text) for name, text in CASES.items()}


@pytest.fixture(scope="module")
def coverage() -> dict[str, chainrule.Derivation]:
    return {text: chainrule.diff(text, detail="full") for text in COVERAGE}


def rich_text(d: chainrule.Derivation, colour: bool = False, **kw: object) -> str:
    from rich.console import Console

    from chainrule.render.rich import render_rich
    console = Console(file=io.StringIO(), width=80, force_terminal=colour,
                      color_system="truecolor" if colour else None)
    render_rich(d, console, **kw)
    return console.file.getvalue()


def json_text(d: chainrule.Derivation) -> str:
    text = d.to_json()
    return re.sub(r'"seconds": [0-9.e-]+', '"seconds": 0', text) + "\n"


FORMATS = {"md": lambda d: d.to_markdown(), "tex": lambda d: d.to_latex() + "\n",
           "json": json_text}


# ── golden output ───────────────────────────────────────────────────────────────
def _check_golden(path: pathlib.Path, actual: str) -> None:
    if REGEN:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8", newline="\n")
        pytest.fail(f"regenerated {path.name} (CHAINRULE_REGEN_GOLDEN=1): read it, then "
                    "rerun without the variable")
    assert path.exists(), f"missing {path}; create it with CHAINRULE_REGEN_GOLDEN=1"
    assert actual == path.read_text(encoding="utf-8")


@pytest.mark.parametrize("ext", FORMATS)
@pytest.mark.parametrize("name", CASES)
def test_golden(name: str, ext: str, derivations: dict[str, chainrule.Derivation]) -> None:
    _check_golden(GOLDEN / f"{name}.{ext}", FORMATS[ext](derivations[name]))


def test_golden_plain_quotient(derivations: dict[str, chainrule.Derivation]) -> None:
    _check_golden(GOLDEN / "quotient.txt", derivations["quotient"].to_text(width=80))


@pytest.mark.parametrize("name", CASES)
def test_rich_without_colour_prints_the_plain_text(
        name: str, derivations: dict[str, chainrule.Derivation]) -> None:
    d = derivations[name]
    assert [ln.rstrip() for ln in rich_text(d).splitlines()] == d.to_text(width=80).splitlines()


@pytest.mark.parametrize("name", CASES)
def test_rich_in_colour_has_the_same_words(name: str,
                                           derivations: dict[str, chainrule.Derivation]) -> None:
    d = derivations[name]
    coloured = rich_text(d, colour=True)
    assert ANSI.search(coloured)
    visible = [ANSI.sub("", ln).replace("│", " ").rstrip() for ln in coloured.splitlines()]
    assert visible == d.to_text(width=80).splitlines()


def test_rich_highlights_each_layer_inside_the_expression() -> None:
    from chainrule.parser import parse
    from chainrule.render.rich import highlight
    e = parse("sin(cos(x**2))")
    pieces = highlight(e, [parse("cos(x**2)"), parse("x**2")])
    assert "".join(t for t, _ in pieces) == e.pretty()
    assert [(t, depth) for t, depth in pieces] == [("sin(", 0), ("cos(", 1), ("x²", 2),
                                                   (")", 1), (")", 0)]
    coloured = rich_text(chainrule.diff("sin(cos(x**2))"), colour=True)
    first_step = coloured.splitlines()[2]
    assert first_step.count("\x1b[") >= 4  # the two layers switch colour on and off


# ── every format handles every step class ────────────────────────────────────────
@pytest.mark.parametrize("table", [OUTLINERS, FIELDS, LATEX_RULES, MARKDOWN_RULES],
                         ids=["outline", "json", "latex", "markdown"])
def test_each_format_has_one_entry_per_step_class(table: dict[type, object]) -> None:
    assert sorted(c.__name__ for c in STEP_CLASSES if c not in table) == []


def _marker(step: Step) -> str:
    """Words the plain text shows wherever this kind of step is explained (full detail)."""
    markers = {
        ConstantStep: "the derivative of a constant is 0",
        VariableStep: "with respect to itself is 1",
        SumStep: "sum of the derivatives",
        ProductStep: "is a product",
        QuotientStep: "is a quotient",
        PowerStep: "power rule",
        ReciprocalStep: "reciprocal rule",
        ChainStep: "is a composite",
        MultiChainStep: "several inner functions",
        LogDiffStep: "logarithmic differentiation",
    }
    if isinstance(step, ConstantMultipleStep):
        return "minus sign" if str(step.constant) == "-1" else "constant factor"
    if isinstance(step, ExponentialStep):
        return step.explanation
    if isinstance(step, FunctionStep):
        return FUNCTIONS[step.function].explanation
    if isinstance(step, RewriteStep):
        return step.reason
    return markers[type(step)]


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


@pytest.mark.parametrize("text", COVERAGE)
def test_every_step_is_explained_in_every_format(text: str,
                                                 coverage: dict[str, chainrule.Derivation]
                                                 ) -> None:
    d = coverage[text]
    plain = _flat(d.to_text(width=80))
    markdown, latex = d.to_markdown(), d.to_latex()
    for step in walk(d.steps):
        assert _flat(_marker(step)) in plain, (type(step).__name__, plain)
        if type(step) in (ChainStep, ProductStep, QuotientStep, MultiChainStep, LogDiffStep):
            words = _marker(step)
            assert words in markdown and words in latex
        elif not isinstance(step, (ConstantStep, VariableStep)) or d.steps is step:
            # (a rule that heads its line starts with a capital)
            assert MARKDOWN_RULES[type(step)](step).lower() in markdown.lower()
            assert LATEX_RULES[type(step)](step).lower() in latex.lower()


@pytest.mark.parametrize("text", COVERAGE)
def test_every_format_ends_with_the_result(text: str,
                                           coverage: dict[str, chainrule.Derivation]) -> None:
    d = coverage[text]
    assert d.result.pretty() in d.to_text().split("Result:")[1]
    assert d.result.pretty() in rich_text(d).split("Result:")[1]
    assert f"= {d.result.latex()}" in d.to_latex().split(r"\text{Result:}")[1]
    assert f"= {d.result.latex()}" in d.to_markdown().split("**Result:**")[1]
    assert chainrule.parse(json.loads(d.to_json())["result"]) == d.result


# ── LaTeX ────────────────────────────────────────────────────────────────────────
def _balanced(tex: str) -> bool:
    depth = 0
    for i, ch in enumerate(tex):
        if ch in "{}" and i and tex[i - 1] == "\\":
            continue
        depth += {"{": 1, "}": -1}.get(ch, 0)
        if depth < 0:
            return False
    lefts = len(re.findall(r"\\left(?![a-z])", tex))   # not \leftarrow
    return depth == 0 and lefts == len(re.findall(r"\\right(?![a-z])", tex))


@pytest.mark.parametrize("text", COVERAGE + list(CASES.values()) + ["1/(1+exp(-x))"])
def test_latex_is_an_ascii_align_block_that_balances(text: str) -> None:
    d = chainrule.diff(text)
    latex = d.to_latex(slope=d.at(x=2) if text not in ("7",) else None)
    assert latex.startswith("\\begin{align*}\n") and latex.endswith("\n\\end{align*}")
    assert latex.isascii()
    rows = latex.split("\n")[1:-1]
    assert all(r.startswith("&") for r in rows)
    assert all(r.endswith(r" \\") for r in rows[:-1]) and not rows[-1].endswith("\\")
    for row in rows:
        assert _balanced(row), row
        assert row.count("&&") <= 1


ROUND_TRIP = ["sin(cos(x))", "1/(1+exp(-x))", "x**x", "(x**2 + 1)/(x - 1)", "sin(x**2)",
              "sqrt(x)*log(x)", "exp(-x**2)/x", "tan(x)", "x**3 - 2*x + 1", "cos(x)**2"]


@pytest.mark.parametrize("text", ROUND_TRIP)
def test_latex_result_parses_back_to_the_same_expression(text: str) -> None:
    pytest.importorskip("antlr4", reason="SymPy's LaTeX parser needs antlr4-python3-runtime")
    import sympy as sp
    from sympy.parsing.latex import parse_latex
    d = chainrule.diff(text)
    row = next(r for r in d.to_latex().splitlines() if r.startswith(r"&\text{Result:}"))
    rhs = row.split(" = ", 1)[1].removesuffix(r" \\")
    assert rhs == d.result.latex()
    parsed = parse_latex(rhs)
    # SymPy's parser reads x\left(x - 1\right) as a call of a function x; in the notation
    # we write (and every textbook uses) it is a product, so calls of a symbol become one.
    calls = {c: sp.Symbol(str(c.func)) * c.args[0]
             for c in parsed.atoms(sp.core.function.AppliedUndef)
             if str(c.func) in {"x"} and len(c.args) == 1}
    x = sp.Symbol("x")
    parsed = parsed.xreplace(calls).subs(sp.Symbol("e"), sp.E)
    expected = sp.diff(d.expr.to_sympy(), *[s for s in d.expr.to_sympy().free_symbols])
    expected = expected.subs({s: x for s in expected.free_symbols})
    assert sp.simplify(parsed - expected) == 0, (rhs, parsed, expected)


# ── Markdown and Jupyter ─────────────────────────────────────────────────────────
@pytest.mark.parametrize("text", [*COVERAGE, "1/(1+exp(-x))", "exp(sin(x**2)) + cos(sin(x**2))"])
def test_markdown_math_spans_and_lists_are_well_formed(text: str) -> None:
    d = chainrule.diff(text)
    md = d.to_markdown(slope=d.at(x=2) if text != "7" else None)
    indent = -2
    for line in md.splitlines():
        assert line.count("$") % 2 == 0, line
        for span in re.findall(r"\$([^$]*)\$", line):
            assert span == span.strip() and span, line  # "$ x$" does not render on GitHub
            assert _balanced(span), span
        if line.lstrip().startswith("- "):
            here = len(line) - len(line.lstrip())
            assert here % 2 == 0 and here <= indent + 2, f"a list may nest one level: {line!r}"
            indent = here
        elif line:
            indent = -2


def test_jupyter_shows_typeset_steps() -> None:
    d = chainrule.diff("1/(1+exp(-x))")
    assert d._repr_markdown_() == d.to_markdown()
    assert "$" in d._repr_markdown_() and r"\sigma" in d._repr_markdown_()
    latex = d._repr_latex_()
    assert latex == d.to_latex() and latex.startswith(r"\begin{align*}")


def test_markdown_and_latex_follow_the_detail_option() -> None:
    d = chainrule.diff("x*exp(-x**2)")
    for render in (d.to_markdown, d.to_latex):
        brief, normal, full = (render(detail=level) for level in ("brief", "normal", "full"))
        assert len(brief.splitlines()) < len(normal.splitlines()) < len(full.splitlines())


# ── JSON ─────────────────────────────────────────────────────────────────────────
def test_json_schema_1_1_adds_detail_recognised_and_the_point() -> None:
    d = chainrule.diff("1/(1+exp(-x))", detail="brief")
    doc = json.loads(d.to_json(slope=d.at(x=0)))
    assert doc["schema"] == "1.3" and doc["detail"] == "brief"  # 1.2 added definitions
    (form,) = doc["recognised"]
    assert form["name"] == "logistic sigmoid"
    assert chainrule.parse(form["form"]) == chainrule.parse("sigmoid(x)*(1 - sigmoid(x))")
    at = doc["at"]
    assert at["point"] == {"x": "0"} and at["defined"] is True and at["sign"] == 1
    assert at["slope"] == {"value": 0.25, "exact": "1/4"}
    assert chainrule.parse(at["tangent"]) == chainrule.parse("x/4 + 1/2")
    assert "at" not in chainrule.diff("x").to_dict()


def test_text_formats_fit_80_columns_with_and_without_colour() -> None:
    for text in [*CASES.values(), "sin(cos(x**2))", "x*exp(-x**2)"]:
        d = chainrule.diff(text)
        for detail in ("brief", "normal", "full"):
            for out in (d.to_text(width=80, detail=detail),
                        ANSI.sub("", rich_text(d, colour=True, detail=detail))):
                long = [ln for ln in out.splitlines() if len(ln) > 80]
                assert long == [], (text, detail, long)
