"""Variants of a scenario side by side, on common random numbers.

A variant is the base scenario with some levers, events or responses added and some events
dropped (a scenario's ``variants:`` section, or another whole scenario). Every uncertain input
draws from its own keyed stream (:mod:`stockpile.simulate.draws`), so the base and a variant
draw the same numbers for what they share: the run-by-run difference ``d_i = v_i - b_i`` is the
effect of what differs, not sampling noise. Each difference is reported as its mean over runs
with a 95% interval ``mean +/- 1.96 sd(d) / sqrt(S)``; a variant identical to the base differs by
exactly zero.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field

from stockpile.simulate.baseline import ReferenceFrames
from stockpile.simulate.compile import CompiledScenario, compile_scenario
from stockpile.simulate.errors import Problem, ScenarioError
from stockpile.simulate.results import SimulationResult
from stockpile.simulate.run import simulate
from stockpile.simulate.scenario import Scenario, Variant

__all__ = [
    "Comparison",
    "Difference",
    "MaterialMetrics",
    "VariantResult",
    "apply_variant",
    "compare_scenarios",
    "difference",
]

FloatArray = npt.NDArray[np.float64]


class Difference(BaseModel):
    """Mean run-by-run difference (variant - base) with its 95% interval."""

    model_config = ConfigDict(frozen=True)

    mean: float | None
    low: float | None
    high: float | None


def _num(v: float) -> float | None:
    return None if not math.isfinite(v) else float(v)


def difference(variant: FloatArray, base: FloatArray) -> Difference:
    """Mean of ``variant - base`` over the runs where both are finite, with a 95% interval."""
    d = np.asarray(variant, dtype=np.float64) - np.asarray(base, dtype=np.float64)
    d = d[np.isfinite(d)]
    if d.size == 0:
        return Difference(mean=None, low=None, high=None)
    mean = float(d.mean())
    half = 1.96 * float(d.std(ddof=1)) / math.sqrt(d.size) if d.size > 1 else 0.0
    return Difference(mean=_num(mean), low=_num(mean - half), high=_num(mean + half))


class MaterialMetrics(BaseModel):
    """One material under one variant (means over runs; quantities in ``unit``).

    Attributes
    ----------
    shortfall : unmet U.S. demand over the horizon, all classes [unit].
    shortfall_by_class : the same by class (defence, essential, other) [unit].
    priority_short_probability : share of runs with unmet defence or essential demand [-].
    days_of_cover : initial holdings / daily U.S. demand of the served classes [day] (mean).
    days_of_cover_end : holdings left at the end of the horizon / the same daily demand [day]
        (mean): what a variant leaves in the stockpile.
    peak_price_ratio : highest P/P0 over the horizon, median over runs [-].
    mean_price_ratio : P/P0 averaged over the horizon, median over runs [-].
    diff_* : difference from the base on common random numbers (None for the base itself).
    """

    model_config = ConfigDict(frozen=True)

    material: str
    unit: str
    shortfall: float | None
    shortfall_by_class: dict[str, float | None]
    priority_short_probability: float | None
    days_of_cover: float | None
    days_of_cover_end: float | None
    peak_price_ratio: float | None
    mean_price_ratio: float | None
    diff_shortfall: Difference | None = None
    diff_priority_shortfall: Difference | None = None
    diff_days_of_cover: Difference | None = None
    diff_peak_price_ratio: Difference | None = None
    diff_mean_price_ratio: Difference | None = None


class VariantResult(BaseModel):
    """All materials under one variant."""

    model_config = ConfigDict(frozen=True)

    name: str
    title: str
    lever_notes: list[str]
    materials: list[MaterialMetrics]


class Comparison(BaseModel):
    """The base scenario and its variants on the same draws."""

    model_config = ConfigDict(frozen=True)

    kind: str = Field(default="compare")
    base: str
    runs: int
    seed: int
    horizon_months: int
    holdings_note: str
    variants: list[VariantResult]


def apply_variant(base: Scenario, variant: Variant) -> Scenario:
    """The base scenario with the variant's changes (events dropped, then items added)."""
    known = {e.id for e in base.events}
    unknown = [i for i in variant.drop_events if i not in known]
    if unknown:
        names = ", ".join(repr(i) for i in unknown)
        raise ScenarioError(
            f"<variant {variant.name}>", [Problem("drop_events", f"no event with id {names}")]
        )
    events = [e for e in base.events if e.id not in set(variant.drop_events)]
    events += list(variant.events)
    data = base.model_dump(mode="python")
    data.update(
        name=f"{base.name}--{variant.name}",
        title=variant.title or f"{base.title or base.name}: {variant.name}",
        events=[e.model_dump(mode="python") for e in events],
        responses=[r.model_dump(mode="python") for r in (*base.responses, *variant.responses)],
        levers=[lv.model_dump(mode="python") for lv in (*base.levers, *variant.levers)],
        variants=[],
    )
    return Scenario.model_validate(data)


def _metrics(result: SimulationResult, base: SimulationResult | None) -> list[MaterialMetrics]:
    out = result.output
    rows = []
    priority = out.shortfall_by_class[:, :, :2].sum(axis=2)
    total = out.shortfall_by_class.sum(axis=2)
    end = _end_cover(result)
    base_end = _end_cover(base) if base is not None else None
    for j, key in enumerate(result.keys):
        ok = bool(result.us_balance_available[j])
        nan = math.nan
        row: dict[str, object] = {
            "material": key,
            "unit": result.units[j],
            "shortfall": _num(float(total[:, j].mean())) if ok else None,
            "shortfall_by_class": {
                c: (_num(float(out.shortfall_by_class[:, j, i].mean())) if ok else None)
                for i, c in enumerate(("defence", "essential", "other"))
            },
            "priority_short_probability": _num(float(np.mean(priority[:, j] > 0)) if ok else nan),
            "days_of_cover": _num(float(np.nanmean(out.days_of_cover[:, j])))
            if np.isfinite(out.days_of_cover[:, j]).any()
            else None,
            "days_of_cover_end": _mean(end[:, j]),
            "peak_price_ratio": _num(float(np.median(out.peak_price_ratio[:, j]))),
            "mean_price_ratio": _num(float(np.median(out.mean_price_ratio[:, j]))),
        }
        if base is not None:
            b = base.output
            bj = base.keys.index(key) if key in base.keys else None
            if bj is not None and base_end is not None:
                row["diff_shortfall"] = difference(
                    total[:, j], b.shortfall_by_class.sum(axis=2)[:, bj]
                )
                row["diff_priority_shortfall"] = difference(
                    priority[:, j], b.shortfall_by_class[:, bj, :2].sum(axis=1)
                )
                row["diff_days_of_cover"] = difference(end[:, j], base_end[:, bj])
                row["diff_peak_price_ratio"] = difference(
                    out.peak_price_ratio[:, j], b.peak_price_ratio[:, bj]
                )
                row["diff_mean_price_ratio"] = difference(
                    out.mean_price_ratio[:, j], b.mean_price_ratio[:, bj]
                )
        rows.append(MaterialMetrics.model_validate(row))
    return rows


def _mean(values: FloatArray) -> float | None:
    finite = values[np.isfinite(values)]
    return _num(float(finite.mean())) if finite.size else None


def _end_cover(result: SimulationResult) -> FloatArray:
    """Days of cover left at the end: final stock x (initial days of cover / initial stock)."""
    out = result.output
    with np.errstate(divide="ignore", invalid="ignore"):
        per_unit = out.days_of_cover / result.initial_stock[None, :]
        cover: FloatArray = np.where(
            result.initial_stock[None, :] > 0, out.final_stock * per_unit, 0.0
        )
    return cover


def compare_scenarios(
    base: Scenario,
    variants: Sequence[Scenario],
    *,
    runs: int,
    seed: int,
    holdings: Mapping[str, tuple[float, str]] | None = None,
    holdings_note: str | None = None,
    frames: ReferenceFrames | None = None,
    release_capacity: Mapping[str, tuple[float, str]] | None = None,
    release_capacity_note: str | None = None,
) -> Comparison:
    """Simulate the base and each variant with the same seed and compare them run by run.

    Parameters
    ----------
    base : the base scenario.
    variants : whole scenarios to compare with it (see :func:`apply_variant` for a scenario's
        own ``variants:``).
    runs, seed : Monte Carlo runs and seed, shared by all.
    holdings, holdings_note, frames : as for :func:`stockpile.simulate.simulate`.
    release_capacity, release_capacity_note : absolute monthly release capacity by material
        ``(capacity [unit/month], unit)`` and its provenance, as for
        :func:`stockpile.simulate.compile_scenario`; shared by the base and every variant.
    """

    def run(scenario: Scenario) -> tuple[CompiledScenario, SimulationResult]:
        model = compile_scenario(
            scenario,
            holdings=holdings,
            holdings_note=holdings_note,
            frames=frames,
            release_capacity=release_capacity,
            release_capacity_note=release_capacity_note,
        )
        return model, simulate(model, runs=runs, seed=seed, frames=frames, keep_paths=False)

    base_model, ref = run(base)
    results: list[VariantResult] = [
        VariantResult(
            name=base.name,
            title=base.title or base.name,
            lever_notes=list(base_model.levers.notes),
            materials=_metrics(ref, None),
        )
    ]
    for scenario in variants:
        model, res = run(scenario)
        results.append(
            VariantResult(
                name=scenario.name,
                title=scenario.title or scenario.name,
                lever_notes=list(model.levers.notes),
                materials=_metrics(res, ref),
            )
        )
    return Comparison(
        base=base.name,
        runs=runs,
        seed=seed,
        horizon_months=base.horizon_months,
        holdings_note=ref.holdings_note,
        variants=results,
    )
