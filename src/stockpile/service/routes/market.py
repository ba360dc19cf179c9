"""Market history: the hindcast of past export controls (the use case's document)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from stockpile.service.accounts import Principal
from stockpile.service.deps import Authorize
from stockpile.service.errors import PROBLEM_RESPONSES
from stockpile.service.permissions import Permission
from stockpile.usecases import HindcastReport, hindcast

__all__ = ["router"]

router = APIRouter(prefix="/market", tags=["market"], responses=PROBLEM_RESPONSES)

CanRead = Annotated[Principal, Depends(Authorize(Permission.READ_REFERENCE))]


@router.get("/hindcast", response_model=HindcastReport)
def hindcast_route(_: CanRead) -> HindcastReport:
    """Per episode: measure, observed price ratio (series, source, grade), the model's median
    and 80 % interval in-sample and leaving the episode out; the calibrated parameters (the
    document of ``stockpile market hindcast --json``)."""
    return hindcast()
