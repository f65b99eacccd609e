"""Live voting actions: cast a ballot, open and close a poll.

Ballots and closes are queued to the node's ballot writer, which commits them in groups.
They are registered on socket.io directly instead of through `Hub.on`, whose handlers run
inside a transaction: holding one while waiting for the writer's commit would make the
two wait for each other on SQLite's single write lock.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ecabinet import ballot_writer, voting
from ecabinet.api import payload
from ecabinet.errors import DomainError, Unauthenticated
from ecabinet.i18n import translate
from ecabinet.models import User
from realtime.hub import Hub


def _refusal(exc: DomainError, language: str) -> dict[str, Any]:
    return {"ok": False,
            "error": {"code": exc.code, "message": translate(exc.code, language, exc.params)}}


def register(hub: Hub) -> None:
    """Attach the voting actions to the live channel."""
    writer = ballot_writer.writer_for(hub.sessions, hub.settings.ballot_batch_max)
    hub.add_service(writer.start, writer.stop)

    async def who(sid: str) -> tuple[str, str]:
        state = await hub.sio.get_session(sid)
        token = state.get("token")
        if not isinstance(token, str):
            raise Unauthenticated("not_logged_in")
        return token, str(state.get("language", "vi"))

    async def cast(sid: str, data: Any = None) -> dict[str, Any]:
        """`vote:cast` {poll_id, choice, client_ballot_id}: acknowledged once committed."""
        language = "vi"
        try:
            token, language = await who(sid)
            body = data if isinstance(data, dict) else {}
            outcome = await writer.cast(
                token, payload.required_int(body, "poll_id"), payload.required_int(body, "choice"),
                payload.text(body, "client_ballot_id", max_length=64))
            return {"ok": True, **outcome.view()}
        except DomainError as exc:
            return _refusal(exc, language)

    async def close(sid: str, data: Any = None) -> dict[str, Any]:
        """`vote:close` {poll_id} (presiding): after every ballot queued before it."""
        language = "vi"
        try:
            token, language = await who(sid)
            body = data if isinstance(data, dict) else {}
            poll = await writer.close(token, payload.required_int(body, "poll_id"))
            return {"ok": True, "poll": poll}
        except DomainError as exc:
            return _refusal(exc, language)

    async def close_due(sid: str, data: Any = None) -> dict[str, Any]:
        """`vote:close_due` {poll_id}: any screen whose countdown ran out may ask; the poll
        closes only if its time is really up."""
        language = "vi"
        try:
            _token, language = await who(sid)
            body = data if isinstance(data, dict) else {}
            poll = await writer.close(None, payload.required_int(body, "poll_id"))
            return {"ok": True, "poll": poll}
        except DomainError as exc:
            return _refusal(exc, language)

    async def open_poll(session: AsyncSession, user: User, data: dict[str, Any]
                        ) -> dict[str, Any]:
        """`poll:open` {poll_id} (presiding)."""
        poll = await voting.open_poll(session, user, payload.required_int(data, "poll_id"))
        writer.watch(poll.id, poll.closes_at)
        return {"poll": voting.poll_view(poll)}

    hub.sio.on("vote:cast", cast)
    hub.sio.on("vote:close", close)
    hub.sio.on("vote:close_due", close_due)
    hub.on("poll:open", open_poll)
