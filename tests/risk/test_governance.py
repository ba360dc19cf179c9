"""Governance scaling, governance scores and HHI_WGI,t."""

from __future__ import annotations

import csv

import numpy as np
import pandas as pd
import pytest

from stockpile.reference import data_path
from stockpile.risk import (
    NoRiskDataError,
    RiskInputError,
    governance_scores,
    governance_weighted_concentration,
    hhi_wgi,
    production_concentration,
    scale_wgi,
)

from .conftest import production_frame


def test_scale_wgi_endpoints() -> None:
    np.testing.assert_allclose(scale_wgi([2.5, 0.0, -2.5, 1.0]), [0.0, 5.0, 10.0, 3.0])


def test_hhi_wgi_by_hand() -> None:
    # 0.5^2*2*1 + 0.5^2*6*1.2 = 0.5 + 1.8
    assert hhi_wgi([0.5, 0.5], [2.0, 6.0], [1.0, 1.2]) == pytest.approx(2.3)
    assert hhi_wgi([1.0], [7.0]) == pytest.approx(7.0)


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (([0.5, 0.5], [1.0]), "wgi_scaled"),
        (([0.5, 0.5], [1.0, np.nan]), "wgi_scaled"),
        (([0.9, 0.5], [1.0, 1.0]), "share_fractions"),
        (([0.5, 0.5], [1.0, 1.0], [1.0, 0.0]), "trade_param"),
    ],
)
def test_hhi_wgi_rejects_bad_input(args: tuple, field: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(RiskInputError, match=field):
        hhi_wgi(*args)


def _small_wgi() -> pd.DataFrame:
    rows = []
    for ind, e in zip(
        ("VA", "PV", "GE", "RQ", "RL", "CC"), (1.0, 0.5, 0.0, -0.5, 1.0, 1.0), strict=True
    ):
        rows.append(("AAA", "A", 2023, ind, e))
        if ind != "CC":
            rows.append(("BBB", "B", 2023, ind, 0.0))
    return pd.DataFrame(rows, columns=["iso3", "country", "year", "indicator", "estimate"])


def test_governance_scores_mean_of_six() -> None:
    s = governance_scores(_small_wgi(), year=2023)
    # mean 0.5 -> (2.5 - 0.5) * 2 = 4
    assert s.at["AAA", "mean_estimate"] == pytest.approx(0.5)
    assert s.at["AAA", "wgi_scaled"] == pytest.approx(4.0)
    assert s.at["BBB", "n_indicators"] == 5
    assert np.isnan(s.at["BBB", "wgi_scaled"])
    with pytest.raises(NoRiskDataError, match=r"WGI in 2019; available: 2023"):
        governance_scores(_small_wgi(), year=2019)


def test_governance_scores_from_the_csv(scores: pd.DataFrame) -> None:
    """Recompute China's and Chile's scores straight from the CSV text."""
    with open(data_path("wgi_governance.csv"), encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if r["year"] == "2023"]
    for iso in ("CHN", "CHL", "COD"):
        est = [float(r["estimate"]) for r in rows if r["iso3"] == iso]
        assert len(est) == 6
        assert scores.at[iso, "wgi_scaled"] == pytest.approx((2.5 - sum(est) / 6) * 2)
    assert "NCL" not in scores.index  # New Caledonia is not in the WGI
    assert scores["wgi_scaled"].dropna().between(0, 10).all()


def test_weighted_concentration_by_hand() -> None:
    scores = pd.DataFrame(
        {"country": ["A", "B", "US"], "wgi_scaled": [2.0, 6.0, 3.0]},
        index=pd.Index(["AAA", "BBB", "USA"], name="iso3"),
    )
    rows = [
        ("A", "AAA", 50.0, "50"),
        ("B", "BBB", 30.0, "30"),
        ("United States", "USA", 20.0, "20"),
    ]
    c = production_concentration(production_frame(rows), material="x", year=2024)
    g = governance_weighted_concentration(c, scores)
    assert g.value == pytest.approx(0.25 * 2 + 0.09 * 6 + 0.04 * 3)
    g0 = governance_weighted_concentration(c, scores, non_disruptive=("usa",))
    assert g0.value == pytest.approx(0.25 * 2 + 0.09 * 6)
    gt = governance_weighted_concentration(c, scores, trade_param={"BBB": 1.3})
    assert gt.value == pytest.approx(0.25 * 2 + 0.09 * 6 * 1.3 + 0.04 * 3)


def test_new_caledonia_is_reported_not_proxied(
    production: pd.DataFrame, scores: pd.DataFrame
) -> None:
    c = production_concentration(production, material="nickel", year=2024)
    g = governance_weighted_concentration(c, scores)
    assert [u.iso3 for u in g.uncovered] == ["NCL"]
    ncl = g.uncovered[0].share
    assert ncl == pytest.approx(c.share_of("NCL"))
    assert g.covered_share == pytest.approx(sum(p.share for p in c.producers if p.iso3) - ncl)
