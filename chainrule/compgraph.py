"""The computational graph now lives in :mod:`chainrule.backprop.graph`; this module keeps
the old import path working."""

from chainrule.backprop.graph import *  # noqa: F403
from chainrule.backprop.graph import __all__  # noqa: F401
