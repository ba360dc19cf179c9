"""Common random numbers: variants of a scenario share the draws of what they share."""

from __future__ import annotations

import copy
from dataclasses import fields
from typing import Any

import numpy as np

from stockpile.simulate import (
    EngineOutput,
    ReferenceFrames,
    compile_scenario,
    draw_range,
    parse_scenario,
    simulate,
)

_BAN = {
    "kind": "export_control",
    "id": "ban",
    "country": "CHN",
    "targets": ["USA"],
    "materials": ["antimony"],
    "withheld_share": {"dist": "uniform", "low": 0.3, "high": 1.0},
    "start_month": {"dist": "uniform", "low": 0, "high": 6},
    "duration_months": {"dist": "uniform", "low": 3, "high": 12},
    "probability": 0.7,
}


def _scenario(base: dict[str, Any], events: list[dict[str, Any]]) -> dict[str, Any]:
    data = copy.deepcopy(base)
    data["events"] = copy.deepcopy(events)
    data["assumptions"]["elasticity"] = {
        "demand": {"dist": "uniform", "low": -0.4, "high": -0.1},
        "supply": {"dist": "uniform", "low": 0.0, "high": 0.2},
    }
    return data


def test_an_added_event_leaves_the_shared_draws_unchanged(
    base: dict[str, Any], frames: ReferenceFrames
) -> None:
    cut = dict(_BAN, id="mine-outage", kind="outage", country="BOL")
    cut.pop("targets")
    cut["lost_share"] = cut.pop("withheld_share")
    one = compile_scenario(parse_scenario(_scenario(base, [_BAN])), frames=frames)
    two = compile_scenario(parse_scenario(_scenario(base, [cut, _BAN])), frames=frames)
    a, b = draw_range(one, 5, 0, 3000), draw_range(two, 5, 0, 3000)
    assert np.array_equal(a.ed, b.ed) and np.array_equal(a.es, b.es)
    for f in fields(a.events[0]):
        assert np.array_equal(getattr(a.events[0], f.name), getattr(b.events[1], f.name)), f.name
    assert np.array_equal(a.release_capacity_share, b.release_capacity_share)


def test_a_variant_identical_to_the_base_differs_by_exactly_zero(
    base: dict[str, Any], frames: ReferenceFrames
) -> None:
    data = _scenario(base, [_BAN])
    x = simulate(parse_scenario(data), runs=500, seed=9, frames=frames).output
    y = simulate(parse_scenario(copy.deepcopy(data)), runs=500, seed=9, frames=frames).output
    for f in fields(EngineOutput):
        if f.name not in ("paths", "servable_by_class"):
            assert np.array_equal(getattr(x, f.name), getattr(y, f.name), equal_nan=True)
