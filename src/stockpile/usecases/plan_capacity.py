"""Release capacity and purchase forms in a plan: what the depots (and conversion) cannot
deliver, per material, and the form each purchase is made in.

The bare run of each scenario measures the servable gaps (:mod:`stockpile.simulate.routes`);
the planner sizes on those, and the rest of the gap, expected per class, is reported here as
"unmet beyond release capacity" in tonnes and at the value of lost use [USD].
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import numpy.typing as npt

from stockpile.plan import PriceUsed, ShortfallSample, form_price
from stockpile.simulate import CompiledScenario
from stockpile.simulate.routes import arrival_stage
from stockpile.usecases.errors import UseCaseInputError
from stockpile.usecases.money import money
from stockpile.usecases.plan_terms import CapacityLine

__all__ = [
    "bought_forms",
    "capacity_lines",
    "parse_forms",
    "pool_beyond",
    "route_notes",
    "upstream_prices",
]

FloatArray = npt.NDArray[np.float64]


def pool_beyond(parts: Sequence[Mapping[str, FloatArray]]) -> dict[str, FloatArray]:
    """Expected unmet demand beyond capacity [unit] per material and class, pooled over
    scenario sets with equal weight (as :func:`stockpile.plan.combine_samples`): a set that
    does not bound a material adds nothing."""
    if not parts:
        return {}
    out: dict[str, FloatArray] = {}
    for part in parts:
        for key, value in part.items():
            out[key] = out.get(key, np.zeros_like(value)) + value / len(parts)
    return out


def _t_per_unit(unit: str) -> float:
    from stockpile.units import exact_factor

    return float(exact_factor(unit, "metric_ton"))


def capacity_lines(
    beyond: Mapping[str, FloatArray],
    sample: ShortfallSample,
    models: Sequence[CompiledScenario],
    forms: Mapping[str, str] | None = None,
) -> list[CapacityLine]:
    """One :class:`CapacityLine` per planned material whose releases are bounded.

    Parameters
    ----------
    beyond : expected unmet demand beyond capacity per material and class [unit]
        (:func:`stockpile.plan.beyond_capacity`, pooled).
    sample : the planning sample (materials, units, classes, values of lost use [USD/unit]).
    models : the bare compiled scenarios (release capacity, purchase route).
    forms : the form bought per material (default: the arrival form).
    """
    values = sample.values
    lines = []
    for i, key in enumerate(sample.materials):
        if key not in beyond:
            continue
        unit = sample.units[i]
        release: float | None = None
        conversion: float | None = None
        lead: float | None = None
        for model in models:
            if key not in model.keys:
                continue
            j = model.keys.index(key)
            cap = model.release_capacity
            if cap is not None and math.isfinite(cap[j]):
                release = float(cap[j])
            route = model.route
            if route is not None and route.upstream[j]:
                conversion = float(route.conversion_capacity[j])
                lead = float(route.conversion_lead[j])
            break
        t = beyond[key] * _t_per_unit(unit)
        usd = beyond[key] * values[i]
        by_t = {c: float(v) for c, v in zip(sample.class_names, t, strict=True)}
        by_usd = {c: money(float(v)) for c, v in zip(sample.class_names, usd, strict=True)}
        lines.append(
            CapacityLine(
                material=key,
                unit=unit,
                form=(forms or {}).get(key, "arrival form"),
                release_capacity=release,
                conversion_capacity=conversion,
                conversion_lead=lead,
                unmet_t_before=by_t,
                unmet_t_after=dict(by_t),
                unmet_usd_before=by_usd,
                unmet_usd_after=dict(by_usd),
            )
        )
    return lines


def parse_forms(texts: Sequence[str], programme_forms: Mapping[str, str]) -> dict[str, str]:
    """Form bought per material key: the programme's ``form:`` entries, then ``MAT=FORM``
    options (a stage name or a scenario's ``form_comparison`` option id) over them."""
    from stockpile.reference import UnknownMaterialError, get_material

    out = dict(programme_forms)
    for text in texts:
        name, sep, form = text.partition("=")
        if not sep or not name.strip() or not form.strip():
            raise UseCaseInputError("forms", f"expected MATERIAL=FORM, got {text!r}")
        try:
            key = get_material(name.strip()).key
        except UnknownMaterialError:
            raise UseCaseInputError(f"forms.{name.strip()}", "unknown material") from None
        out[key] = form.strip().lower()
    return out


def bought_forms(models: Sequence[CompiledScenario]) -> dict[str, tuple[str, bool]]:
    """Per material: the form a purchase is made in and whether it is upstream (served only
    through conversion); the arrival stage where no form was chosen (``"as imported"`` when
    the material has no stage network)."""
    out: dict[str, tuple[str, bool]] = {}
    for model in models:
        for j, key in enumerate(model.keys):
            if key in out:
                continue
            route = model.route
            arrival = arrival_stage(key, model.baselines[j], model.networks) or "as imported"
            if route is not None and route.forms[j]:
                out[key] = (route.forms[j], bool(route.upstream[j]))
            else:
                out[key] = (arrival, False)
    return out


def route_notes(models: Sequence[CompiledScenario]) -> list[str]:
    """What each purchase form means for the plan, per material."""
    notes: list[str] = []
    for model in models:
        route = model.route
        for j, key in enumerate(model.keys):
            if route is not None and route.upstream[j]:
                notes.append(
                    f"{key}: bought as {route.forms[j]}: serves demand only through conversion "
                    f"at {route.conversion_capacity[j]:,.6g} {model.units[j]}/month outside the "
                    f"cut countries, from the onset + {route.conversion_lead[j]:g} months; "
                    "holdings of it count as if held in that form"
                )
            elif key in model.networks:
                notes.append(
                    f"{key}: purchases are of the {model.networks[key].arrival.value} form "
                    "(where U.S. imports arrive); an upstream form serves only through "
                    "conversion (--form MAT=FORM, stockpile plan forms)"
                )
    return notes


def upstream_prices(
    materials: Sequence[str],
    units: Sequence[str],
    forms: Mapping[str, tuple[str, bool]],
    models: Sequence[CompiledScenario],
    year: int | None,
) -> dict[str, PriceUsed]:
    """Prices of the materials bought in an upstream form (:func:`stockpile.plan.form_price`).

    Raises
    ------
    UseCaseInputError
        ``form.<material>``: no price of the material in that form in the reference data.
    """
    out: dict[str, PriceUsed] = {}
    for key, unit in zip(materials, units, strict=True):
        form, upstream = forms.get(key, ("", False))
        if not upstream:
            continue
        arrival = next(
            (
                arrival_stage(key, m.baselines[m.keys.index(key)], m.networks)
                for m in models
                if key in m.keys
            ),
            "arrival",
        )
        fp = form_price(key, unit, form, arrival=arrival, year=year)
        if fp.price is None:
            raise UseCaseInputError(
                f"form.{key}",
                f"{fp.note}; compare forms by quantity with `stockpile plan forms`",
            )
        out[key] = fp.price
    return out
