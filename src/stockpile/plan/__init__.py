"""Planning: what to buy with the budget, when, and what the supplier will do about it.

Pure computation (no disk, network or database):

- sizing under a budget (:func:`size_stockpile`): exact water-filling for the expected
  objective, the extensive LP (HiGHS) as cross-check, cutting planes for CVaR / worst case;
- robust sizing against the supplier's export controls (:func:`robust_size`);
- a fiscal-year procurement schedule (:func:`schedule_procurement`);
- buffer-stock price bands (:func:`simulate_band`, :func:`tune_band`);
- purchase programmes (:func:`builtin_programme`), values of lost use (:class:`LossValues`), the
  plan in the planner's terms (:func:`plan_terms`), the out-of-sample check and gap bound
  (:func:`check_plan`, :func:`auto_runs`).
"""

from stockpile.plan.adapters import (
    beyond_capacity,
    combine_samples,
    consumption_from_compiled,
    game_from_compiled,
    restrict_sample,
    sample_from_simulation,
)
from stockpile.plan.buffer import (
    BandPolicy,
    BandResult,
    BandTuning,
    PriceProcess,
    estimate_log_volatility,
    log_price_impact,
    process_from_annual_prices,
    simulate_band,
    tune_band,
)
from stockpile.plan.contracts import ContractAction, OrderAction, contract_actions
from stockpile.plan.cutting import CuttingPlaneResult, solve_cutting_plane
from stockpile.plan.errors import InfeasiblePlanError, PlanError, PlanInputError, SolverError
from stockpile.plan.exact import WaterFill, water_fill
from stockpile.plan.forms import FormPrice, form_price, is_mine_form_series
from stockpile.plan.inputs import (
    ProgramCap,
    caps_from_rows,
    impact_curves,
    limits_from_caps,
    limits_within_release,
    parse_assignments,
    parse_numbers,
    price_series,
    program_caps,
    world_production,
)
from stockpile.plan.loss import CLASS_ORDER, LossValues, MaterialLossValue, parse_loss_value
from stockpile.plan.lp import build_sizing_lp, solve_sizing_lp
from stockpile.plan.problem import (
    MaterialLimits,
    Objective,
    ObjectiveKind,
    PriceCurve,
    ShortfallSample,
    SizingProblem,
)
from stockpile.plan.programme import (
    Programme,
    ProgrammeEntry,
    ProgrammeInputs,
    ProgrammeQuantity,
    builtin_programme,
    builtin_programmes,
    parse_programme,
    programme_inputs,
    purchase_prices,
)
from stockpile.plan.result import LimitStatus, SizingMethod, SizingPlan
from stockpile.plan.robust import (
    RobustMethod,
    RobustPlan,
    SupplierGame,
    SupplierMeasure,
    SupplierResponse,
    best_response,
    best_response_by_enumeration,
    feasible_responses,
    robust_size,
)
from stockpile.plan.schedule import (
    ProcurementSchedule,
    ScheduleLine,
    ScheduleProblem,
    fiscal_year,
    fiscal_year_start,
    schedule_procurement,
)
from stockpile.plan.sizing import size_stockpile
from stockpile.plan.terms import (
    Consumption,
    MaterialTerms,
    PlanTerms,
    PriceUsed,
    ValuedShortfall,
    add_requirements,
    plan_terms,
)
from stockpile.plan.validation import (
    AutoRuns,
    Estimate,
    SampleCheck,
    auto_runs,
    check_plan,
    objective_at,
)
from stockpile.plan.value import risk_measure, scenario_losses

__all__ = [
    "CLASS_ORDER",
    "AutoRuns",
    "BandPolicy",
    "BandResult",
    "BandTuning",
    "Consumption",
    "ContractAction",
    "CuttingPlaneResult",
    "Estimate",
    "FormPrice",
    "InfeasiblePlanError",
    "LimitStatus",
    "LossValues",
    "MaterialLimits",
    "MaterialLossValue",
    "MaterialTerms",
    "Objective",
    "ObjectiveKind",
    "OrderAction",
    "PlanError",
    "PlanInputError",
    "PlanTerms",
    "PriceCurve",
    "PriceProcess",
    "PriceUsed",
    "ProcurementSchedule",
    "ProgramCap",
    "Programme",
    "ProgrammeEntry",
    "ProgrammeInputs",
    "ProgrammeQuantity",
    "RobustMethod",
    "RobustPlan",
    "SampleCheck",
    "ScheduleLine",
    "ScheduleProblem",
    "ShortfallSample",
    "SizingMethod",
    "SizingPlan",
    "SizingProblem",
    "SolverError",
    "SupplierGame",
    "SupplierMeasure",
    "SupplierResponse",
    "ValuedShortfall",
    "WaterFill",
    "add_requirements",
    "auto_runs",
    "best_response",
    "best_response_by_enumeration",
    "beyond_capacity",
    "build_sizing_lp",
    "builtin_programme",
    "builtin_programmes",
    "caps_from_rows",
    "check_plan",
    "combine_samples",
    "consumption_from_compiled",
    "contract_actions",
    "estimate_log_volatility",
    "feasible_responses",
    "fiscal_year",
    "fiscal_year_start",
    "form_price",
    "game_from_compiled",
    "impact_curves",
    "is_mine_form_series",
    "limits_from_caps",
    "limits_within_release",
    "log_price_impact",
    "objective_at",
    "parse_assignments",
    "parse_loss_value",
    "parse_numbers",
    "parse_programme",
    "plan_terms",
    "price_series",
    "process_from_annual_prices",
    "program_caps",
    "programme_inputs",
    "purchase_prices",
    "restrict_sample",
    "risk_measure",
    "robust_size",
    "sample_from_simulation",
    "scenario_losses",
    "schedule_procurement",
    "simulate_band",
    "size_stockpile",
    "solve_cutting_plane",
    "solve_sizing_lp",
    "tune_band",
    "water_fill",
    "world_production",
]
