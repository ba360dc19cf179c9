"""Days of cover: one definition for the ledger, the simulation and the planner.

Days of cover = quantity held / daily U.S. consumption on the same basis [day], where daily
consumption = annual consumption / 365 [unit/day]. The consumption is either total U.S.
consumption or the priority (defence + essential civilian) part of it; callers label which.
"""

from __future__ import annotations

from decimal import Decimal as _Decimal
from typing import Any as _Any

import numpy as np

__all__ = ["DAYS_PER_YEAR", "days_of_cover"]

#: Days per year of the definition [day/yr].
DAYS_PER_YEAR = 365


def days_of_cover(held: _Any, annual_consumption: _Any) -> _Any:
    """Held quantity / (annual consumption / 365) [day].

    Parameters
    ----------
    held : Decimal, float or ndarray
        Quantity held [unit of the consumption's basis].
    annual_consumption : Decimal, float or ndarray
        U.S. consumption [unit/yr], same unit and basis as ``held``.

    Returns
    -------
    Decimal, float or ndarray
        Days of cover [day]. Decimal in -> Decimal out (None when consumption <= 0); float or
        array in -> float or array out (NaN where consumption <= 0 or unknown).
    """
    if isinstance(held, _Decimal) or isinstance(annual_consumption, _Decimal):
        h, c = _Decimal(str(held)), _Decimal(str(annual_consumption))
        if c <= 0:
            return None
        return h / (c / DAYS_PER_YEAR)
    h_arr = np.asarray(held, dtype=np.float64)
    c_arr = np.asarray(annual_consumption, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(c_arr > 0, h_arr / (c_arr / DAYS_PER_YEAR), np.nan)
    if out.ndim == 0:
        return float(out)
    return out
