"""Conversions, disposals (with authorisations by law), loans and their return."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy import select

from stockpile.ledger.models import DisposalAuthorisation
from stockpile.ledger.movements import convert, dispose, lend, return_loan
from stockpile.ledger.setup import record_disposal_authorisation
from stockpile.service.accounts import Principal
from stockpile.service.deps import Authorize, DbSession, IdempotencyKey
from stockpile.service.errors import PROBLEM_RESPONSES
from stockpile.service.idempotency import idempotent_write
from stockpile.service.permissions import Permission
from stockpile.service.schemas_ledger import (
    Code,
    Money,
    OperationDone,
    PlainDecimal,
    PositiveQty,
    UnitName,
)

__all__ = [
    "ConversionCreate",
    "DisposalAuthorisationCreate",
    "DisposalAuthorisationPublic",
    "DisposalCreate",
    "LoanCreate",
    "LoanPublic",
    "LoanReturn",
    "router",
]

router = APIRouter(tags=["inventory"], responses=PROBLEM_RESPONSES)

CanMove = Annotated[Principal, Depends(Authorize(Permission.MOVE_INVENTORY))]
CanSetup = Annotated[Principal, Depends(Authorize(Permission.MANAGE_SETUP))]
LoanId = Annotated[int, Path(ge=1, le=2**31 - 1)]


class ConversionCreate(BaseModel):
    """Convert (upgrade) part of a lot into another material or form with a yield."""

    lot: Code
    quantity: PositiveQty
    output_material: str = Field(min_length=1, max_length=80)
    output_form: str = Field(min_length=1, max_length=80)
    output_unit: UnitName
    yield_fraction: Annotated[PlainDecimal, Field(gt=0, le=1, max_digits=12)]
    output_basis: str = Field(default="", max_length=80)
    new_lot: Code | None = None
    to_depot: Code | None = None


class DisposalCreate(BaseModel):
    """Sell part of a lot; proceeds [USD] go to the Transaction Fund (or ``fund``)."""

    lot: Code
    quantity: PositiveQty
    proceeds: Money
    buyer: str = Field(min_length=1, max_length=200)
    authorisation: str | None = Field(default=None, max_length=200)
    fund: Code | None = None


class DisposalAuthorisationCreate(BaseModel):
    """An authorisation by law to dispose of up to ``max_quantity`` [unit] of a material."""

    reference: str = Field(min_length=1, max_length=200)
    material: str = Field(min_length=1, max_length=80)
    max_quantity: PositiveQty
    unit: UnitName
    notified_on: dt.date


class LoanCreate(BaseModel):
    """Lend part of a lot, to be returned by ``return_due``."""

    lot: Code
    quantity: PositiveQty
    borrower: str = Field(min_length=1, max_length=200)
    return_due: dt.date


class DisposalAuthorisationPublic(BaseModel):
    """A recorded authorisation by law [unit]; disposals may start on ``effective_on``."""

    reference: str
    material: str
    max_quantity: float
    unit: str
    notified_on: dt.date
    effective_on: dt.date
    used: float


class LoanPublic(BaseModel):
    """A loan recorded by the ledger."""

    loan_id: int


class LoanReturn(BaseModel):
    """Return (part of) a loan; everything outstanding if no quantity."""

    quantity: PositiveQty | None = None


@router.post("/conversions", status_code=201, response_model=OperationDone)
def create_conversion(
    request: Request,
    principal: CanMove,
    session: DbSession,
    body: ConversionCreate,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Convert part of a lot (e.g. ore to metal) with a yield; returns the new lot."""

    def act() -> OperationDone:
        code = convert(
            session,
            lot=body.lot,
            quantity=body.quantity,
            output_material=body.output_material,
            output_form=body.output_form,
            output_unit=body.output_unit,
            yield_fraction=body.yield_fraction,
            actor=principal.username,
            output_basis=body.output_basis,
            new_lot=body.new_lot,
            to_depot=body.to_depot,
        )
        return OperationDone(lot=code)

    return idempotent_write(
        request, session, principal=principal, key=idempotency_key, body=body, action=act
    )


@router.post("/disposals", status_code=201, response_model=OperationDone)
def create_disposal(
    request: Request,
    principal: CanMove,
    session: DbSession,
    body: DisposalCreate,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Dispose of part of a lot (under ``us-nds``: an authorisation by law is required)."""

    def act() -> OperationDone:
        dispose(
            session,
            lot=body.lot,
            quantity=body.quantity,
            proceeds=body.proceeds,
            buyer=body.buyer,
            actor=principal.username,
            authorisation=body.authorisation,
            fund=body.fund,
        )
        return OperationDone(lot=body.lot)

    return idempotent_write(
        request, session, principal=principal, key=idempotency_key, body=body, action=act
    )


@router.post(
    "/disposal-authorisations", status_code=201, response_model=DisposalAuthorisationPublic
)
def create_disposal_authorisation(
    request: Request,
    principal: CanSetup,
    session: DbSession,
    body: DisposalAuthorisationCreate,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Record an authorisation by law (the regime's notice period runs from ``notified_on``)."""

    def act() -> DisposalAuthorisationPublic:
        record_disposal_authorisation(
            session,
            reference=body.reference,
            material=body.material,
            max_quantity=body.max_quantity,
            unit=body.unit,
            notified_on=body.notified_on,
            actor=principal.username,
        )
        row = session.scalars(
            select(DisposalAuthorisation).where(DisposalAuthorisation.reference == body.reference)
        ).one()
        return DisposalAuthorisationPublic(
            reference=row.reference,
            material=row.material,
            max_quantity=float(row.max_quantity),
            unit=row.unit,
            notified_on=row.notified_on,
            effective_on=row.effective_on,
            used=float(row.used),
        )

    return idempotent_write(
        request, session, principal=principal, key=idempotency_key, body=body, action=act
    )


@router.post("/loans", status_code=201, response_model=LoanPublic)
def create_loan(
    request: Request,
    principal: CanMove,
    session: DbSession,
    body: LoanCreate,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Lend part of a lot with a return date."""

    def act() -> LoanPublic:
        loan_id = lend(
            session,
            lot=body.lot,
            quantity=body.quantity,
            borrower=body.borrower,
            return_due=body.return_due,
            actor=principal.username,
        )
        return LoanPublic(loan_id=loan_id)

    return idempotent_write(
        request, session, principal=principal, key=idempotency_key, body=body, action=act
    )


@router.post("/loans/{loan_id}/returns", status_code=201, response_model=LoanPublic)
def create_loan_return(
    request: Request,
    principal: CanMove,
    session: DbSession,
    loan_id: LoanId,
    body: LoanReturn,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Return (part of) a loan into its lot."""

    def act() -> LoanPublic:
        return_loan(session, loan_id=loan_id, actor=principal.username, quantity=body.quantity)
        return LoanPublic(loan_id=loan_id)

    return idempotent_write(
        request, session, principal=principal, key=idempotency_key, body=body, action=act
    )
