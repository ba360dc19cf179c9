"""Money in results: an amount [USD] is a decimal string with cents, everywhere.

Every amount of money in a use-case result (costs, budgets, values of unmet demand, fund
balances) is a :class:`~decimal.Decimal` rounded to the cent and written in JSON as a decimal
string (``"1250000.00"``), the representation the ledger's API uses for its money. Rates
(prices [USD/unit], dollars per dollar) stay numbers.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Annotated, Any

from pydantic import BeforeValidator, PlainSerializer, WithJsonSchema

__all__ = ["CENT", "Money", "money"]

CENT = Decimal("0.01")


def money(value: Any) -> Decimal:
    """An amount [USD] as a Decimal rounded half-even to the cent.

    Raises
    ------
    ValueError
        ``value`` is not a finite number.
    """
    if isinstance(value, Decimal):
        d = value
    else:
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError(f"money must be a finite amount, got {value!r}")
        d = Decimal(repr(float(value))) if isinstance(value, float) else Decimal(str(value))
    if not d.is_finite():
        raise ValueError(f"money must be a finite amount, got {value!r}")
    return d.quantize(CENT, rounding=ROUND_HALF_EVEN)


Money = Annotated[
    Decimal,
    BeforeValidator(money),
    PlainSerializer(lambda d: f"{d:.2f}", return_type=str, when_used="json"),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^-?\d+\.\d{2}$",
            "description": "amount [USD] as a decimal string with cents",
        }
    ),
]
"""An amount of money [USD]: a Decimal in Python, a decimal string with cents in JSON."""
