"""Stockpile lots by form: a lot upstream of the arrival stage serves only through conversion.

``stockpile.forms`` lists lots in a form of the material's chain (:class:`~stockpile.reference.
Stage`): a lot in the arrival form (the stage at which U.S. imports arrive) adds to the usable
stock; a lot in an upstream form (ore, oxide) is held apart and converted, from the disruption
onset plus its conversion lead, at the conversion capacity of the countries that no scenario
event cuts at the conversion stages (the stages below the lot's form down to the arrival
stage). With no such capacity the lot serves nothing. The engine's conversion step
(:func:`stockpile.simulate._steps.step_conversion`) moves ``min(upstream, capacity)`` per month.

Simplification: a country cut at a conversion stage by any event of the scenario is left out
for the whole run (whatever the event's timing or probability), which understates what
conversion can do when the cut is short or unlikely.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from stockpile.reference import Stage, stage_chain
from stockpile.simulate.baseline import MaterialBaseline
from stockpile.simulate.scenario import ExportControl, Outage, Scenario
from stockpile.simulate.stages import StageNetwork, build_network

__all__ = ["CompiledForms", "compile_forms"]

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class CompiledForms:
    """Holdings in upstream forms and their conversion, per material [M].

    Attributes
    ----------
    upstream0 : quantity held in upstream forms [unit] (contained material).
    conversion_capacity : capacity outside the cut countries [unit/month].
    conversion_lead : months from the disruption onset to the first conversion [month].
    notes : what each lot became.
    """

    upstream0: FloatArray
    conversion_capacity: FloatArray
    conversion_lead: FloatArray
    notes: tuple[str, ...]


def _cut_countries(
    scenario: Scenario,
    key: str,
    stages: Sequence[Stage],
    resolve_material: Callable[[str], str | None],
    resolve_country: Callable[[str], str | None],
) -> set[str]:
    """Countries any event cuts for ``key`` at one of ``stages`` (or at no named stage)."""
    out: set[str] = set()
    names = {s.value for s in stages}
    for ev in scenario.events:
        if not isinstance(ev, ExportControl | Outage):
            continue
        if key not in {resolve_material(m) for m in ev.materials}:
            continue
        if ev.stage is not None and ev.stage.strip().lower() not in names:
            continue
        iso = resolve_country(ev.country)
        if iso is not None:
            out.add(iso)
    return out


def compile_forms(
    scenario: Scenario,
    keys: Sequence[str],
    baselines: Sequence[MaterialBaseline],
    networks: Mapping[str, StageNetwork],
    resolve_material: Callable[[str], str | None],
    resolve_country: Callable[[str], str | None],
) -> tuple[CompiledForms | None, FloatArray, tuple[tuple[str, str], ...]]:
    """Compile ``stockpile.forms``.

    Returns
    -------
    forms : upstream holdings and conversion (``None`` when no upstream lot is held).
    ready : quantity of arrival-form lots to add to the usable stock [M] [unit].
    problems : (field path, reason) of everything refused.
    """
    from stockpile.units import UnitError, exact_factor

    m = len(keys)
    ready = np.zeros(m)
    upstream = np.zeros(m)
    capacity = np.zeros(m)
    lead = np.zeros(m)
    notes: list[str] = []
    problems: list[tuple[str, str]] = []
    for i, lot in enumerate(scenario.stockpile.forms):
        path = f"stockpile.forms[{i}]"
        key = resolve_material(lot.material)
        if key is None:
            problems.append((f"{path}.material", f"unknown material {lot.material!r}"))
            continue
        if key not in keys:
            continue  # lots of materials outside the scenario are not simulated
        j = keys.index(key)
        chain = tuple(link.stage for link in stage_chain(key))
        names = ", ".join(s.value for s in chain) or "none"
        try:
            form = Stage(lot.form.strip().lower())
        except ValueError:
            problems.append((f"{path}.form", f"unknown form {lot.form!r}; {key}: {names}"))
            continue
        if form not in chain:
            problems.append((f"{path}.form", f"{key!r} has no {form.value!r} form; its: {names}"))
            continue
        net = networks.get(key)
        if net is None:
            try:
                net = build_network(
                    key, year=scenario.baseline.year, world_shares=baselines[j].world_shares
                )
            except ValueError as exc:
                problems.append((f"{path}.form", str(exc)))
                continue
        arrival = net.arrival
        if chain.index(form) > chain.index(arrival):
            problems.append(
                (
                    f"{path}.form",
                    f"{form.value!r} is downstream of the form U.S. demand uses "
                    f"({arrival.value!r}); hold it as {arrival.value!r}",
                )
            )
            continue
        try:
            factor = float(exact_factor(lot.unit, baselines[j].unit))
        except UnitError as exc:
            problems.append((f"{path}.unit", str(exc)))
            continue
        qty = lot.quantity * factor
        if form is arrival:
            ready[j] += qty
            notes.append(f"{key}: {qty:g} {baselines[j].unit} held as {form.value} (usable)")
            continue
        if not lot.conversion_capacity or not any(v > 0 for v in lot.conversion_capacity.values()):
            problems.append(
                (
                    f"{path}.conversion_capacity",
                    f"a lot held as {form.value!r} serves demand only through conversion to "
                    f"{arrival.value!r}: give the capacity by country [{lot.unit}/month]",
                )
            )
            continue
        conv_stages = chain[chain.index(form) + 1 : chain.index(arrival) + 1]
        cut = _cut_countries(scenario, key, conv_stages, resolve_material, resolve_country)
        usable = 0.0
        for country, cap in lot.conversion_capacity.items():
            iso = resolve_country(country)
            if iso is None:
                problems.append(
                    (
                        f"{path}.conversion_capacity.{country}",
                        f"unknown country {country!r} (use an ISO3 code or a USGS name)",
                    )
                )
                continue
            if iso not in cut:
                usable += cap * factor
        if upstream[j] > 0 and not math.isclose(lead[j], lot.conversion_lead_months):
            problems.append(
                (
                    f"{path}.conversion_lead_months",
                    f"{key}: upstream lots must share one conversion lead time",
                )
            )
            continue
        upstream[j] += qty
        capacity[j] += usable
        lead[j] = lot.conversion_lead_months
        left = ", ".join(sorted(cut & {resolve_country(c) or "" for c in lot.conversion_capacity}))
        notes.append(
            f"{key}: {qty:g} {baselines[j].unit} held as {form.value}, convertible at "
            f"{usable:g} {baselines[j].unit}/month"
            + (f" (capacity in {left} left out: cut there)" if left else "")
        )
    if not scenario.stockpile.forms:
        return None, ready, tuple(problems)
    return CompiledForms(upstream, capacity, lead, tuple(notes)), ready, tuple(problems)
