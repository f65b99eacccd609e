"""Live floor actions: hand raise, withdraw, and the chair's give, end, reorder, current item."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ecabinet import live_state, payload, speakers
from ecabinet.models import User
from realtime.hub import Hub


async def ask(session: AsyncSession, user: User, data: dict[str, Any]) -> dict[str, Any]:
    """`speaker:request` {meeting_id, note?}: ask for the floor on the current item."""
    row = await speakers.request(session, user, payload.required_int(data, "meeting_id"),
                                 payload.text(data, "note", required=False,
                                              max_length=speakers.MAX_NOTE))
    return {"request_id": row.id, "status": row.status.value}


async def withdraw(session: AsyncSession, user: User, data: dict[str, Any]) -> dict[str, Any]:
    """`speaker:withdraw` {meeting_id, request_id}."""
    row = await speakers.withdraw(session, user, payload.required_int(data, "meeting_id"),
                                  payload.required_int(data, "request_id"))
    return {"request_id": row.id, "status": row.status.value}


async def grant(session: AsyncSession, user: User, data: dict[str, Any]) -> dict[str, Any]:
    """`speaker:grant` {meeting_id, request_id | user_id, limit_seconds?} (presiding)."""
    row = await speakers.grant(
        session, user, payload.required_int(data, "meeting_id"),
        request_id=payload.integer(data, "request_id", required=False),
        user_id=payload.integer(data, "user_id", required=False),
        limit_seconds=payload.integer(data, "limit_seconds", required=False))
    return {"request_id": row.id, "user_id": row.user_id}


async def end(session: AsyncSession, user: User, data: dict[str, Any]) -> dict[str, Any]:
    """`speaker:end` {meeting_id}: the current turn ends (presiding, or the speaker)."""
    await speakers.end(session, user, payload.required_int(data, "meeting_id"))
    return {}


async def reorder(session: AsyncSession, user: User, data: dict[str, Any]) -> dict[str, Any]:
    """`speaker:reorder` {meeting_id, order: [request ids]} (presiding)."""
    order = payload.int_list(data, "order")
    rows = await speakers.reorder(session, user, payload.required_int(data, "meeting_id"), order)
    return {"order": [r.id for r in rows]}


async def set_item(session: AsyncSession, user: User, data: dict[str, Any]) -> dict[str, Any]:
    """`live:item` {meeting_id, item_id | null}: the item before the hall (presiding)."""
    state = await live_state.set_current_item(session, user,
                                              payload.required_int(data, "meeting_id"),
                                              payload.integer(data, "item_id", required=False))
    return {"current_item_id": state.current_item_id}


def register(hub: Hub) -> None:
    """Attach the floor actions to the live channel."""
    hub.on("speaker:request", ask)
    hub.on("speaker:withdraw", withdraw)
    hub.on("speaker:grant", grant)
    hub.on("speaker:end", end)
    hub.on("speaker:reorder", reorder)
    hub.on("live:item", set_item)
