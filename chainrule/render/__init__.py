"""Renderers: one step tree, many outputs (plain text, rich, JSON, LaTeX).

``_outline`` turns a derivation into lines of styled segments, one function per step
class; ``plain`` and ``rich`` print those lines, ``json`` and ``latex`` walk the steps
themselves. Heavy imports (rich) happen inside the module that needs them.
"""

FORMATS = ("rich", "plain", "json", "latex")
