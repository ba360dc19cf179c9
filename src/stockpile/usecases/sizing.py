"""Size a plan and the robust plan: one pipeline behind the CLI, the API job and the dashboard.

Sizing compiles each scenario twice (with the holdings, to read them, and with none, to
measure the gaps the stockpile must fill), simulates the bare scenario, turns the run into a
shortfall sample, applies the programme caps and the price curves and solves. Robust sizing
builds the supplier game from the compiled scenario and solves the min-max problem.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from stockpile.plan import (
    Consumption,
    LossValues,
    MaterialLimits,
    Objective,
    PlanError,
    PriceCurve,
    PriceUsed,
    Programme,
    RobustMethod,
    SampleCheck,
    ShortfallSample,
    SizingMethod,
    SizingPlan,
    SizingProblem,
    auto_runs,
    beyond_capacity,
    builtin_programme,
    check_plan,
    combine_samples,
    consumption_from_compiled,
    game_from_compiled,
    impact_curves,
    limits_from_caps,
    limits_within_release,
    parse_loss_value,
    parse_programme,
    plan_terms,
    programme_inputs,
    purchase_prices,
    robust_size,
    sample_from_simulation,
    size_stockpile,
)
from stockpile.simulate import CompiledScenario, compile_scenario, resolve_scenario, simulate
from stockpile.usecases._inputs import programme_caps, world_output
from stockpile.usecases.errors import Progress, UseCaseInputError
from stockpile.usecases.holdings import ModelHoldings
from stockpile.usecases.money import Money, money
from stockpile.usecases.plan_capacity import (
    bought_forms,
    capacity_lines,
    parse_forms,
    pool_beyond,
    route_notes,
    upstream_prices,
)
from stockpile.usecases.plan_table import PlanTable, SupplierAnswer
from stockpile.usecases.plan_terms import PlanCheck, TermsTable

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
PURCHASE_PRICE_NOTE = (
    "flat purchase price = the reference price of the price year on the material's basis "
    "(stockpile.pricing), or a programme contract's ceiling / quantity; no price impact"
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
    """Value of lost use per unit short, per priority class, as a multiple of the material's
    reference price [-] (a policy assumption: :class:`stockpile.plan.LossValues` documents the
    defaults)."""

    model_config = ConfigDict(frozen=True)

    defence: float = Field(default=10.0, ge=0)
    essential: float = Field(default=3.0, ge=0)

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
    programme: str | None = Field(
        default=None,
        description="Purchase programme: a built-in name (dla-2025) or a YAML file; only its "
        "materials are bought, under its caps (replaces use_caps / caps_file)",
    )
    price_year: int | None = Field(
        default=None, ge=1900, le=2100, description="Price year (default: latest with a price)"
    )


class SizeRequest(_PlanInputs):
    """Budget sizing against the simulated distribution of one or more scenarios."""

    scenarios: tuple[str, ...] = Field(default=(DEFAULT_SCENARIO,), min_length=1)
    objective: str = Field(default="expected", description="expected | cvar | cvar:ALPHA | worst")
    alpha: float | None = Field(default=None, gt=0, lt=1, description="CVaR level")
    runs: int | Literal["auto"] = Field(
        default=20_000,
        description="Monte Carlo scenarios, or 'auto': double from 1,000 until the "
        "Mak-Morton-Wood gap bound is within `tolerance` of the objective",
    )
    tolerance: float = Field(default=0.01, gt=0, lt=1, description="Gap tolerance of runs=auto")
    check_batches: int = Field(
        default=5,
        ge=0,
        le=20,
        description="Independent batches of the out-of-sample check (0: none)",
    )
    weigh_cost: bool = Field(
        default=True,
        description="Minimise purchase cost + valued shortfall (false: cover unmet demand)",
    )
    loss_values: tuple[str, ...] = Field(
        default=(),
        description="Per-material values of lost use: 'MAT=DEF,ESS[,OTHER]' (multiples of the "
        "price) or 'MAT=DEF,ESS USD/UNIT'",
    )
    seed: int = Field(default=0, ge=0, le=2**32 - 1)
    method: SizingMethodName | None = None
    demand_elasticity: float | None = Field(default=None, description="< 0, an assumption")
    supply_elasticity: float | None = Field(default=None, description=">= 0, an assumption")
    purchase_years: float = Field(default=5.0, gt=0, description="Years purchases spread over")
    forms: tuple[str, ...] = Field(
        default=(),
        description="Form bought per material: 'MAT=FORM' (a stage of its chain: mine, "
        "refined...) or 'MAT=OPTION' (a form_comparison option id of the scenario); default the "
        "form in which U.S. imports arrive; an upstream form is priced only where the reference "
        "data has a price for it",
    )


class RobustRequest(_PlanInputs):
    """Robust sizing: the supplier answers our purchases with its best export controls."""

    scenario: str = Field(default=DEFAULT_SCENARIO, min_length=1)
    supplier: str = Field(default="CHN", pattern="^[A-Za-z]{3}$", description="ISO3 of supplier")
    measures: int | None = Field(default=None, ge=0, description="Most measures imposed")
    supplier_budget: float | None = Field(
        default=None, gt=0, description="Largest export revenue the supplier gives up [USD]"
    )
    method: RobustMethodName | None = None
    runs: int = Field(default=20_000, ge=1, description="Runs of the expected-value plan")
    seed: int = Field(default=0, ge=0, le=2**32 - 1)
    compare_expected: bool = Field(
        default=True,
        description="Compare with the expected-value plan of the same budget (false: with "
        "the naive plan sized as if no new measure came)",
    )


class RobustLine(BaseModel):
    """One material of the robust comparison [unit]: quantities of both plans, unmet demand
    under the supplier's best response to each (reconciles with the quantities), and the
    plain average over responses beside it."""

    model_config = ConfigDict(frozen=True)

    material: str
    unit: str
    robust_quantity: float
    comparison_quantity: float
    unmet_worst_before: dict[str, float]
    unmet_worst_after: dict[str, float]
    unmet_worst_comparison: dict[str, float]
    unmet_average_after: dict[str, float]


class SizeReport(BaseModel):
    """A budget plan with the run it was sized on, in the planner's terms, and its check."""

    model_config = ConfigDict(frozen=True)

    kind: Literal["size"] = "size"
    scenario: str
    runs: int
    runs_auto: bool = False
    seed: int
    class_weights: ClassWeights
    holdings_note: str
    price_curve: str
    price_year: int | None = None
    programme: str | None = None
    assumptions: list[str] = Field(default_factory=list)
    notes: list[str]
    plan: PlanTable
    terms: TermsTable | None = None
    sample_check: PlanCheck | None = None

    def to_text(self) -> str:
        """Human-readable report."""
        head = (
            f"scenario {self.scenario}, {self.runs:,} runs{' (auto)' if self.runs_auto else ''}, "
            f"seed {self.seed}; holdings: {self.holdings_note}"
        )
        if self.programme:
            head += f"; programme {self.programme}"
        if self.price_year is not None:
            head += f"; prices of {self.price_year}"
        parts = [head, self.plan.to_text()]
        if self.terms is not None:
            parts.append(self.terms.to_text())
        if self.sample_check is not None:
            parts.append(self.sample_check.to_text())
        parts.extend(f"assumption: {a}" for a in self.assumptions)
        parts.extend(f"note: {n}" for n in self.notes)
        return "\n".join(parts)


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
    comparison: str = "naive plan (no supplier answer)"
    materials: list[RobustLine] = Field(default_factory=list)

    def to_text(self) -> str:
        """Human-readable report."""
        lines = [
            f"scenario {self.scenario}; supplier {self.supplier}; holdings: {self.holdings_note}",
            f"robust plan ({self.method}, {self.iterations} iterations)",
            "  buy " + self.robust_plan.summary_line(),
            "  supplier's best response: " + self.supplier_best_response.to_text(),
            f"compared with: {self.comparison}",
            "  buy " + self.naive_plan.summary_line(),
            "  supplier's best response: " + self.supplier_best_response_to_naive.to_text(),
            f"worst-case loss: robust plan {float(self.supplier_best_response.value_usd):,.0f} "
            f"USD, {self.comparison} {float(self.supplier_best_response_to_naive.value_usd):,.0f} "
            f"USD (robustness saves {float(self.value_of_robustness_usd):,.0f} USD)",
        ]
        if self.materials:
            lines.append(
                f"{'material':<14}{'robust buy':>12}{'compared buy':>14}"
                f"{'unmet under worst response: before -> robust | compared':>58}"
                f"{'(average over responses, robust)':>34}"
            )
            for m in self.materials:
                worst = (
                    f"{sum(m.unmet_worst_before.values()):,.1f} -> "
                    f"{sum(m.unmet_worst_after.values()):,.1f} | "
                    f"{sum(m.unmet_worst_comparison.values()):,.1f} {m.unit}"
                )
                average = f"{sum(m.unmet_average_after.values()):,.1f}"
                lines.append(
                    f"{m.material:<14}{m.robust_quantity:>12,.1f}{m.comparison_quantity:>14,.1f}"
                    f"{worst:>58}{average:>34}"
                )
        lines.extend(f"note: {n}" for n in self.notes)
        return "\n".join(lines)


def _compile(
    name: str,
    holdings: ModelHoldings | None,
    price_year: int | None = None,
    forms: Mapping[str, str] | None = None,
) -> tuple[CompiledScenario, CompiledScenario, str]:
    """The scenario compiled with ``holdings`` (to read them) and with none (the gaps), the
    latter with the purchase route of ``forms`` (material key -> form or option id) for the
    scenario's materials."""
    sc, source = resolve_scenario(name)
    if price_year is not None:
        baseline = sc.baseline.model_copy(update={"price_year": price_year})
        sc = sc.model_copy(update={"baseline": baseline})
    capacity = None if holdings is None else holdings.release_capacity_input()
    capacity_note = None if holdings is None else holdings.capacity_note
    model = compile_scenario(
        sc,
        holdings=None if holdings is None else holdings.simulation_input(),
        holdings_note=None if holdings is None else holdings.note,
        source=source,
        release_capacity=capacity,
        release_capacity_note=capacity_note,
    )
    zero = {k: (0.0, u) for k, u in zip(model.keys, model.units, strict=True)}
    chosen = {k: f for k, f in (forms or {}).items() if k in model.keys}
    bare = compile_scenario(
        sc,
        holdings=zero,
        holdings_note="none",
        source=source,
        release_capacity=capacity,
        release_capacity_note=capacity_note,
        purchase_forms=chosen or None,
    )
    return model, bare, source


def _curves(
    sample: ShortfallSample, request: SizeRequest, prices: Mapping[str, PriceUsed]
) -> tuple[tuple[PriceCurve, ...], str, tuple[str, ...]]:
    """Purchase price curves at the purchase prices [USD/unit] (flat, or isoelastic impact)."""
    unit_prices = [prices[m].usd_per_unit for m in sample.materials]
    ed, es = request.demand_elasticity, request.supply_elasticity
    if ed is None and es is None:
        flat = tuple(PriceCurve.flat(p, PURCHASE_PRICE_NOTE) for p in unit_prices)
        return flat, PURCHASE_PRICE_NOTE, ()
    if ed is None or es is None:
        raise UseCaseInputError(
            "demand_elasticity", "give both demand_elasticity and supply_elasticity, or neither"
        )
    output = world_output(sample.materials, sample.units)
    at_purchase = dataclasses.replace(
        sample, unit_prices=np.array(unit_prices), class_values=sample.values
    )
    curves, notes = impact_curves(at_purchase, output, ed, es, request.purchase_years)
    note = (
        f"isoelastic price impact (ed {ed:g}, es {es:g}: assumptions) on world production "
        f"x {request.purchase_years:g} yr, from the purchase price"
    )
    return curves, note, tuple(notes)


def _programme(name: str | None) -> Programme | None:
    """A built-in programme by name, or a programme YAML file."""
    if name is None:
        return None
    path = Path(name)
    if name.endswith((".yaml", ".yml")) or path.exists():
        import yaml

        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise UseCaseInputError("programme", f"{name}: {exc.strerror}") from None
        except yaml.YAMLError as exc:
            raise UseCaseInputError("programme", f"{name}: not valid YAML ({exc})") from None
        return parse_programme(data, name)
    return builtin_programme(name)


def _loss_values(request: SizeRequest) -> LossValues:
    """Default multiples from ``weights`` and per-material overrides [USD/unit or x price]."""
    from stockpile.reference import get_material

    overrides = {}
    for text in request.loss_values:
        ov = parse_loss_value(text)
        key = get_material(ov.material).key
        overrides[key] = dataclasses.replace(ov, material=key)
    return LossValues(request.weights.defence, request.weights.essential, 0.0, overrides)


class _Pipeline:
    """Compiled scenarios and the inputs that do not change with the sample (one request)."""

    def __init__(
        self,
        request: SizeRequest,
        holdings: ModelHoldings | None,
        progress: Progress | None,
    ) -> None:
        self.request = request
        self.progress = progress
        self.loss = _loss_values(request)
        self.programme = _programme(request.programme)
        self.models: list[tuple[CompiledScenario, str]] = []
        self.stock: dict[str, float] = {}
        self.stock_notes: list[str] = []
        self.consumption: dict[str, Consumption] = {}
        programme_forms = {
            e.material: e.form for e in (self.programme.entries if self.programme else ()) if e.form
        }
        self.purchase_forms = parse_forms(request.forms, programme_forms)
        for name in dict.fromkeys(request.scenarios):
            with_stock, bare, source = _compile(
                name, holdings, request.price_year, self.purchase_forms
            )
            self.models.append((bare, source))
            self.stock_notes.append(with_stock.holdings_note)
            for key, qty in zip(with_stock.keys, with_stock.stock0, strict=True):
                self.stock.setdefault(key, float(qty))  # first scenario listing the material
            for key, cons in consumption_from_compiled(bare).items():
                self.consumption.setdefault(key, cons)
        bare_models = [bare for bare, _ in self.models]
        for key in self.purchase_forms:
            if not any(key in m.keys for m in bare_models):
                raise UseCaseInputError(f"forms.{key}", "not a material of the scenarios")
        self.form_notes = route_notes(bare_models)
        self.forms = bought_forms(bare_models)
        upstream = [k for k, (_, up) in self.forms.items() if up]
        units = {k: u for m in bare_models for k, u in zip(m.keys, m.units, strict=True)}
        upstream_prices(
            upstream, [units[k] for k in upstream], self.forms, bare_models, request.price_year
        )  # an unpriced form is refused before anything is simulated
        self.notes: list[str] = []
        self.sources: list[str] = []
        self.fixed: tuple[MaterialLimits, dict[str, PriceUsed], tuple[str, ...]] | None = None
        self.price_note = PURCHASE_PRICE_NOTE
        self.beyond: dict[str, np.ndarray] = {}

    def sample(self, runs: int, seed: int, share: float = 0.8) -> ShortfallSample:
        """Simulate every scenario bare and pool the shortfall samples."""
        samples: list[ShortfallSample] = []
        sources: list[str] = []
        notes: list[str] = []
        beyond: list[dict[str, np.ndarray]] = []
        n = len(self.models)
        for i, (bare, source) in enumerate(self.models):

            def report(done: int, total: int, i: int = i, source: str = source) -> None:
                if self.progress is not None:
                    frac = (i + done / max(total, 1)) / n
                    self.progress(share * frac, f"{source}: {done:,} of {total:,} runs")

            result = simulate(
                bare,
                runs=runs,
                seed=seed,
                batch_size=None if self.progress is None else max(25, runs // 20),
                progress=report,
            )
            try:
                smp, more = sample_from_simulation(
                    result, self.request.weights.pair(), loss_values=self.loss
                )
            except PlanError as exc:
                if n == 1 and self.programme is None:
                    raise
                notes.append(f"{source}: left out ({exc})")
                continue
            samples.append(smp)
            sources.append(source)
            notes.extend(more)
            beyond.append(beyond_capacity(result, smp.class_names))
        if not samples:
            if self.programme is None:
                raise UseCaseInputError(
                    "scenarios", "no scenario has a material with U.S. data and a price"
                )
            samples, sources = [_empty_sample(runs, self.request.weights.pair())], ["none"]
        if not self.sources:
            self.sources, self.notes = sources, [*self.form_notes, *notes]
            self.beyond = pool_beyond(beyond)
        return samples[0] if len(samples) == 1 else combine_samples(samples, sources)

    def problem(self, sample: ShortfallSample) -> SizingProblem:
        """The sizing problem on ``sample`` (programme, holdings, caps, purchase prices)."""
        req = self.request
        if self.programme is not None:
            inp = programme_inputs(
                sample, self.programme, self.stock, price_year=req.price_year,
                loss_values=self.loss,
            )  # fmt: skip
            sample, limits, prices, notes = inp.sample, inp.limits, inp.prices, inp.notes
        else:
            held = [self.stock.get(m, 0.0) for m in sample.materials]
            caps = programme_caps(req.use_caps, req.caps_file)
            limits = limits_from_caps(sample.materials, sample.units, held, caps)
            prices = purchase_prices(sample.materials, sample.units, year=req.price_year)
            notes = ()
        prices = {
            **prices,
            **upstream_prices(
                sample.materials,
                sample.units,
                self.forms,
                [m for m, _ in self.models],
                req.price_year,
            ),
        }
        if not req.use_holdings:
            limits = dataclasses.replace(limits, holdings=np.zeros(len(sample.materials)))
        curves, self.price_note, more = _curves(sample, req, prices)
        if self.fixed is None:
            self.fixed = (limits, prices, (*notes, *more))
        return SizingProblem(sample, req.budget, curves, limits)


def _empty_sample(runs: int, weights: tuple[float, float]) -> ShortfallSample:
    """A sample with no simulated material (a programme planned on requirements only)."""
    return ShortfallSample.uniform(
        ["_none"], np.zeros((runs, 1, 2)), unit_prices=[1.0], class_weights=list(weights),
        class_names=["defence", "essential"],
    )  # fmt: skip


def size_plan(
    request: SizeRequest,
    *,
    holdings: ModelHoldings | None = None,
    progress: Progress | None = None,
) -> SizeReport:
    """Size purchases under a budget against the simulated scenario distribution.

    The plan minimises purchase cost + the risk measure of valued shortfall (``weigh_cost``;
    else the risk measure alone), at the purchase prices of ``price_year`` (a programme's
    contract price where it names one), within the programme or the caps; it is checked on
    ``check_batches`` independent samples (out-of-sample objective and Mak-Morton-Wood gap), and
    with ``runs="auto"`` the sample grows until the gap bound is within ``tolerance``.

    Parameters
    ----------
    request : budget, scenarios, objective, run size and options.
    holdings : holdings (ledger or file); None: each scenario's own.
    progress : called with the fraction done.
    """
    objective = Objective.parse(request.objective, request.alpha, weigh_cost=request.weigh_cost)
    method = None if request.method is None else _SIZING[request.method]
    pipe = _Pipeline(request, holdings, progress)
    check: SampleCheck | None = None
    if request.runs == "auto":
        res = auto_runs(
            lambda runs, seed: pipe.sample(runs, seed, share=0.0),
            pipe.problem,
            objective,
            start_runs=1000,
            max_runs=64_000,
            batches=max(request.check_batches, 2),
            tolerance=request.tolerance,
            seed=request.seed,
            method=method,
        )
        plan, problem, check, runs = res.plan, res.problem, res.check, res.runs
        if not res.converged:
            pipe.notes.append(
                f"runs auto: gap bound {res.check.relative_gap:.2%} still above "
                f"{request.tolerance:.2%} at {runs:,} runs (the largest tried)"
            )
    else:
        runs = request.runs
        problem = pipe.problem(pipe.sample(runs, request.seed))
        if progress is not None:
            progress(0.8, "solving the sizing problem")
        plan = size_stockpile(problem, objective, method)
        if request.check_batches >= 2:
            batches = []
            for i in range(request.check_batches):
                if progress is not None:
                    progress(0.85 + 0.1 * i / request.check_batches, "out-of-sample check")
                batches.append(pipe.problem(pipe.sample(runs, request.seed + 1 + i, share=0.0)))
            check = check_plan(plan, problem, objective, batches, method)
    if pipe.fixed is None:  # pragma: no cover - problem() always ran
        raise UseCaseInputError("scenarios", "nothing to plan")
    _limits, prices, more_notes = pipe.fixed
    terms = plan_terms(plan, problem.sample, prices, pipe.consumption)
    bounded = capacity_lines(
        pipe.beyond,
        problem.sample,
        [m for m, _ in pipe.models],
        {k: form for k, (form, _) in pipe.forms.items()},
    )
    table = TermsTable.of(
        terms,
        [float(v) for v in plan.marginal_value_per_dollar],
        [float(v) for v in plan.cap_shadow_prices],
    )
    table = table.model_copy(
        update={
            "beyond_capacity": bounded,
            "materials": [
                line.model_copy(update={"form": pipe.forms.get(line.material, ("", False))[0]})
                for line in table.materials
            ],
        }
    )
    years = sorted({p.year for p in prices.values()})
    return SizeReport(
        scenario=", ".join(pipe.sources),
        runs=runs,
        runs_auto=request.runs == "auto",
        seed=request.seed,
        class_weights=request.weights,
        holdings_note="; ".join(dict.fromkeys(pipe.stock_notes))
        if request.use_holdings
        else "none",
        price_curve=pipe.price_note,
        price_year=years[-1] if years else None,
        programme=None if pipe.programme is None else pipe.programme.name,
        assumptions=pipe.loss.describe(),
        notes=[*pipe.notes, *more_notes],
        plan=PlanTable.of(plan),
        terms=table,
        sample_check=None if check is None else PlanCheck.of(check),
    )


def _ev_quantities(plan: SizingPlan) -> dict[str, float]:
    return {m: float(q) for m, q in zip(plan.materials, plan.quantities, strict=True)}


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
        release_capacity=None if holdings is None else holdings.release_capacity_input(),
        release_capacity_note=None if holdings is None else holdings.capacity_note,
    )
    if progress is not None:
        progress(0.05, "compiled the scenario")
    supplier_budget = float("inf") if request.supplier_budget is None else request.supplier_budget
    game, game_notes = game_from_compiled(
        model,
        request.supplier.upper(),
        request.weights.pair(),
        supplier_budget,
        request.measures,
        world_output(tuple(model.keys), tuple(model.units)),
    )
    stock: Mapping[str, float] = dict(zip(model.keys, model.stock0, strict=True))
    held = [float(stock.get(m, 0.0)) if request.use_holdings else 0.0 for m in game.materials]
    programme = _programme(request.programme)
    if programme is not None:
        limits = programme.limits(game.materials, game.units, held)
    else:
        limits = limits_from_caps(
            game.materials, game.units, held, programme_caps(request.use_caps, request.caps_file)
        )
    curves = tuple(PriceCurve.flat(float(p), FLAT_PRICE_NOTE) for p in game.unit_prices)
    baseline = None
    notes = list(game_notes)
    if model.release_capacity is not None:
        capacity = dict(zip(model.keys, model.release_capacity, strict=True))
        releasable = [float(capacity.get(m, np.inf)) * model.horizon for m in game.materials]
        limits, bounded = limits_within_release(limits, releasable)
        notes.extend(
            f"{game.materials[i]}: at most {releasable[i]:,.1f} {game.units[i]} released over "
            f"the {model.horizon} months (monthly release capacity x horizon; "
            f"{model.release_capacity_note}): holdings and purchase bounded by it"
            for i in bounded
        )
    if request.compare_expected:
        if progress is not None:
            progress(0.1, "sizing the expected-value plan")
        ev = size_plan(
            SizeRequest(
                budget=request.budget,
                scenarios=(request.scenario,),
                runs=request.runs,
                seed=request.seed,
                weights=request.weights,
                use_caps=request.use_caps,
                caps_file=request.caps_file,
                use_holdings=request.use_holdings,
                programme=request.programme,
                price_year=request.price_year,
                weigh_cost=False,
                check_batches=0,
            ),
            holdings=holdings,
        )
        bought = {line.material: line.quantity for line in ev.plan.materials}
        baseline = np.array([bought.get(m, 0.0) for m in game.materials])
        notes.append(
            f"expected-value plan: {request.runs:,} simulated runs (seed {request.seed}), "
            "same budget and caps, expected valued shortfall minimised"
        )
    if progress is not None:
        progress(0.3, "solving the robust plan")
    res = robust_size(game, request.budget, curves, limits, method, baseline=baseline)
    rows = res.material_rows()
    classes = list(res.plan.class_names)

    def per_class(rec: Mapping[str, object], prefix: str) -> dict[str, float]:
        return {c: float(rec.get(f"{prefix}_{c}", 0.0)) for c in classes}  # type: ignore[arg-type]

    lines = [
        RobustLine(
            material=str(r["material"]),
            unit=str(r["unit"]),
            robust_quantity=float(r["robust_quantity"]),  # type: ignore[arg-type]
            comparison_quantity=float(r["comparison_quantity"]),  # type: ignore[arg-type]
            unmet_worst_before=per_class(r, "unmet_worst_before"),
            unmet_worst_after=per_class(r, "unmet_worst_after"),
            unmet_worst_comparison=per_class(r, "unmet_worst_comparison"),
            unmet_average_after=per_class(r, "unmet_average_after"),
        )
        for r in rows
    ]
    return RobustReport(
        scenario=source,
        supplier=game.supplier,
        class_weights=request.weights,
        holdings_note=model.holdings_note if request.use_holdings else "none",
        price_curve=FLAT_PRICE_NOTE,
        notes=notes,
        method=res.method.value,
        iterations=res.iterations,
        responses_considered=res.responses_considered,
        robust_plan=PlanTable.of(res.plan),
        supplier_best_response=SupplierAnswer.of(res.response),
        naive_plan=PlanTable.of(res.naive_plan),
        supplier_best_response_to_naive=SupplierAnswer.of(res.naive_response),
        value_of_robustness_usd=money(res.value_of_robustness),
        comparison=res.naive_label,
        materials=lines,
    )
