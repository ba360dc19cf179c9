"""Shared request dependencies as ``Annotated`` aliases, and the one authorisation check."""

from __future__ import annotations

import threading
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Any

from argon2 import PasswordHasher
from fastapi import Depends, Header, Query, Request
from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session
from starlette.concurrency import run_in_threadpool

from stockpile.service.accounts import AuthMethod, Principal, TokenKind, resolve_token
from stockpile.service.db import Database
from stockpile.service.errors import AuthenticationRequiredError, PermissionDeniedError
from stockpile.service.models import TokenRow, UserRow
from stockpile.service.permissions import Permission, allowed
from stockpile.service.readmodels import ReadModelCache
from stockpile.service.security import csrf_valid, hash_token
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
    "PrincipalCache",
    "ServiceContext",
    "get_ctx",
    "get_session",
    "optional_principal",
]

SESSION_COOKIE = "stockpile_session"
CSRF_HEADER = "X-CSRF-Token"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_PRINCIPALS_STALE = "stockpile.service.principals_stale"


class PrincipalCache:
    """Token -> principal for a short time, so that a request checks its token without a
    database round trip.

    Entries live ``ttl_s`` seconds [s]. Any change to a token or a user flushed through this
    process's sessions (sign-out, deactivation, password change) empties the cache at once;
    another server process (``serve --workers N``) may honour a revoked token for at most
    ``ttl_s``.
    """

    def __init__(self, ttl_s: float = 2.0, max_entries: int = 10_000) -> None:
        self.ttl_s = ttl_s
        self.max_entries = max_entries
        self._entries: dict[tuple[str, str], tuple[float, Principal]] = {}
        self._lock = threading.Lock()

    def get(self, kind: TokenKind, digest: str) -> Principal | None:
        """The cached principal of a token, if still fresh."""
        hit = self._entries.get((kind.value, digest))
        if hit is None or hit[0] < time.monotonic():
            return None
        return hit[1]

    def put(self, kind: TokenKind, digest: str, principal: Principal) -> None:
        """Remember ``principal`` for ``ttl_s``."""
        with self._lock:
            if len(self._entries) >= self.max_entries:
                self._entries.clear()
            self._entries[(kind.value, digest)] = (time.monotonic() + self.ttl_s, principal)

    def clear(self) -> None:
        """Forget every entry."""
        with self._lock:
            self._entries.clear()

    def watch(self, db: Database) -> None:
        """Clear the cache whenever a session of ``db`` flushes a changed token or user."""

        def stale(session: Session) -> None:
            session.info[_PRINCIPALS_STALE] = True
            self.clear()

        def after_flush(session: Session, _context: Any) -> None:
            if any(isinstance(o, TokenRow | UserRow) for o in (*session.dirty, *session.deleted)):
                stale(session)

        def on_execute(state: ORMExecuteState) -> None:
            mapper = state.bind_mapper
            changes = state.is_update or state.is_delete
            if changes and mapper is not None and mapper.class_ in (TokenRow, UserRow):
                stale(state.session)

        def after_commit(session: Session) -> None:
            # Again once committed: a request may have cached the old row meanwhile.
            if session.info.pop(_PRINCIPALS_STALE, False):
                self.clear()

        event.listen(db.sessions, "after_flush", after_flush)
        event.listen(db.sessions, "do_orm_execute", on_execute)
        event.listen(db.sessions, "after_commit", after_commit)


@dataclass(frozen=True)
class ServiceContext:
    """What one app instance shares between requests (built by the app factory)."""

    settings: ServiceSettings
    db: Database
    hasher: PasswordHasher
    jobs: JobManager
    principals: PrincipalCache = field(default_factory=PrincipalCache)
    reads: ReadModelCache = field(default_factory=ReadModelCache)

    def __post_init__(self) -> None:
        self.principals.watch(self.db)


def get_ctx(request: Request) -> ServiceContext:
    """The context of the app serving ``request``."""
    ctx: ServiceContext = request.app.state.ctx
    return ctx


Ctx = Annotated[ServiceContext, Depends(get_ctx)]


async def get_session(ctx: Ctx) -> AsyncIterator[Session]:
    """A database session for one request, closed afterwards (routes commit explicitly).

    Opening a session touches no connection; closing one that used a connection returns it
    to the pool from a worker thread, off the event loop.
    """
    session = ctx.db.sessions()
    try:
        yield session
    finally:
        if session.in_transaction():
            await run_in_threadpool(session.close)
        else:
            session.close()


DbSession = Annotated[Session, Depends(get_session)]


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return None


async def optional_principal(request: Request, ctx: Ctx, session: DbSession) -> Principal | None:
    """The user behind the bearer token or the session cookie, if any is valid.

    A token checked in the last moments is taken from :class:`PrincipalCache`.
    """
    token = _bearer(request)
    kind = TokenKind.API
    if token is None:
        token = request.cookies.get(SESSION_COOKIE) or None
        kind = TokenKind.SESSION
    if token is None:
        return None
    digest = hash_token(token)
    principal = ctx.principals.get(kind, digest)
    if principal is None:
        principal = await run_in_threadpool(resolve_token, session, token=token, kind=kind)
        if principal is not None:
            ctx.principals.put(kind, digest, principal)
    return principal


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
