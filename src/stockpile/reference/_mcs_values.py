"""Reading the printed values and notes of the USGS MCS data release.

The data release prints every value as text: ``1,570``, ``—`` (zero), ``W`` (withheld),
``NA``, ``E`` (net exporter), ``>50``, ``<25``, ranges such as ``890–1,000``. This module turns
one printed value into a number where the text is a plain number, a zero dash or a range
(midpoint), and classifies everything else by the symbol table ``data/mcs/value_symbols.csv``.
It also splits USGS footnote text into parts and derives the ``estimated`` flag.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from enum import Enum

__all__ = [
    "NOTE_SEPARATOR",
    "ParsedValue",
    "ValueKind",
    "clean_note_parts",
    "format_number",
    "is_estimated",
    "mentions_estimate",
    "parse_value",
    "round_significant",
    "split_notes",
]

#: Separator between footnotes in the data release's ``Notes`` column.
NOTE_SEPARATOR = " -- "

_NUMBER = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_NUMBER_RE = re.compile(rf"^(?:{_NUMBER})$")
_BOUND_RE = re.compile(rf"^([<>])\s*(?:{_NUMBER})$")
_RANGE_RE = re.compile(rf"^({_NUMBER})\s*[–-]\s*({_NUMBER})$")
_ESTIMATED = "Estimated."
_DROPPED_NOTE_PREFIXES = ("See Appendix C",)


class ValueKind(Enum):
    """How a printed value was read."""

    NUMBER = "number"  #: a plain number, e.g. ``1,570``
    ZERO = "zero"  #: the USGS zero dash ``—``
    RANGE = "range"  #: a printed range; the value is its midpoint
    LOWER_BOUND = "lower bound"  #: ``>x``; no value
    UPPER_BOUND = "upper bound"  #: ``<x``; no value
    WITHHELD = "withheld"  #: ``W``
    NOT_AVAILABLE = "not available"  #: ``NA``
    NET_EXPORTER = "net exporter"  #: ``E`` (net import reliance)
    SMALL = "small"  #: ``s``, ``Small``
    NOT_APPLICABLE = "not applicable"  #: ``XX``
    QUALITATIVE = "qualitative"  #: a word such as ``Large`` or ``Moderate``
    EMPTY = "empty"  #: nothing printed
    UNKNOWN = "unknown"  #: a symbol not in the symbol table


@dataclass(frozen=True)
class ParsedValue:
    """One printed value and its reading.

    Attributes
    ----------
    raw : str
        The text as printed.
    kind : ValueKind
        How the text was read.
    value : float or None
        The number [unit of the row], or None where USGS gives no number.
    """

    raw: str
    kind: ValueKind
    value: float | None


def _to_float(text: str) -> float:
    return float(text.replace(",", ""))


def parse_value(raw: str, symbols: dict[str, ValueKind]) -> ParsedValue:
    """Read one printed value.

    Parameters
    ----------
    raw : str
        The value as printed in the data release.
    symbols : dict of str to ValueKind
        Known non-numeric symbols (exact text after stripping blanks) and their kinds.

    Returns
    -------
    ParsedValue
        ``value`` is set for plain numbers, the zero dash (0) and ranges (midpoint); it is None
        for every symbol, bound and unknown text.
    """
    text = raw.strip()
    if text == "":
        return ParsedValue(raw, ValueKind.EMPTY, None)
    if _NUMBER_RE.match(text):
        return ParsedValue(raw, ValueKind.NUMBER, _to_float(text))
    known = symbols.get(text)
    if known is not None:
        return ParsedValue(raw, known, 0.0 if known is ValueKind.ZERO else None)
    bound = _BOUND_RE.match(text)
    if bound:
        kind = ValueKind.LOWER_BOUND if bound.group(1) == ">" else ValueKind.UPPER_BOUND
        return ParsedValue(raw, kind, None)
    span = _RANGE_RE.match(text)
    if span:
        low, high = _to_float(span.group(1)), _to_float(span.group(2))
        return ParsedValue(raw, ValueKind.RANGE, (low + high) / 2.0)
    return ParsedValue(raw, ValueKind.UNKNOWN, None)


def split_notes(notes: str) -> list[str]:
    """Split the ``Notes`` text of one row into its footnotes (empty parts dropped)."""
    return [p.strip() for p in notes.split(NOTE_SEPARATOR) if p.strip()]


def is_estimated(notes: str) -> bool:
    """True where USGS flags the value ``Estimated.`` (one of the row's footnotes)."""
    return _ESTIMATED in split_notes(notes)


def mentions_estimate(notes: str) -> bool:
    """True where a footnote of the row starts with ``Estimated``.

    This covers the ``Estimated.`` flag and footnotes such as ``Estimated from published
    sources.`` or ``Estimated to equal imports.``
    """
    return any(p.startswith("Estimated") for p in split_notes(notes))


def clean_note_parts(notes: str) -> list[str]:
    """The row's footnotes without the generic ``Estimated.`` and ``See Appendix C...``."""
    return [
        p
        for p in split_notes(notes)
        if p != _ESTIMATED and not p.startswith(_DROPPED_NOTE_PREFIXES)
    ]


def round_significant(x: float, digits: int = 4) -> float:
    """Round ``x`` to ``digits`` significant digits, but never below units.

    Values of 10**digits or more are rounded to whole units, so no integer digit is lost.
    """
    if x == 0 or not math.isfinite(x):
        return x
    magnitude = math.floor(math.log10(abs(x)))
    decimals = max(digits - 1 - magnitude, 0)
    return round(x, decimals)


def format_number(value: float | None, raw: str = "") -> str:
    """Text for a number in an output table.

    Where ``raw`` is the printed form of the same number (thousands separators aside), that
    form is kept (so ``5,158.40`` is written ``5158.40``); otherwise the shortest round-trip
    text is used, without a trailing ``.0``. None and NaN give an empty string.
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    text = raw.strip().replace(",", "")
    if _NUMBER_RE.match(text) and float(text) == value:
        return text
    if float(value).is_integer():
        return str(int(value))
    return repr(float(value))
