"""What the explanation says: detail levels, composites written whole, names given once,
subexpressions derived once, recognised forms and higher orders."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

import chainrule
from chainrule.cli import main
from chainrule.errors import UsageError


def text(expr: str, var: str | None = None, **kw: object) -> str:
    detail = kw.pop("detail", "normal")
    return chainrule.diff(expr, var, **kw).to_text(width=80, detail=detail)  # type: ignore[arg-type]


def steps(out: str) -> list[str]:
    """The lines between the title and the result."""
    body = out.split("\n\n", 1)[1].split("\nResult:")[0]
    return [line for line in body.splitlines() if line.strip()]


def cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), env={"NO_COLOR": "1"})
    return result.exit_code, result.output


# ── detail levels ──────────────────────────────────────────────────────────────
@pytest.mark.parametrize("expr", ["x*exp(-x**2)", "1/(1+exp(-x))", "x**x", "sin(x)/(x + 1)",
                                  "3*x**2 - 2*x + 1"])
def test_brief_shows_less_than_normal_and_normal_less_than_full(expr: str) -> None:
    brief, normal, full = (len(steps(text(expr, detail=d))) for d in ("brief", "normal", "full"))
    assert normal < full, (normal, full)
    if expr != "3*x**2 - 2*x + 1":  # a polynomial has no structure: brief is its one line
        assert brief < normal, (brief, normal)


def test_brief_is_the_structure_in_a_few_lines() -> None:
    code, out = cli("diff", "sin(cos(x**2))", "--detail", "brief")
    assert code == 0
    assert len(out.strip().splitlines()) <= 9   # title, 4 lines of steps, result, proof
    assert len(steps(out)) <= 4
    assert "f(g(h(x))) is a composite" in out
    assert "f′(g(h(x)))·g′(h(x))·h′(x)" in out
    assert "cos(cos(x²)) · (−sin(x²)) · 2x" in out
    assert "(the derivative of" not in out and "power rule" not in out  # no table lookups


def test_brief_keeps_every_chain_product_and_quotient() -> None:
    out = text("x*exp(-x**2) + sin(x)/cos(x**3)", detail="brief")
    assert out.count("is a product") == 1 and out.count("is a quotient") == 1
    assert out.count("is a composite") == 2  # e^(−x²) and cos(x³); sin(x) is a lookup


def test_normal_folds_the_trivial_rules_that_full_shows() -> None:
    normal = text("x*sin(x) + 3*x**2 + 1")
    full = text("x*sin(x) + 3*x**2 + 1", detail="full")
    for trivial in ("d/dx x = 1", "d/dx 1 = 0", "a constant factor stays"):
        assert trivial not in normal
        assert trivial in full
    assert "f′ = 1" in normal  # the value is still there, folded into the product
    assert "(the constant factor 3 stays; power rule" in normal


def test_full_shows_each_raw_result_before_its_tidy_form() -> None:
    assert "d/dx x² = 2x¹ = 2x" in text("x**2 + x", detail="full")


def test_a_symbol_held_constant_is_said_even_at_normal_detail() -> None:
    out = text("x*y + sin(y)", "y")
    assert "∂/∂y [x·y] = x   (the constant factor x stays)" in out


def test_unknown_detail_is_refused() -> None:
    with pytest.raises(UsageError):
        chainrule.diff("x", detail="verbose")
    with pytest.raises(UsageError):
        chainrule.diff("x").to_text(detail="verbose")
    code, out = cli("diff", "x", "--detail", "verbose")
    assert code == 2 and "verbose" in out


# ── the chain, whole ───────────────────────────────────────────────────────────
def test_a_composite_is_decomposed_before_its_details() -> None:
    lines = steps(text("sin(cos(x**2))"))
    assert lines[0].startswith("sin(cos(x²)) = f(g(h(x))) is a composite with f(u₁) = sin(u₁), "
                               "g(u₂) = cos(u₂),")
    assert "h(x) = x²" in lines[1]
    assert "chain rule  dy/dx = dy/du₁ · du₁/du₂ · du₂/dx = f′(g(h(x)))·g′(h(x))·h′(x)" in lines[2]
    assert lines[3].split() [:4] == ["outer", "dy/du₁", "=", "cos(u₁)"]
    assert lines[4].split()[:4] == ["middle", "du₁/du₂", "=", "−sin(u₂)"]
    assert lines[5].split()[:4] == ["inner", "du₂/dx", "=", "2x"]
    assert lines[6].split()[:2] == ["so", "dy/dx"]


def test_the_sigmoid_takes_the_textbook_route() -> None:
    out = text("1/(1+exp(-x))")
    assert "= f(g(x)) is a composite with f(u₁) = 1/u₁, g(x) = 1 + e^(−x)" in out
    assert "e^(−x) = h(p(x)) is a composite with h(u₂) = e^(u₂), p(x) = −x" in out
    result = out.split("Result:")[1]
    assert "= σ(x)·(1 − σ(x))" in result and "where σ(x) = 1/(1 + e^(−x))" in result
    assert "forward value" in re.sub(r"\s+", " ", result)


def _definitions(d: chainrule.Derivation) -> list[tuple[str, str]]:
    """(letter, its definition) from every "… is a composite/product/quotient with …" line."""
    from chainrule.render._outline import Seg, document
    found = []
    for line in document(d).lines:
        texts = [p.text for p in line.parts if isinstance(p, Seg)]
        at = next((i for i, t in enumerate(texts) if t.endswith("with ")), None)
        if at is None:
            continue
        for t in texts[at + 1:]:
            definition = t.strip().rstrip(",")
            if definition:
                found.append((re.split(r"[( ]", definition)[0], definition))
    return found


@pytest.mark.parametrize("expr,var", [
    ("sin(x**2) + cos(x**3)", None),
    ("exp(sin(x**2)) * cos(sin(x**2))", None),
    ("f*sin(g*x**2) + h*cos(x)", "x"),
    ("1/(1+exp(-x)) + tan(x)/x", None),
])
def test_a_letter_never_names_two_different_things(expr: str, var: str | None) -> None:
    d = chainrule.diff(expr, var)
    out = d.to_text(width=80)
    defs = _definitions(d)
    assert len(defs) >= 2
    meaning: dict[str, str] = {}
    for letter, definition in defs:
        assert meaning.setdefault(letter, definition) == definition, (letter, out)
    assert not set(meaning) & d.expr.free_symbols, "a letter of the input was taken"


def test_two_inner_functions_get_two_layer_names() -> None:
    out = text("sin(x**2) + cos(x**3)")
    assert "f(u₁) = sin(u₁), g(x) = x²" in out
    assert re.search(r"[a-z]\(u₂\) = cos\(u₂\), [a-z]\(x\) = x³", out)


def test_abstract_functions_keep_their_own_names() -> None:
    out = text("f(g(x))")
    assert "f(g(x)) is a composite of f and g" in out
    assert "dy/du₁ = f′(u₁) = f′(g(x))" in out


# ── derived once ───────────────────────────────────────────────────────────────
def test_a_repeated_subexpression_is_derived_once_and_referred_back_to() -> None:
    out = text("exp(sin(x**2)) + cos(sin(x**2))")
    assert out.count("sin(x²) = h(p(x)) is a composite") == 1
    (ref,) = re.findall(r"\(as in step (\d+)\)", out)
    target = next(line for line in out.splitlines() if line.startswith(f"{ref}."))
    assert "sin(x²) = h(p(x)) is a composite" in target
    referring = next(line for line in out.splitlines() if "(as in step" in line)
    assert "du₁/dx = 2x·cos(x²)" in referring


def test_steps_are_numbered_only_when_something_refers_back() -> None:
    assert not re.search(r"^\d+\.", text("sin(cos(x))"), re.M)
    assert re.search(r"^1\. ", text("sin(x)*cos(sin(x))"), re.M)


def test_a_repeated_lookup_is_referred_back_to_too() -> None:
    out = text("sin(x)*cos(sin(x))")
    assert out.count("(the derivative of sin u is cos u)") == 1
    assert "(as in step 1)" in out


@pytest.mark.parametrize("detail", ["brief", "normal", "full"])
def test_a_repeated_block_is_derived_once_at_every_level(detail: str) -> None:
    out = text("sin(x**2)**2 + exp(sin(x**2)**2)", detail=detail)
    assert len(re.findall(r"^[\d. ]*sin\(x²\)² = [a-z]\(", out, re.M)) == 1, out


# ── higher order ───────────────────────────────────────────────────────────────
def test_higher_order_in_the_cli_lists_every_derivative() -> None:
    code, out = cli("diff", "sin(x**2)", "--order", "3")
    assert code == 0
    for word in ("First derivative", "Second derivative", "Third derivative"):
        assert word in out
    result = out.split("Result:")[1]
    d = chainrule.diff("sin(x**2)", order=3)
    for stage in d.stages:
        assert stage.result.pretty() in result
    assert "d³/dx³ sin(x²)" in result


def test_layer_names_run_on_across_the_orders() -> None:
    out = text("sin(x**2)", order=2)
    first, second = out.split("Second derivative")
    assert "u₁" in first and "u₁" not in second and "u₂" in second


def test_order_is_checked() -> None:
    code, out = cli("diff", "x**2", "--order", "0")
    assert code == 2 and "0" in out
