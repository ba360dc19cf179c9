"""Malformed unit text: ``parse_unit`` raises :class:`UnitError`, never a parser's own error."""

from __future__ import annotations

import math

import pint
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stockpile.units import UnitError, parse_unit

MALFORMED = [
    "1/0",
    "kg/0",
    "kg)",
    "(",
    "**",
    "kg*",
    "-",
    "kg^-",
    "\x00",
    "kg\x01",
    "kg\n/t",
    "kg**1e999",
    "kg**kg",
    "t" * 5000,
]


@pytest.mark.parametrize("text", MALFORMED)
def test_malformed_unit_is_a_unit_error(text: str) -> None:
    with pytest.raises(UnitError, match="unit"):
        parse_unit(text)


@settings(max_examples=400, deadline=None)
@given(
    st.text(alphabet=st.characters(codec="utf-8"), max_size=24)
    | st.text("kgt/*()^-+.0123456789 e_", max_size=16)
)
def test_any_text_parses_or_raises_unit_error(text: str) -> None:
    try:
        unit = parse_unit(text)
    except UnitError as exc:
        assert str(exc)
        return
    assert isinstance(unit, pint.Unit)
    for _, exponent in unit._units.items():
        assert math.isfinite(exponent)
