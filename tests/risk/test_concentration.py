"""Shares, top-k shares, HHI and the world-total check."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from stockpile.risk import (
    DataFlag,
    NoRiskDataError,
    OtherCountries,
    RiskInputError,
    StageKind,
    concentration_table,
    hhi,
    production_concentration,
    shares,
    stage_kind,
    top_share,
    usgs_rounding_tolerance,
    world_total_check,
)

from .conftest import production_frame

# --- hand-computed cases -------------------------------------------------------------------


def test_shares_and_hhi_by_hand() -> None:
    s = shares([2.0, 1.0, 1.0])
    np.testing.assert_allclose(s, [0.5, 0.25, 0.25])
    assert hhi(s) == pytest.approx(2500 + 625 + 625)  # 3,750
    assert hhi([1.0]) == pytest.approx(10_000)
    assert top_share(s, 1) == pytest.approx(0.5)
    assert top_share(s, 2) == pytest.approx(0.75)
    assert top_share(s, 3) == pytest.approx(1.0)


SMALL = [
    ("A", "AAA", 50.0, "50"),
    ("B", "BBB", 30.0, "30"),
    ("Other countries", None, 20.0, "20"),
    ("World total (rounded)", "WLD", 100.0, "100"),
]


def test_other_countries_default_is_denominator_only() -> None:
    c = production_concentration(production_frame(SMALL), material="x", year=2024)
    # shares 0.5 and 0.3 of 100; "Other countries" not a producer: 2,500 + 900
    assert c.other is OtherCountries.DENOMINATOR_ONLY
    assert c.total == pytest.approx(100)
    assert c.hhi == pytest.approx(3400)
    assert c.top_producer == "A" and c.top_share == pytest.approx(0.5)
    assert c.top3_share == pytest.approx(0.8)
    assert c.share_of("Other countries") == pytest.approx(0.2)
    assert c.share_of("bbb") == pytest.approx(0.3)
    assert c.world_published == pytest.approx(100)


def test_other_countries_alternatives() -> None:
    frame = production_frame(SMALL)
    ex = production_concentration(frame, material="x", year=2024, other=OtherCountries.EXCLUDED)
    # shares 50/80 and 30/80: 3,906.25 + 1,406.25
    assert ex.hhi == pytest.approx(5312.5)
    assert ex.top_share == pytest.approx(0.625)
    assert ex.share_of("Other countries") is None
    up = production_concentration(frame, material="x", year=2024, other=OtherCountries.AS_PRODUCER)
    assert up.hhi == pytest.approx(3400 + 400)


def test_withheld_values_are_flagged_and_left_out() -> None:
    rows = [("A", "AAA", 60.0, "60"), ("United States", "USA", None, "W"), ("B", "BBB", 40.0, "40")]
    c = production_concentration(production_frame(rows), material="x", year=2024)
    assert c.total == pytest.approx(100)
    assert c.hhi == pytest.approx(3600 + 1600)
    assert DataFlag.WITHHELD in c.flags
    assert DataFlag.NO_OTHER_ROW in c.flags
    assert [(m.country, m.value_raw, m.flag) for m in c.missing] == [
        ("United States", "W", DataFlag.WITHHELD)
    ]


def test_world_only_series_has_no_shares() -> None:
    rows = [("World total", "WLD", 80.0, "80")]
    c = production_concentration(production_frame(rows), material="x", year=2024)
    assert c.hhi is None and c.top_producer is None and c.world_published == 80
    assert DataFlag.WORLD_ONLY in c.flags


# --- bad input ------------------------------------------------------------------------------


def test_negative_production_is_a_clear_error() -> None:
    with pytest.raises(RiskInputError, match=r"quantities: negative value -3"):
        shares([5.0, -3.0])
    rows = [("A", "AAA", 10.0, "10"), ("B", "BBB", -1.0, "-1")]
    with pytest.raises(RiskInputError, match=r"production.value: -1 for B"):
        production_concentration(production_frame(rows), material="x", year=2024)


@pytest.mark.parametrize(
    ("values", "message"),
    [([0.0, 0.0], "all values are zero"), ([1.0, math.nan], "NaN"), ([], "empty")],
)
def test_shares_reject_bad_vectors(values: list[float], message: str) -> None:
    with pytest.raises(RiskInputError, match=message):
        shares(values)


def test_hhi_rejects_shares_above_one() -> None:
    with pytest.raises(RiskInputError, match="sum to"):
        hhi([0.7, 0.6])
    with pytest.raises(RiskInputError, match=r"\[0, 1\]"):
        hhi([1.5])


def test_year_with_no_data_names_year_and_available_years(production: pd.DataFrame) -> None:
    with pytest.raises(NoRiskDataError) as err:
        production_concentration(production, material="antimony", year=2023)
    assert "2023" in str(err.value) and "2024, 2025" in str(err.value)
    with pytest.raises(NoRiskDataError, match="available"):
        concentration_table(production, year=1999)


def test_unknown_material_and_stage(production: pd.DataFrame) -> None:
    with pytest.raises(NoRiskDataError, match="'unobtainium'"):
        production_concentration(production, material="unobtainium", year=2024)
    with pytest.raises(NoRiskDataError, match="stage 'refinery' of 'antimony'"):
        production_concentration(production, material="antimony", year=2024, stage="refinery")
    with pytest.raises(RiskInputError, match="several stages"):
        production_concentration(production, material="copper", year=2024)


# --- properties -----------------------------------------------------------------------------

positive = st.lists(st.floats(min_value=1e-3, max_value=1e9), min_size=1, max_size=40)


@given(positive)
def test_hhi_bounds_and_permutation(q: list[float]) -> None:
    s = shares(q)
    h = hhi(s)
    assert 10_000 / len(q) - 1e-6 <= h <= 10_000 + 1e-6
    assert hhi(s[::-1]) == pytest.approx(h)
    assert top_share(s, 1) ** 2 * 10_000 <= h + 1e-6


@given(positive)
def test_hhi_is_scale_invariant(q: list[float]) -> None:
    assert hhi(shares(q)) == pytest.approx(hhi(shares([3.7 * v for v in q])))


# --- real data ------------------------------------------------------------------------------


def test_antimony_2024_by_hand(production: pd.DataFrame) -> None:
    c = production_concentration(production, material="antimony", year=2024)
    rows = production[
        (production["material"] == "antimony")
        & (production["year"] == 2024)
        & (production["iso3"] != "WLD")
    ]
    q = rows["value"].to_numpy(dtype=float)
    expected = 10_000 * float(np.sum((q / q.sum()) ** 2))
    assert c.hhi == pytest.approx(expected)
    assert c.total == pytest.approx(118_990)
    assert c.top_share == pytest.approx(40_000 / 118_990)  # China and Russia tie at 40,000
    assert c.top_producer == "China"


def test_stage_kinds() -> None:
    assert stage_kind("smelter") is StageKind.REFINERY
    assert stage_kind("mine (bauxite)") is StageKind.MINE
    assert stage_kind("refinery (primary low-purity)") is StageKind.REFINERY
    assert stage_kind("global production (all stages)") is StageKind.ALL
    with pytest.raises(RiskInputError, match="stage"):
        stage_kind("recycling")


def test_copper_stages(production: pd.DataFrame) -> None:
    mine = production_concentration(production, material="copper", year=2024, stage="mine")
    ref = production_concentration(production, material="copper", year=2024, stage="refinery")
    assert mine.top_producer == "Chile" and ref.top_producer == "China"


@pytest.mark.parametrize(
    ("value", "tol"),
    [(1_800_000, 50_000), (119_000, 500), (433, 0.5), (981, 0.5), (2.5, 0.05), (0, 0.5)],
)
def test_usgs_rounding_tolerance(value: float, tol: float) -> None:
    assert usgs_rounding_tolerance(value) == pytest.approx(tol)


def test_world_totals_match_country_sums_within_rounding(production: pd.DataFrame) -> None:
    check = world_total_check(production)
    # every series with a numeric world row and country rows (56 in MCS 2026)
    assert len(check) >= 50
    bad = check[~check["within_rounding"]]
    assert bad.empty, bad.to_string()
    # and the agreement is tight: the median gap is well under 1% of the world total
    rel = (check["difference"].abs() / check["world_published"]).median()
    assert rel < 0.005


def test_world_total_check_detects_a_wrong_row(production: pd.DataFrame) -> None:
    broken = production.copy()
    idx = broken.index[
        (broken["material"] == "cobalt")
        & (broken["country"] == "Indonesia")
        & (broken["year"] == 2024)
    ]
    broken.loc[idx, "value"] = broken.loc[idx, "value"] + 30_000
    check = world_total_check(broken)
    row = check[(check["material"] == "cobalt") & (check["year"] == 2024)].iloc[0]
    assert not row["within_rounding"]
