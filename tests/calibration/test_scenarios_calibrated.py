"""The built-in scenarios draw their elasticities from the calibrated ranges, and say so."""

from __future__ import annotations

import numpy as np
import pytest

from stockpile.calibration import (
    family_of,
    load_calibration,
    scenario_dynamics,
    scenario_elasticities,
)
from stockpile.simulate import Triangular, builtin_scenarios, resolve_scenario


@pytest.mark.parametrize("name", sorted(builtin_scenarios()))
def test_builtin_elasticities_are_the_calibrated_ones(name: str) -> None:
    calibrated = scenario_elasticities(load_calibration().posterior)
    scenario, _ = resolve_scenario(name)
    assumptions = scenario.assumptions
    for material in scenario.materials:
        spec = assumptions.elasticity_by_material.get(material, assumptions.elasticity)
        family = family_of(material).value
        assert "calibrated" in spec.rationale and family in spec.rationale, (material, spec)
        for side in ("demand", "supply"):
            dist = getattr(spec, side)
            assert isinstance(dist, Triangular), (material, side)
            got = (dist.low, dist.mode, dist.high)
            assert got == pytest.approx(calibrated[family][side], abs=1e-9), (material, side)


@pytest.mark.parametrize("name", sorted(builtin_scenarios()))
def test_builtin_dynamics_and_cap_are_the_calibrated_ones(name: str) -> None:
    posterior = load_calibration().posterior
    calibrated = scenario_dynamics(posterior)
    scenario, _ = resolve_scenario(name)
    dynamics = scenario.market.dynamics
    assert dynamics is not None and "calibrated" in dynamics.rationale
    for field, want in calibrated.items():
        dist = getattr(dynamics, field)
        assert isinstance(dist, Triangular), field
        assert (dist.low, dist.mode, dist.high) == pytest.approx(want, abs=1e-9), field
    cap = float(np.median(posterior.frame()["max_price_ratio"]))
    assert scenario.market.max_price_ratio == pytest.approx(cap, rel=5e-3)
