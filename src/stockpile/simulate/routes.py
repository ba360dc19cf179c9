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
from stockpile.simulate.scenario import Scenario

__all__ = ["PurchaseRoute", "compile_release_capacity"]

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
