"""The command line: ``chainrule diff EXPR``.

Exit codes: 0 success; 2 bad input (message and caret on stderr, never a traceback);
1 an internal error or a failed verification.
"""

from __future__ import annotations

import os
import sys
from typing import Any, NoReturn

import click

from chainrule.errors import ChainruleError, ParseError, UndefinedError, UsageError

EXIT_OK, EXIT_INTERNAL, EXIT_INPUT = 0, 1, 2

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
"""

DIFF_HELP = """Differentiate EXPR and explain every step.

EXPR uses Python syntax (x**2, sin(x)) or everyday notation (x^2, 2x, 2 sin(x),
sin^2(x), ln(x), log(x, 2), √x, x²). Constants: pi and e. Functions: sin, cos, tan,
sec, csc, cot, their inverses (asin, ...) and hyperbolic forms (sinh, asinh, ...),
exp, log/ln, sqrt, cbrt, abs, atan2, sigmoid, softplus, relu, and the abstract
functions f, g, h.

\b
Examples:
  chainrule diff "sin(x**2)"
  chainrule diff "sin(cos(x))" --format plain
  chainrule diff "x*y + sin(y)" --wrt y
  chainrule diff "x^3 - 2x" --simplify none
  chainrule diff -- "-x**2"            (an expression that starts with -)
  chainrule diff --expr "-x**2"
"""


def _fail(message: str, code: int) -> NoReturn:
    click.echo(message, err=True)
    sys.exit(code)


def _parse_error_text(err: ParseError) -> str:
    lines = [f"error: {err.message} (column {err.column})", ""]
    lines += ["  " + line for line in err.context().splitlines()]
    if err.expected:
        from chainrule.errors import _join_or
        lines += ["", "expected " + _join_or(err.expected)]
    if err.hint:
        lines.append(f"hint: {err.hint}")
    return "\n".join(lines)


def _use_rich(fmt: str | None) -> bool:
    if fmt is not None:
        return fmt == "rich"
    if os.environ.get("NO_COLOR"):
        return False
    return sys.stdout.isatty()


@click.group(help=MAIN_HELP, context_settings={"help_option_names": ["-h", "--help"],
                                               "max_content_width": 88})
@click.version_option(package_name="chainrule", prog_name="chainrule")
def main() -> None:
    pass


@main.command("diff", help=DIFF_HELP, context_settings={"ignore_unknown_options": True})
@click.argument("expr_arg", metavar="EXPR", required=False)
@click.option("--expr", "expr_opt", metavar="EXPR",
              help="The expression, for text that starts with '-'.")
@click.option("--wrt", metavar="VAR", help="Variable to differentiate with respect to "
              "(inferred when the expression has one symbol).")
@click.option("--format", "fmt", type=click.Choice(["rich", "plain", "json", "latex"]),
              default=None, help="Output format. Default: rich on a terminal, plain when "
              "piped or NO_COLOR is set.")
@click.option("--simplify", type=click.Choice(["none", "light", "full"]), default="light",
              show_default=True, help="none: the raw rule product; light: textbook form; "
              "full: SymPy's simplify.")
@click.option("--verify", type=click.Choice(["final", "steps", "off"]), default="final",
              show_default=True, help="Prove the result (final), every step (steps), or "
              "nothing (off).")
@click.option("--width", type=click.IntRange(40, 400), default=None,
              help="Line width for text output (default: the terminal's, else 80).")
def diff_command(expr_arg: str | None, expr_opt: str | None, wrt: str | None, fmt: str | None,
                 simplify: str, verify: str, width: int | None) -> None:
    text = _pick_expression(expr_arg, expr_opt)
    from chainrule.api import diff
    try:
        derivation = diff(text, wrt, simplify=simplify, verify=verify)
        _print(derivation, fmt, width)
    except ParseError as err:
        _fail(_parse_error_text(err), EXIT_INPUT)
    except (UsageError, UndefinedError) as err:
        _fail(f"error: {err}", EXIT_INPUT)
    except ChainruleError as err:
        _fail(f"error: {err}", EXIT_INTERNAL)
    except RecursionError:
        _fail("error: the expression is too deep to print in this format; "
              "try --format plain", EXIT_INTERNAL)


def _pick_expression(expr_arg: str | None, expr_opt: str | None) -> str:
    if expr_arg is not None and expr_opt is not None:
        _fail("error: give the expression once, either as EXPR or with --expr", EXIT_INPUT)
    text = expr_opt if expr_opt is not None else expr_arg
    if text is None:
        _fail("error: missing the expression to differentiate\n"
              "usage: chainrule diff EXPR   (for example: chainrule diff \"sin(x**2)\")",
              EXIT_INPUT)
    if text.startswith("--") and text[2:].replace("-", "").isalpha():
        _fail(f"error: no such option: {text}\n(see chainrule diff --help)", EXIT_INPUT)
    return text


def _print(derivation: Any, fmt: str | None, width: int | None) -> None:
    if fmt == "json":
        click.echo(derivation.to_json())
    elif fmt == "latex":
        click.echo(derivation.to_latex())
    elif _use_rich(fmt):
        from rich.console import Console

        from chainrule.render.rich import render_rich
        console = Console(width=width, highlight=False)
        render_rich(derivation, console)
    else:
        from chainrule.render.plain import render_plain
        click.echo(render_plain(derivation, width=width or _terminal_width()), nl=False)


def _terminal_width() -> int:
    if sys.stdout.isatty():
        import shutil
        return shutil.get_terminal_size((80, 24)).columns
    return 80


if __name__ == "__main__":  # pragma: no cover
    main()
