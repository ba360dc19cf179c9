"""Consistency of the USGS production table: world totals against the sum of country rows.

USGS prints world totals "rounded"; country figures are rounded too. The largest difference that
rounding alone can produce between a published world total and the sum of the published country
figures is the sum of their half-units (:func:`usgs_rounding_tolerance`); a larger gap points at a
transcription or import error.

Source: USGS Mineral Commodity Summaries 2026 data release (doi:10.5066/P1WKQ63T),
``production_by_country.csv``.
"""

from __future__ import annotations

import math

import pandas as pd

from stockpile.risk.concentration import WORLD_ISO3, check_production
from stockpile.risk.errors import RiskInputError

__all__ = ["usgs_rounding_tolerance", "world_total_check"]


def usgs_rounding_tolerance(value: float) -> float:
    """Half a unit of the last non-zero digit of a rounded USGS figure.

    USGS prints world totals "rounded" (often to two or three significant digits), so a world
    total of 1,800,000 stands for anything in [1,750,000, 1,850,000): tolerance 50,000.
    An integer without trailing zeros (433) is taken as exact to the unit: tolerance 0.5.

    Parameters
    ----------
    value : float
        A published, rounded figure [any unit].

    Returns
    -------
    float
        Tolerance [same unit].
    """
    if not math.isfinite(value):
        raise RiskInputError("value", "must be finite")
    v = abs(value)
    if v == 0:
        return 0.5
    if v != round(v):
        # decimals printed: half a unit of the last decimal shown (up to 6 places)
        text = f"{v:.6f}".rstrip("0")
        decimals = len(text.split(".")[1]) if "." in text else 0
        return 0.5 * 10.0 ** (-decimals)
    n = round(v)
    place = 0
    while n % 10 == 0:
        n //= 10
        place += 1
    return 0.5 * 10.0**place


def world_total_check(production: pd.DataFrame) -> pd.DataFrame:
    """Compare each published world total with the sum of its country rows.

    For every material, stage and year that has a numeric world row (``iso3 == 'WLD'``) and at
    least one country row, the published total is compared with the sum of the published
    country values (including "Other countries"; missing values count as zero). Both the world
    total and each country value are rounded, so the tolerance is the sum of their
    :func:`usgs_rounding_tolerance`: the world figure's half unit plus every country figure's
    half unit (the largest difference rounding alone can produce).

    Returns
    -------
    pandas.DataFrame
        Columns ``material, stage, year, world_published, country_sum, difference,
        tolerance, within_rounding, n_missing``.
    """
    check_production(production)
    iso = production["iso3"].fillna("").astype(str)
    records = []
    for (m, s, y), grp in production.groupby(["material", "stage", "year"], sort=True):
        giso = iso.loc[grp.index]
        world = grp[giso == WORLD_ISO3]
        countries = grp[giso != WORLD_ISO3]
        if world.empty or countries.empty or pd.isna(world["value"].iloc[0]):
            continue
        w = float(world["value"].iloc[0])
        vals = countries["value"].astype("float64")
        if (vals.dropna() < 0).any():
            raise RiskInputError("production.value", f"negative value for {m}, {s}, {y}")
        total = float(vals.sum(skipna=True))
        tol = usgs_rounding_tolerance(w) + float(
            sum(usgs_rounding_tolerance(float(v)) for v in vals.dropna())
        )
        records.append(
            {
                "material": m,
                "stage": s,
                "year": int(str(y)),
                "world_published": w,
                "country_sum": total,
                "difference": total - w,
                "tolerance": tol,
                "within_rounding": abs(total - w) <= tol,
                "n_missing": int(vals.isna().sum()),
            }
        )
    return pd.DataFrame.from_records(records)
