"""Let-form printing: huge results are written as named parts, linear in size, and exact."""

from __future__ import annotations

import subprocess
import sys

import pytest
from hypothesis import given, settings

import chainrule
from chainrule.expr import Func, Mul, Symbol, node_count
from chainrule.letform import LetNames, let_form, printed_size
from chainrule.parser import parse
from tests.test_properties import expressions  # the random expressions of the property tests


def sin_chain(depth: int) -> object:
    e = Symbol("x")
    for _ in range(depth):
        e = Func("sin", (e,))
    return e


def test_small_expressions_are_printed_as_they_are() -> None:
    e = parse("sin(x**2)*cos(x)")
    form = let_form(e)
    assert form.definitions == ()
    assert str(form) == str(e)


@pytest.mark.parametrize("depth", [300, 1000, 10_000])
def test_the_derivative_of_a_deep_chain_prints_linearly_and_expands_back(depth: int) -> None:
    result = chainrule.diff(sin_chain(depth), "x", verify="off").result
    form = let_form(result)
    text = str(form)
    assert printed_size(result) > 40 * node_count(result)  # the tree form is quadratic
    assert len(text) < 60 * node_count(result)              # the let-form is linear
    assert form.expand() is result                          # and exact: the same node


def test_each_definition_uses_only_names_defined_above_it() -> None:
    form = let_form(chainrule.diff(sin_chain(500), "x", verify="off").result)
    defined: set[str] = set()
    for name, value in form.definitions:
        used = {s for s in value.free_symbols if s.startswith("S") and s[1:].isdigit()}
        assert used <= defined, f"{name} uses {used - defined} before they are defined"
        defined.add(name.name)
    body_names = {s for s in form.body.free_symbols if s.startswith("S")}
    assert body_names <= defined


def test_names_never_clash_with_the_expressions_symbols() -> None:
    e = Symbol("S1") * sin_chain(400)
    form = let_form(e)
    assert form.definitions
    assert all(not name.name.startswith("S") for name, _ in form.definitions)
    assert form.expand() is e


def test_one_document_shares_its_names() -> None:
    names = LetNames(["x"])
    chain = sin_chain(400)
    first = names.shorten(chain)
    count = len(names.definitions)
    assert count > 0
    assert names.shorten(chain) is first          # written the same way again
    assert len(names.definitions) == count        # with no new names
    both = names.shorten(Mul((chain, Func("cos", (chain,)))))
    inner = {n for n in first.free_symbols if n.startswith("S")}
    assert inner <= both.free_symbols | {d.name for d, _ in names.definitions}


@settings(deadline=None)
@given(expressions)
def test_let_form_round_trips_any_expression(e) -> None:  # type: ignore[no-untyped-def]
    form = let_form(e, switch=4, name_at=3)
    assert form.expand() is e
    for name, _value in form.definitions:
        assert name.name not in e.free_symbols


def test_the_cli_prints_a_10000_deep_chain_in_let_form() -> None:
    text = "sin(" * 10_000 + "x" + ")" * 10_000
    done = subprocess.run([sys.executable, "-m", "chainrule", "diff", text, "--format", "plain",
                           "--verify", "off"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "Result:" in out and "where (the" in out
    assert len(out) < 2_000_000          # the tree form would be hundreds of megabytes
    assert "S1 = sin(sin(" in out
