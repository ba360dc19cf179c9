"""Importer for the USGS Mineral Commodity Summaries (MCS) data-release CSV.

The release (e.g. ``MCS2026_Commodities_Data.csv``, Windows-1252) holds one row per printed
value: ``MCS chapter, Section, Commodity, Country, Statistics, Statistics_detail, Unit, Year,
Value, Notes, Is critical mineral 2025, Other notes``. :func:`build_mcs_tables` reshapes it into
the five USGS reference tables bundled with this package (production, reserves and capacity,
U.S. market, import sources, prices), following the rules kept as data in ``data/mcs/`` and
applying the documented errata of ``data/mcs/errata.csv``.

A chapter, value symbol, country or statistic the rules do not know gives a
:class:`McsImportWarning`, never an error, so a later release imports without code changes. A
file that is not a readable release gives a :class:`McsFormatError` naming file, line and
column.

Examples
--------
>>> from stockpile.reference.mcs import build_mcs_tables, write_mcs_tables
>>> tables = build_mcs_tables("usgs_mcs2026_commodities_data.csv")  # doctest: +SKIP
>>> write_mcs_tables(tables, "out/")  # doctest: +SKIP
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from stockpile.reference import _mcs_build, _mcs_read, _mcs_write
from stockpile.reference._mcs_read import MCS_COLUMNS, McsFormatError, McsImportWarning
from stockpile.reference._mcs_rules import McsRules, load_mcs_rules
from stockpile.reference._mcs_values import ValueKind

__all__ = [
    "DEFAULT_SOURCE_ID",
    "MCS_COLUMNS",
    "McsFormatError",
    "McsImportWarning",
    "McsRules",
    "McsTables",
    "ValueKind",
    "build_mcs_tables",
    "load_mcs_rules",
    "read_mcs_release",
    "write_mcs_tables",
]

#: ``source_id`` of the MCS 2026 data release in ``sources.csv``.
DEFAULT_SOURCE_ID = "USGS_MCS2026_DR"

PathLike = str | os.PathLike[str]


@dataclass(frozen=True)
class McsTables:
    """The five USGS tables built from one data release.

    Attributes
    ----------
    production : pandas.DataFrame
        World production by country (``production_by_country.csv``); ``value`` in ``unit``.
    reserves_capacity : pandas.DataFrame
        Reserves and production capacity by country (``reserves_capacity_by_country.csv``).
    us_market : pandas.DataFrame
        U.S. production, consumption and net import reliance [%] per series and year.
    import_sources : pandas.DataFrame
        U.S. import sources, ``share_pct`` [%] of imports per category.
    prices : pandas.DataFrame
        Annual average prices in ``unit``, with ``usd_per_kg_derived`` [USD/kg].
    warnings : tuple of str
        Every warning issued while building (unknown chapters, symbols, countries...).
    """

    production: pd.DataFrame
    reserves_capacity: pd.DataFrame
    us_market: pd.DataFrame
    import_sources: pd.DataFrame
    prices: pd.DataFrame
    warnings: tuple[str, ...] = ()


def read_mcs_release(path: PathLike, *, rules: McsRules | None = None) -> pd.DataFrame:
    """Read a USGS MCS data-release CSV and parse its printed values.

    Parameters
    ----------
    path : str or path-like
        The release file (Windows-1252).
    rules : McsRules, optional
        Mapping rules (for the table of value symbols); by default the bundled ones.

    Returns
    -------
    pandas.DataFrame
        The 12 release columns as printed (text), plus ``line`` (line in the file),
        ``value`` (float [unit of the row]; NaN where USGS prints no number; ranges give their
        midpoint, the zero dash gives 0), ``value_kind`` (a :class:`ValueKind` value),
        ``estimated`` (bool) and ``usgs_note`` (the footnotes without the generic
        ``Estimated.`` and ``See Appendix C...``, joined by `` | ``).

    Raises
    ------
    McsFormatError
        If the file cannot be read or decoded, lacks a column or has a malformed row.
    """
    rules = load_mcs_rules() if rules is None else rules
    return _mcs_build.parse_release(_mcs_read.read_release_text(Path(path)), rules.symbols)


def build_mcs_tables(
    path: PathLike,
    *,
    rules: McsRules | None = None,
    source_id: str = DEFAULT_SOURCE_ID,
) -> McsTables:
    """Build the five USGS reference tables from a data-release CSV.

    Parameters
    ----------
    path : str or path-like
        The release file (Windows-1252).
    rules : McsRules, optional
        Mapping rules; by default the bundled ones (``data/mcs/``).
    source_id : str
        Written to the ``source_id`` column of every row.

    Returns
    -------
    McsTables
        The tables and the warnings issued.

    Warns
    -----
    McsImportWarning
        Once per distinct problem: an unknown chapter (its rows are skipped), an unknown value
        symbol (kept as printed, no number), a country without ISO3 code, a statistic or
        import category named in the rules but absent from the release, an erratum whose
        printed value no longer matches.

    Raises
    ------
    McsFormatError
        If the file is not a readable release (see :func:`read_mcs_release`).
    """
    rules = load_mcs_rules() if rules is None else rules
    release = read_mcs_release(path, rules=rules)
    issues = _mcs_build.Issues()
    rows = _mcs_build.select_imported(release, rules, issues)
    production = _mcs_build.build_production(rows, rules, issues, source_id=source_id)
    reserves = _mcs_build.build_reserves_capacity(rows, rules, issues, source_id=source_id)
    imports = _mcs_build.build_import_sources(rows, rules, issues, source_id=source_id)
    us_market = _mcs_build.build_us_market(rows, imports, rules, issues, source_id=source_id)
    prices = _mcs_build.build_prices(rows, rules, issues, source_id=source_id)
    for message in issues.messages:
        warnings.warn(f"{path}: {message}", McsImportWarning, stacklevel=2)
    return McsTables(
        production=production,
        reserves_capacity=reserves,
        us_market=us_market,
        import_sources=imports,
        prices=prices,
        warnings=tuple(issues.messages),
    )


def write_mcs_tables(tables: McsTables, directory: PathLike) -> list[Path]:
    """Write the tables as the bundled CSV files into ``directory`` (created if needed).

    The files have the bundled names, columns, line endings and number formatting, so a
    table rebuilt from the same release compares equal byte for byte.

    Returns
    -------
    list of Path
        The files written, in the order production, reserves and capacity, U.S. market,
        import sources, prices.
    """
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for attribute, file in _mcs_write.TABLE_FILES.items():
        target = folder / file
        _mcs_write.write_table(getattr(tables, attribute), target)
        written.append(target)
    return written
