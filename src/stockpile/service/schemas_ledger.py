"""Schemas of the ledger resources: depots, lots, holdings, funds, caps, plan, contracts,
delivery orders, movements, releases and the journal. Quantities are in each row's ``unit``;
money in [USD]."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, DecimalException
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, Field, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

from stockpile.ledger._numbers import NUMBER_PATTERN
from stockpile.ledger.codes import CODE_MAX_LEN, CODE_PATTERN, SHORT_CODE_MAX_LEN
from stockpile.service.schemas import UtcDatetime

__all__ = [
    "AdjustmentCreate",
    "CapCreate",
    "CapPublic",
    "ContractCreate",
    "ContractPublic",
    "DeliveryOrderCreate",
    "DeliveryOrderPublic",
    "DepotCreate",
    "DepotPublic",
    "DrawPublic",
    "FundCreate",
    "FundPublic",
    "HoldingPublic",
    "JournalEntryPublic",
    "LotPublic",
    "OperationDone",
    "PlainDecimal",
    "PlanLineCreate",
    "PlanLinePublic",
    "ReceiptCreate",
    "ReceiptPublic",
    "ReleaseCreate",
    "ReleaseExecutionPublic",
    "ReleasePublic",
    "TransferCreate",
    "VerifyPublic",
]

Code = Annotated[str, Field(min_length=1, max_length=CODE_MAX_LEN, pattern=CODE_PATTERN)]
ShortCode = Annotated[str, Field(min_length=1, max_length=SHORT_CODE_MAX_LEN, pattern=CODE_PATTERN)]
Text200 = Annotated[str, Field(max_length=200)]


def _plain_number(value: Any) -> Any:
    if isinstance(value, str) and not _NUMBER.match(value):
        raise ValueError("must be a plain decimal number such as 12, 0.5 or 1.5e3")
    return value


def _canonical(value: Decimal) -> Decimal:
    try:
        out = value.normalize() + 0  # 1.0, 1.00 and 1e0 are all 1; -0 is 0
        if int(out.as_tuple().exponent) <= 0 or out.adjusted() >= _EXACT_DIGITS:
            return out  # too large to write without an exponent: the field's bounds refuse it
        return out.quantize(Decimal(1))
    except DecimalException:
        raise ValueError("number out of range") from None


class _NumberText:
    """Annotation: the JSON schema's string form of a decimal follows ``NUMBER_PATTERN``."""

    def __get_pydantic_json_schema__(
        self, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        schema = handler(core_schema)
        for branch in schema.get("anyOf", []):
            if branch.get("type") == "string":
                branch["pattern"] = NUMBER_PATTERN
        return schema


_NUMBER = re.compile(NUMBER_PATTERN)
_EXACT_DIGITS = 28  # digits of the default decimal context
PlainDecimal = Annotated[
    Decimal, BeforeValidator(_plain_number), AfterValidator(_canonical), _NumberText()
]
"""A decimal given as a JSON number or as plain decimal text, kept in canonical form."""
PositiveQty = Annotated[
    PlainDecimal, Field(gt=0, le=Decimal("1e12"), max_digits=20, decimal_places=6)
]
Money = Annotated[PlainDecimal, Field(ge=0, le=Decimal("1e13"), max_digits=20, decimal_places=2)]
UnitName = Annotated[str, Field(min_length=1, max_length=40, description="pint unit, e.g. 'lb'")]


class DepotCreate(BaseModel):
    """A new depot with optional storage and overall monthly release capacity."""

    code: ShortCode
    name: Text200 = Field(min_length=1)
    location: Text200 = ""
    storage_capacity: PositiveQty | None = None
    monthly_release_capacity: PositiveQty | None = None
    capacity_unit: UnitName = "metric_ton"
    source: str = Field(default="", max_length=2000)


class DepotPublic(BaseModel):
    """A depot [capacity_unit; release capacity per month]."""

    code: str
    name: str
    location: str
    storage_capacity: float | None
    monthly_release_capacity: float | None
    capacity_unit: str
    illustrative: bool
    source: str


class LotPublic(BaseModel):
    """A lot: what, where, how much [unit], from where, at what cost [USD]."""

    code: str
    material: str
    form: str
    grade: str
    quantity: float
    original_quantity: float
    unit: str
    basis: str
    depot: str
    origin_country: str
    supplier: str
    acquired_on: dt.date
    acquisition_cost: float
    contract: str | None
    condition: str
    illustrative: bool


class HoldingPublic(BaseModel):
    """Holding of one material over its lots, valued at the reference price.

    ``quantity`` [unit]; ``cost_basis``, ``market_value``, ``unrealised_gain`` [USD] (None
    when no lot could be valued; ``unvalued_lots`` counts those left out);
    ``price_usd_per_kg`` [USD/kg of the priced substance]; ``days_of_cover`` [day] = holding /
    U.S. daily apparent consumption of ``consumption_year``.
    """

    material: str
    quantity: float
    unit: str
    lots: int
    depots: list[str]
    cost_basis: float
    market_value: float | None
    unrealised_gain: float | None
    unvalued_lots: int
    price_usd_per_kg: float | None
    price_year: int | None
    price_basis: str
    days_of_cover: float | None
    consumption_year: int | None
    illustrative: bool
    note: str


class FundCreate(BaseModel):
    """A new appropriation or fund [USD]."""

    code: ShortCode
    name: Text200 = Field(min_length=1)
    amount: Money
    kind: str = Field(default="appropriation", max_length=32)
    fy_first: int | None = Field(default=None, ge=1900, le=2200)
    fy_last: int | None = Field(default=None, ge=1900, le=2200)
    allowed_uses: list[str] = Field(default_factory=lambda: ["acquisition"], max_length=10)
    source: str = Field(default="", max_length=2000)


class FundPublic(BaseModel):
    """A fund and its balance [USD]."""

    code: str
    name: str
    kind: str
    fy_first: int | None
    fy_last: int | None
    allowed_uses: list[str]
    balance: float
    source: str


class CapPublic(BaseModel):
    """A per-material spending ceiling and what has been spent under it [USD]."""

    material: str
    ceiling: float
    spent: float
    remaining: float
    source: str


class CapCreate(BaseModel):
    """A per-material spending ceiling [USD]."""

    material: str = Field(min_length=1, max_length=80)
    ceiling: Money
    source: str = Field(default="", max_length=2000)


class PlanLineCreate(BaseModel):
    """An Annual Materials Plan line: maximum acquisition and disposal [unit] in a fiscal year."""

    fiscal_year: int = Field(ge=1900, le=2200)
    material: str = Field(min_length=1, max_length=80)
    max_acquisition: Annotated[PlainDecimal, Field(ge=0, le=Decimal("1e12"), max_digits=20)]
    max_disposal: Annotated[PlainDecimal, Field(ge=0, le=Decimal("1e12"), max_digits=20)]
    unit: UnitName
    source: str = Field(default="", max_length=2000)


class PlanLinePublic(BaseModel):
    """An Annual Materials Plan line [unit] for one fiscal year."""

    fiscal_year: int
    material: str
    unit: str
    max_acquisition: float
    acquired: float
    max_disposal: float
    disposed: float
    source: str


class ContractCreate(BaseModel):
    """A new purchase contract (IDIQ by default) [USD; unit]."""

    number: Code
    supplier: Text200 = Field(min_length=1)
    material: str = Field(min_length=1, max_length=80)
    form: str = Field(min_length=1, max_length=80)
    unit: UnitName
    ceiling: Money
    period_start: dt.date
    period_end: dt.date
    fund: Code
    kind: str = Field(default="IDIQ", max_length=40)
    minimum_guarantee: Money = Decimal(0)
    max_quantity: PositiveQty | None = None
    price_terms: str = Field(default="", max_length=2000)
    depot: Code | None = None
    source: str = Field(default="", max_length=2000)


class ContractPublic(BaseModel):
    """A contract with what it has spent [USD] and received [unit]."""

    number: str
    kind: str
    supplier: str
    material: str
    form: str
    unit: str
    minimum_guarantee: float
    ceiling: float
    max_quantity: float | None
    period_start: dt.date
    period_end: dt.date
    price_terms: str
    fund: str
    depot: str | None
    status: str
    spent: float
    received: float
    source: str


class DeliveryOrderCreate(BaseModel):
    """A delivery order under a contract [contract unit; USD]."""

    number: Code
    quantity: PositiveQty
    value: Money
    due_date: dt.date | None = None
    depot: Code | None = None


class DeliveryOrderPublic(BaseModel):
    """A delivery order and what has been received [contract unit]."""

    number: str
    contract: str
    material: str
    quantity: float
    unit: str
    value: float
    due_date: dt.date | None
    depot: str
    status: str
    received: float


class ReceiptCreate(BaseModel):
    """Receive (part of) a delivery order; the whole remainder if no quantity."""

    quantity: PositiveQty | None = None
    lot_code: Code | None = None
    grade: Text200 = ""
    basis: str = Field(default="", max_length=80)
    origin_country: str = Field(default="", max_length=120)
    condition: str = Field(default="new", max_length=200)


class ReceiptPublic(BaseModel):
    """What a receipt did: the lot created, the quantity [unit] and the cost [USD]."""

    lot_code: str
    material: str
    unit: str
    quantity: float
    cost: float
    fiscal_year: int
    operation_id: int


class TransferCreate(BaseModel):
    """Move (part of) a lot to another depot."""

    lot: Code
    to_depot: Code
    quantity: PositiveQty | None = None
    new_lot: Code | None = None


class AdjustmentCreate(BaseModel):
    """Correct a lot's quantity after a count [lot unit], with the reason."""

    lot: Code
    delta: Annotated[PlainDecimal, Field(ge=Decimal("-1e12"), le=Decimal("1e12"), max_digits=20)]
    reason: str = Field(min_length=3, max_length=2000)


class OperationDone(BaseModel):
    """A movement was recorded; ``lot`` is the lot that holds the result."""

    lot: str


class ReleaseCreate(BaseModel):
    """A release request; the regime must accept the legal basis and the purpose."""

    material: str = Field(min_length=1, max_length=80)
    quantity: PositiveQty
    unit: UnitName
    recipient: Text200 = Field(min_length=1)
    purpose: str = Field(min_length=1, max_length=40, description="e.g. 'national-defence'")
    legal_basis: str = Field(min_length=1, max_length=60, description="e.g. 'presidential-order'")
    emergency: bool = False
    lots: list[Code] = Field(default_factory=list, max_length=100)


class ReleasePublic(BaseModel):
    """A release through its life: requested, approved (by someone else), executed."""

    id: int
    material: str
    quantity: float
    unit: str
    recipient: str
    purpose: str
    legal_basis: str
    emergency: bool
    regime: str
    status: str
    requested_by: str
    requested_at: UtcDatetime
    approved_by: str | None
    approved_at: UtcDatetime | None
    due_by: dt.date | None
    executed_by: str | None
    executed_at: UtcDatetime | None
    report: str | None


class DrawPublic(BaseModel):
    """Quantity drawn from one lot [unit]."""

    lot_code: str
    depot: str
    quantity: float
    unit: str


class ReleaseExecutionPublic(BaseModel):
    """An executed release: the draws and the report to the committees, if any."""

    release: ReleasePublic
    draws: list[DrawPublic]


class JournalEntryPublic(BaseModel):
    """One hash-chained journal entry.

    ``amount`` is the stored integer (cents for money accounts, 10**-6 of ``unit`` for
    quantity accounts); ``value`` is the same amount in ``unit`` ([USD] or [unit]).
    """

    seq: int
    operation_id: int
    at: str
    actor: str
    op_kind: str
    account_type: str
    account_id: int
    material: str
    amount: int
    value: float
    unit: str
    memo: str
    prev_hash: str
    hash: str


class VerifyPublic(BaseModel):
    """Result of recomputing the journal's hash chain and balances."""

    status: str
    ok: bool
    entries: int
    first_broken_seq: int | None
    problems: list[str]
