"""The risk picture: one profile per material and the ranked table of all materials.

This module is the orchestrator: it loads the bundled reference tables through
:mod:`stockpile.reference` and hands plain DataFrames to the pure functions of the other risk
modules.

Choices
-------
* Stage: with ``stage=None`` the production series with the highest HHI among the material's
  series for the year is shown (the EU method likewise keeps the more concentrated of
  extraction and processing); ``stage="mine"`` or ``"refinery"`` restricts to that kind.
  The ``series`` column names the production series shown (titanium mineral concentrates
  have ilmenite and rutile series; the rutile series is the more concentrated).
* World production: the USGS published (rounded) world total of the series, or the sum of the
  country rows when USGS prints none.
* Ranking key: ``risk_score = (HHI / 10,000) * (NIR / 100)`` [0-1], with NIR the published
  number, 0 for a net exporter ("E"), the bound for ">x" (so the score is a lower bound,
  flagged), or the computed balance NIR when USGS prints no number. Materials without a score
  are ranked after the others, by HHI and then by name.
* Export-control status: as of ``as_of``, by default 31 December of ``year``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from enum import Enum
from typing import Any

import pandas as pd

from stockpile.reference import (
    Material,
    NoDataError,
    catalogue,
    get_material,
    load_eu_crm_shares,
    load_export_control_materials,
    load_export_controls,
    load_import_sources,
    load_production,
    load_stage_ownership,
    load_us_market,
    load_wgi,
)
from stockpile.reference.usitc import load_usitc_trade, partner_shares
from stockpile.risk.concentration import (
    Concentration,
    DataFlag,
    OtherCountries,
    StageKind,
    production_concentration,
    stage_kind,
)
from stockpile.risk.controls import ControlExposure, export_control_exposure
from stockpile.risk.errors import NoRiskDataError, RiskInputError
from stockpile.risk.eu import EuScope, EuStage, eu_hhi_wgi
from stockpile.risk.exposure import (
    ImportConcentration,
    SupplierExposure,
    headline_import_category,
    import_source_concentration,
    usgs_supplier_exposure,
    usitc_supplier_exposure,
)
from stockpile.risk.geopolrisk import GeoPolRisk, geopolrisk_from_shares, political_instability
from stockpile.risk.governance import (
    WGI_YEAR,
    GovernanceConcentration,
    governance_scores,
    governance_weighted_concentration,
)
from stockpile.risk.reliance import (
    NetImportReliance,
    NirAgreement,
    NirSymbol,
    us_net_import_reliance,
)
from stockpile.risk.stages import StageRisk, bottleneck, stage_risks
from stockpile.risk.usgs import UsgsSupplyRisk, usgs_supply_risk

__all__ = [
    "RISK_TABLE_COLUMNS",
    "EuConcentration",
    "MaterialProfile",
    "material_profile",
    "risk_table",
]

RISK_TABLE_COLUMNS: tuple[str, ...] = (
    "rank",
    "material",
    "series",
    "stage",
    "unit",
    "world_production",
    "hhi",
    "top_producer",
    "top_share",
    "top3_share",
    "hhi_wgi",
    "nir_published",
    "nir_published_raw",
    "nir_computed",
    "nir_agreement",
    "china_import_share",
    "china_import_share_max",
    "import_category",
    "export_control_status",
    "export_control_measures",
    "risk_score",
    "flags",
    "source",
    "bottleneck_stage",
    "bottleneck_hhi",
    "bottleneck_hhi_wgi",
    "bottleneck_source",
    "refined_hhi",
    "refined_top_producer",
    "refined_top_share",
    "refined_source",
    "eu_supply_risk",
    "eu_supply_risk_missing",
    "geopolrisk_us",
)
"""Columns of :func:`risk_table`, in order."""

SUPPLIER = "China"
USGS_SOURCE = "USGS_MCS2026_DR"
WGI_SOURCE = "WB_WGI_2024"
CONTROLS_SOURCE = "WEB_PAGES"
USITC_SOURCE = "USITC_DATAWEB"


@dataclass(frozen=True)
class EuConcentration:
    """HHI_WGI,t from the EU CRM 2023 shares for one stage and scope.

    Attributes
    ----------
    stage : EuStage
        Extraction or processing.
    scope : EuScope
        Global supply or EU sourcing.
    result : GovernanceConcentration
        The value and its coverage.
    """

    stage: EuStage
    scope: EuScope
    result: GovernanceConcentration


@dataclass(frozen=True)
class MaterialProfile:
    """Everything the risk picture says about one material.

    Attributes
    ----------
    material : Material
        Catalogue record.
    year : int
        Production and U.S. market year.
    as_of : datetime.date
        Date of the export-control status.
    concentrations : tuple of Concentration
        Every production series of the material for the year.
    headline : Concentration or None
        The series shown in the table (see the module docstring).
    governance : GovernanceConcentration or None
        HHI_WGI of the headline series [0-10].
    eu : tuple of EuConcentration
        HHI_WGI,t from the EU 2023 shares (empty for materials the EU table does not cover).
    nir : NetImportReliance or None
        U.S. net import reliance, published and computed.
    import_concentration : ImportConcentration or None
        HHI of U.S. import sources (headline category).
    supplier_exposure : SupplierExposure or None
        Share of U.S. imports from China (USGS, headline category).
    usitc_exposure : tuple of SupplierExposure
        Share of U.S. imports from China by value among the 18 USITC DataWeb partners, one per
        HTS4 heading specific to the material, for ``year`` (empty when none).
    export_controls : ControlExposure
        Export-control exposure on ``as_of``.
    usgs_supply_risk : UsgsSupplyRisk
        Components of the USGS 2021 index.
    risk_score : float or None
        Ranking key (HHI/10,000 x NIR/100) [0-1].
    stages : tuple of StageRisk
        Every stage of the material's chain, upstream first (unknown stages included).
    bottleneck : StageRisk or None
        The stage with the highest governance-weighted concentration.
    geopolrisk_us : GeoPolRisk or None
        GeoPolRisk of U.S. imports at the bottleneck stage's concentration.
    flags : tuple of str
        Data-quality notes.
    sources : tuple of str
        Source identifiers (see :func:`stockpile.reference.load_sources`).
    """

    material: Material
    year: int
    as_of: dt.date
    concentrations: tuple[Concentration, ...]
    headline: Concentration | None
    governance: GovernanceConcentration | None
    eu: tuple[EuConcentration, ...]
    nir: NetImportReliance | None
    import_concentration: ImportConcentration | None
    supplier_exposure: SupplierExposure | None
    usitc_exposure: tuple[SupplierExposure, ...]
    export_controls: ControlExposure
    usgs_supply_risk: UsgsSupplyRisk
    risk_score: float | None
    stages: tuple[StageRisk, ...]
    bottleneck: StageRisk | None
    geopolrisk_us: GeoPolRisk | None
    flags: tuple[str, ...]
    sources: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        """The profile as JSON-ready built-in types (enums as values, dates as ISO text)."""
        out = _plain(self)
        if not isinstance(out, dict):
            raise TypeError(f"a risk profile converts to a dict, got {type(out).__name__}")
        return out


def _plain(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Material):
        return {
            "key": value.key,
            "name": value.name,
            "symbol": value.symbol,
            "unit": value.unit,
            "basis": value.basis,
            "mcs_chapter": value.mcs_chapter,
        }
    if hasattr(value, "__dataclass_fields__"):
        return {f: _plain(getattr(value, f)) for f in value.__dataclass_fields__}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


@dataclass(frozen=True)
class _Tables:
    production: pd.DataFrame
    us_market: pd.DataFrame
    imports: pd.DataFrame
    controls: pd.DataFrame
    control_materials: pd.DataFrame
    eu_shares: pd.DataFrame
    scores: pd.DataFrame
    instability: pd.Series
    ownership: pd.DataFrame
    usitc: pd.DataFrame | None


def _load_tables() -> _Tables:
    return _Tables(
        production=load_production(),
        us_market=load_us_market(),
        imports=load_import_sources(),
        controls=load_export_controls(),
        control_materials=load_export_control_materials(),
        eu_shares=load_eu_crm_shares(),
        scores=governance_scores(load_wgi(), year=WGI_YEAR),
        instability=political_instability(load_wgi(), year=WGI_YEAR),
        ownership=load_stage_ownership(),
        usitc=None,
    )


def _with_usitc(t: _Tables) -> _Tables:
    return replace(t, usitc=load_usitc_trade())


def _usitc(t: _Tables, m: Material, year: int) -> tuple[SupplierExposure, ...]:
    if t.usitc is None:
        return ()
    out = []
    for heading in m.hts4_specific:
        try:
            shares = partner_shares(t.usitc, hts4=heading, year=year)
        except NoDataError:
            continue
        out.append(
            usitc_supplier_exposure(
                shares, material=m.key, country=SUPPLIER, headings=(heading,), period=str(year)
            )
        )
    return tuple(out)


def _stage_filter(stage: str | None) -> StageKind | None:
    if stage is None:
        return None
    text = stage.strip().lower()
    if text == "refined":
        text = StageKind.REFINERY.value
    try:
        kind = StageKind(text)
    except ValueError:
        raise RiskInputError(
            "stage", f"must be 'mine' or 'refined' ('refinery'), got {stage!r}"
        ) from None
    if kind is StageKind.ALL:
        raise RiskInputError("stage", "must be 'mine' or 'refined' ('refinery')")
    return kind


def _check_year(t: _Tables, year: int) -> None:
    years = sorted({int(y) for y in t.production["year"]})
    if year not in years:
        raise NoRiskDataError(f"production in {year}", years)


def _concentrations(t: _Tables, m: Material, year: int) -> list[Concentration]:
    out = []
    prod = t.production
    for label in m.production_materials:
        rows = prod[(prod["material"] == label) & (prod["year"] == year)]
        for st in dict.fromkeys(rows["stage"].astype(str)):
            out.append(
                production_concentration(
                    prod,
                    material=label,
                    year=year,
                    stage=st,
                    other=OtherCountries.DENOMINATOR_ONLY,
                )
            )
    return out


def _pick(concs: list[Concentration], kind: StageKind | None) -> Concentration | None:
    usable = [c for c in concs if c.hhi is not None]
    if kind is not None:
        usable = [c for c in usable if stage_kind(c.stage) is kind]
    if not usable:
        return None
    return max(usable, key=lambda c: (c.hhi or 0.0, c.material))


def _nir(t: _Tables, m: Material, year: int) -> NetImportReliance | None:
    try:
        return us_net_import_reliance(t.us_market, material=m.key, year=year)
    except NoRiskDataError:
        return None


def _eu(t: _Tables, m: Material) -> tuple[EuConcentration, ...]:
    name = (m.eu_crm_name or "").strip()
    if not name:
        return ()
    out = []
    for st in EuStage:
        for sc in EuScope:
            try:
                res = eu_hhi_wgi(t.eu_shares, t.scores, material=name, stage=st, scope=sc)
            except NoRiskDataError:
                continue
            out.append(EuConcentration(st, sc, res))
    return tuple(out)


def _imports(t: _Tables, m: Material) -> tuple[ImportConcentration | None, SupplierExposure | None]:
    category = headline_import_category(t.us_market, m.key)
    if category is None:
        return None, None
    try:
        conc = import_source_concentration(
            t.imports, material=m.key, mcs_chapter=m.mcs_chapter, category=category
        )
        expo = usgs_supplier_exposure(
            t.imports,
            material=m.key,
            mcs_chapter=m.mcs_chapter,
            category=category,
            country=SUPPLIER,
        )
    except NoRiskDataError:
        return None, None
    return conc, expo


def _several_categories(t: _Tables, m: Material) -> bool:
    rows = t.us_market[t.us_market["material"] == m.key]
    return any("|" in str(v) for v in rows["main_import_sources"])


def _score(hhi: float | None, nir: NetImportReliance | None) -> tuple[float | None, str]:
    if hhi is None or nir is None:
        return None, ""
    pub = nir.published
    if pub.symbol is NirSymbol.NUMBER and pub.value is not None:
        value, note = pub.value, ""
    elif pub.symbol is NirSymbol.NET_EXPORTER:
        value, note = 0.0, ""
    elif pub.symbol is NirSymbol.GREATER_THAN and pub.bound is not None:
        value, note = pub.bound, f"risk score is a lower bound (NIR {pub.raw})"
    elif nir.computed is not None:
        value, note = nir.computed, "risk score uses the computed NIR"
    else:
        return None, ""
    return hhi / 10_000.0 * min(1.0, max(0.0, value / 100.0)), note


def _profile(
    t: _Tables, m: Material, *, year: int, kind: StageKind | None, as_of: dt.date
) -> MaterialProfile:
    concs = _concentrations(t, m, year)
    head = _pick(concs, kind)
    stages = stage_risks(
        m.key,
        production=t.production,
        scores=t.scores,
        eu_shares=t.eu_shares,
        ownership=t.ownership,
        production_materials=m.production_materials,
        eu_name=m.eu_crm_name,
        year=year,
    )
    neck = bottleneck(stages)
    if head is None and kind is not None:
        # no USGS series of that kind: the stage tables (IEA, EU CRM 2023, point facts)
        want = "mine" if kind is StageKind.MINE else "refined"
        for st in stages:
            if st.stage.value == want and st.headline is not None:
                head = st.headline.concentration
    gov = (
        governance_weighted_concentration(head, t.scores, wgi_year=WGI_YEAR)
        if head is not None
        else None
    )
    nir = _nir(t, m, year)
    imp, expo = _imports(t, m)
    controls = export_control_exposure(t.controls, t.control_materials, material=m.key, as_of=as_of)
    usgs = usgs_supply_risk(concentration=head, scores=t.scores, nir=nir)
    score, score_note = _score(head.hhi if head else None, nir)
    flags: list[str] = []
    if head is None:
        what = f"{kind.value} " if kind is not None else ""
        flags.append(f"no {what}production by country in {year}")
    else:
        shown = (DataFlag.NO_OTHER_ROW, DataFlag.WORLD_ONLY)
        flags.extend(f.value for f in head.flags if f in shown)
        flags.extend(
            f"{mv.country}: {mv.value_raw or 'empty'} ({mv.flag.value})" for mv in head.missing
        )
    if gov is not None and gov.uncovered:
        flags.append("no WGI for " + ", ".join(u.country for u in gov.uncovered))
    if nir is not None and nir.agreement is NirAgreement.DISAGREES:
        flags.append("computed NIR disagrees with published")
    if score_note:
        flags.append(score_note)
    unknown = [st.stage.value for st in stages if not st.known]
    if unknown:
        flags.append("stage shares unknown: " + ", ".join(unknown))
    gpr = _geopolrisk(t, neck, nir, imp)
    if imp is not None and _several_categories(t, m):
        flags.append(f"U.S. import shares: first of several USGS categories ({imp.category})")
    sources = [USGS_SOURCE] if (concs or nir is not None or imp is not None) else []
    if gov is not None:
        sources.append(WGI_SOURCE)
    if controls.measures:
        sources.append(CONTROLS_SOURCE)
    if t.usitc is not None and m.hts4_specific:
        sources.append(USITC_SOURCE)
    for st in stages:
        if st.headline is not None and st.headline.dataset not in sources:
            sources.append(st.headline.dataset)
    if head is not None and head.source_id and head.source_id not in sources:
        sources.append(head.source_id)
    return MaterialProfile(
        material=m,
        year=year,
        as_of=as_of,
        concentrations=tuple(concs),
        headline=head,
        governance=gov,
        eu=_eu(t, m),
        nir=nir,
        import_concentration=imp,
        supplier_exposure=expo,
        usitc_exposure=_usitc(t, m, year),
        export_controls=controls,
        usgs_supply_risk=usgs,
        risk_score=score,
        stages=stages,
        bottleneck=neck,
        geopolrisk_us=gpr,
        flags=tuple(flags),
        sources=tuple(sources),
    )


def _geopolrisk(
    t: _Tables,
    neck: StageRisk | None,
    nir: NetImportReliance | None,
    imp: ImportConcentration | None,
) -> GeoPolRisk | None:
    """U.S. GeoPolRisk: bottleneck-stage HHI, USGS import shares, published NIR as F/(p+F)."""
    if neck is None or neck.hhi is None or imp is None or nir is None:
        return None
    pub = nir.published
    if pub.symbol is NirSymbol.NUMBER and pub.value is not None:
        dep = min(1.0, max(0.0, pub.value / 100.0))
    elif pub.symbol is NirSymbol.NET_EXPORTER:
        dep = 0.0
    else:
        return None
    shares = {
        (s.iso3 or s.country): s.share_pct / 100.0
        for s in imp.shares
        if s.share_pct is not None and s.iso3 is not None
    }
    if not shares or sum(shares.values()) > 1.0 + 1e-6:
        return None
    return geopolrisk_from_shares(
        hhi=neck.hhi,
        import_shares=shares,
        instability=t.instability,
        import_dependency=dep,
        importer="USA",
        label=(
            f"HHI of the {neck.stage.value} stage ({neck.headline.label if neck.headline else ''});"
            f" U.S. import shares {imp.category} {imp.period} (USGS); NIR {nir.year} as F/(p+F);"
            f" WGI PV {WGI_YEAR}"
        ),
    )


def _as_of(year: int, as_of: dt.date | None) -> dt.date:
    if as_of is None:
        return dt.date(year, 12, 31)
    if not isinstance(as_of, dt.date):
        raise RiskInputError("as_of", f"must be a datetime.date, got {as_of!r}")
    return as_of


def material_profile(
    name: str | Material,
    *,
    year: int = 2024,
    stage: str | None = None,
    as_of: dt.date | None = None,
) -> MaterialProfile:
    """Risk profile of one material.

    Parameters
    ----------
    name : str or Material
        Key, symbol or alias (``"antimony"``, ``"Sb"``).
    year : int
        Production and U.S. market year (2024 or 2025 in the bundled data).
    stage : {"mine", "refinery"}, optional
        Restrict the headline production series to one stage kind.
    as_of : datetime.date, optional
        Date of the export-control status; 31 December of ``year`` by default.

    Raises
    ------
    stockpile.reference.UnknownMaterialError
        For an unknown name (with suggestions).
    NoRiskDataError
        For a year without production data (the message lists the available years).
    """
    m = get_material(name)
    kind = _stage_filter(stage)
    t = _load_tables()
    _check_year(t, year)
    return _profile(_with_usitc(t), m, year=year, kind=kind, as_of=_as_of(year, as_of))


def _row(p: MaterialProfile) -> dict[str, Any]:
    h = p.headline
    nir = p.nir
    world = None
    if h is not None:
        world = h.world_published if h.world_published is not None else h.total
    ctrl = p.export_controls
    return {
        "material": p.material.key,
        "series": h.material if h else None,
        "stage": h.stage if h else None,
        "unit": h.unit if h else None,
        "world_production": world,
        "hhi": h.hhi if h else None,
        "top_producer": h.top_producer if h else None,
        "top_share": h.top_share if h else None,
        "top3_share": h.top3_share if h else None,
        "hhi_wgi": p.governance.value if p.governance else None,
        "nir_published": nir.published.value if nir else None,
        "nir_published_raw": nir.published.raw if nir else None,
        "nir_computed": nir.computed if nir else None,
        "nir_agreement": nir.agreement.value if nir else None,
        "china_import_share": p.supplier_exposure.share if p.supplier_exposure else None,
        "china_import_share_max": (
            p.supplier_exposure.upper_bound if p.supplier_exposure else None
        ),
        "import_category": p.import_concentration.category if p.import_concentration else None,
        "export_control_status": ctrl.status.value,
        "export_control_measures": ";".join(ctrl.active_measure_ids),
        "risk_score": p.risk_score,
        "flags": "; ".join(p.flags),
        "source": ";".join(p.sources),
        **_stage_columns(p),
    }


def _stage_columns(p: MaterialProfile) -> dict[str, Any]:
    neck = p.bottleneck
    refined = next((s for s in p.stages if s.stage.value == "refined" and s.known), None)
    eu = [s.eu for s in p.stages if s.eu is not None]
    eu_sr = [e.supply_risk for e in eu if e.supply_risk is not None]
    missing = sorted({m for e in eu for m in e.missing}) if eu and not eu_sr else []
    return {
        "bottleneck_stage": neck.stage.value if neck else None,
        "bottleneck_hhi": neck.hhi if neck else None,
        "bottleneck_hhi_wgi": (
            neck.governance.value if neck is not None and neck.governance is not None else None
        ),
        "bottleneck_source": neck.headline.label if neck and neck.headline else None,
        "refined_hhi": refined.hhi if refined else None,
        "refined_top_producer": refined.top_producer if refined else None,
        "refined_top_share": refined.top_share if refined else None,
        "refined_source": refined.headline.label if refined and refined.headline else None,
        "eu_supply_risk": max(eu_sr) if eu_sr else None,
        "eu_supply_risk_missing": "; ".join(missing) if missing else None,
        "geopolrisk_us": p.geopolrisk_us.value if p.geopolrisk_us else None,
    }


def risk_table(
    *, year: int = 2024, stage: str | None = None, as_of: dt.date | None = None
) -> pd.DataFrame:
    """One ranked row per catalogue material (columns :data:`RISK_TABLE_COLUMNS`).

    Parameters
    ----------
    year : int
        Production and U.S. market year.
    stage : {"mine", "refinery"}, optional
        Restrict production series to one stage kind (others get empty cells).
    as_of : datetime.date, optional
        Date of the export-control status; 31 December of ``year`` by default.

    Returns
    -------
    pandas.DataFrame
        Shares [fraction], HHI [0-10,000], HHI_WGI [0-10], NIR [%], world production in the
        series' ``unit``; ranked by ``risk_score`` (see the module docstring).
    """
    kind = _stage_filter(stage)
    t = _load_tables()
    _check_year(t, year)
    when = _as_of(year, as_of)
    rows = [_row(_profile(t, m, year=year, kind=kind, as_of=when)) for m in catalogue()]
    frame = pd.DataFrame.from_records(rows)
    has = frame["risk_score"].notna()
    scored = frame[has].sort_values(["risk_score", "material"], ascending=[False, True])
    rest = frame[~has].assign(_h=frame.loc[~has, "hhi"].fillna(-1.0))
    rest = rest.sort_values(["_h", "material"], ascending=[False, True]).drop(columns="_h")
    out = pd.concat([scored, rest], ignore_index=True)
    out.insert(0, "rank", range(1, len(out) + 1))
    return out.loc[:, list(RISK_TABLE_COLUMNS)]
