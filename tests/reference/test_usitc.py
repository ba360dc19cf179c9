"""Tests of the USITC DataWeb importer and of partner shares.

Oracles: the bundled table regenerated from the two DataWeb exports (every cell and the CSV
text), totals added by hand from the raw sheets, a small workbook built here whose tidy rows
are worked out by hand, and the invariant that shares sum to one over the partner selection.
"""

from __future__ import annotations

import gzip
import hashlib
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest

from stockpile.reference import NoDataError, ReferenceDataError, usitc
from stockpile.reference.loaders import data_path, load_sources
from stockpile.reference.usitc import (
    TRADE_COLUMNS,
    USITC_FILE,
    USITC_PARTNERS,
    Flow,
    UsitcFormatError,
    coverage_label,
    format_usitc_csv,
    import_usitc,
    load_usitc_trade,
    partner_shares,
    read_usitc_export,
    write_usitc_trade,
)

#: Copies of the DataWeb exports (retrieved 2026-07-10; therealjameswilson/
#: critical-minerals-records-stage-v3, data/raw @ a67e3d4).
RAW = Path(__file__).parent / "data" / "usitc-dataweb"
IMPORTS = RAW / "us_imports_for_consumption_1993-2026.xlsx"
EXPORTS = RAW / "us_domestic_exports_1993-2026.xlsx"
SHA256 = {
    IMPORTS: "fb453f549a3a9923b474a7b1fc4833b98319eef110e00920d79fb63b558d9b45",
    EXPORTS: "204dbe2f51cf3d0f5eaf554359dac50a27c45c3572b17d268b12629fea59f19c",
}


@pytest.fixture(scope="module")
def regenerated() -> pd.DataFrame:
    return import_usitc([IMPORTS, EXPORTS])


def test_raw_exports_are_the_retrieved_files() -> None:
    for path, digest in SHA256.items():
        assert hashlib.sha256(path.read_bytes()).hexdigest() == digest


def test_bundled_table_regenerates_exactly(regenerated: pd.DataFrame) -> None:
    bundled = load_usitc_trade()
    pd.testing.assert_frame_equal(bundled, regenerated, check_exact=True)
    text = gzip.decompress(data_path(USITC_FILE).read_bytes()).decode("utf-8")
    assert text == format_usitc_csv(regenerated)


def test_write_is_deterministic(regenerated: pd.DataFrame, tmp_path: Path) -> None:
    a = write_usitc_trade(regenerated, tmp_path / "a.csv.gz").read_bytes()
    b = write_usitc_trade(regenerated, tmp_path / "b.csv.gz").read_bytes()
    assert a == b
    plain = write_usitc_trade(regenerated, tmp_path / "c.csv").read_text(encoding="utf-8")
    assert plain == gzip.decompress(a).decode("utf-8")


def test_schema_and_source(regenerated: pd.DataFrame) -> None:
    assert tuple(regenerated.columns) == TRADE_COLUMNS
    assert set(regenerated["flow"]) == {"imports", "exports"}
    assert regenerated["hts4"].str.fullmatch(r"\d{4}").all()
    assert set(regenerated["partner"]) == set(USITC_PARTNERS)
    assert (regenerated["iso3"] == regenerated["partner"].map(USITC_PARTNERS)).all()
    assert set(regenerated["source_id"]) == {"USITC_DATAWEB"}
    assert "USITC_DATAWEB" in set(load_sources()["source_id"])
    headings = set(regenerated["hts4"])
    assert len(headings) == 25 and {"8110", "2504", "2846", "8112", "8505"} <= headings


def test_months_covered(regenerated: pd.DataFrame) -> None:
    assert set(regenerated.loc[regenerated["year"] == 2026, "months_covered"]) == {4}
    assert set(regenerated.loc[regenerated["year"] < 2026, "months_covered"]) == {12}
    assert regenerated["year"].min() == 1993


def test_hand_checked_antimony_imports_2024(regenerated: pd.DataFrame) -> None:
    rows = regenerated[
        (regenerated["flow"] == "imports")
        & (regenerated["hts4"] == "8110")
        & (regenerated["year"] == 2024)
    ]
    assert set(rows["quantity_unit"]) == {"kilograms"}
    assert len(rows) == 10  # 8 of the 18 partners shipped nothing
    # Customs value, sheet 'Customs Value', column 2024, read off the workbook row by row:
    # Australia 35,660 + Canada 371,530 + China 10,548,234 + France 134,608 + Germany 18,661
    # + India 13,701,542 + Japan 879,051 + Myanmar 2,188,116 + South Korea 480,329
    # + Vietnam 14,485,867 = 42,843,598.
    assert rows["value_usd"].sum() == 42_843_598
    # First unit of quantity [kg]: 1,833 + 696 + 493,633 + 3,031 + 59 + 873,187 + 4,157
    # + 122,921 + 35,445 + 719,103 = 2,254,065.
    assert rows["quantity"].sum() == 2_254_065
    vietnam = rows[rows["partner"] == "Vietnam"].iloc[0]
    assert (vietnam["value_usd"], vietnam["quantity"]) == (14_485_867, 719_103)


def test_hand_checked_antimony_imports_jan_apr_2026(regenerated: pd.DataFrame) -> None:
    rows = regenerated[
        (regenerated["flow"] == "imports")
        & (regenerated["hts4"] == "8110")
        & (regenerated["year"] == 2026)
    ]
    # Sheet 'Customs Value YTD', column 2026_Year_to_date: Canada 146,139 + China 316,425
    # + France 64,706 + India 2,421,968 + Japan 197,698 + Malaysia 975,343
    # + Myanmar 2,619,902 + South Korea 6,247,805 = 12,989,986.
    assert rows["value_usd"].sum() == 12_989_986
    assert set(rows["months_covered"]) == {4}


def test_imports_value_matches_printed_totals(regenerated: pd.DataFrame) -> None:
    # 'Total:' row of sheet 'Customs Value': 1993 2,497,711,093; 2025 8,193,069,675.
    imports = regenerated[regenerated["flow"] == "imports"]
    by_year = imports.groupby("year")["value_usd"].sum()
    assert by_year[1993] == 2_497_711_093
    assert by_year[2025] == 8_193_069_675
    # 'Total:' row of sheet 'Customs Value YTD', 2026_Year_to_date: 3,812,367,144.
    assert by_year[2026] == 3_812_367_144


def test_no_units_collected_has_no_quantity(regenerated: pd.DataFrame) -> None:
    rows = regenerated[regenerated["quantity_unit"] == "no units collected"]
    assert len(rows) > 0 and rows["quantity"].isna().all()
    second = regenerated[regenerated["quantity_kind"] == "second"]
    assert len(second) > 0 and second["value_usd"].isna().all()


CASES = [("imports", "8110", 2024), ("imports", "2846", 2025), ("imports", "8505", 2026),
         ("exports", "2504", 2024), ("imports", "8112", 1993)]  # fmt: skip


@pytest.mark.parametrize(("flow", "hts4", "year"), CASES)
def test_shares_sum_to_one_over_18_partners(flow: str, hts4: str, year: int) -> None:
    shares = partner_shares(load_usitc_trade(), hts4=hts4, year=year, flow=flow)
    assert len(shares) == 18
    assert set(shares["partner"]) == set(USITC_PARTNERS)
    assert shares["share"].sum() == pytest.approx(1.0, abs=1e-12)
    assert (shares["share"] >= 0).all()
    assert shares["share"].is_monotonic_decreasing
    label = coverage_label(flow, 18)
    assert (shares["coverage"] == label).all()
    assert shares.attrs["coverage"] == label
    assert "18 selected partner countries" in label and "not of world" in label


def test_import_share_label_text() -> None:
    shares = partner_shares(load_usitc_trade(), hts4="8110", year=2024)
    assert shares["coverage"].iloc[0] == (
        "share of U.S. imports from 18 selected partner countries (USITC DataWeb selection), "
        "not of world imports"
    )


def test_share_hand_values() -> None:
    shares = partner_shares(load_usitc_trade(), hts4=8110, year=2024).set_index("partner")
    assert shares.loc["Vietnam", "share"] == pytest.approx(14_485_867 / 42_843_598, rel=1e-12)
    assert shares.loc["Russia", "share"] == 0.0
    assert shares.index[0] == "Vietnam"
    by_qty = partner_shares(
        load_usitc_trade(), hts4="8110", year=2024, quantity_unit="kilograms"
    ).set_index("partner")
    assert by_qty.loc["India", "share"] == pytest.approx(873_187 / 2_254_065, rel=1e-12)


def test_partner_shares_errors() -> None:
    trade = load_usitc_trade()
    with pytest.raises(NoDataError, match="HTS 8110 in 1980"):
        partner_shares(trade, hts4="8110", year=1980)
    with pytest.raises(ValueError, match="4-digit"):
        partner_shares(trade, hts4="81", year=2024)
    with pytest.raises(ValueError, match="'imports' or 'exports'"):
        partner_shares(trade, hts4="8110", year=2024, flow="re-exports")
    with pytest.raises(NoDataError, match="first unit 'grams'"):
        partner_shares(trade, hts4="8110", year=2024, quantity_unit="grams")
    with pytest.raises(ValueError, match="lacks column"):
        partner_shares(trade.drop(columns="value_usd"), hts4="8110", year=2024)


def test_flow_enum() -> None:
    assert Flow("imports") is Flow.IMPORTS
    assert "exports" in coverage_label(Flow.EXPORTS)


# --------------------------------------------------------------- a workbook built here

YEARS = (2024, 2025, 2026)
Rows = dict[str, list[list[Any]]]


def _sheet_rows(
    title: str, data_type: str, data: list[list[Any]], *, ytd: bool, qty: bool
) -> list[list[Any]]:
    years = [f"{y}_Year_to_date" if ytd else str(y) for y in YEARS]
    header = ["Data Type", "Country", "HTS Number", "Description", "Quantity Description", *years]
    if qty:
        header += [f"{y}_Suppressed" for y in years]
    rows: list[list[Any]] = [[title], ["Data Row Count", float(len(data))], header]
    rows += [[data_type, *r] for r in data]
    if not qty:
        totals = [f"{sum(r[4 + j] for r in data):,.0f}" for j in range(len(YEARS))]
        rows.append(["Total: ", "", "", "", "", *totals])
    return rows


SB, REE = "ANTIMONY AND ARTICLES THEREOF", "COMPOUNDS OF RARE-EARTH METALS"


def _synthetic_rows(flow: str = "Imports For Consumption") -> Rows:
    title = f"{flow}|Annual + Year-To-Date Data from Jan - Apr"
    value = "Customs Value" if flow == "Imports For Consumption" else "FAS Value"
    annual_v = [["China", "8110", SB, "Value for: kilograms", 100.0, 200.0, 0.0],
                ["Japan", "8110", SB, "Value for: kilograms", 0.0, 0.0, 0.0],
                ["China", "2846", REE, "Value for: no units collected", 5.0, 0.0, 0.0]]  # fmt: skip
    ytd_v = [["China", "8110", SB, "Value for: kilograms", 30.0, 60.0, 70.0],
             ["Japan", "8110", SB, "Value for: kilograms", 0.0, 0.0, 10.0],
             ["China", "2846", REE, "Value for: no units collected", 1.0, 0.0, 0.0]]  # fmt: skip
    annual_q = [["China", "8110", SB, "kilograms", 10.0, 25.0, 0.0, 0.0, 3.0, 0.0],
                ["Japan", "8110", SB, "kilograms", 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
                ["China", "2846", REE, "no units collected", 0.0, 0.0, 0.0, 0, 0, 0]]  # fmt: skip
    ytd_q = [["China", "8110", SB, "kilograms", 3.0, 6.0, 7.0, 0.0, 0.0, 0.0],
             ["Japan", "8110", SB, "kilograms", 0.0, 0.0, 2.0, 0.0, 0.0, 0.0],
             ["China", "2846", REE, "no units collected", 0.0, 0.0, 0.0, 0, 0, 0]]  # fmt: skip
    second = [["China", "8110", SB, "component kilograms", 4.0, 0.0, 0.0, 0.0, 0.0, 0.0]]
    second_ytd = [["China", "8110", SB, "component kilograms", 1.0, 0.0, 2.0, 0.0, 0.0, 0.0]]
    return {
        "Query Parameters": [["Download Date", "2026-07-10"], ["Trade Flow", flow]],
        value: _sheet_rows(title, value, annual_v, ytd=False, qty=False),
        f"{value} YTD": _sheet_rows(title, value, ytd_v, ytd=True, qty=False),
        "First Unit of Quantity": _sheet_rows(
            title, "First Unit of Quantity", annual_q, ytd=False, qty=True
        ),
        "First Unit of Quantity YTD": _sheet_rows(
            title, "First Unit of Quantity", ytd_q, ytd=True, qty=True
        ),
        "Second Unit of Quantity": _sheet_rows(
            title, "Second Unit of Quantity", second, ytd=False, qty=True
        ),
        "Second Unit of Quantity YTD": _sheet_rows(
            title, "Second Unit of Quantity", second_ytd, ytd=True, qty=True
        ),
    }


def _write(path: Path, rows: Rows) -> Path:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, sheet_rows in rows.items():
        ws = book.create_sheet(name)
        for r in sheet_rows:
            ws.append(r)
    book.save(path)
    return path


def _built(tmp_path: Path, mutate: Callable[[Rows], None] | None = None) -> Path:
    rows = _synthetic_rows()
    if mutate is not None:
        mutate(rows)
    return _write(tmp_path / "dataweb.xlsx", rows)


def test_synthetic_workbook_tidy_rows_by_hand(tmp_path: Path) -> None:
    trade = read_usitc_export(_built(tmp_path))
    got = {
        (r.hts4, r.partner, r.year, r.months_covered, r.quantity_kind, r.quantity_unit): (
            r.value_usd, r.quantity, r.quantity_suppressed
        )
        for r in trade.itertuples()
    }  # fmt: skip
    nan = math.nan
    expected = {
        # 2024 and 2025 from the full-year sheets; Japan (all zero) is omitted.
        ("8110", "China", 2024, 12, "first", "kilograms"): (100.0, 10.0, 0.0),
        ("8110", "China", 2025, 12, "first", "kilograms"): (200.0, 25.0, 3.0),
        ("2846", "China", 2024, 12, "first", "no units collected"): (5.0, nan, 0.0),
        ("8110", "China", 2024, 12, "second", "component kilograms"): (nan, 4.0, 0.0),
        # 2026: full-year columns all zero, so January-April from the YTD sheets.
        ("8110", "China", 2026, 4, "first", "kilograms"): (70.0, 7.0, 0.0),
        ("8110", "Japan", 2026, 4, "first", "kilograms"): (10.0, 2.0, 0.0),
        ("8110", "China", 2026, 4, "second", "component kilograms"): (nan, 2.0, 0.0),
    }
    assert set(got) == set(expected)
    for key, values in expected.items():
        for a, b in zip(got[key], values, strict=True):
            assert (math.isnan(a) and math.isnan(b)) or a == b, key
    assert set(trade["flow"]) == {"imports"}
    assert set(trade["iso3"]) == {"CHN", "JPN"}


def test_synthetic_year_to_date_rows(tmp_path: Path) -> None:
    trade = read_usitc_export(_built(tmp_path), year_to_date=True)
    first = trade[trade["quantity_kind"] == "first"]
    ytd = first[first["months_covered"] == 4].set_index(["hts4", "partner", "year"])
    # Jan-Apr of every year from the YTD sheets (zero rows omitted).
    assert ytd["value_usd"].to_dict() == {
        ("2846", "China", 2024): 1.0,
        ("8110", "China", 2024): 30.0,
        ("8110", "China", 2025): 60.0,
        ("8110", "China", 2026): 70.0,
        ("8110", "Japan", 2026): 10.0,
    }
    assert set(first.loc[first["months_covered"] == 12, "year"]) == {2024, 2025}
    with pytest.raises(ValueError, match=r"cover \[4, 12\] months"):
        partner_shares(trade, hts4="8110", year=2025)
    shares = partner_shares(trade, hts4="8110", year=2025, months_covered=4)
    assert shares.set_index("partner")["share"].to_dict() == {"China": 1.0, "Japan": 0.0}
    assert (shares["coverage"] == coverage_label("imports", 2)).all()


def test_synthetic_exports_flow(tmp_path: Path) -> None:
    path = _write(tmp_path / "x.xlsx", _synthetic_rows("Domestic Exports"))
    assert set(read_usitc_export(path)["flow"]) == {"exports"}


def _set(sheet: str, row: int, col: int, value: Any) -> Callable[[Rows], None]:
    def mutate(rows: Rows) -> None:
        rows[sheet][row - 1][col] = value

    return mutate


def _drop_sheet(rows: Rows) -> None:
    del rows["First Unit of Quantity YTD"]


def _extra_row(rows: Rows) -> None:
    rows["Customs Value"][1][1] = 2.0


def _orphan_quantity(rows: Rows) -> None:
    rows["First Unit of Quantity"][5][4] = "grams"


def _short_years(rows: Rows) -> None:
    for r in rows["Second Unit of Quantity"]:
        if len(r) > 7:
            del r[7]
            del r[-1]


def _duplicate(rows: Rows) -> None:
    sheet = rows["First Unit of Quantity"]
    sheet[4] = list(sheet[3])


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (_drop_sheet, r"dataweb\.xlsx: missing sheet 'First Unit of Quantity YTD'"),
        (_set("Customs Value", 4, 5, "n/a"),
         r"sheet 'Customs Value', row 4, column F \(2024\): expected a number, got 'n/a'"),
        (_set("First Unit of Quantity", 5, 6, -3.0),
         r"sheet 'First Unit of Quantity', row 5, column G \(2025\): .*non-negative"),
        (_set("Customs Value YTD", 3, 1, "Partner"),
         r"sheet 'Customs Value YTD', row 3, column B \(Partner\): expected header 'Country'"),
        (_set("Customs Value", 4, 2, "81A0"), r"row 4, column C .*4-digit HTS heading"),
        (_set("Customs Value", 7, 6, "999"), r"row 7, column G \(2025\): rows sum to 200"),
        (_set("Query Parameters", 2, 1, "General Imports"), r"trade flow 'General Imports'"),
        (_set("Customs Value YTD", 1, 0, "Imports For Consumption|Annual"),
         r"does not name the year-to-date months"),
        (_extra_row, r"sheet 'Customs Value', row 6: 'Data Row Count' is 2 but row 6"),
        (_duplicate, r"sheet 'First Unit of Quantity', row 5: duplicate row"),
        (_orphan_quantity, r"'First Unit of Quantity', row 6: no value row for .*'grams'"),
        (_short_years, r"'Second Unit of Quantity', row 3: years \[2024, 2025\] differ"),
        (_set("Customs Value", 3, 7, "Notes"), r"column H \(Notes\): unexpected column header"),
    ],
)  # fmt: skip
def test_bad_workbooks_name_file_sheet_row_column(
    tmp_path: Path, mutate: Callable[[Rows], None], message: str
) -> None:
    path = _built(tmp_path, mutate)
    with pytest.raises(UsitcFormatError, match=message) as info:
        read_usitc_export(path)
    assert isinstance(info.value, ReferenceDataError)
    assert info.value.file == "dataweb.xlsx"


def test_not_a_workbook(tmp_path: Path) -> None:
    bad = tmp_path / "trade.xlsx"
    bad.write_text("country,value\nChina,1\n", encoding="utf-8")
    with pytest.raises(UsitcFormatError, match=r"trade\.xlsx: not a readable \.xlsx"):
        read_usitc_export(bad)
    with pytest.raises(UsitcFormatError, match="file not found"):
        read_usitc_export(tmp_path / "missing.xlsx")


def test_same_flow_twice(tmp_path: Path) -> None:
    path = _built(tmp_path)
    with pytest.raises(UsitcFormatError, match=r"flow 'imports' is also in dataweb\.xlsx"):
        import_usitc([path, path])
    with pytest.raises(ValueError, match="at least one file"):
        import_usitc([])


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda t: t.replace(",8110,", ",81X0,", 1), r"line \d+, column 'hts4'.*4-digit"),
        (lambda t: t.replace(",12,first,kilograms,", ",12,first,kilograms,-", 1),
         r"column 'value_usd'.*negative"),
        (lambda t: t.replace("imports,", "re-exports,", 1), r"column 'flow'"),
        (lambda t: t.replace("quantity_suppressed,", "withheld,", 1), r"line 1: missing column"),
    ],
)  # fmt: skip
def test_bundled_table_schema_errors(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    edit: Callable[[str], str],
    message: str,
) -> None:
    text = gzip.decompress(data_path(USITC_FILE).read_bytes()).decode("utf-8")
    broken = tmp_path / USITC_FILE
    broken.write_bytes(gzip.compress(edit(text).encode("utf-8"), mtime=0))
    monkeypatch.setattr(usitc, "data_path", lambda name: tmp_path / name)
    monkeypatch.setattr(usitc, "_CACHE", {})
    with pytest.raises(ReferenceDataError, match=message) as info:
        load_usitc_trade()
    assert USITC_FILE in str(info.value)
