"""Sign-in for API clients (bearer tokens), who-am-I and sign-out."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request, Response

from stockpile.service.accounts import Principal, TokenKind, authenticate, issue_token, revoke_token
from stockpile.service.deps import Ctx, DbSession, MaybePrincipal
from stockpile.service.errors import PROBLEM_RESPONSES, AuthenticationRequiredError
from stockpile.service.permissions import PERMISSIONS
from stockpile.service.schemas import TokenPublic, WhoAmI

__all__ = ["authenticated", "router"]

router = APIRouter(prefix="/auth", tags=["auth"], responses=PROBLEM_RESPONSES)


def authenticated(principal: MaybePrincipal) -> Principal:
    """Dependency: any signed-in user (401 otherwise)."""
    if principal is None:
        raise AuthenticationRequiredError("sign in or send a valid bearer token")
    return principal


Authenticated = Annotated[Principal, Depends(authenticated)]


def client_address(request: Request) -> str:
    """The client's address as the rate limit counts it."""
    return request.client.host if request.client is not None else "unknown"


@router.post("/token", response_model=TokenPublic)
def create_token(
    request: Request,
    ctx: Ctx,
    session: DbSession,
    username: Annotated[str, Form(min_length=1, max_length=64)],
    password: Annotated[str, Form(min_length=1, max_length=1024)],
) -> TokenPublic:
    """Exchange a user name and password for a bearer token (OAuth2 password form).

    Failed attempts are counted per user name and per client; past the limit the answer
    is 429 with ``Retry-After`` until the window has passed.
    """
    s = ctx.settings
    try:
        user = authenticate(
            session,
            hasher=ctx.hasher,
            username=username,
            password=password,
            client=client_address(request),
            max_failures=s.login_max_failures,
            max_client_failures=s.login_max_failures_per_client,
            window_s=s.login_window_s,
        )
    except AuthenticationRequiredError:
        session.commit()  # keep the failed attempt for the rate limit
        raise
    issued = issue_token(session, user=user, kind=TokenKind.API, ttl_s=s.token_ttl_s)
    session.commit()
    return TokenPublic(access_token=issued.token, expires_at=issued.expires_at)


@router.get("/me", response_model=WhoAmI)
def who_am_i(principal: Authenticated) -> WhoAmI:
    """The signed-in user, the role and the permissions it grants."""
    return WhoAmI(
        id=principal.user_id,
        username=principal.username,
        full_name=principal.full_name,
        role=principal.role,
        permissions=sorted(PERMISSIONS[principal.role]),
        method=principal.method.value,
    )


@router.post("/logout", status_code=204, response_class=Response)
def logout(principal: Authenticated, session: DbSession) -> Response:
    """Revoke the token (or session) this request was made with."""
    revoke_token(session, token_hash=principal.token_hash)
    session.commit()
    return Response(status_code=204)
