"""The documentation's examples are run and must print what the pages show."""

from __future__ import annotations

import doctest
import importlib.util
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PYCON = re.compile(r"```pycon\n(.*?)```", re.S)


def _load_updater():
    spec = importlib.util.spec_from_file_location("update_examples",
                                                  ROOT / "docs" / "update_examples.py")
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(module)
    return module


updater = _load_updater()


@pytest.mark.parametrize("page", updater.PAGES, ids=lambda p: p.name)
def test_console_examples_print_what_the_page_shows(page: Path) -> None:
    old = page.read_text(encoding="utf-8")
    new = updater.regenerate(old)
    assert updater.same(old, new), (f"{page.name} is out of date with what the commands print; "
                        "run: python docs/update_examples.py --update")


def test_every_page_is_linked_from_the_index() -> None:
    index = (ROOT / "docs" / "index.md").read_text(encoding="utf-8")
    for page in (ROOT / "docs").glob("*.md"):
        if page.name != "index.md":
            assert f"({page.name})" in index, f"{page.name} is not linked from docs/index.md"


@pytest.mark.parametrize("page", updater.PAGES, ids=lambda p: p.name)
def test_python_examples_run(page: Path) -> None:
    text = page.read_text(encoding="utf-8")
    parser = doctest.DocTestParser()
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    for i, block in enumerate(PYCON.findall(text)):
        test = parser.get_doctest(block, {}, f"{page.name}[{i}]", str(page), 0)
        runner.run(test)
    assert runner.failures == 0, f"{runner.failures} Python example(s) in {page.name} failed"
