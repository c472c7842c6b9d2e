"""The budget of one job: a wall clock and size limits that every stage of a command or API
call shares — parsing, differentiation, every order, every partial, every proof.

The current job lives in a :class:`~contextvars.ContextVar`, so nested calls (``check`` →
``derive`` → ``verify``) share one job; an entry point opens it with :func:`job`, and an
inner :func:`job` joins the one already open (the outermost budget governs). Code with no
job open runs under a fresh default one (:data:`DEFAULT_TIMEOUT`).

    >>> import chainrule.budget as budget
    >>> with budget.job(timeout=2.0):
    ...     budget.remaining(5.0) <= 2.0
    True
    >>> with budget.job(timeout=None):
    ...     budget.remaining(5.0)
    5.0

Inside long work, :func:`check` (a clock read) or :func:`tick` (a counter, then a clock read
every few hundred calls) raise :class:`~chainrule.errors.BudgetExceeded` once the time is
up; its message names what was running and the option that gives more time. SymPy's own
work, which runs in threads with a time limit, takes ``budget.remaining(cap)`` as its limit.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, Literal

from chainrule.errors import BudgetExceeded

__all__ = ["Job", "Stopped", "Interrupted", "interrupt", "job", "current", "remaining", "check",
           "tick", "too_big", "doing", "keep", "BudgetExceeded", "DEFAULT_TIMEOUT", "FLOOR",
           "MAX_NODES", "timeout_option"]

DEFAULT_TIMEOUT = 60.0
"""Seconds of wall clock for one job unless the caller says otherwise (0 or None: none)."""

FLOOR = 0.05
"""The least :func:`remaining` gives: enough for one quick step, so a caller never passes
SymPy a zero or negative limit (the next :func:`check` then stops the job)."""

MAX_NODES = 200_000
"""Distinct nodes one derivative (one order, one partial) may have: beyond it the next order
would take minutes and gigabytes; raised by nothing, since no answer that size is readable."""

TICK_EVERY = 512
"""How many :func:`tick` calls pass between two clock reads."""

Surface = Literal["python", "cli"]


def timeout_option(surface: Surface) -> str:
    """How a user gives more time: the option on the command line, the keyword in Python."""
    return ("--timeout SECONDS (0 for none)" if surface == "cli"
            else "timeout=SECONDS (0 or None for none)")


@dataclass
class Job:
    """One job's budget. ``timeout`` is None for no wall clock."""

    timeout: float | None
    surface: Surface = "python"
    started: float = field(default_factory=time.monotonic)
    activity: str = ""
    partial: Any = None
    listener: Callable[[str], None] | None = None

    @property
    def deadline(self) -> float | None:
        return None if self.timeout is None else self.started + self.timeout

    def left(self) -> float | None:
        """Seconds left, possibly negative; None without a wall clock."""
        deadline = self.deadline
        return None if deadline is None else deadline - time.monotonic()

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def expired(self) -> bool:
        left = self.left()
        return left is not None and left <= 0

    def stop(self, what: str) -> BudgetExceeded:
        """The error for running out of time while doing ``what``."""
        doing_what = what or self.activity or "working"
        return BudgetExceeded(
            f"stopped while {doing_what}: the time budget of {self.timeout:g} s ran out; give "
            f"it more time with {timeout_option(self.surface)}",
            kind="time", what=doing_what, partial=self.partial)


@dataclass(frozen=True)
class Stopped:
    """Why an answer is partial: the budget ran out (``kind`` time or size) or the job was
    interrupted (``kind`` interrupted); ``message`` is the one line a user reads."""

    kind: Literal["time", "size", "interrupted"]
    message: str

    def to_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "message": self.message}

    @classmethod
    def of(cls, err: BudgetExceeded) -> Stopped:
        return cls(err.kind, str(err))


_CURRENT: ContextVar[Job | None] = ContextVar("chainrule_budget_job", default=None)


def _seconds(timeout: float | None) -> float | None:
    if timeout is None:
        return None
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or timeout != timeout:
        from chainrule.errors import UsageError
        raise UsageError(f"timeout must be a number of seconds (0 or None for none), "
                         f"not {timeout!r}")
    if timeout < 0:
        from chainrule.errors import UsageError
        raise UsageError(f"timeout must be 0 or more seconds, not {timeout!r}")
    return None if timeout == 0 or timeout == float("inf") else float(timeout)


@contextmanager
def job(timeout: float | None = DEFAULT_TIMEOUT, *, surface: Surface = "python",
        listener: Callable[[str], None] | None = None) -> Iterator[Job]:
    """Open a job with ``timeout`` seconds of wall clock (0 or None: none) for the block;
    inside a job already open, join that one instead (its budget governs)."""
    outer = _CURRENT.get()
    if outer is not None:
        yield outer
        return
    opened = Job(_seconds(timeout), surface, listener=listener)
    token = _CURRENT.set(opened)
    try:
        yield opened
    finally:
        _CURRENT.reset(token)


def current() -> Job:
    """The job open now; outside any, a fresh one with the default budget (not kept open)."""
    open_job = _CURRENT.get()
    return open_job if open_job is not None else Job(DEFAULT_TIMEOUT)


def remaining(cap: float) -> float:
    """``cap`` seconds, or the time the job has left if that is less — never below
    :data:`FLOOR`, so a caller can still run a quick step."""
    open_job = _CURRENT.get()
    left = None if open_job is None else open_job.left()
    if left is None:
        return cap
    return max(FLOOR, min(cap, left))


def check(what: str = "") -> None:
    """Raise :class:`BudgetExceeded` if the job's time is up; ``what`` names the work
    ("proving derivative 5 of 13") for the message."""
    open_job = _CURRENT.get()
    if open_job is not None and open_job.expired():
        raise open_job.stop(what)


class Interrupted(BaseException):
    """SIGINT or SIGTERM arrived during a job (raised by :func:`interrupt`, the command
    line's signal handler). A ``BaseException``, like ``KeyboardInterrupt``, so no
    ``except Exception`` on the way swallows it; the command line catches it, shows the
    job's answer so far and exits 128 + ``signum`` (130, 143)."""

    def __init__(self, signum: int) -> None:
        import signal
        self.signum = signum
        self.name = signal.Signals(signum).name
        super().__init__(f"interrupted by {self.name}")


def interrupt(signum: int, frame: object) -> None:
    """A signal handler: raise :class:`Interrupted` in the main thread."""
    raise Interrupted(signum)


_ticks = 0


def tick(what: str = "") -> None:
    """:func:`check`, but reading the clock only every :data:`TICK_EVERY` calls: for the
    inner loops of the engine."""
    global _ticks
    _ticks += 1
    if _ticks >= TICK_EVERY:
        _ticks = 0
        check(what)


def too_big(what: str, size: int, most: int, hint: str) -> BudgetExceeded:
    """The error for a result over a size limit: ``what`` has ``size`` (more than ``most``);
    ``hint`` says what to ask for instead."""
    open_job = _CURRENT.get()
    return BudgetExceeded(f"{what} has {size:,} nodes, more than the {most:,} a result may "
                          f"have; {hint}", kind="size", what=what,
                          partial=None if open_job is None else open_job.partial)


def doing(what: str) -> None:
    """Say what the job is doing now (for progress on a terminal and for the message if the
    time runs out), then :func:`check`."""
    open_job = _CURRENT.get()
    if open_job is None:
        return
    open_job.activity = what
    if open_job.listener is not None:
        open_job.listener(what)
    check(what)


def keep(answer: Any) -> None:
    """Keep ``answer`` as the job's answer so far: a :class:`BudgetExceeded` (or an
    interruption) from now on carries it as its ``partial``."""
    open_job = _CURRENT.get()
    if open_job is not None:
        open_job.partial = answer
