"""The USGS 2021 supply-risk index: computed components and the missing one."""

from __future__ import annotations

import pandas as pd
import pytest

from stockpile.risk import (
    EV_MISSING_REASON,
    RiskInputError,
    disruption_potential,
    production_concentration,
    trade_exposure,
    us_net_import_reliance,
    usgs_supply_risk,
)

from .conftest import production_frame


def test_trade_exposure_clips() -> None:
    assert trade_exposure(86.0) == pytest.approx(0.86)
    assert trade_exposure(-20.0) == 0.0
    assert trade_exposure(None) is None


def test_us_is_non_disruptive() -> None:
    scores = pd.DataFrame(
        {"country": ["A", "US"], "wgi_scaled": [4.0, 3.0]},
        index=pd.Index(["AAA", "USA"], name="iso3"),
    )
    rows = [("A", "AAA", 60.0, "60"), ("United States", "USA", 40.0, "40")]
    c = production_concentration(production_frame(rows), material="x", year=2024)
    assert disruption_potential(c, scores) == pytest.approx(0.36 * 4.0)


def test_economic_vulnerability_is_missing_never_guessed(
    production: pd.DataFrame, us_market: pd.DataFrame, scores: pd.DataFrame
) -> None:
    c = production_concentration(production, material="antimony", year=2024)
    nir = us_net_import_reliance(us_market, material="antimony", year=2024)
    r = usgs_supply_risk(concentration=c, scores=scores, nir=nir)
    assert r.economic_vulnerability is None and r.supply_risk is None
    assert [m.component for m in r.missing] == ["economic vulnerability"]
    assert r.missing[0].reason == EV_MISSING_REASON
    assert r.trade_exposure == pytest.approx(0.86)
    assert r.disruption_potential is not None and r.disruption_potential > 0
    # a caller with an EV from outside data gets the product
    full = usgs_supply_risk(concentration=c, scores=scores, nir=nir, economic_vulnerability=0.5)
    assert full.supply_risk == pytest.approx(r.disruption_potential * 0.86 * 0.5)
    with pytest.raises(RiskInputError, match="economic_vulnerability"):
        usgs_supply_risk(concentration=c, scores=scores, nir=nir, economic_vulnerability=-1)


def test_bounds_leave_trade_exposure_missing(us_market: pd.DataFrame, scores: pd.DataFrame) -> None:
    nir = us_net_import_reliance(us_market, material="lithium", year=2024)
    r = usgs_supply_risk(concentration=None, scores=scores, nir=nir)
    assert r.trade_exposure is None and r.disruption_potential is None
    assert {m.component for m in r.missing} == {
        "disruption potential",
        "trade exposure",
        "economic vulnerability",
    }
