"""The choices of every option, as ``Literal`` types: the API's signatures, the command
line's choices and the web API read them from here.

    >>> from typing import get_args
    >>> get_args(VerifyMode)
    ('final', 'steps', 'off')
    >>> choose("light", SimplifyMode, "simplify mode")
    'light'
    >>> choose("fast", SimplifyMode, "simplify mode")
    Traceback (most recent call last):
    ...
    chainrule.errors.UsageError: unknown simplify mode 'fast'; choose none, light or full

The first choice of each is not necessarily the default; the defaults are in the
signatures (``diff(..., simplify="light", verify="final", detail="normal")``).
"""

from __future__ import annotations

from typing import Any, Literal, get_args

from chainrule.errors import UsageError

__all__ = ["Detail", "SimplifyMode", "VerifyMode", "GradientVerifyMode",
           "GradientSimplifyMode", "Confidence", "choose"]

Detail = Literal["brief", "normal", "full"]
"""How much a derivation shows: the chain of results, every step, or every step with
its rule written out."""

SimplifyMode = Literal["none", "light", "full"]
"""none: the rules' raw product; light: our own tidying (a textbook form); full: SymPy's
simplify within a time budget."""

VerifyMode = Literal["final", "steps", "off"]
"""final: prove the result against SymPy; steps: prove every step too; off: no proof."""

GradientVerifyMode = Literal["final", "off"]
"""grad and descend: prove every partial derivative, or none."""

GradientSimplifyMode = Literal["light", "none"]
"""grad: the partials tidied (light) or as the reverse sweep built them (none)."""

Confidence = Literal["high", "medium", "low"]
"""How sure a diagnosis of an answer's mistake is: high (an exact match with the
catalogue at enough points), medium (fewer points), low (a lead, not a finding)."""


def choose(value: Any, option: Any, what: str) -> Any:
    """``value`` if it is one of the choices of ``option`` (a ``Literal`` above), else a
    :class:`UsageError` that lists them."""
    choices: tuple[str, ...] = get_args(option)
    if isinstance(value, str) and value in choices:
        return value
    listed = ", ".join(choices[:-1]) + " or " + choices[-1]
    raise UsageError(f"unknown {what} {value!r}; choose {listed}")
