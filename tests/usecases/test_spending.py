"""Contracts and caps: money spent and still open; lots and cost basis by depot."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal

import pytest

from stockpile.ledger import CapView, ContractStatus, ContractView, LotView
from stockpile.usecases import cap_spending, contract_spending, depot_totals

DAY = dt.date(2026, 1, 1)


def _contract(number: str, material: str, ceiling: str, spent: str, status: str) -> ContractView:
    return ContractView(
        number=number,
        kind="idiq",
        supplier="S",
        material=material,
        form="ingot",
        unit="pound",
        minimum_guarantee=Decimal(0),
        ceiling=Decimal(ceiling),
        spent=Decimal(spent),
        received=Decimal(0),
        max_quantity=None,
        period_start=DAY,
        period_end=DAY,
        fund="F1",
        depot=None,
        status=status,
        price_terms="",
        source="",
        orders=(),
    )


CONTRACTS = (
    _contract("C1", "antimony", "245000000", "45000000", ContractStatus.ACTIVE),
    _contract("C2", "cobalt", "500000000", "0", ContractStatus.CANCELLED),
    _contract("C3", "tantalum", "1000000", "1500000", ContractStatus.ACTIVE),
)


def test_only_active_contracts_have_money_remaining() -> None:
    bars = contract_spending(CONTRACTS)
    assert bars.labels == ("C1", "C2 (cancelled)", "C3")
    assert bars.spent == pytest.approx((45.0, 0.0, 1.5))
    # C1: 245 - 45 = 200; C2 cancelled: nothing remains of its $500M; C3 overspent: 0, not -0.5
    assert bars.open == pytest.approx((200.0, 0.0, 0.0))


def test_caps_name_materials_without_an_active_contract() -> None:
    caps = [
        CapView("antimony", Decimal("245e6"), Decimal("45e6"), Decimal("200e6"), ""),
        CapView("cobalt", Decimal("500e6"), Decimal(0), Decimal("500e6"), ""),
    ]
    bars = cap_spending(caps, CONTRACTS)
    assert bars.labels == ("antimony", "cobalt (no active contract)")
    assert bars.spent == pytest.approx((45.0, 0.0))
    assert bars.open == pytest.approx((200.0, 500.0))


def test_depot_totals_count_lots_materials_and_cost() -> None:
    lot = LotView(
        code="L1",
        material="antimony",
        form="ingot",
        grade="",
        quantity=Decimal(1),
        unit="pound",
        basis="",
        depot="SCOTIA",
        origin_country="",
        supplier="",
        acquired_on=DAY,
        cost_basis=Decimal("100.25"),
        contract=None,
        condition="",
        illustrative=False,
    )
    lots = [
        lot,
        replace(lot, code="L2", material="cobalt", cost_basis=Decimal("50")),
        replace(lot, code="L3", cost_basis=Decimal("0.75")),
        replace(lot, code="L4", depot="HAMMOND", cost_basis=Decimal("7")),
    ]
    totals = depot_totals(lots)
    assert list(totals) == ["HAMMOND", "SCOTIA"]
    scotia = totals["SCOTIA"]
    assert (scotia.lots, scotia.materials, scotia.cost_basis) == (
        3,
        ("antimony", "cobalt"),
        Decimal("151.00"),
    )
    assert totals["HAMMOND"].cost_basis == Decimal("7")
