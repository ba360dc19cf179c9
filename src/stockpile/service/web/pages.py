"""Dashboard pages: sign-in, overview, materials and the material page."""

from __future__ import annotations

import datetime as dt
import json
import secrets
from typing import Annotated
from urllib.parse import urlencode, urlsplit

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from stockpile.reference import (
    catalogue,
    load_export_control_materials,
    load_export_controls,
)
from stockpile.risk.controls import export_control_exposure, measures_in_force
from stockpile.service.accounts import TokenKind, authenticate, issue_token, revoke_token
from stockpile.service.deps import SESSION_COOKIE, Ctx, DbSession
from stockpile.service.errors import AuthenticationRequiredError, RateLimitedError
from stockpile.service.routes.auth import client_address
from stockpile.service.routes.materials import material_or_404
from stockpile.service.routes.risk import risk_profile
from stockpile.service.web import (
    brief_pages,
    charts,
    compare_pages,
    ledger_pages,
    market_pages,
    plan_pages,
    report_pages,
    scenario_pages,
    user_pages,
)
from stockpile.service.web.ledger_view import material_holdings, overview_figures
from stockpile.service.web.session import WebUser, login_page, render

__all__ = ["PAGE_ROUTERS", "router"]

router = APIRouter(include_in_schema=False)


def _safe_next(next_path: str) -> str:
    """Only same-site paths are followed after sign-in."""
    parts = urlsplit(next_path)
    if parts.scheme or parts.netloc or not next_path.startswith("/") or next_path.startswith("//"):
        return "/"
    return next_path


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str = "/") -> HTMLResponse:
    """The sign-in form."""
    return login_page(request, next_path=_safe_next(next))


@router.post("/login", response_class=HTMLResponse)
def login_submit(
    request: Request,
    ctx: Ctx,
    session: DbSession,
    username: Annotated[str, Form(max_length=64)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    next: Annotated[str, Form(max_length=500)] = "/",
    preserved: Annotated[str, Form(max_length=20000)] = "{}",
    login_csrf: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    """Check the password, open a session and go back to where the user was."""
    next_path = _safe_next(next)
    try:
        kept = {str(k): str(v) for k, v in dict(json.loads(preserved)).items()}
    except (ValueError, TypeError):
        kept = {}
    cookie = request.cookies.get("stockpile_login_csrf", "")
    if not cookie or not secrets.compare_digest(cookie, login_csrf):
        return login_page(
            request,
            next_path=next_path,
            preserved=kept,
            message="The form expired; please sign in again.",
            status_code=403,
        )
    s = ctx.settings
    try:
        user = authenticate(
            session,
            hasher=ctx.hasher,
            username=username.strip(),
            password=password,
            client=client_address(request),
            max_failures=s.login_max_failures,
            max_client_failures=s.login_max_failures_per_client,
            window_s=s.login_window_s,
        )
    except RateLimitedError as exc:
        return login_page(
            request, next_path=next_path, preserved=kept, message=exc.detail, status_code=429
        )
    except AuthenticationRequiredError as exc:
        session.commit()
        return login_page(
            request, next_path=next_path, preserved=kept, message=exc.detail, status_code=401
        )
    issued = issue_token(session, user=user, kind=TokenKind.SESSION, ttl_s=s.session_ttl_s)
    session.commit()
    target = next_path + ("?" + urlencode(kept) if kept else "")
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        issued.token,
        httponly=True,
        samesite="lax",
        secure=s.secure_cookies,
        max_age=s.session_ttl_s,
    )
    response.delete_cookie("stockpile_login_csrf")
    return response


@router.post("/logout")
def logout(user: WebUser, session: DbSession) -> Response:
    """End the session."""
    revoke_token(session, token_hash=user.token_hash)
    session.commit()
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


def _active_controls(today: dt.date) -> list[dict[str, object]]:
    """Export-control measures binding on ``today`` (the status rule of ``risk.controls``)."""
    frame = load_export_controls()
    what = dict(zip(frame["measure_id"].astype(str), frame["materials"].astype(str), strict=True))
    return [
        {
            "id": ms.measure_id,
            "country": ms.imposing_country,
            "what": what.get(ms.measure_id, ""),
            "status": ms.status.value,
        }
        for ms in measures_in_force(frame, today)
    ]


@router.get("/", response_class=HTMLResponse)
def overview(request: Request, user: WebUser, session: DbSession) -> HTMLResponse:
    """Stockpile value, materials, materials below target, controls, deliveries, funds."""
    today = dt.date.today()
    controls = _active_controls(today)
    figures = overview_figures(session, today=today, active_controls=controls)
    return render(
        request,
        user,
        "overview.html",
        {"today": today, "controls": controls, "n_catalogue": len(catalogue()), "fig": figures},
    )


@router.get("/materials", response_class=HTMLResponse)
def materials(request: Request, user: WebUser) -> HTMLResponse:
    """The material catalogue."""
    return render(request, user, "materials.html", {"materials": catalogue()})


@router.get("/materials/{name}", response_class=HTMLResponse)
def material_page(request: Request, user: WebUser, session: DbSession, name: str) -> HTMLResponse:
    """Production shares, prices, import sources, risk, holdings and controls of a material."""
    m = material_or_404(name)
    view = charts.material_charts(m)
    risk = risk_profile(m)
    holdings = material_holdings(session, material=m.key)
    today = dt.date.today()
    controls = export_control_exposure(
        load_export_controls(), load_export_control_materials(), material=m.key, as_of=today
    )
    return render(
        request,
        user,
        "material.html",
        {
            "m": m,
            "view": view,
            "holdings": holdings,
            "risk": risk,
            "today": today,
            "controls": controls,
            "statuses": {ms.measure_id: ms.status.value for ms in controls.measures},
        },
    )


def _page_routers() -> tuple[APIRouter, ...]:
    return (
        router,
        ledger_pages.router,
        scenario_pages.router,
        market_pages.router,
        compare_pages.router,
        brief_pages.router,
        plan_pages.router,
        report_pages.router,
        user_pages.router,
    )


PAGE_ROUTERS: tuple[APIRouter, ...] = _page_routers()
