"""The format registry: every output format, by name, for every kind of result.

The command line's ``--format`` choices, ``Result.render`` and the display hooks all read
:data:`FORMATS`, so a new format is one :func:`register_format` call:

    >>> from chainrule.render.formats import FORMATS, formats_for
    >>> formats_for("check")
    ('rich', 'plain', 'json', 'latex', 'markdown')
    >>> FORMATS["python"].kinds
    frozenset({'gradient'})

A text format writes the result's document (``result.document(width, **options)``); JSON
writes the result's own data (``result.to_json(**options)``). Writers are imported when a
format is used, so the registry costs nothing at start-up.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from chainrule.errors import UsageError

if TYPE_CHECKING:
    from chainrule.results import Result

__all__ = ["Format", "FORMATS", "register_format", "formats_for", "render"]

DEFAULT_WIDTH = 80

# (result, width or None, options) → the text, ending with a newline
Write = Callable[["Result", "int | None", dict[str, Any]], str]


@dataclass(frozen=True)
class Format:
    """One output format: its name, one line of help, its writer, and the kinds of result
    it applies to (None: every kind)."""

    name: str
    help: str
    write: Write
    kinds: frozenset[str] | None = None

    def applies_to(self, kind: str) -> bool:
        return self.kinds is None or kind in self.kinds


FORMATS: dict[str, Format] = {}


def register_format(fmt: Format) -> Format:
    """Add (or replace) a format; it is offered wherever it applies at once."""
    FORMATS[fmt.name] = fmt
    return fmt


def formats_for(kind: str) -> tuple[str, ...]:
    """The names of the formats a kind of result can be written in, in registry order."""
    return tuple(name for name, f in FORMATS.items() if f.applies_to(kind))


def render(result: Result, name: str, *, width: int | None = None, **options: Any) -> str:
    """``result`` written in the format ``name``; options go to the result's document."""
    fmt = FORMATS.get(name)
    if fmt is None or not fmt.applies_to(result.kind):
        raise UsageError(f"a {result.kind} cannot be written as {name!r}; choose one of "
                         + ", ".join(formats_for(result.kind)))
    return fmt.write(result, width, options)


# ── the formats ────────────────────────────────────────────────────────────────
def _plain(result: Result, width: int | None, options: dict[str, Any]) -> str:
    from chainrule.render.plain import write_plain
    w = width or DEFAULT_WIDTH
    return write_plain(result.document(w, **options), w)


def _rich(result: Result, width: int | None, options: dict[str, Any]) -> str:
    """On the ``console`` option when one is given (then nothing is returned), else as
    text with the terminal's escape codes."""
    import io

    from rich.console import Console

    from chainrule.render.rich import write_rich
    console = options.pop("console", None)
    if console is not None:
        write_rich(result.document(width or console.width, **options), console, width)
        return ""
    buffer = io.StringIO()
    console = Console(file=buffer, width=width or DEFAULT_WIDTH, highlight=False,
                      force_terminal=True)
    write_rich(result.document(console.width, **options), console)
    return buffer.getvalue()


def _latex(result: Result, width: int | None, options: dict[str, Any]) -> str:
    from chainrule.render.latex import write_latex
    return write_latex(result.document(None, **options)) + "\n"


def _markdown(result: Result, width: int | None, options: dict[str, Any]) -> str:
    from chainrule.render.markdown import write_markdown
    return write_markdown(result.document(None, **options))


def _json(result: Result, width: int | None, options: dict[str, Any]) -> str:
    """The JSON document; options that only change the text (graph, detail) are not data."""
    data = {k: v for k, v in options.items() if k in result.json_options}
    text: str = result.to_json(**data)
    return text + "\n"


def _python(result: Result, width: int | None, options: dict[str, Any]) -> str:
    program: str = result.program(numpy=bool(options.get("numpy", False)))  # type: ignore[attr-defined]
    return program


register_format(Format("rich", "colour for a terminal (plain when the output is not one)", _rich))
register_format(Format("plain", "plain text", _plain))
register_format(Format("json", "the versioned JSON document", _json))
register_format(Format("latex", "an amsmath align* block", _latex))
register_format(Format("markdown", "Markdown with math in $…$", _markdown))
register_format(Format("python", "a standalone program computing J and its gradient", _python,
                       frozenset({"gradient"})))
