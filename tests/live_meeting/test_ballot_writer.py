"""The ballot writer: group commits, acknowledgement after commit, close ordering, deadlines."""

from __future__ import annotations

import asyncio
import secrets
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from ecabinet import voting
from ecabinet.app import create_app
from ecabinet.ballot_writer import BallotWriter
from ecabinet.config import Settings
from ecabinet.errors import Conflict, Forbidden, NotFound, Unauthenticated
from ecabinet.models import LoginSession, Poll, User
from ecabinet.models.base import utcnow
from tests.live_meeting.conftest import VOTERS, Hall, codes


async def tokens(hall: Hall, names: list[str]) -> dict[str, str]:
    """A login session per user, as the hub keeps one per socket."""
    made = {}
    async with hall.sessions() as s, s.begin():
        for name in names:
            made[name] = secrets.token_urlsafe(32)
            s.add(LoginSession(token=made[name], csrf_token="x", user_id=hall[name].id,
                               expires_at=utcnow() + timedelta(hours=1)))
    return made


async def opened(hall: Hall, **settings: Any) -> voting.PollInput:
    return voting.PollInput(question="Thông qua tờ trình hỗ trợ khắc phục hậu quả lũ?",
                            **settings)


async def create_and_open(hall: Hall, now: Any = None, **settings: Any) -> int:
    data = await opened(hall, **settings)

    async def make(s: AsyncSession, u: User) -> int:
        poll = await voting.create_poll(s, u, hall.meeting_id, data)
        await voting.open_poll(s, u, poll.id, now=now)
        return poll.id
    return await hall.run("chair", make)


async def test_a_burst_is_committed_in_groups_and_acknowledged_after_commit(hall: Hall) -> None:
    await hall.check_in(*VOTERS)
    poll = await create_and_open(hall)
    logins = await tokens(hall, [*VOTERS, "observer"])
    writer = BallotWriter(hall.sessions, batch_max=500)
    try:
        # Every voter sends twice at once (a resend racing the first), the observer once.
        sends = [writer.cast(logins[name], poll, i % 3, f"ballot-of-{name}-0001")
                 for i, name in enumerate(VOTERS) for _ in range(2)]
        sends.append(writer.cast(logins["observer"], poll, 0, "ballot-of-observer-01"))
        sends.append(writer.cast("not-a-session", poll, 0, "ballot-of-nobody-0001"))
        outcomes = await asyncio.gather(*sends, return_exceptions=True)
        counted = outcomes[:10]
        assert all(isinstance(o, voting.BallotOutcome) for o in counted)
        assert sorted(o.already for o in counted) == [False] * 5 + [True] * 5  # type: ignore[union-attr]
        assert isinstance(outcomes[10], Forbidden) and codes_of(outcomes[10]) == "not_eligible"
        assert isinstance(outcomes[11], Unauthenticated)
        # Twelve ballots, fewer commits (they were queued together).
        assert writer.batches < 12
        # Acknowledged means committed: a fresh session sees all five.
        async with hall.sessions() as s:
            assert await voting.ballot_count(s, poll) == 5
        # A close queued behind ballots counts them all.
        late = [writer.cast(logins[name], poll, i % 3, f"ballot-of-{name}-0001")
                for i, name in enumerate(VOTERS)]
        closing = writer.close(logins["chair"], poll)
        *_, view = await asyncio.gather(*late, closing)
        assert view["status"] == "closed" and view["result"]["voted"] == 5
        with pytest.raises(Forbidden):
            await writer.close(logins["observer"], poll)
    finally:
        await writer.stop()


def codes_of(exc: object) -> str:
    return str(getattr(exc, "code", ""))


async def test_the_writer_closes_a_poll_whose_time_is_up(hall: Hall) -> None:
    await hall.check_in("chair")
    # Opened 70 s ago with a 60 s limit: already due when the writer starts.
    poll = await create_and_open(hall, now=utcnow() - timedelta(seconds=70),
                                 time_limit_seconds=60)
    logins = await tokens(hall, ["chair"])
    writer = BallotWriter(hall.sessions)
    try:
        with pytest.raises(Conflict) as err:
            await writer.cast(logins["chair"], poll, 0, "too-late-ballot-0001")
        assert codes(err) == "poll_closed"
        async with asyncio.timeout(5):
            while True:
                async with hall.sessions() as s:
                    row = await s.get(Poll, poll)
                    if row is not None and row.status.value == "closed":
                        break
                await asyncio.sleep(0.05)
        with pytest.raises(NotFound):
            await writer.close(None, poll + 1000)
    finally:
        await writer.stop()


async def test_a_restarted_node_closes_a_timed_poll_nobody_touches(
        hall: Hall, settings: Settings) -> None:
    await hall.check_in("chair")
    # The node went down while this poll ran; its time ran out while it was down.
    poll = await create_and_open(hall, now=utcnow() - timedelta(seconds=70),
                                 time_limit_seconds=60)
    node = create_app(settings)
    async with node.starlette.router.lifespan_context(node.starlette), asyncio.timeout(10):
        # Nobody votes or asks: the node closes it by itself, and every screen is told.
        while True:
            async with hall.sessions() as s:
                row = await s.get(Poll, poll, populate_existing=True)
                if row is not None and row.status.value == "closed":
                    break
            await asyncio.sleep(0.05)
    assert row.result is not None and row.result["voted"] == 0
