"""The SFU's API for the socket.io hub and the cascade routes: rooms, joins, floor, mute.

Plain async methods over SDP strings; no socket.io or HTTP in here. Offers
are complete (non-trickle ICE): aiortc gathers every candidate before it
answers, so no candidate events travel.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

from .errors import SfuError
from .peer import NODE_ROLE, ROLES, VIDEO_CODECS, Peer
from .room import Room
from .wire import wait_connected

logger = logging.getLogger(__name__)

# May this participant join this meeting's video in this role?
Authorize = Callable[[int, str, str], Awaitable[bool]]
# Send this node's offer for a meeting to the upstream node; returns its answer.
UpstreamExchange = Callable[[int, str, str], Awaitable[str]]
# Told about every change of a room's state (for `video:state`).
StateListener = Callable[[int, dict[str, Any]], None]

TICK_SECONDS = 1.0


class SfuService:
    """All video rooms of one SFU node."""

    def __init__(
        self,
        ice_servers: Sequence[str] = (),
        authorize: Authorize | None = None,
        upstream: UpstreamExchange | None = None,
        node_id: str = "root",
        connect_timeout: float = 30.0,
    ) -> None:
        self.ice_servers = tuple(ice_servers)
        self.node_id = node_id
        self.connect_timeout = connect_timeout
        self.rooms: dict[int, Room] = {}
        self._authorize = authorize
        self._upstream = upstream
        self._linking: dict[int, asyncio.Future[Room]] = {}
        self._listeners: list[StateListener] = []
        self._tasks: set[asyncio.Task[Any]] = set()
        self._ticker: asyncio.Task[None] | None = None
        self._recorders: dict[int, Any] = {}
        self._closed = False

    # -- rooms --------------------------------------------------------------

    async def open_room(self, meeting_id: int, video_codec: str = "VP8") -> None:
        """Make a meeting joinable (idempotent). `video_codec` is "VP8" or "H264"."""
        self._check_open()
        if video_codec.upper() not in VIDEO_CODECS:
            raise SfuError("bad_codec", f"video codec must be one of {VIDEO_CODECS}")
        if meeting_id not in self.rooms:
            self.rooms[meeting_id] = Room(meeting_id, video_codec.upper(), self._notify)
        self._ensure_ticker()

    async def close_room(self, meeting_id: int) -> None:
        """End a meeting's video: every connection of the room is closed."""
        room = self.rooms.pop(meeting_id, None)
        if room is None:
            return
        room.closed = True
        recorder = self._recorders.pop(meeting_id, None)
        if recorder is not None:
            await recorder.stop()
        peers = list(room.peers.values())
        if room.upstream is not None:
            peers.append(room.upstream)
        room.peers.clear()
        room.upstream = None
        await asyncio.gather(*(p.close() for p in peers), return_exceptions=True)
        for listener in self._listeners:
            try:
                listener(meeting_id, {"meeting_id": meeting_id, "closed": True})
            except Exception:
                logger.exception("video state listener failed")

    def room(self, meeting_id: int) -> Room:
        """The open room of a meeting, or SfuError("room_closed")."""
        room = self.rooms.get(meeting_id)
        if room is None or room.closed:
            raise SfuError("room_closed", f"meeting {meeting_id} has no open video room")
        return room

    # -- participants -------------------------------------------------------

    async def join(self, meeting_id: int, participant_id: str, role: str, offer_sdp: str) -> str:
        """Connect a participant; returns the SDP answer. Rejoining replaces the old connection.

        `role` is "hall", "remote_room" or "viewer"; the offer's m-lines follow
        the role's layout (docs/video.md). Raises SfuError.
        """
        self._check_open()
        if role not in ROLES:
            raise SfuError("bad_role", f"role must be one of {ROLES}")
        room = await self._room_for_join(meeting_id)
        if self._authorize is not None and not await self._authorize(
            meeting_id, participant_id, role
        ):
            raise SfuError(
                "forbidden", f"{participant_id} may not join meeting {meeting_id} as {role}"
            )
        if role == "hall":
            for pid, other in room.peers.items():
                if other.role == "hall" and pid != participant_id:
                    raise SfuError("hall_taken", f"meeting {meeting_id} already has a hall ({pid})")
        peer, answer = await Peer.answer(
            participant_id, role, offer_sdp, room.video_codec, self.ice_servers
        )
        await self._admit(room, peer)
        return answer

    async def join_node(self, meeting_id: int, node_id: str, offer_sdp: str) -> str:
        """Connect a downstream SFU node (cascade); returns the SDP answer."""
        self._check_open()
        room = await self._room_for_join(meeting_id)
        peer, answer = await Peer.answer(
            f"node:{node_id}", NODE_ROLE, offer_sdp, room.video_codec, self.ice_servers
        )
        await self._admit(room, peer)
        return answer

    async def leave(self, meeting_id: int, participant_id: str) -> None:
        """Disconnect a participant (no error if it is not connected)."""
        room = self.rooms.get(meeting_id)
        if room is None:
            return
        peer = room.peers.pop(participant_id, None)
        if peer is None:
            return
        await peer.close()
        room.changed()

    async def set_floor(self, meeting_id: int, participant_id: str | None) -> None:
        """Give the floor to a participant (anywhere below this node), or take it back."""
        room = self.room(meeting_id)
        room.floor = participant_id
        room.changed()

    async def set_muted(self, meeting_id: int, participant_id: str, muted: bool) -> None:
        """Stop (or resume) forwarding a participant's audio."""
        room = self.room(meeting_id)
        if muted:
            room.muted.add(participant_id)
        else:
            room.muted.discard(participant_id)
        room.changed()

    def state(self, meeting_id: int) -> dict[str, Any]:
        """Floor, mute and participant state of a room (the `video:state` payload)."""
        return self.room(meeting_id).state()

    async def stats(self, meeting_id: int) -> dict[str, Any]:
        """Per-connection counters of a room."""
        room = self.room(meeting_id)
        result = room.state()
        result["peers"] = {pid: peer.stats() for pid, peer in room.peers.items()}
        if room.upstream is not None:
            result["upstream_link"] = room.upstream.stats()
        recorder = self._recorders.get(meeting_id)
        result["recording"] = str(recorder.path) if recorder is not None else None
        result["recorded_frames"] = recorder.frames_queued if recorder is not None else 0
        return result

    def add_listener(self, listener: StateListener) -> None:
        """Call `listener(meeting_id, state)` after every change of a room."""
        self._listeners.append(listener)

    # -- recording ----------------------------------------------------------

    async def start_recording(self, meeting_id: int, path: str | Path) -> None:
        """Record the room's programme (floor holder, else hall) to a Matroska file."""
        from .recording import Recorder

        room = self.room(meeting_id)
        if meeting_id in self._recorders:
            raise SfuError("already_recording", f"meeting {meeting_id} is already being recorded")
        recorder = Recorder(Path(path), room.video_codec)
        recorder.start()
        self._recorders[meeting_id] = recorder
        room.follower = recorder
        room.rewire()
        for stream in (recorder.video_source,):
            if stream is not None:
                stream.request_keyframe()

    async def stop_recording(self, meeting_id: int) -> Path:
        """Finish the recording and return its path."""
        recorder = self._recorders.pop(meeting_id, None)
        if recorder is None:
            raise SfuError("not_recording", f"meeting {meeting_id} is not being recorded")
        room = self.rooms.get(meeting_id)
        if room is not None:
            room.follower = None
        recorder.follow(None, None)
        await recorder.stop()
        return recorder.path  # type: ignore[no-any-return]

    # -- lifecycle ----------------------------------------------------------

    async def close(self) -> None:
        """Close every room and connection."""
        self._closed = True
        if self._ticker is not None:
            self._ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._ticker
            self._ticker = None
        for meeting_id in list(self.rooms):
            await self.close_room(meeting_id)
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    # -- internals ----------------------------------------------------------

    def _check_open(self) -> None:
        if self._closed:
            raise SfuError("closed", "the SFU is shut down")

    async def _room_for_join(self, meeting_id: int) -> Room:
        room = self.rooms.get(meeting_id)
        if room is not None and not room.closed:
            return room
        if self._upstream is None:
            raise SfuError("room_closed", f"meeting {meeting_id} has no open video room")
        pending = self._linking.get(meeting_id)
        if pending is None:
            pending = asyncio.get_running_loop().create_future()
            self._linking[meeting_id] = pending
            try:
                pending.set_result(await self._link_upstream(meeting_id, self._upstream))
            except asyncio.CancelledError:
                pending.cancel()
                raise
            except Exception as exc:
                pending.set_exception(exc)
                # mark retrieved so a lone failure does not log "never retrieved"
                pending.exception()
            finally:
                del self._linking[meeting_id]
        return await asyncio.shield(pending)

    async def link_upstream(
        self, meeting_id: int, exchange: UpstreamExchange | None = None
    ) -> None:
        """Open this node's room for a meeting as a child of the upstream node's room."""
        self._check_open()
        if meeting_id in self.rooms:
            raise SfuError("already_open", f"meeting {meeting_id} is already open on this node")
        exchange = exchange or self._upstream
        if exchange is None:
            raise SfuError("no_upstream", "this SFU node has no upstream node")
        await self._link_upstream(meeting_id, exchange)

    async def _link_upstream(self, meeting_id: int, exchange: UpstreamExchange) -> Room:
        """Open a room as a child of the upstream node's room for the same meeting."""
        peer, offer = await Peer.offer_upstream(self.node_id, "any", self.ice_servers)
        try:
            answer = await exchange(meeting_id, self.node_id, offer)
            await peer.accept_answer(answer)
        except SfuError:
            await peer.close()
            raise
        except Exception as exc:
            await peer.close()
            raise SfuError("upstream_failed", f"upstream node refused the link: {exc}") from exc
        video = next((line for line in peer.lines if line.kind == "video" and line.codec), None)
        codec = video.codec.name.upper() if video is not None and video.codec is not None else "VP8"
        room = Room(meeting_id, codec, self._notify)
        room.upstream = peer
        peer.on_control = room.handle_control
        self.rooms[meeting_id] = room
        self._ensure_ticker()
        self._watch(room, peer)
        try:
            await wait_connected(peer.pc, self.connect_timeout)
        except ConnectionError as exc:
            await self.close_room(meeting_id)
            raise SfuError("upstream_failed", f"link to upstream node failed: {exc}") from exc
        return room

    async def _admit(self, room: Room, peer: Peer) -> None:
        if room.closed:
            await peer.close()
            raise SfuError("room_closed", f"meeting {room.meeting_id} has no open video room")
        peer.on_control = room.handle_control
        old = room.peers.get(peer.participant_id)
        room.peers[peer.participant_id] = peer
        if old is not None:
            await old.close()
            room.changed()
        self._watch(room, peer)

    def _watch(self, room: Room, peer: Peer) -> None:
        """Activate a peer when it connects; drop it when it fails, closes or never connects."""

        def on_state() -> None:
            state = peer.pc.connectionState
            if state == "connected" and not peer.ready and not peer.closed:
                try:
                    peer.activate()
                except ConnectionError:
                    logger.warning("SFU could not take over %s", peer.participant_id)
                    self._spawn(self._drop(room, peer))
                    return
                room.changed()
            elif state in ("failed", "closed") and not peer.closed:
                self._spawn(self._drop(room, peer))

        peer.pc.on("connectionstatechange", on_state)
        self._spawn(self._deadline(room, peer))

    async def _deadline(self, room: Room, peer: Peer) -> None:
        await asyncio.sleep(self.connect_timeout)
        if not peer.ready and not peer.closed:
            logger.info("SFU peer %s did not connect in time", peer.participant_id)
            await self._drop(room, peer)

    async def _drop(self, room: Room, peer: Peer) -> None:
        if peer is room.upstream:
            # without its upstream a cascade room has nothing to show: close it,
            # clients rejoin and the next join links upstream again
            if self.rooms.get(room.meeting_id) is room:
                await self.close_room(room.meeting_id)
            return
        if room.peers.get(peer.participant_id) is peer:
            del room.peers[peer.participant_id]
            await peer.close()
            room.changed()
        else:
            await peer.close()

    def _notify(self, room: Room) -> None:
        if not self._listeners:
            return
        state = room.state()
        for listener in self._listeners:
            try:
                listener(room.meeting_id, state)
            except Exception:
                logger.exception("video state listener failed")

    def _spawn(self, coro: Awaitable[Any]) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _ensure_ticker(self) -> None:
        if self._ticker is None:
            self._ticker = asyncio.ensure_future(self._tick())

    async def _tick(self) -> None:
        while True:
            await asyncio.sleep(TICK_SECONDS)
            now = time.time()
            for room in list(self.rooms.values()):
                peers = list(room.peers.values())
                if room.upstream is not None:
                    peers.append(room.upstream)
                for peer in peers:
                    if peer.ready and not peer.closed:
                        try:
                            peer.tick(now)
                        except Exception:
                            logger.exception("SFU RTCP upkeep failed for %s", peer.participant_id)
