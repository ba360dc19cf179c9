"""User administration page: list users, create one with a generated password (shown once)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse

from stockpile.ledger.errors import LedgerError
from stockpile.service import accounts
from stockpile.service.deps import Ctx, DbSession
from stockpile.service.errors import ServiceError
from stockpile.service.ledger_bridge import sync_ledger_user
from stockpile.service.permissions import Permission, Role, UnknownRoleError, parse_role
from stockpile.service.security import generate_password
from stockpile.service.web.session import WebUser, render, web_requires

__all__ = ["router"]

router = APIRouter(include_in_schema=False)


def _page(
    request: Request,
    user: Any,
    session: Any,
    *,
    created: Any = None,
    error: str = "",
    status_code: int = 200,
) -> HTMLResponse:
    rows, _total = accounts.list_users(session, offset=0, limit=500)
    return render(
        request,
        user,
        "users.html",
        {"users": rows, "roles": [r.value for r in Role], "created": created, "error": error},
        status_code=status_code,
    )


@router.get("/users", response_class=HTMLResponse)
def users(request: Request, user: WebUser, session: DbSession) -> HTMLResponse:
    """Users and their roles (auditor, administrator)."""
    web_requires(user, Permission.READ_USERS)
    return _page(request, user, session)


@router.post("/users/create", response_class=HTMLResponse)
def create(
    request: Request,
    user: WebUser,
    ctx: Ctx,
    session: DbSession,
    username: Annotated[str, Form(max_length=64)] = "",
    full_name: Annotated[str, Form(max_length=200)] = "",
    role: Annotated[str, Form(max_length=40)] = "",
) -> HTMLResponse:
    """Create a user with a generated password, shown once on the page."""
    web_requires(user, Permission.MANAGE_USERS)
    try:
        chosen = parse_role(role)
        password = generate_password()
        accounts.create_user(
            session,
            hasher=ctx.hasher,
            username=username.strip(),
            password=password,
            role=chosen,
            full_name=full_name.strip(),
        )
        sync_ledger_user(session, username=username.strip(), role=chosen, actor=user.username)
    except (ServiceError, LedgerError, UnknownRoleError) as exc:
        session.rollback()
        return _page(request, user, session, error=str(exc), status_code=422)
    created = {"username": username.strip(), "role": chosen.value, "password": password}
    return _page(request, user, session, created=created)
