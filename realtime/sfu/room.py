"""One meeting's video room: who is connected, who holds the floor, what feeds each slot.

Every subscriber has two fixed outgoing slots: `hall` (the hall publisher)
and `floor` (whoever holds the floor). Other rooms' uplinks feed nobody: their
packets are decrypted and dropped. On a cascade node the hall and the floor
come from the upstream link unless the floor holder is below this node, in
which case its stream also feeds the link's uplink towards the upstream node.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, Protocol

from .forwarding import InboundStream
from .peer import FLOOR, HALL, NODE_ROLE, UPLINK, Peer

logger = logging.getLogger(__name__)

KINDS = ("audio", "video")


class StreamFollower(Protocol):
    """Something fed with the room's programme (floor, else hall): the recorder."""

    def follow(self, audio: InboundStream | None, video: InboundStream | None) -> None:
        """Switch to these source streams."""


class Room:
    """Participants, floor and mute state of one meeting on this SFU node."""

    def __init__(
        self,
        meeting_id: int,
        video_codec: str,
        on_change: Callable[[Room], None] | None = None,
    ) -> None:
        self.meeting_id = meeting_id
        self.video_codec = video_codec
        self.peers: dict[str, Peer] = {}
        self.upstream: Peer | None = None
        self.floor: str | None = None
        self.muted: set[str] = set()
        self.follower: StreamFollower | None = None
        self.closed = False
        self._on_change = on_change
        self._reported: set[str] | None = None

    # -- membership -------------------------------------------------------

    def hall_peer(self) -> Peer | None:
        """The connected hall publisher on this node, if any."""
        for peer in self.peers.values():
            if peer.role == "hall" and peer.ready:
                return peer
        return None

    def floor_peer(self) -> Peer | None:
        """The connected peer on this node whose uplink carries the floor holder."""
        pid = self.floor
        if pid is None:
            return None
        peer = self.peers.get(pid)
        if peer is not None:
            return peer if peer.ready and peer.role != NODE_ROLE else None
        for link in self.peers.values():
            if link.role == NODE_ROLE and link.ready and pid in link.members:
                return link
        return None

    def members(self) -> set[str]:
        """Participant ids connected on this node or below it."""
        found: set[str] = set()
        for peer in self.peers.values():
            if peer.role == NODE_ROLE:
                found |= peer.members
            else:
                found.add(peer.participant_id)
        return found

    # -- forwarding graph ---------------------------------------------------

    def rewire(self) -> None:
        """Point every outbound track at its current source stream."""
        hall = self.hall_peer()
        upstream = self.upstream if self.upstream is not None and self.upstream.ready else None
        hall_src: dict[str, InboundStream | None] = dict.fromkeys(KINDS)
        if hall is not None:
            hall_src = {k: hall.inbound.get((UPLINK, k)) for k in KINDS}
            if hall.participant_id in self.muted:
                hall_src["audio"] = None
        elif upstream is not None:
            hall_src = {k: upstream.inbound.get((HALL, k)) for k in KINDS}

        holder = self.floor_peer()
        floor_src: dict[str, InboundStream | None] = dict.fromkeys(KINDS)
        if holder is not None and holder.role != "hall":
            floor_src = {k: holder.inbound.get((UPLINK, k)) for k in KINDS}
        elif holder is None and self.floor is not None and upstream is not None:
            floor_src = {k: upstream.inbound.get((FLOOR, k)) for k in KINDS}
        if self.floor is not None and self.floor in self.muted:
            floor_src["audio"] = None

        for peer in self.peers.values():
            if not peer.ready:
                continue
            for (slot, kind), track in peer.outbound.items():
                if slot == HALL:
                    track.switch(hall_src[kind] if peer is not hall else None)
                elif slot == FLOOR:
                    track.switch(floor_src[kind] if peer is not holder else None)
        if upstream is not None:
            below = holder is not None and holder.role != "hall"
            for (slot, kind), track in upstream.outbound.items():
                if slot == UPLINK:
                    track.switch(floor_src[kind] if below else None)
        if self.follower is not None:
            programme = floor_src if floor_src["video"] is not None else hall_src
            self.follower.follow(programme["audio"], programme["video"])

    # -- state and its propagation along the cascade ------------------------

    def state(self) -> dict[str, Any]:
        """What clients are told in `video:state`."""
        holder = self.floor_peer()
        return {
            "meeting_id": self.meeting_id,
            "floor": self.floor,
            "floor_live": holder is not None
            or (self.floor is not None and self.upstream is not None and self.upstream.ready),
            "muted": sorted(self.muted),
            "participants": {
                pid: peer.role for pid, peer in self.peers.items() if peer.role != NODE_ROLE
            },
            "below": sorted(
                m for p in self.peers.values() if p.role == NODE_ROLE for m in p.members
            ),
            "upstream": self.upstream is not None and self.upstream.ready,
        }

    def changed(self) -> None:
        """Re-point tracks and tell listeners, upstream and downstream nodes."""
        if self.closed:
            return
        self.rewire()
        self.broadcast_state()
        self.report_members()
        if self._on_change is not None:
            try:
                self._on_change(self)
            except Exception:
                logger.exception("video state listener failed")

    def broadcast_state(self) -> None:
        """Send floor and mute state to every downstream node."""
        message = {"type": "state", "floor": self.floor, "muted": sorted(self.muted)}
        for peer in self.peers.values():
            if peer.role == NODE_ROLE and peer.ready:
                peer.send_control(message)

    def report_members(self, force: bool = False) -> None:
        """Tell the upstream node who is connected here and below (when that changed)."""
        if self.upstream is None or not self.upstream.ready:
            return
        members = self.members()
        if members == self._reported and not force:
            return
        if self.upstream.send_control({"type": "members", "pids": sorted(members)}):
            self._reported = members

    def handle_control(self, peer: Peer, message: dict[str, Any]) -> None:
        """A control message from a node link (downstream) or the upstream link."""
        kind = message.get("type")
        if kind == "open":
            # the control channel just opened: exchange what the other side needs
            if peer.role == NODE_ROLE:
                peer.send_control(
                    {"type": "state", "floor": self.floor, "muted": sorted(self.muted)}
                )
            elif peer is self.upstream:
                self.report_members(force=True)
            return
        # Act only on real changes: a message that changes nothing must not
        # echo up and down the tree.
        if kind == "members" and peer.role == NODE_ROLE:
            pids = message.get("pids")
            if isinstance(pids, list) and {str(p) for p in pids} != peer.members:
                peer.members = {str(p) for p in pids}
                self.changed()
        elif kind == "state" and peer is self.upstream:
            raw_floor = message.get("floor")
            raw_muted = message.get("muted")
            floor = str(raw_floor) if raw_floor is not None else None
            muted = {str(m) for m in raw_muted} if isinstance(raw_muted, list) else self.muted
            if floor != self.floor or muted != self.muted:
                self.floor = floor
                self.muted = muted
                self.changed()
