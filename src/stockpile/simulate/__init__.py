"""Monte Carlo simulation of supply disruptions, month by month, over thousands of futures.

Scenarios are declarative files (:mod:`~stockpile.simulate.scenario`), uncertain inputs are
distribution specs sampled per block of scenarios through seeded generators
(:mod:`~stockpile.simulate.draws`), and the vectorised engine (:mod:`~stockpile.simulate.engine`)
works on arrays over scenarios x materials with a loop over months only.
:func:`simulate` runs it in-process or on a Dask cluster with identical numbers.
"""

from stockpile.simulate.baseline import (
    CountryIndex,
    MaterialBaseline,
    ReferenceFrames,
    build_baseline,
    load_reference_frames,
)
from stockpile.simulate.compile import CompiledScenario, compile_scenario
from stockpile.simulate.distributions import (
    Distribution,
    Fixed,
    LogNormal,
    Normal,
    Triangular,
    Uniform,
)
from stockpile.simulate.draws import BLOCK_SIZE, Draws, draw_range, stream_generator
from stockpile.simulate.engine import SHORTFALL_TOLERANCE, EngineOutput, Paths, run_engine
from stockpile.simulate.errors import Problem, ScenarioError, SimulationInputError
from stockpile.simulate.io import (
    builtin_scenarios,
    load_holdings,
    load_scenario,
    parse_scenario,
    resolve_scenario,
    write_results,
)
from stockpile.simulate.results import CLASSES, MaterialSummary, SimulationResult, Stats
from stockpile.simulate.routes import PurchaseRoute, route_choices
from stockpile.simulate.run import run_batch, simulate
from stockpile.simulate.scenario import (
    ImportOrigin,
    PriorityClass,
    ReleaseTrigger,
    Scenario,
)
from stockpile.simulate.stages import StageNetwork, StageWeights, build_network, stage_weights

__all__ = [
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
    "PriorityClass",
    "Problem",
    "PurchaseRoute",
    "ReferenceFrames",
    "ReleaseTrigger",
    "Scenario",
    "ScenarioError",
    "SimulationInputError",
    "SimulationResult",
    "StageNetwork",
    "StageWeights",
    "Stats",
    "Triangular",
    "Uniform",
    "build_baseline",
    "build_network",
    "builtin_scenarios",
    "compile_scenario",
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
    "stream_generator",
    "write_results",
]
