"""The documentation builds as a Sphinx site with no warnings, and has the pages it should.

The build needs the docs extra (``pip install -e ".[docs]"``): without it this test fails
and says what to install, rather than passing silently.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    missing = [m for m in ("sphinx", "myst_parser", "furo") if importlib.util.find_spec(m) is None]
    assert not missing, (f"cannot build the docs: {', '.join(missing)} not installed; "
                         'run: pip install -e ".[docs]"')
    out = tmp_path_factory.mktemp("html")
    # -W: a warning (a broken link, a page outside the toctree, a bad docstring) fails;
    # --keep-going reports all of them at once. -E: no cached environment.
    done = subprocess.run([sys.executable, "-m", "sphinx", "-W", "--keep-going", "-E", "-q",
                           "-b", "html", str(DOCS), str(out)],
                          capture_output=True, text=True, cwd=ROOT, timeout=300, check=False)
    assert done.returncode == 0, f"the Sphinx build failed:\n{done.stdout}\n{done.stderr}"
    return out


def test_every_page_is_built(site: Path) -> None:
    pages = sorted(p.stem for p in DOCS.glob("*.md"))
    missing = [p for p in pages if not (site / f"{p}.html").is_file()]
    assert not missing, f"pages not built: {missing}"


def test_index_has_the_sections(site: Path) -> None:
    html = (site / "index.html").read_text(encoding="utf-8")
    assert "chainrule documentation" in html
    for caption in ("Getting started", "Tutorial", "How-to guides", "Reference",
                    "Performance", "Design"):
        assert caption in html, f"the index has no section {caption!r}"


def test_tutorial_is_in_the_site(site: Path) -> None:
    html = (site / "tutorial.html").read_text(encoding="utf-8")
    assert "Tutorial" in html and "<h1>" in html


def test_api_reference_is_generated_from_docstrings(site: Path) -> None:
    html = (site / "api-reference.html").read_text(encoding="utf-8")
    for name in ("chainrule.diff", "chainrule.Derivation", "chainrule.grad",
                 "chainrule.check", "chainrule.parse", "chainrule.ParseError"):
        assert f'id="{name}"' in html, f"{name} is not documented in the API reference"
    # a sentence that exists only in a docstring
    assert "Differentiate with steps and proof." in html


def test_links_between_pages_resolve(site: Path) -> None:
    html = (site / "api.html").read_text(encoding="utf-8")
    assert 'href="api-reference.html"' in html
    assert 'href="functions.html#rules"' in html
