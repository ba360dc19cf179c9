"""U.S. net import reliance (NIR): as published by USGS and as computed from the balance.

Definitions (USGS Mineral Commodity Summaries, Appendix; domain notes section 3)
-------------------------------------------------------------------------------
* ``NIR = (imports - exports +/- stock changes) / apparent consumption * 100`` [%], where
  apparent consumption = production + imports - exports +/- stock changes. USGS prints "E"
  for a net exporter and ">50", ">95", "<25"... where figures are withheld.
* Computed here, from the bundled U.S. series, as the production-consumption balance
  ``NIR_calc = (C - P) / C * 100`` [%], with C the consumption series USGS uses for its NIR
  (apparent, reported or estimated; named in ``us_consumption_statistic``) and P the
  domestic production of the same material. Trade and stock changes are not observed
  separately (the bundled USITC data cover 18 partners only), so their sum is taken as
  ``C - P``. Which production series counts follows the USGS row labels:

  - a secondary series from old scrap, ash or residues is added to primary production
    (it supplies apparent consumption; antimony, aluminum, vanadium, chromium...);
  - new-scrap production is not (it is recirculated inside industry; tin);
  - when consumption is of compounds and metals and the second series is compounds and
    metals (rare earths), that series alone is the production.

A computed value more than ``tolerance`` percentage points from a published number, or on the
wrong side of a published bound (">50", "E"), is flagged :attr:`NirAgreement.DISAGREES`.

Source: USGS MCS 2026 data release (doi:10.5066/P1WKQ63T), ``us_market.csv``.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from enum import Enum

import pandas as pd

from stockpile.risk._frames import float_or_none, require_columns, text_or_none
from stockpile.risk.errors import NoRiskDataError, RiskInputError

__all__ = [
    "NetImportReliance",
    "NirAgreement",
    "NirSymbol",
    "ProductionBasis",
    "PublishedNir",
    "net_import_reliance",
    "nir_table",
    "parse_published_nir",
    "us_net_import_reliance",
]

_US_MARKET_COLUMNS = (
    "material",
    "year",
    "us_production",
    "us_production_raw",
    "us_other_production",
    "us_other_production_statistic",
    "us_consumption",
    "us_consumption_raw",
    "us_consumption_statistic",
    "net_import_reliance_pct",
    "net_import_reliance_raw",
)


class NirSymbol(Enum):
    """How USGS printed a net import reliance."""

    NUMBER = "number"  #: a plain percentage
    NET_EXPORTER = "E"  #: net exporter
    GREATER_THAN = ">"  #: more than a bound (value withheld)
    LESS_THAN = "<"  #: less than a bound (value withheld)
    MISSING = "missing"  #: nothing printed


@dataclass(frozen=True)
class PublishedNir:
    """A USGS-published net import reliance.

    Attributes
    ----------
    raw : str
        Text as printed (``"86"``, ``">50"``, ``"E"``, ``""``).
    symbol : NirSymbol
        Kind of entry.
    value : float or None
        The percentage when printed as a number [%].
    bound : float or None
        The bound of ``>x`` / ``<x`` entries [%].
    """

    raw: str
    symbol: NirSymbol
    value: float | None
    bound: float | None


class ProductionBasis(Enum):
    """Which U.S. production series enters the computed NIR."""

    PRIMARY = "primary production"
    PRIMARY_PLUS_SECONDARY = "primary plus secondary (old scrap) production"
    COMPOUNDS_AND_METALS = "compounds and metals production"


class NirAgreement(Enum):
    """Agreement of the computed NIR with the published one."""

    AGREES = "agrees"
    DISAGREES = "disagrees"
    NOT_COMPARABLE = "not comparable"


@dataclass(frozen=True)
class NetImportReliance:
    """Published and computed U.S. NIR of one material and year.

    Attributes
    ----------
    material : str
        Material series of ``us_market.csv``.
    year : int
        Year.
    published : PublishedNir
        As USGS printed it.
    computed : float or None
        ``(C - P) / C * 100`` [%] (negative for a net exporter), None when not computable.
    method : str
        How ``computed`` was obtained, or why it is missing.
    basis : ProductionBasis or None
        Production series used.
    agreement : NirAgreement
        Comparison of computed and published values.
    difference : float or None
        ``computed - published`` [percentage points] when both are numbers.
    """

    material: str
    year: int
    published: PublishedNir
    computed: float | None
    method: str
    basis: ProductionBasis | None
    agreement: NirAgreement
    difference: float | None


_BOUND = re.compile(r"^\s*([<>])\s*(\d+(?:\.\d+)?)\s*$")


def parse_published_nir(raw: object, value: object = None) -> PublishedNir:
    """Read a USGS NIR entry (``"86"``, ``">50"``, ``"E"``, empty).

    Parameters
    ----------
    raw : object
        The printed text (``net_import_reliance_raw``).
    value : object, optional
        The numeric column (``net_import_reliance_pct``) when the caller has it.

    Returns
    -------
    PublishedNir
    """
    text = text_or_none(raw) or ""
    num = float_or_none(value)
    if text.upper() == "E":
        return PublishedNir(text, NirSymbol.NET_EXPORTER, None, None)
    m = _BOUND.match(text)
    if m:
        sym = NirSymbol.GREATER_THAN if m.group(1) == ">" else NirSymbol.LESS_THAN
        return PublishedNir(text, sym, None, float(m.group(2)))
    if num is None and text:
        num = float_or_none(text.replace(",", ""))
    if num is not None:
        return PublishedNir(text or f"{num:g}", NirSymbol.NUMBER, num, None)
    return PublishedNir(text, NirSymbol.MISSING, None, None)


def net_import_reliance(consumption: float, production: float) -> float:
    """Production-consumption balance NIR ``(C - P) / C * 100``.

    Parameters
    ----------
    consumption : float
        Apparent (or reported) consumption [t or the series' unit], > 0.
    production : float
        Domestic production in the same unit, >= 0.

    Returns
    -------
    float
        NIR [%]; negative when production exceeds consumption (net exporter).
    """
    c = float(consumption)
    p = float(production)
    if not math.isfinite(c) or c <= 0:
        raise RiskInputError("consumption", f"must be > 0, got {consumption!r}")
    if not math.isfinite(p) or p < 0:
        raise RiskInputError("production", f"must be >= 0, got {production!r}")
    return (c - p) / c * 100.0


def _basis(other_statistic: str | None, consumption_statistic: str | None) -> ProductionBasis:
    other = (other_statistic or "").lower()
    cons = (consumption_statistic or "").lower()
    if not other:
        return ProductionBasis.PRIMARY
    if "compounds and metals" in other and "compounds and metals" in cons:
        return ProductionBasis.COMPOUNDS_AND_METALS
    if "new scrap" in other:
        return ProductionBasis.PRIMARY
    if any(k in other for k in ("secondary", "scrap", "ash", "residue")):
        return ProductionBasis.PRIMARY_PLUS_SECONDARY
    return ProductionBasis.PRIMARY


def _compare(
    computed: float | None, published: PublishedNir, tolerance: float
) -> tuple[NirAgreement, float | None]:
    if computed is None:
        return NirAgreement.NOT_COMPARABLE, None
    if published.symbol is NirSymbol.NUMBER and published.value is not None:
        diff = computed - published.value
        ok = abs(diff) <= tolerance
        return (NirAgreement.AGREES if ok else NirAgreement.DISAGREES), diff
    if published.symbol is NirSymbol.NET_EXPORTER:
        return (NirAgreement.AGREES if computed <= tolerance else NirAgreement.DISAGREES), None
    if published.symbol is NirSymbol.GREATER_THAN and published.bound is not None:
        ok = computed > published.bound - tolerance
        return (NirAgreement.AGREES if ok else NirAgreement.DISAGREES), None
    if published.symbol is NirSymbol.LESS_THAN and published.bound is not None:
        ok = computed < published.bound + tolerance
        return (NirAgreement.AGREES if ok else NirAgreement.DISAGREES), None
    return NirAgreement.NOT_COMPARABLE, None


def _row(us_market: pd.DataFrame, material: str, year: int) -> pd.Series:
    require_columns(us_market, _US_MARKET_COLUMNS, "us_market")
    rows = us_market[us_market["material"] == material]
    if rows.empty:
        raise NoRiskDataError(
            f"U.S. market series {material!r}", sorted(set(us_market["material"].astype(str)))
        )
    years = sorted({int(y) for y in rows["year"]})
    rows = rows[rows["year"] == year]
    if rows.empty:
        raise NoRiskDataError(f"U.S. market data for {material!r} in {year}", years)
    return rows.iloc[0]


def us_net_import_reliance(
    us_market: pd.DataFrame, *, material: str, year: int, tolerance: float = 5.0
) -> NetImportReliance:
    """Published and computed NIR of one U.S. market series and year.

    Parameters
    ----------
    us_market : pandas.DataFrame
        Rows of ``us_market.csv``.
    material : str
        Material series (``material`` column), e.g. ``"antimony"``.
    year : int
        Year (2021-2025 in the bundled data).
    tolerance : float
        Largest accepted difference from the published value [percentage points].

    Returns
    -------
    NetImportReliance
    """
    if not (math.isfinite(tolerance) and tolerance >= 0):
        raise RiskInputError("tolerance", f"must be >= 0, got {tolerance!r}")
    row = _row(us_market, material, year)
    published = parse_published_nir(row["net_import_reliance_raw"], row["net_import_reliance_pct"])
    c = float_or_none(row["us_consumption"])
    p = float_or_none(row["us_production"])
    o = float_or_none(row["us_other_production"])
    basis = _basis(
        text_or_none(row["us_other_production_statistic"]),
        text_or_none(row["us_consumption_statistic"]),
    )
    cons_label = text_or_none(row["us_consumption_statistic"]) or "consumption"
    computed: float | None = None
    if c is None:
        raw = text_or_none(row["us_consumption_raw"]) or "not published"
        method = f"not computable: U.S. consumption {raw}"
    elif c <= 0:
        method = "not computable: U.S. consumption is zero"
    else:
        prod: float | None
        if basis is ProductionBasis.COMPOUNDS_AND_METALS:
            prod = o
        elif basis is ProductionBasis.PRIMARY_PLUS_SECONDARY:
            prod = None if p is None or o is None else p + o
        else:
            prod = p
        if prod is None:
            raw = text_or_none(row["us_production_raw"]) or "not published"
            method = f"not computable: U.S. production ({basis.value}) {raw}"
        else:
            computed = net_import_reliance(c, prod)
            method = f"(C - P) / C with C = {cons_label}, P = {basis.value}"
    agreement, diff = _compare(computed, published, tolerance)
    return NetImportReliance(
        material=material,
        year=year,
        published=published,
        computed=computed,
        method=method,
        basis=basis if computed is not None else None,
        agreement=agreement,
        difference=diff,
    )


def nir_table(us_market: pd.DataFrame, *, tolerance: float = 5.0) -> pd.DataFrame:
    """Published and computed NIR of every series and year of ``us_market.csv``.

    Returns
    -------
    pandas.DataFrame
        Columns ``material, year, nir_published, nir_published_raw, nir_computed, method,
        agreement, difference`` ([%] and [percentage points]).
    """
    require_columns(us_market, _US_MARKET_COLUMNS, "us_market")
    records = []
    for m, y in us_market[["material", "year"]].drop_duplicates().itertuples(index=False):
        r = us_net_import_reliance(us_market, material=str(m), year=int(y), tolerance=tolerance)
        records.append(
            {
                "material": r.material,
                "year": r.year,
                "nir_published": r.published.value,
                "nir_published_raw": r.published.raw,
                "nir_computed": r.computed,
                "method": r.method,
                "agreement": r.agreement.value,
                "difference": r.difference,
            }
        )
    return pd.DataFrame.from_records(records)
