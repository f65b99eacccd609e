"""Live consultation actions: a member's reply, acknowledged once stored."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ecabinet import payload
from ecabinet.consultations import replies
from ecabinet.models import User
from realtime.hub import Hub


async def reply(session: AsyncSession, user: User, data: dict[str, Any]) -> dict[str, Any]:
    """`consultation:reply` {consultation_id, answers, client_reply_id}: idempotent on
    client_reply_id, like a ballot."""
    answers, client_id = replies.reply_of(data)
    outcome = await replies.reply(session, user, payload.required_int(data, "consultation_id"),
                                  answers, client_id)
    return outcome.view()


def register(hub: Hub) -> None:
    """Attach the consultation actions to the live channel."""
    hub.on("consultation:reply", reply)
