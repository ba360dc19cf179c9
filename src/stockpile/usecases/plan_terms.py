"""The plan in the planner's terms and its sample check, as typed results.

Mirrors :class:`stockpile.plan.PlanTerms` and :class:`stockpile.plan.SampleCheck`: per material
the quantity in its unit and in t, cost, the price used with its year, basis and source,
holdings and days of cover before and after, unmet demand by class before and after in t and
USD, P(defence or essential short); for the plan, valued shortfall before and after.
"""

from __future__ import annotations

import math

from pydantic import BaseModel, ConfigDict

from stockpile.plan import PlanTerms, SampleCheck, ValuedShortfall
from stockpile.usecases.money import Money, money

__all__ = [
    "CapacityLine",
    "PlanCheck",
    "PriceLine",
    "TermsLine",
    "TermsTable",
    "ValuedShortfallLine",
]


def _num(value: float) -> float | None:
    return float(value) if math.isfinite(value) else None


class PriceLine(BaseModel):
    """The purchase price of a material [USD/unit] with its year, basis and source."""

    model_config = ConfigDict(frozen=True)

    usd_per_unit: float
    year: int
    basis: str
    source: str


class TermsLine(BaseModel):
    """One material in the planner's terms.

    ``quantity`` [unit] and ``quantity_t`` [t]; holdings [unit]; days of cover [day] against
    total and priority (defence + essential) U.S. consumption, null where consumption is not
    published; ``unmet_t_*`` [t] and ``unmet_usd_*`` [USD] expected per class; ``p_short_*``
    probability that defence or essential demand goes unmet [-].
    """

    model_config = ConfigDict(frozen=True)

    material: str
    unit: str
    quantity: float
    quantity_t: float
    cost_usd: Money
    price: PriceLine | None
    holdings_before: float
    holdings_after: float
    days_cover_total_before: float | None
    days_cover_total_after: float | None
    days_cover_priority_before: float | None
    days_cover_priority_after: float | None
    unmet_t_before: dict[str, float]
    unmet_t_after: dict[str, float]
    unmet_usd_before: dict[str, Money]
    unmet_usd_after: dict[str, Money]
    p_short_before: float
    p_short_after: float
    marginal_value_per_dollar: float | None
    cap_shadow_price: float | None
    limit: str
    form: str | None = None


class CapacityLine(BaseModel):
    """Unmet demand beyond the monthly release capacity of one material.

    The depots ship at most ``release_capacity`` [unit/month] (and a purchase in an upstream
    form reaches demand only through ``conversion_capacity`` [unit/month] from
    ``conversion_lead`` months after the onset); the gap beyond what these can deliver each
    month stays unmet whatever is held: expected per class [t] and at the value of lost use
    [USD], the same before and after the plan.
    """

    model_config = ConfigDict(frozen=True)

    material: str
    unit: str
    form: str
    release_capacity: float | None
    conversion_capacity: float | None = None
    conversion_lead: float | None = None
    unmet_t_before: dict[str, float]
    unmet_t_after: dict[str, float]
    unmet_usd_before: dict[str, Money]
    unmet_usd_after: dict[str, Money]

    def to_text(self) -> str:
        """One line."""
        classes = list(self.unmet_t_before)
        t = "/".join(f"{self.unmet_t_before[c]:,.1f}" for c in classes)
        usd = sum(float(v) for v in self.unmet_usd_before.values())
        cap = (
            "unbounded"
            if self.release_capacity is None
            else f"{self.release_capacity:,.6g} {self.unit}/month"
        )
        route = ""
        if self.conversion_capacity is not None:
            route = (
                f", conversion {self.conversion_capacity:,.6g} {self.unit}/month from onset + "
                f"{self.conversion_lead or 0:g} months"
            )
        return (
            f"unmet beyond release capacity {self.material} ({self.form}; release {cap}{route}):"
            f" {'/'.join(classes)} {t} t, {usd:,.0f} USD, before = after"
        )


class ValuedShortfallLine(BaseModel):
    """Valued shortfall of the sample [USD]: expected, CVaR and worst case."""

    model_config = ConfigDict(frozen=True)

    expected_usd: Money
    cvar_usd: Money
    worst_usd: Money
    cvar_alpha: float


class TermsTable(BaseModel):
    """A plan in the planner's terms (see the module doc)."""

    model_config = ConfigDict(frozen=True)

    materials: list[TermsLine]
    valued_shortfall_before: ValuedShortfallLine
    valued_shortfall_after: ValuedShortfallLine
    total_cost_usd: Money
    beyond_capacity: list[CapacityLine] = []

    @classmethod
    def of(cls, terms: PlanTerms, marginal: list[float], shadows: list[float]) -> TermsTable:
        """From :class:`stockpile.plan.PlanTerms` and the plan's marginal values."""
        lines = []
        for i, m in enumerate(terms.materials):
            lines.append(
                TermsLine(
                    material=m.material,
                    unit=m.unit,
                    quantity=m.quantity,
                    quantity_t=m.quantity_t,
                    cost_usd=money(m.cost_usd),
                    price=None
                    if m.price is None
                    else PriceLine(
                        usd_per_unit=m.price.usd_per_unit,
                        year=m.price.year,
                        basis=m.price.basis,
                        source=m.price.source,
                    ),
                    holdings_before=m.holdings_before,
                    holdings_after=m.holdings_after,
                    days_cover_total_before=_num(m.cover_total_before),
                    days_cover_total_after=_num(m.cover_total_after),
                    days_cover_priority_before=_num(m.cover_priority_before),
                    days_cover_priority_after=_num(m.cover_priority_after),
                    unmet_t_before=dict(m.unmet_t_before),
                    unmet_t_after=dict(m.unmet_t_after),
                    unmet_usd_before={c: money(v) for c, v in m.unmet_usd_before.items()},
                    unmet_usd_after={c: money(v) for c, v in m.unmet_usd_after.items()},
                    p_short_before=m.p_short_before,
                    p_short_after=m.p_short_after,
                    marginal_value_per_dollar=_num(marginal[i]),
                    cap_shadow_price=_num(shadows[i]),
                    limit=m.limit,
                )
            )

        def shortfall(v: ValuedShortfall) -> ValuedShortfallLine:
            return ValuedShortfallLine(
                expected_usd=money(v.expected),
                cvar_usd=money(v.cvar),
                worst_usd=money(v.worst),
                cvar_alpha=v.alpha,
            )

        return cls(
            materials=lines,
            valued_shortfall_before=shortfall(terms.before),
            valued_shortfall_after=shortfall(terms.after),
            total_cost_usd=money(terms.total_cost_usd),
        )

    def to_text(self) -> str:
        """The before/after table, one block per material."""
        b, a = self.valued_shortfall_before, self.valued_shortfall_after
        out = [
            f"valued shortfall [USD]: expected {float(b.expected_usd):,.0f} -> "
            f"{float(a.expected_usd):,.0f}; CVaR{b.cvar_alpha:g} {float(b.cvar_usd):,.0f} -> "
            f"{float(a.cvar_usd):,.0f}; worst {float(b.worst_usd):,.0f} -> "
            f"{float(a.worst_usd):,.0f}",
            "  ".join(
                (
                    f"{'material':<12}",
                    f"{'buy t':>9}",
                    f"{'cost USD':>12}",
                    f"{'held t before -> after':>24}",
                    f"{'days cover tot/prio':>24}",
                    f"{'unmet t def/ess':>26}",
                    f"{'unmet USD':>28}",
                    f"{'P(short)':>12}",
                    f"{'$/$ next':>8}",
                )
            ),
        ]
        for m in self.materials:
            t_per_unit = _t_per_unit(m.unit)
            hb, ha = m.holdings_before * t_per_unit, m.holdings_after * t_per_unit
            classes = list(m.unmet_t_before)
            ub = "/".join(f"{m.unmet_t_before[c]:,.1f}" for c in classes)
            ua = "/".join(f"{m.unmet_t_after[c]:,.1f}" for c in classes)
            vb = sum(float(v) for v in m.unmet_usd_before.values())
            va = sum(float(v) for v in m.unmet_usd_after.values())
            cover = (
                f"{_d(m.days_cover_total_before)}/{_d(m.days_cover_priority_before)} -> "
                f"{_d(m.days_cover_total_after)}/{_d(m.days_cover_priority_after)}"
            )
            mv = m.marginal_value_per_dollar
            mv_text = "" if mv is None else f"{max(mv, 0.0) + 0.0:.3g}"
            out.append(
                "  ".join(
                    (
                        f"{m.material:<12}",
                        f"{m.quantity_t:>9,.1f}",
                        f"{float(m.cost_usd):>12,.0f}",
                        f"{f'{hb:,.1f} -> {ha:,.1f}':>24}",
                        f"{cover:>24}",
                        f"{f'{ub} -> {ua}':>26}",
                        f"{f'{vb:,.0f} -> {va:,.0f}':>28}",
                        f"{f'{m.p_short_before:.2f} -> {m.p_short_after:.2f}':>12}",
                        f"{mv_text:>8}",
                    )
                )
            )
        out.append(
            "days cover = held / (U.S. consumption / 365) against total / priority (defence + "
            "essential) consumption; unmet = expected over the sample; P(short) = probability "
            "that defence or essential demand goes unmet; $/$ next = loss avoided by the next "
            "dollar"
        )
        out.extend(c.to_text() for c in self.beyond_capacity)
        if self.beyond_capacity:
            out.append(
                "unmet beyond release capacity: expected gap the depots (and conversion) cannot "
                "deliver in the month it arises; the plan is sized on the rest (servable gaps), "
                "and the unmet columns above count the servable gaps only"
            )
        for m in self.materials:
            if m.form:
                out.append(f"form {m.material}: bought as {m.form}")
            if m.price is not None:
                out.append(
                    f"price {m.material}: {m.price.usd_per_unit:,.2f} USD/{m.unit} "
                    f"({m.price.year}, {m.price.basis}): {m.price.source}"
                )
        return "\n".join(out)


def _d(v: float | None) -> str:
    return "n/a" if v is None else f"{v:,.0f}"


def _t_per_unit(unit: str) -> float:
    from stockpile.units import exact_factor

    f = exact_factor(unit, "metric_ton")
    return f.numerator / f.denominator


class PlanCheck(BaseModel):
    """Out-of-sample check of a plan: objective in and out of sample, gap bound [USD]."""

    model_config = ConfigDict(frozen=True)

    in_sample_usd: Money
    out_of_sample_usd: Money
    out_of_sample_half_width_usd: Money
    gap_usd: Money
    gap_upper_usd: Money
    relative_gap: float
    runs: int
    batches: int

    @classmethod
    def of(cls, check: SampleCheck) -> PlanCheck:
        """From :class:`stockpile.plan.SampleCheck`."""
        half = check.out_of_sample.half_width
        return cls(
            in_sample_usd=money(check.in_sample),
            out_of_sample_usd=money(check.out_of_sample.mean),
            out_of_sample_half_width_usd=money(half if math.isfinite(half) else 0.0),
            gap_usd=money(check.gap.mean),
            gap_upper_usd=money(
                max(check.gap.upper, 0.0) if math.isfinite(check.gap.upper) else 0.0
            ),
            relative_gap=check.relative_gap,
            runs=check.runs,
            batches=check.batches,
        )

    def to_text(self) -> str:
        """One line."""
        return (
            f"sample check ({self.batches} independent batches of {self.runs:,} runs): objective "
            f"in sample {float(self.in_sample_usd):,.0f}, out of sample "
            f"{float(self.out_of_sample_usd):,.0f} +/- "
            f"{float(self.out_of_sample_half_width_usd):,.0f} USD (95%); optimality gap <= "
            f"{float(self.gap_upper_usd):,.0f} USD ({self.relative_gap:.2%}, Mak-Morton-Wood, 95%)"
        )
