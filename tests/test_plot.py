"""``chainrule plot``: f, f′ and the tangent at a point, written as a PNG (Agg backend)."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import chainrule
from chainrule.cli import main
from chainrule.errors import UsageError

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg", force=True)

# Imported after the backend is chosen.
from chainrule.plot import INSTALL_HINT, MissingDependency, plot  # noqa: E402

PNG = b"\x89PNG\r\n\x1a\n"


def colours(path: Path) -> set[tuple[int, int, int]]:
    import matplotlib.image as mpimg
    pixels = mpimg.imread(path)
    return {tuple(int(255 * c) for c in px[:3]) for row in pixels[::4] for px in row[::4]}


def test_the_textbook_picture_of_a_tangent(tmp_path: Path) -> None:
    out = tmp_path / "slope.png"
    info = plot(chainrule.diff("x**2"), at=5, path=out)
    data = out.read_bytes()
    assert data.startswith(PNG) and len(data) > 20_000
    assert info.tangent == "10x − 25"
    assert info.labels == ("y = x²", "dy/dx = 2x", "tangent at x = 5: y = 10x − 25")
    assert info.point == (5.0, 25.0)
    lo, hi = info.window
    assert lo <= 5 <= hi
    drawn = colours(out)
    # f, f′, tangent, point
    for rgb in ((31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40)):
        assert any(all(abs(a - b) < 30 for a, b in zip(rgb, c)) for c in drawn), rgb


def test_no_tangent_where_the_slope_does_not_exist(tmp_path: Path) -> None:
    info = plot(chainrule.diff("abs(x)"), at=0, path=tmp_path / "abs.png")
    assert info.tangent is None and len(info.labels) == 2
    assert info.point == (0.0, 0.0)
    assert (tmp_path / "abs.png").stat().st_size > 10_000


def test_asymptotes_leave_gaps_instead_of_vertical_lines() -> None:
    from chainrule.plot import _gaps
    ys = [math.tan(-1.6 + 0.01 * i) for i in range(320)]
    gapped = _gaps(ys, -20, 20)
    jumps = [i for i in range(1, len(ys)) if ys[i - 1] > 10 and ys[i] < -10]
    assert jumps and all(math.isnan(gapped[i]) or math.isnan(gapped[i - 1]) for i in jumps)


def test_several_symbols_need_values(tmp_path: Path) -> None:
    d = chainrule.diff("w*x + b", "w")
    with pytest.raises(UsageError, match="give the other symbols a value"):
        plot(d, path=tmp_path / "p.png")
    info = plot(d, at="w=2,x=1,b=0", path=tmp_path / "p.png")
    assert info.tangent is not None and (tmp_path / "p.png").exists()


def test_cli_writes_the_file(tmp_path: Path) -> None:
    out = tmp_path / "slope.png"
    result = CliRunner().invoke(main, ["plot", "x**2", "--at", "5", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(PNG)
    assert f"wrote {out}" in result.output and "tangent y = 10x − 25" in result.output


@pytest.mark.parametrize("args,message", [
    (["x*y", "--wrt", "x"], "give the other symbols a value"),
    (["x*y"], "several symbols"),
    (["x**2", "--range", "3:1"], "LO < HI"),
    (["x**2", "--range", "a:b"], "cannot read the range"),
    (["sin(x"], "never closed"),
])
def test_cli_bad_input_exits_2(tmp_path: Path, args: list[str], message: str) -> None:
    result = CliRunner().invoke(main, ["plot", *args, "-o", str(tmp_path / "p.png")])
    assert result.exit_code == 2 and message in result.output


def test_missing_matplotlib_is_a_clear_message(monkeypatch: pytest.MonkeyPatch,
                                               tmp_path: Path) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib now fails
    with pytest.raises(MissingDependency, match="chainrule\\[plot\\]"):
        plot(chainrule.diff("x**2"), at=5, path=tmp_path / "p.png")
    result = CliRunner().invoke(main, ["plot", "x**2", "-o", str(tmp_path / "p.png")])
    assert result.exit_code == 1
    assert INSTALL_HINT in result.output and "Traceback" not in result.output
    assert not (tmp_path / "p.png").exists()


def test_descend_plot_without_matplotlib_raises_the_same_error(monkeypatch: pytest.MonkeyPatch,
                                                               tmp_path: Path) -> None:
    from chainrule.descent import plot_descent
    run = chainrule.descend("(w - 3)**2", "w", "w=0", steps=3)
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(MissingDependency, match="chainrule\\[plot\\]"):
        plot_descent(run, str(tmp_path / "cost.png"))
    assert not (tmp_path / "cost.png").exists()
