"""The meeting event log: gap-free seq under concurrent writers, replay, audiences."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import select

from ecabinet import db, eventlog
from ecabinet.models import MeetingEvent, User
from ecabinet.snapshot import catch_up
from tests.conftest import World
from tests.test_meetings import make_meeting


async def test_seq_is_gap_free_under_concurrent_writers(sessions: Any, world: World) -> None:
    meeting_id = await make_meeting(sessions, world)
    published: list[int] = []
    eventlog.add_publisher(sessions, lambda batch: published.extend(e.seq for e in batch.events))

    async def writer(n: int) -> None:
        for i in range(10):
            async with db.transaction(sessions) as s:
                await eventlog.append(s, meeting_id, "test.tick", {"writer": n, "i": i})
                # Yield mid-transaction so writers really interleave.
                await asyncio.sleep(0)

    async def failing_writer() -> None:
        for _ in range(5):
            try:
                async with db.transaction(sessions) as s:
                    await eventlog.append(s, meeting_id, "test.lost", {})
                    raise RuntimeError("rolled back")
            except RuntimeError:
                pass

    await asyncio.gather(*(writer(n) for n in range(8)), failing_writer())
    async with db.transaction(sessions) as s:
        seqs = (await s.scalars(select(MeetingEvent.seq).where(
            MeetingEvent.meeting_id == meeting_id).order_by(MeetingEvent.seq))).all()
        types = set((await s.scalars(select(MeetingEvent.type))).all())
    assert list(seqs) == list(range(1, len(seqs) + 1))
    assert len(seqs) == 1 + 80  # meeting.updated at creation, then 8 writers x 10
    assert "test.lost" not in types
    # Only committed events were published, each once.
    assert sorted(published) == list(range(2, 82))


async def test_replay_returns_exactly_the_missed_events(sessions: Any, world: World) -> None:
    meeting_id = await make_meeting(sessions, world)
    async with db.transaction(sessions) as s:
        for i in range(5):
            await eventlog.append(s, meeting_id, "test.tick", {"i": i})
    async with db.transaction(sessions) as s:
        user = await s.get(User, world["delegate"].id)
        assert user is not None
        missed = await catch_up(s, user, meeting_id, 3)
        assert [e["seq"] for e in missed["events"]] == [4, 5, 6]
        assert [e["data"]["i"] for e in missed["events"]] == [2, 3, 4]
        current = await catch_up(s, user, meeting_id, 6)
        assert current == {"events": []}
        fresh = await catch_up(s, user, meeting_id, None)
        assert fresh["snapshot"]["seq"] == 6
        # A client claiming a seq from the future (e.g. after a database restore) resyncs.
        ahead = await catch_up(s, user, meeting_id, 99)
        assert "snapshot" in ahead


async def test_too_old_gap_gets_a_snapshot(sessions: Any, world: World) -> None:
    meeting_id = await make_meeting(sessions, world)
    async with db.transaction(sessions) as s:
        for i in range(eventlog.REPLAY_LIMIT + 2):
            await eventlog.append(s, meeting_id, "test.tick", {"i": i})
    async with db.transaction(sessions) as s:
        user = await s.get(User, world["delegate"].id)
        assert user is not None
        result = await catch_up(s, user, meeting_id, 0)
        assert result["snapshot"]["seq"] == eventlog.REPLAY_LIMIT + 3


async def test_audience_limited_event_is_a_placeholder_for_others(sessions: Any,
                                                                  world: World) -> None:
    meeting_id = await make_meeting(sessions, world)
    async with db.transaction(sessions) as s:
        await eventlog.append(s, meeting_id, "document.added", {"title": "Mật"},
                              audience=[world["chair"].id])
    async with db.transaction(sessions) as s:
        delegate = await s.get(User, world["delegate"].id)
        chair = await s.get(User, world["chair"].id)
        assert delegate is not None and chair is not None
        hidden = (await catch_up(s, delegate, meeting_id, 1))["events"]
        shown = (await catch_up(s, chair, meeting_id, 1))["events"]
    assert hidden == [{"meeting_id": meeting_id, "seq": 2, "type": "hidden", "data": {}}]
    assert shown[0]["type"] == "document.added" and shown[0]["data"]["title"] == "Mật"
