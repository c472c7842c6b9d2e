"""Gradients now live in :mod:`chainrule.backprop.gradients`; this module keeps the old
import path working."""

from chainrule.backprop.gradients import *  # noqa: F403
from chainrule.backprop.gradients import __all__  # noqa: F401
