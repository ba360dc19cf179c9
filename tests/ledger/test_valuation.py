"""Valuation functions: basis factors, values and days of cover, by hand."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stockpile import ledger


def test_basis_factor_by_hand() -> None:
    # Sc2O3: 2 x 44.955907 / (2 x 44.955907 + 3 x 15.999) = 0.65197 kg Sc per kg Sc2O3
    f = ledger.basis_factor("Sc2O3", "Sc")
    assert f is not None and abs(f - Decimal("0.65197")) < Decimal("0.00001")
    # Ta content -> Ta2O5 equivalent: 1 / (2 x 180.94788 / 441.89288) = 1.22104
    g = ledger.basis_factor("Ta content", "Ta2O5")
    assert g is not None and abs(g - Decimal("1.22104")) < Decimal("0.00001")
    assert ledger.basis_factor("Sb content", "Sb") == 1
    assert ledger.basis_factor("sponge metal", "Ti") == 1
    assert ledger.basis_factor("gross weight", "graphite (gross weight)") == 1
    assert ledger.basis_factor("REO", "Nd2O3") is None
    assert ledger.basis_factor("Co content", "Sc2O3") is None


@given(st.sampled_from(["Sc2O3", "V2O5", "WO3", "Li2CO3", "Ta2O5", "Sb2O3", "Y2O3"]))
def test_basis_factors_invert(compound: str) -> None:
    from stockpile.units import basis

    element = basis(compound).element
    assert element is not None
    there = ledger.basis_factor(compound, element)
    back = ledger.basis_factor(element, compound)
    assert there is not None and back is not None
    assert abs(there * back - 1) < Decimal("1e-12")


def test_value_lot_by_hand() -> None:
    price = ledger.PricePoint("palladium", 2025, Decimal(40), "Pd", "test", False, "test")
    # 1,000 troy oz x 0.0311034768 kg = 31.1034768 kg (stored to 10^-6 kg: 31.103477)
    # x 40 USD/kg = 1,244.14 USD
    v = ledger.value_lot(Decimal(1000), "troy_ounce", "metal content", price)
    assert v.value == Decimal("1244.14")
    assert v.priced_kg == Decimal("31.103477")
    none = ledger.value_lot(Decimal(1), "kilogram", "REO", price)
    assert none.value is None and "no conversion" in none.note
    assert ledger.value_lot(Decimal(1), "kilogram", "Pd", None).note == "no reference price"


def test_days_of_cover_by_hand() -> None:
    c = ledger.ConsumptionPoint("cobalt", 2025, Decimal(365_000), "Co content", "test")
    # 365,000 kg/yr = 1,000 kg/day
    assert ledger.days_of_cover(Decimal(1000), c) == Decimal("1.0")
    assert ledger.days_of_cover(Decimal(500_000), c) == Decimal("500.0")
    assert ledger.days_of_cover(Decimal(1), None) is None


@pytest.mark.parametrize("material", ["antimony", "cobalt", "tantalum", "scandium"])
def test_reference_book_has_the_2025_contract_materials(material: str) -> None:
    book = ledger.reference_book()
    assert book.prices[material].usd_per_kg > 0
    assert book.prices[material].source_id == "USGS_MCS2026_DR"
