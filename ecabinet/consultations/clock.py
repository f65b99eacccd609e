"""Each node closes the consultations whose deadline has passed: at start (a deadline
that passed while the node was down) and then every few seconds. Every node may; the
close is conditional on the consultation still being open, so it happens once."""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ecabinet import db
from ecabinet.consultations import closing
from ecabinet.group_commit import cancel

log = logging.getLogger(__name__)
# Deadlines fall at 17:00; a close within half a minute of it is on time for everyone.
CHECK_EVERY = 30.0


class DeadlineClock:
    """One node's loop closing consultations at their deadline."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession],
                 every: float = CHECK_EVERY) -> None:
        self.sessions = sessions
        self.every = every
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Close what is already due, then keep watching."""
        await self.tick()
        self._task = asyncio.get_running_loop().create_task(self._run(),
                                                            name="consultation-deadlines")

    async def stop(self) -> None:
        """Stop watching."""
        await cancel(self._task)
        self._task = None

    async def tick(self) -> list[int]:
        """Close every consultation due now; the ids this node closed."""
        try:
            async with db.transaction(self.sessions) as session:
                return await closing.close_due(session)
        except Exception:
            # A database away for a moment: the next tick tries again.
            log.exception("closing the consultations due failed")
            return []

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.every)
            await self.tick()
