"""Service functions that set the books up: users, depots, funds, caps, plans, contracts.

Every function is keyword-only, runs as one database transaction over the given session and
records the acting user. Money added to a fund is journalled (an appropriation entry).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from stockpile.ledger import _numbers as num
from stockpile.ledger._ops import (
    OperationKind,
    Role,
    by_code,
    ledger_settings,
    material_key,
    operation,
    text,
)
from stockpile.ledger._ops import depot as _depot
from stockpile.ledger._ops import fund as _fund
from stockpile.ledger.codes import SHORT_CODE_MAX_LEN, check_code
from stockpile.ledger.errors import InvalidInputError, LimitExceededError
from stockpile.ledger.governance import get_regime, notice_end
from stockpile.ledger.journal import AccountType, Posting
from stockpile.ledger.models import (
    Cap,
    Contract,
    DeliveryOrder,
    Depot,
    DepotCapacity,
    DisposalAuthorisation,
    Fund,
    Goal,
    Lot,
    PlanLine,
    User,
)
from stockpile.ledger.states import ContractStatus, FundKind, OrderStatus

__all__ = [
    "FUND_USES",
    "add_user",
    "configure_stockpile",
    "create_cap",
    "create_contract",
    "create_delivery_order",
    "create_depot",
    "create_fund",
    "record_disposal_authorisation",
    "record_opening_lot",
    "set_depot_capacity",
    "set_goal",
    "set_plan_line",
]

_ADMIN = frozenset({Role.ADMIN})
_BUYER = frozenset({Role.ADMIN, Role.CONTRACTING_OFFICER})
FUND_USES = frozenset(
    {"acquisition", "maintenance", "disposal", "transport", "storage", "upgrading", "proceeds"}
)


def configure_stockpile(session: Session, *, name: str, regime: str, actor: str) -> None:
    """Name the stockpile and choose its governance regime (admin)."""
    chosen = get_regime(text(regime, "regime")).key
    with operation(
        session,
        kind=OperationKind.SETUP,
        actor=actor,
        roles=_ADMIN,
        at=None,
        summary={"configure": name, "regime": chosen},
    ) as op:
        settings = ledger_settings(op.session)
        settings.stockpile_name = text(name, "name")
        settings.regime = chosen


def add_user(session: Session, *, name: str, roles: list[str], actor: str) -> None:
    """Add a user with roles (admin; the very first user may create itself as admin)."""
    parsed = set()
    for r in roles:
        try:
            parsed.add(Role(r.strip()))
        except ValueError:
            known = ", ".join(x.value for x in Role)
            raise InvalidInputError("roles", f"unknown role {r!r}; known: {known}") from None
    if not parsed:
        raise InvalidInputError("roles", "give at least one role")
    with operation(
        session,
        kind=OperationKind.SETUP,
        actor=actor,
        roles=_ADMIN,
        at=None,
        summary={"add_user": name, "roles": sorted(parsed)},
        allow_bootstrap=True,
    ) as op:
        who = text(name, "name")
        if op.session.get(User, who) is not None:
            raise InvalidInputError("name", f"user {who!r} already exists")
        if op.session.scalars(select(User).limit(1)).first() is None and who != op.user.name:
            raise InvalidInputError("name", "the first user must be the acting user")
        op.session.add(User(name=who, roles=",".join(sorted(r.value for r in parsed))))


def create_depot(
    session: Session,
    *,
    code: str,
    name: str,
    location: str,
    actor: str,
    storage_capacity: num.Number | None = None,
    monthly_release_capacity: num.Number | None = None,
    capacity_unit: str = "metric_ton",
    illustrative: bool = False,
    source: str = "",
) -> None:
    """Create a depot with optional storage and overall monthly release capacity [capacity_unit]."""
    unit = num.check_unit(capacity_unit, "capacity_unit")
    storage = (
        None if storage_capacity is None else num.quantity(storage_capacity, "storage_capacity")
    )
    release = (
        None
        if monthly_release_capacity is None
        else num.quantity(monthly_release_capacity, "monthly_release_capacity", allow_zero=True)
    )
    with operation(
        session,
        kind=OperationKind.SETUP,
        actor=actor,
        roles=_ADMIN,
        at=None,
        summary={"create_depot": code},
    ) as op:
        key = check_code(code, "code", max_len=SHORT_CODE_MAX_LEN)
        if op.session.scalars(select(Depot).where(Depot.code == key)).first() is not None:
            raise InvalidInputError("code", f"depot {key!r} already exists")
        op.session.add(
            Depot(
                code=key,
                name=text(name, "name"),
                location=text(location, "location", required=False),
                storage_capacity=storage,
                monthly_release_capacity=release,
                capacity_unit=unit,
                illustrative=illustrative,
                source=source,
            )
        )


def set_depot_capacity(
    session: Session,
    *,
    depot: str,
    material: str,
    monthly_release_capacity: num.Number,
    unit: str,
    actor: str,
) -> None:
    """Set a depot's monthly release capacity for one material [unit/month]."""
    qty = num.quantity(monthly_release_capacity, "monthly_release_capacity", allow_zero=True)
    unit = num.check_unit(unit)
    mat = material_key(material)
    with operation(
        session,
        kind=OperationKind.SETUP,
        actor=actor,
        roles=_ADMIN,
        at=None,
        summary={"depot_capacity": depot, "material": mat, "capacity": qty, "unit": unit},
    ) as op:
        d = _depot(op.session, depot)
        row = op.session.scalars(
            select(DepotCapacity).where(
                DepotCapacity.depot_id == d.id, DepotCapacity.material == mat
            )
        ).first()
        if row is None:
            op.session.add(
                DepotCapacity(depot_id=d.id, material=mat, monthly_release_capacity=qty, unit=unit)
            )
        else:
            row.monthly_release_capacity = qty
            row.unit = unit


def create_fund(
    session: Session,
    *,
    code: str,
    name: str,
    amount: num.Number,
    actor: str,
    kind: str = "appropriation",
    fy_first: int | None = None,
    fy_last: int | None = None,
    allowed_uses: tuple[str, ...] = ("acquisition",),
    source: str = "",
    at: datetime | None = None,
) -> None:
    """Create a fund and journal its appropriation [USD].

    ``kind`` is ``appropriation`` or ``transaction`` (the Transaction Fund receives disposal
    proceeds). Fiscal years bound when the fund may pay (None: available until spent).
    """
    value = num.money(amount, "amount")
    if kind not in tuple(FundKind):
        raise InvalidInputError("kind", f"must be 'appropriation' or 'transaction', got {kind!r}")
    uses = {u.strip() for u in allowed_uses if u.strip()}
    if not uses <= FUND_USES:
        raise InvalidInputError("allowed_uses", f"unknown uses {sorted(uses - FUND_USES)}")
    if fy_first is not None and fy_last is not None and fy_last < fy_first:
        raise InvalidInputError("fy_last", "is before fy_first")
    with operation(
        session,
        kind=OperationKind.APPROPRIATE,
        actor=actor,
        roles=_ADMIN,
        at=at,
        summary={"create_fund": code, "amount": value},
    ) as op:
        key = check_code(code, "code", max_len=SHORT_CODE_MAX_LEN)
        if op.session.scalars(select(Fund).where(Fund.code == key)).first() is not None:
            raise InvalidInputError("code", f"fund {key!r} already exists")
        row = Fund(
            code=key,
            name=text(name, "name"),
            kind=kind,
            fy_first=fy_first,
            fy_last=fy_last,
            allowed_uses=",".join(sorted(uses)),
            balance=Decimal("0.00"),
            source=source,
        )
        op.session.add(row)
        op.session.flush()
        if value > 0:
            op.post([Posting(AccountType.FUND, row.id, "", value, "USD", "appropriation")])


def create_cap(
    session: Session, *, material: str, ceiling: num.Number, actor: str, source: str = ""
) -> None:
    """Create a per-material spending ceiling [USD]."""
    value = num.money(ceiling, "ceiling", allow_zero=False)
    mat = material_key(material)
    with operation(
        session,
        kind=OperationKind.SETUP,
        actor=actor,
        roles=_ADMIN,
        at=None,
        summary={"create_cap": mat, "ceiling": value},
    ) as op:
        if op.session.scalars(select(Cap).where(Cap.material == mat)).first() is not None:
            raise InvalidInputError("material", f"a cap for {mat!r} already exists")
        op.session.add(Cap(material=mat, ceiling=value, spent=Decimal("0.00"), source=source))


def set_plan_line(
    session: Session,
    *,
    fiscal_year: int,
    material: str,
    max_acquisition: num.Number,
    max_disposal: num.Number,
    unit: str,
    actor: str,
    source: str = "",
) -> None:
    """Create or change an Annual Materials Plan line [unit per fiscal year].

    A change may not lower a maximum below what is already acquired or disposed.
    """
    acq = num.quantity(max_acquisition, "max_acquisition", allow_zero=True)
    disp = num.quantity(max_disposal, "max_disposal", allow_zero=True)
    unit = num.check_unit(unit)
    mat = material_key(material)
    if not 1900 < fiscal_year < 2200:
        raise InvalidInputError("fiscal_year", f"implausible fiscal year {fiscal_year}")
    with operation(
        session,
        kind=OperationKind.SETUP,
        actor=actor,
        roles=_ADMIN,
        at=None,
        summary={"plan": mat, "fy": fiscal_year, "acq": acq, "disp": disp, "unit": unit},
    ) as op:
        row = op.session.scalars(
            select(PlanLine).where(PlanLine.fiscal_year == fiscal_year, PlanLine.material == mat)
        ).first()
        if row is None:
            op.session.add(
                PlanLine(
                    fiscal_year=fiscal_year,
                    material=mat,
                    unit=unit,
                    max_acquisition=acq,
                    max_disposal=disp,
                    acquired=Decimal(0),
                    disposed=Decimal(0),
                    source=source,
                )
            )
            return
        if unit != row.unit:
            raise InvalidInputError("unit", f"plan line is kept in {row.unit!r}")
        if acq < row.acquired or disp < row.disposed:
            raise LimitExceededError("max_acquisition", "below the quantity already used")
        row.max_acquisition, row.max_disposal, row.source = acq, disp, source or row.source


def create_contract(
    session: Session,
    *,
    number: str,
    supplier: str,
    material: str,
    form: str,
    unit: str,
    ceiling: num.Number,
    period_start: date,
    period_end: date,
    fund: str,
    actor: str,
    kind: str = "IDIQ",
    minimum_guarantee: num.Number = 0,
    max_quantity: num.Number | None = None,
    price_terms: str = "",
    depot: str | None = None,
    status: str = "active",
    source: str = "",
) -> None:
    """Record a purchase contract (ceiling and minimum guarantee [USD], max quantity [unit])."""
    ceil = num.money(ceiling, "ceiling", allow_zero=False)
    minimum = num.money(minimum_guarantee, "minimum_guarantee")
    if minimum > ceil:
        raise InvalidInputError("minimum_guarantee", "exceeds the ceiling")
    maxq = None if max_quantity is None else num.quantity(max_quantity, "max_quantity")
    unit = num.check_unit(unit)
    mat = material_key(material)
    if status not in tuple(ContractStatus):
        raise InvalidInputError("status", f"must be active, cancelled or closed, got {status!r}")
    if period_end <= period_start:
        raise InvalidInputError("period_end", "must be after period_start")
    with operation(
        session,
        kind=OperationKind.SETUP,
        actor=actor,
        roles=_BUYER,
        at=None,
        summary={"create_contract": number, "ceiling": ceil},
    ) as op:
        key = check_code(number, "number")
        if op.session.scalars(select(Contract).where(Contract.number == key)).first():
            raise InvalidInputError("number", f"contract {key!r} already exists")
        f = _fund(op.session, fund)
        d = None if depot is None else _depot(op.session, depot)
        op.session.add(
            Contract(
                number=key,
                kind=text(kind, "kind"),
                supplier=text(supplier, "supplier"),
                material=mat,
                form=text(form, "form"),
                unit=unit,
                minimum_guarantee=minimum,
                ceiling=ceil,
                max_quantity=maxq,
                period_start=period_start,
                period_end=period_end,
                price_terms=price_terms,
                fund_id=f.id,
                depot_id=None if d is None else d.id,
                status=status,
                spent=Decimal("0.00"),
                received=Decimal(0),
                source=source,
            )
        )


def create_delivery_order(
    session: Session,
    *,
    contract: str,
    number: str,
    quantity: num.Number,
    value: num.Number,
    actor: str,
    due_date: date | None = None,
    depot: str | None = None,
) -> None:
    """Place a delivery order under a contract: quantity [contract unit], value [USD].

    The order's value may not take the contract's open orders above its ceiling.
    """
    qty = num.quantity(quantity)
    amount = num.money(value, "value", allow_zero=False)
    with operation(
        session,
        kind=OperationKind.SETUP,
        actor=actor,
        roles=_BUYER,
        at=None,
        summary={"delivery_order": number, "contract": contract, "qty": qty, "value": amount},
    ) as op:
        c = by_code(op.session, Contract, Contract.number, contract, "contract")
        key = check_code(number, "number")
        if op.session.scalars(select(DeliveryOrder).where(DeliveryOrder.number == key)).first():
            raise InvalidInputError("number", f"delivery order {key!r} already exists")
        if due_date is not None and not c.period_start <= due_date <= c.period_end:
            raise InvalidInputError("due_date", "outside the contract period")
        orders = op.session.scalars(
            select(DeliveryOrder).where(DeliveryOrder.contract_id == c.id)
        ).all()
        ordered = sum((o.value for o in orders), Decimal(0))
        if ordered + amount > c.ceiling:
            raise LimitExceededError(
                "value", f"orders would total {ordered + amount} USD > ceiling {c.ceiling} USD"
            )
        if c.max_quantity is not None:
            qsum = sum((o.quantity for o in orders), Decimal(0))
            if qsum + qty > c.max_quantity:
                raise LimitExceededError(
                    "quantity", f"orders would total {qsum + qty} {c.unit} > {c.max_quantity}"
                )
        if depot is not None:
            dest = _depot(op.session, depot)
        elif c.depot_id is not None:
            dest = op.session.get(Depot, c.depot_id)  # type: ignore[assignment]
        else:
            raise InvalidInputError("depot", "the contract names no depot: give one")
        op.session.add(
            DeliveryOrder(
                number=key,
                contract_id=c.id,
                quantity=qty,
                value=amount,
                due_date=due_date,
                depot_id=dest.id,
                status=OrderStatus.OPEN,
                received=Decimal(0),
            )
        )


def set_goal(
    session: Session,
    *,
    material: str,
    quantity: num.Number,
    unit: str,
    notified_on: date,
    reason: str,
    actor: str,
) -> date:
    """Set a stockpile goal [unit]; it takes effect after the regime's goal notice period
    (``us-nds``: 45 days after written notice to Congress). Returns the effective date."""
    qty = num.quantity(quantity, allow_zero=True)
    unit = num.check_unit(unit)
    mat = material_key(material)
    why = text(reason, "reason")
    with operation(
        session,
        kind=OperationKind.SETUP,
        actor=actor,
        roles=_ADMIN,
        at=None,
        summary={"goal": mat, "quantity": qty, "unit": unit, "notified_on": notified_on},
    ) as op:
        from stockpile.ledger._ops import regime_of

        regime = regime_of(op.session)
        effective = notified_on + timedelta(days=regime.goal_notice_days)
        clash = op.session.scalars(
            select(Goal).where(Goal.material == mat, Goal.effective_on == effective)
        ).first()
        if clash is not None:
            raise InvalidInputError(
                "notified_on", f"a goal for {mat} already takes effect on {effective.isoformat()}"
            )
        op.session.add(
            Goal(
                material=mat,
                quantity=qty,
                unit=unit,
                notified_on=notified_on,
                effective_on=effective,
                set_by=op.user.name,
                reason=why,
            )
        )
        return effective


def record_disposal_authorisation(
    session: Session,
    *,
    reference: str,
    material: str,
    max_quantity: num.Number,
    unit: str,
    notified_on: date,
    actor: str,
) -> None:
    """Record an authorisation by law to dispose of a quantity; its effective date is the
    notice date plus the regime's notice period."""
    qty = num.quantity(max_quantity, "max_quantity")
    unit = num.check_unit(unit)
    mat = material_key(material)
    with operation(
        session,
        kind=OperationKind.SETUP,
        actor=actor,
        roles=_ADMIN,
        at=None,
        summary={"disposal_authorisation": reference, "material": mat, "qty": qty},
    ) as op:
        from stockpile.ledger._ops import regime_of

        key = text(reference, "reference")
        exists = op.session.scalars(
            select(DisposalAuthorisation).where(DisposalAuthorisation.reference == key)
        ).first()
        if exists:
            raise InvalidInputError("reference", f"authorisation {key!r} already exists")
        op.session.add(
            DisposalAuthorisation(
                reference=key,
                material=mat,
                max_quantity=qty,
                unit=unit,
                notified_on=notified_on,
                effective_on=notice_end(regime_of(op.session), notified_on),
                used=Decimal(0),
            )
        )


def record_opening_lot(
    session: Session,
    *,
    code: str,
    material: str,
    quantity: num.Number,
    unit: str,
    depot: str,
    actor: str,
    form: str = "",
    grade: str = "",
    basis: str = "",
    origin_country: str = "",
    supplier: str = "",
    acquired_on: date,
    cost: num.Number = 0,
    condition: str = "",
    illustrative: bool = False,
    at: datetime | None = None,
) -> None:
    """Bring an existing lot onto the books (opening balance, no fund is drawn) [unit], [USD]."""
    qty = num.quantity(quantity)
    unit = num.check_unit(unit)
    value = num.money(cost, "cost")
    mat = material_key(material)
    with operation(
        session,
        kind=OperationKind.OPENING,
        actor=actor,
        roles=_ADMIN,
        at=at,
        summary={"opening_lot": code, "material": mat, "qty": qty, "unit": unit},
    ) as op:
        d = _depot(op.session, depot)
        key = check_code(code, "code")
        if op.session.scalars(select(Lot).where(Lot.code == key)).first() is not None:
            raise InvalidInputError("code", f"lot {key!r} already exists")
        from stockpile.ledger.movements import check_storage

        check_storage(op.session, d, qty, unit)
        lot = Lot(
            code=key,
            material=mat,
            form=form,
            grade=grade,
            unit=unit,
            basis=basis,
            depot_id=d.id,
            origin_country=origin_country,
            supplier=supplier,
            acquired_on=acquired_on,
            original_quantity=qty,
            acquisition_cost=value,
            contract_id=None,
            condition=condition,
            quantity=Decimal(0),
            illustrative=illustrative,
        )
        op.session.add(lot)
        op.session.flush()
        memo = "opening balance (illustrative)" if illustrative else "opening balance"
        op.post([Posting(AccountType.LOT, lot.id, mat, qty, unit, memo)])
