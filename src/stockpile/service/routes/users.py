"""Users and their roles."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import JSONResponse

from stockpile.service import accounts
from stockpile.service.accounts import Principal
from stockpile.service.deps import Authorize, Ctx, DbSession, IdempotencyKey, Page
from stockpile.service.errors import PROBLEM_RESPONSES
from stockpile.service.idempotency import idempotent_write
from stockpile.service.ledger_bridge import sync_ledger_user
from stockpile.service.models import UserRow
from stockpile.service.permissions import Permission
from stockpile.service.schemas import Paged, UserCreate, UserPublic, UserUpdate

__all__ = ["router", "user_public"]

router = APIRouter(prefix="/users", tags=["users"], responses=PROBLEM_RESPONSES)

CanRead = Annotated[Principal, Depends(Authorize(Permission.READ_USERS))]
CanManage = Annotated[Principal, Depends(Authorize(Permission.MANAGE_USERS))]
UserId = Annotated[int, Path(ge=1, le=2**31 - 1)]


def user_public(row: UserRow) -> UserPublic:
    """The public view of a user row."""
    return UserPublic(
        id=row.id,
        username=row.username,
        full_name=row.full_name,
        role=row.role,  # type: ignore[arg-type]
        active=row.active,
        created_at=row.created_at,
    )


@router.get("", response_model=Paged[UserPublic])
def list_users(_: CanRead, session: DbSession, page: Page) -> Paged[UserPublic]:
    """Users ordered by id."""
    rows, total = accounts.list_users(session, offset=page.offset, limit=page.limit)
    return Paged[UserPublic](
        items=[user_public(r) for r in rows], total=total, offset=page.offset, limit=page.limit
    )


@router.post("", status_code=201, response_model=UserPublic)
def create_user(
    request: Request,
    principal: CanManage,
    ctx: Ctx,
    session: DbSession,
    body: UserCreate,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Create a user (password hashed with argon2id)."""

    def act() -> UserPublic:
        row = accounts.create_user(
            session,
            hasher=ctx.hasher,
            username=body.username,
            password=body.password,
            role=body.role,
            full_name=body.full_name,
        )
        sync_ledger_user(session, username=row.username, role=body.role, actor=principal.username)
        return user_public(row)

    return idempotent_write(
        request,
        session,
        principal=principal,
        key=idempotency_key,
        body=body,
        action=act,
    )


@router.get("/{user_id}", response_model=UserPublic)
def get_user(_: CanRead, session: DbSession, user_id: UserId) -> UserPublic:
    """One user."""
    return user_public(accounts.get_user(session, user_id=user_id))


@router.patch("/{user_id}", response_model=UserPublic)
def update_user(
    _: CanManage, ctx: Ctx, session: DbSession, user_id: UserId, body: UserUpdate
) -> UserPublic:
    """Change a user's active flag or password (either signs the user out everywhere).

    Roles are fixed at creation, as in the ledger: give a person another role by creating
    another user.
    """
    row = accounts.update_user(
        session,
        hasher=ctx.hasher,
        user_id=user_id,
        active=body.active,
        password=body.password,
    )
    session.commit()
    return user_public(row)
