"""The forwarding core on real SRTP sessions and real loopback UDP sockets (no aiortc)."""

from __future__ import annotations

import asyncio
import os
import struct
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from aiortc.rtp import RtcpPacket, RtcpPsfbPacket, RtcpRtpfbPacket, RtpPacket
from pylibsrtp import Policy, Session

from realtime.sfu.forwarding import (
    KEYFRAME_INTERVAL,
    LIFTED_VIDEO_BITRATE,
    PAUSED_VIDEO_BITRATE,
    CodecInfo,
    FeedbackChannel,
    InboundStream,
    OutboundTrack,
    parse_nack,
)
from realtime.sfu.wire import Wire

from .test_packet import BROWSER_EXT, make_rtp

KEY_PROFILE = Policy.SRTP_PROFILE_AES128_CM_SHA1_80
VP8 = CodecInfo("VP8", 90000, pt=96, rtx_pt=97)
KEYFRAME = b"\x10\x00\x9d\x01\x2a"
DELTA = b"\x10\x01\x00\x00\x00"
MIDDLE = b"\x00\x00\x11\x22\x33"


class Collector(asyncio.DatagramProtocol):
    """Datagrams received on a loopback socket."""

    def __init__(self) -> None:
        self.datagrams: list[bytes] = []

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        self.datagrams.append(data)


class Endpoint:
    """One far end on loopback: what the SFU's wire to it sends arrives here, decrypted."""

    def __init__(self, key: bytes, collector: Collector, wire: Wire) -> None:
        self.collector = collector
        self.wire = wire
        self._key = key
        self._rx = Session(
            Policy(key=key, ssrc_type=Policy.SSRC_ANY_INBOUND, srtp_profile=KEY_PROFILE)
        )
        self._seen = 0
        self.rtp: list[bytes] = []
        self.rtcp: list[bytes] = []

    def drain(self) -> None:
        """Decrypt everything that arrived since the last call."""
        for data in self.collector.datagrams[self._seen :]:
            if 192 <= data[1] <= 223:
                self.rtcp.append(self._rx.unprotect_rtcp(data))
            else:
                self.rtp.append(self._rx.unprotect(data))
        self._seen = len(self.collector.datagrams)

    def decrypt_alone(self, index: int) -> RtpPacket:
        """Decrypt one datagram with a fresh session (a resent packet fails the replay check)."""
        rx = Session(
            Policy(key=self._key, ssrc_type=Policy.SSRC_ANY_INBOUND, srtp_profile=KEY_PROFILE)
        )
        return RtpPacket.parse(rx.unprotect(self.collector.datagrams[index]))

    def parsed(self) -> list[RtpPacket]:
        """Received RTP packets, parsed by aiortc."""
        self.drain()
        return [RtpPacket.parse(p) for p in self.rtp]


async def until(predicate: Callable[[], bool], what: str) -> None:
    """Let the loop deliver loopback datagrams until `predicate` holds."""
    for _ in range(200):
        if predicate():
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"never happened: {what}")


MakeEndpoint = Callable[[], Awaitable[Endpoint]]


@pytest.fixture
async def endpoints() -> AsyncIterator[MakeEndpoint]:
    loop = asyncio.get_running_loop()
    transports: list[asyncio.DatagramTransport] = []
    sender, _ = await loop.create_datagram_endpoint(
        asyncio.DatagramProtocol, local_addr=("127.0.0.1", 0)
    )
    transports.append(sender)

    async def make() -> Endpoint:
        collector = Collector()
        transport, _ = await loop.create_datagram_endpoint(
            lambda: collector, local_addr=("127.0.0.1", 0)
        )
        transports.append(transport)
        key = os.urandom(30)
        policy = Policy(key=key, ssrc_type=Policy.SSRC_ANY_OUTBOUND, srtp_profile=KEY_PROFILE)
        policy.allow_repeat_tx = True  # as aiortc configures it: NACK answers repeat indices
        tx = Session(policy)
        rx_unused = Session(
            Policy(key=os.urandom(30), ssrc_type=Policy.SSRC_ANY_INBOUND, srtp_profile=KEY_PROFILE)
        )
        wire = Wire(tx, rx_unused, sender, transport.get_extra_info("sockname"))
        return Endpoint(key, collector, wire)

    yield make
    for transport in transports:
        transport.close()


def video_stream(publisher: Endpoint | None = None) -> InboundStream:
    feedback = FeedbackChannel(publisher.wire if publisher else None, sender_ssrc=0xABCD)
    return InboundStream("video", VP8, feedback, label="pub/video", nack_upstream=True)


def publish(
    stream: InboundStream, payloads: list[bytes], seq0: int, ts0: int = 1000, ssrc: int = 7
) -> None:
    for i, payload in enumerate(payloads):
        stream.receive(
            make_rtp(
                payload,
                seq=(seq0 + i) & 0xFFFF,
                ts=ts0 + 3000 * i,
                ssrc=ssrc,
                extensions=BROWSER_EXT,
            )
        )


async def test_each_subscriber_gets_its_own_ssrc_pt_and_continuous_sequence(
    endpoints: MakeEndpoint,
) -> None:
    stream = video_stream()
    subs = [await endpoints() for _ in range(3)]
    tracks = []
    for i, sub in enumerate(subs):
        codec = CodecInfo("VP8", 90000, pt=100 + i, rtx_pt=None)
        track = OutboundTrack(
            sub.wire, "video", codec, ssrc=5000 + i, ast_id=2 + i if i < 2 else None
        )
        track.switch(stream)
        tracks.append(track)
    publish(stream, [DELTA, MIDDLE, KEYFRAME, MIDDLE, DELTA, MIDDLE], seq0=65533)
    await until(lambda: all(len(s.collector.datagrams) == 4 for s in subs), "4 packets each")
    for i, (sub, track) in enumerate(zip(subs, tracks, strict=True)):
        packets = sub.parsed()
        assert {p.ssrc for p in packets} == {5000 + i}
        assert {p.payload_type for p in packets} == {100 + i}
        seqs = [p.sequence_number for p in packets]
        assert seqs == [(seqs[0] + k) & 0xFFFF for k in range(4)]
        assert seqs[0] == track.next_seq  # numbering starts where the track stood
        assert [p.payload for p in packets] == [KEYFRAME, MIDDLE, DELTA, MIDDLE]
        stamps = [p.timestamp for p in packets]
        assert [(s - stamps[0]) & 0xFFFFFFFF for s in stamps] == [0, 3000, 6000, 9000]
        raw = sub.rtp[0]
        if i < 2:
            # one abs-send-time element under this subscriber's extension ID
            assert raw[12:17] == b"\xbe\xde\x00\x01" + bytes((((2 + i) << 4) | 2,))
        else:
            assert raw[12:20] == b"\xbe\xde\x00\x01\x00\x00\x00\x00"


async def test_audio_starts_at_once_and_loses_its_extensions(endpoints: MakeEndpoint) -> None:
    sub = await endpoints()
    stream = InboundStream("audio", CodecInfo("opus", 48000, 111), FeedbackChannel(None, 1))
    track = OutboundTrack(sub.wire, "audio", CodecInfo("opus", 48000, 109), ssrc=77)
    track.switch(stream)
    for i in range(3):
        stream.receive(make_rtp(b"opus", seq=10 + i, pt=111, extensions=b"\x10\x30"))
    await until(lambda: len(sub.collector.datagrams) == 3, "3 audio packets")
    packets = sub.parsed()
    assert [p.payload_type for p in packets] == [109] * 3
    assert not any(raw[0] & 0x10 for raw in sub.rtp)


async def test_switching_source_keeps_numbering_continuous(endpoints: MakeEndpoint) -> None:
    sub = await endpoints()
    a = video_stream()
    b = video_stream()
    track = OutboundTrack(sub.wire, "video", VP8, ssrc=42)
    track.switch(a)
    publish(a, [KEYFRAME, MIDDLE, DELTA], seq0=100, ts0=1_000_000, ssrc=1)
    track.switch(b)
    publish(a, [DELTA], seq0=103, ssrc=1)  # A is no longer forwarded here
    publish(b, [DELTA, KEYFRAME, MIDDLE], seq0=60000, ts0=5, ssrc=2)
    await until(lambda: len(sub.collector.datagrams) == 5, "5 packets")
    packets = sub.parsed()
    seqs = [p.sequence_number for p in packets]
    assert seqs == [(seqs[0] + k) & 0xFFFF for k in range(5)]
    assert {p.ssrc for p in packets} == {42}
    assert [p.payload for p in packets] == [KEYFRAME, MIDDLE, DELTA, KEYFRAME, MIDDLE]
    stamps = [p.timestamp for p in packets]
    step = (stamps[3] - stamps[2]) & 0xFFFFFFFF
    assert 0 < step < 90000  # moves on by the time that passed, not by the sources' offset
    assert (stamps[4] - stamps[3]) & 0xFFFFFFFF == 3000
    assert a.paused and not b.paused


async def test_nack_is_answered_with_rtx_from_the_ring(endpoints: MakeEndpoint) -> None:
    sub = await endpoints()
    stream = video_stream()
    track = OutboundTrack(sub.wire, "video", VP8, ssrc=42, rtx_ssrc=43, ast_id=3)
    track.switch(stream)
    publish(stream, [KEYFRAME, MIDDLE, DELTA, MIDDLE], seq0=65534)
    await until(lambda: len(sub.collector.datagrams) == 4, "4 packets")
    first = sub.parsed()
    wanted = [first[1].sequence_number, first[3].sequence_number]
    assert track.on_nack(wanted) == 2
    await until(lambda: len(sub.collector.datagrams) == 6, "2 retransmissions")
    rtx = sub.parsed()[4:]
    assert {p.ssrc for p in rtx} == {43} and {p.payload_type for p in rtx} == {97}
    assert [struct.unpack(">H", p.payload[:2])[0] for p in rtx] == wanted
    assert [p.payload[2:] for p in rtx] == [MIDDLE, MIDDLE]
    assert rtx[1].sequence_number == (rtx[0].sequence_number + 1) & 0xFFFF
    assert [p.timestamp for p in rtx] == [first[1].timestamp, first[3].timestamp]


async def test_nack_without_rtx_resends_the_packet_itself(endpoints: MakeEndpoint) -> None:
    sub = await endpoints()
    stream = video_stream()
    track = OutboundTrack(sub.wire, "video", CodecInfo("VP8", 90000, 96), ssrc=42)
    track.switch(stream)
    publish(stream, [KEYFRAME, MIDDLE], seq0=10)
    await until(lambda: len(sub.collector.datagrams) == 2, "2 packets")
    first = sub.parsed()
    assert track.on_nack([first[1].sequence_number]) == 1
    await until(lambda: len(sub.collector.datagrams) == 3, "retransmission")
    again = sub.decrypt_alone(2)
    assert (again.ssrc, again.sequence_number, again.payload) == (
        42,
        first[1].sequence_number,
        MIDDLE,
    )


async def test_nack_for_packets_never_forwarded_is_ignored(endpoints: MakeEndpoint) -> None:
    sub = await endpoints()
    stream = video_stream()
    track = OutboundTrack(sub.wire, "video", VP8, ssrc=42, rtx_ssrc=43)
    track.switch(stream)
    publish(stream, [DELTA, DELTA, KEYFRAME], seq0=10)
    await until(lambda: len(sub.collector.datagrams) == 1, "keyframe")
    start = sub.parsed()[0].sequence_number
    # the two deltas before the keyframe were never this subscriber's packets,
    # and the ring has nothing newer than what was sent
    assert track.on_nack([(start - 1) & 0xFFFF, (start - 2) & 0xFFFF, (start + 5) & 0xFFFF]) == 0


async def test_keyframe_requests_are_throttled_per_publisher_stream(
    endpoints: MakeEndpoint,
) -> None:
    publisher = await endpoints()
    stream = video_stream(publisher)
    publish(stream, [KEYFRAME], seq0=1, ssrc=0x5555)
    for _ in range(10):
        stream.request_keyframe()
    assert stream.keyframes_requested_upstream == 1
    await until(lambda: len(publisher.collector.datagrams) == 1, "first PLI")
    # the requests made inside the window are honoured once, when it ends
    await asyncio.sleep(KEYFRAME_INTERVAL + 0.1)
    assert stream.keyframes_requested_upstream == 2
    for _ in range(5):
        stream.request_keyframe()
    assert stream.keyframes_requested_upstream == 2
    await until(lambda: len(publisher.collector.datagrams) == 2, "second PLI")
    publisher.drain()
    plis = [RtcpPacket.parse(p)[0] for p in publisher.rtcp]
    assert all(isinstance(p, RtcpPsfbPacket) and p.fmt == 1 for p in plis)
    assert {p.media_ssrc for p in plis if isinstance(p, RtcpPsfbPacket)} == {0x5555}
    stream.close()


async def test_gap_from_the_publisher_is_nacked_upstream(endpoints: MakeEndpoint) -> None:
    publisher = await endpoints()
    stream = video_stream(publisher)
    publish(stream, [KEYFRAME, MIDDLE], seq0=65534, ssrc=9)
    publish(stream, [MIDDLE], seq0=2, ssrc=9)  # 0 and 1 went missing
    await until(lambda: len(publisher.collector.datagrams) == 1, "NACK")
    publisher.drain()
    (nack,) = RtcpPacket.parse(publisher.rtcp[0])
    assert isinstance(nack, RtcpRtpfbPacket) and nack.media_ssrc == 9
    assert sorted(parse_nack(publisher.rtcp[0][12:])) == [0, 1]


async def test_remb_aggregates_the_lowest_fresh_estimate(endpoints: MakeEndpoint) -> None:
    stream = video_stream()
    tracks = [OutboundTrack((await endpoints()).wire, "video", VP8, ssrc=i) for i in range(3)]
    for track in tracks:
        track.switch(stream)
    publish(stream, [KEYFRAME], seq0=1)
    tracks[0].on_remb(900_000)
    tracks[1].on_remb(300_000)
    now = tracks[1].remb_time
    assert stream.aggregate_remb(now) == 300_000
    assert stream.aggregate_remb(now + 60) is None  # stale estimates do not count
    tracks[1].switch(None)
    assert stream.aggregate_remb(now) == 900_000
    # Nobody watching: the publisher (a room waiting for the floor) is asked to idle.
    for track in tracks:
        track.switch(None)
    assert stream.paused and stream.aggregate_remb(now) == PAUSED_VIDEO_BITRATE
    tracks[2].switch(stream)
    # Back on screen: the cap is lifted at once, until its viewer's estimate comes.
    assert stream.aggregate_remb(now) == LIFTED_VIDEO_BITRATE
    publish(stream, [KEYFRAME], seq0=2)  # its viewer is fed from this keyframe on
    tracks[2].on_remb(700_000)
    assert stream.aggregate_remb(tracks[2].remb_time) == 700_000
    assert stream.aggregate_remb(tracks[2].remb_time + 60) is None  # stale: no cap, none sent


async def test_sender_report_counters_survive_a_switch(endpoints: MakeEndpoint) -> None:
    sub = await endpoints()
    a, b = video_stream(), video_stream()
    track = OutboundTrack(sub.wire, "video", VP8, ssrc=1)
    track.switch(a)
    publish(a, [DELTA, KEYFRAME, MIDDLE, MIDDLE], seq0=1, ssrc=1)
    assert track.counters()[0] == 3
    track.switch(b)
    publish(b, [KEYFRAME, MIDDLE], seq0=1, ssrc=2)
    packets, octets = track.counters()
    assert packets == 5
    await until(lambda: len(sub.collector.datagrams) == 5, "5 packets")
    sub.drain()
    assert octets == sum(len(p) for p in sub.rtp)
