"""A meeting not yet started is postponed to a later time or cancelled, each with the reason
everyone invited is told; its screens and every member's list hear of it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ecabinet import db, eventlog, meetings
from ecabinet.errors import Conflict, Forbidden, Invalid
from ecabinet.models import AuditEntry, Meeting, MeetingStatus
from ecabinet.models.base import utcnow
from tests.conftest import World
from tests.test_meetings import make_meeting

S = MeetingStatus


async def _published(sessions: async_sessionmaker[AsyncSession], world: World) -> Meeting:
    meeting_id = await make_meeting(sessions, world, S.published)
    async with sessions() as s:
        meeting = await s.get(Meeting, meeting_id)
        assert meeting is not None
        return meeting


async def _events(sessions: async_sessionmaker[AsyncSession], meeting_id: int,
                  kind: str) -> list[dict[str, Any]]:
    async with sessions() as s:
        return [e.data for e in await eventlog.since(s, meeting_id, 0) or [] if e.type == kind]


async def test_postponed_later_with_its_reason_and_first_start(
        sessions: async_sessionmaker[AsyncSession], world: World) -> None:
    meeting = await _published(sessions, world)
    first = meeting.starts_at
    later = first + timedelta(days=7)
    async with db.transaction(sessions) as s:
        await meetings.postpone(s, world["chair"], meeting.id, starts_at=later,
                                ends_at=later + timedelta(hours=3), reason="Trùng lịch làm việc "
                                "với Đoàn công tác Trung ương")
        notices = [n for n in s.info.get("ecabinet_notices", []) if n.type == "meetings.changed"]
    assert world["delegate"].id in notices[0].user_ids
    # Postponed again: the first start announced is kept.
    async with db.transaction(sessions) as s:
        await meetings.postpone(s, world["secretary"], meeting.id,
                                starts_at=later + timedelta(days=1), ends_at=None,
                                reason="Chờ ý kiến Bộ")
    async with sessions() as s:
        stored = await s.get(Meeting, meeting.id)
        assert stored is not None
        view = await meetings.describe(s, stored)
        audit = (await s.scalars(select(AuditEntry).where(
            AuditEntry.action == "meeting.postpone").order_by(AuditEntry.id))).all()
    assert stored.status == S.published and stored.starts_at == later + timedelta(days=1)
    assert view["postponed_from"] == first.isoformat()
    assert view["change_reason"] == "Chờ ý kiến Bộ" and view["ends_at"] is None
    assert meetings.summary(stored)["postponed"] is True
    assert [a.data["reason"] for a in audit] == [
        "Trùng lịch làm việc với Đoàn công tác Trung ương", "Chờ ý kiến Bộ"]
    updates = await _events(sessions, meeting.id, "meeting.updated")
    assert updates[-1]["meeting"]["starts_at"] == (later + timedelta(days=1)).isoformat()


@pytest.mark.parametrize(("who", "change", "error", "code"), [
    ("delegate", {}, Forbidden, "forbidden"),
    ("secretary", {"reason": "  "}, Invalid, "reason_required"),
    ("secretary", {"days": -1}, Invalid, "postpone_not_later"),
    ("secretary", {"days": 0}, Invalid, "postpone_not_later"),
    ("secretary", {"ends": -1}, Invalid, "ends_before_start"),
])
async def test_a_postponement_is_refused_when(
        sessions: async_sessionmaker[AsyncSession], world: World, who: str,
        change: dict[str, Any], error: type[Exception], code: str) -> None:
    meeting = await _published(sessions, world)
    starts = meeting.starts_at + timedelta(days=int(change.get("days", 3)))
    ends = starts + timedelta(hours=int(change.get("ends", 2)))
    with pytest.raises(error) as refused:
        async with db.transaction(sessions) as s:
            await meetings.postpone(s, world[who], meeting.id, starts_at=starts, ends_at=ends,
                                    reason=str(change.get("reason", "Trùng lịch")))
    assert getattr(refused.value, "code", "forbidden") == code
    async with sessions() as s:
        stored = await s.get(Meeting, meeting.id)
        assert stored is not None
        assert stored.starts_at == meeting.starts_at and stored.postponed_from is None


async def test_a_started_meeting_is_neither_postponed_nor_cancelled(
        sessions: async_sessionmaker[AsyncSession], world: World) -> None:
    meeting = await _published(sessions, world)
    async with db.transaction(sessions) as s:
        await meetings.transition(s, world["chair"], meeting.id, "start")
    with pytest.raises(Conflict) as late:
        async with db.transaction(sessions) as s:
            await meetings.postpone(s, world["chair"], meeting.id,
                                    starts_at=utcnow() + timedelta(days=3), ends_at=None,
                                    reason="Hoãn")
    assert late.value.code == "meeting_not_postponable"
    with pytest.raises(Conflict):
        async with db.transaction(sessions) as s:
            await meetings.transition(s, world["chair"], meeting.id, "cancel", comment="Hủy")


async def test_cancelled_with_a_reason_for_good(
        sessions: async_sessionmaker[AsyncSession], world: World) -> None:
    meeting = await _published(sessions, world)
    with pytest.raises(Invalid) as bare:
        async with db.transaction(sessions) as s:
            await meetings.transition(s, world["secretary"], meeting.id, "cancel")
    assert bare.value.code == "reason_required"
    with pytest.raises(Forbidden):
        async with db.transaction(sessions) as s:
            await meetings.transition(s, world["delegate"], meeting.id, "cancel",
                                      comment="Không họp")
    async with db.transaction(sessions) as s:
        await meetings.transition(s, world["secretary"], meeting.id, "cancel",
                                  comment="Nội dung đã được xử lý bằng phiếu lấy ý kiến")
    async with sessions() as s:
        stored = await s.get(Meeting, meeting.id)
        assert stored is not None
        assert await meetings.allowed_transitions(s, world["secretary"], stored) == []
    assert stored.status == S.cancelled
    assert stored.change_reason == "Nội dung đã được xử lý bằng phiếu lấy ý kiến"
    status = (await _events(sessions, meeting.id, "meeting.status"))[-1]
    assert status["transition"] == "cancel"
    assert status["comment"] == stored.change_reason
    with pytest.raises(Conflict):
        async with db.transaction(sessions) as s:
            await meetings.transition(s, world["secretary"], meeting.id, "publish")


async def test_postpone_and_cancel_over_http(client_factory: Any, world: World,
                                             sessions: async_sessionmaker[AsyncSession]) -> None:
    meeting = await _published(sessions, world)
    secretary = await client_factory("secretary")
    url = f"/api/meetings/{meeting.id}"
    early = await secretary.post(f"{url}/postpone", json={
        "starts_at": (utcnow() - timedelta(days=1)).isoformat(), "reason": "Hoãn"},
        headers={"accept-language": "vi"})
    assert early.status_code == 422
    assert early.json()["error"]["message"] == (
        "Thời gian mới phải muộn hơn thời gian đã thông báo và chưa qua.")
    later = meeting.starts_at + timedelta(days=2)
    moved = await secretary.post(f"{url}/postpone", json={
        "starts_at": later.isoformat(), "reason": "Trùng lịch"})
    assert moved.status_code == 200, moved.text
    assert moved.json()["meeting"]["change_reason"] == "Trùng lịch"
    delegate = await client_factory("delegate")
    listed = {m["id"]: m for m in (await delegate.get("/api/meetings")).json()}
    assert listed[meeting.id]["postponed"] is True
    bare = await secretary.post(f"{url}/transitions/cancel", json={})
    assert bare.status_code == 422
    cancelled = await secretary.post(f"{url}/transitions/cancel", json={"comment": "Hủy họp"})
    assert cancelled.status_code == 200
    assert cancelled.json()["meeting"]["status"] == "cancelled"
