"""Movements of material: transfer, conversion with a yield, disposal, adjustment, loans.

Each public function is keyword-only and one database transaction; every quantity change is a
journal entry. Partial transfers and conversions create a new lot and carry a proportional
share of the source lot's cost basis.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from stockpile.ledger import _numbers as num
from stockpile.ledger._ops import (
    OperationKind,
    Role,
    by_code,
    lot_for_update,
    material_key,
    operation,
    referenced,
    regime_of,
    text,
)
from stockpile.ledger._ops import depot as _depot
from stockpile.ledger.codes import check_code, derived_code
from stockpile.ledger.errors import (
    CapacityExceededError,
    GovernanceError,
    InsufficientHoldingsError,
    InvalidInputError,
    LimitExceededError,
    NotFoundError,
    StateError,
)
from stockpile.ledger.governance import check_disposal
from stockpile.ledger.journal import AccountType, Posting
from stockpile.ledger.models import Depot, DisposalAuthorisation, Fund, Loan, Lot, PlanLine
from stockpile.ledger.states import LoanStatus

__all__ = [
    "adjust",
    "check_storage",
    "convert",
    "cost_basis",
    "dispose",
    "lend",
    "return_loan",
    "transfer",
]

_MANAGER = frozenset({Role.ADMIN, Role.CONTRACTING_OFFICER})


def cost_basis(lot: Lot) -> Decimal:
    """Cost of what remains in a lot: acquisition cost x quantity / original quantity [USD]."""
    if lot.original_quantity == 0:
        return Decimal("0.00")
    return num.round_money(lot.acquisition_cost * lot.quantity / lot.original_quantity)


def check_storage(session: Session, depot: Depot, quantity: Decimal, unit: str) -> None:
    """Refuse adding ``quantity`` [unit] to a depot beyond its storage capacity."""
    if depot.storage_capacity is None:
        return
    totals: dict[str, Decimal] = {}
    for lot_unit, lot_qty in session.execute(
        select(Lot.unit, Lot.quantity).where(Lot.depot_id == depot.id)
    ):
        totals[lot_unit] = totals.get(lot_unit, Decimal(0)) + lot_qty
    held = sum(
        (num.convert(total, u, depot.capacity_unit) for u, total in totals.items()), Decimal(0)
    )
    incoming = num.convert(quantity, unit, depot.capacity_unit)
    if held + incoming > depot.storage_capacity:
        raise CapacityExceededError(
            "depot",
            f"{depot.code!r} would hold {held + incoming} {depot.capacity_unit} > storage "
            f"capacity {depot.storage_capacity}",
        )


def _draw(lot: Lot, quantity: Decimal, field: str = "quantity") -> None:
    if quantity > lot.quantity:
        raise InsufficientHoldingsError(
            field, f"lot {lot.code!r} holds {lot.quantity} {lot.unit}, asked {quantity}"
        )


def _child(lot: Lot, code: str, depot_id: int, qty: Decimal, cost: Decimal) -> Lot:
    return Lot(
        code=code,
        material=lot.material,
        form=lot.form,
        grade=lot.grade,
        unit=lot.unit,
        basis=lot.basis,
        depot_id=depot_id,
        origin_country=lot.origin_country,
        supplier=lot.supplier,
        acquired_on=lot.acquired_on,
        original_quantity=qty,
        acquisition_cost=cost,
        contract_id=lot.contract_id,
        condition=lot.condition,
        quantity=Decimal(0),
        illustrative=lot.illustrative,
    )


def _new_code(session: Session, wanted: str | None, default: str) -> str:
    code = check_code(wanted, "new_lot") if wanted else default
    if session.scalars(select(Lot).where(Lot.code == code)).first() is not None:
        raise InvalidInputError("new_lot", f"lot {code!r} already exists")
    return code


def transfer(
    session: Session,
    *,
    lot: str,
    to_depot: str,
    actor: str,
    quantity: num.Number | None = None,
    new_lot: str | None = None,
    at: datetime | None = None,
) -> str:
    """Move (part of) a lot to another depot; returns the code of the lot created there."""
    qty_in = None if quantity is None else num.quantity(quantity)
    with operation(
        session,
        kind=OperationKind.TRANSFER,
        actor=actor,
        roles=_MANAGER,
        at=at,
        summary={"lot": lot, "to": to_depot, "quantity": qty_in},
    ) as op:
        src = lot_for_update(op.session, lot)
        dest = _depot(op.session, to_depot, "to_depot")
        if dest.id == src.depot_id:
            raise InvalidInputError("to_depot", f"lot {src.code!r} is already at {dest.code!r}")
        qty = src.quantity if qty_in is None else qty_in
        if qty <= 0:
            raise InsufficientHoldingsError("lot", f"lot {src.code!r} is empty")
        _draw(src, qty)
        check_storage(op.session, dest, qty, src.unit)
        share = num.round_money(src.acquisition_cost * qty / src.original_quantity)
        code = _new_code(
            op.session, new_lot, derived_code(f"{src.code}@{dest.code}", f"-{op.row.id}")
        )
        child = _child(src, code, dest.id, qty, share)
        op.session.add(child)
        op.session.flush()
        memo = f"transfer {src.code} -> {code}"
        op.post(
            [
                Posting(AccountType.LOT, src.id, src.material, -qty, src.unit, memo),
                Posting(AccountType.LOT, child.id, src.material, qty, src.unit, memo),
            ]
        )
        return code


def convert(
    session: Session,
    *,
    lot: str,
    quantity: num.Number,
    output_material: str,
    output_form: str,
    output_unit: str,
    yield_fraction: num.Number,
    actor: str,
    output_basis: str = "",
    new_lot: str | None = None,
    to_depot: str | None = None,
    at: datetime | None = None,
) -> str:
    """Convert or upgrade material (e.g. ore to metal) with a yield.

    Output quantity = input quantity converted to ``output_unit`` x ``yield_fraction``
    [output unit]; the input's cost basis share moves to the output lot. Returns its code.
    """
    qty = num.quantity(quantity)
    y = num.to_decimal(yield_fraction, "yield_fraction")
    if not Decimal(0) < y <= Decimal(1):
        raise InvalidInputError("yield_fraction", f"must be in (0, 1], got {y}")
    out_unit = num.check_unit(output_unit, "output_unit")
    out_mat = material_key(output_material, "output_material")
    with operation(
        session,
        kind=OperationKind.CONVERT,
        actor=actor,
        roles=_MANAGER,
        at=at,
        summary={"lot": lot, "quantity": qty, "to": out_mat, "yield": y},
    ) as op:
        src = lot_for_update(op.session, lot)
        _draw(src, qty)
        out_qty = num.round_qty(num.convert(qty, src.unit, out_unit) * y)
        if out_qty <= 0:
            raise InvalidInputError("quantity", "the conversion yields nothing")
        dest = (
            _depot(op.session, to_depot, "to_depot")
            if to_depot
            else referenced(op.session, Depot, src.depot_id, "lot.depot")
        )
        share = num.round_money(src.acquisition_cost * qty / src.original_quantity)
        code = _new_code(
            op.session, new_lot, derived_code(f"{src.code}>{out_mat}", f"-{op.row.id}")
        )
        child = Lot(
            code=code,
            material=out_mat,
            form=text(output_form, "output_form"),
            grade="",
            unit=out_unit,
            basis=output_basis,
            depot_id=dest.id,
            origin_country=src.origin_country,
            supplier=src.supplier,
            acquired_on=op.day,
            original_quantity=out_qty,
            acquisition_cost=share,
            contract_id=src.contract_id,
            condition=f"converted from {src.code} at yield {y}",
            quantity=Decimal(0),
            illustrative=src.illustrative,
        )
        op.session.add(child)
        op.session.flush()
        memo = f"convert {src.code} -> {code} (yield {y})"
        op.post(
            [
                Posting(AccountType.LOT, src.id, src.material, -qty, src.unit, memo),
                Posting(AccountType.LOT, child.id, out_mat, out_qty, out_unit, memo),
            ]
        )
        return code


def dispose(
    session: Session,
    *,
    lot: str,
    quantity: num.Number,
    proceeds: num.Number,
    buyer: str,
    actor: str,
    authorisation: str | None = None,
    fund: str | None = None,
    at: datetime | None = None,
) -> None:
    """Sell or otherwise dispose of material; proceeds [USD] go to the Transaction Fund.

    Under a regime that needs it (``us-nds``), the disposal must cite an authorisation by law
    for the material whose notice period has run and whose quantity is not used up, and it
    must fit the fiscal year's Annual Materials Plan disposal maximum.
    """
    qty = num.quantity(quantity)
    value = num.money(proceeds, "proceeds")
    with operation(
        session,
        kind=OperationKind.DISPOSE,
        actor=actor,
        roles=_MANAGER,
        at=at,
        summary={
            "lot": lot,
            "quantity": qty,
            "proceeds": value,
            "buyer": buyer,
            "authorisation": authorisation,
        },
    ) as op:
        s = op.session
        regime = regime_of(s)
        src = lot_for_update(s, lot)
        _draw(src, qty)
        text(buyer, "buyer")
        postings = [Posting(AccountType.LOT, src.id, src.material, -qty, src.unit, "disposal")]
        auth = None
        if authorisation:
            auth = by_code(
                s,
                DisposalAuthorisation,
                DisposalAuthorisation.reference,
                authorisation,
                "authorisation",
            )
            if auth.material != src.material:
                raise GovernanceError(
                    "authorisation",
                    f"{auth.reference!r} covers {auth.material}, not {src.material}",
                )
        check_disposal(
            regime,
            authorisation_effective_on=None if auth is None else auth.effective_on,
            on=op.day,
        )
        if auth is not None:
            used = num.convert(qty, src.unit, auth.unit)
            if auth.used + used > auth.max_quantity:
                raise LimitExceededError(
                    "authorisation",
                    f"{auth.reference!r} allows {auth.max_quantity} "
                    f"{auth.unit}; {auth.used} used, {used} asked",
                )
            postings.append(
                Posting(AccountType.DISPOSAL_AUTH, auth.id, src.material, used, auth.unit, src.code)
            )
        fy = num.fiscal_year(op.day)
        plan = s.scalars(
            select(PlanLine).where(PlanLine.fiscal_year == fy, PlanLine.material == src.material)
        ).first()
        if plan is None and regime.acquisition_needs_plan:
            raise GovernanceError(
                "plan", f"no Annual Materials Plan line for {src.material} in FY{fy}"
            )
        if plan is not None:
            pq = num.convert(qty, src.unit, plan.unit)
            if plan.disposed + pq > plan.max_disposal:
                raise LimitExceededError(
                    "plan",
                    f"FY{fy} {src.material} disposals would reach {plan.disposed + pq} "
                    f"{plan.unit} > plan {plan.max_disposal}",
                )
            postings.append(
                Posting(AccountType.PLAN_DISP, plan.id, src.material, pq, plan.unit, src.code)
            )
        tf = _transaction_fund(s, fund)
        if value > 0:
            postings.append(
                Posting(AccountType.FUND, tf.id, src.material, value, "USD", f"proceeds {src.code}")
            )
        op.post(postings)


def _transaction_fund(session: Session, code: str | None) -> Fund:
    if code:
        f = by_code(session, Fund, Fund.code, code, "fund")
        if f.kind != "transaction":
            raise InvalidInputError("fund", f"{f.code!r} is not a transaction fund")
        return f
    f2 = session.scalars(select(Fund).where(Fund.kind == "transaction").order_by(Fund.id)).first()
    if f2 is None:
        raise NotFoundError("fund", "no transaction fund to receive the proceeds")
    return f2


def adjust(
    session: Session,
    *,
    lot: str,
    delta: num.Number,
    reason: str,
    actor: str,
    at: datetime | None = None,
) -> None:
    """Inventory adjustment (auditor only, with a reason): add ``delta`` [lot unit]."""
    change = num.signed_quantity(delta, "delta")
    why = text(reason, "reason")
    with operation(
        session,
        kind=OperationKind.ADJUST,
        actor=actor,
        roles=frozenset({Role.AUDITOR}),
        at=at,
        summary={"lot": lot, "delta": change, "reason": why},
    ) as op:
        src = lot_for_update(op.session, lot)
        if src.quantity + change < 0:
            raise InsufficientHoldingsError(
                "delta", f"lot {src.code!r} holds {src.quantity}; {change} would make it negative"
            )
        op.post([Posting(AccountType.LOT, src.id, src.material, change, src.unit, why)])


def lend(
    session: Session,
    *,
    lot: str,
    quantity: num.Number,
    borrower: str,
    return_due: date,
    actor: str,
    at: datetime | None = None,
) -> int:
    """Lend material from a lot until ``return_due``; returns the loan id."""
    qty = num.quantity(quantity)
    with operation(
        session,
        kind=OperationKind.LOAN,
        actor=actor,
        roles=_MANAGER,
        at=at,
        summary={"lot": lot, "quantity": qty, "borrower": borrower, "due": return_due},
    ) as op:
        src = lot_for_update(op.session, lot)
        _draw(src, qty)
        if return_due <= op.day:
            raise InvalidInputError("return_due", "must be after the loan date")
        loan = Loan(
            lot_id=src.id,
            borrower=text(borrower, "borrower"),
            quantity=qty,
            outstanding=Decimal(0),
            lent_on=op.day,
            return_due=return_due,
            status=LoanStatus.OPEN,
        )
        op.session.add(loan)
        op.session.flush()
        memo = f"loan to {loan.borrower} due {return_due}"
        op.post(
            [
                Posting(AccountType.LOT, src.id, src.material, -qty, src.unit, memo),
                Posting(AccountType.LOAN, loan.id, src.material, qty, src.unit, memo),
            ]
        )
        return loan.id


def return_loan(
    session: Session,
    *,
    loan_id: int,
    actor: str,
    quantity: num.Number | None = None,
    at: datetime | None = None,
) -> None:
    """Return (part of) a loan to its lot [lot unit]."""
    qty_in = None if quantity is None else num.quantity(quantity)
    with operation(
        session,
        kind=OperationKind.LOAN_RETURN,
        actor=actor,
        roles=_MANAGER,
        at=at,
        summary={"loan": loan_id, "quantity": qty_in},
    ) as op:
        loan = op.session.get(Loan, loan_id)
        if loan is None:
            raise NotFoundError("loan_id", f"no loan {loan_id}")
        if loan.status != LoanStatus.OPEN:
            raise StateError("loan_id", f"loan {loan_id} is {loan.status}")
        qty = loan.outstanding if qty_in is None else qty_in
        if qty > loan.outstanding:
            raise InsufficientHoldingsError(
                "quantity", f"loan {loan_id} has {loan.outstanding} outstanding"
            )
        src = referenced(op.session, Lot, loan.lot_id, "loan.lot")
        memo = f"return of loan {loan_id}"
        op.post(
            [
                Posting(AccountType.LOAN, loan.id, src.material, -qty, src.unit, memo),
                Posting(AccountType.LOT, src.id, src.material, qty, src.unit, memo),
            ]
        )
        if loan.outstanding == 0:
            loan.status = LoanStatus.RETURNED
