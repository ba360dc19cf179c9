"""Bad scenarios are refused with the file, the field path and the reason."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from stockpile.simulate import (
    ReferenceFrames,
    ScenarioError,
    SimulationInputError,
    compile_scenario,
    load_holdings,
    load_scenario,
    simulate,
)


def _write(tmp_path: Path, data: dict[str, Any], name: str = "bad.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def _event(**kw: Any) -> dict[str, Any]:
    ev = {
        "kind": "export_control",
        "id": "ban",
        "country": "CHN",
        "materials": ["antimony"],
        "withheld_share": 0.5,
        "duration_months": 6,
    }
    ev.update(kw)
    return ev


def _refused(path: Path, frames: ReferenceFrames) -> ScenarioError:
    with pytest.raises(ScenarioError) as info:
        compile_scenario(load_scenario(path), frames=frames, source=str(path))
    return info.value


@pytest.mark.parametrize(
    ("mutate", "field", "reason"),
    [
        (lambda d: d["materials"].append("unobtanium"), "materials[1]", "unknown material"),
        (
            lambda d: d["events"].append(_event(country="Atlantis")),
            "events[0].country",
            "unknown country",
        ),
        (
            lambda d: d["events"].append(_event(targets=["XXX"])),
            "events[0].targets[0]",
            "unknown country",
        ),
        (
            lambda d: d["events"].append(_event(materials=["antimony", "unobtanium"])),
            "events[0].materials[1]",
            "unknown material",
        ),
        (
            lambda d: d["events"].append(_event(duration_months=-3)),
            "events[0].duration_months",
            "must lie in [0",
        ),
        (
            lambda d: d["events"].append(_event(withheld_share=1.2)),
            "events[0].withheld_share",
            "a share must lie in [0, 1]",
        ),
        (
            lambda d: d["events"].append(
                _event(withheld_share={"dist": "uniform", "low": 0.5, "high": 1.5})
            ),
            "events[0].withheld_share",
            "spans [0.5, 1.5]",
        ),
        (
            lambda d: d["events"].append(_event(probability=1.5)),
            "events[0].probability",
            "less than or equal to 1",
        ),
        (
            lambda d: d["events"].append(_event(probability=-0.1)),
            "events[0].probability",
            "greater than or equal to 0",
        ),
        (
            lambda d: d["events"].append(
                _event(withheld_share={"dist": "uniform", "low": 0.9, "high": 0.1})
            ),
            "events[0].withheld_share",
            "uniform needs low <= high",
        ),
        (
            lambda d: d["events"].append(
                _event(duration_months={"dist": "triangular", "low": 1, "mode": 9, "high": 6})
            ),
            "events[0].duration_months",
            "triangular needs low <= mode <= high",
        ),
        (
            lambda d: d["assumptions"]["elasticity"].update(
                demand={"dist": "normal", "mean": -0.2, "sd": -1, "high": -0.01}
            ),
            "assumptions.elasticity.demand",
            "normal needs sd > 0",
        ),
        (
            lambda d: d["assumptions"]["elasticity"].update(demand=0.1),
            "assumptions.elasticity.demand",
            "demand elasticity must be < 0",
        ),
        (
            lambda d: d["assumptions"]["elasticity"].update(
                supply={"dist": "lognormal", "median": 0, "sigma": 1}
            ),
            "assumptions.elasticity.supply",
            "lognormal needs median > 0",
        ),
        (
            lambda d: d["assumptions"]["demand_split"].update(defence=0.8, essential=0.4),
            "assumptions.demand_split",
            "maxima must sum to <= 1",
        ),
        (lambda d: d.update(horizon_months=0), "horizon_months", "greater than or equal to 1"),
        (
            lambda d: d["stockpile"].update(serve=["essential"]),
            "stockpile",
            "priority order",
        ),
        (
            lambda d: d["events"].append(_event(kind="earthquake")),
            "events[0]",
            "does not match any of the expected tags",
        ),
        (
            lambda d: d["events"].append(_event(withheld_share=None)),
            "events[0].withheld_share",
            "",
        ),
    ],
)
def test_refused_with_file_path_and_reason(
    base: dict[str, Any],
    tmp_path: Path,
    frames: ReferenceFrames,
    mutate: Any,
    field: str,
    reason: str,
) -> None:
    mutate(base)
    path = _write(tmp_path, base)
    err = _refused(path, frames)
    text = str(err)
    assert str(path) in text
    paths = [p.path for p in err.problems]
    assert field in paths, (field, paths)
    assert reason in text


def test_world_event_without_world_data_is_refused(
    base: dict[str, Any], tmp_path: Path, frames: ReferenceFrames
) -> None:
    base["materials"] = ["germanium"]
    base["baseline"] = {}
    base["events"] = [_event(materials=["germanium"])]
    err = _refused(_write(tmp_path, base), frames)
    assert "no world production by country" in str(err)
    assert err.problems[0].path == "events[0].materials"


def test_invalid_yaml_and_missing_file(tmp_path: Path) -> None:
    bad = tmp_path / "x.yaml"
    bad.write_text("name: [unclosed", encoding="utf-8")
    with pytest.raises(ScenarioError, match="not valid YAML"):
        load_scenario(bad)
    with pytest.raises(ScenarioError, match="cannot read"):
        load_scenario(tmp_path / "missing.yaml")


def test_toml_scenarios_are_read(base: dict[str, Any], tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    path.write_text(
        'name = "t"\nhorizon_months = 3\nmaterials = ["antimony"]\n'
        "[assumptions.elasticity]\ndemand = -0.2\nsupply = 0.1\n"
        "[assumptions.demand_split]\ndefence = 0.1\nessential = 0.2\n",
        encoding="utf-8",
    )
    assert load_scenario(path).horizon_months == 3


def test_holdings_file_errors(
    tmp_path: Path, base: dict[str, Any], frames: ReferenceFrames
) -> None:
    p = tmp_path / "h.csv"
    p.write_text("material,quantity,unit\nantimony,-5,t\n", encoding="utf-8")
    with pytest.raises(SimulationInputError, match=r"line 2, field quantity: must be >= 0"):
        load_holdings(p)
    p.write_text("material,amount\nantimony,5\n", encoding="utf-8")
    with pytest.raises(SimulationInputError, match="missing column"):
        load_holdings(p)
    p.write_text("material,quantity,unit\nantimony,5,furlong\n", encoding="utf-8")
    from stockpile.simulate import parse_scenario

    with pytest.raises(ScenarioError, match=r"holdings\.antimony\.unit"):
        compile_scenario(parse_scenario(base), holdings=load_holdings(p), frames=frames)


def test_run_arguments_checked(base: dict[str, Any], frames: ReferenceFrames) -> None:
    from stockpile.simulate import parse_scenario

    sc = parse_scenario(base)
    with pytest.raises(SimulationInputError, match="runs"):
        simulate(sc, runs=0, seed=1, frames=frames)
    with pytest.raises(SimulationInputError, match="seed"):
        simulate(sc, runs=1, seed=-1, frames=frames)


def test_unlabelled_scenario_holdings_refused(base: dict[str, Any], tmp_path: Path) -> None:
    base["stockpile"]["holdings"] = {
        "items": [{"material": "antimony", "quantity": 5, "unit": "t"}]
    }
    with pytest.raises(ScenarioError, match="illustrative: true"):
        load_scenario(_write(tmp_path, base))
