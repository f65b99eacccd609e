"""Live consultation actions: a member's reply, acknowledged once stored.

Replies go through a group commit: members answering at the same moment (a reminder just
went out, the deadline nears) share one transaction, one extension of the audit chain and
one count, instead of queueing one transaction each on the write lock. On SQLite its
transactions run on the event loop once they hold the lock, as the ballot writer's do.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ecabinet import accounts, db, payload
from ecabinet.consultations import replies
from ecabinet.consultations.paper import SignedPaper
from ecabinet.consultations.replies import AnswerInput, ReplyOutcome, ReplyRequest
from ecabinet.errors import DomainError, Unauthenticated
from ecabinet.group_commit import GroupCommit
from realtime.hub import Ack, Hub


@dataclass(frozen=True)
class _Reply:
    token: str
    consultation_id: int
    answers: list[AnswerInput]
    client_reply_id: str
    signed: SignedPaper | None = None


async def _reply_group(session: AsyncSession, queued: Sequence[_Reply]
                       ) -> list[ReplyOutcome | Exception]:
    users = await accounts.users_by_token(session, [r.token for r in queued])
    known = [r for r in queued if r.token in users]
    done = iter(await replies.reply_many(session, [
        ReplyRequest(users[r.token], r.consultation_id, r.answers, r.client_reply_id, r.signed)
        for r in known]))
    expired: DomainError = Unauthenticated("session_expired")
    return [next(done) if r.token in users else expired for r in queued]


def register(hub: Hub) -> None:
    """Attach the consultation actions to the live channel."""
    sessions = db.on_loop_writer(hub.sessions, busy_ms=hub.settings.database_busy_ms)
    writer: GroupCommit[_Reply, ReplyOutcome] = GroupCommit(sessions, _reply_group,
                                                            name="consultation-reply")

    async def stop() -> None:
        await writer.stop()
        await db.close_derived(sessions, hub.sessions)

    hub.add_cleanup(stop)

    async def reply(sid: str, data: Any = None) -> Ack:
        """`consultation:reply` {consultation_id, answers, client_reply_id, passphrase?}:
        idempotent on client_reply_id, like a ballot; where replies are signed, the ballot
        paper is signed (outside the group, in a worker) before it is queued."""
        body = payload.as_object(data)
        answers, client_id = replies.reply_of(body)
        token = await hub.token(sid)
        consultation_id = payload.required_int(body, "consultation_id")
        secret = payload.text(body, "passphrase", required=False, max_length=500)
        signed = None
        if secret:
            async with hub.reads() as session, session.begin():
                user = await accounts.session_user(session, token)
                signed = await replies.sign_paper(
                    session, user, consultation_id, answers, client_id, secret,
                    timestamp_url=hub.settings.tsa_url)
        outcome = await writer.submit(_Reply(token, consultation_id, answers, client_id,
                                             signed))
        return {"ok": True, **outcome.view()}

    hub.action("consultation:reply", reply)
