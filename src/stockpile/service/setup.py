"""Getting a database ready to serve: migrations, the demo stockpile, the first administrator."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from stockpile.service.accounts import create_user
from stockpile.service.db import open_database
from stockpile.service.ledger_bridge import ledger_has_users, sync_ledger_user
from stockpile.service.models import UserRow
from stockpile.service.permissions import Role
from stockpile.service.security import generate_password, password_hasher
from stockpile.service.settings import ServiceSettings

__all__ = ["PrepareReport", "ensure_admin", "prepare"]


@dataclass(frozen=True)
class PrepareReport:
    """What :func:`prepare` did; ``admin_password`` is shown once and stored nowhere."""

    database_url: str
    demo_loaded: bool
    demo_note: str
    admin_username: str | None
    admin_password: str | None

    def lines(self) -> list[str]:
        """Console lines for the operator."""
        out = [f"Database: {_redact(self.database_url)} (migrated)"]
        if self.demo_note:
            out.append(self.demo_note)
        if self.admin_password is not None:
            out += [
                "Administrator created (the password is shown only now):",
                f"  user:     {self.admin_username}",
                f"  password: {self.admin_password}",
            ]
        return out


def _redact(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def ensure_admin(settings: ServiceSettings, *, username: str = "admin") -> str | None:
    """Create the administrator ``username`` with a generated password if the service has
    no administrator yet; the password, or None if nothing was created.

    The administrator is registered in the ledger too (as its first user when the ledger has
    none; otherwise an existing ledger user of that name must already be an administrator).
    """
    db = open_database(settings.database_url)
    try:
        db.create_service_tables()
        with db.sessions() as session:
            has_admin = session.scalar(
                select(UserRow.id).where(UserRow.role == Role.ADMIN.value).limit(1)
            )
            if has_admin is not None:
                return None
            password = generate_password()
            create_user(
                session,
                hasher=password_hasher(settings),
                username=username,
                password=password,
                role=Role.ADMIN,
                full_name="Administrator",
            )
            from stockpile.ledger.models import User

            if session.get(User, username) is None:
                if ledger_has_users(session):
                    from stockpile.ledger.errors import AuthorisationError

                    raise AuthorisationError(
                        "admin",
                        f"the ledger has users but no {username!r}; pass --admin NAME "
                        "with the name of a ledger administrator",
                    )
                sync_ledger_user(session, username=username, role=Role.ADMIN, actor=username)
            else:
                session.commit()
            return password
    finally:
        db.dispose()


def prepare(settings: ServiceSettings, *, demo: bool, admin: str | None) -> PrepareReport:
    """Migrate the database; with ``demo``, load the demo stockpile into an empty ledger; with
    ``admin``, create that administrator if there is none (password generated)."""
    from stockpile.ledger.database import make_engine, upgrade

    engine = make_engine(settings.database_url)
    try:
        upgrade(engine)
    finally:
        engine.dispose()
    password = ensure_admin(settings, username=admin) if admin is not None else None
    loaded, note = (False, "")
    if demo:
        loaded, note = _load_demo_if_empty(settings, actor=admin or "admin")
    return PrepareReport(
        database_url=settings.database_url,
        demo_loaded=loaded,
        demo_note=note,
        admin_username=admin if password is not None else None,
        admin_password=password,
    )


def _load_demo_if_empty(settings: ServiceSettings, *, actor: str) -> tuple[bool, str]:
    from stockpile.ledger.models import Depot, Lot

    db = open_database(settings.database_url)
    try:
        with db.sessions() as session:
            if session.scalars(select(Lot.id).limit(1)).first() is not None or (
                session.scalars(select(Depot.id).limit(1)).first() is not None
            ):
                return False, "Demo stockpile: not loaded (the ledger already holds data)."
            from stockpile.ledger.demo import load_demo

            load_demo(session, actor=actor)
            return True, "Demo stockpile loaded (illustrative quantities; real 2025 contracts)."
    finally:
        db.dispose()
