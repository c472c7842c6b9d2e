"""The backprop program: J and its gradient as a standalone, readable Python function.

    >>> import chainrule
    >>> f = chainrule.grad("(w*x - y)**2", "w", verify="off").compile()
    >>> f(x=2.0, y=1.0, w=1.0)
    (1.0, {'w': 4.0})

The program follows the computational graph (:mod:`chainrule.backprop.graph`): a forward pass
with one line per named intermediate, then a backward pass with one line per upstream
gradient ``dJ_dv`` (∂J/∂v), each the sum over v's parents of the parent's upstream gradient
times the local derivative on the edge — the reverse sweep written out. Subexpressions
that several local derivatives share are computed once, as ``t1, t2, …``.

The source is generated from our own trees only: every identifier is a validated symbol
name or a name we chose, every number is written as an int or float literal. It needs only
``math`` (or, with ``numpy=True``, NumPy, and then works elementwise on arrays).

How the program computes each function is part of its entry in the function table
(``python_code`` and ``numpy_code`` of :class:`chainrule.functions.FunctionEntry`; a test
checks that every entry has them); abstract functions (f, g, h) have no code.
"""

from __future__ import annotations

import keyword
import math
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from chainrule.backprop.sweep import times
from chainrule.errors import UsageError
from chainrule.evaluate import real_pow
from chainrule.expr import Add, Const, Div, Expr, Func, Mul, Neg, Num, Pow, Symbol, postorder
from chainrule.functions import FUNCTIONS, Code
from chainrule.printing import PREC_ATOM, Piece, PythonPrinter

if TYPE_CHECKING:
    from chainrule.backprop.gradients import GradResult
    from chainrule.backprop.graph import Graph

__all__ = ["IMPLEMENTATIONS", "backprop_program", "compile_program", "Program"]

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


# How generated code calls a function is a Code in its table entry; Impl is its old name.
Impl = Code


class _Implementations(Mapping[str, tuple[Code, Code]]):
    """name → (math code, NumPy code), read from the function table as it is now (so a
    function added by define_function is in it)."""

    def __getitem__(self, name: str) -> tuple[Code, Code]:
        entry = FUNCTIONS[name]
        if entry.python_code is None or entry.numpy_code is None:
            raise KeyError(name)
        return entry.python_code, entry.numpy_code

    def __iter__(self) -> Iterator[str]:
        return (name for name, entry in list(FUNCTIONS.items())
                if entry.python_code is not None and entry.numpy_code is not None)

    def __len__(self) -> int:
        return sum(1 for _ in self)


IMPLEMENTATIONS: Mapping[str, tuple[Code, Code]] = _Implementations()


class _CodePrinter(PythonPrinter):
    """Python that runs: module-qualified calls, float literals, renamed identifiers."""

    def __init__(self, module: str, numpy: bool, names: dict[str, str]) -> None:
        super().__init__()
        self.module, self.numpy, self.names = module, numpy, names
        self.used: dict[str, Code] = {}

    def symbol(self, node: Symbol, kids: list[Piece]) -> Piece:
        return Piece(self.names.get(node.name, node.name), PREC_ATOM)

    def const(self, node: Const, kids: list[Piece]) -> Piece:
        return Piece(f"{self.module}.{node.name}", PREC_ATOM)

    def magnitude(self, value: Fraction) -> Piece:
        if value.denominator == 1:
            return Piece(str(value.numerator), PREC_ATOM)
        return Piece(repr(float(value)), PREC_ATOM)

    def pow(self, node: Pow, kids: list[Piece]) -> Piece:
        exp = node.exp
        if self.numpy or (isinstance(exp, Num) and exp.value.denominator == 1):
            return super().pow(node, kids)
        # math.pow raises for a negative base and a fractional exponent; ** would go complex.
        return self.call(f"{self.module}.pow", kids)

    def func(self, node: Func, kids: list[Piece]) -> Piece:
        entry = FUNCTIONS[node.name]
        if entry.abstract:
            raise UsageError(f"{node.name} is an abstract function: there is no code for it")
        impl = entry.numpy_code if self.numpy else entry.python_code
        if impl is None:
            raise UsageError(f"{node.name} has no code for the generated program")
        if impl.helper:
            self.used[impl.call] = impl
        return self.call(impl.call.replace("M.", self.module + "."), kids)


class _Namer:
    """Fresh identifiers that collide with nothing taken."""

    def __init__(self, taken: set[str]) -> None:
        self.taken = set(taken)

    def __call__(self, wanted: str) -> str:
        name = wanted
        while name in self.taken or keyword.iskeyword(name):
            name += "_"
        self.taken.add(name)
        return name


@dataclass(frozen=True)
class Program:
    """Generated source and what a caller needs to know about it."""

    source: str
    function: str                      # the function's name
    arguments: dict[str, str]          # symbol name → keyword argument name
    wrt: tuple[str, ...]


def _check_names(names: set[str]) -> dict[str, str]:
    """Symbol → argument name (a Python keyword gets a trailing underscore)."""
    out: dict[str, str] = {}
    for name in names:
        if not _IDENTIFIER.match(name):
            raise UsageError(f"cannot generate code for the symbol {name!r}: it is not a "
                             "valid Python name")
        out[name] = name + "_" if keyword.iskeyword(name) else name
    return out


def _shared(exprs: list[Expr]) -> list[Expr]:
    """Non-trivial subexpressions used more than once across ``exprs``, children first."""
    refs: dict[Expr, int] = {}
    seen: set[Expr] = set()
    order: list[Expr] = []
    for e in exprs:
        refs[e] = refs.get(e, 0) + 1
        for node in postorder(e, seen):
            seen.add(node)
            order.append(node)
            for child in node.children:
                refs[child] = refs.get(child, 0) + 1
    sizes: dict[Expr, int] = {}
    for node in order:
        sizes[node] = 1 + sum(sizes.get(c, 0) for c in node.children) if node.children else 0
    return [n for n in order if refs.get(n, 0) > 1 and sizes[n] >= 3]


def build_program(result: GradResult, *, numpy: bool = False, name: str | None = None) -> Program:
    from chainrule.expr import free_symbols
    g: Graph = result.graph()
    symbols = set(free_symbols(result.expr)) | set(result.wrt)
    arguments = _check_names(symbols)
    namer = _Namer(set(arguments.values()) | {"gradient", "values", "sys"})
    module = namer("np" if numpy else "math")
    helper_names = {impl.call for entry in FUNCTIONS.values()
                    for impl in (entry.python_code, entry.numpy_code)
                    if impl is not None and impl.helper}
    namer.taken |= helper_names
    function = namer(name or "loss_and_gradient")
    if name is not None and not _IDENTIFIER.match(name):
        raise UsageError(f"{name!r} is not a valid Python function name")

    # Graph names (z1, a1, y_hat, J) are chosen to avoid the user's symbols already.
    names: dict[str, str] = dict(arguments)
    for node in g.nodes:
        names[node.name] = namer(node.name)
    out = g.output.name
    adjoint = {n: namer(f"d{names[out]}_d{arguments.get(n, names.get(n, n))}")
               for n in [*[m.name for m in g.nodes if m.active and m.name != out], *result.wrt]}
    printer = _CodePrinter(module, numpy, names)
    text = printer.run

    lines: list[str] = []
    lines.append("    # Forward pass: every intermediate, inputs first")
    for node in g.nodes:
        lines.append(f"    {names[node.name]} = {text(node.formula)}")

    # Backward pass: ∂J/∂v = Σ over v's parents p of ∂J/∂p · ∂p/∂v.
    order = [n.name for n in reversed(g.nodes) if n.active and n.name != out]
    order += [p for p in result.wrt if p not in order]
    temps = _shared([e.local for e in g.edges])
    temp_names: dict[Expr, Symbol] = {}
    lines.append("")
    lines.append(f"    # Backward pass: d{names[out]}_dv is ∂{g.output.label}/∂v, computed once "
                 "and reused below v")
    for t in temps:
        shared = _replace(t, temp_names)
        symbol = Symbol(namer(f"t{len(temp_names) + 1}"))
        lines.append(f"    {symbol.name} = {text(shared)}")
        temp_names[t] = symbol
    for n in order:
        terms = []
        for edge in g.edges_into(n):
            local = _replace(edge.local, temp_names)
            terms.append(local if edge.parent == out else
                         times(Symbol(adjoint[edge.parent]), local))
        if terms:
            total = Add(tuple(terms))
            rhs = text(total)
            if numpy and not free_symbols(total):  # a constant still has J's shape
                rhs = f"{module}.full_like({names[out]}, {rhs}, dtype=float)"
            why = " + ".join(f"∂{g.labels[e.parent]}/∂{g.labels[e.child]}"
                             if e.parent == out else
                             f"∂{g.output.label}/∂{g.labels[e.parent]}·"
                             f"∂{g.labels[e.parent]}/∂{g.labels[e.child]}"
                             for e in g.edges_into(n))
            lines.append(f"    {adjoint[n]} = {rhs}  # {why}")
        else:
            zero = f"{module}.zeros_like({names[out]})" if numpy else "0.0"
            lines.append(f"    {adjoint[n]} = {zero}  # {g.output.label} does not depend "
                         f"on {n}")
    pairs = ", ".join(f"{p!r}: {adjoint[p]}" for p in result.wrt)
    lines.append(f"    return {names[out]}, {{{pairs}}}")

    signature = ", ".join(arguments[s] for s in sorted(symbols, key=_natural))
    renamed = [f"{s} is passed as {a}" for s, a in sorted(arguments.items()) if s != a]
    head = _module_doc(result, numpy, renamed)
    helpers = "".join("\n\n" + impl.helper.replace("M.", module + ".")
                      for impl in printer.used.values())
    imports = (f"import numpy as {module}" if numpy else
               ("import math" if module == "math" else f"import math as {module}"))
    doc = (f'    """{g.output.label} and its gradient: returns ({names[out]}, {{parameter: '
           f'∂{g.output.label}/∂parameter}}).')
    if numpy:
        doc += ("\n\n    Arguments may be NumPy arrays (they broadcast); values are "
                'elementwise.\n    """')
    else:
        doc += '"""'
    body = "\n".join(lines)
    main = _main_block(function, names[out])
    source = (f"{head}\n{imports}\n{helpers}\n\n"
              f"def {function}(*, {signature}):\n{doc}\n{body}\n\n\n{main}")
    return Program(source, function, arguments, result.wrt)


def _replace(e: Expr, temps: dict[Expr, Symbol]) -> Expr:
    if not temps:
        return e
    from chainrule.expr import substitute
    return substitute(e, dict(temps))


def _natural(name: str) -> tuple[Any, ...]:
    from chainrule.backprop.gradients import natural_key
    return natural_key(name)


def _module_doc(result: GradResult, numpy: bool, renamed: list[str]) -> str:
    from chainrule import __version__
    wrt = ", ".join(result.wrt)
    needs = "NumPy" if numpy else "only the standard library (math)"
    lines = [(f'"""{result.graph().output.label} = {result.expr.pretty()} and its gradient '
              f"with respect to {wrt}."), "",
             f"Generated by chainrule {__version__}: backpropagation written out. The forward",
             "pass names every intermediate; the backward pass multiplies each upstream",
             "gradient by the local derivative on an edge of the computational graph.",
             f"Needs {needs}.", "",
             "Run it:  python this_file.py " + " ".join(f"{s}=…" for s in
                                                      sorted(result.expr.free_symbols
                                                             | set(result.wrt), key=_natural))]
    if renamed:
        lines += ["", "Python keywords: " + "; ".join(renamed) + "."]
    lines.append('"""')
    return "\n".join(lines)


def _main_block(function: str, output: str) -> str:
    return (
        'if __name__ == "__main__":\n'
        "    import sys\n"
        "    values = {}\n"
        "    for item in sys.argv[1:]:\n"
        '        name, _, value = item.partition("=")\n'
        "        values[name] = float(value)\n"
        f"    value, gradient = {function}(**values)\n"
        f'    print("{output} =", value)\n'
        "    for name, partial in gradient.items():\n"
        f'        print(f"d{output}/d{{name}} =", partial)\n')


def backprop_program(result: GradResult, *, numpy: bool = False, name: str | None = None) -> str:
    """The source text of the backprop program for ``result``."""
    return build_program(result, numpy=numpy, name=name).source


def compile_program(result: GradResult, *, numpy: bool = False) -> Callable[..., Any]:
    """J and its gradient as a fast numeric function: ``f(**values) -> (J, {parameter: value})``.

    Nothing is generated and executed: the shared graph of J and its partials is laid out
    once as a tape (each distinct node once, children first), and a call walks the tape
    with floats — or, with ``numpy``, with arrays. ``values`` uses the symbols' own names.
    """
    import importlib.util
    if numpy and importlib.util.find_spec("numpy") is None:
        raise UsageError('NumPy is not installed: pip install "chainrule[numpy]"')
    build_program(result, numpy=numpy)  # the same refusals as the program (abstract f, names)
    outputs = [result.expr, *(result.raw_partials[p] for p in result.wrt)]
    index: dict[Expr, int] = {}
    tape: list[tuple[Callable[..., Any], Any, tuple[int, ...]]] = []
    ops = _array_ops() if numpy else _FLOAT_OPS
    for root in outputs:
        for node in postorder(root, index):
            if node not in index:
                op, data = ops[type(node)](node)
                tape.append((op, data, tuple(index[c] for c in node.children)))
                index[node] = len(tape) - 1
    slots = [index[o] for o in outputs]
    names = sorted(set().union(*(o.free_symbols for o in outputs)))

    def run(**values: Any) -> tuple[Any, dict[str, Any]]:
        missing = [n for n in names if n not in values]
        if missing:
            raise TypeError(f"missing values for {', '.join(missing)}")
        memo: list[Any] = []
        for op, data, kids in tape:
            memo.append(op(data, [memo[k] for k in kids], values))
        out = [memo[i] for i in slots]
        if numpy:  # a constant partial (0) still comes back as an array of the inputs' shape
            import numpy as np
            shape = np.broadcast(*(np.asarray(values[n]) for n in names)).shape if names else ()
            out = [np.broadcast_to(np.asarray(o, dtype=float), shape).copy() for o in out]
        return out[0], dict(zip(result.wrt, out[1:]))
    return run


def _product(values: list[Any]) -> Any:
    out = values[0]
    for v in values[1:]:
        out = out * v
    return out


# node type ↦ node ↦ (operation(data, child values, symbol values), data)
_FLOAT_OPS: dict[type, Callable[[Any], tuple[Callable[..., Any], Any]]] = {
    Num: lambda n: ((lambda d, k, v: d), float(n.value)),
    Symbol: lambda n: ((lambda d, k, v: float(v[d])), n.name),
    Const: lambda n: ((lambda d, k, v: d), math.pi if n.name == "pi" else math.e),
    Add: lambda n: ((lambda d, k, v: math.fsum(k)), None),
    Neg: lambda n: ((lambda d, k, v: -k[0]), None),
    Mul: lambda n: ((lambda d, k, v: _product(k)), None),
    Div: lambda n: ((lambda d, k, v: k[0] / k[1]), None),
    Pow: lambda n: ((lambda d, k, v: real_pow(k[0], k[1])), None),
    Func: lambda n: ((lambda d, k, v: d(*k)), FUNCTIONS[n.name].numeric),
}


def _array_ops() -> dict[type, Callable[[Any], tuple[Callable[..., Any], Any]]]:
    import numpy as np
    return {**_FLOAT_OPS,
            Symbol: lambda n: ((lambda d, k, v: np.asarray(v[d], dtype=float)), n.name),
            Add: lambda n: ((lambda d, k, v: sum(k[1:], k[0])), None),
            Pow: lambda n: ((lambda d, k, v: np.power(k[0], k[1])), None),
            Func: lambda n: ((lambda d, k, v: d(*k)),
                             np.vectorize(FUNCTIONS[n.name].numeric, otypes=[float]))}
