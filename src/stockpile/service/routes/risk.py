"""Risk indicators: the ranked risk table and one material's profile (use cases' documents)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from stockpile.reference import Material
from stockpile.risk import RiskError
from stockpile.service.accounts import Principal
from stockpile.service.deps import Authorize
from stockpile.service.errors import PROBLEM_RESPONSES, InvalidFieldError
from stockpile.service.permissions import Permission
from stockpile.service.routes.materials import MaterialName, material_or_404
from stockpile.usecases import MaterialRiskReport, RiskTableReport, material_risk, risk_ranking

__all__ = ["risk_profile", "router"]

router = APIRouter(prefix="/risk", tags=["risk"], responses=PROBLEM_RESPONSES)

CanRead = Annotated[Principal, Depends(Authorize(Permission.READ_REFERENCE))]
Year = Annotated[int, Query(ge=2024, le=2025, description="Production and U.S. market year")]
Stage = Annotated[str | None, Query(pattern="^(mine|refinery|refined)$")]
AsOf = Annotated[
    dt.date | None,
    Query(description="Date of the export-control status (default: 31 December of the year)"),
]


def _risk_error(exc: Exception) -> InvalidFieldError:
    return InvalidFieldError(str(exc), field="query.year")


@router.get("", response_model=RiskTableReport)
def risk_table_route(
    _: CanRead, year: Year = 2024, stage: Stage = None, as_of: AsOf = None
) -> RiskTableReport:
    """All catalogue materials ranked by risk score (the document of ``stockpile risk --json``)."""
    try:
        return risk_ranking(year=year, stage=stage, as_of=as_of)
    except RiskError as exc:
        raise _risk_error(exc) from None


@router.get("/{material}", response_model=MaterialRiskReport)
def risk_profile_route(
    _: CanRead, material: MaterialName, year: Year = 2024, stage: Stage = None, as_of: AsOf = None
) -> MaterialRiskReport:
    """One material's concentration, governance, reliance and export-control exposure
    (the document of ``stockpile material NAME --json``)."""
    return risk_profile(material_or_404(material), year=year, stage=stage, as_of=as_of)


def risk_profile(
    m: Material, *, year: int = 2024, stage: str | None = None, as_of: dt.date | None = None
) -> MaterialRiskReport:
    """The risk profile of a catalogue material (422 naming ``query.year`` without data)."""
    try:
        return material_risk(m, year=year, stage=stage, as_of=as_of)
    except RiskError as exc:
        raise _risk_error(exc) from None
