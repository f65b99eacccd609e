"""The SFU with real aiortc publishers and subscribers on loopback."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable

import pytest
from aiortc.codecs import vpx
from aiortc.mediastreams import VideoStreamTrack
from aiortc.rtp import RtcpPsfbPacket

from realtime.sfu import SfuError, SfuService
from realtime.sfu.forwarding import PAUSED_VIDEO_BITRATE, parse_remb

from .conftest import JoinClient
from .peers import (
    ColorTrack,
    announced_ssrcs,
    complete,
    count_rtcp,
    make_client,
    next_frame_size,
    tap_rtp,
    wait_for_size,
)

HALL = (160, 120)
ROOM_A = (176, 144)
ROOM_B = (208, 128)


def plis(seen: list[object]) -> int:
    return sum(1 for p in seen if isinstance(p, RtcpPsfbPacket) and p.fmt == 1)


def consecutive(seqs: list[int]) -> bool:
    return all((b - a) & 0xFFFF == 1 for a, b in itertools.pairwise(seqs))


async def until(predicate: Callable[[], bool], what: str, seconds: float = 10.0) -> None:
    for _ in range(int(seconds / 0.05)):
        if predicate():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"never happened: {what}")


async def test_publisher_reaches_every_subscriber_rewritten_and_decoded(
    sfu: SfuService, join: JoinClient
) -> None:
    hall = await join("hall", "hall", video=ColorTrack(*HALL))
    subscribers = [
        await join("viewer", "chair-console"),
        await join("viewer", "display"),
        await join("remote_room", "commune-a", video=ColorTrack(*ROOM_A)),
    ]
    taps = [tap_rtp(c.pc) for c in subscribers]
    for client in subscribers:
        await wait_for_size(client.track("hall"), HALL)
        await asyncio.wait_for(client.track("hall", "audio").recv(), 10)
    for client in subscribers:
        await wait_for_size(client.track("hall"), HALL)  # frames keep coming

    publisher_ssrcs = {t.sender._ssrc for t in hall.transceivers}
    slot_ssrcs = [announced_ssrcs(c)[("hall", "video")] for c in subscribers]
    assert len(set(slot_ssrcs)) == len(subscribers)
    assert not publisher_ssrcs & set(slot_ssrcs)
    for tap, ssrc in zip(taps, slot_ssrcs, strict=True):
        seqs = tap.seqs(ssrc)
        assert len(seqs) >= 3
        assert consecutive(seqs)
        assert not publisher_ssrcs & {s for s, _seq, _pt in tap.packets}
    for client in subscribers:
        stats = await client.transceivers[-3].receiver.getStats()
        inbound = [s for s in stats.values() if s.type == "inbound-rtp"]
        assert inbound and inbound[0].packetsLost == 0
    state = sfu.state(1)
    assert state["participants"] == {
        "hall": "hall",
        "chair-console": "viewer",
        "display": "viewer",
        "commune-a": "remote_room",
    }


async def test_keyframe_requests_reach_the_publisher_throttled(
    sfu: SfuService, join: JoinClient
) -> None:
    hall = await join("hall", "hall", video=ColorTrack(*HALL))
    seen = count_rtcp(hall.transceivers[1].sender)
    first = await join("viewer", "v1")
    await next_frame_size(first.track("hall"))
    # subscribing asked the publisher for a keyframe
    assert plis(seen) >= 1
    second = await join("viewer", "v2")
    assert await next_frame_size(second.track("hall")) == HALL

    stats = await sfu.stats(1)
    before = stats["peers"]["hall"]["inbound"]["uplink/video"]
    await asyncio.sleep(1.1)  # let the subscribe PLIs' throttle window pass
    received_before = plis(seen)
    loop = asyncio.get_running_loop()
    started = loop.time()
    for _ in range(20):
        for client in (first, second):
            ssrc = announced_ssrcs(client)[("hall", "video")]
            await client.transceivers[1].receiver._send_rtcp_pli(ssrc)
        await asyncio.sleep(0.01)
    await asyncio.sleep(1.3)  # long enough for a deferred PLI to go out
    # one a second at most: a burst of 40 requests over this span relays at most this many
    allowed = int(loop.time() - started) + 1
    after = (await sfu.stats(1))["peers"]["hall"]["inbound"]["uplink/video"]
    assert after["keyframe_requests"] - before["keyframe_requests"] >= 40
    relayed = after["plis_sent"] - before["plis_sent"]
    assert 1 <= relayed <= allowed
    assert 1 <= plis(seen) - received_before <= allowed


async def test_floor_switch_changes_what_subscribers_decode(
    sfu: SfuService, join: JoinClient
) -> None:
    await join("hall", "hall", video=ColorTrack(*HALL))
    room_a = await join("remote_room", "room-a", video=ColorTrack(*ROOM_A))
    room_b = await join("remote_room", "room-b", video=ColorTrack(*ROOM_B))
    viewer = await join("viewer", "chair")
    tap = tap_rtp(viewer.pc)
    floor_ssrc = announced_ssrcs(viewer)[("floor", "video")]

    await sfu.set_floor(1, "room-a")
    await wait_for_size(viewer.track("floor"), ROOM_A)
    await wait_for_size(room_b.track("floor"), ROOM_A)
    await wait_for_size(room_b.track("hall"), HALL)
    stats = await sfu.stats(1)
    assert stats["floor"] == "room-a"
    assert stats["peers"]["room-b"]["inbound"]["uplink/video"]["paused"]
    assert not stats["peers"]["room-a"]["inbound"]["uplink/video"]["paused"]
    # the floor holder is not sent its own stream back
    assert stats["peers"]["room-a"]["outbound"]["floor/video"]["source"] is None

    await sfu.set_floor(1, "room-b")
    await wait_for_size(viewer.track("floor"), ROOM_B)
    await wait_for_size(room_a.track("floor"), ROOM_B)
    seqs = tap.seqs(floor_ssrc)
    assert len(seqs) >= 4
    assert consecutive(seqs)  # the slot's numbering never jumped across the switch
    stats = await sfu.stats(1)
    assert stats["peers"]["room-a"]["inbound"]["uplink/video"]["paused"]

    await sfu.set_floor(1, None)
    stats = await sfu.stats(1)
    assert stats["peers"]["chair"]["outbound"]["floor/video"]["source"] is None
    assert stats["peers"]["room-b"]["inbound"]["uplink/video"]["paused"]


async def test_chair_mutes_a_room(sfu: SfuService, join: JoinClient) -> None:
    await join("hall", "hall", video=ColorTrack(*HALL))
    await join("remote_room", "room-a", video=ColorTrack(*ROOM_A))
    viewer = await join("viewer", "chair")
    tap = tap_rtp(viewer.pc)
    audio_ssrc = announced_ssrcs(viewer)[("floor", "audio")]
    await sfu.set_floor(1, "room-a")
    await until(lambda: len(tap.seqs(audio_ssrc)) > 5, "floor audio")

    await sfu.set_muted(1, "room-a", True)
    assert sfu.state(1)["muted"] == ["room-a"]
    muted_at = len(tap.seqs(audio_ssrc))
    await asyncio.sleep(0.5)  # 25 Opus packets would have arrived
    assert len(tap.seqs(audio_ssrc)) <= muted_at + 2  # at most what was in flight
    # video still flows
    await wait_for_size(viewer.track("floor"), ROOM_A)

    await sfu.set_muted(1, "room-a", False)
    await until(lambda: len(tap.seqs(audio_ssrc)) > muted_at + 5, "audio back")
    assert consecutive(tap.seqs(audio_ssrc))


async def test_lost_packets_are_resent_and_bandwidth_estimates_reach_the_publisher(
    sfu: SfuService, join: JoinClient, drain_track: Callable[[object], None]
) -> None:
    hall = await join("hall", "hall", video=ColorTrack(*HALL))
    seen = count_rtcp(hall.transceivers[1].sender)
    viewer = await join("viewer", "lossy")
    # drop every 7th packet of the hall video before aiortc sees it: aiortc NACKs
    tap_rtp(viewer.pc, drop_every=7, drop_ssrc=announced_ssrcs(viewer)[("hall", "video")])
    drain_track(viewer.track("hall"))
    track: dict[str, object] = {}

    def done() -> bool:
        track.update(sfu.rooms[1].peers["lossy"].stats()["outbound"].get("hall/video", {}))
        if not track:
            return False
        remb_seen = any(isinstance(p, RtcpPsfbPacket) and p.fmt == 15 for p in seen)
        return bool(track["nacks_answered"]) and track["remb"] is not None and remb_seen

    # aiortc's receive-side estimator sends its first REMB after ~3 s
    await until(done, "NACKs answered and REMB relayed to the publisher", 15)


async def test_h264_room_forwards_decodable_video(sfu: SfuService, join: JoinClient) -> None:
    await sfu.open_room(2, video_codec="H264")
    hall = await join("hall", "hall", video=VideoStreamTrack(), meeting=2)
    viewer = await join("viewer", "v", meeting=2)
    assert await next_frame_size(viewer.track("hall")) == (640, 480)
    stats = await sfu.stats(2)
    assert stats["peers"]["v"]["outbound"]["hall/video"]["packets"] > 0
    sdp = hall.pc.remoteDescription.sdp
    assert "H264/90000" in sdp and "VP8/90000" not in sdp


async def test_payload_types_are_rewritten_between_publisher_and_subscriber(
    sfu: SfuService, join: JoinClient
) -> None:
    hall = await join("hall", "hall", video=ColorTrack(*HALL))
    viewer, offer = await make_client("viewer")
    # the viewer numbers VP8 differently from the hall
    offer = offer.replace("VP8/90000", "VP8/90000\r\na=x-unused:1").replace(" 97 98", " 120 98")
    offer = offer.replace("a=rtpmap:97 VP8", "a=rtpmap:120 VP8").replace("apt=97", "apt=120")
    offer = offer.replace("a=rtcp-fb:97", "a=rtcp-fb:120")
    await complete(viewer, await sfu.join(1, "v", "viewer", offer))
    tap = tap_rtp(viewer.pc)
    assert await next_frame_size(viewer.track("hall")) == HALL
    hall_pt = {c.payloadType for c in hall.transceivers[1]._codecs if c.name == "VP8"}
    ssrc = announced_ssrcs(viewer)[("hall", "video")]
    received_pts = {pt for s, _seq, pt in tap.packets if s == ssrc}
    assert received_pts == {120} and hall_pt == {97}
    await viewer.pc.close()


async def test_rejoin_replaces_the_previous_connection(sfu: SfuService, join: JoinClient) -> None:
    await join("hall", "hall", video=ColorTrack(*HALL))
    old = await join("viewer", "v")
    await next_frame_size(old.track("hall"))
    new = await join("viewer", "v")
    assert await next_frame_size(new.track("hall")) == HALL
    await until(
        lambda: old.pc.connectionState in ("failed", "closed"), "old connection dropped", 40
    )
    assert list(sfu.state(1)["participants"]) == ["hall", "v"]
    await sfu.leave(1, "v")
    assert "v" not in sfu.state(1)["participants"]


async def test_unknown_meeting_is_refused(sfu: SfuService) -> None:
    client, offer = await make_client("viewer")
    with pytest.raises(SfuError) as error:
        await sfu.join(99, "v", "viewer", offer)
    assert error.value.code == "room_closed"
    await sfu.close_room(1)
    with pytest.raises(SfuError) as error:
        await sfu.join(1, "v", "viewer", offer)
    assert error.value.code == "room_closed"
    await client.pc.close()


async def test_participant_of_another_meeting_is_refused_by_the_authorize_hook() -> None:
    allowed = {(1, "commune-a")}

    async def authorize(meeting_id: int, participant_id: str, role: str) -> bool:
        return (meeting_id, participant_id) in allowed

    service = SfuService(authorize=authorize)
    await service.open_room(1)
    await service.open_room(2)
    client, offer = await make_client("remote_room")
    try:
        with pytest.raises(SfuError) as error:
            await service.join(2, "commune-a", "remote_room", offer)
        assert error.value.code == "forbidden"
        assert error.value.as_ack() == {
            "ok": False,
            "error": {"code": "forbidden", "message": str(error.value)},
        }
        answer = await service.join(1, "commune-a", "remote_room", offer)
        assert answer.startswith("v=0")
    finally:
        await client.pc.close()
        await service.close()


async def test_bad_role_layout_and_second_hall_are_refused(
    sfu: SfuService, join: JoinClient
) -> None:
    viewer, viewer_offer = await make_client("viewer")
    try:
        with pytest.raises(SfuError) as error:
            await sfu.join(1, "x", "chair", viewer_offer)
        assert error.value.code == "bad_role"
        with pytest.raises(SfuError) as error:
            await sfu.join(1, "x", "remote_room", viewer_offer)
        assert error.value.code == "bad_offer"
        with pytest.raises(SfuError) as error:
            await sfu.join(1, "x", "viewer", "not sdp")
        assert error.value.code == "bad_offer"
    finally:
        await viewer.pc.close()
    await join("hall", "hall-1", video=ColorTrack(*HALL))
    with pytest.raises(SfuError) as error:
        await join("hall", "hall-2", video=ColorTrack(*HALL))
    assert error.value.code == "hall_taken"


async def test_state_listener_hears_floor_and_mute(sfu: SfuService) -> None:
    heard: list[dict[str, object]] = []
    sfu.add_listener(lambda meeting_id, state: heard.append(state))
    await sfu.set_floor(1, "room-a")
    await sfu.set_muted(1, "room-a", True)
    assert heard[-2]["floor"] == "room-a"
    assert heard[-1]["muted"] == ["room-a"]
    await sfu.close_room(1)
    assert heard[-1] == {"meeting_id": 1, "closed": True}


async def test_a_room_waiting_for_the_floor_is_asked_to_idle_its_uplink(
    sfu: SfuService, join: JoinClient
) -> None:
    await join("hall", "hall", video=ColorTrack(*HALL))
    room = await join("remote_room", "room-a", video=ColorTrack(*ROOM_A))
    sender = room.transceivers[1].sender
    seen = count_rtcp(sender)

    def capped() -> bool:
        rembs = [parse_remb(p.fci) for p in seen
                 if isinstance(p, RtcpPsfbPacket) and p.fmt == 15]
        return any(r is not None and r[0] == PAUSED_VIDEO_BITRATE for r in rembs)

    await until(capped, "the paused uplink asked to keep to the idle bitrate", 10)
    # aiortc's encoder takes it as its target (it floors at its own minimum, 250 kbps,
    # down from its 500 kbps default): the commune's link is spared.
    def slowed() -> bool:
        encoder = sender._RTCRtpSender__encoder
        return encoder is not None and encoder.target_bitrate == max(vpx.MIN_BITRATE,
                                                                     PAUSED_VIDEO_BITRATE)

    await until(slowed, "the encoder slowed down", 5)
