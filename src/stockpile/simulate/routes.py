"""Release capacity and purchase routes: what a stockpile can serve, month by month.

The depots ship at most an absolute monthly release capacity per material (from the ledger's
depot capacities or a scenario's ``stockpile.release_capacity``) [unit/month]; the engine
releases ``min(stock, share x initial holdings, absolute capacity, served gaps)`` a month.

For the planner, the engine also measures the *servable* gap of a bare run (no holdings):
per run and class, the sum over months of the month's gap served up to a capacity, highest
class first (``servable_by_class`` [S, M, 3]),

    served_1(t) = min(g_1(t), C),  served_k(t) = min(g_k(t), C - sum_(j<k) served_j(t)),

counted from month ``begin`` on. For a purchase in the arrival form, ``C`` is the absolute
release capacity and ``begin`` = 0; for a purchase in an upstream form (ore, concentrate),
``C = min(release capacity, conversion capacity outside the cut countries)`` and ``begin`` =
disruption onset + conversion lead (:class:`PurchaseRoute`). A stock of any size can serve no
more than this; the rest of the gap is "unmet beyond release capacity".
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from stockpile.simulate.baseline import MaterialBaseline
from stockpile.simulate.scenario import Scenario, StageForm
from stockpile.simulate.stages import StageNetwork

__all__ = [
    "PurchaseRoute",
    "arrival_stage",
    "compile_release_capacity",
    "compile_route",
    "route_choices",
]

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class PurchaseRoute:
    """How a purchase of each material reaches U.S. demand [M].

    Attributes
    ----------
    upstream : bought in a form upstream of the arrival stage (served only through
        conversion).
    conversion_capacity : conversion capacity outside the cut countries [unit/month]
        (``inf`` where ``upstream`` is False).
    conversion_lead : months from the disruption onset to the first conversion [month]
        (0 where ``upstream`` is False).
    forms : the form bought, per material (``""``: the arrival form).
    """

    upstream: BoolArray
    conversion_capacity: FloatArray
    conversion_lead: FloatArray
    forms: tuple[str, ...]


def compile_release_capacity(
    scenario: Scenario,
    keys: Sequence[str],
    baselines: Sequence[MaterialBaseline],
    given: Mapping[str, tuple[float, str]] | None,
    note: str | None,
    resolve_material: Callable[[str], str | None],
) -> tuple[FloatArray, str, tuple[tuple[str, str], ...]]:
    """Absolute monthly release capacity per material [unit/month] (``inf`` where none).

    Parameters
    ----------
    given : capacity by material name, ``(quantity, unit)`` [unit/month]; replaces the
        scenario's ``stockpile.release_capacity`` when not None.
    note : where ``given`` comes from.

    Returns
    -------
    capacity : [M] [unit/month], in each material's unit of account.
    note : provenance ("" when no capacity is given).
    problems : (field path, reason) of what was refused.
    """
    from stockpile.units import UnitError, exact_factor

    cap = np.full(len(keys), np.inf)
    problems: list[tuple[str, str]] = []
    if given is not None:
        items = [(name, q, u, f"release_capacity.{name}") for name, (q, u) in given.items()]
        label = note or "release capacity given by the caller"
    else:
        spec = scenario.stockpile.release_capacity
        items = [
            (it.material, it.capacity, it.unit, f"stockpile.release_capacity[{i}]")
            for i, it in enumerate(spec)
        ]
        label = "; ".join(
            f"{it.material}: {'ILLUSTRATIVE' if it.illustrative else it.source}" for it in spec
        )
        label = f"release capacity from the scenario ({label})" if spec else ""
    for name, quantity, unit, path in items:
        key = resolve_material(name)
        if key is None:
            problems.append((f"{path}.material", f"unknown material {name!r}"))
            continue
        if key not in keys:
            continue
        if not (quantity >= 0 and math.isfinite(quantity)):
            problems.append((f"{path}.capacity", f"must be a finite number >= 0, got {quantity}"))
            continue
        j = list(keys).index(key)
        try:
            factor = float(exact_factor(unit, baselines[j].unit))
        except UnitError as exc:
            problems.append((f"{path}.unit", str(exc)))
            continue
        cap[j] = quantity * factor if math.isinf(cap[j]) else cap[j] + quantity * factor
    return cap, label, tuple(problems)


def arrival_stage(
    key: str, baseline: MaterialBaseline, networks: Mapping[str, StageNetwork]
) -> str:
    """The stage at which U.S. imports of ``key`` arrive: the scenario's network's, else the
    default of the reference stage data ("" when the material has none)."""
    from stockpile.simulate.stages import build_network

    net = networks.get(key)
    if net is not None:
        return net.arrival.value
    try:
        built = build_network(key, year=baseline.year, world_shares=baseline.world_shares)
    except ValueError:
        return ""
    return built.arrival.value


def route_choices(
    scenario: Scenario, key: str, resolve_material: Callable[[str], str | None]
) -> list[tuple[str, StageForm]]:
    """The conversion routes a scenario gives for ``key``: ``(label, lot)`` of each lot of the
    material in ``stockpile.forms`` (label: its form) and in each ``form_comparison`` option
    (label: the option id)."""
    out: list[tuple[str, StageForm]] = []
    for lot in scenario.stockpile.forms:
        if resolve_material(lot.material) == key:
            out.append((lot.form.strip().lower(), lot))
    for option in scenario.form_comparison:
        for lot in option.lots:
            if resolve_material(lot.material) == key:
                out.append((option.id, lot))
    return out


def _route_lot(
    scenario: Scenario,
    key: str,
    choice: str,
    unit: str,
    resolve_material: Callable[[str], str | None],
) -> tuple[StageForm | None, str]:
    """The lot standing for a purchase of ``key`` in form or option ``choice`` (one unit of
    it, so that the compiled forms say whether it is upstream), or a problem."""
    wanted = choice.strip().lower()
    routes = route_choices(scenario, key, resolve_material)
    by_option = [lot for label, lot in routes if label.lower() == wanted]
    by_form = [lot for _, lot in routes if lot.form.strip().lower() == wanted]
    found = by_option or by_form
    distinct = {
        (tuple(sorted(lot.conversion_capacity.items())), lot.conversion_lead_months, lot.unit)
        for lot in found
    }
    if len(distinct) > 1:
        labels = sorted({label for label, lot in routes if lot in found})
        return None, (
            f"several conversion routes for {key} held as {choice!r} in the scenario "
            f"({', '.join(labels)}); name one of them"
        )
    if found:
        lot = found[0]
        return lot.model_copy(update={"quantity": 1.0, "illustrative": True}), ""
    return StageForm(material=key, form=wanted, quantity=1.0, unit=unit, illustrative=True), ""


def compile_route(
    scenario: Scenario,
    keys: Sequence[str],
    baselines: Sequence[MaterialBaseline],
    networks: Mapping[str, StageNetwork],
    choices: Mapping[str, str],
    resolve_material: Callable[[str], str | None],
    resolve_country: Callable[[str], str | None],
) -> tuple[PurchaseRoute, tuple[tuple[str, str], ...]]:
    """The route of purchases in the forms ``choices`` (material name -> form or
    ``form_comparison`` option id) [M].

    A purchase in the arrival form serves within the release capacity from month 0; in an
    upstream form, only through the conversion capacity that the scenario gives for the
    material in that form (its ``stockpile.forms`` lot or ``form_comparison`` option), outside
    the countries the scenario cuts at the conversion stages, from onset + conversion lead
    (:func:`stockpile.simulate.forms.compile_forms` rules).

    Returns
    -------
    route : PurchaseRoute
    problems : (field path ``form.<material>``, reason) of what was refused.
    """
    from stockpile.simulate.forms import compile_forms

    m = len(keys)
    problems: list[tuple[str, str]] = []
    lots: list[StageForm] = []
    paths: list[str] = []
    form_names = [""] * m
    for name, choice in choices.items():
        path = f"form.{name}"
        key = resolve_material(name)
        if key is None:
            problems.append((path, f"unknown material {name!r}"))
            continue
        if key not in keys:
            problems.append((path, f"{key} is not a material of the scenario"))
            continue
        j = list(keys).index(key)
        lot, problem = _route_lot(scenario, key, choice, baselines[j].unit, resolve_material)
        if lot is None:
            problems.append((path, problem))
            continue
        lots.append(lot)
        paths.append(path)
        form_names[j] = lot.form.strip().lower()
    probe = scenario.model_copy(
        update={"stockpile": scenario.stockpile.model_copy(update={"forms": lots})}
    )
    forms, _ready, found = compile_forms(
        probe, keys, baselines, networks, resolve_material, resolve_country
    )
    for where, reason in found:
        i = int(where.split("[", 1)[1].split("]", 1)[0])
        field = where.split("]", 1)[1].lstrip(".")
        if field == "conversion_capacity":
            reason = (
                f"{lots[i].material} held as {lots[i].form!r} serves demand only through "
                "conversion, and the scenario gives no conversion route for it (a "
                "stockpile.forms lot or a form_comparison option with conversion_capacity)"
            )
        problems.append((paths[i] if field in ("form", "conversion_capacity") else where, reason))
    upstream = np.zeros(m, dtype=bool) if forms is None else forms.upstream0 > 0
    capacity = np.full(m, np.inf)
    lead = np.zeros(m)
    if forms is not None:
        capacity = np.where(upstream, forms.conversion_capacity, np.inf)
        lead = np.where(upstream, forms.conversion_lead, 0.0)
    route = PurchaseRoute(
        upstream=upstream,
        conversion_capacity=capacity,
        conversion_lead=lead,
        forms=tuple(form_names),
    )
    return route, tuple(problems)
