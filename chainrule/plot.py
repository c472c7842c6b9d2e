"""Plots: f, f′ and the tangent line at a point — the picture a textbook draws — as a PNG,
or as SVG, PDF or any other format matplotlib writes, named by the file's extension.

    >>> import chainrule
    >>> from chainrule.plot import plot
    >>> info = plot(chainrule.diff("x**2"), at=5, path="slope.png")   # doctest: +SKIP
    >>> info.tangent                                                  # doctest: +SKIP
    '10x − 25'

matplotlib is an optional extra (``pip install "chainrule[plot]"``); it is imported only
here, with the non-interactive Agg backend, and its absence is reported as
:class:`MissingDependency` with the command that installs it. Values come from
:func:`chainrule.evaluate.evaluate`; where f or f′ does not exist (|x| at 0, ln x for
x ≤ 0, an asymptote) the curve has a gap instead of a made-up number.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chainrule.errors import ChainruleError, UndefinedError, UsageError
from chainrule.evaluate import evaluate
from chainrule.expr import free_symbols

if TYPE_CHECKING:
    from chainrule.api import Derivation
    from chainrule.slope import Slope

__all__ = ["plot", "PlotInfo", "MissingDependency", "INSTALL_HINT", "formats", "output_target",
           "check_window", "save_figure"]

INSTALL_HINT = 'pip install "chainrule[plot]"'
_SAMPLES = 801
# What a window may be: the axes are drawn in floats, so the ends stay far from overflow
# (1e308 − (−1e308) is infinite) and the width far above the floats' spacing there.
_MAX_COORDINATE = 1e150
_MIN_WIDTH = 1e-9


class MissingDependency(ChainruleError):
    """An optional extra that a feature needs is not installed."""


@dataclass(frozen=True)
class PlotInfo:
    """What was drawn: the file, the window, the curves' labels, the tangent (if any)."""

    path: Path
    window: tuple[float, float]
    labels: tuple[str, ...]
    tangent: str | None
    point: tuple[float, float] | None
    slope: Slope | None


def _pyplot() -> Any:
    try:
        import matplotlib
    except ImportError:
        raise MissingDependency("plotting needs matplotlib, an optional extra: "
                                f"{INSTALL_HINT}") from None
    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt
    return plt


def check_window(given: tuple[float, float]) -> tuple[float, float]:
    """A horizontal range that can be drawn: finite ends, LO < HI, within ±1e150 and not
    narrower than the floats there can show; else a UsageError saying which."""
    lo, hi = given
    shown = f"{_number(lo)}:{_number(hi)}"
    if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
        raise UsageError(f"the range must be LO:HI with LO < HI, both finite numbers, "
                         f"not {shown}")
    if max(abs(lo), abs(hi)) > _MAX_COORDINATE:
        raise UsageError(f"the range {shown} is too wide to draw: keep both ends within "
                         f"±{_MAX_COORDINATE:g}")
    if hi - lo < _MIN_WIDTH * max(1.0, abs(lo), abs(hi)):
        raise UsageError(f"the range {shown} is too narrow to draw: make it at least "
                         f"{_MIN_WIDTH:g} times its largest end wide")
    return lo, hi


def _number(v: float) -> str:
    return repr(v).removesuffix(".0")  # 5, 1.0000000000001, 1e+308, inf


def _window(a: float | None, given: tuple[float, float] | None) -> tuple[float, float]:
    if given is not None:
        return check_window(given)
    centre = 0.0 if a is None else a
    half = max(3.0, abs(centre))
    return centre - half, centre + half


def _curve(expr: Any, var: str, fixed: dict[str, float], xs: list[float],
           strict: bool) -> list[float]:
    ys: list[float] = []
    for x in xs:
        try:
            ys.append(evaluate(expr, {**fixed, var: x}, strict=strict))
        except UndefinedError:
            ys.append(math.nan)
    return ys


def _quantiles(values: list[float], lo: float, hi: float) -> tuple[float, float] | None:
    finite = sorted(v for v in values if math.isfinite(v))
    if not finite:
        return None
    return finite[int(lo * (len(finite) - 1))], finite[int(hi * (len(finite) - 1))]


def _limits(f: list[float], df: list[float]) -> tuple[float, float]:
    """A y-range that shows f whole and f′ where it is comparable, so that an asymptote
    does not flatten everything else."""
    ranges = [r for r in (_quantiles(f, 0.02, 0.98), _quantiles(df, 0.1, 0.9)) if r]
    if not ranges:
        return -1.0, 1.0
    lo, hi = min(r[0] for r in ranges), max(r[1] for r in ranges)
    lo, hi = max(lo, -_MAX_COORDINATE), min(hi, _MAX_COORDINATE)  # the axis stays drawable
    if hi - lo < _MIN_WIDTH * max(1.0, abs(lo), abs(hi)):
        lo, hi = lo - max(1.0, abs(lo)), hi + max(1.0, abs(hi))
    pad = 0.12 * (hi - lo)
    return lo - pad, hi + pad


def _gaps(ys: list[float], lo: float, hi: float) -> list[float]:
    """NaN where the curve leaves the window by far or jumps (an asymptote, a step), so no
    line is drawn across a point where the function does not exist."""
    span = hi - lo
    out = [y if math.isfinite(y) and lo - 4 * span < y < hi + 4 * span else math.nan
           for y in ys]
    steps = sorted(abs(b - a) for a, b in pairwise(out)
                   if math.isfinite(a) and math.isfinite(b))
    typical = steps[len(steps) // 2] if steps else 0.0
    limit = max(20 * typical, 0.04 * span)
    for i in range(1, len(out)):
        a, b = out[i - 1], out[i]
        if math.isfinite(a) and math.isfinite(b) and abs(b - a) > limit:
            out[i] = math.nan
    return out


def plot(d: Derivation, at: Any = None, path: str | Path = "plot.png", *,
         window: tuple[float, float] | None = None, dpi: int = 120) -> PlotInfo:
    """Draw f, f′ and, at ``at``, the point and the tangent line; write them to ``path``,
    in the format its extension names (:func:`formats`; PNG without one). The path is
    checked before anything is drawn (:func:`output_target`).

    ``at`` is anything :meth:`Derivation.at` takes (5, "x=5", {"x": 5}); with several
    symbols it must give them all, and the curves are drawn along the variable with the
    others held fixed."""
    var = d.variable
    others = sorted(free_symbols(d.expr) - {var})
    slope = d.at(at) if at is not None else None
    if slope is None and others:
        raise UsageError(f"to plot along {var}, give the other symbols a value: "
                         f"--at {var}=0," + ",".join(f"{n}=1" for n in others))
    plt = _pyplot()
    out, kind = output_target(path)  # before any drawing: a path that cannot be written
    fixed = {} if slope is None else {k: evaluate(v, {}) for k, v in slope.others.items()}
    a = None if slope is None else evaluate(slope.at, {})
    lo, hi = _window(a, window)
    xs = [lo + (hi - lo) * i / (_SAMPLES - 1) for i in range(_SAMPLES)]
    result = d.stages[0].result
    fy = _curve(d.expr, var, fixed, xs, strict=False)
    dy = _curve(result, var, fixed, xs, strict=False)
    ylo, yhi = _limits(fy, dy)

    y = "y" if "y" not in free_symbols(d.expr) else "F"
    f_label = f"{y} = {d.expr.pretty()}"
    d_label = f"d{y}/d{var} = {result.pretty()}"
    fig, ax = plt.subplots(figsize=(7.5, 5.0))
    ax.axhline(0, color="0.6", linewidth=0.8)
    ax.axvline(0, color="0.6", linewidth=0.8)
    ax.plot(xs, _gaps(fy, ylo, yhi), color="C0", linewidth=2.2, label=f_label)
    ax.plot(xs, _gaps(dy, ylo, yhi), color="C1", linewidth=1.6, linestyle="--", label=d_label)
    labels = [f_label, d_label]
    tangent_text = None
    point = None
    if slope is not None and slope.value is not None and a is not None:
        fa = slope.value.number
        point = (a, fa)
        if slope.slope is not None:
            m = slope.slope.number
            tangent_text = (slope.tangent_tidy.pretty() if slope.tangent_tidy is not None
                            else f"{fa:.4g} + {m:.4g}({var} − {a:.4g})")
            t_label = f"tangent at {var} = {a:.4g}: {y} = {tangent_text}"
            ax.plot(xs, _gaps([fa + m * (x - a) for x in xs], ylo, yhi), color="C2",
                    linewidth=1.4, label=t_label)
            labels.append(t_label)
            note = f"slope {slope.slope.text}"
        else:
            note = "no tangent: the slope does not exist here"
        ax.plot([a], [fa], "o", color="C3", markersize=7, zorder=5)
        ax.annotate(f"({a:.4g}, {fa:.4g})\n{note}", (a, fa), textcoords="offset points",
                    xytext=(10, -28), fontsize=9)
    ax.set_xlim(lo, hi)
    ax.set_ylim(ylo, yhi)
    ax.set_xlabel(var)
    ax.set_ylabel(y)
    fixed_text = ", ".join(f"{k} = {v.pretty()}" for k, v in (slope.others.items() if slope
                                                               else ()))
    ax.set_title(f"{y} = {d.expr.pretty()}" + (f"   ({fixed_text})" if fixed_text else ""))
    ax.grid(True, alpha=0.3)
    ax.legend(loc="best", fontsize=9)
    fig.tight_layout()
    save_figure(fig, out, dpi, kind)
    return PlotInfo(out, (lo, hi), tuple(labels), tangent_text, point, slope)


def formats() -> dict[str, str]:
    """The file extensions matplotlib writes, with what each is: {"png": "Portable Network
    Graphics", "svg": …}. Needs matplotlib."""
    _pyplot()
    from matplotlib.backend_bases import FigureCanvasBase
    return dict(sorted(FigureCanvasBase.get_supported_filetypes().items()))


def _formats_text(known: dict[str, str]) -> str:
    common = [f".{n}" for n in ("png", "svg", "pdf") if n in known]
    rest = [f".{n}" for n in known if f".{n}" not in common]
    return ", ".join(common + rest)


def output_target(path: str | Path) -> tuple[Path, str]:
    """The file to write and its format (from the extension), checked before anything is
    drawn: a known extension (none means PNG), not a directory, a folder that exists and
    a file that can be opened for writing.
    Raises UsageError saying what is wrong; needs matplotlib (for its list of formats)."""
    out = Path(path)
    known = formats()
    if out.is_dir():
        raise UsageError(f"cannot write {out}: it is a directory; give a file name such as "
                         f"{out / 'plot.png'}")
    kind = out.suffix.lower().removeprefix(".") or "png"  # no extension: a PNG, as named
    if kind not in known:
        raise UsageError(f"cannot write {out}: {out.suffix!r} is not a picture format "
                         f"matplotlib writes; use one of {_formats_text(known)}")
    folder = out.parent
    if not folder.is_dir():
        reason = "does not exist" if not folder.exists() else "is not a directory"
        raise UsageError(f"cannot write {out}: the folder {folder} {reason}")
    existed = out.exists()
    try:
        with open(out, "ab"):  # can it be opened for writing (not truncated)?
            pass
    except OSError as err:
        raise UsageError(f"cannot write {out}: {err.strerror or err}") from None
    if not existed:
        out.unlink(missing_ok=True)  # nothing is left behind if drawing fails
    return out, kind


def save_figure(fig: Any, path: str | Path, dpi: int, kind: str | None = None) -> Path:
    """Write ``fig`` to ``path`` in the format its extension names (``kind`` when checked
    already by :func:`output_target`) and close it. The picture is drawn in memory first,
    then written, so a full disk or a device that refuses it is an error — never a file
    reported as written that was not: every failure is a UsageError (MissingDependency
    when the format needs a program that is missing, as pgf needs LaTeX)."""
    import io

    import matplotlib.pyplot as plt
    try:
        out, kind = (Path(path), kind) if kind is not None else output_target(path)
        data = io.BytesIO()
        try:
            fig.savefig(data, dpi=dpi, format=kind)
        except (RuntimeError, OSError) as err:  # pgf without LaTeX, a missing codec
            raise MissingDependency(f"cannot draw {kind}: {err}; use another format, such "
                                    "as png, svg or pdf") from None
        try:
            with open(out, "wb") as file:
                file.write(data.getbuffer())
        except OSError as err:
            raise UsageError(f"cannot write {out}: {err.strerror or err}") from None
    finally:
        plt.close(fig)
    return out
