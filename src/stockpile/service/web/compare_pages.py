"""Compare pages: upload or edit a scenario, toggle its variants (the supplier's levers), run
the comparison as a job and see the table and the difference charts side by side."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy import select

from stockpile.service.deps import Ctx, DbSession
from stockpile.service.errors import NotFoundError
from stockpile.service.jobs import JobStatus
from stockpile.service.models import JobRow
from stockpile.service.permissions import Permission
from stockpile.service.web.charts import figure_json
from stockpile.service.web.session import WebUser, render, validation_problems, web_requires
from stockpile.simulate import (
    ScenarioError,
    builtin_scenarios,
    compile_scenario,
    parse_scenario,
    resolve_scenario,
)
from stockpile.simulate.io import read_scenario_text
from stockpile.usecases import CompareReport

__all__ = ["compare_charts", "router"]

router = APIRouter(include_in_schema=False)

_MAX_UPLOAD = 200_000
"""Largest scenario text accepted [characters]."""


def _with_variants() -> list[str]:
    out = []
    for name in sorted(builtin_scenarios()):
        scenario, _ = resolve_scenario(name)
        if scenario.variants:
            out.append(name)
    return out


def _variant_names(text: str) -> list[tuple[str, str]]:
    """(name, title) of the variants in a scenario text, read leniently so that the choice
    stays on the page while another field is being corrected."""
    try:
        data = read_scenario_text(text, "<scenario>")
    except ScenarioError:
        return []
    items = data.get("variants") if isinstance(data, dict) else None
    if not isinstance(items, list):
        return []
    return [
        (str(v["name"]), str(v.get("title", "")))
        for v in items
        if isinstance(v, dict) and isinstance(v.get("name"), str)
    ]


def _form(
    request: Request,
    user: WebUser,
    session: DbSession,
    *,
    base: str,
    text: str,
    problems: list[str],
    status_code: int = 200,
) -> Response:
    variants = _variant_names(text)
    jobs = session.scalars(
        select(JobRow).where(JobRow.kind == "compare").order_by(JobRow.created_at.desc()).limit(30)
    ).all()
    context = {
        "bases": _with_variants(),
        "base": base,
        "text": text,
        "variants": variants,
        "problems": problems,
        "jobs": jobs,
    }
    return render(request, user, "compare.html", context, status_code=status_code)


@router.get("/compare", response_class=HTMLResponse)
def compare_form(
    request: Request, user: WebUser, session: DbSession, scenario: str = "supplier-answers-2025"
) -> Response:
    """The scenario editor, its variants and past comparisons."""
    known = builtin_scenarios()
    base = scenario if scenario in known else "supplier-answers-2025"
    return _form(request, user, session, base=base, text=known[base], problems=[])


def _check(text: str) -> list[str]:
    """Field-level problems of a scenario text (empty when it is valid)."""
    try:
        scenario = parse_scenario(read_scenario_text(text, "scenario"), "scenario")
        compile_scenario(scenario, source="scenario")
    except ScenarioError as exc:
        return [str(p) for p in exc.problems] or [str(exc)]
    return []


@router.post("/compare/run", response_class=HTMLResponse)
async def run_compare(
    request: Request,
    user: WebUser,
    ctx: Ctx,
    session: DbSession,
    text: Annotated[str, Form(max_length=_MAX_UPLOAD)] = "",
    base: Annotated[str, Form(max_length=80)] = "",
    runs: Annotated[str, Form(max_length=10)] = "1000",
    seed: Annotated[str, Form(max_length=12)] = "0",
    only: Annotated[list[str] | None, Form()] = None,
    upload: UploadFile | None = None,
) -> Response:
    """Validate the scenario (uploaded file or edited text) and start the comparison job."""
    web_requires(user, Permission.RUN_JOBS)
    if upload is not None and upload.filename:
        raw = await upload.read(_MAX_UPLOAD + 1)
        if len(raw) > _MAX_UPLOAD:
            problems = [f"upload: larger than {_MAX_UPLOAD:,} bytes"]
            return _form(
                request, user, session, base=base, text=text, problems=problems, status_code=422
            )
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            problems = ["upload: not UTF-8 text"]
            return _form(
                request, user, session, base=base, text=text, problems=problems, status_code=422
            )
        # a new upload is validated and shown with its variants before it is run
        problems = _check(text)
        return _form(
            request,
            user,
            session,
            base=base,
            text=text,
            problems=problems,
            status_code=422 if problems else 200,
        )
    problems = _check(text)
    if problems:
        return _form(
            request, user, session, base=base, text=text, problems=problems, status_code=422
        )
    params: dict[str, Any] = {"scenario_text": text, "only": only or [], "runs": runs, "seed": seed}
    try:
        job_id = ctx.jobs.submit(kind="compare", params=params, user_id=user.user_id)
    except ValidationError as exc:
        msgs = validation_problems(exc)
        return _form(request, user, session, base=base, text=text, problems=msgs, status_code=422)
    return RedirectResponse(f"/compare/jobs/{job_id}", status_code=303)


def _job(session: DbSession, job_id: str) -> JobRow:
    row = session.get(JobRow, job_id)
    if row is None or row.kind != "compare":
        raise NotFoundError(f"no comparison job {job_id}", field="path.job_id")
    return row


def compare_charts(report: CompareReport) -> list[dict[str, Any]]:
    """Per material: the difference of each variant from the base in shortfall and in peak
    price, as bars with their 95% intervals."""
    out = []
    for bars in report.difference_bars():
        key, unit, names = bars.material, bars.unit, list(bars.variants)
        short, s_err = list(bars.shortfall), list(bars.shortfall_up)
        peak, p_err = list(bars.peak_price_ratio), list(bars.peak_price_ratio_up)
        out.append(
            {
                "key": key,
                "shortfall": figure_json(
                    [
                        {
                            "type": "bar",
                            "x": names,
                            "y": short,
                            "error_y": {"type": "data", "array": s_err, "visible": True},
                        }
                    ],
                    {
                        "title": {"text": f"{key}: change in unmet U.S. demand"},
                        "yaxis": {"title": {"text": f"variant - base [{unit}]"}},
                        "xaxis": {"automargin": True},
                    },
                ),
                "price": figure_json(
                    [
                        {
                            "type": "bar",
                            "x": names,
                            "y": peak,
                            "error_y": {"type": "data", "array": p_err, "visible": True},
                        }
                    ],
                    {
                        "title": {"text": f"{key}: change in peak price"},
                        "yaxis": {"title": {"text": "variant - base [P/P0]"}},
                        "xaxis": {"automargin": True},
                    },
                ),
            }
        )
    return out


@router.get("/compare/jobs/{job_id}", response_class=HTMLResponse)
def compare_job(request: Request, user: WebUser, session: DbSession, job_id: str) -> HTMLResponse:
    """A comparison job: progress while it runs, the table and charts when done."""
    row = _job(session, job_id)
    report = None
    if row.status == JobStatus.SUCCEEDED.value and row.result:
        try:
            report = CompareReport.model_validate(row.result)
        except ValidationError:
            report = None
    charts = compare_charts(report) if report is not None else []
    return render(
        request, user, "compare_job.html", {"job": row, "report": report, "charts": charts}
    )
