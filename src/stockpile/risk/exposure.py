"""U.S. import-source concentration and exposure to a named supplier country.

Formulas
--------
* Import-source HHI: ``10,000 * sum_c (p_c / 100)**2`` over the countries USGS lists for one
  import category, ``p_c`` the share of U.S. imports [%]. "Other countries" follows the same
  convention as production (:class:`~stockpile.risk.concentration.OtherCountries`): by default
  it is not a supplier in the sum.
* Exposure to a supplier: its share of U.S. imports [fraction].

Coverage labels
---------------
Every share says what it covers:

* USGS: "share of U.S. imports, <category>, <period>, by shipping source (USGS MCS 2026)".
  USGS import sources are by country of shipment, not of mine origin; the headline category
  is the one USGS prints in the salient statistics (``main_import_sources`` of
  ``us_market.csv``), and where USGS prints several (heavy rare earths) the first is used.
* USITC DataWeb: "share of U.S. imports from 18 selected partners only, HTS4 <headings>, <year>":
  the bundled export covers 18 partner countries, not the world, so the share is of those 18.

Sources: USGS MCS 2026 data release (``import_sources.csv``, ``us_market.csv``); USITC DataWeb
exports (``raw/usitc-dataweb``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from stockpile.risk._frames import float_or_none, require_columns, text_or_none
from stockpile.risk.concentration import OTHER_COUNTRIES, OtherCountries, hhi
from stockpile.risk.errors import NoRiskDataError, RiskInputError

__all__ = [
    "ImportConcentration",
    "ImportShare",
    "SupplierExposure",
    "headline_import_category",
    "import_source_concentration",
    "usgs_supplier_exposure",
    "usitc_supplier_exposure",
]

_USGS_SOURCE = "USGS MCS 2026"


@dataclass(frozen=True)
class ImportShare:
    """One country's share of U.S. imports in a category.

    Attributes
    ----------
    country : str
        USGS country name ("Other countries" included).
    iso3 : str or None
        ISO3 code.
    share_pct : float or None
        Share [%]; None when USGS printed a bound.
    share_raw : str
        Text as printed (``"55"``, ``">99"``, ``"<1"``).
    """

    country: str
    iso3: str | None
    share_pct: float | None
    share_raw: str


@dataclass(frozen=True)
class ImportConcentration:
    """Concentration of U.S. import sources for one category.

    Attributes
    ----------
    material, category, period : str
        Material, USGS import category, period (``"2021-24"``).
    hhi : float or None
        Import-source HHI [0-10,000]; None when a share is printed only as a bound.
    top_country : str or None
        Largest listed supplier.
    top_share : float or None
        Its share [fraction].
    shares : tuple of ImportShare
        Every row USGS lists.
    coverage : str
        What the shares cover.
    """

    material: str
    category: str
    period: str
    hhi: float | None
    top_country: str | None
    top_share: float | None
    shares: tuple[ImportShare, ...]
    coverage: str


@dataclass(frozen=True)
class SupplierExposure:
    """Share of U.S. imports of a material coming from one supplier country.

    Attributes
    ----------
    material, country : str
        Material and supplier.
    share : float or None
        Share of imports [fraction]; None when not determinable, in particular when USGS
        does not list the supplier but lists "Other countries" (see ``upper_bound``); 0 when
        USGS lists every source and the supplier is not among them.
    upper_bound : float or None
        Largest share compatible with the data when ``share`` is None [fraction]: the
        "Other countries" share for an unlisted supplier, the bound of a "<x" entry.
    coverage : str
        What the share covers (source, category or HTS headings, period, partner coverage).
    note : str
        Caveats.
    """

    material: str
    country: str
    share: float | None
    upper_bound: float | None
    coverage: str
    note: str


def headline_import_category(us_market: pd.DataFrame, material: str) -> str | None:
    """The import category USGS uses in the salient statistics of a material.

    Read from ``main_import_sources`` (``"Total metal and oxide: China 55%; ..."``); when
    several categories are printed (separated by ``|``) the first is returned.

    Returns
    -------
    str or None
        The category, or None when the series has no import sources.
    """
    require_columns(us_market, ("material", "main_import_sources"), "us_market")
    rows = us_market[us_market["material"] == material]
    for value in rows["main_import_sources"]:
        text = text_or_none(value)
        if text and ":" in text:
            return text.split("|")[0].split(":")[0].strip()
    return None


def _category_rows(
    import_sources: pd.DataFrame, *, mcs_chapter: str, category: str
) -> pd.DataFrame:
    require_columns(
        import_sources,
        ("mcs_chapter", "import_category", "country", "iso3", "period", "share_pct", "share_raw"),
        "import_sources",
    )
    rows = import_sources[
        (import_sources["mcs_chapter"].astype(str).str.upper() == mcs_chapter.upper())
        & (import_sources["import_category"].astype(str) == category)
    ]
    if rows.empty:
        chap = import_sources[
            import_sources["mcs_chapter"].astype(str).str.upper() == mcs_chapter.upper()
        ]
        raise NoRiskDataError(
            f"U.S. import sources of {mcs_chapter}, category {category!r}",
            sorted(set(chap["import_category"].astype(str))),
        )
    return rows


def _usgs_coverage(category: str, period: str) -> str:
    return f"share of U.S. imports, {category}, {period}, by shipping source ({_USGS_SOURCE})"


def import_source_concentration(
    import_sources: pd.DataFrame,
    *,
    material: str,
    mcs_chapter: str,
    category: str,
    other: OtherCountries = OtherCountries.DENOMINATOR_ONLY,
) -> ImportConcentration:
    """HHI of U.S. import sources for one USGS import category.

    Parameters
    ----------
    import_sources : pandas.DataFrame
        Rows of ``import_sources.csv``.
    material : str
        Material key (recorded in the result).
    mcs_chapter : str
        USGS chapter of the rows (``"ANTIMONY"``).
    category : str
        USGS import category (see :func:`headline_import_category`).
    other : OtherCountries
        Convention for the "Other countries" row.

    Returns
    -------
    ImportConcentration
    """
    rows = _category_rows(import_sources, mcs_chapter=mcs_chapter, category=category)
    period = str(rows["period"].iloc[0])
    listed: list[ImportShare] = []
    for rec in rows.to_dict("records"):
        pct = float_or_none(rec["share_pct"])
        if pct is not None and (pct < 0 or pct > 100):
            raise RiskInputError(
                "import_sources.share_pct", f"{pct} for {rec['country']} not in [0, 100]"
            )
        listed.append(
            ImportShare(
                str(rec["country"]),
                text_or_none(rec["iso3"]),
                pct,
                text_or_none(rec["share_raw"]) or "",
            )
        )
    named = [s for s in listed if s.country != OTHER_COUNTRIES]
    other_row = [s for s in listed if s.country == OTHER_COUNTRIES]
    value: float | None = None
    if all(s.share_pct is not None for s in listed):
        parts = [float(s.share_pct or 0.0) for s in named]
        other_pct = float(other_row[0].share_pct or 0.0) if other_row else 0.0
        denom = sum(parts) + (0.0 if other is OtherCountries.EXCLUDED else other_pct)
        if denom > 0:
            fr = np.asarray(parts) / denom
            if other is OtherCountries.AS_PRODUCER and other_row:
                fr = np.append(fr, other_pct / denom)
            value = hhi(fr)
    ranked = sorted(
        (s for s in named if s.share_pct is not None), key=lambda s: -float(s.share_pct or 0)
    )
    top = ranked[0] if ranked else None
    return ImportConcentration(
        material=material,
        category=category,
        period=period,
        hhi=value,
        top_country=top.country if top else None,
        top_share=float(top.share_pct or 0.0) / 100.0 if top else None,
        shares=tuple(listed),
        coverage=_usgs_coverage(category, period),
    )


def usgs_supplier_exposure(
    import_sources: pd.DataFrame,
    *,
    material: str,
    mcs_chapter: str,
    category: str,
    country: str,
) -> SupplierExposure:
    """Share of U.S. imports from ``country`` in one USGS import category.

    Parameters
    ----------
    country : str
        USGS country name or ISO3 code (``"China"``, ``"CHN"``).

    Returns
    -------
    SupplierExposure
        ``share`` is None with ``upper_bound`` set when USGS does not list the country but
        lists "Other countries", or printed only a bound for it.
    """
    if not country or not country.strip():
        raise RiskInputError("country", "must be a country name or ISO3 code")
    rows = _category_rows(import_sources, mcs_chapter=mcs_chapter, category=category)
    period = str(rows["period"].iloc[0])
    key = country.strip().lower()
    coverage = _usgs_coverage(category, period)
    for rec in rows.to_dict("records"):
        name = str(rec["country"])
        iso = (text_or_none(rec["iso3"]) or "").lower()
        if name.lower() == key or iso == key:
            pct = float_or_none(rec["share_pct"])
            if pct is None:
                raw = text_or_none(rec["share_raw"]) or "not published"
                bound = float_or_none(raw[1:]) if raw.startswith("<") else None
                return SupplierExposure(
                    material,
                    name,
                    None,
                    None if bound is None else bound / 100.0,
                    coverage,
                    f"USGS printed {raw}",
                )
            return SupplierExposure(material, name, pct / 100.0, None, coverage, "")
    other = rows[rows["country"] == OTHER_COUNTRIES]
    if other.empty:
        note = "not among the sources USGS lists (all sources listed)"
        return SupplierExposure(material, country, 0.0, None, coverage, note)
    other_pct = float_or_none(other["share_pct"].iloc[0])
    raw = text_or_none(other["share_raw"].iloc[0]) or ""
    note = f"not listed by USGS; at most the 'Other countries' share ({raw}%)"
    if other_pct is None and raw.startswith("<"):
        other_pct = float_or_none(raw[1:])
    upper = None if other_pct is None else other_pct / 100.0
    return SupplierExposure(material, country, None, upper, coverage, note)


def usitc_supplier_exposure(
    partner_shares: pd.DataFrame,
    *,
    material: str,
    country: str,
    headings: tuple[str, ...] = (),
    period: str = "",
) -> SupplierExposure:
    """Share of U.S. imports from ``country`` among the USITC DataWeb partners.

    Parameters
    ----------
    partner_shares : pandas.DataFrame
        One row per partner with columns ``partner`` and ``share`` [fraction of the imports
        from the covered partners]; ``iso3`` and ``coverage`` are used when present. This is
        the output of :func:`stockpile.reference.usitc.partner_shares`.
    material : str
        Material key (recorded).
    country : str
        Partner name or ISO3 code, case-insensitive (``"China"``, ``"CHN"``).
    headings : tuple of str
        HTS4 headings the shares were computed over (for the label).
    period : str
        Year or period of the shares (for the label).

    Returns
    -------
    SupplierExposure
        Labelled as a share of the selected partners, not of world imports.
    """
    require_columns(partner_shares, ("partner", "share"), "partner_shares")
    n = int(partner_shares["partner"].nunique())
    heads = ", ".join(headings) if headings else "headings not stated"
    base = None
    if "coverage" in partner_shares.columns and len(partner_shares):
        base = text_or_none(partner_shares["coverage"].iloc[0])
    if base is None:
        base = f"share of U.S. imports from {n} selected partners only (not the world)"
    coverage = f"{base}; HTS4 {heads}; {period or 'period not stated'} (USITC DataWeb)"
    key = country.strip().lower()
    names = partner_shares["partner"].astype(str).str.lower()
    hit = partner_shares[names == key]
    if hit.empty and "iso3" in partner_shares.columns:
        hit = partner_shares[partner_shares["iso3"].astype(str).str.lower() == key]
    if hit.empty:
        return SupplierExposure(material, country, None, None, coverage, "not among the partners")
    share = float_or_none(hit["share"].iloc[0])
    if share is not None and not 0 <= share <= 1:
        raise RiskInputError("partner_shares.share", f"{share} for {country} not in [0, 1]")
    return SupplierExposure(material, str(hit["partner"].iloc[0]), share, None, coverage, "")
