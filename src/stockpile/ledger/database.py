"""Engines, sessions and schema migrations (Alembic, shipped inside the package)."""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.orm import Session, sessionmaker

from stockpile.ledger.errors import InvalidInputError

__all__ = [
    "DATABASE_URL_ENV",
    "default_database_url",
    "integrity_problems",
    "make_engine",
    "make_sessionmaker",
    "resolve_database_url",
    "upgrade",
]

DATABASE_URL_ENV = "STOCKPILE_DATABASE_URL"
_MIGRATIONS = Path(__file__).with_name("migrations")


def default_database_url() -> str:
    """SQLite file ``ledger.sqlite3`` in the user's data directory (``platformdirs``)."""
    from platformdirs import user_data_dir

    folder = Path(user_data_dir("strategic-stockpile", appauthor=False))
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{folder / 'ledger.sqlite3'}"


def resolve_database_url(url: str | None = None) -> str:
    """``url`` if given, else ``$STOCKPILE_DATABASE_URL``, else :func:`default_database_url`."""
    return url or os.environ.get(DATABASE_URL_ENV) or default_database_url()


def make_engine(url: str) -> Engine:
    """Create an engine; SQLite connections get foreign keys, WAL and a 30 s busy timeout.

    Raises
    ------
    InvalidInputError
        The URL cannot be parsed or names an unknown driver.
    """
    try:
        if url.startswith("sqlite"):
            engine = create_engine(url, connect_args={"timeout": 30})
            event.listen(engine, "connect", _sqlite_pragmas)
        else:
            # Recycled after 30 min instead of a ping on every checkout.
            engine = create_engine(url, pool_recycle=1800)
    except Exception as exc:  # SQLAlchemy raises ArgumentError, NoSuchModuleError...
        raise InvalidInputError("database url", f"{url!r}: {exc}") from exc
    return engine


def _sqlite_pragmas(dbapi_connection: object, _record: object) -> None:
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded objects readable after commit."""
    return sessionmaker(engine, expire_on_commit=False)


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Run the packaged Alembic migrations up to ``revision`` on ``engine``."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def integrity_problems(session: Session) -> list[str] | None:
    """The database's own consistency check: what it reports, or ``[]`` when sound.

    SQLite runs ``PRAGMA integrity_check`` (pages, indexes, NOT NULL and CHECK constraints):
    a file can fail it while the journal's hash chain still verifies. PostgreSQL has no
    built-in whole-database check (``amcheck`` is an optional extension): None.
    """
    if session.get_bind().dialect.name != "sqlite":
        return None
    rows = [str(r[0]) for r in session.execute(text("PRAGMA integrity_check(100)"))]
    return [] if rows == ["ok"] else rows
