"""SQLAlchemy 2 ORM models of the book of record.

Quantities are ``Decimal`` in Python and scaled 64-bit integers in the database (10**-6 of the
lot's unit); money is ``Decimal`` USD, stored in cents. The schema is created only by the Alembic
migrations in :mod:`stockpile.ledger.migrations`, never by ``create_all``.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from stockpile.ledger._numbers import MONEY_SCALE, QTY_SCALE, from_units, to_units

__all__ = [
    "AuctionAward",
    "AuctionBatch",
    "Base",
    "Cap",
    "Contract",
    "DeliveryOrder",
    "Depot",
    "DepotCapacity",
    "DisposalAuthorisation",
    "Fund",
    "Goal",
    "JournalEntry",
    "JournalHead",
    "LedgerSettings",
    "Loan",
    "Lot",
    "Operation",
    "PlanLine",
    "ReleaseReport",
    "ReleaseRequest",
    "StabilizationRule",
    "User",
]


class _Scaled(TypeDecorator[Decimal]):
    """Decimal stored as an integer number of 10**-scale units."""

    impl = BigInteger
    cache_ok = True

    def __init__(self, scale: int) -> None:
        super().__init__()
        self.scale = scale

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> int | None:
        return None if value is None else to_units(Decimal(value), self.scale)

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        return None if value is None else from_units(int(value), self.scale)


def Qty() -> _Scaled:
    """Quantity column type [10**-6 unit of account]."""
    return _Scaled(QTY_SCALE)


def Money() -> _Scaled:
    """Money column type [USD cents]."""
    return _Scaled(MONEY_SCALE)


def UnitPrice() -> _Scaled:
    """Unit price column type [10**-6 USD per unit, e.g. per kg]."""
    return _Scaled(QTY_SCALE)


class Base(DeclarativeBase):
    """Declarative base of the ledger tables."""


class LedgerSettings(Base):
    """One row: the stockpile's name and its governance regime."""

    __tablename__ = "ledger_settings"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    stockpile_name: Mapped[str] = mapped_column(String(200))
    regime: Mapped[str] = mapped_column(String(64))


class JournalHead(Base):
    """One row: the last sequence number and hash of the journal; locked by every operation."""

    __tablename__ = "journal_head"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_seq: Mapped[int] = mapped_column(BigInteger)
    last_hash: Mapped[str] = mapped_column(String(64))
    lock_count: Mapped[int] = mapped_column(BigInteger)


class User(Base):
    """A person acting on the books, with comma-separated roles."""

    __tablename__ = "users"
    name: Mapped[str] = mapped_column(String(120), primary_key=True)
    roles: Mapped[str] = mapped_column(String(400))


class Depot(Base):
    """A storage site with storage and overall monthly release capacity."""

    __tablename__ = "depots"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    location: Mapped[str] = mapped_column(String(200))
    storage_capacity: Mapped[Decimal | None] = mapped_column(Qty(), nullable=True)
    monthly_release_capacity: Mapped[Decimal | None] = mapped_column(Qty(), nullable=True)
    capacity_unit: Mapped[str] = mapped_column(String(40))
    illustrative: Mapped[bool] = mapped_column(Boolean)
    source: Mapped[str] = mapped_column(Text)


class DepotCapacity(Base):
    """Monthly release (shipping) capacity of a depot for one material."""

    __tablename__ = "depot_capacities"
    __table_args__ = (UniqueConstraint("depot_id", "material"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    depot_id: Mapped[int] = mapped_column(ForeignKey("depots.id"))
    material: Mapped[str] = mapped_column(String(80))
    monthly_release_capacity: Mapped[Decimal] = mapped_column(Qty())
    unit: Mapped[str] = mapped_column(String(40))


class Fund(Base):
    """An appropriation or the Transaction Fund; ``balance`` caches the journal's money sum."""

    __tablename__ = "funds"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32))
    fy_first: Mapped[int | None] = mapped_column(Integer, nullable=True)
    fy_last: Mapped[int | None] = mapped_column(Integer, nullable=True)
    allowed_uses: Mapped[str] = mapped_column(String(400))
    balance: Mapped[Decimal] = mapped_column(Money())
    source: Mapped[str] = mapped_column(Text)


class Cap(Base):
    """A per-material spending ceiling; ``spent`` caches the journal's cap entries."""

    __tablename__ = "caps"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    material: Mapped[str] = mapped_column(String(80), unique=True)
    ceiling: Mapped[Decimal] = mapped_column(Money())
    spent: Mapped[Decimal] = mapped_column(Money())
    source: Mapped[str] = mapped_column(Text)


class PlanLine(Base):
    """Annual Materials Plan line: maximum acquisition and disposal per material and FY."""

    __tablename__ = "plan_lines"
    __table_args__ = (UniqueConstraint("fiscal_year", "material"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    fiscal_year: Mapped[int] = mapped_column(Integer)
    material: Mapped[str] = mapped_column(String(80))
    unit: Mapped[str] = mapped_column(String(40))
    max_acquisition: Mapped[Decimal] = mapped_column(Qty())
    max_disposal: Mapped[Decimal] = mapped_column(Qty())
    acquired: Mapped[Decimal] = mapped_column(Qty())
    disposed: Mapped[Decimal] = mapped_column(Qty())
    source: Mapped[str] = mapped_column(Text)


class Contract(Base):
    """An IDIQ (or other) purchase contract; ``spent`` caches received deliveries' value."""

    __tablename__ = "contracts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(80), unique=True)
    kind: Mapped[str] = mapped_column(String(40))
    supplier: Mapped[str] = mapped_column(String(200))
    material: Mapped[str] = mapped_column(String(80))
    form: Mapped[str] = mapped_column(String(80))
    unit: Mapped[str] = mapped_column(String(40))
    minimum_guarantee: Mapped[Decimal] = mapped_column(Money())
    ceiling: Mapped[Decimal] = mapped_column(Money())
    max_quantity: Mapped[Decimal | None] = mapped_column(Qty(), nullable=True)
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    price_terms: Mapped[str] = mapped_column(Text)
    fund_id: Mapped[int] = mapped_column(ForeignKey("funds.id"))
    depot_id: Mapped[int | None] = mapped_column(ForeignKey("depots.id"), nullable=True)
    status: Mapped[str] = mapped_column(String(32))
    spent: Mapped[Decimal] = mapped_column(Money())
    received: Mapped[Decimal] = mapped_column(Qty())
    source: Mapped[str] = mapped_column(Text)


class DeliveryOrder(Base):
    """A delivery order under a contract (quantity, value, due date, destination depot)."""

    __tablename__ = "delivery_orders"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(80), unique=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id"))
    quantity: Mapped[Decimal] = mapped_column(Qty())
    value: Mapped[Decimal] = mapped_column(Money())
    due_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    depot_id: Mapped[int] = mapped_column(ForeignKey("depots.id"))
    status: Mapped[str] = mapped_column(String(32))
    received: Mapped[Decimal] = mapped_column(Qty())


class Lot(Base):
    """A lot of material in one depot; ``quantity`` caches the journal's quantity sum."""

    __tablename__ = "lots"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(80), unique=True)
    material: Mapped[str] = mapped_column(String(80), index=True)
    form: Mapped[str] = mapped_column(String(80))
    grade: Mapped[str] = mapped_column(String(200))
    unit: Mapped[str] = mapped_column(String(40))
    basis: Mapped[str] = mapped_column(String(80))
    depot_id: Mapped[int] = mapped_column(ForeignKey("depots.id"))
    origin_country: Mapped[str] = mapped_column(String(120))
    supplier: Mapped[str] = mapped_column(String(200))
    acquired_on: Mapped[date] = mapped_column(Date)
    original_quantity: Mapped[Decimal] = mapped_column(Qty())
    acquisition_cost: Mapped[Decimal] = mapped_column(Money())
    contract_id: Mapped[int | None] = mapped_column(ForeignKey("contracts.id"), nullable=True)
    condition: Mapped[str] = mapped_column(String(200))
    quantity: Mapped[Decimal] = mapped_column(Qty())
    illustrative: Mapped[bool] = mapped_column(Boolean)
    version: Mapped[int] = mapped_column(Integer)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class DisposalAuthorisation(Base):
    """An authorisation by law to dispose of a quantity of a material (U.S. 50 U.S.C. 98d(b))."""

    __tablename__ = "disposal_authorisations"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str] = mapped_column(String(200), unique=True)
    material: Mapped[str] = mapped_column(String(80))
    max_quantity: Mapped[Decimal] = mapped_column(Qty())
    unit: Mapped[str] = mapped_column(String(40))
    notified_on: Mapped[date] = mapped_column(Date)
    effective_on: Mapped[date] = mapped_column(Date)
    used: Mapped[Decimal] = mapped_column(Qty())


class Loan(Base):
    """Material lent from a lot, with its due return date."""

    __tablename__ = "loans"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("lots.id"))
    borrower: Mapped[str] = mapped_column(String(200))
    quantity: Mapped[Decimal] = mapped_column(Qty())
    outstanding: Mapped[Decimal] = mapped_column(Qty())
    lent_on: Mapped[date] = mapped_column(Date)
    return_due: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(32))


class ReleaseRequest(Base):
    """A release: request -> approval by a second person -> execution."""

    __tablename__ = "release_requests"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    material: Mapped[str] = mapped_column(String(80))
    quantity: Mapped[Decimal] = mapped_column(Qty())
    unit: Mapped[str] = mapped_column(String(40))
    recipient: Mapped[str] = mapped_column(String(200))
    purpose: Mapped[str] = mapped_column(String(40))
    legal_basis: Mapped[str] = mapped_column(String(60))
    emergency: Mapped[bool] = mapped_column(Boolean)
    regime: Mapped[str] = mapped_column(String(64))
    lot_codes: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(32))
    requested_by: Mapped[str] = mapped_column(String(120))
    requested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    approved_by: Mapped[str | None] = mapped_column(String(120), nullable=True)
    approved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    due_by: Mapped[date | None] = mapped_column(Date, nullable=True)
    executed_by: Mapped[str | None] = mapped_column(String(120), nullable=True)
    executed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class ReleaseReport(Base):
    """A written report of an executed release (U.S.: to the Armed Services Committees)."""

    __tablename__ = "release_reports"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    release_id: Mapped[int] = mapped_column(ForeignKey("release_requests.id"))
    addressee: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Goal(Base):
    """A stockpile goal for a material, effective from ``effective_on`` (after any notice)."""

    __tablename__ = "goals"
    __table_args__ = (UniqueConstraint("material", "effective_on"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    material: Mapped[str] = mapped_column(String(80))
    quantity: Mapped[Decimal] = mapped_column(Qty())
    unit: Mapped[str] = mapped_column(String(40))
    notified_on: Mapped[date] = mapped_column(Date)
    effective_on: Mapped[date] = mapped_column(Date)
    set_by: Mapped[str] = mapped_column(String(120))
    reason: Mapped[str] = mapped_column(Text)


class Operation(Base):
    """One business operation; its journal entries point to it."""

    __tablename__ = "operations"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    actor: Mapped[str] = mapped_column(String(120))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    summary: Mapped[str] = mapped_column(Text)


class JournalEntry(Base):
    """An append-only, hash-chained journal entry (never updated or deleted).

    ``amount`` is a scaled integer: 10**-6 of ``unit`` for quantity accounts (lot, loan, plan),
    cents for money accounts (fund, cap, contract).
    """

    __tablename__ = "journal_entries"
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    operation_id: Mapped[int] = mapped_column(ForeignKey("operations.id"), index=True)
    at: Mapped[str] = mapped_column(String(40))
    actor: Mapped[str] = mapped_column(String(120))
    op_kind: Mapped[str] = mapped_column(String(40))
    account_type: Mapped[str] = mapped_column(String(24))
    account_id: Mapped[int] = mapped_column(Integer)
    material: Mapped[str] = mapped_column(String(80))
    amount: Mapped[int] = mapped_column(BigInteger)
    unit: Mapped[str] = mapped_column(String(40))
    memo: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class StabilizationRule(Base):
    """Price rules of a market-stabilisation regime for one material (``''``: the stockpile).

    Prices are in USD per kg of the reference price's substance; quantities in ``unit``.
    """

    __tablename__ = "stabilization_rules"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    material: Mapped[str] = mapped_column(String(80), unique=True)
    release_trigger: Mapped[Decimal | None] = mapped_column(UnitPrice(), nullable=True)
    purchase_floor: Mapped[Decimal | None] = mapped_column(UnitPrice(), nullable=True)
    eligible_classes: Mapped[str] = mapped_column(String(400))
    bidder_cap: Mapped[Decimal | None] = mapped_column(Qty(), nullable=True)
    batch_limit: Mapped[Decimal | None] = mapped_column(Qty(), nullable=True)
    unit: Mapped[str] = mapped_column(String(40))
    source: Mapped[str] = mapped_column(Text)


class AuctionBatch(Base):
    """The auction batch of a release under a market-stabilisation regime, with the price
    [USD/kg] that allowed it and where that price came from."""

    __tablename__ = "auction_batches"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    release_id: Mapped[int] = mapped_column(ForeignKey("release_requests.id"), unique=True)
    reference_price: Mapped[Decimal] = mapped_column(UnitPrice())
    price_source: Mapped[str] = mapped_column(Text)
    release_trigger: Mapped[Decimal] = mapped_column(UnitPrice())


class AuctionAward(Base):
    """One bidder's award in an auction batch [release unit, USD per release unit]."""

    __tablename__ = "auction_awards"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("auction_batches.id"), index=True)
    bidder: Mapped[str] = mapped_column(String(200))
    bidder_class: Mapped[str] = mapped_column(String(80))
    quantity: Mapped[Decimal] = mapped_column(Qty())
    unit: Mapped[str] = mapped_column(String(40))
    price: Mapped[Decimal] = mapped_column(UnitPrice())
    proceeds: Mapped[Decimal] = mapped_column(Money())
    no_resale: Mapped[bool] = mapped_column(Boolean)
