"""Alembic environment of the service tables (``svc_*``).

The service keeps its own migration history in its own version table
(``svc_alembic_version``), beside the ledger's, so either schema can evolve alone.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from stockpile.service.models import ServiceBase

VERSION_TABLE = "svc_alembic_version"


def _include(
    obj: object, name: str | None, type_: str, reflected: bool, compare_to: object
) -> bool:
    """Only the service's own tables belong to this history."""
    return type_ != "table" or bool(name and name.startswith("svc_"))


def _run(connection: object) -> None:
    context.configure(
        connection=connection,  # type: ignore[arg-type]
        target_metadata=ServiceBase.metadata,
        version_table=VERSION_TABLE,
        include_object=_include,
    )
    with context.begin_transaction():
        context.run_migrations()


config = context.config
connection = config.attributes.get("connection")
if connection is None:
    url = config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("no connection and no sqlalchemy.url given to the service migrations")
    with create_engine(url).begin() as conn:
        _run(conn)
else:
    _run(connection)
