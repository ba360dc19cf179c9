"""What the dashboard shows of the books: overview figures and per-material holdings."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlalchemy.orm import Session

from stockpile.ledger.governance import get_regime
from stockpile.ledger.queries import (
    holdings,
    list_contracts,
    list_funds,
    list_lots,
    stockpile_settings,
)
from stockpile.ledger.states import OrderStatus
from stockpile.reference import load_export_control_materials
from stockpile.service.ledger_bridge import reference_book
from stockpile.service.web.charts import bar_figure

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


def _controls_touching(
    held: set[str], active_controls: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    links = load_export_control_materials()
    links = links[links["coverage"] == "material"]
    by_measure: dict[str, set[str]] = {}
    for row in links.itertuples(index=False):
        by_measure.setdefault(str(row.measure_id), set()).add(str(row.material))
    out = []
    for c in active_controls:
        touched = sorted(by_measure.get(str(c["id"]), set()) & held)
        if touched:
            out.append({**c, "materials": ", ".join(touched)})
    return out


def overview_figures(
    session: Session, *, today: dt.date, active_controls: list[dict[str, Any]]
) -> OverviewFigures:
    """Stockpile value, materials held and below target, controls, open orders, funds.

    ``active_controls`` are the export-control measures in force on ``today``.
    """
    try:
        name, regime_key = stockpile_settings(session)
    except (OperationalError, ProgrammingError):
        session.rollback()
        return OverviewFigures(
            available=False, note="The ledger database is not set up: run `stockpile db upgrade`."
        )
    regime = get_regime(regime_key)
    held = holdings(session, book=reference_book())
    valued = [h for h in held if h.market_value is not None]
    value = float(sum(h.market_value for h in valued if h.market_value is not None))
    below = []
    if regime.target_days is not None:
        for h in held:
            if h.days_of_cover is not None and float(h.days_of_cover) < regime.target_days:
                below.append(
                    {
                        "material": h.material,
                        "days": float(h.days_of_cover),
                        "target": regime.target_days,
                    }
                )
    orders: list[dict[str, Any]] = []
    for c in list_contracts(session):
        for o in c.orders:
            if o.status == OrderStatus.OPEN:
                orders.append(
                    {
                        "code": o.number,
                        "contract": c.number,
                        "material": c.material,
                        "quantity": float(o.quantity - o.received),
                        "unit": c.unit,
                        "due": o.due_date,
                    }
                )
    orders.sort(key=lambda o: (o["due"] is None, o["due"] or dt.date.max))
    funds: list[dict[str, Any]] = [
        {
            "name": f.name,
            "available": float(f.balance),
            "years": "" if f.fy_first is None else f"FY{f.fy_first}-FY{f.fy_last or ''}",
        }
        for f in list_funds(session)
    ]
    chart = None
    if valued:
        top = sorted(valued, key=lambda h: float(h.market_value or 0), reverse=True)[:15]
        chart = bar_figure(
            [h.material for h in top],
            [float(h.market_value or 0) / 1e6 for h in top],
            title="Market value at reference prices",
            y_title="value [million USD]",
        )
    return OverviewFigures(
        available=True,
        stockpile_name=name,
        regime=regime.name,
        target_days=regime.target_days,
        market_value=value if valued else None,
        unvalued=sum(h.unvalued_lots for h in held),
        n_materials=len(held),
        illustrative=any(h.illustrative for h in held),
        below_target=below,
        controls_touching=_controls_touching({h.material for h in held}, active_controls),
        deliveries_due=orders,
        funds=funds,
        fund_total=sum(f["available"] for f in funds) if funds else None,
        value_chart=chart,
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
