"""Video signalling over the meeting's socket.io channel, and the SFU following the floor.

Every check is made by ecabinet.video in a short transaction; the SFU work (ICE, DTLS)
runs after it, so no database lock is held while a connection is negotiated.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import aiohttp

from ecabinet import eventlog, payload, speakers, video
from ecabinet.config import Settings
from ecabinet.errors import DomainError, refusal
from ecabinet.i18n import translate
from ecabinet.models import User
from ecabinet.models.base import utcnow
from realtime.hub import Ack, Hub, meeting_room
from realtime.sfu import SfuError, SfuService
from realtime.sfu.cascade import cascade_app

log = logging.getLogger(__name__)
NODE_TIMEOUT = aiohttp.ClientTimeout(total=30)


# A WebRTC offer's SDP; generous, as a browser with many codecs writes a long one.
MAX_OFFER = 200_000


class Video:
    """The node's SFU, driven by socket events and by the meeting event log."""

    def __init__(self, hub: Hub, settings: Settings) -> None:
        self.hub = hub
        self.settings = settings
        self.sfu = SfuService(ice_servers=video.sfu_ice_servers(settings.ice_servers))
        self.ice_servers = video.browser_ice_servers(
            settings.ice_servers, settings.turn_username, settings.turn_credential)
        self.nodes = video.parse_nodes(settings.sfu_nodes)
        # sid -> (meeting id, participant id, remote node URL or None)
        self.joined: dict[str, tuple[int, str, str | None]] = {}
        self.names: dict[str, str] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        self.sfu.add_listener(self._state_changed)
        eventlog.add_publisher(hub.sessions, self._follow_meeting)
        hub.action("video:config", self.config)
        hub.action("video:status", self.status)
        hub.action("video:join", self.join)
        hub.action("video:leave", self.leave)
        hub.action("video:floor", self.floor)
        hub.action("video:mute", self.mute)
        hub.action("video:record", self.record)
        hub.sio.on("disconnect", self.disconnect)

    def cascade(self) -> Any:
        """The ASGI app other SFU nodes link to (mounted at /sfu)."""
        return cascade_app(self.sfu, self.settings.sfu_token)

    async def close(self) -> None:
        """Close every video connection."""
        eventlog.remove_publisher(self.hub.sessions, self._follow_meeting)
        await self.sfu.close()

    async def _refusal(self, sid: str, exc: SfuError) -> Ack:
        language = await self.hub.language(sid)
        message = translate(f"video_{exc.code}", language)
        return refusal(exc.code, exc.message if message.startswith("video_") else message)

    async def _as_viewer(self, sid: str, data: Any) -> Ack:
        """The meeting id, if the socket's user may watch the meeting's video."""
        async def check(session: Any, user: User, body: dict[str, Any]) -> dict[str, Any]:
            meeting_id = payload.required_int(body, "meeting_id")
            await video.join_role(session, user, meeting_id, "viewer")
            return {"meeting_id": meeting_id}

        return await self.hub.run(sid, check, data if isinstance(data, dict) else {})

    async def config(self, sid: str, data: Any = None) -> Ack:
        """`video:config {meeting_id}` → `{ok, ice_servers}`: what the browser's peer
        connection needs before it makes its offer."""
        allowed = await self._as_viewer(sid, data)
        return {"ok": True, "ice_servers": self.ice_servers} if allowed["ok"] else allowed

    async def status(self, sid: str, data: Any = None) -> Ack:
        """`video:status {meeting_id}` → `{ok, state}`: the room's `video:state` as it is now,
        for a screen that opens after the last change (null while no one is connected)."""
        allowed = await self._as_viewer(sid, data)
        if not allowed["ok"]:
            return allowed
        meeting_id = allowed["meeting_id"]
        if meeting_id not in self.sfu.rooms:
            return {"ok": True, "state": None}
        return {"ok": True, "state": self._payload(meeting_id, self.sfu.state(meeting_id))}

    async def join(self, sid: str, data: Any = None) -> Ack:
        """`video:join {meeting_id, role, offer}` → `{ok, answer, ice_servers}`."""
        body = data if isinstance(data, dict) else {}

        async def check(session: Any, user: User, body: dict[str, Any]) -> dict[str, Any]:
            meeting_id = payload.required_int(body, "meeting_id")
            role = await video.join_role(session, user, meeting_id,
                                         payload.text(body, "role", max_length=20))
            node = await video.node_for(session, user, self.nodes) if role != "hall" else None
            holder = await speakers.floor_holder(session, meeting_id)
            return {"meeting_id": meeting_id, "role": role, "name": user.full_name,
                    "participant": video.participant_id(user.id, role), "node": node,
                    "floor": video.participant_id(holder) if holder else None}

        allowed = await self.hub.run(sid, check, body)
        if not allowed["ok"]:
            return allowed
        meeting_id, participant = allowed["meeting_id"], allowed["participant"]
        try:
            offer = payload.text(body, "offer", max_length=MAX_OFFER)
        except DomainError as exc:
            return await self.hub.refused(sid, exc)
        try:
            if meeting_id not in self.sfu.rooms:
                await self.sfu.open_room(meeting_id, self.settings.video_codec)
            self.names[participant] = allowed["name"]
            if allowed["node"]:
                answer = await self._join_at_node(allowed["node"], meeting_id, participant,
                                                  allowed["role"], offer)
            else:
                answer = await self.sfu.join(meeting_id, participant, allowed["role"], offer)
            if allowed["floor"] and self.sfu.state(meeting_id).get("floor") is None:
                # A room opened after a restart takes the floor from the speaker queue.
                await self._set_floor(meeting_id, allowed["floor"])
        except SfuError as exc:
            return await self._refusal(sid, exc)
        # A browser that reconnected joined again on a new socket, replacing its old
        # connection; the old socket's close, noticed up to a ping timeout later, must
        # not then take the new connection down with it.
        for stale in [s for s, (m, p, _n) in self.joined.items()
                      if s != sid and m == meeting_id and p == participant]:
            del self.joined[stale]
        self.joined[sid] = (meeting_id, participant, allowed["node"])
        return {"ok": True, "answer": answer, "participant_id": participant,
                "ice_servers": self.ice_servers}

    async def _join_at_node(self, node: str, meeting_id: int, participant: str, role: str,
                            offer: str) -> str:
        # A district node serves its communes and links upstream to this node itself.
        payload = {"participant_id": participant, "role": role, "offer": offer,
                   "token": self.settings.sfu_token}
        async with (
            aiohttp.ClientSession(timeout=NODE_TIMEOUT) as http,
            http.post(f"{node}/join/{meeting_id}", json=payload) as response,
        ):
            result = await response.json(content_type=None)
        if not isinstance(result, dict) or not result.get("ok"):
            error = result.get("error", {}) if isinstance(result, dict) else {}
            raise SfuError(str(error.get("code", "upstream_failed")),
                           str(error.get("message", "SFU node refused")))
        return str(result["answer"])

    async def leave(self, sid: str, data: Any = None) -> Ack:
        """`video:leave {meeting_id}`."""
        joined = self.joined.pop(sid, None)
        if joined is not None:
            meeting_id, participant, node = joined
            try:
                if node:
                    async with (
                        aiohttp.ClientSession(timeout=NODE_TIMEOUT) as http,
                        http.post(f"{node}/leave/{meeting_id}", json={
                            "participant_id": participant, "token": self.settings.sfu_token}),
                    ):
                        pass
                elif meeting_id in self.sfu.rooms:
                    await self.sfu.leave(meeting_id, participant)
            except (SfuError, aiohttp.ClientError):
                log.warning("leaving video failed for %s", participant)
        return {"ok": True}

    async def disconnect(self, sid: str, reason: Any = None) -> None:
        """A closed socket leaves the video too."""
        await self.leave(sid)

    async def _controlled(self, sid: str, data: Any) -> Ack:
        async def check(session: Any, user: User, body: dict[str, Any]) -> dict[str, Any]:
            meeting = await video.require_control(session, user,
                                                  payload.required_int(body, "meeting_id"))
            return {"meeting_id": meeting.id}

        return await self.hub.run(sid, check, data if isinstance(data, dict) else {})

    async def floor(self, sid: str, data: Any = None) -> Ack:
        """`video:floor {meeting_id, participant_id|null}`: the chair's manual override."""
        allowed = await self._controlled(sid, data)
        if not allowed["ok"]:
            return allowed
        target = data.get("participant_id") if isinstance(data, dict) else None
        try:
            await self._set_floor(allowed["meeting_id"],
                                  target if isinstance(target, str) else None)
        except SfuError as exc:
            return await self._refusal(sid, exc)
        return {"ok": True}

    async def mute(self, sid: str, data: Any = None) -> Ack:
        """`video:mute {meeting_id, participant_id, muted}`."""
        allowed = await self._controlled(sid, data)
        if not allowed["ok"]:
            return allowed
        body = data if isinstance(data, dict) else {}
        try:
            await self.sfu.set_muted(allowed["meeting_id"], str(body.get("participant_id")),
                                     bool(body.get("muted")))
        except SfuError as exc:
            return await self._refusal(sid, exc)
        return {"ok": True}

    async def record(self, sid: str, data: Any = None) -> Ack:
        """`video:record {meeting_id, action: start|stop}`: record the floor stream."""
        allowed = await self._controlled(sid, data)
        if not allowed["ok"]:
            return allowed
        meeting_id = allowed["meeting_id"]
        action = data.get("action") if isinstance(data, dict) else None
        try:
            if action == "start":
                path = video.new_recording_path(self.settings.data_dir, meeting_id, utcnow())
                await self.sfu.start_recording(meeting_id, path)
            elif action == "stop":
                await self.sfu.stop_recording(meeting_id)
            else:
                raise SfuError("bad_request", "action must be start or stop")
        except SfuError as exc:
            return await self._refusal(sid, exc)

        async def announce(session: Any, user: User, body: dict[str, Any]) -> dict[str, Any]:
            await video.announce_recording(session, user, self.settings.data_dir, meeting_id,
                                           recording=action == "start")
            return {"recording": action == "start"}

        return await self.hub.run(sid, announce, {})

    async def _set_floor(self, meeting_id: int, participant: str | None) -> None:
        if meeting_id not in self.sfu.rooms:
            return
        state = self.sfu.state(meeting_id)
        reachable = set(state.get("participants", {})) | set(state.get("below", []))
        if participant is not None and participant not in reachable:
            # Someone speaking from the hall is carried by the hall stream itself.
            participant = None
        await self.sfu.set_floor(meeting_id, participant)

    def _follow_meeting(self, batch: eventlog.Committed) -> None:
        for row in batch.events:
            if row.type == "floor.changed":
                holder = row.data.get("user_id")
                target = video.participant_id(holder) if isinstance(holder, int) else None
                self._spawn(self._set_floor(row.meeting_id, target))
            elif row.type == "meeting.status" and row.data.get("status") in (
                "adjourned", "closed", "draft"
            ):
                self._spawn(self.sfu.close_room(row.meeting_id))

    def _spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _payload(self, meeting_id: int, state: dict[str, Any]) -> dict[str, Any]:
        # Rooms joined at a district node are listed under `below`; they were let in
        # through this hub, which knows their names.
        pids = [*state.get("participants", {}), *state.get("below", [])]
        names = {pid: self.names.get(pid, pid) for pid in pids}
        return {**state, "meeting_id": meeting_id, "names": names}

    def _state_changed(self, meeting_id: int, state: dict[str, Any]) -> None:
        self._spawn(self.hub.sio.emit("video:state", self._payload(meeting_id, state),
                                      room=meeting_room(meeting_id)))


def register(hub: Hub, settings: Settings) -> Video:
    """Attach video signalling to the hub; the caller closes it on shutdown."""
    return Video(hub, settings)
