"""The socket.io server: authentication on connect, one room per meeting, events after commit."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from http.cookies import SimpleCookie
from typing import Any

import socketio
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ecabinet import accounts, encoded_json, eventlog, logs, metrics, payload, snapshot
from ecabinet.config import Settings
from ecabinet.db import close_derived, read_only
from ecabinet.errors import DomainError, Unauthenticated, refusal, refusal_of, unavailable_of
from ecabinet.group_commit import cancel
from ecabinet.i18n import translate
from ecabinet.models import User
from realtime import rooms

log = logging.getLogger(__name__)

Ack = dict[str, Any]
Handler = Callable[[AsyncSession, User, dict[str, Any]], Awaitable[dict[str, Any]]]
RawHandler = Callable[[str, Any], Awaitable[Ack]]


def meeting_room(meeting_id: int) -> str:
    """The room every screen of a meeting joins."""
    return f"meeting:{meeting_id}"


def user_room(user_id: int) -> str:
    """The room of all of one user's sockets."""
    return f"user:{user_id}"


def login_room(key: str) -> str:
    """The room of the sockets of one login session (`accounts.session_key`)."""
    return f"login:{key}"


def _cookie_token(environ: dict[str, Any], secret: str) -> str | None:
    jar: SimpleCookie = SimpleCookie()
    jar.load(environ.get("HTTP_COOKIE", ""))
    morsel = jar.get(accounts.SESSION_COOKIE)
    return accounts.read_cookie_token(secret, morsel.value if morsel else None)


class Hub:
    """One node's live channel; with Redis configured, rooms span every node."""

    def __init__(self, settings: Settings, sessions: async_sessionmaker[AsyncSession]) -> None:
        manager: socketio.AsyncManager = (
            rooms.RedisManager(settings.redis_url, channel=settings.redis_channel)
            if settings.redis_url else rooms.Manager()
        )
        self.settings = settings
        self.sessions = sessions
        self.reads = read_only(sessions)
        # Screens joining at the same seq share their audience's view of the meeting.
        self.views = snapshot.SharedViews()
        self.sio = socketio.AsyncServer(
            async_mode="asgi", client_manager=manager, ping_interval=20, ping_timeout=20,
            max_http_buffer_size=1_000_000,
            # Nodes behind a proxy without sticky sessions: a long-polling session lives
            # on one node only, so every client holds a websocket.
            transports=["websocket"],
            # Writes the shared meeting views (encoded once) into each message as they are.
            json=encoded_json,
        )
        self._outbox: asyncio.Queue[eventlog.Committed] = asyncio.Queue()
        self._pump_task: asyncio.Task[None] | None = None
        self._cleanups: list[Callable[[], Awaitable[None]]] = []
        self.sio.on("connect", self._connect)
        self.action("meeting:join", self._join)
        self.action("meeting:leave", self._leave)
        self.action("meeting:sync", self._sync)
        eventlog.add_publisher(sessions, self._outbox.put_nowait)

    def on(self, event: str, handler: Handler) -> None:
        """Register a live action: `handler(session, user, data)` runs in one transaction."""

        async def handle(sid: str, data: Any = None) -> Ack:
            return await self.run(sid, handler, data)

        self.action(event, handle)

    def action(self, event: str, handler: RawHandler) -> None:
        """Register `handler(sid, data)` for a socket event; whatever happens, it answers.

        A refusal is acknowledged in the user's language and a bug as `internal_error`:
        a client waiting for its acknowledgement never waits for nothing.
        """

        async def handle(sid: str, data: Any = None) -> Ack:
            # Each socket.io event runs in a task of its own: the id goes with the task.
            logs.bind_request_id(logs.new_request_id())
            try:
                return await handler(sid, data)
            except DomainError as exc:
                return await self.refused(sid, exc)
            except Exception as exc:
                if (busy := unavailable_of(exc)) is not None:
                    log.warning("live action %s: %s (%s)", event, busy.code, exc)
                    return await self.refused(sid, busy)
                log.exception("live action %s failed", event)
                return refusal("internal_error",
                               translate("internal_error", await self.language(sid)))

        self.sio.on(event, handle)

    async def start(self) -> None:
        """Begin emitting committed events."""
        self._pump_task = asyncio.create_task(self._pump())

    def add_cleanup(self, cleanup: Callable[[], Awaitable[None]]) -> None:
        """Have `stop` also run `cleanup` (an action's writer loop, say)."""
        self._cleanups.append(cleanup)

    async def stop(self) -> None:
        """Stop emitting, and release the publisher."""
        for cleanup in self._cleanups:
            await cleanup()
        eventlog.remove_publisher(self.sessions, self._outbox.put_nowait)
        await cancel(self._pump_task)
        await close_derived(self.reads, self.sessions)

    async def _pump(self) -> None:
        while True:
            batch = await self._outbox.get()
            try:
                await self.publish(batch)
            except Exception:  # a broken emit must not stop later events
                log.exception("emitting committed events failed")

    async def publish(self, batch: eventlog.Committed) -> None:
        """Send committed events to their rooms, placeholders to those outside an audience."""
        metrics.count_events(len(batch.events))
        for row in batch.events:
            room = meeting_room(row.meeting_id)
            if row.audience is None:
                await self.sio.emit("event", eventlog.envelope(row), room=room)
                continue
            # Everyone gets the placeholder so seq stays continuous; the audience also
            # gets the content on their own rooms, and the client applies whichever
            # arrives for a seq it has only seen as a placeholder.
            await self.sio.emit("event", eventlog.envelope(row, -1), room=room)
            for user_id in row.audience:
                await self.sio.emit("event", eventlog.envelope(row), room=user_room(user_id))
        for notice in batch.notices:
            for user_id in notice.user_ids:
                await self.sio.emit(notice.type, notice.data, room=user_room(user_id))
            if notice.type == "session.ended":
                await self._end_sessions(notice)
            elif notice.type == "meeting.left":
                for sid in self._local(*map(user_room, notice.user_ids)):
                    await self.sio.leave_room(sid, meeting_room(notice.data["meeting_id"]))

    def _local(self, *rooms: str) -> list[str]:
        # Only this node's sockets: with several nodes, each hub that commits the change
        # acts on its own, and every other node's sockets are caught at their next action
        # or rejoin, where the session and membership are checked again.
        if not rooms:
            return []
        return [sid for sid, _eio in self.sio.manager.get_participants("/", list(rooms))]

    async def _end_sessions(self, notice: eventlog.Notice) -> None:
        key = notice.data.get("login")
        rooms = [login_room(key)] if key else [user_room(u) for u in notice.user_ids]
        for sid in self._local(*rooms):
            await self.sio.disconnect(sid)

    async def _connect(self, sid: str, environ: dict[str, Any], auth: Any = None) -> None:
        token = _cookie_token(environ, self.settings.secret_key)
        if token is None:
            raise socketio.exceptions.ConnectionRefusedError("not_logged_in")
        try:
            async with self.reads() as db:
                user = await accounts.session_user(db, token)
        except Unauthenticated as exc:
            raise socketio.exceptions.ConnectionRefusedError(exc.code) from exc
        await self.sio.save_session(sid, {"user_id": user.id, "token": token,
                                          "language": user.language})
        await self.sio.enter_room(sid, user_room(user.id))
        await self.sio.enter_room(sid, login_room(accounts.session_key(token)))
        metrics.count_connect()

    async def language(self, sid: str) -> str:
        """The language of the user behind a socket (Vietnamese once it has gone)."""
        try:
            state = await self.sio.get_session(sid)
        except KeyError:
            return "vi"
        return str(state.get("language", "vi"))

    async def user_id(self, sid: str) -> int | None:
        """The user behind a socket, if it is still connected."""
        try:
            state = await self.sio.get_session(sid)
        except KeyError:
            return None
        return state.get("user_id")

    async def token(self, sid: str) -> str:
        """The login session's token behind a socket, or Unauthenticated."""
        state = await self.sio.get_session(sid)
        token = state.get("token")
        if not isinstance(token, str):
            raise Unauthenticated("not_logged_in")
        return token

    async def refused(self, sid: str, exc: DomainError) -> Ack:
        """The refusal acknowledgement for `exc`, in the language of the socket's user."""
        return refusal_of(exc, await self.language(sid))

    async def run(self, sid: str, handler: Handler, data: Any, *, writes: bool = True) -> Ack:
        """Run `handler(session, user, data)` in one transaction as the socket's user
        (a read-only one unless it `writes`)."""
        try:
            token = await self.token(sid)
            async with (self.sessions if writes else self.reads)() as db, db.begin():
                user = await accounts.session_user(db, token)
                result = await handler(db, user, payload.as_object(data))
            return {"ok": True, **result}
        except DomainError as exc:
            return await self.refused(sid, exc)

    async def _join(self, sid: str, data: Any = None) -> Ack:
        async def join(db: AsyncSession, user: User, body: dict[str, Any]) -> dict[str, Any]:
            meeting, standing = await snapshot.open_meeting(
                db, user, payload.required_int(body, "meeting_id"))
            # Enter the room before reading the log, so no event falls between the two.
            await self.sio.enter_room(sid, meeting_room(meeting.id))
            caught_up = await snapshot.catch_up_meeting(db, user, meeting, _last_seq(body),
                                                        self.views, standing)
            metrics.count_join("snapshot" if "snapshot" in caught_up else "events")
            return caught_up

        return await self.run(sid, join, data, writes=False)

    async def _sync(self, sid: str, data: Any = None) -> Ack:
        async def sync(db: AsyncSession, user: User, body: dict[str, Any]) -> dict[str, Any]:
            return await snapshot.catch_up(db, user, payload.required_int(body, "meeting_id"),
                                           _last_seq(body), self.views)

        return await self.run(sid, sync, data, writes=False)

    async def _leave(self, sid: str, data: Any = None) -> Ack:
        try:
            meeting_id = payload.required_int(payload.as_object(data), "meeting_id")
        except DomainError:
            return {"ok": True}
        await self.sio.leave_room(sid, meeting_room(meeting_id))
        return {"ok": True}


def _last_seq(body: dict[str, Any]) -> int | None:
    # A screen that sends no usable seq simply gets a snapshot.
    try:
        return payload.integer(body, "last_seq", required=False)
    except DomainError:
        return None
