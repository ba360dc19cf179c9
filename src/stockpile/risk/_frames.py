"""Small checks and conversions shared by the risk modules (private)."""

from __future__ import annotations

import math
from collections.abc import Iterable

import pandas as pd

from stockpile.risk.errors import RiskInputError


def require_columns(frame: pd.DataFrame, columns: Iterable[str], name: str) -> None:
    """Raise :class:`RiskInputError` naming the table and the columns it lacks."""
    if not isinstance(frame, pd.DataFrame):
        raise RiskInputError(name, f"must be a pandas DataFrame, got {type(frame).__name__}")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise RiskInputError(name, f"missing column(s) {', '.join(missing)}")


def text_or_none(value: object) -> str | None:
    """A cell as stripped text, or None when it is empty or missing."""
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    try:
        if pd.isna(value):  # type: ignore[call-overload]
            return None
    except (TypeError, ValueError):
        pass
    text = str(value).strip()
    return text or None


def float_or_none(value: object) -> float | None:
    """A numeric cell as float, or None when it is empty or missing."""
    if value is None:
        return None
    try:
        f = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return None if math.isnan(f) else f
