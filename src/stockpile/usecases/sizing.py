"""Size a plan and the robust plan: one pipeline behind the CLI, the API job and the dashboard.

Sizing compiles each scenario twice (with the holdings, to read them, and with none, to
measure the gaps the stockpile must fill), simulates the bare scenario, turns the run into a
shortfall sample, applies the programme caps and the price curves and solves. Robust sizing
builds the supplier game from the compiled scenario and solves the min-max problem.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from stockpile.plan import (
    Objective,
    PlanError,
    PriceCurve,
    RobustMethod,
    ShortfallSample,
    SizingMethod,
    SizingProblem,
    combine_samples,
    game_from_compiled,
    impact_curves,
    limits_from_caps,
    robust_size,
    sample_from_simulation,
    size_stockpile,
)
from stockpile.simulate import CompiledScenario, compile_scenario, resolve_scenario, simulate
from stockpile.usecases._inputs import programme_caps, world_output
from stockpile.usecases.errors import Progress, UseCaseInputError
from stockpile.usecases.holdings import ModelHoldings
from stockpile.usecases.money import Money, money
from stockpile.usecases.plan_table import PlanTable, SupplierAnswer

__all__ = [
    "DEFAULT_SCENARIO",
    "FLAT_PRICE_NOTE",
    "ClassWeights",
    "RobustMethodName",
    "RobustReport",
    "RobustRequest",
    "SizeReport",
    "SizeRequest",
    "SizingMethodName",
    "robust_plan",
    "size_plan",
]

DEFAULT_SCENARIO = "china-export-ban-us-2024"
FLAT_PRICE_NOTE = (
    "flat purchase price = the simulation's reference price (USGS MCS 2026); no price impact"
)


class SizingMethodName(enum.StrEnum):
    """Solution method of the sizing problem (default: the planner's choice)."""

    EXACT = "exact"
    LP = "lp"
    CUTTING_PLANE = "cutting-plane"


_SIZING = {
    SizingMethodName.EXACT: SizingMethod.EXACT,
    SizingMethodName.LP: SizingMethod.LP,
    SizingMethodName.CUTTING_PLANE: SizingMethod.CUTTING_PLANE,
}


class RobustMethodName(enum.StrEnum):
    """Solution method of the robust problem (default: the planner's choice)."""

    EPIGRAPH = "epigraph"
    GENERATION = "generation"


_ROBUST = {
    RobustMethodName.EPIGRAPH: RobustMethod.EPIGRAPH,
    RobustMethodName.GENERATION: RobustMethod.CONSTRAINT_GENERATION,
}


class ClassWeights(BaseModel):
    """Value of unmet demand per priority class relative to its price [-] (a policy choice)."""

    model_config = ConfigDict(frozen=True)

    defence: float = Field(default=2.0, ge=0)
    essential: float = Field(default=1.0, ge=0)

    def pair(self) -> tuple[float, float]:
        """(defence, essential)."""
        return (self.defence, self.essential)


class _PlanInputs(BaseModel):
    """Inputs shared by budget and robust sizing."""

    model_config = ConfigDict(frozen=True)

    budget: float = Field(gt=0, le=1e13, description="Budget [USD]")
    weights: ClassWeights = ClassWeights()
    use_caps: bool = Field(default=True, description="Apply the 2025 DLA programme caps")
    caps_file: Path | None = Field(
        default=None, description="Caps CSV: material, spend_cap_usd, quantity_limit, unit, source"
    )
    use_holdings: bool = Field(default=True, description="Count the holdings (false: none)")


class SizeRequest(_PlanInputs):
    """Budget sizing against the simulated distribution of one or more scenarios."""

    scenarios: tuple[str, ...] = Field(default=(DEFAULT_SCENARIO,), min_length=1)
    objective: str = Field(default="expected", description="expected | cvar | cvar:ALPHA | worst")
    alpha: float | None = Field(default=None, gt=0, lt=1, description="CVaR level")
    runs: int = Field(default=2000, ge=1)
    seed: int = Field(default=0, ge=0, le=2**32 - 1)
    method: SizingMethodName | None = None
    demand_elasticity: float | None = Field(default=None, description="< 0, an assumption")
    supply_elasticity: float | None = Field(default=None, description=">= 0, an assumption")
    purchase_years: float = Field(default=5.0, gt=0, description="Years purchases spread over")


class RobustRequest(_PlanInputs):
    """Robust sizing: the supplier answers our purchases with its best export controls."""

    scenario: str = Field(default=DEFAULT_SCENARIO, min_length=1)
    supplier: str = Field(default="CHN", pattern="^[A-Za-z]{3}$", description="ISO3 of supplier")
    measures: int | None = Field(default=None, ge=0, description="Most measures imposed")
    supplier_budget: float | None = Field(
        default=None, gt=0, description="Largest export revenue the supplier gives up [USD]"
    )
    method: RobustMethodName | None = None


class SizeReport(BaseModel):
    """A budget plan with the run it was sized on."""

    model_config = ConfigDict(frozen=True)

    kind: Literal["size"] = "size"
    scenario: str
    runs: int
    seed: int
    class_weights: ClassWeights
    holdings_note: str
    price_curve: str
    notes: list[str]
    plan: PlanTable

    def to_text(self) -> str:
        """Human-readable report."""
        head = (
            f"scenario {self.scenario}, {self.runs:,} runs, seed {self.seed}; "
            f"holdings: {self.holdings_note}"
        )
        return "\n".join([head, self.plan.to_text(), *(f"note: {n}" for n in self.notes)])


class RobustReport(BaseModel):
    """The robust plan, the supplier's best response to it, and the same for the naive plan."""

    model_config = ConfigDict(frozen=True)

    kind: Literal["robust"] = "robust"
    scenario: str
    supplier: str
    class_weights: ClassWeights
    holdings_note: str
    price_curve: str
    notes: list[str]
    method: str
    iterations: int
    responses_considered: int
    robust_plan: PlanTable
    supplier_best_response: SupplierAnswer
    naive_plan: PlanTable
    supplier_best_response_to_naive: SupplierAnswer
    value_of_robustness_usd: Money

    def to_text(self) -> str:
        """Human-readable report."""
        return "\n".join(
            [
                f"scenario {self.scenario}; supplier {self.supplier}; "
                f"holdings: {self.holdings_note}",
                f"robust plan ({self.method}, {self.iterations} iterations)",
                "  buy " + self.robust_plan.summary_line(),
                "  supplier's best response: " + self.supplier_best_response.to_text(),
                "naive plan (no supplier answer)",
                "  buy " + self.naive_plan.summary_line(),
                "  supplier's best response: " + self.supplier_best_response_to_naive.to_text(),
                f"robustness saves {float(self.value_of_robustness_usd):,.0f} USD "
                "in the worst case",
                *(f"note: {n}" for n in self.notes),
            ]
        )


def _compile(
    name: str, holdings: ModelHoldings | None
) -> tuple[CompiledScenario, CompiledScenario, str]:
    """The scenario compiled with ``holdings`` (to read them) and with none (the gaps)."""
    sc, source = resolve_scenario(name)
    model = compile_scenario(
        sc,
        holdings=None if holdings is None else holdings.simulation_input(),
        holdings_note=None if holdings is None else holdings.note,
        source=source,
    )
    zero = {k: (0.0, u) for k, u in zip(model.keys, model.units, strict=True)}
    bare = compile_scenario(sc, holdings=zero, holdings_note="none", source=source)
    return model, bare, source


def _curves(
    sample: ShortfallSample, request: SizeRequest
) -> tuple[tuple[PriceCurve, ...], str, tuple[str, ...]]:
    ed, es = request.demand_elasticity, request.supply_elasticity
    if ed is None and es is None:
        flat = tuple(PriceCurve.flat(float(p), FLAT_PRICE_NOTE) for p in sample.unit_prices)
        return flat, FLAT_PRICE_NOTE, ()
    if ed is None or es is None:
        raise UseCaseInputError(
            "demand_elasticity", "give both demand_elasticity and supply_elasticity, or neither"
        )
    output = world_output(sample.materials, sample.units)
    curves, notes = impact_curves(sample, output, ed, es, request.purchase_years)
    note = (
        f"isoelastic price impact (ed {ed:g}, es {es:g}: assumptions) on world production "
        f"x {request.purchase_years:g} yr, from the reference price"
    )
    return curves, note, tuple(notes)


def size_plan(
    request: SizeRequest,
    *,
    holdings: ModelHoldings | None = None,
    progress: Progress | None = None,
) -> SizeReport:
    """Size purchases under a budget against the simulated scenario distribution.

    Parameters
    ----------
    request : budget, scenarios, objective, run size and options.
    holdings : holdings (ledger or file); None: each scenario's own.
    progress : called with the fraction done.
    """
    objective = Objective.parse(request.objective, request.alpha)
    method = None if request.method is None else _SIZING[request.method]
    weights = request.weights.pair()
    names = list(dict.fromkeys(request.scenarios))
    samples: list[ShortfallSample] = []
    sources: list[str] = []
    notes: list[str] = []
    stock: dict[str, float] = {}
    stock_notes: list[str] = []
    for i, name in enumerate(names):
        with_stock, bare, source = _compile(name, holdings)

        def report(done: int, total: int, i: int = i, source: str = source) -> None:
            if progress is not None:
                share = (i + done / max(total, 1)) / len(names)
                progress(0.8 * share, f"{source}: {done:,} of {total:,} runs")

        result = simulate(
            bare,
            runs=request.runs,
            seed=request.seed,
            batch_size=None if progress is None else max(25, request.runs // 20),
            progress=report,
        )
        try:
            smp, more = sample_from_simulation(result, weights)
        except PlanError as exc:
            if len(names) == 1:
                raise
            notes.append(f"{source}: left out ({exc})")
            continue
        samples.append(smp)
        sources.append(source)
        notes.extend(more)
        stock_notes.append(with_stock.holdings_note)
        for key, qty in zip(with_stock.keys, with_stock.stock0, strict=True):
            stock.setdefault(key, float(qty))  # a material's holdings: first scenario listing it
    if not samples:
        raise UseCaseInputError(
            "scenarios", "no scenario has a material with U.S. data and a price"
        )
    sample = samples[0] if len(samples) == 1 else combine_samples(samples, sources)
    held = [stock.get(m, 0.0) if request.use_holdings else 0.0 for m in sample.materials]
    limits = limits_from_caps(
        sample.materials, sample.units, held, programme_caps(request.use_caps, request.caps_file)
    )
    curves, price_note, more_notes = _curves(sample, request)
    notes.extend(more_notes)
    if progress is not None:
        progress(0.85, "solving the sizing problem")
    problem = SizingProblem(sample, request.budget, curves, limits)
    plan = size_stockpile(problem, objective, method)
    return SizeReport(
        scenario=", ".join(sources),
        runs=request.runs,
        seed=request.seed,
        class_weights=request.weights,
        holdings_note="; ".join(dict.fromkeys(stock_notes)) if request.use_holdings else "none",
        price_curve=price_note,
        notes=notes,
        plan=PlanTable.of(plan),
    )


def robust_plan(
    request: RobustRequest,
    *,
    holdings: ModelHoldings | None = None,
    progress: Progress | None = None,
) -> RobustReport:
    """Robust sizing against the supplier's best response (min over purchases, max over its
    feasible export controls)."""
    method = None if request.method is None else _ROBUST[request.method]
    sc, source = resolve_scenario(request.scenario)
    model = compile_scenario(
        sc,
        holdings=None if holdings is None else holdings.simulation_input(),
        holdings_note=None if holdings is None else holdings.note,
        source=source,
    )
    if progress is not None:
        progress(0.05, "compiled the scenario")
    supplier_budget = float("inf") if request.supplier_budget is None else request.supplier_budget
    game, notes = game_from_compiled(
        model,
        request.supplier.upper(),
        request.weights.pair(),
        supplier_budget,
        request.measures,
        world_output(tuple(model.keys), tuple(model.units)),
    )
    stock: Mapping[str, float] = dict(zip(model.keys, model.stock0, strict=True))
    held = [float(stock.get(m, 0.0)) if request.use_holdings else 0.0 for m in game.materials]
    limits = limits_from_caps(
        game.materials, game.units, held, programme_caps(request.use_caps, request.caps_file)
    )
    curves = tuple(PriceCurve.flat(float(p), FLAT_PRICE_NOTE) for p in game.unit_prices)
    if progress is not None:
        progress(0.3, "solving the robust plan")
    res = robust_size(game, request.budget, curves, limits, method)
    return RobustReport(
        scenario=source,
        supplier=game.supplier,
        class_weights=request.weights,
        holdings_note=model.holdings_note if request.use_holdings else "none",
        price_curve=FLAT_PRICE_NOTE,
        notes=list(notes),
        method=res.method.value,
        iterations=res.iterations,
        responses_considered=res.responses_considered,
        robust_plan=PlanTable.of(res.plan),
        supplier_best_response=SupplierAnswer.of(res.response),
        naive_plan=PlanTable.of(res.naive_plan),
        supplier_best_response_to_naive=SupplierAnswer.of(res.naive_response),
        value_of_robustness_usd=money(res.value_of_robustness),
    )
