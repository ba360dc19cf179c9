"""The operations report's figures: fiscal-year bounds, value of the holdings, counts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from stockpile.ledger import HoldingView
from stockpile.usecases import (
    OperationsReport,
    ReportOperation,
    fiscal_year_bounds,
    holdings_value,
    value_bars,
)


def _holding(material: str, value: str | None, *, illustrative: bool = False) -> HoldingView:
    return HoldingView(
        material=material,
        quantity=Decimal(1),
        unit="kilogram",
        lots=1,
        depots=("D1",),
        cost_basis=Decimal(0),
        market_value=None if value is None else Decimal(value),
        unrealised_gain=None,
        unvalued_lots=0 if value is not None else 1,
        price_usd_per_kg=None,
        price_year=None,
        price_basis="",
        days_of_cover=None,
        consumption_year=None,
        goal=None,
        illustrative=illustrative,
        note="",
    )


HELD = (
    _holding("antimony", "2500000.10"),
    _holding("cobalt", "12000000"),
    _holding("germanium", None),
    _holding("gallium", "0"),
    _holding("tungsten", "750000", illustrative=True),
)


def test_fiscal_year_2026_runs_from_october_2025() -> None:
    assert fiscal_year_bounds(2026) == (dt.date(2025, 10, 1), dt.date(2026, 9, 30))


def test_value_of_the_valued_holdings_is_exact() -> None:
    # 2,500,000.10 + 12,000,000 + 0 + 750,000; germanium has no price and is left out
    assert holdings_value(HELD) == Decimal("15250000.10")
    assert holdings_value([_holding("germanium", None)]) is None


def test_value_bars_largest_first_in_million_usd() -> None:
    bars = value_bars(HELD)
    assert bars.labels == ("cobalt", "antimony", "tungsten")  # unvalued and zero left out
    assert bars.values == pytest.approx((12.0, 2.5000001, 0.75))
    assert value_bars(HELD, top=1).labels == ("cobalt",)


def test_report_counts_operations_by_kind_and_flags_illustrative_holdings() -> None:
    at = dt.datetime(2026, 1, 5, tzinfo=dt.UTC)
    ops = tuple(
        ReportOperation(id=i, at=at, kind=kind, actor="admin", summary="")
        for i, kind in enumerate(["setup", "receive", "setup", "appropriate", "setup"])
    )
    report = OperationsReport(
        fiscal_year=2026,
        start=dt.date(2025, 10, 1),
        end=dt.date(2026, 9, 30),
        generated_at=at,
        stockpile_name="NDS",
        regime="us",
        holdings=HELD,
        operations=ops,
        funds=(),
        caps=(),
        releases=(),
    )
    assert report.operation_counts() == {"appropriate": 1, "receive": 1, "setup": 3}
    assert list(report.operation_counts()) == ["appropriate", "receive", "setup"]
    assert report.market_value() == Decimal("15250000.10")
    assert report.illustrative()
    empty = report.model_copy(update={"holdings": HELD[2:3]})
    assert empty.market_value() == 0 and not empty.illustrative()
