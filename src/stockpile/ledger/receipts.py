"""Receiving a delivery: a new lot, a fund draw, cap, plan and contract use, in one transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from stockpile.ledger import _numbers as num
from stockpile.ledger import _stabilization as stab
from stockpile.ledger._ops import OperationKind, Role, by_code, operation, referenced, regime_of
from stockpile.ledger.codes import check_code, derived_code
from stockpile.ledger.errors import (
    GovernanceError,
    InvalidInputError,
    LimitExceededError,
    StateError,
)
from stockpile.ledger.journal import AccountType, Posting
from stockpile.ledger.models import Cap, Contract, DeliveryOrder, Depot, Fund, Lot, PlanLine
from stockpile.ledger.states import ContractStatus, OrderStatus

__all__ = ["ReceiptResult", "receive_delivery"]

_BUYER = frozenset({Role.ADMIN, Role.CONTRACTING_OFFICER})


@dataclass(frozen=True)
class ReceiptResult:
    """What a receipt did.

    Attributes
    ----------
    lot_code, material, unit
        The lot created.
    quantity
        Quantity received [unit].
    cost
        Amount drawn from the fund [USD].
    fiscal_year
        U.S. fiscal year the receipt counts against.
    operation_id
        The operation's id in the journal.
    """

    lot_code: str
    material: str
    quantity: Decimal
    unit: str
    cost: Decimal
    fiscal_year: int
    operation_id: int


def receive_delivery(
    session: Session,
    *,
    order: str,
    actor: str,
    quantity: num.Number | None = None,
    lot_code: str | None = None,
    grade: str = "",
    basis: str = "",
    origin_country: str = "",
    condition: str = "new",
    price_usd_per_kg: num.Number | None = None,
    at: datetime | None = None,
) -> ReceiptResult:
    """Receive (all or part of) a delivery order.

    Creates a lot at the order's depot, draws the cost from the contract's fund, and counts
    it against the contract ceiling and maximum quantity, the material's cap and the Annual
    Materials Plan line of the fiscal year, all in one transaction. A partial receipt costs
    ``round(value * (received + q) / Q) - round(value * received / Q)`` so that the receipts
    of an order add up to its value exactly.

    Parameters
    ----------
    quantity
        Quantity received [contract unit]; default: what remains on the order.
    price_usd_per_kg
        Under a regime with price rules (``market-stabilization``): the market price
        [USD/kg] the purchase floor is checked against (default: the reference price); the
        price and its source are written in the journal memo. Refused under other regimes.

    Raises
    ------
    LedgerError
        Unknown order, order not open, quantity above what remains, beyond the contract
        ceiling or maximum quantity, the cap, the plan line, the fund's balance or period;
        under price rules, a market price not below the purchase floor.
    """
    qty_in = None if quantity is None else num.quantity(quantity)
    with operation(
        session,
        kind=OperationKind.RECEIVE,
        actor=actor,
        roles=_BUYER,
        at=at,
        summary={"order": order, "quantity": qty_in, "lot": lot_code},
    ) as op:
        s = op.session
        o = by_code(s, DeliveryOrder, DeliveryOrder.number, order, "order")
        if o.status != OrderStatus.OPEN:
            raise StateError("order", f"delivery order {o.number!r} is {o.status}")
        c = referenced(s, Contract, o.contract_id, "order.contract")
        if c.status != ContractStatus.ACTIVE:
            raise StateError("contract", f"contract {c.number!r} is {c.status}")
        day = op.day
        if not c.period_start <= day <= c.period_end:
            raise StateError("date", f"{day} is outside the contract period of {c.number!r}")
        remaining = o.quantity - o.received
        qty = remaining if qty_in is None else qty_in
        if qty > remaining:
            raise LimitExceededError(
                "quantity", f"{qty} {c.unit} exceeds what remains on the order ({remaining})"
            )
        before = num.round_money(o.value * o.received / o.quantity)
        after = num.round_money(o.value * (o.received + qty) / o.quantity)
        cost = after - before
        if c.spent + cost > c.ceiling:
            raise LimitExceededError(
                "contract",
                f"{c.number!r} ceiling {c.ceiling} USD would be exceeded "
                f"({c.spent} spent + {cost})",
            )
        if c.max_quantity is not None and c.received + qty > c.max_quantity:
            raise LimitExceededError(
                "contract", f"{c.number!r} maximum quantity {c.max_quantity} {c.unit} exceeded"
            )
        cap = s.scalars(select(Cap).where(Cap.material == c.material)).first()
        if cap is not None and cap.spent + cost > cap.ceiling:
            raise LimitExceededError(
                "cap",
                f"{c.material} ceiling {cap.ceiling} USD would be exceeded "
                f"({cap.spent} spent + {cost})",
            )
        fy = num.fiscal_year(day)
        plan = s.scalars(
            select(PlanLine).where(PlanLine.fiscal_year == fy, PlanLine.material == c.material)
        ).first()
        postings: list[Posting] = []
        regime = regime_of(s)
        memo = f"order {o.number}"
        if regime.price_rules:
            price = stab.market_price(c.material, price_usd_per_kg, "price_usd_per_kg")
            memo += "; " + stab.check_purchase_price(s, c.material, price)
        elif price_usd_per_kg is not None:
            raise InvalidInputError(
                "price_usd_per_kg", f"purchase prices apply only to price rules, not {regime.key}"
            )
        if plan is None and regime.acquisition_needs_plan:
            raise GovernanceError(
                "plan", f"no Annual Materials Plan line for {c.material} in FY{fy}"
            )
        if plan is not None:
            plan_qty = num.convert(qty, c.unit, plan.unit)
            if plan.acquired + plan_qty > plan.max_acquisition:
                raise LimitExceededError(
                    "plan",
                    f"FY{fy} {c.material} acquisitions would reach "
                    f"{plan.acquired + plan_qty} {plan.unit} > plan {plan.max_acquisition}",
                )
            postings.append(
                Posting(AccountType.PLAN_ACQ, plan.id, c.material, plan_qty, plan.unit, o.number)
            )
        f = referenced(s, Fund, c.fund_id, "contract.fund")
        if "acquisition" not in f.allowed_uses.split(","):
            raise GovernanceError("fund", f"fund {f.code!r} may not pay for acquisitions")
        if (f.fy_first is not None and fy < f.fy_first) or (
            f.fy_last is not None and fy > f.fy_last
        ):
            raise GovernanceError("fund", f"fund {f.code!r} is not available in FY{fy}")
        if f.balance < cost:
            raise LimitExceededError(
                "fund", f"fund {f.code!r} holds {f.balance} USD, receipt costs {cost}"
            )
        d = referenced(s, Depot, o.depot_id, "order.depot")
        from stockpile.ledger.movements import check_storage

        check_storage(s, d, qty, c.unit)
        code = (
            check_code(lot_code, "lot_code")
            if lot_code
            else derived_code(o.number, f"-{op.row.id}")
        )
        if s.scalars(select(Lot).where(Lot.code == code)).first() is not None:
            raise InvalidInputError("lot_code", f"lot {code!r} already exists")
        lot = Lot(
            code=code,
            material=c.material,
            form=c.form,
            grade=grade,
            unit=c.unit,
            basis=basis,
            depot_id=d.id,
            origin_country=origin_country,
            supplier=c.supplier,
            acquired_on=day,
            original_quantity=qty,
            acquisition_cost=cost,
            contract_id=c.id,
            condition=condition,
            quantity=Decimal(0),
            illustrative=False,
        )
        s.add(lot)
        s.flush()
        postings = [
            Posting(AccountType.LOT, lot.id, c.material, qty, c.unit, memo),
            Posting(AccountType.FUND, f.id, c.material, -cost, "USD", memo),
            Posting(AccountType.CONTRACT, c.id, c.material, cost, "USD", memo),
            Posting(AccountType.CONTRACT_QTY, c.id, c.material, qty, c.unit, memo),
            Posting(AccountType.ORDER_QTY, o.id, c.material, qty, c.unit, memo),
            *postings,
        ]
        if cap is not None:
            postings.append(Posting(AccountType.CAP, cap.id, c.material, cost, "USD", memo))
        op.post(postings)
        if o.received >= o.quantity:
            o.status = OrderStatus.RECEIVED
        return ReceiptResult(code, c.material, qty, c.unit, cost, fy, op.row.id)
