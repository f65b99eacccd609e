"""Official documents take what the meeting recorded, not its schedule: when it actually
started and ended, on which day (and that this was not the scheduled one), and the
attendance the attendance screen showed."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pymupdf
from sqlalchemy import select

from ecabinet import attendance, conclusions, db, meetings, minutes
from ecabinet.models import AuditEntry, Meeting, MeetingStatus, Participant, ParticipantRole, User
from ecabinet.models.attendance import Attendance, AttendanceResponse
from ecabinet.models.base import utcnow
from ecabinet.workdays import VIETNAM, local_date
from tests.conftest import World
from tests.minutes.conftest import meeting_in


async def as_user(s: Any, world: World, name: str) -> User:
    user = await s.get(User, world[name].id)
    assert user is not None
    return user


def section(sections: list[dict[str, Any]], key: str) -> list[str]:
    return next(x for x in sections if x["key"] == key)["paragraphs"]


def clock(moment: dt.datetime) -> str:
    local = moment.astimezone(VIETNAM)
    return f"{local.hour:02d} giờ {local.minute:02d}"


def day(d: dt.date) -> str:
    return f"ngày {d.day:02d}/{d.month:02d}/{d.year}"


async def transition_entry(s: Any, meeting_id: int, name: str) -> AuditEntry:
    entry = await s.scalar(select(AuditEntry).where(
        AuditEntry.meeting_id == meeting_id, AuditEntry.action == f"meeting.{name}"))
    assert entry is not None
    return entry


async def test_a_meeting_started_ten_days_early_is_recorded_as_held_today(
        sessions: Any, world: World) -> None:
    # Scheduled 10 days ahead (tests.test_meetings.meeting_input), started and adjourned now.
    meeting_id = await meeting_in(sessions, world, MeetingStatus.adjourned)
    async with db.transaction(sessions) as s:
        meeting = await s.get(Meeting, meeting_id)
        assert meeting is not None
        scheduled = local_date(meeting.starts_at)
        start = await transition_entry(s, meeting_id, "start")
        adjourn = await transition_entry(s, meeting_id, "adjourn")
        secretary = await as_user(s, world, "secretary")
        sections = (await minutes.draft(s, secretary, meeting_id)).sections
        notice = await conclusions.create(s, secretary, meeting_id)
        await minutes.submit(s, secretary, meeting_id)
    today = local_date(start.created_at)
    assert today == local_date(utcnow()) and (scheduled - today).days == 10

    opening = section(sections, "opening")
    assert opening[0] == f"Thời gian: bắt đầu lúc {clock(start.created_at)}, {day(today)}."
    assert opening[1] == (f"Cuộc họp dự kiến {day(scheduled)}, "
                          f"bắt đầu sớm vào {day(today)}.")
    assert section(sections, "closing")[0] == (
        f"Cuộc họp kết thúc lúc {clock(adjourn.created_at)} cùng ngày.")

    # The start says which day it was scheduled for and how early it came.
    assert start.data["scheduled"] == meeting.starts_at.isoformat()
    assert start.data["early"] == 10 and "late" not in start.data

    # The notice: held today, due 5 working days from today.
    assert notice.opening.startswith(
        f"Ngày {today.day:02d} tháng {today.month:02d} năm {today.year}, ")
    assert notice.due_date == conclusions.due_date(meeting, day=today)

    # The minutes are dated (and numbered in the year of) the day the meeting was held.
    async with db.transaction(sessions) as s:
        approved = await minutes.approve(s, await as_user(s, world, "chair"), meeting_id)
        assert approved.number.startswith("01/BB")
    async with db.transaction(sessions) as s:
        _, pdf = await minutes.pdf_of(s, await as_user(s, world, "secretary"), meeting_id)
    with pymupdf.open("pdf", pdf) as document:
        text = " ".join(" ".join(page.get_text().split()) for page in document)
    month = f"{today.month:02d}" if today.month < 3 else str(today.month)
    assert f"ngày {today.day:02d} tháng {month} năm {today.year}" in text
    month = f"{scheduled.month:02d}" if scheduled.month < 3 else str(scheduled.month)
    assert f"ngày {scheduled.day:02d} tháng {month} năm {scheduled.year}" not in text
    async with db.transaction(sessions) as s:
        meeting = await s.get(Meeting, meeting_id)
        assert meeting is not None
        assert await meetings.held_times(s, meeting) == (start.created_at, adjourn.created_at)


async def test_a_late_start_says_so_and_a_start_on_the_day_says_nothing(
        sessions: Any, world: World) -> None:
    late = await meeting_in(sessions, world, MeetingStatus.published)
    on_time = await meeting_in(sessions, world, MeetingStatus.published)
    now = utcnow()
    async with db.transaction(sessions) as s:
        # Rescheduled behind the API's back: one three days ago, one right now.
        for meeting_id, starts_at in ((late, now - dt.timedelta(days=3)), (on_time, now)):
            meeting = await s.get(Meeting, meeting_id)
            assert meeting is not None
            meeting.starts_at = starts_at
        secretary = await as_user(s, world, "secretary")
        for meeting_id in (late, on_time):
            await meetings.transition(s, secretary, meeting_id, "start")
        late_start = await transition_entry(s, late, "start")
        on_time_start = await transition_entry(s, on_time, "start")
        late_sections = (await minutes.draft(s, secretary, late)).sections
        on_time_sections = (await minutes.draft(s, secretary, on_time)).sections
    today, scheduled = local_date(now), local_date(now - dt.timedelta(days=3))
    assert late_start.data["late"] == 3 and "early" not in late_start.data
    assert section(late_sections, "opening")[1] == (
        f"Cuộc họp dự kiến {day(scheduled)}, bắt đầu muộn vào {day(today)}.")
    assert not {"scheduled", "early", "late"} & on_time_start.data.keys()
    assert not any("dự kiến" in line for line in section(on_time_sections, "opening"))
    # Still in session: the end is a blank to fill, not a time the meeting has not reached.
    assert section(on_time_sections, "closing")[0] == (
        "Cuộc họp kết thúc lúc ..... giờ ....., ngày ...../...../.......")


async def test_minutes_count_attendance_as_the_attendance_screen_does(
        sessions: Any, world: World) -> None:
    meeting_id = await meeting_in(sessions, world, MeetingStatus.adjourned)
    now = utcnow()
    async with db.transaction(sessions) as s:
        s.add_all([
            Participant(meeting_id=meeting_id, user_id=world["delegate2"].id,
                        role=ParticipantRole.delegate),
            Participant(meeting_id=meeting_id, user_id=world["outsider"].id,
                        role=ParticipantRole.invited, voting=False),
        ])
        await s.flush()
        s.add_all([
            Attendance(meeting_id=meeting_id, user_id=world["chair"].id,
                       response=AttendanceResponse.attend, checked_in_at=now),
            Attendance(meeting_id=meeting_id, user_id=world["delegate"].id,
                       response=AttendanceResponse.attend, checked_in_at=now),
        ])
    async with db.transaction(sessions) as s:
        meeting = await s.get(Meeting, meeting_id)
        assert meeting is not None
        screen = await attendance.counts(s, meeting)
        drafted = await minutes.draft(s, await as_user(s, world, "secretary"), meeting_id)
    lines = section(drafted.sections, "attendance")
    # chair, delegate present of chair, delegate, delegate2 (the guest does not vote).
    assert (screen["present"], screen["members"]) == (2, 3)
    assert lines[0] == f"Có mặt: {screen['present']}/{screen['members']} thành viên."
    # Still named one by one: the delegates and the guest, present or not.
    assert f"- {world['delegate'].full_name}." in lines
    assert f"- {world['outsider'].full_name}: vắng mặt không báo lý do." in lines
    assert f"- {world['delegate2'].full_name}: vắng mặt không báo lý do." in lines


async def test_starting_on_another_day_over_http_needs_confirmation(
        sessions: Any, world: World, client_factory: Any) -> None:
    meeting_id = await meeting_in(sessions, world, MeetingStatus.published)
    async with sessions() as s:
        meeting = await s.get(Meeting, meeting_id)
        assert meeting is not None
        scheduled = local_date(meeting.starts_at)
    secretary = await client_factory("secretary")
    path = f"/api/meetings/{meeting_id}/transitions/start"

    refused = await secretary.post(path, json={"comment": ""})
    assert refused.status_code == 409, refused.text
    error = refused.json()["error"]
    assert error["code"] == "start_other_day"
    assert f"{scheduled.day:02d}/{scheduled.month:02d}/{scheduled.year}" in error["message"]
    async with sessions() as s:
        unchanged = await s.get(Meeting, meeting_id)
        assert unchanged is not None and unchanged.status == MeetingStatus.published
        assert await s.scalar(select(AuditEntry.id).where(
            AuditEntry.meeting_id == meeting_id, AuditEntry.action == "meeting.start")) is None

    started = await secretary.post(path, json={"comment": "", "confirm_day": True})
    assert started.status_code == 200, started.text
    assert started.json()["meeting"]["status"] == "in_session"
    async with sessions() as s:
        entry = await transition_entry(s, meeting_id, "start")
    assert entry.data["scheduled"] == meeting.starts_at.isoformat()
    assert entry.data["early"] == (scheduled - local_date(utcnow())).days
