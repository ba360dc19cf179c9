"""Reading the sheets of a USITC DataWeb "Annual + Year-To-Date" export (private).

Checks the layout (sheets, header rows, year columns, row counts, printed totals) and returns
the numbers by sheet; :mod:`stockpile.reference.usitc` turns them into tidy rows.
"""

from __future__ import annotations

import enum
import math
import re
import warnings
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from stockpile.reference._errors import ReferenceDataError

__all__ = ["NO_UNITS", "VALUE_PREFIX", "Flow", "Parsed", "UsitcFormatError", "read_workbook"]


class Flow(enum.Enum):
    """Direction of trade in a DataWeb export."""

    IMPORTS = "imports"  #: U.S. imports for consumption, customs value
    EXPORTS = "exports"  #: U.S. domestic exports, FAS value


_TRADE_FLOWS = {"Imports For Consumption": Flow.IMPORTS, "Domestic Exports": Flow.EXPORTS}
_VALUE_SHEET = {Flow.IMPORTS: "Customs Value", Flow.EXPORTS: "FAS Value"}
_FIRST, _SECOND = "First Unit of Quantity", "Second Unit of Quantity"
_ID_COLUMNS = ("Data Type", "Country", "HTS Number", "Description", "Quantity Description")
VALUE_PREFIX = "Value for: "
NO_UNITS = "no units collected"
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_YTD = re.compile(r"Year-To-Date Data from (\w{3})\w* - (\w{3})\w*", re.IGNORECASE)


#: years, and per (country, hts4, unit): description, values, suppressed, Excel row
Parsed = tuple[list[int], dict[tuple[str, str, str], tuple[str, list[float], list[float], int]]]


class UsitcFormatError(ReferenceDataError):
    """A DataWeb export whose layout or content is not what the importer reads.

    The message names the file and, where known, the sheet, the row (1-based, as Excel shows
    it) and the column (letter and header).
    """

    def __init__(
        self,
        message: str,
        *,
        file: str,
        sheet: str | None = None,
        row: int | None = None,
        column: str | None = None,
    ) -> None:
        where = file
        if sheet is not None:
            where += f", sheet {sheet!r}"
        if row is not None:
            where += f", row {row}"
        if column is not None:
            where += f", column {column}"
        ValueError.__init__(self, f"{where}: {message}")
        self.file, self.sheet, self.row, self.column = file, sheet, row, column


def _letter(index: int) -> str:
    """Excel column letter of a 0-based column index."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


class _Sheet:
    """The rows of one worksheet with the context needed for error messages."""

    def __init__(self, file: str, name: str, rows: list[tuple[Any, ...]]) -> None:
        self.file, self.name, self.rows = file, name, rows

    def error(self, message: str, row: int | None = None, col: int | None = None) -> Exception:
        column = None
        if col is not None:
            header = self.rows[2][col] if len(self.rows) > 2 and col < len(self.rows[2]) else None
            column = _letter(col) + (f" ({header})" if header is not None else "")
        return UsitcFormatError(message, file=self.file, sheet=self.name, row=row, column=column)


def _load_workbook(path: Path) -> dict[str, _Sheet]:
    import openpyxl  # imported here: only the importer needs it
    from openpyxl.utils.exceptions import InvalidFileException

    name = path.name
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="Workbook contains no default style")
            book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except FileNotFoundError:
        raise UsitcFormatError("file not found", file=str(path)) from None
    except (InvalidFileException, zipfile.BadZipFile, OSError, KeyError, ValueError) as exc:
        raise UsitcFormatError(f"not a readable .xlsx workbook ({exc})", file=name) from None
    try:
        sheets: dict[str, _Sheet] = {}
        for ws in book.worksheets:
            ws.reset_dimensions()  # DataWeb writes a wrong <dimension>; read every row
            sheets[ws.title] = _Sheet(name, ws.title, list(ws.iter_rows(values_only=True)))
    finally:
        book.close()
    return sheets


def _query_parameter(sheets: dict[str, _Sheet], file: str, key: str) -> str:
    sheet = sheets.get("Query Parameters")
    if sheet is None:
        raise UsitcFormatError("no 'Query Parameters' sheet (not a DataWeb export?)", file=file)
    for row in sheet.rows:
        if row and row[0] == key and len(row) > 1 and row[1] is not None:
            return str(row[1])
    raise UsitcFormatError(f"no {key!r} entry", file=file, sheet="Query Parameters")


def _ytd_months(sheet: _Sheet) -> int:
    title = str(sheet.rows[0][0]) if sheet.rows and sheet.rows[0] else ""
    match = _YTD.search(title)
    if match is None:
        raise sheet.error(f"title {title!r} does not name the year-to-date months", row=1, col=0)
    first, last = (_MONTHS.index(m.lower()) if m.lower() in _MONTHS else -1 for m in match.groups())
    if first != 0 or last < 0:
        raise sheet.error(f"year-to-date range {match.group(0)!r} must start in January", row=1)
    return last + 1


def _number(sheet: _Sheet, value: Any, row: int, col: int) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise sheet.error(f"expected a number, got {value!r}", row=row, col=col)
    number = float(value)
    if not math.isfinite(number) or number < 0:
        raise sheet.error(f"expected a finite non-negative number, got {value!r}", row=row, col=col)
    return number


def _hts4(sheet: _Sheet, value: Any, row: int) -> str:
    text = (
        str(int(value)) if isinstance(value, int | float) and float(value).is_integer() else value
    )
    if isinstance(text, str) and re.fullmatch(r"\d{4}", text.strip()):
        return text.strip()
    if isinstance(text, str) and re.fullmatch(r"\d{3}", text.strip()):
        return "0" + text.strip()  # a numeric cell loses the leading zero of chapters 01-09
    raise sheet.error(f"expected a 4-digit HTS heading, got {value!r}", row=row, col=2)


def _parse_sheet(sheet: _Sheet, data_type: str, *, ytd: bool) -> Parsed:
    """Years and, per (country, hts4, unit), (description, values, suppressed, row)."""
    rows = sheet.rows
    if len(rows) < 3:
        raise sheet.error("fewer than 3 rows: no header")
    count_row = rows[1]
    if (
        len(count_row) < 2
        or count_row[0] != "Data Row Count"
        or not isinstance(count_row[1], int | float)
    ):
        raise sheet.error("expected 'Data Row Count' and a number", row=2, col=0)
    n_rows = int(count_row[1])
    header = [str(h) if h is not None else "" for h in rows[2]]
    for i, expected in enumerate(_ID_COLUMNS):
        if i >= len(header) or header[i] != expected:
            found = header[i] if i < len(header) else None
            raise sheet.error(f"expected header {expected!r}, found {found!r}", row=3, col=i)
    suffix = "_Year_to_date" if ytd else ""
    year_cols: list[tuple[int, int]] = []
    suppressed_cols: dict[int, int] = {}
    for col, text in enumerate(header[len(_ID_COLUMNS) :], start=len(_ID_COLUMNS)):
        m = re.fullmatch(rf"(\d{{4}}){suffix}(_Suppressed)?", text)
        if m is None:
            if text == "":
                continue
            raise sheet.error(f"unexpected column header {text!r}", row=3, col=col)
        year = int(m.group(1))
        if m.group(2):
            suppressed_cols[year] = col
        else:
            year_cols.append((year, col))
    if not year_cols:
        raise sheet.error("no year columns", row=3)
    years = [y for y, _ in year_cols]
    data = rows[3 : 3 + n_rows]
    if len(data) != n_rows or any(r is None or r[0] != data_type for r in data):
        bad = next((i for i, r in enumerate(data) if r is None or r[0] != data_type), len(data))
        raise sheet.error(
            f"'Data Row Count' is {n_rows} but data row {bad + 1} is not a {data_type!r} row",
            row=4 + bad,
            col=0,
        )
    for offset, r in enumerate(rows[3 + n_rows :]):
        if r and r[0] == data_type:
            raise sheet.error(
                f"'Data Row Count' is {n_rows} but row {4 + n_rows + offset} is also a data row",
                row=4 + n_rows + offset,
            )
    out: dict[tuple[str, str, str], tuple[str, list[float], list[float], int]] = {}
    for offset, r in enumerate(data):
        excel_row = 4 + offset
        country, description, unit = r[1], r[3], r[4]
        for col, cell in ((1, country), (3, description), (4, unit)):
            if not isinstance(cell, str) or not cell.strip():
                raise sheet.error(f"expected text, got {cell!r}", row=excel_row, col=col)
        hts4 = _hts4(sheet, r[2], excel_row)
        values = [_number(sheet, r[c] if c < len(r) else None, excel_row, c) for _, c in year_cols]
        supp = [
            _number(sheet, r[suppressed_cols[y]], excel_row, suppressed_cols[y])
            if y in suppressed_cols
            else 0.0
            for y in years
        ]
        key = (country.strip(), hts4, unit.strip())
        if key in out:
            raise sheet.error(f"duplicate row for {key}", row=excel_row)
        out[key] = (description.strip(), values, supp, excel_row)
    _check_total(sheet, rows[3 + n_rows :], year_cols, list(out.values()))
    return years, out


def _check_total(
    sheet: _Sheet,
    rest: Sequence[tuple[Any, ...]],
    year_cols: list[tuple[int, int]],
    entries: list[tuple[str, list[float], list[float], int]],
) -> None:
    """Compare the printed 'Total:' row of a value sheet with the sum of its rows."""
    for i, r in enumerate(rest):
        if not r or not isinstance(r[0], str) or not r[0].startswith("Total"):
            continue
        for j, (year, col) in enumerate(year_cols):
            printed = r[col] if col < len(r) else None
            try:
                total = float(str(printed).replace(",", ""))
            except ValueError:
                raise sheet.error(f"unreadable total {printed!r}", row=4 + i, col=col) from None
            computed = sum(e[1][j] for e in entries)
            if abs(computed - total) > 0.5:
                raise sheet.error(
                    f"rows sum to {computed:,.0f} for {year} but the Total row prints {printed}",
                    row=len(sheet.rows) - len(rest) + i + 1,
                    col=col,
                )


def read_workbook(
    path: Path, *, year_to_date: bool
) -> tuple[Flow, dict[tuple[str, bool], Parsed], list[tuple[int, bool, int]]]:
    """Flow, parsed sheets keyed by (measure, is_ytd), and the periods to report."""
    p = Path(path)
    sheets = _load_workbook(p)
    file = p.name
    trade_flow = _query_parameter(sheets, file, "Trade Flow")
    if trade_flow not in _TRADE_FLOWS:
        raise UsitcFormatError(
            f"trade flow {trade_flow!r} is not one of {sorted(_TRADE_FLOWS)}",
            file=file,
            sheet="Query Parameters",
        )
    flow = _TRADE_FLOWS[trade_flow]
    parsed: dict[tuple[str, bool], Parsed] = {}
    for measure, sheet_name in (
        ("value", _VALUE_SHEET[flow]),
        ("first", _FIRST),
        ("second", _SECOND),
    ):
        for ytd in (False, True):
            full = sheet_name + (" YTD" if ytd else "")
            if full not in sheets:
                raise UsitcFormatError(f"missing sheet {full!r}", file=file)
            parsed[(measure, ytd)] = _parse_sheet(sheets[full], sheet_name, ytd=ytd)
    _check_consistent(sheets, parsed)
    months = _ytd_months(sheets[_VALUE_SHEET[flow] + " YTD"])
    return flow, parsed, _periods(parsed, months, year_to_date=year_to_date)


def _check_consistent(sheets: dict[str, _Sheet], parsed: dict[tuple[str, bool], Parsed]) -> None:
    """Quantity sheets must have the value sheets' years and no row without a value row."""
    for ytd in (False, True):
        years, values = parsed[("value", ytd)]
        units = {(c, h, u.removeprefix(VALUE_PREFIX)) for c, h, u in values}
        for measure, name in (("first", _FIRST), ("second", _SECOND)):
            sheet = sheets[name + (" YTD" if ytd else "")]
            other_years, rows = parsed[(measure, ytd)]
            if other_years != years:
                raise sheet.error(f"years {other_years} differ from the value sheet's {years}", 3)
            if measure == "first":
                for key, entry in rows.items():
                    if key not in units:
                        raise sheet.error(f"no value row for quantity row {key}", row=entry[3])


def _periods(
    parsed: dict[tuple[str, bool], Parsed], ytd_months: int, *, year_to_date: bool
) -> list[tuple[int, bool, int]]:
    """(year, from_ytd_sheet, months_covered) for every period returned.

    A year comes from the full-year sheets unless all its full-year values are zero while its
    year-to-date values are not: DataWeb's layout for a year still in progress.
    """

    def total(ytd: bool, year: int) -> float:
        years, rows = parsed[("value", ytd)]
        return sum(v[1][years.index(year)] for v in rows.values()) if year in years else 0.0

    out: list[tuple[int, bool, int]] = []
    for year in parsed[("value", False)][0]:
        in_progress = total(False, year) == 0 and total(True, year) > 0
        if not in_progress:
            out.append((year, False, 12))
        if (in_progress or year_to_date) and ytd_months < 12 and year in parsed[("value", True)][0]:
            out.append((year, True, ytd_months))
    return out
