"""Reading the rows of an uploaded spreadsheet (CSV or Excel) by their column headings, as
an office types them: in Vietnamese with or without diacritics, or in English."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass

from ecabinet.errors import Invalid
from ecabinet.vntext import fold

MAX_ROWS = 5000


@dataclass(frozen=True)
class Sheet:
    """One table: its name, and each row's number as the spreadsheet shows it, with its
    cells keyed by the folded heading ("ho va ten")."""

    name: str
    rows: list[tuple[int, dict[str, str]]]

    @property
    def headings(self) -> set[str]:
        """The folded headings present in any row."""
        return {key for _, row in self.rows for key in row}


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a code typed as a number in Excel
    return str(value).strip()


def _table(name: str, lines: Iterable[Iterable[object]]) -> Sheet:
    headings: list[str] | None = None
    rows: list[tuple[int, dict[str, str]]] = []
    for number, line in enumerate(lines, start=1):
        cells = [_cell(v) for v in line]
        if not any(cells):
            continue
        if headings is None:
            headings = [fold(c) for c in cells]
            continue
        rows.append((number, {h: c for h, c in zip(headings, cells, strict=False) if h}))
        if len(rows) > MAX_ROWS:
            raise Invalid("import_too_many_rows", most=MAX_ROWS)
    return Sheet(name, rows)


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1258"):  # Excel on Vietnamese Windows saves cp1258
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise Invalid("import_file_unreadable")


def read(filename: str, data: bytes) -> list[Sheet]:
    """The sheets of an .xlsx workbook, or the one table of a .csv file; Invalid when the
    file is neither."""
    if data[:4] == b"PK\x03\x04" or filename.lower().endswith(".xlsx"):
        import openpyxl

        try:
            book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            try:
                return [_table(ws.title, ws.iter_rows(values_only=True))
                        for ws in book.worksheets]
            finally:
                book.close()
        except Invalid:
            raise
        # An uploaded workbook is anyone's bytes: openpyxl refuses a broken one with any of
        # a dozen exception types, each of which means the same to the person uploading.
        except Exception as exc:
            raise Invalid("import_file_unreadable") from exc
    text = _decode(data)
    if "\x00" in text:
        raise Invalid("import_file_unreadable")
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel  # type: ignore[assignment]
    try:
        return [_table(filename or "CSV", csv.reader(io.StringIO(text), dialect))]
    except csv.Error as exc:  # a field over the size limit, a stray quote at the end
        raise Invalid("import_file_unreadable") from exc


def pick(row: dict[str, str], *names: str) -> str:
    """The first of the headings (folded) the row has a value under."""
    for name in names:
        if row.get(name):
            return row[name]
    return ""
