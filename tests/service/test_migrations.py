"""The service's Alembic migrations build exactly the ``svc_*`` tables of its models."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from stockpile.ledger.database import upgrade as upgrade_ledger
from stockpile.ledger.models import Base
from stockpile.service.db import open_database
from stockpile.service.models import ServiceBase


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'svc.db'}"
    return str(request.getfixturevalue("pg_url"))


def test_service_migrations_match_the_models_beside_the_ledger(database_url: str) -> None:
    db = open_database(database_url)
    try:
        upgrade_ledger(db.engine)
        db.create_service_tables()
        db.create_service_tables()  # idempotent
        with db.engine.connect() as conn:
            tables = set(inspect(conn).get_table_names())
            assert {t.name for t in ServiceBase.metadata.sorted_tables} <= tables
            assert {"alembic_version", "svc_alembic_version"} <= tables
            context = MigrationContext.configure(
                conn, opts={"compare_type": True, "version_table": "svc_alembic_version"}
            )
            ours = [d for d in compare_metadata(context, ServiceBase.metadata) if _is_svc(d)]
            assert ours == []
            # the ledger's own schema is untouched by the service's history
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            ledger_diff = [d for d in compare_metadata(context, Base.metadata) if not _is_svc(d)]
            assert ledger_diff == []
    finally:
        db.dispose()


def _is_svc(diff: object) -> bool:
    """Whether an autogenerate diff entry concerns a ``svc_*`` table."""
    text_ = repr(diff)
    return "svc_" in text_
