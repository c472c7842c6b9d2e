"""The console entry point (``chainrule`` and ``python -m chainrule``): SIGINT and SIGTERM
end the program with one line and exit status 130 or 143, never a traceback — also while it
starts (click, rich and SymPy being imported). Inside a job the command line shows the
answer so far first (:class:`chainrule.cli._job`).
"""

from __future__ import annotations

import os
import signal
import sys
from typing import NoReturn

__all__ = ["main"]


def _quit(signum: int) -> NoReturn:
    try:
        sys.stderr.write(f"interrupted by {signal.Signals(signum).name}\n")
        sys.stderr.flush()
    finally:
        os._exit(128 + signum)


def _early(signum: int, frame: object) -> None:
    _quit(signum)  # nothing to keep yet: the command has not started


def main() -> None:
    signal.signal(signal.SIGINT, _early)
    signal.signal(signal.SIGTERM, _early)
    try:
        from chainrule.budget import Interrupted, interrupt
        from chainrule.cli import main as cli_main
        signal.signal(signal.SIGINT, interrupt)
        signal.signal(signal.SIGTERM, interrupt)
        cli_main(prog_name="chainrule")
    except Interrupted as err:
        _quit(err.signum)
    except KeyboardInterrupt:
        _quit(signal.SIGINT)
