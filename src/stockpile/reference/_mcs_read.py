"""Reading the USGS MCS data-release CSV (Windows-1252) into a checked DataFrame of text."""

from __future__ import annotations

import csv
import gzip
import io
from pathlib import Path

import pandas as pd

from stockpile.reference._errors import ReferenceDataError

__all__ = ["MCS_COLUMNS", "McsFormatError", "McsImportWarning", "read_release_text"]

#: The columns of the data-release CSV, in the order USGS publishes them.
MCS_COLUMNS: tuple[str, ...] = (
    "MCS chapter",
    "Section",
    "Commodity",
    "Country",
    "Statistics",
    "Statistics_detail",
    "Unit",
    "Year",
    "Value",
    "Notes",
    "Is critical mineral 2025",
    "Other notes",
)

#: Columns that must hold text on every data row.
_REQUIRED = ("MCS chapter", "Section", "Statistics", "Year")

_GZIP_MAGIC = b"\x1f\x8b"

#: The encoding USGS uses for the data release.
MCS_ENCODING = "cp1252"


class McsFormatError(ReferenceDataError):
    """The data-release file is malformed: undecodable, missing columns, ragged or empty rows.

    The message names the file, the line (header = line 1) and the column where known.
    """


class McsImportWarning(UserWarning):
    """Something in the release the importer does not know (a chapter, a symbol, a country).

    The row is imported as far as the rules allow (or skipped, for an unknown chapter); the
    import never stops for it.
    """


def _decode(data: bytes, file: str) -> str:
    try:
        text = data.decode(MCS_ENCODING)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise McsFormatError(
            f"cannot decode byte 0x{data[exc.start]:02x} at offset {exc.start} as "
            f"{MCS_ENCODING} (Windows-1252)",
            file=file,
            row=line,
        ) from None
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise McsFormatError("NUL byte: not a text CSV file", file=file, row=line)
    return text.removeprefix("\ufeff")


def read_release_text(path: Path) -> pd.DataFrame:
    """Read the release at ``path`` as text cells, with the file line of each row.

    A gzip-compressed copy of the release is read the same way.

    Returns
    -------
    pandas.DataFrame
        The 12 release columns (stripped of nothing: text as printed) plus ``line`` (the
        1-based line in the file where the row starts).

    Raises
    ------
    McsFormatError
        If the file is missing, cannot be decoded as Windows-1252, lacks a column, has a row
        with the wrong number of fields or a row without chapter, section, statistic or year.
    """
    file = str(path)
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise McsFormatError(f"cannot read file ({exc.strerror})", file=file) from None
    if data.startswith(_GZIP_MAGIC):
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as exc:
            raise McsFormatError(f"corrupt gzip file ({exc})", file=file) from None
    text = _decode(data, file)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise McsFormatError("empty file: no header row", file=file, row=1) from None
    header = [h.strip() for h in header]
    missing = [c for c in MCS_COLUMNS if c not in header]
    if missing:
        raise McsFormatError(
            f"missing column(s) {missing}; found {header}", file=file, row=1, column=missing[0]
        )
    index = [header.index(c) for c in MCS_COLUMNS]
    rows: list[list[str]] = []
    lines: list[int] = []
    start = reader.line_num + 1
    try:
        for record in reader:
            if not record or all(not cell.strip() for cell in record):
                start = reader.line_num + 1
                continue
            if len(record) != len(header):
                raise McsFormatError(
                    f"expected {len(header)} fields, found {len(record)}", file=file, row=start
                )
            cells = [record[i] for i in index]
            for name in _REQUIRED:
                if not cells[MCS_COLUMNS.index(name)].strip():
                    raise McsFormatError("empty value", file=file, row=start, column=name)
            rows.append(cells)
            lines.append(start)
            start = reader.line_num + 1
    except csv.Error as exc:
        raise McsFormatError(f"not a readable CSV table ({exc})", file=file, row=start) from None
    frame = pd.DataFrame(rows, columns=list(MCS_COLUMNS), dtype=str)
    frame["line"] = pd.Series(lines, dtype="int64")
    return frame
