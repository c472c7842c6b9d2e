"""Renderers: every format handles every step class, and golden plain-text output.

Golden files live in ``tests/golden/NAME.txt`` and hold ``chainrule.diff(...).to_text(width=80)``
exactly. After an intended change to the wording or layout, regenerate them with

    CHAINRULE_REGEN_GOLDEN=1 python -m pytest tests/test_render.py -k golden

which rewrites the files and then FAILS on purpose, so that a regeneration is never silent:
read the new files (``git diff tests/golden``) as a learner would before committing them.
"""

from __future__ import annotations

import io
import json
import os
import pathlib
import re
from itertools import pairwise

import pytest

import chainrule
from chainrule.render._outline import OUTLINERS
from chainrule.render.json import FIELDS
from chainrule.render.latex import LATEX_RULES
from chainrule.render.markdown import MARKDOWN_RULES
from chainrule.steps import STEP_CLASSES, STEP_REGISTRY, Step, walk

GOLDEN = pathlib.Path(__file__).resolve().parent / "golden"
REGEN = os.environ.get("CHAINRULE_REGEN_GOLDEN") == "1"

# Between them these inputs produce every step class (checked below).
COVERAGE = ["7", "x", "3*x", "x + 1", "x*sin(x)", "sin(x)/x", "x**3", "2**x", "1/x", "sin(x)",
            "sin(x**2)", "atan2(x, x**2)", "x**x", "log(x, x + 1)"]
HEADLINES = [("sin(x**2)", None), ("sin(cos(x))", None), ("1/(1+exp(-x))", None),
             ("(y - sigmoid(w2*sigmoid(w1*x)))**2", "w1")]


def rich_text(d: chainrule.Derivation) -> str:
    from rich.console import Console

    from chainrule.render.rich import render_rich
    console = Console(file=io.StringIO(), width=80, color_system=None, force_terminal=False)
    render_rich(d, console)
    return console.file.getvalue()


# ── (a) every renderer handles every step class ─────────────────────────────────

@pytest.mark.parametrize("table", [OUTLINERS, FIELDS, LATEX_RULES, MARKDOWN_RULES],
                         ids=["outline (plain, rich)", "json", "latex", "markdown"])
def test_renderer_has_a_function_per_step_class(table: dict[type, object]) -> None:
    # Every registered step class, so a class added anywhere is counted.
    missing = [cls.__name__ for cls in STEP_REGISTRY.values() if cls not in table]
    assert missing == []


def test_step_classes_register_themselves_in_definition_order() -> None:
    assert STEP_CLASSES == tuple(STEP_REGISTRY.values())
    assert all(STEP_REGISTRY[cls.rule] is cls for cls in STEP_CLASSES)
    assert [cls.__name__ for cls in STEP_CLASSES[:2]] == ["ConstantStep", "VariableStep"]


@pytest.mark.parametrize("cls", list(STEP_REGISTRY.values()), ids=lambda c: c.__name__)
def test_step_class_names_its_rule_for_machines_and_people(cls: type[Step]) -> None:
    doc = (cls.__doc__ or "").strip().splitlines()
    assert doc and doc[0].startswith("d/d"), "the docstring's first line is the rule's math"
    assert re.fullmatch(r"[a-z][a-z_]*", cls.rule) and "rule" in cls.__dict__
    assert "title" in cls.__dict__ and cls.title == cls.title.strip() and "\n" not in cls.title
    assert 0 < len(cls.title) <= 40 and cls.title[0].islower()


def test_a_step_class_without_a_rule_or_title_is_refused_where_it_is_defined() -> None:
    with pytest.raises(TypeError, match="needs its own title"):
        class Untitled(Step):
            """d/dx u = u′."""
            rule = "untitled"
    with pytest.raises(TypeError, match="taken by ChainStep"):
        class Chain(Step):
            """d/dx u = u′."""
            rule = "chain"
            title = "another chain rule"
    assert "untitled" not in STEP_REGISTRY and STEP_REGISTRY["chain"].__name__ == "ChainStep"


def test_coverage_inputs_use_every_step_class() -> None:
    used = {type(s) for text in COVERAGE for s in walk(chainrule.diff(text).steps)}
    assert used == set(STEP_CLASSES)


@pytest.mark.parametrize("text", COVERAGE)
def test_every_format_renders(text: str) -> None:
    d = chainrule.diff(text)
    answer = d.result.pretty()

    plain = d.to_text(width=80)
    assert plain.endswith("\n")
    assert answer in plain.split("Result:")[1]

    shown = rich_text(d)
    assert "Result:" in shown and answer in shown.split("Result:")[1]
    assert "\x1b[" not in shown

    doc = json.loads(json.dumps(d.to_dict()))
    assert chainrule.parse(doc["result"]) == d.result

    latex = d.to_latex()
    assert latex.startswith(r"\begin{align*}") and latex.endswith(r"\end{align*}")
    assert d.result.latex() in latex


@pytest.mark.parametrize("text,var", HEADLINES)
def test_rich_shows_the_same_lines_as_plain(text: str, var: str | None) -> None:
    """With colour off, rich must not reflow the text (indentation lost, math cut in two)."""
    d = chainrule.diff(text, var)
    rich_lines = [line.rstrip() for line in rich_text(d).splitlines()]
    assert rich_lines == d.to_text(width=80).splitlines()


@pytest.mark.parametrize("text,var", [*HEADLINES, ("x**x", None), ("log(x, x + 1)", None)])
def test_no_line_is_printed_twice_in_a_row(text: str, var: str | None) -> None:
    lines = [line for line in chainrule.diff(text, var).to_text(width=80).splitlines() if line]
    repeats = [a for a, b in pairwise(lines) if a == b]
    assert repeats == []


@pytest.mark.parametrize("text", ["log(x, x + 1)", "x**x", "atan2(x, x**2)"])
def test_only_unbreakable_math_passes_80_columns(text: str) -> None:
    """Words can always wrap and an equation can break at '='; only one long term may not."""
    for line in chainrule.diff(text).to_text(width=80).splitlines():
        if len(line) <= 80:
            continue
        body = line.strip()
        assert not re.search(r"[a-z]{3,} [a-z]{3,}", body), f"words past column 80: {line!r}"
        assert " = " not in body.removeprefix("= "), f"could break at '=': {line!r}"


# ── (b) golden plain text ────────────────────────────────────────────────────────

GOLDEN_CASES = {
    "sin_cos_x": "sin(cos(x))",
    "sigmoid_x": "sigmoid(x)",
    "logistic_written_out": "1/(1+exp(-x))",
    "x_pow_x": "x**x",
}


@pytest.mark.parametrize("name", GOLDEN_CASES)
def test_golden_plain_text(name: str) -> None:
    path = GOLDEN / f"{name}.txt"
    actual = chainrule.diff(GOLDEN_CASES[name]).to_text(width=80)
    if REGEN:
        GOLDEN.mkdir(exist_ok=True)
        path.write_text(actual, encoding="utf-8", newline="\n")
        pytest.fail(f"regenerated {path.relative_to(GOLDEN.parent.parent)} "
                    "(CHAINRULE_REGEN_GOLDEN=1): read it, then rerun without the variable")
    assert path.exists(), f"missing {path}; create it with CHAINRULE_REGEN_GOLDEN=1"
    expected = path.read_text(encoding="utf-8")
    assert actual == expected


@pytest.mark.parametrize("name", GOLDEN_CASES)
def test_golden_files_fit_in_80_columns(name: str) -> None:
    """The stored goldens themselves are what a learner reads: they must fit the terminal."""
    text = (GOLDEN / f"{name}.txt").read_text(encoding="utf-8")
    assert [line for line in text.splitlines() if len(line) > 80] == []
    assert re.search(r"^✓ ", text, re.MULTILINE)  # and end in a proof
