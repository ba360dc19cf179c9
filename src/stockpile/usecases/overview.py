"""The books at a glance: value of the holdings, cover against the regime's target, open
delivery orders, funds, and the export controls that touch what is held."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

from pydantic import BaseModel, ConfigDict
from sqlalchemy.orm import Session

from stockpile.ledger import (
    FundView,
    HoldingView,
    OrderStatus,
    ReferenceBook,
    get_regime,
    holdings,
    list_contracts,
    list_funds,
    stockpile_settings,
)
from stockpile.reference import load_export_control_materials
from stockpile.usecases.bars import Bars
from stockpile.usecases.operations import holdings_value, value_bars

__all__ = ["BelowTarget", "BooksOverview", "OpenOrder", "books_overview"]


class BelowTarget(BaseModel):
    """A holding whose days of cover [day] are under the regime's target [day]."""

    model_config = ConfigDict(frozen=True)

    material: str
    days: Decimal
    target: int


class OpenOrder(BaseModel):
    """An open delivery order and the quantity still to deliver [contract unit]."""

    model_config = ConfigDict(frozen=True)

    code: str
    contract: str
    material: str
    quantity: Decimal
    unit: str
    due: dt.date | None


class BooksOverview(BaseModel):
    """Holdings, open orders (soonest due first, undated last) and funds of the books.

    Money in [USD]; ``target_days`` is the regime's days-of-cover target [day] (None: the
    regime sets none).
    """

    model_config = ConfigDict(frozen=True)

    stockpile_name: str
    regime: str
    target_days: int | None
    holdings: tuple[HoldingView, ...]
    open_orders: tuple[OpenOrder, ...]
    funds: tuple[FundView, ...]

    def market_value(self) -> Decimal | None:
        """Market value of the valued holdings [USD]; None when none is valued."""
        return holdings_value(self.holdings)

    def unvalued_lots(self) -> int:
        """Lots without a reference price, over all holdings."""
        return sum(h.unvalued_lots for h in self.holdings)

    def illustrative(self) -> bool:
        """True when any holding is illustrative data."""
        return any(h.illustrative for h in self.holdings)

    def below_target(self) -> tuple[BelowTarget, ...]:
        """Holdings with days of cover under the target (none when the regime sets none)."""
        target = self.target_days
        if target is None:
            return ()
        return tuple(
            BelowTarget(material=h.material, days=h.days_of_cover, target=target)
            for h in self.holdings
            if h.days_of_cover is not None and h.days_of_cover < target
        )

    def fund_total(self) -> Decimal | None:
        """Sum of the fund balances [USD]; None without funds."""
        return sum((f.balance for f in self.funds), Decimal(0)) if self.funds else None

    def value_bars(self, top: int = 15) -> Bars:
        """The ``top`` valued holdings by market value [million USD], largest first."""
        return value_bars(self.holdings, top=top)

    def materials_under(self, measure_ids: Sequence[str]) -> dict[str, tuple[str, ...]]:
        """Held materials named by each measure (material coverage in the reference
        ``export_control_materials`` table), for the measures that name any."""
        links = load_export_control_materials()
        links = links[links["coverage"] == "material"]
        held = {h.material for h in self.holdings}
        named: dict[str, set[str]] = {}
        for measure, material in zip(links["measure_id"], links["material"], strict=True):
            if str(material) in held:
                named.setdefault(str(measure), set()).add(str(material))
        return {m: tuple(sorted(named[m])) for m in measure_ids if m in named}


def books_overview(session: Session, *, book: ReferenceBook | None = None) -> BooksOverview:
    """The overview of the books (``book``: valuation inputs, default the bundled data)."""
    name, regime_key = stockpile_settings(session)
    orders = [
        OpenOrder(
            code=o.number,
            contract=c.number,
            material=c.material,
            quantity=o.quantity - o.received,
            unit=c.unit,
            due=o.due_date,
        )
        for c in list_contracts(session)
        for o in c.orders
        if o.status == OrderStatus.OPEN
    ]
    orders.sort(key=lambda o: (o.due is None, o.due or dt.date.max))
    return BooksOverview(
        stockpile_name=name,
        regime=get_regime(regime_key).name,
        target_days=get_regime(regime_key).target_days,
        holdings=tuple(holdings(session, book=book)),
        open_orders=tuple(orders),
        funds=tuple(list_funds(session)),
    )
