"""Reshaping the parsed MCS data release into the five USGS reference tables.

Pure computation: takes the parsed release (a DataFrame) and the rules, returns DataFrames and
the messages of everything the rules did not cover. No file access.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Union

import numpy as np
import pandas as pd

from stockpile.reference._mcs_rules import Erratum, McsRules, UsMarketSeries
from stockpile.reference._mcs_values import (
    ParsedValue,
    ValueKind,
    clean_note_parts,
    is_estimated,
    mentions_estimate,
    parse_value,
    round_significant,
)

__all__ = [
    "IMPORT_SOURCES_COLUMNS",
    "PRICES_COLUMNS",
    "PRODUCTION_COLUMNS",
    "RESERVES_CAPACITY_COLUMNS",
    "US_MARKET_COLUMNS",
    "Issues",
    "build_import_sources",
    "build_prices",
    "build_production",
    "build_reserves_capacity",
    "build_us_market",
    "parse_release",
    "select_imported",
]

PRODUCTION_COLUMNS = (
    "material", "mcs_chapter", "country", "iso3", "year", "stage", "statistic", "value",
    "value_raw", "unit", "basis", "estimated", "usgs_note", "source_id",
)  # fmt: skip
RESERVES_CAPACITY_COLUMNS = (
    "material", "mcs_chapter", "country", "iso3", "year", "kind", "statistic", "value",
    "value_raw", "unit", "basis", "usgs_note", "source_id",
)  # fmt: skip
US_MARKET_COLUMNS = (
    "material", "mcs_chapter", "year", "us_production", "us_production_raw",
    "us_production_statistic", "us_other_production", "us_other_production_raw",
    "us_other_production_statistic", "us_consumption", "us_consumption_raw",
    "us_consumption_statistic", "unit", "basis", "net_import_reliance_pct",
    "net_import_reliance_raw", "net_import_reliance_statistic", "main_import_sources",
    "import_sources_period", "estimated", "source_id",
)  # fmt: skip
IMPORT_SOURCES_COLUMNS = (
    "material", "mcs_chapter", "import_category", "country", "iso3", "period", "share_pct",
    "share_raw", "usgs_note", "source_id",
)  # fmt: skip
PRICES_COLUMNS = (
    "material", "mcs_chapter", "price_basis", "year", "price", "price_raw", "unit",
    "usd_per_kg_derived", "estimated", "usgs_note", "source_id",
)  # fmt: skip

#: Joins the footnotes kept in ``usgs_note``.
NOTE_JOIN = " | "
#: Appended to ``price_basis`` where USGS prints a range and the price is its midpoint.
RANGE_SUFFIX = " [range printed; value = midpoint]"

_WORLD_PREFIX = "World"
_SALIENT_PREFIX = "Salient Statistics"
_IMPORT_SOURCES = "Import Sources"
_PRICE = "Price"
_WORLD_STATISTICS = ("Production", "Reserves", "Capacity")


#: One release row: a DataFrame row or a record dict with the release's columns.
_Row = Union["pd.Series[Any]", Mapping[str, Any]]


@dataclass
class Issues:
    """Messages about rows the rules do not cover; each distinct message is kept once."""

    messages: list[str] = field(default_factory=list)

    def add(self, message: str) -> None:
        """Record ``message`` unless already recorded."""
        if message not in self.messages:
            self.messages.append(message)


def _where(row: _Row) -> str:
    return f"line {row['line']} (chapter {row['MCS chapter']!r})"


def parse_release(raw: pd.DataFrame, symbols: dict[str, ValueKind]) -> pd.DataFrame:
    """Add the readings of each row to the text table of the release.

    Adds ``value`` [unit of the row] (float, NaN where no number), ``value_kind`` (a
    :class:`ValueKind` value), ``estimated`` (bool) and ``usgs_note`` (footnotes without the
    generic ones, joined by `` | ``).
    """
    parsed = [parse_value(v, symbols) for v in raw["Value"].tolist()]
    out = raw.copy()
    out["value"] = np.array(
        [np.nan if p.value is None else p.value for p in parsed], dtype="float64"
    )
    out["value_kind"] = pd.Series([p.kind.value for p in parsed], index=raw.index, dtype=str)
    notes = raw["Notes"].tolist()
    out["estimated"] = np.array([is_estimated(n) for n in notes], dtype=bool)
    out["usgs_note"] = pd.Series(
        [NOTE_JOIN.join(clean_note_parts(n)) for n in notes], index=raw.index, dtype=str
    )
    return out


def select_imported(release: pd.DataFrame, rules: McsRules, issues: Issues) -> pd.DataFrame:
    """Rows of the chapters marked imported; unknown chapters are reported and skipped."""
    chapters = release["MCS chapter"]
    for name in pd.unique(chapters):
        if name not in rules.chapters:
            first = release.loc[chapters == name, "line"].iloc[0]
            issues.add(
                f"unknown MCS chapter {name!r} (first at line {first}): not in the mapping "
                "rules (data/mcs/chapters.csv); its rows were skipped"
            )
    imported = [c.mcs_chapter for c in rules.chapters.values() if c.imported]
    rows = release[chapters.isin(imported)]
    _check_sections(rows, issues)
    return rows


def _check_sections(rows: pd.DataFrame, issues: Issues) -> None:
    """Report imported rows in a section or with a world statistic the importer does not use."""
    section = rows["Section"]
    world = section.str.startswith(_WORLD_PREFIX)
    known = world | section.str.startswith(_SALIENT_PREFIX) | (section == _IMPORT_SOURCES)
    unused_world = world & ~rows["Statistics"].isin(_WORLD_STATISTICS)
    for mask, what in ((~known, "section"), (unused_world, "world statistic")):
        for _, row in (
            rows[mask].drop_duplicates(["MCS chapter", "Section", "Statistics"]).iterrows()
        ):
            issues.add(
                f"{_where(row)}: {what} {row['Section']!r} / {row['Statistics']!r} is not "
                "used by the importer; its rows were skipped"
            )


def _check_symbol(row: _Row, issues: Issues) -> None:
    if row["value_kind"] == ValueKind.UNKNOWN.value:
        issues.add(
            f"{_where(row)}, column 'Value': unknown value symbol {row['Value']!r}; "
            "kept as printed in the *_raw column, numeric value left empty"
        )


def _year(row: pd.Series, issues: Issues) -> int | None:
    text = row["Year"].strip()
    if text.isdigit():
        return int(text)
    issues.add(f"{_where(row)}, column 'Year': not a year ({text!r}); row skipped")
    return None


def _iso3(country: str, rules: McsRules, issues: Issues) -> str:
    code = rules.countries.get(country)
    if code is None:
        issues.add(
            f"country {country!r} has no ISO3 code in data/mcs/countries.csv; iso3 left empty"
        )
        return ""
    return code


def _join_notes(note: str, extra: str) -> str:
    if not extra:
        return note
    return NOTE_JOIN.join(p for p in (note, extra) if p)


@dataclass
class _Cell:
    """The mutable reading of one row while errata are applied."""

    raw: str
    value: float
    unit: str
    note: str


def _apply_errata(
    cell: _Cell,
    errata: Iterable[Erratum],
    *,
    table: str,
    row: pd.Series,
    symbols: dict[str, ValueKind],
    issues: Issues,
) -> _Cell:
    for e in errata:
        if not e.matches(
            table, row["MCS chapter"], row["Country"], row["Statistics_detail"], row["Year"]
        ):
            continue
        printed = cell.unit if e.field == "unit" else cell.raw
        if printed != e.printed:
            issues.add(
                f"{_where(row)}: erratum {e.erratum_id!r} not applied: the release prints "
                f"{printed!r}, the erratum expects {e.printed!r}"
            )
            continue
        if e.field == "unit":
            cell.unit = e.corrected
        elif e.field == "value_raw":
            parsed: ParsedValue = parse_value(e.corrected, symbols)
            cell.raw = e.corrected
            cell.value = np.nan if parsed.value is None else parsed.value
        cell.note = _join_notes(cell.note, e.note)
    return cell


def _cell(row: pd.Series, issues: Issues) -> _Cell:
    _check_symbol(row, issues)
    return _Cell(row["Value"], float(row["value"]), row["Unit"], row["usgs_note"])


def _frame(
    records: list[dict[str, object]], columns: tuple[str, ...], floats: Iterable[str]
) -> pd.DataFrame:
    frame = pd.DataFrame.from_records(records, columns=list(columns))
    for name in columns:
        if name in floats:
            frame[name] = frame[name].astype("float64")
        elif name == "year":
            frame[name] = frame[name].astype("int64")
        elif name == "estimated":
            frame[name] = frame[name].astype("bool")
        else:
            frame[name] = frame[name].astype(str)
    return frame


def _world_rows(rows: pd.DataFrame, statistics: tuple[str, ...]) -> pd.DataFrame:
    world = rows["Section"].str.startswith(_WORLD_PREFIX)
    return rows[world & rows["Statistics"].isin(statistics)]


def _world_match(row: pd.Series, rules: McsRules, issues: Issues) -> tuple[str, str] | None:
    chapter = row["MCS chapter"]
    for rule in rules.world_rows:
        if rule.matches(chapter, row["Commodity"], row["Statistics"], row["Statistics_detail"]):
            return rule.material or rules.chapters[chapter].material, rule.stage
    issues.add(
        f"{_where(row)}: no rule in data/mcs/world_rows.csv for statistic "
        f"{row['Statistics']!r} / {row['Statistics_detail']!r}; row skipped"
    )
    return None


def _world_table(
    rows: pd.DataFrame, rules: McsRules, issues: Issues, *, production: bool, source_id: str
) -> pd.DataFrame:
    table = "production" if production else "reserves_capacity"
    statistics = ("Production",) if production else ("Reserves", "Capacity")
    records: list[dict[str, object]] = []
    for _, row in _world_rows(rows, statistics).iterrows():
        match = _world_match(row, rules, issues)
        year = _year(row, issues)
        if match is None or year is None:
            continue
        material, stage = match
        cell = _apply_errata(
            _cell(row, issues),
            rules.errata,
            table=table,
            row=row,
            symbols=rules.symbols,
            issues=issues,
        )
        record: dict[str, object] = {
            "material": material,
            "mcs_chapter": row["MCS chapter"],
            "country": row["Country"],
            "iso3": _iso3(row["Country"], rules, issues),
            "year": year,
            "statistic": row["Statistics_detail"],
            "value": cell.value,
            "value_raw": cell.raw,
            "unit": cell.unit,
            "basis": rules.chapters[row["MCS chapter"]].basis,
            "usgs_note": cell.note,
            "source_id": source_id,
        }
        if production:
            record["stage"] = stage
            record["estimated"] = bool(row["estimated"])
        else:
            record["kind"] = row["Statistics"].lower()
        records.append(record)
    columns = PRODUCTION_COLUMNS if production else RESERVES_CAPACITY_COLUMNS
    return _frame(records, columns, ("value",))


def build_production(
    rows: pd.DataFrame, rules: McsRules, issues: Issues, *, source_id: str
) -> pd.DataFrame:
    """World production by country (``production_by_country.csv``)."""
    return _world_table(rows, rules, issues, production=True, source_id=source_id)


def build_reserves_capacity(
    rows: pd.DataFrame, rules: McsRules, issues: Issues, *, source_id: str
) -> pd.DataFrame:
    """World reserves and production capacity by country (``reserves_capacity_by_country.csv``)."""
    return _world_table(rows, rules, issues, production=False, source_id=source_id)


def _material_for(table: str, row: pd.Series, rules: McsRules, issues: Issues) -> str:
    chapter, commodity, detail = row["MCS chapter"], row["Commodity"], row["Statistics_detail"]
    for rule in rules.materials:
        if rule.matches(table, chapter, commodity, detail):
            return rule.material.replace("{commodity}", commodity.lower())
    issues.add(f"{_where(row)}: no material rule for commodity {commodity!r}")
    return rules.chapters[chapter].material


def build_import_sources(
    rows: pd.DataFrame, rules: McsRules, issues: Issues, *, source_id: str
) -> pd.DataFrame:
    """U.S. import sources by category and country, percent (``import_sources.csv``)."""
    records: list[dict[str, object]] = []
    for _, row in rows[rows["Section"] == _IMPORT_SOURCES].iterrows():
        _check_symbol(row, issues)
        records.append(
            {
                "material": _material_for("import_sources", row, rules, issues),
                "mcs_chapter": row["MCS chapter"],
                "import_category": row["Statistics_detail"],
                "country": row["Country"],
                "iso3": _iso3(row["Country"], rules, issues),
                "period": row["Year"].strip().replace("–", "-"),
                "share_pct": float(row["value"]),
                "share_raw": row["Value"],
                "usgs_note": row["usgs_note"],
                "source_id": source_id,
            }
        )
    return _frame(records, IMPORT_SOURCES_COLUMNS, ("share_pct",))


def _usd_per_kg(price: float, unit: str, rules: McsRules, issues: Issues) -> float:
    if np.isnan(price):
        return np.nan
    spec = rules.price_units.get(unit)
    if spec is None:
        issues.add(
            f"price unit {unit!r} is not in data/mcs/price_units.csv; usd_per_kg_derived left empty"
        )
        return np.nan
    return round_significant(price * spec.usd_per_price_unit / spec.kg_per_quantity_unit)


def build_prices(
    rows: pd.DataFrame, rules: McsRules, issues: Issues, *, source_id: str
) -> pd.DataFrame:
    """Annual average prices (``prices.csv``), with ``usd_per_kg_derived`` [USD/kg]."""
    salient = rows["Section"].str.startswith(_SALIENT_PREFIX)
    records: list[dict[str, object]] = []
    for _, row in rows[salient & (rows["Statistics"] == _PRICE)].iterrows():
        year = _year(row, issues)
        if year is None:
            continue
        cell = _apply_errata(
            _cell(row, issues),
            rules.errata,
            table="prices",
            row=row,
            symbols=rules.symbols,
            issues=issues,
        )
        basis = row["Statistics_detail"]
        if row["value_kind"] == ValueKind.RANGE.value:
            basis += RANGE_SUFFIX
        records.append(
            {
                "material": _material_for("prices", row, rules, issues),
                "mcs_chapter": row["MCS chapter"],
                "price_basis": basis,
                "year": year,
                "price": cell.value,
                "price_raw": cell.raw,
                "unit": cell.unit,
                "usd_per_kg_derived": _usd_per_kg(cell.value, cell.unit, rules, issues),
                "estimated": bool(row["estimated"]),
                "usgs_note": cell.note,
                "source_id": source_id,
            }
        )
    return _frame(records, PRICES_COLUMNS, ("price", "usd_per_kg_derived"))


def _headline(series: UsMarketSeries, imports: pd.DataFrame, issues: Issues) -> tuple[str, str]:
    parts: list[str] = []
    periods: list[str] = []
    chapter = imports[imports["mcs_chapter"] == series.mcs_chapter]
    for category in series.import_categories:
        sel = chapter[chapter["import_category"] == category]
        if sel.empty:
            issues.add(
                f"{series.material}: import category {category!r} not found in chapter "
                f"{series.mcs_chapter!r}; main_import_sources omits it"
            )
            continue
        shares = "; ".join(
            f"{c} {s}%" for c, s in zip(sel["country"], sel["share_raw"], strict=True)
        )
        parts.append(f"{category}: {shares}")
        periods.extend(p for p in sel["period"] if p not in periods)
    return NOTE_JOIN.join(parts), "; ".join(periods)


@dataclass(frozen=True)
class _UsField:
    """One statistic of a U.S. market row: its columns and the rule attribute naming it."""

    prefix: str  #: prefix of the ``*_raw`` and ``*_statistic`` columns
    value_column: str  #: the numeric column
    attribute: str  #: attribute of :class:`UsMarketSeries` holding the USGS label
    flags_estimate: bool  #: whether an estimate footnote on this row flags the whole row
    plain_numbers_only: bool = False  #: ranges and the zero dash give no value


#: The statistics of a U.S. market row, in column order. A secondary-production estimate
#: alone does not flag the row as estimated.
_US_FIELDS = (
    _UsField("us_production", "us_production", "production", True),
    _UsField("us_other_production", "us_other_production", "other_production", False),
    _UsField("us_consumption", "us_consumption", "consumption", True),
    _UsField("net_import_reliance", "net_import_reliance_pct", "net_import_reliance", True, True),
)


def _series_rows(rows: pd.DataFrame, series: UsMarketSeries) -> pd.DataFrame:
    sel = rows[
        (rows["MCS chapter"] == series.mcs_chapter)
        & rows["Section"].str.startswith(_SALIENT_PREFIX)
    ]
    if series.commodity:
        sel = sel[sel["Commodity"] == series.commodity]
    return sel[sel["Year"].str.strip().str.isdigit()]


def _us_record(
    series: UsMarketSeries, year_rows: pd.DataFrame, labels_seen: set[str], issues: Issues
) -> dict[str, object]:
    first: dict[str, dict[str, Any]] = {}
    for r in year_rows.to_dict("records"):
        first.setdefault(str(r["Statistics_detail"]), {str(k): v for k, v in r.items()})
    record: dict[str, object] = {}
    estimated = False
    unit = ""
    for spec in _US_FIELDS:
        label: str = getattr(series, spec.attribute)
        record[f"{spec.prefix}_statistic"] = label if label in labels_seen else ""
        if not label or label not in first:
            record[spec.value_column] = np.nan
            record[f"{spec.prefix}_raw"] = ""
            continue
        row = first[label]
        _check_symbol(row, issues)
        plain = row["value_kind"] == ValueKind.NUMBER.value
        use = plain or not spec.plain_numbers_only
        record[spec.value_column] = float(row["value"]) if use else np.nan
        record[f"{spec.prefix}_raw"] = row["Value"]
        if spec.flags_estimate:
            estimated = estimated or mentions_estimate(row["Notes"])
        if spec.attribute != "net_import_reliance" and not unit:
            unit = row["Unit"]
    record["unit"] = unit
    record["estimated"] = estimated
    return record


def build_us_market(
    rows: pd.DataFrame,
    imports: pd.DataFrame,
    rules: McsRules,
    issues: Issues,
    *,
    source_id: str,
) -> pd.DataFrame:
    """U.S. salient statistics per material series and year (``us_market.csv``).

    ``imports`` is the import-source table, for ``main_import_sources``. ``unit`` is the unit
    of the first production or consumption row present; ``net_import_reliance_pct`` [%] is
    set only where USGS prints a plain number.
    """
    present = set(rows["MCS chapter"])
    absent = [s.material for s in rules.us_market if s.mcs_chapter not in present]
    if absent:
        issues.add(f"U.S. market series without their chapter in this release: {absent}")
    records: list[dict[str, object]] = []
    for series in rules.us_market:
        if series.mcs_chapter not in present:
            continue
        sel = _series_rows(rows, series)
        seen = set(sel["Statistics_detail"])
        for spec in _US_FIELDS:
            label = getattr(series, spec.attribute)
            if label and label not in seen:
                issues.add(
                    f"{series.material}: statistic {label!r} ({spec.attribute}) not found in "
                    f"chapter {series.mcs_chapter!r}; left empty"
                )
        headline, period = _headline(series, imports, issues)
        years = sel["Year"].str.strip()
        for year_text in sorted(pd.unique(years), key=int):
            record = _us_record(series, sel[years == year_text], seen, issues)
            record.update(
                material=series.material,
                mcs_chapter=series.mcs_chapter,
                year=int(year_text),
                basis=rules.chapters[series.mcs_chapter].basis,
                main_import_sources=headline,
                import_sources_period=period,
                source_id=source_id,
            )
            records.append(record)
    floats = ("us_production", "us_other_production", "us_consumption", "net_import_reliance_pct")
    return _frame(records, US_MARKET_COLUMNS, floats)
