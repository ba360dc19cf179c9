"""Shared request dependencies as ``Annotated`` aliases, and the one authorisation check."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated

from argon2 import PasswordHasher
from fastapi import Depends, Header, Query, Request
from sqlalchemy.orm import Session

from stockpile.service.accounts import AuthMethod, Principal, TokenKind, resolve_token
from stockpile.service.db import Database
from stockpile.service.errors import AuthenticationRequiredError, PermissionDeniedError
from stockpile.service.permissions import Permission, allowed
from stockpile.service.security import csrf_valid
from stockpile.service.settings import ServiceSettings

if TYPE_CHECKING:
    from stockpile.service.jobs import JobManager

__all__ = [
    "CSRF_HEADER",
    "SESSION_COOKIE",
    "Authorize",
    "Ctx",
    "DbSession",
    "IdempotencyKey",
    "MaybePrincipal",
    "Page",
    "PageParams",
    "ServiceContext",
    "get_ctx",
    "get_session",
    "optional_principal",
]

SESSION_COOKIE = "stockpile_session"
CSRF_HEADER = "X-CSRF-Token"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True)
class ServiceContext:
    """What one app instance shares between requests (built by the app factory)."""

    settings: ServiceSettings
    db: Database
    hasher: PasswordHasher
    jobs: JobManager


def get_ctx(request: Request) -> ServiceContext:
    """The context of the app serving ``request``."""
    ctx: ServiceContext = request.app.state.ctx
    return ctx


Ctx = Annotated[ServiceContext, Depends(get_ctx)]


def get_session(ctx: Ctx) -> Iterator[Session]:
    """A database session for one request, closed afterwards (routes commit explicitly)."""
    with ctx.db.sessions() as session:
        yield session


DbSession = Annotated[Session, Depends(get_session)]


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return None


def optional_principal(request: Request, session: DbSession) -> Principal | None:
    """The user behind the bearer token or the session cookie, if any is valid."""
    token = _bearer(request)
    if token is not None:
        return resolve_token(session, token=token, kind=TokenKind.API)
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        return resolve_token(session, token=cookie, kind=TokenKind.SESSION)
    return None


MaybePrincipal = Annotated[Principal | None, Depends(optional_principal)]


async def _submitted_csrf(request: Request) -> str | None:
    header = request.headers.get(CSRF_HEADER)
    if header:
        return header
    ctype = request.headers.get("content-type", "")
    if ctype.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()
        value = form.get("csrf_token")
        return value if isinstance(value, str) else None
    return None


class Authorize:
    """Dependency: the request's user must hold ``permission``.

    Unauthenticated requests get 401, others without the permission 403. A request
    authenticated by the session cookie must also carry the session's CSRF token (header
    ``X-CSRF-Token`` or form field ``csrf_token``) unless its method is safe.
    """

    def __init__(self, permission: Permission) -> None:
        self.permission = permission

    async def __call__(self, request: Request, principal: MaybePrincipal) -> Principal:
        if principal is None:
            raise AuthenticationRequiredError("sign in or send a valid bearer token")
        if not allowed(principal.role, self.permission):
            raise PermissionDeniedError(
                f"role {principal.role.value!r} lacks permission {self.permission.value!r}"
            )
        if principal.method is AuthMethod.SESSION and request.method not in _SAFE_METHODS:
            ctx = get_ctx(request)
            token = await _submitted_csrf(request)
            if not csrf_valid(ctx.settings.secret_key, principal.token_hash, token):
                raise PermissionDeniedError("missing or wrong CSRF token", field="csrf_token")
        return principal

    def __repr__(self) -> str:
        return f"Authorize({self.permission.value})"


@dataclass(frozen=True)
class PageParams:
    """Offset pagination of list endpoints."""

    offset: int
    limit: int


def _page_params(
    offset: Annotated[int, Query(ge=0, le=10_000_000, description="Items to skip")] = 0,
    limit: Annotated[int, Query(ge=1, le=500, description="Items per page (1-500)")] = 50,
) -> PageParams:
    return PageParams(offset=offset, limit=limit)


Page = Annotated[PageParams, Depends(_page_params)]

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=200,
        description="Repeat a write safely: the same key returns the first response.",
    ),
]
