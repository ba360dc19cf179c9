"""Fixtures of the simulation tests."""

from __future__ import annotations

import copy
import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from stockpile.simulate import ReferenceFrames, load_reference_frames


def _load_reference() -> ModuleType:
    name = "stockpile_tests_simulate_reference"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name("_reference.py"))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def reference() -> ModuleType:
    """The slow reference implementation (tests/simulate/_reference.py)."""
    return _load_reference()


@pytest.fixture(scope="session")
def frames() -> ReferenceFrames:
    """The bundled reference tables, loaded once."""
    return load_reference_frames()


BASE: dict[str, Any] = {
    "name": "test-case",
    "horizon_months": 12,
    "materials": ["antimony"],
    "baseline": {
        "overrides": {
            "antimony": {
                "us_consumption": 1200.0,
                "us_net_imports": 1200.0,
                "us_import_shares": {"CHN": 1.0},
                "source": "hand-made test case",
            }
        }
    },
    "assumptions": {
        "elasticity": {"demand": -0.2, "supply": 0.1},
        "demand_split": {"defence": 0.2, "essential": 0.3},
    },
    "events": [],
    "responses": [],
    "stockpile": {"trigger": "shortfall", "serve": ["defence", "essential", "other"]},
}


@pytest.fixture
def base() -> dict[str, Any]:
    """A small hand-made scenario as plain data (a fresh copy per test)."""
    return copy.deepcopy(BASE)
