"""Live question actions: the +1."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ecabinet import payload, questions
from ecabinet.models import User
from realtime.hub import Hub


async def support(session: AsyncSession, user: User, data: dict[str, Any]) -> dict[str, Any]:
    """`question:support` {question_id, on?}: +1 (or take it back with on: false)."""
    question = await questions.support(session, user, payload.required_int(data, "question_id"),
                                       payload.boolean(data, "on", default=True))
    return {"question_id": question.id, "support_count": question.support_count}


def register(hub: Hub) -> None:
    """Attach the question actions to the live channel."""
    hub.on("question:support", support)
