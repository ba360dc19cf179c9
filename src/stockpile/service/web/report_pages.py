"""Report pages: the operations report of a fiscal year and scenario reports, HTML and PDF."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select

from stockpile.plan import fiscal_year
from stockpile.service.deps import DbSession
from stockpile.service.errors import ConflictError, NotFoundError
from stockpile.service.jobs import JobStatus
from stockpile.service.ledger_bridge import reference_book
from stockpile.service.models import JobRow
from stockpile.service.permissions import Permission
from stockpile.service.reports import operations_pdf, scenario_pdf
from stockpile.service.web.charts import bar_figure
from stockpile.service.web.scenario_pages import simulation_charts, simulation_report
from stockpile.service.web.session import WebUser, render, web_requires
from stockpile.usecases import operations_report

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

FiscalYear = Annotated[int | None, Query(ge=1990, le=2200)]


def _current_fy() -> int:
    return fiscal_year(dt.date.today())


def _finished_job(session: DbSession, job_id: str) -> JobRow:
    row = session.get(JobRow, job_id)
    if row is None:
        raise NotFoundError(f"no job {job_id}", field="path.job_id")
    if row.status != JobStatus.SUCCEEDED.value or not row.result:
        raise ConflictError(f"job {job_id} is {row.status}: no result", field="path.job_id")
    return row


@router.get("/reports", response_class=HTMLResponse)
def reports(request: Request, user: WebUser, session: DbSession) -> HTMLResponse:
    """Choose a fiscal year or a finished scenario run."""
    jobs = session.scalars(
        select(JobRow)
        .where(JobRow.kind == "simulation")
        .where(JobRow.status == JobStatus.SUCCEEDED.value)
        .order_by(JobRow.created_at.desc())
        .limit(50)
    ).all()
    return render(request, user, "reports.html", {"fy": _current_fy(), "jobs": jobs})


@router.get("/reports/operations", response_class=HTMLResponse)
def operations_html(
    request: Request, user: WebUser, session: DbSession, fy: FiscalYear = None
) -> HTMLResponse:
    """The operations report (holdings, transactions, funds, releases) as HTML.

    It lists the fiscal year's journal entries, so it needs ``read_journal``.
    """
    web_requires(user, Permission.READ_JOURNAL)
    report = operations_report(session, fiscal_year=fy or _current_fy(), book=reference_book())
    bars = report.value_bars()
    chart = (
        bar_figure(
            bars.labels, bars.values, title="Market value by material", y_title="[million USD]"
        )
        if bars.labels
        else None
    )
    return render(request, user, "report_operations.html", {"r": report, "chart": chart})


@router.get("/reports/operations.pdf")
def operations_pdf_route(user: WebUser, session: DbSession, fy: FiscalYear = None) -> Response:
    """The operations report as PDF (needs ``read_journal``, as the HTML report)."""
    web_requires(user, Permission.READ_JOURNAL)
    year = fy or _current_fy()
    pdf = operations_pdf(operations_report(session, fiscal_year=year, book=reference_book()))
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="operations-FY{year}.pdf"'},
    )


@router.get("/reports/scenario/{job_id}.pdf")
def scenario_pdf_route(user: WebUser, session: DbSession, job_id: str) -> Response:
    """A scenario run's report as PDF."""
    row = _finished_job(session, job_id)
    report = simulation_report(row)
    if report is None:
        raise ConflictError(f"job {job_id}: no simulation result to report", field="path.job_id")
    return Response(
        scenario_pdf(report, job_id=row.id, finished_at=row.finished_at or row.created_at),
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="scenario-{job_id}.pdf"'},
    )


@router.get("/reports/scenario/{job_id}", response_class=HTMLResponse)
def scenario_html(request: Request, user: WebUser, session: DbSession, job_id: str) -> HTMLResponse:
    """A scenario run's report as HTML."""
    row = _finished_job(session, job_id)
    return render(
        request,
        user,
        "report_scenario.html",
        {"job": row, "charts": simulation_charts(simulation_report(row))},
    )
