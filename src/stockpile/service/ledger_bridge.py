"""Where the service meets the ledger: users, roles, errors and the first administrator."""

from __future__ import annotations

from functools import cache

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from stockpile.ledger.errors import (
    AuthorisationError,
    ConcurrencyError,
    LedgerError,
    NotFoundError,
    StateError,
)
from stockpile.ledger.models import User
from stockpile.ledger.setup import add_user
from stockpile.ledger.valuation import ReferenceBook
from stockpile.ledger.valuation import reference_book as _build_reference_book
from stockpile.service.errors import FieldError, problem_response
from stockpile.service.permissions import Role

__all__ = [
    "install_ledger_errors",
    "ledger_has_users",
    "ledger_role",
    "reference_book",
    "sync_ledger_user",
]


@cache
def reference_book() -> ReferenceBook:
    """The ledger's valuation inputs from the bundled reference data, built once per process
    (the bundled tables do not change while the service runs)."""
    return _build_reference_book()


def ledger_role(role: Role) -> str:
    """The ledger's name of a service role (``release_authority`` -> ``release-authority``)."""
    return role.value.replace("_", "-")


def ledger_has_users(session: Session) -> bool:
    """True once the ledger knows at least one user."""
    return session.scalars(select(User.name).limit(1)).first() is not None


def sync_ledger_user(session: Session, *, username: str, role: Role, actor: str) -> None:
    """Register a new service user in the ledger with the same name and role.

    Runs as a ledger operation by ``actor`` (an administrator) and commits the session;
    the very first ledger user may register itself.
    """
    add_user(session, name=username, roles=[ledger_role(role)], actor=actor)


def _status(exc: LedgerError) -> tuple[int, str]:
    if isinstance(exc, NotFoundError):
        return 404, "Not found"
    if isinstance(exc, AuthorisationError):
        return 403, "Forbidden"
    if isinstance(exc, StateError | ConcurrencyError):
        return 409, "Conflict"
    return 422, "Refused by the ledger"


async def _on_ledger_error(request: Request, exc: Exception) -> JSONResponse:
    if not isinstance(exc, LedgerError):
        raise exc
    status, title = _status(exc)
    return problem_response(
        status, title, str(exc), [FieldError(field=exc.field, reason=exc.problem)]
    )


def install_ledger_errors(app: FastAPI) -> None:
    """Render every refusal of the ledger as a problem document naming the field."""
    app.add_exception_handler(LedgerError, _on_ledger_error)
