"""Scenario pages: start a simulation job, follow its progress, see fan charts."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy import select

from stockpile.service.deps import Ctx, DbSession
from stockpile.service.errors import NotFoundError
from stockpile.service.jobs import FINISHED, JobStatus
from stockpile.service.models import JobRow
from stockpile.service.permissions import Permission, Role
from stockpile.service.web.charts import bar_figure, fan_figure
from stockpile.service.web.session import WebUser, render, validation_problems, web_requires
from stockpile.simulate import builtin_scenarios, resolve_scenario
from stockpile.usecases import SimulationReport

__all__ = ["router", "scenario_choices", "simulation_charts", "simulation_report"]

router = APIRouter(include_in_schema=False)


def scenario_choices() -> list[dict[str, Any]]:
    """Built-in scenarios: name, title, description, horizon [month] and materials."""
    out: list[dict[str, Any]] = []
    for name in sorted(builtin_scenarios()):
        sc, _ = resolve_scenario(name)
        out.append(
            {
                "name": name,
                "title": sc.title or name,
                "description": sc.description,
                "horizon_months": sc.horizon_months,
                "materials": ", ".join(sc.materials),
            }
        )
    return out


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
        request,
        user,
        "scenarios.html",
        {"scenarios": scenario_choices(), "jobs": jobs, "error": ""},
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
        msg = "; ".join(validation_problems(exc))
        jobs = session.scalars(
            select(JobRow).where(JobRow.kind == "simulation").order_by(JobRow.created_at.desc())
        ).all()
        return render(
            request,
            user,
            "scenarios.html",
            {"scenarios": scenario_choices(), "jobs": jobs, "error": msg},
            status_code=422,
        )
    return RedirectResponse(f"/scenarios/jobs/{job_id}", status_code=303)


def simulation_report(row: JobRow) -> SimulationReport | None:
    """The report of a succeeded simulation job (None otherwise, or for a result stored in an
    older format)."""
    if row.status != JobStatus.SUCCEEDED.value or not row.result:
        return None
    try:
        return SimulationReport.model_validate(row.result)
    except ValidationError:
        return None


def simulation_charts(report: SimulationReport | None) -> list[dict[str, Any]]:
    """Per material: its outcome, fan charts of stock and price, shortfall histogram."""
    if report is None:
        return []
    months = report.months()
    out = []
    for m in report.materials:
        entry: dict[str, Any] = {"key": m.material, "unit": m.unit, "summary": m}
        if m.stock_fan is not None:
            entry["stock_chart"] = fan_figure(
                months,
                m.stock_fan.bands(),
                title=f"{m.material}: stockpile holdings",
                y_title=f"stock [{m.unit}]",
            )
        if m.price_fan is not None:
            entry["price_chart"] = fan_figure(
                months,
                m.price_fan.bands(),
                title=f"{m.material}: price / reference price",
                y_title="P/P0 [-]",
            )
        hist = m.shortfall_histogram
        if hist.counts:
            entry["shortfall_chart"] = bar_figure(
                hist.bin_labels(),
                [float(c) for c in hist.counts],
                title=f"{m.material}: unmet U.S. demand over the horizon",
                y_title="scenarios",
                x_title=f"unmet demand [{m.unit}]",
            )
        out.append(entry)
    return out


@router.get("/scenarios/jobs/{job_id}", response_class=HTMLResponse)
def job_page(request: Request, user: WebUser, session: DbSession, job_id: str) -> HTMLResponse:
    """A simulation job: progress while it runs, fan charts when it is done."""
    row = _job(session, job_id)
    report = simulation_report(row)
    return render(
        request,
        user,
        "scenario_job.html",
        {"job": row, "report": report, "charts": simulation_charts(report)},
    )


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
    ctx.jobs.cancel(job_id, user_id=None if user.role is Role.ADMIN else user.user_id)
    return RedirectResponse(f"/scenarios/jobs/{job_id}", status_code=303)
