"""How numbers and units are written for people: one format for the CLI, the dashboard and reports.

Numbers
-------
:func:`format_number` writes thousands separators and never scientific notation for the
magnitudes of this field (grams to billions of dollars): ``17480.3`` -> ``"17,480"``,
``0.01234`` -> ``"0.0123"``, ``2e9`` -> ``"2,000,000,000"``. Values of 1,000 and more are
rounded to whole units; smaller ones keep ``significant`` significant digits (or exactly
``decimals`` decimals when asked).

Units
-----
:func:`unit_label` turns the unit identifiers of the unit registry (``kilometric_ton``,
``troy_ounce``, ``metric_ton / year``) into the short names used in the field's tables
(``thousand t``, ``troy oz``, ``t / year``); text that is already a phrase (``metric tons``,
``dollars per pound``) is left as it is.
"""

from __future__ import annotations

import decimal
import math
import numbers
import re
import typing

__all__ = ["format_money", "format_number", "format_quantity", "parse_number", "unit_label"]

_UNIT_NAMES: dict[str, str] = {
    "metric_ton": "t",
    "tonne": "t",
    "kilometric_ton": "thousand t",
    "megametric_ton": "million t",
    "kilogram": "kg",
    "gram": "g",
    "milligram": "mg",
    "pound": "lb",
    "short_ton": "short ton",
    "long_ton": "long ton",
    "troy_ounce": "troy oz",
    "kilotroy_ounce": "thousand troy oz",
    "metric_ton_unit": "mtu",
    "mtu_WO3": "mtu WO3 (7.93 kg W)",
    "mtu_Mn": "mtu Mn",
    "dimensionless": "",
    "year": "year",
    "month": "month",
    "day": "day",
}
_PREFIXES = {"kilo": "thousand", "mega": "million", "giga": "billion"}
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_GROUPED = re.compile(r"[+-]?\d{1,3}(,\d{3})+(\.\d*)?")
_PLAIN = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def _word(token: str) -> str:
    if token in _UNIT_NAMES:
        return _UNIT_NAMES[token]
    for prefix, word in _PREFIXES.items():
        rest = token[len(prefix) :]
        if token.startswith(prefix) and rest in _UNIT_NAMES and "_" in rest:
            return f"{word} {_UNIT_NAMES[rest]}"
    return token.replace("_", " ") if "_" in token else token


def unit_label(unit: object) -> str:
    """The readable name of a unit, e.g. ``"kilometric_ton"`` -> ``"thousand t"``.

    Parameters
    ----------
    unit : str or pint.Unit or None
        A unit identifier or expression of :data:`stockpile.units.ureg`, or a phrase.

    Returns
    -------
    str
        The unit as people write it; ``""`` for ``None``. Unknown words are kept, with
        underscores read as spaces.
    """
    if unit is None:
        return ""
    text = str(unit).strip()
    if not text or (" " in text and "/" not in text and "*" not in text):
        return text
    out = _IDENT.sub(lambda m: _word(m.group(0)), text)
    return out.replace(" ** ", "^").replace("**", "^").replace(" * ", " ").replace("*", " ")


def _as_float(value: typing.Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, decimal.Decimal | numbers.Real):
        number = float(value)
    elif hasattr(value, "item") and callable(value.item):  # numpy scalars
        return _as_float(value.item())
    else:
        return None
    return number if math.isfinite(number) else None


def format_number(
    value: typing.Any,
    *,
    significant: int = 3,
    decimals: int | None = None,
    missing: str = "—",
) -> str:
    """One number as people read it: thousands separators, no scientific notation.

    Parameters
    ----------
    value : int, float, decimal.Decimal, numpy scalar or None
        The number. Strings are returned unchanged (already written).
    significant : int
        Significant digits kept for values below 1,000 in magnitude (values of 1,000 and
        more are rounded to whole units).
    decimals : int, optional
        Write exactly this many decimals instead (``format_number(12.5, decimals=1)`` ->
        ``"12.5"``).
    missing : str
        Text for ``None``, NaN and infinities.

    Returns
    -------
    str
    """
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int) and decimals is None:
        return f"{value:,}"
    number = _as_float(value)
    if number is None:
        return missing
    if decimals is not None:
        text = f"{number:,.{decimals}f}"
        return "0" if decimals == 0 and text in ("-0", "0") else text
    if number == 0:
        return "0"
    magnitude = math.floor(math.log10(abs(number)))
    if magnitude >= 3:
        return f"{number:,.0f}"
    places = min(max(0, significant - 1 - magnitude), 12)
    text = f"{number:,.{places}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "0") else text


def format_quantity(value: typing.Any, unit: object, *, significant: int = 3) -> str:
    """A number followed by its readable unit: ``(1.2e6, "pound")`` -> ``"1,200,000 lb"``."""
    label = unit_label(unit)
    number = format_number(value, significant=significant)
    return f"{number} {label}" if label else number


def format_money(value: typing.Any, currency: str = "USD") -> str:
    """An amount of money with cents only below 1,000: ``2e9`` -> ``"2,000,000,000 USD"``."""
    number = _as_float(value)
    if number is None:
        return "—"
    decimals = 0 if abs(number) >= 1000 or number == int(number) else 2
    return f"{format_number(number, decimals=decimals)} {currency}"


def parse_number(text: str, *, field: str = "value") -> float:
    """Read a number as people type it: ``"1,000,000,000"``, ``"$2,500.50"``, ``"1e9"``.

    Thousands separators must group by three (``"1,00"`` is refused); a leading ``$`` and a
    trailing ``USD`` are allowed. Spaces around the number are ignored.

    Raises
    ------
    ValueError
        One line naming ``field`` and the text, when it is not a finite number.
    """
    raw = str(text).strip()
    body = raw.removeprefix("$").removesuffix("USD").strip()
    if _GROUPED.fullmatch(body):
        body = body.replace(",", "")
    elif not _PLAIN.fullmatch(body):
        raise ValueError(
            f"{field}: {raw!r} is not a number (write e.g. 1000000000, 1,000,000,000 or 1e9)"
        )
    number = float(body)
    if not math.isfinite(number):
        raise ValueError(f"{field}: {raw!r} is too large")
    return number
