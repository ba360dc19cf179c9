"""What the dashboard shows of the books: overview figures and per-material holdings."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlalchemy.orm import Session

from stockpile.ledger.queries import holdings, list_contracts, list_lots
from stockpile.service.ledger_bridge import reference_book
from stockpile.service.web.charts import bar_figure
from stockpile.usecases import books_overview

__all__ = ["OverviewFigures", "material_holdings", "overview_figures"]


@dataclass(frozen=True)
class OverviewFigures:
    """Headline figures of the overview page (money [USD], cover [day])."""

    available: bool
    note: str = ""
    stockpile_name: str = ""
    regime: str = ""
    target_days: int | None = None
    market_value: float | None = None
    unvalued: int = 0
    n_materials: int = 0
    illustrative: bool = False
    below_target: list[dict[str, Any]] = field(default_factory=list)
    controls_touching: list[dict[str, Any]] = field(default_factory=list)
    deliveries_due: list[dict[str, Any]] = field(default_factory=list)
    funds: list[dict[str, Any]] = field(default_factory=list)
    fund_total: float | None = None
    value_chart: str | None = None


def overview_figures(
    session: Session, *, today: dt.date, active_controls: list[dict[str, Any]]
) -> OverviewFigures:
    """Stockpile value, materials held and below target, controls, open orders, funds
    (figures from :func:`stockpile.usecases.books_overview`).

    ``active_controls`` are the export-control measures in force on ``today``.
    """
    try:
        books = books_overview(session, book=reference_book())
    except (OperationalError, ProgrammingError):
        session.rollback()
        return OverviewFigures(
            available=False, note="The ledger database is not set up: run `stockpile db upgrade`."
        )
    value = books.market_value()
    bars = books.value_bars(top=15)
    touched = books.materials_under([str(c["id"]) for c in active_controls])
    fund_total = books.fund_total()
    return OverviewFigures(
        available=True,
        stockpile_name=books.stockpile_name,
        regime=books.regime,
        target_days=books.target_days,
        market_value=None if value is None else float(value),
        unvalued=books.unvalued_lots(),
        n_materials=len(books.holdings),
        illustrative=books.illustrative(),
        below_target=[b.model_dump() for b in books.below_target()],
        controls_touching=[
            {**c, "materials": ", ".join(touched[str(c["id"])])}
            for c in active_controls
            if str(c["id"]) in touched
        ],
        deliveries_due=[o.model_dump() for o in books.open_orders],
        funds=[
            {
                "name": f.name,
                "available": f.balance,
                "years": "" if f.fy_first is None else f"FY{f.fy_first}-FY{f.fy_last or ''}",
            }
            for f in books.funds
        ],
        fund_total=None if fund_total is None else float(fund_total),
        value_chart=bar_figure(
            bars.labels,
            bars.values,
            title="Market value at reference prices",
            y_title="value [million USD]",
        )
        if bars.labels
        else None,
    )


def material_holdings(session: Session, *, material: str) -> dict[str, Any]:
    """Holding, lots and contracts of one material for the material page."""
    try:
        held = [h for h in holdings(session, book=reference_book()) if h.material == material]
        lots = list_lots(session, material=material)
        contracts = [c for c in list_contracts(session) if c.material == material]
    except (OperationalError, ProgrammingError):
        session.rollback()
        return {"available": False, "holding": None, "lots": [], "contracts": []}
    return {
        "available": True,
        "holding": held[0] if held else None,
        "lots": lots,
        "contracts": contracts,
    }
