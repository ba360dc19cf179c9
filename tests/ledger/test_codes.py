"""One grammar for the codes of the books: what the ledger accepts and generates, the API reads."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

import pytest
from sqlalchemy.orm import Session

from stockpile import ledger

from .conftest import RECEIPT_AT

XSS = "</script><script>alert(4)</script>"
BAD = [XSS, "a/b", "-lead", "has space", "x" * 81, "é"]

Make = Callable[[Session, str], object]
MAKERS: dict[str, tuple[str, Make]] = {
    "depot": (
        "code",
        lambda s, c: ledger.create_depot(s, code=c, name="D", location="L", actor="ada"),
    ),
    "fund": ("code", lambda s, c: ledger.create_fund(s, code=c, name="F", amount=1, actor="ada")),
    "contract": (
        "number",
        lambda s, c: ledger.create_contract(
            s,
            number=c,
            supplier="S",
            material="antimony",
            form="ingot",
            unit="lb",
            ceiling=1000,
            period_start=date(2025, 10, 1),
            period_end=date(2026, 9, 30),
            fund="NDS-2025",
            actor="carl",
        ),
    ),
    "order": (
        "number",
        lambda s, c: ledger.create_delivery_order(
            s, contract="SB-IDIQ-2025", number=c, quantity=1, value=1, actor="carl"
        ),
    ),
    "opening lot": (
        "code",
        lambda s, c: ledger.record_opening_lot(
            s,
            code=c,
            material="antimony",
            quantity=1,
            unit="lb",
            depot="SCOTIA",
            actor="ada",
            acquired_on=date(2020, 1, 1),
        ),
    ),
    "receipt lot": (
        "lot_code",
        lambda s, c: ledger.receive_delivery(
            s, order="SB-DO-1", actor="carl", at=RECEIPT_AT, lot_code=c
        ),
    ),
}


@pytest.mark.parametrize("bad", BAD, ids=range(len(BAD)))
@pytest.mark.parametrize("kind", sorted(MAKERS))
def test_bad_codes_refused_by_the_ledger(antimony: Session, kind: str, bad: str) -> None:
    field, make = MAKERS[kind]
    if kind in ("depot", "fund") and len(bad) == 81:
        bad = "x" * 65  # depot and fund codes have 64 characters at most
    with pytest.raises(ledger.InvalidInputError) as info:
        make(antimony, bad)
    assert info.value.field == field
    antimony.rollback()


@pytest.mark.parametrize("kind", sorted(MAKERS))
def test_good_codes_accepted(antimony: Session, kind: str) -> None:
    _, make = MAKERS[kind]
    make(antimony, "Ok.code_1-A@B>c")


def test_generated_lot_codes_follow_the_grammar(antimony: Session) -> None:
    s = antimony
    long = "L" * 80
    ledger.record_opening_lot(
        s,
        code=long,
        material="antimony",
        quantity=100,
        unit="lb",
        depot="SCOTIA",
        actor="ada",
        acquired_on=date(2020, 1, 1),
    )
    moved = ledger.transfer(s, lot=long, to_depot="HAMMOND", quantity=10, actor="carl")
    converted = ledger.convert(
        s,
        lot=moved,
        quantity=5,
        output_material="antimony",
        output_form="oxide",
        output_unit="lb",
        yield_fraction="0.5",
        actor="carl",
    )
    received = ledger.receive_delivery(s, order="SB-DO-1", actor="carl", at=RECEIPT_AT)
    for code in (moved, converted, received.lot_code):
        assert re.fullmatch(ledger.CODE_PATTERN, code), code
        assert len(code) <= ledger.CODE_MAX_LEN, code
        assert ledger.check_code(code, "lot") == code
