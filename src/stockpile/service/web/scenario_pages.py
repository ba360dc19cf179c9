"""Scenario pages: start a simulation job, follow its progress, see fan charts."""

from __future__ import annotations

import itertools
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy import select

from stockpile.service.deps import Ctx, DbSession
from stockpile.service.errors import NotFoundError
from stockpile.service.jobs import FINISHED, JobStatus
from stockpile.service.models import JobRow
from stockpile.service.permissions import Permission
from stockpile.service.web.charts import bar_figure, fan_figure
from stockpile.service.web.session import WebUser, render, web_requires

__all__ = ["router", "simulation_charts"]

router = APIRouter(include_in_schema=False)


def _scenarios() -> list[str]:
    from stockpile.simulate import builtin_scenarios

    return sorted(builtin_scenarios())


def _job(session: DbSession, job_id: str) -> JobRow:
    row = session.get(JobRow, job_id)
    if row is None:
        raise NotFoundError(f"no job {job_id}", field="path.job_id")
    return row


@router.get("/scenarios", response_class=HTMLResponse)
def scenarios(request: Request, user: WebUser, session: DbSession) -> HTMLResponse:
    """Pick a scenario, set runs and seed; past runs."""
    jobs = session.scalars(
        select(JobRow)
        .where(JobRow.kind == "simulation")
        .order_by(JobRow.created_at.desc())
        .limit(50)
    ).all()
    return render(
        request, user, "scenarios.html", {"scenarios": _scenarios(), "jobs": jobs, "error": ""}
    )


@router.post("/scenarios/run", response_class=HTMLResponse)
def run_scenario(
    request: Request,
    user: WebUser,
    ctx: Ctx,
    session: DbSession,
    scenario: Annotated[str, Form(max_length=80)],
    runs: Annotated[str, Form(max_length=10)] = "500",
    seed: Annotated[str, Form(max_length=12)] = "0",
    ledger_holdings: Annotated[str | None, Form(max_length=5)] = None,
) -> Response:
    """Start a simulation job and go to its page."""
    web_requires(user, Permission.RUN_JOBS)
    params: dict[str, Any] = {
        "scenario": scenario,
        "runs": runs,
        "seed": seed,
        "ledger_holdings": ledger_holdings is not None,
    }
    try:
        job_id = ctx.jobs.submit(kind="simulation", params=params, user_id=user.user_id)
    except ValidationError as exc:
        msg = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        jobs = session.scalars(
            select(JobRow).where(JobRow.kind == "simulation").order_by(JobRow.created_at.desc())
        ).all()
        return render(
            request,
            user,
            "scenarios.html",
            {"scenarios": _scenarios(), "jobs": jobs, "error": msg},
            status_code=422,
        )
    return RedirectResponse(f"/scenarios/jobs/{job_id}", status_code=303)


def simulation_charts(result: dict[str, Any]) -> list[dict[str, Any]]:
    """Per material: summary, fan charts of stock and price, shortfall histogram (JSON)."""
    out = []
    fan = result.get("fan")
    months = list(range(1, int(result["horizon_months"]) + 1))
    for j, key in enumerate(result["keys"]):
        unit = result["units"][j]
        entry: dict[str, Any] = {"key": key, "unit": unit, **result["materials"][j]}
        if fan is not None:
            qs = {float(q): fan["stock"][q][j] for q in fan["quantiles"]}
            entry["stock_chart"] = fan_figure(
                months, qs, title=f"{key}: stockpile holdings", y_title=f"stock [{unit}]"
            )
            ps = {float(q): fan["price_ratio"][q][j] for q in fan["quantiles"]}
            entry["price_chart"] = fan_figure(
                months, ps, title=f"{key}: price / reference price", y_title="P/P0 [-]"
            )
        hist = entry["shortfall_histogram"]
        if hist["counts"]:
            edges = hist["edges"]
            mids = [f"{(a + b) / 2:,.0f}" for a, b in itertools.pairwise(edges)]
            entry["shortfall_chart"] = bar_figure(
                mids,
                hist["counts"],
                title=f"{key}: unmet U.S. demand over the horizon",
                y_title="scenarios",
                x_title=f"unmet demand [{unit}]",
            )
        out.append(entry)
    return out


@router.get("/scenarios/jobs/{job_id}", response_class=HTMLResponse)
def job_page(request: Request, user: WebUser, session: DbSession, job_id: str) -> HTMLResponse:
    """A simulation job: progress while it runs, fan charts when it is done."""
    row = _job(session, job_id)
    charts = (
        simulation_charts(row.result)
        if row.status == JobStatus.SUCCEEDED.value and row.result
        else []
    )
    return render(request, user, "scenario_job.html", {"job": row, "charts": charts})


@router.get("/scenarios/jobs/{job_id}/progress", response_class=HTMLResponse)
def job_progress(request: Request, user: WebUser, session: DbSession, job_id: str) -> HTMLResponse:
    """The progress fragment (polled by HTMX); reloads the page once the job has finished."""
    row = _job(session, job_id)
    response = render(request, user, "_job_progress.html", {"job": row})
    if JobStatus(row.status) in FINISHED:
        response.headers["HX-Refresh"] = "true"
    return response


@router.post("/scenarios/jobs/{job_id}/cancel")
def cancel(user: WebUser, ctx: Ctx, session: DbSession, job_id: str) -> Response:
    """Cancel a running job."""
    web_requires(user, Permission.RUN_JOBS)
    _job(session, job_id)
    ctx.jobs.cancel(job_id)
    return RedirectResponse(f"/scenarios/jobs/{job_id}", status_code=303)
