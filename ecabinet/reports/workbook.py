"""The report as an Excel workbook (openpyxl): a summary sheet, then one sheet per detail
table, numbers kept as numbers so the office can sum and chart them again."""

from __future__ import annotations

import io
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from ecabinet.reports.figures import DETAILS, Lang, period_text, scope_text, summary
from ecabinet.spreadsheet import safe_cell

_BOLD = Font(bold=True)
_TITLE = Font(bold=True, size=14)
_HEAD = PatternFill("solid", fgColor="DCE6F1")
# Excel refuses sheet names over 31 characters.
_SHEET_NAME = 31


def _cell(value: Any) -> Any:
    """A value Excel opens as written: never a formula, no control characters (a name
    typed with one would make the whole workbook unwritable)."""
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    return safe_cell(value)


def _widths(sheet: Any, widths: list[int]) -> None:
    for i, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = width


def _header(sheet: Any, row: int, labels: list[str]) -> None:
    for col, label in enumerate(labels, start=1):
        cell = sheet.cell(row=row, column=col, value=_cell(label))
        cell.font, cell.fill = _BOLD, _HEAD
        cell.alignment = Alignment(wrap_text=True, vertical="center")


def workbook(report: dict[str, Any], *, lang: Lang, issuer: str, title: str) -> bytes:
    """The .xlsx bytes of `report` (as `statistics.statistics` returns it)."""
    book = Workbook()
    sheet = book.active
    sheet.title = ("Summary" if lang == "en" else "Tổng hợp")
    sheet["A1"] = _cell(title)
    sheet["A1"].font = _TITLE
    sheet["A2"] = _cell(scope_text(report, lang, issuer))
    sheet["A3"] = period_text(report, lang)
    _header(sheet, 5, ["Section", "Figure", "Value"] if lang == "en"
            else ["Nhóm chỉ tiêu", "Chỉ tiêu", "Số liệu"])
    for row, (section, label, value) in enumerate(summary(report, lang), start=6):
        sheet.cell(row=row, column=1, value=section)
        sheet.cell(row=row, column=2, value=label)
        sheet.cell(row=row, column=3, value=value)
    _widths(sheet, [30, 58, 14])
    for detail in DETAILS:
        page = book.create_sheet(detail.title(lang)[:_SHEET_NAME])
        labels = [c.label(lang) for c in detail.columns]
        body = detail.body(report)
        _header(page, 1, labels)
        for row, cells in enumerate(body, start=2):
            for col, value in enumerate(cells, start=1):
                page.cell(row=row, column=col, value=_cell(value))
        page.freeze_panes = "A2"
        # As wide as the longest name in the column (a unit's, a person's), within reason.
        longest = [max([len(label) // 2 + 4]
                       + [len(str(cells[i])) + 2 for cells in body if cells[i] is not None])
                   for i in range(len(labels))]
        _widths(page, [max(10, min(45, width)) for width in longest])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
