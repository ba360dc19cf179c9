"""Write single_stage_reference.json: per-scenario totals of the built-in scenarios without
stage events, as computed by the engine before stage networks existed (commit 5349594).

The numbers were written from a checkout of that commit
(``python tests/simulate/data/make_single_stage_reference.py`` there, reading the built-in
scenarios). The built-in scenarios have changed since, so the test reads frozen copies of them
as they were at that commit (``single_stage_scenarios/``), in which the spare-capacity and
substitution responses carry ``beyond_price_response`` (required under ``market.dynamics`` by
today's schema; the flag changes no number).
"""

from __future__ import annotations

import json
from pathlib import Path

from stockpile.simulate import Scenario, load_scenario, simulate

SCENARIOS = [
    "china-export-ban-us-2024",
    "blockade-east-asia",
    "us-planning-conflict",
    "china-tungsten-bismuth-indium-2025",
]
HOLDINGS = {"gallium": (4000.0, "kg"), "antimony": (1500.0, "t"), "tin": (3000.0, "short_ton")}
FROZEN = Path(__file__).with_name("single_stage_scenarios")


def frozen_scenario(name: str) -> Scenario:
    """The scenario ``name`` as it was at commit 5349594."""
    return load_scenario(FROZEN / f"{name}.yaml")


def main() -> None:
    out: dict[str, dict[str, list[float]]] = {}
    for name in SCENARIOS:
        scenario = frozen_scenario(name)
        res = simulate(scenario, runs=64, seed=11, holdings=HOLDINGS)
        out[name] = {
            key: [
                float(res.shortfall[:, j].sum()),
                float(res.output.peak_price_ratio[:, j].sum()),
                float(res.output.release[:, j].sum()),
            ]
            for j, key in enumerate(res.keys)
        }
    path = Path(__file__).with_name("single_stage_reference.json")
    path.write_text(json.dumps(out, indent=1, sort_keys=True) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
