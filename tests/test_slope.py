"""The slope at a point (``--at``, ``Derivation.at``): exact values, what the sign means, the
tangent line, and a clear refusal — never a number — where f′ does not exist."""

from __future__ import annotations

import json

import pytest
import sympy as sp
from click.testing import CliRunner

import chainrule
from chainrule.cli import main
from chainrule.errors import ParseError, UsageError
from chainrule.expr import Num

# expression, point, f there, f′ there (exact text), sign of the slope
DEFINED = [
    ("x**2", "x=5", "25", "10", 1),
    ("x**2", "5", "25", "10", 1),
    ("x**3", "x=-1", "−1", "3", 1),
    ("x**2", "x=1/2", "1/4", "1", 1),
    ("x**2 - 4*x", "x=2", "−4", "0", 0),
    ("sqrt(x)", "x=4", "2", "1/4", 1),
    ("1/(1+exp(-x))", "x=0", "1/2", "1/4", 1),
    ("cos(x)", "x=pi", "−1", "0", 0),
    ("cos(x)", "x=pi/2", "0", "−1", -1),
    ("exp(-x)", "x=0", "1", "−1", -1),
    ("abs(x)", "x=-3", "3", "−1", -1),
    ("relu(x)", "x=2", "2", "1", 1),
    ("log(x)", "x=0.5", "−ln(2) ≈ −0.6931", "2", 1),
    ("sin(x)", "x=1", "sin(1) ≈ 0.8415", "cos(1) ≈ 0.5403", 1),
]

# expression, point, what the reason names, whether f itself has a value there
UNDEFINED = [
    ("abs(x)", "x=0", "|x|", True),
    ("relu(x)", "x=0", "relu(x)", True),
    ("sqrt(x)", "x=0", "√x", True),
    ("abs(x - 2)", "x=2", "|x − 2|", True),
    ("log(x)", "x=0", "ln(x)", False),
    ("log(x)", "x=-1", "ln(x)", False),
    ("1/x", "x=0", "1/x", False),
    ("sqrt(x - 1)", "x=0", "√(x − 1)", False),
    ("tan(x)", "x=pi/2", "tan(x)", False),   # floats would say 1.6e16
    ("cbrt(x)", "x=0", "∛x", True),
]


@pytest.mark.parametrize("expr,point,value,slope,sign", DEFINED)
def test_value_and_slope_are_exact_where_they_can_be(expr: str, point: str, value: str,
                                                     slope: str, sign: int) -> None:
    s = chainrule.diff(expr).at(point)
    assert s.value is not None and s.slope is not None
    assert s.value.text == value and s.slope.text == slope
    assert s.sign == sign
    from chainrule.sympy_bridge import sympy_symbol, to_sympy
    x = sympy_symbol("x")
    at = to_sympy(chainrule.parse(point.split("=")[-1]))
    expected = sp.diff(to_sympy(chainrule.parse(expr)), x).subs(x, at)
    assert float(expected) == pytest.approx(s.slope.number, abs=1e-12)  # SymPy agrees


def test_the_slope_of_x_squared_at_5_is_exactly_10() -> None:
    s = chainrule.diff("x**2").at(x=5)
    assert s.slope.exact == Num(10) and s.slope.number == 10.0
    assert str(s.tangent_tidy) == "10*x - 25"


@pytest.mark.parametrize("expr,point,culprit,has_value", UNDEFINED)
def test_where_the_slope_does_not_exist_there_is_a_reason_and_no_number(
        expr: str, point: str, culprit: str, has_value: bool) -> None:
    s = chainrule.diff(expr).at(point)
    assert s.slope is None and not s.defined and s.sign is None and s.tangent is None
    assert (s.value is not None) == has_value
    assert s.reason and culprit in s.reason


def test_a_corner_says_how_the_slope_jumps() -> None:
    s = chainrule.diff("abs(x)").at(x=0)
    assert s.sides is not None
    left, right = s.sides
    assert left == pytest.approx(-1) and right == pytest.approx(1)


@pytest.mark.parametrize("point", [5, 5.0, "5", "x=5", {"x": 5}, {"x": "10/2"}])
def test_a_point_may_be_given_in_many_ways(point: object) -> None:
    assert chainrule.diff("x**2").at(point).slope.text == "10"
    assert chainrule.diff("x**2").at(x=5).slope.text == "10"


def test_a_decimal_means_what_it_says() -> None:
    s = chainrule.diff("x**2").at(x=0.1)
    assert s.slope.text == "1/5"  # 0.1 is one tenth, not the nearest binary fraction


def test_a_partial_slope_holds_the_other_symbols_fixed() -> None:
    d = chainrule.diff("x*y**2", "x")
    s = d.at("x=1, y=3")
    assert s.slope.text == "9" and s.value.text == "9"
    out = d.to_text(slope=s)
    assert "(with y = 3 held fixed)" in out and "tangent line along x" in out


def test_higher_derivatives_at_the_point() -> None:
    d = chainrule.diff("x**3", order=3)
    s = d.at(x=2)
    assert [v.text for v in s.higher] == ["12", "6"]
    out = d.to_text(slope=s)
    assert "d²y/dx² = 6x = 6·2 = 12: the graph curves upward (convex) here" in out
    assert "d³y/dx³ = 6\n" in out


@pytest.mark.parametrize("expr,point,message", [
    ("x**2", "y=2", "give a value for x"),
    ("x*y + x", "x=1", "give a value for y"),
    ("x**2", "x=1,x=2", "given twice"),
    ("x**2", "x=t", "must be a number"),
    ("x**2", "x=", "name=value"),
    ("x**2", "x=log(-1)", "not a real number"),
])
def test_a_bad_point_is_a_usage_error(expr: str, point: str, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        chainrule.diff(expr, "x").at(point)


def test_a_point_that_does_not_parse_is_a_parse_error() -> None:
    with pytest.raises(ParseError):
        chainrule.diff("x**2").at("x=(1")


# ── the command line ───────────────────────────────────────────────────────────
def cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), env={"NO_COLOR": "1"})
    return result.exit_code, result.output


def test_cli_says_what_the_slope_means() -> None:
    code, out = cli("diff", "x**2", "--at", "x=5")
    assert code == 0
    at = out.split("At x = 5")[1]
    assert "dy/dx = 2x = 2·5 = 10" in at
    assert "slope > 0: y increases as x increases" in at
    assert "moves x down" in at
    assert "tangent line  y = 25 + 10(x − 5) = 10x − 25" in at
    assert all(len(line) <= 80 for line in out.splitlines())


def test_cli_negative_and_zero_slopes() -> None:
    _, down = cli("diff", "exp(-x)", "--at", "x=0")
    assert "slope < 0: y decreases as x increases" in down and "moves x up" in down
    _, flat = cli("diff", "x**2 - 4*x", "--at", "x=2")
    assert "slope 0" in flat and "stationary point" in flat and "leaves x where it is" in flat


@pytest.mark.parametrize("expr,point", [(e, p) for e, p, _, _ in UNDEFINED])
def test_cli_never_prints_a_number_for_a_slope_that_does_not_exist(expr: str, point: str) -> None:
    code, out = cli("diff", expr, "--at", point)
    assert code == 0
    at = out.split("\nAt ")[1]
    assert "dy/dx =" not in at and "tangent line  " not in at
    assert "does not exist here" in at or "has no value here" in at


@pytest.mark.parametrize("args", [["--at", "y=1"], ["--at", "x=oops"], ["--at", "x=(1"]])
def test_cli_bad_point_exits_2_without_a_traceback(args: list[str]) -> None:
    code, out = cli("diff", "x**2", *args)
    assert code == 2 and "Traceback" not in out and "error:" in out


@pytest.mark.parametrize("fmt", ["markdown", "latex", "json", "rich"])
def test_every_format_carries_the_point(fmt: str) -> None:
    code, out = cli("diff", "x**2", "--at", "x=5", "--format", fmt)
    assert code == 0
    if fmt == "json":
        at = json.loads(out)["at"]
        assert at["slope"] == {"value": 10.0, "exact": "10"} and at["tangent"] == "10*x - 25"
    elif fmt == "latex":
        assert r"\frac{dy}{dx} = 2x = 2 \cdot 5 = 10" in out and r"10x - 25" in out
    elif fmt == "markdown":
        assert "**At $x = 5$**" in out and "$y = 25 + 10\\left(x - 5\\right) = 10x - 25$" in out
    else:
        assert "dy/dx = 2x = 2·5 = 10" in out


def test_without_an_exact_form_the_numbers_say_they_are_approximate() -> None:
    import dataclasses

    from chainrule.slope import Value
    d = chainrule.diff("x**2")
    s = dataclasses.replace(d.at(x=5), value=Value(25.0), slope=Value(10.0), tangent=None,
                            tangent_tidy=None)  # as when SymPy runs out of time
    out = d.to_text(slope=s)
    assert "dy/dx = 2x = 2·5 ≈ 10" in out and "tangent line  y ≈ 25 + 10(x − 5)" in out
    assert r"y \approx 25 + 10\left(x - 5\right)" in d.to_latex(slope=s)


def test_markdown_lists_the_point_s_lines_side_by_side() -> None:
    # The lines under "At x = 1" are one list: none is nested under the value of y.
    out = chainrule.diff("sin(x^2)").to_markdown(slope=chainrule.diff("sin(x^2)").at(x=1))
    section = out.split("**At $x = 1$**")[1].strip().splitlines()
    assert len(section) == 5 and all(line.startswith("- ") for line in section)
    assert "$\\frac{dy}{dx} = 2x\\cos\\left(x^{2}\\right) = 2 \\cdot 1 \\cdot \\cos" in section[1]


def test_a_value_too_large_for_a_float_is_not_called_undefined() -> None:
    d = chainrule.diff("exp(exp(x))")
    s = d.at(x=100)  # e^(e^100) is a real number, far beyond a float
    assert s.value is None and s.too_large
    assert "is too large for a floating-point number" in s.reason
    out = d.to_text(slope=s)
    assert "y is too large to compute here" in out and "has no value" not in out
    assert not chainrule.diff("log(x)").at(x=-1).too_large
