"""Holdings for the models: the ledger's lots on each material's reference basis.

The simulation and the planner count a material in the unit and on the basis of its USGS
series (``vanadium``: metric tons of V content). A ledger lot has its own unit and basis
(400,000 lb of V2O5), so each lot is converted with the ledger's own basis factors
(:func:`stockpile.ledger.basis_factor`, element mass fractions) before the lots of a material
are summed; a lot whose basis has no factor to the reference basis (a gross weight against
an element content) is left out and named in the note, never added by mass.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from stockpile.ledger import (
    LotView,
    basis_factor,
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
    """

    model_config = ConfigDict(frozen=True)

    material: str
    quantity: float = Field(ge=0)
    unit: str
    basis: str
    lots: int = 0
    lots_left_out: int = 0
    illustrative: bool = False


class ModelHoldings(BaseModel):
    """Holdings handed to the simulation and the planner, with where they come from."""

    model_config = ConfigDict(frozen=True)

    items: tuple[ModelHolding, ...]
    note: str

    def simulation_input(self) -> dict[str, tuple[float, str]]:
        """Material -> (quantity, unit), the form :func:`stockpile.simulate.simulate` takes."""
        return {h.material: (h.quantity, h.unit) for h in self.items}

    def quantity(self, material: str) -> float | None:
        """Held quantity of ``material`` [its unit], None when not held."""
        for h in self.items:
            if h.material == material:
                return h.quantity
        return None


def _to_unit(quantity: Fraction, unit: str, target: str) -> Fraction:
    return quantity if unit == target else quantity * exact_factor(unit, target)


def holdings_from_lots(lots: Sequence[LotView], source: str) -> ModelHoldings:
    """Sum lots per material on the material's reference basis and unit of account.

    Parameters
    ----------
    lots : the ledger's lots (quantity [lot unit] on the lot's basis, blank = catalogue basis).
    source : where the lots come from (the note starts with it).
    """
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
        items.append(
            ModelHolding(
                material=key,
                quantity=float(total),
                unit=unit,
                basis=target_basis,
                lots=counted,
                lots_left_out=len(group) - counted,
                illustrative=any(lot.illustrative for lot in group),
            )
        )
    flag = " (includes ILLUSTRATIVE lots)" if any(h.illustrative for h in items) else ""
    note = f"{source}{flag}, on each material's reference basis"
    if skipped:
        note += "; left out, no basis factor: " + ", ".join(skipped)
    return ModelHoldings(items=tuple(items), note=note)


def ledger_holdings(session: Session) -> ModelHoldings:
    """The ledger's current holdings for the models (see the module docstring)."""
    return holdings_from_lots(list_lots(session), "ledger holdings")


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
