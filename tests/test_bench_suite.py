"""The benchmark suite runs: ``python benchmarks/suite.py --quick --no-write`` as a process.

A smoke test only: it checks that the suite finishes and prints its report, never what
the timings are. SymEngine is a benchmark-only dependency, so the suite is also run as if
it were not installed (its column is then left empty, with a note).
"""

from __future__ import annotations

import importlib.util
import os
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
SUITE = ROOT / "benchmarks" / "suite.py"
HEADER = ("| workload | size | ours: step tree | ours: + textbook form | SymPy | SymEngine "
          "| SymPy ÷ ours | SymEngine ÷ ours | nodes in | nodes out |")
HIDE_SYMENGINE = ("import runpy, sys; sys.modules['symengine'] = None; "
                  f"sys.argv = [{str(SUITE)!r}, '--quick', '--no-write']; "
                  f"runpy.run_path({str(SUITE)!r}, run_name='__main__')")
HAVE_SYMENGINE = importlib.util.find_spec("symengine") is not None


def _run(argv: list[str]) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("NO_COLOR", "FORCE_COLOR", "CLICOLOR_FORCE", "TTY_COMPATIBLE")}
    env["PYTHONIOENCODING"] = "utf-8"
    return subprocess.run(argv, capture_output=True, text=True, encoding="utf-8", cwd=ROOT,
                          env=env, timeout=180, check=False)


@pytest.mark.parametrize("symengine", [
    pytest.param("as installed", id="symengine-as-installed"),
    pytest.param("hidden", id="symengine-absent", marks=pytest.mark.skipif(
        not HAVE_SYMENGINE, reason="SymEngine is absent already: the other case covers it")),
])
def test_quick_suite_prints_the_report(symengine: str) -> None:
    page = ROOT / "docs" / "performance.md"
    before = page.read_bytes() if page.exists() else None
    argv = ([sys.executable, str(SUITE), "--quick", "--no-write"] if symengine == "as installed"
            else [sys.executable, "-c", HIDE_SYMENGINE])
    done = _run(argv)
    assert done.returncode == 0, done.stderr[-3000:]
    out = done.stdout
    assert out.startswith("# Performance")
    assert HEADER in out
    assert "## Targets" in out and "| target | this run (step tree) | met |" in out
    assert "## Verification" in out and "## The command line" in out
    if symengine == "hidden" or not HAVE_SYMENGINE:
        assert "not installed" in out
    assert (page.read_bytes() if page.exists() else None) == before  # --no-write wrote nothing
