"""Redis restarted mid-meeting: what was committed meanwhile still reaches every screen."""

from __future__ import annotations

import asyncio
from itertools import cycle

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from ecabinet.models import Meeting
from tests.cluster.conftest import Cluster
from tests.cluster.screen import Screen


class Nudger:
    """A delegate asking for the floor and withdrawing, each a committed event."""

    def __init__(self, screen: Screen) -> None:
        self.screen = screen
        self.request_id: int | None = None

    async def nudge(self) -> None:
        """Commit one more event of the meeting (acknowledged: it is in the log)."""
        meeting = {"meeting_id": self.screen.meeting_id}
        if self.request_id is None:
            ack = await self.screen.call("speaker:request", meeting)
            assert ack["ok"], ack
            self.request_id = ack["request_id"]
        else:
            ack = await self.screen.call("speaker:withdraw",
                                         {**meeting, "request_id": self.request_id})
            assert ack["ok"], ack
            self.request_id = None


async def last_seq(engine: AsyncEngine, meeting_id: int) -> int:
    """The meeting's last committed event."""
    async with engine.connect() as conn:
        seq = await conn.scalar(select(Meeting.last_seq).where(Meeting.id == meeting_id))
    assert seq is not None
    return int(seq)


async def test_redis_restarted_mid_meeting(cluster: Cluster, engine: AsyncEngine) -> None:
    seeded = await cluster.seed(delegates=6)
    pids = [node.process.pid for node in cluster.nodes if node.process is not None]
    # Straight on each node, so both certainly hold screens: events cross nodes via Redis.
    screens = [Screen(node.url, person, seeded.meeting_id)
               for person, node in zip(seeded.delegates, cycle(cluster.nodes))]
    try:
        for screen in screens:
            await screen.open()
        on_a, on_b = Nudger(screens[0]), Nudger(screens[1])
        await on_a.nudge()
        before = await last_seq(engine, seeded.meeting_id)
        for screen in screens:
            await screen.wait_for(lambda s=screen: s.seq == before)

        cluster.redis.kill()
        # Committed on both nodes while Redis is down: acknowledged, in the log, on no screen
        # (even a node's own sockets get events through Redis).
        await on_a.nudge()
        await on_b.nudge()
        await on_b.nudge()
        during = await last_seq(engine, seeded.meeting_id)
        assert during == before + 3
        cluster.redis.start()

        # No node restarts: each reconnects to Redis by itself. Once it has, the next event
        # arrives live, and every screen repairs the gap before it from the log.
        async with asyncio.timeout(20):
            while not all(s.seq > during for s in screens):
                await on_b.nudge()
                await asyncio.sleep(0.5)
        end = await last_seq(engine, seeded.meeting_id)
        for screen in screens:
            await screen.wait_for(lambda s=screen: s.seq == end and not s.early)
            assert screen.shows(await screen.fresh_snapshot())

        # And live delivery runs both ways again: one event, no gap, everywhere.
        await on_a.nudge()
        for screen in screens:
            await screen.wait_for(lambda s=screen: s.seq == end + 1 and not s.early)
        assert [node.process.pid for node in cluster.nodes if node.process] == pids
    finally:
        for screen in screens:
            await screen.close()
