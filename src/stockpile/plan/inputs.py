"""Planner inputs from the reference tables: programme caps, world production, prices, impact.

No IO here: callers load the tables (``stockpile.reference``) and pass the DataFrames in.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from stockpile.plan.errors import PlanInputError
from stockpile.plan.problem import MaterialLimits, PriceCurve, ShortfallSample

__all__ = [
    "ProgramCap",
    "caps_from_rows",
    "impact_curves",
    "limits_from_caps",
    "limits_within_release",
    "parse_assignments",
    "parse_numbers",
    "price_series",
    "program_caps",
    "world_production",
]

_NUMBER = r"(\d[\d,]*(?:\.\d+)?)"


@dataclass(frozen=True)
class ProgramCap:
    """Ceiling and minimum of a purchase programme for one material.

    Attributes
    ----------
    material : str
        Material key.
    spend_cap : float
        Contract ceiling [USD] (``inf`` if none printed).
    contract_min : float
        Guaranteed minimum [USD] (0 if none printed).
    quantity_limit : float
        Quantity ceiling in ``quantity_unit`` (``inf`` if none or only a lower bound).
    quantity_unit : str
        Unit of ``quantity_limit`` as printed.
    source : str
        Programme id and source addresses.
    """

    material: str
    spend_cap: float
    contract_min: float
    quantity_limit: float
    quantity_unit: str
    source: str


def _cell(value: Any) -> str:
    """A table cell as stripped text ("" for missing values)."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return ""
    return str(value).strip()


def _num(text: str) -> float:
    return float(text.replace(",", ""))


def _parse_value(text: str) -> tuple[float, float]:
    """Ceiling and minimum from a ``value_usd`` cell such as ``"500000000 (maximum; ...)"``."""
    t = text.strip()
    cap = math.inf
    low = 0.0
    m = re.search(_NUMBER + r"\s*\(maximum", t) or re.search(r"up to\s*" + _NUMBER, t)
    if m:
        cap = _num(m.group(1))
    n = re.search(_NUMBER + r"\s*\(minimum", t) or re.search(
        r"minimum \$" + _NUMBER + r"\s*million", t
    )
    if n:
        low = _num(n.group(1)) * (1e6 if "million" in n.group(0) else 1.0)
    return cap, low


def program_caps(programs: pd.DataFrame, prefix: str = "US-DLA-") -> dict[str, ProgramCap]:
    """Purchase ceilings of the programmes whose ``program_id`` starts with ``prefix``.

    Parameters
    ----------
    programs : DataFrame
        ``stockpile.reference.load_stockpile_programs()``.
    prefix : str
        Programme id prefix (default: the DLA's NDS purchases).

    Returns
    -------
    dict
        Material key (first word of ``materials``) -> :class:`ProgramCap`; rows without a
        printed ceiling are left out.
    """
    for col in ("program_id", "materials", "quantity", "quantity_unit", "value_usd"):
        if col not in programs.columns:
            raise PlanInputError("programs", f"missing column {col!r}")
    out: dict[str, ProgramCap] = {}
    for rec in programs.to_dict(orient="records"):
        pid = _cell(rec["program_id"])
        if not pid.startswith(prefix):
            continue
        cap, low = _parse_value(_cell(rec["value_usd"]))
        if math.isinf(cap):
            continue
        material = _cell(rec["materials"]).split()[0].strip(" ;,").lower()
        qty_text = _cell(rec["quantity"])
        unit = _cell(rec["quantity_unit"])
        qty = (
            _num(qty_text)
            if re.fullmatch(_NUMBER, qty_text) and unit in ("metric tons", "kilograms")
            else math.inf
        )
        urls = _cell(rec.get("source_urls"))
        out[material] = ProgramCap(
            material, cap, low, qty, unit, f"stockpile_programs.csv {pid}; {urls}".strip("; ")
        )
    return out


def caps_from_rows(rows: Sequence[Mapping[str, Any]], origin: str) -> dict[str, ProgramCap]:
    """Caps from table rows ``material, spend_cap_usd[, quantity_limit][, unit][, source]``.

    Parameters
    ----------
    rows : sequence of mapping
        One mapping per row (e.g. from ``csv.DictReader``); empty cells mean no cap.
        ``spend_cap_usd`` [USD]; ``quantity_limit`` in ``unit`` (the material's unit when empty).
    origin : str
        Name of the table, used in messages and as the default source.
    """
    out: dict[str, ProgramCap] = {}
    for n, row in enumerate(rows, start=2):
        mat = _cell(row.get("material")).lower()
        if not mat:
            raise PlanInputError(f"{origin}: row {n}: material", "is empty")
        try:
            cap = float(_cell(row.get("spend_cap_usd")) or "inf")
            qty = float(_cell(row.get("quantity_limit")) or "inf")
        except ValueError:
            raise PlanInputError(
                f"{origin}: row {n}: spend_cap_usd/quantity_limit", "not a number"
            ) from None
        if math.isnan(cap) or cap < 0 or math.isnan(qty) or qty < 0:
            raise PlanInputError(f"{origin}: row {n}: spend_cap_usd/quantity_limit", "must be >= 0")
        unit = _cell(row.get("unit"))
        label = {"metric_ton": "metric tons", "kilogram": "kilograms"}.get(unit, unit)
        src = _cell(row.get("source")) or f"{origin} row {n}"
        out[mat] = ProgramCap(mat, cap, 0.0, qty, label, src)
    return out


def limits_from_caps(
    materials: Sequence[str],
    units: Sequence[str],
    holdings: Sequence[float],
    caps: Mapping[str, ProgramCap],
    unit_factor: Mapping[str, float] | None = None,
) -> MaterialLimits:
    """Material limits with programme ceilings where a material has one.

    Parameters
    ----------
    materials, units : sequence of str
        Materials and their units of account.
    holdings : sequence of float
        Stock held [material unit].
    caps : mapping
        From :func:`program_caps`.
    unit_factor : mapping, optional
        Material -> factor converting the programme's quantity unit to the material unit;
        without it quantity ceilings are applied only when the units agree.
    """
    m = len(materials)
    spend = np.full(m, np.inf)
    qty = np.full(m, np.inf)
    sources = [""] * m
    same = {"metric tons": "metric_ton", "kilograms": "kilogram"}
    for i, mat in enumerate(materials):
        cap = caps.get(mat)
        if cap is None:
            continue
        spend[i] = cap.spend_cap
        sources[i] = cap.source
        if math.isfinite(cap.quantity_limit):
            if unit_factor and mat in unit_factor:
                qty[i] = cap.quantity_limit * unit_factor[mat]
            elif not cap.quantity_unit or same.get(cap.quantity_unit) == units[i]:
                qty[i] = cap.quantity_limit
    return MaterialLimits(
        np.asarray(holdings, dtype=np.float64), spend, qty, np.full(m, np.inf), tuple(sources)
    )


def limits_within_release(
    limits: MaterialLimits, releasable: Sequence[float]
) -> tuple[MaterialLimits, tuple[int, ...]]:
    """Limits where the stock that can serve is bounded by what the depots can release.

    With a gap spread evenly over the horizon (the robust game's model), a stock serves at most
    ``releasable`` = monthly release capacity x horizon months; holdings beyond it serve nothing
    within the horizon and a purchase beyond ``releasable - holdings`` is never released.

    Parameters
    ----------
    limits : MaterialLimits
        Holdings and purchase limits [material unit].
    releasable : sequence of float, shape (M,)
        Largest quantity released over the horizon [material unit] (``inf``: unbounded).

    Returns
    -------
    limits : MaterialLimits
        Holdings ``min(held, releasable)``; quantity limits ``min(limit, releasable - that)``.
    bounded : tuple of int
        Positions of the materials whose holdings or limits changed.
    """
    cap = np.asarray(releasable, dtype=np.float64)
    if cap.shape != limits.holdings.shape:
        raise PlanInputError(
            "releasable", f"expected {limits.holdings.shape[0]} values, got {cap.shape[0]}"
        )
    if np.isnan(cap).any() or (cap < 0).any():
        raise PlanInputError("releasable", "must be >= 0 (inf for unbounded)")
    held = np.minimum(limits.holdings, cap)
    qty = np.minimum(limits.quantity_limits, np.maximum(cap - held, 0.0))
    changed = (held != limits.holdings) | (qty != limits.quantity_limits)
    out = MaterialLimits(held, limits.spend_caps, qty, limits.max_stock, limits.sources)
    return out, tuple(int(i) for i in np.flatnonzero(changed))


_PRODUCTION_UNITS = {
    "metric tons": "metric_ton",
    "kilograms": "kilogram",
    "thousand metric tons": "kilometric_ton",
}


def world_production(production: pd.DataFrame, material: str, unit: str) -> float:
    """Latest world production of ``material`` in ``unit`` per year (NaN when not available).

    Parameters
    ----------
    production : DataFrame
        ``stockpile.reference.load_production()``: the world total rows (``iso3 == "WLD"``)
        of the latest year are used, first stage listed.
    material : str
        Material key.
    unit : str
        Unit wanted [pint unit string].
    """
    from stockpile.units import ureg

    rows = production[(production["material"] == material) & (production["iso3"] == "WLD")]
    rows = rows[rows["value"].notna()]
    if rows.empty:
        return math.nan
    latest = rows[rows["year"] == rows["year"].max()].iloc[0]
    src = _PRODUCTION_UNITS.get(_cell(latest["unit"]))
    if src is None:
        return math.nan
    return float(ureg.Quantity(float(latest["value"]), src).to(unit).magnitude)


def price_series(prices: pd.DataFrame, price_basis: str) -> tuple[list[float], list[int]]:
    """Annual prices of one USGS price series [USD/kg of the priced substance] and their years.

    Parameters
    ----------
    prices : DataFrame
        ``stockpile.reference.load_prices()``.
    price_basis : str
        The series label (a material's ``reference_price`` in the catalogue).
    """
    rows = prices[(prices["price_basis"] == price_basis) & prices["usd_per_kg_derived"].notna()]
    rows = rows.sort_values("year")
    return [float(v) for v in rows["usd_per_kg_derived"]], [int(y) for y in rows["year"]]


def impact_curves(
    sample: ShortfallSample,
    world_output: Mapping[str, float],
    demand_elasticity: float,
    supply_elasticity: float,
    years: float,
    tranches: int = 8,
) -> tuple[tuple[PriceCurve, ...], tuple[str, ...]]:
    """Purchase price curves with isoelastic price impact, one per material of ``sample``.

    The market absorbing our purchases is world production over ``years`` years
    (``Q0 = world_output * years``); the curve covers the largest total gap of any scenario.
    Materials without world production keep a flat price (listed in the notes).

    Parameters
    ----------
    sample : ShortfallSample
        Materials, units, reference prices [USD/unit] and gaps [unit].
    world_output : mapping
        World production per material [unit/yr].
    demand_elasticity, supply_elasticity : float
        ``ed < 0``, ``es >= 0`` [-] (assumptions: no citable per-metal values, domain.md §4).
    years : float
        Period over which the purchases are spread [yr].
    tranches : int
        Tranches per curve.
    """
    if not years > 0:
        raise PlanInputError("years", f"must be positive, got {years!r}")
    need = sample.gaps.sum(axis=2).max(axis=0)
    curves: list[PriceCurve] = []
    notes: list[str] = []
    for i, mat in enumerate(sample.materials):
        price = float(sample.unit_prices[i])
        output = world_output.get(mat, math.nan)
        if not (math.isfinite(output) and output > 0) or price <= 0 or need[i] <= 0:
            if need[i] > 0:
                notes.append(f"{mat}: flat price, no world production for the price impact")
            curves.append(PriceCurve.flat(max(price, 1e-12), "flat reference price"))
            continue
        curves.append(
            PriceCurve.isoelastic_impact(
                price,
                output * years,
                demand_elasticity,
                supply_elasticity,
                float(need[i]),
                tranches,
                f"isoelastic impact: world production x {years:g} yr, "
                f"ed {demand_elasticity:g}, es {supply_elasticity:g}",
            )
        )
    return tuple(curves), tuple(notes)


def parse_numbers(text: str, field: str, count: int | None = None) -> tuple[float, ...]:
    """Comma-separated numbers, e.g. class weights ``"2,1"`` or funds ``"4e7,4e7"``.

    Raises :class:`PlanInputError` naming ``field`` when a value is not a number or when
    ``count`` is given and differs.
    """
    try:
        values = tuple(float(v) for v in text.split(","))
    except ValueError:
        raise PlanInputError(field, f"expected comma-separated numbers, got {text!r}") from None
    if count is not None and len(values) != count:
        raise PlanInputError(field, f"expected {count} numbers, got {text!r}")
    return values


def parse_assignments(items: Sequence[str], field: str) -> dict[str, float]:
    """``MATERIAL=NUMBER`` items (e.g. ``antimony=6``) as a mapping (keys in lower case)."""
    out: dict[str, float] = {}
    for item in items:
        key, sep, val = item.partition("=")
        try:
            number = float(val)
        except ValueError:
            number = math.nan
        if not sep or not key.strip() or math.isnan(number):
            raise PlanInputError(field, f"expected MATERIAL=NUMBER, got {item!r}")
        out[key.strip().lower()] = number
    return out
