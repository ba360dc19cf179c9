"""Users, sign-in with a rate limit, sessions and bearer tokens (keyword-only functions)."""

from __future__ import annotations

import datetime as dt
import enum
import re
from dataclasses import dataclass

from argon2 import PasswordHasher
from sqlalchemy import func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from stockpile.service.errors import (
    AuthenticationRequiredError,
    ConflictError,
    InvalidFieldError,
    NotFoundError,
    RateLimitedError,
)
from stockpile.service.models import LoginAttempt, TokenRow, UserRow, utcnow
from stockpile.service.permissions import Role
from stockpile.service.security import (
    PasswordPolicyError,
    check_password_policy,
    hash_token,
    new_token,
    verify_password,
)

__all__ = [
    "AuthMethod",
    "IssuedToken",
    "Principal",
    "TokenKind",
    "active_admins",
    "authenticate",
    "create_user",
    "get_user",
    "issue_token",
    "list_users",
    "resolve_token",
    "revoke_token",
    "update_user",
]

_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")


class TokenKind(enum.StrEnum):
    """What a token is for."""

    SESSION = "session"
    API = "api"


class AuthMethod(enum.StrEnum):
    """How a request proved who it comes from."""

    SESSION = "session"
    BEARER = "bearer"


@dataclass(frozen=True)
class Principal:
    """The authenticated user of one request."""

    user_id: int
    username: str
    full_name: str
    role: Role
    method: AuthMethod
    token_hash: str


@dataclass(frozen=True)
class IssuedToken:
    """A freshly issued secret (shown once) and when it expires."""

    token: str
    kind: TokenKind
    expires_at: dt.datetime


def _aware(t: dt.datetime) -> dt.datetime:
    return t if t.tzinfo is not None else t.replace(tzinfo=dt.UTC)


def create_user(
    session: Session,
    *,
    hasher: PasswordHasher,
    username: str,
    password: str,
    role: Role,
    full_name: str = "",
) -> UserRow:
    """Add a user with an argon2id password hash; the caller commits.

    Raises
    ------
    InvalidFieldError
        Bad user name or weak password (the field is named).
    ConflictError
        The user name is taken.
    """
    if not _USERNAME.match(username):
        raise InvalidFieldError(
            "2-64 characters: lower-case letters, digits, '.', '_' or '-'", field="username"
        )
    try:
        check_password_policy(password, user_inputs=(username, full_name))
    except PasswordPolicyError as exc:
        raise InvalidFieldError(str(exc), field="password") from exc
    if session.scalar(select(UserRow.id).where(UserRow.username == username)) is not None:
        raise ConflictError(f"user {username!r} already exists", field="username")
    row = UserRow(
        username=username,
        full_name=full_name,
        role=role.value,
        password_hash=hasher.hash(password),
        active=True,
    )
    session.add(row)
    session.flush()
    return row


def get_user(session: Session, *, user_id: int) -> UserRow:
    """The user with ``user_id``; :class:`NotFoundError` if there is none."""
    row = session.get(UserRow, user_id)
    if row is None:
        raise NotFoundError(f"no user with id {user_id}", field="user_id")
    return row


def list_users(session: Session, *, offset: int, limit: int) -> tuple[list[UserRow], int]:
    """One page of users ordered by id, and the total count."""
    total = session.scalar(select(func.count()).select_from(UserRow)) or 0
    rows = session.scalars(select(UserRow).order_by(UserRow.id).offset(offset).limit(limit))
    return list(rows), total


def active_admins(session: Session, *, lock: bool = False) -> list[str]:
    """User names of the active administrators, by id (``lock``: lock their rows)."""
    stmt = (
        select(UserRow)
        .where(UserRow.role == Role.ADMIN.value, UserRow.active.is_(True))
        .order_by(UserRow.id)
    )
    if lock:
        stmt = stmt.with_for_update()
    return [row.username for row in session.scalars(stmt)]


def update_user(
    session: Session,
    *,
    hasher: PasswordHasher,
    user_id: int,
    active: bool | None = None,
    password: str | None = None,
) -> UserRow:
    """Change a user's active flag or password; either revokes every token of the user.

    Raises
    ------
    ConflictError
        Deactivating the last active administrator (nobody could manage users after it).
    """
    row = get_user(session, user_id=user_id)
    last_admin = (
        active is False
        and row.active
        and row.role == Role.ADMIN.value
        and active_admins(session, lock=True) == [row.username]
    )
    if last_admin:
        raise ConflictError(
            f"{row.username!r} is the last active administrator; activate or create "
            "another administrator first",
            field="active",
        )
    if password is not None:
        try:
            check_password_policy(password, user_inputs=(row.username, row.full_name))
        except PasswordPolicyError as exc:
            raise InvalidFieldError(str(exc), field="password") from exc
        row.password_hash = hasher.hash(password)
    if active is not None:
        row.active = active
    if active is False or password is not None:
        for tok in session.scalars(select(TokenRow).where(TokenRow.user_id == row.id)):
            tok.revoked = True
    session.flush()
    return row


def _failures_since(
    session: Session,
    column: InstrumentedAttribute[str],
    value: str,
    since: dt.datetime,
    other_than: int,
) -> int:
    stmt = (
        select(func.count())
        .select_from(LoginAttempt)
        .where(column == value)
        .where(LoginAttempt.at >= since)
        .where(LoginAttempt.success.is_(False))
        .where(LoginAttempt.id != other_than)
    )
    return session.scalar(stmt) or 0


def authenticate(
    session: Session,
    *,
    hasher: PasswordHasher,
    username: str,
    password: str,
    client: str,
    max_failures: int,
    max_client_failures: int,
    window_s: int,
) -> UserRow:
    """Check a user name and password, recording the attempt.

    The attempt is committed as a failure before the recent failures are counted, so
    parallel attempts see each other: at most ``max_failures`` passwords per user name
    (and ``max_client_failures`` per client address) are checked within ``window_s``
    seconds, however many requests arrive at once. An unknown user name costs the same
    password hash as a known one. The caller commits the rest (the attempt's success).

    Raises
    ------
    RateLimitedError
        Too many recent failures.
    AuthenticationRequiredError
        Unknown user, inactive user or wrong password (one message for all three).
    """
    now = utcnow()
    since = now - dt.timedelta(seconds=window_s)
    name, address = username[:64], client[:64]
    attempt = LoginAttempt(username=name, client=address, at=now, success=False)
    session.add(attempt)
    session.commit()
    if (
        _failures_since(session, LoginAttempt.username, name, since, attempt.id) >= max_failures
        or _failures_since(session, LoginAttempt.client, address, since, attempt.id)
        >= max_client_failures
    ):
        session.delete(attempt)
        session.commit()
        raise RateLimitedError(
            f"too many failed sign-ins; try again in {window_s} s", retry_after_s=window_s
        )
    row = session.scalar(select(UserRow).where(UserRow.username == username))
    matches = verify_password(hasher, row.password_hash if row else None, password)
    if not matches or row is None or not row.active:
        raise AuthenticationRequiredError("wrong user name or password")
    attempt.success = True
    if hasher.check_needs_rehash(row.password_hash):
        row.password_hash = hasher.hash(password)
    session.flush()
    return row


def issue_token(session: Session, *, user: UserRow, kind: TokenKind, ttl_s: int) -> IssuedToken:
    """Store the hash of a new token for ``user``; the caller commits."""
    token = new_token()
    expires = utcnow() + dt.timedelta(seconds=ttl_s)
    session.add(
        TokenRow(token_hash=hash_token(token), user_id=user.id, kind=kind.value, expires_at=expires)
    )
    session.flush()
    return IssuedToken(token=token, kind=kind, expires_at=expires)


def resolve_token(session: Session, *, token: str, kind: TokenKind) -> Principal | None:
    """The principal of a live token of ``kind``, or None (unknown, expired, revoked)."""
    digest = hash_token(token)
    row = session.scalar(
        select(TokenRow).where(TokenRow.token_hash == digest).where(TokenRow.kind == kind.value)
    )
    if row is None or row.revoked or _aware(row.expires_at) <= utcnow():
        return None
    user = session.get(UserRow, row.user_id)
    if user is None or not user.active:
        return None
    method = AuthMethod.SESSION if kind is TokenKind.SESSION else AuthMethod.BEARER
    return Principal(
        user_id=user.id,
        username=user.username,
        full_name=user.full_name,
        role=Role(user.role),
        method=method,
        token_hash=digest,
    )


def revoke_token(session: Session, *, token_hash: str) -> None:
    """Revoke the token stored under ``token_hash`` (sign-out)."""
    row = session.scalar(select(TokenRow).where(TokenRow.token_hash == token_hash))
    if row is not None:
        row.revoked = True
        session.flush()


def require_principal(principal: Principal | None) -> Principal:
    """``principal`` or :class:`AuthenticationRequiredError`."""
    if principal is None:
        raise AuthenticationRequiredError("sign in or send a valid bearer token")
    return principal
