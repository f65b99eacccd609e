"""Statistics for a period and a unit, checked figure by figure against a quarter counted by
hand; the workbook read back by openpyxl and the printed report carry the same numbers;
who may count which unit's meetings."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import openpyxl
import pymupdf
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ecabinet import audit, db
from ecabinet.models import (
    Attendance,
    AuditEntry,
    Conclusion,
    Document,
    DocumentReader,
    DocumentVersion,
    Meeting,
    MeetingStatus,
    Participant,
    ParticipantRole,
    Poll,
    PollVoter,
    Question,
    SpeakerRequest,
    Task,
    TaskStatus,
    Unit,
)
from ecabinet.models.attendance import AttendanceResponse
from ecabinet.models.conclusions import ConclusionStatus
from ecabinet.models.documents import VersionStatus
from ecabinet.models.questions import QuestionKind, QuestionStatus
from ecabinet.models.speakers import SpeakerStatus
from ecabinet.models.voting import PollStatus
from ecabinet.reports import statistics
from ecabinet.workdays import VIETNAM
from tests.conftest import World

S = MeetingStatus
Q3 = statistics.Period(dt.date(2026, 7, 1), dt.date(2026, 9, 30))
AS_OF = dt.date(2026, 10, 15)
R = ParticipantRole


def at(day: str, hour: int, minute: int = 0) -> dt.datetime:
    """A moment in Vietnam."""
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(hour, minute), tzinfo=VIETNAM)


async def _meeting(s: AsyncSession, world: World, unit: int, status: MeetingStatus,
                   starts: dt.datetime, people: dict[str, ParticipantRole],
                   start: dt.datetime | None = None, adjourn: dt.datetime | None = None
                   ) -> int:
    meeting = Meeting(title=f"Họp {starts:%d/%m}", unit_id=unit, chair_id=world["chair"].id,
                      created_by_id=world["secretary"].id, starts_at=starts, status=status)
    s.add(meeting)
    await s.flush()
    for name, role in people.items():
        # The meeting's secretary keeps the record: not a member the quorum counts.
        s.add(Participant(meeting_id=meeting.id, user_id=world[name].id, role=role,
                          voting=role != R.secretary))
    for action, moment in (("meeting.start", start), ("meeting.adjourn", adjourn)):
        if moment is not None:
            await audit.record(s, action, actor_id=world["chair"].id, object_type="meeting",
                               object_id=meeting.id, meeting_id=meeting.id,
                               data={"at": moment.isoformat()})
    return meeting.id


def _present(meeting: int, world: World, name: str, *, remote: bool = False) -> Attendance:
    return Attendance(meeting_id=meeting, user_id=world[name].id,
                      response=AttendanceResponse.attend, checked_in_at=at("2026-07-06", 8),
                      remote=remote)


async def _version(s: AsyncSession, doc: Document, number: int, pages: int,
                   status: VersionStatus = VersionStatus.ready) -> None:
    s.add(DocumentVersion(document_id=doc.id, number=number, sha256=f"{doc.id:02d}{number:062d}",
                          page_count=pages, status=status))


async def build_quarter(sessions: async_sessionmaker[AsyncSession], world: World
                        ) -> dict[str, int]:
    """The third quarter of 2026, as written out in this module's test's comments."""
    async with db.transaction(sessions) as s:
        # M1: the province, held 08:00-10:30 (150 minutes).
        m1 = await _meeting(s, world, world.province, S.closed, at("2026-07-06", 8), {
            "chair": R.chair, "delegate": R.delegate, "delegate2": R.delegate,
            "outsider": R.invited, "observer": R.observer, "secretary": R.secretary},
            start=at("2026-07-06", 8), adjourn=at("2026-07-06", 10, 30))
        # M2: the district, 14:00-15:00 (60 minutes).
        m2 = await _meeting(s, world, world.district, S.adjourned, at("2026-08-10", 14), {
            "delegate": R.delegate, "delegate2": R.delegate, "chair2": R.delegate},
            start=at("2026-08-10", 14), adjourn=at("2026-08-10", 15))
        # M3: the other district, started, never adjourned: no length.
        m3 = await _meeting(s, world, world.other_district, S.closed, at("2026-09-14", 8), {
            "delegate": R.delegate, "chair": R.chair, "chair2": R.delegate},
            start=at("2026-09-14", 8))
        # Still in session: counted apart, its attendance not yet final.
        today = await _meeting(s, world, world.province, S.in_session, at("2026-09-30", 8),
                               {"delegate": R.delegate, "delegate2": R.delegate},
                               start=at("2026-09-30", 8))
        cancelled = await _meeting(s, world, world.province, S.cancelled,
                                   at("2026-07-20", 8), {"delegate": R.delegate})
        await _meeting(s, world, world.province, S.published, at("2026-09-29", 8),
                       {"delegate": R.delegate})
        await _meeting(s, world, world.province, S.draft, at("2026-08-01", 8),
                       {"delegate": R.delegate})
        m7 = await _meeting(s, world, world.province, S.closed, at("2026-10-02", 8),
                            {"delegate": R.delegate}, start=at("2026-10-02", 8),
                            adjourn=at("2026-10-02", 9))
        s.add(_present(m7, world, "delegate"))
        # Attendance: 10 invitations; present 5, excused 2 (one's substitute never came),
        # substitute 1, absent 2.
        s.add_all([
            _present(m1, world, "chair"), _present(m1, world, "delegate"),
            Attendance(meeting_id=m1, user_id=world["delegate2"].id,
                       response=AttendanceResponse.absent, reason="Đi công tác"),
            _present(m2, world, "delegate", remote=True),
            Attendance(meeting_id=m2, user_id=world["delegate2"].id,
                       response=AttendanceResponse.substitute, substitute_name="Lê Thị Thay",
                       checked_in_at=at("2026-08-10", 14)),
            Attendance(meeting_id=m2, user_id=world["chair2"].id,
                       response=AttendanceResponse.attend),
            _present(m3, world, "delegate"), _present(m3, world, "chair"),
            Attendance(meeting_id=m3, user_id=world["chair2"].id,
                       response=AttendanceResponse.substitute, substitute_name="Không đến"),
            _present(m1, world, "observer"), _present(m1, world, "secretary"),
            _present(today, world, "delegate"),
        ])
        # Documents: A (latest ready v2, 12 pages, 5 copies: the secretary's too), B
        # restricted (4 pages, 2 readers), C never ready; D in M2 (3 pages, 3 copies); E in
        # the cancelled one.
        docs = {}
        for name, meeting, restricted in (("A", m1, False), ("B", m1, True), ("C", m1, False),
                                          ("D", m2, False), ("E", cancelled, False)):
            docs[name] = Document(meeting_id=meeting, title=name, restricted=restricted)
            s.add(docs[name])
        await s.flush()
        await _version(s, docs["A"], 1, 10)
        await _version(s, docs["A"], 2, 12)
        await _version(s, docs["A"], 3, 99, VersionStatus.failed)
        await _version(s, docs["B"], 1, 4)
        await _version(s, docs["C"], 1, 50, VersionStatus.pending)
        await _version(s, docs["D"], 1, 3)
        await _version(s, docs["E"], 1, 100)
        s.add_all([DocumentReader(document_id=docs["B"].id, user_id=world[n].id)
                   for n in ("delegate", "chair")])
        # Questions 2 (1 answered), opinions 2; a merged duplicate not counted.
        first = Question(meeting_id=m1, author_id=world["delegate"].id,
                         kind=QuestionKind.question, text="Q1", status=QuestionStatus.answered)
        s.add(first)
        await s.flush()
        s.add_all([
            Question(meeting_id=m1, author_id=world["delegate2"].id, kind=QuestionKind.question,
                     text="Q2"),
            Question(meeting_id=m1, author_id=world["chair"].id, kind=QuestionKind.question,
                     text="Q1 again", merged_into_id=first.id),
            Question(meeting_id=m1, author_id=world["delegate"].id, kind=QuestionKind.opinion,
                     text="O1"),
            Question(meeting_id=m2, author_id=world["delegate"].id, kind=QuestionKind.opinion,
                     text="O2"),
        ])
        # Speeches: 5 + 8 minutes in M1, one still waiting; one in M3 never ended (0).
        s.add_all([
            SpeakerRequest(meeting_id=m1, user_id=world["delegate"].id,
                           status=SpeakerStatus.done, started_at=at("2026-07-06", 8, 10),
                           ended_at=at("2026-07-06", 8, 15)),
            SpeakerRequest(meeting_id=m1, user_id=world["delegate2"].id,
                           status=SpeakerStatus.done, started_at=at("2026-07-06", 8, 20),
                           ended_at=at("2026-07-06", 8, 28)),
            SpeakerRequest(meeting_id=m1, user_id=world["chair"].id,
                           status=SpeakerStatus.waiting),
            SpeakerRequest(meeting_id=m3, user_id=world["delegate"].id,
                           status=SpeakerStatus.speaking, started_at=at("2026-09-14", 9)),
        ])
        # Votes: two closed (one passed), 5 ballots of 8 entitled; a draft and a
        # cancelled one not counted.
        polls = [Poll(meeting_id=m1, question="Thông qua?", options=["Đồng ý", "Không"],
                      status=PollStatus.closed, voted_count=3, result={"passed": True}),
                 Poll(meeting_id=m1, question="Thông qua 2?", options=["Đồng ý", "Không"],
                      status=PollStatus.closed, voted_count=2, result={"passed": False}),
                 Poll(meeting_id=m1, question="Nháp", options=["Đồng ý", "Không"],
                      status=PollStatus.draft),
                 Poll(meeting_id=m2, question="Hủy", options=["Đồng ý", "Không"],
                      status=PollStatus.cancelled, voted_count=1)]
        s.add_all(polls)
        await s.flush()
        s.add_all([PollVoter(poll_id=p.id, voter_id=world[n].id) for p in polls[:2]
                   for n in ("chair", "delegate", "delegate2", "outsider")])
        # Conclusions: M1's issued on 10/7 (due 13/7, on time), M2's on 20/8 (due 17/8,
        # late); M3 has none (due 21/9, overdue on 15/10).
        s.add_all([
            Conclusion(meeting_id=m1, unit_id=world.province, status=ConclusionStatus.issued,
                       due_date=dt.date(2026, 7, 13), issue_date=dt.date(2026, 7, 10)),
            Conclusion(meeting_id=m2, unit_id=world.district, status=ConclusionStatus.issued,
                       due_date=dt.date(2026, 8, 17), issue_date=dt.date(2026, 8, 20)),
        ])

        def task(meeting: int | None, deadline: str, status: TaskStatus, unit: int | None,
                 done: dt.datetime | None = None, user: str = "") -> Task:
            return Task(meeting_id=meeting, content="Việc", deadline=dt.date.fromisoformat(
                deadline), status=status, responsible_unit_id=unit, completed_at=done,
                responsible_user_id=world[user].id if user else None)

        s.add_all([
            task(m1, "2026-07-31", TaskStatus.done, world.district, at("2026-07-30", 16)),
            task(m1, "2026-08-15", TaskStatus.done, world.district, at("2026-08-20", 9)),
            task(m2, "2026-09-30", TaskStatus.in_progress, world.commune),
            task(m1, "2026-09-20", TaskStatus.assigned, None, user="delegate"),
            task(m1, "2026-11-30", TaskStatus.assigned, world.province),
            task(m1, "2026-08-01", TaskStatus.planned, world.province),
            # Done at 01:00 on 25/9 in Vietnam (still the 24th in UTC): a day late.
            task(m3, "2026-09-24", TaskStatus.done, world.other_district,
                 at("2026-09-25", 1)),
        ])
    return {"m1": m1, "m2": m2, "m3": m3}


async def report(sessions: async_sessionmaker[AsyncSession], world: World, who: str,
                 **kwargs: Any) -> dict[str, Any]:
    async with db.transaction(sessions) as s:
        return await statistics.statistics(s, world[who], Q3, on=kwargs.pop("on", AS_OF),
                                           **kwargs)


async def test_every_figure_of_a_hand_counted_quarter(
        sessions: async_sessionmaker[AsyncSession], world: World) -> None:
    await build_quarter(sessions, world)
    got = await report(sessions, world, "admin")
    meetings = got["meetings"]
    assert {k: meetings[k] for k in ("held", "planned", "in_session", "cancelled",
                                     "measured", "total_minutes", "average_minutes")} == {
        "held": 3, "planned": 1, "in_session": 1, "cancelled": 1, "measured": 2,
        "total_minutes": 210, "average_minutes": 105}
    assert meetings["by_month"] == [{"month": "2026-07", "held": 1, "minutes": 150},
                                    {"month": "2026-08", "held": 1, "minutes": 60},
                                    {"month": "2026-09", "held": 1, "minutes": 0}]
    assert {u["unit_id"]: (u["held"], u["minutes"]) for u in meetings["by_unit"]} == {
        world.province: (1, 150), world.district: (1, 60), world.other_district: (1, 0)}

    attendance = got["attendance"]
    assert {k: attendance[k] for k in ("invited", "present", "excused", "substitute",
                                       "absent", "rate")} == {
        "invited": 10, "present": 5, "excused": 2, "substitute": 1, "absent": 2, "rate": 50.0}
    members = {m["user_id"]: m for m in attendance["by_member"]}
    assert world["observer"].id not in members and world["secretary"].id not in members
    assert (members[world["delegate"].id]["invited"],
            members[world["delegate"].id]["present"]) == (3, 3)
    d2 = members[world["delegate2"].id]
    assert (d2["present"], d2["excused"], d2["substitute"], d2["absent"], d2["rate"]) == (
        0, 1, 1, 0, 0.0)
    chair2 = members[world["chair2"].id]
    assert (chair2["invited"], chair2["absent"], chair2["excused"]) == (2, 1, 1)
    units = {u["unit_id"]: u for u in attendance["by_unit"]}
    assert (units[world.province]["members"], units[world.province]["invited"],
            units[world.province]["present"], units[world.province]["rate"]) == (4, 9, 5, 55.6)
    assert units[world.other_district]["absent"] == 1

    assert got["documents"] == {"documents": 3, "pages": 19, "printed_pages": 77,
                                "sheets": 39, "reams": 0.1, "kilograms": 0.2}
    assert got["participation"] == {"questions": 2, "opinions": 2, "answered": 1,
                                    "speeches": 3, "speaking_minutes": 13}
    assert got["votes"] == {"polls": 2, "passed": 1, "not_passed": 1, "ballots": 5,
                            "entitled": 8, "turnout": 62.5}
    assert got["conclusions"] == {"meetings": 3, "issued": 2, "issued_on_time": 1,
                                  "issued_late": 1, "overdue": 1, "due_soon": 0,
                                  "on_track": 0, "pending": 0, "on_time_rate": 33.3}
    tasks = got["tasks"]
    assert {k: tasks[k] for k in ("total", "done_on_time", "done_late", "overdue",
                                  "in_progress", "on_time_rate")} == {
        "total": 5, "done_on_time": 1, "done_late": 2, "overdue": 2, "in_progress": 0,
        "on_time_rate": 20.0}
    by_unit = {u["unit_id"]: (u["total"], u["done_on_time"], u["done_late"], u["overdue"])
               for u in tasks["by_unit"]}
    assert by_unit == {world.district: (2, 1, 1, 0), world.commune: (1, 0, 0, 1),
                       world.province: (1, 0, 0, 1), world.other_district: (1, 0, 1, 0)}

    # On 18/9 the commune's and the delegate's tasks were not yet due, nor M3's notice.
    earlier = await report(sessions, world, "admin", on=dt.date(2026, 9, 18))
    assert (earlier["tasks"]["in_progress"], earlier["tasks"]["overdue"]) == (2, 0)
    assert (earlier["conclusions"]["overdue"], earlier["conclusions"]["pending"]) == (0, 1)


async def test_a_unit_counts_itself_and_those_below(
        sessions: async_sessionmaker[AsyncSession], world: World) -> None:
    await build_quarter(sessions, world)
    district = await report(sessions, world, "district_secretary")
    assert district["meetings"]["held"] == 1
    assert district["attendance"]["invited"] == 3
    # A unit with no meeting has no rate, rather than a rate of 0 %.
    empty = await report(sessions, world, "admin", unit_id=world.commune)
    assert (empty["meetings"]["held"], empty["attendance"]["rate"]) == (0, None)
    assert empty["meetings"]["average_minutes"] is None
    assert empty["votes"]["turnout"] is None
    assert district["documents"]["pages"] == 3
    # The district's and the commune's tasks, and those its meeting gave.
    assert district["tasks"]["total"] == 3
    narrowed = await report(sessions, world, "admin", unit_id=world.other_district)
    assert (narrowed["meetings"]["held"], narrowed["tasks"]["total"]) == (1, 1)
    assert narrowed["unit"] == {"id": world.other_district, "name": "UBND huyện Phong Điền"}


async def test_who_may_count(client_factory: Any, world: World,
                             sessions: async_sessionmaker[AsyncSession]) -> None:
    await build_quarter(sessions, world)
    query = {"since": "2026-07-01", "until": "2026-09-30"}
    for name in ("delegate", "room", "observer"):
        client = await client_factory(name)
        answer = await client.get("/api/reports/statistics", params=query)
        assert answer.status_code == 403, name
        assert answer.json()["error"]["code"] == "report_forbidden"
    district = await client_factory("district_secretary")
    answer = await district.get("/api/reports/statistics",
                                params={**query, "unit_id": world.other_district})
    assert answer.status_code == 403
    assert "trực thuộc" in answer.json()["error"]["message"]
    missing = await district.get("/api/reports/statistics", params={**query, "unit_id": 9999})
    assert (missing.status_code, missing.json()["error"]["code"]) == (404, "unit_not_found")
    chair = await client_factory("chair")
    answer = await chair.get("/api/reports/statistics", params=query)
    assert answer.status_code == 200
    assert answer.json()["meetings"]["held"] == 3
    bad = await chair.get("/api/reports/statistics",
                          params={"since": "2026-09-30", "until": "2026-07-01"})
    assert (bad.status_code, bad.json()["error"]["code"]) == (422, "date_range_invalid")
    long = await chair.get("/api/reports/statistics",
                           params={"since": "2020-01-01", "until": "2026-01-01"})
    assert (long.status_code, long.json()["error"]["code"]) == (422, "report_period_too_long")
    # Only the last day: from the start of its quarter.
    answer = await chair.get("/api/reports/statistics", params={"until": "2026-08-20"})
    assert answer.json()["period"] == {"since": "2026-07-01", "until": "2026-08-20"}
    # With no days, this quarter.
    answer = await chair.get("/api/reports/statistics")
    today = dt.datetime.now(VIETNAM).date()
    assert answer.json()["period"] == {
        "since": statistics.quarter(today).since.isoformat(),
        "until": statistics.quarter(today).until.isoformat()}


async def test_workbook_and_printed_report_carry_the_same_numbers(
        client_factory: Any, world: World, sessions: async_sessionmaker[AsyncSession]) -> None:
    await build_quarter(sessions, world)
    # A name typed with a control character, starting like a formula.
    async with db.transaction(sessions) as s:
        await s.execute(update(Unit).where(Unit.id == world.other_district)
                        .values(name="=Phong\x07 Điền"))
    secretary = await client_factory("secretary")
    query = {"since": "2026-07-01", "until": "2026-09-30"}
    figures = (await secretary.get("/api/reports/statistics", params=query)).json()
    answer = await secretary.get("/api/reports/statistics.xlsx", params=query)
    assert answer.status_code == 200
    assert "bao-cao-hop-2026-07-01-2026-09-30.xlsx" in answer.headers["content-disposition"]
    book = openpyxl.load_workbook(io.BytesIO(answer.content))
    summary = {row[1]: row[2] for row in book["Tổng hợp"].iter_rows(min_row=6, values_only=True)}
    assert summary["Số cuộc họp đã tổ chức"] == figures["meetings"]["held"] == 3
    assert summary["Lượt có mặt"] == figures["attendance"]["present"] == 5
    assert summary["Tỷ lệ có mặt (%)"] == 50.0
    assert summary["Giấy A4 tiết kiệm (tờ, in hai mặt)"] == 39
    assert summary["Quá hạn chưa hoàn thành"] == figures["tasks"]["overdue"]
    tasks = list(book["Nhiệm vụ theo đơn vị thực hiện"].iter_rows(min_row=2, values_only=True))
    assert [(r[1], r[4]) for r in tasks] == [
        (u["total"], u["overdue"]) for u in figures["tasks"]["by_unit"]]
    assert "'=Phong Điền" in [r[0] for r in tasks]
    members = list(book["Tham dự theo đại biểu"].iter_rows(min_row=2, values_only=True))
    assert len(members) == len(figures["attendance"]["by_member"]) == 5

    printed = await secretary.get("/api/reports/statistics.pdf", params=query)
    assert printed.status_code == 200
    assert printed.headers["content-type"] == "application/pdf"
    with pymupdf.open("pdf", printed.content) as pdf:
        text = " ".join(" ".join(page.get_text().split()) for page in pdf)
        # Pages laid out at Decree 30's A4 size.
        assert round(pdf[0].rect.width) == 595
    assert "BÁO CÁO" in text and "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    assert "từ ngày 01/07/2026 đến ngày 30/09/2026" in text
    assert "Số lần biểu quyết 2" in text and "Lượt có mặt 5" in text
    assert "/BC-UBND" in text
    assert "Nguyễn Văn Delegate2" in text
    async with db.transaction(sessions) as s:
        exports = await s.scalar(select(func.count(AuditEntry.id))
                                 .where(AuditEntry.action == "report.export"))
    assert exports == 2


def test_quarters() -> None:
    assert statistics.quarter(dt.date(2026, 11, 5)) == statistics.Period(
        dt.date(2026, 10, 1), dt.date(2026, 12, 31))
    assert statistics.quarter(dt.date(2026, 2, 28)) == statistics.Period(
        dt.date(2026, 1, 1), dt.date(2026, 3, 31))
