"""Bad input: each case is refused with a clear error naming the field, and nothing is written."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime

import pytest
from sqlalchemy.orm import Session

from stockpile import ledger

from .conftest import RECEIPT_AT, snapshot


def _lot(s: Session, code: str = "SB-0001") -> None:
    ledger.receive_delivery(s, order="SB-DO-1", actor="carl", at=RECEIPT_AT, lot_code=code)


def _approved(s: Session, quantity: float, unit: str = "lb") -> int:
    rid = ledger.request_release(
        s,
        material="antimony",
        quantity=quantity,
        unit=unit,
        recipient="Army",
        purpose="national-defence",
        legal_basis="presidential-order",
        actor="ann",
    )
    ledger.approve_release(s, release_id=rid, actor="rita")
    return rid


Case = tuple[str, Callable[[Session], object], type[ledger.LedgerError], str]

CASES: list[Case] = [
    (
        "negative receipt",
        lambda s: ledger.receive_delivery(
            s, order="SB-DO-1", actor="carl", quantity=-5, at=RECEIPT_AT
        ),
        ledger.InvalidInputError,
        "quantity",
    ),
    (
        "zero receipt",
        lambda s: ledger.receive_delivery(
            s, order="SB-DO-1", actor="carl", quantity=0, at=RECEIPT_AT
        ),
        ledger.InvalidInputError,
        "quantity",
    ),
    (
        "not a number",
        lambda s: ledger.receive_delivery(
            s, order="SB-DO-1", actor="carl", quantity="lots", at=RECEIPT_AT
        ),
        ledger.InvalidInputError,
        "quantity",
    ),
    (
        "NaN",
        lambda s: ledger.receive_delivery(
            s, order="SB-DO-1", actor="carl", quantity=float("nan"), at=RECEIPT_AT
        ),
        ledger.InvalidInputError,
        "quantity",
    ),
    (
        "unknown unit",
        lambda s: ledger.request_release(
            s,
            material="antimony",
            quantity=1,
            unit="bushel",
            recipient="Army",
            purpose="national-defence",
            legal_basis="presidential-order",
            actor="ann",
        ),
        ledger.InvalidInputError,
        "unit",
    ),
    (
        "ambiguous unit",
        lambda s: ledger.set_plan_line(
            s,
            fiscal_year=2027,
            material="antimony",
            max_acquisition=1,
            max_disposal=1,
            unit="ton",
            actor="ada",
        ),
        ledger.InvalidInputError,
        "unit",
    ),
    (
        "unknown material",
        lambda s: ledger.create_cap(s, material="unobtainium", ceiling=5, actor="ada"),
        ledger.InvalidInputError,
        "material",
    ),
    (
        "receipt above the order",
        lambda s: ledger.receive_delivery(
            s, order="SB-DO-1", actor="carl", quantity=315_001, at=RECEIPT_AT
        ),
        ledger.LimitExceededError,
        "quantity",
    ),
    (
        "receipt outside the contract period",
        lambda s: ledger.receive_delivery(
            s, order="SB-DO-1", actor="carl", at=datetime(2031, 1, 1, tzinfo=UTC)
        ),
        ledger.StateError,
        "date",
    ),
    (
        "receipt by an analyst",
        lambda s: ledger.receive_delivery(s, order="SB-DO-1", actor="ann", at=RECEIPT_AT),
        ledger.AuthorisationError,
        "actor",
    ),
    (
        "unknown user",
        lambda s: ledger.receive_delivery(s, order="SB-DO-1", actor="mallory", at=RECEIPT_AT),
        ledger.NotFoundError,
        "actor",
    ),
    (
        "release above holdings",
        lambda s: ledger.execute_release(s, release_id=_approved(s, 315_001), actor="carl"),
        ledger.InsufficientHoldingsError,
        "quantity",
    ),
    # 200 t/month at Scotia = 440,924.5 lb; the lot holds 315,000 lb, so use the
    # per-material capacity set below (100,000 lb/month).
    (
        "release above depot capacity",
        lambda s: (
            ledger.set_depot_capacity(
                s,
                depot="SCOTIA",
                material="antimony",
                monthly_release_capacity=100_000,
                unit="lb",
                actor="ada",
            ),
            ledger.execute_release(s, release_id=_approved(s, 100_001), actor="carl"),
        ),
        ledger.CapacityExceededError,
        "depot",
    ),
    (
        "approver is the requester",
        lambda s: ledger.approve_release(
            s,
            release_id=ledger.request_release(
                s,
                material="antimony",
                quantity=1,
                unit="lb",
                recipient="Army",
                purpose="national-defence",
                legal_basis="presidential-order",
                actor="rita",
            ),
            actor="rita",
        ),
        ledger.AuthorisationError,
        "approver",
    ),
    (
        "approver without the role",
        lambda s: ledger.approve_release(
            s,
            release_id=ledger.request_release(
                s,
                material="antimony",
                quantity=1,
                unit="lb",
                recipient="Army",
                purpose="national-defence",
                legal_basis="presidential-order",
                actor="ann",
            ),
            actor="carl",
        ),
        ledger.AuthorisationError,
        "actor",
    ),
    (
        "economic purpose under us-nds",
        lambda s: ledger.request_release(
            s,
            material="antimony",
            quantity=1,
            unit="lb",
            recipient="industry",
            purpose="economic",
            legal_basis="presidential-order",
            actor="ann",
        ),
        ledger.GovernanceError,
        "purpose",
    ),
    (
        "execute before approval",
        lambda s: ledger.execute_release(
            s,
            release_id=ledger.request_release(
                s,
                material="antimony",
                quantity=1,
                unit="lb",
                recipient="Army",
                purpose="national-defence",
                legal_basis="presidential-order",
                actor="ann",
            ),
            actor="carl",
        ),
        ledger.StateError,
        "release_id",
    ),
    (
        "adjustment by a non-auditor",
        lambda s: ledger.adjust(s, lot="SB-0001", delta=-5, reason="count", actor="ada"),
        ledger.AuthorisationError,
        "actor",
    ),
    (
        "adjustment without reason",
        lambda s: ledger.adjust(s, lot="SB-0001", delta=-5, reason="  ", actor="aud"),
        ledger.InvalidInputError,
        "reason",
    ),
    (
        "adjustment below zero",
        lambda s: ledger.adjust(s, lot="SB-0001", delta=-315_000.5, reason="count", actor="aud"),
        ledger.InsufficientHoldingsError,
        "delta",
    ),
    (
        "disposal without authorisation by law",
        lambda s: ledger.dispose(
            s, lot="SB-0001", quantity=10, proceeds=100, buyer="x", actor="carl"
        ),
        ledger.GovernanceError,
        "authorisation",
    ),
    (
        "transfer above the lot",
        lambda s: ledger.transfer(
            s, lot="SB-0001", to_depot="HAMMOND", quantity=400_000, actor="carl"
        ),
        ledger.InsufficientHoldingsError,
        "quantity",
    ),
    (
        "transfer to an unknown depot",
        lambda s: ledger.transfer(s, lot="SB-0001", to_depot="NOWHERE", actor="carl"),
        ledger.NotFoundError,
        "to_depot",
    ),
    (
        "loan returned before it is lent",
        lambda s: ledger.lend(
            s, lot="SB-0001", quantity=5, borrower="DOE", return_due=date(2020, 1, 1), actor="carl"
        ),
        ledger.InvalidInputError,
        "return_due",
    ),
]


@pytest.mark.parametrize(("name", "action", "error", "field"), CASES, ids=[c[0] for c in CASES])
def test_refused_and_nothing_written(
    antimony: Session,
    name: str,
    action: Callable[[Session], object],
    error: type[ledger.LedgerError],
    field: str,
) -> None:
    s = antimony
    if "receipt" not in name or "analyst" in name:
        _lot(s)
    # Set-up steps inside the action (a capacity, a request) are operations of their own:
    # compare against the state just before the last operation started (the refused one).
    before = snapshot(s)

    def refused(*_: object) -> None:
        nonlocal before
        before = snapshot(s)

    import stockpile.ledger._ops as ops

    original = ops.operation

    def spy(session: Session, **kwargs: object):  # type: ignore[no-untyped-def]
        refused()
        return original(session, **kwargs)  # type: ignore[arg-type]

    with pytest.MonkeyPatch.context() as mp:
        for module in ("setup", "receipts", "movements", "releases"):
            mp.setattr(f"stockpile.ledger.{module}.operation", spy)
        with pytest.raises(error) as info:
            action(s)
    assert info.value.field.startswith(field) or field in info.value.field
    assert str(info.value).startswith(info.value.field + ":")
    assert snapshot(s) == before
    assert ledger.verify_journal(s).ok


def test_receipt_beyond_cap_plan_and_ceiling(antimony: Session) -> None:
    s = antimony
    # A second order of 700,000 lb in FY2026 passes the contract but not the AMP line of
    # 1,000,000 lb once the first order (315,000 lb) is in: 1,015,000 > 1,000,000.
    ledger.create_delivery_order(
        s,
        contract="SB-IDIQ-2025",
        number="SB-DO-2",
        quantity=700_000,
        value=20_000_000,
        due_date=date(2026, 3, 1),
        actor="carl",
    )
    _lot(s)
    before = snapshot(s)
    with pytest.raises(ledger.LimitExceededError, match="plan"):
        ledger.receive_delivery(s, order="SB-DO-2", actor="carl", at=RECEIPT_AT)
    assert snapshot(s) == before
    # Raise the plan; then the $245M cap binds for an order that would exceed it.
    ledger.set_plan_line(
        s,
        fiscal_year=2026,
        material="antimony",
        max_acquisition=6_700_000,
        max_disposal=0,
        unit="lb",
        actor="ada",
    )
    with pytest.raises(ledger.LimitExceededError, match="ceiling"):
        ledger.create_delivery_order(
            s,
            contract="SB-IDIQ-2025",
            number="SB-DO-3",
            quantity=1_000,
            value=215_000_000.01,
            due_date=date(2026, 3, 1),
            actor="carl",
        )
    # The cap is separate from the contract: lower it below what the next receipt needs.
    s2 = snapshot(s)
    from stockpile.ledger.models import Cap

    cap = s.query(Cap).one()
    cap.ceiling = cap.spent + 1  # type: ignore[assignment]
    s.commit()
    s2 = snapshot(s)
    with pytest.raises(ledger.LimitExceededError) as info:
        ledger.receive_delivery(s, order="SB-DO-2", actor="carl", at=RECEIPT_AT)
    assert info.value.field == "cap"
    assert snapshot(s) == s2


def test_receipt_beyond_contract_ceiling_and_max_quantity(antimony: Session) -> None:
    s = antimony
    from stockpile.ledger.models import Contract

    # Orders cannot exceed the ceiling, so lower the ceiling after the order is placed (as a
    # contract modification would) and check that the receipt itself is refused.
    contract = s.query(Contract).one()
    contract.ceiling = contract.spent + 9_999_999  # type: ignore[assignment]
    s.commit()
    before = snapshot(s)
    with pytest.raises(ledger.LimitExceededError) as info:
        ledger.receive_delivery(s, order="SB-DO-1", actor="carl", at=RECEIPT_AT)
    assert info.value.field == "contract" and "ceiling" in info.value.problem
    assert snapshot(s) == before
    contract = s.query(Contract).one()
    contract.ceiling, contract.max_quantity = 245_000_000, 314_999  # type: ignore[assignment]
    s.commit()
    before = snapshot(s)
    with pytest.raises(ledger.LimitExceededError, match="maximum quantity"):
        ledger.receive_delivery(s, order="SB-DO-1", actor="carl", at=RECEIPT_AT)
    assert snapshot(s) == before


def test_receipt_without_plan_line_is_refused_under_us_nds(antimony: Session) -> None:
    s = antimony
    before = snapshot(s)
    with pytest.raises(ledger.GovernanceError, match="FY2027"):
        ledger.receive_delivery(
            s, order="SB-DO-1", actor="carl", at=datetime(2026, 10, 2, tzinfo=UTC)
        )
    assert snapshot(s) == before


def test_receipt_beyond_fund_balance(session: Session) -> None:
    from .conftest import seed_users

    s = session
    seed_users(s)
    ledger.configure_stockpile(s, name="co", regime="company", actor="ada")
    ledger.create_depot(s, code="D", name="D", location="", actor="ada")
    ledger.create_fund(s, code="F", name="F", amount=100, actor="ada")
    ledger.create_contract(
        s,
        number="C",
        supplier="S",
        material="cobalt",
        form="rounds",
        unit="kg",
        ceiling=1000,
        period_start=date(2025, 1, 1),
        period_end=date(2026, 1, 1),
        fund="F",
        actor="carl",
        depot="D",
    )
    ledger.create_delivery_order(
        s, contract="C", number="O", quantity=10, value=101, due_date=date(2025, 6, 1), actor="carl"
    )
    before = snapshot(s)
    with pytest.raises(ledger.LimitExceededError) as info:
        ledger.receive_delivery(s, order="O", actor="carl", at=datetime(2025, 6, 1))
    assert info.value.field == "fund"
    assert snapshot(s) == before
