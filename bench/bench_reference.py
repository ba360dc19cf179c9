"""Reference data: checked loading and the MCS import, as ratios to plain pandas parsing.

Figures: time to parse and check every bundled table with the schema checks, divided by the time
``pandas.read_csv`` takes to read the same files without checks (same run); and the time of a
full USGS MCS import of the bundled raw release, divided by a plain ``read_csv`` of that file.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from stockpile.reference import build_mcs_tables, data_path, tables
from stockpile.reference._schema import parse_table

_FILES = {
    "production_by_country.csv": tables.PRODUCTION,
    "reserves_capacity_by_country.csv": tables.RESERVES_CAPACITY,
    "us_market.csv": tables.US_MARKET,
    "import_sources.csv": tables.IMPORT_SOURCES,
    "prices.csv": tables.PRICES,
    "wgi_governance.csv": tables.WGI,
}
_RAW = Path(__file__).resolve().parents[1] / (
    "src/stockpile/reference/data/mcs/release/usgs_mcs2026_commodities_data.csv.gz"
)


def _best(fn: Callable[[], object], repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def run() -> dict[str, float]:
    texts = {name: data_path(name).read_text(encoding="utf-8") for name in _FILES}

    def checked() -> None:
        for name, schema in _FILES.items():
            parse_table(texts[name], schema, file=name)

    def plain() -> None:
        for name in _FILES:
            pd.read_csv(data_path(name))

    t_checked = _best(checked)
    t_plain = _best(plain)
    t_import = _best(lambda: build_mcs_tables(_RAW), repeat=3)
    t_raw = _best(lambda: pd.read_csv(_RAW, encoding="cp1252", dtype=str), repeat=3)
    rows = sum(len(t.splitlines()) - 1 for t in texts.values())
    return {
        "rows_checked": rows,
        "checked_load_s": round(t_checked, 4),
        "plain_read_csv_s": round(t_plain, 4),
        "checked_vs_plain_ratio": round(t_checked / t_plain, 2),
        "mcs_import_s": round(t_import, 3),
        "mcs_raw_read_csv_s": round(t_raw, 3),
        "mcs_import_vs_raw_read_ratio": round(t_import / t_raw, 2),
    }
