"""SIGKILL of a node behind nginx mid-vote: its tablets move to the other node, lose nothing."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from ecabinet import db, voting
from ecabinet.models import Ballot, Meeting
from tests.cluster.conftest import Cluster, Person, eventually
from tests.cluster.screen import Screen


async def open_poll(engine: AsyncEngine, chair: Person, meeting_id: int,
                    time_limit: int | None = None) -> int:
    """A poll opened by the chair, straight in the database (committed events replay)."""
    async with db.transaction(db.sessionmaker(engine)) as s:
        from ecabinet.models import User

        user = await s.get(User, chair.user_id)
        assert user is not None
        poll = await voting.create_poll(s, user, meeting_id, voting.PollInput(
            question="Thông qua tờ trình kế hoạch?", time_limit_seconds=time_limit))
        await voting.open_poll(s, user, poll.id)
        return poll.id


class Voter:
    """A delegate's tablet that presses once and resends until acknowledged, as the UI does."""

    def __init__(self, screen: Screen, poll_id: int, n: int) -> None:
        self.screen, self.poll_id, self.n = screen, poll_id, n
        self.acks: list[dict[str, Any]] = []

    @property
    def ballot(self) -> dict[str, Any]:
        """The same ballot every time: its client id makes a resend count once."""
        return {"poll_id": self.poll_id, "choice": self.n % 3,
                "client_ballot_id": f"cluster-ballot-{self.poll_id:06d}-{self.n:04d}"}

    async def vote(self, until_acked: bool) -> None:
        """Send the ballot; with `until_acked`, again after every reconnect until answered."""
        while True:
            with contextlib.suppress(Exception):
                await self.screen.joined.wait()
                ack = await self.screen.call("vote:cast", self.ballot, wait=5)
                assert ack["ok"], ack
                self.acks.append(ack)
                return
            if not until_acked:
                return
            await asyncio.sleep(0.1)


async def test_sigkill_of_a_node_mid_vote(cluster: Cluster, engine: AsyncEngine) -> None:
    seeded = await cluster.seed()
    poll_id = await open_poll(engine, seeded.chair, seeded.meeting_id)
    node_b = cluster.nodes[1]
    # Every tablet goes through nginx; round robin spreads them over both nodes.
    screens = [Screen(cluster.url, person, seeded.meeting_id)
               for person in [*seeded.delegates, seeded.chair]]
    await asyncio.gather(*(screen.open() for screen in screens))
    chair = screens[-1]
    voters = [Voter(screen, poll_id, n) for n, screen in enumerate(screens[:-1])]
    try:
        # A third vote, then node B dies while the rest press one after another.
        await asyncio.gather(*(v.vote(until_acked=False) for v in voters[:7]))
        assert all(v.acks for v in voters[:7])

        async def press(voter: Voter, delay: float) -> None:
            await asyncio.sleep(delay)
            await voter.vote(until_acked=True)

        rest = [asyncio.create_task(press(v, 0.03 * i)) for i, v in enumerate(voters[7:])]
        await asyncio.sleep(0.15)  # the round is under way
        cluster.kill_node(node_b)

        # Its tablets lose their socket and reconnect through nginx to node A.
        await eventually(lambda: sum(bool(s.disconnects) for s in screens) >= len(screens) // 4,
                         10, every=0.05)
        async with asyncio.timeout(20):
            await asyncio.gather(*rest)
            for screen in screens:
                await screen.joined.wait()
        assert all(len(v.acks) == 1 for v in voters)
        receipts = {v.n: v.acks[0]["receipt"] for v in voters}
        # Everyone is on node A now; node B starts again meanwhile (ready by the end).
        cluster.start_node(node_b)

        closed = None
        async with asyncio.timeout(10):
            while closed is None:
                await chair.joined.wait()
                with contextlib.suppress(Exception):
                    closed = await chair.call("vote:close", {"poll_id": poll_id})
        assert closed["ok"], closed
        result = closed["poll"]["result"]
        assert result["voted"] == len(voters)
        assert result["counts"] == [7, 7, 6]

        # Every acknowledged ballot is in the closed result, as acknowledged.
        async with engine.connect() as conn:
            stored = dict((await conn.execute(
                select(Ballot.receipt, Ballot.choice).where(Ballot.poll_id == poll_id))).all())
            last_seq = await conn.scalar(select(Meeting.last_seq)
                                         .where(Meeting.id == seeded.meeting_id))
        assert {r: n % 3 for n, r in receipts.items()} == stored

        # Every screen, moved or not, ends on the server's exact state.
        for screen in screens:
            await screen.wait_for(lambda s=screen: s.seq == last_seq and not s.early)
            fresh = await screen.fresh_snapshot()
            assert fresh["seq"] == last_seq
            assert screen.shows(fresh), (screen.person.username, screen.seq, screen.polls)
            assert screen.polls[poll_id]["status"] == "closed"
        # Round robin had given node B about half of them; all of those moved, none else.
        moved = [s for s in screens if s.disconnects]
        assert len(screens) // 4 <= len(moved) <= 3 * len(screens) // 4, len(moved)
        assert all(s.disconnects == 1 and s.connects == 2 for s in moved)
    finally:
        for screen in screens:
            await screen.close()
        if node_b.process is None or node_b.process.poll() is not None:
            cluster.start_node(node_b)
        cluster.wait_ready(node_b)
