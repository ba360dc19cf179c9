"""Plan pages: budget sizing and robust plans as jobs, with the supplier's best response."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy import select

from stockpile.display import parse_number
from stockpile.plan import builtin_programmes
from stockpile.service.deps import Ctx, DbSession
from stockpile.service.errors import NotFoundError
from stockpile.service.job_kinds import PlanJobReport
from stockpile.service.jobs import JobStatus
from stockpile.service.models import JobRow
from stockpile.service.permissions import Permission
from stockpile.service.web.charts import figure_json
from stockpile.service.web.scenario_pages import scenario_choices
from stockpile.service.web.session import WebUser, render, validation_problems, web_requires
from stockpile.usecases import FormsReport, PlanTable, RobustReport, SizeReport

__all__ = ["plan_chart", "plan_report", "router"]

router = APIRouter(include_in_schema=False)


def _page(request: Request, user: Any, session: Any, error: str = "", code: int = 200) -> Any:
    jobs = session.scalars(
        select(JobRow).where(JobRow.kind == "plan").order_by(JobRow.created_at.desc()).limit(50)
    ).all()
    form_jobs = session.scalars(
        select(JobRow)
        .where(JobRow.kind == "plan-forms")
        .order_by(JobRow.created_at.desc())
        .limit(20)
    ).all()
    return render(
        request,
        user,
        "plans.html",
        {
            "scenarios": scenario_choices(),
            "programmes": builtin_programmes(),
            "jobs": jobs,
            "form_jobs": form_jobs,
            "error": error,
        },
        status_code=code,
    )


@router.get("/plans", response_class=HTMLResponse)
def plans(request: Request, user: WebUser, session: DbSession) -> HTMLResponse:
    """Start a budget or robust plan; past plans."""
    return _page(request, user, session)


@router.post("/plans/run", response_class=HTMLResponse)
def run_plan(
    request: Request,
    user: WebUser,
    ctx: Ctx,
    session: DbSession,
    scenario: Annotated[str, Form(max_length=80)],
    budget: Annotated[str, Form(max_length=20)],
    robust: Annotated[str | None, Form(max_length=5)] = None,
    supplier: Annotated[str, Form(max_length=3)] = "CHN",
    objective: Annotated[str, Form(max_length=20)] = "expected",
    runs: Annotated[str, Form(max_length=10)] = "500",
    seed: Annotated[str, Form(max_length=12)] = "0",
    ledger_holdings: Annotated[str | None, Form(max_length=5)] = None,
    programme: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    """Start a plan job and go to its page."""
    web_requires(user, Permission.RUN_JOBS)
    try:
        budget_usd = parse_number(budget, field="budget")
    except ValueError as exc:
        return _page(request, user, session, str(exc), 422)
    params = {
        "scenario": scenario,
        "budget": budget_usd,
        "robust": robust is not None,
        "supplier": supplier.upper(),
        "objective": objective,
        "runs": runs,
        "seed": seed,
        "ledger_holdings": ledger_holdings is not None,
        "programme": programme or None,
    }
    try:
        job_id = ctx.jobs.submit(kind="plan", params=params, user_id=user.user_id)
    except ValidationError as exc:
        msg = "; ".join(validation_problems(exc))
        return _page(request, user, session, msg, 422)
    return RedirectResponse(f"/plans/jobs/{job_id}", status_code=303)


@router.post("/plans/forms/run", response_class=HTMLResponse)
def run_forms(
    request: Request,
    user: WebUser,
    ctx: Ctx,
    session: DbSession,
    scenario: Annotated[str, Form(max_length=80)],
    budget: Annotated[str, Form(max_length=20)],
    quantity: Annotated[str, Form(max_length=20)] = "",
    runs: Annotated[str, Form(max_length=10)] = "2000",
) -> Response:
    """Start an ore-against-metal comparison and go to its page."""
    web_requires(user, Permission.RUN_JOBS)
    try:
        budget_usd = parse_number(budget, field="budget")
        qty = parse_number(quantity, field="quantity") if quantity.strip() else None
    except ValueError as exc:
        return _page(request, user, session, str(exc), 422)
    params = {"scenario": scenario, "budget": budget_usd, "quantity": qty, "runs": runs}
    try:
        job_id = ctx.jobs.submit(kind="plan-forms", params=params, user_id=user.user_id)
    except ValidationError as exc:
        msg = "; ".join(validation_problems(exc))
        return _page(request, user, session, msg, 422)
    return RedirectResponse(f"/plans/forms/{job_id}", status_code=303)


@router.get("/plans/forms/{job_id}", response_class=HTMLResponse)
def forms_job(request: Request, user: WebUser, session: DbSession, job_id: str) -> HTMLResponse:
    """An ore-against-metal job: progress, then the forms side by side."""
    row = session.get(JobRow, job_id)
    if row is None or row.kind != "plan-forms":
        raise NotFoundError(f"no forms job {job_id}", field="path.job_id")
    res = None
    if row.status == JobStatus.SUCCEEDED.value and row.result:
        try:
            res = FormsReport.model_validate(row.result).model_dump(mode="json")
        except ValidationError:
            res = None
    return render(request, user, "plan_forms_job.html", {"job": row, "res": res})


def plan_chart(plan: PlanTable, title: str) -> str:
    """Purchases by material [million USD] and the expected unmet value before and after."""
    bars = plan.bars()
    data = [
        {"type": "bar", "name": "purchase cost", "x": bars.materials, "y": bars.cost},
        {"type": "bar", "name": "unmet value before", "x": bars.materials, "y": bars.value_before},
        {"type": "bar", "name": "unmet value after", "x": bars.materials, "y": bars.value_after},
    ]
    return figure_json(
        data,
        {
            "barmode": "group",
            "title": {"text": title},
            "yaxis": {"title": {"text": "[million USD]"}},
            "legend": {"orientation": "h"},
        },
    )


def plan_report(row: JobRow) -> SizeReport | RobustReport | None:
    """The report of a succeeded plan job (None otherwise, or for a result stored in an
    older format)."""
    if row.status != JobStatus.SUCCEEDED.value or not row.result:
        return None
    try:
        return PlanJobReport.model_validate(row.result).root
    except ValidationError:
        return None


@router.get("/plans/jobs/{job_id}", response_class=HTMLResponse)
def plan_job(request: Request, user: WebUser, session: DbSession, job_id: str) -> HTMLResponse:
    """A plan job: progress, then the plan (and the supplier's best response)."""
    row = session.get(JobRow, job_id)
    if row is None or row.kind != "plan":
        raise NotFoundError(f"no plan job {job_id}", field="path.job_id")
    report = plan_report(row)
    charts: dict[str, str] = {}
    if isinstance(report, RobustReport):
        charts["robust"] = plan_chart(report.robust_plan, "Robust plan")
        charts["naive"] = plan_chart(report.naive_plan, report.comparison.capitalize())
    elif isinstance(report, SizeReport):
        charts["plan"] = plan_chart(report.plan, "Budget plan")
    res = None if report is None else report.model_dump(mode="json")
    return render(request, user, "plan_job.html", {"job": row, "res": res, "charts": charts})
