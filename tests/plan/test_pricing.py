"""The one price path: basis conversion, price year, and agreement of ledger, simulation, plan."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from stockpile import ledger
from stockpile.plan import sample_from_simulation
from stockpile.pricing import (
    PriceError,
    basis_factor,
    contract_price,
    latest_price_year,
    price_years,
    unit_price,
)
from stockpile.simulate import parse_scenario, simulate
from stockpile.units import element_fraction

# (material, published price [USD/kg of substance] in 2025 (prices.csv), kg substance / kg basis)
_CASES = [
    ("tantalum", 180.0, 1.0 / element_fraction("Ta2O5")),
    ("vanadium", 11.07, 1.0 / element_fraction("V2O5")),
    ("lithium", 9.0, 1.0 / element_fraction("Li2CO3")),
    ("niobium", 26.0, 1.0 / 0.65),  # ferroniobium gross weight, 65 % Nb (USGS)
]


def test_default_price_year_is_latest() -> None:
    assert latest_price_year() == 2025
    assert unit_price("antimony").year == 2025
    assert unit_price("antimony").usd_per_kg == pytest.approx(55.12)
    assert unit_price("antimony", year=2024).usd_per_kg == pytest.approx(22.58)
    assert price_years("Sb") == (2021, 2022, 2023, 2024, 2025)


@pytest.mark.parametrize(("material", "published", "factor"), _CASES)
def test_content_basis_price_is_compound_price_times_exact_factor(
    material: str, published: float, factor: float
) -> None:
    p = unit_price(material)
    assert p.substance_usd_per_kg == pytest.approx(published)
    assert p.factor == pytest.approx(factor, rel=1e-12)
    # a purchase of 10 t of content costs quantity x compound price x factor
    assert 10.0 * p.per("metric_ton") == pytest.approx(10_000 * published * factor, rel=1e-12)
    # priced on its own substance, the factor is 1
    own = unit_price(material, basis=p.substance)
    assert own.usd_per_kg == pytest.approx(published) and own.factor == 1.0


def test_known_factors_by_hand() -> None:
    assert basis_factor("Ta content", "Ta2O5") == pytest.approx(1.2211, abs=1e-4)
    assert basis_factor("V", "V2O5") == pytest.approx(1.7852, abs=1e-4)
    assert basis_factor("Li", "Li2CO3") == pytest.approx(5.3233, abs=1e-4)
    assert basis_factor("ferroniobium (gross weight)", "Nb content") == pytest.approx(0.65)
    assert basis_factor("dry weight", "alumina (dry weight)") == 1.0
    assert basis_factor("REO", "Nd") is None


def test_bad_price_year_names_the_field() -> None:
    with pytest.raises(PriceError, match=r"^price_year: no antimony price in 2030 \(years"):
        unit_price("antimony", year=2030)
    with pytest.raises(PriceError, match=r"^basis: no conversion"):
        unit_price("tantalum", basis="REO")


def test_contract_price_is_ceiling_over_quantity() -> None:
    p = contract_price("antimony", "US-DLA-SB-2025", 245e6, 6.7e6, "pound", year=2025)
    assert p.usd_per_kg == pytest.approx(245e6 / (6.7e6 * 0.45359237))
    assert p.source == "US-DLA-SB-2025"
    with pytest.raises(PriceError, match=r"^quantity:"):
        contract_price("antimony", "X", 1e6, 0.0, "pound", year=2025)


def _one_material(material: str) -> dict[str, Any]:
    return {
        "name": "one-lot",
        "horizon_months": 12,
        "materials": [material],
        "baseline": {
            "overrides": {
                material: {
                    "us_consumption": 1000.0,
                    "us_net_imports": 500.0,
                    "us_import_shares": {"CHN": 1.0},
                    "source": "hand-made test case",
                }
            }
        },
        "assumptions": {
            "elasticity": {"demand": -0.2, "supply": 0.1},
            "demand_split": {"defence": 0.2, "essential": 0.3},
        },
        "events": [],
        "responses": [],
        "stockpile": {"trigger": "shortfall", "serve": ["defence", "essential", "other"]},
    }


@pytest.mark.parametrize("material", ["tantalum", "niobium", "vanadium", "antimony"])
def test_ledger_simulation_and_plan_value_one_lot_alike(material: str) -> None:
    tonnes = 3.0
    expected = tonnes * 1000.0 * unit_price(material).usd_per_kg
    book = ledger.reference_book()
    basis = book.default_basis[material]
    lot = ledger.value_lot(Decimal(3), "metric_ton", basis, book.prices[material])
    assert lot.value is not None
    assert float(lot.value) == pytest.approx(expected, rel=1e-9, abs=0.01)
    result = simulate(parse_scenario(_one_material(material)), runs=2, seed=0)
    sim_value = tonnes * 1000.0 * float(result.price_usd_per_kg[0])
    assert sim_value == pytest.approx(expected, rel=1e-12)
    sample, _ = sample_from_simulation(result, (2.0, 1.0))
    assert tonnes * float(sample.unit_prices[0]) == pytest.approx(expected, rel=1e-12)


def test_ledger_price_year_follows_the_price_path() -> None:
    old = ledger.reference_book(price_year=2024).prices["antimony"]
    assert old.year == 2024 and float(old.usd_per_kg) == pytest.approx(22.58)
