"""Compile a scenario's ``levers:`` into :class:`~stockpile.simulate.levers.CompiledLevers`."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
import pandas as pd

from stockpile.simulate._lever_downstream import DownstreamWeights, compile_downstream
from stockpile.simulate.levers import (
    CompiledLevers,
    DownstreamSpec,
    Lever,
    LowGradeOre,
    MoveDownstream,
    NewSupplyAbroad,
    PriceResponseSpec,
    PriceSubstitution,
    ReserveSpec,
    SupplierReserve,
    UrbanMining,
    urban_mining_increment,
)

if TYPE_CHECKING:
    from stockpile.simulate.baseline import MaterialBaseline
    from stockpile.simulate.compile import CompiledEvent, _Checker
    from stockpile.simulate.scenario import Scenario
    from stockpile.simulate.stages import StageColumn

__all__ = ["compile_levers", "world_production"]

_USGS_UNITS = {
    "metric tons": "metric_ton",
    "thousand metric tons": "kilometric_ton",
    "kilograms": "kilogram",
    "troy ounces": "troy_ounce",
}


def world_production(
    labels: Sequence[str], unit: str, production: pd.DataFrame, year: int
) -> tuple[float, str]:
    """World production of a material [``unit``/yr] in the latest year up to ``year``.

    Returns ``(nan, reason)`` when the reference data has no world total.
    """
    from stockpile.units import UnitError, exact_factor

    for label in labels:
        rows = production[
            (production["material"] == label)
            & (production["iso3"] == "WLD")
            & (production["year"] <= year)
            & production["value"].notna()
        ]
        if rows.empty:
            continue
        row = rows.sort_values("year").iloc[-1]
        source_unit = _USGS_UNITS.get(str(row["unit"]))
        if source_unit is None:
            return math.nan, f"world production unit {row['unit']!r} not understood"
        try:
            factor = float(exact_factor(source_unit, unit))
        except UnitError as exc:
            return math.nan, str(exc)
        note = f"world {row['stage']} production {int(row['year'])} [{row['source_id']}]"
        return float(row["value"]) * factor, note
    return math.nan, f"no world production total in the reference data up to {year}"


def _factor(unit: str, target: str, path: str, check: _Checker) -> float | None:
    from stockpile.units import UnitError, exact_factor

    try:
        return float(exact_factor(unit, target))
    except UnitError as exc:
        check.add(path, str(exc))
        return None


def _hhi(shares: dict[str, float]) -> float:
    """Herfindahl-Hirschman index of country shares [-] on the 0-10,000 scale."""
    return float(sum((100.0 * v) ** 2 for v in shares.values()))


def _with_added(shares: dict[str, float], country: str, added: float) -> dict[str, float]:
    """Shares after ``added`` (a share of today's world output) comes on line in ``country``."""
    out = {k: v / (1.0 + added) for k, v in shares.items()}
    out[country] = out.get(country, 0.0) + added / (1.0 + added)
    return out


def _ramp(months: int, lead: int, ramp: int) -> npt.NDArray[np.float64]:
    """Share of capacity on line in each month: 0 before ``lead``, rising linearly over
    ``ramp`` months to 1 [-]."""
    t = np.arange(months, dtype=np.float64)
    out: npt.NDArray[np.float64] = np.clip((t - lead + 1.0) / ramp, 0.0, 1.0)
    return out


def _price_response(
    lever: PriceSubstitution | LowGradeOre, material: int, us_per_share: float
) -> PriceResponseSpec:
    return PriceResponseSpec(
        material=material,
        supply=isinstance(lever, LowGradeOre),
        us_per_share=us_per_share,
        threshold_ratio=lever.threshold_ratio,
        lag_months=lever.lag_months,
        ramp_months=lever.ramp_months,
        max_share=lever.max_share,
    )


def _price_note(lever: PriceSubstitution | LowGradeOre, key: str, label: str) -> str:
    return (
        f"{lever.kind} {key}: up to {lever.max_share:.0%} after {lever.lag_months} months "
        f"above {lever.threshold_ratio:g}x the reference price {label}"
    )


def compile_levers(
    levers: Sequence[Lever],
    *,
    keys: Sequence[str],
    baselines: Sequence[MaterialBaseline],
    events: Sequence[CompiledEvent],
    countries: Sequence[str],
    production: pd.DataFrame,
    horizon: int,
    check: _Checker,
    scenario: Scenario | None = None,
    columns: Sequence[StageColumn] = (),
    downstream: Mapping[int, DownstreamWeights] | None = None,
) -> CompiledLevers:
    """Turn the scenario's levers into engine inputs; problems go to ``check`` by field path.

    ``scenario``, ``columns`` and ``downstream`` (the stage compilation) are needed for
    ``move_downstream`` levers, whose restriction is compiled into stage events.
    """
    from stockpile.reference import get_material

    if not levers:
        return CompiledLevers()
    moves: dict[int, tuple[float, str]] = {}
    m = len(keys)
    reserves: list[ReserveSpec] = []
    responses: list[PriceResponseSpec] = []
    world = np.zeros((m, horizon))
    offtake = np.zeros((m, horizon))
    blocked: list[set[int]] = [set() for _ in range(m)]
    recycling = np.zeros((m, horizon))
    notes: list[str] = []
    for i, lever in enumerate(levers):
        path = f"levers[{i}]"
        key = check.material(lever.material, f"{path}.material")
        if key is None:
            continue
        if key not in keys:
            check.add(f"{path}.material", f"material {key!r} is not in the scenario's materials")
            continue
        j = keys.index(key)
        base = baselines[j]
        label = f"[{lever.source}]" if lever.source else "(ASSUMPTION)"
        if isinstance(lever, MoveDownstream):
            check.country(lever.country, f"{path}.country")
            if lever.cut_share.support()[1] <= 0.0:
                notes.append(f"move_downstream {key}: a cut of 0 restricts nothing {label}")
            if lever.expansion is not None and lever.expansion.capacity_per_year is not None:
                moves[j] = world_production(
                    get_material(key).production_materials, base.unit, production, base.year
                )
            continue
        if isinstance(lever, PriceSubstitution):
            responses.append(_price_response(lever, j, 0.0))
            notes.append(_price_note(lever, key, label))
            continue
        if isinstance(lever, UrbanMining):
            cons = base.us_consumption
            if not (cons > 0 and math.isfinite(cons)):
                check.add(f"{path}.material", f"{key!r} has no U.S. consumption figure")
                continue
            if lever.inflow is not None:
                factor = _factor(lever.unit, base.unit, f"{path}.unit", check)
                if factor is None:
                    continue
                lever = lever.model_copy(update={"inflow": [v * factor for v in lever.inflow]})
            gain, note = urban_mining_increment(lever, cons, horizon)
            recycling[j] += gain
            notes.append(f"urban_mining {key}: {note} {label}")
            continue
        material = get_material(key)
        total, prod_note = world_production(
            material.production_materials, base.unit, production, base.year
        )
        if not (total > 0):
            check.add(f"{path}.material", f"{key!r}: {prod_note}")
            continue
        per_month = total / 12.0
        us_share = base.us_consumption / total if base.us_consumption > 0 else 0.0
        if isinstance(lever, LowGradeOre):
            responses.append(_price_response(lever, j, us_share * per_month))
            notes.append(_price_note(lever, key, label) + f"; U.S. buyers get {us_share:.1%}")
            continue
        factor = _factor(lever.unit, base.unit, f"{path}.unit", check)
        if factor is None:
            continue
        if isinstance(lever, SupplierReserve):
            if check.country(lever.country, f"{path}.country") is None:
                continue
            price_kg = base.price_usd_per_kg
            if lever.cash_usd > 0 and lever.floor_ratio > 0 and not price_kg > 0:
                check.add(f"{path}.cash_usd", f"{key!r} has no reference price to buy at")
                continue
            kg = _factor(base.unit, "kilogram", f"{path}.material", check) or math.nan
            price_unit = price_kg * kg if price_kg > 0 else 1.0

            def share(q: float | None, f: float = factor, w: float = per_month) -> float:
                return math.inf if q is None else q * f / w

            reserves.append(
                ReserveSpec(
                    material=j,
                    stock=lever.stock * factor / per_month,
                    cash_usd=lever.cash_usd,
                    price0_usd=price_unit * per_month,
                    trigger_ratio=lever.trigger_ratio,
                    floor_ratio=lever.floor_ratio,
                    max_sell=share(lever.max_sell_per_month),
                    max_buy=share(lever.max_buy_per_month),
                    capacity=share(lever.capacity),
                    domestic_only=lever.domestic_only,
                    domestic_share=(
                        lever.domestic_share if lever.domestic_share is not None else 1.0
                    ),
                    world_per_month=per_month,
                )
            )
            notes.append(
                f"supplier_reserve {key}: {lever.country} holds {lever.stock:g} {lever.unit} "
                f"({lever.stock * factor / per_month:.2f} months of {prod_note}), sells above "
                f"{lever.trigger_ratio:g}x{', domestic buyers only' if lever.domestic_only else ''}"
                f" {label}"
            )
            continue
        if not isinstance(lever, NewSupplyAbroad):
            check.add(path, f"unknown lever kind {type(lever).__name__}")
            continue
        where = check.country(lever.country, f"{path}.country")
        owner = check.country(lever.owner, f"{path}.owner")
        if where is None or owner is None:
            continue
        on_line = _ramp(horizon, lever.lead_months, lever.ramp_months)
        capacity_month = lever.capacity_per_year * factor / 12.0
        world[j] += on_line * capacity_month / per_month
        u = lever.us_offtake_share if lever.us_offtake_share is not None else us_share
        offtake[j] += on_line * capacity_month * u
        if lever.follows_owner_controls and owner in countries:
            k = list(countries).index(owner)
            blocked[j].update(
                e for e, ev in enumerate(events) if ev.us and ev.materials[j] and ev.countries[k]
            )
        shares = dict(base.world_shares)
        added = lever.capacity_per_year * factor / total
        loc_before, loc_after = _hhi(shares), _hhi(_with_added(shares, where, added))
        own_after = _hhi(_with_added(shares, owner, added))
        notes.append(
            f"new_supply_abroad {key}: HHI by location {loc_before:,.0f} -> {loc_after:,.0f}, "
            f"by owner {loc_before:,.0f} -> {own_after:,.0f} at full capacity (existing output "
            "counted as owned where it is mined); "
            f"{lever.capacity_per_year:g} {lever.unit}/yr in "
            f"{where} owned by {owner}, on line from month {lever.lead_months} over "
            f"{lever.ramp_months} months, {u:.1%} to U.S. buyers {label}"
        )
    specs: list[DownstreamSpec] = []
    if scenario is not None and any(isinstance(lv, MoveDownstream) for lv in levers):
        found, moved_notes = compile_downstream(
            scenario,
            keys=keys,
            baselines=baselines,
            events=events,
            columns=columns,
            weights=downstream or {},
            world_per_year=moves,
            check=check,
        )
        specs = found
        notes.extend(note for _, note in moved_notes)
    return CompiledLevers(
        reserves=tuple(reserves),
        price_responses=tuple(responses),
        world_supply=world if world.any() else None,
        us_offtake=offtake if offtake.any() else None,
        offtake_blocked_by=tuple(tuple(sorted(b)) for b in blocked),
        recycling=recycling if recycling.any() else None,
        downstream=tuple(specs),
        notes=tuple(notes),
    )
