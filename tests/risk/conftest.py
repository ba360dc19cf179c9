"""Shared fixtures of the risk tests: the bundled reference tables, loaded once per session."""

from __future__ import annotations

import pandas as pd
import pytest

from stockpile import reference
from stockpile.risk import governance_scores


@pytest.fixture(scope="session")
def production() -> pd.DataFrame:
    return reference.load_production()


@pytest.fixture(scope="session")
def us_market() -> pd.DataFrame:
    return reference.load_us_market()


@pytest.fixture(scope="session")
def import_sources() -> pd.DataFrame:
    return reference.load_import_sources()


@pytest.fixture(scope="session")
def wgi() -> pd.DataFrame:
    return reference.load_wgi()


@pytest.fixture(scope="session")
def scores(wgi: pd.DataFrame) -> pd.DataFrame:
    return governance_scores(wgi, year=2023)


@pytest.fixture(scope="session")
def export_controls() -> pd.DataFrame:
    return reference.load_export_controls()


@pytest.fixture(scope="session")
def control_materials() -> pd.DataFrame:
    return reference.load_export_control_materials()


@pytest.fixture(scope="session")
def eu_shares() -> pd.DataFrame:
    return reference.load_eu_crm_shares()


def production_frame(rows: list[tuple[str, str | None, float | None, str]]) -> pd.DataFrame:
    """A small production table for material 'x', mine, 2024: (country, iso3, value, raw)."""
    return pd.DataFrame(
        {
            "material": ["x"] * len(rows),
            "country": [r[0] for r in rows],
            "iso3": [r[1] or "" for r in rows],
            "year": [2024] * len(rows),
            "stage": ["mine"] * len(rows),
            "value": [float("nan") if r[2] is None else r[2] for r in rows],
            "value_raw": [r[3] for r in rows],
            "unit": ["metric tons"] * len(rows),
            "basis": ["x content"] * len(rows),
            "source_id": ["TEST"] * len(rows),
        }
    )
