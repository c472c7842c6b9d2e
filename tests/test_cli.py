"""The command line, run as a user runs it: a separate process, output read from its pipes.

Exit codes (DESIGN.md): 0 success, 2 bad input (message and caret on stderr, never a
traceback), 1 an internal error or a failed verification.
"""

from __future__ import annotations

import os
import pathlib
import re
import subprocess
import sys
from typing import Any

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
ANSI = re.compile(r"\x1b\[")

HEADLINES = {  # input → (--wrt, the result as the plain output writes it, if pinned here)
    "sin(x**2)": (None, "2x·cos(x²)"),
    "sin(cos(x))": (None, "−sin(x)·cos(cos(x))"),
    "1/(1+exp(-x))": (None, "e^(−x)/(1 + e^(−x))²"),
    "(y - sigmoid(w2*sigmoid(w1*x)))**2": ("w1", None),  # long: taken from the API below
}


def expected_result(text: str) -> str:
    wrt, pinned = HEADLINES[text]
    if pinned is not None:
        return pinned
    import chainrule
    return chainrule.diff(text, wrt).result.pretty()


def _env(no_color: bool | None = None) -> dict[str, str]:
    # Start from the caller's environment minus anything that forces or forbids colour.
    env = {k: v for k, v in os.environ.items()
           if k not in ("NO_COLOR", "FORCE_COLOR", "CLICOLOR_FORCE", "TTY_COMPATIBLE",
                        "TTY_INTERACTIVE", "COLUMNS")}
    if no_color:
        env["NO_COLOR"] = "1"
    return env


def run(*args: str, no_color: bool | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "chainrule", *args], capture_output=True,
                          encoding="utf-8", cwd=ROOT, env=_env(no_color), timeout=60)


def assert_no_traceback(proc: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in proc.stderr and "Traceback" not in proc.stdout


@pytest.fixture(scope="module")
def plain() -> dict[str, subprocess.CompletedProcess[str]]:
    """``--format plain`` for each headline input, run once for the whole module."""
    out = {}
    for text, (wrt, _) in HEADLINES.items():
        args = ["diff", text, "--format", "plain"] + (["--wrt", wrt] if wrt else [])
        out[text] = run(*args)
    return out


# ── good input ───────────────────────────────────────────────────────────────────

def test_default_output_shows_result_and_proof() -> None:
    proc = run("diff", "sin(x**2)")
    assert proc.returncode == 0, proc.stderr
    assert "2x·cos(x²)" in proc.stdout
    assert "✓" in proc.stdout
    assert proc.stderr == ""


@pytest.mark.parametrize("text", HEADLINES)
def test_plain_explains_the_chain_rule(text: str, plain: dict[str, Any]) -> None:
    proc = plain[text]
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    for word in ("is a composite", "outer", "inner", "chain"):
        assert word in out
    assert expected_result(text) in _unwrapped(out)
    assert "✓" in out.splitlines()[-1]
    assert_no_traceback(proc)


@pytest.mark.parametrize("text", HEADLINES)
def test_plain_result_line(text: str, plain: dict[str, Any]) -> None:
    out = _unwrapped(plain[text].stdout)
    result_at = out.index("Result:")
    assert expected_result(text) in out[result_at:]


def _overlong(out: str, width: int = 80) -> list[str]:
    return [line for line in out.splitlines() if len(line) > width]


@pytest.mark.parametrize("text", ["sin(x**2)", "sin(cos(x))", "1/(1+exp(-x))"])
def test_plain_fits_in_80_columns(text: str, plain: dict[str, Any]) -> None:
    assert _overlong(plain[text].stdout) == []


def test_a_long_result_breaks_inside_the_math_to_fit_80_columns(plain: dict[str, Any]) -> None:
    out = plain["(y - sigmoid(w2*sigmoid(w1*x)))**2"].stdout
    assert _overlong(out) == []
    result = out[out.index("Result:"):].splitlines()
    assert result[1].rstrip().endswith("·")  # the break says the next row is a factor


def test_piped_default_is_plain_without_escape_codes(plain: dict[str, Any]) -> None:
    proc = run("diff", "sin(cos(x))")
    assert proc.returncode == 0, proc.stderr
    assert not ANSI.search(proc.stdout)
    assert proc.stdout == plain["sin(cos(x))"].stdout


def test_rich_when_piped_has_no_traceback_and_no_escape_codes() -> None:
    proc = run("diff", "1/(1+exp(-x))", "--format", "rich")
    assert proc.returncode == 0, proc.stderr
    assert_no_traceback(proc)
    assert "is a composite" in proc.stdout and "✓" in proc.stdout
    assert not ANSI.search(proc.stdout)


def test_latex_format() -> None:
    proc = run("diff", "sin(x**2)", "--format", "latex")
    assert proc.returncode == 0, proc.stderr
    assert r"\begin{align*}" in proc.stdout and r"\end{align*}" in proc.stdout
    assert r"2x\cos\left(x^{2}\right)" in proc.stdout


def test_partial_derivative_with_wrt() -> None:
    proc = run("diff", "x*y + sin(y)", "--wrt", "y", "--format", "plain")
    assert proc.returncode == 0, proc.stderr
    assert "x + cos(y)" in proc.stdout.split("Result:")[1]
    assert "∂" in proc.stdout  # a partial derivative is written with ∂


# ── an expression that starts with "-" ─────────────────────────────────────────────

@pytest.mark.parametrize("args", [
    ["diff", "--", "-x**2"],
    ["diff", "--expr", "-x**2"],
    ["diff", "-x**2"],
], ids=["double-dash", "--expr", "bare"])
def test_leading_minus(args: list[str]) -> None:
    proc = run(*args)
    assert proc.returncode == 0, proc.stderr
    assert "−2x" in proc.stdout.split("Result:")[1]


# ── options ──────────────────────────────────────────────────────────────────────

@pytest.mark.parametrize("mode", ["none", "light", "full"])
def test_simplify_modes(mode: str) -> None:
    proc = run("diff", "x^3 - 2x", "--simplify", mode, "--format", "plain")
    assert proc.returncode == 0, proc.stderr
    assert "✓" in proc.stdout
    result = proc.stdout.split("Result:")[1].splitlines()[0]
    if mode == "none":  # the raw product of the rules, not tidied
        assert "3x²" in result and not result.endswith("= 3x² − 2")
    else:
        assert result.endswith("= 3x² − 2")


@pytest.mark.parametrize("mode", ["final", "steps", "off"])
def test_verify_modes(mode: str) -> None:
    proc = run("diff", "sin(x**2)", "--verify", mode, "--format", "plain")
    assert proc.returncode == 0, proc.stderr
    last = proc.stdout.splitlines()[-1]
    if mode == "off":
        assert "not verified" in last and "✓" not in proc.stdout
    else:
        assert "✓" in last


@pytest.mark.parametrize("args", [["--help"], ["diff", "--help"]], ids=["main", "diff"])
def test_help(args: list[str]) -> None:
    proc = run(*args)
    assert proc.returncode == 0
    assert "Examples" in proc.stdout
    assert 'chainrule diff "sin(x**2)"' in proc.stdout


def test_version() -> None:
    proc = run("--version")
    assert proc.returncode == 0
    assert re.search(r"\d+\.\d+", proc.stdout)


# ── bad input: exit 2, message and caret on stderr, never a traceback ────────────────

BAD = [  # text, what stderr must also say (beyond a message and a caret)
    ("sin(x", "')'"),
    ("sine(x)", "did you mean sin"),
    ("sin", "sin(x)"),     # issue 15: "sin x" is read as sin(x) now (tests/test_notation.py)
    ("2 +", ""),
    ("", ""),
    ("x.y", ""),
    ("__import__('os')", ""),
    ("ѕin(x)", "ѕ"),  # a Cyrillic dze, which looks like s
]


@pytest.mark.parametrize("text,says", BAD, ids=[repr(t) for t, _ in BAD])
def test_bad_input(text: str, says: str) -> None:
    proc = run("diff", text)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert_no_traceback(proc)
    err = proc.stderr
    assert err.startswith("error: ")
    assert says in err
    lines = err.splitlines()
    carets = [i for i, line in enumerate(lines) if re.fullmatch(r"\s*\^+", line)]
    assert len(carets) == 1, err
    caret_line, text_line = lines[carets[0]], lines[carets[0] - 1]
    # The caret sits under the column the message names, below the text as typed.
    column = int(re.search(r"\(column (\d+)\)", lines[0]).group(1))
    assert caret_line.index("^") - (len(text_line) - len(text_line.lstrip(" "))) == column - 1
    assert text_line.strip() == text.strip()


@pytest.mark.parametrize("text,column", [("x.y", 2), ("ѕin(x)", 1), ("sine(x)", 1)])
def test_caret_points_at_the_mistake(text: str, column: int) -> None:
    proc = run("diff", text)
    assert f"(column {column})" in proc.stderr.splitlines()[0]


def test_missing_expression() -> None:
    proc = run("diff")
    assert proc.returncode == 2
    assert_no_traceback(proc)
    assert "chainrule diff" in proc.stderr  # says how to call it


def test_several_symbols_need_wrt() -> None:
    proc = run("diff", "x*y + z")
    assert proc.returncode == 2
    assert_no_traceback(proc)
    assert "--wrt" in proc.stderr
    assert all(name in proc.stderr for name in ("x", "y", "z"))
    assert proc.stdout == ""


def test_wrt_must_be_a_symbol() -> None:
    proc = run("diff", "x*y", "--wrt", "2x")
    assert proc.returncode == 2
    assert_no_traceback(proc)
    assert "2x" in proc.stderr
    assert proc.stdout == ""


# ── on a terminal ────────────────────────────────────────────────────────────────

def _run_on_tty(*args: str, no_color: bool) -> tuple[int, str]:
    pty = pytest.importorskip("pty")
    master, slave = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "chainrule", *args], stdout=slave,
                            stderr=subprocess.PIPE, cwd=ROOT, env=_env(no_color))
    os.close(slave)
    chunks = []
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    proc.wait(timeout=60)
    proc.stderr.close()
    os.close(master)
    return proc.returncode, b"".join(chunks).decode("utf-8")


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")
def test_terminal_gets_colour() -> None:
    code, out = _run_on_tty("diff", "sin(x**2)", no_color=False)
    assert code == 0
    assert ANSI.search(out)
    assert "2x·cos(x²)" in out


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")
def test_no_color_on_a_terminal_is_plain() -> None:
    code, out = _run_on_tty("diff", "sin(x**2)", no_color=True)
    assert code == 0
    assert not ANSI.search(out)
    assert "2x·cos(x²)" in out and "✓" in out


def _unwrapped(out: str) -> str:
    """Rows continued at a product's break joined back: ")·\n   (" was ")(" on one line."""
    return re.sub(r"·\n\s+", "·", re.sub(r"\)·\n\s+\(", ")(", out))


def test_plain_output_fits_80_columns_even_for_a_long_result() -> None:
    proc = run("diff", "(y - sigmoid(w2*sigmoid(w1*x)))**2", "--wrt", "w1", "--format", "plain",
               "--width", "80")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80, max(lines, key=len)
    result = proc.stdout[proc.stdout.index("Result:"):]
    joined = "".join(part.strip() for part in result.splitlines()[:3])
    assert "(y − σ(w2·σ(w1·x)))·(1 − σ(w2·σ(w1·x)))" in joined  # a break says it is a product


@pytest.mark.parametrize("encoding", ["cp1252", "latin-1"])
@pytest.mark.parametrize("args", [["grad", "x*y"], ["check", "sin(x**2)", "cos(x**2)"]])
def test_an_output_encoding_without_the_math_is_refused_not_a_traceback(
        encoding: str, args: list[str]) -> None:
    env = {**_env(True), "PYTHONIOENCODING": encoding}
    proc = subprocess.run([sys.executable, "-m", "chainrule", *args, "--format", "plain"],
                          capture_output=True, cwd=ROOT, env=env, timeout=60)
    err = proc.stderr.decode(encoding, "replace")
    assert proc.returncode == 2 and b"Traceback" not in proc.stderr + proc.stdout
    assert proc.stdout == b""  # nothing half-written, no '?' in place of a symbol
    assert "cannot write" in err and "PYTHONIOENCODING=utf-8" in err


def test_latex_is_written_on_any_output_encoding() -> None:
    env = {**_env(True), "PYTHONIOENCODING": "cp1252"}
    proc = subprocess.run([sys.executable, "-m", "chainrule", "grad", "x*y", "--format", "latex"],
                          capture_output=True, cwd=ROOT, env=env, timeout=60)
    assert proc.returncode == 0 and proc.stdout.startswith(b"\\begin{align*}")
