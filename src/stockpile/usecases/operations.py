"""The operations report of a fiscal year: holdings, transactions, funds, caps and releases.

Read from the books (the ledger's own queries, holdings valued with a reference book) and
summed here once for the HTML and PDF reports: the market value of the valued holdings, the
count of operations by kind, the releases requested in the period and the value bars.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from collections.abc import Sequence
from decimal import Decimal

from pydantic import BaseModel, ConfigDict
from sqlalchemy import select
from sqlalchemy.orm import Session

from stockpile.ledger import (
    CapView,
    FundView,
    HoldingView,
    ReferenceBook,
    ReleaseView,
    get_regime,
    holdings,
    list_caps,
    list_funds,
    list_releases,
    stockpile_settings,
)
from stockpile.ledger.models import Operation
from stockpile.plan import fiscal_year_start
from stockpile.usecases.bars import Bars

__all__ = [
    "OperationsReport",
    "ReportOperation",
    "fiscal_year_bounds",
    "holdings_value",
    "operations_report",
    "value_bars",
]


def fiscal_year_bounds(fy: int) -> tuple[dt.date, dt.date]:
    """First and last day of U.S. fiscal year ``fy`` (1 October of fy-1 to 30 September)."""
    return fiscal_year_start(fy), dt.date(fy, 9, 30)


def holdings_value(held: Sequence[HoldingView]) -> Decimal | None:
    """Market value of the valued holdings [USD]; None when no holding is valued."""
    values = [h.market_value for h in held if h.market_value is not None]
    return sum(values, Decimal(0)) if values else None


def value_bars(held: Sequence[HoldingView], *, top: int | None = None) -> Bars:
    """Valued holdings by market value [million USD], largest first (the ``top`` largest;
    all when None); holdings without a value, or valued at zero, are left out."""
    valued = sorted(
        (h for h in held if h.market_value), key=lambda h: h.market_value or 0, reverse=True
    )[:top]
    return Bars(
        labels=tuple(h.material for h in valued),
        values=tuple(float(h.market_value or 0) / 1e6 for h in valued),
    )


class ReportOperation(BaseModel):
    """One operation of the period as the report lists it (``summary`` as ``key=value``)."""

    model_config = ConfigDict(frozen=True)

    id: int
    at: dt.datetime
    kind: str
    actor: str
    summary: str


class OperationsReport(BaseModel):
    """Holdings, transactions, funds, caps and releases of one fiscal year.

    Money in [USD]; quantities in each row's unit; ``days_of_cover`` of a holding [day].
    """

    model_config = ConfigDict(frozen=True)

    fiscal_year: int
    start: dt.date
    end: dt.date
    generated_at: dt.datetime
    stockpile_name: str
    regime: str
    holdings: tuple[HoldingView, ...]
    operations: tuple[ReportOperation, ...]
    funds: tuple[FundView, ...]
    caps: tuple[CapView, ...]
    releases: tuple[ReleaseView, ...]

    def market_value(self) -> Decimal:
        """Total market value of the valued holdings [USD] (0 when none is valued)."""
        return holdings_value(self.holdings) or Decimal(0)

    def illustrative(self) -> bool:
        """True when any holding is illustrative data."""
        return any(h.illustrative for h in self.holdings)

    def operation_counts(self) -> dict[str, int]:
        """Operations of the period by kind, kinds in alphabetical order."""
        counts = Counter(op.kind for op in self.operations)
        return dict(sorted(counts.items()))

    def value_bars(self) -> Bars:
        """Valued holdings by market value [million USD], largest first."""
        return value_bars(self.holdings)


def _summary_text(raw: str) -> str:
    try:
        data = json.loads(raw)
    except ValueError:
        return raw
    if isinstance(data, dict):
        return ", ".join(f"{k}={v}" for k, v in data.items())
    return str(data)


def operations_report(
    session: Session, *, fiscal_year: int, book: ReferenceBook | None = None
) -> OperationsReport:
    """The operations report of ``fiscal_year`` from the books.

    Parameters
    ----------
    session : a session on the ledger.
    fiscal_year : U.S. fiscal year (1 October of the year before to 30 September).
    book : valuation inputs (default: the bundled reference data).
    """
    start, end = fiscal_year_bounds(fiscal_year)
    t0 = dt.datetime.combine(start, dt.time(), dt.UTC)
    t1 = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), dt.UTC)
    rows = session.scalars(
        select(Operation).where(Operation.at >= t0).where(Operation.at < t1).order_by(Operation.id)
    ).all()
    name, regime = stockpile_settings(session)
    return OperationsReport(
        fiscal_year=fiscal_year,
        start=start,
        end=end,
        generated_at=dt.datetime.now(dt.UTC),
        stockpile_name=name,
        regime=get_regime(regime).name,
        holdings=tuple(holdings(session, book=book)),
        operations=tuple(
            ReportOperation(
                id=r.id, at=r.at, kind=r.kind, actor=r.actor, summary=_summary_text(r.summary)
            )
            for r in rows
        ),
        funds=tuple(list_funds(session)),
        caps=tuple(list_caps(session)),
        releases=tuple(
            r
            for r in list_releases(session)
            if start <= (r.requested_at.date() if r.requested_at else start) <= end
        ),
    )
