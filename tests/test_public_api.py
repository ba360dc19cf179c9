"""Each package's public names are exactly its ``__all__`` (and every name in it exists)."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest

import stockpile

#: the top-level package and each public module or package directly under it
_SUBMODULES = sorted(
    f"stockpile.{m.name}"
    for m in pkgutil.iter_modules(stockpile.__path__)
    if not m.name.startswith("_")
)
PACKAGES = ["stockpile", *_SUBMODULES]


@pytest.mark.parametrize("name", PACKAGES)
def test_public_names_are_all(name: str) -> None:
    module = importlib.import_module(name)
    declared = set(module.__all__)
    public = {
        n
        for n, v in vars(module).items()
        if not n.startswith("_") and not inspect.ismodule(v) and n != "annotations"
    }
    assert public == {n for n in declared if not n.startswith("_")}
    assert all(hasattr(module, n) for n in declared)
    assert len(module.__all__) == len(declared), "duplicates in __all__"
