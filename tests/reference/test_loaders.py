"""Loaders return checked tables; corrupt input is reported with file, line and column."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from stockpile.reference import (
    ReferenceDataError,
    load_eu_crm_shares,
    load_export_control_materials,
    load_export_controls,
    load_import_sources,
    load_prices,
    load_production,
    load_recycling,
    load_reserves_capacity,
    load_sources,
    load_stockpile_programs,
    load_us_market,
    load_wgi,
    material_keys,
    tables,
)
from stockpile.reference._schema import parse_table, read_table

# Row counts documented in the data set's README.
DOCUMENTED_ROWS = {
    load_production: 766,
    load_reserves_capacity: 368,
    load_us_market: 160,
    load_import_sources: 284,
    load_prices: 330,
    load_export_controls: 18,
    load_stockpile_programs: 17,
    load_recycling: 24,
    load_wgi: 2542,
}


@pytest.mark.parametrize("loader", list(DOCUMENTED_ROWS), ids=lambda f: f.__name__)
def test_row_counts_match_the_readme(loader) -> None:  # type: ignore[no-untyped-def]
    assert len(loader()) == DOCUMENTED_ROWS[loader]


def test_types_are_checked() -> None:
    prod = load_production()
    assert prod["year"].dtype == "int64"
    assert prod["value"].dtype == "float64"
    assert prod["estimated"].dtype == "bool"
    # a value USGS withheld stays empty, its symbol kept as printed
    us_2025 = prod[(prod["material"] == "antimony") & (prod["iso3"] == "USA")]
    row = us_2025[us_2025["year"] == 2025].iloc[0]
    assert pd.isna(row["value"]) and row["value_raw"] == "W"


def test_loaders_return_fresh_copies() -> None:
    a = load_prices()
    a.loc[0, "price"] = -1.0
    assert load_prices().loc[0, "price"] != -1.0


def test_every_row_has_a_known_source() -> None:
    known = set(load_sources()["source_id"])
    for loader in (
        load_production,
        load_reserves_capacity,
        load_us_market,
        load_prices,
        load_import_sources,
        load_wgi,
    ):
        assert set(loader()["source_id"]) <= known, loader.__name__


def test_export_control_dates_are_parsed() -> None:
    ec = load_export_controls().set_index("measure_id")
    assert ec.loc["CN-2024-SB", "effective"] == dt.date(2024, 9, 15)
    assert ec.loc["CN-2024-US-BAN", "suspended_until"] == dt.date(2026, 11, 27)
    assert ec.loc["CN-2025-OCT-55", "effective"] is None  # not confirmed by the sources


def test_export_control_links_name_known_measures_and_materials() -> None:
    links = load_export_control_materials()
    assert set(links["measure_id"]) <= set(load_export_controls()["measure_id"])
    assert set(links["material"]) <= set(material_keys())


def test_eu_crm_shares_cover_14_materials() -> None:
    assert load_eu_crm_shares()["material"].nunique() == 14


CSV_OK = "material,value\nantimony,1\n"


def _schema() -> tables.TableSchema:
    from stockpile.reference._schema import Column, Kind, TableSchema

    return TableSchema(
        "t",
        (Column("material", Kind.REQUIRED_TEXT), Column("value", Kind.FLOAT, non_negative=True)),
        key=("material",),
    )


def test_negative_production_names_line_and_column() -> None:
    with pytest.raises(ReferenceDataError, match=r"t.csv, line 3, column 'value': negative"):
        parse_table(CSV_OK + "tin,-5\n", _schema(), file="t.csv")


def test_text_in_a_number_column() -> None:
    with pytest.raises(ReferenceDataError, match=r"line 2, column 'value': expected number"):
        parse_table("material,value\nantimony,lots\n", _schema(), file="t.csv")


def test_missing_column() -> None:
    with pytest.raises(ReferenceDataError, match=r"missing column\(s\) \['value'\]"):
        parse_table("material\nantimony\n", _schema(), file="t.csv")


def test_duplicate_key() -> None:
    with pytest.raises(ReferenceDataError, match="line 3: duplicate key"):
        parse_table(CSV_OK + "antimony,2\n", _schema(), file="t.csv")


def test_ragged_row_is_a_clear_error() -> None:
    with pytest.raises(ReferenceDataError, match=r"t\.csv, line 3: row has 4 fields, header has 2"):
        parse_table(CSV_OK + "tin,1,2,3\n", _schema(), file="t.csv")


def test_partial_file(tmp_path: Path) -> None:
    """A file cut mid-row: the short row is reported, not silently padded."""
    path = tmp_path / "cut.csv"
    path.write_text("material,value\nantimony,1\ntin")
    with pytest.raises(ReferenceDataError, match=r"cut\.csv, line 3, column 'value': row has 1"):
        read_table(path, _schema())


def test_undecodable_file(tmp_path: Path) -> None:
    path = tmp_path / "latin.csv"
    path.write_bytes("material,value\nMünster,1\n".encode("cp1252"))
    with pytest.raises(ReferenceDataError, match=r"latin\.csv: cannot decode as utf-8"):
        read_table(path, _schema())
