"""Results: summaries against hand computation, exports, holdings files, distributions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from stockpile.simulate import (
    Fixed,
    LogNormal,
    Normal,
    ReferenceFrames,
    Stats,
    Triangular,
    Uniform,
    load_holdings,
    parse_scenario,
    simulate,
    write_results,
)
from stockpile.usecases import SimulationReport


def test_stats_by_hand() -> None:
    st = Stats.of(np.array([1.0, 2.0, 3.0, 4.0, np.nan]))
    assert st.mean == 2.5
    assert st.p50 == 2.5
    assert st.p90 == pytest.approx(3.7)
    assert np.isnan(Stats.of(np.array([np.nan])).mean)


def test_summary_matches_totals(base: dict[str, Any], frames: ReferenceFrames) -> None:
    base["events"] = [
        {
            "kind": "export_control",
            "id": "ban",
            "country": "CHN",
            "targets": ["USA"],
            "materials": ["antimony"],
            "withheld_share": {"dist": "uniform", "low": 0.0, "high": 1.0},
            "duration_months": {"dist": "uniform", "low": 0, "high": 12},
            "probability": 0.5,
        }
    ]
    res = simulate(parse_scenario(base), runs=500, seed=4, frames=frames)
    s = res.summary()[0]
    total = res.shortfall_by_class.sum(axis=2)[:, 0]
    assert s.shortfall.mean == pytest.approx(total.mean())
    assert s.shortfall.p90 == pytest.approx(np.percentile(total, 90))
    assert s.probability_shortfall == pytest.approx(np.mean(total > 0))
    hit = np.isfinite(res.output.months_to_stockout[:, 0])
    assert s.expected_months_to_stockout == pytest.approx(
        res.output.months_to_stockout[hit, 0].mean()
    )
    text = SimulationReport.from_result(res).to_text()
    assert "antimony [t]" in text and "P(any shortfall)" in text
    assert res.as_dict()["materials"][0]["material"] == "antimony"


def test_exports_round_trip(base: dict[str, Any], frames: ReferenceFrames, tmp_path: Path) -> None:
    res = simulate(parse_scenario(base), runs=20, seed=1, frames=frames)
    for suffix in (".parquet", ".csv"):
        path = write_results(res, tmp_path / f"r{suffix}")
        back = pd.read_parquet(path) if suffix == ".parquet" else pd.read_csv(path)
        assert list(back["scenario_index"]) == list(range(20))
        assert np.allclose(back["shortfall_other"], res.shortfall_by_class[:, 0, 2])
    paths = write_results(res, tmp_path / "p.csv", paths=True)
    assert len(pd.read_csv(paths)) == 20 * 12


def test_holdings_yaml_and_csv(tmp_path: Path) -> None:
    y = tmp_path / "h.yaml"
    y.write_text(
        "holdings:\n  - {material: Sb, quantity: 10, unit: t}\n"
        "  - {material: Sb, quantity: 5, unit: t}\n",
        encoding="utf-8",
    )
    assert load_holdings(y) == {"Sb": (15.0, "t")}
    c = tmp_path / "h.csv"
    c.write_text("material,quantity,unit\ncobalt,7480,t\n", encoding="utf-8")
    assert load_holdings(c) == {"cobalt": (7480.0, "t")}


def test_holdings_converted_to_material_unit(base: dict[str, Any], frames: ReferenceFrames) -> None:
    from stockpile.simulate import compile_scenario

    model = compile_scenario(
        parse_scenario(base), holdings={"antimony": (6.7e6, "lb")}, frames=frames
    )
    # 6.7 million lb = 3,039.06 t (the DLA antimony contract, domain.md section 1)
    assert model.stock0[0] == pytest.approx(6.7e6 * 0.45359237 / 1000)


@pytest.mark.parametrize(
    "spec",
    [
        Fixed(value=0.3),
        Uniform(dist="uniform", low=0.1, high=0.5),
        Triangular(dist="triangular", low=0.0, mode=0.2, high=1.0),
        Normal(dist="normal", mean=0.5, sd=0.3, low=0.2, high=0.9),
        LogNormal(dist="lognormal", median=2.0, sigma=0.5),
    ],
)
def test_distributions_sample_their_mean_and_support(spec: Any) -> None:
    rng = np.random.default_rng(0)
    x = spec.sample(rng, 200_000)
    lo, hi = spec.support()
    assert x.min() >= lo and x.max() <= hi
    sd = float(np.std(x)) or 1e-12
    assert abs(x.mean() - spec.mean()) < 5 * sd / np.sqrt(x.size) + 1e-12


def test_us_production_override(base: dict[str, Any], frames: ReferenceFrames) -> None:
    from stockpile.simulate import compile_scenario

    ov = base["baseline"]["overrides"]["antimony"]
    del ov["us_net_imports"]
    ov["us_production"] = 300.0
    model = compile_scenario(parse_scenario(base), frames=frames)
    assert model.net_imports[0] * 12 == pytest.approx(900.0)
    res = simulate(model, runs=2, seed=0)
    assert res.kg_per_unit[0] == 1000.0
