"""The built-in scenarios draw their elasticities from the calibrated ranges, and say so."""

from __future__ import annotations

import pytest

from stockpile.calibration import family_of, load_calibration, scenario_elasticities
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
