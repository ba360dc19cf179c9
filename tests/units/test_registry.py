"""Mass units, exact factors, quantity parsing and unit errors of ``stockpile.units``."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import numpy as np
import pint
import pytest
from hypothesis import given
from hypothesis import strategies as st

from stockpile.units import Q_, UnitError, convert, exact_factor, parse_quantity, parse_unit, ureg

# Exact definitions: international pound (1959) 0.45359237 kg; short ton 2000 lb; long ton
# 2240 lb; troy ounce 480 grains of 64.79891 mg.
LB = Fraction("0.45359237")
MASS_UNITS_KG = {
    "kg": Fraction(1),
    "g": Fraction(1, 1000),
    "t": Fraction(1000),
    "tonne": Fraction(1000),
    "kilometric_ton": Fraction(1_000_000),
    "lb": LB,
    "short_ton": 2000 * LB,
    "long_ton": 2240 * LB,
    "troy_ounce": Fraction("0.0311034768"),
    "mtu": Fraction(10),
    "mtu_Mn": Fraction(10),
    "mtu_WO3": Fraction("7.93"),
}


@pytest.mark.parametrize(("unit", "kg"), sorted(MASS_UNITS_KG.items()))
def test_exact_factor_to_kilogram(unit: str, kg: Fraction) -> None:
    assert exact_factor(unit, "kg") == kg


def test_short_ton_is_907_18474_kg_exactly() -> None:
    assert exact_factor("short_ton", "kg") == Fraction("907.18474")
    assert convert(Q_(1, "short_ton"), "kg").magnitude == 907.18474
    assert convert(Q_(1, "short_ton"), "lb", exact=True).magnitude == 2000
    assert convert(Q_(1, "lb"), "kg").magnitude == 0.45359237


def test_antimony_short_tons_to_metric_tons_and_pounds_exactly() -> None:
    # 2013 NDS requirements report: antimony shortfall 22,575 short tons.
    shortfall = Q_(22575, "short_ton")
    assert convert(shortfall, "t", exact=True).magnitude == Fraction("20479.6955055")
    assert convert(shortfall, "lb", exact=True).magnitude == 45_150_000
    assert convert(shortfall, "t").magnitude == pytest.approx(20479.6955055, rel=1e-15)


def test_antimony_purchase_6_7_million_pounds_is_about_3039_t() -> None:
    # DLA 2025 antimony plan: about 6.7M lb, quoted as about 3,040 t.
    tonnes = convert(parse_quantity("6.7 million lb", exact=True), "t", exact=True).magnitude
    assert tonnes == Fraction("3039.068879")
    assert round(tonnes) == 3039


def test_exact_conversion_keeps_decimal_input_exact() -> None:
    q = convert(Q_(Decimal("0.1"), "short_ton"), "kg", exact=True)
    assert q.magnitude == Fraction("90.718474")


def test_exact_conversion_rejects_float_magnitude() -> None:
    with pytest.raises(UnitError, match="Fraction or Decimal"):
        convert(Q_(1.5, "t"), "kg", exact=True)


def test_array_conversion() -> None:
    q = convert(Q_(np.array([1.0, 2.0, 0.5]), "short_ton"), "t")
    np.testing.assert_array_equal(q.magnitude, np.array([1.0, 2.0, 0.5]) * 0.90718474)
    assert q.units == ureg.metric_ton


def test_mtu_wo3_is_7_93_kg_of_tungsten() -> None:
    assert convert(Q_(100, "mtu_WO3"), "kg").magnitude == pytest.approx(793.0, rel=1e-15)
    assert convert(Q_(3, "mtu_Mn"), "kg", exact=True).magnitude == 30


@pytest.mark.parametrize(
    ("text", "magnitude", "unit"),
    [
        ("3,040 t", 3040, "metric_ton"),
        ("6.7 million lb", 6_700_000, "pound"),
        ("22,575 short tons", 22575, "short_ton"),
        ("1,234.5 kg", 1234.5, "kilogram"),
        ("20 thousand metric tons", 20, "kilometric_ton"),
        ("2,300 thousand metric tons", 2300, "kilometric_ton"),
        ("5kt", 5, "kilometric_ton"),
        ("-12 t", -12, "metric_ton"),
        ("3e3 kg", 3000, "kilogram"),
        ("11,288,268 lb", 11_288_268, "pound"),
        ("40 troy ounces", 40, "troy_ounce"),
        ("7 metric ton units", 7, "metric_ton_unit"),
    ],
)
def test_parse_quantity(text: str, magnitude: float, unit: str) -> None:
    q = parse_quantity(text)
    assert q.units == ureg.Unit(unit)
    assert q.magnitude == magnitude
    assert isinstance(q.magnitude, float)


def test_parse_quantity_exact_gives_fraction() -> None:
    assert parse_quantity("1,234.5 kg", exact=True).magnitude == Fraction(2469, 2)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("abc t", "cannot read a number"),
        ("3,04 t", "cannot read a number|unknown unit"),
        ("3040", "no unit"),
        ("3040 tonnn", "unknown unit 'tonnn'"),
        ("12 tons", "ambiguous"),
        ("12 ton", "ambiguous"),
        ("12 mt", "ambiguous"),
    ],
)
def test_parse_quantity_errors(text: str, message: str) -> None:
    with pytest.raises(UnitError, match=message):
        parse_quantity(text)


def test_unknown_unit_names_unit_and_suggests() -> None:
    with pytest.raises(UnitError) as info:
        parse_unit("kilogramm")
    assert "'kilogramm'" in str(info.value)
    assert "'kilogram'" in str(info.value)


def test_unit_error_is_value_error() -> None:
    assert issubclass(UnitError, ValueError)
    with pytest.raises(ValueError):
        parse_unit("")


def test_convert_dimension_error() -> None:
    with pytest.raises(UnitError, match=r"\[mass\].*\[length\]"):
        convert(Q_(1, "kg"), "m")


def test_convert_needs_a_quantity_of_this_registry() -> None:
    with pytest.raises(UnitError, match="quantity with units"):
        convert(3.0, "kg")  # type: ignore[arg-type]
    other = pint.UnitRegistry()
    with pytest.raises(UnitError, match="another unit registry"):
        convert(other.Quantity(1, "kg"), "t")


def test_compound_units_convert() -> None:
    price = convert(Q_(10, "1/lb"), "1/kg")
    assert price.magnitude == pytest.approx(10 / 0.45359237, rel=1e-15)


_UNITS = sorted(MASS_UNITS_KG)


@given(
    st.fractions(min_value=-(10**9), max_value=10**9),
    st.sampled_from(_UNITS),
    st.sampled_from(_UNITS),
)
def test_exact_round_trip_is_identity(value: Fraction, a: str, b: str) -> None:
    there = convert(Q_(value, a), b, exact=True)
    back = convert(there, a, exact=True)
    assert back.magnitude == value
    assert there.magnitude == value * MASS_UNITS_KG[a] / MASS_UNITS_KG[b]


@given(
    st.floats(min_value=-1e12, max_value=1e12, allow_nan=False),
    st.sampled_from(_UNITS),
    st.sampled_from(_UNITS),
)
def test_float_round_trip(value: float, a: str, b: str) -> None:
    back = convert(convert(Q_(value, a), b), a).magnitude
    assert back == pytest.approx(value, rel=1e-14, abs=1e-300)


def test_short_ton_keeps_its_name() -> None:
    # pint's canonical name for the short ton is the ambiguous "ton"; ours is "short_ton".
    assert str(Q_(1, "short_ton").units) == "short_ton"
    assert str(parse_quantity("5 short tons").units) == "short_ton"
    assert str(convert(Q_(1, "t"), "short_ton").units) == "short_ton"
