"""The backprop program now lives in :mod:`chainrule.backprop.program`; this module keeps
the old import path working."""

from chainrule.backprop.program import *  # noqa: F403
from chainrule.backprop.program import __all__  # noqa: F401
