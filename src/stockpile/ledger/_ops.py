"""Internals shared by the service functions: roles, the unit of work, look-ups."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any, TypeVar

from sqlalchemy import insert, select
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session, SessionTransaction
from sqlalchemy.orm.exc import StaleDataError

from stockpile.ledger import journal
from stockpile.ledger.errors import (
    AuthorisationError,
    ConcurrencyError,
    InvalidInputError,
    LedgerError,
    NotFoundError,
)
from stockpile.ledger.governance import Regime, get_regime
from stockpile.ledger.journal import Posting
from stockpile.ledger.models import (
    Base,
    Depot,
    Fund,
    LedgerSettings,
    Lot,
    User,
)

__all__ = ["OperationKind", "Role", "batch", "caller_transaction"]

_T = TypeVar("_T")
_CALLER_TX = "stockpile.ledger.caller_transaction"
_OPERATIONS = Base.metadata.tables["operations"]
_INSERT_OPERATION = insert(_OPERATIONS).returning(_OPERATIONS.c.id)


class Role(StrEnum):
    """Roles of the people who use the books."""

    VIEWER = "viewer"
    ANALYST = "analyst"
    CONTRACTING_OFFICER = "contracting-officer"
    RELEASE_AUTHORITY = "release-authority"
    AUDITOR = "auditor"
    ADMIN = "admin"


class OperationKind(StrEnum):
    """Kinds of operations recorded in the ``operations`` table and on journal entries."""

    SETUP = "setup"
    APPROPRIATE = "appropriate"
    OPENING = "opening"
    RECEIVE = "receive"
    TRANSFER = "transfer"
    CONVERT = "convert"
    DISPOSE = "dispose"
    ADJUST = "adjust"
    LOAN = "loan"
    LOAN_RETURN = "loan-return"
    RELEASE_REQUEST = "release-request"
    RELEASE_APPROVE = "release-approve"
    RELEASE_EXECUTE = "release"


@dataclass
class _Op:
    """An operation in progress: its record and the locked journal head."""

    session: Session
    head: journal.Head
    row: journal.OperationInfo
    user: User

    @property
    def day(self) -> date:
        return self.row.at.date()

    def post(self, postings: Sequence[Posting]) -> list[int]:
        return journal.append(self.session, self.head, self.row, postings)


def now_utc(at: datetime | None) -> datetime:
    """``at`` as an aware UTC datetime (now if None); naive datetimes are taken as UTC."""
    if at is None:
        return datetime.now(UTC)
    if at.tzinfo is None:
        return at.replace(tzinfo=UTC)
    return at.astimezone(UTC)


def user_roles(user: User) -> frozenset[Role]:
    return frozenset(Role(r) for r in user.roles.split(",") if r)


def _json_default(value: object) -> str:
    return str(value)


@contextmanager
def caller_transaction(session: Session) -> Iterator[Session]:
    """Let the caller own the transaction of the ledger operations run inside this block.

    Inside the block every ledger operation on ``session`` locks the journal, checks and
    writes as usual but does not commit: the caller commits once, so that its own rows (for
    example the record of an idempotency key) and the operations' entries are committed
    together or not at all. A refused operation still rolls the whole transaction back and
    re-raises. Blocks nest.
    """
    depth = int(session.info.get(_CALLER_TX, 0))
    session.info[_CALLER_TX] = depth + 1
    try:
        yield session
    finally:
        if depth:
            session.info[_CALLER_TX] = depth
        else:
            session.info.pop(_CALLER_TX, None)


def in_caller_transaction(session: Session) -> bool:
    """True inside :func:`caller_transaction` on ``session``."""
    return bool(session.info.get(_CALLER_TX))


@contextmanager
def batch(session: Session, *, isolate: bool = False) -> Iterator[Session]:
    """Post the operations run inside this block as one: the journal is locked once, their
    entries are written in one multi-row INSERT, the head is updated once, and all commit
    together at the end of the block.

    Parameters
    ----------
    session
        A session with no transaction of its own in progress.
    isolate
        False (imports): all or nothing, the first refused operation rolls the whole batch
        back and is re-raised. True (group commit): each operation runs in a savepoint, so a
        refused one is undone alone and re-raised to its caller while the others stay in the
        batch.
    """
    journal.begin_batch(session, isolate=isolate)
    try:
        with caller_transaction(session):
            yield session
        session.flush()
        journal.flush_pending(session)
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        journal.end_batch(session)


@contextmanager
def operation(
    session: Session,
    *,
    kind: OperationKind,
    actor: str,
    roles: frozenset[Role],
    at: datetime | None,
    summary: dict[str, Any],
    allow_bootstrap: bool = False,
) -> Iterator[_Op]:
    """One operation = one database transaction: lock the journal, check the actor, yield,
    commit; any error rolls everything back and is re-raised (database faults as LedgerError).

    Inside :func:`caller_transaction` the operation joins the caller's transaction and leaves
    the commit to it. Inside an isolating :func:`batch` it runs in a savepoint, and an error
    undoes this operation only.
    """
    outer = in_caller_transaction(session)
    batched, isolate = journal.in_batch(session)
    nested: SessionTransaction | None = None
    mark: journal._Mark | None = None

    def undo() -> None:
        if nested is not None:
            if nested.is_active:
                nested.rollback()
            journal.batch_reset(session, mark)
        else:
            session.rollback()

    try:
        if outer and not batched:
            session.flush()  # the caller's pending rows survive the expiry below
        if journal.batch_mark(session) is None:
            session.expire_all()  # nothing read before the lock may be trusted after it
        head = journal.lock_head(session)
        if isolate:
            mark = journal.batch_mark(session)
            nested = session.begin_nested()
        user = _check_actor(session, actor, roles, allow_bootstrap=allow_bootstrap)
        moment = now_utc(at)
        values = {
            "kind": kind.value,
            "actor": user.name,
            "at": moment,
            "summary": json.dumps(summary, sort_keys=True, default=_json_default),
        }
        # In a batch the row is written with the batch's entries (its id drawn ahead).
        deferred = journal.defer_operation(session, values) if batched else None
        op_id = (
            deferred
            if deferred is not None
            else session.execute(_INSERT_OPERATION, values).scalar_one()
        )
        row = journal.OperationInfo(int(op_id), kind.value, user.name, moment)
        yield _Op(session, head, row, user)
        if not batched or isolate:
            # In an all-or-nothing batch the changed rows are flushed with the batch
            # (one UPDATE per row changed, however many operations changed it).
            session.flush()
        if nested is not None:
            nested.commit()
        if not outer:
            session.commit()
    except LedgerError:
        undo()
        raise
    except StaleDataError as exc:
        undo()
        raise ConcurrencyError("lot", "changed by another transaction; retry") from exc
    except IntegrityError as exc:
        undo()
        raise InvalidInputError("database", f"constraint violated: {exc.orig}") from exc
    except DBAPIError as exc:
        undo()
        if "could not serialize" in str(exc) or "deadlock" in str(exc):
            raise ConcurrencyError("transaction", str(exc.orig)) from exc
        raise
    except BaseException:
        undo()
        raise


def _check_actor(
    session: Session, actor: str, roles: frozenset[Role], *, allow_bootstrap: bool
) -> User:
    name = (actor or "").strip()
    if not name:
        raise InvalidInputError("actor", "the acting user must be given (--user or STOCKPILE_USER)")
    memo = journal.batch_memo(session)
    user = memo.get(("user", name)) if memo is not None else None
    if user is None:
        user = session.get(User, name)
        if memo is not None and user is not None:
            memo[("user", name)] = user
    if user is None:
        if allow_bootstrap and session.scalars(select(User).limit(1)).first() is None:
            return User(name=name, roles=Role.ADMIN.value)
        raise NotFoundError("actor", f"unknown user {name!r}")
    if roles and not (user_roles(user) & roles):
        need = " or ".join(sorted(r.value for r in roles))
        raise AuthorisationError("actor", f"user {name!r} needs the role {need}")
    return user


def regime_of(session: Session) -> Regime:
    settings = session.get(LedgerSettings, 1)
    if settings is None:  # pragma: no cover - created by the first migration
        raise NotFoundError("ledger_settings", "missing: run `stockpile db upgrade`")
    return get_regime(settings.regime)


def material_key(name: str, field: str = "material") -> str:
    """Canonical material key from the reference catalogue."""
    from stockpile.reference import get_material

    text = (name or "").strip()
    if not text:
        raise InvalidInputError(field, "must not be empty")
    try:
        return str(get_material(text).key)
    except (KeyError, ValueError) as exc:
        message = exc.args[0] if exc.args else str(exc)
        raise InvalidInputError(field, str(message)) from exc


def text(value: str | None, field: str, *, required: bool = True) -> str:
    out = (value or "").strip()
    if required and not out:
        raise InvalidInputError(field, "must not be empty")
    return out


def by_code(session: Session, model: type[_T], column: Any, code: str, field: str) -> _T:
    row = session.scalars(select(model).where(column == code)).first()
    if row is None:
        raise NotFoundError(field, f"no {model.__tablename__[:-1]} {code!r}")  # type: ignore[attr-defined]
    return row


def referenced(session: Session, model: type[_T], key: Any, field: str) -> _T:
    """The row ``key`` of ``model`` that another row of the books points to.

    A missing one means the database was changed outside the ledger: a
    :class:`NotFoundError` naming ``field`` says so (never an ``AssertionError``).
    """
    row = session.get(model, key)
    if row is None:
        name = model.__tablename__[:-1]  # type: ignore[attr-defined]
        raise NotFoundError(
            field, f"{name} {key} referenced by the books is missing (database changed outside)"
        )
    return row


def ledger_settings(session: Session) -> LedgerSettings:
    """The stockpile's settings row (created by the migrations)."""
    row = session.get(LedgerSettings, 1)
    if row is None:
        raise NotFoundError("settings", "the ledger is not set up: run `stockpile db upgrade`")
    return row


def depot(session: Session, code: str, field: str = "depot") -> Depot:
    return by_code(session, Depot, Depot.code, code, field)


def fund(session: Session, code: str, field: str = "fund") -> Fund:
    return by_code(session, Fund, Fund.code, code, field)


def lot_for_update(session: Session, code: str, field: str = "lot") -> Lot:
    memo = journal.batch_memo(session)
    found: Lot | None = memo.get(("lot", code)) if memo is not None else None
    if found is not None:
        return found  # read earlier in this batch, under the lock it still holds
    row = session.scalars(select(Lot).where(Lot.code == code).with_for_update()).first()
    if row is None:
        raise NotFoundError(field, f"no lot {code!r}")
    if memo is not None:
        memo[("lot", code)] = row
    return row
