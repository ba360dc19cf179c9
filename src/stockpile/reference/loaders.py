"""Typed loaders for the bundled reference tables.

Every loader reads a CSV shipped in ``stockpile/reference/data``, checks it against its schema
(:mod:`stockpile.reference.tables`) and returns a fresh pandas DataFrame (callers may modify
it). Parsed files are cached per process. Units are those printed by the source and carried in
each table's ``unit`` column; see the data README for every column.
"""

from __future__ import annotations

import datetime as dt
import gzip
import re
from importlib import resources
from pathlib import Path

import pandas as pd

from stockpile.reference import tables
from stockpile.reference._errors import ReferenceDataError
from stockpile.reference._schema import TableSchema, parse_table

__all__ = [
    "data_path",
    "load_eu_crm_shares",
    "load_export_control_materials",
    "load_export_controls",
    "load_import_sources",
    "load_prices",
    "load_production",
    "load_recycling",
    "load_reserves_capacity",
    "load_sources",
    "load_stockpile_programs",
    "load_us_market",
    "load_wgi",
    "parse_leading_date",
]


def data_path(name: str) -> Path:
    """Path of a bundled data file, e.g. ``data_path("prices.csv")``."""
    return Path(str(resources.files("stockpile.reference") / "data" / name))


_CACHE: dict[str, pd.DataFrame] = {}


def _load(name: str, schema: TableSchema) -> pd.DataFrame:
    """The bundled table ``name`` (a path under ``data``; gzip-compressed when it ends in
    ``.gz``) checked against ``schema``, parsed once per process."""
    if name in _CACHE:
        return _CACHE[name]
    try:
        raw = data_path(name).read_bytes()
    except FileNotFoundError:
        raise ReferenceDataError("bundled file not found", file=name) from None
    text = (gzip.decompress(raw) if name.endswith(".gz") else raw).decode("utf-8")
    frame = parse_table(text, schema, file=name)
    _CACHE[name] = frame
    return frame


def _fresh(name: str, schema: TableSchema) -> pd.DataFrame:
    """A copy of :func:`_load` (callers may modify it)."""
    return _load(name, schema).copy()


def load_production() -> pd.DataFrame:
    """World production by country, 2024-2025 (USGS MCS 2026) [unit column, basis column]."""
    return _fresh("production_by_country.csv", tables.PRODUCTION)


def load_reserves_capacity() -> pd.DataFrame:
    """Reserves (as of 2025) and production capacity by country (USGS MCS 2026)."""
    return _fresh("reserves_capacity_by_country.csv", tables.RESERVES_CAPACITY)


def load_us_market() -> pd.DataFrame:
    """U.S. production, consumption and net import reliance [%], 2021-2025 (USGS MCS 2026)."""
    return _fresh("us_market.csv", tables.US_MARKET)


def load_import_sources() -> pd.DataFrame:
    """U.S. import sources, share of imports [%] by shipping country, 2021-24 (USGS MCS 2026)."""
    return _fresh("import_sources.csv", tables.IMPORT_SOURCES)


def load_prices() -> pd.DataFrame:
    """Annual average prices 2021-2025 (USGS MCS 2026); ``usd_per_kg_derived`` [USD/kg]."""
    return _fresh("prices.csv", tables.PRICES)


def load_export_controls() -> pd.DataFrame:
    """Export-control measures (China, DRC, Indonesia), with parsed dates.

    Adds ``effective`` and ``ended_or_suspended`` (the leading ISO date of the text fields, or
    ``None`` where the sources did not confirm one) and ``suspended_until`` (the date after
    "until" in ``date_ended_or_suspended``, if any).
    """
    frame = _fresh("export_controls.csv", tables.EXPORT_CONTROLS)
    frame["effective"] = [parse_leading_date(v) for v in frame["date_effective"]]
    frame["ended_or_suspended"] = [parse_leading_date(v) for v in frame["date_ended_or_suspended"]]
    frame["suspended_until"] = [_until(v) for v in frame["date_ended_or_suspended"]]
    return frame


def load_export_control_materials() -> pd.DataFrame:
    """Which catalogue materials each export-control measure covers, and how.

    ``coverage`` is ``material`` (the material itself), ``equipment_technology`` or
    ``downstream_products``. Derived from the ``materials`` text of ``export_controls.csv``.
    """
    return _fresh("export_control_materials.csv", tables.EXPORT_CONTROL_MATERIALS)


def load_stockpile_programs() -> pd.DataFrame:
    """Stockpile programmes, purchases and targets (NDS, DLA 2025-26, JOGMEC, KOMIR, China)."""
    return _fresh("stockpile_programs.csv", tables.STOCKPILE_PROGRAMS)


def load_recycling() -> pd.DataFrame:
    """USGS recycling and substitution statements (U.S., 2025)."""
    return _fresh("recycling_substitution.csv", tables.RECYCLING)


def load_wgi() -> pd.DataFrame:
    """World Bank Worldwide Governance Indicators, 2022-2023 [estimate: about -2.5..2.5]."""
    return _fresh("wgi_governance.csv", tables.WGI)


def load_eu_crm_shares() -> pd.DataFrame:
    """EU CRM 2023 country supply shares [%] and trade parameters t, 14 materials."""
    return _fresh("eu_crm_2023/eu_crm_2023_supply_shares_selected.csv", tables.EU_CRM_SHARES)


def load_sources() -> pd.DataFrame:
    """The sources cited by ``source_id`` columns (bundled ``sources.csv`` plus additions)."""
    frame = _fresh("sources.csv", tables.SOURCES)
    extra = data_path("sources_extra.csv")
    if extra.exists():
        more = _fresh("sources_extra.csv", tables.SOURCES)
        frame = pd.concat([frame, more], ignore_index=True)
        dup = frame.duplicated("source_id")
        if dup.any():
            sid = frame.loc[dup, "source_id"].iloc[0]
            raise ReferenceDataError(f"source_id {sid!r} defined twice", file="sources_extra.csv")
    return frame


_DATE = re.compile(r"^\s*(\d{4}-\d{2}-\d{2})")
_UNTIL = re.compile(r"until\s+(\d{4}-\d{2}-\d{2})")


def parse_leading_date(text: str) -> dt.date | None:
    """The ISO date a text field starts with (``"2025-12-01 (most ...)"``), else ``None``."""
    match = _DATE.match(text or "")
    return dt.date.fromisoformat(match.group(1)) if match else None


def _until(text: str) -> dt.date | None:
    match = _UNTIL.search(text or "")
    return dt.date.fromisoformat(match.group(1)) if match else None
