"""Live voting actions: cast a ballot, open and close a poll.

Ballots and closes are queued to the node's ballot writer, which commits them in groups.
They are registered on socket.io directly instead of through `Hub.on`, whose handlers run
inside a transaction: holding one while waiting for the writer's commit would make the
two wait for each other on SQLite's single write lock.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ecabinet import metrics, payload, voting
from ecabinet.ballot_writer import BallotWriter
from ecabinet.errors import DomainError
from ecabinet.models import User
from realtime.hub import Ack, Hub

# (socket's session token, the action's data) -> the acknowledgement's fields
Queued = Callable[[str, dict[str, Any]], Awaitable[dict[str, Any]]]
Raw = Callable[[str, Any], Awaitable[Ack]]


def timed_ballot(handle: Raw) -> Raw:
    """`handle` observed in the ballot metrics: time to acknowledgement, and the outcome."""

    async def timed(sid: str, data: Any = None) -> Ack:
        started = time.perf_counter()
        try:
            ack = await handle(sid, data)
        except DomainError:
            metrics.observe_ballot(time.perf_counter() - started, "refused")
            raise
        except Exception:
            metrics.observe_ballot(time.perf_counter() - started, "failed")
            raise
        metrics.observe_ballot(time.perf_counter() - started)
        return ack

    return timed


def register(hub: Hub, writer: BallotWriter) -> None:
    """Attach the voting actions to the live channel, queueing to the node's writer."""

    def queued(action: Queued) -> Raw:
        async def handle(sid: str, data: Any = None) -> Ack:
            return {"ok": True, **await action(await hub.token(sid), payload.as_object(data))}

        return handle

    async def cast(token: str, body: dict[str, Any]) -> dict[str, Any]:
        """`vote:cast` {poll_id, choice, client_ballot_id}: acknowledged once committed."""
        outcome = await writer.cast(
            token, payload.required_int(body, "poll_id"), payload.required_int(body, "choice"),
            payload.text(body, "client_ballot_id", max_length=64))
        return outcome.view()

    async def close(token: str, body: dict[str, Any]) -> dict[str, Any]:
        """`vote:close` {poll_id} (presiding): after every ballot queued before it."""
        return {"poll": await writer.close(token, payload.required_int(body, "poll_id"))}

    async def close_due(token: str, body: dict[str, Any]) -> dict[str, Any]:
        """`vote:close_due` {poll_id}: a member's screen whose countdown ran out may ask;
        the poll closes only if its time is really up."""
        return {"poll": await writer.close(token, payload.required_int(body, "poll_id"),
                                           due_only=True)}

    async def open_poll(session: AsyncSession, user: User, data: dict[str, Any]
                        ) -> dict[str, Any]:
        """`poll:open` {poll_id} (presiding); the writer learns its deadline from the event."""
        poll = await voting.open_poll(session, user, payload.required_int(data, "poll_id"))
        return {"poll": voting.poll_view(poll)}

    hub.action("vote:cast", timed_ballot(queued(cast)))
    hub.action("vote:close", queued(close))
    hub.action("vote:close_due", queued(close_due))
    hub.on("poll:open", open_poll)
