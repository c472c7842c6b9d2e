"""Run every example in the docs and compare (or, with --update, rewrite) the shown output.

    python docs/update_examples.py            # check: exit 1 and a diff if a page is stale
    python docs/update_examples.py --update   # regenerate the outputs and the tables
    python docs/update_examples.py --update docs/tutorial.md   # only the pages named

A ``console`` block holds commands after ``$ `` and, below each, the output it prints
(stdout, then stderr) with ``NO_COLOR=1`` at 80 columns. The function table in
``functions.md`` is generated from ``chainrule.functions.FUNCTIONS``, and the rule table
from the step classes in ``chainrule.steps``.
"""

from __future__ import annotations

import difflib
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
BLOCK = re.compile(r"```console\n(.*?)```", re.S)
TABLE = re.compile(r"(<!-- function-table:start -->\n).*?(<!-- function-table:end -->)", re.S)
RULES = re.compile(r"(<!-- rule-table:start -->\n).*?(<!-- rule-table:end -->)", re.S)


def run(command: str) -> str:
    args = shlex.split(command)
    if args[0] != "chainrule":
        raise ValueError(f"docs may only run chainrule commands, not {command!r}")
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "80"}
    env.pop("FORCE_COLOR", None)
    done = subprocess.run([sys.executable, "-m", "chainrule", *args[1:]], capture_output=True,
                          text=True, env=env, cwd=ROOT, timeout=120)
    out = done.stdout + done.stderr
    return "\n".join(line.rstrip() for line in out.rstrip("\n").splitlines())


def render_block(body: str) -> str:
    chunks: list[str] = []
    for line in body.splitlines():
        if line.startswith("$ "):
            command = line[2:]
            chunks.append(f"$ {command}\n{run(command)}\n")
    return "\n".join(chunks)


def _cell(text: str) -> str:
    """Table cell text: a pipe (|u|) would end the cell, so it is escaped."""
    return text.replace("|", "\\|")


def function_table() -> str:
    from chainrule.expr import Func, Symbol
    from chainrule.functions import ALIASES, FUNCTIONS
    u = Symbol("u")
    rows = [("| function | also written | derivative of the outer function, f′(u) "
             "| where it is defined | explanation |"),
            "|---|---|---|---|---|"]
    for name, entry in FUNCTIONS.items():
        aliases = ", ".join(f"`{a}`" for a, target in ALIASES.items() if target == name)
        if entry.abstract:
            derivative = f"`{Func(name, (u,), 1).pretty()}` stays symbolic"
        elif entry.arities == (2,):
            args = (Symbol("y"), Symbol("x"))
            derivative = ", ".join(f"∂/∂{a.name}: `{p(*args).pretty()}`"
                                   for a, p in zip(args, entry.partials))
        else:
            derivative = f"`{entry.partials[0](u).pretty()}`"
        call = f"`{name}(u)`" if 1 in entry.arities else f"`{name}(y, x)`"
        if entry.arities == (1, 2):
            call += f", `{name}(u, b)`"
        cells = [call, aliases, derivative, entry.domain_note or "everywhere", entry.explanation]
        rows.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    return "\n".join(rows) + "\n"


# One input per rule; together they produce every step class (rule_table checks this).
RULE_EXAMPLES = ["3*x + 1", "x*sin(x)", "sin(x)/x", "sin(x**2)", "1/x", "2^x",
                 "atan2(x, x**2)", "x**x", "log(x, x)"]
_COMMON = {"rule", "expr", "variable", "result", "explanation", "substeps"}


def rule_table() -> str:
    """The step classes in the order of chainrule.steps.STEP_CLASSES, each with its math,
    an expression it applies to, and the fields its JSON node adds to the common ones."""
    from chainrule.api import diff
    from chainrule.render.json import step_to_dict
    from chainrule.steps import STEP_CLASSES, walk
    found: dict[type, object] = {}
    for text in RULE_EXAMPLES:
        for step in walk(diff(text, "x", verify="off").steps):
            if type(step) not in found or (step.variable == "x"
                                           and found[type(step)].variable != "x"):
                found[type(step)] = step
    missing = [c.__name__ for c in STEP_CLASSES if c not in found]
    if missing:
        raise RuntimeError(f"add an input to RULE_EXAMPLES that uses {', '.join(missing)}")
    rows = ["| `rule` | step class | the rule | for example | its own fields |",
            "|---|---|---|---|---|"]
    for cls in STEP_CLASSES:
        step = found[cls]
        math = (cls.__doc__ or "").strip().splitlines()[0].rstrip(".")
        fields = ", ".join(f"`{k}`" for k in step_to_dict(step) if k not in _COMMON)
        cells = [f"`{cls.rule}`", f"`{cls.__name__}`", math, f"`{step.expr}`", fields]
        rows.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    return "\n".join(rows) + "\n"


def regenerate(text: str) -> str:
    text = BLOCK.sub(lambda m: "```console\n" + render_block(m.group(1)) + "```", text)
    text = TABLE.sub(lambda m: m.group(1) + function_table() + m.group(2), text)
    return RULES.sub(lambda m: m.group(1) + rule_table() + m.group(2), text)


_TIMING = re.compile(r'"seconds": [0-9.e-]+')


def same(old: str, new: str) -> bool:
    """Equal up to measured times, which differ from run to run."""
    return _TIMING.sub('"seconds": …', old) == _TIMING.sub('"seconds": …', new)


def main(argv: list[str]) -> int:
    update = "--update" in argv
    named = {(Path.cwd() / arg).resolve() for arg in argv if not arg.startswith("-")}
    stale = 0
    for page in PAGES:
        if named and page not in named:
            continue
        old = page.read_text(encoding="utf-8")
        new = regenerate(old)
        if same(old, new):
            continue
        if update:
            page.write_text(new, encoding="utf-8")
            print(f"updated {page.relative_to(ROOT)}")
        else:
            stale += 1
            sys.stdout.writelines(difflib.unified_diff(
                old.splitlines(True), new.splitlines(True), str(page.relative_to(ROOT)),
                "what the commands print now"))
    if stale:
        print(f"\n{stale} page(s) out of date: run  python docs/update_examples.py --update")
        return 1
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main(sys.argv[1:]))
