"""Video through the meeting's socket.io channel: who may join, and the floor following
the speaker queue, with real aiortc peers on loopback."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from typing import Any

from ecabinet import db
from ecabinet.app import create_app
from ecabinet.config import Settings
from ecabinet.models import MeetingStatus, Unit
from realtime.sfu import SfuService
from realtime.sfu.cascade import upstream_exchange
from tests.conftest import LiveServer, World, free_port, start_server, stop_server
from tests.live import LiveClient
from tests.sfu.peers import ColorTrack, complete, make_client, wait_for_size
from tests.sfu.test_cascade import TOKEN as CASCADE_TOKEN
from tests.sfu.test_cascade import serving
from tests.test_meetings import make_meeting

HALL_SIZE = (320, 240)
ROOM_SIZE = (160, 128)


async def _join(client: LiveClient, meeting_id: int, role: str, size: tuple[int, int] | None
                ) -> Any:
    peer, offer = await make_client(role, video=ColorTrack(*size) if size else None)
    ack = await client.call("video:join", {"meeting_id": meeting_id, "role": role,
                                           "offer": offer})
    assert ack["ok"], ack
    assert ack["participant_id"].startswith("hall:" if role == "hall" else "user:")
    await complete(peer, ack["answer"])
    return peer


async def test_who_may_join_in_which_role(live_server: LiveServer, world: World,
                                          sessions: Any) -> None:
    draft = await make_meeting(sessions, world, MeetingStatus.draft)
    meeting_id = await make_meeting(sessions, world, MeetingStatus.published)
    people = {name: LiveClient(live_server.url) for name in
              ("outsider", "delegate", "room", "secretary")}
    try:
        for name, client in people.items():
            await client.login(name)
            await client.connect()
        _peer, offer = await make_client("viewer")
        refused = {
            ("outsider", "viewer", meeting_id): "meeting_not_found",
            ("delegate", "hall", meeting_id): "video_hall_only_office",
            ("delegate", "remote_room", meeting_id): "video_remote_rooms_only",
            ("room", "hall", meeting_id): "video_hall_only_office",
            ("secretary", "viewer", draft): "video_not_open",
            ("delegate", "director", meeting_id): "video_bad_role",
        }
        for (name, role, mid), code in refused.items():
            ack = await people[name].call("video:join", {"meeting_id": mid, "role": role,
                                                          "offer": offer})
            assert ack["ok"] is False and ack["error"]["code"] == code, (name, role, ack)
            assert ack["error"]["message"] and not ack["error"]["message"].startswith("video_")
        # Only the chair and the managing secretary control floor, mutes and recording.
        for name in ("delegate", "room"):
            for event, extra in (("video:floor", {"participant_id": None}),
                                 ("video:mute", {"participant_id": "user:1", "muted": True}),
                                 ("video:record", {"action": "start"})):
                ack = await people[name].call(event, {"meeting_id": meeting_id, **extra})
                assert ack["ok"] is False and ack["error"]["code"] == "forbidden", (name, event)
    finally:
        for client in people.values():
            await client.close()


async def test_floor_follows_the_speaker_queue(live_server: LiveServer, world: World,
                                               sessions: Any) -> None:
    meeting_id = await make_meeting(sessions, world, MeetingStatus.in_session)
    secretary, room, chair, delegate = (LiveClient(live_server.url) for _ in range(4))
    peers = []
    try:
        for client, name in ((secretary, "secretary"), (room, "room"), (chair, "chair"),
                             (delegate, "delegate")):
            await client.login(name)
            await client.connect()
        hall = await _join(secretary, meeting_id, "hall", HALL_SIZE)
        commune = await _join(room, meeting_id, "remote_room", ROOM_SIZE)
        viewer = await _join(delegate, meeting_id, "viewer", None)
        peers = [hall, commune, viewer]
        # Everyone sees the hall; the commune decodes it through the SFU.
        assert await wait_for_size(commune.track("hall"), HALL_SIZE) >= 1
        assert await wait_for_size(viewer.track("hall"), HALL_SIZE) >= 1

        # The commune asks to speak and the chair gives it the floor from the queue.
        asked = await room.call("speaker:request", {"meeting_id": meeting_id})
        assert asked["ok"], asked
        granted = await chair.call("speaker:grant", {"meeting_id": meeting_id,
                                                     "request_id": asked["request_id"]})
        assert granted["ok"], granted
        assert await wait_for_size(viewer.track("floor"), ROOM_SIZE) >= 1
        assert await wait_for_size(hall.track("floor"), ROOM_SIZE) >= 1

        # A screen opening now (the hall's projector) learns who holds the floor at once.
        status = await delegate.call("video:status", {"meeting_id": meeting_id})
        assert status["ok"] and status["state"]["floor"] == f"user:{world['room'].id}"
        assert status["state"]["floor_live"] is True
        assert status["state"]["names"][f"user:{world['room'].id}"] == world["room"].full_name
        # A manual override by the chair takes it back to the hall only.
        back = await chair.call("video:floor", {"meeting_id": meeting_id,
                                                "participant_id": None})
        assert back["ok"], back
        state = live_server.app.starlette.state.video.sfu.state(meeting_id)
        assert state["floor"] is None
    finally:
        for peer in peers:
            await peer.pc.close()
        for client in (secretary, room, chair, delegate):
            await client.close()


@asynccontextmanager
async def people(url: str, *names: str) -> AsyncIterator[tuple[list[LiveClient], list[Any]]]:
    """Logged-in live clients for `names`, and a list for the peers they open; all closed
    afterwards."""
    clients = [LiveClient(url) for _ in names]
    peers: list[Any] = []
    try:
        for client, name in zip(clients, names, strict=True):
            await client.login(name)
            await client.connect()
        yield clients, peers
    finally:
        for peer in peers:
            await peer.pc.close()
        for client in clients:
            await client.close()


@asynccontextmanager
async def node(settings: Settings, port: int | None = None) -> AsyncIterator[LiveServer]:
    """A whole node with these settings on a real port."""
    live = await start_server(create_app(settings), port)
    try:
        yield live
    finally:
        await stop_server(live)


async def test_browsers_get_the_configured_ice_servers_before_their_offer(
        settings: Settings, world: World, sessions: Any) -> None:
    meeting_id = await make_meeting(sessions, world, MeetingStatus.published)
    configured = replace(settings, ice_servers=("stun:stun.so.gov.vn:3478",
                                                "turn:turn.so.gov.vn:3478?transport=udp"),
                         turn_username="ecabinet", turn_credential="mật-khẩu-turn")
    for node_settings, expected in (
        (settings, []),  # closed networks: nothing, and nothing from the internet
        (configured, [{"urls": "stun:stun.so.gov.vn:3478"},
                      {"urls": "turn:turn.so.gov.vn:3478?transport=udp",
                       "username": "ecabinet", "credential": "mật-khẩu-turn"}]),
    ):
        async with node(node_settings) as live, people(live.url, "room", "outsider") as (
                (room, outsider), _peers):
            ack = await room.call("video:config", {"meeting_id": meeting_id})
            assert ack == {"ok": True, "ice_servers": expected}
            for event in ("video:config", "video:status"):
                refused = await outsider.call(event, {"meeting_id": meeting_id})
                assert refused["ok"] is False, event
                assert refused["error"]["code"] == "meeting_not_found"
            # Nobody has joined yet: no room, no state.
            assert await room.call("video:status", {"meeting_id": meeting_id}) == {
                "ok": True, "state": None}
            # The SFU's own peers never take the TURN URL (it has no credentials there).
            video = live.app.starlette.state.video
            assert video.sfu.ice_servers == tuple(u for u in node_settings.ice_servers
                                                  if u.startswith("stun:"))


async def test_a_reconnected_room_keeps_its_video_when_the_old_socket_closes(
        live_server: LiveServer, world: World, sessions: Any) -> None:
    meeting_id = await make_meeting(sessions, world, MeetingStatus.in_session)
    video = live_server.app.starlette.state.video
    async with people(live_server.url, "secretary", "secretary", "room", "room") as (
            (hall_pc, phone, room_before, room_after), peers):
        # The secretary broadcasts the hall from its PC and watches on a phone: both stay.
        peers.append(await _join(hall_pc, meeting_id, "hall", HALL_SIZE))
        peers.append(await _join(phone, meeting_id, "viewer", None))
        secretary = world["secretary"].id
        assert {f"hall:{secretary}", f"user:{secretary}"} <= set(
            video.sfu.state(meeting_id)["participants"])
        # The commune's Wi-Fi drops: its browser rejoins on a new socket before the
        # server has noticed the old one is gone.
        peers.append(await _join(room_before, meeting_id, "remote_room", ROOM_SIZE))
        commune = await _join(room_after, meeting_id, "remote_room", ROOM_SIZE)
        peers.append(commune)
        old_sid = room_before.sio.get_sid()
        assert old_sid not in video.joined  # the rejoin let go of the old socket
        await room_before.close()  # now the server sees the old socket close
        await asyncio.sleep(0.5)
        assert f"user:{world['room'].id}" in video.sfu.state(meeting_id)["participants"]
        assert await wait_for_size(commune.track("hall"), HALL_SIZE) >= 1
        assert await wait_for_size(peers[1].track("hall"), HALL_SIZE) >= 1


async def test_a_commune_under_a_district_node_joins_there_and_reaches_the_hall(
        settings: Settings, world: World, sessions: Any) -> None:
    meeting_id = await make_meeting(sessions, world, MeetingStatus.in_session)
    async with db.transaction(sessions) as s:  # the district's node serves its communes
        district = await s.get(Unit, world.district)
        assert district is not None
        district.code = "TTH-PL"
    port = free_port()
    district_node = SfuService(node_id="phuloc", upstream=upstream_exchange(
        f"http://127.0.0.1:{port}/sfu", CASCADE_TOKEN))
    async with (
        serving(district_node) as node_url,
        node(replace(settings, sfu_token=CASCADE_TOKEN, sfu_nodes=f"TTH-PL={node_url}"),
             port) as live,
        people(live.url, "secretary", "room") as ((secretary, room), peers),
    ):
        hall = await _join(secretary, meeting_id, "hall", HALL_SIZE)
        commune = await _join(room, meeting_id, "remote_room", ROOM_SIZE)
        peers += [hall, commune]
        # The commune decodes the hall through two hops: province → district → commune.
        assert await wait_for_size(commune.track("hall"), HALL_SIZE) >= 1
        pid = f"user:{world['room'].id}"
        assert pid in district_node.state(meeting_id)["participants"]
        sfu = live.app.starlette.state.video.sfu
        assert pid not in sfu.state(meeting_id)["participants"]
        for _ in range(100):
            if pid in sfu.state(meeting_id)["below"]:
                break
            await asyncio.sleep(0.05)
        # The chair's list names it, and giving it the floor brings it to the hall.
        status = await secretary.call("video:status", {"meeting_id": meeting_id})
        assert pid in status["state"]["below"]
        assert status["state"]["names"][pid] == world["room"].full_name
        floor = await secretary.call("video:floor", {"meeting_id": meeting_id,
                                                     "participant_id": pid})
        assert floor["ok"], floor
        assert await wait_for_size(hall.track("floor"), ROOM_SIZE) >= 1
    await district_node.close()


async def test_the_configured_codec_carries_the_meetings_video(
        settings: Settings, world: World, sessions: Any) -> None:
    meeting_id = await make_meeting(sessions, world, MeetingStatus.in_session)
    async with (
        node(replace(settings, video_codec="H264")) as live,
        people(live.url, "secretary", "delegate") as ((secretary, delegate), peers),
    ):
        hall = await _join(secretary, meeting_id, "hall", HALL_SIZE)
        viewer = await _join(delegate, meeting_id, "viewer", None)
        peers += [hall, viewer]
        answer = hall.pc.remoteDescription.sdp
        assert "H264/90000" in answer and "VP8/90000" not in answer
        assert await wait_for_size(viewer.track("hall"), HALL_SIZE) >= 1
