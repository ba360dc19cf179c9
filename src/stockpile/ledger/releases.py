"""Releases: request -> approval by a second person -> execution (FIFO or chosen lots).

The governance regime decides at request time whether the legal basis and purpose are
acceptable and checks again at approval; execution draws lots first-in-first-out (by
acquisition date, then lot id) or in the order chosen, within each depot's monthly release
capacity (overall and per material), and, where the regime says so, writes a report.
Under a regime with price rules (market stabilisation) a request is an auction batch, checked
and recorded at request time, whose proceeds reach the Transaction Fund on execution.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from stockpile.ledger import _numbers as num
from stockpile.ledger import _stabilization as stab
from stockpile.ledger import journal
from stockpile.ledger._ops import (
    OperationKind,
    Role,
    material_key,
    operation,
    referenced,
    regime_of,
    text,
)
from stockpile.ledger.errors import (
    AuthorisationError,
    CapacityExceededError,
    GovernanceError,
    InsufficientHoldingsError,
    InvalidInputError,
    NotFoundError,
    StateError,
)
from stockpile.ledger.governance import LegalBasis, Purpose, ReleaseContext, check_release
from stockpile.ledger.journal import AccountType, Posting
from stockpile.ledger.models import (
    Depot,
    DepotCapacity,
    JournalEntry,
    Lot,
    ReleaseReport,
    ReleaseRequest,
)

__all__ = [
    "Draw",
    "ReleaseExecution",
    "ReleaseStatus",
    "approve_release",
    "execute_release",
    "monthly_released",
    "request_release",
]

_E = TypeVar("_E", bound=StrEnum)

_REQUESTERS = frozenset(
    {Role.ANALYST, Role.CONTRACTING_OFFICER, Role.RELEASE_AUTHORITY, Role.ADMIN}
)
_EXECUTORS = frozenset({Role.CONTRACTING_OFFICER, Role.RELEASE_AUTHORITY, Role.ADMIN})


class ReleaseStatus(StrEnum):
    """Life cycle of a release."""

    REQUESTED = "requested"
    APPROVED = "approved"
    EXECUTED = "executed"


@dataclass(frozen=True)
class Draw:
    """Quantity taken from one lot [lot unit]."""

    lot_code: str
    depot: str
    quantity: Decimal
    unit: str


@dataclass(frozen=True)
class ReleaseExecution:
    """Result of an executed release: the draws, the report written and, for an auction
    batch, the proceeds paid into the Transaction Fund [USD] (else None)."""

    release_id: int
    draws: tuple[Draw, ...]
    report_id: int | None
    operation_id: int
    proceeds: Decimal | None = None


def _parse_enum(kind: type[_E], value: str, field: str) -> _E:
    try:
        return kind(value.strip().lower())
    except ValueError:
        known = ", ".join(m.value for m in kind)
        raise InvalidInputError(field, f"unknown value {value!r}; known: {known}") from None


def request_release(
    session: Session,
    *,
    material: str,
    quantity: num.Number,
    unit: str,
    recipient: str,
    purpose: str,
    legal_basis: str,
    actor: str,
    emergency: bool = False,
    lots: tuple[str, ...] = (),
    batch: str | None = None,
    awards: Sequence[stab.AuctionBid] = (),
    price_usd_per_kg: num.Number | None = None,
    at: datetime | None = None,
) -> int:
    """Request a release [unit]; the regime must accept the basis and purpose. Returns its id.

    Under a regime with price rules (``market-stabilization``) the release is the auction
    batch ``batch`` sold to ``awards`` (adding up to ``quantity``): refused unless the market
    price (``price_usd_per_kg`` [USD/kg] if given, else the reference price) is above the
    release trigger, every bidder's class is eligible, no bidder exceeds the per-bidder cap
    and the batch fits the batch limit. The price, its source and the awards (each with its
    no-resale condition) are recorded. Elsewhere ``batch``, ``awards`` and the price are
    refused.
    """
    qty = num.quantity(quantity)
    unit = num.check_unit(unit)
    mat = material_key(material)
    p = _parse_enum(Purpose, purpose, "purpose")
    b = _parse_enum(LegalBasis, legal_basis, "legal_basis")
    with operation(
        session,
        kind=OperationKind.RELEASE_REQUEST,
        actor=actor,
        roles=_REQUESTERS,
        at=at,
        summary={"material": mat, "quantity": qty, "unit": unit, "purpose": p, "basis": b},
    ) as op:
        regime = regime_of(op.session)
        decision = check_release(regime, b, p, ReleaseContext(emergency=emergency))
        if not decision.allowed:
            raise GovernanceError("legal_basis/purpose", decision.reason)
        if not regime.price_rules and (batch or awards or price_usd_per_kg is not None):
            raise InvalidInputError(
                "awards", f"auction batches and prices apply only to price rules, not {regime.key}"
            )
        for code in lots:
            lot = op.session.scalars(select(Lot).where(Lot.code == code)).first()
            if lot is None:
                raise NotFoundError("lots", f"no lot {code!r}")
            if lot.material != mat:
                raise InvalidInputError("lots", f"lot {code!r} holds {lot.material}, not {mat}")
        row = ReleaseRequest(
            material=mat,
            quantity=qty,
            unit=unit,
            recipient=text(recipient, "recipient"),
            purpose=p.value,
            legal_basis=b.value,
            emergency=emergency,
            regime=regime.key,
            lot_codes=",".join(lots),
            status=ReleaseStatus.REQUESTED.value,
            requested_by=op.user.name,
            requested_at=op.row.at,
        )
        op.session.add(row)
        op.session.flush()
        if regime.price_rules:
            stab.record_auction(
                op.session,
                release_id=row.id,
                material=mat,
                quantity=qty,
                unit=unit,
                batch=batch,
                bids=awards,
                price=stab.market_price(mat, price_usd_per_kg, "price_usd_per_kg"),
            )
        return row.id


def _release(session: Session, release_id: int) -> ReleaseRequest:
    row = session.scalars(
        select(ReleaseRequest).where(ReleaseRequest.id == release_id).with_for_update()
    ).first()
    if row is None:
        raise NotFoundError("release_id", f"no release {release_id}")
    return row


def approve_release(
    session: Session, *, release_id: int, actor: str, at: datetime | None = None
) -> None:
    """Approve a requested release: a release authority other than the requester."""
    with operation(
        session,
        kind=OperationKind.RELEASE_APPROVE,
        actor=actor,
        roles=frozenset({Role.RELEASE_AUTHORITY}),
        at=at,
        summary={"release": release_id},
    ) as op:
        row = _release(op.session, release_id)
        if row.status != ReleaseStatus.REQUESTED.value:
            raise StateError("release_id", f"release {release_id} is {row.status}")
        if row.requested_by == op.user.name:
            raise AuthorisationError(
                "approver",
                f"{op.user.name!r} requested release {release_id}; a different "
                "person must approve it",
            )
        regime = regime_of(op.session)
        decision = check_release(
            regime,
            LegalBasis(row.legal_basis),
            Purpose(row.purpose),
            ReleaseContext(emergency=row.emergency),
        )
        if not decision.allowed:
            raise GovernanceError("legal_basis/purpose", decision.reason)
        row.status = ReleaseStatus.APPROVED.value
        row.approved_by = op.user.name
        row.approved_at = op.row.at
        if decision.lead_time_days is not None:
            row.due_by = op.day + timedelta(days=decision.lead_time_days)


def _month_bounds(day: date) -> tuple[str, str]:
    start = datetime(day.year, day.month, 1, tzinfo=UTC)
    nxt = datetime(day.year + (day.month == 12), day.month % 12 + 1, 1, tzinfo=UTC)
    return start.isoformat(timespec="microseconds"), nxt.isoformat(timespec="microseconds")


def monthly_released(
    session: Session, *, depot_id: int, day: date, unit: str, material: str | None = None
) -> Decimal:
    """Quantity released from a depot in the calendar month of ``day`` [unit]."""
    journal.flush_pending(session)  # entries kept by a posting batch count too
    start, end = _month_bounds(day)
    stmt = (
        select(JournalEntry.amount, JournalEntry.unit)
        .join(Lot, Lot.id == JournalEntry.account_id)
        .where(
            JournalEntry.account_type == AccountType.LOT.value,
            JournalEntry.op_kind == OperationKind.RELEASE_EXECUTE.value,
            Lot.depot_id == depot_id,
            JournalEntry.at >= start,
            JournalEntry.at < end,
        )
    )
    if material is not None:
        stmt = stmt.where(Lot.material == material)
    total = Decimal(0)
    for amount, entry_unit in session.execute(stmt):
        total += num.convert(-num.from_units(amount, num.QTY_SCALE), entry_unit, unit)
    return total


def _headroom(session: Session, depot: Depot, material: str, day: date, unit: str) -> Decimal:
    """What the depot may still ship of ``material`` this month [unit] (None-free: huge if
    no capacity is set)."""
    limits: list[Decimal] = []
    if depot.monthly_release_capacity is not None:
        used = monthly_released(session, depot_id=depot.id, day=day, unit=depot.capacity_unit)
        left = depot.monthly_release_capacity - used
        limits.append(num.convert(max(left, Decimal(0)), depot.capacity_unit, unit))
    cap = session.scalars(
        select(DepotCapacity).where(
            DepotCapacity.depot_id == depot.id, DepotCapacity.material == material
        )
    ).first()
    if cap is not None:
        used = monthly_released(
            session, depot_id=depot.id, day=day, unit=cap.unit, material=material
        )
        left = cap.monthly_release_capacity - used
        limits.append(num.convert(max(left, Decimal(0)), cap.unit, unit))
    return min(limits) if limits else Decimal("Infinity")


def execute_release(
    session: Session,
    *,
    release_id: int,
    actor: str,
    at: datetime | None = None,
) -> ReleaseExecution:
    """Execute an approved release, drawing lots FIFO (or the chosen lots, in order).

    Lots are locked (SELECT ... FOR UPDATE on PostgreSQL; SQLite serialises writers), so two
    executions racing for the same lot cannot both draw it.

    Raises
    ------
    InsufficientHoldingsError
        The lots hold less than the release.
    CapacityExceededError
        Enough is held, but the depots' monthly release capacity does not allow it.
    """
    with operation(
        session,
        kind=OperationKind.RELEASE_EXECUTE,
        actor=actor,
        roles=_EXECUTORS,
        at=at,
        summary={"release": release_id},
    ) as op:
        s = op.session
        row = _release(s, release_id)
        if row.status != ReleaseStatus.APPROVED.value:
            raise StateError("release_id", f"release {release_id} is {row.status}, not approved")
        if row.lot_codes:
            codes = row.lot_codes.split(",")
            found = {
                lot.code: lot
                for lot in s.scalars(select(Lot).where(Lot.code.in_(codes)).with_for_update())
            }
            lots = [found[c] for c in codes if c in found]
        else:
            lots = list(
                s.scalars(
                    select(Lot)
                    .where(Lot.material == row.material, Lot.quantity > 0)
                    .order_by(Lot.acquired_on, Lot.id)
                    .with_for_update()
                )
            )
        remaining = row.quantity
        held = sum((num.convert(lot.quantity, lot.unit, row.unit) for lot in lots), Decimal(0))
        if held < remaining:
            raise InsufficientHoldingsError(
                "quantity",
                f"release of {remaining} {row.unit} {row.material}: the lots hold {held}",
            )
        draws: list[Draw] = []
        postings: list[Posting] = []
        used_by_depot: dict[int, Decimal] = {}
        for lot in lots:
            if remaining <= 0:
                break
            depot = referenced(s, Depot, lot.depot_id, "lot.depot")
            room = _headroom(s, depot, row.material, op.day, row.unit) - used_by_depot.get(
                depot.id, Decimal(0)
            )
            take = min(num.convert(lot.quantity, lot.unit, row.unit), remaining, room)
            if take <= 0:
                continue
            in_lot = min(num.convert(take, row.unit, lot.unit), lot.quantity)
            used_by_depot[depot.id] = used_by_depot.get(depot.id, Decimal(0)) + take
            remaining -= take
            draws.append(Draw(lot.code, depot.code, in_lot, lot.unit))
            postings.append(
                Posting(
                    AccountType.LOT,
                    lot.id,
                    lot.material,
                    -in_lot,
                    lot.unit,
                    f"release {release_id} to {row.recipient}",
                )
            )
        if remaining > 0:
            raise CapacityExceededError(
                "depot",
                f"monthly release capacity allows only {row.quantity - remaining} "
                f"{row.unit} of {row.quantity} this month",
            )
        auction = stab.auction_proceeds(s, row.id)
        if auction is not None and auction[1] > 0:
            from stockpile.ledger.movements import _transaction_fund

            tf = _transaction_fund(s, None)
            postings.append(
                Posting(
                    AccountType.FUND,
                    tf.id,
                    row.material,
                    auction[1],
                    "USD",
                    f"proceeds of auction batch {auction[0]}",
                )
            )
        op.post(postings)
        row.status = ReleaseStatus.EXECUTED.value
        row.executed_by = op.user.name
        row.executed_at = op.row.at
        report_id = None
        regime = regime_of(s)
        if regime.report_to:
            lines = "; ".join(
                f"{d.quantity} {d.unit} from lot {d.lot_code} ({d.depot})" for d in draws
            )
            report = ReleaseReport(
                release_id=row.id,
                addressee=regime.report_to,
                body=(
                    f"Release {row.id}: {row.quantity} {row.unit} of {row.material} to "
                    f"{row.recipient}; purpose {row.purpose}; legal basis {row.legal_basis}; "
                    f"requested by {row.requested_by}, approved by {row.approved_by}, executed "
                    f"by {op.user.name} on {op.day.isoformat()}. Draws: {lines}."
                ),
                created_at=op.row.at,
            )
            s.add(report)
            s.flush()
            report_id = report.id
        proceeds = None if auction is None else auction[1]
        return ReleaseExecution(row.id, tuple(draws), report_id, op.row.id, proceeds)
