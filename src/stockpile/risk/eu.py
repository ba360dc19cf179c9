"""The EU criticality method: supply risk (SR) and economic importance (EI).

Formulas (Regulation (EU) 2024/1252, Annex II; JRC 2017 methodology guidelines, used for the
2017, 2020 and 2023 EU lists)
-----------------------------------------------------------------------------------------------
* ``HHI_WGI,t = sum_c s_c**2 * WGI_scaled,c * t_c`` (see :mod:`stockpile.risk.governance`), for
  global supply (GS) and for EU sourcing, per stage (E extraction, P processing).
* Import reliance ``IR = (imports - exports) / (production + imports - exports)``, clipped to
  [0, 1] [fraction].
* ``SR = [HHI_WGI,GS * IR/2 + HHI_WGI,EU * (1 - IR/2)] * (1 - EOL_RIR) * SI_SR``, with EOL_RIR
  the end-of-life recycling input rate [fraction] and SI_SR the substitution index for supply
  risk [0-1]. The stage with the higher SR is kept.
* ``EI = (sum_s A_s * Q_s) * SI_EI`` with A_s the share of end use in sector s [fraction],
  Q_s the sector's value added scaled 0-10 (``10 * VA_s / max VA`` over NACE 2-digit sectors,
  :func:`scale_value_added`) and SI_EI the substitution index for economic importance [0-1].
* A material is critical when ``SR >= 1.0`` and ``EI >= 2.8``.

EOL_RIR, SI_SR, SI_EI, A_s and Q_s are not in the bundled data (the EU 2023 study's factsheets
could not be read); the functions take them as required arguments and never default them.

The EU 2023 country shares and trade parameters for 14 materials are bundled
(``eu_crm_2023_supply_shares_selected.csv``: European Commission, *Study on the critical raw
materials for the EU 2023*, doi:10.2873/725585, Appendix 7). Rows printed "<0.1%" were dropped
by the transcription, so shares do not always sum to 100%.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from stockpile.risk._frames import float_or_none, require_columns, text_or_none
from stockpile.risk.errors import NoRiskDataError, RiskInputError
from stockpile.risk.governance import (
    WGI_YEAR,
    GovernanceConcentration,
    UncoveredProducer,
    hhi_wgi,
)

__all__ = [
    "EI_THRESHOLD",
    "SR_THRESHOLD",
    "EuCriticality",
    "EuScope",
    "EuStage",
    "eu_criticality",
    "eu_economic_importance",
    "eu_hhi_wgi",
    "eu_import_reliance",
    "eu_materials",
    "eu_supply_risk",
    "scale_value_added",
]

SR_THRESHOLD = 1.0
"""Supply-risk threshold of the EU method [dimensionless]."""
EI_THRESHOLD = 2.8
"""Economic-importance threshold of the EU method [dimensionless]."""


class EuStage(Enum):
    """Stage of the EU assessment."""

    EXTRACTION = "E"
    PROCESSING = "P"


class EuScope(Enum):
    """Which supply the shares describe."""

    GLOBAL_SUPPLY = "global_supply"
    EU_SOURCING = "eu_sourcing"


# Country names of the EU 2023 study that differ from the World Bank WGI names.
_EU_NAME_ISO3: dict[str, str] = {
    "brasil": "BRA",
    "congo": "COG",
    "congo, d.r.": "COD",
    "hong kong": "HKG",
    "iran": "IRN",
    "korea, north": "PRK",
    "korea, south": "KOR",
    "kyrgyzstan": "KGZ",
    "laos": "LAO",
    "russia": "RUS",
    "taiwan": "TWN",
    "vietnam": "VNM",
}


def _fraction(value: float, field: str) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise RiskInputError(field, f"must be a number, got {value!r}") from None
    if not np.isfinite(v) or v < 0 or v > 1:
        raise RiskInputError(field, f"must be a fraction in [0, 1], got {value!r}")
    return v


def _non_negative(value: float, field: str) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise RiskInputError(field, f"must be a number, got {value!r}") from None
    if not np.isfinite(v) or v < 0:
        raise RiskInputError(field, f"must be a finite number >= 0, got {value!r}")
    return v


def eu_import_reliance(net_imports: float, apparent_consumption: float) -> float:
    """EU import reliance ``IR = net imports / apparent consumption``, clipped to [0, 1].

    Parameters
    ----------
    net_imports : float
        Imports minus exports [t/yr]; negative for a net exporter.
    apparent_consumption : float
        Production + imports - exports [t/yr], > 0.

    Returns
    -------
    float
        IR [fraction, 0-1].
    """
    ac = float(apparent_consumption)
    if not np.isfinite(ac) or ac <= 0:
        raise RiskInputError("apparent_consumption", f"must be > 0, got {apparent_consumption!r}")
    ni = float(net_imports)
    if not np.isfinite(ni):
        raise RiskInputError("net_imports", "must be finite")
    return float(min(1.0, max(0.0, ni / ac)))


def eu_supply_risk(
    *,
    hhi_wgi_global: float,
    hhi_wgi_eu: float,
    import_reliance: float,
    eol_rir: float,
    si_sr: float,
) -> float:
    """EU supply risk ``[HHI_GS * IR/2 + HHI_EU * (1 - IR/2)] * (1 - EOL_RIR) * SI_SR``.

    Parameters
    ----------
    hhi_wgi_global : float
        HHI_WGI,t of global supply [0-10].
    hhi_wgi_eu : float
        HHI_WGI,t of EU sourcing [0-10].
    import_reliance : float
        IR [fraction, 0-1].
    eol_rir : float
        End-of-life recycling input rate [fraction, 0-1]; no default.
    si_sr : float
        Substitution index for supply risk [0-1]; no default.

    Returns
    -------
    float
        SR [dimensionless]; critical side of the threshold when >= :data:`SR_THRESHOLD`.
    """
    gs = _non_negative(hhi_wgi_global, "hhi_wgi_global")
    eu = _non_negative(hhi_wgi_eu, "hhi_wgi_eu")
    ir = _fraction(import_reliance, "import_reliance")
    rir = _fraction(eol_rir, "eol_rir")
    si = _fraction(si_sr, "si_sr")
    return (gs * ir / 2.0 + eu * (1.0 - ir / 2.0)) * (1.0 - rir) * si


def scale_value_added(value_added: ArrayLike, max_sector_value_added: float) -> np.ndarray:
    """Scale sector value added to 0-10: ``Q_s = 10 * VA_s / max VA``.

    Parameters
    ----------
    value_added : array_like
        Value added of the sectors of use [EUR].
    max_sector_value_added : float
        Largest value added among all NACE Rev. 2 two-digit manufacturing sectors [EUR].

    Returns
    -------
    numpy.ndarray
        Q_s [0-10].
    """
    va = np.asarray(value_added, dtype=np.float64)
    vmax = _non_negative(max_sector_value_added, "max_sector_value_added")
    if vmax == 0:
        raise RiskInputError("max_sector_value_added", "must be > 0")
    if not np.all(np.isfinite(va)) or np.any(va < 0):
        raise RiskInputError("value_added", "must be finite numbers >= 0")
    if np.any(va > vmax * (1 + 1e-12)):
        raise RiskInputError("value_added", "exceeds max_sector_value_added")
    return 10.0 * va / vmax


def eu_economic_importance(
    *, end_use_shares: ArrayLike, scaled_value_added: ArrayLike, si_ei: float
) -> float:
    """EU economic importance ``EI = (sum_s A_s * Q_s) * SI_EI``.

    Parameters
    ----------
    end_use_shares : array_like
        A_s, share of the material's end use in each sector [fraction]; sum <= 1.
    scaled_value_added : array_like
        Q_s, each sector's value added scaled 0-10 (:func:`scale_value_added`).
    si_ei : float
        Substitution index for economic importance [0-1]; no default.

    Returns
    -------
    float
        EI [0-10]; critical side when >= :data:`EI_THRESHOLD`.
    """
    a = np.asarray(end_use_shares, dtype=np.float64)
    q = np.asarray(scaled_value_added, dtype=np.float64)
    if a.ndim != 1 or a.shape != q.shape or a.size == 0:
        raise RiskInputError(
            "scaled_value_added", f"shape {q.shape} must match end_use_shares {a.shape}"
        )
    if not np.all(np.isfinite(a)) or np.any(a < 0) or float(a.sum()) > 1 + 1e-9:
        raise RiskInputError("end_use_shares", "must be fractions >= 0 summing to <= 1")
    if not np.all(np.isfinite(q)) or np.any(q < 0) or np.any(q > 10 + 1e-9):
        raise RiskInputError("scaled_value_added", "must be in [0, 10]")
    si = _fraction(si_ei, "si_ei")
    return float(np.sum(a * q)) * si


@dataclass(frozen=True)
class EuCriticality:
    """Result of the EU method for one material.

    Attributes
    ----------
    supply_risk, economic_importance : float
        SR and EI [dimensionless].
    is_critical : bool
        ``SR >= 1.0 and EI >= 2.8``.
    """

    supply_risk: float
    economic_importance: float
    is_critical: bool


def eu_criticality(supply_risk: float, economic_importance: float) -> EuCriticality:
    """Apply the EU thresholds (SR >= 1.0 and EI >= 2.8) to published or computed SR and EI."""
    sr = _non_negative(supply_risk, "supply_risk")
    ei = _non_negative(economic_importance, "economic_importance")
    return EuCriticality(sr, ei, sr >= SR_THRESHOLD and ei >= EI_THRESHOLD)


def _eu_iso3(name: str, wgi_names: dict[str, str]) -> str | None:
    key = name.strip().lower()
    return _EU_NAME_ISO3.get(key) or wgi_names.get(key)


def eu_materials(eu_shares: pd.DataFrame) -> tuple[str, ...]:
    """Materials covered by the EU 2023 shares table (lower-case names)."""
    require_columns(eu_shares, ("material",), "eu_shares")
    return tuple(sorted({str(m).strip().lower() for m in eu_shares["material"]}))


def eu_hhi_wgi(
    eu_shares: pd.DataFrame,
    scores: pd.DataFrame,
    *,
    material: str,
    stage: EuStage | str,
    scope: EuScope | str = EuScope.GLOBAL_SUPPLY,
    wgi_year: int = WGI_YEAR,
) -> GovernanceConcentration:
    """HHI_WGI,t of the EU 2023 shares and trade parameters of one material.

    Parameters
    ----------
    eu_shares : pandas.DataFrame
        Rows of ``eu_crm_2023_supply_shares_selected.csv`` (``material, stage, scope, country,
        share_pct, trade_param_t``; an ``iso3`` column is used when present).
    scores : pandas.DataFrame
        Output of :func:`stockpile.risk.governance_scores`.
    material : str
        Material name as in the EU study (case-insensitive), e.g. ``"antimony"``.
    stage : EuStage or str
        ``"E"`` extraction or ``"P"`` processing.
    scope : EuScope or str
        ``"global_supply"`` or ``"eu_sourcing"``.

    Returns
    -------
    GovernanceConcentration
        Shares are the published percentages / 100 (not renormalised: rows below 0.1% were
        dropped at source); countries without WGI are reported in ``uncovered``.
    """
    require_columns(
        eu_shares,
        ("material", "stage", "scope", "country", "share_pct", "trade_param_t"),
        "eu_shares",
    )
    require_columns(scores, ("country", "wgi_scaled"), "scores")
    try:
        st = stage if isinstance(stage, EuStage) else EuStage(str(stage).strip().upper())
    except ValueError:
        raise RiskInputError("stage", f"must be 'E' or 'P', got {stage!r}") from None
    try:
        sc = scope if isinstance(scope, EuScope) else EuScope(str(scope).strip().lower())
    except ValueError:
        raise RiskInputError(
            "scope", f"must be 'global_supply' or 'eu_sourcing', got {scope!r}"
        ) from None
    mat = material.strip().lower()
    rows = eu_shares[
        (eu_shares["material"].astype(str).str.lower() == mat)
        & (eu_shares["stage"].astype(str).str.upper() == st.value)
        & (eu_shares["scope"].astype(str).str.lower() == sc.value)
    ]
    if rows.empty:
        avail = eu_shares[eu_shares["material"].astype(str).str.lower() == mat]
        combos = sorted({f"{s}/{c}" for s, c in zip(avail["stage"], avail["scope"], strict=False)})
        if not combos:
            raise NoRiskDataError(f"EU 2023 shares of {material!r}", eu_materials(eu_shares))
        raise NoRiskDataError(f"EU 2023 shares of {material!r}, {st.value}/{sc.value}", combos)
    wgi_names = {str(c).strip().lower(): str(i) for i, c in scores["country"].items()}
    s_list: list[float] = []
    w_list: list[float] = []
    t_list: list[float] = []
    uncovered: list[UncoveredProducer] = []
    for rec in rows.to_dict("records"):
        country = str(rec["country"])
        share = float_or_none(rec["share_pct"])
        if share is None:
            continue
        if share < 0 or share > 100:
            raise RiskInputError("eu_shares.share_pct", f"{share} for {country} not in [0, 100]")
        t = float_or_none(rec["trade_param_t"])
        iso = text_or_none(rec.get("iso3")) or _eu_iso3(country, wgi_names)
        w = None
        if iso is not None and iso in scores.index:
            w = float_or_none(scores.at[iso, "wgi_scaled"])
        if w is None:
            uncovered.append(UncoveredProducer(country, iso, share / 100.0))
            continue
        s_list.append(share / 100.0)
        w_list.append(w)
        t_list.append(1.0 if t is None else t)
    total = float(np.sum(s_list))
    if total > 1 + 1e-9:
        # published percentages rounded to 0.1 may add to slightly over 100
        s_arr: Sequence[float] = [s / total for s in s_list]
    else:
        s_arr = s_list
    value = hhi_wgi(s_arr, w_list, t_list) if s_list else None
    return GovernanceConcentration(
        value=value,
        covered_share=total,
        uncovered=tuple(uncovered),
        non_disruptive=(),
        wgi_year=wgi_year,
        label=f"EU CRM 2023 {sc.value} shares, {mat}, stage {st.value}; WGI {wgi_year}",
    )
