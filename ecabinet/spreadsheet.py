"""CSV files for spreadsheets, every cell safe to open in Excel or LibreOffice.

A cell that starts with = + - @, a tab or a carriage return is read as a formula and can
fetch URLs or run commands on the office's PC (CSV injection): such a cell is written
with a leading apostrophe, which the spreadsheet shows as plain text. Every export goes
through here, so no new one can forget it.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
Cell = str | int | float | None


def safe_cell(value: Cell) -> Cell:
    """A cell that a spreadsheet never evaluates (numbers stay numbers)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def json_cell(data: object) -> str:
    """Structured details as one readable cell (Vietnamese kept as letters, keys sorted)."""
    return json.dumps(data, ensure_ascii=False, sort_keys=True, default=str)


def csv_text(header: Sequence[str], rows: Iterable[Sequence[Cell]]) -> str:
    """UTF-8 CSV with a byte-order mark, so Excel reads Vietnamese correctly."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow([safe_cell(h) for h in header])
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
    return out.getvalue()
