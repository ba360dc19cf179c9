"""Atomic weights and chemical formulas for :mod:`stockpile.units` (private).

Standard atomic weights are the IUPAC CIAAW abridged values bundled in
``reference/data/atomic_weights.csv`` (source ``IUPAC_CIAAW_ABRIDGED``).
"""

from __future__ import annotations

import collections.abc as cabc
import csv
import difflib
import functools
import io
import re
from importlib import resources

__all__ = ["UnitError", "atomic_weight", "molar_mass", "parse_formula"]


class UnitError(ValueError):
    """A unit, quantity, formula or basis that cannot be understood or converted."""

    __module__ = "stockpile.units"


_ATOMIC_WEIGHTS_FILE = "atomic_weights.csv"


@functools.cache
def _atomic_weights() -> cabc.Mapping[str, float]:
    path = resources.files("stockpile") / "reference" / "data" / _ATOMIC_WEIGHTS_FILE
    return _parse_atomic_weights(path.read_text(encoding="utf-8"))


def _parse_atomic_weights(text: str) -> dict[str, float]:
    """Symbol -> standard atomic weight [g/mol] from the CSV text of the bundled table."""
    reader = csv.DictReader(io.StringIO(text))
    expected = ["symbol", "name", "atomic_number", "atomic_weight", "source_id"]
    if reader.fieldnames != expected:
        raise UnitError(f"{_ATOMIC_WEIGHTS_FILE}: header {reader.fieldnames} is not {expected}")
    weights: dict[str, float] = {}
    for line, row in enumerate(reader, start=2):
        symbol = row["symbol"]
        if not re.fullmatch(r"[A-Z][a-z]?", symbol or ""):
            raise UnitError(f"{_ATOMIC_WEIGHTS_FILE}, line {line}, column 'symbol': bad {symbol!r}")
        if symbol in weights:
            raise UnitError(f"{_ATOMIC_WEIGHTS_FILE}, line {line}: duplicate symbol {symbol!r}")
        try:
            weight = float(row["atomic_weight"])
        except (TypeError, ValueError):
            weight = float("nan")
        if not weight > 0:
            raise UnitError(
                f"{_ATOMIC_WEIGHTS_FILE}, line {line}, column 'atomic_weight': "
                f"expected a positive number, got {row['atomic_weight']!r}"
            )
        weights[symbol] = weight
    return weights


def atomic_weight(symbol: str) -> float:
    """Standard atomic weight (IUPAC CIAAW abridged value) of element ``symbol`` [g/mol]."""
    weights = _atomic_weights()
    if symbol not in weights:
        close = difflib.get_close_matches(symbol, list(weights), n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise UnitError(f"no atomic weight for element symbol {symbol!r}{hint}")
    return weights[symbol]


_HYDRATE_SEPARATORS = "·.*•"


def _parse_group(
    text: str, pos: int, formula: str, closing: str | None
) -> tuple[dict[str, int], int]:
    counts: dict[str, int] = {}
    while pos < len(text):
        char = text[pos]
        if closing is not None and char == closing:
            return counts, pos + 1
        if char in "([":
            inner, pos = _parse_group(text, pos + 1, formula, ")" if char == "(" else "]")
            n, pos = _read_count(text, pos)
            for el, k in inner.items():
                counts[el] = counts.get(el, 0) + k * n
        elif char.isupper():
            end = pos + 1
            if end < len(text) and text[end].islower():
                end += 1
            symbol = text[pos:end]
            try:
                atomic_weight(symbol)
            except UnitError as exc:
                raise UnitError(f"formula {formula!r}, position {pos}: {exc}") from None
            n, pos = _read_count(text, end)
            counts[symbol] = counts.get(symbol, 0) + n
        else:
            raise UnitError(f"formula {formula!r}: unexpected {char!r} at position {pos}")
    if closing is not None:
        raise UnitError(f"formula {formula!r}: missing {closing!r}")
    return counts, pos


def _read_count(text: str, pos: int) -> tuple[int, int]:
    end = pos
    while end < len(text) and text[end].isdigit():
        end += 1
    if end == pos:
        return 1, pos
    n = int(text[pos:end])
    if n == 0:
        raise UnitError(f"formula {text!r}: zero count at position {pos}")
    return n, end


@functools.cache
def parse_formula(formula: str) -> cabc.Mapping[str, int]:
    """Atom counts of a chemical formula: ``"Pr6O11"`` -> ``{"Pr": 6, "O": 11}``.

    Parentheses, brackets and hydrates (``"LiOH·H2O"``, ``"CoSO4.7H2O"``) are understood.

    Raises
    ------
    UnitError
        Empty formula, unknown element symbol, unbalanced parentheses or stray characters.
    """
    if not isinstance(formula, str) or not formula.strip():
        raise UnitError(f"formula must be a non-empty string, got {formula!r}")
    text = formula.strip()
    total: dict[str, int] = {}
    for part in re.split(f"[{re.escape(_HYDRATE_SEPARATORS)}]", text):
        coefficient, start = _read_count(part, 0)
        if not part[start:]:
            raise UnitError(f"formula {formula!r}: empty part")
        counts, _ = _parse_group(part[start:], 0, formula, None)
        for el, k in counts.items():
            total[el] = total.get(el, 0) + k * coefficient
    return dict(total)


def molar_mass(formula: str) -> float:
    """Molar mass of ``formula`` from the bundled standard atomic weights [g/mol]."""
    return sum(n * atomic_weight(el) for el, n in parse_formula(formula).items())
