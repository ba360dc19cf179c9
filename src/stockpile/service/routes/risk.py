"""Risk indicators: the ranked risk table and one material's profile."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from stockpile.reference import Material
from stockpile.service.accounts import Principal
from stockpile.service.deps import Authorize
from stockpile.service.errors import PROBLEM_RESPONSES, InvalidFieldError
from stockpile.service.permissions import Permission
from stockpile.service.routes.materials import MaterialName, material_or_404
from stockpile.service.schemas import frame_records

__all__ = ["RiskProfilePublic", "RiskRowPublic", "risk_profile", "router"]

router = APIRouter(prefix="/risk", tags=["risk"], responses=PROBLEM_RESPONSES)

CanRead = Annotated[Principal, Depends(Authorize(Permission.READ_REFERENCE))]
Year = Annotated[int, Query(ge=2024, le=2025, description="Production and U.S. market year")]
Stage = Annotated[str | None, Query(pattern="^(mine|refinery)$")]


class RiskRowPublic(BaseModel):
    """One ranked row of the risk table: shares [fraction], HHI [0-10,000], HHI-WGI [0-10],
    NIR [%], world production [unit]."""

    rank: int
    material: str
    series: str | None
    stage: str | None
    unit: str | None
    world_production: float | None
    hhi: float | None
    top_producer: str | None
    top_share: float | None
    top3_share: float | None
    hhi_wgi: float | None
    nir_published: float | None
    nir_published_raw: str | None
    nir_computed: float | None
    nir_agreement: str | None
    china_import_share: float | None
    china_import_share_max: float | None
    import_category: str | None
    export_control_status: str | None
    export_control_measures: str | None
    risk_score: float | None
    flags: str | None
    source: str | None


class RiskProfilePublic(BaseModel):
    """Headline risk indicators of one material (see ``docs/risk.md`` for the methods)."""

    material: str
    year: int
    as_of: dt.date
    stage: str | None
    hhi: float | None
    top_producer: str | None
    top_share: float | None
    top3_share: float | None
    hhi_wgi: float | None
    nir_published_raw: str
    nir_computed: float | None
    export_control_status: str
    export_control_measures: list[str]
    usgs_disruption_potential: float | None
    usgs_trade_exposure: float | None
    usgs_supply_risk: float | None
    usgs_missing: list[str]
    risk_score: float | None
    flags: list[str]
    sources: list[str]


def _risk_error(exc: Exception) -> InvalidFieldError:
    return InvalidFieldError(str(exc), field="query.year")


@router.get("", response_model=list[RiskRowPublic])
def risk_table_route(_: CanRead, year: Year = 2024, stage: Stage = None) -> list[RiskRowPublic]:
    """All catalogue materials ranked by risk score."""
    from stockpile.risk import risk_table
    from stockpile.risk.errors import RiskError

    try:
        frame = risk_table(year=year, stage=stage)
    except RiskError as exc:
        raise _risk_error(exc) from None
    return [
        RiskRowPublic.model_validate(r)
        for r in frame_records(frame, list(RiskRowPublic.model_fields))
    ]


def _f(value: object) -> float | None:
    if value is None:
        return None
    v = float(value)  # type: ignore[arg-type]
    return None if v != v else v


@router.get("/{material}", response_model=RiskProfilePublic)
def risk_profile_route(
    _: CanRead, material: MaterialName, year: Year = 2024, stage: Stage = None
) -> RiskProfilePublic:
    """One material's concentration, governance, reliance and export-control exposure."""
    return risk_profile(material_or_404(material), year=year, stage=stage)


def risk_profile(m: Material, *, year: int = 2024, stage: str | None = None) -> RiskProfilePublic:
    """The risk profile of a catalogue material (422 naming ``query.year`` without data)."""
    from stockpile.risk import material_profile
    from stockpile.risk.errors import RiskError

    try:
        p = material_profile(m, year=year, stage=stage)
    except RiskError as exc:
        raise _risk_error(exc) from None
    h, u = p.headline, p.usgs_supply_risk
    return RiskProfilePublic(
        material=m.key,
        year=p.year,
        as_of=p.as_of,
        stage=None if h is None else h.stage,
        hhi=None if h is None else _f(h.hhi),
        top_producer=None if h is None else h.top_producer,
        top_share=None if h is None else _f(h.top_share),
        top3_share=None if h is None else _f(h.top3_share),
        hhi_wgi=None if p.governance is None else _f(p.governance.value),
        nir_published_raw="" if p.nir is None else p.nir.published.raw,
        nir_computed=None if p.nir is None else _f(p.nir.computed),
        export_control_status=p.export_controls.status.value,
        export_control_measures=[x.measure_id for x in p.export_controls.measures],
        usgs_disruption_potential=None if u is None else _f(u.disruption_potential),
        usgs_trade_exposure=None if u is None else _f(u.trade_exposure),
        usgs_supply_risk=None if u is None else _f(u.supply_risk),
        usgs_missing=[] if u is None else [f"{c.component}: {c.reason}" for c in u.missing],
        risk_score=_f(p.risk_score),
        flags=list(p.flags),
        sources=list(p.sources),
    )
