"""Group commits: many callers' small writes queued and written by one loop, a group per
transaction.

A hall of tablets doing the same thing at once (checking in as the meeting opens) would
otherwise queue for SQLite's one write lock one transaction each, every one repeating
the same tally and audit-chain work. Here the first job starts a group, every job queued
meanwhile joins it, and each caller's wait ends when its group commits: acknowledged
means committed. A group that fails as a whole is written again one job at a time, so
one bad job cannot sink the others.

Callers must not hold a transaction while they wait (SQLite takes its write lock at
BEGIN, and the loop needs it).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ecabinet import db
from ecabinet.errors import unavailable_of

log = logging.getLogger(__name__)

Job = TypeVar("Job")
Result = TypeVar("Result")
# Writes a group in the given transaction: one result, or the exception refusing it, per job.
Write = Callable[[AsyncSession, Sequence[Job]], Awaitable[Sequence[Result | Exception]]]


@dataclass
class _Queued(Generic[Job, Result]):
    job: Job
    done: asyncio.Future[Result] = field(repr=False)


class GroupCommit(Generic[Job, Result]):
    """One node's writer of one kind of job."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession],
                 write: Write[Job, Result], *, group_max: int = 500, name: str = "group") -> None:
        self.sessions = sessions
        self.write = write
        self.group_max = max(1, group_max)
        self.name = name
        self.groups = 0  # groups committed (the bench prints it)
        self._queue: asyncio.Queue[_Queued[Job, Result]] | None = None
        self._task: asyncio.Task[None] | None = None

    async def submit(self, job: Job) -> Result:
        """Write `job` with whatever else is queued; returns once committed (or raises
        the job's refusal)."""
        loop = asyncio.get_running_loop()
        if self._queue is None or self._task is None or self._task.done():
            self._queue = asyncio.Queue()
            self._task = loop.create_task(self._run(self._queue), name=f"{self.name}-writer")
        done: asyncio.Future[Result] = loop.create_future()
        self._queue.put_nowait(_Queued(job, done))
        return await done

    async def stop(self) -> None:
        """Stop the loop; jobs still queued are never written (their callers are cancelled)."""
        await cancel(self._task)
        self._task = None
        if self._queue is not None:
            while not self._queue.empty():
                self._queue.get_nowait().done.cancel()

    async def _run(self, queue: asyncio.Queue[_Queued[Job, Result]]) -> None:
        while True:
            group = [await queue.get()]
            while len(group) < self.group_max and not queue.empty():
                group.append(queue.get_nowait())
            await self._commit(group)

    async def _commit(self, group: list[_Queued[Job, Result]]) -> None:
        try:
            async with db.transaction(self.sessions) as session:
                outcomes = await self.write(session, [q.job for q in group])
            self.groups += 1
        except Exception as exc:
            if (busy := unavailable_of(exc)) is not None:
                # Writing singly would only wait for the lock once per job.
                for queued in group:
                    settle(queued.done, busy)
                return
            if len(group) == 1:
                log.warning("%s write failed: %s", self.name, exc)
                settle(group[0].done, exc)
                return
            log.warning("%s group of %d failed (%s); writing singly", self.name, len(group), exc)
            for queued in group:
                await self._commit([queued])
            return
        for queued, outcome in zip(group, outcomes, strict=True):
            settle(queued.done, outcome)


async def cancel(task: asyncio.Task[None] | None) -> None:
    """Cancel a writer's loop and wait until it has stopped."""
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def settle(future: asyncio.Future[Result], outcome: Result | BaseException) -> None:
    """End a waiting caller's wait with its result or its refusal (once)."""
    if future.done():
        return
    if isinstance(outcome, BaseException):
        future.set_exception(outcome)
    else:
        future.set_result(outcome)
