"""The JSON Schemas shipped in chainrule/schemas describe what chainrule really writes.

Real documents of every kind — from the Python objects and from the CLI — must validate,
and documents broken in ways a reader of the JSON would notice must not.
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest

import chainrule
from chainrule.schemas import KINDS, VERSION, schema, validate

SCHEMAS = Path(chainrule.__file__).parent / "schemas"


def _strict_json(text: str) -> Any:
    """JSON as a strict reader sees it: NaN and Infinity are not JSON."""
    def refuse(name: str) -> Any:
        raise ValueError(f"{name} is not JSON")
    return json.loads(text, parse_constant=refuse)


def _as_json(doc: dict[str, Any]) -> Any:
    """The document as a tool reading the JSON gets it (and proof that it is JSON)."""
    return _strict_json(json.dumps(doc, allow_nan=False, ensure_ascii=False))


def _valid(doc: dict[str, Any]) -> dict[str, Any]:
    doc = _as_json(doc)
    validate(doc)
    return doc


def _invalid(doc: dict[str, Any]) -> None:
    with pytest.raises(jsonschema.ValidationError):
        validate(doc)


def _nodes(step: dict[str, Any]) -> list[dict[str, Any]]:
    out, stack = [], [step]
    while stack:
        node = stack.pop()
        out.append(node)
        stack.extend(node["substeps"])
    return out


def _cli(*args: str) -> tuple[int, Any]:
    proc = subprocess.run([sys.executable, "-m", "chainrule", *args], capture_output=True,
                          timeout=120)
    stdout = proc.stdout.decode("utf-8")
    assert stdout.strip(), proc.stderr.decode("utf-8", "replace")
    return proc.returncode, _strict_json(stdout)


# ── the schema files themselves ──────────────────────────────────────────────
@pytest.mark.parametrize("name", [*KINDS, "common"])
def test_each_schema_is_a_draft_2020_12_schema(name: str) -> None:
    s = schema(name)
    assert s["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert s["$id"] == f"urn:chainrule:{name}-1.3"
    jsonschema.Draft202012Validator.check_schema(s)
    if name != "common":
        assert s["properties"]["kind"] == {"const": name}
        assert s["properties"]["schema"]["const"] == "1.3"
        assert s["additionalProperties"] is False


def test_every_reference_stays_among_the_shipped_files() -> None:
    ids = {schema(name)["$id"] for name in (*KINDS, "common")}
    refs: list[str] = []
    stack: list[Any] = [schema(name) for name in (*KINDS, "common")]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if isinstance(node.get("$ref"), str):
                refs.append(node["$ref"])
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    assert refs
    for ref in refs:
        target = ref.split("#")[0]
        assert target == "" or target in ids, ref


def test_the_files_are_the_package_s_and_schema_returns_a_fresh_copy() -> None:
    assert sorted(p.name for p in SCHEMAS.glob("*.json")) == sorted(
        f"{name}.schema.json" for name in (*KINDS, "common"))
    s = schema("derivation")
    s["properties"].clear()
    assert schema("derivation")["properties"]
    with pytest.raises(ValueError, match="no schema for kind 'derivative'"):
        schema("derivative")
    assert chainrule.diff("x**2", verify="off").to_dict()["schema"] == VERSION


def test_importing_the_loader_does_not_import_jsonschema() -> None:
    code = ("import sys, chainrule, chainrule.schemas; "
            "print('jsonschema' in sys.modules, 'referencing' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.split() == ["False", "False"]


# ── derivations ──────────────────────────────────────────────────────────────
DERIVATIONS: list[tuple[str, dict[str, Any], set[str]]] = [
    # (input, options for chainrule.diff, rules the step tree must use)
    ("sin(x**2)", {}, {"chain", "function", "power"}),
    ("x*sin(x)", {}, {"product", "variable"}),
    ("sin(x)/x", {}, {"quotient"}),
    ("x**5", {}, {"power"}),
    ("x**x", {}, {"logarithmic", "product"}),
    ("sin(x**2)", {"order": 3}, {"chain"}),
    ("x*y + sin(y) + x", {"var": "y"}, {"sum", "constant", "constant_multiple"}),
    ("3*x + 2**x + 1/x + pi", {}, {"constant_multiple", "exponential", "reciprocal",
                                   "constant"}),
    ("atan2(x, x**2)", {}, {"multivariable_chain"}),
    ("log(x, x)", {}, {"rewrite"}),
    ("1/(1+exp(-x))", {}, set()),
    ("tanh(x)**2", {"simplify": "none", "detail": "full"}, {"chain"}),
    ("exp(x)*cos(x)", {"simplify": "full", "verify": "off"}, {"product"}),
]


@pytest.fixture(scope="module")
def derivations() -> list[dict[str, Any]]:
    out = []
    for text, options, _ in DERIVATIONS:
        options = dict(options)
        var = options.pop("var", None)
        out.append(_as_json(chainrule.diff(text, var, **options).to_dict()))
    return out


@pytest.mark.parametrize("index", range(len(DERIVATIONS)),
                         ids=[f"{t} {o}" if o else t for t, o, _ in DERIVATIONS])
def test_derivations_validate(index: int, derivations: list[dict[str, Any]]) -> None:
    doc = _valid(derivations[index])
    rules = {node["rule"] for node in _nodes(doc["steps"])}
    assert DERIVATIONS[index][2] <= rules


def test_the_table_reaches_exactly_the_rules_the_schema_describes(
        derivations: list[dict[str, Any]]) -> None:
    described = {branch["if"]["properties"]["rule"]["const"]
                 for branch in schema("common")["$defs"]["step"]["allOf"]}
    used = {node["rule"] for doc in derivations for node in _nodes(doc["steps"])}
    assert described == used, described ^ used  # a new rule: describe its fields too


def test_higher_order_and_recognised_forms_carry_their_parts(
        derivations: list[dict[str, Any]]) -> None:
    third = derivations[5]
    assert third["order"] == 3 and [s["order"] for s in third["stages"]] == [1, 2, 3]
    sigmoid = derivations[10]
    assert sigmoid["recognised"] and sigmoid["recognised"][0]["name"] == "logistic sigmoid"


POINTS = [
    ("x**2", {}, {"x": 5}),
    ("abs(x)", {}, {"x": 0}),            # no slope: one-sided slopes instead
    ("log(x)", {}, {"x": 0}),            # not even a value
    ("sqrt(x)", {}, {"x": 0}),           # a value, no slope
    ("x**3", {"order": 3}, {"x": 2}),    # f″ and f‴ too
    ("x*y + sin(y)", {"var": "y"}, {"x": 1, "y": 2}),
]


@pytest.mark.parametrize(("text", "options", "point"), POINTS,
                         ids=[f"{t} at {p}" for t, _, p in POINTS])
def test_derivations_at_a_point_validate(text: str, options: dict[str, Any],
                                         point: dict[str, Any]) -> None:
    options = dict(options)
    var = options.pop("var", None)
    d = chainrule.diff(text, var, **options)
    doc = _valid(d.to_dict(slope=d.at(**point)))
    at = doc["at"]
    assert at["defined"] is (at["slope"] is not None)
    if text == "abs(x)":
        assert at["slope"] is None and at["one_sided"] == {"left": -1.0, "right": 1.0}
    if options.get("order") == 3:
        assert len(at["higher"]) == 2


def test_a_let_form_document_from_a_deep_chain_validates() -> None:
    depth = 300
    doc = _valid(chainrule.diff("sin(" * depth + "x" + ")" * depth, verify="off").to_dict())
    assert doc["definitions"] and len(_nodes(doc["steps"])) >= depth
    limit = sys.getrecursionlimit()
    validate(doc)   # deeper than the default recursion limit allows, and it is put back
    assert sys.getrecursionlimit() == limit


GOLDEN = sorted((Path(__file__).parent / "golden").rglob("*.json"))


@pytest.mark.parametrize("path", GOLDEN, ids=[p.name for p in GOLDEN])
def test_golden_json_documents_validate(path: Path) -> None:
    validate(_strict_json(path.read_text(encoding="utf-8")))


# ── gradients, checks, descents ──────────────────────────────────────────────
NET = "(y - sigmoid(w2*sigmoid(w1*x)))**2"


@pytest.mark.parametrize("options", [{}, {"graph": False},
                                     {"point": "w1=0.5,w2=-1,x=1,y=0"},
                                     {"point": "w1=0.5,w2=-1,x=1,y=0", "graph": False}],
                         ids=["graph", "no graph", "at a point", "at a point, no graph"])
def test_gradients_validate(options: dict[str, Any]) -> None:
    doc = _valid(chainrule.grad(NET, wrt="w1,w2").to_dict(**options))
    assert ("graph" in doc) is options.get("graph", True)
    assert ("at" in doc) is ("point" in options)


def test_gradient_variants_validate() -> None:
    _valid(chainrule.grad("x*y + sin(y)").to_dict())
    doc = _valid(chainrule.grad("(w*x - y)**2", wrt="w", simplify="none",
                                verify="off").to_dict())
    assert doc["verification"]["partials"] == {}   # not one skipped entry per partial
    # more paths to w than a chain lists: only their count
    wide = "sin(w) + cos(w) + tanh(w) + exp(w) + sigmoid(w) + softplus(w) + atan(w)"
    doc = _valid(chainrule.grad(f"({wide} - y)**2", wrt="w").to_dict())
    chain = doc["graph"]["chains"]["w"]
    assert chain["paths"] == chain["factors"] == [] and chain["path_count"] > 6


CHECKS = [
    ("x**2", "2*x", "correct"),
    ("abs(x)", "sign(x)", "correct"),               # except where x = 0
    ("sin(x**2)", "cos(x**2)", "named"),            # missing inner derivative
    ("cos(x)", "sin(x)", "named"),                  # sign error
    ("x**3", "x**2", "lead"),                       # low confidence
    ("sin(x**2)", "exp(x)", "unknown"),             # no known mistake
    ("x**2", "log(-x**2 - 1)", "unknown"),          # undefined where the derivative exists
]


@pytest.mark.parametrize(("expr", "answer", "verdict"), CHECKS,
                         ids=[f"{e} vs {a}" for e, a, _ in CHECKS])
def test_checks_validate(expr: str, answer: str, verdict: str) -> None:
    doc = _valid(chainrule.check(expr, answer).to_dict())
    assert doc["correct"] is (verdict == "correct")
    assert bool(doc["mistakes"]) is (verdict in ("named", "lead"))
    if verdict == "named":
        assert doc["confidence"] == "high"
    if verdict == "lead":
        assert doc["confidence"] == "low"
    _valid(doc["derivation"])  # the embedded derivation is a document of its own


def test_descents_validate() -> None:
    run = chainrule.descend("(w - 3)**2", wrt="w", at="w=0", lr=0.25, steps=20)
    doc = _valid(run.to_dict())
    assert not doc["diverged"] and doc["steps_taken"] == 20
    run = chainrule.descend("(w - 3)**2", wrt="w", at="w=0", lr=1.5, steps=50)
    doc = _valid(run.to_dict())
    assert doc["diverged"] and doc["reason"] and doc["steps_taken"] < 50
    doc = _valid(chainrule.descend("(y - sigmoid(w*x + b))**2", wrt="w,b",
                                   at="x=1,y=0,w=1,b=0", steps=5, verify="off").to_dict())
    assert doc["verification"]["status"] == "skipped"


# ── the CLI's --format json ──────────────────────────────────────────────────
CLI = [
    (["diff", "sin(x**2)"], 0, "derivation"),
    (["diff", "abs(x)", "--at", "x=0", "--order", "2"], 0, "derivation"),
    (["grad", NET, "--wrt", "w1,w2", "--at", "w1=0.5,w2=-1,x=1,y=0"], 0, "gradient"),
    (["check", "sin(x**2)", "cos(x**2)"], 0, "check"),
    (["descend", "(w - 3)**2", "--wrt", "w", "--at", "w=0", "--lr", "0.25", "--steps", "3"],
     0, "descent"),
    (["descend", "(w - 3)**2", "--wrt", "w", "--at", "w=0", "--lr", "1.5", "--steps", "50"],
     1, "descent"),   # a diverged run prints its document, and exits with 1
]


@pytest.mark.parametrize(("args", "status", "kind"), CLI, ids=[" ".join(a[:2]) + f" ({s})"
                                                              for a, s, _ in CLI])
def test_cli_json_validates(args: list[str], status: int, kind: str) -> None:
    code, doc = _cli(*args, "--format", "json")
    assert code == status and doc["kind"] == kind
    validate(doc)


def test_cli_error_document() -> None:
    code, doc = _cli("diff", "sin(", "--format", "json")
    assert code == 2
    validate(doc)
    assert doc["kind"] == "error" and doc["error"]["type"] == "ParseError"
    assert doc["error"]["exit_status"] == 2 and doc["error"]["column"] == 5


# ── broken documents are refused ─────────────────────────────────────────────
@pytest.fixture(scope="module")
def derivation() -> dict[str, Any]:
    return _as_json(chainrule.diff("sin(x**2)").to_dict())


def _chain_node(doc: dict[str, Any]) -> dict[str, Any]:
    return next(n for n in _nodes(doc["steps"]) if n["rule"] == "chain")


def test_a_derivation_without_its_result_is_refused(derivation: dict[str, Any]) -> None:
    doc = copy.deepcopy(derivation)
    del doc["result"]
    with pytest.raises(jsonschema.ValidationError, match="'result' is a required property"):
        validate(doc)


def test_a_chain_node_without_its_inner_function_is_refused(
        derivation: dict[str, Any]) -> None:
    doc = copy.deepcopy(derivation)
    del _chain_node(doc)["inner"]
    with pytest.raises(jsonschema.ValidationError, match="'inner' is a required property"):
        validate(doc)


@pytest.mark.parametrize("kind", ["gradient", "derivative", "", None])
def test_a_wrong_kind_is_refused(kind: Any, derivation: dict[str, Any]) -> None:
    doc = copy.deepcopy(derivation)
    doc["kind"] = kind
    _invalid(doc)
    del doc["kind"]
    _invalid(doc)


def test_an_older_schema_version_is_refused(derivation: dict[str, Any]) -> None:
    doc = copy.deepcopy(derivation)
    doc["schema"] = "1.2"
    with pytest.raises(jsonschema.ValidationError, match=r"'1\.3' was expected"):
        validate(doc)


def _broken(doc: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """``doc`` with the value at ``path`` (keys and indices, dot-separated) replaced; a
    value of ``...`` deletes the key."""
    doc = copy.deepcopy(doc)
    *parents, last = path.split(".")
    target: Any = doc
    for part in parents:
        target = target[int(part)] if isinstance(target, list) else target[part]
    if value is ...:
        del target[last]
    else:
        target[last] = value
    return doc


@pytest.mark.parametrize(("path", "value"), [
    ("verification.status", "proven"),
    ("verification.seconds", "0.5"),
    ("verification.extra", 1),
    ("order", 0),
    ("simplify", "heavy"),
    ("steps.rule", "Chain"),
    ("steps.substeps", {}),
    ("steps.substeps.0.result", ...),
    ("steps.substeps.0.function", 7),
    ("steps.substeps.1.substeps", [{"rule": "power"}]),
    ("steps.layer", None),
    ("recognised", None),
    ("definitions", [{"name": "S1"}]),
    ("result", ""),
    ("stages", []),                      # stages only for a higher order
    ("new_key", 1),                      # a key 1.3 does not have
])
def test_broken_derivations_are_refused(path: str, value: Any,
                                        derivation: dict[str, Any]) -> None:
    _invalid(_broken(derivation, path, value))


def test_a_chain_node_has_exactly_an_outer_and_an_inner_step(
        derivation: dict[str, Any]) -> None:
    doc = copy.deepcopy(derivation)
    node = _chain_node(doc)
    node["substeps"] = node["substeps"][:1]
    _invalid(doc)


def test_a_higher_order_document_needs_its_stages() -> None:
    doc = _valid(chainrule.diff("x**4", order=2).to_dict())
    _invalid(_broken(doc, "stages", ...))


def test_a_point_must_agree_with_itself() -> None:
    d = chainrule.diff("abs(x)")
    doc = _valid(d.to_dict(slope=d.at(x=0)))
    _invalid(_broken(doc, "at.defined", True))       # a slope that does not exist
    _invalid(_broken(doc, "at.reason", None))        # not defined, and no reason given
    _invalid(_broken(doc, "at.slope", {"value": 1.0}))


def test_a_rule_of_a_new_step_type_may_carry_its_own_fields(
        derivation: dict[str, Any]) -> None:
    # the step classes are an extension point: an unknown rule is open ...
    validate(_broken(derivation, "steps.substeps.0.rule", "new_rule"))
    # ... a known one has exactly its fields
    _invalid(_broken(derivation, "steps.substeps.0.colour", "red"))


def test_broken_gradients_checks_and_descents_are_refused() -> None:
    g = _valid(chainrule.grad(NET, wrt="w1,w2").to_dict(point="w1=0.5,w2=-1,x=1,y=0"))
    for path, value in [("partials.w1", 1.5), ("wrt", []), ("verification.partials", ...),
                        ("graph.nodes.0.kind", "layer"), ("at.J", "0.12"),
                        ("at.backward.0.from", ...), ("operations.gradient", -1)]:
        _invalid(_broken(g, path, value))
    c = _valid(chainrule.check("sin(x**2)", "cos(x**2)").to_dict())
    for path, value in [("correct", True), ("command", "diff"), ("confidence", "certain"),
                        ("mistakes", []), ("mistakes.0.kind", "Missing inner"),
                        ("derivation.kind", "check"), ("equivalence.status", "symbolic")]:
        _invalid(_broken(c, path, value))
    r = _valid(chainrule.descend("(w - 3)**2", wrt="w", at="w=0", lr=1.5, steps=50).to_dict())
    for path, value in [("reason", ""), ("history", []), ("lr", 0),
                        ("history.0.gradient_norm", -1.0), ("final.parameters.w", "3")]:
        _invalid(_broken(r, path, value))


# ── the error document ───────────────────────────────────────────────────────
PARSE_ERROR = {
    "schema": "1.3", "kind": "error",
    "error": {"type": "ParseError", "message": "unexpected end of input", "exit_status": 2,
              "position": 4, "column": 5, "expected": ["an expression"], "hint": None,
              "context": "sin(\n    ^"},
}
USAGE_ERROR = {
    "schema": "1.3", "kind": "error",
    "error": {"type": "UsageError", "message": "say which symbol", "exit_status": 2,
              "position": None, "column": None, "expected": None, "hint": None,
              "context": None},
}
VERIFICATION_ERROR = _broken(_broken(USAGE_ERROR, "error.type", "VerificationError"),
                             "error.exit_status", 1)


@pytest.mark.parametrize("doc", [PARSE_ERROR, USAGE_ERROR, VERIFICATION_ERROR,
                                 _broken(PARSE_ERROR, "error.hint", "close the bracket"),
                                 _broken(USAGE_ERROR, "error.type", "MissingDependency")],
                         ids=["parse", "usage", "verification", "parse with hint",
                              "missing dependency"])
def test_error_documents_validate(doc: dict[str, Any]) -> None:
    validate(doc)


@pytest.mark.parametrize(("doc", "path", "value"), [
    (PARSE_ERROR, "error.position", None),        # a parse error says where
    (PARSE_ERROR, "error.context", ...),
    (PARSE_ERROR, "error.exit_status", 1),        # bad input is status 2
    (PARSE_ERROR, "error.expected", "an expression"),
    (USAGE_ERROR, "error.exit_status", 4),  # 3 is a budget that ran out
    (USAGE_ERROR, "error.message", ""),
    (USAGE_ERROR, "error.type", "usage error"),
    (USAGE_ERROR, "error.position", 3),           # only a parse error has a position
    (USAGE_ERROR, "error", "say which symbol"),
    (USAGE_ERROR, "schema", "1.2"),
    (USAGE_ERROR, "kind", "errors"),
    (USAGE_ERROR, "error.traceback", "…"),
])
def test_broken_error_documents_are_refused(doc: dict[str, Any], path: str,
                                            value: Any) -> None:
    _invalid(_broken(doc, path, value))
