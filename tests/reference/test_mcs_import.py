"""Tests of the USGS MCS data-release importer.

Oracles: the bundled tables (every cell, and byte for byte), values checked by hand against
the raw release and the MCS 2026 revision history, hand-computed unit conversions, and
hypothesis properties of the value reader.
"""

from __future__ import annotations

import csv
import dataclasses
import filecmp
import gzip
import hashlib
import math
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from stockpile import reference
from stockpile.reference import mcs
from stockpile.reference._errors import ReferenceDataError
from stockpile.reference._mcs_values import (
    ValueKind,
    clean_note_parts,
    format_number,
    is_estimated,
    mentions_estimate,
    parse_value,
    round_significant,
)
from stockpile.reference._mcs_write import TABLE_FILES, format_table
from stockpile.reference.mcs import (
    MCS_COLUMNS,
    McsFormatError,
    McsImportWarning,
    McsTables,
    build_mcs_tables,
    load_mcs_rules,
    read_mcs_release,
    write_mcs_tables,
)

ROOT = Path(__file__).resolve().parents[2]
BUNDLED = ROOT / "src" / "stockpile" / "reference" / "data"
RULES_DIR = BUNDLED / "mcs"
#: The MCS 2026 data-release CSV (doi:10.5066/P1WKQ63T) byte for byte, gzip-compressed.
RAW = RULES_DIR / "release" / "usgs_mcs2026_commodities_data.csv.gz"
#: sha256 of the uncompressed release, as documented in the reference-data README.
RAW_SHA256 = "582a0aa231aea53d8a97dc8d1cd3dfa5f885cf3760353e3d029d7f0ae4fbaaf5"

SYMBOLS = load_mcs_rules().symbols


def test_bundled_release_is_the_published_file() -> None:
    assert hashlib.sha256(gzip.decompress(RAW.read_bytes())).hexdigest() == RAW_SHA256


@pytest.fixture(scope="module")
def tables() -> McsTables:
    # Warnings are errors in this suite: the real release must import without any.
    return build_mcs_tables(RAW)


def _bundled(name: str) -> pd.DataFrame:
    return pd.read_csv(BUNDLED / name, dtype=str, keep_default_na=False)


# --- the real release regenerates the bundled tables -------------------------------------


@pytest.mark.parametrize("attribute", list(TABLE_FILES))
def test_every_cell_equals_bundled(tables: McsTables, attribute: str) -> None:
    ours = getattr(tables, attribute)
    bundled = _bundled(TABLE_FILES[attribute])
    assert list(ours.columns) == list(bundled.columns)
    assert len(ours) == len(bundled)
    header, *body = format_table(ours)
    text = pd.DataFrame(body, columns=header, dtype=str)
    mismatch = text != bundled
    where = [(i, c) for c in bundled.columns for i in bundled.index[mismatch[c]]]
    assert where == [], f"first differing cells: {where[:5]}"


@pytest.mark.parametrize("attribute", list(TABLE_FILES))
def test_numbers_equal_bundled_numbers(tables: McsTables, attribute: str) -> None:
    ours = getattr(tables, attribute)
    bundled = pd.read_csv(BUNDLED / TABLE_FILES[attribute])
    for column in ours.columns:
        if pd.api.types.is_float_dtype(ours[column].dtype):
            np.testing.assert_array_equal(
                ours[column].to_numpy(), bundled[column].to_numpy(dtype="float64")
            )


def test_written_files_are_byte_identical(tables: McsTables, tmp_path: Path) -> None:
    written = write_mcs_tables(tables, tmp_path / "out")
    assert [p.name for p in written] == list(TABLE_FILES.values())
    for path in written:
        assert filecmp.cmp(path, BUNDLED / path.name, shallow=False), path.name


@pytest.mark.parametrize("attribute", list(TABLE_FILES))
def test_frames_equal_the_checked_loaders(tables: McsTables, attribute: str) -> None:
    loaded = getattr(reference, f"load_{attribute}")()
    pd.testing.assert_frame_equal(getattr(tables, attribute), loaded)


def test_typed_columns(tables: McsTables) -> None:
    assert tables.production["year"].dtype == np.int64
    assert tables.production["value"].dtype == np.float64
    assert tables.production["estimated"].dtype == bool
    assert tables.prices["usd_per_kg_derived"].dtype == np.float64
    assert tables.warnings == ()


# --- values checked by hand against the release ------------------------------------------


def _one(frame: pd.DataFrame, **where: object) -> pd.Series:
    sel = frame
    for key, value in where.items():
        sel = sel[sel[key] == value]
    assert len(sel) == 1, where
    return sel.iloc[0]


def test_hand_checked_production_and_reserves(tables: McsTables) -> None:
    row = _one(tables.production, material="antimony", country="China", year=2024)
    assert (row["value"], row["value_raw"], row["iso3"]) == (40000.0, "40,000", "CHN")
    assert row["estimated"] and row["basis"] == "Sb content" and row["stage"] == "mine"
    us = _one(tables.production, material="antimony", country="United States", year=2025)
    assert math.isnan(us["value"]) and us["value_raw"] == "W"
    yttrium = _one(tables.production, material="yttrium")
    assert yttrium["value"] == 12500.0  # midpoint of "10,000 - 15,000"
    world = _one(tables.reserves_capacity, material="antimony", country="World total")
    assert math.isnan(world["value"]) and world["value_raw"] == ">2,000,000"


def test_errata_applied(tables: McsTables) -> None:
    brazil = _one(tables.reserves_capacity, material="rare earths", country="Brazil")
    assert brazil["value"] == 11_000_000.0 and brazil["value_raw"] == "11,000,000"
    assert "v1.3" in brazil["usgs_note"]
    world = _one(tables.reserves_capacity, material="rare earths", country="World total")
    assert world["value_raw"] == ">75,000,000"
    vanadium = tables.reserves_capacity[tables.reserves_capacity["material"] == "vanadium"]
    assert set(vanadium["unit"]) == {"thousand metric tons"} and len(vanadium) == 7
    manganese = tables.prices[tables.prices["material"] == "manganese"]
    assert set(manganese["unit"]) == {"dollars per metric ton unit (mtu) of Mn content"}


def test_hand_computed_usd_per_kg(tables: McsTables) -> None:
    p = tables.prices
    pd_2021 = _one(p, material="palladium", year=2021)
    assert pd_2021["usd_per_kg_derived"] == round(2419.18 / 0.0311034768)  # 77778
    w_2021 = _one(p, material="tungsten", year=2021)
    assert w_2021["usd_per_kg_derived"] == pytest.approx(28.37)  # 225 / 7.93 kg W
    al_2021 = _one(p, material="aluminum", year=2021)
    assert al_2021["usd_per_kg_derived"] == pytest.approx(3.053)  # 138.5 cents / 0.45359237
    mn_2021 = _one(p, material="manganese", year=2021)
    assert mn_2021["usd_per_kg_derived"] == pytest.approx(0.527)  # 5.27 per 10 kg


def test_us_market_rows(tables: McsTables) -> None:
    u = tables.us_market
    sb = _one(u, material="antimony", year=2021)
    assert sb["us_production"] == 0.0 and sb["us_production_raw"] == "—"
    assert sb["net_import_reliance_pct"] == 85.0 and not sb["estimated"]
    assert sb["main_import_sources"].startswith("Total metal and oxide: China 55%; Belgium 12%")
    ge = _one(u, material="germanium", year=2021)
    assert math.isnan(ge["net_import_reliance_pct"]) and ge["net_import_reliance_raw"] == ">50"
    assert ge["estimated"]  # "Estimated consumption of germanium ..."
    assert list(u["material"].drop_duplicates())[:3] == ["antimony", "bismuth", "cobalt"]


def test_read_release_keeps_text_and_lines() -> None:
    release = read_mcs_release(RAW)
    assert list(release.columns[: len(MCS_COLUMNS)]) == list(MCS_COLUMNS)
    assert release["line"].iloc[0] == 2
    assert len(release) == 8886
    dash = release[release["Value"] == "—"]
    assert (dash["value"] == 0.0).all() and (dash["value_kind"] == "zero").all()


# --- the value reader ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "kind", "value"),
    [
        ("1,570", ValueKind.NUMBER, 1570.0),
        ("5,158.40", ValueKind.NUMBER, 5158.4),
        ("0.96", ValueKind.NUMBER, 0.96),
        ("—", ValueKind.ZERO, 0.0),
        ("890–1,000", ValueKind.RANGE, 945.0),
        ("10,000 - 15,000", ValueKind.RANGE, 12500.0),
        (">50", ValueKind.LOWER_BOUND, None),
        ("<1,000", ValueKind.UPPER_BOUND, None),
        ("W", ValueKind.WITHHELD, None),
        ("NA", ValueKind.NOT_AVAILABLE, None),
        ("E", ValueKind.NET_EXPORTER, None),
        ("s", ValueKind.SMALL, None),
        ("XX", ValueKind.NOT_APPLICABLE, None),
        ("Large", ValueKind.QUALITATIVE, None),
        ("", ValueKind.EMPTY, None),
        ("ZZ", ValueKind.UNKNOWN, None),
        ("?1", ValueKind.UNKNOWN, None),
    ],
)
def test_parse_value(raw: str, kind: ValueKind, value: float | None) -> None:
    parsed = parse_value(raw, SYMBOLS)
    assert (parsed.kind, parsed.value, parsed.raw) == (kind, value, raw)


@given(st.integers(min_value=0, max_value=10**12))
def test_thousands_separated_integers_round_trip(n: int) -> None:
    raw = f"{n:,}"
    parsed = parse_value(raw, SYMBOLS)
    assert parsed.kind is ValueKind.NUMBER and parsed.value == float(n)
    assert format_number(parsed.value, raw) == str(n)


@given(st.integers(0, 10**6), st.integers(0, 10**6))
def test_range_midpoint_lies_between_ends(a: int, b: int) -> None:
    low, high = min(a, b), max(a, b)
    parsed = parse_value(f"{low:,}–{high:,}", SYMBOLS)
    assert parsed.kind is ValueKind.RANGE and parsed.value is not None
    assert low <= parsed.value <= high and parsed.value * 2 == low + high


def test_format_number() -> None:
    assert format_number(5158.4, "5,158.40") == "5158.40"
    assert format_number(945.0, "890–1,000") == "945"
    assert format_number(0.0, "—") == "0"
    assert format_number(float("nan"), "W") == ""
    assert format_number(None) == ""
    assert format_number(11.71) == "11.71"


@pytest.mark.parametrize(
    ("x", "expected"),
    [(11.7059, 11.71), (0.03100, 0.031), (77778.4, 77778.0), (1340.2, 1340.0), (0.0, 0.0)],
)
def test_round_significant(x: float, expected: float) -> None:
    assert round_significant(x) == expected


def test_notes() -> None:
    notes = "Estimated. -- See Appendix C for definitions. -- Includes Hong Kong."
    assert clean_note_parts(notes) == ["Includes Hong Kong."]
    assert is_estimated(notes) and not is_estimated("Estimated from published sources.")
    assert mentions_estimate("Reported. -- Estimated to equal imports.")
    assert not mentions_estimate("Defined as imports – exports.")


# --- a synthetic next-year release --------------------------------------------------------

_HEAD = "(Data in metric tons, antimony content, unless otherwise specified)"


def _row(*cells: str) -> list[str]:
    """A release row from the first 9 or 10 columns (Notes optional)."""
    padded = [*cells, ""] if len(cells) == 9 else list(cells)
    return [*padded, "Yes", _HEAD]


def _write_release(
    path: Path, rows: list[list[str]], header: tuple[str, ...] = MCS_COLUMNS
) -> Path:
    with path.open("w", encoding="cp1252", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(header)
        writer.writerows(rows)
    return path


_WORLD = "World Mine Production and Reserves"
_SALIENT = "Salient Statistics—United States"


def _next_year_rows() -> list[list[str]]:
    sb = ("ANTIMONY", _WORLD, "Antimony")
    return [
        _row(*sb, "China", "Production", "Mine production", "metric tons", "2026", "41,000",
             "Estimated."),
        _row(*sb, "Côte d’Ivoire", "Production", "Mine production", "metric tons", "2026", "—"),
        _row(*sb, "Atlantis", "Production", "Mine production", "metric tons", "2026", "ZZ"),
        _row(*sb, "World total", "Production", "Mine production: rounded", "metric tons",
             "2026", "XX"),
        _row("ANTIMONY", _SALIENT, "Antimony", "United States", "Price",
             "Price, metal, average, dollars per pound", "dollars per pound", "2026", "30",
             "Estimated. -- Source: Argus."),
        _row("UNOBTAINIUM", _WORLD, "Unobtainium", "China", "Production", "Mine production",
             "metric tons", "2026", "5"),
        _row("VANADIUM", _WORLD, "Vanadium", "China", "Reserves", "Reserves",
             "thousand metric tons", "2025", "5,800"),
    ]  # fmt: skip


def test_next_year_release_imports_with_warnings(tmp_path: Path) -> None:
    path = _write_release(tmp_path / "mcs2027.csv", _next_year_rows())
    with pytest.warns(McsImportWarning) as record:
        result = build_mcs_tables(path, source_id="USGS_MCS2027_DR")
    messages = [str(w.message) for w in record]
    assert any("UNOBTAINIUM" in m for m in messages)
    assert any("'ZZ'" in m for m in messages)
    assert any("Atlantis" in m for m in messages)
    assert set(messages) == {f"{path}: {w}" for w in result.warnings}
    prod = result.production
    assert list(prod["country"]) == ["China", "Côte d’Ivoire", "Atlantis", "World total"]
    assert list(prod["iso3"]) == ["CHN", "CIV", "", "WLD"]
    assert prod["value"].tolist()[:2] == [41000.0, 0.0]
    assert prod["value"].isna().tolist()[2:] == [True, True]
    assert list(prod["value_raw"]) == ["41,000", "—", "ZZ", "XX"]
    assert list(prod["estimated"]) == [True, False, False, False]
    assert set(prod["source_id"]) == {"USGS_MCS2027_DR"}
    assert "unobtainium" not in set(prod["material"])
    price = _one(result.prices, material="antimony")
    assert price["year"] == 2026 and price["usd_per_kg_derived"] == pytest.approx(66.14)
    assert price["usgs_note"] == "Source: Argus."
    # A re-issued 2025 vanadium row already in thousand metric tons: the unit erratum no
    # longer applies, so the unit is kept and a warning says so.
    vanadium = _one(result.reserves_capacity, material="vanadium")
    assert vanadium["unit"] == "thousand metric tons"
    assert vanadium["usgs_note"] == ""
    assert any("vanadium-reserves-unit" in m for m in messages)


def test_next_year_release_round_trips_through_files(tmp_path: Path) -> None:
    path = _write_release(tmp_path / "mcs2027.csv", _next_year_rows())
    with pytest.warns(McsImportWarning):
        result = build_mcs_tables(path)
    written = write_mcs_tables(result, tmp_path / "tables")
    back = pd.read_csv(written[0], dtype=str, keep_default_na=False)
    assert list(back["value"]) == ["41000", "0", "", ""]
    assert list(back["estimated"]) == ["yes", "no", "no", "no"]
    assert (tmp_path / "tables" / "us_market.csv").read_bytes().startswith(b"material,")


# --- malformed files ----------------------------------------------------------------------


def test_missing_column_is_named(tmp_path: Path) -> None:
    header = tuple(c for c in MCS_COLUMNS if c != "Value")
    rows = [r[:8] + r[9:] for r in _next_year_rows()]
    path = _write_release(tmp_path / "bad.csv", rows, header)
    with pytest.raises(McsFormatError, match=r"bad\.csv, line 1, column 'Value': missing") as err:
        read_mcs_release(path)
    assert err.value.column == "Value" and err.value.row == 1


def test_undecodable_byte_is_located(tmp_path: Path) -> None:
    path = _write_release(tmp_path / "enc.csv", _next_year_rows())
    data = path.read_bytes().replace("Atlantis".encode("cp1252"), b"Atl\x81ntis")
    path.write_bytes(data)
    with pytest.raises(McsFormatError, match=r"enc\.csv, line 4: cannot decode byte 0x81"):
        build_mcs_tables(path)


def test_utf8_file_fails_clearly(tmp_path: Path) -> None:
    path = tmp_path / "utf8.csv"
    path.write_bytes(",".join(MCS_COLUMNS).encode() + b"\r\n" + "CÁDIZ".encode())
    with pytest.raises(McsFormatError, match=r"utf8\.csv, line 2: .*Windows-1252"):
        read_mcs_release(path)


def test_ragged_row_and_empty_field(tmp_path: Path) -> None:
    rows = _next_year_rows()
    rows[1] = rows[1][:5]
    with pytest.raises(McsFormatError, match=r"line 3: expected 12 fields, found 5"):
        read_mcs_release(_write_release(tmp_path / "ragged.csv", rows))
    rows = _next_year_rows()
    rows[2][7] = " "
    with pytest.raises(McsFormatError, match=r"line 4, column 'Year': empty value"):
        read_mcs_release(_write_release(tmp_path / "noyear.csv", rows))


def test_gzip_copy_reads_like_the_plain_file(tmp_path: Path) -> None:
    plain = _write_release(tmp_path / "mcs.csv", _next_year_rows()[:2])
    packed = tmp_path / "mcs.csv.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    pd.testing.assert_frame_equal(read_mcs_release(packed), read_mcs_release(plain))
    packed.write_bytes(gzip.compress(plain.read_bytes())[:40])
    with pytest.raises(McsFormatError, match="corrupt gzip file"):
        read_mcs_release(packed)


def test_unused_section_is_reported(tmp_path: Path) -> None:
    rows = [
        _next_year_rows()[0],
        _row("ANTIMONY", "Events, Trends, and Issues", "Antimony", "World total", "Sold",
             "Sold", "metric tons", "2026", "5"),
        _row("ANTIMONY", _WORLD, "Antimony", "China", "Sold", "Sold", "metric tons", "2026",
             "5"),
    ]  # fmt: skip
    with pytest.warns(McsImportWarning) as record:
        result = build_mcs_tables(_write_release(tmp_path / "s.csv", rows))
    messages = " ".join(str(w.message) for w in record)
    assert "section 'Events, Trends, and Issues'" in messages
    assert "world statistic" in messages and "line 4" in messages
    assert len(result.production) == 1


def test_missing_and_empty_files(tmp_path: Path) -> None:
    with pytest.raises(McsFormatError, match="cannot read file"):
        read_mcs_release(tmp_path / "absent.csv")
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(McsFormatError, match="no header row"):
        read_mcs_release(empty)


def test_format_error_is_a_reference_data_error() -> None:
    assert issubclass(McsFormatError, ReferenceDataError)
    assert issubclass(McsFormatError, ValueError)
    assert issubclass(McsImportWarning, UserWarning)


# --- rules ------------------------------------------------------------------------------


def test_rules_cover_every_chapter_imported() -> None:
    rules = load_mcs_rules()
    imported = {c.mcs_chapter for c in rules.chapters.values() if c.imported}
    assert len(imported) == 29
    assert {s.mcs_chapter for s in rules.us_market} <= imported
    assert {e.mcs_chapter for e in rules.errata} <= imported
    assert all(e.reason and e.source for e in rules.errata)


def test_bad_rule_file_is_named(tmp_path: Path) -> None:
    folder = tmp_path / "rules"
    shutil.copytree(RULES_DIR, folder)
    path = folder / "world_rows.csv"
    path.write_text(path.read_text(encoding="utf-8") + "COBALT,,Production,(unclosed,,mine\n")
    with pytest.raises(ReferenceDataError, match=r"mcs/world_rows\.csv, line \d+, column"):
        load_mcs_rules(folder)


def test_custom_rules_change_the_output(tmp_path: Path) -> None:
    rules = load_mcs_rules()
    custom = dataclasses.replace(rules, countries=dict(rules.countries, Atlantis="ATL"))
    path = _write_release(tmp_path / "mcs2027.csv", _next_year_rows()[:3])
    with pytest.warns(McsImportWarning) as record:
        result = build_mcs_tables(path, rules=custom)
    assert any("'ZZ'" in str(w.message) for w in record)
    assert list(result.production["iso3"]) == ["CHN", "CIV", "ATL"]
    assert not any("Atlantis" in w for w in result.warnings)


def test_public_names_are_all() -> None:
    public = {
        name
        for name, value in vars(mcs).items()
        if not name.startswith("_") and getattr(value, "__module__", "").startswith("stockpile")
    }
    assert public <= set(mcs.__all__)
    assert all(hasattr(mcs, name) for name in mcs.__all__)
