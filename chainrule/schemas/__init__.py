"""JSON Schemas (draft 2020-12) for every kind of document chainrule writes.

One file per ``kind`` — ``derivation``, ``gradient``, ``check``, ``descent`` and ``error`` —
beside ``common.schema.json``, which holds what they share (the verification object, the
step node, …) and which they reference by ``$id`` (``urn:chainrule:<kind>-1.3``). Nothing
is fetched: the references resolve among these files only.

    >>> import chainrule
    >>> from chainrule.schemas import schema, validate
    >>> validate(chainrule.diff("sin(x**2)", verify="off").to_dict())   # None: it is valid
    >>> schema("derivation")["properties"]["kind"]
    {'const': 'derivation'}

``validate`` needs the ``jsonschema`` package (``pip install "chainrule[schema]"``); it is
imported only when called, so ``import chainrule`` stays fast.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from functools import cache
from importlib import resources
from types import FrameType
from typing import Any

__all__ = ["KINDS", "VERSION", "schema", "validate"]

VERSION = "1.3"
KINDS = ("derivation", "gradient", "check", "descent", "error")
_FILES = (*KINDS, "common")


def _text(name: str) -> str:
    return resources.files(__name__).joinpath(f"{name}.schema.json").read_text("utf-8")


def schema(kind: str) -> dict[str, Any]:
    """The JSON Schema of one kind of document (or ``"common"``), a fresh dict each call."""
    if kind not in _FILES:
        raise ValueError(f"no schema for kind {kind!r}; the kinds are {', '.join(KINDS)}")
    loaded: dict[str, Any] = json.loads(_text(kind))
    return loaded


@cache
def _validator(kind: str) -> Any:
    from jsonschema import Draft202012Validator  # type: ignore[import-untyped,unused-ignore]
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012

    found = [schema(name) for name in _FILES]
    # A registry with no retrieve function: a reference outside these files is an error,
    # never a download.
    registry: Registry[Any] = Registry().with_resources(
        (s["$id"], Resource.from_contents(s, default_specification=DRAFT202012))
        for s in found)
    return Draft202012Validator(found[_FILES.index(kind)], registry=registry)


def validate(doc: Mapping[str, Any]) -> None:
    """Check a document (``to_dict()``, or ``json.loads`` of ``--format json``) against the
    schema of its ``kind``. Returns None; raises :class:`jsonschema.ValidationError` saying
    what is wrong and where."""
    from jsonschema import ValidationError  # type: ignore[import-untyped,unused-ignore]
    kind = doc.get("kind") if isinstance(doc, Mapping) else None
    if not isinstance(kind, str) or kind not in KINDS:
        raise ValidationError(f"the document's kind must be one of {', '.join(KINDS)}, "
                              f"not {kind!r}", validator="enum", validator_value=list(KINDS),
                              instance=kind, path=["kind"])
    # jsonschema recurses into the step tree, a few Python frames per level of JSON, and a
    # document may nest a step tree 400 levels deep (two levels of JSON each): give it the
    # room for this call only.
    needed = _stack_depth() + _FRAMES_PER_LEVEL * _nesting(doc) + 200
    limit = sys.getrecursionlimit()
    if needed > limit:
        sys.setrecursionlimit(needed)
    try:
        _validator(kind).validate(doc)
    finally:
        if needed > limit:
            sys.setrecursionlimit(limit)


_FRAMES_PER_LEVEL = 6   # measured: about 2.5 with jsonschema 4.26


def _nesting(doc: Any) -> int:
    """Levels of objects and arrays in ``doc``, found without recursion."""
    deepest = 0
    stack = [(doc, 1)]
    while stack:
        node, level = stack.pop()
        if isinstance(node, Mapping):
            children: Any = node.values()
        elif isinstance(node, list | tuple):
            children = node
        else:
            continue
        deepest = max(deepest, level)
        stack.extend((child, level + 1) for child in children)
    return deepest


def _stack_depth() -> int:
    frame: FrameType | None = sys._getframe()
    depth = 0
    while frame is not None:
        frame, depth = frame.f_back, depth + 1
    return depth
