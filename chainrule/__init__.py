"""chainrule: symbolic differentiation that shows its work.

    >>> import chainrule
    >>> d = chainrule.diff("sin(x**2)")
    >>> str(d.result)
    '2*x*cos(x**2)'

Importing the package is cheap: SymPy and rich load only when a feature needs them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chainrule.errors import (
    BudgetExceeded,
    ChainruleError,
    DifferentiationError,
    ParseError,
    UndefinedError,
    UsageError,
    VerificationError,
)
from chainrule.expr import Expr

if TYPE_CHECKING:
    from chainrule.api import Derivation, Stage, diff
    from chainrule.backprop.descent import Descent, descend
    from chainrule.backprop.gradients import GradResult, PointReport, grad
    from chainrule.checking import CheckResult, Mistake, check
    from chainrule.functions import define_function
    from chainrule.letform import LetForm, let_form
    from chainrule.parser import parse
    from chainrule.render.document import Document
    from chainrule.render.formats import register_format
    from chainrule.results import Result
    from chainrule.slope import Slope
    from chainrule.steps import Step
    from chainrule.verify import Verification

__all__ = [
    # the verbs
    "diff", "grad", "descend", "check", "parse", "let_form",
    # what they return (every result renders itself: to_text, to_latex, to_markdown, to_json)
    "Result", "Derivation", "Stage", "Slope", "GradResult", "PointReport", "CheckResult",
    "Mistake", "Descent", "Verification", "LetForm", "Document",
    # the trees
    "Expr", "Step",
    # extending chainrule: a function, a format
    "define_function", "register_format",
    # errors
    "ChainruleError", "ParseError", "VerificationError", "DifferentiationError",
    "UndefinedError", "UsageError", "BudgetExceeded",
]
__version__ = "0.1.0"

_LAZY = {
    "diff": "chainrule.api", "Derivation": "chainrule.api", "Stage": "chainrule.api",
    "parse": "chainrule.parser", "Slope": "chainrule.slope", "Result": "chainrule.results",
    "Descent": "chainrule.backprop.descent", "PointReport": "chainrule.backprop.gradients",
    "Mistake": "chainrule.checking", "Document": "chainrule.render.document",
    "define_function": "chainrule.functions", "register_format": "chainrule.render.formats",
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
