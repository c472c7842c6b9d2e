"""The SymPy bridge now lives in :mod:`chainrule.verify.sympy_bridge` (the only place,
with the full simplifier, that imports SymPy); this module keeps the old import path
working."""

from chainrule.verify.sympy_bridge import *  # noqa: F403
from chainrule.verify.sympy_bridge import __all__  # noqa: F401
