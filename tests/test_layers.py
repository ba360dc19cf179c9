"""Every top-level module of the package falls under the import rules ``make lint`` checks."""

from __future__ import annotations

import pkgutil
import tomllib
from pathlib import Path

import stockpile

PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"
UPPER = {"stockpile.ledger", "stockpile.usecases", "stockpile.service"}


def _contracts() -> list[dict[str, object]]:
    config = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))
    contracts: list[dict[str, object]] = config["tool"]["importlinter"]["contracts"]
    return contracts


def test_every_module_is_under_a_contract() -> None:
    modules = {f"stockpile.{m.name}" for m in pkgutil.iter_modules(stockpile.__path__)}
    computation = _contracts()[0]
    assert computation["forbidden_modules"] == sorted(UPPER)
    listed = set(computation["source_modules"])  # type: ignore[arg-type]
    assert modules - UPPER == listed, "add new computation modules to the first contract"


def test_upper_layers_are_ordered() -> None:
    rules = {
        c["name"]: (tuple(c["source_modules"]), tuple(c["forbidden_modules"]))  # type: ignore[arg-type]
        for c in _contracts()[1:]
    }
    assert (("stockpile.ledger",), ("stockpile.service", "stockpile.usecases")) in {
        (s, tuple(sorted(f))) for s, f in rules.values()
    }
    assert (("stockpile.usecases",), ("stockpile.service",)) in set(rules.values())
