"""Answer checking: is a learner's derivative right, and if not, which mistake explains it?

    >>> import chainrule
    >>> chainrule.check("sin(x**2)", "2*x*cos(x**2)").correct
    True

Modules: :mod:`~chainrule.checking.checker` (:func:`chainrule.check`, its results and the
search for the mistake) and :mod:`~chainrule.checking.mistakes` (the catalogue of mistake
kinds; how to add one is in its docstring). Whether two expressions are equal is decided
by :mod:`chainrule.verify.equivalence`, shared with the proof of every derivative.
"""

from __future__ import annotations

from chainrule.checking.checker import (
    CheckResult,
    Comparison,
    Disagreement,
    Equivalence,
    Mistake,
    check,
    display,
    rule_form,
)

__all__ = ["check", "CheckResult", "Mistake", "Equivalence", "Disagreement", "Comparison",
           "display", "rule_form"]
