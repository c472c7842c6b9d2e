"""Backpropagation: the reverse sweep, the computational graph, the generated program,
gradients and gradient descent.

    >>> from chainrule.parser import parse
    >>> sweep = reverse_sweep(parse("x*y"), ["x", "y"])
    >>> str(sweep.partials["x"]), str(sweep.partials["y"])
    ('y', 'x')

Modules, in pipeline order: :mod:`~chainrule.backprop.sweep` (all partials in one reverse
sweep with shared subexpressions), :mod:`~chainrule.backprop.graph` (named intermediates
and the local derivative on each edge), :mod:`~chainrule.backprop.program` (J and its
gradient as a standalone Python function), :mod:`~chainrule.backprop.gradients`
(:func:`chainrule.grad`) and :mod:`~chainrule.backprop.descent` (:func:`chainrule.descend`).
This package re-exports the sweep, as ``chainrule.backprop`` offered before it was a folder.
"""

from __future__ import annotations

from chainrule.backprop.sweep import (
    LOCAL,
    Sweep,
    local_derivative,
    operation_count,
    reverse_sweep,
    times,
)

__all__ = ["Sweep", "reverse_sweep", "local_derivative", "LOCAL", "operation_count", "times"]
