"""Import a file of transactions (CSV) into the books, all or nothing.

Columns (header row required, order free, unknown columns refused, empty cells = not given):

============  ==========================================================================
column        meaning
============  ==========================================================================
date          when the transaction happened: ``YYYY-MM-DD`` (noon UTC) or an ISO 8601
              date-time (naive = UTC); required
operation     ``receive``, ``transfer``, ``adjust``, ``lend``, ``return`` or ``dispose``;
              required
actor         the acting ledger user (default: the importing user)
order         receive: the delivery order number
lot           transfer, adjust, lend, dispose: the lot code; receive: the new lot's code
              (optional)
quantity      receive, transfer, return: how much [lot or order unit] (default: all);
              lend, dispose: required; adjust: the signed change
depot         transfer: the depot moved to
new_lot       transfer: the code of the lot created (optional)
reason        adjust: why (required)
borrower      lend: who borrows
return_due    lend: the return date ``YYYY-MM-DD``
loan          return: the loan's number (id)
proceeds      dispose: proceeds [USD]
buyer         dispose: the buyer
authorisation dispose: the authorisation by law (reference), where the regime needs one
============  ==========================================================================

Every row is checked before anything is written (errors name the row and the column); the
rows are then posted in order as one batch (:func:`stockpile.ledger.batch`): one lock of
the journal, one multi-row insert of the entries, one commit. A row the ledger refuses
rolls the whole import back.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from sqlalchemy.orm import Session

from stockpile.ledger._ops import batch
from stockpile.ledger.errors import InvalidInputError, LedgerError

__all__ = ["COLUMNS", "ImportKind", "ImportReport", "ImportRow", "import_rows", "parse_csv"]


class ImportKind(StrEnum):
    """Operations a transaction file may hold."""

    RECEIVE = "receive"
    TRANSFER = "transfer"
    ADJUST = "adjust"
    LEND = "lend"
    RETURN = "return"
    DISPOSE = "dispose"


COLUMNS = (
    "date",
    "operation",
    "actor",
    "order",
    "lot",
    "quantity",
    "depot",
    "new_lot",
    "reason",
    "borrower",
    "return_due",
    "loan",
    "proceeds",
    "buyer",
    "authorisation",
)

_REQUIRED: dict[ImportKind, tuple[str, ...]] = {
    ImportKind.RECEIVE: ("order",),
    ImportKind.TRANSFER: ("lot", "depot"),
    ImportKind.ADJUST: ("lot", "quantity", "reason"),
    ImportKind.LEND: ("lot", "quantity", "borrower", "return_due"),
    ImportKind.RETURN: ("loan",),
    ImportKind.DISPOSE: ("lot", "quantity", "proceeds", "buyer"),
}


@dataclass(frozen=True)
class ImportRow:
    """One checked transaction of a file.

    Attributes
    ----------
    line
        Line number in the file (the header is line 1).
    at
        When it happened (UTC).
    kind
        The operation.
    actor
        Acting user ('' = the importing user).
    fields
        The other non-empty cells by column, as given (numbers checked to parse).
    """

    line: int
    at: datetime
    kind: ImportKind
    actor: str
    fields: dict[str, str]


@dataclass(frozen=True)
class ImportReport:
    """What an import posted: rows, their operations by kind, and the journal entries."""

    rows: int
    by_kind: dict[str, int]
    entries: int


def _where(line: int, column: str) -> str:
    return f"line {line}, {column}"


def _check_date(text: str, line: int, column: str) -> datetime:
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            return datetime(day.year, day.month, day.day, 12, tzinfo=UTC)
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInputError(
            _where(line, column), f"{text!r} is not a date YYYY-MM-DD or ISO date-time"
        ) from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _check_number(text: str, line: int, column: str) -> None:
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise InvalidInputError(_where(line, column), f"{text!r} is not a number") from None
    if not value.is_finite():
        raise InvalidInputError(_where(line, column), f"{text!r} is not a finite number")


def _check_row(line: int, cells: dict[str, str]) -> ImportRow:
    """Check one row's cells (stripped, empty = not given) and return it typed.

    Raises
    ------
    InvalidInputError
        Naming the line and the column at fault.
    """
    for column in ("date", "operation"):
        if not cells.get(column):
            raise InvalidInputError(_where(line, column), "must not be empty")
    try:
        kind = ImportKind(cells["operation"].lower())
    except ValueError:
        known = ", ".join(k.value for k in ImportKind)
        raise InvalidInputError(
            _where(line, "operation"), f"{cells['operation']!r} is not one of {known}"
        ) from None
    at = _check_date(cells["date"], line, "date")
    for column in _REQUIRED[kind]:
        if not cells.get(column):
            raise InvalidInputError(_where(line, column), f"required for {kind.value}")
    for column in ("quantity", "proceeds", "loan"):
        if cells.get(column):
            _check_number(cells[column], line, column)
    if cells.get("loan") and not cells["loan"].isdigit():
        raise InvalidInputError(_where(line, "loan"), f"{cells['loan']!r} is not a loan number")
    if cells.get("return_due"):
        _check_date(cells["return_due"], line, "return_due")
    rest = {k: v for k, v in cells.items() if v and k not in ("date", "operation", "actor")}
    return ImportRow(line=line, at=at, kind=kind, actor=cells.get("actor", ""), fields=rest)


def parse_csv(text: str) -> list[ImportRow]:
    """Read and check every row of a transaction file (see the module's column table).

    Raises
    ------
    InvalidInputError
        At the first bad header or row, naming the line and the column.
    """
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in (reader.fieldnames or [])]
    if not header:
        raise InvalidInputError("header", "the file is empty; expected a header row")
    unknown = [h for h in header if h not in COLUMNS]
    if unknown:
        raise InvalidInputError(
            "header", f"unknown column(s) {', '.join(map(repr, unknown))}; known: {COLUMNS}"
        )
    for needed in ("date", "operation"):
        if needed not in header:
            raise InvalidInputError("header", f"column {needed!r} is missing")
    reader.fieldnames = header
    rows = []
    for raw in reader:
        line = reader.line_num
        if None in raw:
            raise InvalidInputError(f"line {line}", "more cells than columns in the header")
        cells = {k: (v or "").strip() for k, v in raw.items()}
        if not any(cells.values()):
            continue
        rows.append(_check_row(line, cells))
    return rows


def _post(session: Session, row: ImportRow, actor: str) -> None:
    from stockpile.ledger.movements import adjust, dispose, lend, return_loan, transfer
    from stockpile.ledger.receipts import receive_delivery

    f = row.fields
    who = row.actor or actor
    post: dict[ImportKind, Callable[[], Any]] = {
        ImportKind.RECEIVE: lambda: receive_delivery(
            session,
            order=f["order"],
            actor=who,
            quantity=f.get("quantity"),
            lot_code=f.get("lot"),
            at=row.at,
        ),
        ImportKind.TRANSFER: lambda: transfer(
            session,
            lot=f["lot"],
            to_depot=f["depot"],
            actor=who,
            quantity=f.get("quantity"),
            new_lot=f.get("new_lot"),
            at=row.at,
        ),
        ImportKind.ADJUST: lambda: adjust(
            session, lot=f["lot"], delta=f["quantity"], reason=f["reason"], actor=who, at=row.at
        ),
        ImportKind.LEND: lambda: lend(
            session,
            lot=f["lot"],
            quantity=f["quantity"],
            borrower=f["borrower"],
            return_due=date.fromisoformat(f["return_due"][:10]),
            actor=who,
            at=row.at,
        ),
        ImportKind.RETURN: lambda: return_loan(
            session, loan_id=int(f["loan"]), actor=who, quantity=f.get("quantity"), at=row.at
        ),
        ImportKind.DISPOSE: lambda: dispose(
            session,
            lot=f["lot"],
            quantity=f["quantity"],
            proceeds=f["proceeds"],
            buyer=f["buyer"],
            authorisation=f.get("authorisation"),
            actor=who,
            at=row.at,
        ),
    }
    post[row.kind]()


def import_rows(session: Session, rows: Iterable[ImportRow], *, actor: str) -> ImportReport:
    """Post checked rows in order as one batch: all of them, or none.

    Raises
    ------
    LedgerError
        The first refusal, its field prefixed with the row's line; nothing is written.
    """
    from sqlalchemy import select

    from stockpile.ledger.models import JournalHead

    before = session.scalar(select(JournalHead.last_seq).where(JournalHead.id == 1)) or 0
    session.rollback()
    by_kind: dict[str, int] = {}
    count = 0
    with batch(session):
        for row in rows:
            try:
                _post(session, row, actor)
            except LedgerError as exc:
                raise _at_line(exc, row.line) from exc
            by_kind[row.kind.value] = by_kind.get(row.kind.value, 0) + 1
            count += 1
    after = session.scalar(select(JournalHead.last_seq).where(JournalHead.id == 1)) or 0
    session.rollback()
    return ImportReport(rows=count, by_kind=by_kind, entries=int(after) - int(before))


def _at_line(exc: LedgerError, line: int) -> LedgerError:
    out = LedgerError.__new__(type(exc))
    LedgerError.__init__(out, f"line {line}, {exc.field}", exc.problem)
    return out
