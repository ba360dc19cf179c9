"""The application factory: settings in, a ready FastAPI app out (nothing built at import)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.openapi.utils import get_openapi

from stockpile import __version__
from stockpile.service.api_docs import install_api_docs
from stockpile.service.db import REQUEST_SLOTS, open_database
from stockpile.service.deps import ServiceContext
from stockpile.service.errors import PROBLEM_MEDIA_TYPE, install_error_handlers
from stockpile.service.guard import RequestGuard, document_in_schema
from stockpile.service.job_kinds import default_job_kinds
from stockpile.service.jobs import JobKind, JobManager
from stockpile.service.ledger_bridge import install_ledger_errors
from stockpile.service.load import LoadLimits, LoadShedder
from stockpile.service.routes import ROUTERS
from stockpile.service.routes.jobs import result_router
from stockpile.service.security import password_hasher
from stockpile.service.settings import ServiceSettings
from stockpile.service.web import install_web

__all__ = ["API_PREFIX", "app_from_env", "create_app"]

API_PREFIX = "/api/v1"


def _api_router(job_kinds: Mapping[str, JobKind]) -> APIRouter:
    api = APIRouter(prefix=API_PREFIX)
    for router in ROUTERS:
        api.include_router(router)
    api.include_router(result_router(job_kinds))
    return api


def _problem_schema(app: FastAPI) -> dict[str, Any]:
    """OpenAPI with every 4xx response documented as ``application/problem+json``."""
    if app.openapi_schema:
        return app.openapi_schema
    schema = get_openapi(
        title=app.title, version=app.version, description=app.description, routes=app.routes
    )
    for path in schema.get("paths", {}).values():
        for op in path.values():
            for code, resp in op.get("responses", {}).items():
                content = resp.get("content", {})
                if str(code).startswith("4") and "application/json" in content:
                    content[PROBLEM_MEDIA_TYPE] = content.pop("application/json")
    schema.setdefault("components", {}).setdefault("securitySchemes", {})["bearer"] = {
        "type": "http",
        "scheme": "bearer",
        "description": "Token from POST /api/v1/auth/token",
    }
    schema["security"] = [{"bearer": []}]
    _document_job_kinds(schema, app.state.ctx.jobs.kinds)
    document_in_schema(schema)
    app.openapi_schema = schema
    return schema


def _document_job_kinds(schema: dict[str, Any], kinds: Mapping[str, JobKind]) -> None:
    """``JobCreate`` as one variant per registered kind, each with its parameters' schema."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    job = components.get("JobCreate")
    if job is None or not kinds:
        return
    variants = []
    for name, kind in sorted(kinds.items()):
        model = kind.params_model
        params = model.model_json_schema(ref_template="#/components/schemas/{model}")
        for sub, body in params.pop("$defs", {}).items():
            components.setdefault(sub, body)
        components.setdefault(model.__name__, params)
        variants.append(
            {
                "type": "object",
                "required": ["kind"],
                "properties": {
                    "kind": {"const": name},
                    "params": {"$ref": f"#/components/schemas/{model.__name__}"},
                },
            }
        )
    job["properties"]["kind"]["enum"] = sorted(kinds)
    job["oneOf"] = variants


def create_app(
    settings: ServiceSettings,
    *,
    job_kinds: Mapping[str, JobKind] | None = None,
    web: bool = True,
    load_limits: LoadLimits | None = None,
) -> FastAPI:
    """Build the service: database, password hasher, job runner, API routes and dashboard.

    Parameters
    ----------
    settings
        Validated settings (database URL, secret key, limits).
    job_kinds
        Kinds of background job by name; default: the simulation and plan runs of
        :func:`stockpile.service.job_kinds.default_job_kinds`.
    web
        Mount the dashboard (HTML pages and static assets) as well as the API.
    load_limits
        Requests served at once, queued, and the longest wait before a 503 (default: as many
        at once as the database pool has connections; see :mod:`stockpile.service.load`).
    """
    db = open_database(settings.database_url)
    db.create_service_tables()
    if job_kinds is None:
        job_kinds = default_job_kinds(db)
    jobs = JobManager(
        db, job_kinds, workers=settings.job_workers, queue_limit=settings.job_queue_limit
    )
    ctx = ServiceContext(settings=settings, db=db, hasher=password_hasher(settings), jobs=jobs)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        jobs.shutdown()
        db.dispose()

    app = FastAPI(
        title="strategic-stockpile",
        version=__version__,
        description=(
            "Plan, run and stress-test a strategic stockpile of critical minerals: "
            "reference data, risk, the ledger, releases, scenario and plan runs."
        ),
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url="/api/openapi.json",
    )
    app.state.ctx = ctx
    app.add_middleware(RequestGuard, max_body_bytes=settings.max_body_bytes)
    install_api_docs(app, openapi_url="/api/openapi.json")
    install_error_handlers(app)
    install_ledger_errors(app)
    app.include_router(_api_router(job_kinds))
    if web:
        install_web(app)

    def openapi() -> dict[str, Any]:
        return _problem_schema(app)

    app.openapi = openapi  # type: ignore[method-assign]
    app.add_middleware(LoadShedder, limits=load_limits or LoadLimits(slots=REQUEST_SLOTS))
    return app


def app_from_env() -> FastAPI:
    """An app from ``STOCKPILE_*`` environment variables (``uvicorn --factory`` entry point).

    ``STOCKPILE_DATABASE_URL`` is required; set ``STOCKPILE_SECRET_KEY`` so that sessions
    survive restarts and are shared by several worker processes.
    """
    return create_app(ServiceSettings.from_env())
