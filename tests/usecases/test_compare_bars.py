"""The comparison's difference bars: each variant's mean difference and its upper error."""

from __future__ import annotations

import pytest

from stockpile.simulate.compare import Difference, MaterialMetrics, VariantResult
from stockpile.usecases import CompareReport


def _metrics(short: Difference | None, peak: Difference | None) -> MaterialMetrics:
    return MaterialMetrics(
        material="antimony",
        unit="metric_ton",
        shortfall=1.0,
        shortfall_by_class={},
        priority_short_probability=None,
        days_of_cover=None,
        days_of_cover_end=None,
        peak_price_ratio=None,
        mean_price_ratio=None,
        diff_shortfall=short,
        diff_peak_price_ratio=peak,
    )


def test_bars_are_the_mean_and_the_distance_to_the_upper_end() -> None:
    report = CompareReport(
        base="b",
        runs=10,
        seed=0,
        horizon_months=12,
        holdings_note="none",
        variants=[
            VariantResult(name="b", title="", lever_notes=[], materials=[_metrics(None, None)]),
            VariantResult(
                name="b--reserve",
                title="",
                lever_notes=[],
                materials=[
                    _metrics(
                        Difference(mean=-120.0, low=-150.0, high=-90.0),
                        Difference(mean=0.5, low=0.25, high=0.75),
                    )
                ],
            ),
            VariantResult(
                name="other",
                title="",
                lever_notes=[],
                materials=[_metrics(Difference(mean=None, low=None, high=None), None)],
            ),
        ],
    )
    (bars,) = report.difference_bars()
    assert (bars.material, bars.unit) == ("antimony", "metric_ton")
    assert bars.variants == ("reserve", "other")  # the base's own prefix dropped
    # -120 with its interval up to -90: 30 above the mean; no difference counts as 0 +- 0
    assert bars.shortfall == pytest.approx((-120.0, 0.0))
    assert bars.shortfall_up == pytest.approx((30.0, 0.0))
    assert bars.peak_price_ratio == pytest.approx((0.5, 0.0))
    assert bars.peak_price_ratio_up == pytest.approx((0.25, 0.0))
