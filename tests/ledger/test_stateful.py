"""Random operation sequences against a tiny in-memory oracle (hypothesis stateful test).

After every step: lot quantities and fund balances equal the oracle's, nothing is negative,
and the journal verifies (chain and every cached balance).
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from stockpile import ledger

from .conftest import seed_users

T = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)
QTY = st.decimals(min_value=Decimal("0.001"), max_value=Decimal(500), places=3)
MONEY = st.decimals(min_value=Decimal(1), max_value=Decimal(5_000_000), places=2)


@dataclass
class _OracleLot:
    qty: Decimal
    acquired: date
    order: int


def _machine(make_engine: Callable[[], AbstractContextManager[Engine]]) -> type:
    class Books(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self._cm = make_engine()
            self.engine = self._cm.__enter__()
            self.s: Session = ledger.make_sessionmaker(self.engine)()
            self.lots: dict[str, _OracleLot] = {}
            self.funds = {"F": Decimal("20000000.00"), "T": Decimal("0.00")}
            self.n = 0
            self.loans: dict[int, tuple[str, Decimal]] = {}

        @initialize()
        def setup(self) -> None:
            s = self.s
            seed_users(s)
            ledger.configure_stockpile(s, name="reserve", regime="company", actor="ada")
            for d in ("D1", "D2"):
                ledger.create_depot(s, code=d, name=d, location="", actor="ada")
            ledger.create_fund(s, code="F", name="F", amount=self.funds["F"], actor="ada")
            ledger.create_fund(
                s,
                code="T",
                name="T",
                amount=0,
                actor="ada",
                kind="transaction",
                allowed_uses=("proceeds",),
            )
            ledger.create_contract(
                s,
                number="C",
                supplier="S",
                material="cobalt",
                form="rounds",
                unit="t",
                ceiling=30_000_000,
                period_start=date(2026, 1, 1),
                period_end=date(2027, 1, 1),
                fund="F",
                actor="carl",
                depot="D1",
            )
            for year, qty in ((2019, Decimal(120)), (2012, Decimal("80.5"))):
                code = self._new_code()
                ledger.record_opening_lot(
                    s,
                    code=code,
                    material="cobalt",
                    quantity=qty,
                    unit="t",
                    depot="D1",
                    acquired_on=date(year, 1, 1),
                    actor="ada",
                    at=T,
                )
                self.lots[code] = _OracleLot(qty, date(year, 1, 1), self.n)

        def teardown(self) -> None:
            self.s.close()
            self._cm.__exit__(None, None, None)

        def _new_code(self) -> str:
            self.n += 1
            return f"L{self.n}"

        @rule(qty=QTY, year=st.integers(2015, 2025))
        def open_lot(self, qty: Decimal, year: int) -> None:
            code = self._new_code()
            ledger.record_opening_lot(
                self.s,
                code=code,
                material="cobalt",
                quantity=qty,
                unit="t",
                depot="D2",
                acquired_on=date(year, 1, 1),
                actor="ada",
                at=T,
            )
            self.lots[code] = _OracleLot(qty, date(year, 1, 1), self.n)

        @rule(qty=QTY, value=MONEY)
        def receive(self, qty: Decimal, value: Decimal) -> None:
            code = self._new_code()
            ledger.create_delivery_order(
                self.s,
                contract="C",
                number=f"O{self.n}",
                quantity=qty,
                value=value,
                due_date=date(2026, 6, 1),
                actor="carl",
            )
            if value > self.funds["F"]:
                with pytest.raises(ledger.LimitExceededError):
                    ledger.receive_delivery(
                        self.s, order=f"O{self.n}", actor="carl", at=T, lot_code=code
                    )
                return
            ledger.receive_delivery(self.s, order=f"O{self.n}", actor="carl", at=T, lot_code=code)
            self.funds["F"] -= value
            self.lots[code] = _OracleLot(qty, T.date(), self.n)

        def _pick(self, data: st.DataObject) -> str | None:
            if not self.lots:
                return None
            return data.draw(st.sampled_from(sorted(self.lots)))

        @precondition(lambda self: bool(self.lots))
        @rule(data=st.data(), qty=QTY)
        def transfer(self, data: st.DataObject, qty: Decimal) -> None:
            code = self._pick(data)
            if code is None:
                return
            lot = self.lots[code]
            new = self._new_code()
            dest = data.draw(st.sampled_from(["D1", "D2"]))
            try:
                ledger.transfer(
                    self.s, lot=code, to_depot=dest, quantity=qty, actor="carl", new_lot=new, at=T
                )
            except ledger.InsufficientHoldingsError:
                assert qty > lot.qty
                return
            except ledger.InvalidInputError as exc:
                assert exc.field == "to_depot"  # already there
                return
            assert qty <= lot.qty
            lot.qty -= qty
            self.lots[new] = _OracleLot(qty, lot.acquired, self.n)

        @precondition(lambda self: bool(self.lots))
        @rule(data=st.data(), delta=st.decimals(min_value=-50, max_value=50, places=3))
        def adjust(self, data: st.DataObject, delta: Decimal) -> None:
            code = self._pick(data)
            if code is None or delta == 0:
                return
            lot = self.lots[code]
            if lot.qty + delta < 0:
                with pytest.raises(ledger.InsufficientHoldingsError):
                    ledger.adjust(self.s, lot=code, delta=delta, reason="count", actor="aud")
                return
            ledger.adjust(self.s, lot=code, delta=delta, reason="count", actor="aud")
            lot.qty += delta

        @precondition(lambda self: bool(self.lots))
        @rule(data=st.data(), qty=QTY, proceeds=MONEY)
        def dispose(self, data: st.DataObject, qty: Decimal, proceeds: Decimal) -> None:
            code = self._pick(data)
            if code is None:
                return
            lot = self.lots[code]
            if qty > lot.qty:
                with pytest.raises(ledger.InsufficientHoldingsError):
                    ledger.dispose(
                        self.s,
                        lot=code,
                        quantity=qty,
                        proceeds=proceeds,
                        buyer="b",
                        actor="carl",
                        at=T,
                    )
                return
            ledger.dispose(
                self.s, lot=code, quantity=qty, proceeds=proceeds, buyer="b", actor="carl", at=T
            )
            lot.qty -= qty
            self.funds["T"] += proceeds

        @precondition(lambda self: bool(self.lots))
        @rule(data=st.data(), qty=QTY)
        def lend(self, data: st.DataObject, qty: Decimal) -> None:
            code = self._pick(data)
            if code is None:
                return
            lot = self.lots[code]
            if qty > lot.qty:
                with pytest.raises(ledger.InsufficientHoldingsError):
                    ledger.lend(
                        self.s,
                        lot=code,
                        quantity=qty,
                        borrower="DOE",
                        return_due=date(2027, 1, 1),
                        actor="carl",
                        at=T,
                    )
                return
            loan = ledger.lend(
                self.s,
                lot=code,
                quantity=qty,
                borrower="DOE",
                return_due=date(2027, 1, 1),
                actor="carl",
                at=T,
            )
            lot.qty -= qty
            self.loans[loan] = (code, qty)

        @precondition(lambda self: bool(self.loans))
        @rule(data=st.data())
        def return_loan(self, data: st.DataObject) -> None:
            if not self.loans:
                return
            loan = data.draw(st.sampled_from(sorted(self.loans)))
            code, qty = self.loans.pop(loan)
            ledger.return_loan(self.s, loan_id=loan, actor="carl", at=T)
            self.lots[code].qty += qty

        @rule(qty=QTY)
        def release(self, qty: Decimal) -> None:
            rid = ledger.request_release(
                self.s,
                material="cobalt",
                quantity=qty,
                unit="t",
                recipient="plant",
                purpose="supply-disruption",
                legal_basis="board-decision",
                actor="ann",
                at=T,
            )
            ledger.approve_release(self.s, release_id=rid, actor="rita", at=T)
            total = sum((lot.qty for lot in self.lots.values()), Decimal(0))
            if qty > total:
                with pytest.raises(ledger.InsufficientHoldingsError):
                    ledger.execute_release(self.s, release_id=rid, actor="carl", at=T)
                return
            ledger.execute_release(self.s, release_id=rid, actor="carl", at=T)
            remaining = qty
            for lot in sorted(self.lots.values(), key=lambda x: (x.acquired, x.order)):
                take = min(lot.qty, remaining)
                lot.qty -= take
                remaining -= take

        @invariant()
        def books_agree(self) -> None:
            db_lots = {v.code: v.quantity for v in ledger.list_lots(self.s, include_empty=True)}
            assert db_lots == {k: v.qty for k, v in self.lots.items()}
            assert all(q >= 0 for q in db_lots.values())
            assert {f.code: f.balance for f in ledger.list_funds(self.s)} == self.funds
            report = ledger.verify_journal(self.s)
            assert report.ok, report.problems

    return Books


@pytest.mark.parametrize(
    ("kind", "examples"), [("sqlite", 15), pytest.param("postgres", 4, marks=pytest.mark.postgres)]
)
def test_random_operations_match_the_oracle(
    engine_factory: Callable[[str], AbstractContextManager[Engine]], kind: str, examples: int
) -> None:
    from hypothesis.stateful import run_state_machine_as_test

    machine = _machine(lambda: engine_factory(kind))
    run_state_machine_as_test(
        machine,
        settings=settings(
            max_examples=examples,
            stateful_step_count=15,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
        ),
    )
