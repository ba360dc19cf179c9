"""The database the service talks to: one engine and one session factory per app."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

from stockpile.service.settings import ServiceConfigError

__all__ = ["POOL_SIZE", "REQUEST_SLOTS", "Database", "open_database"]

#: Requests served at once by one process (:mod:`stockpile.service.load` queues the rest).
REQUEST_SLOTS = 16
#: Pooled connections per process: one per request slot, plus room for the job threads
#: (overflow), so that a request in a slot never waits for a connection.
POOL_SIZE = REQUEST_SLOTS
_POOL_OVERFLOW = 8
#: Connections older than this are replaced when checked out [s] (instead of a ping on
#: every checkout; a connection found dead invalidates the pool and is reconnected).
_POOL_RECYCLE_S = 1800

_MIGRATIONS = Path(__file__).with_name("migrations")


@dataclass(frozen=True)
class Database:
    """An engine and its session factory."""

    engine: Engine
    sessions: sessionmaker[Session]

    def create_service_tables(self) -> None:
        """Bring the ``svc_*`` tables up to date with the service's Alembic migrations.

        The service's migration history is kept in its own version table
        (``svc_alembic_version``), beside the ledger's.
        """
        # Alembic (about 0.3 s to import) is loaded only when migrating, not by every command.
        from alembic import command
        from alembic.config import Config

        config = Config()
        config.set_main_option("script_location", str(_MIGRATIONS))
        with self.engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()


def _sqlite_pragmas(dbapi_connection: object, _record: object) -> None:
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def _sqlite_file_pragmas(dbapi_connection: object, record: object) -> None:
    """A file database in WAL mode: readers never wait for the writer, and several server
    processes (``stockpile serve --workers N``) share it."""
    _sqlite_pragmas(dbapi_connection, record)
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def open_database(url: str) -> Database:
    """Open ``url`` (SQLite file, in-memory SQLite or PostgreSQL).

    The pool holds :data:`POOL_SIZE` connections (plus an overflow for job threads) and
    recycles them after 30 minutes rather than pinging on every checkout.

    Raises
    ------
    ServiceConfigError
        If the URL cannot be parsed.
    """
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise ServiceConfigError(f"database_url: {url!r} is not a SQLAlchemy URL") from exc
    if parsed.get_backend_name() == "sqlite":
        memory = parsed.database in (None, "", ":memory:")
        if memory:
            engine = create_engine(
                parsed, connect_args={"check_same_thread": False}, poolclass=StaticPool
            )
            event.listen(engine, "connect", _sqlite_pragmas)
        else:
            engine = create_engine(
                parsed,
                connect_args={"check_same_thread": False},
                pool_size=POOL_SIZE,
                max_overflow=_POOL_OVERFLOW,
            )
            event.listen(engine, "connect", _sqlite_file_pragmas)
    else:
        engine = create_engine(
            parsed,
            pool_size=POOL_SIZE,
            max_overflow=_POOL_OVERFLOW,
            pool_recycle=_POOL_RECYCLE_S,
        )
    return Database(engine=engine, sessions=sessionmaker(engine, expire_on_commit=False))
