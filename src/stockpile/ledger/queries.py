"""Read-only views of the books (frozen dataclasses; never ORM rows)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from stockpile.ledger import _numbers as num
from stockpile.ledger._ops import ledger_settings
from stockpile.ledger.journal import _CACHE, AccountType
from stockpile.ledger.models import (
    Cap,
    Contract,
    DeliveryOrder,
    Depot,
    DepotCapacity,
    Fund,
    Goal,
    JournalEntry,
    Lot,
    PlanLine,
    ReleaseReport,
    ReleaseRequest,
)
from stockpile.ledger.movements import cost_basis
from stockpile.ledger.valuation import ReferenceBook, basis_factor, days_of_cover, value_lot

__all__ = [
    "CapView",
    "ContractView",
    "DepotCapacityView",
    "DepotView",
    "FundView",
    "GoalView",
    "HoldingView",
    "JournalView",
    "LotView",
    "OrderView",
    "PlanView",
    "ReleaseView",
    "holdings",
    "list_caps",
    "list_contracts",
    "list_depot_capacities",
    "list_depots",
    "list_funds",
    "list_goals",
    "list_journal",
    "list_lots",
    "list_plan",
    "list_releases",
    "stockpile_settings",
]


@dataclass(frozen=True)
class DepotView:
    """A depot; capacities in ``capacity_unit`` ([unit], [unit/month])."""

    code: str
    name: str
    location: str
    storage_capacity: Decimal | None
    monthly_release_capacity: Decimal | None
    capacity_unit: str
    illustrative: bool
    source: str


@dataclass(frozen=True)
class DepotCapacityView:
    """A depot's monthly release capacity for one material [unit/month], counted in the
    released quantity of the lots (on the lots' own basis)."""

    depot: str
    material: str
    monthly_release_capacity: Decimal
    unit: str


@dataclass(frozen=True)
class LotView:
    """A lot with its remaining quantity [unit] and cost basis [USD]."""

    code: str
    material: str
    form: str
    grade: str
    quantity: Decimal
    unit: str
    basis: str
    depot: str
    origin_country: str
    supplier: str
    acquired_on: date
    cost_basis: Decimal
    contract: str | None
    condition: str
    illustrative: bool


@dataclass(frozen=True)
class HoldingView:
    """Holding of one material across lots, valued.

    Attributes
    ----------
    quantity, unit
        Total held, in the unit of the first lot [unit].
    market_value, unrealised_gain
        [USD]; None when no lot could be valued. ``unvalued_lots`` counts lots left out
        (the gain compares value and cost basis of the valued lots only).
    price_usd_per_kg, price_year, price_basis
        Reference price used [USD/kg of the priced substance].
    days_of_cover
        Holding / U.S. daily apparent consumption [day] (year ``consumption_year``).
    goal
        Stockpile goal in force today, in the holding's unit (None: no goal).
    illustrative
        True if any lot is illustrative data.
    """

    material: str
    quantity: Decimal
    unit: str
    lots: int
    depots: tuple[str, ...]
    cost_basis: Decimal
    market_value: Decimal | None
    unrealised_gain: Decimal | None
    unvalued_lots: int
    price_usd_per_kg: Decimal | None
    price_year: int | None
    price_basis: str
    days_of_cover: Decimal | None
    consumption_year: int | None
    goal: Decimal | None
    illustrative: bool
    note: str


@dataclass(frozen=True)
class GoalView:
    """A stockpile goal [unit]; ``in_force`` on the date asked."""

    material: str
    quantity: Decimal
    unit: str
    notified_on: date
    effective_on: date
    in_force: bool
    set_by: str
    reason: str


@dataclass(frozen=True)
class FundView:
    """A fund and its balance [USD]."""

    code: str
    name: str
    kind: str
    balance: Decimal
    fy_first: int | None
    fy_last: int | None
    allowed_uses: str
    source: str


@dataclass(frozen=True)
class CapView:
    """A per-material spending ceiling [USD]."""

    material: str
    ceiling: Decimal
    spent: Decimal
    remaining: Decimal
    source: str


@dataclass(frozen=True)
class PlanView:
    """An Annual Materials Plan line [unit per fiscal year]."""

    fiscal_year: int
    material: str
    unit: str
    max_acquisition: Decimal
    acquired: Decimal
    max_disposal: Decimal
    disposed: Decimal
    source: str


@dataclass(frozen=True)
class OrderView:
    """A delivery order: quantity [contract unit], value [USD]."""

    number: str
    quantity: Decimal
    value: Decimal
    due_date: date | None
    depot: str
    status: str
    received: Decimal


@dataclass(frozen=True)
class ContractView:
    """A contract with its orders; money [USD], quantities [unit]."""

    number: str
    kind: str
    supplier: str
    material: str
    form: str
    unit: str
    minimum_guarantee: Decimal
    ceiling: Decimal
    spent: Decimal
    received: Decimal
    max_quantity: Decimal | None
    period_start: date
    period_end: date
    fund: str
    depot: str | None
    status: str
    price_terms: str
    source: str
    orders: tuple[OrderView, ...]


@dataclass(frozen=True)
class JournalView:
    """A journal entry; ``amount`` [unit] or [USD]."""

    seq: int
    at: str
    actor: str
    operation_id: int
    op_kind: str
    account_type: str
    account_id: int
    material: str
    amount: Decimal
    unit: str
    memo: str
    hash: str


@dataclass(frozen=True)
class ReleaseView:
    """A release request and its state; ``report`` is the written report, if any."""

    id: int
    material: str
    quantity: Decimal
    unit: str
    recipient: str
    purpose: str
    legal_basis: str
    emergency: bool
    status: str
    requested_by: str
    approved_by: str | None
    executed_by: str | None
    requested_at: datetime
    due_by: date | None
    report: str | None


def stockpile_settings(session: Session) -> tuple[str, str]:
    """(stockpile name, regime key)."""
    row = ledger_settings(session)
    return row.stockpile_name, row.regime


def _depot_codes(session: Session) -> dict[int, str]:
    return {k: v for k, v in session.execute(select(Depot.id, Depot.code))}


def list_depots(session: Session) -> list[DepotView]:
    """All depots, by code."""
    return [
        DepotView(
            d.code,
            d.name,
            d.location,
            d.storage_capacity,
            d.monthly_release_capacity,
            d.capacity_unit,
            d.illustrative,
            d.source,
        )
        for d in session.scalars(select(Depot).order_by(Depot.code))
    ]


def list_depot_capacities(session: Session) -> list[DepotCapacityView]:
    """Every per-material monthly release capacity of a depot, by depot code and material."""
    depots = _depot_codes(session)
    rows = session.scalars(select(DepotCapacity).order_by(DepotCapacity.material))
    return sorted(
        (
            DepotCapacityView(depots[r.depot_id], r.material, r.monthly_release_capacity, r.unit)
            for r in rows
        ),
        key=lambda v: (v.depot, v.material),
    )


def list_lots(
    session: Session, *, material: str | None = None, include_empty: bool = False
) -> list[LotView]:
    """Lots (non-empty unless asked), by material then acquisition date."""
    depots = _depot_codes(session)
    contracts = {k: v for k, v in session.execute(select(Contract.id, Contract.number))}
    stmt = select(Lot).order_by(Lot.material, Lot.acquired_on, Lot.id)
    if material:
        from stockpile.ledger._ops import material_key

        stmt = stmt.where(Lot.material == material_key(material))
    if not include_empty:
        stmt = stmt.where(Lot.quantity > 0)
    return [
        LotView(
            lot.code,
            lot.material,
            lot.form,
            lot.grade,
            lot.quantity,
            lot.unit,
            lot.basis,
            depots[lot.depot_id],
            lot.origin_country,
            lot.supplier,
            lot.acquired_on,
            cost_basis(lot),
            contracts.get(lot.contract_id) if lot.contract_id else None,
            lot.condition,
            lot.illustrative,
        )
        for lot in session.scalars(stmt)
    ]


def holdings(session: Session, *, book: ReferenceBook | None = None) -> list[HoldingView]:
    """Holdings per material with market value and days of cover (``book`` default: the
    bundled reference data)."""
    if book is None:
        from stockpile.ledger.valuation import reference_book

        book = reference_book()
    depots = _depot_codes(session)
    goals = {g.material: g for g in list_goals(session) if g.in_force}
    by_material: dict[str, list[Lot]] = defaultdict(list)
    for lot in session.scalars(select(Lot).where(Lot.quantity > 0).order_by(Lot.id)):
        by_material[lot.material].append(lot)
    out = []
    for material in sorted(by_material):
        lots = by_material[material]
        unit = lots[0].unit
        price = book.prices.get(material)
        consumption = book.consumption.get(material)
        default_basis = book.default_basis.get(material, "")
        total = Decimal(0)
        cost = Decimal(0)
        value = Decimal(0)
        cost_of_valued = Decimal(0)
        unvalued = 0
        cover_kg = Decimal(0)
        cover_ok = consumption is not None
        notes: set[str] = set()
        for lot in lots:
            basis = lot.basis or default_basis
            total += num.convert(lot.quantity, lot.unit, unit)
            cost += cost_basis(lot)
            lv = value_lot(lot.quantity, lot.unit, basis, price)
            if lv.value is None:
                unvalued += 1
                notes.add(lv.note)
            else:
                value += lv.value
                cost_of_valued += cost_basis(lot)
            if consumption is not None:
                f = basis_factor(basis, consumption.basis)
                if f is None:
                    cover_ok = False
                    notes.add(f"no conversion from {basis!r} to consumption basis")
                else:
                    cover_kg += num.convert(lot.quantity, lot.unit, "kilogram") * f
        if consumption is None:
            notes.add("no U.S. consumption figure")
        valued = unvalued < len(lots)
        out.append(
            HoldingView(
                material=material,
                quantity=total,
                unit=unit,
                lots=len(lots),
                depots=tuple(sorted({depots[lot.depot_id] for lot in lots})),
                cost_basis=cost,
                market_value=value if valued else None,
                unrealised_gain=(value - cost_of_valued) if valued else None,
                unvalued_lots=unvalued,
                price_usd_per_kg=None if price is None else price.usd_per_kg,
                price_year=None if price is None else price.year,
                price_basis="" if price is None else price.price_basis,
                days_of_cover=days_of_cover(cover_kg, consumption) if cover_ok else None,
                consumption_year=None if consumption is None else consumption.year,
                goal=(
                    num.convert(goals[material].quantity, goals[material].unit, unit)
                    if material in goals
                    else None
                ),
                illustrative=any(lot.illustrative for lot in lots),
                note="; ".join(sorted(notes)),
            )
        )
    return out


def list_goals(session: Session, *, on: date | None = None) -> list[GoalView]:
    """All goals; ``in_force`` marks, per material, the latest goal effective on ``on``
    (default: today, UTC)."""
    day = on or datetime.now(UTC).date()
    rows = list(session.scalars(select(Goal).order_by(Goal.material, Goal.effective_on)))
    current: dict[str, int] = {}
    for g in rows:
        if g.effective_on <= day:
            current[g.material] = g.id
    return [
        GoalView(
            g.material,
            g.quantity,
            g.unit,
            g.notified_on,
            g.effective_on,
            current.get(g.material) == g.id,
            g.set_by,
            g.reason,
        )
        for g in rows
    ]


def list_funds(session: Session) -> list[FundView]:
    """All funds, by code."""
    return [
        FundView(f.code, f.name, f.kind, f.balance, f.fy_first, f.fy_last, f.allowed_uses, f.source)
        for f in session.scalars(select(Fund).order_by(Fund.code))
    ]


def list_caps(session: Session) -> list[CapView]:
    """All caps, by material."""
    return [
        CapView(c.material, c.ceiling, c.spent, c.ceiling - c.spent, c.source)
        for c in session.scalars(select(Cap).order_by(Cap.material))
    ]


def list_plan(session: Session, *, fiscal_year: int | None = None) -> list[PlanView]:
    """Annual Materials Plan lines."""
    stmt = select(PlanLine).order_by(PlanLine.fiscal_year, PlanLine.material)
    if fiscal_year is not None:
        stmt = stmt.where(PlanLine.fiscal_year == fiscal_year)
    return [
        PlanView(
            p.fiscal_year,
            p.material,
            p.unit,
            p.max_acquisition,
            p.acquired,
            p.max_disposal,
            p.disposed,
            p.source,
        )
        for p in session.scalars(stmt)
    ]


def list_contracts(session: Session) -> list[ContractView]:
    """All contracts with their delivery orders."""
    depots = _depot_codes(session)
    funds = {k: v for k, v in session.execute(select(Fund.id, Fund.code))}
    orders: dict[int, list[OrderView]] = defaultdict(list)
    for o in session.scalars(select(DeliveryOrder).order_by(DeliveryOrder.id)):
        orders[o.contract_id].append(
            OrderView(
                o.number, o.quantity, o.value, o.due_date, depots[o.depot_id], o.status, o.received
            )
        )
    return [
        ContractView(
            c.number,
            c.kind,
            c.supplier,
            c.material,
            c.form,
            c.unit,
            c.minimum_guarantee,
            c.ceiling,
            c.spent,
            c.received,
            c.max_quantity,
            c.period_start,
            c.period_end,
            funds[c.fund_id],
            depots.get(c.depot_id) if c.depot_id else None,
            c.status,
            c.price_terms,
            c.source,
            tuple(orders[c.id]),
        )
        for c in session.scalars(select(Contract).order_by(Contract.number))
    ]


def list_journal(
    session: Session, *, limit: int | None = 100, after_seq: int = 0
) -> list[JournalView]:
    """Journal entries after ``after_seq`` (in order), at most ``limit``."""
    stmt = select(JournalEntry).where(JournalEntry.seq > after_seq).order_by(JournalEntry.seq)
    if limit is not None:
        stmt = stmt.limit(limit)
    out = []
    for e in session.scalars(stmt):
        scale = _CACHE[AccountType(e.account_type)][2]
        out.append(
            JournalView(
                e.seq,
                e.at,
                e.actor,
                e.operation_id,
                e.op_kind,
                e.account_type,
                e.account_id,
                e.material,
                num.from_units(e.amount, scale),
                e.unit,
                e.memo,
                e.hash,
            )
        )
    return out


def list_releases(session: Session) -> list[ReleaseView]:
    """All release requests, newest last."""
    reports = {
        k: v for k, v in session.execute(select(ReleaseReport.release_id, ReleaseReport.body))
    }
    return [
        ReleaseView(
            r.id,
            r.material,
            r.quantity,
            r.unit,
            r.recipient,
            r.purpose,
            r.legal_basis,
            r.emergency,
            r.status,
            r.requested_by,
            r.approved_by,
            r.executed_by,
            r.requested_at,
            r.due_by,
            reports.get(r.id),
        )
        for r in session.scalars(select(ReleaseRequest).order_by(ReleaseRequest.id))
    ]
