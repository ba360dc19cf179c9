"""The ranked risk table and the material profile."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from stockpile.reference import UnknownMaterialError, catalogue
from stockpile.risk import (
    RISK_TABLE_COLUMNS,
    ControlStatus,
    NoRiskDataError,
    RiskInputError,
    material_profile,
    risk_table,
)


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return risk_table()


def test_one_row_per_catalogue_material(table: pd.DataFrame) -> None:
    assert list(table.columns) == list(RISK_TABLE_COLUMNS)
    assert sorted(table["material"]) == sorted(m.key for m in catalogue())
    assert list(table["rank"]) == list(range(1, len(table) + 1))


def test_materials_without_production_have_empty_cells(table: pd.DataFrame) -> None:
    for key in ("germanium", "rare earths (heavy)"):
        row = table[table["material"] == key].iloc[0]
        assert pd.isna(row["hhi"]) and pd.isna(row["top_producer"])
        assert "no production by country" in row["flags"]
    ge = table[table["material"] == "germanium"].iloc[0]
    assert ge["nir_published_raw"] == ">50"


def test_ranking_key(table: pd.DataFrame) -> None:
    scored = table[table["risk_score"].notna()]
    assert scored["risk_score"].is_monotonic_decreasing
    assert table["risk_score"].notna().iloc[: len(scored)].all()
    ga = table[table["material"] == "gallium"].iloc[0]
    assert ga["risk_score"] == pytest.approx(ga["hhi"] / 10_000 * ga["nir_published"] / 100)


def test_values_by_hand(table: pd.DataFrame) -> None:
    sb = table[table["material"] == "antimony"].iloc[0]
    assert sb["top_producer"] == "China"
    assert sb["top_share"] == pytest.approx(40_000 / 118_990)
    assert sb["world_production"] == 119_000
    assert sb["nir_published"] == 86 and sb["nir_published_raw"] == "86"
    assert sb["china_import_share"] == pytest.approx(0.55)
    assert sb["export_control_status"] == ControlStatus.ACTIVE.value
    assert "CN-2024-SB" in sb["export_control_measures"]
    assert "USGS_MCS2026_DR" in sb["source"] and "WB_WGI_2024" in sb["source"]
    cu = table[table["material"] == "copper"].iloc[0]
    assert cu["stage"] == "refinery"  # the more concentrated copper series


def test_stage_filter_and_as_of() -> None:
    mine = risk_table(stage="mine")
    assert set(mine["stage"].dropna()) <= {"mine", "mine (bauxite)"}
    assert mine[mine["material"] == "gallium"]["hhi"].isna().all()
    later = risk_table(year=2025, as_of=dt.date(2025, 6, 1))
    w = later[later["material"] == "tungsten"].iloc[0]
    assert w["export_control_status"] == "active"
    with pytest.raises(RiskInputError, match="stage"):
        risk_table(stage="smelting")


def test_year_without_data_is_a_clear_error() -> None:
    with pytest.raises(NoRiskDataError, match=r"production in 2023; available: 2024, 2025"):
        risk_table(year=2023)


def test_profile() -> None:
    p = material_profile("Sb")
    assert p.material.key == "antimony"
    assert p.headline is not None and p.headline.stage == "mine"
    assert p.nir is not None and p.nir.published.value == 86
    assert {(e.stage.value, e.scope.value) for e in p.eu} >= {("E", "global_supply")}
    assert p.usgs_supply_risk.supply_risk is None
    d = p.as_dict()
    assert d["material"]["key"] == "antimony" and d["export_controls"]["status"] == "active"
    assert [e.coverage.split("; ")[1] for e in p.usitc_exposure] == ["HTS4 8110"]
    usitc = p.usitc_exposure[0]
    assert usitc.share is not None and 0 < usitc.share < 1
    assert "18 selected partner countries" in usitc.coverage and "2024" in usitc.coverage
    assert "USITC_DATAWEB" in p.sources
    ni = material_profile("nickel")
    assert ni.governance is not None and [u.iso3 for u in ni.governance.uncovered] == ["NCL"]


def test_unknown_material_suggests_names() -> None:
    with pytest.raises(UnknownMaterialError, match="antimony"):
        material_profile("antimonyy")
