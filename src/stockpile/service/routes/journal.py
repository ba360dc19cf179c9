"""The journal (append-only, hash-chained) and its verification."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from stockpile.ledger.journal import verify_journal
from stockpile.ledger.models import JournalEntry
from stockpile.service.accounts import Principal
from stockpile.service.deps import Authorize, Ctx, DbSession, Page, PageParams
from stockpile.service.errors import PROBLEM_RESPONSES
from stockpile.service.permissions import Permission
from stockpile.service.readmodels import cached_read
from stockpile.service.schemas import Paged
from stockpile.service.schemas_ledger import JournalEntryPublic, VerifyPublic

__all__ = ["entry_public", "journal_page", "router", "verify"]

router = APIRouter(prefix="/journal", tags=["journal"], responses=PROBLEM_RESPONSES)

CanRead = Annotated[Principal, Depends(Authorize(Permission.READ_JOURNAL))]


_MONEY_ACCOUNTS = frozenset({"fund", "cap", "contract"})


def entry_public(e: JournalEntry) -> JournalEntryPublic:
    """The public view of a journal entry (money accounts in cents, others in 10**-6 unit)."""
    scale = 100 if e.account_type in _MONEY_ACCOUNTS else 1_000_000
    return JournalEntryPublic(
        seq=e.seq,
        operation_id=e.operation_id,
        at=e.at,
        actor=e.actor,
        op_kind=e.op_kind,
        account_type=e.account_type,
        account_id=e.account_id,
        material=e.material,
        amount=e.amount,
        value=e.amount / scale,
        unit=e.unit,
        memo=e.memo,
        prev_hash=e.prev_hash,
        hash=e.hash,
    )


def journal_page(
    session: Session,
    *,
    page: PageParams,
    q: str | None = None,
    actor: str | None = None,
    material: str | None = None,
) -> Paged[JournalEntryPublic]:
    """Entries newest first, filtered by actor, material or a text found in memo or kind."""
    stmt = select(JournalEntry)
    if actor:
        stmt = stmt.where(JournalEntry.actor == actor)
    if material:
        stmt = stmt.where(JournalEntry.material == material)
    if q:
        like = f"%{q}%"
        stmt = stmt.where(
            or_(
                JournalEntry.memo.ilike(like),
                JournalEntry.op_kind.ilike(like),
                JournalEntry.material.ilike(like),
                JournalEntry.actor.ilike(like),
            )
        )
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(
        stmt.order_by(JournalEntry.seq.desc()).offset(page.offset).limit(page.limit)
    )
    return Paged[JournalEntryPublic](
        items=[entry_public(e) for e in rows], total=total, offset=page.offset, limit=page.limit
    )


def verify(session: Session) -> VerifyPublic:
    """Recompute the hash chain and every balance (the ledger's verification)."""
    report = verify_journal(session)
    return VerifyPublic(
        status=report.status.value,
        ok=report.ok,
        entries=report.entries,
        first_broken_seq=report.first_broken_seq,
        problems=list(report.problems),
    )


@router.get("", response_model=Paged[JournalEntryPublic])
def list_entries(
    request: Request,
    _: CanRead,
    ctx: Ctx,
    session: DbSession,
    page: Page,
    q: Annotated[str | None, Query(max_length=200, description="Text in memo/kind")] = None,
    actor: Annotated[str | None, Query(max_length=120)] = None,
    material: Annotated[str | None, Query(max_length=80)] = None,
) -> Response:
    """Journal entries, newest first (cached until the books change; ``ETag`` given)."""
    return cached_read(
        request,
        session,
        ctx.reads,
        lambda: journal_page(session, page=page, q=q, actor=actor, material=material),
    )


@router.get("/verify", response_model=VerifyPublic)
def verify_route(_: CanRead, session: DbSession) -> VerifyPublic:
    """Recompute the hash chain and the balances; name the first broken entry."""
    return verify(session)
