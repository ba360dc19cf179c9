"""The kinds of background job the service runs: simulation and plan runs.

Each kind parses its parameters, calls one use case of :mod:`stockpile.usecases` and stores
the use case's typed result, the same document ``stockpile simulate --json`` and
``stockpile plan size|forms|robust --json`` print.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field, RootModel, field_validator

from stockpile.plan import builtin_programmes
from stockpile.service.db import Database
from stockpile.service.jobs import JobKind, JobProgress
from stockpile.simulate import builtin_scenarios
from stockpile.usecases import (
    DEFAULT_SCENARIO,
    BriefReport,
    BriefRequest,
    ClassWeights,
    CompareReport,
    CompareRequest,
    FormsReport,
    FormsRequest,
    ModelHoldings,
    RobustReport,
    RobustRequest,
    SimulationReport,
    SimulationRequest,
    SizeReport,
    SizeRequest,
    brief,
    compare_variants,
    ledger_holdings,
    plan_forms,
    robust_plan,
    simulate_scenario,
    size_plan,
)

__all__ = [
    "BriefParams",
    "CompareParams",
    "FormsParams",
    "PlanJobReport",
    "PlanParams",
    "SimulationParams",
    "default_job_kinds",
]


def _builtin(value: str) -> str:
    known = sorted(builtin_scenarios())
    if value not in known:
        raise ValueError(f"unknown scenario {value!r}; built-in: {', '.join(known)}")
    return value


class SimulationParams(BaseModel):
    """A Monte Carlo run of a built-in scenario."""

    scenario: str = Field(min_length=1, max_length=80, description="Built-in scenario name")
    runs: int = Field(default=500, ge=1, le=20_000, description="Monte Carlo scenarios S")
    seed: int = Field(default=0, ge=0, le=2**32 - 1)
    ledger_holdings: bool = Field(
        default=False, description="Start from the ledger's holdings instead of the scenario's"
    )

    @field_validator("scenario")
    @classmethod
    def _builtin(cls, value: str) -> str:
        return _builtin(value)


class PlanParams(BaseModel):
    """Budget sizing (``robust`` false) or robust sizing against the supplier's best response."""

    scenario: str = Field(default=DEFAULT_SCENARIO, min_length=1, max_length=80)
    budget: float = Field(gt=0, le=1e12, description="Budget [USD]")
    robust: bool = Field(default=False, description="Robust sizing against the supplier")
    supplier: str = Field(default="CHN", pattern="^[A-Z]{3}$", description="ISO3 of the supplier")
    measures: int | None = Field(default=None, ge=0, le=50)
    objective: str = Field(default="expected", max_length=20, description="expected|cvar|worst")
    runs: int = Field(default=20_000, ge=1, le=20_000)
    seed: int = Field(default=0, ge=0, le=2**32 - 1)
    weight_defence: float = Field(
        default=10.0, ge=0, description="Value of lost use of defence demand [x price]"
    )
    weight_essential: float = Field(
        default=3.0, ge=0, description="Value of lost use of essential demand [x price]"
    )
    ledger_holdings: bool = False
    caps: bool = Field(default=True, description="Apply the 2025 DLA programme caps")
    programme: str | None = Field(
        default=None, max_length=40, description="Built-in purchase programme (dla-2025)"
    )
    price_year: int | None = Field(default=None, ge=1900, le=2100, description="Price year")
    weigh_cost: bool = Field(default=True, description="Minimise purchase cost + valued shortfall")
    check_batches: int = Field(default=5, ge=0, le=10, description="Out-of-sample batches")
    forms: list[str] = Field(
        default_factory=list,
        max_length=20,
        description="Form bought per material: 'MAT=FORM' (mine, refined...) or 'MAT=OPTION' "
        "(a form_comparison option id of the scenario); default the arrival form",
    )

    @field_validator("programme")
    @classmethod
    def _programme(cls, value: str | None) -> str | None:
        if value is not None and value not in builtin_programmes():
            known = ", ".join(builtin_programmes())
            raise ValueError(f"unknown programme {value!r}; built-in: {known}")
        return value

    @field_validator("scenario")
    @classmethod
    def _builtin(cls, value: str) -> str:
        return _builtin(value)


class PlanJobReport(RootModel[Annotated[SizeReport | RobustReport, Field(discriminator="kind")]]):
    """A plan job's result: a budget plan (``kind`` size) or a robust plan (``kind`` robust)."""


class CompareParams(BaseModel):
    """A base scenario (built-in, or uploaded YAML text) and variants on the same draws."""

    scenario: str = Field(default="", max_length=80, description="Built-in base scenario")
    scenario_text: str | None = Field(
        default=None, max_length=200_000, description="The base scenario as YAML text"
    )
    only: list[str] = Field(
        default_factory=list, max_length=50, description="The base's variants to run"
    )
    runs: int = Field(default=1000, ge=1, le=20_000, description="Monte Carlo scenarios S")
    seed: int = Field(default=0, ge=0, le=2**32 - 1)
    ledger_holdings: bool = False

    @field_validator("scenario")
    @classmethod
    def _builtin(cls, value: str) -> str:
        return _builtin(value) if value else value


def _holdings(db: Database, wanted: bool) -> ModelHoldings | None:
    if not wanted:
        return None
    with db.sessions() as session:
        return ledger_holdings(session)


def _simulation_kind(db: Database) -> JobKind:
    def run(params: BaseModel, progress: JobProgress) -> SimulationReport:
        p = SimulationParams.model_validate(params)
        request = SimulationRequest(scenario=p.scenario, runs=p.runs, seed=p.seed)
        holdings = _holdings(db, p.ledger_holdings)
        progress.update(0.0, f"simulating {p.runs} scenarios")
        return simulate_scenario(request, holdings=holdings, progress=progress.update).report

    return JobKind(
        name="simulation",
        params_model=SimulationParams,
        result_model=SimulationReport,
        run=run,
        description="Monte Carlo run of a built-in disruption scenario (stock, price, shortfall)",
    )


def _plan_kind(db: Database) -> JobKind:
    def run(params: BaseModel, progress: JobProgress) -> PlanJobReport:
        p = PlanParams.model_validate(params)
        weights = ClassWeights(defence=p.weight_defence, essential=p.weight_essential)
        holdings = _holdings(db, p.ledger_holdings)
        report: SizeReport | RobustReport
        if p.robust:
            request = RobustRequest(
                budget=p.budget,
                scenario=p.scenario,
                supplier=p.supplier,
                measures=p.measures,
                weights=weights,
                use_caps=p.caps,
            )
            report = robust_plan(request, holdings=holdings, progress=progress.update)
        else:
            sizing = SizeRequest(
                budget=p.budget,
                scenarios=(p.scenario,),
                objective=p.objective,
                runs=p.runs,
                seed=p.seed,
                weights=weights,
                use_caps=p.caps,
                programme=p.programme,
                price_year=p.price_year,
                weigh_cost=p.weigh_cost,
                check_batches=p.check_batches,
                forms=tuple(p.forms),
            )
            report = size_plan(sizing, holdings=holdings, progress=progress.update)
        return PlanJobReport(report)

    return JobKind(
        name="plan",
        params_model=PlanParams,
        result_model=PlanJobReport,
        run=run,
        description="Budget sizing, or robust sizing with the supplier's best response",
    )


class FormsParams(BaseModel):
    """Ore against metal: one material of a built-in scenario bought in each of its forms."""

    scenario: str = Field(default="china-rare-earths-2025", min_length=1, max_length=80)
    material: str | None = Field(default=None, max_length=80)
    budget: float = Field(gt=0, le=1e12, description="Budget of each sized option [USD]")
    options: list[str] = Field(default_factory=list, max_length=20)
    quantity: float | None = Field(
        default=None, gt=0, le=1e12, description="Quantity compared for unpriced forms [unit]"
    )
    runs: int = Field(default=20_000, ge=1, le=20_000)
    seed: int = Field(default=0, ge=0, le=2**32 - 1)
    price_year: int | None = Field(default=None, ge=1900, le=2100)

    @field_validator("scenario")
    @classmethod
    def _builtin(cls, value: str) -> str:
        return _builtin(value)


def _forms_kind() -> JobKind:
    def run(params: BaseModel, progress: JobProgress) -> FormsReport:
        p = FormsParams.model_validate(params)
        request = FormsRequest(
            scenario=p.scenario,
            material=p.material,
            budget=p.budget,
            options=tuple(p.options),
            quantity=p.quantity,
            runs=p.runs,
            seed=p.seed,
            price_year=p.price_year,
        )
        return plan_forms(request, progress=progress.update)

    return JobKind(
        name="plan-forms",
        params_model=FormsParams,
        result_model=FormsReport,
        run=run,
        description="Ore against metal: a material's plan under each form it can be bought in",
    )


def _compare_kind(db: Database) -> JobKind:
    def run(params: BaseModel, progress: JobProgress) -> CompareReport:
        p = CompareParams.model_validate(params)
        request = CompareRequest(
            base=p.scenario,
            base_text=p.scenario_text,
            only=tuple(p.only),
            runs=p.runs,
            seed=p.seed,
        )
        holdings = _holdings(db, p.ledger_holdings)
        return compare_variants(request, holdings=holdings, progress=progress.update)

    return JobKind(
        name="compare",
        params_model=CompareParams,
        result_model=CompareReport,
        run=run,
        description="A scenario and its variants (supplier levers) on common random numbers",
    )


class BriefParams(BaseModel):
    """The brief: the programme's money, the disruption scenarios, the supplier's answers."""

    budget: float = Field(default=1e9, gt=0, le=1e12, description="Budget [USD]")
    programme: str = Field(default="dla-2025", max_length=40)
    runs: int = Field(default=1000, ge=100, le=20_000)
    seed: int = Field(default=0, ge=0, le=2**32 - 1)
    ledger_holdings: bool = Field(default=True, description="Start from the ledger's holdings")


def _brief_kind(db: Database) -> JobKind:
    def run(params: BaseModel, progress: JobProgress) -> BriefReport:
        p = BriefParams.model_validate(params)
        request = BriefRequest(budget=p.budget, programme=p.programme, runs=p.runs, seed=p.seed)
        holdings = _holdings(db, p.ledger_holdings)
        return brief(request, holdings=holdings, progress=progress.update)

    return JobKind(
        name="brief",
        params_model=BriefParams,
        result_model=BriefReport,
        run=run,
        description="What the programme's money buys, and what the supplier's answers do to it",
    )


def default_job_kinds(db: Database) -> dict[str, JobKind]:
    """Kinds of job by name, bound to the service's database."""
    kinds = [
        _simulation_kind(db),
        _plan_kind(db),
        _forms_kind(),
        _compare_kind(db),
        _brief_kind(db),
    ]
    return {k.name: k for k in kinds}
