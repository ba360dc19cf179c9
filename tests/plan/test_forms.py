"""Prices of a material in a form: only from the reference data, never inferred."""

from __future__ import annotations

import pytest

from stockpile.plan import PriceUsed, form_price, is_mine_form_series, parse_programme


def test_tungsten_concentrate_is_priced_on_contained_w() -> None:
    # 380 USD per mtu of WO3 (2025e, USGS MCS 2026) at 7.93 kg W per mtu = 47.92 USD/kg W
    fp = form_price("tungsten", "metric_ton", "mine", arrival="refined", year=2025)
    assert fp.price is not None
    assert fp.price.usd_per_unit == pytest.approx(47_920.0, rel=1e-4)
    assert fp.price.basis == "W content" and "concentrate" in fp.price.source
    arrival = form_price("tungsten", "metric_ton", "refined", arrival="refined", year=2025)
    assert "no price of tungsten in the refined form" in arrival.note  # said, not hidden


def test_a_form_without_a_series_is_unpriced_and_says_which_series_exists() -> None:
    fp = form_price("cobalt", "metric_ton", "mine", arrival="refined")
    assert fp.price is None and not fp.priced
    assert "no price of cobalt in the mine form" in fp.note and "cathode" in fp.note
    assert form_price("rare earths", "metric_ton", "mine", arrival="refined").price is None


def test_the_arrival_form_takes_the_plans_own_price() -> None:
    contract = PriceUsed(80_616.8, 2025, "Sb content", "contract US-DLA-SB-2025")
    fp = form_price("antimony", "metric_ton", "refined", arrival="refined", arrival_price=contract)
    assert fp.price == contract and fp.note == ""


def test_mine_form_series_names() -> None:
    assert is_mine_form_series("Price, concentrate, average in-warehouse Rotterdam")
    assert is_mine_form_series("Price: Chromite ore (gross weight), dollars per metric ton")
    assert not is_mine_form_series("Price, metal, average, dollars per pound")
    assert not is_mine_form_series("Price, average, dollars per pound: U.S. spot, cathode")


def test_programme_names_the_form_bought() -> None:
    prog = parse_programme(
        {
            "name": "ore",
            "materials": {"tungsten": {"spend_cap_usd": 1e8, "form": "Mine", "source": "test"}},
        }
    )
    assert prog.entries[0].form == "mine"
