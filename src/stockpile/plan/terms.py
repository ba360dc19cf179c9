"""A plan in the planner's own terms: tonnes, dollars, prices with their year, days of cover.

:func:`plan_terms` turns a :class:`~stockpile.plan.SizingPlan` and its sample into, per
material: quantity bought in its unit and in metric tons, cost, the price used (USD per unit,
year, basis, source), holdings before and after, days of cover before and after
(:func:`stockpile.cover.days_of_cover`, against total and against priority U.S. consumption,
each labelled), expected unmet demand by class before and after in tonnes and in dollars (at
the value of lost use), and the probability that defence or essential demand goes short. The
valued shortfall of the whole plan is given as expected value, CVaR and worst case.

:func:`add_requirements` puts a programme's requirement into a sample for a material the
simulation cannot plan (no U.S. consumption figure: scandium): its requirement is unmet defence
demand in every scenario until held.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from stockpile.cover import days_of_cover
from stockpile.plan.errors import PlanInputError
from stockpile.plan.problem import Objective, ObjectiveKind, ShortfallSample
from stockpile.plan.result import SizingPlan
from stockpile.plan.value import cumulative_gaps, risk_measure, scenario_losses

__all__ = [
    "Consumption",
    "MaterialTerms",
    "PlanTerms",
    "PriceUsed",
    "ValuedShortfall",
    "add_requirements",
    "plan_terms",
]

FloatArray = NDArray[np.float64]
_SHORT_TOL = 1e-9


@dataclass(frozen=True)
class PriceUsed:
    """The purchase price of a material with its provenance.

    Attributes
    ----------
    usd_per_unit : float
        Price [USD/material unit].
    year : int
        Price year.
    basis : str
        Basis of the material unit (``"Ta content"``).
    source : str
        Label: published series, factor and source id, or the contract.
    """

    usd_per_unit: float
    year: int
    basis: str
    source: str


@dataclass(frozen=True)
class Consumption:
    """U.S. consumption of a material on its basis [material unit/yr].

    Attributes
    ----------
    total : float
        Apparent consumption [unit/yr] (NaN if not published).
    priority : float
        Defence + essential civilian part [unit/yr] (NaN if not known).
    source : str
        Where the figures come from.
    """

    total: float
    priority: float
    source: str = ""


@dataclass(frozen=True)
class MaterialTerms:
    """One material of a plan in the planner's terms (see the module doc for units)."""

    material: str
    unit: str
    quantity: float
    quantity_t: float
    cost_usd: float
    price: PriceUsed | None
    holdings_before: float
    holdings_after: float
    cover_total_before: float
    cover_total_after: float
    cover_priority_before: float
    cover_priority_after: float
    unmet_t_before: Mapping[str, float]
    unmet_t_after: Mapping[str, float]
    unmet_usd_before: Mapping[str, float]
    unmet_usd_after: Mapping[str, float]
    p_short_before: float
    p_short_after: float
    limit: str

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-ready mapping (NaN as None)."""
        out: dict[str, Any] = {}
        for k, v in self.__dict__.items():
            if isinstance(v, PriceUsed):
                out[k] = dict(v.__dict__)
            elif isinstance(v, Mapping):
                out[k] = {c: _num(x) for c, x in v.items()}
            elif isinstance(v, float):
                out[k] = _num(v)
            else:
                out[k] = v
        return out


@dataclass(frozen=True)
class ValuedShortfall:
    """Valued shortfall of the plan's sample [USD]: expected, CVaR and worst case."""

    expected: float
    cvar: float
    worst: float
    alpha: float

    def as_dict(self) -> dict[str, float]:
        """Plain mapping."""
        return {"expected": self.expected, "cvar": self.cvar, "worst": self.worst}


@dataclass(frozen=True)
class PlanTerms:
    """A plan in the planner's terms.

    Attributes
    ----------
    materials : tuple of MaterialTerms
        One per material of the sample.
    before, after : ValuedShortfall
        Valued shortfall without and with the purchases [USD].
    total_cost_usd : float
        Spending [USD].
    notes : tuple of str
        Assumptions and gaps (value of lost use, requirements, missing consumption).
    """

    materials: tuple[MaterialTerms, ...]
    before: ValuedShortfall
    after: ValuedShortfall
    total_cost_usd: float
    notes: tuple[str, ...] = field(default=())

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-ready mapping."""
        return {
            "total_cost_usd": self.total_cost_usd,
            "valued_shortfall_before_usd": self.before.as_dict(),
            "valued_shortfall_after_usd": self.after.as_dict(),
            "cvar_alpha": self.before.alpha,
            "materials": [m.as_dict() for m in self.materials],
            "notes": list(self.notes),
        }


def _num(v: float) -> float | None:
    return None if not math.isfinite(v) else float(v)


def _kg_per(unit: str) -> float:
    from stockpile.units import exact_factor

    f = exact_factor(unit, "kilogram")
    return f.numerator / f.denominator


def add_requirements(
    sample: ShortfallSample,
    requirements: Mapping[str, float],
    units: Mapping[str, str],
    prices: Mapping[str, float],
    class_values: Mapping[str, Sequence[float]] | None = None,
) -> ShortfallSample:
    """Add materials planned against a requirement: unmet defence demand = requirement.

    Parameters
    ----------
    sample : ShortfallSample
        The simulated sample (materials in it are left as they are).
    requirements : mapping
        Material -> quantity to hold [material unit]; only materials absent from ``sample``
        are added.
    units : mapping
        Material -> unit of account.
    prices : mapping
        Material -> reference price [USD/unit].
    class_values : mapping, optional
        Material -> value of lost use per class [USD/unit]; default the sample's class
        weights times the price.
    """
    new = [m for m in requirements if m not in sample.materials]
    if not new:
        return sample
    s, _m, k = sample.shape
    for mat in new:
        if mat not in prices or not (math.isfinite(prices[mat]) and prices[mat] > 0):
            raise PlanInputError(f"requirement[{mat}]", "needs a reference price")
        if not requirements[mat] >= 0:
            raise PlanInputError(f"requirement[{mat}]", "must be >= 0")
    extra = np.zeros((s, len(new), k))
    extra[:, :, 0] = np.array([requirements[mat] for mat in new])[None, :]
    price = np.array([prices[mat] for mat in new])
    values = sample.values
    new_values = np.array(
        [
            list(class_values[mat])
            if class_values and mat in class_values
            else list(sample.class_weights * prices[mat])
            for mat in new
        ]
    )
    return ShortfallSample(
        materials=(*sample.materials, *new),
        gaps=np.concatenate((sample.gaps, extra), axis=1),
        class_names=sample.class_names,
        class_weights=sample.class_weights,
        scenario_weights=sample.scenario_weights,
        unit_prices=np.concatenate((sample.unit_prices, price)),
        units=(*sample.units, *(units[mat] for mat in new)),
        scenario_names=sample.scenario_names,
        class_values=np.concatenate((values, new_values.reshape(len(new), k)), axis=0),
    )


def _valued(sample: ShortfallSample, stock: FloatArray, alpha: float) -> ValuedShortfall:
    losses = scenario_losses(sample, stock)
    p = sample.scenario_weights
    return ValuedShortfall(
        risk_measure(losses, p, Objective(ObjectiveKind.EXPECTED)).value,
        risk_measure(losses, p, Objective(ObjectiveKind.CVAR, alpha)).value,
        risk_measure(losses, p, Objective(ObjectiveKind.WORST)).value,
        alpha,
    )


def plan_terms(
    plan: SizingPlan,
    sample: ShortfallSample,
    prices: Mapping[str, PriceUsed],
    consumption: Mapping[str, Consumption],
    *,
    alpha: float = 0.9,
    notes: Sequence[str] = (),
) -> PlanTerms:
    """The plan in the planner's terms (see the module doc).

    Parameters
    ----------
    plan : SizingPlan
        The sized plan.
    sample : ShortfallSample
        The sample it was sized on (or an independent one, to report out of sample).
    prices : mapping
        Material -> purchase price with provenance.
    consumption : mapping
        Material -> U.S. consumption [unit/yr] for days of cover.
    alpha : float
        CVaR level of the valued-shortfall summary.
    notes : sequence of str
        Carried into the result.
    """
    if tuple(plan.materials) != tuple(sample.materials):
        raise PlanInputError("sample", "materials differ from the plan's")
    before = plan.holdings
    after = plan.holdings + plan.quantities
    cum = cumulative_gaps(sample.gaps)
    p = sample.scenario_weights
    values = sample.values
    rows: list[MaterialTerms] = []
    for j, mat in enumerate(sample.materials):
        unit = sample.units[j]
        kg = _kg_per(unit)

        def unmet(stock: float, j: int = j) -> FloatArray:
            return np.asarray(np.clip(cum[:, j, :] - stock, 0.0, sample.gaps[:, j, :]))

        u_b, u_a = unmet(float(before[j])), unmet(float(after[j]))
        prio = [c for c in range(sample.shape[2]) if sample.class_names[c] != "other"]
        short_b = float(p @ (u_b[:, prio] > _SHORT_TOL).any(axis=1))
        short_a = float(p @ (u_a[:, prio] > _SHORT_TOL).any(axis=1))
        e_b, e_a = p @ u_b, p @ u_a  # (K,) [unit]
        cons = consumption.get(mat, Consumption(math.nan, math.nan, "not published"))
        rows.append(
            MaterialTerms(
                material=mat,
                unit=unit,
                quantity=float(plan.quantities[j]),
                quantity_t=float(plan.quantities[j]) * kg / 1000.0,
                cost_usd=float(plan.costs[j]),
                price=prices.get(mat),
                holdings_before=float(before[j]),
                holdings_after=float(after[j]),
                cover_total_before=float(days_of_cover(float(before[j]), cons.total)),
                cover_total_after=float(days_of_cover(float(after[j]), cons.total)),
                cover_priority_before=float(days_of_cover(float(before[j]), cons.priority)),
                cover_priority_after=float(days_of_cover(float(after[j]), cons.priority)),
                unmet_t_before={
                    c: float(e_b[k]) * kg / 1000 for k, c in enumerate(sample.class_names)
                },
                unmet_t_after={
                    c: float(e_a[k]) * kg / 1000 for k, c in enumerate(sample.class_names)
                },
                unmet_usd_before={
                    c: float(e_b[k] * values[j, k]) for k, c in enumerate(sample.class_names)
                },
                unmet_usd_after={
                    c: float(e_a[k] * values[j, k]) for k, c in enumerate(sample.class_names)
                },
                p_short_before=short_b,
                p_short_after=short_a,
                limit=plan.limits[j].value,
            )
        )
    return PlanTerms(
        materials=tuple(rows),
        before=_valued(sample, before, alpha),
        after=_valued(sample, after, alpha),
        total_cost_usd=plan.total_cost,
        notes=tuple(notes),
    )
