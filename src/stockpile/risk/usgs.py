"""The USGS 2021 supply-risk index (Nassar and Fortier, USGS Open-File Report 2021-1045).

Structure
---------
``supply risk = disruption potential (DP) x trade exposure (TE) x economic vulnerability (EV)``

* DP: governance-weighted production concentration, with the United States treated as
  non-disruptive (its governance weight set to zero). Computed here as
  ``sum_c s_c**2 * WGI_scaled,c`` over producers (shares as fractions, WGI mean of six
  indicators rescaled 0-10 higher = worse, U.S. weight 0) [0-10], from the USGS production
  shares of :mod:`stockpile.risk.concentration`. The report's own normalisation of DP, TE and
  EV before taking the product is not reproduced here.
* TE: the U.S. net import reliance as a fraction, ``NIR / 100`` clipped to [0, 1] (0 for a net
  exporter) [fraction]. Only a published plain number (or a computed NIR when none is
  published) is used; a bound such as ">50" leaves TE missing.
* EV: the expenditure on the commodity relative to the net income of the U.S. industries
  that use it. The bundled data hold neither the expenditure by industry nor the industries'
  operating surplus, so EV is always missing, and with it the product: both are returned as
  None with the reason, never estimated.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from stockpile.risk.concentration import Concentration
from stockpile.risk.errors import RiskInputError
from stockpile.risk.governance import governance_weighted_concentration
from stockpile.risk.reliance import NetImportReliance, NirSymbol

__all__ = [
    "EV_MISSING_REASON",
    "MissingComponent",
    "UsgsSupplyRisk",
    "disruption_potential",
    "trade_exposure",
    "usgs_supply_risk",
]

EV_MISSING_REASON = (
    "economic vulnerability needs U.S. expenditure on the commodity by using industry and "
    "those industries' net income (BEA input-output data), which the bundled data do not hold"
)
US_ISO3 = "USA"


@dataclass(frozen=True)
class MissingComponent:
    """A component of the index that could not be computed.

    Attributes
    ----------
    component : str
        ``"disruption potential"``, ``"trade exposure"`` or ``"economic vulnerability"``.
    reason : str
        Why it is missing.
    """

    component: str
    reason: str


@dataclass(frozen=True)
class UsgsSupplyRisk:
    """Components of the USGS 2021 supply-risk index for one material and year.

    Attributes
    ----------
    disruption_potential : float or None
        DP [0-10].
    trade_exposure : float or None
        TE [fraction].
    economic_vulnerability : float or None
        EV (always None with the bundled data).
    supply_risk : float or None
        DP x TE x EV when all three exist, else None.
    missing : tuple of MissingComponent
        The components that are missing and why.
    """

    disruption_potential: float | None
    trade_exposure: float | None
    economic_vulnerability: float | None
    supply_risk: float | None
    missing: tuple[MissingComponent, ...]


def disruption_potential(concentration: Concentration, scores: pd.DataFrame) -> float | None:
    """DP: governance-weighted production concentration, U.S. weight zero [0-10].

    Returns None when no producer has a governance score. Producers without WGI (New
    Caledonia) are left out (see :func:`stockpile.risk.governance_weighted_concentration`).
    """
    g = governance_weighted_concentration(concentration, scores, non_disruptive=(US_ISO3,))
    return g.value


def trade_exposure(nir_pct: float | None) -> float | None:
    """TE = NIR / 100 clipped to [0, 1] [fraction]; None when NIR is None.

    Parameters
    ----------
    nir_pct : float or None
        Net import reliance [%]; negative for a net exporter.
    """
    if nir_pct is None:
        return None
    v = float(nir_pct)
    if not math.isfinite(v):
        raise RiskInputError("nir_pct", "must be finite")
    return min(1.0, max(0.0, v / 100.0))


def _te_from(nir: NetImportReliance | None) -> tuple[float | None, str]:
    if nir is None:
        return None, "no U.S. net import reliance for this material"
    pub = nir.published
    if pub.symbol is NirSymbol.NUMBER and pub.value is not None:
        return trade_exposure(pub.value), ""
    if pub.symbol is NirSymbol.NET_EXPORTER:
        return 0.0, ""
    if nir.computed is not None:
        return trade_exposure(nir.computed), ""
    return None, f"USGS printed NIR {pub.raw or 'nothing'} and it is not computable"


def usgs_supply_risk(
    *,
    concentration: Concentration | None,
    scores: pd.DataFrame,
    nir: NetImportReliance | None,
    economic_vulnerability: float | None = None,
) -> UsgsSupplyRisk:
    """Compute the components of the USGS 2021 index that the data allow.

    Parameters
    ----------
    concentration : Concentration or None
        Production concentration (None when there is no production by country).
    scores : pandas.DataFrame
        :func:`stockpile.risk.governance_scores`.
    nir : NetImportReliance or None
        U.S. net import reliance.
    economic_vulnerability : float, optional
        EV supplied by the caller from outside data; missing by default.

    Returns
    -------
    UsgsSupplyRisk
    """
    missing: list[MissingComponent] = []
    dp: float | None = None
    if concentration is None or concentration.hhi is None:
        missing.append(MissingComponent("disruption potential", "no production by country"))
    else:
        dp = disruption_potential(concentration, scores)
        if dp is None:
            missing.append(MissingComponent("disruption potential", "no producer has a WGI"))
    te, why = _te_from(nir)
    if te is None:
        missing.append(MissingComponent("trade exposure", why))
    ev = None if economic_vulnerability is None else float(economic_vulnerability)
    if ev is None:
        missing.append(MissingComponent("economic vulnerability", EV_MISSING_REASON))
    elif not math.isfinite(ev) or ev < 0:
        raise RiskInputError("economic_vulnerability", f"must be >= 0, got {ev!r}")
    product = dp * te * ev if dp is not None and te is not None and ev is not None else None
    return UsgsSupplyRisk(dp, te, ev, product, tuple(missing))
