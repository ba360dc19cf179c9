"""The fit recovers known parameters; the shipped calibration reproduces its episodes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from stockpile.calibration import (
    Family,
    FitOptions,
    HindcastStatus,
    Target,
    calibration_summary,
    fit,
    load_calibration,
    model_ratios,
    shipped_hindcast,
)
from stockpile.calibration.store import CALIBRATION_FILE, data_dir
from stockpile.market_dynamics import DynamicsParams

TRUE = {
    "eta": 0.25,
    "long_run_multiplier": 3.0,
    "adjustment_months": 10.0,
    "inventory_cover_months": 0.8,
    "max_price_ratio": 6.0,
}


def _synthetic_targets() -> list[Target]:
    """Episodes of one family with known cuts, observed through several windows, with the
    ratios the model gives under TRUE (a test of the fitting code, not of the world)."""
    specs = []
    for i, (cut, months) in enumerate([(0.05, 24), (0.15, 6), (0.3, 36), (0.5, 3), (0.7, 12)]):
        for j, after in enumerate([(0, 2), (3, 8), (9, 20), (24, 35)]):
            specs.append((f"S{i}", cut, months, after, j))
    shells = [
        Target(
            target_id=f"{eid}-{j}",
            episode_id=eid,
            material="antimony",
            family=Family.MINOR_METALS,
            fit=True,
            cut=(cut, cut),
            duration=(float(months), float(months)),
            before=(-12, -1),
            after=after,
            observed_ratio=1.0,
            reliability="A",
            series="synthetic",
            source="synthetic",
            note="",
        )
        for eid, cut, months, after, j in specs
    ]
    n = len(shells)
    cut = np.array([[t.cut[0] for t in shells]])  # type: ignore[index]
    dur = np.array([[t.duration[0] for t in shells]])  # type: ignore[index]
    params = DynamicsParams(
        np.full((1, n), TRUE["eta"]),
        TRUE["long_run_multiplier"],
        TRUE["adjustment_months"],
        TRUE["inventory_cover_months"],
        TRUE["max_price_ratio"],
    )
    ratios = model_ratios(shells, cut, dur, params)[0]
    return [
        Target(**{**t.__dict__, "observed_ratio": float(r)})  # type: ignore[arg-type]
        for t, r in zip(shells, ratios, strict=True)
    ]


@pytest.mark.slow
def test_synthetic_history_is_recovered_within_the_interval() -> None:
    posterior = fit(_synthetic_targets(), FitOptions(walkers=48, steps=700, burn=400, thin=5))
    frame = posterior.frame()
    checks = {"eta_minor_metals": TRUE["eta"], **{k: v for k, v in TRUE.items() if k != "eta"}}
    for name, true in checks.items():
        low, high = np.quantile(frame[name], [0.05, 0.95])
        assert low <= true <= high, (name, low, true, high)
    # the short-run elasticity is pinned down, not merely inside its prior (a factor 250 wide)
    low, high = np.quantile(frame["eta_minor_metals"], [0.05, 0.95])
    assert high / low < 10.0


def test_in_sample_episodes_are_reproduced_within_their_interval() -> None:
    rows = shipped_hindcast()
    fitted = [r for r in rows if r.target.fit]
    assert len(fitted) >= 5
    for r in fitted:
        assert r.status(r.in_sample) is HindcastStatus.INSIDE, r.target.target_id


def test_every_target_is_listed_and_unmeasured_cuts_are_not_simulated() -> None:
    rows = shipped_hindcast()
    statuses = {r.target.target_id: r.status(r.in_sample) for r in rows}
    assert statuses["E03-NI-2019"] is HindcastStatus.NOT_SIMULATED
    assert all(r.leave_one_out is not None for r in rows if r.target.fit)


def test_shipped_summary_matches_the_shipped_draws() -> None:
    shipped = pd.read_csv(data_dir() / CALIBRATION_FILE)
    fresh = calibration_summary(load_calibration().posterior)
    pd.testing.assert_frame_equal(
        shipped[["parameter", "p10", "p50", "p90"]],
        fresh[["parameter", "p10", "p50", "p90"]],
        rtol=1e-4,
    )
    assert shipped["command"].str.startswith("stockpile market calibrate").all()


@pytest.mark.parametrize("family", list(Family))
def test_every_family_has_a_calibrated_elasticity(family: Family) -> None:
    frame = load_calibration().posterior.frame()
    assert (frame[f"eta_{family.value}"] > 0).all()
