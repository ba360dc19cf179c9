"""Planner inputs from other layers' objects: simulation results and compiled scenarios.

No IO here: callers run the simulation or compile the scenario and pass the objects in.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from stockpile.plan.errors import PlanInputError
from stockpile.plan.loss import LossValues
from stockpile.plan.problem import ShortfallSample
from stockpile.plan.terms import Consumption

__all__ = [
    "beyond_capacity",
    "combine_samples",
    "consumption_from_compiled",
    "game_from_compiled",
    "restrict_sample",
    "sample_from_simulation",
]


def sample_from_simulation(
    result: Any,
    class_weights: Sequence[float],
    classes: Sequence[str] = ("defence", "essential"),
    kg_per_unit: Mapping[str, float] | None = None,
    loss_values: LossValues | None = None,
) -> tuple[ShortfallSample, tuple[str, ...]]:
    """Shortfall sample from a :class:`stockpile.simulate.SimulationResult`.

    The result should come from a run *without* stockpile releases (zero holdings), so its
    unmet demand is the gap before release; the planner releases holdings and purchases itself,
    highest class first, over the whole horizon. Where the run measured servable gaps (an
    absolute monthly release capacity, or a purchase route through conversion:
    ``servable_by_class``, :mod:`stockpile.simulate.routes`), the sample holds those: each
    month's gap up to the capacity, so no stock serves more than the depots (and the
    conversion plants) can deliver; the rest is :func:`beyond_capacity`.

    Parameters
    ----------
    result : SimulationResult
        Uses ``keys``, ``units``, ``price_usd_per_kg``, ``us_balance_available`` and
        ``shortfall_by_class`` [S, M, 3] (defence, essential, other).
    class_weights : sequence of float
        Weight of each class in ``classes`` [-], non-increasing.
    classes : sequence of str
        Priority classes planned for, in release order.
    kg_per_unit : mapping, optional
        Kilograms per unit of account, by unit name (default: from ``stockpile.units``).
    loss_values : LossValues, optional
        Value of lost use per class with per-material overrides (sets ``class_values``);
        default ``class_weights`` times the reference price.

    Returns
    -------
    sample : ShortfallSample
        Gaps of the materials that have U.S. balance data and a reference price.
    notes : tuple of str
        Materials left out and why.
    """
    order = ("defence", "essential", "other")
    idx = []
    for c in classes:
        if c not in order:
            raise PlanInputError("classes", f"unknown class {c!r}; choose from {order}")
        idx.append(order.index(c))
    keys = tuple(result.keys)
    units = tuple(result.units)
    price_kg = np.asarray(result.price_usd_per_kg, dtype=np.float64)
    ok_bal = np.asarray(result.us_balance_available, dtype=bool)
    servable = getattr(result, "servable_by_class", None)
    gaps_all = np.asarray(
        result.shortfall_by_class if servable is None else servable, dtype=np.float64
    )
    notes: list[str] = []
    keep: list[int] = []
    factors: list[float] = []
    for j, key in enumerate(keys):
        if not ok_bal[j]:
            notes.append(f"{key}: left out, no U.S. consumption/import data in the reference")
            continue
        if not math.isfinite(price_kg[j]):
            notes.append(f"{key}: left out, no reference price")
            continue
        if kg_per_unit is not None and units[j] in kg_per_unit:
            factor = float(kg_per_unit[units[j]])
        else:
            from stockpile.units import ureg

            factor = float(ureg.Quantity(1.0, units[j]).to("kilogram").magnitude)
        keep.append(j)
        factors.append(factor)
    if not keep:
        raise PlanInputError("result", "no material has both U.S. balance data and a price")
    gaps = np.nan_to_num(gaps_all[:, keep, :][:, :, idx], nan=0.0)
    s = gaps.shape[0]
    prices = price_kg[keep] * np.array(factors)
    mats = tuple(keys[j] for j in keep)
    values = (
        None
        if loss_values is None
        else loss_values.class_values(mats, tuple(classes), prices, factors)
    )
    sample = ShortfallSample(
        materials=tuple(keys[j] for j in keep),
        gaps=np.maximum(gaps, 0.0),
        class_names=tuple(classes),
        class_weights=np.asarray(class_weights, dtype=np.float64),
        scenario_weights=np.full(s, 1.0 / s),
        unit_prices=prices,
        units=tuple(units[j] for j in keep),
        class_values=values,
    )
    return sample, tuple(notes)


def beyond_capacity(
    result: Any, classes: Sequence[str] = ("defence", "essential")
) -> dict[str, NDArray[np.float64]]:
    """Expected gap a stock cannot serve within the monthly capacity, per material and class.

    ``mean over runs of (gap - servable gap)`` [unit] for the materials with a U.S. balance,
    classes in ``classes`` order; empty when the run measured no servable gaps (nothing bounds
    the releases).

    Parameters
    ----------
    result : SimulationResult
        A bare run (zero holdings); uses ``keys``, ``us_balance_available``,
        ``shortfall_by_class`` and ``servable_by_class`` [S, M, 3].
    classes : priority classes, in release order.
    """
    servable = getattr(result, "servable_by_class", None)
    if servable is None:
        return {}
    order = ("defence", "essential", "other")
    idx = [order.index(c) for c in classes]
    gaps = np.nan_to_num(np.asarray(result.shortfall_by_class, dtype=np.float64)[:, :, idx])
    served = np.nan_to_num(np.asarray(servable, dtype=np.float64)[:, :, idx])
    mean = np.maximum(gaps - served, 0.0).mean(axis=0)
    ok = np.asarray(result.us_balance_available, dtype=bool)
    return {key: mean[j] for j, key in enumerate(result.keys) if ok[j]}


def restrict_sample(sample: ShortfallSample, materials: Sequence[str]) -> ShortfallSample:
    """The sample's columns of ``materials`` (those present), in the sample's order."""
    keep = [j for j, m in enumerate(sample.materials) if m in set(materials)]
    if not keep:
        raise PlanInputError("materials", "none of them is in the sample")
    return ShortfallSample(
        materials=tuple(sample.materials[j] for j in keep),
        gaps=sample.gaps[:, keep, :],
        class_names=sample.class_names,
        class_weights=sample.class_weights,
        scenario_weights=sample.scenario_weights,
        unit_prices=sample.unit_prices[keep],
        units=tuple(sample.units[j] for j in keep),
        scenario_names=sample.scenario_names,
        class_values=None if sample.class_values is None else sample.class_values[keep],
    )


def consumption_from_compiled(model: Any) -> dict[str, Consumption]:
    """U.S. consumption per material of a compiled scenario, for days of cover [unit/yr].

    Total = the baseline's U.S. consumption; priority = total x (mean defence share + mean
    essential share) of the scenario's assumed class-share distributions.
    """
    out: dict[str, Consumption] = {}
    for j, key in enumerate(model.keys):
        total = float(model.consumption[j]) * 12.0
        share = float(model.split_defence[j].mean()) + float(model.split_essential[j].mean())
        out[key] = Consumption(
            total,
            total * share,
            "U.S. consumption of the scenario baseline; priority share = mean of the "
            "scenario's assumed defence + essential shares",
        )
    return out


def game_from_compiled(
    model: Any,
    supplier: str,
    class_weights: Sequence[float],
    measure_budget: float = math.inf,
    max_measures: int | None = None,
    world_production: Mapping[str, float] | None = None,
) -> tuple[Any, tuple[str, ...]]:
    """The supplier game implied by a compiled simulation scenario's baseline.

    Two candidate measures per material, over the scenario horizon. A ban on ``supplier``'s
    exports to the U.S.: cut = U.S. net imports x the supplier's share of U.S. imports (shipping
    source) ``s``; cost to the supplier = the export revenue lost, cut x reference price. A
    restriction to all destinations, which also dries up the U.S. imports shipped from third
    countries that refine the supplier's output: cut = net imports x world share ``w`` x
    ``(1 - s)`` (so both together cut ``s + w (1 - s) <= 1`` of net imports); cost = an upper
    bound, the supplier's whole output over the horizon (``w`` x ``world_production``) at the
    reference price (its domestic use is not in the reference data). Demand over the horizon
    is U.S. consumption split into
    defence / essential / other with the scenario's mean class shares; the ``other`` class has
    weight 0 and absorbs a cut first, as in the simulation's allocation.

    Parameters
    ----------
    model : CompiledScenario
        Uses ``keys``, ``units``, ``consumption`` and ``net_imports`` [unit/month],
        ``import_shares`` [M, C], ``countries``, ``price_usd_per_kg``, ``split_defence``,
        ``split_essential`` (distributions with ``mean()``) and ``horizon`` [month].
    supplier : str
        ISO3 code of the supplier (must be one of the scenario's countries).
    class_weights : sequence of float
        Weights of defence and essential [-].
    measure_budget : float
        Supplier's cost budget [USD].
    max_measures : int or None
        Largest number of measures.
    world_production : mapping, optional
        World production per material [unit/yr]; without it (or for a material missing from
        it) the all-destination measure is left out.

    Returns
    -------
    game : SupplierGame
    notes : tuple of str
        How the figures were derived, and materials left out.
    """
    from stockpile.plan.robust import SupplierGame, SupplierMeasure
    from stockpile.units import ureg

    countries = tuple(model.countries)
    if supplier not in countries:
        raise PlanInputError(
            "supplier", f"{supplier!r} is not a supplier in this scenario: {countries}"
        )
    col = countries.index(supplier)
    t = float(model.horizon)
    keys, units = tuple(model.keys), tuple(model.units)
    cons = np.asarray(model.consumption, dtype=np.float64) * t
    net = np.asarray(model.net_imports, dtype=np.float64) * t
    ship = np.asarray(model.import_shares, dtype=np.float64)[:, col]
    world = np.asarray(model.world_shares, dtype=np.float64)[:, col]
    cuts = net * ship
    price_kg = np.asarray(model.price_usd_per_kg, dtype=np.float64)
    notes: list[str] = []
    keep = [
        j
        for j in range(len(keys))
        if math.isfinite(cons[j]) and math.isfinite(cuts[j]) and math.isfinite(price_kg[j])
    ]
    for j in set(range(len(keys))) - set(keep):
        notes.append(f"{keys[j]}: left out, consumption, imports or price unknown")
    if not keep:
        raise PlanInputError("model", "no material has consumption, imports and a price")
    sd = np.array([model.split_defence[j].mean() for j in keep])
    se = np.array([model.split_essential[j].mean() for j in keep])
    c = cons[keep]
    demand = np.column_stack((c * sd, c * se, c * np.maximum(1.0 - sd - se, 0.0)))
    prices = np.array(
        [price_kg[j] * float(ureg.Quantity(1.0, units[j]).to("kilogram").magnitude) for j in keep]
    )
    measures = []
    for pos, j in enumerate(keep):
        if cuts[j] > 0:
            cut = np.zeros(len(keep))
            cut[pos] = cuts[j]
            measures.append(
                SupplierMeasure(
                    f"{supplier} bans {keys[j]} to U.S.",
                    cut,
                    float(cuts[j] * prices[pos]),
                    "U.S. net imports x supplier share of imports x horizon; cost = lost export "
                    "revenue at the reference price",
                )
            )
        wide = float(net[j] * world[j] * (1.0 - ship[j]))
        output = (world_production or {}).get(keys[j])
        if wide <= 0:
            continue
        if output is None or not math.isfinite(output):
            notes.append(f"{keys[j]}: all-destination measure left out, no world production")
            continue
        cut = np.zeros(len(keep))
        cut[pos] = wide
        measures.append(
            SupplierMeasure(
                f"{supplier} restricts {keys[j]} (all destinations)",
                cut,
                float(world[j] * output * t / 12.0 * prices[pos]),
                "cut = U.S. net imports x world share x (1 - U.S. import share) x horizon; "
                "cost = upper bound, supplier output over the horizon at the reference price",
            )
        )
    w = list(class_weights)
    game = SupplierGame(
        supplier=supplier,
        materials=tuple(keys[j] for j in keep),
        units=tuple(units[j] for j in keep),
        demand=demand,
        supply=c,
        measures=tuple(measures),
        class_names=("defence", "essential", "other"),
        class_weights=np.array([w[0], w[1], 0.0]),
        unit_prices=prices,
        measure_budget=measure_budget,
        max_measures=max_measures,
    )
    notes.append(
        f"horizon {int(t)} months; class shares = means of the scenario's assumed distributions"
    )
    return game, tuple(notes)


def combine_samples(
    samples: Sequence[ShortfallSample],
    names: Sequence[str],
    set_weights: Sequence[float] | None = None,
) -> ShortfallSample:
    """One sample from several scenario sets (e.g. several scenario files' simulations).

    Materials are the union (a set that does not cover a material has no gap in it); the
    probability of a scenario is its set's weight times its probability within the set.

    Parameters
    ----------
    samples : sequence of ShortfallSample
        Samples with the same priority classes and weights.
    names : sequence of str
        Name of each set (prefixes the scenario names).
    set_weights : sequence of float, optional
        Weight of each set [-] (default: equal); normalised to sum to 1.
    """
    if not samples or len(names) != len(samples):
        raise PlanInputError("samples", "give at least one sample and one name per sample")
    first = samples[0]
    w = np.ones(len(samples)) if set_weights is None else np.asarray(set_weights, float)
    if w.shape != (len(samples),) or (w < 0).any() or not w.sum() > 0:
        raise PlanInputError("set_weights", f"need {len(samples)} non-negative weights")
    w = w / w.sum()
    materials: list[str] = []
    unit: dict[str, str] = {}
    price: dict[str, float] = {}
    value: dict[str, NDArray[np.float64]] = {}
    for smp, name in zip(samples, names, strict=True):
        if smp.class_names != first.class_names or not np.array_equal(
            smp.class_weights, first.class_weights
        ):
            raise PlanInputError(f"samples[{name}]", "priority classes or weights differ")
        for j, mat in enumerate(smp.materials):
            if mat not in unit:
                materials.append(mat)
                unit[mat], price[mat] = smp.units[j], float(smp.unit_prices[j])
                value[mat] = smp.values[j]
            elif unit[mat] != smp.units[j] or not math.isclose(price[mat], smp.unit_prices[j]):
                raise PlanInputError(
                    f"samples[{name}]", f"{mat} has another unit or reference price"
                )
    index = {m: i for i, m in enumerate(materials)}
    k = first.shape[2]
    blocks: list[NDArray[np.float64]] = []
    probs: list[NDArray[np.float64]] = []
    labels: list[str] = []
    for smp, name, wt in zip(samples, names, w, strict=True):
        s = smp.shape[0]
        block = np.zeros((s, len(materials), k))
        block[:, [index[m] for m in smp.materials], :] = smp.gaps
        blocks.append(block)
        probs.append(wt * smp.scenario_weights)
        labels.extend(f"{name}:{n}" for n in smp.scenario_names)
    return ShortfallSample(
        materials=tuple(materials),
        gaps=np.concatenate(blocks),
        class_names=first.class_names,
        class_weights=first.class_weights,
        scenario_weights=np.concatenate(probs),
        unit_prices=np.array([price[m] for m in materials]),
        units=tuple(unit[m] for m in materials),
        scenario_names=tuple(labels),
        class_values=np.array([value[m] for m in materials]),
    )
