"""One price path: what a unit of material M on basis B costs at price year Y.

Ledger valuation, simulation baselines and planning all price through :func:`unit_price`.

Method
------
* The published price is the catalogue's ``reference_price`` series of the material in
  ``prices.csv`` (USGS MCS 2026 data release), ``usd_per_kg_derived`` [USD/kg of the priced
  substance, e.g. kg Ta2O5, kg Li2CO3, kg of ferroniobium alloy].
* The price year defaults to the latest year with any price in the table (2025 in MCS 2026);
  a material without a price that year takes its own latest year (the year is reported).
  An explicitly asked year without a price for the material is an error.
* The price per kg of the asked basis is the published price times the mass of priced
  substance per mass of basis [kg/kg]: the compound/element mass fractions of
  :mod:`stockpile.units` from the atomic weights (Ta2O5 per Ta: 1.2211; V2O5 per V: 1.7852;
  Li2CO3 per Li: 5.3233), or a grade of a gross-weight product where the price is per kg of an
  alloy (ferroniobium: 65 % Nb, the factor USGS itself uses for ferroniobium's niobium content).
* A contract's own unit price is its ceiling divided by its quantity
  (:func:`contract_price`), with the contract's id as source.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping as _Mapping
from dataclasses import dataclass as _dataclass
from typing import Any as _Any

__all__ = [
    "GrossGrade",
    "PriceError",
    "UnitPrice",
    "basis_factor",
    "contract_price",
    "gross_grades",
    "latest_price_year",
    "price_years",
    "unit_price",
]


class PriceError(ValueError):
    """A price that cannot be given; ``field`` names the input at fault."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field
        self.problem = problem


@_dataclass(frozen=True)
class GrossGrade:
    """Content of an element in a gross-weight product priced per kg of product.

    Attributes
    ----------
    substance : str
        The priced substance as the catalogue names it (``"ferroniobium (gross weight)"``).
    element : str
        Element of account.
    fraction : float
        kg of element per kg of product [-].
    source : str
        Where the grade comes from.
    """

    substance: str
    element: str
    fraction: float
    source: str


_GRADES: tuple[GrossGrade, ...] = (
    GrossGrade(
        "ferroniobium (gross weight)",
        "Nb",
        0.65,
        "USGS_MCS2026_DR (niobium chapter: '65% niobium content in ferroniobium', the grade "
        "USGS assumes for the niobium content of ferroniobium trade)",
    ),
)


def gross_grades() -> tuple[GrossGrade, ...]:
    """The grades of gross-weight priced products (each with its source)."""
    return _GRADES


def _is_gross(text: str) -> bool:
    low = text.lower()
    return "gross" in low or "dry weight" in low


def basis_factor(from_basis: str, to_basis: str) -> float | None:
    """Mass of ``to_basis`` substance per mass of ``from_basis`` substance [kg/kg].

    1 for the same basis (or two gross weights, or a "metal" basis and its element); the
    compound/element mass fractions for two bases of the same element
    (``basis_factor("Ta", "Ta2O5")`` = 1.2211); a gross-weight grade of :func:`gross_grades`
    (``basis_factor("Nb content", "ferroniobium (gross weight)")`` = 1/0.65); None when no
    factor exists (e.g. gross weight vs an oxide of another element).
    """
    from stockpile.units import UnitError, basis, element_fraction

    a, b = from_basis.strip(), to_basis.strip()
    if a.lower() == b.lower() or (_is_gross(a) and _is_gross(b)):
        return 1.0
    for grade in _GRADES:
        if grade.substance.lower() in (a.lower(), b.lower()):
            other = b if grade.substance.lower() == a.lower() else a
            f = basis_factor(other, grade.element)
            if f is None:
                return None
            per_other = (1.0 / f) / grade.fraction  # kg product per kg of `other`
            return per_other if grade.substance.lower() == b.lower() else 1.0 / per_other
    try:
        bb = basis(b)
    except UnitError:
        return None
    try:
        ba = basis(a)
    except UnitError:
        if "metal" in a.lower() and bb.formula is not None and bb.formula == bb.element:
            return 1.0
        return None
    if ba.key == bb.key:
        return 1.0
    if ba.formula is None or bb.formula is None or ba.element != bb.element:
        return None
    try:
        fa = element_fraction(ba.formula, ba.element)
        fb = element_fraction(bb.formula, bb.element)
    except UnitError:
        return None
    return fa / fb


@_dataclass(frozen=True)
class UnitPrice:
    """A price on a basis, with its year and provenance.

    Attributes
    ----------
    material : str
        Material key.
    year : int
        Price year.
    usd_per_kg : float
        Price per kg of ``basis`` [USD/kg].
    basis : str
        What one kg of ``usd_per_kg`` is (``"Ta content"``, ``"Sc2O3 equivalent"``).
    substance : str
        What the published price is per kg of (``"Ta2O5"``).
    substance_usd_per_kg : float
        The published price [USD/kg of ``substance``].
    factor : float
        kg of ``substance`` per kg of ``basis`` [-].
    series : str
        The published series (USGS ``price_basis``) or the contract's item.
    estimated : bool
        The publisher marks the figure estimated.
    source : str
        Source id (``USGS_MCS2026_DR``) or contract id.
    """

    material: str
    year: int
    usd_per_kg: float
    basis: str
    substance: str
    substance_usd_per_kg: float
    factor: float
    series: str
    estimated: bool
    source: str

    def per(self, unit: str) -> float:
        """Price per ``unit`` of the basis (``"metric_ton"``, ``"pound"``) [USD/unit]."""
        from stockpile.units import exact_factor

        f = exact_factor(unit, "kilogram")
        return self.usd_per_kg * f.numerator / f.denominator

    def label(self) -> str:
        """``"180 USD/kg Ta2O5 (2025e, USGS_MCS2026_DR) = 219.8 USD/kg Ta content"``."""
        est = "e" if self.estimated else ""
        head = f"{self.substance_usd_per_kg:,.4g} USD/kg {self.substance} ({self.year}{est}, "
        head += f"{self.source})"
        if self.factor == 1.0:
            return head
        return f"{head} = {self.usd_per_kg:,.4g} USD/kg {self.basis}"

    def as_dict(self) -> dict[str, _Any]:
        """Plain JSON-ready mapping."""
        return {
            "material": self.material,
            "year": self.year,
            "usd_per_kg": self.usd_per_kg,
            "basis": self.basis,
            "substance": self.substance,
            "substance_usd_per_kg": self.substance_usd_per_kg,
            "factor": self.factor,
            "series": self.series,
            "estimated": self.estimated,
            "source": self.source,
        }


@_dataclass(frozen=True)
class _Row:
    year: int
    usd_per_kg: float
    series: str
    estimated: bool
    source: str


def _finite(value: _Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


@functools.cache
def _series() -> _Mapping[str, tuple[_Row, ...]]:
    """Each material's reference-price rows, newest first (from the bundled tables)."""
    from stockpile.reference import catalogue, load_prices

    frame = load_prices()
    out: dict[str, tuple[_Row, ...]] = {}
    for m in catalogue():
        if not m.reference_price:
            continue
        rows = frame[
            frame["material"].isin(list(m.price_materials))
            & frame["price_basis"].str.startswith(m.reference_price)
        ].sort_values("year", ascending=False, kind="stable")
        found: list[_Row] = []
        for rec in rows.to_dict("records"):
            value = rec["usd_per_kg_derived"]
            if _finite(value) and all(r.year != int(rec["year"]) for r in found):
                est = str(rec["estimated"]).strip().lower() in ("yes", "true", "1")
                found.append(
                    _Row(
                        int(rec["year"]),
                        float(value),
                        str(rec["price_basis"]),
                        est,
                        str(rec["source_id"]),
                    )
                )
        out[m.key] = tuple(found)
    return out


def latest_price_year() -> int:
    """Latest year with a reference price for any material (2025 in MCS 2026)."""
    years = [rows[0].year for rows in _series().values() if rows]
    return max(years)


def price_years(material: str) -> tuple[int, ...]:
    """Years with a reference price for ``material``, oldest first."""
    from stockpile.reference import get_material

    key = get_material(material).key
    return tuple(sorted(r.year for r in _series().get(key, ())))


def unit_price(material: str, *, basis: str | None = None, year: int | None = None) -> UnitPrice:
    """What one kg of ``material`` on ``basis`` costs at price year ``year``.

    Parameters
    ----------
    material : str
        Material key, symbol or alias.
    basis : str, optional
        Basis of the quantity priced (``"Ta content"``, ``"Ta2O5"``, ``"metal"``); default the
        catalogue basis of the material (its content basis).
    year : int, optional
        Price year; default the latest year with a price for the material, at most
        :func:`latest_price_year`.

    Returns
    -------
    UnitPrice
        ``usd_per_kg`` [USD/kg of ``basis``] with the published price, factor and source.

    Raises
    ------
    PriceError
        No reference price for the material, no price in ``year``, or no conversion from the
        priced substance to ``basis``.
    """
    from stockpile.reference import get_material

    m = get_material(material)
    rows = _series().get(m.key, ())
    if not rows:
        raise PriceError("material", f"{m.key} has no reference price in the catalogue's data")
    if year is None:
        row = rows[0]
    else:
        match = [r for r in rows if r.year == year]
        if not match:
            years = ", ".join(str(r.year) for r in sorted(rows, key=lambda r: r.year))
            raise PriceError(
                "price_year", f"no {m.key} price in {year} (years with a price: {years})"
            )
        row = match[0]
    target = basis if basis is not None and basis.strip() else m.basis
    factor = basis_factor(target, m.reference_price_substance)
    if factor is None:
        raise PriceError(
            "basis",
            f"no conversion from {target!r} to the priced substance "
            f"{m.reference_price_substance!r} of {m.key}",
        )
    return UnitPrice(
        material=m.key,
        year=row.year,
        usd_per_kg=row.usd_per_kg * factor,
        basis=target,
        substance=m.reference_price_substance,
        substance_usd_per_kg=row.usd_per_kg,
        factor=factor,
        series=row.series,
        estimated=row.estimated,
        source=row.source,
    )


def contract_price(
    material: str,
    contract_id: str,
    ceiling_usd: float,
    quantity: float,
    unit: str,
    *,
    year: int,
    basis: str | None = None,
    item: str = "",
) -> UnitPrice:
    """A contract's own unit price: ceiling / quantity [USD/kg of ``basis``].

    Parameters
    ----------
    material : str
        Material key.
    contract_id : str
        The contract's id (the source of the price).
    ceiling_usd : float
        Contract ceiling [USD].
    quantity : float
        Quantity the ceiling buys [``unit``].
    unit : str
        Mass unit of ``quantity``.
    year : int
        Year of the award (the price year).
    basis : str, optional
        Basis of the quantity; default the material's catalogue basis.
    item : str
        What the contract buys (e.g. "antimony metal ingots").
    """
    from stockpile.reference import get_material
    from stockpile.units import UnitError, exact_factor

    m = get_material(material)
    if not (_finite(ceiling_usd) and ceiling_usd > 0):
        raise PriceError("ceiling_usd", f"must be a positive amount, got {ceiling_usd!r}")
    if not (_finite(quantity) and quantity > 0):
        raise PriceError("quantity", f"must be a positive quantity, got {quantity!r}")
    try:
        f = exact_factor(unit, "kilogram")
    except UnitError as exc:
        raise PriceError("unit", str(exc)) from None
    kg = quantity * f.numerator / f.denominator
    per_kg = ceiling_usd / kg
    target = basis if basis is not None and basis.strip() else m.basis
    return UnitPrice(
        material=m.key,
        year=int(year),
        usd_per_kg=per_kg,
        basis=target,
        substance=target,
        substance_usd_per_kg=per_kg,
        factor=1.0,
        series=item
        or f"contract ceiling / quantity ({ceiling_usd:,.0f} USD / {quantity:g} {unit})",
        estimated=False,
        source=contract_id,
    )
