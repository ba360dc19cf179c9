"""Risk profiles: the ranked table of every material and the profile of one material."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from pydantic import BaseModel, ConfigDict

from stockpile.reference import Material
from stockpile.risk import MaterialProfile, material_profile, risk_table

__all__ = [
    "RISK_TABLE_UNITS",
    "MaterialRiskReport",
    "RiskRow",
    "RiskTableReport",
    "material_risk",
    "risk_ranking",
]

RISK_TABLE_UNITS: dict[str, str] = {
    "world_production": "unit column (as USGS prints it)",
    "hhi": "0-10,000",
    "top_share": "fraction",
    "top3_share": "fraction",
    "hhi_wgi": "0-10",
    "nir_published": "%",
    "nir_computed": "%",
    "china_import_share": "fraction",
    "china_import_share_max": "fraction",
    "risk_score": "0-1",
    "bottleneck_hhi": "0-10,000",
    "bottleneck_hhi_wgi": "0-10",
    "refined_hhi": "0-10,000",
    "refined_top_share": "fraction",
}


def _f(value: Any) -> float | None:
    if value is None:
        return None
    v = float(value)
    return v if math.isfinite(v) else None


class RiskRow(BaseModel):
    """One ranked row of the risk table, every column of :func:`stockpile.risk.risk_table`
    (units in :data:`RISK_TABLE_UNITS`; see ``docs/risk.md`` for the stage columns)."""

    model_config = ConfigDict(frozen=True)

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
    bottleneck_stage: str | None = None
    bottleneck_hhi: float | None = None
    bottleneck_hhi_wgi: float | None = None
    bottleneck_source: str | None = None
    refined_hhi: float | None = None
    refined_top_producer: str | None = None
    refined_top_share: float | None = None
    refined_source: str | None = None
    eu_supply_risk: float | None = None
    eu_supply_risk_missing: str | None = None
    geopolrisk_us: float | None = None


class RiskTableReport(BaseModel):
    """Every catalogue material ranked by risk score, with the year and the date of the
    export-control status."""

    model_config = ConfigDict(frozen=True)

    year: int
    stage: str | None
    as_of: dt.date
    ranking: str
    units: dict[str, str]
    materials: list[RiskRow]


def _cell(value: Any) -> Any:
    if value is None:
        return None
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def risk_ranking(
    *, year: int = 2024, stage: str | None = None, as_of: dt.date | None = None
) -> RiskTableReport:
    """The ranked risk table (production and U.S. market ``year``; export controls on
    ``as_of``, default 31 December of ``year``)."""
    frame = risk_table(year=year, stage=stage, as_of=as_of)
    fields = list(RiskRow.model_fields)
    rows = [
        RiskRow.model_validate({k: _cell(v) for k, v in zip(fields, rec, strict=True)})
        for rec in frame[fields].itertuples(index=False, name=None)
    ]
    return RiskTableReport(
        year=year,
        stage=stage,
        as_of=as_of or dt.date(year, 12, 31),
        ranking="risk_score = HHI/10,000 x NIR/100 (see docs/risk.md)",
        units=RISK_TABLE_UNITS,
        materials=rows,
    )


class MaterialRiskReport(BaseModel):
    """One material's risk: the headline indicators, then the whole profile.

    Headline: HHI [0-10,000] and shares [fraction] of the headline production series, HHI-WGI
    [0-10], NIR [%], the USGS 2021 index components, the ranking score [0-1], the bottleneck
    stage (highest WGI-weighted concentration) and the U.S. GeoPolRisk [0-1]; every stage is
    in ``profile.stages``.
    """

    model_config = ConfigDict(frozen=True)

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
    bottleneck_stage: str | None = None
    geopolrisk_us: float | None = None
    profile: MaterialProfile

    @classmethod
    def of(cls, p: MaterialProfile) -> MaterialRiskReport:
        """From the risk package's :class:`~stockpile.risk.MaterialProfile`."""
        h, u = p.headline, p.usgs_supply_risk
        return cls(
            material=p.material.key,
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
            bottleneck_stage=None if p.bottleneck is None else p.bottleneck.stage.value,
            geopolrisk_us=None if p.geopolrisk_us is None else _f(p.geopolrisk_us.value),
            profile=p,
        )


def material_risk(
    material: str | Material,
    *,
    year: int = 2024,
    stage: str | None = None,
    as_of: dt.date | None = None,
) -> MaterialRiskReport:
    """The risk profile of one material (name, symbol or alias)."""
    return MaterialRiskReport.of(material_profile(material, year=year, stage=stage, as_of=as_of))
