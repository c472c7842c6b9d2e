"""What every result offers: one document, written in every format.

A result — :class:`~chainrule.api.Derivation`, :class:`~chainrule.backprop.gradients.GradResult`,
:class:`~chainrule.checking.CheckResult`, :class:`~chainrule.backprop.descent.Descent` —
builds one :class:`~chainrule.render.document.Document` (its ``document`` method) and its
JSON (``to_dict``); this mixin gives it the rest: ``render`` in any registered format,
``to_text``, ``to_latex``, ``to_markdown``, ``to_json`` and the Jupyter display hooks.

    >>> import chainrule
    >>> g = chainrule.grad("x*y")
    >>> print(g.to_markdown().splitlines()[0])
    **Gradient of** $J = xy$

The renderers are imported only inside these methods, so a result costs nothing to make
until it is shown.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from chainrule.render.document import Document

__all__ = ["Result"]


class Result:
    """The formats of a result. Subclasses set ``kind`` and write ``document`` and
    ``to_dict``; the options they take (``detail``, ``graph``, ``point``, …) pass through."""

    kind: ClassVar[str]
    json_options: ClassVar[frozenset[str]] = frozenset()   # the options to_dict takes

    def document(self, width: int | None = None) -> Document:
        """The result as a document, laid out for ``width`` columns (None: lines whole).
        Subclasses add the keyword options their documents take."""
        raise NotImplementedError

    def to_dict(self) -> dict[str, Any]:
        """The JSON document (``schema``, ``kind``, …; see docs/json.md)."""
        raise NotImplementedError

    def to_json(self, indent: int | None = 2) -> str:
        """The JSON document as text (subclasses take the options of their ``to_dict``)."""
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)

    def render(self, format: str = "plain", *, width: int | None = None,
               **options: Any) -> str:
        """The result in a registered format (``chainrule.render.formats.FORMATS``)."""
        from chainrule.render.formats import render
        return render(self, format, width=width, **options)

    def to_text(self, width: int = 80, **options: Any) -> str:
        """Plain text, ``width`` columns wide, as the command line prints it."""
        return self.render("plain", width=width, **options)

    def to_latex(self, **options: Any) -> str:
        """A LaTeX ``align*`` block (amsmath)."""
        return self.render("latex", **options).rstrip("\n")

    def to_markdown(self, **options: Any) -> str:
        """Markdown with math in ``$…$`` (renders on GitHub and in Jupyter)."""
        return self.render("markdown", **options)

    def _repr_markdown_(self) -> str:
        """Jupyter: the result with typeset math."""
        return self.to_markdown()

    def _repr_latex_(self) -> str:
        """Jupyter (and other LaTeX front ends): the ``align*`` block."""
        return self.to_latex()
