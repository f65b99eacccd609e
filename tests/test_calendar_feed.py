"""A person's calendar feed: a secret iCalendar address of the meetings they take part in,
in Vietnam's time zone, updated in place when a meeting is postponed or cancelled, and
dead once renewed or revoked."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from icalendar import Calendar
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ecabinet import db, meetings
from ecabinet.models import MeetingStatus
from tests.conftest import World
from tests.test_meetings import make_meeting

S = MeetingStatus


async def _events(client: Any, url: str) -> dict[str, Any]:
    answer = await client.get(url)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/calendar")
    parsed = Calendar.from_ical(answer.content)
    return {str(e["uid"]): e for e in parsed.walk("VEVENT")}


async def test_the_feed_holds_my_announced_meetings_in_vietnam_time(
        client_factory: Any, world: World, sessions: async_sessionmaker[AsyncSession]) -> None:
    published = await make_meeting(sessions, world, S.published)
    draft = await make_meeting(sessions, world, S.draft)
    delegate = await client_factory("delegate")
    assert (await delegate.get("/api/calendar/feed")).json() == {"active": False,
                                                                 "created_at": None}
    made = await delegate.post("/api/calendar/feed")
    assert made.status_code == 201, made.text
    url = made.json()["url"]
    assert url.startswith("http://testserver/calendar/") and url.endswith(".ics")
    anonymous = await client_factory()
    events = await _events(anonymous, url)
    # Announced meetings only: the draft is not yet the delegate's to know.
    assert set(events) == {f"meeting-{published}@testserver"}
    event = events[f"meeting-{published}@testserver"]
    start = event.decoded("dtstart")
    assert start.tzinfo is not None and start.utcoffset() == timedelta(hours=7)
    assert event["dtstart"].params["TZID"] == "Asia/Ho_Chi_Minh"
    assert str(event["status"]) == "CONFIRMED" and str(event["location"]) == "Phòng họp số 1"
    async with sessions() as s:
        stored = await meetings.get_meeting(s, world["secretary"], published)
        assert start == stored.starts_at.astimezone(ZoneInfo("Asia/Ho_Chi_Minh"))
    assert f"meeting-{draft}@testserver" not in events
    # Someone not invited has none of it in theirs.
    outsider = await client_factory("outsider")
    theirs = (await outsider.post("/api/calendar/feed")).json()["url"]
    assert await _events(anonymous, theirs) == {}


async def test_a_postponed_then_cancelled_meeting_updates_the_same_event(
        client_factory: Any, world: World, sessions: async_sessionmaker[AsyncSession]) -> None:
    published = await make_meeting(sessions, world, S.published)
    delegate = await client_factory("delegate")
    url = (await delegate.post("/api/calendar/feed")).json()["url"]
    anonymous = await client_factory()
    uid = f"meeting-{published}@testserver"
    first = (await _events(anonymous, url))[uid].decoded("dtstart")
    async with db.transaction(sessions) as s:
        await meetings.postpone(s, world["secretary"], published,
                                starts_at=first + timedelta(days=7), ends_at=None,
                                reason="Trùng lịch")
    moved = (await _events(anonymous, url))[uid]
    assert moved.decoded("dtstart") == first + timedelta(days=7)
    assert "Lý do hoãn: Trùng lịch" in str(moved["description"])
    async with db.transaction(sessions) as s:
        await meetings.transition(s, world["secretary"], published, "cancel",
                                  comment="Đã xử lý bằng văn bản")
    cancelled = await _events(anonymous, url)
    assert list(cancelled) == [uid]
    assert str(cancelled[uid]["status"]) == "CANCELLED"
    assert "Lý do hủy: Đã xử lý bằng văn bản" in str(cancelled[uid]["description"])


async def test_a_renewed_or_revoked_address_stops_working(
        client_factory: Any, world: World, sessions: async_sessionmaker[AsyncSession]) -> None:
    await make_meeting(sessions, world, S.published)
    delegate = await client_factory("delegate")
    old = (await delegate.post("/api/calendar/feed")).json()["url"]
    new = (await delegate.post("/api/calendar/feed")).json()["url"]
    anonymous = await client_factory()
    assert old != new
    gone = await anonymous.get(old, headers={"accept-language": "vi"})
    assert gone.status_code == 404
    assert gone.json()["error"]["code"] == "calendar_feed_not_found"
    assert (await anonymous.get(new)).status_code == 200
    revoked = await delegate.delete("/api/calendar/feed")
    assert revoked.status_code == 200 and revoked.json()["active"] is False
    assert (await anonymous.get(new)).status_code == 404
    assert (await anonymous.get("/calendar/khong-co.ics")).status_code == 404
