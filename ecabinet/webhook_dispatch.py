"""Each node sends the webhook deliveries that are due: it claims a batch in one
transaction (so two nodes never send the same one at once), POSTs each, signed, and logs
the attempt; and once an hour it sweeps the tasks that became due soon or overdue.

What is pending lives in the database: a node stopped between attempts, or killed in the
middle of one, leaves its deliveries to the next poll of any node (a killed node's claim
lapses after a minute, so a receiver may then get the same event twice; its `id` says so).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time

import aiohttp
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ecabinet import db, webhooks
from ecabinet.config import Settings
from ecabinet.models.base import utcnow
from ecabinet.periodic import Periodic

log = logging.getLogger(__name__)
TIMEOUT = aiohttp.ClientTimeout(total=10)
SWEEP_EVERY = dt.timedelta(hours=1)
# A node stopping lets the attempts under way finish (and be logged) for this long.
STOP_GRACE = 15.0
USER_AGENT = "eCabinet-Webhooks/1"


class WebhookDispatcher:
    """One node's loop sending webhook deliveries."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], settings: Settings,
                 reads: async_sessionmaker[AsyncSession] | None = None) -> None:
        self.sessions = sessions
        # Polls that find nothing due only read: on SQLite they take no write lock.
        self.reads = reads or sessions
        self.scale = settings.webhook_retry_scale
        self._next_sweep: dt.datetime | None = None
        self._http: aiohttp.ClientSession | None = None
        self._loop = Periodic("webhooks", settings.webhook_poll_seconds, self.tick)

    async def start(self) -> None:
        """Send what is due (and sweep the tasks) now, then every poll."""
        self._loop.start()

    async def stop(self) -> None:
        """Stop polling once the attempts under way are logged."""
        await self._loop.stop(STOP_GRACE)
        if self._http is not None:
            await self._http.close()
            self._http = None

    async def tick(self, now: dt.datetime | None = None) -> int:
        """Sweep the tasks when an hour has passed, then send every delivery due; how many
        attempts were made. `now` stands for the clock (tests)."""
        try:
            moment = now or utcnow()
            if self._next_sweep is None or moment >= self._next_sweep:
                self._next_sweep = moment + SWEEP_EVERY
                async with db.transaction(self.sessions) as session:
                    await webhooks.sweep_tasks(session, now=moment)
            made = 0
            while True:
                async with self.reads() as session:
                    if not await webhooks.any_due(session, moment):
                        return made
                async with db.transaction(self.sessions) as session:
                    batch = await webhooks.claim(session, moment)
                if not batch:
                    return made
                await asyncio.gather(*(self._attempt(out, now) for out in batch))
                made += len(batch)
                if len(batch) < webhooks.CLAIM_BATCH or self._loop.stopping.is_set():
                    return made
                moment = now or utcnow()
        except Exception:
            # A database away for a moment: the next poll tries again.
            log.exception("sending webhook deliveries failed")
            return 0

    async def _attempt(self, out: webhooks.Outgoing, now: dt.datetime | None) -> None:
        status, error, took = await self._post(out)
        async with db.transaction(self.sessions) as session:
            await webhooks.record_attempt(session, out.id, status_code=status, error=error,
                                          duration_ms=took, at=now or utcnow(), scale=self.scale)

    async def _post(self, out: webhooks.Outgoing) -> tuple[int | None, str, int]:
        """(HTTP status or None, error, milliseconds) of one POST."""
        if self._http is None:
            self._http = aiohttp.ClientSession(timeout=TIMEOUT,
                                               headers={"User-Agent": USER_AGENT})
        body = out.body.encode("utf-8")
        # The receiver's clock, not a test's `now`, judges how fresh this is.
        timestamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/json",
            "X-Ecabinet-Event": out.event,
            "X-Ecabinet-Delivery": str(out.id),
            "X-Ecabinet-Timestamp": timestamp,
            "X-Ecabinet-Signature": webhooks.sign(out.secret, timestamp, body),
        }
        started = time.monotonic()
        status: int | None = None
        error = ""
        try:
            # A redirect is an answer, not a delivery: following it would send the signed
            # event somewhere nobody registered.
            async with self._http.post(out.url, data=body, headers=headers,
                                       allow_redirects=False) as response:
                status = response.status
                if not 200 <= status < 300:
                    error = (response.reason or "")[:200]
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            error = f"{type(exc).__name__}: {exc}"[:500]
        return status, error, int((time.monotonic() - started) * 1000)
