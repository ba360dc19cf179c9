"""U.S. trade by HTS4 heading and partner from USITC DataWeb exports.

A DataWeb "Annual + Year-To-Date" export (``.xlsx``) holds one sheet per measure: the value
(customs value for imports for consumption, FAS value for domestic exports), the first and the
second unit of quantity, each for full years and for the year-to-date months. Rows are
partner x HTS4 heading x unit of quantity (DataWeb splits a heading's value by the first unit
of quantity of its statistical lines); columns are years, and for quantities a parallel set of
``<year>_Suppressed`` columns, carried through unchanged as ``quantity_suppressed``.

The tidy table (:func:`read_usitc_export`; bundled gzip-compressed as
``data/usitc_trade.csv.gz``) has one row per
flow, heading, partner, year, period, kind and unit of quantity:

========================  ==================================================================
``flow``                  ``imports`` (imports for consumption) or ``exports`` (domestic)
``hts4``                  4-digit HTS heading, as text (``"8110"``)
``description``           DataWeb's heading description
``partner``, ``iso3``     partner country as DataWeb names it; ISO 3166-1 alpha-3 code
``year``                  calendar year
``months_covered``        12 for a full year; the year-to-date months (4 = Jan-Apr) for the
                          last year when DataWeb has no full-year figures for it yet
``quantity_kind``         ``first`` or ``second`` unit of quantity
``quantity_unit``         DataWeb's unit text (``kilograms``, ``metric tons``, ``component
                          kilograms``, ``number``, ``no units collected``...)
``value_usd``             customs value (imports) or FAS value (exports) [USD] of the lines
                          whose first unit is ``quantity_unit``; empty on ``second`` rows
``quantity``              quantity [quantity_unit]; empty for ``no units collected``
``quantity_suppressed``   DataWeb's ``_Suppressed`` figure for that quantity, as exported
``source_id``             ``USITC_DATAWEB``
========================  ==================================================================

Rows with zero value, zero quantity and nothing suppressed are omitted.

Coverage: the bundled exports cover 18 selected partner countries, not the world. Shares
computed from them (:func:`partner_shares`) are shares of that selection and say so in their
``coverage`` column.
"""

from __future__ import annotations

import gzip
import io
import math
import re
from collections.abc import Iterable
from os import PathLike
from pathlib import Path
from typing import Any

import pandas as pd

from stockpile.reference._errors import NoDataError, ReferenceDataError
from stockpile.reference._schema import Column, Kind, TableSchema, parse_table
from stockpile.reference._usitc_xlsx import (
    NO_UNITS,
    VALUE_PREFIX,
    Flow,
    Parsed,
    UsitcFormatError,
    read_workbook,
)
from stockpile.reference.loaders import data_path

__all__ = [
    "TRADE_COLUMNS",
    "USITC_FILE",
    "USITC_PARTNERS",
    "USITC_SOURCE_ID",
    "Flow",
    "UsitcFormatError",
    "coverage_label",
    "format_usitc_csv",
    "import_usitc",
    "load_usitc_trade",
    "partner_shares",
    "read_usitc_export",
    "write_usitc_trade",
]

USITC_SOURCE_ID = "USITC_DATAWEB"
USITC_FILE = "usitc_trade.csv.gz"

#: DataWeb partner names of the bundled selection and their ISO 3166-1 alpha-3 codes.
USITC_PARTNERS: dict[str, str] = {
    "Australia": "AUS", "Brazil": "BRA", "Canada": "CAN", "Chile": "CHL", "China": "CHN",
    "Democratic Republic of the Congo": "COD", "Estonia": "EST", "France": "FRA",
    "Germany": "DEU", "Hong Kong": "HKG", "India": "IND", "Japan": "JPN", "Malaysia": "MYS",
    "Myanmar (Burma)": "MMR", "Russia": "RUS", "South Africa": "ZAF", "South Korea": "KOR",
    "Vietnam": "VNM",
}  # fmt: skip

TRADE_COLUMNS: tuple[str, ...] = (
    "flow", "hts4", "description", "partner", "iso3", "year", "months_covered",
    "quantity_kind", "quantity_unit", "value_usd", "quantity", "quantity_suppressed",
    "source_id",
)  # fmt: skip
_KEY = ("flow", "hts4", "partner", "year", "months_covered", "quantity_kind", "quantity_unit")


def coverage_label(flow: Flow | str = Flow.IMPORTS, n_partners: int = 18) -> str:
    """The coverage statement every share computed from the DataWeb selection carries."""
    f = _flow(flow)
    if f is Flow.IMPORTS:
        return (
            f"share of U.S. imports from {n_partners} selected partner countries "
            "(USITC DataWeb selection), not of world imports"
        )
    return (
        f"share of U.S. domestic exports to {n_partners} selected partner countries "
        "(USITC DataWeb selection), not of world exports"
    )


def _flow(flow: Flow | str) -> Flow:
    if isinstance(flow, Flow):
        return flow
    try:
        return Flow(flow)
    except ValueError:
        raise ValueError(f"flow must be 'imports' or 'exports', got {flow!r}") from None


def read_usitc_export(path: str | PathLike[str], *, year_to_date: bool = False) -> pd.DataFrame:
    """Read one DataWeb export (imports for consumption or domestic exports) into tidy rows.

    Parameters
    ----------
    path : path-like
        The ``.xlsx`` file as downloaded from DataWeb ("Annual + Year-To-Date" layout, value,
        first and second unit of quantity, countries and HTS4 headings broken out).
    year_to_date : bool
        Also return the year-to-date rows of every year (``months_covered`` = 4 for Jan-Apr),
        for like-for-like comparisons with the year in progress.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`TRADE_COLUMNS` (see the module docstring); values [USD], quantities in
        ``quantity_unit``.

    Raises
    ------
    UsitcFormatError
        A missing sheet, header or column, a non-numeric or negative cell, a row count or a
        printed total that does not match; the message names file, sheet, row and column.
    """
    flow, parsed, periods = read_workbook(Path(path), year_to_date=year_to_date)
    return _tidy(flow, parsed, periods)


def _tidy(
    flow: Flow,
    parsed: dict[tuple[str, bool], Parsed],
    periods: list[tuple[int, bool, int]],
) -> pd.DataFrame:
    records: list[tuple[Any, ...]] = []
    for year, ytd, months in periods:
        vyears, values = parsed[("value", ytd)]
        fyears, first = parsed[("first", ytd)]
        syears, second = parsed[("second", ytd)]
        jv = vyears.index(year)
        for (country, hts4, vunit), (desc, vals, _, _) in values.items():
            unit = vunit.removeprefix(VALUE_PREFIX)
            q = first.get((country, hts4, unit))
            quantity = q[1][fyears.index(year)] if q is not None else math.nan
            supp = q[2][fyears.index(year)] if q is not None else 0.0
            if unit == NO_UNITS:
                quantity = math.nan
            value = vals[jv]
            if value == 0 and supp == 0 and (math.isnan(quantity) or quantity == 0):
                continue
            records.append(
                (flow.value, hts4, desc, country, USITC_PARTNERS.get(country, ""), year, months,
                 "first", unit, value, quantity, supp, USITC_SOURCE_ID)
            )  # fmt: skip
        for (country, hts4, unit), (desc, vals, supps, _) in second.items():
            j = syears.index(year)
            quantity, supp = vals[j], supps[j]
            if quantity == 0 and supp == 0:
                continue
            records.append(
                (flow.value, hts4, desc, country, USITC_PARTNERS.get(country, ""), year, months,
                 "second", unit, math.nan, quantity, supp, USITC_SOURCE_ID)
            )  # fmt: skip
    return _typed(pd.DataFrame.from_records(records, columns=list(TRADE_COLUMNS)))


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.sort_values(list(_KEY), kind="stable").reset_index(drop=True)
    for col in ("year", "months_covered"):
        frame[col] = frame[col].astype("int64")
    for col in ("value_usd", "quantity", "quantity_suppressed"):
        frame[col] = frame[col].astype("float64")
    for col in TRADE_COLUMNS:
        if col not in ("year", "months_covered", "value_usd", "quantity", "quantity_suppressed"):
            frame[col] = frame[col].astype("str")
    return frame


def import_usitc(
    paths: Iterable[str | PathLike[str]], *, year_to_date: bool = False
) -> pd.DataFrame:
    """Read several DataWeb exports (e.g. imports and exports) into one tidy table.

    ``year_to_date`` is passed to :func:`read_usitc_export`.

    Raises
    ------
    UsitcFormatError
        See :func:`read_usitc_export`; also when two files hold the same flow.
    """
    frames: list[pd.DataFrame] = []
    seen: dict[str, str] = {}
    for path in paths:
        frame = read_usitc_export(path, year_to_date=year_to_date)
        for flow in frame["flow"].unique():
            if flow in seen:
                raise UsitcFormatError(
                    f"flow {flow!r} is also in {seen[flow]}", file=Path(path).name
                )
            seen[str(flow)] = Path(path).name
        frames.append(frame)
    if not frames:
        raise ValueError("import_usitc needs at least one file")
    return _typed(pd.concat(frames, ignore_index=True))


def format_usitc_csv(trade: pd.DataFrame) -> str:
    """The CSV text of a tidy trade table as bundled (whole numbers without ``.0``)."""
    out = trade.loc[:, list(TRADE_COLUMNS)].copy()
    for col in ("value_usd", "quantity", "quantity_suppressed"):
        out[col] = [_fmt(v) for v in out[col].to_numpy()]
    buffer = io.StringIO()
    out.to_csv(buffer, index=False, lineterminator="\n")
    return buffer.getvalue()


def write_usitc_trade(trade: pd.DataFrame, path: str | PathLike[str]) -> Path:
    """Write a tidy trade table as CSV, gzip-compressed when ``path`` ends in ``.gz``.

    The bytes depend only on the table (no timestamp in the gzip header), so regenerating the
    bundled file from the same exports gives the same file.
    """
    p = Path(path)
    data = format_usitc_csv(trade).encode("utf-8")
    p.write_bytes(gzip.compress(data, mtime=0) if p.suffix == ".gz" else data)
    return p


def _fmt(value: float) -> str:
    if math.isnan(value):
        return ""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


# ----------------------------------------------------------------------------- loading

_R, _Q = Kind.REQUIRED_TEXT, Kind.FLOAT
_SCHEMA = TableSchema(
    "usitc_trade",
    (
        Column("flow", _R), Column("hts4", _R), Column("description", _R),
        Column("partner", _R), Column("iso3"), Column("year", Kind.INT, non_negative=True),
        Column("months_covered", Kind.INT, non_negative=True), Column("quantity_kind", _R),
        Column("quantity_unit", _R), Column("value_usd", _Q, non_negative=True),
        Column("quantity", _Q, non_negative=True),
        Column("quantity_suppressed", _Q, non_negative=True), Column("source_id", _R),
    ),
    key=_KEY,
    allowed={
        "flow": frozenset(f.value for f in Flow),
        "quantity_kind": frozenset({"first", "second"}),
    },
)  # fmt: skip

_CACHE: dict[str, pd.DataFrame] = {}


def load_usitc_trade() -> pd.DataFrame:
    """The bundled USITC DataWeb trade table (18 selected partners), schema-checked.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`TRADE_COLUMNS`; see the module docstring. A fresh copy on every call.

    Raises
    ------
    ReferenceDataError
        The bundled file is missing or malformed (names file, line and column).
    """
    if USITC_FILE not in _CACHE:
        path = data_path(USITC_FILE)
        try:
            text = gzip.decompress(path.read_bytes()).decode("utf-8")
        except FileNotFoundError:
            raise ReferenceDataError("bundled file not found", file=USITC_FILE) from None
        except (OSError, EOFError, UnicodeDecodeError) as exc:
            raise ReferenceDataError(
                f"not a gzip-compressed UTF-8 CSV ({exc})", file=USITC_FILE
            ) from None
        frame = parse_table(text, _SCHEMA, file=USITC_FILE)
        bad = ~frame["hts4"].str.fullmatch(r"\d{4}")
        if bad.any():
            i = int(bad.to_numpy().nonzero()[0][0])
            raise ReferenceDataError(
                f"expected a 4-digit heading, got {frame['hts4'].iloc[i]!r}",
                file=USITC_FILE,
                row=i + 2,
                column="hts4",
            )
        _CACHE[USITC_FILE] = _typed(frame)
    return _CACHE[USITC_FILE].copy()


# ----------------------------------------------------------------------------- shares


def partner_shares(
    trade: pd.DataFrame,
    *,
    hts4: str | int,
    year: int,
    flow: Flow | str = Flow.IMPORTS,
    quantity_unit: str | None = None,
    months_covered: int | None = None,
) -> pd.DataFrame:
    """Each partner's share of the selected partners' trade in one heading and year.

    ``share_p = x_p / sum_q x_q`` over the partners of the selection, where ``x`` is the
    value [USD] (default) or, with ``quantity_unit``, the first-unit quantity in that unit.

    Parameters
    ----------
    trade : pandas.DataFrame
        A tidy table as returned by :func:`load_usitc_trade` or :func:`import_usitc`.
    hts4 : str or int
        HTS heading, e.g. ``"8110"`` (antimony) or ``2504`` (natural graphite).
    year : int
        Calendar year; for the year in progress the shares are of the year-to-date months.
    flow : Flow or str
        ``"imports"`` (default) or ``"exports"``.
    quantity_unit : str, optional
        Share of quantity in this first unit (``"kilograms"``) instead of value.
    months_covered : int, optional
        Period length [month] to use when the table holds both full-year and year-to-date
        rows for ``year`` (see ``year_to_date`` of :func:`read_usitc_export`).

    Returns
    -------
    pandas.DataFrame
        One row per partner of the selection (including zeros), sorted by share:
        ``partner, iso3, value_usd`` (or ``quantity``), ``share`` [fraction], ``months_covered``,
        ``coverage`` (the label of :func:`coverage_label`, also in ``attrs["coverage"]``).

    Raises
    ------
    NoDataError
        No rows, or a zero total, for that heading, year and flow.
    ValueError
        A malformed ``hts4`` or ``flow``.
    """
    f = _flow(flow)
    code = f"{hts4:04d}" if isinstance(hts4, int) else str(hts4).strip()
    if not re.fullmatch(r"\d{4}", code):
        raise ValueError(f"hts4 must be a 4-digit heading, got {hts4!r}")
    missing = [c for c in TRADE_COLUMNS if c not in trade.columns]
    if missing:
        raise ValueError(f"trade table lacks column(s) {missing}")
    selection = trade[trade["flow"] == f.value]
    partners = selection.drop_duplicates("partner")[["partner", "iso3"]]
    rows = selection[
        (selection["hts4"] == code)
        & (selection["year"] == year)
        & (selection["quantity_kind"] == "first")
    ]
    measure = "value_usd"
    if quantity_unit is not None:
        rows = rows[rows["quantity_unit"] == quantity_unit]
        measure = "quantity"
    if months_covered is not None:
        rows = rows[rows["months_covered"] == months_covered]
    periods = sorted(set(rows["months_covered"]))
    if len(periods) > 1:
        raise ValueError(
            f"rows for {year} cover {periods} months; pass months_covered to choose one"
        )
    if rows.empty:
        raise NoDataError(
            f"no USITC {f.value} rows for HTS {code} in {year}"
            + (f" with first unit {quantity_unit!r}" if quantity_unit else "")
        )
    totals = rows.groupby("partner")[measure].sum(min_count=1).fillna(0.0)
    out = partners.set_index("partner").join(totals.rename(measure)).fillna({measure: 0.0})
    grand = float(out[measure].sum())
    if grand <= 0:
        raise NoDataError(f"USITC {f.value} of HTS {code} in {year} total zero")
    label = coverage_label(f, len(partners))
    out["share"] = out[measure] / grand
    out["months_covered"] = int(rows["months_covered"].iloc[0])
    out["coverage"] = label
    out = out.reset_index().sort_values(["share", "partner"], ascending=[False, True])
    out = out.reset_index(drop=True)[
        ["partner", "iso3", measure, "share", "months_covered", "coverage"]
    ]
    out.attrs["coverage"] = label
    return out
