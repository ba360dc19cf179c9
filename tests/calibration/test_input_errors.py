"""Calibration functions refuse inputs they cannot simulate with a message naming the input."""

from __future__ import annotations

import numpy as np
import pytest

from stockpile.calibration import Family, Target, load_calibration, predict


def test_predict_refuses_a_target_without_a_measured_cut() -> None:
    unmeasured = Target(
        target_id="X01-SB",
        episode_id="X01",
        material="antimony",
        family=Family.MINOR_METALS,
        fit=False,
        cut=None,
        duration=None,
        before=(-12, -1),
        after=(0, 5),
        observed_ratio=1.5,
        reliability="A",
        series="synthetic",
        source="synthetic",
        note="",
    )
    posterior = load_calibration().posterior
    with pytest.raises(ValueError, match=r"^X01-SB: cut and duration not measured"):
        predict([unmeasured], posterior, np.random.default_rng(0))
