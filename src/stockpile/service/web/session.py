"""Web sessions: who is signed in, the login redirect, CSRF on forms, page rendering."""

from __future__ import annotations

import json
import secrets
from functools import cache
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode, urlsplit

from fastapi import Depends, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from jinja2.utils import htmlsafe_json_dumps
from markupsafe import Markup
from pydantic import ValidationError

from stockpile import __version__
from stockpile.display import format_number, format_quantity, unit_label
from stockpile.service.accounts import AuthMethod, Principal, TokenKind, resolve_token
from stockpile.service.deps import SESSION_COOKIE, DbSession, get_ctx
from stockpile.service.errors import (
    FieldError,
    PermissionDeniedError,
    ServiceError,
    on_service_error_json,
    problem_response,
)
from stockpile.service.permissions import PERMISSIONS, Permission, allowed
from stockpile.service.security import csrf_token, csrf_valid

__all__ = [
    "LoginRequiredError",
    "WebUser",
    "embed_json",
    "on_login_required",
    "on_page_validation",
    "on_service_error",
    "render",
    "templates",
    "validation_problems",
    "web_principal",
    "web_requires",
]

_SAFE = frozenset({"GET", "HEAD", "OPTIONS"})


class LoginRequiredError(Exception):
    """No live web session: send the browser to the login page, keeping the form data."""

    def __init__(self, next_path: str, preserved: dict[str, str]) -> None:
        super().__init__(next_path)
        self.next_path = next_path
        self.preserved = preserved


@cache
def templates() -> Jinja2Templates:
    """The page templates (built on first use, not at import)."""
    directory = Path(__file__).parent / "templates"
    t = Jinja2Templates(directory=str(directory))
    t.env.globals["version"] = __version__
    t.env.filters["num"] = _fmt_num
    t.env.filters["embed_json"] = embed_json
    t.env.filters["unit"] = unit_label
    t.env.filters["qty"] = _fmt_qty
    return t


def embed_json(value: Any) -> Markup:
    """JSON (a JSON text or an object) safe to embed in a ``<script>`` element.

    ``<``, ``>``, ``&`` and ``'`` become ``\\u`` escapes (Jinja's ``htmlsafe_json_dumps``),
    so no string in the data can close the element, whoever made the JSON text.
    """
    return htmlsafe_json_dumps(json.loads(value) if isinstance(value, str) else value)


def _number(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return float(value.replace(",", ""))
        except ValueError:
            return value
    return value


def _fmt_num(value: Any, digits: int = 0) -> str:
    """``digits`` decimals, thousands separators, "—" when missing."""
    return format_number(_number(value), decimals=digits)


def _fmt_qty(value: Any, unit: Any) -> str:
    """A quantity with its readable unit, three significant digits below 1,000."""
    return format_quantity(_number(value), unit)


async def _form_fields(request: Request) -> dict[str, str]:
    ctype = request.headers.get("content-type", "")
    if not ctype.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        return {}
    form = await request.form()
    return {k: v for k, v in form.items() if isinstance(v, str) and k != "csrf_token"}


def _form_page(request: Request) -> str:
    """The page a form was posted from (same site only), else the path it was posted to."""
    referer = urlsplit(request.headers.get("referer", ""))
    if referer.netloc and referer.netloc == request.url.netloc and referer.path.startswith("/"):
        return referer.path
    return request.url.path


async def web_principal(request: Request, session: DbSession) -> Principal:
    """The user of the session cookie; otherwise :class:`LoginRequiredError`.

    Unsafe requests must carry the session's CSRF token (form field ``csrf_token`` or
    header ``X-CSRF-Token``).
    """
    cookie = request.cookies.get(SESSION_COOKIE)
    principal = resolve_token(session, token=cookie, kind=TokenKind.SESSION) if cookie else None
    if principal is None or principal.method is not AuthMethod.SESSION:
        if request.method in _SAFE:
            raise LoginRequiredError(request.url.path, {})
        raise LoginRequiredError(_form_page(request), await _form_fields(request))
    if request.method not in _SAFE:
        submitted = request.headers.get("X-CSRF-Token")
        if not submitted:
            ctype = request.headers.get("content-type", "")
            if ctype.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
                value = (await request.form()).get("csrf_token")
                submitted = value if isinstance(value, str) else None
        secret = get_ctx(request).settings.secret_key
        if not csrf_valid(secret, principal.token_hash, submitted):
            raise PermissionDeniedError("missing or wrong CSRF token", field="csrf_token")
    return principal


WebUser = Annotated[Principal, Depends(web_principal)]


def web_requires(principal: Principal, permission: Permission) -> None:
    """Refuse (403) a page action the user's role does not allow."""
    if not allowed(principal.role, permission):
        raise PermissionDeniedError(
            f"role {principal.role.value!r} lacks permission {permission.value!r}"
        )


async def on_login_required(request: Request, exc: Exception) -> Response:
    """Redirect GETs to the login page; re-show the login form for expired form posts."""
    if not isinstance(exc, LoginRequiredError):
        raise exc
    if request.headers.get("HX-Request"):
        return Response(status_code=401, headers={"HX-Redirect": "/login?" + _q(exc.next_path)})
    if not exc.preserved:
        return RedirectResponse("/login?" + _q(exc.next_path), status_code=303)
    return login_page(
        request,
        next_path=exc.next_path,
        preserved=exc.preserved,
        message="Your session ended. Sign in again; what you typed is kept.",
        status_code=401,
    )


async def on_service_error(request: Request, exc: Exception) -> Response:
    """Errors of API routes as problem documents; of pages as an HTML page."""
    if not isinstance(exc, ServiceError):
        raise exc
    if request.url.path.startswith("/api/") or request.headers.get("HX-Request"):
        return await on_service_error_json(request, exc)
    return templates().TemplateResponse(
        request,
        "error.html",
        {"title": exc.title, "detail": exc.detail, "user": None},
        status_code=exc.status_code,
    )


def validation_problems(exc: ValidationError) -> list[str]:
    """One ``field.path: problem`` line per error of a job's parameters."""
    return [f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()]


def _input_text(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 40 else text[:37] + "..."


async def on_page_validation(request: Request, exc: Exception) -> Response:
    """Invalid query or form fields of a page: an HTML page naming each field.

    API routes (``/api/...``) and HTMX requests keep the problem document.
    """
    if not isinstance(exc, RequestValidationError):
        raise exc
    errors = [
        FieldError(field=".".join(str(p) for p in e["loc"]), reason=e["msg"]) for e in exc.errors()
    ]
    if request.url.path.startswith("/api/") or request.headers.get("HX-Request"):
        detail = "; ".join(f"{e.field}: {e.reason}" for e in errors)
        return problem_response(422, "Invalid input", detail, errors)
    lines = []
    for e in exc.errors():
        name = str(e["loc"][-1]) if e["loc"] else "input"
        given = f" (got {_input_text(e['input'])!r})" if e.get("input") is not None else ""
        lines.append(f"{name}: {e['msg'].lower()}{given}")
    return templates().TemplateResponse(
        request,
        "error.html",
        {"title": "Invalid input", "detail": "; ".join(lines), "user": None},
        status_code=422,
    )


def _q(next_path: str) -> str:
    return urlencode({"next": next_path})


def login_page(
    request: Request,
    *,
    next_path: str,
    preserved: dict[str, str] | None = None,
    message: str = "",
    status_code: int = 200,
) -> HTMLResponse:
    """The login form with a fresh double-submit CSRF cookie."""
    token = secrets.token_urlsafe(24)
    response = templates().TemplateResponse(
        request,
        "login.html",
        {
            "next_path": next_path,
            "preserved": json.dumps(preserved or {}),
            "message": message,
            "login_csrf": token,
            "user": None,
        },
        status_code=status_code,
    )
    settings = get_ctx(request).settings
    response.set_cookie(
        "stockpile_login_csrf",
        token,
        httponly=True,
        samesite="strict",
        secure=settings.secure_cookies,
        max_age=3600,
    )
    return response


def render(
    request: Request,
    principal: Principal,
    template: str,
    context: dict[str, Any],
    status_code: int = 200,
) -> HTMLResponse:
    """Render a page for a signed-in user (adds the user, permissions and CSRF token)."""
    secret = get_ctx(request).settings.secret_key
    full = {
        "user": principal,
        "perms": {p.value for p in PERMISSIONS[principal.role]},
        "csrf": csrf_token(secret, principal.token_hash),
        "path": request.url.path,
        "prefill": dict(request.query_params),
        **context,
    }
    return templates().TemplateResponse(request, template, full, status_code=status_code)
