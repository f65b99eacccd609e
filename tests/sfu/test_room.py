"""Floor resolution and cascade control messages of a Room, without media."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest
from aiortc import RTCConfiguration, RTCPeerConnection

from realtime.sfu.peer import NODE_ROLE, UPSTREAM_ROLE, Peer
from realtime.sfu.room import Room

MakePeer = Callable[[str, str], Peer]


@pytest.fixture
async def make_peer() -> AsyncIterator[MakePeer]:
    made: list[Peer] = []

    def make(participant_id: str, role: str) -> Peer:
        peer = Peer(participant_id, role, RTCPeerConnection(RTCConfiguration(iceServers=[])), [])
        peer.ready = True
        made.append(peer)
        return peer

    yield make
    for peer in made:
        await peer.pc.close()


def test_floor_holder_below_a_downstream_node_resolves_to_that_link(make_peer: MakePeer) -> None:
    room = Room(1, "VP8")
    hall = make_peer("hall", "hall")
    link = make_peer("node:district-1", NODE_ROLE)
    link.members = {"commune-7", "commune-8"}
    room.peers = {"hall": hall, "node:district-1": link}
    room.floor = "commune-8"
    assert room.floor_peer() is link
    room.floor = "hall"
    assert room.floor_peer() is hall
    room.floor = "elsewhere"
    assert room.floor_peer() is None
    assert room.members() == {"hall", "commune-7", "commune-8"}


def test_control_messages_that_change_nothing_do_not_echo(make_peer: MakePeer) -> None:
    changes: list[int] = []
    room = Room(1, "VP8", on_change=lambda r: changes.append(r.meeting_id))
    link = make_peer("node:district-1", NODE_ROLE)
    upstream = make_peer("upstream:x", UPSTREAM_ROLE)
    room.peers = {"node:district-1": link}
    room.upstream = upstream

    room.handle_control(link, {"type": "members", "pids": ["a", "b"]})
    room.handle_control(link, {"type": "members", "pids": ["b", "a"]})
    assert changes == [1]
    assert link.members == {"a", "b"}

    room.handle_control(upstream, {"type": "state", "floor": "a", "muted": ["a"]})
    room.handle_control(upstream, {"type": "state", "floor": "a", "muted": ["a"]})
    assert changes == [1, 1]
    assert room.floor == "a" and room.muted == {"a"}


def test_control_from_the_wrong_side_is_ignored(make_peer: MakePeer) -> None:
    room = Room(1, "VP8")
    link = make_peer("node:district-1", NODE_ROLE)
    viewer = make_peer("chair", "viewer")
    room.peers = {"node:district-1": link, "chair": viewer}
    # a downstream node cannot set the floor, a plain participant cannot report members
    room.handle_control(link, {"type": "state", "floor": "x", "muted": []})
    room.handle_control(viewer, {"type": "members", "pids": ["x"]})
    assert room.floor is None and viewer.members == set()
