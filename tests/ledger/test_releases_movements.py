"""Releases (FIFO, chosen lots, capacity, report) and movements (transfer, conversion,
disposal, adjustment, loans), with hand-computed balances."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy.orm import Session

from stockpile import ledger

from .conftest import seed_users

T0 = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


@pytest.fixture
def books(session: Session) -> Session:
    """Three cobalt lots in two depots (test figures): A 100 t (2019), B 50 t (2020) at EAST,
    C 80 t (2018) at WEST. EAST ships at most 120 t a month; WEST 30 t of cobalt a month."""
    s = session
    seed_users(s)
    ledger.create_depot(
        s,
        code="EAST",
        name="East",
        location="",
        actor="ada",
        monthly_release_capacity=120,
        capacity_unit="t",
    )
    ledger.create_depot(
        s,
        code="WEST",
        name="West",
        location="",
        actor="ada",
        storage_capacity=500,
        capacity_unit="t",
    )
    ledger.set_depot_capacity(
        s, depot="WEST", material="cobalt", monthly_release_capacity=30, unit="t", actor="ada"
    )
    for code, qty, depot, day, cost in [
        ("A", 100, "EAST", date(2019, 5, 1), 3_000_000),
        ("B", 50, "EAST", date(2020, 5, 1), 2_000_000),
        ("C", 80, "WEST", date(2018, 5, 1), 2_400_000),
    ]:
        ledger.record_opening_lot(
            s,
            code=code,
            material="cobalt",
            quantity=qty,
            unit="t",
            depot=depot,
            acquired_on=day,
            cost=cost,
            actor="ada",
            form="cathode",
        )
    return s


def _release(s: Session, qty: float, lots: tuple[str, ...] = (), unit: str = "t") -> int:
    rid = ledger.request_release(
        s,
        material="cobalt",
        quantity=qty,
        unit=unit,
        recipient="DoD",
        lots=lots,
        purpose="defence-production",
        legal_basis="usd-as-determination",
        actor="ann",
        at=T0,
    )
    ledger.approve_release(s, release_id=rid, actor="rita", at=T0)
    return rid


def _qty(s: Session) -> dict[str, Decimal]:
    return {lot.code: lot.quantity for lot in ledger.list_lots(s, include_empty=True)}


def test_fifo_release_respects_depot_capacity(books: Session) -> None:
    s = books
    rid = _release(s, 140)
    out = ledger.execute_release(s, release_id=rid, actor="carl", at=T0)
    # FIFO: C (2018) first but WEST ships only 30 t/month of cobalt -> 30 from C;
    # then A (2019) 100 t and B 10 t (EAST total 110 <= 120).
    assert [(d.lot_code, d.quantity) for d in out.draws] == [
        ("C", Decimal(30)),
        ("A", Decimal(100)),
        ("B", Decimal(10)),
    ]
    assert _qty(s) == {"A": 0, "B": 40, "C": 50}
    assert out.report_id is not None
    (view,) = ledger.list_releases(s)
    assert view.status == "executed" and view.report is not None
    from stockpile.ledger.models import ReleaseReport

    (report,) = s.query(ReleaseReport).all()
    assert report.addressee == "Senate and House Armed Services Committees"
    assert "approved by rita" in view.report
    # The month's capacity is used up: EAST has 10 t left, WEST none.
    rid2 = _release(s, 11)
    with pytest.raises(ledger.CapacityExceededError):
        ledger.execute_release(s, release_id=rid2, actor="carl", at=T0)
    # Next month the capacity is back.
    ledger.execute_release(s, release_id=rid2, actor="carl", at=datetime(2026, 4, 1, tzinfo=UTC))
    assert ledger.verify_journal(s).ok


def test_chosen_lots_and_unit_conversion(books: Session) -> None:
    s = books
    rid = _release(s, 22_046.2262, lots=("B",), unit="lb")  # 10 t = 22,046.2262 lb
    out = ledger.execute_release(s, release_id=rid, actor="carl", at=T0)
    assert [d.lot_code for d in out.draws] == ["B"]
    assert abs(out.draws[0].quantity - Decimal(10)) < Decimal("0.000001")


def test_an_executed_release_cannot_run_twice(books: Session) -> None:
    s = books
    rid = _release(s, 1)
    ledger.execute_release(s, release_id=rid, actor="carl", at=T0)
    with pytest.raises(ledger.StateError):
        ledger.execute_release(s, release_id=rid, actor="carl", at=T0)


def test_korea_release_due_dates(books: Session) -> None:
    s = books
    ledger.configure_stockpile(s, name="PPS", regime="korea-pps", actor="ada")
    normal = ledger.request_release(
        s,
        material="cobalt",
        quantity=1,
        unit="t",
        recipient="SME",
        purpose="supply-disruption",
        legal_basis="ministerial-request",
        actor="ann",
        at=T0,
    )
    urgent = ledger.request_release(
        s,
        material="cobalt",
        quantity=1,
        unit="t",
        recipient="SME",
        purpose="supply-disruption",
        legal_basis="ministerial-request",
        actor="ann",
        at=T0,
        emergency=True,
    )
    for rid in (normal, urgent):
        ledger.approve_release(s, release_id=rid, actor="rob", at=T0)
    due = {r.id: r.due_by for r in ledger.list_releases(s)}
    assert due == {normal: date(2026, 4, 1), urgent: date(2026, 3, 10)}
    out = ledger.execute_release(s, release_id=normal, actor="carl", at=T0)
    assert out.report_id is None


def test_transfer_splits_cost_and_respects_storage(books: Session) -> None:
    s = books
    code = ledger.transfer(s, lot="A", to_depot="WEST", quantity=25, actor="carl", new_lot="A2")
    assert code == "A2"
    lots = {lot.code: lot for lot in ledger.list_lots(s)}
    # 25 of 100 t moves with 25% of 3,000,000 USD.
    assert (lots["A"].quantity, lots["A"].cost_basis) == (Decimal(75), Decimal("2250000.00"))
    assert (lots["A2"].depot, lots["A2"].cost_basis) == ("WEST", Decimal("750000.00"))
    # WEST holds 80 + 25 = 105 t of 500 t: 396 t more is refused.
    with pytest.raises(ledger.CapacityExceededError):
        ledger.record_opening_lot(
            s,
            code="BIG",
            material="cobalt",
            quantity=396,
            unit="t",
            depot="WEST",
            acquired_on=date(2020, 1, 1),
            actor="ada",
        )
    ledger.record_opening_lot(
        s,
        code="FITS",
        material="cobalt",
        quantity=395,
        unit="t",
        depot="WEST",
        acquired_on=date(2020, 1, 1),
        actor="ada",
    )
    assert ledger.verify_journal(s).ok


def test_conversion_with_yield(books: Session) -> None:
    s = books
    code = ledger.convert(
        s,
        lot="C",
        quantity=40,
        output_material="cobalt",
        output_form="powder",
        output_unit="kg",
        yield_fraction=0.95,
        actor="carl",
        at=T0,
    )
    lots = {lot.code: lot for lot in ledger.list_lots(s)}
    # 40 t = 40,000 kg x 0.95 = 38,000 kg; half of C's cost (1,200,000 USD) moves.
    assert lots[code].quantity == Decimal(38_000) and lots[code].unit == "kilogram"
    assert lots[code].cost_basis == Decimal("1200000.00")
    assert lots["C"].quantity == Decimal(40)
    with pytest.raises(ledger.InvalidInputError, match="yield"):
        ledger.convert(
            s,
            lot="C",
            quantity=1,
            output_material="cobalt",
            output_form="x",
            output_unit="kg",
            yield_fraction=1.5,
            actor="carl",
        )


def test_disposal_needs_law_notice_and_sends_proceeds_to_transaction_fund(books: Session) -> None:
    s = books
    ledger.create_fund(
        s,
        code="NDTF",
        name="Transaction Fund",
        amount=0,
        actor="ada",
        kind="transaction",
        allowed_uses=("proceeds",),
    )
    ledger.set_plan_line(
        s,
        fiscal_year=2026,
        material="cobalt",
        max_acquisition=0,
        max_disposal=20,
        unit="t",
        actor="ada",
    )
    ledger.record_disposal_authorisation(
        s,
        reference="P.L. test-1 sec. 3",
        material="cobalt",
        max_quantity=15,
        unit="t",
        notified_on=date(2026, 1, 1),
        actor="ada",
    )
    # 45 days after 1 Jan 2026 is 15 Feb 2026.
    with pytest.raises(ledger.GovernanceError, match="2026-02-15"):
        ledger.dispose(
            s,
            lot="A",
            quantity=5,
            proceeds=150_000,
            buyer="alloy maker",
            authorisation="P.L. test-1 sec. 3",
            actor="carl",
            at=datetime(2026, 2, 14, tzinfo=UTC),
        )
    ledger.dispose(
        s,
        lot="A",
        quantity=10,
        proceeds=300_000,
        buyer="alloy maker",
        authorisation="P.L. test-1 sec. 3",
        actor="carl",
        at=T0,
    )
    assert {f.code: f.balance for f in ledger.list_funds(s)} == {"NDTF": Decimal("300000.00")}
    with pytest.raises(ledger.LimitExceededError, match="allows 15"):
        ledger.dispose(
            s,
            lot="A",
            quantity=6,
            proceeds=1,
            buyer="x",
            authorisation="P.L. test-1 sec. 3",
            actor="carl",
            at=T0,
        )
    assert ledger.list_plan(s)[0].disposed == Decimal(10)
    assert ledger.verify_journal(s).ok


def test_adjustment_by_auditor_and_loans(books: Session) -> None:
    s = books
    ledger.adjust(s, lot="B", delta=-0.5, reason="stocktake 2026: weighing loss", actor="aud")
    loan = ledger.lend(
        s,
        lot="B",
        quantity=9.5,
        borrower="Department of Energy",
        return_due=date(2026, 9, 30),
        actor="carl",
        at=T0,
    )
    assert _qty(s)["B"] == Decimal(40)
    ledger.return_loan(s, loan_id=loan, actor="carl", quantity=4.5)
    ledger.return_loan(s, loan_id=loan, actor="carl")
    assert _qty(s)["B"] == Decimal("49.5")
    with pytest.raises(ledger.StateError):
        ledger.return_loan(s, loan_id=loan, actor="carl")
    assert ledger.verify_journal(s).ok


def test_goal_changes_wait_45_days_under_us_nds(books: Session) -> None:
    s = books
    effective = ledger.set_goal(
        s,
        material="cobalt",
        quantity=500,
        unit="t",
        notified_on=date(2026, 1, 10),
        reason="FY2027 requirements",
        actor="ada",
    )
    assert effective == date(2026, 2, 24)  # 10 Jan + 45 days
    (before,) = ledger.list_goals(s, on=date(2026, 2, 23))
    (after,) = ledger.list_goals(s, on=date(2026, 2, 24))
    assert (before.in_force, after.in_force) == (False, True)
    ledger.configure_stockpile(s, name="x", regime="japan-jogmec", actor="ada")
    assert ledger.set_goal(
        s,
        material="cobalt",
        quantity=550,
        unit="t",
        notified_on=date(2026, 3, 1),
        reason="60 days",
        actor="ada",
    ) == date(2026, 3, 1)
    in_force = [g for g in ledger.list_goals(s, on=date(2026, 3, 1)) if g.in_force]
    assert [(g.quantity, g.effective_on) for g in in_force] == [(Decimal(550), date(2026, 3, 1))]
    with pytest.raises(ledger.AuthorisationError):
        ledger.set_goal(
            s,
            material="cobalt",
            quantity=1,
            unit="t",
            notified_on=date(2026, 3, 2),
            reason="x",
            actor="ann",
        )
