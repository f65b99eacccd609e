"""Statistics for a period and a unit (administrators, secretaries, chairs): as JSON for
the charts, as an Excel workbook, and as a Decree 30 report in PDF."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ecabinet import audit, payload, signatures, spreadsheet
from ecabinet.api.context import authed, ok
from ecabinet.api.spec import COUNT, DATE, ID, STR, arr, nullable, obj, operation, record
from ecabinet.models import User
from ecabinet.reports import document, statistics, workbook
from ecabinet.workdays import VIETNAM

NUMBER: dict[str, Any] = {"type": "number"}
# A percentage, or null when there is nothing to take it of.
SHARE = nullable(NUMBER)
QUERY = obj(since=DATE, until=DATE, unit_id=ID)
ROWS = arr({"type": "object"})
REPORT = record(
    period=record(since=DATE, until=DATE), unit=nullable(record(id=ID, name=STR)), as_of=DATE,
    meetings=record(held=COUNT, planned=COUNT, in_session=COUNT, cancelled=COUNT, measured=COUNT,
                    total_minutes=COUNT, average_minutes=nullable(COUNT), by_month=ROWS,
                    by_unit=ROWS),
    attendance=record(invited=COUNT, present=COUNT, excused=COUNT, substitute=COUNT,
                      absent=COUNT, rate=SHARE, by_unit=ROWS, by_member=ROWS),
    documents=record(documents=COUNT, pages=COUNT, printed_pages=COUNT, sheets=COUNT,
                     reams=NUMBER, kilograms=NUMBER),
    participation=record(questions=COUNT, opinions=COUNT, answered=COUNT, speeches=COUNT,
                         speaking_minutes=COUNT),
    votes=record(polls=COUNT, passed=COUNT, not_passed=COUNT, ballots=COUNT, entitled=COUNT,
                 turnout=SHARE),
    conclusions=record(meetings=COUNT, issued=COUNT, issued_on_time=COUNT, issued_late=COUNT,
                       overdue=COUNT, due_soon=COUNT, on_track=COUNT, pending=COUNT,
                       on_time_rate=SHARE),
    tasks=record(total=COUNT, done_on_time=COUNT, done_late=COUNT, overdue=COUNT,
                 in_progress=COUNT, on_time_rate=SHARE, by_unit=ROWS))


def _today() -> dt.date:
    return dt.datetime.now(VIETNAM).date()


def _period(request: Request) -> statistics.Period:
    query = request.query_params
    return statistics.asked_period(
        payload.day({"since": query.get("since")}, "since", required=False),
        payload.day({"until": query.get("until")}, "until", required=False), _today())


async def _report(request: Request, export: str = ""
                  ) -> tuple[dict[str, Any], User, signatures.Letterhead | None]:
    """The report asked for, who asked, and for an export (audited) the letterhead."""
    period = _period(request)
    unit_id = payload.query_int(request.query_params.get("unit_id"), "unit_id")
    async with authed(request, read_only=True) as ctx:
        report = await statistics.statistics(ctx.db, ctx.user, period, unit_id=unit_id,
                                             on=_today())
        head = await document.letterhead(ctx.db, ctx.user, report) if export else None
    if export:
        # Counted in a read transaction; only the audit entry takes the write lock.
        async with authed(request) as ctx:
            await audit.record(ctx.db, "report.export", actor_id=ctx.user.id,
                               object_type="report", data={
                                   "format": export, "since": report["period"]["since"],
                                   "until": report["period"]["until"], "unit_id": unit_id})
    return report, ctx.user, head


def _file_name(report: dict[str, Any], ext: str) -> str:
    return f"bao-cao-hop-{report['period']['since']}-{report['period']['until']}.{ext}"


def _attachment(data: bytes, media: str, name: str) -> Response:
    return Response(data, media_type=media, headers={
        "content-disposition": f'attachment; filename="{name}"', "cache-control": "no-store"})


@operation("Meeting statistics for a period (this quarter by default) and a unit with those "
           "below it (admin, secretary, chair)", tag="reports", query=QUERY, response=REPORT)
async def get_statistics(request: Request) -> Response:
    """A secretary or chair counts their own unit's; an administrator any unit's."""
    report, _, _ = await _report(request)
    return ok(report)


@operation("The statistics as an Excel workbook", tag="reports", query=QUERY, response=STR,
           content=spreadsheet.XLSX_TYPE)
async def export_xlsx(request: Request) -> Response:
    """A summary sheet and one sheet per table, in the user's language; audited."""
    report, user, head = await _report(request, "xlsx")
    lang = user.language
    title = "Meeting statistics" if lang == "en" else "Báo cáo thống kê hoạt động họp"
    # openpyxl is pure Python: a member table of hundreds of rows stays off the loop.
    data = await asyncio.to_thread(workbook.workbook, report, lang=lang,
                                   issuer=head.name if head else "", title=title)
    return _attachment(data, spreadsheet.XLSX_TYPE, _file_name(report, "xlsx"))


@operation("The statistics as a report in the Decree 30 layout (PDF, Vietnamese)",
           tag="reports", query=QUERY, response=STR, content="application/pdf")
async def export_pdf(request: Request) -> Response:
    """Unnumbered, for the clerk to register and the head of office to sign; audited."""
    report, user, head = await _report(request, "pdf")
    assert head is not None
    # Laid out after the transaction: the write lock is not held through the layout.
    pdf = await document.printed(report, head, author=user.full_name, on=_today())
    return _attachment(pdf, "application/pdf", _file_name(report, "pdf"))


routes = [
    Route("/api/reports/statistics", get_statistics, methods=["GET"]),
    Route("/api/reports/statistics.xlsx", export_xlsx, methods=["GET"]),
    Route("/api/reports/statistics.pdf", export_pdf, methods=["GET"]),
]
