"""Releases: request, approval by a different release authority, execution; the regime."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from stockpile.ledger.governance import get_regime
from stockpile.ledger.models import LedgerSettings, ReleaseReport, ReleaseRequest
from stockpile.ledger.releases import approve_release, execute_release, request_release
from stockpile.service.accounts import Principal
from stockpile.service.deps import Authorize, DbSession, IdempotencyKey, Page
from stockpile.service.errors import PROBLEM_RESPONSES, NotFoundError
from stockpile.service.idempotency import idempotent_write
from stockpile.service.permissions import Permission
from stockpile.service.schemas import Paged
from stockpile.service.schemas_ledger import (
    DrawPublic,
    ReleaseCreate,
    ReleaseExecutionPublic,
    ReleasePublic,
)

__all__ = ["RegimePublic", "regime_public", "release_public", "router"]

router = APIRouter(tags=["releases"], responses=PROBLEM_RESPONSES)

CanRead = Annotated[Principal, Depends(Authorize(Permission.READ_LEDGER))]
CanRequest = Annotated[Principal, Depends(Authorize(Permission.REQUEST_RELEASE))]
CanApprove = Annotated[Principal, Depends(Authorize(Permission.APPROVE_RELEASE))]
CanExecute = Annotated[Principal, Depends(Authorize(Permission.EXECUTE_RELEASE))]
ReleaseId = Annotated[int, Path(ge=1, le=2**31 - 1)]


class RegimePublic(BaseModel):
    """The stockpile's governance regime and its release rules."""

    key: str
    name: str
    stockpile_name: str
    purposes: list[str]
    forbidden_purposes: list[str]
    bases: dict[str, list[str]]
    emergency_only_bases: list[str]
    report_to: str
    lead_time_days: int | None
    emergency_lead_time_days: int | None
    target_days: int | None
    source: str
    notes: list[str]


def regime_public(session: Session) -> RegimePublic:
    """The regime configured in the ledger, with the bases and purposes it accepts."""
    settings = session.get(LedgerSettings, 1)
    if settings is None:
        raise NotFoundError("the ledger is not set up (run `stockpile db upgrade`)", field="regime")
    regime = get_regime(settings.regime)
    return RegimePublic(
        key=regime.key,
        name=regime.name,
        stockpile_name=settings.stockpile_name,
        purposes=sorted(p.value for p in regime.purposes),
        forbidden_purposes=sorted(p.value for p in regime.forbidden_purposes),
        bases={b.value: sorted(p.value for p in ps) for b, ps in regime.bases.items()},
        emergency_only_bases=sorted(b.value for b in regime.emergency_only_bases),
        report_to=regime.report_to,
        lead_time_days=regime.lead_time_days,
        emergency_lead_time_days=regime.emergency_lead_time_days,
        target_days=regime.target_days,
        source=regime.source,
        notes=list(regime.notes),
    )


def release_public(r: ReleaseRequest, report: str | None = None) -> ReleasePublic:
    """The public view of a release row."""
    return ReleasePublic(
        id=r.id,
        material=r.material,
        quantity=float(r.quantity),
        unit=r.unit,
        recipient=r.recipient,
        purpose=r.purpose,
        legal_basis=r.legal_basis,
        emergency=r.emergency,
        regime=r.regime,
        status=r.status,
        requested_by=r.requested_by,
        requested_at=r.requested_at,
        approved_by=r.approved_by,
        approved_at=r.approved_at,
        due_by=r.due_by,
        executed_by=r.executed_by,
        executed_at=r.executed_at,
        report=report,
    )


def _report(session: Session, release_id: int) -> str | None:
    row = session.scalars(
        select(ReleaseReport).where(ReleaseReport.release_id == release_id)
    ).first()
    return None if row is None else f"{row.addressee}: {row.body}"


def _release(session: Session, release_id: int) -> ReleasePublic:
    session.expire_all()
    row = session.get(ReleaseRequest, release_id)
    if row is None:
        raise NotFoundError(f"no release {release_id}", field="path.release_id")
    return release_public(row, _report(session, release_id))


@router.get("/regime", response_model=RegimePublic)
def get_regime_route(_: CanRead, session: DbSession) -> RegimePublic:
    """The governance regime: which legal bases allow which purposes."""
    return regime_public(session)


@router.get("/releases", response_model=Paged[ReleasePublic])
def list_releases(
    _: CanRead,
    session: DbSession,
    page: Page,
    status: Annotated[str | None, Query(max_length=32)] = None,
) -> Paged[ReleasePublic]:
    """Releases, newest first."""
    stmt = select(ReleaseRequest)
    if status is not None:
        stmt = stmt.where(ReleaseRequest.status == status)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(
        stmt.order_by(ReleaseRequest.id.desc()).offset(page.offset).limit(page.limit)
    )
    return Paged[ReleasePublic](
        items=[release_public(r, _report(session, r.id)) for r in rows],
        total=total,
        offset=page.offset,
        limit=page.limit,
    )


@router.get("/releases/{release_id}", response_model=ReleasePublic)
def get_release(_: CanRead, session: DbSession, release_id: ReleaseId) -> ReleasePublic:
    """One release."""
    return _release(session, release_id)


@router.post("/releases", status_code=201, response_model=ReleasePublic)
def create_release(
    request: Request,
    principal: CanRequest,
    session: DbSession,
    body: ReleaseCreate,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Request a release; the regime must accept the legal basis and the purpose."""

    def act() -> ReleasePublic:
        rid = request_release(
            session,
            material=body.material,
            quantity=body.quantity,
            unit=body.unit,
            recipient=body.recipient,
            purpose=body.purpose,
            legal_basis=body.legal_basis,
            actor=principal.username,
            emergency=body.emergency,
            lots=tuple(body.lots),
        )
        return _release(session, rid)

    return idempotent_write(
        request,
        session,
        principal=principal,
        key=idempotency_key,
        body=body,
        action=act,
    )


@router.post("/releases/{release_id}/approve", response_model=ReleasePublic)
def approve(
    request: Request,
    principal: CanApprove,
    session: DbSession,
    release_id: ReleaseId,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Approve a requested release; the approver must not be the requester (403)."""

    def act() -> ReleasePublic:
        approve_release(session, release_id=release_id, actor=principal.username)
        return _release(session, release_id)

    return idempotent_write(
        request,
        session,
        principal=principal,
        key=idempotency_key,
        body=None,
        action=act,
        status_code=200,
    )


@router.post("/releases/{release_id}/execute", response_model=ReleaseExecutionPublic)
def execute(
    request: Request,
    principal: CanExecute,
    session: DbSession,
    release_id: ReleaseId,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Execute an approved release: draw lots (FIFO or as chosen) within depot capacity."""

    def act() -> ReleaseExecutionPublic:
        done = execute_release(session, release_id=release_id, actor=principal.username)
        draws = [
            DrawPublic(lot_code=d.lot_code, depot=d.depot, quantity=float(d.quantity), unit=d.unit)
            for d in done.draws
        ]
        return ReleaseExecutionPublic(release=_release(session, release_id), draws=draws)

    return idempotent_write(
        request,
        session,
        principal=principal,
        key=idempotency_key,
        body=None,
        action=act,
        status_code=200,
    )
