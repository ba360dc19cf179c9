"""A hand-solved disruption shared by the planner's use-case tests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest


def _hand_case(material: str, name: str) -> dict[str, Any]:
    # consumption 100 t/month (defence 20, essential 80), all imported from China; 30 %
    # withheld for 6 months leaves 70 t: an essential gap of 30 t/month, 180 t in all
    return {
        "name": name,
        "horizon_months": 12,
        "materials": [material],
        "baseline": {
            "overrides": {
                material: {
                    "us_consumption": 1200.0,
                    "us_net_imports": 1200.0,
                    "us_import_shares": {"CHN": 1.0},
                    "source": "hand-made test case",
                }
            }
        },
        "assumptions": {
            "elasticity": {"demand": -0.2, "supply": 0.1},
            "demand_split": {"defence": 0.2, "essential": 0.8},
        },
        "events": [
            {
                "kind": "export_control",
                "id": "cut",
                "country": "CHN",
                "targets": ["USA"],
                "materials": [material],
                "withheld_share": 0.3,
                "start_month": 0,
                "duration_months": 6,
            }
        ],
        "responses": [],
        "stockpile": {"trigger": "shortfall", "serve": ["defence", "essential"]},
    }


@pytest.fixture
def hand_case() -> Callable[[str, str], dict[str, Any]]:
    """``hand_case(material, name)``: a scenario mapping of the hand-solved 30 t/month gap."""
    return _hand_case
