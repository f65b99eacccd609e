"""The report's figures as labelled rows and tables, in Vietnamese or English: what the
workbook and the printed report both show, so the two can never count differently."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

Lang = str  # "vi" or "en"
_MONTH = re.compile(r"\d{4}-\d{2}")

# (section, key in that section, Vietnamese, English)
SUMMARY: tuple[tuple[str, str, str, str], ...] = (
    ("meetings", "held", "Số cuộc họp đã tổ chức", "Meetings held"),
    ("meetings", "planned", "Số cuộc họp đã lên lịch, chưa họp",
     "Meetings scheduled, not yet held"),
    ("meetings", "in_session", "Số cuộc họp đang diễn ra", "Meetings in session"),
    ("meetings", "cancelled", "Số cuộc họp bị hủy", "Meetings cancelled"),
    ("meetings", "total_minutes", "Tổng thời gian họp (phút)", "Total meeting time (minutes)"),
    ("meetings", "average_minutes", "Thời gian họp trung bình (phút)",
     "Average meeting length (minutes)"),
    ("attendance", "invited", "Lượt đại biểu được mời", "Invitations"),
    ("attendance", "present", "Lượt có mặt", "Present"),
    ("attendance", "excused", "Lượt vắng có báo cáo", "Absent with notice"),
    ("attendance", "substitute", "Lượt cử người dự thay", "Substitutes sent"),
    ("attendance", "absent", "Lượt vắng không báo cáo", "Absent without notice"),
    ("attendance", "rate", "Tỷ lệ có mặt (%)", "Attendance rate (%)"),
    ("documents", "documents", "Số tài liệu phát hành", "Documents distributed"),
    ("documents", "pages", "Số trang tài liệu", "Document pages"),
    ("documents", "printed_pages", "Số trang lẽ ra phải in", "Pages that would have been printed"),
    ("documents", "sheets", "Giấy A4 tiết kiệm (tờ, in hai mặt)",
     "A4 paper saved (sheets, both sides)"),
    ("documents", "reams", "Tương đương (ram 500 tờ)", "Equivalent (reams of 500)"),
    ("documents", "kilograms", "Khối lượng giấy (kg)", "Paper weight (kg)"),
    ("participation", "questions", "Câu hỏi gửi trước và tại cuộc họp", "Questions sent"),
    ("participation", "opinions", "Ý kiến góp ý", "Opinions sent"),
    ("participation", "answered", "Câu hỏi, ý kiến đã được trả lời", "Answered"),
    ("participation", "speeches", "Lượt phát biểu", "Speeches"),
    ("participation", "speaking_minutes", "Thời gian phát biểu (phút)", "Speaking time (minutes)"),
    ("votes", "polls", "Số lần biểu quyết", "Votes held"),
    ("votes", "passed", "Số nội dung được thông qua", "Motions passed"),
    ("votes", "turnout", "Tỷ lệ tham gia biểu quyết (%)", "Voting turnout (%)"),
    ("conclusions", "issued_on_time", "Thông báo kết luận ban hành đúng hạn (5 ngày làm việc)",
     "Conclusion notices issued on time (5 working days)"),
    ("conclusions", "issued_late", "Thông báo kết luận ban hành trễ hạn",
     "Conclusion notices issued late"),
    ("conclusions", "overdue", "Thông báo kết luận quá hạn chưa ban hành",
     "Conclusion notices overdue"),
    ("conclusions", "pending", "Thông báo kết luận chưa đến hạn", "Conclusion notices not yet due"),
    ("tasks", "total", "Nhiệm vụ đến hạn trong kỳ", "Tasks due in the period"),
    ("tasks", "done_on_time", "Hoàn thành đúng hạn", "Done on time"),
    ("tasks", "done_late", "Hoàn thành trễ hạn", "Done late"),
    ("tasks", "overdue", "Quá hạn chưa hoàn thành", "Overdue"),
    ("tasks", "in_progress", "Đang thực hiện, chưa đến hạn", "In progress, not yet due"),
    ("tasks", "on_time_rate", "Tỷ lệ hoàn thành đúng hạn (%)", "Done on time (%)"),
)

SECTION_TITLES: dict[str, tuple[str, str]] = {
    "meetings": ("Cuộc họp", "Meetings"),
    "attendance": ("Tham dự", "Attendance"),
    "documents": ("Tài liệu và giấy tiết kiệm", "Documents and paper saved"),
    "participation": ("Câu hỏi, ý kiến và phát biểu", "Questions, opinions and speeches"),
    "votes": ("Biểu quyết", "Votes"),
    "conclusions": ("Thông báo kết luận", "Conclusion notices"),
    "tasks": ("Nhiệm vụ được giao", "Assigned tasks"),
}


@dataclass(frozen=True)
class Column:
    """One column of a detail table: the row's key and its heading in each language."""

    key: str
    vi: str
    en: str

    def label(self, lang: Lang) -> str:
        """The heading in `lang`."""
        return self.en if lang == "en" else self.vi


@dataclass(frozen=True)
class Detail:
    """A detail table: where its rows are in the report and its columns."""

    name: str
    vi: str
    en: str
    section: str
    rows: str
    columns: tuple[Column, ...]

    def title(self, lang: Lang) -> str:
        """The table's title in `lang`."""
        return self.en if lang == "en" else self.vi

    def body(self, report: dict[str, Any]) -> list[list[Any]]:
        """The table's cells, row by row."""
        return [[month_text(row[c.key]) if c.key == "month" else row.get(c.key)
                 for c in self.columns] for row in report[self.section][self.rows]]


_UNIT = Column("unit", "Đơn vị", "Unit")
DETAILS: tuple[Detail, ...] = (
    Detail("by_month", "Cuộc họp theo tháng", "Meetings by month", "meetings", "by_month", (
        Column("month", "Tháng", "Month"), Column("held", "Số cuộc họp", "Meetings"),
        Column("minutes", "Thời gian (phút)", "Minutes"))),
    Detail("meetings_by_unit", "Cuộc họp theo đơn vị chủ trì", "Meetings by host unit",
           "meetings", "by_unit", (
               _UNIT, Column("held", "Số cuộc họp", "Meetings"),
               Column("minutes", "Thời gian (phút)", "Minutes"))),
    Detail("attendance_by_unit", "Tham dự theo đơn vị", "Attendance by unit", "attendance",
           "by_unit", (
               _UNIT, Column("members", "Đại biểu", "Members"),
               Column("invited", "Lượt mời", "Invited"), Column("present", "Có mặt", "Present"),
               Column("excused", "Vắng có báo cáo", "Excused"),
               Column("substitute", "Dự thay", "Substitute"),
               Column("absent", "Vắng không báo cáo", "Absent"),
               Column("rate", "Tỷ lệ có mặt (%)", "Rate (%)"))),
    Detail("attendance_by_member", "Tham dự theo đại biểu", "Attendance by member",
           "attendance", "by_member", (
               Column("name", "Họ và tên", "Name"), Column("title", "Chức vụ", "Title"), _UNIT,
               Column("invited", "Lượt mời", "Invited"), Column("present", "Có mặt", "Present"),
               Column("excused", "Vắng có báo cáo", "Excused"),
               Column("substitute", "Dự thay", "Substitute"),
               Column("absent", "Vắng không báo cáo", "Absent"),
               Column("rate", "Tỷ lệ có mặt (%)", "Rate (%)"))),
    # Titles name the workbook's sheets: at most 31 characters, Excel's limit.
    Detail("tasks_by_unit", "Nhiệm vụ theo đơn vị thực hiện",
           "Tasks by responsible unit", "tasks", "by_unit", (
               _UNIT, Column("total", "Đến hạn", "Due"),
               Column("done_on_time", "Đúng hạn", "On time"),
               Column("done_late", "Trễ hạn", "Late"), Column("overdue", "Quá hạn", "Overdue"),
               Column("in_progress", "Đang thực hiện", "In progress"),
               Column("on_time_rate", "Đúng hạn (%)", "On time (%)"))),
)


def summary(report: dict[str, Any], lang: Lang) -> list[tuple[str, str, Any]]:
    """(section title, label, value) for every headline figure, in order."""
    return [(SECTION_TITLES[section][lang == "en"], en if lang == "en" else vi,
             report[section][key]) for section, key, vi, en in SUMMARY]


def dmy(iso: str) -> str:
    """ "2026-10-01" as 01/10/2026."""
    return dt.date.fromisoformat(iso).strftime("%d/%m/%Y")


def period_text(report: dict[str, Any], lang: Lang) -> str:
    """ "Từ ngày 01/10/2026 đến ngày 31/12/2026"."""
    since, until = dmy(report["period"]["since"]), dmy(report["period"]["until"])
    return (f"From {since} to {until}" if lang == "en"
            else f"Từ ngày {since} đến ngày {until}")


def scope_text(report: dict[str, Any], lang: Lang, fallback: str) -> str:
    """The unit the report covers, with those below it."""
    name = report["unit"]["name"] if report["unit"] else fallback
    return f"{name} (and units below)" if lang == "en" else f"{name} (và các đơn vị trực thuộc)"


def cell_text(value: Any) -> str:
    """A figure as printed: thousands with dots, decimals with a comma, as Vietnamese write."""
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "x" if value else ""
    if isinstance(value, int):
        return f"{value:,}".replace(",", ".")
    if isinstance(value, float):
        return f"{value:,.1f}".replace(",", " ").replace(".", ",").replace(" ", ".")
    return str(value)


def month_text(value: str) -> str:
    """ "2026-11" as 11/2026, as the screen shows it."""
    return f"{value[5:]}/{value[:4]}" if _MONTH.fullmatch(value) else value

