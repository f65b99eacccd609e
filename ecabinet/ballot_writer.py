"""The one writer of ballots: a queue drained into group commits.

A burst of ballots costs one transaction per group instead of one each (the commit's
fsync and the audit head's lock dominate), and each ballot's acknowledgement waits for
its group's commit: acknowledged means committed. Closing a poll goes through the same
queue, so every ballot acknowledged before the close is in the result. The writer also
closes polls whose time limit ran out: it learns their deadlines from the `poll.updated`
events of the meeting event log, whichever transport opened the poll, and from the
database every few seconds, for polls opened on another node.

The app creates one writer per node in its lifespan and keeps it on `app.state`.

It holds no request's transaction while it waits, so callers must not either (SQLite
takes its write lock at BEGIN): the socket handler and the HTTP route authenticate,
leave their transaction, then enqueue.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ecabinet import accounts, db, eventlog, voting
from ecabinet.errors import Conflict, DomainError, NotFound, Unauthenticated
from ecabinet.group_commit import cancel, settle
from ecabinet.models.base import utcnow

log = logging.getLogger(__name__)
# Live counts go out at most this often per poll: one per group commit would flood a
# thousand screens with counts nobody can read that fast.
PROGRESS_INTERVAL = 0.5
# Every node reads the open polls' deadlines this often (s): a poll opened on a node that
# died since still closes on time, on whichever node comes first (closing is idempotent).
DEADLINES_REREAD = 5.0


@dataclass
class _Cast:
    token: str
    poll_id: int
    choice: int
    client_ballot_id: str
    done: asyncio.Future[voting.BallotOutcome] = field(repr=False)


@dataclass
class _Close:
    token: str | None  # None: the node itself, only if the poll's time is up
    poll_id: int
    due_only: bool
    done: asyncio.Future[dict[str, Any]] = field(repr=False)


@dataclass
class _Wake:
    """Makes the loop look at the deadlines again."""


_Job = _Cast | _Close | _Wake


class BallotWriter:
    """Serialises ballots and closes of one node's database into group commits."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], batch_max: int = 500) -> None:
        self.sessions = sessions
        self.batch_max = max(1, batch_max)
        self._queue: asyncio.Queue[_Job] | None = None
        self._task: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._deadlines: dict[int, datetime] = {}
        self._deadlines_read_at = 0.0
        self._announced: dict[int, float] = {}  # poll id -> when its count last went out
        self._unannounced: set[int] = set()
        self.batches = 0  # group commits done (for tests and the bench)
        eventlog.add_publisher(sessions, self._follow_polls)

    def _ensure_running(self) -> asyncio.Queue[_Job]:
        loop = asyncio.get_running_loop()
        if self._queue is None or self._loop is not loop or self._task is None \
                or self._task.done():
            if self._loop is not loop or self._queue is None:
                self._queue = asyncio.Queue()
            self._loop = loop
            self._task = loop.create_task(self._run(), name="ballot-writer")
        return self._queue

    async def cast(self, token: str, poll_id: int, choice: int, client_ballot_id: str
                   ) -> voting.BallotOutcome:
        """Count a ballot; returns once it is committed (raises the refusal otherwise)."""
        queue = self._ensure_running()
        done: asyncio.Future[voting.BallotOutcome] = asyncio.get_running_loop().create_future()
        queue.put_nowait(_Cast(token, poll_id, choice, client_ballot_id, done))
        return await done

    async def close(self, token: str | None, poll_id: int, *, due_only: bool = False
                    ) -> dict[str, Any]:
        """Close a poll after every ballot queued before; `due_only` (or no token): only
        if its time is up."""
        queue = self._ensure_running()
        done: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        queue.put_nowait(_Close(token, poll_id, due_only, done))
        return await done

    def _follow_polls(self, batch: eventlog.Committed) -> None:
        # Called after every commit: a poll opened with a time limit gets a deadline, one
        # closed or withdrawn loses it, whichever node's route or live action did it.
        changed = False
        for row in batch.events:
            poll = row.data.get("poll") if row.type == "poll.updated" else None
            if not isinstance(poll, dict) or not isinstance(poll.get("id"), int):
                continue
            closes_at = poll.get("closes_at")
            if poll.get("status") == "open" and isinstance(closes_at, str):
                at = datetime.fromisoformat(closes_at)
                self._deadlines[poll["id"]] = at if at.tzinfo else at.replace(tzinfo=UTC)
                changed = True
            elif self._deadlines.pop(poll["id"], None) is not None:
                changed = True
        if changed and self._task is not None and not self._task.done():
            # Wake the loop so it waits for the new, possibly nearer, deadline.
            assert self._queue is not None
            self._queue.put_nowait(_Wake())

    async def start(self) -> None:
        """Start the loop (it also starts at the first ballot or close)."""
        self._ensure_running()

    async def stop(self) -> None:
        """Stop the writer (queued jobs are refused)."""
        eventlog.remove_publisher(self.sessions, self._follow_polls)
        await cancel(self._task)
        self._task = None

    # -- the loop ---------------------------------------------------------------------

    async def _run(self) -> None:
        assert self._queue is not None
        queue = self._queue
        await self._reread_deadlines()
        carry: _Job | None = None
        while True:
            job = carry
            carry = None
            if job is None:
                job = await self._next(queue)
                if job is None:
                    if asyncio.get_running_loop().time() >= \
                            self._deadlines_read_at + DEADLINES_REREAD:
                        await self._reread_deadlines()
                    await self._close_due()
                    await self._announce_due()
                    continue
            if isinstance(job, _Wake):
                continue
            if isinstance(job, _Close):
                await self._close(job)
                continue
            batch = [job]
            while len(batch) < self.batch_max and not queue.empty():
                more = queue.get_nowait()
                if isinstance(more, _Wake):
                    continue
                if isinstance(more, _Close):
                    carry = more  # after this group, so it sees every ballot before it
                    break
                batch.append(more)
            await self._commit(batch)

    async def _next(self, queue: asyncio.Queue[_Job]) -> _Job | None:
        waits = [(at - utcnow()).total_seconds() for at in self._deadlines.values()]
        loop = asyncio.get_running_loop()
        waits += [self._announced.get(p, 0.0) + PROGRESS_INTERVAL - loop.time()
                  for p in self._unannounced]
        waits.append(self._deadlines_read_at + DEADLINES_REREAD - loop.time())
        wait = min(waits)
        if wait <= 0:
            return None
        try:
            return await asyncio.wait_for(queue.get(), timeout=wait)
        except TimeoutError:
            return None

    async def _load_deadlines(self) -> None:
        self._deadlines_read_at = asyncio.get_running_loop().time()
        async with self.sessions() as session:
            for poll_id, closes_at in await voting.due_polls(session):
                self._deadlines[poll_id] = closes_at

    async def _reread_deadlines(self) -> None:
        try:
            await self._load_deadlines()
        except Exception:
            log.exception("reading poll deadlines failed")

    async def _close_due(self) -> None:
        now = utcnow()
        for poll_id in [p for p, at in self._deadlines.items() if at <= now]:
            self._deadlines.pop(poll_id, None)
            try:
                async with db.transaction(self.sessions) as session:
                    await voting.close_poll(session, None, poll_id, now=now)
            except (Conflict, NotFound):
                pass  # closed by hand meanwhile
            except Exception:
                log.exception("closing poll %s at its deadline failed", poll_id)

    async def _announce_due(self) -> None:
        moment = asyncio.get_running_loop().time()
        for poll_id in [p for p in self._unannounced
                        if self._announced.get(p, 0.0) + PROGRESS_INTERVAL <= moment]:
            self._unannounced.discard(poll_id)
            self._announced[poll_id] = moment
            try:
                async with db.transaction(self.sessions) as session:
                    await voting.announce_progress(session, poll_id)
            except Exception:
                log.exception("announcing the count of poll %s failed", poll_id)

    async def _close(self, job: _Close) -> None:
        # The result supersedes a count not yet sent: one broadcast, not two in a row.
        self._unannounced.discard(job.poll_id)
        try:
            async with db.transaction(self.sessions) as session:
                actor = None
                if job.token is not None:
                    actor = (await accounts.users_by_token(session, [job.token])).get(job.token)
                    if actor is None:
                        raise Unauthenticated("session_expired")
                poll = await voting.close_poll(session, actor, job.poll_id,
                                               due_only=job.due_only)
                view = voting.poll_view(poll)
            self._deadlines.pop(job.poll_id, None)
            settle(job.done, view)
        except Exception as exc:
            settle(job.done, exc)

    async def _commit(self, batch: list[_Cast]) -> None:
        try:
            outcomes = await self._commit_group(batch)
        except Exception as exc:
            if len(batch) == 1:
                log.exception("a ballot could not be written")
                settle(batch[0].done, exc)
                return
            # One bad ballot must not sink its group: write them one by one.
            log.warning("ballot group of %d failed (%s); writing singly", len(batch), exc)
            for job in batch:
                await self._commit([job])
            return
        for job, outcome in zip(batch, outcomes, strict=True):
            if isinstance(outcome, Exception):
                settle(job.done, outcome)
            else:
                settle(job.done, outcome)

    async def _commit_group(self, batch: list[_Cast]
                            ) -> list[voting.BallotOutcome | DomainError]:
        moment = asyncio.get_running_loop().time()
        polls = {job.poll_id for job in batch}
        announce = all(self._announced.get(p, 0.0) + PROGRESS_INTERVAL <= moment for p in polls)
        async with db.transaction(self.sessions) as session:
            users = await accounts.users_by_token(session, [job.token for job in batch])
            requests: list[voting.BallotRequest] = []
            placed: list[int | DomainError] = []
            for job in batch:
                user = users.get(job.token)
                if user is None:
                    placed.append(Unauthenticated("session_expired"))
                    continue
                placed.append(len(requests))
                requests.append(voting.BallotRequest(user, job.poll_id, job.choice,
                                                     job.client_ballot_id))
            counted = await voting.cast_many(session, requests, progress=announce) \
                if requests else []
        self.batches += 1
        if announce:
            self._announced.update(dict.fromkeys(polls, moment))
            self._unannounced -= polls
        else:
            self._unannounced |= polls
        return [counted[p] if isinstance(p, int) else p for p in placed]

