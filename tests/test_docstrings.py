"""Every example in a docstring runs: the API pages of the docs are made from them."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import chainrule

MODULES = sorted(m.name for m in pkgutil.walk_packages(chainrule.__path__, "chainrule.")
                 if m.name != "chainrule.__main__")


def test_the_package_has_modules_with_examples() -> None:
    # The parametrised test below would pass vacuously if discovery found nothing.
    finder = doctest.DocTestFinder()
    examples = sum(len(t.examples) for name in MODULES
                   for t in finder.find(importlib.import_module(name)))
    assert len(MODULES) > 20 and examples > 30


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(name)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    for test in doctest.DocTestFinder().find(module):
        runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples in {name} failed"
