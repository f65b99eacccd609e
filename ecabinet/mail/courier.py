"""Each node sends the emails in the outbox that are due: it claims a batch (two nodes never
send the same one at once), hands each to the SMTP server and records what happened; once
an hour it writes the reminders and task letters that have come due. What is not yet sent
lives in the database, so a node that restarts loses none."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ecabinet import db
from ecabinet.config import Settings
from ecabinet.mail import letters, outbox, smtp
from ecabinet.models import MailMessage
from ecabinet.models.base import utcnow
from ecabinet.periodic import Periodic

log = logging.getLogger(__name__)
SWEEP_EVERY = dt.timedelta(hours=1)


class MailCourier:
    """One node's loop sending the outbox; inert when no SMTP server is configured."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], settings: Settings,
                 reads: async_sessionmaker[AsyncSession] | None = None) -> None:
        self.sessions = sessions
        self.reads = reads or sessions
        self.server = smtp.parse_url(settings.smtp_url) if settings.smtp_url else None
        url = settings.public_url or f"http://{settings.host}:{settings.port}"
        self.site = letters.Site(url.rstrip("/"), settings.mail_from)
        self.scale = settings.webhook_retry_scale
        self._next_sweep: dt.datetime | None = None
        self._loop = Periodic("mail", settings.webhook_poll_seconds, self.tick)

    async def start(self) -> None:
        """Write emails from now on, and send them, if there is a server to send them to."""
        letters.configure(self.site if self.server else None)
        if self.server is not None:
            self._loop.start()

    async def stop(self) -> None:
        """Stop once the emails being handed over are recorded."""
        await self._loop.stop()
        letters.configure(None)

    async def tick(self, now: dt.datetime | None = None) -> int:
        """Sweep when an hour has passed, then send what is due; how many were tried."""
        moment = now or utcnow()
        if self._next_sweep is None or moment >= self._next_sweep:
            self._next_sweep = moment + SWEEP_EVERY
            async with db.transaction(self.sessions) as session:
                await letters.sweep(session, moment)
        tried = 0
        while not self._loop.stopping.is_set():
            async with self.reads() as session:
                if not await outbox.any_due(session, moment):
                    break
            async with db.transaction(self.sessions) as session:
                batch = await outbox.claim(session, moment)
                session.expunge_all()
            for message in batch:
                await self._send(message, now)
            tried += len(batch)
            if len(batch) < outbox.CLAIM_BATCH:
                break
            moment = now or utcnow()
        return tried

    async def _send(self, message: MailMessage, now: dt.datetime | None) -> None:
        if self.server is None:
            return  # the loop only runs with a server; this is for the types
        error = ""
        try:
            email = smtp.compose(message, self.site.sender, self.site.host)
            await asyncio.to_thread(smtp.send, self.server, email)
        # SMTP refusals (smtplib.SMTPException) are OSErrors too.
        except (OSError, ValueError) as exc:
            error = f"{type(exc).__name__}: {exc}"
            log.warning("email %s to %s not sent: %s", message.id, message.to_address, error)
        async with db.transaction(self.sessions) as session:
            await outbox.record_attempt(session, message.id, error, now or utcnow(), self.scale)

