"""Declarative table schemas and the checks that read a CSV against them.

A schema names every column with its kind; :func:`read_table` reads the file as text, then
converts each typed column cell by cell so that a bad value is reported with its file, line
and column rather than as an error from deep inside pandas.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path

import pandas as pd

from stockpile.reference._errors import ReferenceDataError


class Kind(Enum):
    """Kind of a column's values."""

    TEXT = "text"  #: free text, may be empty
    REQUIRED_TEXT = "required text"  #: text that must not be empty
    INT = "integer"  #: whole number, required
    FLOAT = "number"  #: decimal number, may be empty (USGS withheld / not available)
    YESNO = "yes/no"  #: the strings 'yes' or 'no'
    ISO_DATE = "ISO date"  #: YYYY-MM-DD, required


@dataclass(frozen=True)
class Column:
    """One column of a table: its name, kind, and whether its numbers must be >= 0."""

    name: str
    kind: Kind = Kind.TEXT
    non_negative: bool = False


@dataclass(frozen=True)
class TableSchema:
    """A table's expected columns (in order) and its key (no duplicates allowed)."""

    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ()
    allowed: dict[str, frozenset[str]] = field(default_factory=dict)

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]


def _convert(value: str, column: Column, *, file: str, line: int) -> object:
    kind = column.kind
    if kind is Kind.TEXT:
        return value
    if kind is Kind.REQUIRED_TEXT:
        if not value.strip():
            raise ReferenceDataError("empty value", file=file, row=line, column=column.name)
        return value
    if kind is Kind.YESNO:
        if value not in ("yes", "no"):
            raise ReferenceDataError(
                f"expected 'yes' or 'no', got {value!r}", file=file, row=line, column=column.name
            )
        return value == "yes"
    if kind is Kind.ISO_DATE:
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            raise ReferenceDataError(
                f"expected a date YYYY-MM-DD, got {value!r}",
                file=file,
                row=line,
                column=column.name,
            ) from None
    if kind is Kind.FLOAT and value.strip() == "":
        return float("nan")
    try:
        number: float | int = int(value) if kind is Kind.INT else float(value)
    except ValueError:
        raise ReferenceDataError(
            f"expected {kind.value}, got {value!r}", file=file, row=line, column=column.name
        ) from None
    if column.non_negative and number < 0:
        raise ReferenceDataError(
            f"negative value {value!r} not allowed", file=file, row=line, column=column.name
        )
    return number


def parse_table(text: str, schema: TableSchema, *, file: str) -> pd.DataFrame:
    """Parse CSV text against ``schema`` and return a typed DataFrame.

    Raises
    ------
    ReferenceDataError
        On a missing or unexpected column, a ragged row, a value of the wrong kind, a negative
        quantity, a value outside the allowed set or a duplicate key.
    """
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise ReferenceDataError("empty file, no header row", file=file) from None
    except csv.Error as exc:
        raise ReferenceDataError(f"not a readable CSV table ({exc})", file=file, row=1) from None
    rows: list[list[str]] = []
    lines: list[int] = []
    try:
        for row in reader:
            if not row:
                continue
            if len(row) != len(header):
                first_missing = header[len(row)] if len(row) < len(header) else None
                raise ReferenceDataError(
                    f"row has {len(row)} fields, header has {len(header)}",
                    file=file,
                    row=reader.line_num,
                    column=first_missing,
                )
            rows.append(row)
            lines.append(reader.line_num)
    except csv.Error as exc:
        raise ReferenceDataError(
            f"not a readable CSV table ({exc})", file=file, row=reader.line_num
        ) from None
    raw = (
        pd.DataFrame(rows, columns=header, dtype=object)
        if rows
        else pd.DataFrame(columns=header, dtype=object)
    )
    missing = [c for c in schema.column_names if c not in raw.columns]
    if missing:
        raise ReferenceDataError(f"missing column(s) {missing}", file=file, row=1)
    extra = [c for c in raw.columns if c not in schema.column_names]
    if extra:
        raise ReferenceDataError(f"unexpected column(s) {extra}", file=file, row=1)
    raw = raw[schema.column_names]
    data: dict[str, list[object]] = {}
    for column in schema.columns:
        cells = raw[column.name].tolist()
        data[column.name] = [
            _convert(v, column, file=file, line=lines[i]) for i, v in enumerate(cells)
        ]
        allowed = schema.allowed.get(column.name)
        if allowed is not None:
            for i, v in enumerate(cells):
                if v not in allowed:
                    raise ReferenceDataError(
                        f"value {v!r} is not one of {sorted(allowed)}",
                        file=file,
                        row=lines[i],
                        column=column.name,
                    )
    frame = pd.DataFrame(data, columns=schema.column_names)
    for column in schema.columns:
        if column.kind is Kind.FLOAT:
            frame[column.name] = frame[column.name].astype("float64")
        elif column.kind is Kind.INT:
            frame[column.name] = frame[column.name].astype("int64")
        elif column.kind is Kind.YESNO:
            frame[column.name] = frame[column.name].astype("bool")
    _check_key(frame, schema, file=file, lines=lines)
    return frame


def _check_key(frame: pd.DataFrame, schema: TableSchema, *, file: str, lines: list[int]) -> None:
    if not schema.key:
        return
    dup = frame.duplicated(list(schema.key), keep="first")
    if dup.any():
        i = int(dup.to_numpy().nonzero()[0][0])
        values = {k: frame.iloc[i][k] for k in schema.key}
        raise ReferenceDataError(f"duplicate key {values}", file=file, row=lines[i])


def read_table(path: Path, schema: TableSchema, *, encoding: str = "utf-8") -> pd.DataFrame:
    """Read the CSV file at ``path`` and check it against ``schema``."""
    try:
        text = path.read_text(encoding=encoding)
    except FileNotFoundError:
        raise ReferenceDataError("file not found", file=str(path)) from None
    except UnicodeDecodeError as exc:
        raise ReferenceDataError(
            f"cannot decode as {encoding} at byte {exc.start}", file=str(path)
        ) from None
    return parse_table(text, schema, file=path.name)


def cols(*specs: str | Column) -> tuple[Column, ...]:
    """Build a column tuple; plain strings are free-text columns."""
    return tuple(s if isinstance(s, Column) else Column(s) for s in specs)


def names(columns: Sequence[Column]) -> list[str]:
    """The names of ``columns``."""
    return [c.name for c in columns]
