"""Fixtures: a migrated ledger database on SQLite and (marked ``postgres``) on PostgreSQL.

PostgreSQL tests run in a schema of their own (dropped afterwards) on the server named by
``STOCKPILE_TEST_PG_URL``, so they never touch other tables of the shared test database.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.orm import Session

from stockpile import ledger

PG_ENV = "STOCKPILE_TEST_PG_URL"
USERS = {
    "ada": ["admin"],
    "carl": ["contracting-officer"],
    "rita": ["release-authority"],
    "rob": ["release-authority"],
    "ann": ["analyst"],
    "aud": ["auditor"],
}
# The receipt date of the hand-worked example: FY2026 (starts 1 Oct 2025).
RECEIPT_AT = datetime(2025, 11, 14, 15, 0, tzinfo=UTC)


def _no_fsync(dbapi_connection: Any, _record: object) -> None:
    """Test databases are throwaway: skip fsync (durability is not under test here)."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA synchronous=OFF")
    cursor.close()


@contextmanager
def fresh_engine(kind: str, folder: Path) -> Iterator[Engine]:
    """A migrated, empty ledger database of ``kind`` ('sqlite' or 'postgres')."""
    if kind == "sqlite":
        engine = ledger.make_engine(f"sqlite:///{folder / f'ledger-{uuid.uuid4().hex}.db'}")
        event.listen(engine, "connect", _no_fsync)
        ledger.upgrade(engine)
        try:
            yield engine
        finally:
            engine.dispose()
        return
    url = os.environ.get(PG_ENV)
    if not url:
        pytest.skip(f"{PG_ENV} not set")
    schema = f"ledger_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = create_engine(url, connect_args={"options": f"-csearch_path={schema}"}, pool_size=10)
    try:
        ledger.upgrade(engine)
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(scope="session")
def sqlite_templates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Migrated SQLite files made once per run: 'empty' and 'antimony' (seeded)."""
    folder = tmp_path_factory.mktemp("ledger-templates")
    out = {}
    for name in ("empty", "antimony"):
        path = folder / f"{name}.db"
        engine = ledger.make_engine(f"sqlite:///{path}")
        ledger.upgrade(engine)
        if name == "antimony":
            with ledger.make_sessionmaker(engine)() as s:
                seed_antimony(s)
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        engine.dispose()
        out[name] = path
    return out


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine(
    request: pytest.FixtureRequest, tmp_path: Path, sqlite_templates: dict[str, Path]
) -> Iterator[Engine]:
    if request.param == "sqlite":
        # A copy of a template file: the same migrations (and seed), made once per run.
        name = "antimony" if "antimony" in request.fixturenames else "empty"
        path = tmp_path / "ledger.db"
        shutil.copyfile(sqlite_templates[name], path)
        e = ledger.make_engine(f"sqlite:///{path}")
        event.listen(e, "connect", _no_fsync)
        yield e
        e.dispose()
        return
    with fresh_engine(request.param, tmp_path) as e:
        yield e


@pytest.fixture
def engine_factory(tmp_path: Path) -> Callable[[str], object]:
    return lambda kind: fresh_engine(kind, tmp_path)


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with ledger.make_sessionmaker(engine)() as s:
        yield s


def seed_users(session: Session) -> None:
    for name, roles in USERS.items():
        ledger.add_user(session, name=name, roles=roles, actor="ada")


def seed_antimony(session: Session) -> None:
    """The antimony example: P.L. 119-21 money, the $245M cap, the sole-source IDIQ contract
    (stockpile_programs.csv US-DLA-SB-2025), its first order of 315,000 lb for $10M, and an
    AMP line for FY2026 (the AMP figure, 1,000,000 lb, is a test figure, not a published one)."""
    seed_users(session)
    ledger.create_depot(
        session,
        code="SCOTIA",
        name="Scotia depot",
        location="Scotia, NY",
        actor="ada",
        monthly_release_capacity=200,
        capacity_unit="metric_ton",
    )
    ledger.create_depot(
        session, code="HAMMOND", name="Hammond depot", location="Hammond, IN", actor="ada"
    )
    ledger.create_fund(
        session,
        code="NDS-2025",
        name="P.L. 119-21 stockpile appropriation",
        amount=2_000_000_000,
        actor="ada",
        kind="appropriation",
        allowed_uses=("acquisition",),
        at=datetime(2025, 7, 4, tzinfo=UTC),
    )
    ledger.create_fund(
        session,
        code="NDTF",
        name="NDS Transaction Fund",
        amount=0,
        actor="ada",
        kind="transaction",
        allowed_uses=("acquisition", "proceeds"),
    )
    ledger.create_cap(session, material="antimony", ceiling=245_000_000, actor="ada")
    ledger.set_plan_line(
        session,
        fiscal_year=2026,
        material="Sb",
        max_acquisition=1_000_000,
        max_disposal=50_000,
        unit="lb",
        actor="ada",
        source="test figure",
    )
    ledger.create_contract(
        session,
        number="SB-IDIQ-2025",
        supplier="United States Antimony Corp.",
        material="antimony",
        form="ingot",
        unit="lb",
        ceiling=245_000_000,
        period_start=date(2025, 9, 23),
        period_end=date(2030, 9, 22),
        fund="NDS-2025",
        actor="carl",
        max_quantity=6_700_000,
        price_terms="fixed price",
        depot="SCOTIA",
    )
    ledger.create_delivery_order(
        session,
        contract="SB-IDIQ-2025",
        number="SB-DO-1",
        quantity=315_000,
        value=10_000_000,
        due_date=date(2025, 12, 31),
        actor="carl",
    )


def snapshot(session: Session) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every ledger table (to prove that nothing was written)."""
    from stockpile.ledger.models import Base

    session.rollback()
    out = {}
    with session.bind.connect() as conn:  # type: ignore[union-attr]
        for table in Base.metadata.sorted_tables:
            rows = conn.execute(table.select()).all()
            out[table.name] = sorted((tuple(r) for r in rows), key=repr)
    return out


@pytest.fixture
def antimony(session: Session) -> Session:
    from stockpile.ledger.models import Depot

    if session.query(Depot).first() is None:  # SQLite copies come seeded already
        seed_antimony(session)
    session.rollback()
    return session
