"""Proof: every derivative is checked against SymPy's before anyone sees it.

    >>> from chainrule.parser import parse
    >>> verify_derivative(parse("sin(x**2)"), "x", parse("2*x*cos(x**2)")).status
    'symbolic'

This folder is the only part of chainrule that imports SymPy (besides the full simplifier),
and only inside the functions that need it, so importing it stays cheap. Modules:
:mod:`~chainrule.verify.derivative` (:func:`verify_derivative` and the
:class:`Verification` it returns), :mod:`~chainrule.verify.equivalence` (whether two
expressions are equal, shared by the proof and by answer checking),
:mod:`~chainrule.verify.exact` (exact values at a point, for the slope) and
:mod:`~chainrule.verify.sympy_bridge` (conversion to and from SymPy).
"""

from __future__ import annotations

from chainrule.verify.derivative import Verification, VerifyMode, skipped, verify_derivative

__all__ = ["Verification", "VerifyMode", "verify_derivative", "skipped"]
