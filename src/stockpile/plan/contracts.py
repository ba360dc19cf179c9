"""From a procurement schedule to the contracts and delivery orders a contracting officer places.

Pure: builds :class:`ContractAction` objects from a schedule (or its JSON form); the service
layer executes them with the ledger's own functions (``create_contract``,
``create_delivery_order``), never by writing tables.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from stockpile.plan.errors import PlanInputError

__all__ = ["ContractAction", "OrderAction", "contract_actions"]


@dataclass(frozen=True)
class OrderAction:
    """A delivery order to place.

    Attributes
    ----------
    number : str
        Order number.
    quantity : float
        Quantity [contract unit].
    value : float
        Value [USD].
    due_date : date
        Delivery due date.
    """

    number: str
    quantity: float
    value: float
    due_date: date


@dataclass(frozen=True)
class ContractAction:
    """A contract to record and its delivery orders.

    Attributes
    ----------
    number, material, unit : str
        Contract number, material key, unit of account.
    ceiling, minimum_guarantee : float
        Contract ceiling and guaranteed minimum [USD].
    period_start, period_end : date
        Ordering period.
    orders : tuple of OrderAction
        Delivery orders, by due date.
    """

    number: str
    material: str
    unit: str
    ceiling: float
    minimum_guarantee: float
    period_start: date
    period_end: date
    orders: tuple[OrderAction, ...]


def _get(obj: Mapping[str, Any], key: str, where: str) -> Any:
    if not isinstance(obj, Mapping) or key not in obj:
        raise PlanInputError(f"{where}.{key}", "missing")
    return obj[key]


def _date(value: Any, where: str) -> date:
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise PlanInputError(where, f"not an ISO date: {value!r}") from None


def _pos(value: Any, where: str) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise PlanInputError(where, f"not a number: {value!r}") from None
    if not (math.isfinite(v) and v > 0):
        raise PlanInputError(where, f"must be a positive number, got {value!r}")
    return v


def contract_actions(
    schedule: Mapping[str, Any], prefix: str = "NDS"
) -> tuple[ContractAction, ...]:
    """Contracts (one per material) and delivery orders (one per scheduled order).

    Parameters
    ----------
    schedule : mapping
        :meth:`ProcurementSchedule.to_dict` output (or the same read back from JSON).
    prefix : str
        Prefix of contract and order numbers.

    Returns
    -------
    tuple of ContractAction
        Ceiling: the schedule's contract ceiling, else the orders' total value; period: from
        the first order date to the last due date.
    """
    orders = _get(schedule, "orders", "schedule")
    if not isinstance(orders, list) or not orders:
        raise PlanInputError("schedule.orders", "no orders to place")
    terms: dict[str, Mapping[str, Any]] = {}
    for i, c in enumerate(schedule.get("contracts", []) or []):
        terms[str(_get(c, "material", f"schedule.contracts[{i}]"))] = c
    by_mat: dict[str, list[tuple[int, Mapping[str, Any]]]] = {}
    for i, o in enumerate(orders):
        mat = str(_get(o, "material", f"schedule.orders[{i}]"))
        by_mat.setdefault(mat, []).append((i, o))
    out: list[ContractAction] = []
    for mat, rows in by_mat.items():
        unit = str(_get(rows[0][1], "unit", f"schedule.orders[{rows[0][0]}]"))
        slug = mat.replace(" ", "-").replace("(", "").replace(")", "").upper()
        acts: list[OrderAction] = []
        starts: list[date] = []
        for n, (i, o) in enumerate(sorted(rows, key=lambda r: str(r[1].get("delivery_date")))):
            where = f"schedule.orders[{i}]"
            if str(_get(o, "unit", where)) != unit:
                raise PlanInputError(f"{where}.unit", f"differs from {unit!r} for {mat}")
            starts.append(_date(_get(o, "order_date", where), f"{where}.order_date"))
            acts.append(
                OrderAction(
                    number=f"{prefix}-{slug}-FY{_get(o, 'fiscal_year', where)}-{n + 1:02d}",
                    quantity=_pos(_get(o, "quantity", where), f"{where}.quantity"),
                    value=_pos(_get(o, "cost_usd", where), f"{where}.cost_usd"),
                    due_date=_date(_get(o, "delivery_date", where), f"{where}.delivery_date"),
                )
            )
        total = sum(a.value for a in acts)
        term = terms.get(mat, {})
        ceiling_raw = term.get("ceiling_usd")
        ceiling = float(ceiling_raw) if ceiling_raw is not None else math.ceil(total * 100) / 100
        if ceiling < total * (1 - 1e-12):
            raise PlanInputError(
                f"schedule.contracts[{mat}].ceiling_usd",
                f"orders total ${total:,.2f}, above the ceiling ${ceiling:,.2f}",
            )
        start = min(starts)
        end = max(a.due_date for a in acts)
        if end <= start:
            end = start + timedelta(days=1)
        out.append(
            ContractAction(
                number=f"{prefix}-{slug}-{start.year}",
                material=mat,
                unit=unit,
                ceiling=ceiling,
                minimum_guarantee=float(term.get("minimum_usd", 0.0) or 0.0),
                period_start=start,
                period_end=end,
                orders=tuple(acts),
            )
        )
    return tuple(out)
