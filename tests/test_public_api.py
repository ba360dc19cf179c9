"""Each package's public names are exactly its ``__all__`` (and every name in it exists)."""

from __future__ import annotations

import importlib
import inspect

import pytest

PACKAGES = [
    "stockpile",
    "stockpile.reference",
    "stockpile.units",
    "stockpile.risk",
    "stockpile.market",
    "stockpile.simulate",
    "stockpile.plan",
    "stockpile.ledger",
]


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
