"""The GeoPolRisk method: import-based geopolitical supply risk of an importing country.

Formula (Gemechu et al. 2016; with domestic production as in Helbig et al. 2016 and
Santillán-Saldivar et al. 2021; see ``docs/risk.md``)
------------------------------------------------------------------------------------------
``GeoPolRisk_Ac = HHI_A * sum_i (g_i * f_Aic) / (p_Ac + F_Ac)``

* ``HHI_A``: production concentration of material A at the stage assessed, normalised to
  [0, 1] (``HHI / 10,000``);
* ``f_Aic``: imports of A into importer c from country i [t/yr]; ``F_Ac = sum_i f_Aic`` [t/yr];
* ``p_Ac``: domestic production of A in c [t/yr];
* ``g_i``: political instability of exporter i, from the World Bank WGI "Political Stability
  and Absence of Violence/Terrorism" (PV) estimate ``e_i`` (about -2.5 to 2.5), rescaled to
  [0, 1] with higher = less stable: ``g_i = (2.5 - e_i) / 5``, clipped to [0, 1].

Written with import shares ``w_i = f_Aic / F_Ac`` and import dependency
``d = F_Ac / (p_Ac + F_Ac)``: ``GeoPolRisk = HHI_A * d * sum_i g_i w_i``.

Sources: E.D. Gemechu, C. Helbig, G. Sonnemann, A. Thorenz, A. Tuma, "Import-based indicator
for the geopolitical supply risk of raw materials in life cycle sustainability assessments",
J. Ind. Ecol. 20(1) 154-165 (2016), doi:10.1111/jiec.12279; J. Santillán-Saldivar et al., "How
recycling mitigates supply risks of critical raw materials", Resour. Conserv. Recycl. 164,
105108 (2021), doi:10.1016/j.resconrec.2020.105108. Equation as documented by the
geopolrisk-py project (Koyamparambath et al.).

Exporters without a PV estimate (and the USGS "Other countries" row) are left out of the sum
and reported in ``uncovered``: the value is then a lower bound.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from stockpile.risk._frames import float_or_none, require_columns
from stockpile.risk.errors import RiskInputError

__all__ = [
    "GeoPolRisk",
    "geopolrisk",
    "geopolrisk_from_shares",
    "political_instability",
]


@dataclass(frozen=True)
class GeoPolRisk:
    """GeoPolRisk of one material for one importer.

    Attributes
    ----------
    value : float
        GeoPolRisk score [0-1]; a lower bound when ``uncovered`` is not empty.
    hhi : float
        Normalised production concentration [0-1].
    import_dependency : float
        ``F / (p + F)`` [fraction].
    import_risk : float
        ``sum_i g_i w_i`` over covered exporters [0-1].
    covered_share : float
        Share of imports whose exporter has a PV score [fraction].
    uncovered : tuple of str
        Exporters (names or ISO3) without a score, left out.
    importer : str
        The importing country.
    label : str
        What the inputs are.
    """

    value: float
    hhi: float
    import_dependency: float
    import_risk: float
    covered_share: float
    uncovered: tuple[str, ...]
    importer: str
    label: str


def political_instability(wgi: pd.DataFrame, *, year: int) -> pd.Series:
    """``g_i = (2.5 - PV_i) / 5`` clipped to [0, 1] per ISO3 code (higher = less stable).

    Parameters
    ----------
    wgi : pandas.DataFrame
        Rows of ``wgi_governance.csv`` (``iso3, year, indicator, estimate``).
    year : int
        WGI year.
    """
    require_columns(wgi, ("iso3", "year", "indicator", "estimate"), "wgi")
    pv = wgi[(wgi["year"] == year) & (wgi["indicator"] == "PV")]
    est = pd.to_numeric(pv["estimate"], errors="coerce")
    g = ((2.5 - est) / 5.0).clip(0.0, 1.0)
    return pd.Series(g.to_numpy(), index=pv["iso3"].astype(str).to_numpy(), name="g").dropna()


def geopolrisk(
    *,
    hhi: float,
    imports: ArrayLike,
    instability: ArrayLike,
    domestic_production: float,
    total_imports: float | None = None,
    importer: str = "",
    label: str = "",
) -> GeoPolRisk:
    """GeoPolRisk from import quantities: ``HHI/10,000 * sum_i g_i f_i / (p + F)``.

    Parameters
    ----------
    hhi : float
        Production concentration [0-10,000].
    imports : array_like
        ``f_i``, imports from each exporter with a score [t/yr].
    instability : array_like
        ``g_i`` of the same exporters [0-1] (:func:`political_instability`).
    domestic_production : float
        ``p`` [t/yr].
    total_imports : float, optional
        ``F`` [t/yr], including exporters without a score; ``sum(imports)`` by default.
    """
    f = np.asarray(imports, dtype=np.float64)
    g = np.asarray(instability, dtype=np.float64)
    if f.shape != g.shape or f.ndim != 1:
        raise RiskInputError("instability", f"shape {g.shape} must match imports {f.shape}")
    if not np.all(np.isfinite(f)) or np.any(f < 0):
        raise RiskInputError("imports", "must be finite quantities >= 0")
    if not np.all(np.isfinite(g)) or np.any((g < 0) | (g > 1)):
        raise RiskInputError("instability", "must be in [0, 1]")
    if not (np.isfinite(hhi) and 0 <= hhi <= 10_000):
        raise RiskInputError("hhi", f"must be in [0, 10000], got {hhi!r}")
    p = float(domestic_production)
    if not (np.isfinite(p) and p >= 0):
        raise RiskInputError("domestic_production", f"must be >= 0, got {domestic_production!r}")
    big_f = float(f.sum()) if total_imports is None else float(total_imports)
    if not np.isfinite(big_f) or big_f < float(f.sum()) - 1e-9 * max(1.0, big_f):
        raise RiskInputError("total_imports", "must be >= the sum of imports")
    if p + big_f <= 0:
        raise RiskInputError("domestic_production", "production plus imports must be > 0")
    weighted = float(np.sum(g * f))
    dep = big_f / (p + big_f)
    return GeoPolRisk(
        value=hhi / 10_000.0 * weighted / (p + big_f),
        hhi=hhi / 10_000.0,
        import_dependency=dep,
        import_risk=weighted / big_f if big_f > 0 else 0.0,
        covered_share=float(f.sum()) / big_f if big_f > 0 else 0.0,
        uncovered=(),
        importer=importer,
        label=label,
    )


def geopolrisk_from_shares(
    *,
    hhi: float,
    import_shares: Mapping[str, float],
    instability: pd.Series,
    import_dependency: float,
    importer: str,
    label: str = "",
) -> GeoPolRisk:
    """GeoPolRisk from import shares and an import dependency ``d = F / (p + F)``.

    Parameters
    ----------
    hhi : float
        Production concentration [0-10,000].
    import_shares : Mapping[str, float]
        ``w_i`` by exporter ISO3 code (or a name, which then counts as uncovered) [fraction];
        sum <= 1 (the rest is exporters not listed, left out).
    instability : pandas.Series
        ``g_i`` by ISO3 code (:func:`political_instability`).
    import_dependency : float
        ``d`` [fraction].
    importer : str
        The importing country.
    """
    d = float_or_none(import_dependency)
    if d is None or not 0 <= d <= 1:
        raise RiskInputError("import_dependency", f"must be in [0, 1], got {import_dependency!r}")
    total = float(sum(import_shares.values()))
    if total > 1 + 1e-6 or any(v < 0 for v in import_shares.values()):
        raise RiskInputError("import_shares", f"must be fractions >= 0 summing to <= 1 ({total})")
    covered: list[tuple[float, float]] = []
    uncovered: list[str] = []
    for iso, w in import_shares.items():
        g = instability.get(iso.upper()) if iso else None
        if g is None or not np.isfinite(g):
            uncovered.append(iso)
            continue
        covered.append((w, float(g)))
    risk = float(sum(w * g for w, g in covered))
    if not (np.isfinite(hhi) and 0 <= hhi <= 10_000):
        raise RiskInputError("hhi", f"must be in [0, 10000], got {hhi!r}")
    return GeoPolRisk(
        value=hhi / 10_000.0 * d * risk,
        hhi=hhi / 10_000.0,
        import_dependency=d,
        import_risk=risk,
        covered_share=float(sum(w for w, _ in covered)),
        uncovered=tuple(uncovered),
        importer=importer,
        label=label,
    )
