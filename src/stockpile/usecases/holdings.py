"""Holdings for the models: the ledger's lots on each material's reference basis.

The simulation and the planner count a material in the unit and on the basis of its USGS
series (``vanadium``: metric tons of V content). A ledger lot has its own unit and basis
(400,000 lb of V2O5), so each lot is converted with the ledger's own basis factors
(:func:`stockpile.ledger.basis_factor`, element mass fractions) before the lots of a material
are summed; a lot whose basis has no factor to the reference basis (a gross weight against
an element content) is left out and named in the note, never added by mass.

Release capacity: each depot ships at most its monthly release capacity for the material (a
``DepotCapacity`` row) and at most its overall monthly release capacity, whichever is smaller;
both count the released quantity of the lots, so they are converted to the reference basis
with the largest basis factor of the depot's lots of the material (the most contained material
a unit shipped can carry) and to the material's unit. A material's capacity is the sum over
the depots that hold it. The overall capacity is shared by all materials of a depot and bounds
each alone here (an upper bound). A holding in a depot with neither capacity is unbounded: the
material then has no capacity (``None``) and the note says which depot; nothing is invented.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from stockpile.ledger import (
    DepotCapacityView,
    DepotView,
    LotView,
    basis_factor,
    list_depot_capacities,
    list_depots,
    list_lots,
    make_engine,
    make_sessionmaker,
    resolve_database_url,
)
from stockpile.reference import get_material
from stockpile.simulate import load_holdings
from stockpile.units import exact_factor

__all__ = [
    "ModelHolding",
    "ModelHoldings",
    "file_holdings",
    "holdings_from_lots",
    "ledger_holdings",
    "ledger_holdings_at",
]


class ModelHolding(BaseModel):
    """One material's holding as the models count it.

    Attributes
    ----------
    quantity : held quantity [unit] on ``basis``.
    unit, basis : the material's unit of account and reference basis.
    lots : lots counted; ``lots_left_out``: lots with no factor to ``basis``.
    monthly_release_capacity : what the depots holding it may ship a month [unit/month] on
        ``basis``; None when unbounded (a depot with no capacity) or not known.
    """

    model_config = ConfigDict(frozen=True)

    material: str
    quantity: float = Field(ge=0)
    unit: str
    basis: str
    lots: int = 0
    lots_left_out: int = 0
    illustrative: bool = False
    monthly_release_capacity: float | None = Field(default=None, ge=0)


class ModelHoldings(BaseModel):
    """Holdings handed to the simulation and the planner, with where they come from."""

    model_config = ConfigDict(frozen=True)

    items: tuple[ModelHolding, ...]
    note: str
    capacity_note: str = ""

    def simulation_input(self) -> dict[str, tuple[float, str]]:
        """Material -> (quantity, unit), the form :func:`stockpile.simulate.simulate` takes."""
        return {h.material: (h.quantity, h.unit) for h in self.items}

    def release_capacity_input(self) -> dict[str, tuple[float, str]] | None:
        """Material -> (monthly release capacity, unit) of the bounded materials, the form
        :func:`stockpile.simulate.compile_scenario` takes (None: no material is bounded)."""
        out = {
            h.material: (h.monthly_release_capacity, h.unit)
            for h in self.items
            if h.monthly_release_capacity is not None
        }
        return out or None

    def quantity(self, material: str) -> float | None:
        """Held quantity of ``material`` [its unit], None when not held."""
        for h in self.items:
            if h.material == material:
                return h.quantity
        return None


def _to_unit(quantity: Fraction, unit: str, target: str) -> Fraction:
    return quantity if unit == target else quantity * exact_factor(unit, target)


def _depot_capacity(
    key: str,
    lots: Sequence[LotView],
    target_basis: str,
    unit: str,
    depot: DepotView | None,
    row: DepotCapacityView | None,
) -> Fraction | None:
    """What one depot may ship of ``key`` a month on the reference basis [unit/month]."""
    factors = [basis_factor(lot.basis or target_basis, target_basis) for lot in lots]
    known = [Fraction(f) for f in factors if f is not None]
    if not known:
        return Fraction(0)  # nothing counted here: nothing to ship
    factor = max(known)
    limits: list[Fraction] = []
    if row is not None:
        limits.append(_to_unit(Fraction(row.monthly_release_capacity), row.unit, unit))
    if depot is not None and depot.monthly_release_capacity is not None:
        limits.append(_to_unit(Fraction(depot.monthly_release_capacity), depot.capacity_unit, unit))
    return min(limits) * factor if limits else None


def holdings_from_lots(
    lots: Sequence[LotView],
    source: str,
    depots: Sequence[DepotView] | None = None,
    capacities: Sequence[DepotCapacityView] | None = None,
) -> ModelHoldings:
    """Sum lots per material on the material's reference basis and unit of account.

    Parameters
    ----------
    lots : the ledger's lots (quantity [lot unit] on the lot's basis, blank = catalogue basis).
    source : where the lots come from (the note starts with it).
    depots, capacities : the depots and their per-material monthly release capacities; when
        both are None, no release capacity is given (every material unbounded).
    """
    with_capacity = depots is not None or capacities is not None
    depot_by_code = {d.code: d for d in depots or ()}
    rows = {(c.depot, c.material): c for c in capacities or ()}
    unbounded: list[str] = []
    by_material: dict[str, list[LotView]] = defaultdict(list)
    for lot in lots:
        if lot.quantity > 0:
            by_material[lot.material].append(lot)
    items: list[ModelHolding] = []
    skipped: list[str] = []
    for key in sorted(by_material):
        material = get_material(key)
        target_basis = material.basis
        unit = material.unit or "kilogram"
        total = Fraction(0)
        counted = 0
        for lot in by_material[key]:
            lot_basis = lot.basis or target_basis
            factor = basis_factor(lot_basis, target_basis)
            if factor is None:
                skipped.append(f"{lot.code} ({key}, basis {lot_basis!r} -> {target_basis!r})")
                continue
            total += _to_unit(Fraction(lot.quantity) * Fraction(factor), lot.unit, unit)
            counted += 1
        group = by_material[key]
        capacity: float | None = None
        if with_capacity:
            cap_total: Fraction | None = Fraction(0)
            for code in sorted({lot.depot for lot in group}):
                here = [lot for lot in group if lot.depot == code]
                cap = _depot_capacity(
                    key, here, target_basis, unit, depot_by_code.get(code), rows.get((code, key))
                )
                if cap is None:
                    unbounded.append(f"{key} at {code}")
                    cap_total = None
                elif cap_total is not None:
                    cap_total += cap
            capacity = None if cap_total is None else float(cap_total)
        items.append(
            ModelHolding(
                material=key,
                quantity=float(total),
                unit=unit,
                basis=target_basis,
                lots=counted,
                lots_left_out=len(group) - counted,
                illustrative=any(lot.illustrative for lot in group),
                monthly_release_capacity=capacity,
            )
        )
    flag = " (includes ILLUSTRATIVE lots)" if any(h.illustrative for h in items) else ""
    note = f"{source}{flag}, on each material's reference basis"
    if skipped:
        note += "; left out, no basis factor: " + ", ".join(skipped)
    if with_capacity:
        bounded = [h.material for h in items if h.monthly_release_capacity is not None]
        if bounded:
            note += f"; monthly release capacity from the depots for {len(bounded)} materials"
        if unbounded:
            note += "; release unbounded (no depot capacity): " + ", ".join(unbounded)
    cap_note = f"{source}: depots' monthly release capacity" if with_capacity else ""
    return ModelHoldings(items=tuple(items), note=note, capacity_note=cap_note)


def ledger_holdings(session: Session) -> ModelHoldings:
    """The ledger's current holdings for the models (see the module docstring)."""
    return holdings_from_lots(
        list_lots(session),
        "ledger holdings",
        depots=list_depots(session),
        capacities=list_depot_capacities(session),
    )


def ledger_holdings_at(url: str | None) -> ModelHoldings:
    """:func:`ledger_holdings` of the ledger at database ``url`` (default: the ledger's own)."""
    engine = make_engine(resolve_database_url(url))
    try:
        with make_sessionmaker(engine)() as session:
            return ledger_holdings(session)
    finally:
        engine.dispose()


def file_holdings(path: Path) -> ModelHoldings:
    """Holdings from a CSV or YAML file of ``material, quantity, unit`` (already on each
    material's reference basis; the simulation converts the units)."""
    rows = load_holdings(path)
    items = []
    for name, (quantity, unit) in rows.items():
        material = get_material(name)
        items.append(
            ModelHolding(material=material.key, quantity=quantity, unit=unit, basis=material.basis)
        )
    return ModelHoldings(items=tuple(items), note=f"holdings from {path}")
