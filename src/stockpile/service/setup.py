"""Getting a database ready to serve: migrations, the demo stockpile, the first administrator."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.engine import make_url

from stockpile.ledger.database import make_engine, resolve_database_url, upgrade
from stockpile.ledger.demo import load_demo
from stockpile.ledger.errors import AuthorisationError
from stockpile.ledger.models import Depot, Lot, User
from stockpile.service.accounts import active_admins, create_user, update_user
from stockpile.service.db import open_database
from stockpile.service.errors import ConflictError
from stockpile.service.ledger_bridge import ledger_has_users, sync_ledger_user
from stockpile.service.models import UserRow
from stockpile.service.permissions import Role
from stockpile.service.security import generate_password, password_hasher
from stockpile.service.settings import ServiceSettings

__all__ = ["AdminAction", "AdminOutcome", "PrepareReport", "ensure_admin", "prepare"]


class AdminAction(StrEnum):
    """What :func:`ensure_admin` did."""

    CREATED = "created"
    REACTIVATED = "reactivated"
    EXISTS = "exists"


@dataclass(frozen=True)
class AdminOutcome:
    """The administrator check of :func:`ensure_admin`.

    ``password`` is set (shown once, stored nowhere) when an administrator was created or
    re-activated; ``active_admins`` are the active administrators afterwards.
    """

    action: AdminAction
    username: str
    password: str | None
    active_admins: tuple[str, ...]


@dataclass(frozen=True)
class PrepareReport:
    """What :func:`prepare` did; ``admin_password`` is shown once and stored nowhere."""

    database_url: str
    demo_loaded: bool
    demo_note: str
    admin_username: str | None
    admin_password: str | None
    active_admins: tuple[str, ...] = ()
    admin_action: AdminAction | None = None

    def lines(self) -> list[str]:
        """Console lines for the operator."""
        out = [f"Database: {_redact(self.database_url)} (migrated)"]
        if self.demo_note:
            out.append(self.demo_note)
        if self.admin_password is not None:
            what = (
                "re-activated with a new password"
                if self.admin_action is AdminAction.REACTIVATED
                else "created"
            )
            out += [
                f"Administrator {what} (the password is shown only now):",
                f"  user:     {self.admin_username}",
                f"  password: {self.admin_password}",
            ]
        elif self.active_admins:
            names = ", ".join(self.active_admins)
            first = self.active_admins[0]
            out += [
                f"Administrator(s): {names} (the password was shown when the account was made).",
                f"  Forgotten it? Run: stockpile users reset-password {first}"
                + _db_option(self.database_url),
            ]
        return out


def _db_option(url: str) -> str:
    """`` --db URL`` when ``url`` is not the database the CLI uses by default."""
    return "" if url == resolve_database_url(None) else f" --db {_redact(url)}"


def _redact(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def ensure_admin(settings: ServiceSettings, *, username: str = "admin") -> AdminOutcome:
    """Make sure the service has an active administrator.

    With none active, the administrator ``username`` is created with a generated password, or
    re-activated with a new one if it exists but was deactivated; a user of that name with
    another role is refused (pass another name). Inactive administrators do not count.

    The administrator is registered in the ledger too (as its first user when the ledger has
    none; otherwise an existing ledger user of that name must already be an administrator).
    """
    db = open_database(settings.database_url)
    try:
        db.create_service_tables()
        with db.sessions() as session:
            active = active_admins(session)
            if active:
                return AdminOutcome(AdminAction.EXISTS, active[0], None, tuple(active))
            password = generate_password()
            hasher = password_hasher(settings)
            existing = session.scalars(
                select(UserRow).where(UserRow.username == username)
            ).one_or_none()
            if existing is not None:
                if existing.role != Role.ADMIN.value:
                    raise ConflictError(
                        f"there is no active administrator and {username!r} is a "
                        f"{existing.role.replace('_', ' ')}; pass --admin with another name",
                        field="admin",
                    )
                update_user(
                    session, hasher=hasher, user_id=existing.id, active=True, password=password
                )
                session.commit()
                return AdminOutcome(AdminAction.REACTIVATED, username, password, (username,))
            create_user(
                session,
                hasher=hasher,
                username=username,
                password=password,
                role=Role.ADMIN,
                full_name="Administrator",
            )
            if session.get(User, username) is None:
                if ledger_has_users(session):
                    raise AuthorisationError(
                        "admin",
                        f"the ledger has users but no {username!r}; pass --admin NAME "
                        "with the name of a ledger administrator",
                    )
                sync_ledger_user(session, username=username, role=Role.ADMIN, actor=username)
            else:
                session.commit()
            return AdminOutcome(AdminAction.CREATED, username, password, (username,))
    finally:
        db.dispose()


def prepare(settings: ServiceSettings, *, demo: bool, admin: str | None) -> PrepareReport:
    """Migrate the database; with ``demo``, load the demo stockpile into an empty ledger; with
    ``admin``, make sure there is an active administrator (see :func:`ensure_admin`)."""
    engine = make_engine(settings.database_url)
    try:
        upgrade(engine)
    finally:
        engine.dispose()
    outcome = ensure_admin(settings, username=admin) if admin is not None else None
    loaded, note = (False, "")
    if demo:
        loaded, note = _load_demo_if_empty(settings, actor=admin or "admin")
    created = outcome is not None and outcome.password is not None
    return PrepareReport(
        database_url=settings.database_url,
        demo_loaded=loaded,
        demo_note=note,
        admin_username=outcome.username if created and outcome else None,
        admin_password=outcome.password if outcome else None,
        active_admins=outcome.active_admins if outcome else (),
        admin_action=outcome.action if outcome else None,
    )


def _load_demo_if_empty(settings: ServiceSettings, *, actor: str) -> tuple[bool, str]:
    db = open_database(settings.database_url)
    try:
        with db.sessions() as session:
            if session.scalars(select(Lot.id).limit(1)).first() is not None or (
                session.scalars(select(Depot.id).limit(1)).first() is not None
            ):
                return False, "Demo stockpile: not loaded (the ledger already holds data)."
            load_demo(session, actor=actor)
            return True, "Demo stockpile loaded (illustrative quantities; real 2025 contracts)."
    finally:
        db.dispose()
