"""Stage network oracles: hand-solved two-country, two-stage cuts, and bad input."""

from __future__ import annotations

import copy
from types import ModuleType
from typing import Any

import pytest

from stockpile.reference import Stage
from stockpile.simulate import (
    ReferenceFrames,
    ScenarioError,
    compile_scenario,
    draw_range,
    parse_scenario,
    resolve_scenario,
    simulate,
)
from stockpile.simulate.stages import build_network, default_feed, stage_weights

# two countries, two stages: AUS mines 60% and refines 20%; CAN mines 40% and refines 80%;
# all U.S. imports (100 t/month) are refined metal from CAN
NETWORK = {
    "antimony": {
        "arrival": "refined",
        "lead_months": {"refined": 2},
        "shares": {
            "mine": {"shares": {"AUS": 0.6, "CAN": 0.4}, "source": "hand-made test case"},
            "refined": {"shares": {"AUS": 0.2, "CAN": 0.8}, "source": "hand-made test case"},
        },
    }
}


def _case(base: dict[str, Any], event: dict[str, Any]) -> dict[str, Any]:
    data = copy.deepcopy(base)
    data["baseline"]["overrides"]["antimony"]["us_import_shares"] = {"CAN": 1.0}
    data["assumptions"]["demand_split"] = {"defence": 1.0, "essential": 0.0}
    data["stages"] = copy.deepcopy(NETWORK)
    data["events"] = [
        {
            "id": "cut",
            "materials": ["antimony"],
            "start_month": 0,
            "duration_months": 6,
            **event,
        }
    ]
    return data


def test_default_feed_by_hand() -> None:
    feed = default_feed({"AUS": 0.6, "CAN": 0.4}, {"AUS": 0.2, "CAN": 0.8})
    # AUS feeds itself (0.6 >= 0.2); CAN feeds half itself (0.4 / 0.8), half from the pool,
    # in which AUS holds the whole surplus (0.6 - 0.2)
    assert feed == {"AUS": {"AUS": 1.0}, "CAN": {"CAN": 0.5, "AUS": 0.5}}


def test_ore_ban_two_countries_two_stages_by_hand(
    base: dict[str, Any], frames: ReferenceFrames
) -> None:
    data = _case(
        base,
        {"kind": "export_control", "country": "AUS", "stage": "mine", "withheld_share": 1.0},
    )
    model = compile_scenario(parse_scenario(data), frames=frames)
    col = model.countries.index("AUS@mine")
    # refined output lost: CAN 0.5 (half its feed was Australian ore), AUS 0 (its own plants
    # keep their ore): world 0.8 x 0.5 = 0.4; U.S. imports (all from CAN) 0.5
    assert model.world_shares[0, col] == pytest.approx(0.4)
    assert model.import_shares[0, col] == pytest.approx(0.5)
    res = simulate(parse_scenario(data), runs=2, seed=0, frames=frames, keep_paths=True)
    short = res.output.paths.shortfall[0, 0].sum(axis=1)  # type: ignore[union-attr]
    # defence-only demand 100 t/month, supply 100 x (1 - 0.5) from month 2 (lead) to month 7
    assert short == pytest.approx([0, 0, 50, 50, 50, 50, 50, 50, 0, 0, 0, 0], abs=1e-9)
    assert res.shortfall[0, 0] == pytest.approx(300.0)
    # world price: r^ed = (1 - 0.4) r^es with ed = -0.2, es = 0.1
    ratio = 0.6 ** (1.0 / (-0.2 - 0.1))
    assert res.output.peak_price_ratio[0, 0] == pytest.approx(ratio, rel=1e-9)


def test_mine_outage_also_stops_the_own_refinery(
    base: dict[str, Any], frames: ReferenceFrames
) -> None:
    data = _case(base, {"kind": "outage", "country": "AUS", "stage": "mine", "lost_share": 1.0})
    model = compile_scenario(parse_scenario(data), frames=frames)
    col = model.countries.index("AUS@mine:outage")
    assert model.world_shares[0, col] == pytest.approx(0.2 + 0.8 * 0.5)
    assert model.import_shares[0, col] == pytest.approx(0.5)


def test_refined_export_control_acts_without_lead(
    base: dict[str, Any], frames: ReferenceFrames
) -> None:
    data = _case(
        base,
        {"kind": "export_control", "country": "CAN", "stage": "refined", "withheld_share": 0.5},
    )
    res = simulate(parse_scenario(data), runs=2, seed=0, frames=frames, keep_paths=True)
    short = res.output.paths.shortfall[0, 0].sum(axis=1)  # type: ignore[union-attr]
    assert short[:6] == pytest.approx([50.0] * 6)
    assert short[6:] == pytest.approx([0.0] * 6, abs=1e-9)


def test_sourced_feed_matrix_replaces_the_default(
    base: dict[str, Any], frames: ReferenceFrames
) -> None:
    data = _case(
        base,
        {"kind": "export_control", "country": "AUS", "stage": "mine", "withheld_share": 1.0},
    )
    data["stages"]["antimony"]["feed"] = {
        "refined": {
            "shares": {"CAN": {"AUS": 0.9, "CAN": 0.1}, "AUS": {"AUS": 1.0}},
            "source": "hand-made test case",
        }
    }
    model = compile_scenario(parse_scenario(data), frames=frames)
    col = model.countries.index("AUS@mine")
    assert model.import_shares[0, col] == pytest.approx(0.9)


def test_stage_events_reuse_their_draws(base: dict[str, Any], frames: ReferenceFrames) -> None:
    data = _case(
        base,
        {
            "kind": "export_control",
            "country": "AUS",
            "stage": "mine",
            "withheld_share": {"dist": "uniform", "low": 0.2, "high": 0.9},
            "start_month": {"dist": "uniform", "low": 0, "high": 4},
        },
    )
    model = compile_scenario(parse_scenario(data), frames=frames)
    draws = draw_range(model, seed=3, start=0, stop=50)
    plain = copy.deepcopy(data)
    del plain["stages"]
    plain["events"][0].pop("stage")
    model0 = compile_scenario(parse_scenario(plain), frames=frames)
    draws0 = draw_range(model0, seed=3, start=0, stop=50)
    # same random numbers; the stage event starts lead (2) months later
    assert (draws.events[0].share == draws0.events[0].share).all()
    assert (draws.events[0].start == draws0.events[0].start + 2).all()


def test_drc_cobalt_arrives_through_the_refineries(frames: ReferenceFrames) -> None:
    scenario, _ = resolve_scenario("drc-cobalt-2025")
    model = compile_scenario(scenario, frames=frames)
    net = model.networks["cobalt"]
    assert net.arrival is Stage.REFINED
    col = model.countries.index("COD@mine")
    # the U.S. buys refined cobalt from Norway, Finland, Canada, Japan: none mines in the DRC,
    # yet about three quarters of their feed is Congolese ore
    assert 0.4 < model.import_shares[0, col] < 0.8
    w = stage_weights(
        net,
        Stage.MINE,
        "COD",
        exports_only=True,
        us_import_shares=model.baselines[0].us_import_shares,
    )
    for iso in ("NOR", "FIN", "CAN", "JPN"):
        assert w.exposure[iso] > 0.5
    assert w.lead_months == 3


def test_engine_matches_reference_on_stage_events(
    base: dict[str, Any], reference: ModuleType, frames: ReferenceFrames
) -> None:
    data = _case(
        base,
        {
            "kind": "export_control",
            "country": "AUS",
            "stage": "mine",
            "withheld_share": {"dist": "uniform", "low": 0.2, "high": 0.9},
        },
    )
    from stockpile.simulate import run_engine

    model = compile_scenario(parse_scenario(data), frames=frames)
    draws = draw_range(model, seed=5, start=0, stop=20)
    out = run_engine(model, draws)
    for s in range(draws.size):
        ref = reference.simulate_one(model, draws, s, 0)
        assert out.shortfall_by_class[s, 0].sum() == pytest.approx(sum(ref.shortfall_by_class))
    # the reference's own propagation gives the compiled weights
    net = model.networks["antimony"]
    for stage, country, exports in [(Stage.MINE, "AUS", True), (Stage.MINE, "CAN", False)]:
        fast = stage_weights(
            net, stage, country, exports_only=exports, us_import_shares={"CAN": 1.0}
        )
        slow = reference.stage_weights(net, stage, country, exports, {"CAN": 1.0})
        assert fast.world == pytest.approx(slow[0]) and fast.us == pytest.approx(slow[1])


@pytest.mark.parametrize(
    ("change", "path", "message"),
    [
        (lambda d: d["events"][0].update(stage="smelter"), "events[0].stage", "unknown stage"),
        (lambda d: d["events"][0].update(stage="magnet"), "events[0].stage", "has no 'magnet'"),
        (
            lambda d: d["stages"]["antimony"].update(
                feed={"refined": {"shares": {"CAN": {"AUS": 0.5}}, "source": "x"}}
            ),
            "stages.antimony.feed.refined",
            "sum to 0.5",
        ),
        (
            lambda d: d["stages"]["antimony"].update(lead_months={"oxide": 1}),
            "stages.antimony.lead_months.oxide",
            "unknown stage",
        ),
    ],
)
def test_bad_stage_input_names_the_field(
    base: dict[str, Any], frames: ReferenceFrames, change: Any, path: str, message: str
) -> None:
    data = _case(
        base,
        {"kind": "export_control", "country": "AUS", "stage": "mine", "withheld_share": 1.0},
    )
    change(data)
    with pytest.raises((ScenarioError, ValueError)) as exc:
        compile_scenario(parse_scenario(data), frames=frames)
    text = str(exc.value)
    assert message in text
    assert path.split(".")[0] in text


def test_network_needs_shares_on_the_path() -> None:
    with pytest.raises(ValueError, match="arrival stage 'magnet'"):
        build_network("rare earths", year=2024, world_shares={}, arrival=Stage.MAGNET)


def test_single_stage_scenarios_give_the_numbers_of_before() -> None:
    # stored by tests/simulate/data/make_single_stage_reference.py from the engine before
    # stage networks (commit 5349594); the same scenarios (frozen copies of the built-ins of
    # that commit) must give the same numbers
    import json
    from pathlib import Path

    mod = Path(__file__).with_name("data") / "make_single_stage_reference.py"
    stored = json.loads(mod.with_name("single_stage_reference.json").read_text(encoding="utf-8"))
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_single_stage_reference", mod)
    assert spec is not None and spec.loader is not None
    maker = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(maker)
    for name in maker.SCENARIOS:
        scenario = maker.frozen_scenario(name)
        res = simulate(scenario, runs=64, seed=11, holdings=maker.HOLDINGS)
        for j, key in enumerate(res.keys):
            now = [
                float(res.shortfall[:, j].sum()),
                float(res.output.peak_price_ratio[:, j].sum()),
                float(res.output.release[:, j].sum()),
            ]
            expected = pytest.approx(stored[name][key], rel=1e-12, abs=1e-9, nan_ok=True)
            assert now == expected, (name, key)


def _with_lot(data: dict[str, Any], **lot: Any) -> dict[str, Any]:
    data = copy.deepcopy(data)
    data["stockpile"]["forms"] = [
        {"material": "antimony", "unit": "t", "illustrative": True, **lot},
    ]
    return data


def _refined_ban(base: dict[str, Any]) -> dict[str, Any]:
    # CAN stops refined exports: the U.S. loses all its imports (100 t/month) for six months
    return _case(
        base,
        {"kind": "export_control", "country": "CAN", "stage": "refined", "withheld_share": 1.0},
    )


def test_ore_stock_without_outside_conversion_serves_nothing(
    base: dict[str, Any], frames: ReferenceFrames
) -> None:
    bare = simulate(parse_scenario(_refined_ban(base)), runs=2, seed=0, frames=frames)
    ore = _with_lot(
        _refined_ban(base), form="mine", quantity=500.0, conversion_capacity={"CAN": 200.0}
    )
    res = simulate(parse_scenario(ore), runs=2, seed=0, frames=frames)
    assert res.output.release[0, 0] == 0.0
    assert res.shortfall[0, 0] == pytest.approx(bare.shortfall[0, 0])
    assert res.shortfall[0, 0] == pytest.approx(600.0)


def test_ore_stock_serves_at_the_outside_conversion_rate(
    base: dict[str, Any], frames: ReferenceFrames
) -> None:
    ore = _with_lot(
        _refined_ban(base),
        form="mine",
        quantity=500.0,
        conversion_capacity={"CAN": 200.0, "AUS": 30.0},
        conversion_lead_months=2,
    )
    res = simulate(parse_scenario(ore), runs=2, seed=0, frames=frames, keep_paths=True)
    short = res.output.paths.shortfall[0, 0].sum(axis=1)  # type: ignore[union-attr]
    # AUS converts 30 t/month from month 2; the release capacity (100% of holdings) is no limit
    assert short[:6] == pytest.approx([100, 100, 70, 70, 70, 70])
    assert res.output.release[0, 0] == pytest.approx(120.0)
    metal = _with_lot(_refined_ban(base), form="refined", quantity=500.0)
    res_metal = simulate(parse_scenario(metal), runs=2, seed=0, frames=frames)
    # the same tonnage held as metal covers five of the six months
    assert res_metal.shortfall[0, 0] == pytest.approx(100.0)


def test_engine_matches_reference_with_upstream_forms(
    base: dict[str, Any], reference: ModuleType, frames: ReferenceFrames
) -> None:
    from stockpile.simulate import run_engine

    data = _with_lot(
        _refined_ban(base),
        form="mine",
        quantity=300.0,
        conversion_capacity={"AUS": 45.0},
        conversion_lead_months=1,
    )
    data["events"][0]["withheld_share"] = {"dist": "uniform", "low": 0.3, "high": 1.0}
    data["events"][0]["start_month"] = {"dist": "uniform", "low": 0, "high": 5}
    data["stockpile"]["release_capacity_share"] = {"dist": "uniform", "low": 0.05, "high": 0.3}
    model = compile_scenario(parse_scenario(data), frames=frames)
    draws = draw_range(model, seed=9, start=0, stop=30)
    out = run_engine(model, draws)
    for s in range(draws.size):
        ref = reference.simulate_one(model, draws, s, 0)
        assert out.shortfall_by_class[s, 0].sum() == pytest.approx(sum(ref.shortfall_by_class))
        assert out.release[s, 0] == pytest.approx(ref.release)


def test_conversion_route_without_capacity_is_refused(
    base: dict[str, Any], frames: ReferenceFrames
) -> None:
    data = _with_lot(_refined_ban(base), form="mine", quantity=10.0)
    with pytest.raises(ScenarioError, match=r"stockpile.forms\[0\].conversion_capacity"):
        compile_scenario(parse_scenario(data), frames=frames)
    data = _with_lot(_refined_ban(base), form="oxide", quantity=10.0)
    with pytest.raises(ScenarioError, match=r"stockpile.forms\[0\].form: unknown form"):
        compile_scenario(parse_scenario(data), frames=frames)


def test_ore_versus_metal_in_china_rare_earths(frames: ReferenceFrames) -> None:
    from stockpile.simulate.comparison import compare_forms

    scenario, _ = resolve_scenario("china-rare-earths-2025")
    out = {o.option: o for o in compare_forms(scenario, runs=64, seed=2, frames=frames)}
    oxide = out["oxide"].usable_mean[0]
    abroad = out["concentrate-separated-abroad"].usable_mean[0]
    china = out["concentrate-separated-in-china"].usable_mean[0]
    assert oxide[0] == 500.0 and min(oxide) == 500.0
    # 30 t/month outside China from month 6 (onset 0 + lead 6): 30 t by month 6, all by month 22
    assert abroad[5] == 0.0 and abroad[6] == pytest.approx(30.0) and abroad[22] == 500.0
    assert max(china) == 0.0  # separation only in China, which the controls cut: serves nothing
    assert out["concentrate-separated-in-china"].release_mean[0] == 0.0


def test_cli_compare_forms() -> None:
    import json

    from typer.testing import CliRunner

    from stockpile.service.cli.main import app

    runner = CliRunner()
    out = runner.invoke(
        app, ["simulate", "china-rare-earths-2025", "--compare-forms", "--runs", "40", "--json"]
    )
    assert out.exit_code == 0, out.output
    doc = json.loads(out.output)
    usable = {o["option"]: o["usable_by_month"] for o in doc["options"]}
    assert usable["oxide"][0] == 500.0 and usable["concentrate-separated-in-china"][-1] == 0.0
    bad = runner.invoke(app, ["simulate", "drc-cobalt-2025", "--compare-forms", "--runs", "4"])
    assert bad.exit_code != 0 and "form_comparison" in bad.output
