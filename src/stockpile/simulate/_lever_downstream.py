"""The ``move_downstream`` lever on the stage network.

A move downstream is compiled onto the machinery of stage events
(:mod:`stockpile.simulate.stages`), not onto a network of its own:

* the restriction becomes one export control per lever (:func:`downstream_events`), placed at
  each restricted stage, all destinations, drawing its cut, start, duration and occurrence from
  one stream of its own (``event:levers[i]``), so common random numbers hold and a scenario
  without the lever draws exactly what it drew before;
* at each restricted stage it is an export control of the supplier: the supplier's own plants
  below keep their feed, producers elsewhere lose what they drew from it, and the loss travels
  down the feed matrices with the pipeline lead times to the arrival stage (weights ``W`` and
  ``U`` of the ``ISO3@stage`` columns); the supplier's downstream exports, and U.S. imports of
  them, are not cut;
* the supplier's downstream expansion (:class:`~stockpile.simulate.levers.DownstreamSpec`)
  fills the gap in the engine's lever step (:func:`downstream_fill`).

Equations and units: ``docs/model.md``, "Supplier levers".
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from stockpile.simulate.distributions import Fixed
from stockpile.simulate.levers import DownstreamSpec, MoveDownstream
from stockpile.simulate.scenario import ExportControl, Scenario

if TYPE_CHECKING:
    from stockpile.simulate.baseline import MaterialBaseline
    from stockpile.simulate.compile import CompiledEvent, _Checker
    from stockpile.simulate.stages import StageColumn, StageNetwork

__all__ = [
    "DownstreamWeights",
    "compile_downstream",
    "downstream_columns",
    "downstream_events",
    "downstream_fill",
    "supplier_share",
]

FloatArray = npt.NDArray[np.float64]


def event_id(index: int) -> str:
    """Id of the export control standing for lever ``index`` (its draw stream's name)."""
    return f"levers[{index}]"


def downstream_events(scenario: Scenario) -> list[tuple[int, MoveDownstream, ExportControl]]:
    """The export controls of the scenario's moves downstream, after the scenario's events.

    Returns
    -------
    list
        ``(lever index, lever, event)``; a lever whose cut is zero everywhere restricts nothing
        and gets no event (so it changes nothing, not even the disruption onset).
    """
    out: list[tuple[int, MoveDownstream, ExportControl]] = []
    for i, lever in enumerate(scenario.levers):
        if not isinstance(lever, MoveDownstream) or lever.cut_share.support()[1] <= 0.0:
            continue
        duration = lever.duration_months or Fixed(value=float(scenario.horizon_months))
        event = ExportControl(
            kind="export_control",
            id=event_id(i),
            source=lever.source or "ASSUMPTION",
            country=lever.country,
            materials=[lever.material],
            withheld_share=lever.cut_share,
            start_month=lever.start_month,
            duration_months=duration,
            probability=lever.probability,
            stage=lever.stage[0],
        )
        out.append((i, lever, event))
    return out


@dataclass(frozen=True)
class DownstreamWeights:
    """What a full cut does at the downstream stage (for the lever's note and the oracle).

    Attributes
    ----------
    outside_lost : share of world output at the downstream stage lost outside the supplier per
        unit cut, ``G = sum_{r != c} s_d[r] x_d[r]`` [-].
    supplier_share : the supplier's share of world output at the downstream stage, ``s_d[c]``
        [-].
    downstream : the downstream stage's name.
    """

    outside_lost: float
    supplier_share: float
    downstream: str


def supplier_share(weights: DownstreamWeights, cut: float, filled: float = 0.0) -> float:
    """The supplier's share of world downstream output after a cut [-].

    ``(s_c + f) / (1 - G h + f)`` with ``h`` the cut [-] and ``f`` the supplier's added
    downstream output [share of world downstream output, at most ``G h``].
    """
    lost = weights.outside_lost * cut
    f = min(filled, lost)
    total = 1.0 - lost + f
    return (weights.supplier_share + f) / total if total > 0 else math.nan


def downstream_columns(
    index: int,
    event: int,
    lever: MoveDownstream,
    networks: Mapping[str, StageNetwork],
    keys: Sequence[str],
    baselines: Sequence[MaterialBaseline],
    resolve_material: Callable[[str], str | None],
    resolve_country: Callable[[str], str | None],
    problems: list[tuple[str, str]],
) -> tuple[list[StageColumn], DownstreamWeights] | None:
    """The columns of lever ``index`` (a move downstream, compiled as event ``event``) and its
    weights at the downstream stage; problems by field path ``levers[i]...``."""
    from stockpile.reference import stage_chain
    from stockpile.simulate.stages import StageColumn, _stage, propagate, stage_weights

    path = f"levers[{index}]"
    key = resolve_material(lever.material)
    iso3 = resolve_country(lever.country)
    if key is None or key not in keys or iso3 is None:
        return None  # reported by the lever checks
    full = tuple(link.stage for link in stage_chain(key))
    if len(full) < 2:
        names = ", ".join(st.value for st in full) or "none"
        problems.append(
            (
                f"{path}.stage",
                f"{key!r} has a single stage ({names}); a move downstream needs an upstream "
                "and a downstream stage",
            )
        )
        return None
    if key not in networks:
        return None  # the network's own problem is reported under stages.<material>
    net = networks[key]
    down = _stage(lever.downstream_stage, key, full, f"{path}.downstream_stage", problems)
    found = [_stage(name, key, full, f"{path}.stage", problems) for name in lever.stage]
    restricted = [st for st in found if st is not None]
    if down is None or len(restricted) < len(found):
        return None
    if down not in net.chain:
        problems.append(
            (
                f"{path}.downstream_stage",
                f"{key!r}: stage {down.value!r} is downstream of the stage at which U.S. imports "
                f"arrive ({net.arrival.value!r}) or has no sourced shares; set "
                f"stages.{key}.arrival (and stages.{key}.shares with a source)",
            )
        )
        return None
    out: list[StageColumn] = []
    outside = 0.0
    for st in restricted:
        if full.index(st) >= full.index(down):
            problems.append(
                (
                    f"{path}.stage",
                    f"{key!r}: the restricted stage {st.value!r} must be upstream of the "
                    f"downstream stage {down.value!r}",
                )
            )
            return None
        if st not in net.chain:
            problems.append(
                (
                    f"{path}.stage",
                    f"{key!r}: stage {st.value!r} has no sourced country shares; give "
                    f"stages.{key}.shares.{st.value} with a source",
                )
            )
            return None
        shares = baselines[keys.index(key)].us_import_shares
        weights = stage_weights(net, st, iso3, exports_only=True, us_import_shares=shares)
        out.append(
            StageColumn(
                event,
                keys.index(key),
                f"{iso3}@{st.value}",
                weights.world,
                weights.us,
                weights.lead_months,
            )
        )
        at_down, _ = propagate(replace(net, arrival=down), st, iso3, exports_only=True)
        s_d = net.shares[down]
        outside += sum(s_d.get(r, 0.0) * x for r, x in at_down.items() if r != iso3)
    supplier = net.shares[down].get(iso3, 0.0)
    return out, DownstreamWeights(min(1.0, outside), supplier, down.value)


def compile_downstream(
    scenario: Scenario,
    *,
    keys: Sequence[str],
    baselines: Sequence[MaterialBaseline],
    events: Sequence[CompiledEvent],
    columns: Sequence[StageColumn],
    weights: Mapping[int, DownstreamWeights],
    world_per_year: Mapping[int, tuple[float, str]],
    check: _Checker,
) -> tuple[list[DownstreamSpec], list[tuple[int, str]]]:
    """Specs (for levers with an expansion) and notes of the scenario's moves downstream.

    Parameters
    ----------
    scenario : the scenario.
    keys, baselines : materials of the scenario and their baselines [M].
    events : compiled events (the levers' export controls among them).
    columns : the stage columns (with the levers' ones).
    weights : lever index -> weights at the downstream stage.
    world_per_year : material index -> world production [unit/yr] and its note (for an
        expansion given as a capacity).
    check : collects problems by field path.

    Returns
    -------
    tuple
        The specs and ``(lever index, note)`` pairs.
    """
    from stockpile.units import UnitError, exact_factor

    specs: list[DownstreamSpec] = []
    notes: list[tuple[int, str]] = []
    for i, lever, _ in downstream_events(scenario):
        key = next((k for k in keys if k == _key(lever.material)), None)
        if key is None or i not in weights:
            continue
        j = keys.index(key)
        mine = [e for e, ev in enumerate(events) if ev.id == event_id(i)]
        w = [
            sum(c.world for c in columns if c.event == _index(scenario, i) and c.lead == ev_lead)
            for ev_lead in (events[e].delay for e in mine)
        ]
        u = [
            sum(c.us for c in columns if c.event == _index(scenario, i) and c.lead == ev_lead)
            for ev_lead in (events[e].delay for e in mine)
        ]
        label = f"[{lever.source}]" if lever.source else "(ASSUMPTION)"
        dw = weights[i]
        mean_cut = lever.cut_share.mean()
        stages = ", ".join(lever.stage)
        note = (
            f"move_downstream {key}: {lever.country} restricts {stages} exports, keeps exporting "
            f"{dw.downstream}; per unit cut the world loses {sum(w):.1%} of its supply and U.S. "
            f"imports {sum(u):.1%}; outside producers lose {dw.outside_lost:.1%} of world "
            f"{dw.downstream} output, the supplier's {dw.downstream} share goes "
            f"{dw.supplier_share:.1%} -> {supplier_share(dw, mean_cut):.1%} at the mean cut "
            f"{mean_cut:.0%} {label}"
        )
        exp = lever.expansion
        if exp is None:
            notes.append((i, note))
            continue
        path = f"levers[{i}].expansion"
        if exp.share is not None:
            share = exp.share
            basis = f"{share:.1%} of world supply"
        else:
            total, prod_note = world_per_year.get(j, (math.nan, "no world production"))
            if not (total > 0):
                check.add(f"{path}.capacity_per_year", f"{key!r}: {prod_note}")
                continue
            try:
                factor = float(exact_factor(exp.unit, baselines[j].unit))
            except UnitError as exc:
                check.add(f"{path}.unit", str(exc))
                continue
            capacity = exp.capacity_per_year or 0.0
            share = capacity * factor / total
            basis = f"{capacity:g} {exp.unit}/yr = {share:.1%} of {prod_note}"
        exp_label = f"[{exp.source}]" if exp.source else "(ASSUMPTION)"
        notes.append(
            (
                i,
                note + f"; expansion {basis}, from {exp.lead_months} months after the cut "
                f"arrives over {exp.ramp_months} months {exp_label}",
            )
        )
        specs.append(
            DownstreamSpec(
                material=j,
                events=tuple(mine),
                world=tuple(w),
                us=tuple(u),
                expansion=share,
                lead_months=exp.lead_months,
                ramp_months=exp.ramp_months,
            )
        )
    return specs, notes


def _key(name: str) -> str | None:
    from stockpile.reference import UnknownMaterialError, get_material

    try:
        return get_material(name).key
    except UnknownMaterialError:
        return None


def _index(scenario: Scenario, lever: int) -> int:
    """Index of lever ``lever``'s export control among the scenario's events and levers'."""
    order = [i for i, _, _ in downstream_events(scenario)]
    return len(scenario.events) + order.index(lever)


def downstream_fill(
    spec: DownstreamSpec,
    cuts: Sequence[FloatArray | None],
    since: FloatArray,
) -> tuple[FloatArray, FloatArray]:
    """The supplier's added downstream output and the U.S. imports it restores, this month.

    Parameters
    ----------
    spec : the compiled lever.
    cuts : per compiled event, the share withheld where active [S, M] (``None``: nowhere).
    since : months since the restriction reached the arrival stage (``inf`` where it has not
        yet, or never) [S].

    Returns
    -------
    fill : added world supply, ``min(E(t), sum_e h W_e)`` [S] [share of world supply].
    us : U.S. imports restored, ``phi sum_e h U_e`` with ``phi`` the filled share of the gap
        [S] [share of U.S. imports].
    """
    s = since.shape[0]
    gap = np.zeros(s)
    lost_us = np.zeros(s)
    for e, w, u in zip(spec.events, spec.world, spec.us, strict=True):
        cut = cuts[e]
        if cut is None:
            continue
        h = cut[:, spec.material]
        gap += h * w
        lost_us += h * u
    gap = np.minimum(gap, 1.0)
    lost_us = np.minimum(lost_us, 1.0)
    months = np.where(np.isfinite(since), since, -np.inf)
    fill = np.minimum(spec.on_line(months), gap)
    with np.errstate(divide="ignore", invalid="ignore"):
        phi = np.where(gap > 0, fill / gap, 0.0)
    return fill, phi * lost_us
