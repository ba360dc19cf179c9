"""The migrations build exactly the ORM schema; the public names are pinned."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect

import stockpile.ledger as ledger
from stockpile.ledger.models import Base


def test_migrations_match_the_models(engine: Engine) -> None:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, Base.metadata)
        assert diff == []
        tables = set(inspect(conn).get_table_names())
        assert {t.name for t in Base.metadata.sorted_tables} <= tables
        assert "alembic_version" in tables


def test_upgrade_is_idempotent(engine: Engine) -> None:
    ledger.upgrade(engine)
    with engine.connect() as conn:
        head = conn.exec_driver_sql("SELECT last_seq, last_hash FROM journal_head").one()
    assert tuple(head) == (0, ledger.GENESIS_HASH)


def test_public_names_are_exactly_all() -> None:
    public = {n for n in dir(ledger) if not n.startswith("_")}
    modules = {
        "codes",
        "database",
        "errors",
        "governance",
        "journal",
        "models",
        "movements",
        "queries",
        "receipts",
        "releases",
        "setup",
        "states",
        "valuation",
        "migrations",
        "demo",
        "appender",
        "imports",
    }
    assert public - modules == set(ledger.__all__)
    assert sorted(ledger.__all__) == sorted(set(ledger.__all__))


def test_database_url_resolution(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(ledger.DATABASE_URL_ENV, "sqlite:///from-env.db")
    assert ledger.resolve_database_url("sqlite:///given.db") == "sqlite:///given.db"
    assert ledger.resolve_database_url(None) == "sqlite:///from-env.db"
    monkeypatch.delenv(ledger.DATABASE_URL_ENV)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    default = ledger.resolve_database_url(None)
    assert default.startswith("sqlite:///") and default.endswith("ledger.sqlite3")
    with pytest.raises(ledger.InvalidInputError, match="database url"):
        ledger.make_engine("nosuchdriver://x")


def test_migrations_downgrade_and_upgrade_again(engine: Engine) -> None:
    from alembic import command
    from alembic.config import Config

    import stockpile.ledger.database as database

    config = Config()
    config.set_main_option("script_location", str(database._MIGRATIONS))
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "base")
    with engine.connect() as conn:
        assert set(inspect(conn).get_table_names()) <= {"alembic_version"}
    ledger.upgrade(engine)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []
