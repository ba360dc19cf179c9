"""The brief: what the programme's money buys, and what the supplier's answers do to it.

One run answers, with sources and labelled assumptions, by calling the other use cases:

1. the stockpile today: value, days of cover, the materials most exposed (risk by stage);
2. what the programme's money buys at current prices, and the days of cover and valued
   shortfall it gains under the built-in disruption scenarios (:func:`size_plan`);
3. what each of the supplier's answers does: export controls at their best response
   (:func:`robust_plan`), and the levers of the answers scenario (reserve release, new supply
   abroad, substitution, low-grade ore, recycling at 25% and 40%) compared on common random
   numbers (:func:`compare_variants`);
4. what the planner should change: the plan re-optimised under each answer
   (:func:`size_plan` on ``ANSWERS#VARIANT``).

Every number in the brief is a field of the report of the use case it quotes; the brief adds
no computation of its own beyond picking rows.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable

from pydantic import BaseModel, ConfigDict, Field

from stockpile.usecases.compare import CompareReport, CompareRequest, compare_variants
from stockpile.usecases.errors import Progress
from stockpile.usecases.holdings import ModelHoldings
from stockpile.usecases.money import Money
from stockpile.usecases.risk import RiskRow, risk_ranking
from stockpile.usecases.sizing import (
    RobustReport,
    RobustRequest,
    SizeReport,
    SizeRequest,
    robust_plan,
    size_plan,
)

__all__ = ["BriefReport", "BriefRequest", "LeverEffect", "ProgrammeRun", "brief"]

DEFAULT_SCENARIOS = ("china-export-ban-us-2024", "drc-cobalt-2025")
ANSWERS = "supplier-answers-2025"


class BriefRequest(BaseModel):
    """What the brief covers; the defaults answer the 2025 U.S. programme's question."""

    model_config = ConfigDict(frozen=True)

    budget: float = Field(default=1e9, gt=0, le=1e13, description="Money to spend [USD]")
    programme: str = Field(default="dla-2025", description="Purchase programme (name or file)")
    scenarios: tuple[str, ...] = Field(
        default=DEFAULT_SCENARIOS, min_length=1, description="Disruption scenarios to plan for"
    )
    answers: str = Field(
        default=ANSWERS, description="Scenario whose variants are the supplier's answers"
    )
    supplier: str = Field(default="CHN", pattern="^[A-Za-z]{3}$")
    runs: int = Field(default=1000, ge=100, le=100_000, description="Monte Carlo runs per run")
    seed: int = Field(default=0, ge=0, le=2**32 - 1)
    risk_year: int = Field(default=2024, ge=2000, le=2100)
    exposed: int = Field(default=8, ge=1, le=40, description="Most exposed materials listed")


class ExposedMaterial(BaseModel):
    """One of the most exposed materials (a row of the risk table)."""

    model_config = ConfigDict(frozen=True)

    material: str
    bottleneck_stage: str | None
    hhi: float | None
    top_producer: str | None
    top_share: float | None
    nir: float | None
    china_import_share: float | None
    controls: str | None
    risk_score: float | None
    source: str | None

    @classmethod
    def of(cls, row: RiskRow) -> ExposedMaterial:
        """From a risk-table row."""
        return cls(
            material=row.material,
            bottleneck_stage=row.bottleneck_stage or row.stage,
            hhi=row.bottleneck_hhi if row.bottleneck_hhi is not None else row.hhi,
            top_producer=row.top_producer,
            top_share=row.top_share,
            nir=row.nir_published,
            china_import_share=row.china_import_share,
            controls=row.export_control_status,
            risk_score=row.risk_score,
            source=row.bottleneck_source or row.source,
        )


class ProgrammeRun(BaseModel):
    """The programme's plan under one scenario (the quoted :class:`SizeReport`)."""

    model_config = ConfigDict(frozen=True)

    scenario: str
    report: SizeReport


class LeverEffect(BaseModel):
    """One supplier answer: its effect on one material and on the plan.

    ``shortfall_change_t`` and ``peak_price_change`` are variant - base on common random
    numbers with their 95% intervals; ``purchase_t`` is the plan re-optimised under the answer
    and ``purchase_change_t`` its difference from the plan under the base [t].
    """

    model_config = ConfigDict(frozen=True)

    answer: str
    title: str
    material: str
    shortfall_change_t: float | None
    shortfall_change_low: float | None
    shortfall_change_high: float | None
    peak_price_change: float | None
    purchase_t: float | None
    purchase_change_t: float | None
    cost_usd: Money | None
    note: str


class BriefReport(BaseModel):
    """The brief (see the module doc); ``sources`` and ``assumptions`` list what it rests on."""

    model_config = ConfigDict(frozen=True)

    kind: str = "brief"
    generated_on: dt.date
    budget_usd: float
    programme: str
    holdings_note: str
    holdings: list[dict[str, str | float | None]]
    exposed: list[ExposedMaterial]
    programme_runs: list[ProgrammeRun]
    export_controls: RobustReport
    answers: CompareReport
    answers_base_plan: SizeReport
    lever_effects: list[LeverEffect]
    assumptions: list[str]
    sources: list[str]

    def planner_changes(self) -> list[str]:
        """Section 4: how each answer changes the re-optimised plan, one line per change (an
        answer on a material without a programme line says so with its shortfall change)."""
        out: list[str] = []
        for lv in self.lever_effects:
            if lv.purchase_change_t is not None and abs(lv.purchase_change_t) >= 0.5:
                verb = "buy more" if lv.purchase_change_t > 0 else "buy less"
                out.append(
                    f"if {lv.answer}: {verb} {lv.material} ({_n(abs(lv.purchase_change_t))} t)"
                )
            elif (
                lv.purchase_t is None
                and lv.shortfall_change_t is not None
                and abs(lv.shortfall_change_t) >= 0.5
            ):
                out.append(
                    f"if {lv.answer}: {lv.material} shortfall {lv.shortfall_change_t:+,.0f} t; "
                    f"programme {self.programme} has no {lv.material} line to re-optimise"
                )
        return out

    def to_text(self) -> str:
        """The brief as plain text, section by section."""
        out = [
            f"BRIEF {self.generated_on}: what ${self.budget_usd:,.0f} of programme "
            f"{self.programme} buys, and what the supplier's answers do to it",
            "",
            "1. The stockpile today",
            f"   holdings: {self.holdings_note}",
        ]
        for h in self.holdings:
            out.append(f"   {h['material']:<12} {_n(h.get('quantity'))} {h.get('unit', '')}")
        out.append("   most exposed (risk = HHI x NIR at the bottleneck stage):")
        for e in self.exposed:
            out.append(
                f"   {e.material:<20} stage {e.bottleneck_stage or '?':<10} HHI {_n(e.hhi)} "
                f"top {e.top_producer or '?'} {_pct(e.top_share)}  NIR {_n(e.nir)}  "
                f"controls {e.controls or '-'}  [{e.source or 'no source'}]"
            )
        out += ["", "2. What the programme buys at current prices"]
        for run in self.programme_runs:
            out.append(f"   under {run.scenario}:")
            out += ["   " + line for line in _terms_lines(run.report)]
        out += ["", "3. The supplier's answers"]
        ec = self.export_controls
        out.append(
            f"   export controls at their best response ({ec.scenario}): "
            f"{ec.supplier_best_response.to_text()}"
        )
        out.append(f"   robust plan: {ec.robust_plan.summary_line()}")
        out.append(
            f"   {'answer':<20} {'material':<10} {'d shortfall [t] (95%)':>30} "
            f"{'d peak P/P0':>11} {'re-optimised buy [t]':>21} {'change [t]':>11}"
        )
        for lv in self.lever_effects:
            ci = (
                f"{_n(lv.shortfall_change_t)} [{_n(lv.shortfall_change_low)}, "
                f"{_n(lv.shortfall_change_high)}]"
            )
            out.append(
                f"   {lv.answer:<20} {lv.material:<10} {ci:>30} {_n(lv.peak_price_change, 2):>11} "
                f"{_n(lv.purchase_t):>21} {_n(lv.purchase_change_t):>11}"
            )
        out += ["", "4. What the planner should change"]
        out += [f"   {line}" for line in self.planner_changes()]
        out += ["", "Assumptions:"] + [f"   - {a}" for a in self.assumptions]
        out += ["Sources:"] + [f"   - {s}" for s in self.sources]
        return "\n".join(out)


def _n(value: float | str | None, digits: int = 0) -> str:
    if value is None or isinstance(value, str):
        return "n/a" if value is None else value
    if not math.isfinite(value):
        return "n/a"
    return f"{value:,.{digits}f}"


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.0f}%"


def _terms_lines(report: SizeReport) -> list[str]:
    if report.terms is None:
        return [report.plan.summary_line()]
    lines = [
        f"{'material':<12}{'buy [t]':>10}{'cost [USD]':>16}  {'price [USD/unit] (year, basis)':<40}"
        f"{'cover before->after [d]':>24}{'unmet before->after [USD]':>32}"
    ]
    for m in report.terms.materials:
        price = (
            f"{m.price.usd_per_unit:,.2f} ({m.price.year}, {m.price.basis})" if m.price else "n/a"
        )
        before = sum(float(v) for v in m.unmet_usd_before.values())
        after = sum(float(v) for v in m.unmet_usd_after.values())
        lines.append(
            f"{m.material:<12}{m.quantity_t:>10,.1f}{float(m.cost_usd):>16,.0f}  {price:<40}"
            f"{_n(m.days_cover_total_before):>12} -> {_n(m.days_cover_total_after):<8}"
            f"{before:>18,.0f} -> {after:<12,.0f}"
        )
    vs = report.terms
    lines.append(
        f"valued shortfall (expected): {float(vs.valued_shortfall_before.expected_usd):,.0f} -> "
        f"{float(vs.valued_shortfall_after.expected_usd):,.0f} USD for "
        f"{float(vs.total_cost_usd):,.0f} USD"
    )
    return lines


def _purchases(report: SizeReport) -> dict[str, float]:
    if report.terms is not None:
        return {m.material: m.quantity_t for m in report.terms.materials}
    return {p.material: p.quantity for p in report.plan.materials}


def _costs(report: SizeReport) -> dict[str, Money]:
    if report.terms is not None:
        return {m.material: m.cost_usd for m in report.terms.materials}
    return {p.material: p.cost_usd for p in report.plan.materials}


def _touched(answers: str) -> dict[str, set[str]]:
    """Variant name -> keys of the materials its levers and events act on (empty: all)."""
    from stockpile.reference import get_material
    from stockpile.simulate import resolve_scenario

    scenario, _ = resolve_scenario(answers)
    out: dict[str, set[str]] = {}
    for v in scenario.variants:
        names: list[str] = [lv.material for lv in v.levers]
        whole = False
        for ev in [*v.events, *(e for e in scenario.events if e.id in v.drop_events)]:
            if ev.materials is None:
                whole = True
            else:
                names += ev.materials
        out[v.name] = set() if whole else {get_material(n).key for n in names}
    return out


def brief(
    request: BriefRequest,
    *,
    holdings: ModelHoldings | None = None,
    progress: Progress | None = None,
    today: Callable[[], dt.date] = dt.date.today,
) -> BriefReport:
    """Run the brief (see the module doc)."""
    steps = len(request.scenarios) + 3
    done = 0

    def step(message: str) -> None:
        nonlocal done
        if progress is not None:
            progress(done / steps, message)
        done += 1

    step("risk by stage")
    table = risk_ranking(year=request.risk_year)
    exposed = [ExposedMaterial.of(r) for r in table.materials[: request.exposed]]

    def plan(scenario: str) -> SizeReport:
        return size_plan(
            SizeRequest(
                budget=request.budget,
                scenarios=(scenario,),
                programme=request.programme,
                runs=request.runs,
                seed=request.seed,
                check_batches=0,
            ),
            holdings=holdings,
        )

    runs = []
    for name in request.scenarios:
        step(f"programme plan under {name}")
        runs.append(ProgrammeRun(scenario=name, report=plan(name)))
    step("export controls at the supplier's best response")
    robust = robust_plan(
        RobustRequest(
            budget=request.budget,
            scenario=request.scenarios[0],
            supplier=request.supplier,
            programme=request.programme,
            runs=request.runs,
            seed=request.seed,
        ),
        holdings=holdings,
    )
    step("the supplier's other answers on common random numbers")
    answers = compare_variants(
        CompareRequest(base=request.answers, runs=request.runs, seed=request.seed),
        holdings=holdings,
    )
    base_plan = plan(request.answers)
    base_buy = _purchases(base_plan)
    effects: list[LeverEffect] = []
    touched = _touched(request.answers)
    for variant in answers.variants[1:]:
        name = variant.name.removeprefix(f"{answers.base}--")
        replanned = plan(f"{request.answers}#{name}")
        buy, cost = _purchases(replanned), _costs(replanned)
        for m in variant.materials:
            if touched.get(name) and m.material not in touched[name]:
                continue  # a material the answer does not act on
            d, p = m.diff_shortfall, m.diff_peak_price_ratio
            bought = buy.get(m.material)
            effects.append(
                LeverEffect(
                    answer=name,
                    title=variant.title,
                    material=m.material,
                    shortfall_change_t=None if d is None else d.mean,
                    shortfall_change_low=None if d is None else d.low,
                    shortfall_change_high=None if d is None else d.high,
                    peak_price_change=None if p is None else p.mean,
                    purchase_t=bought,
                    purchase_change_t=None
                    if bought is None
                    else bought - base_buy.get(m.material, 0.0),
                    cost_usd=cost.get(m.material),
                    note="; ".join(variant.lever_notes),
                )
            )
    if progress is not None:
        progress(1.0, "done")
    held: list[dict[str, str | float | None]] = [
        {"material": h.material, "quantity": h.quantity, "unit": h.unit}
        for h in (holdings.items if holdings is not None else ())
    ]
    assumptions = sorted(
        {a for r in runs for a in r.report.assumptions}
        | {n for v in answers.variants for n in v.lever_notes if "ASSUMPTION" in n}
    )
    sources = sorted(
        {e.source for e in exposed if e.source}
        | {
            m.price.source
            for r in runs
            if r.report.terms is not None
            for m in r.report.terms.materials
            if m.price is not None
        }
        | {n for v in answers.variants for n in v.lever_notes if "ASSUMPTION" not in n}
    )
    return BriefReport(
        generated_on=today(),
        budget_usd=request.budget,
        programme=request.programme,
        holdings_note=holdings.note if holdings is not None else "each scenario's own holdings",
        holdings=held,
        exposed=exposed,
        programme_runs=runs,
        export_controls=robust,
        answers=answers,
        answers_base_plan=base_plan,
        lever_effects=effects,
        assumptions=assumptions,
        sources=sources,
    )
