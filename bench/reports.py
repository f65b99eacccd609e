"""Bench: the statistics of one year of a province's meetings.

A year is written straight into a fresh database: 130 units, 300 members, 600 held
meetings of 50 invited members each (30,000 participants and as many attendance rows),
5 documents and 3 polls a meeting, questions and speeches, a conclusion notice each, and
6,000 tasks. Then, in the same run, alternating:
  * the report: `reports.statistics.statistics` for the year, as an administrator
    (the whole province) — target p99 ≤ 5 s
  * the workbook built from it (openpyxl)
  * the floor: the administrator's meeting list (`meetings.list_meetings`) over the same
    database, the cheapest read that touches every meeting; and the report over it

Prints (never asserts). Run: .venv/bin/python bench/reports.py [--runs 15]
[--database-url postgresql+asyncpg://127.0.0.1/test] (default: a SQLite file)
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import random
import statistics as stats
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, select, text  # noqa: E402
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker  # noqa: E402

from bench.vote_round import pct  # noqa: E402
from ecabinet import db, meetings, schema  # noqa: E402
from ecabinet.models import (  # noqa: E402
    Attendance,
    AuditEntry,
    Conclusion,
    Document,
    DocumentVersion,
    Meeting,
    MeetingStatus,
    Participant,
    ParticipantRole,
    Poll,
    PollVoter,
    Question,
    Role,
    SpeakerRequest,
    Task,
    TaskStatus,
    Unit,
    User,
)
from ecabinet.models.attendance import AttendanceResponse  # noqa: E402
from ecabinet.models.base import utcnow  # noqa: E402
from ecabinet.models.conclusions import ConclusionStatus  # noqa: E402
from ecabinet.models.documents import VersionStatus  # noqa: E402
from ecabinet.models.questions import QuestionKind  # noqa: E402
from ecabinet.models.speakers import SpeakerStatus  # noqa: E402
from ecabinet.models.voting import PollStatus  # noqa: E402
from ecabinet.reports import statistics, workbook  # noqa: E402
from ecabinet.workdays import VIETNAM  # noqa: E402

YEAR = 2026
MEETINGS = 600
INVITED = 50
MEMBERS = 300
TASKS = 6000


async def _ids(session: AsyncSession, model: Any) -> list[int]:
    return list((await session.scalars(select(model.id).order_by(model.id))).all())


async def write_year(sessions: async_sessionmaker[AsyncSession]) -> User:
    """One year of a province's meetings; the administrator who reports on it."""
    rng = random.Random(2026)
    now = utcnow()
    async with db.transaction(sessions) as s:
        await s.execute(insert(Unit), [{"name": "UBND tỉnh Bench", "kind": "province",
                                        "code": "BENCH", "created_at": now}])
        province = (await _ids(s, Unit))[0]
        await s.execute(insert(Unit), [
            {"name": f"{kind} {n}", "kind": kind, "parent_id": province, "created_at": now}
            for kind, count in (("department", 20), ("district", 9)) for n in range(count)])
        districts = (await _ids(s, Unit))[21:]
        await s.execute(insert(Unit), [
            {"name": f"Xã {n}", "kind": "commune", "parent_id": districts[n % 9],
             "created_at": now} for n in range(100)])
        units = await _ids(s, Unit)
        await s.execute(insert(User), [
            {"username": f"u{n:04d}", "full_name": f"Đại biểu {n}", "title": "",
             "role": Role.admin if n == 0 else Role.chair if n < 10 else Role.delegate,
             "unit_id": units[n % len(units)], "password_hash": "-", "language": "vi",
             "active": True, "failed_logins": 0, "created_at": now} for n in range(MEMBERS)])
        people = await _ids(s, User)
        start = dt.datetime(YEAR, 1, 5, 8, tzinfo=VIETNAM)
        await s.execute(insert(Meeting), [
            {"title": f"Họp {n}", "description": "", "unit_id": units[n % 30],
             "chair_id": people[1 + n % 9], "created_by_id": people[0],
             "starts_at": start + dt.timedelta(days=n * 360 // MEETINGS, hours=n % 3 * 3),
             "status": MeetingStatus.closed, "created_at": now} for n in range(MEETINGS)])
        held = await _ids(s, Meeting)
        rows = await s.execute(select(Meeting.id, Meeting.starts_at))
        starts = {m: at for m, at in rows}
        await s.execute(insert(AuditEntry), [
            {"action": f"meeting.{action}", "meeting_id": m, "object_type": "meeting",
             "object_id": str(m), "data": {"at": (starts[m] + dt.timedelta(
                 minutes=offset)).isoformat()}, "prev_hash": "-",
             "hash": f"{action}-{m}", "created_at": now}
            for m in held for action, offset in (("start", 0), ("adjourn", 90 + m % 120))])
        invitees = {m: rng.sample(people[1:], INVITED) for m in held}
        await s.execute(insert(Participant), [
            {"meeting_id": m, "user_id": u, "role": ParticipantRole.delegate, "voting": True}
            for m in held for u in invitees[m]])
        answers = (AttendanceResponse.attend, AttendanceResponse.absent,
                   AttendanceResponse.substitute)
        await s.execute(insert(Attendance), [
            {"meeting_id": m, "user_id": u, "response": rng.choices(answers, (90, 7, 3))[0],
             "checked_in_at": starts[m] if rng.random() < 0.9 else None,
             "reason": "", "substitute_name": "", "substitute_title": "",
             "checkin_method": "tablet", "remote": False, "updated_at": now}
            for m in held for u in invitees[m]])
        await s.execute(insert(Document), [
            {"meeting_id": m, "title": f"Tài liệu {n}", "position": n, "restricted": n == 4,
             "created_at": now, "updated_at": now} for m in held for n in range(5)])
        docs = await _ids(s, Document)
        await s.execute(insert(DocumentVersion), [
            {"document_id": d, "number": 1, "sha256": f"{d:064d}", "byte_size": 1,
             "page_count": 5 + d % 40, "filename": "a.pdf", "status": VersionStatus.ready,
             "error": "", "after_publish": False, "created_at": now} for d in docs])
        await s.execute(insert(Question), [
            {"meeting_id": m, "author_id": invitees[m][n], "kind": QuestionKind.question
             if n % 2 else QuestionKind.opinion, "text": "Câu hỏi", "created_at": now,
             "updated_at": now, "support_count": 0, "answer_note": "", "status": "open"}
            for m in held for n in range(6)])
        await s.execute(insert(SpeakerRequest), [
            {"meeting_id": m, "user_id": invitees[m][n], "status": SpeakerStatus.done,
             "position": n, "note": "", "limit_seconds": 300,
             "started_at": starts[m] + dt.timedelta(minutes=5 * n),
             "ended_at": starts[m] + dt.timedelta(minutes=5 * n + 4), "created_at": now}
            for m in held for n in range(8)])
        await s.execute(insert(Poll), [
            {"meeting_id": m, "question": "Thông qua?", "options": ["Đồng ý", "Không"],
             "status": PollStatus.closed, "voted_count": 45, "result": {"passed": n != 2},
             "created_at": now, "updated_at": now} for m in held for n in range(3)])
        polls = [(p, m) for p, m in await s.execute(select(Poll.id, Poll.meeting_id))]
        await s.execute(insert(PollVoter), [
            {"poll_id": p, "voter_id": u, "voted": True} for p, m in polls for u in invitees[m]])
        await s.execute(insert(Conclusion), [
            {"meeting_id": m, "unit_id": units[0], "status": ConclusionStatus.issued,
             "due_date": starts[m].date() + dt.timedelta(days=7),
             "issue_date": starts[m].date() + dt.timedelta(days=rng.randint(1, 10)),
             "recipient_unit_ids": [], "created_at": now, "updated_at": now}
            for m in held])
        await s.execute(insert(Task), [
            {"meeting_id": held[n % MEETINGS], "content": "Nhiệm vụ", "position": n,
             "responsible_unit_id": units[n % len(units)],
             "deadline": dt.date(YEAR, 1, 15) + dt.timedelta(days=n % 340),
             "status": TaskStatus.done if n % 3 else TaskStatus.in_progress,
             "completed_at": dt.datetime(YEAR, 1, 14, tzinfo=VIETNAM)
             + dt.timedelta(days=n % 340 + n % 5) if n % 3 else None,
             "deliverable": "", "progress": 0, "created_at": now, "updated_at": now}
            for n in range(TASKS)])
        admin = await s.get(User, people[0])
        assert admin is not None
    return admin


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite+aiosqlite:///{tmp}/bench.sqlite"
        if url.startswith("postgresql"):
            engine = db.create_engine(url)
            async with engine.begin() as conn:
                await conn.execute(text("DROP SCHEMA public CASCADE"))
                await conn.execute(text("CREATE SCHEMA public"))
            await engine.dispose()
        await schema.upgrade_async(url)
        engine = db.create_engine(url)
        sessions = db.sessionmaker(engine)
        began = time.perf_counter()
        admin = await write_year(sessions)
        print(f"wrote a year in {time.perf_counter() - began:.1f} s ({url.split(':')[0]})")
        period = statistics.Period(dt.date(YEAR, 1, 1), dt.date(YEAR, 12, 31))
        report_ms: list[float] = []
        floor_ms: list[float] = []
        book_ms: list[float] = []
        report: dict[str, Any] = {}
        for _ in range(args.runs):
            async with sessions() as s:
                t0 = time.perf_counter()
                await meetings.list_meetings(s, admin)
                floor_ms.append((time.perf_counter() - t0) * 1000)
            async with sessions() as s:
                t0 = time.perf_counter()
                report = await statistics.statistics(s, admin, period)
                report_ms.append((time.perf_counter() - t0) * 1000)
            t0 = time.perf_counter()
            workbook.workbook(report, lang="vi", issuer="UBND tỉnh Bench", title="Báo cáo")
            book_ms.append((time.perf_counter() - t0) * 1000)
        await engine.dispose()
    print(f"counted: {report['meetings']['held']} meetings, "
          f"{report['attendance']['invited']} invitations, {report['tasks']['total']} tasks, "
          f"{report['documents']['documents']} documents, {report['votes']['polls']} polls")
    print(f"{'':28} {'p50':>10} {'p99':>10}")
    for name, values in (("report (target p99 ≤ 5 s)", report_ms), ("workbook", book_ms),
                         ("floor: meeting list", floor_ms)):
        print(f"{name:28} {stats.median(values):8.1f}ms {pct(values, 0.99):8.1f}ms")
    print(f"report / floor (p50): {stats.median(report_ms) / stats.median(floor_ms):.1f}x")


if __name__ == "__main__":
    asyncio.run(main())
