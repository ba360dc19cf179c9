"""The append-only, SHA-256 hash-chained journal and its verification.

Each entry is hashed over a canonical encoding: the UTF-8 bytes of the compact JSON array
``[seq, prev_hash, at, actor, operation_id, op_kind, account_type, account_id, material,
amount, unit, memo]`` (``amount`` an integer: 10**-6 of ``unit`` for quantity accounts, cents
for money accounts). The first entry's ``prev_hash`` is 64 zeros. Balances (lot quantities,
fund balances, cap and contract spending, plan use...) are cached on their rows and are always
the sum of their account's journal entries; :func:`verify_journal` recomputes both.

This module only ever INSERTs journal rows.

Inside a posting batch (:func:`stockpile.ledger.batch`) the head is locked once, entries are
kept in memory as operations post them and written at the end of the batch in one multi-row
INSERT with one update of the head; code that reads ``journal_entries`` inside an operation
calls :func:`flush_pending` first.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from stockpile.ledger._numbers import MONEY_SCALE, QTY_SCALE, from_units, to_units
from stockpile.ledger.models import (
    Base,
    Cap,
    Contract,
    DeliveryOrder,
    DisposalAuthorisation,
    Fund,
    JournalEntry,
    JournalHead,
    Loan,
    Lot,
    PlanLine,
)

__all__ = [
    "GENESIS_HASH",
    "AccountType",
    "Head",
    "OperationInfo",
    "Posting",
    "VerifyReport",
    "VerifyStatus",
    "canonical_encoding",
    "defer_operation",
    "entry_hash",
    "flush_pending",
    "verify_journal",
]

GENESIS_HASH = "0" * 64
_JOURNAL_TABLE = Base.metadata.tables["journal_entries"]
_HEAD_TABLE = Base.metadata.tables["journal_head"]
_PENDING = "stockpile.ledger.journal_pending"
#: Up to this many entries, PostgreSQL gets them and the head's update in one statement (a
#: VALUES list compiled for the rows at hand); more go as one executemany.
_ROWS_IN_ONE_STATEMENT = 16


class AccountType(StrEnum):
    """Kinds of journal accounts and the cached balance each one feeds."""

    LOT = "lot"  # Lot.quantity [lot unit]
    LOAN = "loan"  # Loan.outstanding [lot unit]
    FUND = "fund"  # Fund.balance [USD]
    CAP = "cap"  # Cap.spent [USD]
    CONTRACT = "contract"  # Contract.spent [USD]
    CONTRACT_QTY = "contract_qty"  # Contract.received [contract unit]
    ORDER_QTY = "order_qty"  # DeliveryOrder.received [contract unit]
    PLAN_ACQ = "plan_acq"  # PlanLine.acquired [plan unit]
    PLAN_DISP = "plan_disp"  # PlanLine.disposed [plan unit]
    DISPOSAL_AUTH = "disposal_auth"  # DisposalAuthorisation.used [authorisation unit]


_CACHE: dict[AccountType, tuple[type, str, int]] = {
    AccountType.LOT: (Lot, "quantity", QTY_SCALE),
    AccountType.LOAN: (Loan, "outstanding", QTY_SCALE),
    AccountType.FUND: (Fund, "balance", MONEY_SCALE),
    AccountType.CAP: (Cap, "spent", MONEY_SCALE),
    AccountType.CONTRACT: (Contract, "spent", MONEY_SCALE),
    AccountType.CONTRACT_QTY: (Contract, "received", QTY_SCALE),
    AccountType.ORDER_QTY: (DeliveryOrder, "received", QTY_SCALE),
    AccountType.PLAN_ACQ: (PlanLine, "acquired", QTY_SCALE),
    AccountType.PLAN_DISP: (PlanLine, "disposed", QTY_SCALE),
    AccountType.DISPOSAL_AUTH: (DisposalAuthorisation, "used", QTY_SCALE),
}
# Accounts whose balance may never be negative.
_NON_NEGATIVE = frozenset(_CACHE) - {AccountType.CAP}


@dataclass(frozen=True)
class Posting:
    """One change to one account, before it becomes a journal entry.

    Parameters
    ----------
    account_type, account_id
        The account.
    material
        Material key ('' for pure money accounts).
    amount
        Signed change [unit of the account, or USD].
    unit
        Unit of account ('USD' for money).
    memo
        Free text shown in the journal listing.
    """

    account_type: AccountType
    account_id: int
    material: str
    amount: Decimal
    unit: str
    memo: str = ""


class VerifyStatus(StrEnum):
    """Outcome of :func:`verify_journal`."""

    OK = "ok"
    BROKEN_CHAIN = "broken_chain"
    BALANCE_MISMATCH = "balance_mismatch"


@dataclass(frozen=True)
class VerifyReport:
    """Result of a journal verification.

    Attributes
    ----------
    status
        OK, or the first kind of fault found.
    entries
        Number of journal entries read.
    first_broken_seq
        Sequence number of the first entry whose hash does not check, if any.
    problems
        Human-readable descriptions, first fault first.
    """

    status: VerifyStatus
    entries: int
    first_broken_seq: int | None
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        """True when the chain and every balance check."""
        return self.status is VerifyStatus.OK


def canonical_encoding(
    *,
    seq: int,
    prev_hash: str,
    at: str,
    actor: str,
    operation_id: int,
    op_kind: str,
    account_type: str,
    account_id: int,
    material: str,
    amount: int,
    unit: str,
    memo: str,
) -> bytes:
    """The exact bytes hashed for an entry (compact JSON array, UTF-8)."""
    fields = [
        seq,
        prev_hash,
        at,
        actor,
        operation_id,
        op_kind,
        account_type,
        account_id,
        material,
        amount,
        unit,
        memo,
    ]
    return json.dumps(fields, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _row_hash(row: Any) -> str:
    """SHA-256 (hex) of the canonical encoding of a journal row (ORM entry or Core row)."""
    return hashlib.sha256(
        canonical_encoding(
            seq=row.seq,
            prev_hash=row.prev_hash,
            at=row.at,
            actor=row.actor,
            operation_id=row.operation_id,
            op_kind=row.op_kind,
            account_type=row.account_type,
            account_id=row.account_id,
            material=row.material,
            amount=row.amount,
            unit=row.unit,
            memo=row.memo,
        )
    ).hexdigest()


def entry_hash(entry: JournalEntry) -> str:
    """SHA-256 (hex) of an entry's canonical encoding."""
    return _row_hash(entry)


@dataclass
class Head:
    """The journal head as read under the write lock, advanced by :func:`append`."""

    last_seq: int
    last_hash: str


@dataclass(frozen=True)
class OperationInfo:
    """The operation a journal entry belongs to."""

    id: int
    kind: str
    actor: str
    at: datetime


def lock_head(session: Session) -> Head:
    """Take the journal's write lock and return its head (first statement of an operation).

    The counter update serialises writers on both databases: on SQLite it opens the write
    transaction; on PostgreSQL it locks the head row until commit.
    """
    pending = _pending(session)
    if pending is not None and pending.head is not None:
        return pending.head  # the batch holds the lock already
    table = _HEAD_TABLE
    row = session.execute(
        update(table)
        .where(table.c.id == 1)
        .values(lock_count=table.c.lock_count + 1)
        .returning(table.c.last_seq, table.c.last_hash)
    ).one()
    head = Head(int(row.last_seq), str(row.last_hash))
    if pending is not None:
        pending.head = head
    return head


@dataclass
class _Pending:
    """A posting batch in progress: the head it locked, its entries, and how many of them
    are written already."""

    isolate: bool
    head: Head | None = None
    rows: list[dict[str, Any]] = field(default_factory=list)
    written: int = 0
    memo: dict[tuple[str, str], Any] = field(default_factory=dict)
    ops: list[dict[str, Any]] = field(default_factory=list)
    ops_written: int = 0
    free_ids: list[int] = field(default_factory=list)


_Mark = tuple[int, int, int, int, int, str]
_OPERATIONS_TABLE = Base.metadata.tables["operations"]
_IDS_AT_ONCE = 512


def _pending(session: Session) -> _Pending | None:
    found: _Pending | None = session.info.get(_PENDING)
    return found


def begin_batch(session: Session, *, isolate: bool) -> None:
    """Start a posting batch on ``session`` (see :func:`stockpile.ledger.batch`)."""
    if _pending(session) is not None:
        raise RuntimeError("a posting batch is already open on this session")
    session.info[_PENDING] = _Pending(isolate=isolate)


def end_batch(session: Session) -> None:
    """Forget the batch of ``session`` (after its commit or rollback)."""
    session.info.pop(_PENDING, None)


def in_batch(session: Session) -> tuple[bool, bool]:
    """(inside a batch, the batch isolates each operation in a savepoint)."""
    pending = _pending(session)
    return (pending is not None, pending is not None and pending.isolate)


def batch_mark(session: Session) -> _Mark | None:
    """Where the batch stands once it holds the lock (entries, entries written, head), to
    undo one operation with :func:`batch_reset`; None before."""
    pending = _pending(session)
    if pending is None or pending.head is None:
        return None
    return (
        len(pending.rows),
        pending.written,
        len(pending.ops),
        pending.ops_written,
        pending.head.last_seq,
        pending.head.last_hash,
    )


def batch_reset(session: Session, mark: _Mark | None) -> None:
    """Forget the entries kept since ``mark`` and move the head back (after the rollback
    to the savepoint taken at ``mark``, which removed any of them already written)."""
    pending = _pending(session)
    if pending is None or mark is None or pending.head is None:
        return
    kept, written, ops_kept, ops_written, seq, digest = mark
    pending.memo.clear()
    del pending.rows[kept:]
    pending.written = written
    del pending.ops[ops_kept:]
    pending.ops_written = ops_written
    pending.head.last_seq, pending.head.last_hash = seq, digest


def batch_memo(session: Session) -> dict[tuple[str, str], Any] | None:
    """Rows already read under the lock held by the batch of ``session`` (users, lots), by
    (kind, key): while the batch holds the journal's lock no other writer can change them, so
    they need not be read again. None outside a batch or before it takes the lock."""
    pending = _pending(session)
    if pending is None or pending.head is None:
        return None
    return pending.memo


def defer_operation(session: Session, values: dict[str, Any]) -> int | None:
    """Keep an operation's row until the end of the batch of ``session``; its id.

    Ids are drawn ahead from the table's sequence on PostgreSQL (512 at a time) and counted
    on from the largest id on SQLite (whose writers the batch's lock excludes). None outside
    a batch holding the lock: the caller inserts the row itself.
    """
    pending = _pending(session)
    if pending is None or pending.head is None:
        return None
    if not pending.free_ids:
        pending.free_ids = _operation_ids(session, pending)
    op_id = pending.free_ids.pop()
    pending.ops.append({"id": op_id, **values})
    return op_id


def _operation_ids(session: Session, pending: _Pending) -> list[int]:
    """Fresh operation ids, the smallest last."""
    table = _OPERATIONS_TABLE
    if session.get_bind().dialect.name == "postgresql":
        seq = func.pg_get_serial_sequence("operations", "id")
        ids = session.scalars(
            select(func.nextval(seq)).select_from(func.generate_series(1, _IDS_AT_ONCE))
        ).all()
        return sorted((int(i) for i in ids), reverse=True)
    kept = max((op["id"] for op in pending.ops), default=0)
    top = max(int(session.scalar(select(func.max(table.c.id))) or 0), kept)
    return list(range(top + _IDS_AT_ONCE, top, -1))


def flush_pending(session: Session) -> None:
    """Write the operations and entries kept by the batch of ``session`` and advance the
    head (no commit)."""
    pending = _pending(session)
    if pending is None or pending.head is None:
        return
    if pending.ops_written < len(pending.ops):
        ops = pending.ops[pending.ops_written :]
        pending.ops_written = len(pending.ops)
        session.execute(insert(_OPERATIONS_TABLE), ops)
    if pending.written == len(pending.rows):
        return
    rows = pending.rows[pending.written :]
    pending.written = len(pending.rows)
    _write(session, rows, pending.head)


def _write(session: Session, rows: list[dict[str, Any]], head: Head) -> None:
    """INSERT ``rows`` and set the head to ``head``; on PostgreSQL a few rows (one
    operation's) and the head's update go in one statement (one round trip)."""
    table = _HEAD_TABLE
    set_head = (
        update(table)
        .where(table.c.id == 1)
        .values(last_seq=head.last_seq, last_hash=head.last_hash)
    )
    if len(rows) <= _ROWS_IN_ONE_STATEMENT and session.get_bind().dialect.name == "postgresql":
        entries = postgresql.insert(_JOURNAL_TABLE).values(rows).cte("new_entries")
        session.execute(set_head.add_cte(entries))
        return
    # Many rows: one executemany, which the driver sends as multi-row INSERTs (psycopg
    # pipelines them; SQLite runs them in-process), then the head.
    session.execute(insert(_JOURNAL_TABLE), rows)
    session.execute(set_head)


def append(
    session: Session,
    head: Head,
    operation: OperationInfo,
    postings: Iterable[Posting],
) -> list[int]:
    """Append postings as chained entries, apply them to the cached balances and advance the
    head; returns the new sequence numbers.

    The caller owns the transaction and has taken :func:`lock_head`. Entries are INSERTed
    (Core, one multi-row statement), or kept until the end of a posting batch; cached
    balances change on their loaded rows.
    """
    at = _iso(operation.at)
    rows: list[dict[str, Any]] = []
    for posting in postings:
        model, attr, scale = _CACHE[posting.account_type]
        cached = session.get(model, posting.account_id)
        if cached is None:  # pragma: no cover - postings are built from loaded rows
            raise LookupError(f"{posting.account_type} {posting.account_id} does not exist")
        setattr(cached, attr, getattr(cached, attr) + posting.amount)
        fields: dict[str, Any] = {
            "seq": head.last_seq + 1,
            "prev_hash": head.last_hash,
            "at": at,
            "actor": operation.actor,
            "operation_id": operation.id,
            "op_kind": operation.kind,
            "account_type": posting.account_type.value,
            "account_id": posting.account_id,
            "material": posting.material,
            "amount": to_units(posting.amount, scale),
            "unit": posting.unit,
            "memo": posting.memo,
        }
        fields["hash"] = hashlib.sha256(
            canonical_encoding(**{k: v for k, v in fields.items() if k != "hash"})
        ).hexdigest()
        rows.append(fields)
        head.last_seq, head.last_hash = fields["seq"], fields["hash"]
    seqs = [r["seq"] for r in rows]
    pending = _pending(session)
    if pending is not None:
        pending.rows.extend(rows)  # written once, at the end of the batch
    elif rows:
        _write(session, rows, head)
    return seqs


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="microseconds")


def verify_journal(session: Session, *, batch: int = 5000) -> VerifyReport:
    """Recompute the hash chain and every cached balance from the journal.

    Ends any transaction open on ``session`` first, reads in one snapshot (REPEATABLE READ on
    PostgreSQL) and ends its read transaction afterwards.

    Returns
    -------
    VerifyReport
        The first broken entry (by sequence number) if the chain fails, else any cached
        balance that differs from its journal sum or is negative where it may not be.
    """
    session.rollback()
    if session.get_bind().dialect.name == "postgresql":
        # One snapshot for the chain and the cached balances, even with writers running.
        session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
    try:
        return _verify(session, batch)
    finally:
        session.rollback()


def _verify(session: Session, batch: int) -> VerifyReport:
    problems: list[str] = []
    sums: dict[tuple[str, int], int] = defaultdict(int)
    prev = GENESIS_HASH
    expected_seq = 1
    count = 0
    first_broken: int | None = None
    table = JournalEntry.__table__
    stmt = select(*table.c).order_by(table.c.seq).execution_options(yield_per=batch)
    for entry in session.execute(stmt):
        count += 1
        if first_broken is None:
            if entry.seq != expected_seq:
                first_broken = entry.seq
                problems.append(f"entry {entry.seq}: expected sequence number {expected_seq}")
            elif entry.prev_hash != prev:
                first_broken = entry.seq
                problems.append(f"entry {entry.seq}: prev_hash does not match the previous entry")
            elif _row_hash(entry) != entry.hash:
                first_broken = entry.seq
                problems.append(f"entry {entry.seq}: hash does not match its content")
        prev = entry.hash
        expected_seq = entry.seq + 1
        sums[(entry.account_type, entry.account_id)] += entry.amount
    if first_broken is not None:
        return VerifyReport(VerifyStatus.BROKEN_CHAIN, count, first_broken, tuple(problems))
    head = session.execute(
        select(JournalHead.last_seq, JournalHead.last_hash).where(JournalHead.id == 1)
    ).first()
    if head is None or head.last_seq != count or head.last_hash != prev:
        problems.append("journal head does not match the last entry")
    for account_type, (model, attr, scale) in _CACHE.items():
        column = getattr(model, attr)
        key_col = model.id  # type: ignore[attr-defined]
        for row_id, cached in session.execute(select(key_col, column)):
            journal = from_units(sums.pop((account_type.value, row_id), 0), scale)
            if cached != journal:
                problems.append(
                    f"{account_type.value} {row_id}: cached {attr} {cached} != journal {journal}"
                )
            if account_type in _NON_NEGATIVE and journal < 0:
                problems.append(f"{account_type.value} {row_id}: negative balance {journal}")
    for (account_type_s, row_id), _ in sorted(sums.items()):
        problems.append(f"{account_type_s} {row_id}: journal entries for a missing account")
    status = VerifyStatus.BALANCE_MISMATCH if problems else VerifyStatus.OK
    return VerifyReport(status, count, None, tuple(problems))
