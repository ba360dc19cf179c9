"""The simulation package's public names are pinned."""

from __future__ import annotations

import stockpile.simulate as sim


def test_public_surface() -> None:
    assert sorted(sim.__all__) == sorted(
        [
            "BLOCK_SIZE",
            "CLASSES",
            "SHORTFALL_TOLERANCE",
            "CompiledScenario",
            "CountryIndex",
            "Distribution",
            "Draws",
            "EngineOutput",
            "Fixed",
            "ImportOrigin",
            "LogNormal",
            "MaterialBaseline",
            "MaterialSummary",
            "Normal",
            "Paths",
            "PurchaseRoute",
            "PriorityClass",
            "Problem",
            "ReferenceFrames",
            "ReleaseTrigger",
            "Scenario",
            "StageNetwork",
            "StageWeights",
            "ScenarioError",
            "SimulationInputError",
            "SimulationResult",
            "Stats",
            "Triangular",
            "Uniform",
            "stream_generator",
            "build_baseline",
            "builtin_scenarios",
            "compile_scenario",
            "build_network",
            "draw_range",
            "load_holdings",
            "load_reference_frames",
            "load_scenario",
            "parse_scenario",
            "resolve_scenario",
            "route_choices",
            "run_batch",
            "run_engine",
            "simulate",
            "stage_weights",
            "write_results",
        ]
    )
