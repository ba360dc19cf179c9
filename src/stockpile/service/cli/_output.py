"""Printing helpers shared by the CLI modules: Rich tables and JSON."""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import pandas as pd
from rich.console import Console
from rich.table import Table

from stockpile.display import format_number


def console() -> Console:
    """A console for normal output (wide enough for tables when piped)."""
    return Console(width=None if Console().is_terminal else 120)


def _clean(value: Any) -> Any:
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if hasattr(value, "item") and callable(value.item):  # numpy scalars
        return _clean(value.item())
    if value is pd.NaT:
        return None
    return value


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """DataFrame rows as JSON-ready dicts (NaN -> null, dates -> ISO strings)."""
    return [_clean(r) for r in frame.to_dict(orient="records")]


def print_json(payload: Any) -> None:
    """Print ``payload`` as indented JSON on stdout."""
    print(json.dumps(_clean(payload), indent=2, ensure_ascii=False, default=str))


def fmt(value: Any, digits: int = 3) -> str:
    """Format one cell: empty when missing, numbers as :func:`stockpile.display.format_number`."""
    value = _clean(value)
    if value is None:
        return ""
    if isinstance(value, bool | int | float):
        return format_number(value, significant=digits, missing="")
    return str(value)


def print_table(
    rows: Iterable[Sequence[Any]],
    headers: Sequence[str],
    *,
    title: str | None = None,
    caption: str | None = None,
    right: Iterable[int] = (),
    plain: Iterable[int] = (),
) -> None:
    """Print rows as a Rich table.

    Columns whose index is in ``right`` are right-aligned; those in ``plain`` are printed with
    ``str`` (years, identifiers) instead of number formatting.
    """
    right_set = set(right)
    plain_set = set(plain)
    table = Table(title=title, caption=caption, show_lines=False, header_style="bold")
    for i, h in enumerate(headers):
        table.add_column(h, justify="right" if i in right_set else "left", overflow="fold")
    for row in rows:
        table.add_row(
            *[
                "" if _clean(v) is None else str(v) if i in plain_set else fmt(v)
                for i, v in enumerate(row)
            ]
        )
    console().print(table)
