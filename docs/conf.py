"""Sphinx configuration: the pages are MyST Markdown that also read as plain Markdown.

Build the site (warnings are errors, as in the test suite):

    python -m sphinx -W -b html docs docs/_build/html
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # autodoc imports the checkout, installed or not

import chainrule  # noqa: E402  (after the path is set)

# ── project ──────────────────────────────────────────────────────────────────
project = "chainrule"
author = "the chainrule authors"
copyright = "chainrule authors"
release = chainrule.__version__
version = ".".join(release.split(".")[:2])

# ── sources ──────────────────────────────────────────────────────────────────
extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
]
source_suffix = {".md": "markdown"}
root_doc = "index"
# Only the Markdown pages are sources: not the build, not the example runner.
exclude_patterns = ["_build", "update_examples.py", "conf.py", "Thumbs.db", ".DS_Store"]

# ── MyST ─────────────────────────────────────────────────────────────────────
myst_enable_extensions = ["colon_fence", "dollarmath", "deflist"]
myst_heading_anchors = 3        # pages link to #sections, as on a code host

# ── autodoc ──────────────────────────────────────────────────────────────────
autodoc_member_order = "bysource"
autodoc_typehints = "signature"
autodoc_typehints_format = "short"
autodoc_preserve_defaults = True
maximum_signature_line_length = 88  # longer signatures get one parameter per line

# ── HTML ─────────────────────────────────────────────────────────────────────
html_theme = "furo"
html_title = f"chainrule {release}"
html_static_path: list[str] = []
html_show_sourcelink = False
toc_object_entries_show_parents = "hide"   # "to_dict()", not "Derivation.to_dict()"
pygments_style = "friendly"
pygments_dark_style = "monokai"
