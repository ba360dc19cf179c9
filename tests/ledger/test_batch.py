"""Posting in groups: batches (all or nothing), the group-commit appender, the CSV import,
and a crash in the middle of a batch."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from stockpile import ledger
from stockpile.ledger.imports import import_rows, parse_csv
from stockpile.ledger.models import JournalEntry, JournalHead, Lot

from .conftest import RECEIPT_AT, snapshot


def _entries(session: Session) -> int:
    session.rollback()
    n = session.scalar(select(func.count()).select_from(JournalEntry)) or 0
    session.rollback()
    return int(n)


def _lot(session: Session) -> str:
    result = ledger.receive_delivery(
        session, order="SB-DO-1", actor="carl", quantity=100_000, at=RECEIPT_AT
    )
    return result.lot_code


def _quantity(session: Session, code: str) -> Decimal:
    session.rollback()
    q = session.scalars(select(Lot.quantity).where(Lot.code == code)).one()
    session.rollback()
    return Decimal(q)


def test_batch_posts_many_operations_in_one_commit(antimony: Session) -> None:
    s = antimony
    code = _lot(s)
    before = _entries(s)
    lock_count = s.scalar(select(JournalHead.lock_count))
    s.rollback()
    with ledger.batch(s):
        for i in range(150):
            ledger.adjust(s, lot=code, delta="-1" if i % 2 else "2", reason="count", actor="aud")
    assert _entries(s) == before + 150
    assert _quantity(s, code) == Decimal(100_000) + 75
    # One lock of the journal for the whole batch.
    assert s.scalar(select(JournalHead.lock_count)) == lock_count + 1
    assert ledger.verify_journal(s).ok


def test_batch_is_all_or_nothing(antimony: Session) -> None:
    s = antimony
    code = _lot(s)
    before = snapshot(s)
    with pytest.raises(ledger.InsufficientHoldingsError), ledger.batch(s):
        for _ in range(10):
            ledger.adjust(s, lot=code, delta="-1", reason="count", actor="aud")
        ledger.adjust(s, lot=code, delta="-1000000", reason="count", actor="aud")
    assert snapshot(s) == before
    assert ledger.verify_journal(s).ok


def test_group_commit_eight_writers_chain_verifies(antimony: Session, engine: Engine) -> None:
    s = antimony
    code = _lot(s)
    before = _entries(s)
    refused = []
    with ledger.Appender(ledger.make_sessionmaker(engine)) as appender:

        def writer(w: int) -> None:
            for i in range(25):
                delta = "-1000000" if i == 7 else "1"  # one refused operation per writer
                try:
                    appender.submit(
                        lambda session, d=delta: ledger.adjust(
                            session, lot=code, delta=d, reason=f"writer {w}", actor="aud"
                        )
                    )
                except ledger.InsufficientHoldingsError:
                    refused.append(w)

        threads = [threading.Thread(target=writer, args=(w,)) for w in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        stats = appender.stats
    assert sorted(refused) == list(range(8))
    assert _entries(s) == before + 8 * 24
    assert _quantity(s, code) == Decimal(100_000) + 8 * 24
    assert stats.operations == 8 * 25 and stats.groups <= stats.operations
    assert ledger.verify_journal(s).ok


_CSV = """date,operation,actor,lot,quantity,reason,depot,borrower,return_due,loan
2025-11-20,adjust,aud,{lot},5,recount,,,,
2025-12-01,transfer,,{lot},1000,,HAMMOND,,,
2026-01-10,lend,,{lot},200,,,Producer,2026-03-01,
2026-02-15,return,,,,,,,,{loan}
"""


def test_import_csv_posts_a_file_and_names_bad_cells(antimony: Session) -> None:
    s = antimony
    code = _lot(s)
    before = _entries(s)
    report = import_rows(s, parse_csv(_CSV.format(lot=code, loan=1)), actor="carl")
    assert report.rows == 4 and report.by_kind == {
        "adjust": 1,
        "transfer": 1,
        "lend": 1,
        "return": 1,
    }
    assert report.entries == _entries(s) - before > 0
    assert ledger.verify_journal(s).ok
    with pytest.raises(ledger.InvalidInputError, match=r"line 3, quantity: 'lots' is not a num"):
        parse_csv(
            "date,operation,lot,quantity,reason\n2025-11-20,adjust,X,1,r\n"
            "2025-11-21,adjust,X,lots,r\n"
        )
    with pytest.raises(ledger.InvalidInputError, match=r"line 2, reason: required for adjust"):
        parse_csv("date,operation,lot,quantity\n2025-11-20,adjust,X,1\n")
    with pytest.raises(ledger.InvalidInputError, match=r"line 2, date: 'soon'"):
        parse_csv("date,operation,lot,quantity\nsoon,adjust,X,1\n")
    with pytest.raises(ledger.InvalidInputError, match=r"header: unknown column"):
        parse_csv("date,operation,colour\n")


def test_import_refused_row_writes_nothing(antimony: Session) -> None:
    s = antimony
    code = _lot(s)
    before = snapshot(s)
    text = (
        "date,operation,lot,quantity,reason\n"
        f"2025-11-20,adjust,{code},5,recount\n"
        f"2025-11-21,adjust,{code},-9999999,recount\n"
    )
    with pytest.raises(ledger.InsufficientHoldingsError, match="line 3"):
        import_rows(s, parse_csv(text), actor="aud")
    assert snapshot(s) == before


_CRASH = textwrap.dedent(
    """
    import os, sys, time
    from stockpile import ledger
    engine = ledger.make_engine(sys.argv[1])
    with ledger.make_sessionmaker(engine)() as s, ledger.batch(s):
        for i in range(200):
            ledger.adjust(s, lot=sys.argv[2], delta="1", reason="crash", actor="aud")
            if i == 100:
                from stockpile.ledger.journal import flush_pending
                flush_pending(s)  # half the entries are in the database
                print("mid-batch", flush=True)
                time.sleep(60)
    """
)


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_crash_mid_batch_leaves_the_books_as_before(antimony: Session, engine: Engine) -> None:
    s = antimony
    code = _lot(s)
    before = snapshot(s)
    proc = subprocess.Popen(
        [sys.executable, "-c", _CRASH, str(engine.url), code],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(Path(ledger.__file__).parents[2])},
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "mid-batch"
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=30)
    assert snapshot(s) == before
    assert ledger.verify_journal(s).ok


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_cli_ledger_import(antimony: Session, engine: Engine, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from stockpile.service.cli.main import app

    code = _lot(antimony)
    before = snapshot(antimony)
    db = engine.url.render_as_string(hide_password=False)
    bad = tmp_path / "bad.csv"
    bad.write_text(
        f"date,operation,lot,quantity,reason\n2025-11-20,adjust,{code},5,recount\n"
        f"2025-11-21,adjust,{code},five,recount\n"
    )
    runner = CliRunner()
    result = runner.invoke(app, ["ledger", "import", str(bad), "--db", db, "--user", "aud"])
    assert result.exit_code == 2
    assert "line 3, quantity: 'five' is not a number" in result.output
    assert snapshot(antimony) == before
    good = tmp_path / "good.csv"
    good.write_text(_CSV.format(lot=code, loan=1))
    result = runner.invoke(app, ["ledger", "import", str(good), "--db", db, "--user", "carl"])
    assert result.exit_code == 0, result.output
    assert "imported 4 transactions (1 adjust, 1 lend, 1 return, 1 transfer)" in result.output
    assert ledger.verify_journal(antimony).ok


def test_isolating_batch_undoes_a_refused_operation_alone(antimony: Session) -> None:
    s = antimony
    code = _lot(s)
    before = _entries(s)
    with ledger.batch(s, isolate=True):
        ledger.adjust(s, lot=code, delta="3", reason="count", actor="aud")
        with pytest.raises(ledger.InsufficientHoldingsError):
            ledger.adjust(s, lot=code, delta="-9999999", reason="count", actor="aud")
        ledger.adjust(s, lot=code, delta="4", reason="count", actor="aud")
    assert _entries(s) == before + 2
    assert _quantity(s, code) == Decimal(100_000) + 7
    assert ledger.verify_journal(s).ok
