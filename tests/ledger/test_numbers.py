"""Numbers at the ledger's edge: one plain decimal grammar, finite and within what is stored."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stockpile import ledger
from stockpile.ledger import _numbers as num

BAD = ["1e309", "1E+999999", "-1E+999999", "1e30", "1_0", "١٢", "0x10", "1,0", "1.2.3", "", "e5"]


@pytest.mark.parametrize("text", BAD)
@pytest.mark.parametrize("parse", [num.quantity, num.signed_quantity, num.money])
def test_bad_or_huge_numbers_are_invalid_input(parse: object, text: str) -> None:
    with pytest.raises(ledger.InvalidInputError) as info:
        parse(text, "quantity")  # type: ignore[operator]
    assert info.value.field == "quantity"


@pytest.mark.parametrize("value", [Decimal("1e309"), Decimal("-1e20"), 1e300, 10**20])
def test_huge_numbers_of_any_type_are_invalid_input(value: object) -> None:
    with pytest.raises(ledger.InvalidInputError):
        num.quantity(value)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1,000", "1000"),
        ("1e3", "1000"),
        (" 2.5 ", "2.5"),
        (".5", "0.5"),
        ("1000000000000", "1e12"),
    ],
)
def test_plain_numbers_are_read(text: str, value: str) -> None:
    assert num.quantity(text) == Decimal(value)


@given(st.text(max_size=30))
def test_any_text_is_a_number_or_invalid_input(text: str) -> None:
    try:
        out = num.quantity(text)
    except ledger.InvalidInputError:
        return
    assert 0 < out <= num.MAX_QUANTITY
