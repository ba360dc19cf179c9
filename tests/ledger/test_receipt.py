"""Hand-worked receipt: the first antimony delivery order (315,000 lb for $10M)."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy.orm import Session

from stockpile import ledger

from .conftest import RECEIPT_AT


def test_receive_315000_lb_antimony_moves_fund_cap_plan_and_holdings(antimony: Session) -> None:
    s = antimony
    result = ledger.receive_delivery(
        s, order="SB-DO-1", actor="carl", at=RECEIPT_AT, lot_code="SB-0001"
    )
    # By hand: whole order, so the cost is the order value; 14 Nov 2025 is in FY2026.
    assert result.cost == Decimal("10000000.00")
    assert result.quantity == Decimal("315000")
    assert result.unit == "pound"
    assert result.fiscal_year == 2026
    funds = {f.code: f.balance for f in ledger.list_funds(s)}
    assert funds == {"NDS-2025": Decimal("1990000000.00"), "NDTF": Decimal("0.00")}
    (cap,) = ledger.list_caps(s)
    assert (cap.spent, cap.remaining) == (Decimal("10000000.00"), Decimal("235000000.00"))
    (plan,) = ledger.list_plan(s)
    assert (plan.fiscal_year, plan.acquired, plan.max_acquisition) == (
        2026,
        Decimal("315000"),
        Decimal("1000000"),
    )
    (lot,) = ledger.list_lots(s)
    assert (lot.code, lot.quantity, lot.depot, lot.form, lot.cost_basis) == (
        "SB-0001",
        Decimal("315000"),
        "SCOTIA",
        "ingot",
        Decimal("10000000.00"),
    )
    assert lot.supplier == "United States Antimony Corp."
    (contract,) = ledger.list_contracts(s)
    assert contract.spent == Decimal("10000000.00")
    assert contract.received == Decimal("315000")
    assert contract.orders[0].status == "received"
    report = ledger.verify_journal(s)
    assert report.ok, report.problems
    # appropriation x2 (the Transaction Fund starts at 0: no entry) + 7 receipt postings
    assert report.entries == 1 + 7


def test_partial_receipts_add_up_to_the_order_value(antimony: Session) -> None:
    s = antimony
    costs = [
        ledger.receive_delivery(s, order="SB-DO-1", actor="carl", quantity=q, at=RECEIPT_AT).cost
        for q in (100_000, 100_000, 115_000)
    ]
    # 10,000,000 x 100,000 / 315,000 = 3,174,603.1746 -> 3,174,603.17; the second receipt
    # costs round(6,349,206.349) - 3,174,603.17 = 3,174,603.18; the last takes the rest.
    assert costs == [Decimal("3174603.17"), Decimal("3174603.18"), Decimal("3650793.65")]
    assert sum(costs) == Decimal("10000000.00")
    assert ledger.verify_journal(s).ok


def test_holding_is_valued_at_the_reference_price(antimony: Session) -> None:
    s = antimony
    ledger.receive_delivery(s, order="SB-DO-1", actor="carl", at=RECEIPT_AT)
    book = ledger.ReferenceBook(
        prices={
            "antimony": ledger.PricePoint(
                "antimony", 2025, Decimal("55.12"), "Sb", "metal", True, "USGS_MCS2026_DR"
            )
        },
        consumption={
            "antimony": ledger.ConsumptionPoint(
                "antimony", 2025, Decimal("45000000"), "Sb content", "USGS_MCS2026_DR"
            )
        },
        default_basis={"antimony": "Sb content"},
    )
    (h,) = ledger.holdings(s, book=book)
    # 315,000 lb x 0.45359237 kg/lb = 142,881.59655 kg; x 55.12 USD/kg = 7,875,633.60 USD
    assert h.market_value == Decimal("7875633.60")
    assert h.unrealised_gain == Decimal("7875633.60") - Decimal("10000000.00")
    # 142,881.59655 kg / (45,000,000 kg / 365 d) = 1.1589 d
    assert h.days_of_cover == Decimal("1.2")
    assert not h.illustrative


def test_bundled_reference_prices_value_antimony(antimony: Session) -> None:
    s = antimony
    ledger.receive_delivery(s, order="SB-DO-1", actor="carl", at=RECEIPT_AT)
    (h,) = ledger.holdings(s)
    # USGS MCS 2026: antimony 2025 estimate 25 USD/lb -> 55.12 USD/kg in prices.csv;
    # apparent consumption 2025: 45,000 t Sb content.
    assert h.price_year == 2025
    assert h.price_usd_per_kg == Decimal("55.12")
    assert h.market_value == Decimal("7875633.60")
    assert h.consumption_year == 2025
    assert h.days_of_cover == Decimal("1.2")
