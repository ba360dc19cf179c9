"""Errors of the service and their rendering as ``application/problem+json`` (RFC 9457)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

__all__ = [
    "PROBLEM_MEDIA_TYPE",
    "PROBLEM_RESPONSES",
    "AuthenticationRequiredError",
    "ConflictError",
    "FieldError",
    "InvalidFieldError",
    "NotFoundError",
    "PermissionDeniedError",
    "Problem",
    "RateLimitedError",
    "ServiceError",
    "install_error_handlers",
    "on_service_error_json",
    "problem_response",
]

PROBLEM_MEDIA_TYPE = "application/problem+json"


class FieldError(BaseModel):
    """One bad field: its path (``body.quantity``, ``query.limit``) and what is wrong."""

    field: str
    reason: str


class Problem(BaseModel):
    """An error response (RFC 9457 problem details) with the fields at fault."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str = ""
    errors: list[FieldError] = Field(default_factory=list)


class ServiceError(Exception):
    """Base of the errors a route raises on purpose; rendered as a problem document."""

    status_code = 400
    title = "Bad request"

    def __init__(self, detail: str, *, field: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.field = field

    def headers(self) -> dict[str, str]:
        """Extra response headers."""
        return {}


class InvalidFieldError(ServiceError):
    """A field is well-formed but refused (unknown material, quantity above holdings...)."""

    status_code = 422
    title = "Invalid input"


class NotFoundError(ServiceError):
    """The resource does not exist."""

    status_code = 404
    title = "Not found"


class ConflictError(ServiceError):
    """The request conflicts with the current state (duplicate name, reused key...)."""

    status_code = 409
    title = "Conflict"


class AuthenticationRequiredError(ServiceError):
    """No valid session or bearer token."""

    status_code = 401
    title = "Authentication required"

    def headers(self) -> dict[str, str]:
        return {"WWW-Authenticate": "Bearer"}


class PermissionDeniedError(ServiceError):
    """The user's role does not allow the action, or a separation-of-duties rule refuses it."""

    status_code = 403
    title = "Forbidden"


class RateLimitedError(ServiceError):
    """Too many attempts; retry after ``retry_after_s`` seconds."""

    status_code = 429
    title = "Too many requests"

    def __init__(self, detail: str, *, retry_after_s: int) -> None:
        super().__init__(detail)
        self.retry_after_s = retry_after_s

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after_s)}


def problem_response(
    status: int,
    title: str,
    detail: str = "",
    errors: Sequence[FieldError] = (),
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    """A JSON response with media type ``application/problem+json``."""
    body = Problem(title=title, status=status, detail=detail, errors=list(errors))
    return JSONResponse(
        body.model_dump(), status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=headers
    )


def _field_path(loc: Sequence[Any]) -> str:
    return ".".join(str(p) for p in loc)


async def _on_validation(request: Request, exc: Exception) -> JSONResponse:
    if not isinstance(exc, RequestValidationError):
        raise exc
    errors = [FieldError(field=_field_path(e["loc"]), reason=e["msg"]) for e in exc.errors()]
    detail = "; ".join(f"{e.field}: {e.reason}" for e in errors)
    return problem_response(422, "Invalid input", detail, errors)


async def on_service_error_json(request: Request, exc: Exception) -> JSONResponse:
    if not isinstance(exc, ServiceError):
        raise exc
    errors = [FieldError(field=exc.field, reason=exc.detail)] if exc.field else []
    return problem_response(exc.status_code, exc.title, exc.detail, errors, exc.headers())


def _allowed_methods(request: Request) -> str:
    """Every method the app's OpenAPI document lists for the request's path ('' if none)."""
    methods: set[str] = set()
    for template, operations in request.app.openapi().get("paths", {}).items():
        pattern = re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template))
        if re.fullmatch(pattern, request.url.path):
            methods |= {m.upper() for m in operations if m.upper() in _HTTP_METHODS}
    return ", ".join(sorted(methods))


_HTTP_METHODS = frozenset({"GET", "PUT", "POST", "DELETE", "OPTIONS", "HEAD", "PATCH", "TRACE"})


async def _on_http_exception(request: Request, exc: Exception) -> JSONResponse:
    if not isinstance(exc, StarletteHTTPException):
        raise exc
    headers = dict(exc.headers or {})
    if exc.status_code == 400:  # the framework could not parse the body (bad UTF-8, form)
        reason = f"cannot be parsed: {exc.detail}"
        return problem_response(
            422, "Invalid input", f"body: {reason}", [FieldError(field="body", reason=reason)]
        )
    if exc.status_code == 405:
        headers["Allow"] = _allowed_methods(request) or headers.get("Allow", "")
    title = {404: "Not found", 405: "Method not allowed"}.get(exc.status_code, "Error")
    return problem_response(exc.status_code, title, str(exc.detail), headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    """Render every error of ``app`` as a problem document."""
    app.add_exception_handler(RequestValidationError, _on_validation)
    app.add_exception_handler(ServiceError, on_service_error_json)
    app.add_exception_handler(StarletteHTTPException, _on_http_exception)


PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"model": Problem, "description": "No valid session or bearer token"},
    403: {"model": Problem, "description": "The role does not allow this action"},
    404: {"model": Problem, "description": "No such resource"},
    409: {"model": Problem, "description": "Conflicts with the current state"},
    413: {"model": Problem, "description": "The request body is too large"},
    422: {"model": Problem, "description": "A field is invalid; `errors` names it"},
    429: {"model": Problem, "description": "Too many attempts; see Retry-After"},
}
"""The error responses every API route documents (moved to problem+json in the schema)."""
