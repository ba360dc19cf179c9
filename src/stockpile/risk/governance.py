"""Governance scores and governance-weighted concentration (HHI_WGI,t).

Formulas
--------
* Scaled WGI of a country: the mean ``e`` of the six World Bank Worldwide Governance Indicator
  estimates (VA, PV, GE, RQ, RL, CC) [standard-normal units, about -2.5 to 2.5], rescaled to
  0-10 with higher = worse: ``WGI_scaled = (2.5 - e) * 2`` [0-10]. This is the EU CRM method
  (JRC 2017 guidelines; Reg. (EU) 2024/1252 Annex II).
* ``HHI_WGI,t = sum_c s_c**2 * WGI_scaled,c * t_c`` with shares ``s_c`` as fractions and the
  trade parameter ``t_c`` (1 by default) [0-10 for t = 1].

Countries without all six indicators (New Caledonia is not in the WGI at all) are not given
a proxy: their term is left out and they are reported in
:attr:`GovernanceConcentration.uncovered` with their share, so the value is a lower bound
whenever that tuple is not empty.

Source: World Bank, Worldwide Governance Indicators, 2024 Update (Kaufmann and Kraay 2024,
CC BY 4.0), ``wgi_governance.csv``, year 2023.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from stockpile.risk._frames import float_or_none, require_columns
from stockpile.risk.concentration import Concentration, OtherCountries
from stockpile.risk.errors import NoRiskDataError, RiskInputError

__all__ = [
    "WGI_INDICATORS",
    "WGI_YEAR",
    "GovernanceConcentration",
    "UncoveredProducer",
    "governance_scores",
    "governance_weighted_concentration",
    "hhi_wgi",
    "scale_wgi",
]

WGI_INDICATORS: tuple[str, ...] = ("VA", "PV", "GE", "RQ", "RL", "CC")
"""The six WGI indicators averaged into one governance estimate."""

WGI_YEAR = 2023
"""Latest year of the bundled WGI 2024 Update."""


def scale_wgi(estimate: ArrayLike) -> NDArray[np.float64]:
    """Rescale WGI estimates to the EU 0-10 scale, higher = worse: ``(2.5 - e) * 2``.

    Parameters
    ----------
    estimate : array_like
        WGI estimate(s) [standard-normal units]; NaN stays NaN.

    Returns
    -------
    numpy.ndarray
        Scaled score(s) [0-10 for estimates in -2.5..2.5; not clipped].
    """
    try:
        e = np.asarray(estimate, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise RiskInputError("estimate", f"must be numbers ({exc})") from None
    if np.any(np.isinf(e)):
        raise RiskInputError("estimate", "contains infinite values")
    return (2.5 - e) * 2.0


def governance_scores(wgi: pd.DataFrame, *, year: int = WGI_YEAR) -> pd.DataFrame:
    """Mean governance estimate and scaled WGI per country for one year.

    Parameters
    ----------
    wgi : pandas.DataFrame
        Rows of ``wgi_governance.csv`` (columns ``iso3, country, year, indicator, estimate``).
    year : int
        WGI year (the bundled data hold 2022 and 2023).

    Returns
    -------
    pandas.DataFrame
        Indexed by ``iso3``; columns ``country``, ``n_indicators``, ``mean_estimate``
        [standard-normal units] and ``wgi_scaled`` [0-10, higher = worse]. Countries with fewer
        than six indicators have NaN in the last two columns.

    Raises
    ------
    NoRiskDataError
        If the table has no row for ``year``.
    """
    require_columns(wgi, ("iso3", "country", "year", "indicator", "estimate"), "wgi")
    rows = wgi[(wgi["year"] == year) & wgi["indicator"].isin(WGI_INDICATORS)]
    if rows.empty:
        raise NoRiskDataError(f"WGI in {year}", sorted({int(y) for y in wgi["year"]}))
    est = rows["estimate"].astype("float64")
    frame = pd.DataFrame(
        {"iso3": rows["iso3"].astype(str), "country": rows["country"].astype(str), "e": est}
    )
    grouped = frame.dropna(subset=["e"]).groupby("iso3")
    out = pd.DataFrame(
        {
            "country": grouped["country"].first(),
            "n_indicators": grouped["e"].count().astype("int64"),
            "mean_estimate": grouped["e"].mean(),
        }
    )
    complete = out["n_indicators"] == len(WGI_INDICATORS)
    out["mean_estimate"] = out["mean_estimate"].where(complete)
    out["wgi_scaled"] = scale_wgi(out["mean_estimate"].to_numpy())
    return out


def hhi_wgi(
    share_fractions: ArrayLike,
    wgi_scaled: ArrayLike,
    trade_param: ArrayLike | None = None,
) -> float:
    """Governance-weighted concentration ``sum_c s_c**2 * WGI_c * t_c``.

    Parameters
    ----------
    share_fractions : array_like
        Shares [fraction, 0-1], summing to at most 1.
    wgi_scaled : array_like
        Scaled WGI of each country [0-10, higher = worse]; same length.
    trade_param : array_like, optional
        Trade parameter ``t_c`` [dimensionless, > 0]; 1 for every country when omitted.

    Returns
    -------
    float
        HHI_WGI,t [0-10 when t = 1].

    Raises
    ------
    RiskInputError
        On mismatched lengths, NaN, shares outside [0, 1] or a non-positive trade parameter.
    """
    s = np.asarray(share_fractions, dtype=np.float64)
    w = np.asarray(wgi_scaled, dtype=np.float64)
    t = np.ones_like(s) if trade_param is None else np.asarray(trade_param, dtype=np.float64)
    if s.ndim != 1 or w.shape != s.shape or t.shape != s.shape:
        raise RiskInputError(
            "wgi_scaled", f"shapes differ: shares {s.shape}, wgi {w.shape}, t {t.shape}"
        )
    for name, arr in (("share_fractions", s), ("wgi_scaled", w), ("trade_param", t)):
        if not np.all(np.isfinite(arr)):
            raise RiskInputError(name, "contains NaN or infinite values")
    if np.any(s < 0) or np.any(s > 1) or float(s.sum()) > 1 + 1e-9:
        raise RiskInputError("share_fractions", "must be fractions in [0, 1] summing to <= 1")
    if np.any(t <= 0):
        raise RiskInputError("trade_param", "must be > 0")
    return float(np.sum(s * s * w * t))


@dataclass(frozen=True)
class UncoveredProducer:
    """A producer whose governance score is missing (left out of HHI_WGI).

    Attributes
    ----------
    country : str
        Country name.
    iso3 : str or None
        ISO3 code, None when the row has none.
    share : float
        Its share [fraction].
    """

    country: str
    iso3: str | None
    share: float


@dataclass(frozen=True)
class GovernanceConcentration:
    """Governance-weighted concentration of one supply series.

    Attributes
    ----------
    value : float or None
        HHI_WGI,t [0-10 for t = 1]; None when no producer has a score.
    covered_share : float
        Sum of the shares of the producers whose term is included [fraction].
    uncovered : tuple of UncoveredProducer
        Producers left out for lack of a governance score (a lower bound when not empty).
    non_disruptive : tuple of str
        ISO3 codes given zero weight (e.g. the United States in the USGS 2021 method).
    wgi_year : int
        WGI year used.
    label : str
        What the value was computed from.
    """

    value: float | None
    covered_share: float
    uncovered: tuple[UncoveredProducer, ...]
    non_disruptive: tuple[str, ...]
    wgi_year: int
    label: str


def governance_weighted_concentration(
    concentration: Concentration,
    scores: pd.DataFrame,
    *,
    trade_param: Mapping[str, float] | None = None,
    non_disruptive: Collection[str] = (),
    wgi_year: int = WGI_YEAR,
) -> GovernanceConcentration:
    """HHI_WGI,t of a production concentration result.

    The producers are those that enter the HHI under the result's "Other countries"
    convention: by default "Other countries" is not a producer and has no term.

    Parameters
    ----------
    concentration : Concentration
        Output of :func:`stockpile.risk.production_concentration`.
    scores : pandas.DataFrame
        Output of :func:`governance_scores` (indexed by ISO3, column ``wgi_scaled``).
    trade_param : Mapping[str, float], optional
        Trade parameter by ISO3 code [dimensionless]; 1 for countries not listed.
    non_disruptive : Collection[str]
        ISO3 codes whose governance weight is set to zero.
    wgi_year : int
        Year of ``scores``, recorded in the result.

    Returns
    -------
    GovernanceConcentration
    """
    require_columns(scores, ("wgi_scaled",), "scores")
    if concentration.hhi is None:
        raise NoRiskDataError(
            f"country shares of {concentration.material!r} ({concentration.stage}, "
            f"{concentration.year})"
        )
    zero = {c.upper() for c in non_disruptive}
    t_map = {k.upper(): float(v) for k, v in (trade_param or {}).items()}
    s_list: list[float] = []
    w_list: list[float] = []
    t_list: list[float] = []
    uncovered: list[UncoveredProducer] = []
    for p in concentration.producers:
        if p.iso3 is None and concentration.other is not OtherCountries.AS_PRODUCER:
            continue
        iso = (p.iso3 or "").upper()
        score = float_or_none(scores.at[iso, "wgi_scaled"]) if iso in scores.index else None
        if iso in zero:
            w = 0.0
        elif iso and score is not None:
            w = score
        else:
            uncovered.append(UncoveredProducer(p.country, p.iso3, p.share))
            continue
        s_list.append(p.share)
        w_list.append(w)
        t_list.append(t_map.get(iso, 1.0))
    value = hhi_wgi(s_list, w_list, t_list) if s_list else None
    label = (
        f"USGS production shares, {concentration.material}, {concentration.stage}, "
        f"{concentration.year}; WGI {wgi_year}"
    )
    return GovernanceConcentration(
        value=value,
        covered_share=float(np.sum(s_list)) if s_list else 0.0,
        uncovered=tuple(uncovered),
        non_disruptive=tuple(sorted(zero)),
        wgi_year=wgi_year,
        label=label,
    )
