"""A tablet's live channel as static/js/live.js runs it, for tests against real nodes.

Websocket only; reconnects by itself; applies events strictly in `seq` order, keeps early
ones, asks `meeting:sync` when a gap lasts 400 ms, and after every reconnect sends
`meeting:join` with its last `seq`. Its state is what a screen shows of the meeting: the
status and every poll, so it can be compared with a fresh snapshot.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import aiohttp
import socketio

from ecabinet.accounts import SESSION_COOKIE
from tests.cluster.conftest import Person

GAP_WAIT = 0.4  # live.js waits this long for a missing event before asking for it


class Screen:
    """One person's screen on one meeting."""

    def __init__(self, url: str, person: Person, meeting_id: int) -> None:
        self.url = url
        self.person = person
        self.meeting_id = meeting_id
        # Our own HTTP session, so the cookie outlives a dropped connection as a browser's
        # does (engine.io moves a Cookie header into the session it makes, then drops both).
        self.http = aiohttp.ClientSession()
        self.http.cookie_jar.update_cookies({SESSION_COOKIE: person.cookie})
        self.sio = socketio.AsyncClient(reconnection=True, reconnection_delay=0.2,
                                        reconnection_delay_max=1.0, randomization_factor=0.2,
                                        ssl_verify=False, http_session=self.http)
        self.seq = 0
        self.status = ""
        self.polls: dict[int, dict[str, Any]] = {}
        self.early: dict[int, dict[str, Any]] = {}
        self.hidden: set[int] = set()  # seqs applied as placeholders only
        self.connects = 0
        self.disconnects = 0
        self.joined = asyncio.Event()
        self._lost = asyncio.Event()  # set while the socket is down
        self._changed = asyncio.Event()
        self._tasks: set[asyncio.Task[None]] = set()
        self.sio.on("connect", self._on_connect)
        self.sio.on("disconnect", self._on_disconnect)
        self.sio.on("event", self._on_event)

    # connection

    async def open(self) -> None:
        """Connect with the session cookie and join the meeting (a snapshot)."""
        await self.sio.connect(self.url, transports=["websocket"], wait_timeout=10)
        await self._join()

    async def close(self) -> None:
        """Disconnect for good."""
        for task in self._tasks:
            task.cancel()
        with contextlib.suppress(Exception):
            await self.sio.disconnect()
        await self.http.close()

    def _spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _on_connect(self) -> None:
        self.connects += 1
        self._lost.clear()
        self._changed.set()
        if self.connects > 1:  # a reconnect: catch up from the last seq, as live.js does
            self._spawn(self._rejoin())

    async def _on_disconnect(self, *_reason: Any) -> None:
        self.disconnects += 1
        self.joined.clear()
        self._lost.set()
        self._changed.set()

    async def _rejoin(self) -> None:
        # Spawned from the connect handler, before the client counts itself connected.
        while not self.joined.is_set():
            try:
                await self._join()
            except Exception:
                await asyncio.sleep(0.2)

    async def _join(self) -> None:
        data: dict[str, Any] = {"meeting_id": self.meeting_id}
        if self.seq:
            data["last_seq"] = self.seq
        ack = await self.sio.call("meeting:join", data, timeout=10)
        if not ack.get("ok"):
            raise RuntimeError(f"meeting:join refused: {ack}")
        self._catch_up(ack)
        self.joined.set()
        self._changed.set()

    # events

    def _catch_up(self, ack: dict[str, Any]) -> None:
        if "snapshot" in ack:
            self.load(ack["snapshot"])
        for event in ack.get("events", []):
            self._offer(event)

    def load(self, snapshot: dict[str, Any]) -> None:
        """Take a snapshot as the screen's state."""
        if snapshot["seq"] < self.seq:
            return
        self.seq = snapshot["seq"]
        self.status = snapshot["meeting"]["status"]
        self.polls = {p["id"]: p for p in snapshot["polls"]["polls"]}
        self._drain()

    async def _on_event(self, envelope: dict[str, Any]) -> None:
        if envelope.get("meeting_id") == self.meeting_id:
            self._offer(envelope)

    def _offer(self, envelope: dict[str, Any]) -> None:
        seq = envelope["seq"]
        if seq <= self.seq:
            # The audience's content for a seq applied as a placeholder still counts.
            if seq in self.hidden and envelope["type"] != "hidden":
                self.hidden.discard(seq)
                self._apply(envelope)
            return
        self.early[seq] = envelope
        self._drain()
        if self.early:
            self._spawn(self._repair(self.seq))

    def _drain(self) -> None:
        for seq in [s for s in self.early if s <= self.seq]:
            del self.early[seq]
        while self.seq + 1 in self.early:
            envelope = self.early.pop(self.seq + 1)
            self.seq += 1
            if envelope["type"] == "hidden":
                self.hidden.add(envelope["seq"])
            else:
                self._apply(envelope)
        self._changed.set()

    def _apply(self, envelope: dict[str, Any]) -> None:
        data = envelope["data"]
        if envelope["type"] == "poll.updated":
            self.polls[data["poll"]["id"]] = data["poll"]
        elif envelope["type"] == "meeting.status":
            self.status = data["status"]

    async def _repair(self, stuck_at: int) -> None:
        await asyncio.sleep(GAP_WAIT)
        if self.seq != stuck_at or not self.early or not self.sio.connected:
            return
        with contextlib.suppress(Exception):
            ack = await self.sio.call("meeting:sync", {"meeting_id": self.meeting_id,
                                                       "last_seq": self.seq}, timeout=10)
            if ack.get("ok"):
                self._catch_up(ack)

    # what tests ask

    async def call(self, event: str, data: dict[str, Any], wait: float = 10) -> Any:
        """Emit with acknowledgement (waiting at most `wait` seconds for it); raises
        ConnectionError as soon as the socket drops, as the UI then resends after rejoining
        instead of waiting for an answer that cannot come."""
        asked = asyncio.ensure_future(self.sio.call(event, data, timeout=wait))
        lost = asyncio.ensure_future(self._lost.wait())
        try:
            await asyncio.wait({asked, lost}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            lost.cancel()
        if not asked.done():
            asked.cancel()
            raise ConnectionError(f"{event}: the socket dropped before the acknowledgement")
        return asked.result()

    async def wait_for(self, predicate: Any, seconds: float = 10.0) -> None:
        """Until predicate() holds, re-checked whenever the screen changes."""
        async with asyncio.timeout(seconds):
            while not predicate():
                self._changed.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._changed.wait(), 0.2)

    async def fresh_snapshot(self) -> dict[str, Any]:
        """What the server holds now, as a screen opening the meeting would get it."""
        ack = await self.call("meeting:sync", {"meeting_id": self.meeting_id})
        assert ack["ok"] and "snapshot" in ack, ack
        snapshot: dict[str, Any] = ack["snapshot"]
        return snapshot

    def shows(self, snapshot: dict[str, Any]) -> bool:
        """Whether the screen shows exactly the snapshot's meeting."""
        return (self.seq == snapshot["seq"] and self.status == snapshot["meeting"]["status"]
                and self.polls == {p["id"]: p for p in snapshot["polls"]["polls"]})
