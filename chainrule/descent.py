"""Gradient descent now lives in :mod:`chainrule.backprop.descent`; this module keeps the
old import path working."""

from chainrule.backprop.descent import *  # noqa: F403
from chainrule.backprop.descent import __all__, plot_descent  # noqa: F401
