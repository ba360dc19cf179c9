"""Writing the MCS tables as CSV in the format of the bundled reference files."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import pandas as pd

from stockpile.reference._mcs_values import format_number

__all__ = ["RAW_COLUMN_OF", "TABLE_FILES", "format_table", "write_table"]

#: McsTables attribute -> bundled file name.
TABLE_FILES: dict[str, str] = {
    "production": "production_by_country.csv",
    "reserves_capacity": "reserves_capacity_by_country.csv",
    "us_market": "us_market.csv",
    "import_sources": "import_sources.csv",
    "prices": "prices.csv",
}

#: Numeric column -> the column holding its printed text (used to keep USGS's digits).
RAW_COLUMN_OF: dict[str, str] = {
    "value": "value_raw",
    "share_pct": "share_raw",
    "price": "price_raw",
    "us_production": "us_production_raw",
    "us_other_production": "us_other_production_raw",
    "us_consumption": "us_consumption_raw",
    "net_import_reliance_pct": "net_import_reliance_raw",
}

_LINE_END = "\r\n"


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and math.isnan(value):
        return ""
    return str(value)


def format_table(frame: pd.DataFrame) -> list[list[str]]:
    """The rows of ``frame`` as text cells, header first, formatted as the bundled files."""
    columns = list(frame.columns)
    cells: dict[str, list[str]] = {}
    for name in columns:
        values = frame[name].tolist()
        raw_name = RAW_COLUMN_OF.get(name)
        if pd.api.types.is_float_dtype(frame[name].dtype):
            raws = frame[raw_name].tolist() if raw_name in frame.columns else [""] * len(values)
            cells[name] = [format_number(v, r) for v, r in zip(values, raws, strict=True)]
        else:
            cells[name] = [_text(v) for v in values]
    body = [[cells[name][i] for name in columns] for i in range(len(frame))]
    return [columns, *body]


def write_table(frame: pd.DataFrame, path: Path) -> None:
    """Write ``frame`` to ``path`` (UTF-8, CRLF line ends, minimal quoting)."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator=_LINE_END, quoting=csv.QUOTE_MINIMAL)
        writer.writerows(format_table(frame))
