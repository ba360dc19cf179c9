"""The hash chain: golden encoding, tampering detected at the first broken entry."""

from __future__ import annotations

import hashlib
import itertools

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from stockpile import ledger
from stockpile.ledger.models import JournalEntry

from .conftest import RECEIPT_AT


def _drop_guard(s: Session) -> None:
    """Remove the database's append-only trigger, as an attacker with DDL rights could."""
    s.rollback()
    with s.bind.begin() as conn:  # type: ignore[union-attr]
        if conn.dialect.name == "sqlite":
            conn.execute(text("DROP TRIGGER journal_no_update"))
            conn.execute(text("DROP TRIGGER journal_no_delete"))
        else:
            conn.execute(text("DROP TRIGGER journal_append_only ON journal_entries"))


def test_the_database_refuses_update_and_delete_of_journal_rows(antimony: Session) -> None:
    s = antimony
    s.rollback()
    for sql in (
        "UPDATE journal_entries SET amount = 0 WHERE seq = 1",
        "DELETE FROM journal_entries WHERE seq = 1",
    ):
        with pytest.raises(DBAPIError, match="append-only"), s.bind.begin() as conn:  # type: ignore[union-attr]
            conn.execute(text(sql))
    assert ledger.verify_journal(s).ok


def _receive(s: Session) -> None:
    ledger.receive_delivery(s, order="SB-DO-1", actor="carl", at=RECEIPT_AT, lot_code="SB-0001")


def test_first_entry_hash_by_hand(antimony: Session) -> None:
    s = antimony
    first = s.get(JournalEntry, 1)
    assert first is not None
    # The appropriation of 2,000,000,000 USD = 200,000,000,000 cents by ada on 4 July 2025,
    # operation 9 (6 users and 2 depots came first), fund id 1.
    encoding = (
        '[1,"' + "0" * 64 + '","2025-07-04T00:00:00.000000+00:00","ada",9,"appropriate",'
        '"fund",1,"",200000000000,"USD","appropriation"]'
    )
    assert hashlib.sha256(encoding.encode()).hexdigest() == first.hash
    assert first.prev_hash == ledger.GENESIS_HASH


def test_chain_links_each_entry_to_the_previous(antimony: Session) -> None:
    s = antimony
    _receive(s)
    entries = ledger.list_journal(s, limit=None)
    assert [e.seq for e in entries] == list(range(1, len(entries) + 1))
    rows = s.query(JournalEntry).order_by(JournalEntry.seq).all()
    for prev, cur in itertools.pairwise(rows):
        assert cur.prev_hash == prev.hash


def test_tampered_amount_is_found_at_its_entry(antimony: Session) -> None:
    s = antimony
    _receive(s)
    assert ledger.verify_journal(s).ok
    _drop_guard(s)
    with s.bind.begin() as conn:  # type: ignore[union-attr]
        conn.execute(text("UPDATE journal_entries SET amount = amount + 1 WHERE seq = 3"))
    report = ledger.verify_journal(s)
    assert report.status is ledger.VerifyStatus.BROKEN_CHAIN
    assert report.first_broken_seq == 3
    assert report.problems[0].startswith("entry 3:")


def test_tampering_with_a_rehashed_row_breaks_the_next_link(antimony: Session) -> None:
    s = antimony
    _receive(s)
    s.rollback()
    row = s.get(JournalEntry, 2)
    assert row is not None
    forged_amount = row.amount * 2
    row.amount = forged_amount
    forged_hash = ledger.journal.entry_hash(row)
    _drop_guard(s)
    with s.bind.begin() as conn:  # type: ignore[union-attr]
        conn.execute(
            text("UPDATE journal_entries SET amount = :a, hash = :h WHERE seq = 2"),
            {"a": forged_amount, "h": forged_hash},
        )
    report = ledger.verify_journal(s)
    assert report.first_broken_seq == 3
    assert "prev_hash" in report.problems[0]


def test_cached_balance_tampering_is_a_balance_mismatch(antimony: Session) -> None:
    s = antimony
    _receive(s)
    s.rollback()
    with s.bind.begin() as conn:  # type: ignore[union-attr]
        conn.execute(text("UPDATE lots SET quantity = quantity + 1000000 WHERE code = 'SB-0001'"))
    report = ledger.verify_journal(s)
    assert report.status is ledger.VerifyStatus.BALANCE_MISMATCH
    assert report.first_broken_seq is None
    assert any(p.startswith("lot 1: cached quantity 315001") for p in report.problems)


def test_deleted_last_entry_is_detected(antimony: Session) -> None:
    s = antimony
    _receive(s)
    _drop_guard(s)
    with s.bind.begin() as conn:  # type: ignore[union-attr]
        last = conn.execute(text("SELECT max(seq) FROM journal_entries")).scalar_one()
        conn.execute(text("DELETE FROM journal_entries WHERE seq = :s"), {"s": last})
    report = ledger.verify_journal(s)
    assert not report.ok
    assert "journal head does not match the last entry" in report.problems


def test_journal_code_never_updates_or_deletes_entries() -> None:
    from pathlib import Path

    import stockpile.ledger as pkg

    root = Path(pkg.__file__).parent
    for path in root.rglob("*.py"):
        source = path.read_text()
        for bad in (
            "update(JournalEntry",
            "delete(JournalEntry",
            "UPDATE journal_entries",
            "DELETE FROM journal_entries",
            "session.delete(",
        ):
            assert bad not in source, f"{path.name} contains {bad!r}"
