"""Gradients for people (plain text and rich) and for tools (the JSON document).

One function, :func:`grad_lines`, writes the report as lines of styled segments; plain text
joins them and rich colours them by role, as for single derivatives. The sections:

* the partial derivatives, each with the symbols it holds constant;
* with ``graph``: the computational graph (one named intermediate per line with the local
  derivative on each of its edges) and the Leibniz chain of every parameter;
* with ``point``: the forward table, the backward table (upstream gradient × local
  derivative = product, node by node) and the gradient's value beside a finite-difference
  estimate;
* the operation counts of J and of the gradient, and the proof.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from chainrule.evaluate import number_text
from chainrule.expr import free_symbols
from chainrule.reading import read_as
from chainrule.render.document import (
    NO_WIDTH,
    Document,
    M,
    Role,
    Rows,
    Table,
    from_rows,
    proofs_text,
)
from chainrule.render.notation import read_as_lines
from chainrule.render.textlayout import wrap_math

if TYPE_CHECKING:
    from chainrule.backprop.gradients import GradResult, PointReport
    from chainrule.backprop.graph import Graph

__all__ = ["grad_document", "render_grad_plain", "render_grad_rich", "grad_to_dict", "number"]

Lines = Rows
_HELD_LIST_MAX = 6
_PARTIAL_LINES = 12   # longer partials are cut, with a pointer to the JSON
_PRINT_LIMIT = 4000   # nodes of a written-out tree beyond which it is not printed at all


number = number_text   # a value as a table shows it (the one number formatter)


def _math_line(out: Lines, indent: int, lead: str, text: str, width: int,
               role: str = "math") -> None:
    """lead + text, the text broken (see wrap_math) and continued under itself."""
    pieces = wrap_math(text, width - indent - len(lead))
    out.append((indent, [(lead + pieces[0], role)]))
    out.extend((indent + len(lead), [(piece, role)]) for piece in pieces[1:])


def _heading(out: Lines, title: str, note: str, width: int) -> None:
    """A section title with its note beside it, or below it when the line would be too wide."""
    if len(title) + 3 + len(note) <= width:
        out.append((0, [(title, "label"), (f"   {note}", "rule")]))
    else:
        import textwrap
        out.append((0, [(title, "label")]))
        out.extend((2, [(part, "rule")]) for part in textwrap.wrap(note, max(20, width - 2)))


def _d(top: str, var: str) -> str:
    return f"∂{top}/∂{var}"


def _held(result: GradResult, p: str) -> str:
    others = len(free_symbols(result.expr) - {p})
    if not others:
        return ""
    if others > _HELD_LIST_MAX:
        return f"({others} other symbols held constant)"
    held = result.held_constant(p)
    return f"({', '.join(held)} held constant)"


def _factor(g: Graph, e: Any, first: bool) -> str:
    from chainrule.expr import Add, Neg, Num
    text = g.pretty(e)
    if isinstance(e, Add) or (not first and (isinstance(e, Neg) or
                                             (isinstance(e, Num) and e.value < 0))):
        return f"({text})"
    return text


def _value(v: float, first: bool) -> str:
    text = number(v)
    return text if first or v >= 0 else f"({text})"


def _chain_lines(out: Lines, result: GradResult, report: PointReport | None,
                 width: int) -> None:
    g = result.graph()
    J = g.output.label
    _heading(out, "Chains",
             "(backpropagation: each upstream gradient is computed once and reused)", width)
    for p in result.wrt:
        chain = g.chains[p]
        lhs = _d(J, p)
        pad = 2 + len(lhs) + 1
        if chain.path_count == 0:
            out.append((2, [(f"{lhs} = 0", "math"), (f"   ({J} does not depend on {p})", "rule")]))
            continue
        if not chain.complete:
            # Too many paths to list: the one-step recurrence over p's parents instead.
            out.append((2, [(f"{chain.path_count} paths reach {p}; over its parents:", "rule")]))
            out_name = g.output.name
            for i, e in enumerate(chain.parents):
                up = g.labels[e.parent]
                term = (f"{lhs} (direct)" if e.parent == out_name
                        else f"{_d(J, up)} · {_d(up, p)}")
                _math_line(out, 2 if i == 0 else pad, f"{lhs} = " if i == 0 else "+ ", term,
                           width)
            for i, e in enumerate(chain.parents):
                up = g.labels[e.parent]
                factor = _factor(g, e.local, e.parent == out_name)
                term = factor if e.parent == out_name else f"{_d(J, up)} · {factor}"
                _math_line(out, pad, "= " if i == 0 else "+ ", term, width)
            if report is not None:
                t = report.tables
                parts = [t.adjoint[e.parent] * t.local[(e.parent, e.child)]
                         for e in chain.parents]
                terms = number(parts[0]) + "".join(
                    f" − {number(-v)}" if v < 0 else f" + {number(v)}" for v in parts[1:])
                _math_line(out, pad, "= ", f"{terms} = {number(sum(parts))}", width, "result")
            continue
        symbolic, factors, values = [], [], []
        several = len(chain.paths) > 1
        for path in chain.paths:
            labels = [g.labels[e.parent] for e in path] + [p]
            if several and len(path) == 1:  # the edge J → p itself: not the total ∂J/∂p
                symbolic.append(f"{lhs} (direct)")
                factors.append(g.pretty(path[0].local))
            else:
                symbolic.append(" · ".join(_d(a, b) for a, b in itertools.pairwise(labels)))
                factors.append(" · ".join(_factor(g, e.local, i == 0)
                                          for i, e in enumerate(path)))
            if report is not None:
                local = report.tables.local
                nums = [local[(e.parent, e.child)] for e in path]
                product = 1.0
                for v in nums:
                    product *= v
                values.append((" · ".join(_value(v, i == 0) for i, v in enumerate(nums)),
                               product))
        if len(chain.paths) == 1:
            if len(chain.paths[0]) > 1:  # one edge: the local derivative is the whole chain
                _math_line(out, 2, f"{lhs} = ", symbolic[0], width)
            _math_line(out, pad if len(chain.paths[0]) > 1 else 2,
                       "= " if len(chain.paths[0]) > 1 else f"{lhs} = ", factors[0], width)
            if values:
                text, product = values[0]
                several = len(chain.paths[0]) > 1
                _math_line(out, pad, "= ", text + (f" = {number(product)}" if several else ""),
                           width, "result")
            continue
        # Several paths: one line per path, the symbols, then the factors, then the sum.
        for i, text in enumerate(symbolic):
            _math_line(out, 2 if i == 0 else pad, f"{lhs} = " if i == 0 else "+ ", text, width)
        for i, text in enumerate(factors):
            _math_line(out, pad, "= " if i == 0 else "+ ", text, width)
        if values:
            total = sum(v for _, v in values)
            terms = number(values[0][1]) + "".join(
                f" − {number(-v)}" if v < 0 else f" + {number(v)}" for _, v in values[1:])
            _math_line(out, pad, "= ", f"{terms} = {number(total)}", width, "result")
    out.append((0, []))


def _graph_lines(out: Lines, result: GradResult, width: int) -> None:
    g = result.graph()
    params = [p for p in result.wrt]
    consts = [s for s in g.symbols if s not in params]
    if not consts:
        held = ""
    elif len(consts) > _HELD_LIST_MAX:
        held = f"; {len(consts)} inputs held constant"
    else:
        names = consts[0] if len(consts) == 1 else ", ".join(consts[:-1]) + " and " + consts[-1]
        held = f"; {names} held constant"
    _heading(out, "Computational graph",
             f"(forward pass{held}; right: each edge's local derivative)", width)
    label_w = max(len(n.label) for n in g.nodes)
    lefts = [f"{n.label.ljust(label_w)} = {g.pretty(n.formula)}" for n in g.nodes]
    column = max(len(s) for s in lefts) + 4
    side_by_side = 2 + column <= width // 2 + 6
    for node, left in zip(g.nodes, lefts):
        edges = [e for e in g.edges_from(node.name)]
        rights = [f"{_d(g.labels[e.parent], g.labels[e.child])} = {g.pretty(e.local)}"
                  for e in edges]
        if side_by_side and rights:
            _packed(out, 2, left.ljust(column), rights, width)
        else:
            head = f"{node.label.ljust(label_w)} = "
            _math_line(out, 2, head, g.pretty(node.formula), width)
            if rights:
                _packed(out, 6, "", rights, width)
    out.append((0, []))


def _packed(out: Lines, indent: int, head: str, items: list[str], width: int) -> None:
    """head, then items separated by commas, continuing under the first item when too wide."""
    line = head
    start = indent + len(head)
    first = True
    for item in items:
        piece = item if first else ",  " + item
        if not first and start + len(line) - len(head) + len(piece) > width and line != head:
            out.append((indent, [(line, "math")]))
            line = " " * len(head) + item
            start = indent + len(head)
            continue
        line += piece
        first = False
    out.append((indent, [(line, "math")]))


def _table(out: Lines, header: list[str], rows: list[list[str]], roles: list[Role],
           right: set[int]) -> None:
    """Aligned columns (the writers lay them out); a last column of math wraps under itself."""
    align = "".join("r" if i in right else "l" for i in range(len(header)))
    out.append(Table(header, [list(r) for r in rows], align, roles, level=1, wrap_last=True))


def _point_lines(out: Lines, result: GradResult, report: PointReport, width: int) -> None:
    g = result.graph()
    t = report.tables
    items = [f"{k} = {number(v)}" for k, v in report.point.items()]  # in the order given
    where = ", ".join(items)
    if len("Forward pass") + 6 + len(where) <= width:
        out.append((0, [("Forward pass", "label"), ("   at ", "words"), (where, "math")]))
    else:
        out.append((0, [("Forward pass", "label")]))
        line = "at"
        for i, item in enumerate(items):
            piece = f" {item}" + ("," if i < len(items) - 1 else "")
            if len(line) + len(piece) > width - 2 and line != "at":
                out.append((2, [(line, "math")]))
                line = "  " + piece.strip()
            else:
                line += piece
        out.append((2, [(line, "math")]))
    forward = [[n.label, number(t.forward[n.name]), g.pretty(n.formula)] for n in g.nodes]
    _table(out, ["node", "value", "formula"], forward, ["math"] * len(forward), {1})
    out.append((0, []))
    J = g.output.label
    _heading(out, "Backward pass", f"(∂{J}/∂node = upstream ∂{J}/∂parent × local "
             "∂parent/∂node; several parents add up)", width)
    order = [n.name for n in reversed(g.nodes) if n.active and n.name != g.output.name]
    order += [p for p in result.wrt if p not in order]
    by_child: dict[str, list[Any]] = {}
    for r in t.rows:
        by_child.setdefault(r.child, []).append(r)
    rows: list[list[str]] = []
    roles: list[Role] = []
    for name in order:
        group = by_child.get(name, [])
        for r in group:
            rows.append([g.labels[name], g.labels[r.parent], number(r.upstream), number(r.local),
                         number(r.product)])
            roles.append("math")
        if len(group) > 1:
            rows.append([g.labels[name], "sum", "", "", number(t.adjoint[name])])
            roles.append("result")
    _table(out, ["node", "parent", "upstream", "local", "product"], rows, roles, {2, 3, 4})
    out.append((0, []))


def grad_document(result: GradResult, *, width: int | None = None, graph: bool = False,
                  report: PointReport | None = None) -> Document:
    """The gradient report as a document, laid out for ``width`` columns (None: each line
    whole, for the formats that wrap lines themselves)."""
    doc = from_rows(_rows(result, width or NO_WIDTH, graph, report), "gradient")
    doc.lines[:0] = read_as_lines(result.expr, read_as(result.expr, None, result.text))
    return doc


def _rows(result: GradResult, width: int, graph: bool, report: PointReport | None) -> Lines:
    """The whole report as (column, segments) rows and tables."""
    out: Lines = []
    J = result.graph().output.label if (graph or report) else result.output_name
    named = read_as(result.expr, None, result.text).name
    if named and not (graph or report):
        J = named                         # J(w1, w2) = …: the name the text gave
    head = f"Gradient of {J} = "
    sizes: dict[Any, int] = {}
    if _tree_size(result.expr, sizes) > _PRINT_LIMIT:
        count = _ops(result.operations()["function"])
        out.append((0, [(f"Gradient of {J}, an expression of {count}", "op")]))
    else:
        pieces = wrap_math(result.expr.pretty(), width - len(head))
        if len(pieces) > _PARTIAL_LINES:
            pieces = [*pieces[:_PARTIAL_LINES - 1], "… (the whole input: --format json)"]
        if len(pieces) == 1:
            formula = M(f"{J} = {pieces[0]}", make=lambda: f"{_tex_name(J)} = "
                        + result.expr.latex())
            out.append((0, [("Gradient of ", "title"), (formula.text, "op", formula)]))
        else:
            out.append((0, [(head + pieces[0], "op")]))
        out.extend((len(head), [(piece, "op")]) for piece in pieces[1:])
    names = list(result.wrt)
    if len(names) > 12:
        names = [*names[:6], "…", *names[-2:]]
        lead = f"with respect to {len(result.wrt)} parameters: "
    else:
        lead = "with respect to "
    import textwrap
    for _i, part in enumerate(textwrap.wrap(lead + ", ".join(names), width,
                                           subsequent_indent=" " * len(lead))):
        out.append((0, [(part, "label")]))
    out.append((0, []))
    if graph:
        _graph_lines(out, result, width)
        _chain_lines(out, result, report, width)
    if report is not None:
        _point_lines(out, result, report, width)
    _heading(out, "Partial derivatives", "(one reverse sweep; simplified for reading)", width)
    unproven = set(result.unproven)
    for p in result.wrt:
        lhs = f"{_d(J, p)} = "
        held = _held(result, p)
        if p in unproven:
            held = (held + "   " if held else "") + "· not proven (stopped first)"
        size = _tree_size(result.partials[p], sizes)
        if size > _PRINT_LIMIT:  # written out it would fill pages: the chain says it better
            long = f"(too long to show: {size} symbols and operations; see --format json)"
            out.append((2, [(lhs, "math"), (long, "rule")]))
            if held:
                out.append((2 + len(lhs), [(held, "rule")]))
            if report is not None:
                fd = report.finite_difference.get(p)
                note = f"   (finite difference: {number(fd)})" if fd is not None else ""
                out.append((2 + len(lhs) - 2, [(f"= {number(report.gradient[p])}", "result"),
                                               (note, "rule")]))
            continue
        partial = result.partials[p]
        rhs = partial.pretty()
        lhs_m = M(lhs, rf"\frac{{\partial {_tex_name(J)}}}{{\partial {_tex_name(p)}}} = ")
        rhs_m = M(rhs, make=partial.latex)
        if 2 + len(lhs) + len(rhs) + len(held) + 3 <= width and held:
            out.append((2, [(lhs, "math", lhs_m), (rhs, "result", rhs_m),
                            (f"   {held}", "rule")]))
        else:
            pieces = wrap_math(rhs, width - 2 - len(lhs))
            if len(pieces) > _PARTIAL_LINES:  # a network's partial: its chain says more
                hidden = sum(len(piece) for piece in pieces[_PARTIAL_LINES - 1:])
                pieces = [*pieces[:_PARTIAL_LINES - 1],
                          f"… ({hidden} more characters: the whole partial is in --format json)"]
            out.append((2, [(lhs, "math", lhs_m), (pieces[0], "result", rhs_m)] if len(pieces) == 1
                        else [(lhs, "math"), (pieces[0], "result")]))
            out.extend((2 + len(lhs), [(piece, "rule" if piece.startswith("… (") else
                                        "result")]) for piece in pieces[1:])
            if held:
                out.append((2 + len(lhs), [(held, "rule")]))
        if report is not None:
            fd = report.finite_difference.get(p)
            note = f"   (finite difference: {number(fd)})" if fd is not None else ""
            out.append((2 + len(lhs) - 2, [(f"= {number(report.gradient[p])}", "result"),
                                           (note, "rule")]))
    out.append((0, []))
    ops = result.operations()
    cost = f"Cost: {J} has {_ops(ops['function'])}, its gradient {ops['gradient']}"
    note = "(one reverse sweep; shared subexpressions count once)"
    if len(cost) + 3 + len(note) <= width:
        out.append((0, [(cost, "dim"), (f"   {note}", "dim")]))
    else:
        out += [(0, [(cost, "dim")]), (2, [(note, "dim")])]
    if report is not None:
        agree = f"{report.max_error:.0e}".replace("-", "−")
        checked = len(report.finite_difference)
        which = ("" if checked == len(result.wrt) else
                 f" (on {checked} of the {len(result.wrt)} partials, spread evenly)")
        check = f"Finite-difference check at the point: agrees to {agree}"
        if len(check) + len(which) <= width:
            out.append((0, [(check + which, "dim")]))
        else:
            out += [(0, [(check, "dim")]), (2, [(which.strip(), "dim")])]
    if result.stopped is not None:
        proven = len(result.wrt) - len(unproven)
        if proven:
            out.append((0, [(proofs_text(list(result.verifications.values())) +
                             f" — {proven} of {len(result.wrt)}", "verify")]))
        out.append((0, [(f"⏹ stopped: {len(unproven)} of the {len(result.wrt)} partials not "
                         "proven, marked above", "warn")]))
        out.append((2, [(result.stopped.message, "rule")]))
        return out
    out.append((0, [(proofs_text(list(result.verifications.values())), "verify")]))
    return out


def _tree_size(e: Any, memo: dict[Any, int]) -> int:
    """Nodes of ``e`` written out as a tree (shared subexpressions counted at every use)."""
    from chainrule.expr import postorder
    for node in postorder(e, memo):
        memo[node] = 1 + sum(memo[c] for c in node.children)
    return memo[e]


def _ops(n: int) -> str:
    return f"{n} operation{'' if n == 1 else 's'}"


def _tex_name(name: str) -> str:
    from chainrule.expr import Symbol
    return Symbol(name).latex()


def render_grad_plain(result: GradResult, *, width: int = 80, graph: bool = False,
                      point: str | Mapping[str, Any] | None = None) -> str:
    from chainrule.render.plain import write_plain
    return write_plain(grad_document(result, width=width, graph=graph,
                                     report=result.report_at(point)), width)


def render_grad_rich(result: GradResult, console: Any, *, graph: bool = False,
                     point: str | Mapping[str, Any] | None = None) -> None:
    from chainrule.render.rich import write_rich
    write_rich(grad_document(result, width=console.width, graph=graph,
                             report=result.report_at(point)), console)


def grad_to_dict(result: GradResult, *, point: str | Mapping[str, Any] | None = None,
                 graph: bool = True) -> dict[str, Any]:
    """The JSON document: schema, input, wrt, partials (Python syntax), verification, …"""
    from chainrule.render.json import SCHEMA
    ra = read_as(result.expr, None, result.text)
    doc: dict[str, Any] = {
        "schema": SCHEMA,
        "kind": "gradient",
        "input": result.input,
        **({"read_as": ra.to_dict()} if ra else {}),
        "expr": str(result.expr),
        "wrt": list(result.wrt),
        "partials": {p: str(result.partials[p]) for p in result.wrt},
        "partials_pretty": {p: result.partials[p].pretty() for p in result.wrt},
        "partials_latex": {p: result.partials[p].latex() for p in result.wrt},
        "held_constant": {p: result.held_constant(p) for p in result.wrt},
        "simplify": result.simplify,
        "verification": {**result.verification.to_dict(),
                         "partials": {p: v.to_dict() for p, v in result.verifications.items()}},
        "operations": result.operations(),
    }
    if result.stopped is not None:
        doc["stopped"] = {**result.stopped.to_dict(), "unproven": list(result.unproven)}
    if graph:
        doc["graph"] = result.graph().to_dict()
    report = result.report_at(point)
    if report is not None:
        doc["at"] = report.to_dict()
    return doc
