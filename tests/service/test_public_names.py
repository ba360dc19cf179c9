"""Every module of the service declares ``__all__`` and every name in it exists."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import stockpile.service


def _modules() -> list[str]:
    out = []
    for pkg in ("stockpile.service", "stockpile.service.routes", "stockpile.service.web"):
        path = importlib.import_module(pkg).__path__
        out += [
            f"{pkg}.{m.name}"
            for m in pkgutil.iter_modules(path)
            if not m.name.startswith("_") and m.name not in ("cli", "migrations")
        ]
    return sorted(out)


MODULES = _modules()


@pytest.mark.parametrize("name", MODULES)
def test_all_names_exist(name: str) -> None:
    module = importlib.import_module(name)
    assert hasattr(module, "__all__"), name
    missing = [n for n in module.__all__ if not hasattr(module, n)]
    assert missing == []
    assert len(set(module.__all__)) == len(module.__all__)


def test_package_surface() -> None:
    assert set(stockpile.service.__all__) == {
        "PERMISSIONS",
        "Permission",
        "Role",
        "ServiceConfigError",
        "ServiceSettings",
    }
