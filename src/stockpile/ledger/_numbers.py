"""Exact numbers for the books: decimal quantities and money, stored as scaled integers.

Quantities are kept to 10**-6 of the lot's unit of account and money to the cent. Both are
stored as 64-bit integers so that SQLite and PostgreSQL sum them exactly and the journal hash
sees the same digits on both.
"""

from __future__ import annotations

import math
import re
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from functools import lru_cache

from stockpile.ledger.errors import InvalidInputError

QTY_SCALE = 6
MONEY_SCALE = 2
_QTY_STEP = Decimal(1).scaleb(-QTY_SCALE)
_MONEY_STEP = Decimal(1).scaleb(-MONEY_SCALE)

Number = Decimal | int | float | str


NUMBER_PATTERN = r"^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$"
"""A plain decimal number: ASCII digits, an optional point and exponent (the API's grammar)."""
_NUMBER = re.compile(NUMBER_PATTERN)
_GROUPED = re.compile(r"^[+-]?[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]*)?$")
MAX_QUANTITY = Decimal(10) ** 12
"""Largest quantity the books hold [unit of account] (stored as 10**-6 in 64-bit integers)."""
MAX_MONEY = Decimal(10) ** 13
"""Largest amount of money the books hold [USD]."""


def to_decimal(value: Number, field: str) -> Decimal:
    """Read a finite decimal number, refusing NaN, infinity and text that is not a number.

    Text must be a plain decimal number (``12``, ``-0.5``, ``1.5e3``, or with thousands
    grouped by commas, ``1,000,000``): no underscores, no other digits than ASCII.
    """
    if isinstance(value, bool):
        raise InvalidInputError(field, f"expected a number, got {value!r}")
    if isinstance(value, float):
        if not math.isfinite(value):
            raise InvalidInputError(field, f"must be finite, got {value!r}")
        return Decimal(repr(value))
    if isinstance(value, str):
        text = value.strip()
        if _GROUPED.match(text):
            text = text.replace(",", "")
        if not _NUMBER.match(text):
            raise InvalidInputError(field, f"not a number: {value!r}")
        value = text
    try:
        out = Decimal(value)
    except (InvalidOperation, ValueError, TypeError) as exc:
        raise InvalidInputError(field, f"not a number: {value!r}") from exc
    if not out.is_finite():
        raise InvalidInputError(field, f"must be finite, got {value!r}")
    return out


def _bounded(value: Number, field: str, limit: Decimal, step: Decimal) -> Decimal:
    out = to_decimal(value, field)
    if abs(out) > limit:
        raise InvalidInputError(field, f"must be at most {limit:,} in size, got {value}")
    return out.quantize(step, rounding=ROUND_HALF_EVEN)


def quantity(value: Number, field: str = "quantity", *, allow_zero: bool = False) -> Decimal:
    """A positive quantity rounded to 10**-6 of its unit [unit of account]."""
    out = _bounded(value, field, MAX_QUANTITY, _QTY_STEP)
    if out < 0 or (out == 0 and not allow_zero):
        raise InvalidInputError(field, f"must be {'>= 0' if allow_zero else '> 0'}, got {value}")
    return out


def signed_quantity(value: Number, field: str = "quantity") -> Decimal:
    """A non-zero signed quantity (for adjustments) [unit of account]."""
    out = _bounded(value, field, MAX_QUANTITY, _QTY_STEP)
    if out == 0:
        raise InvalidInputError(field, "must not be zero")
    return out


def money(value: Number, field: str = "amount", *, allow_zero: bool = True) -> Decimal:
    """A non-negative amount of money rounded to the cent [USD]."""
    out = _bounded(value, field, MAX_MONEY, _MONEY_STEP)
    if out < 0 or (out == 0 and not allow_zero):
        raise InvalidInputError(field, f"must be {'>= 0' if allow_zero else '> 0'}, got {value}")
    return out


def round_qty(value: Decimal) -> Decimal:
    """Round to the stored quantity precision."""
    return value.quantize(_QTY_STEP, rounding=ROUND_HALF_EVEN)


def round_money(value: Decimal) -> Decimal:
    """Round to the cent."""
    return value.quantize(_MONEY_STEP, rounding=ROUND_HALF_EVEN)


def to_units(value: Decimal, scale: int) -> int:
    """Decimal -> scaled integer (exact: the value must already be rounded)."""
    return int(value.scaleb(scale).to_integral_exact())


def from_units(raw: int, scale: int) -> Decimal:
    """Scaled integer -> Decimal."""
    return Decimal(raw).scaleb(-scale)


def fiscal_year(day: date) -> int:
    """U.S. federal fiscal year of a date (FY N runs 1 October N-1 to 30 September N)."""
    return day.year + 1 if day.month >= 10 else day.year


@lru_cache(maxsize=256)
def _factor(from_unit: str, to_unit: str) -> Decimal:
    from stockpile.units import UnitError, exact_factor

    try:
        f = exact_factor(from_unit, to_unit)
    except UnitError as exc:
        raise InvalidInputError(
            "unit", f"cannot convert {from_unit!r} to {to_unit!r}: {exc}"
        ) from exc
    return Decimal(f.numerator) / Decimal(f.denominator)


def check_unit(unit: str, field: str = "unit") -> str:
    """Check that ``unit`` is a mass unit of the project's registry; return its canonical name.

    Raises
    ------
    InvalidInputError
        Unknown or ambiguous unit, or a unit that is not a mass.
    """
    from stockpile.units import UnitError, parse_unit, ureg

    if not (unit or "").strip():
        raise InvalidInputError(field, "must not be empty")
    try:
        parsed = parse_unit(unit)
    except UnitError as exc:
        raise InvalidInputError(field, str(exc)) from exc
    if parsed.dimensionality != ureg.kilogram.dimensionality:
        raise InvalidInputError(field, f"{unit!r} is not a unit of mass")
    name = str(parsed)
    try:
        parse_unit(name)
    except UnitError:  # pint calls the short ton "ton", which the registry refuses as ambiguous
        name = "short_ton" if name == "ton" else "_".join(unit.split())
    return name


def convert(value: Decimal, from_unit: str, to_unit: str) -> Decimal:
    """Convert a mass between units with the registry's exact factor, rounded to 10**-6 of
    the target unit."""
    if from_unit == to_unit:
        return value
    return round_qty(value * _factor(from_unit, to_unit))
