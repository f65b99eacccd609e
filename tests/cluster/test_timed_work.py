"""Timed work runs once across nodes: a poll whose time runs out is closed exactly once."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import datetime
from itertools import cycle

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from ecabinet import db, voting
from ecabinet.models import AuditEntry, MeetingEvent, Poll, User
from ecabinet.models.base import utcnow
from ecabinet.models.voting import PollStatus
from tests.cluster.conftest import Cluster
from tests.cluster.screen import Screen

TIME_LIMIT = voting.MIN_TIME_LIMIT


async def countdown(screen: Screen, poll_id: int) -> None:
    """What a tablet does when its countdown reaches zero: ask for the close, until closed."""
    closes_at = datetime.fromisoformat(screen.polls[poll_id]["closes_at"])
    await asyncio.sleep(max(0.0, (closes_at - utcnow()).total_seconds()))
    while screen.polls[poll_id]["status"] == "open":
        with contextlib.suppress(Exception):  # poll_not_due on a clock a hair early
            ack = await screen.call("vote:close_due", {"poll_id": poll_id})
            if ack["ok"]:
                return
        await asyncio.sleep(0.1)


async def test_poll_deadline_closes_once_across_nodes(cluster: Cluster,
                                                      engine: AsyncEngine) -> None:
    seeded = await cluster.seed(delegates=10)
    async with db.transaction(db.sessionmaker(engine)) as s:
        chair = await s.get(User, seeded.chair.user_id)
        assert chair is not None
        poll_id = (await voting.create_poll(s, chair, seeded.meeting_id, voting.PollInput(
            question="Thông qua trong thời hạn?", time_limit_seconds=TIME_LIMIT))).id
    # Screens on both nodes; the chair opens the poll through node A, whose ballot writer
    # then waits for the deadline, while every tablet counts down to it too.
    screens = [Screen(node.url, person, seeded.meeting_id)
               for person, node in zip([seeded.chair, *seeded.delegates], cycle(cluster.nodes))]
    try:
        for screen in screens:
            await screen.open()
        opened = await screens[0].call("poll:open", {"poll_id": poll_id})
        assert opened["ok"], opened
        for screen in screens:
            await screen.wait_for(lambda s=screen: poll_id in s.polls)
        voters = screens[1:6]
        acks = await asyncio.gather(*(s.call("vote:cast", {
            "poll_id": poll_id, "choice": 0,
            "client_ballot_id": f"timed-ballot-{poll_id:06d}-{n:04d}"})
            for n, s in enumerate(voters)))
        assert all(a["ok"] for a in acks), acks

        async with asyncio.timeout(TIME_LIMIT + 10):
            await asyncio.gather(*(countdown(s, poll_id) for s in screens))
            for screen in screens:
                await screen.wait_for(lambda s=screen: s.polls[poll_id]["status"] == "closed")

        async with engine.connect() as conn:
            poll = (await conn.execute(select(Poll.status, Poll.voted_count, Poll.result)
                                       .where(Poll.id == poll_id))).one()
            closes = await conn.scalar(select(func.count()).select_from(AuditEntry).where(
                AuditEntry.action == "poll.result", AuditEntry.object_id == str(poll_id)))
            events = (await conn.scalars(select(MeetingEvent.data).where(
                MeetingEvent.meeting_id == seeded.meeting_id,
                MeetingEvent.type == "poll.updated"))).all()
        closed_events = [e for e in events
                         if e["poll"]["id"] == poll_id and e["poll"]["status"] == "closed"]
        assert poll.status == PollStatus.closed and poll.voted_count == len(voters)
        assert closes == 1 and len(closed_events) == 1
        assert all(s.polls[poll_id]["result"] == poll.result for s in screens)
    finally:
        for screen in screens:
            await screen.close()
