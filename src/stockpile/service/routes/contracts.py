"""Funds, spending caps, the Annual Materials Plan, contracts, delivery orders and receipts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from stockpile.ledger.codes import CODE_MAX_LEN, CODE_PATTERN
from stockpile.ledger.models import Cap, Contract, DeliveryOrder, Depot, Fund, PlanLine
from stockpile.ledger.receipts import receive_delivery
from stockpile.ledger.setup import create_cap as ledger_create_cap
from stockpile.ledger.setup import create_contract as ledger_create_contract
from stockpile.ledger.setup import create_delivery_order, set_plan_line
from stockpile.ledger.setup import create_fund as ledger_create_fund
from stockpile.reference import get_material
from stockpile.service.accounts import Principal
from stockpile.service.deps import Authorize, DbSession, IdempotencyKey, Page, PageParams
from stockpile.service.errors import PROBLEM_RESPONSES, NotFoundError
from stockpile.service.idempotency import idempotent_write
from stockpile.service.permissions import Permission
from stockpile.service.schemas import Paged
from stockpile.service.schemas_ledger import (
    CapCreate,
    CapPublic,
    ContractCreate,
    ContractPublic,
    DeliveryOrderCreate,
    DeliveryOrderPublic,
    FundCreate,
    FundPublic,
    PlanLineCreate,
    PlanLinePublic,
    ReceiptCreate,
    ReceiptPublic,
)

__all__ = [
    "cap_public",
    "contract_public",
    "fund_public",
    "order_public",
    "plan_line_public",
    "router",
]

M = TypeVar("M", bound=BaseModel)

router = APIRouter(tags=["contracts and funds"], responses=PROBLEM_RESPONSES)

CanRead = Annotated[Principal, Depends(Authorize(Permission.READ_LEDGER))]
CanSetup = Annotated[Principal, Depends(Authorize(Permission.MANAGE_SETUP))]
CanBuy = Annotated[Principal, Depends(Authorize(Permission.MANAGE_CONTRACTS))]
NumberPath = Annotated[str, Path(min_length=1, max_length=CODE_MAX_LEN, pattern=CODE_PATTERN)]


def fund_public(f: Fund) -> FundPublic:
    """The public view of a fund row."""
    return FundPublic(
        code=f.code,
        name=f.name,
        kind=f.kind,
        fy_first=f.fy_first,
        fy_last=f.fy_last,
        allowed_uses=[u for u in f.allowed_uses.split(",") if u],
        balance=float(f.balance),
        source=f.source,
    )


def cap_public(c: Cap) -> CapPublic:
    """The public view of a cap row."""
    return CapPublic(
        material=c.material,
        ceiling=float(c.ceiling),
        spent=float(c.spent),
        remaining=float(c.ceiling - c.spent),
        source=c.source,
    )


def plan_line_public(p: PlanLine) -> PlanLinePublic:
    """The public view of an Annual Materials Plan line."""
    return PlanLinePublic(
        fiscal_year=p.fiscal_year,
        material=p.material,
        unit=p.unit,
        max_acquisition=float(p.max_acquisition),
        acquired=float(p.acquired),
        max_disposal=float(p.max_disposal),
        disposed=float(p.disposed),
        source=p.source,
    )


def _names(session: Session) -> tuple[dict[int, str], dict[int, str]]:
    funds = {i: c for i, c in session.execute(select(Fund.id, Fund.code))}
    depots = {i: c for i, c in session.execute(select(Depot.id, Depot.code))}
    return funds, depots


def contract_public(c: Contract, funds: dict[int, str], depots: dict[int, str]) -> ContractPublic:
    """The public view of a contract row."""
    return ContractPublic(
        number=c.number,
        kind=c.kind,
        supplier=c.supplier,
        material=c.material,
        form=c.form,
        unit=c.unit,
        minimum_guarantee=float(c.minimum_guarantee),
        ceiling=float(c.ceiling),
        max_quantity=None if c.max_quantity is None else float(c.max_quantity),
        period_start=c.period_start,
        period_end=c.period_end,
        price_terms=c.price_terms,
        fund=funds.get(c.fund_id, "?"),
        depot=None if c.depot_id is None else depots.get(c.depot_id),
        status=c.status,
        spent=float(c.spent),
        received=float(c.received),
        source=c.source,
    )


def order_public(o: DeliveryOrder, c: Contract, depots: dict[int, str]) -> DeliveryOrderPublic:
    """The public view of a delivery order row."""
    return DeliveryOrderPublic(
        number=o.number,
        contract=c.number,
        material=c.material,
        quantity=float(o.quantity),
        unit=c.unit,
        value=float(o.value),
        due_date=o.due_date,
        depot=depots.get(o.depot_id, "?"),
        status=o.status,
        received=float(o.received),
    )


def _paged(
    session: Session,
    stmt: Select[Any],
    page: PageParams,
    convert: Callable[[Any], M],
) -> Paged[M]:
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(stmt.offset(page.offset).limit(page.limit))
    return Paged(
        items=[convert(r) for r in rows], total=total, offset=page.offset, limit=page.limit
    )


@router.get("/funds", response_model=Paged[FundPublic])
def list_funds(_: CanRead, session: DbSession, page: Page) -> Paged[FundPublic]:
    """Funds and their balances [USD]."""
    return _paged(session, select(Fund).order_by(Fund.code), page, fund_public)


@router.post("/funds", status_code=201, response_model=FundPublic)
def create_fund(
    request: Request,
    principal: CanSetup,
    session: DbSession,
    body: FundCreate,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Record an appropriation or fund (administrator); the amount is journalled."""

    def act() -> FundPublic:
        ledger_create_fund(
            session,
            code=body.code,
            name=body.name,
            amount=body.amount,
            actor=principal.username,
            kind=body.kind,
            fy_first=body.fy_first,
            fy_last=body.fy_last,
            allowed_uses=tuple(body.allowed_uses),
            source=body.source,
        )
        return fund_public(session.scalars(select(Fund).where(Fund.code == body.code)).one())

    return idempotent_write(
        request, session, principal=principal, key=idempotency_key, body=body, action=act
    )


@router.get("/caps", response_model=Paged[CapPublic])
def list_caps(_: CanRead, session: DbSession, page: Page) -> Paged[CapPublic]:
    """Per-material spending ceilings and what they have left [USD]."""
    return _paged(session, select(Cap).order_by(Cap.material), page, cap_public)


@router.post("/caps", status_code=201, response_model=CapPublic)
def create_cap(
    request: Request,
    principal: CanSetup,
    session: DbSession,
    body: CapCreate,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Set a per-material spending ceiling (administrator)."""

    def act() -> CapPublic:
        ledger_create_cap(
            session,
            material=body.material,
            ceiling=body.ceiling,
            actor=principal.username,
            source=body.source,
        )
        key = get_material(body.material).key
        return cap_public(session.scalars(select(Cap).where(Cap.material == key)).one())

    return idempotent_write(
        request, session, principal=principal, key=idempotency_key, body=body, action=act
    )


@router.post("/plan", status_code=201, response_model=PlanLinePublic)
def create_plan_line(
    request: Request,
    principal: CanSetup,
    session: DbSession,
    body: PlanLineCreate,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Set an Annual Materials Plan line for a material and fiscal year (administrator)."""

    def act() -> PlanLinePublic:
        set_plan_line(
            session,
            fiscal_year=body.fiscal_year,
            material=body.material,
            max_acquisition=body.max_acquisition,
            max_disposal=body.max_disposal,
            unit=body.unit,
            actor=principal.username,
            source=body.source,
        )
        session.expire_all()
        key = get_material(body.material).key
        row = session.scalars(
            select(PlanLine)
            .where(PlanLine.fiscal_year == body.fiscal_year)
            .where(PlanLine.material == key)
        ).one()
        return plan_line_public(row)

    return idempotent_write(
        request, session, principal=principal, key=idempotency_key, body=body, action=act
    )


@router.get("/plan", response_model=Paged[PlanLinePublic])
def list_plan(
    _: CanRead,
    session: DbSession,
    page: Page,
    fiscal_year: Annotated[int | None, Query(ge=1900, le=2200)] = None,
) -> Paged[PlanLinePublic]:
    """Annual Materials Plan lines (maximum acquisition and disposal per fiscal year)."""
    stmt = select(PlanLine).order_by(PlanLine.fiscal_year, PlanLine.material)
    if fiscal_year is not None:
        stmt = stmt.where(PlanLine.fiscal_year == fiscal_year)
    return _paged(session, stmt, page, plan_line_public)


def _contract(session: Session, number: str) -> Contract:
    row = session.scalars(select(Contract).where(Contract.number == number)).first()
    if row is None:
        raise NotFoundError(f"no contract {number!r}", field="path.number")
    return row


@router.get("/contracts", response_model=Paged[ContractPublic])
def list_contracts(
    _: CanRead,
    session: DbSession,
    page: Page,
    material: Annotated[str | None, Query(max_length=80)] = None,
) -> Paged[ContractPublic]:
    """Contracts with their ceilings, spending and receipts."""
    funds, depots = _names(session)
    stmt = select(Contract).order_by(Contract.number)
    if material is not None:
        stmt = stmt.where(Contract.material == material)
    return _paged(session, stmt, page, lambda c: contract_public(c, funds, depots))


@router.post("/contracts", status_code=201, response_model=ContractPublic)
def create_contract(
    request: Request,
    principal: CanBuy,
    session: DbSession,
    body: ContractCreate,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Record a purchase contract (contracting officer)."""

    def act() -> ContractPublic:
        ledger_create_contract(
            session,
            number=body.number,
            supplier=body.supplier,
            material=body.material,
            form=body.form,
            unit=body.unit,
            ceiling=body.ceiling,
            period_start=body.period_start,
            period_end=body.period_end,
            fund=body.fund,
            actor=principal.username,
            kind=body.kind,
            minimum_guarantee=body.minimum_guarantee,
            max_quantity=body.max_quantity,
            price_terms=body.price_terms,
            depot=body.depot,
            source=body.source,
        )
        funds, depots = _names(session)
        return contract_public(_contract(session, body.number), funds, depots)

    return idempotent_write(
        request, session, principal=principal, key=idempotency_key, body=body, action=act
    )


@router.get("/contracts/{number}", response_model=ContractPublic)
def get_contract(_: CanRead, session: DbSession, number: NumberPath) -> ContractPublic:
    """One contract."""
    funds, depots = _names(session)
    return contract_public(_contract(session, number), funds, depots)


@router.get("/delivery-orders", response_model=Paged[DeliveryOrderPublic])
def list_orders(
    _: CanRead,
    session: DbSession,
    page: Page,
    contract: Annotated[str | None, Query(max_length=80)] = None,
) -> Paged[DeliveryOrderPublic]:
    """Delivery orders, by due date."""
    _funds, depots = _names(session)
    contracts = {c.id: c for c in session.scalars(select(Contract))}
    stmt = select(DeliveryOrder).order_by(DeliveryOrder.due_date, DeliveryOrder.number)
    if contract is not None:
        stmt = stmt.join(Contract, Contract.id == DeliveryOrder.contract_id).where(
            Contract.number == contract
        )
    return _paged(
        session,
        stmt,
        page,
        lambda o: order_public(o, contracts[o.contract_id], depots),
    )


@router.post("/contracts/{number}/orders", status_code=201, response_model=DeliveryOrderPublic)
def create_order(
    request: Request,
    principal: CanBuy,
    session: DbSession,
    number: NumberPath,
    body: DeliveryOrderCreate,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Place a delivery order under a contract (contracting officer)."""

    def act() -> DeliveryOrderPublic:
        create_delivery_order(
            session,
            contract=number,
            number=body.number,
            quantity=body.quantity,
            value=body.value,
            due_date=body.due_date,
            actor=principal.username,
            depot=body.depot,
        )
        order = session.scalars(
            select(DeliveryOrder).where(DeliveryOrder.number == body.number)
        ).one()
        _, depots = _names(session)
        return order_public(order, _contract(session, number), depots)

    return idempotent_write(
        request, session, principal=principal, key=idempotency_key, body=body, action=act
    )


@router.post("/delivery-orders/{number}/receipts", status_code=201, response_model=ReceiptPublic)
def receive(
    request: Request,
    principal: CanBuy,
    session: DbSession,
    number: NumberPath,
    body: ReceiptCreate,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Receive a delivery: creates a lot, draws the fund, counts against cap and plan."""

    def act() -> ReceiptPublic:
        r = receive_delivery(
            session,
            order=number,
            actor=principal.username,
            quantity=body.quantity,
            lot_code=body.lot_code,
            grade=body.grade,
            basis=body.basis,
            origin_country=body.origin_country,
            condition=body.condition,
        )
        return ReceiptPublic(
            lot_code=r.lot_code,
            material=r.material,
            unit=r.unit,
            quantity=float(r.quantity),
            cost=float(r.cost),
            fiscal_year=r.fiscal_year,
            operation_id=r.operation_id,
        )

    return idempotent_write(
        request, session, principal=principal, key=idempotency_key, body=body, action=act
    )
