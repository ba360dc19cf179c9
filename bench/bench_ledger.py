"""Ledger benchmarks: journal throughput with the hash chain, and verify time.

* ``plain_rows_per_s``: the baseline, journal-shaped rows inserted with plain SQLAlchemy, one
  transaction each, no hashing, locking or balance update.
* ``single_ops_per_s``: inventory adjustments by one writer, each one database transaction
  (journal lock, user check, operation row, one hash-chained entry, cached balance).
* ``writers8_direct_ops_per_s``: 8 writer threads, each operation its own transaction;
  ``writers8_group_commit_ops_per_s``: the same through :class:`stockpile.ledger.Appender`
  (group commit), with the largest group formed; ``writers8_pipelined_*``: 8 writers each
  keeping its 500 operations in flight (``submit_async``) through the appender.
* ``bulk_entries_per_s``: 5,000 adjustments (one entry each) posted as one batch.
* ``import_rows_per_s`` / ``import_entries_per_s``: a year of transactions (transfers,
  adjustments, loans) imported from CSV as by ``stockpile ledger import``.
* ``*_chain_ok``: :func:`stockpile.ledger.verify_journal` after each step (raises if not).
* ``ratio_*``: against the plain-insert baseline (or the single writer) of the same run.
* ``verify_s_100k``: :func:`stockpile.ledger.verify_journal` over 100,000 entries (a valid chain
  written in bulk), against ``read_s_100k``, a plain SELECT of the same rows.

Runs on SQLite (a temporary file) and on PostgreSQL (``STOCKPILE_TEST_PG_URL``, else a
throwaway server started with ``scripts/pg.sh`` if PostgreSQL is installed).
"""

from __future__ import annotations

import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    Column,
    Engine,
    MetaData,
    Table,
    create_engine,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.orm import Session

from bench._pg import postgres_server
from stockpile import ledger
from stockpile.ledger.journal import entry_hash
from stockpile.ledger.models import JournalEntry, JournalHead, Lot, Operation

OPS = 300
WRITERS = 8
WRITER_OPS = 100
PIPELINED_OPS = 500
BULK_OPS = 5_000
IMPORT_ROWS = 3_000
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


def _plain_rows(engine: Engine, n: int) -> float:
    """Baseline: journal-shaped rows inserted with plain SQLAlchemy, one transaction each
    (no hashing, locking or balance update) [rows/s]."""
    with ledger.make_sessionmaker(engine)() as s:
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
            for e in s.scalars(select(JournalEntry).order_by(JournalEntry.seq).limit(1))
        ] * n
        base = s.scalar(select(JournalEntry.seq).order_by(JournalEntry.seq.desc()).limit(1)) or 0
    # The same columns in a table of their own (the journal itself refuses deletes).
    plain = Table(
        "bench_plain_rows",
        MetaData(),
        *[Column(c.name, c.type, primary_key=c.primary_key) for c in JournalEntry.__table__.c],
    )
    plain.create(engine)
    try:
        with engine.connect() as conn:
            t0 = time.perf_counter()
            for i, row in enumerate(rows):
                with conn.begin():
                    conn.execute(insert(plain), {**row, "seq": base + 1 + i})
            elapsed = time.perf_counter() - t0
    finally:
        plain.drop(engine)
    return n / elapsed


def _adjust(session: Session, i: int) -> None:
    ledger.adjust(session, lot="L", delta=1 if i % 2 else -1, reason="bench", actor="aud")


def _entries(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(JournalEntry)) or 0)


def _verified(engine: Engine) -> bool:
    with ledger.make_sessionmaker(engine)() as s:
        report = ledger.verify_journal(s)
    if not report.ok:
        raise AssertionError(f"chain broken after a benchmark: {report.problems[:3]}")
    return True


def _single(engine: Engine) -> float:
    """One writer, one operation (one adjustment, one entry) per transaction [ops/s]."""
    with ledger.make_sessionmaker(engine)() as s:
        t0 = time.perf_counter()
        for i in range(OPS):
            _adjust(s, i)
        return OPS / (time.perf_counter() - t0)


def _writers(engine: Engine, *, grouped: bool) -> tuple[float, int]:
    """WRITERS threads, each posting WRITER_OPS adjustments, directly (each its own
    transaction) or through the group-commit appender [ops/s, largest group]."""
    sessions = ledger.make_sessionmaker(engine)
    appender = ledger.Appender(sessions) if grouped else None

    def work(w: int) -> None:
        if appender is not None:
            for i in range(WRITER_OPS):
                appender.submit(lambda s, i=i: _adjust(s, i))
            return
        with sessions() as s:
            for i in range(WRITER_OPS):
                while True:
                    try:
                        _adjust(s, i)
                        break
                    except ledger.ConcurrencyError:  # a serialisation failure: retry
                        continue

    threads = [threading.Thread(target=work, args=(w,)) for w in range(WRITERS)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    largest = 0
    if appender is not None:
        appender.close()
        largest = appender.stats.largest_group
    return WRITERS * WRITER_OPS / elapsed, largest


def _pipelined(engine: Engine) -> tuple[float, int]:
    """WRITERS threads, each keeping all its PIPELINED_OPS adjustments in flight through the
    appender (``submit_async``) and then waiting for them [ops/s, largest group]."""
    appender = ledger.Appender(ledger.make_sessionmaker(engine))

    def work(w: int) -> None:
        futures = [
            appender.submit_async(lambda s, i=i: _adjust(s, i)) for i in range(PIPELINED_OPS)
        ]
        for f in futures:
            f.result()

    threads = [threading.Thread(target=work, args=(w,)) for w in range(WRITERS)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    appender.close()
    return WRITERS * PIPELINED_OPS / elapsed, appender.stats.largest_group


def _bulk(engine: Engine) -> float:
    """BULK_OPS adjustments posted as one batch (one lock, one multi-row insert, one
    commit) [ops/s = entries/s]."""
    with ledger.make_sessionmaker(engine)() as s:
        t0 = time.perf_counter()
        with ledger.batch(s):
            for i in range(BULK_OPS):
                _adjust(s, i)
        return BULK_OPS / (time.perf_counter() - t0)


def _year_csv(n: int) -> str:
    """A year of illustrative transactions on lot L: adjustments, transfers, loans."""
    lines = ["date,operation,actor,lot,quantity,reason,depot,borrower,return_due"]
    day = date(2026, 1, 1)
    for i in range(n):
        on = (day + timedelta(days=i * 365 // n)).isoformat()
        if i % 3 == 0:
            lines.append(f"{on},transfer,ada,L,1,,D2,,")
        elif i % 3 == 1:
            lines.append(f"{on},adjust,aud,L,{1 if i % 2 else -1},count,,,")
        else:
            lines.append(f"{on},lend,ada,L,1,,,Borrower,{(day + timedelta(days=400)).isoformat()}")
    return "\n".join(lines) + "\n"


def _import(engine: Engine) -> tuple[float, float]:
    """`stockpile ledger import` of IMPORT_ROWS transactions [rows/s, entries/s]."""
    from stockpile.ledger.imports import import_rows, parse_csv

    text = _year_csv(IMPORT_ROWS)
    with ledger.make_sessionmaker(engine)() as s:
        ledger.create_depot(s, code="D2", name="D2", location="", actor="ada")
        t0 = time.perf_counter()
        report = import_rows(s, parse_csv(text), actor="ada")
        elapsed = time.perf_counter() - t0
    return report.rows / elapsed, report.entries / elapsed


def _throughput(factory: Callable[[], Engine]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    engine = factory()
    _seed(engine)
    plain = _plain_rows(engine, OPS)
    single = _single(engine)
    out["plain_rows_per_s"] = round(plain, 1)
    out["single_ops_per_s"] = round(single, 1)
    out["single_chain_ok"] = _verified(engine)
    direct8, _ = _writers(engine, grouped=False)
    out["writers8_direct_ops_per_s"] = round(direct8, 1)
    grouped8, largest = _writers(engine, grouped=True)
    out["writers8_group_commit_ops_per_s"] = round(grouped8, 1)
    out["writers8_largest_group"] = largest
    piped8, piped_largest = _pipelined(engine)
    out["writers8_pipelined_group_commit_ops_per_s"] = round(piped8, 1)
    out["writers8_pipelined_largest_group"] = piped_largest
    out["writers_chain_ok"] = _verified(engine)
    bulk = _bulk(engine)
    out["bulk_entries_per_s"] = round(bulk, 1)
    out["bulk_chain_ok"] = _verified(engine)
    rows_s, entries_s = _import(engine)
    out["import_rows_per_s"] = round(rows_s, 1)
    out["import_entries_per_s"] = round(entries_s, 1)
    out["import_chain_ok"] = _verified(engine)
    out["ratio_single_to_plain"] = round(single / plain, 3)
    out["ratio_writers8_group_to_plain"] = round(grouped8 / plain, 3)
    out["ratio_writers8_group_to_single"] = round(grouped8 / single, 3)
    out["ratio_writers8_group_to_direct"] = round(grouped8 / direct8, 3)
    out["ratio_writers8_pipelined_to_plain"] = round(piped8 / plain, 3)
    out["ratio_bulk_to_plain"] = round(bulk / plain, 3)
    out["entries_total"] = _entries(engine)
    return out


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
    out: dict[str, Any] = {
        "single_ops": OPS,
        "writers": WRITERS,
        "ops_per_writer": WRITER_OPS,
        "pipelined_ops_per_writer": PIPELINED_OPS,
        "bulk_ops": BULK_OPS,
        "import_rows": IMPORT_ROWS,
        "verify_entries": VERIFY_ENTRIES,
    }
    with _sqlite() as e:
        out["sqlite"] = _throughput(lambda: e)
    with _sqlite() as e:
        out["sqlite"].update(_verify(e))
    with _postgres() as factory:
        if factory is None:
            out["postgres"] = "not available"
        else:
            out["postgres"] = _throughput(factory)
            out["postgres"].update(_verify(factory()))
    return out
