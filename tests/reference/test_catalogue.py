"""The material catalogue: every name resolves to one material; unknown names suggest."""

from __future__ import annotations

import pytest

from stockpile.reference import (
    UnknownMaterialError,
    catalogue,
    get_material,
    load_prices,
    load_production,
    load_us_market,
)


@pytest.mark.parametrize("name", ["antimony", "Sb", "ANTIMONY", " antimony ", "sb", "stibium"])
def test_antimony_names_resolve_to_one_material(name: str) -> None:
    assert get_material(name).key == "antimony"


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("W", "tungsten"),
        ("wolfram", "tungsten"),
        ("NIOBIUM (COLUMBIUM)", "niobium"),
        ("columbium", "niobium"),
        ("GRAPHITE (NATURAL)", "graphite (natural)"),
        ("aluminium", "aluminum"),
        ("RARE EARTHS (Heavy)", "rare earths (heavy)"),
        ("REO", "rare earths"),
    ],
)
def test_aliases_symbols_and_chapters(name: str, key: str) -> None:
    assert get_material(name).key == key


def test_unknown_material_suggests_close_names() -> None:
    with pytest.raises(UnknownMaterialError) as info:
        get_material("antimonny")
    assert "antimony" in str(info.value)
    assert info.value.suggestions[0] == "antimony"
    assert isinstance(info.value, KeyError)


def test_unknown_material_without_close_name() -> None:
    with pytest.raises(UnknownMaterialError, match="unknown material 'unobtainium'"):
        get_material("unobtainium")


def test_catalogue_covers_every_us_market_series() -> None:
    keys = {m.key for m in catalogue()}
    assert keys == set(load_us_market()["material"])
    assert len(keys) == len(catalogue())


def test_catalogue_labels_exist_in_the_tables() -> None:
    production = set(load_production()["material"])
    prices = load_prices()
    price_labels = set(prices["material"])
    for m in catalogue():
        assert set(m.production_materials) <= production, m.key
        assert set(m.price_materials) <= price_labels, m.key
        if m.reference_price:
            mine = prices[prices["material"].isin(m.price_materials)]
            hits = mine[mine["price_basis"].str.startswith(m.reference_price)]
            assert set(hits["year"]) == {2021, 2022, 2023, 2024, 2025}, m.key


def test_units_of_account_follow_usgs() -> None:
    pint_name = {"metric tons": "metric_ton", "kilograms": "kilogram"}
    for m in catalogue():
        if m.usgs_unit in pint_name:
            assert m.unit == pint_name[m.usgs_unit], m.key
        elif m.usgs_unit.startswith("thousand metric"):
            assert m.unit == "kilometric_ton", m.key
        else:
            assert m.usgs_unit == "" and m.unit == "", m.key
