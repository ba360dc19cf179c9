"""Valuation: mark-to-market, cost basis, unrealised gain and days of cover.

Pure functions over plain objects; :func:`reference_book` builds the inputs from the bundled
reference data (USGS MCS 2026 prices and U.S. apparent consumption).

Method
------
* The reference price of a material is the catalogue's ``reference_price`` series in
  ``prices.csv``, latest year with a ``usd_per_kg_derived`` value [USD/kg of the priced
  substance, e.g. kg Sb, kg Sc2O3].
* A lot's quantity is converted through the unit registry to kg, then from the lot's basis
  (its ``basis``, or the catalogue basis of the material when blank) to the priced substance
  with the compound/element mass fractions of :mod:`stockpile.units`. Where no such
  conversion exists (e.g. gross weight vs an oxide) the lot is left unvalued, with the reason.
* Value = kg of priced substance x price [USD]. Unrealised gain = value - cost basis [USD].
* Days of cover = holding in the consumption basis [kg] / (U.S. apparent consumption of the
  latest year with a value [kg/yr] / 365) [day].
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from stockpile.ledger import _numbers as num

__all__ = [
    "ConsumptionPoint",
    "LotValue",
    "PricePoint",
    "ReferenceBook",
    "basis_factor",
    "days_of_cover",
    "reference_book",
    "value_lot",
]


@dataclass(frozen=True)
class PricePoint:
    """A reference price [USD/kg of ``substance``] with its provenance."""

    material: str
    year: int
    usd_per_kg: Decimal
    substance: str
    price_basis: str
    estimated: bool
    source_id: str


@dataclass(frozen=True)
class ConsumptionPoint:
    """U.S. apparent consumption of a year [kg/yr of ``basis``] with its provenance."""

    material: str
    year: int
    kg_per_year: Decimal
    basis: str
    source_id: str


@dataclass(frozen=True)
class ReferenceBook:
    """Prices, consumption and default lot bases by material key."""

    prices: Mapping[str, PricePoint]
    consumption: Mapping[str, ConsumptionPoint]
    default_basis: Mapping[str, str]


@dataclass(frozen=True)
class LotValue:
    """Mark-to-market of one lot.

    Attributes
    ----------
    value
        Market value [USD], None when the lot cannot be valued (see ``note``).
    priced_kg
        Mass of the priced substance in the lot [kg].
    """

    value: Decimal | None
    priced_kg: Decimal | None
    price: PricePoint | None
    note: str


def basis_factor(from_basis: str, to_basis: str) -> Decimal | None:
    """Mass of ``to_basis`` substance per mass of ``from_basis`` substance [kg/kg].

    The factor of :func:`stockpile.pricing.basis_factor` (the one price path) as a Decimal:
    1 for the same basis, element fractions for compound <-> element of the same element
    (e.g. ``basis_factor("Sc2O3", "Sc")`` = 0.652), gross-weight grades; None when no factor
    exists.
    """
    from stockpile.pricing import basis_factor as factor

    f = factor(from_basis, to_basis)
    return None if f is None else Decimal(repr(f))


def value_lot(quantity: Decimal, unit: str, lot_basis: str, price: PricePoint | None) -> LotValue:
    """Market value of a lot [USD] from its quantity [unit] and basis."""
    if price is None:
        return LotValue(None, None, None, "no reference price")
    kg = num.convert(quantity, unit, "kilogram")
    factor = basis_factor(lot_basis, price.substance)
    if factor is None:
        return LotValue(
            None, None, price, f"no conversion from basis {lot_basis!r} to {price.substance!r}"
        )
    priced = kg * factor
    return LotValue(num.round_money(priced * price.usd_per_kg), priced, price, "")


def days_of_cover(held_kg: Decimal, consumption: ConsumptionPoint | None) -> Decimal | None:
    """Holding [kg of the consumption basis] / daily consumption [kg/day] -> [day], to 0.1 day
    (:func:`stockpile.cover.days_of_cover`, the one definition)."""
    from stockpile.cover import days_of_cover as cover

    if consumption is None:
        return None
    days = cover(held_kg, consumption.kg_per_year)
    return None if days is None else days.quantize(Decimal("0.1"))


def _finite(value: Any) -> bool:
    return value is not None and isinstance(value, int | float) and math.isfinite(value)


def reference_book(price_year: int | None = None) -> ReferenceBook:
    """Reference prices (at ``price_year``, default the latest) and U.S. consumption from the
    bundled data (see module doc); prices come from :func:`stockpile.pricing.unit_price`."""
    from stockpile.pricing import PriceError, unit_price
    from stockpile.reference import catalogue, load_us_market
    from stockpile.units import UnitError, exact_factor

    market_df = load_us_market()
    prices: dict[str, PricePoint] = {}
    consumption: dict[str, ConsumptionPoint] = {}
    bases: dict[str, str] = {}
    for m in catalogue():
        bases[m.key] = m.basis
        if m.reference_price:
            try:
                p = unit_price(m.key, basis=m.reference_price_substance, year=price_year)
            except PriceError:
                p = None
            if p is not None:
                prices[m.key] = PricePoint(
                    m.key,
                    p.year,
                    Decimal(repr(p.usd_per_kg)),
                    p.substance,
                    p.series,
                    p.estimated,
                    p.source,
                )
        rows = market_df[market_df["material"] == m.key].sort_values(
            "year", ascending=False, kind="stable"
        )
        for rec in rows.to_dict("records"):
            if not _finite(rec["us_consumption"]) or not rec["unit"]:
                continue
            try:
                f = exact_factor(str(rec["unit"]).replace("dry ", ""), "kilogram")
            except UnitError:
                continue
            kg = Decimal(repr(float(rec["us_consumption"]))) * f.numerator / f.denominator
            consumption[m.key] = ConsumptionPoint(
                m.key, int(rec["year"]), kg, str(rec["basis"]), str(rec["source_id"])
            )
            break
    return ReferenceBook(prices, consumption, bases)
