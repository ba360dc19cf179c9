"""``stockpile users``: the service's users from the command line (list, create, recover).

These commands act directly on the database, as its operator: they are the way back in when
nobody can sign in (a forgotten administrator password, the only administrator deactivated).
Generated passwords are printed once and stored nowhere (only their argon2id hash).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import typer
from sqlalchemy import select
from sqlalchemy.orm import Session

from stockpile.ledger.database import resolve_database_url
from stockpile.ledger.errors import LedgerError
from stockpile.ledger.models import User
from stockpile.service.accounts import active_admins, create_user, update_user
from stockpile.service.cli.db import DB, JSON, fail
from stockpile.service.db import open_database
from stockpile.service.errors import ServiceError
from stockpile.service.ledger_bridge import ledger_has_users, sync_ledger_user
from stockpile.service.models import UserRow
from stockpile.service.permissions import Role
from stockpile.service.security import generate_password, password_hasher
from stockpile.service.settings import ServiceConfigError, ServiceSettings

__all__ = ["app"]

app = typer.Typer(
    rich_markup_mode="markdown",
    help="Service users: list, create, reset a password, activate or deactivate.",
    no_args_is_help=True,
)

_STDIN = typer.Option(
    False,
    "--password-stdin",
    help="Read the new password from standard input instead of generating one.",
)


@contextmanager
def _session(db: str | None) -> Iterator[tuple[Session, ServiceSettings]]:
    try:
        settings = ServiceSettings.from_env(database_url=resolve_database_url(db))
    except ServiceConfigError as exc:
        raise fail(str(exc)) from None
    database = open_database(settings.database_url)
    try:
        database.create_service_tables()
        with database.sessions() as session:
            yield session, settings
    except ServiceError as exc:
        field = f"{exc.field}: " if exc.field else ""
        raise fail(f"{field}{exc.detail}") from None
    except LedgerError as exc:
        raise fail(str(exc)) from None
    finally:
        database.dispose()


def _user(session: Session, username: str) -> UserRow:
    row = session.scalars(select(UserRow).where(UserRow.username == username)).one_or_none()
    if row is None:
        names = ", ".join(session.scalars(select(UserRow.username).order_by(UserRow.id)))
        raise fail(f"no user {username!r} (users: {names or 'none'})")
    return row


def _new_password(from_stdin: bool) -> tuple[str, bool]:
    """The password to set and whether it was generated (then it is printed)."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\n"), False
    return generate_password(), True


def _print_password(username: str, password: str) -> None:
    typer.echo(f"  user:     {username}")
    typer.echo(f"  password: {password}")
    typer.echo("The password is shown only now; it signs in at /login and POST /api/v1/auth/token.")


@app.command("list")
def list_users(db: str | None = DB, as_json: bool = JSON) -> None:
    """The service users: name, role, whether active, when created."""
    with _session(db) as (session, _):
        rows = list(session.scalars(select(UserRow).order_by(UserRow.id)))
        data = [
            {
                "id": r.id,
                "username": r.username,
                "full_name": r.full_name,
                "role": r.role,
                "active": r.active,
                "created_at": r.created_at.isoformat(),
            }
            for r in rows
        ]
    if as_json:
        typer.echo(json.dumps(data, indent=2))
        return
    if not data:
        typer.echo("No users yet: `stockpile users create NAME --role admin` makes the first.")
        return
    width = max(len(r.username) for r in rows)
    for d in data:
        state = "active" if d["active"] else "inactive"
        typer.echo(f"{d['id']:>4}  {d['username']:<{width}}  {d['role']:<20} {state:<8}")


@app.command("create")
def create(
    username: str = typer.Argument(..., help="User name (lower-case letters, digits, . _ -)."),
    role: Role = typer.Option(..., "--role", help="Role of the user."),
    full_name: str = typer.Option("", "--full-name", help="Full name, for the journal."),
    password_stdin: bool = _STDIN,
    db: str | None = DB,
) -> None:
    """Create a user (and the same user in the ledger); prints a generated password once."""
    password, generated = _new_password(password_stdin)
    with _session(db) as (session, settings):
        create_user(
            session,
            hasher=password_hasher(settings),
            username=username,
            password=password,
            role=role,
            full_name=full_name,
        )
        if session.get(User, username) is None:
            admins = active_admins(session)
            actor = username if not ledger_has_users(session) else (admins or [username])[0]
            sync_ledger_user(session, username=username, role=role, actor=actor)
        else:
            session.commit()
    typer.echo(f"User {username!r} created ({role.value.replace('_', ' ')}).")
    if generated:
        _print_password(username, password)


@app.command("reset-password")
def reset_password(
    username: str = typer.Argument(..., help="User name."),
    password_stdin: bool = _STDIN,
    db: str | None = DB,
) -> None:
    """Give a user a new password (generated and printed once); signs the user out."""
    password, generated = _new_password(password_stdin)
    with _session(db) as (session, settings):
        row = _user(session, username)
        update_user(session, hasher=password_hasher(settings), user_id=row.id, password=password)
        session.commit()
        inactive = not row.active
    typer.echo(f"Password of {username!r} reset; every session and token of it is revoked.")
    if generated:
        _print_password(username, password)
    if inactive:
        typer.echo(f"Note: {username!r} is inactive; `stockpile users activate {username}`.")


def _set_active(db: str | None, username: str, active: bool) -> None:
    with _session(db) as (session, settings):
        row = _user(session, username)
        update_user(session, hasher=password_hasher(settings), user_id=row.id, active=active)
        session.commit()
    typer.echo(f"User {username!r} is {'active' if active else 'inactive'}.")


@app.command("activate")
def activate(username: str = typer.Argument(..., help="User name."), db: str | None = DB) -> None:
    """Let a deactivated user sign in again."""
    _set_active(db, username, True)


@app.command("deactivate")
def deactivate(username: str = typer.Argument(..., help="User name."), db: str | None = DB) -> None:
    """Stop a user from signing in (refused for the last active administrator)."""
    _set_active(db, username, False)
