"""Background jobs: start a simulation or plan run, follow its progress, fetch or cancel it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Literal, Union

from fastapi import APIRouter, Depends, Path, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, TypeAdapter, ValidationError, create_model
from sqlalchemy import func, select

from stockpile.service.accounts import Principal
from stockpile.service.deps import Authorize, Ctx, DbSession, IdempotencyKey, Page
from stockpile.service.errors import PROBLEM_RESPONSES, ConflictError, NotFoundError
from stockpile.service.idempotency import idempotent_write
from stockpile.service.jobs import JobKind, JobStatus
from stockpile.service.models import JobRow
from stockpile.service.permissions import Permission, Role
from stockpile.service.schemas import JobPublic, Paged

__all__ = [
    "JobCreate",
    "JobKindPublic",
    "JobResultBase",
    "job_public",
    "job_result_type",
    "result_router",
    "router",
]

router = APIRouter(prefix="/jobs", tags=["jobs"], responses=PROBLEM_RESPONSES)

CanRead = Annotated[Principal, Depends(Authorize(Permission.READ_JOBS))]
CanRun = Annotated[Principal, Depends(Authorize(Permission.RUN_JOBS))]
JobId = Annotated[str, Path(min_length=36, max_length=36, pattern=r"^[0-9a-f-]{36}$")]


class JobCreate(BaseModel):
    """A job to start: its kind and its parameters (see ``GET /jobs/kinds``)."""

    kind: str = Field(min_length=1, max_length=32)
    params: dict[str, Any] = Field(default_factory=dict)


class JobKindPublic(BaseModel):
    """A kind of job and the JSON schemas of its parameters and of its result."""

    name: str
    description: str
    params_schema: dict[str, Any]
    result_schema: dict[str, Any]


class JobResultBase(BaseModel):
    """A finished job: its id, status, error and (in each kind's model) its typed result."""

    id: str
    status: JobStatus
    error: str | None


def job_result_type(kinds: Mapping[str, JobKind]) -> Any:
    """The union of ``{kind}JobResult`` models, one per job kind, discriminated by ``kind``;
    each carries that kind's result model (null unless the job succeeded)."""
    variants: list[Any] = []
    for name, spec in kinds.items():
        title = "".join(part.capitalize() for part in name.replace("-", "_").split("_"))
        kind_field: Any = (Literal[name], ...)
        result_field: Any = (spec.result_model | None, None)
        variants.append(
            create_model(
                f"{title}JobResult",
                __base__=JobResultBase,
                __doc__=f"A finished {name} job and its result.",
                kind=kind_field,
                result=result_field,
            )
        )
    if not variants:  # a service that runs no jobs: results carry nothing
        none: Any = (None, None)
        return create_model("JobResult", __base__=JobResultBase, kind=(str, ...), result=none)
    if len(variants) == 1:
        return variants[0]
    return Annotated[Union[tuple(variants)], Field(discriminator="kind")]  # noqa: UP007


def job_public(row: JobRow) -> JobPublic:
    """The public view of a job row."""
    return JobPublic(
        id=row.id,
        kind=row.kind,
        params=row.params,
        status=JobStatus(row.status),
        progress=row.progress,
        message=row.message,
        created_by=row.created_by,
        created_at=row.created_at,
        started_at=row.started_at,
        finished_at=row.finished_at,
        error=row.error,
    )


def _row(session: DbSession, job_id: str) -> JobRow:
    row = session.get(JobRow, job_id)
    if row is None:
        raise NotFoundError(f"no job {job_id}", field="path.job_id")
    return row


@router.get("/kinds", response_model=list[JobKindPublic])
def list_kinds(_: CanRead, ctx: Ctx) -> list[JobKindPublic]:
    """The kinds of job this service runs."""
    return [
        JobKindPublic(
            name=k.name,
            description=k.description,
            params_schema=k.params_model.model_json_schema(),
            result_schema=k.result_model.model_json_schema(mode="serialization"),
        )
        for k in ctx.jobs.kinds.values()
    ]


@router.get("", response_model=Paged[JobPublic])
def list_jobs(_: CanRead, session: DbSession, page: Page) -> Paged[JobPublic]:
    """Jobs, newest first."""
    total = session.scalar(select(func.count()).select_from(JobRow)) or 0
    rows = session.scalars(
        select(JobRow)
        .order_by(JobRow.created_at.desc(), JobRow.id)
        .offset(page.offset)
        .limit(page.limit)
    )
    return Paged[JobPublic](
        items=[job_public(r) for r in rows], total=total, offset=page.offset, limit=page.limit
    )


@router.post("", status_code=202, response_model=JobPublic)
def create_job(
    request: Request,
    principal: CanRun,
    ctx: Ctx,
    session: DbSession,
    body: JobCreate,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Start a job; answer 202 with the queued job (poll ``GET /jobs/{id}``)."""

    def act() -> JobPublic:
        try:
            job_id = ctx.jobs.submit(kind=body.kind, params=body.params, user_id=principal.user_id)
        except ValidationError as exc:
            raise RequestValidationError(
                [{**e, "loc": ("body", "params", *e["loc"])} for e in exc.errors()]
            ) from None
        session.expire_all()
        return job_public(_row(session, job_id))

    return idempotent_write(
        request,
        session,
        principal=principal,
        key=idempotency_key,
        body=body,
        action=act,
        status_code=202,
    )


@router.get("/{job_id}", response_model=JobPublic)
def get_job(_: CanRead, session: DbSession, job_id: JobId) -> JobPublic:
    """A job's status and progress."""
    return job_public(_row(session, job_id))


@router.post("/{job_id}/cancel", response_model=JobPublic)
def cancel_job(principal: CanRun, ctx: Ctx, session: DbSession, job_id: JobId) -> JobPublic:
    """Cancel a queued or running job (409 if it has finished; 403 if someone else started
    it, unless the caller is an administrator)."""
    _row(session, job_id)
    ctx.jobs.cancel(job_id, user_id=None if principal.role is Role.ADMIN else principal.user_id)
    session.expire_all()
    return job_public(_row(session, job_id))


def result_router(kinds: Mapping[str, JobKind]) -> APIRouter:
    """``GET /jobs/{job_id}/result`` typed by the kinds this service runs."""
    result_type = job_result_type(kinds)
    adapter: TypeAdapter[Any] = TypeAdapter(result_type)
    results = APIRouter(prefix="/jobs", tags=["jobs"], responses=PROBLEM_RESPONSES)

    @results.get("/{job_id}/result", response_model=result_type)
    def get_job_result(_: CanRead, session: DbSession, job_id: JobId) -> Any:
        """A finished job's result, the document the matching CLI command prints with
        ``--json`` (409 while it is still queued or running)."""
        row = _row(session, job_id)
        status = JobStatus(row.status)
        if status in (JobStatus.QUEUED, JobStatus.RUNNING):
            raise ConflictError(f"job {job_id} is {status.value}", field="path.job_id")
        if row.kind not in kinds:
            raise ConflictError(f"job kind {row.kind!r} is not run here", field="path.job_id")
        body = {"id": row.id, "kind": row.kind, "status": status, "error": row.error}
        try:
            return adapter.validate_python({**body, "result": row.result})
        except ValidationError:
            raise ConflictError(
                f"job {job_id}: its stored result predates the current result format; "
                "run the job again",
                field="path.job_id",
            ) from None

    return results
