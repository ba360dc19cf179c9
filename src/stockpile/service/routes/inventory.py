"""Depots, lots and holdings; transfers and adjustments (writes through the ledger's API)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from stockpile.ledger.codes import CODE_MAX_LEN, CODE_PATTERN
from stockpile.ledger.models import Contract, Depot, Lot
from stockpile.ledger.movements import adjust, transfer
from stockpile.ledger.queries import holdings as ledger_holdings
from stockpile.ledger.setup import create_depot as ledger_create_depot
from stockpile.service.accounts import Principal
from stockpile.service.deps import Authorize, Ctx, DbSession, IdempotencyKey, Page
from stockpile.service.errors import PROBLEM_RESPONSES, NotFoundError
from stockpile.service.idempotency import idempotent_write
from stockpile.service.ledger_bridge import reference_book
from stockpile.service.permissions import Permission
from stockpile.service.readmodels import cached_read
from stockpile.service.schemas import Paged
from stockpile.service.schemas_ledger import (
    AdjustmentCreate,
    DepotCreate,
    DepotPublic,
    HoldingPublic,
    LotPublic,
    OperationDone,
    TransferCreate,
)

__all__ = ["depot_public", "holdings", "lot_public", "router"]

router = APIRouter(tags=["inventory"], responses=PROBLEM_RESPONSES)

CanRead = Annotated[Principal, Depends(Authorize(Permission.READ_LEDGER))]
CanSetup = Annotated[Principal, Depends(Authorize(Permission.MANAGE_SETUP))]
CanMove = Annotated[Principal, Depends(Authorize(Permission.MOVE_INVENTORY))]
CanAdjust = Annotated[Principal, Depends(Authorize(Permission.ADJUST_INVENTORY))]
CodePath = Annotated[str, Path(min_length=1, max_length=CODE_MAX_LEN, pattern=CODE_PATTERN)]


def depot_public(d: Depot) -> DepotPublic:
    """The public view of a depot row."""
    return DepotPublic(
        code=d.code,
        name=d.name,
        location=d.location,
        storage_capacity=None if d.storage_capacity is None else float(d.storage_capacity),
        monthly_release_capacity=None
        if d.monthly_release_capacity is None
        else float(d.monthly_release_capacity),
        capacity_unit=d.capacity_unit,
        illustrative=d.illustrative,
        source=d.source,
    )


def _codes(session: Session, model: type[Depot] | type[Contract]) -> dict[int, str]:
    col = model.code if model is Depot else Contract.number
    return {i: c for i, c in session.execute(select(model.id, col))}


def lot_public(lot: Lot, depots: dict[int, str], contracts: dict[int, str]) -> LotPublic:
    """The public view of a lot row."""
    return LotPublic(
        code=lot.code,
        material=lot.material,
        form=lot.form,
        grade=lot.grade,
        quantity=float(lot.quantity),
        original_quantity=float(lot.original_quantity),
        unit=lot.unit,
        basis=lot.basis,
        depot=depots.get(lot.depot_id, "?"),
        origin_country=lot.origin_country,
        supplier=lot.supplier,
        acquired_on=lot.acquired_on,
        acquisition_cost=float(lot.acquisition_cost),
        contract=None if lot.contract_id is None else contracts.get(lot.contract_id),
        condition=lot.condition,
        illustrative=lot.illustrative,
    )


def _opt(value: object) -> float | None:
    return None if value is None else float(value)  # type: ignore[arg-type]


def holdings(session: Session, *, material: str | None = None) -> list[HoldingPublic]:
    """Holdings by material, valued by the ledger at the bundled reference prices."""
    out = []
    for h in ledger_holdings(session, book=reference_book()):
        if material is not None and h.material != material:
            continue
        out.append(
            HoldingPublic(
                material=h.material,
                quantity=float(h.quantity),
                unit=h.unit,
                lots=h.lots,
                depots=list(h.depots),
                cost_basis=float(h.cost_basis),
                market_value=_opt(h.market_value),
                unrealised_gain=_opt(h.unrealised_gain),
                unvalued_lots=h.unvalued_lots,
                price_usd_per_kg=_opt(h.price_usd_per_kg),
                price_year=h.price_year,
                price_basis=h.price_basis,
                days_of_cover=_opt(h.days_of_cover),
                consumption_year=h.consumption_year,
                illustrative=h.illustrative,
                note=h.note,
            )
        )
    return out


@router.get("/depots", response_model=Paged[DepotPublic])
def list_depots(_: CanRead, session: DbSession, page: Page) -> Paged[DepotPublic]:
    """Depots ordered by code."""
    total = session.scalar(select(func.count()).select_from(Depot)) or 0
    rows = session.scalars(select(Depot).order_by(Depot.code).offset(page.offset).limit(page.limit))
    return Paged[DepotPublic](
        items=[depot_public(d) for d in rows], total=total, offset=page.offset, limit=page.limit
    )


@router.post("/depots", status_code=201, response_model=DepotPublic)
def create_depot(
    request: Request,
    principal: CanSetup,
    session: DbSession,
    body: DepotCreate,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Create a depot (administrator)."""

    def act() -> DepotPublic:
        ledger_create_depot(
            session,
            code=body.code,
            name=body.name,
            location=body.location,
            actor=principal.username,
            storage_capacity=body.storage_capacity,
            monthly_release_capacity=body.monthly_release_capacity,
            capacity_unit=body.capacity_unit,
            source=body.source,
        )
        row = session.scalars(select(Depot).where(Depot.code == body.code)).one()
        return depot_public(row)

    return idempotent_write(
        request,
        session,
        principal=principal,
        key=idempotency_key,
        body=body,
        action=act,
    )


@router.get("/lots", response_model=Paged[LotPublic])
def list_lots(
    _: CanRead,
    session: DbSession,
    page: Page,
    material: Annotated[str | None, Query(max_length=80)] = None,
    depot: Annotated[str | None, Query(max_length=80)] = None,
    include_empty: bool = False,
) -> Paged[LotPublic]:
    """Lots ordered by code, optionally of one material or depot."""
    stmt = select(Lot)
    if material is not None:
        stmt = stmt.where(Lot.material == material)
    if depot is not None:
        stmt = stmt.join(Depot, Depot.id == Lot.depot_id).where(Depot.code == depot)
    if not include_empty:
        stmt = stmt.where(Lot.quantity > 0)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(stmt.order_by(Lot.code).offset(page.offset).limit(page.limit))
    depots, contracts = _codes(session, Depot), _codes(session, Contract)
    return Paged[LotPublic](
        items=[lot_public(r, depots, contracts) for r in rows],
        total=total,
        offset=page.offset,
        limit=page.limit,
    )


@router.get("/lots/{code}", response_model=LotPublic)
def get_lot(_: CanRead, session: DbSession, code: CodePath) -> LotPublic:
    """One lot."""
    row = session.scalars(select(Lot).where(Lot.code == code)).first()
    if row is None:
        raise NotFoundError(f"no lot {code!r}", field="path.code")
    return lot_public(row, _codes(session, Depot), _codes(session, Contract))


@router.get("/holdings", response_model=list[HoldingPublic])
def list_holdings(
    request: Request,
    _: CanRead,
    ctx: Ctx,
    session: DbSession,
    material: Annotated[str | None, Query(max_length=80)] = None,
) -> Response:
    """Holdings by material: quantity, cost, market value [USD] and days of cover [day].

    Cached until the books change; the ``ETag`` allows conditional requests.
    """
    return cached_read(request, session, ctx.reads, lambda: holdings(session, material=material))


@router.post("/transfers", status_code=201, response_model=OperationDone)
def create_transfer(
    request: Request,
    principal: CanMove,
    session: DbSession,
    body: TransferCreate,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Move (part of) a lot to another depot."""

    def act() -> OperationDone:
        code = transfer(
            session,
            lot=body.lot,
            to_depot=body.to_depot,
            actor=principal.username,
            quantity=body.quantity,
            new_lot=body.new_lot,
        )
        return OperationDone(lot=code)

    return idempotent_write(
        request,
        session,
        principal=principal,
        key=idempotency_key,
        body=body,
        action=act,
    )


@router.post("/adjustments", status_code=201, response_model=OperationDone)
def create_adjustment(
    request: Request,
    principal: CanAdjust,
    session: DbSession,
    body: AdjustmentCreate,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Correct a lot's quantity after a count (auditor), with the reason."""

    def act() -> OperationDone:
        adjust(
            session, lot=body.lot, delta=body.delta, reason=body.reason, actor=principal.username
        )
        return OperationDone(lot=body.lot)

    return idempotent_write(
        request,
        session,
        principal=principal,
        key=idempotency_key,
        body=body,
        action=act,
    )
