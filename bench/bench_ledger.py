"""Ledger benchmarks: journal throughput with the hash chain, and verify time.

* ``ops_per_s``: inventory adjustments through the service API (each one database
  transaction: journal lock, user check, operation row, one hash-chained entry, cached
  balance), against ``plain_rows_per_s``: the same journal rows inserted with plain SQLAlchemy,
  one transaction each, no hashing, locking or balance update. ``ratio`` = ops / plain rows.
* ``verify_s_100k``: :func:`stockpile.ledger.verify_journal` over 100,000 entries (a valid chain
  written in bulk), against ``read_s_100k``, a plain SELECT of the same rows.

Runs on SQLite (a temporary file) and on PostgreSQL (``STOCKPILE_TEST_PG_URL``, else a
throwaway server started with ``scripts/pg.sh`` if PostgreSQL is installed).
"""

from __future__ import annotations

import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Engine, create_engine, insert, select, text, update

from bench._pg import postgres_server
from stockpile import ledger
from stockpile.ledger.journal import entry_hash
from stockpile.ledger.models import JournalEntry, JournalHead, Lot, Operation

OPS = 300
VERIFY_ENTRIES = 100_000


@contextmanager
def _sqlite() -> Iterator[Engine]:
    with tempfile.TemporaryDirectory() as folder:
        engine = ledger.make_engine(f"sqlite:///{folder}/bench.db")
        try:
            yield engine
        finally:
            engine.dispose()


@contextmanager
def _postgres() -> Iterator[Callable[[], Engine] | None]:
    """Yield a factory of engines, each on a fresh schema (all dropped at the end)."""
    with postgres_server(54397) as url:
        if url is None:
            yield None
            return
        with _schemas(url) as factory:
            yield factory


@contextmanager
def _schemas(url: str) -> Iterator[Callable[[], Engine]]:
    """Engines on fresh schemas of the server at ``url``, all dropped at the end."""
    admin = create_engine(url)
    made: list[tuple[str, Engine]] = []

    def factory() -> Engine:
        schema = f"bench_{uuid.uuid4().hex[:10]}"
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        engine = create_engine(url, connect_args={"options": f"-csearch_path={schema}"})
        made.append((schema, engine))
        return engine

    try:
        yield factory
    finally:
        for schema, engine in made:
            engine.dispose()
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _seed(engine: Engine) -> None:
    ledger.upgrade(engine)
    with ledger.make_sessionmaker(engine)() as s:
        ledger.add_user(s, name="ada", roles=["admin"], actor="ada")
        ledger.add_user(s, name="aud", roles=["auditor"], actor="ada")
        ledger.create_depot(s, code="D", name="D", location="", actor="ada")
        ledger.record_opening_lot(
            s,
            code="L",
            material="cobalt",
            quantity=1_000_000,
            unit="t",
            depot="D",
            acquired_on=date(2020, 1, 1),
            actor="ada",
        )


def _throughput(engine: Engine) -> dict[str, float]:
    _seed(engine)
    with ledger.make_sessionmaker(engine)() as s:
        t0 = time.perf_counter()
        for i in range(OPS):
            ledger.adjust(s, lot="L", delta=1 if i % 2 else -1, reason="bench", actor="aud")
        ops_s = OPS / (time.perf_counter() - t0)
        rows = [
            {
                c: getattr(e, c)
                for c in (
                    "operation_id",
                    "at",
                    "actor",
                    "op_kind",
                    "account_type",
                    "account_id",
                    "material",
                    "amount",
                    "unit",
                    "memo",
                    "prev_hash",
                    "hash",
                )
            }
            for e in s.scalars(select(JournalEntry).order_by(JournalEntry.seq).limit(OPS))
        ]
        base = s.scalar(select(JournalEntry.seq).order_by(JournalEntry.seq.desc()).limit(1)) or 0
    with engine.connect() as conn:
        t0 = time.perf_counter()
        for i, row in enumerate(rows):
            with conn.begin():
                conn.execute(insert(JournalEntry), {**row, "seq": base + 1 + i})
        plain_s = len(rows) / (time.perf_counter() - t0)
    return {
        "ops_per_s": round(ops_s, 1),
        "plain_rows_per_s": round(plain_s, 1),
        "ratio": round(ops_s / plain_s, 3),
    }


def _bulk_chain(engine: Engine, n: int) -> None:
    """Write a valid chain of n entries on one lot account (alternating +1/-1 t)."""
    _seed(engine)
    with ledger.make_sessionmaker(engine)() as s:
        head = s.get(JournalHead, 1)
        lot = s.scalars(select(Lot)).one()
        assert head is not None
        op = Operation(
            kind="adjust", actor="aud", at=datetime(2026, 1, 1, tzinfo=UTC), summary="{}"
        )
        s.add(op)
        s.flush()
        prev, seq, total = head.last_hash, head.last_seq, 0
        batch: list[dict[str, Any]] = []
        for i in range(n):
            seq += 1
            amount = 1_000_000 if i % 2 else -1_000_000
            total += amount
            e = JournalEntry(
                seq=seq,
                operation_id=op.id,
                at="2026-01-01T00:00:00.000000+00:00",
                actor="aud",
                op_kind="adjust",
                account_type="lot",
                account_id=lot.id,
                material="cobalt",
                amount=amount,
                unit="metric_ton",
                memo="bench",
                prev_hash=prev,
                hash="",
            )
            e.hash = entry_hash(e)
            prev = e.hash
            batch.append({c.name: getattr(e, c.name) for c in JournalEntry.__table__.columns})
            if len(batch) == 10_000:
                s.execute(insert(JournalEntry), batch)
                batch = []
        if batch:
            s.execute(insert(JournalEntry), batch)
        s.execute(
            update(JournalHead).where(JournalHead.id == 1).values(last_seq=seq, last_hash=prev)
        )
        s.execute(
            update(Lot)
            .where(Lot.id == lot.id)
            .values(quantity=Lot.quantity + ledger_decimal(total))
        )
        s.commit()


def ledger_decimal(raw: int) -> Any:
    from stockpile.ledger._numbers import QTY_SCALE, from_units

    return from_units(raw, QTY_SCALE)


def _verify(engine: Engine) -> dict[str, float]:
    _bulk_chain(engine, VERIFY_ENTRIES)
    with ledger.make_sessionmaker(engine)() as s:
        t0 = time.perf_counter()
        report = ledger.verify_journal(s)
        verify_s = time.perf_counter() - t0
        assert report.ok and report.entries == VERIFY_ENTRIES + 1, report.problems
    with engine.connect() as conn:
        t0 = time.perf_counter()
        count = len(conn.execute(select(JournalEntry)).all())
        read_s = time.perf_counter() - t0
    assert count == VERIFY_ENTRIES + 1
    return {
        "verify_s_100k": round(verify_s, 2),
        "read_s_100k": round(read_s, 2),
        "verify_over_read": round(verify_s / read_s, 2),
    }


def run() -> dict[str, Any]:
    """Measure on SQLite and (if available) PostgreSQL."""
    out: dict[str, Any] = {"ops": OPS, "verify_entries": VERIFY_ENTRIES}
    with _sqlite() as e:
        out["sqlite"] = _throughput(e)
    with _sqlite() as e:
        out["sqlite"].update(_verify(e))
    with _postgres() as factory:
        if factory is None:
            out["postgres"] = "not available"
        else:
            out["postgres"] = _throughput(factory())
            out["postgres"].update(_verify(factory()))
    return out
