"""The JSON document (``--format json`` and ``Derivation.to_dict()``): the stable format for tools.

Checked for the four headline inputs through the CLI and through the API, and for an input
per step class, so that every rule name a tool may meet is pinned.
"""

from __future__ import annotations

import json
import os
import pathlib
import re
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest

import chainrule

ROOT = pathlib.Path(__file__).resolve().parents[1]

RULES = {"chain", "product", "quotient", "power", "sum", "constant", "variable", "function",
         "constant_multiple", "exponential", "reciprocal", "logarithmic", "rewrite",
         "multivariable_chain"}

HEADLINES = {
    "sin(x**2)": None,
    "sin(cos(x))": None,
    "1/(1+exp(-x))": None,
    "(y - sigmoid(w2*sigmoid(w1*x)))**2": "w1",
}

# One input per step class (together they use every rule name).
COVERAGE = ["7", "x", "3*x", "x + 1", "x*sin(x)", "sin(x)/x", "x**3", "2**x", "1/x", "sin(x)",
            "sin(x**2)", "atan2(x, x**2)", "x**x", "log(x, x + 1)"]


def run_json(text: str, wrt: str | None) -> dict[str, Any]:
    args = [sys.executable, "-m", "chainrule", "diff", text, "--format", "json"]
    if wrt:
        args += ["--wrt", wrt]
    proc = subprocess.run(args, capture_output=True, encoding="utf-8", cwd=ROOT, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def nodes(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        stack.extend(n["substeps"])


@pytest.fixture(scope="module")
def cli_docs() -> dict[str, dict[str, Any]]:
    return {text: run_json(text, wrt) for text, wrt in HEADLINES.items()}


@pytest.fixture(scope="module")
def api() -> dict[str, chainrule.Derivation]:
    return {text: chainrule.diff(text, wrt) for text, wrt in HEADLINES.items()}


@pytest.fixture(params=["cli", "api"])
def source(request: pytest.FixtureRequest, cli_docs: dict[str, Any],
           api: dict[str, chainrule.Derivation]) -> dict[str, dict[str, Any]]:
    if request.param == "cli":
        return cli_docs
    return {text: d.to_dict() for text, d in api.items()}


@pytest.mark.parametrize("text", HEADLINES)
def test_top_level_fields(text: str, source: dict[str, dict[str, Any]],
                          api: dict[str, chainrule.Derivation]) -> None:
    doc, d = source[text], api[text]
    assert isinstance(doc["schema"], str) and re.fullmatch(r"\d+(\.\d+)*", doc["schema"])
    assert doc["input"] == text
    assert doc["variable"] == (HEADLINES[text] or "x")
    assert doc["verification"]["status"] in {"symbolic", "numeric"}
    assert doc["result_latex"] == d.result.latex()  # the same result, typeset
    assert "**" not in doc["result_latex"]


@pytest.mark.parametrize("text", HEADLINES)
def test_result_is_python_syntax_that_parses_back(text: str, source: dict[str, dict[str, Any]],
                                                  api: dict[str, chainrule.Derivation]) -> None:
    assert chainrule.parse(source[text]["result"]) == api[text].result


@pytest.mark.parametrize("text", HEADLINES)
def test_step_nodes(text: str, source: dict[str, dict[str, Any]]) -> None:
    root = source[text]["steps"]
    assert isinstance(root, dict)
    assert chainrule.parse(root["expr"]) == chainrule.parse(text)
    for node in nodes(root):
        assert node["rule"] in RULES
        assert isinstance(node["substeps"], list)
        for key in ("expr", "result"):
            chainrule.parse(node[key])  # Python syntax a tool can read back
        if node["rule"] == "chain":
            assert isinstance(node["outer"], str) and isinstance(node["inner"], str)
            assert len(node["substeps"]) == 2  # outer step, inner step


@pytest.mark.parametrize("text,outer,inner", [
    ("sin(x**2)", "sin(u1)", "x**2"),
    ("sin(cos(x))", "sin(u1)", "cos(x)"),
    ("1/(1+exp(-x))", "1/u1", "1 + exp(-x)"),
])
def test_root_chain_names_outer_and_inner(text: str, outer: str, inner: str,
                                          source: dict[str, dict[str, Any]]) -> None:
    root = source[text]["steps"]
    assert root["rule"] == "chain"
    assert chainrule.parse(root["inner"]) == chainrule.parse(inner)
    assert chainrule.parse(root["outer"]) == chainrule.parse(outer.replace("u1", root["layer"]))


def test_backprop_chain_has_one_layer_per_composite(source: dict[str, dict[str, Any]]) -> None:
    root = source["(y - sigmoid(w2*sigmoid(w1*x)))**2"]["steps"]
    chains = [n for n in nodes(root) if n["rule"] == "chain"]
    inners = {chainrule.parse(n["inner"]) for n in chains}
    assert {chainrule.parse("w1*x"), chainrule.parse("w2*sigmoid(w1*x)"),
            chainrule.parse("y - sigmoid(w2*sigmoid(w1*x))")} <= inners
    layers = [n["layer"] for n in chains]
    assert len(layers) == len(set(layers))  # a layer name is never reused


@pytest.mark.parametrize("text", HEADLINES)
def test_cli_and_api_give_the_same_document(text: str, cli_docs: dict[str, Any],
                                            api: dict[str, chainrule.Derivation]) -> None:
    from_cli, from_api = dict(cli_docs[text]), api[text].to_dict()
    # Timing and sampling details of the proof may differ between runs; the rest may not.
    assert from_cli.pop("verification")["status"] == from_api.pop("verification")["status"]
    assert from_cli == from_api


@pytest.mark.parametrize("text", COVERAGE + list(HEADLINES))
def test_to_dict_is_plain_json(text: str) -> None:
    doc = chainrule.diff(text, HEADLINES.get(text)).to_dict()
    encoded = json.dumps(doc)
    assert json.loads(encoded) == doc  # only JSON types: no tuples, Exprs or sets inside


def test_every_rule_name_is_stable() -> None:
    seen: set[str] = set()
    for text in COVERAGE:
        seen |= {n["rule"] for n in nodes(chainrule.diff(text).to_dict()["steps"])}
    assert seen == RULES


def test_result_parses_back_for_every_rule() -> None:
    for text in COVERAGE:
        d = chainrule.diff(text)
        assert chainrule.parse(d.to_dict()["result"]) == d.result, text


def test_cli_json_is_utf8_on_a_pipe_without_a_locale() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LC_", "LANG"))}
    env["LC_ALL"] = "C"
    proc = subprocess.run([sys.executable, "-m", "chainrule", "diff", "sigmoid(x)",
                           "--format", "json"], capture_output=True, cwd=ROOT, env=env,
                          timeout=60)
    assert proc.returncode == 0, proc.stderr.decode("utf-8", "replace")
    doc = json.loads(proc.stdout.decode("utf-8"))
    assert doc["result"] == "sigmoid(x)*(1 - sigmoid(x))"


# ── let-form: a document whose expressions would be huge names their shared parts ──

def _chain(depth: int, inner: str = "x") -> str:
    return "sin(" * depth + inner + ")" * depth


def _expand(doc: dict[str, Any]) -> dict[Any, Any]:
    """The definitions of a let-form document, each parsed and with the names above put back."""
    from chainrule.expr import Symbol, substitute
    values: dict[Any, Any] = {}
    for entry in doc["definitions"]:
        values[Symbol(entry["name"])] = substitute(chainrule.parse(entry["expr"]), values)
    return values


@pytest.mark.parametrize("text", HEADLINES)
def test_a_small_document_has_no_definitions(text: str,
                                             source: dict[str, dict[str, Any]]) -> None:
    assert source[text]["definitions"] == []


def test_a_deep_chain_is_written_in_let_form_that_expands_to_the_derivation() -> None:
    from chainrule.expr import substitute
    d = chainrule.diff(_chain(300), verify="off")
    doc = json.loads(json.dumps(d.to_dict()))
    assert doc["schema"] == "1.3" and len(doc["definitions"]) > 50
    values = _expand(doc)

    def full(text: str) -> Any:
        return substitute(chainrule.parse(text), values)

    assert full(doc["result"]) is d.result and full(doc["expr"]) is d.expr
    steps = list(nodes(doc["steps"]))
    assert len(steps) >= 300
    by_expr = {full(s["expr"]): s for s in steps}
    for step in chainrule.steps.walk(d.steps):  # every step's result, names put back
        assert full(by_expr[step.expr]["result"]) is step.result
    # linear in the depth: the tree form of these steps would be megabytes
    assert len(json.dumps(doc)) < 300_000
    assert max(len(s["expr"]) + len(s["result"]) for s in steps) < 2_000


def test_let_form_names_avoid_the_user_s_symbols() -> None:
    d = chainrule.diff(_chain(300, "S1 * x"), "x", verify="off")
    doc = d.to_dict()
    names = [entry["name"] for entry in doc["definitions"]]
    assert names and "S1" not in names and not any(n.startswith("S") for n in names)
    assert substitute_all(doc, doc["result"]) is d.result


def substitute_all(doc: dict[str, Any], text: str) -> Any:
    from chainrule.expr import substitute
    return substitute(chainrule.parse(text), _expand(doc))


def test_cli_deep_chain_json_is_compact_and_parses() -> None:
    out = subprocess.run([sys.executable, "-m", "chainrule", "diff", _chain(300), "--format",
                          "json", "--verify", "off"], capture_output=True, text=True,
                         encoding="utf-8", check=True).stdout
    doc = json.loads(out)
    assert doc["definitions"] and "\n" not in out.strip() and len(out) < 300_000


def test_to_dict_refuses_a_step_tree_too_deep_for_json_readers() -> None:
    d = chainrule.diff(_chain(450), verify="off")
    with pytest.raises(chainrule.UsageError, match=r"too deep for JSON: 45[0-9] levels"):
        d.to_json()
    assert len(chainrule.diff(_chain(390), verify="off").to_dict()["definitions"]) > 50


def test_cli_refuses_a_step_tree_too_deep_for_json() -> None:
    result = subprocess.run([sys.executable, "-m", "chainrule", "diff", _chain(1000),
                             "--format", "json", "--verify", "off"], capture_output=True,
                            text=True, encoding="utf-8")
    assert result.returncode == 2 and "Traceback" not in result.stdout + result.stderr
    error = json.loads(result.stdout)  # under --format json, the refusal is a JSON document
    assert error["kind"] == "error" and "too deep for JSON" in error["error"]["message"]
