"""One readable format for numbers and units, for the CLI, the dashboard and reports."""

from __future__ import annotations

import decimal

import numpy as np
import pytest

from stockpile.display import format_money, format_number, format_quantity, unit_label


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (17480.3, "17,480"),
        (1239, "1,239"),
        (1_200_000.0, "1,200,000"),
        (2e9, "2,000,000,000"),
        (0.01234, "0.0123"),
        (12.5, "12.5"),
        (3.0, "3"),
        (-1748.4, "-1,748"),
        (0.0, "0"),
        (1.23e-7, "0.000000123"),
        (np.float64(17480.3), "17,480"),
        (np.int64(4), "4"),
        (decimal.Decimal("1200000.000000"), "1,200,000"),
        (None, "—"),
        (float("nan"), "—"),
        (float("inf"), "—"),
    ],
)
def test_format_number(value: object, text: str) -> None:
    assert format_number(value) == text
    assert "e+" not in format_number(value) and "e-" not in format_number(value)


def test_format_number_decimals_and_missing() -> None:
    assert format_number(12.345, decimals=1) == "12.3"
    assert format_number(-0.04, decimals=0) == "0"
    assert format_number(None, missing="") == ""
    assert format_number("W") == "W"


@pytest.mark.parametrize(
    ("unit", "label"),
    [
        ("kilometric_ton", "thousand t"),
        ("troy_ounce", "troy oz"),
        ("pound", "lb"),
        ("metric_ton", "t"),
        ("short_ton", "short ton"),
        ("USD", "USD"),
        ("USD / metric_ton", "USD / t"),
        ("kilogram / year", "kg / year"),
        ("mtu_WO3", "mtu WO3 (7.93 kg W)"),
        ("metric tons", "metric tons"),
        ("dollars per pound", "dollars per pound"),
        (None, ""),
    ],
)
def test_unit_label(unit: object, label: str) -> None:
    assert unit_label(unit) == label


def test_quantities_and_money() -> None:
    # 1,200,000 lb is stored as 1200000000000 (10**-6 lb) and the $2B fund as 200000000000
    # cents: what people read is the value in its unit.
    assert format_quantity(1_200_000_000_000 / 1_000_000, "pound") == "1,200,000 lb"
    assert format_quantity(200_000_000_000 / 100, "USD") == "2,000,000,000 USD"
    assert format_money(2e9) == "2,000,000,000 USD"
    assert format_money(12.5) == "12.50 USD"
