"""Release capacity in a plan: what the depots (and conversion) cannot deliver, per material.

The bare run of each scenario measures the servable gaps (:mod:`stockpile.simulate.routes`);
the planner sizes on those, and the rest of the gap, expected per class, is reported here as
"unmet beyond release capacity" in tonnes and at the value of lost use [USD].
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import numpy.typing as npt

from stockpile.plan import ShortfallSample
from stockpile.simulate import CompiledScenario
from stockpile.usecases.money import money
from stockpile.usecases.plan_terms import CapacityLine

__all__ = ["capacity_lines", "pool_beyond"]

FloatArray = npt.NDArray[np.float64]


def pool_beyond(parts: Sequence[Mapping[str, FloatArray]]) -> dict[str, FloatArray]:
    """Expected unmet demand beyond capacity [unit] per material and class, pooled over
    scenario sets with equal weight (as :func:`stockpile.plan.combine_samples`): a set that
    does not bound a material adds nothing."""
    if not parts:
        return {}
    out: dict[str, FloatArray] = {}
    for part in parts:
        for key, value in part.items():
            out[key] = out.get(key, np.zeros_like(value)) + value / len(parts)
    return out


def _t_per_unit(unit: str) -> float:
    from stockpile.units import exact_factor

    return float(exact_factor(unit, "metric_ton"))


def capacity_lines(
    beyond: Mapping[str, FloatArray],
    sample: ShortfallSample,
    models: Sequence[CompiledScenario],
    forms: Mapping[str, str] | None = None,
) -> list[CapacityLine]:
    """One :class:`CapacityLine` per planned material whose releases are bounded.

    Parameters
    ----------
    beyond : expected unmet demand beyond capacity per material and class [unit]
        (:func:`stockpile.plan.beyond_capacity`, pooled).
    sample : the planning sample (materials, units, classes, values of lost use [USD/unit]).
    models : the bare compiled scenarios (release capacity, purchase route).
    forms : the form bought per material (default: the arrival form).
    """
    values = sample.values
    lines = []
    for i, key in enumerate(sample.materials):
        if key not in beyond:
            continue
        unit = sample.units[i]
        release: float | None = None
        conversion: float | None = None
        lead: float | None = None
        for model in models:
            if key not in model.keys:
                continue
            j = model.keys.index(key)
            cap = model.release_capacity
            if cap is not None and math.isfinite(cap[j]):
                release = float(cap[j])
            route = model.route
            if route is not None and route.upstream[j]:
                conversion = float(route.conversion_capacity[j])
                lead = float(route.conversion_lead[j])
            break
        t = beyond[key] * _t_per_unit(unit)
        usd = beyond[key] * values[i]
        by_t = {c: float(v) for c, v in zip(sample.class_names, t, strict=True)}
        by_usd = {c: money(float(v)) for c, v in zip(sample.class_names, usd, strict=True)}
        lines.append(
            CapacityLine(
                material=key,
                unit=unit,
                form=(forms or {}).get(key, "arrival form"),
                release_capacity=release,
                conversion_capacity=conversion,
                conversion_lead=lead,
                unmet_t_before=by_t,
                unmet_t_after=dict(by_t),
                unmet_usd_before=by_usd,
                unmet_usd_after=dict(by_usd),
            )
        )
    return lines
