"""Ore against metal: the plan sized under each form in which a material could be bought.

For one material of a scenario, each option (the form in which U.S. imports arrive, and each
``form_comparison`` option of the scenario: oxide, concentrate separated abroad,
concentrate separated only in the cut country...) is simulated bare on the same draws, with
the purchase route of that form (:mod:`stockpile.simulate.routes`): the servable gap is what
a stock in that form can deliver each month (release capacity, and for an upstream form the
conversion capacity outside the cut countries from onset + conversion lead). A priced option
(:func:`stockpile.plan.form_price`) is sized under the budget like ``plan size`` (cost +
expected valued shortfall, from zero holdings, no caps); an unpriced one is compared by
quantity only (the quantity of the first sized option, or ``quantity``, or the option's own
lot quantity) and labelled unpriced. Unmet demand: the stock is released highest class first
against the servable gaps; the rest of the gap stays unmet.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field

from stockpile.plan import (
    FormPrice,
    LossValues,
    MaterialLimits,
    Objective,
    PlanError,
    PriceCurve,
    SizingProblem,
    consumption_from_compiled,
    form_price,
    purchase_prices,
    restrict_sample,
    sample_from_simulation,
    size_stockpile,
)
from stockpile.simulate import (
    CompiledScenario,
    PurchaseRoute,
    Scenario,
    compile_scenario,
    resolve_scenario,
    route_choices,
    simulate,
)
from stockpile.simulate.routes import arrival_stage
from stockpile.usecases.errors import Progress, UseCaseInputError
from stockpile.usecases.money import Money, money
from stockpile.usecases.plan_terms import PriceLine
from stockpile.usecases.sizing import ClassWeights

__all__ = ["FormLine", "FormsReport", "FormsRequest", "plan_forms"]

CLASSES = ("defence", "essential", "other")
FloatArray = npt.NDArray[np.float64]


class FormsRequest(BaseModel):
    """Compare buying a material in each of its forms on the same simulated draws."""

    model_config = ConfigDict(frozen=True)

    scenario: str = Field(default="china-rare-earths-2025", min_length=1)
    material: str | None = Field(
        default=None, description="Material compared (default: the one with form options)"
    )
    budget: float = Field(gt=0, le=1e13, description="Budget of each sized option [USD]")
    options: tuple[str, ...] = Field(
        default=(),
        description="Forms or form_comparison option ids (default: the arrival form and "
        "every form_comparison option of the material)",
    )
    quantity: float | None = Field(
        default=None, gt=0, description="Quantity compared for unpriced options [unit]"
    )
    runs: int = Field(default=20_000, ge=1, le=1_000_000)
    seed: int = Field(default=0, ge=0, le=2**32 - 1)
    price_year: int | None = Field(default=None, ge=1900, le=2100)
    weights: ClassWeights = ClassWeights()


class FormLine(BaseModel):
    """One form option, in the planner's terms.

    ``quantity`` [unit] (``quantity_t`` [t]); ``cost_usd`` null when unpriced; expected gaps,
    servable gaps and unmet demand per class [t], unmet at the value of lost use [USD] (null
    without a reference price); days of cover of the quantity [day] (held / daily U.S.
    consumption, total and priority; an upstream form is usable only through conversion).
    """

    model_config = ConfigDict(frozen=True)

    option: str
    form: str
    upstream: bool
    sized: bool
    unit: str
    quantity: float
    quantity_t: float
    cost_usd: Money | None
    price: PriceLine | None
    price_note: str
    release_capacity: float | None
    conversion_capacity: float | None
    conversion_lead: float | None
    gap_t: dict[str, float]
    servable_t: dict[str, float]
    unmet_t_before: dict[str, float]
    unmet_t_after: dict[str, float]
    unmet_usd_before: dict[str, Money] | None
    unmet_usd_after: dict[str, Money] | None
    days_cover_total: float | None
    days_cover_priority: float | None


class FormsReport(BaseModel):
    """The form options of one material side by side."""

    model_config = ConfigDict(frozen=True)

    kind: Literal["forms"] = "forms"
    scenario: str
    material: str
    unit: str
    runs: int
    seed: int
    budget_usd: Money
    lines: list[FormLine]
    notes: list[str]

    def to_text(self) -> str:
        """The side-by-side table."""
        head = (
            f"scenario {self.scenario}, {self.runs:,} runs, seed {self.seed}; {self.material} "
            f"bought in each form from zero holdings, budget {float(self.budget_usd):,.0f} USD"
        )
        cols = (
            f"{'option':<32}{'form':<9}{'buy t':>9}{'cost USD':>14}  {'price':<26}"
            f"{'servable t':>11}{'unmet t before -> after':>26}{'unmet USD before -> after':>28}"
            f"{'days cover tot/prio':>21}"
        )
        out = [head, cols]
        for ln in self.lines:
            price = (
                "unpriced"
                if ln.price is None
                else f"{ln.price.usd_per_unit:,.0f}/{ln.unit} ({ln.price.year})"
            )
            cost = "unpriced" if ln.cost_usd is None else f"{float(ln.cost_usd):,.0f}"
            before, after = sum(ln.unmet_t_before.values()), sum(ln.unmet_t_after.values())
            usd = (
                "n/a"
                if ln.unmet_usd_before is None or ln.unmet_usd_after is None
                else f"{sum(map(float, ln.unmet_usd_before.values())):,.0f} -> "
                f"{sum(map(float, ln.unmet_usd_after.values())):,.0f}"
            )
            cover = f"{_d(ln.days_cover_total)}/{_d(ln.days_cover_priority)}"
            out.append(
                f"{ln.option:<32}{ln.form:<9}{ln.quantity_t:>9,.1f}{cost:>14}  {price:<26}"
                f"{sum(ln.servable_t.values()):>11,.1f}{f'{before:,.1f} -> {after:,.1f}':>26}"
                f"{usd:>28}{cover:>21}"
            )
        out.append(
            "buy t: sized under the budget where the form is priced, else the quantity compared "
            "(unpriced); servable t: expected gap a stock in that form can deliver in the month "
            "it arises (release capacity; conversion outside the cut countries from onset + "
            "lead); unmet = expected gap (all classes) not served, before and after holding "
            "the quantity; days cover = quantity / (U.S. consumption / 365)"
        )
        for ln in self.lines:
            classes = "/".join(ln.unmet_t_after)
            out.append(
                f"{ln.option}: unmet {classes} t {_by(ln.unmet_t_before)} -> "
                f"{_by(ln.unmet_t_after)}; servable {_by(ln.servable_t)} of gap {_by(ln.gap_t)}"
                + (
                    f"; conversion {ln.conversion_capacity:,.6g} {ln.unit}/month from onset + "
                    f"{ln.conversion_lead:g} months"
                    if ln.conversion_capacity is not None and ln.conversion_lead is not None
                    else ""
                )
            )
            out.append(
                f"{ln.option}: price "
                + (
                    f"{ln.price.usd_per_unit:,.2f} USD/{ln.unit} ({ln.price.year}, "
                    f"{ln.price.basis}): {ln.price.source}"
                    if ln.price is not None
                    else "unpriced"
                )
                + (f"; {ln.price_note}" if ln.price_note else "")
            )
        out.extend(f"note: {n}" for n in self.notes)
        return "\n".join(out)


@dataclass(frozen=True)
class _Run:
    """One option's bare run: its gaps and servable gaps [S, 3] [unit], route and price."""

    option: str
    form: str
    upstream: bool
    fp: FormPrice
    quantity: float | None
    lot_qty: float | None
    gaps: FloatArray
    servable: FloatArray
    route: PurchaseRoute | None
    release: float | None


def _d(v: float | None) -> str:
    return "n/a" if v is None else f"{v:,.0f}"


def _by(values: dict[str, float]) -> str:
    return "/".join(f"{v:,.1f}" for v in values.values())


def _quiet(name: str) -> str | None:
    from stockpile.reference import UnknownMaterialError, get_material

    try:
        return get_material(name).key
    except UnknownMaterialError:
        return None


def _arrival(model: CompiledScenario, key: str) -> str:
    """The stage at which U.S. imports of ``key`` arrive ("" without stage data)."""
    return arrival_stage(key, model.baselines[model.keys.index(key)], model.networks)


def _options(
    model: CompiledScenario, scenario: Scenario, key: str, asked: tuple[str, ...]
) -> list[tuple[str, str, float | None]]:
    """(option, form, lot quantity [unit] or None) of each option compared."""
    arrival = _arrival(model, key)
    routes = route_choices(scenario, key, _quiet)
    options: list[tuple[str, str, float | None]] = [
        (label, lot.form.strip().lower(), float(lot.quantity))
        for label, lot in routes
        if label != lot.form.strip().lower()  # form_comparison options (stockpile.forms aside)
    ]
    if asked:
        by = {label.lower(): (label, form, q) for label, form, q in options}
        out: list[tuple[str, str, float | None]] = []
        for a in asked:
            low = a.strip().lower()
            out.append(by.get(low, (low, low, None)))
        return out
    if arrival and not any(form == arrival for _, form, _ in options):
        options.insert(0, (arrival, arrival, None))
    if not options:
        raise UseCaseInputError(
            "options",
            f"{key}: the scenario gives no form option (form_comparison); name the forms",
        )
    return options


def _unmet(gaps: FloatArray, servable: FloatArray, stock: float) -> FloatArray:
    """Expected unmet demand per class [unit] when ``stock`` is released highest class first
    against the servable gaps [S, K]; the gap beyond them stays unmet."""
    cum = np.cumsum(servable, axis=1)
    short = np.clip(cum - stock, 0.0, servable)
    return np.asarray((gaps - servable + short).mean(axis=0), dtype=np.float64)


def plan_forms(request: FormsRequest, *, progress: Progress | None = None) -> FormsReport:
    """Size (or, unpriced, compare by quantity) the purchase of one material in each form.

    Parameters
    ----------
    request : scenario, material, budget, options and run size.
    progress : called with the fraction done.
    """
    from stockpile.reference import UnknownMaterialError, get_material
    from stockpile.units import exact_factor

    sc, source = resolve_scenario(request.scenario)
    base = compile_scenario(sc, source=source)
    if request.material is not None:
        try:
            key = get_material(request.material).key
        except UnknownMaterialError:
            raise UseCaseInputError("material", f"unknown material {request.material!r}") from None
        if key not in base.keys:
            raise UseCaseInputError("material", f"{key} is not a material of {source}")
    else:
        with_forms = [k for k in base.keys if route_choices(sc, k, _quiet)]
        candidates = with_forms or list(base.keys)
        if len(candidates) != 1:
            raise UseCaseInputError(
                "material", f"name the material compared: one of {', '.join(candidates)}"
            )
        key = candidates[0]
    j = base.keys.index(key)
    unit = base.units[j]
    t_per_unit = float(exact_factor(unit, "metric_ton"))
    options = _options(base, sc, key, request.options)
    zero = {k: (0.0, u) for k, u in zip(base.keys, base.units, strict=True)}
    loss = LossValues(request.weights.defence, request.weights.essential, 0.0)
    kg = float(exact_factor(unit, "kilogram"))
    ref_price = float(base.price_usd_per_kg[j]) * kg
    values = (
        loss.class_values((key,), CLASSES, np.array([ref_price]), [kg])[0]
        if math.isfinite(ref_price)
        else None
    )
    cons = consumption_from_compiled(base).get(key)
    served = [c.value for c in sc.stockpile.serve]
    notes = [
        f"the scenario's stockpile serves {', '.join(served)}; the figures here count every "
        "class (defence first) to show what each form could deliver; priced options are "
        "sized on defence and essential gaps, as plan size",
        "each option simulated on the same draws (same seed): identical gaps, different routes",
        "value of lost use: defence "
        f"{request.weights.defence:g}x, essential {request.weights.essential:g}x, other 0x "
        "the reference price per unit short (USD n/a without a reference price)",
    ]
    rows: list[_Run] = []
    sized_qty: float | None = None
    for n, (option, form, lot_qty) in enumerate(options):
        if progress is not None:
            progress(n / len(options), f"option {option}")
        bare = compile_scenario(
            sc, holdings=zero, holdings_note="none", source=source, purchase_forms={key: option}
        )
        res = simulate(bare, runs=request.runs, seed=request.seed)
        gaps = np.nan_to_num(res.shortfall_by_class[:, j, :])
        sv = res.servable_by_class
        servable = gaps if sv is None else np.nan_to_num(sv[:, j, :])
        route = bare.route
        upstream = route is not None and bool(route.upstream[j])
        arrival = _arrival(bare, key) or form
        arrival_price = None
        if not upstream:
            try:
                arrival_price = purchase_prices((key,), (unit,), year=request.price_year)[key]
            except PlanError:
                arrival_price = None
        fp = form_price(
            key,
            unit,
            form,
            arrival=arrival,
            year=request.price_year,
            arrival_price=arrival_price,
        )
        quantity: float | None = None
        if fp.price is not None:
            try:
                sample, _ = sample_from_simulation(res, request.weights.pair(), loss_values=loss)
                sample = restrict_sample(sample, (key,))
                problem = SizingProblem(
                    sample,
                    request.budget,
                    (PriceCurve.flat(fp.price.usd_per_unit, fp.price.source),),
                    MaterialLimits.none(1),
                )
                plan = size_stockpile(problem, Objective.parse("expected", weigh_cost=True))
                quantity = float(plan.quantities[0])
                if sized_qty is None:
                    sized_qty = quantity
            except PlanError as exc:
                notes.append(f"{option}: not sized ({exc})")
        cap = bare.release_capacity
        rows.append(
            _Run(
                option,
                form,
                upstream,
                fp,
                quantity,
                lot_qty,
                gaps,
                servable,
                route,
                None if cap is None or not math.isfinite(cap[j]) else float(cap[j]),
            )
        )
    lines: list[FormLine] = []
    for row in rows:
        if row.quantity is not None:
            q = row.quantity
        elif request.quantity is not None:
            q = request.quantity
        elif sized_qty is not None:
            q = sized_qty
        elif row.lot_qty is not None:
            q = row.lot_qty
            notes.append(f"{row.option}: compared at the quantity of its scenario lot")
        else:
            raise UseCaseInputError(
                "quantity", f"{row.option} is unpriced: give the quantity to compare"
            )
        before = _unmet(row.gaps, row.servable, 0.0)
        after = _unmet(row.gaps, row.servable, q)
        price = row.fp.price
        route = row.route if row.upstream else None
        lines.append(
            FormLine(
                option=row.option,
                form=row.form,
                upstream=row.upstream,
                sized=row.quantity is not None,
                unit=unit,
                quantity=q,
                quantity_t=q * t_per_unit,
                cost_usd=None if price is None else money(q * price.usd_per_unit),
                price=None
                if price is None
                else PriceLine(
                    usd_per_unit=price.usd_per_unit,
                    year=price.year,
                    basis=price.basis,
                    source=price.source,
                ),
                price_note=row.fp.note,
                release_capacity=row.release,
                conversion_capacity=None if route is None else float(route.conversion_capacity[j]),
                conversion_lead=None if route is None else float(route.conversion_lead[j]),
                gap_t=_per_class(row.gaps.mean(axis=0) * t_per_unit),
                servable_t=_per_class(row.servable.mean(axis=0) * t_per_unit),
                unmet_t_before=_per_class(before * t_per_unit),
                unmet_t_after=_per_class(after * t_per_unit),
                unmet_usd_before=None if values is None else _usd(before * values),
                unmet_usd_after=None if values is None else _usd(after * values),
                days_cover_total=_cover(q, None if cons is None else cons.total),
                days_cover_priority=_cover(q, None if cons is None else cons.priority),
            )
        )
    if progress is not None:
        progress(1.0, "done")
    return FormsReport(
        scenario=source,
        material=key,
        unit=unit,
        runs=request.runs,
        seed=request.seed,
        budget_usd=money(request.budget),
        lines=lines,
        notes=notes,
    )


def _per_class(values: FloatArray) -> dict[str, float]:
    return {c: float(v) for c, v in zip(CLASSES, values, strict=True)}


def _usd(values: FloatArray) -> dict[str, Money]:
    return {c: money(float(v)) for c, v in zip(CLASSES, values, strict=True)}


def _cover(quantity: float, per_year: float | None) -> float | None:
    from stockpile.cover import days_of_cover

    if per_year is None or not math.isfinite(per_year) or per_year <= 0:
        return None
    return float(days_of_cover(quantity, per_year))
