"""Ledger pages: inventory, lot detail, contracts and funds, releases, journal with verify."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from stockpile.ledger.errors import LedgerError
from stockpile.ledger.queries import (
    holdings,
    list_caps,
    list_contracts,
    list_depots,
    list_funds,
    list_lots,
    list_plan,
    list_releases,
)
from stockpile.ledger.releases import approve_release, execute_release, request_release
from stockpile.ledger.states import ContractStatus
from stockpile.service.deps import DbSession, PageParams
from stockpile.service.errors import NotFoundError
from stockpile.service.ledger_bridge import reference_book
from stockpile.service.permissions import Permission
from stockpile.service.routes.journal import journal_page, verify
from stockpile.service.routes.releases import regime_public
from stockpile.service.web.charts import figure_json
from stockpile.service.web.session import WebUser, render, web_requires
from stockpile.usecases import SpendBars, cap_spending, contract_spending, depot_totals

__all__ = ["router"]

router = APIRouter(include_in_schema=False)


@router.get("/inventory", response_class=HTMLResponse)
def inventory(request: Request, user: WebUser, session: DbSession) -> HTMLResponse:
    """Holdings by material (value, days of cover) and by depot."""
    held = holdings(session, book=reference_book())
    by_depot = depot_totals(list_lots(session))
    return render(
        request,
        user,
        "inventory.html",
        {"held": held, "depots": list_depots(session), "by_depot": by_depot},
    )


@router.get("/inventory/lots/{code}", response_class=HTMLResponse)
def lot_page(request: Request, user: WebUser, session: DbSession, code: str) -> HTMLResponse:
    """One lot and its journal entries."""
    lot = next((x for x in list_lots(session, include_empty=True) if x.code == code), None)
    if lot is None:
        raise NotFoundError(f"no lot {code!r}", field="path.code")
    return render(request, user, "lot.html", {"lot": lot})


def _burn_chart(bars: SpendBars, title: str, *, open_name: str) -> str:
    """Stacked bars of money spent and money still open [million USD]."""
    names = list(bars.labels)
    data = [
        {"type": "bar", "name": "spent", "x": names, "y": list(bars.spent)},
        {"type": "bar", "name": open_name, "x": names, "y": list(bars.open)},
    ]
    return figure_json(
        data,
        {
            "barmode": "stack",
            "title": {"text": title},
            "yaxis": {"title": {"text": "[million USD]"}, "automargin": True},
            "xaxis": {"automargin": True, "tickangle": -30},
            "legend": {
                "orientation": "h",
                "y": 1.0,
                "yanchor": "bottom",
                "x": 1,
                "xanchor": "right",
            },
            "margin": {"l": 60, "r": 20, "t": 80, "b": 40},
        },
    )


def _contract_label(number: str, status: str) -> str:
    return number if status == ContractStatus.ACTIVE else f"{number} ({status})"


@router.get("/contracts", response_class=HTMLResponse)
def contracts(request: Request, user: WebUser, session: DbSession) -> HTMLResponse:
    """Contracts, orders and deliveries; caps and plan lines with burn-down charts; funds.

    Only an active contract has money remaining; a cancelled or closed one is charted with
    what it spent and its status in the label. A cap's unspent ceiling is "under the cap, not
    contracted" unless an active contract commits it.
    """
    cs = list_contracts(session)
    caps = list_caps(session)
    plan = list_plan(session)
    contract_chart = (
        _burn_chart(
            contract_spending(cs),
            "Contracts: spent and remaining under the ceiling",
            open_name="remaining (active contracts)",
        )
        if cs
        else None
    )
    cap_chart = (
        _burn_chart(
            cap_spending(caps, cs),
            "Spending caps: spent and unspent ceiling",
            open_name="unspent ceiling",
        )
        if caps
        else None
    )
    return render(
        request,
        user,
        "contracts.html",
        {
            "contracts": cs,
            "caps": caps,
            "plan": plan,
            "funds": list_funds(session),
            "contract_chart": contract_chart,
            "cap_chart": cap_chart,
        },
    )


def _releases_page(
    request: Request,
    user: Any,
    session: Session,
    message: str = "",
    error: str = "",
    status_code: int = 200,
) -> HTMLResponse:
    return render(
        request,
        user,
        "releases.html",
        {
            "releases": list_releases(session),
            "regime": regime_public(session),
            "message": message or request.query_params.get("message", ""),
            "error": error,
        },
        status_code=status_code,
    )


@router.get("/releases", response_class=HTMLResponse)
def releases(request: Request, user: WebUser, session: DbSession) -> HTMLResponse:
    """Releases with the regime's rules; request, approve and execute forms by role."""
    return _releases_page(request, user, session)


def _done(message: str) -> RedirectResponse:
    return RedirectResponse("/releases?" + urlencode({"message": message}), status_code=303)


@router.post("/releases/request", response_class=HTMLResponse)
def release_request(
    request: Request,
    user: WebUser,
    session: DbSession,
    material: Annotated[str, Form(max_length=80)] = "",
    quantity: Annotated[str, Form(max_length=30)] = "",
    unit: Annotated[str, Form(max_length=40)] = "",
    recipient: Annotated[str, Form(max_length=200)] = "",
    purpose: Annotated[str, Form(max_length=40)] = "",
    legal_basis: Annotated[str, Form(max_length=60)] = "",
    emergency: Annotated[str | None, Form(max_length=5)] = None,
) -> Response:
    """Request a release (the ledger checks the regime's rules)."""
    web_requires(user, Permission.REQUEST_RELEASE)
    try:
        rid = request_release(
            session,
            material=material,
            quantity=quantity,
            unit=unit,
            recipient=recipient,
            purpose=purpose,
            legal_basis=legal_basis,
            actor=user.username,
            emergency=emergency is not None,
        )
    except LedgerError as exc:
        return _releases_page(request, user, session, error=str(exc), status_code=422)
    return _done(f"Release {rid} requested; it needs another person's approval.")


@router.post("/releases/{release_id}/approve", response_class=HTMLResponse)
def release_approve(
    request: Request, user: WebUser, session: DbSession, release_id: int
) -> Response:
    """Approve a release requested by someone else."""
    web_requires(user, Permission.APPROVE_RELEASE)
    try:
        approve_release(session, release_id=release_id, actor=user.username)
    except LedgerError as exc:
        return _releases_page(request, user, session, error=str(exc), status_code=422)
    return _done(f"Release {release_id} approved.")


@router.post("/releases/{release_id}/execute", response_class=HTMLResponse)
def release_execute(
    request: Request, user: WebUser, session: DbSession, release_id: int
) -> Response:
    """Execute an approved release."""
    web_requires(user, Permission.EXECUTE_RELEASE)
    try:
        done = execute_release(session, release_id=release_id, actor=user.username)
    except LedgerError as exc:
        return _releases_page(request, user, session, error=str(exc), status_code=422)
    drawn = ", ".join(f"{d.quantity:,.2f} {d.unit} from {d.lot_code}" for d in done.draws)
    return _done(f"Release {release_id} executed: {drawn}.")


@router.get("/journal", response_class=HTMLResponse)
def journal(
    request: Request,
    user: WebUser,
    session: DbSession,
    q: Annotated[str | None, Query(max_length=200)] = None,
    actor: Annotated[str | None, Query(max_length=120)] = None,
    material: Annotated[str | None, Query(max_length=80)] = None,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> HTMLResponse:
    """Searchable journal; the table alone when asked by HTMX."""
    web_requires(user, Permission.READ_JOURNAL)
    page = journal_page(
        session, page=PageParams(offset=offset, limit=100), q=q, actor=actor, material=material
    )
    template = "_journal_rows.html" if request.headers.get("HX-Request") else "journal.html"
    return render(
        request,
        user,
        template,
        {"page": page, "q": q or "", "actor": actor or "", "material": material or ""},
    )


@router.get("/journal/verify", response_class=HTMLResponse)
def journal_verify(request: Request, user: WebUser, session: DbSession) -> HTMLResponse:
    """The verification result as a fragment."""
    web_requires(user, Permission.READ_JOURNAL)
    return render(request, user, "_verify.html", {"v": verify(session)})
