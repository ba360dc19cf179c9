"""Risk by supply-chain stage: concentration, governance weighting, EU supply risk, ownership.

For each stage of a material's chain (:func:`stockpile.reference.stage_chain`) the sourced
series of country shares are read (IEA CMDE 2025, USGS MCS 2026, EU CRM 2023, point facts) and
one headline series is chosen per stage for the year asked:

1. the IEA series of that data year (observed, or the base-case projection for 2030/2035/2040),
2. else the USGS MCS series of that year (the most concentrated when there are several),
3. else the latest complete series of an earlier year (IEA, then USGS, then the EU CRM 2023
   global-supply shares, publication year 2023, on the same year),
4. else a point fact (one country's share; the HHI is then a lower bound, ``complete=False``).

Per stage:

* ``HHI = sum_c (100 s_c)**2`` over the listed countries ("Rest of world" / "Other countries"
  is in the denominator only) [0-10,000];
* ``HHI_WGI = sum_c s_c**2 * WGI_scaled,c`` with the EU scaling of the mean WGI estimate
  (:mod:`stockpile.risk.governance`) [0-10];
* the EU supply risk ``SR = [HHI_WGI,GS IR/2 + HHI_WGI,EU (1 - IR/2)] (1 - EOL_RIR) SI_SR``
  (:func:`stockpile.risk.eu_supply_risk`) where the stage has EU CRM 2023 shares; the EU import
  reliance, EOL-RIR and SI_SR are not in the bundled data, so SR is computed only when the caller
  gives them (:class:`EuInputs`) and is otherwise reported as missing with its two
  governance-weighted concentrations;
* the ownership-adjusted HHI where ownership is sourced: a share ``o`` of country ``c``'s output
  controlled from country ``k`` moves ``s_c o`` from ``c`` to ``k`` before squaring.

The bottleneck stage is the stage with the highest HHI_WGI (the HHI where no country of the
series has a governance score); ties go to the upstream stage. Stages without any series are
listed as unknown and never filled.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from stockpile.reference import (
    NoDataError,
    Stage,
    StageLink,
    stage_chain,
    stage_shares,
)
from stockpile.risk.concentration import (
    Concentration,
    OtherCountries,
    ProducerShare,
    StageKind,
    production_concentration,
    stage_kind,
)
from stockpile.risk.errors import NoRiskDataError, RiskInputError
from stockpile.risk.eu import EuScope, EuStage, eu_hhi_wgi, eu_supply_risk
from stockpile.risk.governance import (
    WGI_YEAR,
    GovernanceConcentration,
    governance_weighted_concentration,
)

__all__ = [
    "EuInputs",
    "EuStageRisk",
    "OwnershipLink",
    "StageRisk",
    "StageSeries",
    "bottleneck",
    "ownership_adjusted_hhi",
    "parse_stage",
    "stage_risks",
]

PROJECTION_YEARS = (2030, 2035, 2040)
"""Years of the IEA base-case projections [year]."""


@dataclass(frozen=True)
class StageSeries:
    """One sourced series of country shares at a stage.

    Attributes
    ----------
    label : str
        What the series is (source, year, case).
    dataset : str
        ``IEA_CMDE_2025``, ``USGS_MCS2026_DR``, ``EU_CRM_2023`` or ``STAGE_FACTS``.
    year : int
        Data year, or publication year when ``year_basis == "publication"``.
    year_basis : str
        ``data`` or ``publication``.
    case : str
        ``observed`` or ``projection``.
    concentration : Concentration
        Shares [fraction] and HHI [0-10,000] of the series.
    complete : bool
        False when the series lists only some countries and no rest-of-world row (a point
        fact): the HHI is then a lower bound.
    note : str
        Caveats of the source rows.
    """

    label: str
    dataset: str
    year: int
    year_basis: str
    case: str
    concentration: Concentration
    complete: bool
    note: str


@dataclass(frozen=True)
class OwnershipLink:
    """Share of a country's stage output controlled by companies of another country.

    Attributes
    ----------
    country, owner : str
        ISO3 codes of the producing country and of the controlling companies' country.
    share : float
        Controlled share of the country's output [fraction].
    data_year : int
        Year of the fact.
    source : str
        Source and URL.
    """

    country: str
    owner: str
    share: float
    data_year: int
    source: str


@dataclass(frozen=True)
class EuInputs:
    """The EU supply-risk inputs the bundled data lack, given by the caller (no defaults).

    Attributes
    ----------
    import_reliance : float
        EU import reliance IR [fraction].
    eol_rir : float
        End-of-life recycling input rate [fraction].
    si_sr : float
        Substitution index for supply risk [0-1].
    source : str
        Where the three numbers come from.
    """

    import_reliance: float
    eol_rir: float
    si_sr: float
    source: str


@dataclass(frozen=True)
class EuStageRisk:
    """The EU supply risk of one stage and its inputs.

    Attributes
    ----------
    hhi_wgi_global : float or None
        HHI_WGI,t of global supply (EU CRM 2023 shares and trade parameters) [0-10].
    hhi_wgi_eu : float or None
        HHI_WGI,t of EU sourcing [0-10].
    supply_risk : float or None
        SR [dimensionless]; None when an input is missing.
    missing : tuple of str
        Inputs that are not available (why ``supply_risk`` is None).
    source : str
        Source of IR, EOL-RIR and SI_SR when given.
    """

    hhi_wgi_global: float | None
    hhi_wgi_eu: float | None
    supply_risk: float | None
    missing: tuple[str, ...]
    source: str


@dataclass(frozen=True)
class StageRisk:
    """The risk picture of one stage of a material.

    Attributes
    ----------
    link : StageLink
        The stage, its order and output form.
    known : bool
        False when no source gives shares at this stage for the year asked.
    headline : StageSeries or None
        The series used for the figures (see the module docstring).
    series : tuple of StageSeries
        Every sourced series at the stage (all years and datasets), for display.
    hhi : float or None
        HHI of the headline series [0-10,000] (a lower bound when not complete).
    top_producer : str or None
        Largest listed producer (ISO3 code or name).
    top_share : float or None
        Its share [fraction].
    governance : GovernanceConcentration or None
        HHI_WGI of the headline series [0-10].
    eu : EuStageRisk or None
        EU supply risk of the stage, where the EU 2023 study has shares for it.
    ownership : tuple of OwnershipLink
        Sourced ownership at the stage.
    hhi_ownership : float or None
        Ownership-adjusted HHI [0-10,000]; None where no ownership is sourced.
    """

    link: StageLink
    known: bool
    headline: StageSeries | None
    series: tuple[StageSeries, ...]
    hhi: float | None
    top_producer: str | None
    top_share: float | None
    governance: GovernanceConcentration | None
    eu: EuStageRisk | None
    ownership: tuple[OwnershipLink, ...]
    hhi_ownership: float | None

    @property
    def stage(self) -> Stage:
        """The stage."""
        return self.link.stage

    @property
    def risk_key(self) -> float | None:
        """Ranking key of the bottleneck: HHI_WGI, else HHI / 1,000 (same 0-10 scale)."""
        if self.governance is not None and self.governance.value is not None:
            return self.governance.value
        return None if self.hhi is None else self.hhi / 1000.0


def parse_stage(material: str, stage: str, *, field: str = "stage") -> Stage:
    """The :class:`Stage` named ``stage`` in ``material``'s chain.

    Raises
    ------
    RiskInputError
        For a name that is not a stage, or a stage not in the material's chain (the message
        lists the chain).
    """
    chain = [link.stage for link in stage_chain(material)]
    names = ", ".join(s.value for s in chain) or "none"
    text = str(stage).strip().lower()
    if text == "refinery":
        text = Stage.REFINED.value
    try:
        st = Stage(text)
    except ValueError:
        raise RiskInputError(
            field, f"unknown stage {stage!r} for {material!r}; its stages: {names}"
        ) from None
    if st not in chain:
        raise RiskInputError(field, f"{material!r} has no {st.value!r} stage; its stages: {names}")
    return st


def _concentration(material: str, stage: Stage, rows: pd.DataFrame, source: str) -> Concentration:
    rows = rows.sort_values("share", ascending=False)
    total = float(rows.loc[rows["iso3"].astype(str) != "", "share"].sum())
    if total > 1.0:
        # published percentages rounded to 0.1 may add to slightly over 100 (EU CRM 2023)
        rows = rows.assign(share=rows["share"] / total)
    producers = []
    listed: list[float] = []
    for r in rows.to_dict("records"):
        iso = str(r["iso3"]) or None
        share = float(r["share"])
        if not np.isfinite(share):
            continue
        value = float(r["value"]) if np.isfinite(float(r["value"])) else share
        producers.append(ProducerShare(str(r["country"]), iso, value, share))
        if iso is not None:
            listed.append(share)
    named = [p for p in producers if p.iso3 is not None]
    hhi = float(np.sum((100.0 * np.asarray(listed)) ** 2)) if listed else None
    top = named[0] if named else None
    top3 = float(np.sum(sorted(listed, reverse=True)[:3])) if listed else None
    unit = str(rows["unit"].iloc[0]) if len(rows) else ""
    return Concentration(
        material=material,
        stage=f"{'mine' if stage is Stage.MINE else 'refinery'} ({stage.value})",
        year=int(rows["year"].iloc[0]),
        unit=unit,
        basis="",
        other=OtherCountries.DENOMINATOR_ONLY,
        total=None,
        world_published=None,
        hhi=hhi,
        top_producer=top.country if top else None,
        top_iso3=top.iso3 if top else None,
        top_share=top.share if top else None,
        top3_share=top3,
        producers=tuple(named + [p for p in producers if p.iso3 is None]),
        missing=(),
        flags=(),
        source_id=source,
    )


def _shares_series(material: str) -> dict[Stage, list[StageSeries]]:
    out: dict[Stage, list[StageSeries]] = {}
    try:
        rows = stage_shares(material)
    except NoDataError:
        return out
    for (stage, label), group in rows.groupby(["stage", "label"], sort=False):
        st = Stage(str(stage))
        first = group.iloc[0]
        dataset = str(first["dataset"])
        # a series is complete when it carries every producer or a rest-of-world row
        complete = dataset != "STAGE_FACTS"
        notes = "; ".join(dict.fromkeys(n for n in group["note"].astype(str) if n))
        out.setdefault(st, []).append(
            StageSeries(
                label=str(label),
                dataset=dataset,
                year=int(first["year"]),
                year_basis=str(first["year_basis"]),
                case=str(first["case"]),
                concentration=_concentration(material, st, group, str(first["source_id"])),
                complete=complete,
                note=notes,
            )
        )
    return out


def _mcs_series(
    production: pd.DataFrame, material: str, labels: tuple[str, ...], year: int
) -> dict[Stage, list[StageSeries]]:
    out: dict[Stage, list[StageSeries]] = {}
    for label in labels:
        sel = production[production["material"] == label]
        for yr in sorted({int(y) for y in sel["year"]}):
            for st_label in dict.fromkeys(sel.loc[sel["year"] == yr, "stage"].astype(str)):
                try:
                    kind = stage_kind(st_label)
                except RiskInputError:
                    continue
                if kind is StageKind.ALL:
                    continue
                conc = production_concentration(production, material=label, year=yr, stage=st_label)
                if conc.hhi is None:
                    continue
                st = Stage.MINE if kind is StageKind.MINE else Stage.REFINED
                # "titanium sponge metal" + "sponge metal": the stage is not named twice
                named = label if label.endswith(st_label) else f"{label} {st_label}"
                out.setdefault(st, []).append(
                    StageSeries(
                        label=f"USGS MCS 2026, {named}, {yr}",
                        dataset="USGS_MCS2026_DR",
                        year=yr,
                        year_basis="data",
                        case="observed",
                        concentration=conc,
                        complete=True,
                        note="; ".join(f.value for f in conc.flags),
                    )
                )
    return out


def _choose(series: list[StageSeries], year: int) -> StageSeries | None:
    def best(cands: list[StageSeries]) -> StageSeries | None:
        if not cands:
            return None
        return max(cands, key=lambda s: (s.concentration.hhi or 0.0, s.label))

    if year in PROJECTION_YEARS:
        return best([s for s in series if s.dataset == "IEA_CMDE_2025" and s.year == year])
    observed = [s for s in series if s.case == "observed" and s.year <= year]
    for dataset in ("IEA_CMDE_2025", "USGS_MCS2026_DR"):
        pick = best([s for s in observed if s.dataset == dataset and s.year == year])
        if pick is not None:
            return pick
    if not observed:
        return None
    # otherwise the latest complete series (a point fact only when nothing else exists),
    # IEA before USGS before the EU study on the same year
    rank = {"IEA_CMDE_2025": 0, "USGS_MCS2026_DR": 1, "EU_CRM_2023": 2, "STAGE_FACTS": 3}
    key = min((not s.complete, -s.year, rank.get(s.dataset, 9)) for s in observed)
    return best([s for s in observed if (not s.complete, -s.year, rank.get(s.dataset, 9)) == key])


def ownership_adjusted_hhi(
    concentration: Concentration, ownership: tuple[OwnershipLink, ...]
) -> float | None:
    """HHI after moving each controlled share of output to the controlling country [0-10,000].

    ``s'_c = s_c (1 - sum_k o_ck)`` and ``s'_k = s_k + sum_c s_c o_ck``; "Rest of world" stays
    in the denominator only. None when no ownership link touches a listed producer.
    """
    shares = {p.iso3: p.share for p in concentration.producers if p.iso3 is not None}
    moved = False
    adjusted = dict(shares)
    for link in ownership:
        if link.country not in shares:
            continue
        if not 0.0 <= link.share <= 1.0:
            raise RiskInputError("ownership.share", f"{link.share} is not a fraction in [0, 1]")
        part = shares[link.country] * link.share
        adjusted[link.country] -= part
        adjusted[link.owner] = adjusted.get(link.owner, 0.0) + part
        moved = True
    if not moved:
        return None
    return float(np.sum((100.0 * np.asarray(list(adjusted.values()))) ** 2))


def _ownership(material: str, stage: Stage, frame: pd.DataFrame) -> tuple[OwnershipLink, ...]:
    rows = frame[(frame["material"] == material) & (frame["stage"] == stage.value)]
    return tuple(
        OwnershipLink(
            country=str(r["iso3"]),
            owner=str(r["owner_iso3"]),
            share=float(r["share"]),
            data_year=int(r["data_year"]),
            source=f"{r['source']} ({r['source_url']})",
        )
        for r in rows.to_dict("records")
    )


def _eu(
    eu_shares: pd.DataFrame,
    scores: pd.DataFrame,
    eu_name: str | None,
    stage: Stage,
    inputs: EuInputs | None,
) -> EuStageRisk | None:
    if not eu_name or stage not in (Stage.MINE, Stage.REFINED):
        return None
    st = EuStage.EXTRACTION if stage is Stage.MINE else EuStage.PROCESSING
    values: dict[EuScope, float | None] = {}
    for scope in EuScope:
        try:
            values[scope] = eu_hhi_wgi(
                eu_shares, scores, material=eu_name, stage=st, scope=scope
            ).value
        except NoRiskDataError:
            values[scope] = None
    gs, eu = values[EuScope.GLOBAL_SUPPLY], values[EuScope.EU_SOURCING]
    if gs is None and eu is None:
        return None
    missing: list[str] = []
    if gs is None:
        missing.append("HHI_WGI global supply (no EU 2023 shares)")
    if eu is None:
        missing.append("HHI_WGI EU sourcing (no EU 2023 shares)")
    if inputs is None:
        missing.extend(["EU import reliance", "EOL-RIR", "SI_SR"])
    sr = None
    if not missing and inputs is not None and gs is not None and eu is not None:
        sr = eu_supply_risk(
            hhi_wgi_global=gs,
            hhi_wgi_eu=eu,
            import_reliance=inputs.import_reliance,
            eol_rir=inputs.eol_rir,
            si_sr=inputs.si_sr,
        )
    return EuStageRisk(gs, eu, sr, tuple(missing), inputs.source if inputs else "")


def stage_risks(
    material: str,
    *,
    production: pd.DataFrame,
    scores: pd.DataFrame,
    eu_shares: pd.DataFrame,
    ownership: pd.DataFrame,
    production_materials: tuple[str, ...],
    eu_name: str | None,
    year: int = 2024,
    eu_inputs: Mapping[Stage, EuInputs] | None = None,
) -> tuple[StageRisk, ...]:
    """The risk of every stage of a material's chain, upstream first.

    Parameters
    ----------
    material : str
        Catalogue key.
    production, scores, eu_shares, ownership : pandas.DataFrame
        USGS production table, governance scores (:func:`stockpile.risk.governance_scores`),
        EU CRM 2023 shares and the ownership table.
    production_materials : tuple of str
        Labels of the material's USGS production series.
    eu_name : str or None
        The material's name in the EU 2023 study.
    year : int
        Data year (2021-2025 observed; 2030, 2035 or 2040 for the IEA projections).
    eu_inputs : Mapping[Stage, EuInputs], optional
        EU import reliance, EOL-RIR and SI_SR per stage, when the caller has them.

    Returns
    -------
    tuple of StageRisk
    """
    chain = stage_chain(material)
    sources = _shares_series(material)
    for st, extra in _mcs_series(production, material, production_materials, year).items():
        sources.setdefault(st, []).extend(extra)
    out = []
    for link in chain:
        series = sources.get(link.stage, [])
        head = _choose(series, year)
        gov = None
        if head is not None and head.concentration.hhi is not None:
            gov = governance_weighted_concentration(head.concentration, scores, wgi_year=WGI_YEAR)
        own = _ownership(material, link.stage, ownership)
        adj = ownership_adjusted_hhi(head.concentration, own) if head is not None else None
        c = head.concentration if head is not None else None
        out.append(
            StageRisk(
                link=link,
                known=head is not None,
                headline=head,
                series=tuple(sorted(series, key=lambda s: (s.year, s.dataset, s.label))),
                hhi=c.hhi if c else None,
                top_producer=(c.top_iso3 or c.top_producer) if c else None,
                top_share=c.top_share if c else None,
                governance=gov,
                eu=_eu(
                    eu_shares,
                    scores,
                    eu_name,
                    link.stage,
                    (eu_inputs or {}).get(link.stage),
                ),
                ownership=own,
                hhi_ownership=adj,
            )
        )
    return tuple(out)


def bottleneck(stages: tuple[StageRisk, ...]) -> StageRisk | None:
    """The stage with the highest :attr:`StageRisk.risk_key` (upstream first on ties)."""
    best: StageRisk | None = None
    for s in stages:
        key = s.risk_key
        if key is None:
            continue
        if best is None or key > (best.risk_key or 0.0):
            best = s
    return best
