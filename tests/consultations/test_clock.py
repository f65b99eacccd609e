"""Consultations close at their deadline by themselves: one that fell due while the node
was down closes as the node starts, a running node closes the next as it falls due, and
two nodes at the same deadline close it once."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ecabinet import db
from ecabinet.app import create_app
from ecabinet.config import Settings
from ecabinet.consultations.clock import DeadlineClock
from ecabinet.models import AuditEntry, Consultation
from ecabinet.models.base import utcnow
from tests.conftest import World
from tests.consultations.conftest import sent


async def _status(sessions: async_sessionmaker[AsyncSession], consultation_id: int) -> str:
    async with sessions() as s:
        return str(await s.scalar(select(Consultation.status).where(
            Consultation.id == consultation_id)))


async def _closes(sessions: async_sessionmaker[AsyncSession]) -> list[dict[str, object]]:
    async with sessions() as s:
        return [e.data for e in (await s.scalars(select(AuditEntry).where(
            AuditEntry.action == "consultation.close"))).all()]


async def test_a_deadline_passed_while_the_node_was_down_closes_it_at_start(
        sessions: async_sessionmaker[AsyncSession], world: World, settings: Settings) -> None:
    # Sent three weeks ago for five working days; nothing ran since.
    overdue = await sent(sessions, world, now=utcnow() - timedelta(days=21))
    current = await sent(sessions, world)
    app = create_app(settings)
    async with app.starlette.router.lifespan_context(app.starlette):
        assert await _status(sessions, overdue.id) == "closed"
        assert await _status(sessions, current.id) == "sent"
    [closed] = await _closes(sessions)
    assert closed["why"] == "deadline"
    assert closed["result"]["asked"] == 4  # type: ignore[index]


async def test_a_running_node_closes_it_as_it_falls_due(
        sessions: async_sessionmaker[AsyncSession], world: World) -> None:
    consultation = await sent(sessions, world)
    clock = DeadlineClock(sessions, every=0.05)
    await clock.start()
    try:
        await asyncio.sleep(0.2)
        assert await _status(sessions, consultation.id) == "sent"
        # Its deadline comes (the clock of the database moved on, in this test).
        async with db.transaction(sessions) as s:
            await s.execute(update(Consultation).where(Consultation.id == consultation.id)
                            .values(deadline=utcnow() + timedelta(milliseconds=100)))
        for _ in range(100):  # up to 5 s: the clock ticks every 0.05 s
            await asyncio.sleep(0.05)
            if await _status(sessions, consultation.id) == "closed":
                break
        assert await _status(sessions, consultation.id) == "closed"
    finally:
        await clock.stop()


async def test_two_nodes_at_the_same_deadline_close_it_once(
        sessions: async_sessionmaker[AsyncSession], world: World) -> None:
    consultations = [await sent(sessions, world, now=utcnow() - timedelta(days=21))
                     for _ in range(3)]
    nodes = [DeadlineClock(sessions), DeadlineClock(sessions)]
    closed = await asyncio.gather(*(node.tick() for node in nodes))
    assert sorted(closed[0] + closed[1]) == sorted(c.id for c in consultations)
    async with sessions() as s:
        assert await s.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "consultation.close")) == 3
