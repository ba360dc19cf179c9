"""Schedule a sized plan over fiscal years: the request, the typed report and the use case."""

from __future__ import annotations

import math
from datetime import date

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from stockpile.plan import ProcurementSchedule, ScheduleProblem, schedule_procurement
from stockpile.usecases._inputs import programme_caps, world_output
from stockpile.usecases.errors import UseCaseInputError
from stockpile.usecases.money import Money, money
from stockpile.usecases.sizing import SizeReport

__all__ = [
    "ScheduleContract",
    "ScheduleOrder",
    "ScheduleReport",
    "ScheduleRequest",
    "schedule_plan",
]


class ScheduleRequest(BaseModel):
    """How to spread a sized plan over fiscal years.

    ``funds`` [USD]: new money per fiscal year, one value (each year) or one per year;
    ``annual_limits`` [material unit/FY] (Annual Materials Plan); ``lead_months`` [month];
    ``pacing`` [-]: largest share of world production bought per FY.
    """

    model_config = ConfigDict(frozen=True)

    start_fy: int = Field(ge=1990, le=2200, description="First fiscal year")
    years: int = Field(default=5, ge=1, le=50)
    funds: tuple[float, ...] = Field(min_length=1)
    annual_limits: dict[str, float] = Field(default_factory=dict)
    lead_months: dict[str, float] = Field(default_factory=dict)
    pacing: float | None = Field(default=None, gt=0)
    use_caps: bool = Field(default=True, description="Apply the programme ceilings")


class ScheduleContract(BaseModel):
    """Terms of one material's contract: ceiling and guaranteed minimum [USD], unit price
    [USD/unit]."""

    model_config = ConfigDict(frozen=True)

    material: str
    unit: str
    ceiling_usd: Money | None
    minimum_usd: Money
    unit_price_usd: float


class ScheduleOrder(BaseModel):
    """One order: quantity [unit] and cost [USD] in a fiscal year, with its dates."""

    model_config = ConfigDict(frozen=True)

    material: str
    unit: str
    fiscal_year: int
    quantity: float
    cost_usd: Money
    order_date: date
    delivery_date: date


class ScheduleReport(BaseModel):
    """A fiscal-year procurement schedule (readable by ``stockpile plan apply``)."""

    model_config = ConfigDict(frozen=True)

    fiscal_years: list[int]
    funds_usd: list[Money]
    spending_usd: list[Money]
    contracts: list[ScheduleContract]
    orders: list[ScheduleOrder]
    notes: list[str]

    @classmethod
    def of(cls, schedule: ProcurementSchedule, notes: list[str]) -> ScheduleReport:
        """From the planner's :class:`~stockpile.plan.ProcurementSchedule`."""
        p = schedule.problem
        return cls(
            fiscal_years=list(p.fiscal_years),
            funds_usd=[money(float(v)) for v in p.funds],
            spending_usd=[money(float(v)) for v in schedule.spending_by_year],
            contracts=[
                ScheduleContract(
                    material=mat,
                    unit=p.units[i],
                    ceiling_usd=money(float(p.contract_ceiling[i]))
                    if np.isfinite(p.contract_ceiling[i])
                    else None,
                    minimum_usd=money(float(p.contract_min[i])),
                    unit_price_usd=float(p.unit_prices[i]),
                )
                for i, mat in enumerate(p.materials)
                if p.targets[i] > 0
            ],
            orders=[
                ScheduleOrder(
                    material=ln.material,
                    unit=ln.unit,
                    fiscal_year=ln.fiscal_year,
                    quantity=ln.quantity,
                    cost_usd=money(ln.cost),
                    order_date=ln.order_date,
                    delivery_date=ln.delivery_date,
                )
                for ln in schedule.lines
            ],
            notes=notes,
        )

    def to_text(self) -> str:
        """Human-readable table, one line per order."""
        out = [f"{'FY':<8}{'material':<22}{'quantity':>14} {'unit':<12}{'cost USD':>16}  delivery"]
        for o in self.orders:
            out.append(
                f"FY{o.fiscal_year:<6}{o.material:<22}{o.quantity:>14,.2f} {o.unit:<12}"
                f"{float(o.cost_usd):>16,.0f}  {o.delivery_date.isoformat()}"
            )
        return "\n".join(out)


def schedule_plan(plan: SizeReport, request: ScheduleRequest) -> ScheduleReport:
    """Turn a sized plan into a fiscal-year procurement schedule.

    Unit prices are the plan's average cost per unit [USD/unit]; contract ceilings and
    minimums come from the programme caps (``request.use_caps``).
    """
    rows = [r for r in plan.plan.materials if r.quantity > 0]
    if not rows:
        raise UseCaseInputError("plan", "the plan buys nothing")
    money_by_year = list(request.funds)
    if len(money_by_year) == 1:
        money_by_year = money_by_year * request.years
    if len(money_by_year) != request.years:
        raise UseCaseInputError(
            "funds", f"{len(money_by_year)} values for {request.years} fiscal years"
        )
    caps = programme_caps(request.use_caps, None)
    mats = tuple(r.material for r in rows)
    units = tuple(r.unit for r in rows)
    qty = np.array([r.quantity for r in rows])
    price = np.array([float(r.cost_usd) for r in rows]) / qty
    prod = (
        np.array(list(world_output(mats, units).values()))
        if request.pacing is not None
        else np.full(len(mats), math.nan)
    )
    problem = ScheduleProblem(
        materials=mats,
        units=units,
        targets=qty,
        unit_prices=price,
        fiscal_years=tuple(range(request.start_fy, request.start_fy + request.years)),
        funds=np.array(money_by_year),
        annual_limits=np.array([request.annual_limits.get(m, math.inf) for m in mats]),
        contract_min=np.array([caps[m].contract_min if m in caps else 0.0 for m in mats]),
        contract_ceiling=np.array([caps[m].spend_cap if m in caps else math.inf for m in mats]),
        lead_months=np.array([request.lead_months.get(m, 0.0) for m in mats]),
        world_production=prod,
        pacing_share=math.inf if request.pacing is None else request.pacing,
    )
    notes = [
        "lead times: user input (0 months where not given)",
        "contract ceilings/minimums: stockpile_programs.csv (2025 DLA programmes)"
        if caps
        else "no contract ceilings",
    ]
    return ScheduleReport.of(schedule_procurement(problem), notes)
