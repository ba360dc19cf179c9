"""Use cases: one typed function per thing a user asks, behind the CLI, the API and the
dashboard alike.

A shell (a Typer command, an API route or job, a dashboard page) parses its input, calls one
use case and renders the typed result it gets back; it computes nothing. Each result is a
pydantic model, the same document in the CLI's ``--json``, in the API and on the dashboard,
and carries the derived views its charts need (fan quantiles, histogram bins, plan bars).
Money is a decimal string with cents everywhere (:data:`Money`).

This layer may read the ledger (holdings, through plain functions taking a session) and
calls the computation packages; those never import it (checked by ``make lint``).
"""

from stockpile.usecases.bars import Bars, BarSeries, StackedBars
from stockpile.usecases.brief import BriefReport, BriefRequest, brief
from stockpile.usecases.buffer import (
    BandOutcome,
    BandTuningOut,
    BufferReport,
    BufferRequest,
    buffer_band,
)
from stockpile.usecases.compare import (
    CompareReport,
    CompareRequest,
    DifferenceBars,
    compare_variants,
)
from stockpile.usecases.errors import INPUT_ERRORS, Progress, UseCaseInputError
from stockpile.usecases.hindcast import (
    HindcastInterval,
    HindcastParameter,
    HindcastReport,
    HindcastTarget,
    hindcast,
)
from stockpile.usecases.holdings import (
    ModelHolding,
    ModelHoldings,
    file_holdings,
    holdings_from_lots,
    ledger_holdings,
    ledger_holdings_at,
)
from stockpile.usecases.money import CENT, Money, money
from stockpile.usecases.operations import (
    OperationsReport,
    ReportOperation,
    fiscal_year_bounds,
    holdings_value,
    operations_report,
    value_bars,
)
from stockpile.usecases.overview import BelowTarget, BooksOverview, OpenOrder, books_overview
from stockpile.usecases.plan_forms import FormLine, FormsReport, FormsRequest, plan_forms
from stockpile.usecases.plan_table import PlanBars, PlanLine, PlanTable, SupplierAnswer
from stockpile.usecases.plan_terms import (
    CapacityLine,
    PlanCheck,
    PriceLine,
    TermsLine,
    TermsTable,
    ValuedShortfallLine,
)
from stockpile.usecases.risk import (
    RISK_TABLE_UNITS,
    MaterialRiskReport,
    RiskRow,
    RiskTableReport,
    material_risk,
    risk_ranking,
)
from stockpile.usecases.schedule import (
    ScheduleContract,
    ScheduleOrder,
    ScheduleReport,
    ScheduleRequest,
    schedule_plan,
)
from stockpile.usecases.simulation import (
    FAN_QUANTILES,
    Fan,
    Histogram,
    MaterialOutcome,
    SimulationReport,
    SimulationRequest,
    SimulationRun,
    StatsOut,
    simulate_scenario,
)
from stockpile.usecases.sizing import (
    DEFAULT_SCENARIO,
    FLAT_PRICE_NOTE,
    PURCHASE_PRICE_NOTE,
    ClassWeights,
    RobustLine,
    RobustMethodName,
    RobustReport,
    RobustRequest,
    SizeReport,
    SizeRequest,
    SizingMethodName,
    robust_plan,
    size_plan,
)
from stockpile.usecases.spending import (
    DepotTotal,
    SpendBars,
    cap_spending,
    contract_spending,
    depot_totals,
)
from stockpile.usecases.supply import (
    OTHERS,
    CountryShare,
    MaterialSupplyReport,
    PriceSeries,
    ProductionShares,
    StageShares,
    material_supply,
)

__all__ = [
    "CENT",
    "DEFAULT_SCENARIO",
    "FAN_QUANTILES",
    "FLAT_PRICE_NOTE",
    "INPUT_ERRORS",
    "OTHERS",
    "PURCHASE_PRICE_NOTE",
    "RISK_TABLE_UNITS",
    "BandOutcome",
    "BandTuningOut",
    "BarSeries",
    "Bars",
    "BelowTarget",
    "BooksOverview",
    "BriefReport",
    "BriefRequest",
    "BufferReport",
    "BufferRequest",
    "CapacityLine",
    "ClassWeights",
    "CompareReport",
    "CompareRequest",
    "CountryShare",
    "DepotTotal",
    "DifferenceBars",
    "Fan",
    "FormLine",
    "FormsReport",
    "FormsRequest",
    "HindcastInterval",
    "HindcastParameter",
    "HindcastReport",
    "HindcastTarget",
    "Histogram",
    "MaterialOutcome",
    "MaterialRiskReport",
    "MaterialSupplyReport",
    "ModelHolding",
    "ModelHoldings",
    "Money",
    "OpenOrder",
    "OperationsReport",
    "PlanBars",
    "PlanCheck",
    "PlanLine",
    "PlanTable",
    "PriceLine",
    "PriceSeries",
    "ProductionShares",
    "Progress",
    "ReportOperation",
    "RiskRow",
    "RiskTableReport",
    "RobustLine",
    "RobustMethodName",
    "RobustReport",
    "RobustRequest",
    "ScheduleContract",
    "ScheduleOrder",
    "ScheduleReport",
    "ScheduleRequest",
    "SimulationReport",
    "SimulationRequest",
    "SimulationRun",
    "SizeReport",
    "SizeRequest",
    "SizingMethodName",
    "SpendBars",
    "StackedBars",
    "StageShares",
    "StatsOut",
    "SupplierAnswer",
    "TermsLine",
    "TermsTable",
    "UseCaseInputError",
    "ValuedShortfallLine",
    "books_overview",
    "brief",
    "buffer_band",
    "cap_spending",
    "compare_variants",
    "contract_spending",
    "depot_totals",
    "file_holdings",
    "fiscal_year_bounds",
    "hindcast",
    "holdings_from_lots",
    "holdings_value",
    "ledger_holdings",
    "ledger_holdings_at",
    "material_risk",
    "material_supply",
    "money",
    "operations_report",
    "plan_forms",
    "risk_ranking",
    "robust_plan",
    "schedule_plan",
    "simulate_scenario",
    "size_plan",
    "value_bars",
]
