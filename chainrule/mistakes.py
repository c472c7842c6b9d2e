"""The mistake catalogue now lives in :mod:`chainrule.checking.mistakes`; this module keeps
the old import path working."""

from chainrule.checking.mistakes import *  # noqa: F403
from chainrule.checking.mistakes import __all__  # noqa: F401
