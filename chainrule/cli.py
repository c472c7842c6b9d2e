"""The command line: ``chainrule diff EXPR``.

Exit codes: 0 success; 2 bad input (message and caret on stderr, never a traceback);
1 an internal error or a failed verification; 3 a budget ran out (``--timeout``, a size
limit: the answer so far is printed, marked as stopped); 130 SIGINT and 143 SIGTERM (the
same, with the answer so far where there is one).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Any, NoReturn, TypeVar, get_args

import click

from chainrule.errors import ChainruleError, ParseError, UndefinedError, UsageError, join_or
from chainrule.options import (
    Detail,
    GradientSimplifyMode,
    GradientVerifyMode,
    SimplifyMode,
    VerifyMode,
)
from chainrule.render.formats import FORMATS, formats_for

EXIT_OK, EXIT_INTERNAL, EXIT_INPUT = 0, 1, 2
EXIT_BUDGET = 3  # the job's budget ran out: not bad input, not a failure of the engine
# The output could not be written (stdout closed or full: EX_IOERR of sysexits.h), and a
# reader that went away (a broken pipe: 128 + SIGPIPE, what the shell shows for a tool the
# signal ended), which is not an error and so is quiet (docs/errors.md).
EXIT_OUTPUT, EXIT_BROKEN_PIPE = 74, 141

MAIN_HELP = """Symbolic differentiation that shows its work.

Every derivative comes with its steps — for each composite the outer and the inner
function and how the chain rule joins them — and is proven against SymPy before it
is shown.

\b
Examples:
  chainrule diff "sin(x**2)"
  chainrule diff "1/(1+exp(-x))"
  chainrule diff "(y - sigmoid(w2*sigmoid(w1*x)))**2" --wrt w1
  chainrule diff "x^x" --format json
  chainrule grad "(y - sigmoid(w2*sigmoid(w1*x)))**2" --wrt w1,w2 --graph
"""

DIFF_HELP = """Differentiate EXPR and explain every step.

EXPR uses Python syntax (x**2, sin(x)) or everyday notation (x^2, 2x, 2 sin(x),
sin^2(x), ln(x), log(x, 2), √x, x²). Constants: pi and e. Functions: {functions}; the
abstract functions {abstract}. Also accepted: {aliases}.

\b
Examples:
  chainrule diff "sin(x**2)"
  chainrule diff "sin(cos(x))" --format plain
  chainrule diff "x*y + sin(y)" --wrt y
  chainrule diff "x^3 - 2x" --simplify none
  chainrule diff "sin(cos(x**2))" --detail brief
  chainrule diff "x**2" --at x=5       (the slope there, and what it means)
  chainrule diff "x**4" --order 2
  chainrule diff "1/(1+exp(-x))" --format markdown
  chainrule diff -- "-x**2"            (an expression that starts with -)
  chainrule diff --expr "-x**2"
"""


def _function_list() -> dict[str, str]:
    """The function names for DIFF_HELP, from the function table (so the help cannot lag)."""
    from chainrule.functions import FUNCTIONS
    entries = FUNCTIONS.values()
    aliases = [a for e in entries for a in e.aliases]
    inverse = [a for a in aliases if a.startswith("ar")]  # arcsin, arsinh, …: summed up
    examples = inverse[:1] + [a for a in inverse if a.endswith("h")][:1]
    others = [a for a in aliases if a not in inverse]
    if inverse:
        others.append(f"and the arc…/ar… names of the inverses ({', '.join(examples)}, …)")
    return {"functions": ", ".join(e.name for e in entries if not e.abstract),
            "abstract": ", ".join(e.name for e in entries if e.abstract),
            "aliases": ", ".join(others)}


DIFF_HELP = DIFF_HELP.format(**_function_list())


def _wants_json() -> bool:
    ctx = click.get_current_context(silent=True)
    return ctx is not None and ctx.params.get("fmt") == "json"


def _fail(message: str, code: int, err: BaseException | None = None) -> NoReturn:
    """The message on stderr — or, under --format json, an error document on stdout."""
    if _wants_json():
        import json

        from chainrule.render.json import error_to_dict
        failure = err if err is not None else UsageError(message.removeprefix("error: "))
        _write(json.dumps(error_to_dict(failure, code), indent=2, ensure_ascii=False) + "\n")
    else:
        _write(message + "\n", err=True)
    sys.exit(code)


# ── writing: stdout may be closed, full, or a pipe whose reader went away ────────────────
def _write(text: str, *, err: bool = False) -> None:
    """Write ``text`` to stdout (stderr with ``err``) and flush it now, so that a stream that
    cannot take it is found here: a closed or full stdout exits 74 with one line on stderr,
    a broken pipe exits 141 quietly; a stderr that fails is given up silently."""
    stream = sys.stderr if err else sys.stdout
    try:
        if stream is None:  # the descriptor was closed when Python started
            raise _Closed
        try:
            stream.write(text)
        except UnicodeEncodeError:  # a message (not a result: _emit checks those) in ASCII
            encoding = getattr(stream, "encoding", None) or "ascii"
            stream.write(text.encode(encoding, "backslashreplace").decode(encoding))
        stream.flush()
    except (OSError, ValueError, _Closed) as failure:
        if err:
            _silence(2)
            return
        _output_failed(failure)


class _Closed(Exception):
    """stdout is closed (sys.stdout is None)."""


def _silence(fd: int) -> None:
    """Point ``fd`` at /dev/null: what is still buffered for it (Python flushes stdout and
    stderr at exit) then goes nowhere, instead of failing again with a message."""
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, fd)
        os.close(null)
    except OSError:
        pass


def _output_failed(failure: BaseException) -> NoReturn:
    """stdout cannot be written: quiet for a broken pipe (141), else one line on stderr (74)."""
    _silence(1)
    if isinstance(failure, BrokenPipeError):
        sys.exit(EXIT_BROKEN_PIPE)
    if isinstance(failure, _Closed):
        reason = "standard output is closed"
    elif isinstance(failure, OSError):
        reason = failure.strerror or str(failure)
    else:  # ValueError: the stream object itself was closed
        reason = "standard output is closed"
    _write(f"error: cannot write the output: {reason}\n", err=True)
    sys.exit(EXIT_OUTPUT)


def _report(err: ChainruleError) -> NoReturn:
    """Bad input exits 2 (a parse error with its caret); anything else of ours exits 1."""
    if isinstance(err, ParseError):
        _fail(_parse_error_text(err), EXIT_INPUT, err)
    code = EXIT_INPUT if isinstance(err, (UsageError, UndefinedError)) else EXIT_INTERNAL
    _fail(f"error: {err}", code, err)


def _parse_error_text(err: ParseError) -> str:
    lines = [f"error: {err.message} (column {err.column})", ""]
    lines += ["  " + line for line in err.context().splitlines()]
    if err.expected:
        lines += ["", "expected " + join_or(err.expected)]
    if err.hint:
        lines.append(f"hint: {err.hint}")
    return "\n".join(lines)


def _use_rich(fmt: str | None) -> bool:
    if fmt is not None:
        return fmt == "rich"
    if os.environ.get("NO_COLOR"):
        return False
    return _isatty(sys.stdout)


def _isatty(stream: Any) -> bool:
    try:
        return stream is not None and bool(stream.isatty())
    except (OSError, ValueError):  # closed
        return False


Command = TypeVar("Command", bound=Callable[..., Any])


def _format_option(kind: str) -> Callable[[Command], Command]:
    """--format with the formats the registry has for this kind of result."""
    names = formats_for(kind)
    listed = "; ".join(f"{n}: {FORMATS[n].help}" for n in names if n not in ("rich", "plain"))
    return click.option("--format", "fmt", type=click.Choice(names), default=None,
                        help=f"Output format. Default: rich on a terminal, plain when piped or "
                        f"NO_COLOR is set. {listed}.")


def _emit(result: Any, fmt: str | None, width: int | None, **options: Any) -> None:
    """Write ``result`` in its format, through the format registry."""
    from chainrule.render.formats import render
    name = "rich" if _use_rich(fmt) else (fmt or "plain")
    if name == "rich":
        from rich.console import Console

        class _Console(Console):
            def on_broken_pipe(self) -> None:  # rich's own way exits 1: ours is 141
                raise BrokenPipeError

        if sys.stdout is None:
            _output_failed(_Closed())
        try:  # rich writes to sys.stdout itself: its failures are found by the flush
            render(result, "rich", width=width, console=_Console(width=width, highlight=False),
                   **options)
            sys.stdout.flush()
        except (OSError, ValueError) as failure:
            _output_failed(failure)
        return
    text = render(result, name, width=width or _terminal_width(), **options)
    encoding = getattr(sys.stdout, "encoding", None) or "utf-8"
    try:
        text.encode(encoding)
    except UnicodeEncodeError as err:
        # Never a traceback, and never math with characters silently replaced.
        _fail(f"error: the output's encoding ({encoding}) cannot write "
              f"{text[err.start]!r}, which this {name} output needs; set "
              "PYTHONIOENCODING=utf-8 (or use --format latex, which is ASCII)", EXIT_INPUT)
    _write(text)


def _timeout_option(command: Command) -> Command:
    """--timeout: the wall clock of the whole job (docs/robustness.md, "Budgets")."""
    return click.option(
        "--timeout", type=click.FloatRange(min=0), default=60.0, show_default=True,
        metavar="SECONDS", help="The job's time budget: reading, differentiating, proving "
        "(every order, every partial). When it runs out, the answer so far is printed, "
        "marked as stopped, and the exit status is 3. 0: no limit.")(command)


class _Status:
    """What the job is doing, on stderr, once it has run a second (a terminal only)."""

    AFTER = 1.0  # seconds

    def __init__(self, show: bool) -> None:
        self.show = show and _isatty(sys.stderr)
        self.what = "working"
        self.status: Any = None
        self.timer: Any = None

    def update(self, what: str) -> None:
        self.what = what
        if self.status is not None:
            self.status.update(f"{what}…  (--timeout limits the time)")

    def __enter__(self) -> _Status:
        if self.show:
            import threading
            self.timer = threading.Timer(self.AFTER, self._start)
            self.timer.daemon = True
            self.timer.start()
        return self

    def _start(self) -> None:
        try:
            from rich.console import Console
            self.status = Console(stderr=True).status(f"{self.what}…  (--timeout limits the "
                                                      "time)")
            self.status.start()
        except Exception:  # progress is a courtesy: never a traceback for it
            self.status = None

    def __exit__(self, *exc: Any) -> None:
        if self.timer is not None:
            self.timer.cancel()
        if self.status is not None:
            self.status.stop()
            self.status = None


class _job:
    """The command's job: its time budget (--timeout), progress on a terminal, and what
    happens when the budget runs out or SIGINT/SIGTERM arrive — the answer so far where
    there is one, marked as stopped, a one-line message and exit status 3, 130 or 143."""

    def __init__(self, timeout: float, fmt: str | None, width: int | None, *,
                 status: bool = True, partial: bool = True, **options: Any) -> None:
        from chainrule import budget
        self.budget = budget
        self.partial = partial
        self.fmt, self.width, self.options = fmt, width, options
        self.progress = _Status(status)
        self.scope = budget.job(timeout, surface="cli", listener=self.progress.update)
        self.open: Any = None

    def __enter__(self) -> Any:
        import signal
        signal.signal(signal.SIGINT, self.budget.interrupt)
        signal.signal(signal.SIGTERM, self.budget.interrupt)
        self.open = self.scope.__enter__()
        self.progress.__enter__()
        return self.open

    def __exit__(self, kind: Any, err: Any, tb: Any) -> None:
        self.progress.__exit__(kind, err, tb)
        self.scope.__exit__(kind, err, tb)
        budget = self.budget
        if isinstance(err, budget.BudgetExceeded):
            self._stop(err.partial, str(err), EXIT_BUDGET, err)
        if isinstance(err, budget.Interrupted):
            import dataclasses
            activity = self.open.activity if self.open is not None else ""
            message = f"interrupted by {err.name}" + (f" while {activity}" if activity else "")
            partial = self.open.partial if self.open is not None else None
            if partial is not None:
                partial = dataclasses.replace(partial,
                                              stopped=budget.Stopped("interrupted", message))
            self._stop(partial, message, 128 + err.signum, err)

    def _stop(self, partial: Any, message: str, code: int, err: BaseException) -> NoReturn:
        if partial is None or not self.partial:
            _fail(f"error: {message}" if code == EXIT_BUDGET else message, code,
                  err if isinstance(err, ChainruleError) else _Interruption(message))
        _emit(partial, self.fmt, self.width, **self.options)
        click.echo(message, err=True)
        sys.exit(code)


class _Interruption(ChainruleError):
    """An interruption, for the error document of --format json (type "Interrupted")."""


_Interruption.__name__ = "Interrupted"


class _Command(click.Command):
    """A command that reads text starting with '-' as an argument (an expression such as
    -x^2) and still names a misspelled option wherever it stands on the line: click gives
    "did you mean" only for an option before the arguments, and an unknown one after them
    would otherwise be an "extra argument"."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        known = {name for param in self.get_params(ctx) for name in param.opts
                 if isinstance(param, click.Option)}
        known |= {name for param in self.get_params(ctx) if isinstance(param, click.Option)
                  for name in param.secondary_opts}
        for arg in args:
            if arg == "--":
                break
            name = arg.split("=", 1)[0]
            if name.startswith("--") and len(name) > 2 and name not in known:
                import difflib
                close = difflib.get_close_matches(name, sorted(known), n=1, cutoff=0.6)
                _fail(f"error: no such option: {name}"
                      + (f" (did you mean {close[0]}?)" if close else "")
                      + f"\n(see chainrule {self.name} --help)", EXIT_INPUT)
        return super().parse_args(ctx, args)


@click.group(help=MAIN_HELP, context_settings={"help_option_names": ["-h", "--help"],
                                               "max_content_width": 88})
@click.version_option(package_name="chainrule", prog_name="chainrule")
def main() -> None:
    pass


@main.command("diff", cls=_Command, help=DIFF_HELP,
              context_settings={"ignore_unknown_options": True})
@click.argument("expr_arg", metavar="EXPR", required=False)
@click.option("--expr", "expr_opt", metavar="EXPR",
              help="The expression, for text that starts with '-'.")
@click.option("--wrt", metavar="VAR", help="Variable to differentiate with respect to "
              "(inferred when the expression has one symbol).")
@_format_option("derivation")
@click.option("--detail", type=click.Choice(get_args(Detail)), default="normal",
              show_default=True, help="brief: only the chain, product and quotient rules and "
              "how they combine; normal: trivial rules folded in; full: every rule.")
@click.option("--order", type=click.IntRange(1, 50), default=1, show_default=True,
              help="The Nth derivative, each built on the one before.")
@click.option("--at", "at", metavar="X=A",
              help="A point (x=5, x=pi/4; x=1,y=2 with several symbols): the value, the "
              "slope and what its sign means, the tangent line.")
@click.option("--simplify", type=click.Choice(get_args(SimplifyMode)), default="light",
              show_default=True, help="none: the raw rule product; light: textbook form; "
              "full: SymPy's simplify.")
@click.option("--verify", type=click.Choice(get_args(VerifyMode)), default="final",
              show_default=True, help="Prove the result (final), every step (steps), or "
              "nothing (off).")
@click.option("--width", type=click.IntRange(40, 400), default=None,
              help="Line width for text output (default: the terminal's, else 80).")
@_timeout_option
def diff_command(expr_arg: str | None, expr_opt: str | None, wrt: str | None, fmt: str | None,
                 detail: Detail, order: int, at: str | None, simplify: SimplifyMode,
                 verify: VerifyMode, width: int | None, timeout: float) -> None:
    text = _pick_expression(expr_arg, expr_opt)
    from chainrule.api import diff
    try:
        with _job(timeout, fmt, width):
            derivation = diff(text, wrt, order=order, simplify=simplify, verify=verify,
                              detail=detail)
            slope = derivation.at(at) if at is not None else None
        _emit(derivation, fmt, width, slope=slope)
    except ChainruleError as err:
        _report(err)
    except RecursionError:
        _fail("error: the expression is too deep to print in this format; "
              "try --format plain", EXIT_INPUT)


def _pick_expression(expr_arg: str | None, expr_opt: str | None) -> str:
    if expr_arg is not None and expr_opt is not None:
        _fail("error: give the expression once, either as EXPR or with --expr", EXIT_INPUT)
    text = expr_opt if expr_opt is not None else expr_arg
    if text == "-":
        text = _read_stdin()
    if text is None:
        _fail("error: missing the expression to differentiate\n"
              "usage: chainrule diff EXPR   (for example: chainrule diff \"sin(x**2)\")",
              EXIT_INPUT)
    if text.startswith("--") and text[2:].replace("-", "").isalpha():
        _fail(f"error: no such option: {text}\n(see chainrule diff --help)", EXIT_INPUT)
    return text


def _read_stdin() -> str:
    """``chainrule diff -``: the expression from standard input (one expression; a blank
    line or a trailing newline is fine)."""
    lines = [line.strip() for line in sys.stdin.read().splitlines() if line.strip()]
    if not lines:
        _fail("error: standard input is empty: nothing to differentiate\n"
              "usage: echo \"sin(x^2)\" | chainrule diff -", EXIT_INPUT)
    if len(lines) > 1:
        _fail(f"error: standard input has {len(lines)} lines; give one expression (one "
              "line) per run", EXIT_INPUT)
    return lines[0]


def _terminal_width() -> int:
    if _isatty(sys.stdout):
        import shutil
        return shutil.get_terminal_size((80, 24)).columns
    return 80


# ── check ────────────────────────────────────────────────────────────────────
CHECK_HELP = """Check ANSWER against the derivative of EXPR, and name the mistake if it is wrong.

An answer equal to the derivative in any form (expanded, factored, sec² for 1 + tan²)
is accepted. A wrong answer is matched against the classic mistakes at every layer
of EXPR (a forgotten inner derivative, f′(g′(x)), inner and outer swapped, the product
of the derivatives, quotient-rule slips, …); the report says which one, where, and
shows the correct step next to what the answer implies. Exit code 0 whether the
answer is right or wrong; 2 when EXPR or ANSWER does not parse.

\b
Examples:
  chainrule check "sin(x**2)" "cos(x**2)"
  chainrule check "sin(x)**2" "2*x*cos(x**2)"
  chainrule check "tan(x)" "1/cos(x)**2"
  chainrule check "x*y + sin(y)" "x + cos(y)" --wrt y
  chainrule check "cos(x)" "-sin(x)"
"""


@main.command("check", cls=_Command, help=CHECK_HELP,
              context_settings={"ignore_unknown_options": True})
@click.argument("expr_arg", metavar="EXPR", required=False)
@click.argument("answer_arg", metavar="ANSWER", required=False)
@click.option("--wrt", metavar="VAR", help="Variable to differentiate with respect to "
              "(inferred when the expression has one symbol).")
@_format_option("check")
@click.option("--width", type=click.IntRange(40, 400), default=None,
              help="Line width for text output (default: the terminal's, else 80).")
@_timeout_option
def check_command(expr_arg: str | None, answer_arg: str | None, wrt: str | None,
                  fmt: str | None, width: int | None, timeout: float) -> None:
    text = _pick_text(expr_arg, None, "check")
    if answer_arg is None:
        _fail("error: missing the answer to check\nusage: chainrule check EXPR ANSWER   "
              "(for example: chainrule check \"sin(x**2)\" \"cos(x**2)\")", EXIT_INPUT)
    answer = _pick_expression(answer_arg, None)
    from chainrule.checking import check
    try:
        with _job(timeout, fmt, width):
            result = check(text, answer, wrt)
        _emit(result, fmt, width)
    except ChainruleError as err:
        _report(err)

# ── grad ─────────────────────────────────────────────────────────────────────
GRAD_HELP = """All partial derivatives of EXPR, from one reverse sweep (backpropagation).

Each partial holds the other symbols constant and is proven against SymPy. --graph
shows the computational graph with named intermediates (z, a, ŷ), the local derivative
on each edge and every parameter's Leibniz chain; --at adds the forward and backward
tables and the gradient's value, checked by finite differences.

\b
Examples:
  chainrule grad "x*y + sin(y)"
  chainrule grad "(y - sigmoid(w2*sigmoid(w1*x)))**2" --wrt w1,w2 --graph
  chainrule grad "(y - sigmoid(w*x + b))**2" --wrt w,b --at x=1,y=0,w=1,b=0
  chainrule grad "(w*x - y)**2" --wrt w --format json
  chainrule grad "(y - sigmoid(w*x))**2" --wrt w --format python
"""


@main.command("grad", cls=_Command, help=GRAD_HELP,
              context_settings={"ignore_unknown_options": True})
@click.argument("expr_arg", metavar="EXPR", required=False)
@click.option("--expr", "expr_opt", metavar="EXPR",
              help="The expression, for text that starts with '-'.")
@click.option("--wrt", metavar="W1,W2", help="Parameters, comma-separated (default: every "
              "symbol).")
@click.option("--graph", "show_graph", is_flag=True,
              help="Show the computational graph and each parameter's chain.")
@click.option("--at", "at", metavar="X=1,W=0.5",
              help="A point: every symbol's value. Adds the forward and backward tables.")
@_format_option("gradient")
@click.option("--numpy", "use_numpy", is_flag=True,
              help="With --format python: vectorised over NumPy arrays.")
@click.option("--verify", type=click.Choice(get_args(GradientVerifyMode)), default="final",
              show_default=True, help="Prove every partial against SymPy, or not.")
@click.option("--simplify", type=click.Choice(get_args(GradientSimplifyMode)), default="light",
              show_default=True, help="light: textbook form; none: the sweep's raw product.")
@click.option("--width", type=click.IntRange(40, 400), default=None,
              help="Line width for text output (default: the terminal's, else 80).")
@_timeout_option
def grad_command(expr_arg: str | None, expr_opt: str | None, wrt: str | None, show_graph: bool,
                 at: str | None, fmt: str | None, use_numpy: bool, verify: GradientVerifyMode,
                 simplify: GradientSimplifyMode, width: int | None, timeout: float) -> None:
    text = _pick_text(expr_arg, expr_opt, "grad")
    if use_numpy and fmt != "python":
        _fail("error: --numpy applies to --format python", EXIT_INPUT)
    from chainrule.backprop.gradients import grad
    point = _point_option(at)
    try:
        options = {"numpy": use_numpy} if fmt == "python" else {"graph": show_graph}
        with _job(timeout, fmt, width, status=False, **options), _proving() as progress:
            result = grad(text, wrt, verify=verify, simplify=simplify, progress=progress)
        report = None if point is None else result.at(point)
        if fmt == "python":
            _emit(result, fmt, width, numpy=use_numpy)
        else:
            _emit(result, fmt, width, graph=show_graph, point=report)
    except ChainruleError as err:
        _report(err)


def _pick_text(expr_arg: str | None, expr_opt: str | None, command: str) -> str:
    if expr_arg is None and expr_opt is None:
        _fail(f"error: missing the expression\nusage: chainrule {command} EXPR   (see "
              f"chainrule {command} --help)", EXIT_INPUT)
    return _pick_expression(expr_arg, expr_opt)


def _point_option(at: str | None) -> dict[str, float] | None:
    """--at x=1,w=0.5 as numbers; a value that does not parse is shown with a caret."""
    if at is None:
        return None
    from chainrule.inputs import point_floats
    try:
        return point_floats(at)
    except ParseError as err:
        _fail("error: in --at: " + _parse_error_text(err).removeprefix("error: "), EXIT_INPUT, err)


# ── descend ──────────────────────────────────────────────────────────────────
DESCEND_HELP = """Gradient descent on EXPR: θ := θ − LR·∂J/∂θ for each parameter θ.

The gradient is derived in one reverse sweep, proven against SymPy and compiled to
Python before the first step. --at gives every symbol a value: the parameters' starting
values and the data's fixed ones. Prints a table of J and the parameters at the start,
along the way and at the end; a run that diverges (J growing, overflow) stops with a
hint, and exits with status 1.

\b
Examples:
  chainrule descend "(y - sigmoid(w2*sigmoid(w1*x)))**2" --wrt w1,w2 \\
      --at x=1,y=0,w1=0.5,w2=-0.3 --lr 0.5 --steps 200 --plot cost.png
  chainrule descend "(w - 3)**2" --wrt w --at w=0 --lr 0.1 --format json
"""


@main.command("descend", cls=_Command, help=DESCEND_HELP,
              context_settings={"ignore_unknown_options": True})
@click.argument("expr_arg", metavar="EXPR", required=False)
@click.option("--expr", "expr_opt", metavar="EXPR",
              help="The expression, for text that starts with '-'.")
@click.option("--wrt", metavar="W1,W2",
              help="The parameters to move, comma-separated (default: those the text names, "
                   "as in J(w1, w2) = …).")
@click.option("--at", "at", metavar="X=1,W=0.5", required=True,
              help="Every symbol's value: starting values of the parameters, fixed data.")
@click.option("--lr", type=float, default=0.1, show_default=True, help="The learning rate α.")
@click.option("--steps", type=click.IntRange(0, 10_000_000), default=100, show_default=True,
              help="Number of steps.")
@click.option("--plot", "plot_path", metavar="FILE.png",
              help="Draw J against the iteration (and, for one parameter, the path down J).")
@_format_option("descent")
@click.option("--verify", type=click.Choice(get_args(GradientVerifyMode)), default="final",
              show_default=True, help="Prove the gradient against SymPy first, or not.")
@click.option("--width", type=click.IntRange(40, 400), default=None,
              help="Line width for text output (default: the terminal's, else 80).")
@_timeout_option
def descend_command(expr_arg: str | None, expr_opt: str | None, wrt: str | None, at: str,
                    lr: float, steps: int, plot_path: str | None, fmt: str | None,
                    verify: GradientVerifyMode, width: int | None, timeout: float) -> None:
    text = _pick_text(expr_arg, expr_opt, "descend")
    point = _point_option(at)
    from chainrule.backprop.descent import descend, plot_descent
    if plot_path is not None:
        try:
            import matplotlib  # noqa: F401
        except ImportError:
            # a missing optional extra: the same status as for chainrule plot
            _fail('error: --plot needs matplotlib: pip install "chainrule[plot]"', EXIT_INTERNAL)
    try:
        with _job(timeout, fmt, width, status=False), _progress(steps) as progress:
            run = descend(text, wrt, point or {}, lr=lr, steps=steps, verify=verify,
                          progress=progress)
        if plot_path is not None:
            plot_descent(run, plot_path)
        _emit(run, fmt, width)
        if plot_path is not None:  # beside the text; never inside a document
            click.echo(f"Plot written to {plot_path}",
                       err=fmt not in (None, "plain", "rich"))
    except ChainruleError as err:
        _report(err)
    if run.diverged:
        sys.exit(EXIT_INTERNAL)


class _proving:
    """A progress bar on stderr while many partials are proven (a terminal only)."""

    SHOW_FROM = 8  # partials; fewer are proven in a moment

    def __init__(self) -> None:
        self.bar: Any = None

    def __enter__(self) -> Any:
        if not _isatty(sys.stderr):
            return None
        task: Any = None

        def update(i: int, n: int, name: str) -> None:
            nonlocal task
            if n < self.SHOW_FROM:
                return
            if self.bar is None:
                from rich.console import Console
                from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
                self.bar = Progress(TextColumn("proving the partials against SymPy"),
                                    BarColumn(), MofNCompleteColumn(),
                                    TextColumn("{task.fields[name]}  (--verify off skips this)"),
                                    console=Console(stderr=True), transient=True)
                self.bar.start()
                task = self.bar.add_task("prove", total=n, name="")
            self.bar.update(task, completed=i, name=f"∂/∂{name}" if name else "")
        return update

    def __exit__(self, *exc: Any) -> None:
        if self.bar is not None:
            self.bar.stop()


class _progress:
    """A rich progress bar on stderr while descending, only when stderr is a terminal."""

    def __init__(self, steps: int) -> None:
        self.steps = steps
        self.bar: Any = None

    def __enter__(self) -> Any:
        if not _isatty(sys.stderr) or self.steps < 1:
            return None
        every = max(1, self.steps // 200)
        task: Any = None

        def update(k: int, J: float) -> None:
            nonlocal task
            if self.bar is None:  # started at the first step, after the gradient is ready
                from rich.console import Console
                from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
                self.bar = Progress(TextColumn("descending"), BarColumn(), MofNCompleteColumn(),
                                    TextColumn("J = {task.fields[J]}"),
                                    console=Console(stderr=True), transient=False)
                self.bar.start()
                task = self.bar.add_task("descend", total=self.steps, J="…")
            if k % every == 0 or k == self.steps:
                self.bar.update(task, completed=k, J=f"{J:.4g}")
        return update

    def __exit__(self, *exc: Any) -> None:
        if self.bar is not None:
            self.bar.stop()


# ── plot ─────────────────────────────────────────────────────────────────────
PLOT_HELP = """Draw EXPR, its derivative and the tangent line at a point, as a PNG.

The point is marked and the tangent y = f(a) + f′(a)(x − a) drawn through it; where
the slope does not exist (|x| at 0) the picture says so. Needs matplotlib, an
optional extra: pip install "chainrule[plot]".

\b
Examples:
  chainrule plot "x**2" --at 5 -o slope.png
  chainrule plot "1/(1+exp(-x))" --at 0
  chainrule plot "sin(x)" --range -6.3:6.3
  chainrule plot "w*x + b" --wrt w --at w=2,x=1,b=0
"""


@main.command("plot", cls=_Command, help=PLOT_HELP,
              context_settings={"ignore_unknown_options": True})
@click.argument("expr_arg", metavar="EXPR", required=False)
@click.option("--expr", "expr_opt", metavar="EXPR",
              help="The expression, for text that starts with '-'.")
@click.option("--wrt", metavar="VAR", help="The variable along the horizontal axis "
              "(inferred when the expression has one symbol).")
@click.option("--at", "at", metavar="A", help="Where to draw the tangent: 5, or x=5 "
              "(x=1,y=2 with several symbols).")
@click.option("-o", "--output", "output", metavar="FILE.png", default="plot.png",
              show_default=True, help="The PNG file to write.")
@click.option("--range", "xrange", metavar="LO:HI",
              help="The horizontal range (default: around the point).")
@_timeout_option
def plot_command(expr_arg: str | None, expr_opt: str | None, wrt: str | None, at: str | None,
                 output: str, xrange: str | None, timeout: float) -> None:
    text = _pick_expression(expr_arg, expr_opt)
    from chainrule.api import diff
    from chainrule.plot import MissingDependency, check_window, output_target, plot
    window = None
    try:
        if xrange is not None:
            lo, _sep, hi = xrange.partition(":")
            try:
                ends = (float(lo), float(hi))
            except ValueError:
                _fail(f"error: cannot read the range {xrange!r}; write it like -2:3",
                      EXIT_INPUT)
            window = check_window(ends)  # finite, LO < HI, drawable
        output_target(output)  # before any work: a file that cannot be written is refused
        with _job(timeout, None, None, partial=False):  # a picture needs the whole answer
            derivation = diff(text, wrt)
        info = plot(derivation, at, output, window=window)
    except MissingDependency as err:
        _fail(f"error: {err}", EXIT_INTERNAL)
    except ChainruleError as err:
        _report(err)
    # only now, with the file written and closed
    _write(f"wrote {info.path}: " + ", ".join(info.labels[:2])
           + (f"; tangent {info.labels[2].split(': ', 1)[1]}" if info.tangent else "") + "\n")


if __name__ == "__main__":  # pragma: no cover
    main()
