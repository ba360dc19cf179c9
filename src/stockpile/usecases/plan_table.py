"""The typed purchase plan shared by the sizing and robust reports, and its chart view."""

from __future__ import annotations

import math

from pydantic import BaseModel, ConfigDict

from stockpile.plan import LimitStatus, SizingPlan, SupplierResponse
from stockpile.usecases.money import Money, money

__all__ = ["PlanBars", "PlanLine", "PlanTable", "SupplierAnswer"]


def _num(value: float) -> float | None:
    return float(value) if math.isfinite(value) else None


class PlanLine(BaseModel):
    """One material of a plan.

    ``holdings`` and ``quantity`` [unit]; ``spend_cap_usage`` and ``quantity_limit_usage``
    [-] (null without a cap); ``unmet_before`` / ``unmet_after``: expected unmet demand per
    priority class [unit].
    """

    model_config = ConfigDict(frozen=True)

    material: str
    unit: str
    holdings: float
    quantity: float
    cost_usd: Money
    spend_cap_usage: float | None
    quantity_limit_usage: float | None
    limit: LimitStatus
    expected_value_before_usd: Money
    expected_value_after_usd: Money
    cap_source: str
    unmet_before: dict[str, float]
    unmet_after: dict[str, float]


class PlanBars(BaseModel):
    """What the plan chart draws, per material [million USD]."""

    materials: list[str]
    cost: list[float]
    value_before: list[float]
    value_after: list[float]


class PlanTable(BaseModel):
    """A sized purchase plan: what it buys, what it costs and the unmet demand value before
    and after [USD]; ``coverage_per_dollar`` and ``budget_shadow_price`` [USD/USD]."""

    model_config = ConfigDict(frozen=True)

    objective: str
    method: str
    budget_usd: Money
    total_cost_usd: Money
    risk_before_usd: Money
    risk_after_usd: Money
    risk_reduction_usd: Money
    expected_before_usd: Money
    expected_after_usd: Money
    coverage_per_dollar: float
    budget_shadow_price: float
    iterations: int
    class_names: list[str]
    materials: list[PlanLine]

    @classmethod
    def of(cls, plan: SizingPlan) -> PlanTable:
        """From the planner's :class:`~stockpile.plan.SizingPlan`."""
        lines = [
            PlanLine(
                material=mat,
                unit=plan.units[i],
                holdings=float(plan.holdings[i]),
                quantity=float(plan.quantities[i]),
                cost_usd=money(float(plan.costs[i])),
                spend_cap_usage=_num(float(plan.spend_cap_usage[i])),
                quantity_limit_usage=_num(float(plan.quantity_limit_usage[i])),
                limit=plan.limits[i],
                expected_value_before_usd=money(float(plan.material_expected_before[i])),
                expected_value_after_usd=money(float(plan.material_expected_after[i])),
                cap_source=plan.cap_sources[i],
                unmet_before={
                    c: float(plan.unmet_before[i, k]) for k, c in enumerate(plan.class_names)
                },
                unmet_after={
                    c: float(plan.unmet_after[i, k]) for k, c in enumerate(plan.class_names)
                },
            )
            for i, mat in enumerate(plan.materials)
        ]
        return cls(
            objective=plan.objective.label(),
            method=plan.method.value,
            budget_usd=money(plan.budget),
            total_cost_usd=money(plan.total_cost),
            risk_before_usd=money(plan.risk_before),
            risk_after_usd=money(plan.risk_after),
            risk_reduction_usd=money(plan.risk_reduction),
            expected_before_usd=money(plan.expected_before),
            expected_after_usd=money(plan.expected_after),
            coverage_per_dollar=plan.coverage_per_dollar,
            budget_shadow_price=plan.budget_shadow_price,
            iterations=plan.iterations,
            class_names=list(plan.class_names),
            materials=lines,
        )

    def bought(self) -> list[PlanLine]:
        """Lines with a purchase."""
        return [m for m in self.materials if m.quantity > 0]

    def bars(self) -> PlanBars:
        """Purchase cost and expected unmet value before and after, per material [million USD]."""
        return PlanBars(
            materials=[m.material for m in self.materials],
            cost=[float(m.cost_usd) / 1e6 for m in self.materials],
            value_before=[float(m.expected_value_before_usd) / 1e6 for m in self.materials],
            value_after=[float(m.expected_value_after_usd) / 1e6 for m in self.materials],
        )

    def csv_rows(self) -> list[dict[str, object]]:
        """One flat record per material (the CSV table)."""
        rows: list[dict[str, object]] = []
        for m in self.materials:
            rec: dict[str, object] = {
                "material": m.material,
                "unit": m.unit,
                "holdings": m.holdings,
                "quantity": m.quantity,
                "cost_usd": f"{m.cost_usd:.2f}",
                "spend_cap_usage": m.spend_cap_usage,
                "quantity_limit_usage": m.quantity_limit_usage,
                "limit": m.limit.value,
                "expected_value_before_usd": f"{m.expected_value_before_usd:.2f}",
                "expected_value_after_usd": f"{m.expected_value_after_usd:.2f}",
                "cap_source": m.cap_source,
            }
            for c in self.class_names:
                rec[f"unmet_before_{c}"] = m.unmet_before[c]
                rec[f"unmet_after_{c}"] = m.unmet_after[c]
            rows.append(rec)
        return rows

    def to_text(self) -> str:
        """A short human-readable report."""
        spent, budget = float(self.total_cost_usd), float(self.budget_usd)
        before, after = float(self.risk_before_usd), float(self.risk_after_usd)
        lines = [
            f"objective {self.objective} ({self.method}), budget ${budget:,.0f}, "
            f"spent ${spent:,.0f}",
            f"valued shortfall (risk measure): {before:,.0f} -> {after:,.0f} USD "
            f"(-{float(self.risk_reduction_usd):,.0f}; {self.coverage_per_dollar:.4g} per dollar; "
            f"budget shadow price {self.budget_shadow_price:.4g})",
            f"{'material':<22}{'buy':>14} {'unit':<12}{'cost USD':>16}  limit",
        ]
        for m in self.materials:
            if m.quantity <= 0 and m.limit is LimitStatus.COVERED:
                continue
            lines.append(
                f"{m.material:<22}{m.quantity:>14,.2f} {m.unit:<12}"
                f"{float(m.cost_usd):>16,.0f}  {m.limit.value}"
            )
        return "\n".join(lines)

    def summary_line(self) -> str:
        """``$cost: material quantity unit; ...`` of what the plan buys."""
        buys = [f"{m.material} {m.quantity:,.1f} {m.unit}" for m in self.bought()]
        return f"${float(self.total_cost_usd):,.0f}: " + ("; ".join(buys) or "nothing")


class SupplierAnswer(BaseModel):
    """The supplier's measures, their cost to it and our unmet demand value under them."""

    model_config = ConfigDict(frozen=True)

    measures: list[str]
    cost_usd: Money
    value_usd: Money

    @classmethod
    def of(cls, r: SupplierResponse) -> SupplierAnswer:
        """From the planner's :class:`~stockpile.plan.SupplierResponse`."""
        return cls(measures=list(r.measures), cost_usd=money(r.cost), value_usd=money(r.value))

    def to_text(self) -> str:
        """``measures (cost to supplier $x; our loss y USD)``."""
        return (
            f"{', '.join(self.measures) or 'no new measure'} (cost to supplier "
            f"${float(self.cost_usd):,.0f}; our loss {float(self.value_usd):,.0f} USD)"
        )
