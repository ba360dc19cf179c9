"""The books overview: value, cover below target, fund total, controls touching holdings."""

from __future__ import annotations

from decimal import Decimal

from stockpile.ledger import FundView, HoldingView
from stockpile.usecases import BelowTarget, BooksOverview


def _holding(material: str, value: str | None, days: str | None, unvalued: int = 0) -> HoldingView:
    return HoldingView(
        material=material,
        quantity=Decimal(1),
        unit="kilogram",
        lots=1 + unvalued,
        depots=("D1",),
        cost_basis=Decimal(0),
        market_value=None if value is None else Decimal(value),
        unrealised_gain=None,
        unvalued_lots=unvalued,
        price_usd_per_kg=None,
        price_year=None,
        price_basis="",
        days_of_cover=None if days is None else Decimal(days),
        consumption_year=None,
        goal=None,
        illustrative=False,
        note="",
    )


def _fund(code: str, balance: str) -> FundView:
    return FundView(code, code, "appropriation", Decimal(balance), 2025, 2027, "", "")


def _books(target: int | None, funds: tuple[FundView, ...] = ()) -> BooksOverview:
    return BooksOverview(
        stockpile_name="NDS",
        regime="Japan",
        target_days=target,
        holdings=(
            _holding("antimony", "1000000", "59.9"),
            _holding("cobalt", "3000000", "60"),
            _holding("gallium", None, "10", unvalued=2),
            _holding("germanium", "500000", None),
        ),
        open_orders=(),
        funds=funds,
    )


def test_cover_below_a_60_day_target() -> None:
    # 59.9 days is below 60; exactly 60 is not; no cover figure is never below
    assert _books(60).below_target() == (
        BelowTarget(material="antimony", days=Decimal("59.9"), target=60),
        BelowTarget(material="gallium", days=Decimal("10"), target=60),
    )
    assert _books(None).below_target() == ()


def test_value_unvalued_lots_and_fund_total() -> None:
    books = _books(60, (_fund("F1", "2000000000"), _fund("F2", "0.50")))
    assert books.market_value() == Decimal("4500000")
    assert books.unvalued_lots() == 2
    assert books.fund_total() == Decimal("2000000000.50")
    assert _books(60).fund_total() is None
    assert books.value_bars(top=2).labels == ("cobalt", "antimony")


def test_measures_name_the_held_materials_they_cover() -> None:
    books = _books(None)
    # CN-2023-GA-GE (China, August 2023) covers gallium and germanium; both are held here
    touched = books.materials_under(["CN-2023-GA-GE", "NO-SUCH-MEASURE"])
    assert touched == {"CN-2023-GA-GE": ("gallium", "germanium")}
