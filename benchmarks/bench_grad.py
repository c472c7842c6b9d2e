"""Benchmark: the full gradient of a one-hidden-layer sigmoid network, three ways.

    python benchmarks/bench_grad.py                 # 10, 100 and 1000 weights; writes docs/performance.md
    python benchmarks/bench_grad.py --sizes 10,100 --no-write

For each size the same network

    J = (y − σ(Σⱼ vⱼ·σ(Σᵢ uⱼᵢ·xᵢ)))²

is built natively in chainrule, SymPy and SymEngine (building is not timed), and the
gradient with respect to every weight uⱼᵢ, vⱼ is timed:

* chainrule — one reverse sweep (``chainrule.backprop.reverse_sweep``), the raw shared
  graph; and, separately, ``chainrule.grad(..., verify="off")``, which adds the textbook
  (light) form of every partial;
* SymPy — ``sympy.diff(J, w)`` for each weight (caches cleared before every repeat);
* SymEngine — ``J.diff(w)`` for each weight.

Times are medians over the repeats. Operation counts are distinct operations (shared
subexpressions once): of J, and of all partials together. Before anything is reported, our
gradient is compared with SymEngine's (and SymPy's) at a random point.

SymEngine is a benchmark-only dependency: ``pip install "chainrule[bench]"``.
"""

from __future__ import annotations

import argparse
import gc
import math
import os
import platform
import random
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from chainrule.backprop import operation_count, reverse_sweep  # noqa: E402
from chainrule.evaluate import evaluate  # noqa: E402
from chainrule.expr import Add, Expr, Func, Mul, Neg, Num, Pow, Symbol  # noqa: E402

SHAPES = {10: (4, 2), 100: (9, 10), 1000: (19, 50)}  # weights: (inputs, hidden units)
COMMAND = "python benchmarks/bench_grad.py"


def shape_for(weights: int) -> tuple[int, int]:
    """Inputs and hidden units with hidden·(inputs + 1) = weights."""
    if weights in SHAPES:
        return SHAPES[weights]
    for hidden in range(max(1, int(math.sqrt(weights))), 0, -1):
        if weights % hidden == 0 and weights // hidden >= 2:
            return weights // hidden - 1, hidden
    raise SystemExit(f"cannot shape a network with {weights} weights")


@dataclass
class Network:
    inputs: list[str]
    hidden: list[list[str]]        # hidden[j][i]: weight from input i to hidden unit j
    output: list[str]              # output[j]: weight from hidden unit j

    @property
    def weights(self) -> list[str]:
        return [w for row in self.hidden for w in row] + self.output


def network(weights: int) -> Network:
    n_in, n_hidden = shape_for(weights)
    return Network([f"x{i}" for i in range(1, n_in + 1)],
                   [[f"u{j}_{i}" for i in range(1, n_in + 1)] for j in range(1, n_hidden + 1)],
                   [f"v{j}" for j in range(1, n_hidden + 1)])


def build_chainrule(net: Network) -> Expr:
    def sigma(z: Expr) -> Expr:
        return Func("sigmoid", (z,))
    hidden = [sigma(Add(tuple(Mul((Symbol(w), Symbol(x))) for w, x in zip(row, net.inputs))))
              for row in net.hidden]
    out = sigma(Add(tuple(Mul((Symbol(v), a)) for v, a in zip(net.output, hidden))))
    return Pow(Add((Symbol("y"), Neg(out))), Num(2))


def build_library(net: Network, lib: Any) -> Any:
    def sigma(z: Any) -> Any:
        return 1 / (1 + lib.exp(-z))
    xs = [lib.Symbol(x) for x in net.inputs]
    hidden = [sigma(sum(lib.Symbol(w) * x for w, x in zip(row, xs))) for row in net.hidden]
    out = sigma(sum(lib.Symbol(v) * a for v, a in zip(net.output, hidden)))
    return (lib.Symbol("y") - out) ** 2


def median_time(work: Callable[[], Any], repeats: int, before: Callable[[], None]) -> float:
    times = []
    for _ in range(repeats):
        before()
        start = time.perf_counter()
        result = work()
        times.append(time.perf_counter() - start)
        del result
    return statistics.median(times)


def fresh() -> None:
    gc.collect()  # drop the last run's nodes, so every run builds its gradient from scratch


def picked(net: Network) -> list[str]:
    """The weights whose partials are compared across libraries."""
    return random.Random(7).sample(net.weights, min(5, len(net.weights)))


def check_agreement(net: Network, ours: dict[str, Expr],
                    theirs: Callable[[str, dict[str, float]], float], name: str) -> None:
    rng = random.Random(11)
    point = {s: rng.uniform(-1, 1) for s in [*net.inputs, *net.weights, "y"]}
    for w in picked(net):
        a, b = evaluate(ours[w], point), theirs(w, point)
        if abs(a - b) > 1e-9 * max(1.0, abs(a), abs(b)):
            raise SystemExit(f"{name} disagrees with chainrule on ∂J/∂{w}: {b} vs {a}")


@dataclass
class Row:
    weights: int
    shape: tuple[int, int]
    ops_j: int
    ops_grad: int
    ours: float
    ours_grad: float
    sympy: float | None
    symengine: float | None


def measure(weights: int, repeats: int, sympy_max: int) -> Row:
    import chainrule
    net = network(weights)
    J = build_chainrule(net)
    # Timed first: no gradient node exists yet, so every run builds all of them (a node
    # still alive from an earlier run would be found in the intern table instead).
    ours = median_time(lambda: reverse_sweep(J, net.weights), repeats, fresh)
    ours_grad = median_time(lambda: chainrule.grad(J, net.weights, verify="off"), repeats, fresh)
    sweep = reverse_sweep(J, net.weights)
    ops_j, ops_grad = operation_count(J), operation_count(*sweep.partials.values())
    ours_partials = dict(sweep.partials)

    symengine_time = None
    try:
        import symengine as se
    except ImportError:
        print("  (SymEngine is not installed: pip install \"chainrule[bench]\")", file=sys.stderr)
    else:
        J_se = build_library(net, se)
        ws = [se.Symbol(w) for w in net.weights]
        symengine_time = median_time(lambda: [J_se.diff(w) for w in ws], repeats, fresh)
        grads = {w: J_se.diff(se.Symbol(w)) for w in picked(net)}
        check_agreement(net, ours_partials, lambda w, p: float(grads[w].subs(
            {se.Symbol(k): v for k, v in p.items()})), "SymEngine")

    sympy_time = None
    if weights <= sympy_max:
        import sympy as sp
        from sympy.core.cache import clear_cache
        J_sp = build_library(net, sp)
        ws_sp = [sp.Symbol(w) for w in net.weights]
        sympy_repeats = max(1, min(repeats, 3 if weights <= 100 else 1))
        sympy_time = median_time(lambda: [sp.diff(J_sp, w) for w in ws_sp], sympy_repeats,
                                 lambda: (clear_cache(), fresh()))
        grads_sp = {w: sp.diff(J_sp, sp.Symbol(w)) for w in picked(net)}
        check_agreement(net, ours_partials, lambda w, p: float(grads_sp[w].evalf(
            subs={sp.Symbol(k): v for k, v in p.items()})), "SymPy")

    return Row(weights, shape_for(weights), ops_j, ops_grad, ours, ours_grad, sympy_time,
               symengine_time)


def ms(t: float | None) -> str:
    if t is None:
        return "—"
    return f"{t * 1000:.1f} ms" if t < 10 else f"{t:.1f} s"


def ratio(t: float | None, ours: float) -> str:
    return "—" if t is None else f"{t / ours:.1f}×"


def table(rows: list[Row]) -> str:
    head = ("| weights | network (inputs × hidden) | ops in J | ops in gradient | ratio "
            "| chainrule sweep | chainrule `grad` (with textbook form) | SymPy `diff` per weight "
            "| SymEngine `diff` per weight | SymPy ÷ sweep | SymEngine ÷ sweep |")
    lines = [head, "|" + "---|" * 11]
    for r in rows:
        lines.append(f"| {r.weights} | {r.shape[0]} × {r.shape[1]} | {r.ops_j} | {r.ops_grad} "
                     f"| {r.ops_grad / r.ops_j:.2f} | {ms(r.ours)} | {ms(r.ours_grad)} "
                     f"| {ms(r.sympy)} | {ms(r.symengine)} | {ratio(r.sympy, r.ours)} "
                     f"| {ratio(r.symengine, r.ours)} |")
    return "\n".join(lines)


def versions() -> str:
    import sympy
    try:
        import symengine
        se_version = symengine.__version__
    except ImportError:
        se_version = "not installed"
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (f"Python {platform.python_version()}, SymPy {sympy.__version__}, "
            f"SymEngine {se_version}; {cpu}, {os.cpu_count()} CPUs, {platform.system()}.")


def page(rows: list[Row], repeats: int) -> str:
    return f"""# Performance: the gradient in one reverse sweep

chainrule computes every partial derivative of J in **one reverse sweep** over its
expression graph (backpropagation): each node's upstream gradient ∂J/∂node is built once
as a shared subexpression and reused by every weight below it. SymPy and SymEngine
differentiate once per weight.

The network is one hidden layer of sigmoids, J = (y − σ(Σⱼ vⱼ·σ(Σᵢ uⱼᵢ·xᵢ)))², and the
gradient is taken with respect to every weight. Times are medians of {repeats} runs
(SymPy: 3 runs up to 100 weights, 1 run at 1000). "ops" are distinct operations, shared
subexpressions counted once; "ratio" is ops in the gradient ÷ ops in J.

{table(rows)}

"chainrule sweep" is `chainrule.backprop.reverse_sweep`: all partials as one graph of
shared subexpressions. "chainrule `grad`" is `chainrule.grad(J, weights, verify="off")`: the
sweep plus the textbook (light) form of every partial, for display; proving the partials
against SymPy (`verify="final"`, the default) is not timed. Before any figure is reported,
the benchmark checks that our partials equal SymEngine's and SymPy's at a random point.

Measured on: {versions()}

Regenerate this page (it is written by the benchmark, not by hand):

```sh
pip install "chainrule[bench]"
{COMMAND}
```

See [benchmarks/README.md](../benchmarks/README.md) for the options.
"""


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10,100,1000",
                        help="numbers of weights, comma-separated (default: 10,100,1000)")
    parser.add_argument("--repeats", type=int, default=7, help="runs per measurement (median)")
    parser.add_argument("--sympy-max", type=int, default=1000,
                        help="skip SymPy above this many weights (it is slow)")
    parser.add_argument("--no-write", action="store_true", help="do not rewrite docs/performance.md")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    rows = []
    for weights in sizes:
        print(f"measuring {weights} weights …", file=sys.stderr, flush=True)
        rows.append(measure(weights, args.repeats, args.sympy_max))
    print(table(rows))
    print()
    print(versions())
    if not args.no_write:
        target = ROOT / "docs" / "performance.md"
        target.write_text(page(rows, args.repeats), encoding="utf-8")
        print(f"wrote {target.relative_to(ROOT)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
