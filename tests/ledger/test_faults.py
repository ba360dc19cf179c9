"""Faults: a process killed mid-operation, an error mid-operation, two executions racing."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
from datetime import date

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from stockpile import ledger

from .conftest import RECEIPT_AT, seed_users, snapshot

_CHILD = textwrap.dedent(
    """
    import os, sys
    from datetime import datetime, timezone
    from sqlalchemy import create_engine
    from stockpile import ledger
    import stockpile.ledger.journal as journal

    url, schema = sys.argv[1], sys.argv[2]
    if schema:
        engine = create_engine(url, connect_args={"options": f"-csearch_path={schema}"})
    else:
        engine = ledger.make_engine(url)
    real_append = journal.append

    def dying_append(session, head, operation, postings):
        postings = list(postings)
        real_append(session, head, operation, postings[:3])  # written and flushed...
        os._exit(137)  # ...then the process dies before commit

    journal.append = dying_append
    with ledger.make_sessionmaker(engine)() as s:
        ledger.receive_delivery(s, order="SB-DO-1", actor="carl",
                                at=datetime(2025, 11, 14, tzinfo=timezone.utc))
    """
)


def _url_and_schema(engine: Engine) -> tuple[str, str]:
    url = engine.url.render_as_string(hide_password=False)
    if engine.dialect.name == "sqlite":
        return url, ""
    with engine.connect() as conn:
        schema = conn.exec_driver_sql("SHOW search_path").scalar_one()
    return url, str(schema)


def test_process_killed_mid_operation_leaves_books_unchanged(
    engine: Engine, antimony: Session
) -> None:
    s = antimony
    before = snapshot(s)
    url, schema = _url_and_schema(engine)
    proc = subprocess.run(
        [sys.executable, "-c", _CHILD, url, schema], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 137, proc.stderr
    s.expire_all()
    assert snapshot(s) == before
    assert ledger.verify_journal(s).ok
    # The books still work after the crash.
    ledger.receive_delivery(s, order="SB-DO-1", actor="carl", at=RECEIPT_AT)
    assert ledger.verify_journal(s).ok


def test_error_mid_operation_rolls_everything_back(
    antimony: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    s = antimony
    before = snapshot(s)
    import stockpile.ledger.journal as journal

    real_append = journal.append

    def failing_append(session, head, operation, postings):  # type: ignore[no-untyped-def]
        real_append(session, head, operation, list(postings)[:4])
        raise OSError("disk full")

    monkeypatch.setattr(journal, "append", failing_append)
    with pytest.raises(OSError, match="disk full"):
        ledger.receive_delivery(s, order="SB-DO-1", actor="carl", at=RECEIPT_AT)
    assert snapshot(s) == before
    monkeypatch.undo()
    assert ledger.verify_journal(s).ok


def test_two_executions_racing_for_one_lot(engine: Engine) -> None:
    maker = ledger.make_sessionmaker(engine)
    with maker() as s:
        seed_users(s)
        ledger.create_depot(s, code="D", name="D", location="", actor="ada")
        ledger.record_opening_lot(
            s,
            code="ONLY",
            material="tungsten",
            quantity=100,
            unit="t",
            depot="D",
            acquired_on=date(2020, 1, 1),
            actor="ada",
        )
        ids = []
        for _ in range(2):
            rid = ledger.request_release(
                s,
                material="tungsten",
                quantity=60,
                unit="t",
                recipient="plant",
                purpose="national-defence",
                legal_basis="presidential-order",
                actor="ann",
                lots=("ONLY",),
            )
            ledger.approve_release(s, release_id=rid, actor="rita")
            ids.append(rid)
    barrier = threading.Barrier(2)
    outcomes: dict[int, object] = {}

    def run(rid: int) -> None:
        with maker() as session:
            barrier.wait()
            try:
                outcomes[rid] = ledger.execute_release(session, release_id=rid, actor="carl")
            except ledger.LedgerError as exc:
                outcomes[rid] = exc

    threads = [threading.Thread(target=run, args=(rid,)) for rid in ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    ok = [o for o in outcomes.values() if isinstance(o, ledger.ReleaseExecution)]
    refused = [o for o in outcomes.values() if isinstance(o, ledger.LedgerError)]
    assert len(ok) == 1 and len(refused) == 1, outcomes
    assert isinstance(refused[0], ledger.InsufficientHoldingsError | ledger.ConcurrencyError)
    with maker() as s:
        (lot,) = ledger.list_lots(s)
        assert lot.quantity == 40
        assert ledger.verify_journal(s).ok
