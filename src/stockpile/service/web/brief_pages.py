"""The brief on the dashboard: start it as a job, read it section by section, get the PDF."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy import select

from stockpile.service.deps import Ctx, DbSession
from stockpile.service.errors import NotFoundError
from stockpile.service.jobs import JobStatus
from stockpile.service.models import JobRow
from stockpile.service.permissions import Permission
from stockpile.service.reports import brief_pdf
from stockpile.service.web.session import WebUser, render, validation_problems, web_requires
from stockpile.usecases import BriefReport

__all__ = ["router"]

router = APIRouter(include_in_schema=False)


def _jobs(session: DbSession) -> list[JobRow]:
    return list(
        session.scalars(
            select(JobRow)
            .where(JobRow.kind == "brief")
            .order_by(JobRow.created_at.desc())
            .limit(20)
        ).all()
    )


@router.get("/brief", response_class=HTMLResponse)
def brief_form(request: Request, user: WebUser, session: DbSession) -> HTMLResponse:
    """Start a brief; past briefs."""
    return render(request, user, "brief.html", {"jobs": _jobs(session), "error": ""})


@router.post("/brief/run", response_class=HTMLResponse)
def run_brief(
    request: Request,
    user: WebUser,
    ctx: Ctx,
    session: DbSession,
    budget: Annotated[str, Form(max_length=24)] = "1000000000",
    runs: Annotated[str, Form(max_length=10)] = "1000",
    ledger_holdings: Annotated[str | None, Form(max_length=5)] = None,
) -> Response:
    """Start the brief job and go to its page."""
    web_requires(user, Permission.RUN_JOBS)
    params: dict[str, Any] = {
        "budget": budget.replace(",", "").replace("_", ""),
        "runs": runs,
        "ledger_holdings": ledger_holdings is not None,
    }
    try:
        job_id = ctx.jobs.submit(kind="brief", params=params, user_id=user.user_id)
    except ValidationError as exc:
        msg = "; ".join(validation_problems(exc))
        context = {"jobs": _jobs(session), "error": msg}
        return render(request, user, "brief.html", context, status_code=422)
    return RedirectResponse(f"/brief/jobs/{job_id}", status_code=303)


def _report(session: DbSession, job_id: str) -> tuple[JobRow, BriefReport | None]:
    row = session.get(JobRow, job_id)
    if row is None or row.kind != "brief":
        raise NotFoundError(f"no brief job {job_id}", field="path.job_id")
    if row.status != JobStatus.SUCCEEDED.value or not row.result:
        return row, None
    try:
        return row, BriefReport.model_validate(row.result)
    except ValidationError:
        return row, None


@router.get("/brief/jobs/{job_id}.pdf")
def brief_job_pdf(user: WebUser, session: DbSession, job_id: str) -> Response:
    """The brief as PDF."""
    _, report = _report(session, job_id)
    if report is None:
        raise NotFoundError(f"brief {job_id} has not finished", field="path.job_id")
    return Response(
        brief_pdf(report),
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="brief-{job_id}.pdf"'},
    )


@router.get("/brief/jobs/{job_id}", response_class=HTMLResponse)
def brief_job(request: Request, user: WebUser, session: DbSession, job_id: str) -> HTMLResponse:
    """A brief: progress while it runs, its four sections when done."""
    row, report = _report(session, job_id)
    return render(request, user, "brief_job.html", {"job": row, "report": report})
