"""chainrule: symbolic differentiation that shows its work.

    >>> import chainrule
    >>> d = chainrule.diff("sin(x**2)")
    >>> str(d.result)
    '2*x*cos(x**2)'

Importing the package is cheap: SymPy and rich load only when a feature needs them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chainrule.errors import (ChainruleError, DifferentiationError, ParseError,
                              UndefinedError, UsageError, VerificationError)
from chainrule.expr import Expr

if TYPE_CHECKING:
    from chainrule.api import Derivation, diff
    from chainrule.backprop.descent import descend
    from chainrule.backprop.gradients import GradResult, grad
    from chainrule.checking import CheckResult, check
    from chainrule.letform import LetForm, let_form
    from chainrule.parser import parse
    from chainrule.steps import Step
    from chainrule.verify import Verification

__all__ = [
    "diff", "grad", "descend", "parse", "Derivation", "GradResult", "Expr", "Step", "Verification",
    "ChainruleError", "ParseError", "VerificationError", "DifferentiationError", "UndefinedError",
    "check", "CheckResult", "UsageError", "let_form", "LetForm",
]
__version__ = "0.1.0"

_LAZY = {
    "diff": "chainrule.api", "Derivation": "chainrule.api", "parse": "chainrule.parser",
    "Step": "chainrule.steps", "Verification": "chainrule.verify",
    "grad": "chainrule.backprop.gradients", "GradResult": "chainrule.backprop.gradients",
    "descend": "chainrule.backprop.descent",
    "check": "chainrule.checking", "CheckResult": "chainrule.checking",
    "let_form": "chainrule.letform", "LetForm": "chainrule.letform",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'chainrule' has no attribute {name!r}")
    import importlib
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
