"""How a period's meetings went, for one unit and those below it: meetings held and their
length, attendance, documents and the paper they saved, questions and speeches, votes,
conclusion notices against their 5 working days, and tasks against their deadlines.

Every figure is counted in SQL or over one query's rows, never meeting by meeting, so a
province's year (600 meetings, 30,000 attendance rows, 6,000 tasks) answers in well under
the 5 s an office waits for a quarterly report (bench/reports.py).
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from ecabinet import conclusions as notices
from ecabinet.db import in_chunks
from ecabinet.errors import Forbidden, Invalid, NotFound
from ecabinet.meetings import transition_moment
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
    Role,
    SpeakerRequest,
    Task,
    TaskStatus,
    Unit,
    User,
    VersionStatus,
)
from ecabinet.models.attendance import AttendanceResponse
from ecabinet.models.questions import QuestionKind
from ecabinet.models.voting import PollStatus
from ecabinet.units import descendant_ids
from ecabinet.workdays import VIETNAM, configured_holidays, local_date

S = MeetingStatus
# Held: the session ended. One still in session is counted apart, its attendance unfinished.
HELD = (S.adjourned, S.closed)
# Announced or being approved: counted as planned, not as held.
PLANNED = (S.submitted, S.approved, S.published)
# A report of more than a few years is a mistake in the dates, and would cost the node.
MOST_DAYS = 3 * 366
# Paper saved, as offices print meeting files: both sides of A4 80 g/m² (0.06237 m² a
# sheet, about 5 g), 500 sheets a ream.
SIDES_PER_SHEET = 2
SHEETS_PER_REAM = 500
GRAMS_PER_SHEET = 4.99


@dataclass(frozen=True)
class Period:
    """Whole days in Vietnam, both ends included."""

    since: dt.date
    until: dt.date

    def __post_init__(self) -> None:
        if self.until < self.since:
            raise Invalid("date_range_invalid", field="until")
        if (self.until - self.since).days > MOST_DAYS:
            raise Invalid("report_period_too_long", years=MOST_DAYS // 366)

    @property
    def start(self) -> dt.datetime:
        """The first moment of the period."""
        return dt.datetime.combine(self.since, dt.time(), tzinfo=VIETNAM)

    @property
    def end(self) -> dt.datetime:
        """The first moment after the period."""
        return dt.datetime.combine(self.until + dt.timedelta(days=1), dt.time(), tzinfo=VIETNAM)


def quarter(day: dt.date) -> Period:
    """The quarter that holds `day`."""
    first = dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    after = dt.date(first.year + (first.month + 2) // 12, (first.month + 2) % 12 + 1, 1)
    return Period(first, after - dt.timedelta(days=1))


def asked_period(since: dt.date | None, until: dt.date | None, today: dt.date) -> Period:
    """The days asked for: this quarter when none are, the quarter of the one given when
    only one is (a lone "until 20/8" reads from 1/7)."""
    default = quarter(since or until or today)
    return Period(since or default.since, until or default.until)


async def report_units(session: AsyncSession, user: User, unit_id: int | None) -> set[int]:
    """The units whose meetings the user may count: an administrator's are all; a
    secretary's or a chair's, their own unit and those below it. `unit_id` narrows to
    that unit and those below it, which must lie within."""
    if unit_id is not None and await session.get(Unit, unit_id) is None:
        raise NotFound("unit_not_found")
    if user.role == Role.admin:
        if unit_id is None:
            return set((await session.scalars(select(Unit.id))).all())
        return await descendant_ids(session, unit_id)
    if user.role not in (Role.secretary, Role.chair) or user.unit_id is None:
        raise Forbidden("report_forbidden")
    own = await descendant_ids(session, user.unit_id)
    if unit_id is None:
        return own
    if unit_id not in own:
        raise Forbidden("report_unit_forbidden")
    return await descendant_ids(session, unit_id)


def _share(part: int, whole: int) -> float | None:
    """A percentage with one decimal; None of nothing (no meeting is not 0 % attendance)."""
    return round(100.0 * part / whole, 1) if whole else None


def _minutes(start: dt.datetime | None, end: dt.datetime | None) -> int | None:
    if start is None or end is None or end < start:
        return None
    return round((end - start).total_seconds() / 60)


async def _held_times(session: AsyncSession, meeting_ids: Sequence[int]
                      ) -> dict[int, dict[str, dt.datetime]]:
    """When each meeting started and adjourned, from its transitions' audit entries (as
    `meetings.held_times` reads them for one meeting; the last of each counts)."""
    times: dict[int, dict[str, dt.datetime]] = defaultdict(dict)
    for part in in_chunks(meeting_ids):
        rows = await session.execute(
            select(AuditEntry.meeting_id, AuditEntry.action, AuditEntry.created_at,
                   AuditEntry.data)
            .where(AuditEntry.meeting_id.in_(part),
                   AuditEntry.action.in_(("meeting.start", "meeting.adjourn")))
            .order_by(AuditEntry.id))
        for meeting_id, action, created, data in rows:
            times[meeting_id][action.removeprefix("meeting.")] = transition_moment(created,
                                                                                   data)
    return times


async def _meetings(session: AsyncSession, scope: set[int], period: Period) -> list[Meeting]:
    return list((await session.scalars(
        select(Meeting).where(Meeting.unit_id.in_(scope), Meeting.starts_at >= period.start,
                              Meeting.starts_at < period.end,
                              Meeting.status.in_((*HELD, *PLANNED, S.in_session, S.cancelled)))
        .order_by(Meeting.starts_at, Meeting.id))).all())


def _meeting_figures(found: list[Meeting], held: list[Meeting],
                     times: dict[int, dict[str, dt.datetime]], names: dict[int, str]
                     ) -> dict[str, Any]:
    lengths = {m.id: _minutes(times.get(m.id, {}).get("start"), times.get(m.id, {}).get("adjourn"))
               for m in held}
    measured = [v for v in lengths.values() if v is not None]
    months: dict[str, dict[str, Any]] = {}
    units: dict[int, dict[str, Any]] = {}
    for meeting in held:
        month = meeting.starts_at.astimezone(VIETNAM).strftime("%Y-%m")
        row = months.setdefault(month, {"month": month, "held": 0, "minutes": 0})
        by_unit = units.setdefault(meeting.unit_id, {
            "unit_id": meeting.unit_id, "unit": names.get(meeting.unit_id, ""), "held": 0,
            "minutes": 0})
        row["held"] += 1
        by_unit["held"] += 1
        row["minutes"] += lengths[meeting.id] or 0
        by_unit["minutes"] += lengths[meeting.id] or 0
    return {
        "held": len(held),
        "planned": sum(1 for m in found if m.status in PLANNED),
        "in_session": sum(1 for m in found if m.status == S.in_session),
        "cancelled": sum(1 for m in found if m.status == S.cancelled),
        "measured": len(measured),
        "total_minutes": sum(measured),
        # No meeting with its times is no average, not an average of 0 minutes.
        "average_minutes": round(sum(measured) / len(measured)) if measured else None,
        "by_month": [months[k] for k in sorted(months)],
        "by_unit": sorted(units.values(), key=lambda u: (-u["held"], u["unit"])),
    }


async def _attendance(session: AsyncSession, held_ids: Sequence[int], names: dict[int, str]
                      ) -> dict[str, Any]:
    """Each voting member of the held meetings (those the quorum counts, as the meeting's
    own attendance panel does): present (checked in, in the hall or from afar), sent a
    substitute who came, excused (said they would be absent, or their substitute did not
    come), or absent without notice. The panel's "excused" is excused + substitute."""
    here = Attendance.checked_in_at.is_not(None)
    present = and_(here, Attendance.response != AttendanceResponse.substitute)
    substitute = and_(here, Attendance.response == AttendanceResponse.substitute)
    excused = and_(Attendance.response.in_((AttendanceResponse.absent,
                                            AttendanceResponse.substitute)),
                   Attendance.checked_in_at.is_(None))
    people: dict[int, dict[str, Any]] = {}
    for part in in_chunks(held_ids):
        rows = await session.execute(
            select(User.id, User.full_name, User.title, User.unit_id,
                   func.count(Participant.id),
                   func.sum(case((present, 1), else_=0)),
                   func.sum(case((excused, 1), else_=0)),
                   func.sum(case((substitute, 1), else_=0)))
            .select_from(Participant)
            .join(User, User.id == Participant.user_id)
            .outerjoin(Attendance, and_(Attendance.meeting_id == Participant.meeting_id,
                                        Attendance.user_id == Participant.user_id))
            .where(Participant.meeting_id.in_(part), Participant.voting.is_(True),
                   Participant.role.not_in((ParticipantRole.observer,
                                            ParticipantRole.remote_room)))
            .group_by(User.id, User.full_name, User.title, User.unit_id))
        for user_id, name, title, unit_id, invited, here, away, subs in rows:
            row = people.setdefault(user_id, {
                "user_id": user_id, "name": name, "title": title, "unit_id": unit_id,
                "unit": names.get(unit_id, "") if unit_id else "", "invited": 0,
                "present": 0, "excused": 0, "substitute": 0})
            row["invited"] += invited
            row["present"] += int(here or 0)
            row["excused"] += int(away or 0)
            row["substitute"] += int(subs or 0)
    units: dict[int | None, dict[str, Any]] = {}
    for row in people.values():
        row["absent"] = row["invited"] - row["present"] - row["excused"] - row["substitute"]
        row["rate"] = _share(row["present"], row["invited"])
        unit = units.setdefault(row["unit_id"], {
            "unit_id": row["unit_id"], "unit": row["unit"], "members": 0, "invited": 0,
            "present": 0, "excused": 0, "substitute": 0, "absent": 0})
        unit["members"] += 1
        for key in ("invited", "present", "excused", "substitute", "absent"):
            unit[key] += row[key]
    for unit in units.values():
        unit["rate"] = _share(unit["present"], unit["invited"])
    total = {key: sum(r[key] for r in people.values())
             for key in ("invited", "present", "excused", "substitute", "absent")}
    return {**total, "rate": _share(total["present"], total["invited"]),
            "by_unit": sorted(units.values(), key=lambda u: (u["unit"], u["unit_id"] or 0)),
            "by_member": sorted(people.values(), key=lambda p: (p["unit"], p["name"]))}


async def _documents(session: AsyncSession, held_ids: Sequence[int]) -> dict[str, Any]:
    """The meeting files sent to tablets instead of paper: each document's readable pages
    (its latest ready version), times the copies a paper meeting would have printed (one
    per invited member; a restricted document, one per reader)."""
    docs = pages = printed = 0
    for part in in_chunks(held_ids):
        latest = (select(DocumentVersion.document_id,
                         func.max(DocumentVersion.number).label("number"))
                  .where(DocumentVersion.status == VersionStatus.ready)
                  .group_by(DocumentVersion.document_id).subquery())
        members = (select(Participant.meeting_id, func.count(Participant.id).label("n"))
                   .where(Participant.meeting_id.in_(part),
                          Participant.role != ParticipantRole.observer)
                   .group_by(Participant.meeting_id).subquery())
        readers = (select(DocumentReader.document_id, func.count(DocumentReader.id).label("n"))
                   .group_by(DocumentReader.document_id).subquery())
        rows = await session.execute(
            select(DocumentVersion.page_count, Document.restricted,
                   func.coalesce(members.c.n, 0), func.coalesce(readers.c.n, 0))
            .select_from(Document)
            .join(latest, latest.c.document_id == Document.id)
            .join(DocumentVersion, and_(DocumentVersion.document_id == Document.id,
                                        DocumentVersion.number == latest.c.number))
            .outerjoin(members, members.c.meeting_id == Document.meeting_id)
            .outerjoin(readers, readers.c.document_id == Document.id)
            .where(Document.meeting_id.in_(part)))
        for count, restricted, member_copies, reader_copies in rows:
            docs += 1
            pages += count
            printed += count * (reader_copies if restricted else member_copies)
    sheets = math.ceil(printed / SIDES_PER_SHEET)
    return {"documents": docs, "pages": pages, "printed_pages": printed,
            "sheets": sheets, "reams": round(sheets / SHEETS_PER_REAM, 1),
            "kilograms": round(sheets * GRAMS_PER_SHEET / 1000, 1)}


async def _participation(session: AsyncSession, held_ids: Sequence[int]) -> dict[str, Any]:
    """Questions and opinions sent (merged duplicates counted once) and speeches given."""
    questions = opinions = answered = speeches = 0
    seconds = 0.0
    for part in in_chunks(held_ids):
        for kind, status, n in await session.execute(
                select(Question.kind, Question.status, func.count(Question.id))
                .where(Question.meeting_id.in_(part), Question.merged_into_id.is_(None))
                .group_by(Question.kind, Question.status)):
            if kind == QuestionKind.question:
                questions += n
            else:
                opinions += n
            if status == "answered":
                answered += n
        for started, ended in await session.execute(
                select(SpeakerRequest.started_at, SpeakerRequest.ended_at)
                .where(SpeakerRequest.meeting_id.in_(part),
                       SpeakerRequest.started_at.is_not(None))):
            speeches += 1
            if started is not None and ended is not None and ended >= started:
                seconds += (ended - started).total_seconds()
    return {"questions": questions, "opinions": opinions, "answered": answered,
            "speeches": speeches, "speaking_minutes": round(seconds / 60)}


async def _votes(session: AsyncSession, held_ids: Sequence[int]) -> dict[str, Any]:
    """Votes closed: how many passed, ballots cast against those entitled to vote."""
    polls = passed = ballots = entitled = 0
    for part in in_chunks(held_ids):
        voters = (select(PollVoter.poll_id, func.count(PollVoter.id).label("n"))
                  .group_by(PollVoter.poll_id).subquery())
        for voted, result, n in await session.execute(
                select(Poll.voted_count, Poll.result, func.coalesce(voters.c.n, 0))
                .outerjoin(voters, voters.c.poll_id == Poll.id)
                .where(Poll.meeting_id.in_(part), Poll.status == PollStatus.closed)):
            polls += 1
            ballots += voted
            entitled += n
            passed += bool(isinstance(result, dict) and result.get("passed"))
    return {"polls": polls, "passed": passed, "not_passed": polls - passed,
            "ballots": ballots, "entitled": entitled, "turnout": _share(ballots, entitled)}


async def _conclusions(session: AsyncSession, held: list[Meeting],
                       times: dict[int, dict[str, dt.datetime]], on: dt.date
                       ) -> dict[str, Any]:
    """Each held meeting's conclusion notice against its due date, 5 working days after
    the day the meeting ended (as the notice's own screen counts it)."""
    holidays = configured_holidays()
    found: dict[int, Conclusion] = {}
    ids = [m.id for m in held]
    for part in in_chunks(ids):
        found.update((c.meeting_id, c) for c in await session.scalars(
            select(Conclusion).where(Conclusion.meeting_id.in_(part))))
    counts = dict.fromkeys(("issued_on_time", "issued_late", "overdue", "due_soon",
                            "on_track"), 0)
    for meeting in held:
        notice = found.get(meeting.id)
        if notice is not None and notice.issue_date is not None:
            due, issued = notice.due_date, notice.issue_date
        else:
            moments = times.get(meeting.id, {})
            day = local_date(moments.get("adjourn") or moments.get("start")
                             or meeting.starts_at)
            due = notice.due_date if notice is not None else notices.due_date(
                meeting, holidays, day=day)
            issued = None
        counts[notices.deadline(due, on, issued, holidays)["state"]] += 1
    issued_total = counts["issued_on_time"] + counts["issued_late"]
    return {"meetings": len(held), "issued": issued_total, **counts,
            "pending": counts["due_soon"] + counts["on_track"],
            "on_time_rate": _share(counts["issued_on_time"], issued_total + counts["overdue"])}


async def _tasks(session: AsyncSession, scope: set[int], period: Period, on: dt.date,
                 names: dict[int, str]) -> dict[str, Any]:
    """Tasks due in the period, assigned by the units' meetings or to the units: done on
    time, done late, overdue (not done, deadline past) or still in progress."""
    responsible = func.coalesce(Task.responsible_unit_id, User.unit_id)
    rows = await session.execute(
        select(Task.status, Task.deadline, Task.completed_at, responsible)
        .select_from(Task)
        .outerjoin(User, User.id == Task.responsible_user_id)
        .outerjoin(Meeting, Meeting.id == Task.meeting_id)
        .where(Task.deadline >= period.since, Task.deadline <= period.until,
               Task.status != TaskStatus.planned,
               or_(Meeting.unit_id.in_(scope), Task.responsible_unit_id.in_(scope),
                   and_(Task.responsible_unit_id.is_(None), User.unit_id.in_(scope)))))
    keys = ("total", "done_on_time", "done_late", "overdue", "in_progress")
    total: dict[str, Any] = dict.fromkeys(keys, 0)
    units: dict[int | None, dict[str, Any]] = {}
    for status, deadline, completed, unit_id in rows:
        if status == TaskStatus.done:
            done = local_date(completed) if completed is not None else deadline
            state = "done_on_time" if done <= deadline else "done_late"
        else:
            state = "overdue" if deadline < on else "in_progress"
        unit = units.setdefault(unit_id, {"unit_id": unit_id,
                                          "unit": names.get(unit_id, "") if unit_id else "",
                                          **dict.fromkeys(keys, 0)})
        for bucket in (total, unit):
            bucket["total"] += 1
            bucket[state] += 1
    for bucket in (total, *units.values()):
        bucket["on_time_rate"] = _share(bucket["done_on_time"],
                                        bucket["total"] - bucket["in_progress"])
    return {**total, "by_unit": sorted(units.values(),
                                       key=lambda u: (-u["overdue"], u["unit"]))}


async def statistics(session: AsyncSession, user: User, period: Period, *,
                     unit_id: int | None = None, on: dt.date | None = None) -> dict[str, Any]:
    """The whole report for `period`, counted as of day `on` (today in Vietnam)."""
    scope = await report_units(session, user, unit_id)
    today = on or local_date(dt.datetime.now(VIETNAM))
    names = {u.id: u.name for u in await session.scalars(select(Unit))}
    found = await _meetings(session, scope, period)
    held = [m for m in found if m.status in HELD]
    held_ids = [m.id for m in held]
    times = await _held_times(session, held_ids)
    return {
        "period": {"since": period.since.isoformat(), "until": period.until.isoformat()},
        "unit": {"id": unit_id, "name": names.get(unit_id, "")} if unit_id else None,
        "as_of": today.isoformat(),
        "meetings": _meeting_figures(found, held, times, names),
        "attendance": await _attendance(session, held_ids, names),
        "documents": await _documents(session, held_ids),
        "participation": await _participation(session, held_ids),
        "votes": await _votes(session, held_ids),
        "conclusions": await _conclusions(session, held, times, today),
        "tasks": await _tasks(session, scope, period, today, names),
    }
